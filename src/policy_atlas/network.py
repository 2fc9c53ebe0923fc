"""The landscape as a network: actors and municipalities joined by the schema's relation properties,
laid out in tiers (federal at the top, local at the bottom) so vertical lines of information and
horizontal platforms can be read."""
from __future__ import annotations

import datetime as dt
import io
import math

import networkx as nx

from .model import load_schema
from .queries import Atlas

NODE_TYPES = ("Government", "Agency", "Body", "Organisation", "Municipality")
GROUPS = {"funds": ("funder", "recipient"), "coordinates": ("coordinator",), "member": ("member",),
          "reports_to": ("reports_to",), "part_of": ("part_of", "government"), "supports": ("supports",)}
# Okabe-Ito colours: distinguishable with colour-blindness.
COLOURS = {"funds": "#E69F00", "coordinates": "#0072B2", "member": "#009E73", "reports_to": "#D55E00",
           "part_of": "#999999", "supports": "#CC79A7"}
NODE_FILLS = {"Government": "#1b3a5c", "Agency": "#2e6da4", "Body": "#b03a2e", "Organisation": "#6c5b7b"}
DEFAULT_GROUPS = ("coordinates", "member", "reports_to", "part_of", "supports")  # funds to 56 municipalities hides the rest
REVERSED = ("member", "coordinator")  # drawn from the member / coordinator to the body
PER_ROW, COL_GAP, LINE_GAP, MARGIN = 8, 145, 70, 45
MUN_STEP = 18
NODE_RADIUS = {False: 11.0, True: 6.0}  # circle radius plus stroke, by is-municipality


def graph(atlas: Atlas, lang: str = "nl", relations: list[str] | None = None, region: str | None = None,
          day: dt.date | None = None) -> nx.MultiDiGraph:
    """Edges go from actor to actor; a subsidy becomes a `funds` edge from each funder to each recipient."""
    wanted = set(relations or GROUPS)
    g = nx.MultiDiGraph()
    for st in atlas.statements:
        if st.value_type != "entity" or st.rank == "deprecated" or (day and not st.holds_on(day)):
            continue
        group = next((k for k, props in GROUPS.items() if st.prop in props), None)
        if group is None or group not in wanted:
            continue
        if st.prop == "recipient":
            funders = [f.value for f in atlas.values(st.subject, "funder")] or \
                      [f.value for f in atlas.values(st.subject, "government")]
            pairs = [(f, st.value, st.subject) for f in funders]
        elif st.prop == "funder":
            continue
        elif st.prop in REVERSED:
            pairs = [(st.value, st.subject, None)]
        else:
            pairs = [(st.subject, st.value, None)]
        for source, target, via in pairs:
            if atlas.types.get(source) in NODE_TYPES and atlas.types.get(target) in NODE_TYPES:
                g.add_edge(source, target, relation=group, via=via or "", statement=st.id)
    if region:
        keep = [n for n in g if region in atlas.regions_of(n) or not atlas.regions_of(n)]
        g = g.subgraph(keep).copy()
    for node in g:
        label, label_lang = atlas.label_lang(node, lang)
        g.nodes[node].update(label=label, label_lang=label_lang or "", type=atlas.types[node],
                             tier=atlas.tier_of(node))
    return g


def layout(g: nx.MultiDiGraph) -> dict:
    """x/y per node: one band per tier (top: federal), nodes ordered by type then label and wrapped at
    PER_ROW per line; municipalities as a dot grid at the bottom of the local band."""
    tiers = [t["id"] for t in load_schema().tiers]
    bands: dict[str, list[str]] = {t: [] for t in tiers}
    muns = sorted((n for n, d in g.nodes(data=True) if d["type"] == "Municipality"),
                  key=lambda n: g.nodes[n]["label"].casefold())
    for node, data in g.nodes(data=True):
        if data["type"] != "Municipality":
            bands[data["tier"]].append(node)
    order = {t: i for i, t in enumerate(NODE_TYPES)}
    width = PER_ROW * COL_GAP + 2 * MARGIN
    per_dot_row = int((width - 2 * MARGIN) // MUN_STEP)
    positions: dict[str, tuple[float, float]] = {}
    label_dy: dict[str, int] = {}
    rows, y = [], 0
    for tier in tiers:
        nodes = sorted(bands[tier], key=lambda n: (order[g.nodes[n]["type"]], g.nodes[n]["label"].casefold()))
        dots = muns if tier == "local" else []
        if not nodes and not dots:
            continue
        top = y
        y += 44
        for start in range(0, len(nodes), PER_ROW):
            line = nodes[start:start + PER_ROW]
            step = (width - 2 * MARGIN) / len(line)
            for i, node in enumerate(line):
                positions[node] = (round(MARGIN + step * (i + 0.5), 1), y)
                label_dy[node] = -14 if i % 2 else 22  # alternate above/below so long labels do not collide
            y += LINE_GAP
        for i, node in enumerate(dots):
            positions[node] = (MARGIN + (i % per_dot_row) * MUN_STEP + MUN_STEP / 2, y + (i // per_dot_row) * MUN_STEP)
        if dots:
            y += (len(dots) // per_dot_row + 1) * MUN_STEP + 10
        rows.append({"tier": tier, "y": top, "height": y - top})
        y += 8
    return {"width": round(width), "height": round(y), "positions": positions, "rows": rows, "label_dy": label_dy}


def _ends(start: tuple[float, float], end: tuple[float, float], radius: float) -> dict:
    """A line from centre to the target's rim, so the arrowhead shows outside the target's circle."""
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    shrink = min(radius, length / 2) / length
    return {"x1": x1, "y1": y1, "x2": round(x2 - (x2 - x1) * shrink, 1), "y2": round(y2 - (y2 - y1) * shrink, 1)}


def graphml(g: nx.MultiDiGraph) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(g, buffer)
    return buffer.getvalue()


def view(atlas: Atlas, lang: str, relations: list[str] | None, region: str | None, day: dt.date | None) -> dict:
    g = graph(atlas, lang, relations or list(DEFAULT_GROUPS), region, day)
    lay = layout(g)
    nodes = [{"id": n, **d, "x": lay["positions"][n][0], "y": lay["positions"][n][1],
              "label_dy": lay["label_dy"].get(n, 22)} for n, d in g.nodes(data=True)]
    edges = [{"source": s, "target": t, **d, **_ends(lay["positions"][s], lay["positions"][t],
                                                    NODE_RADIUS.get(g.nodes[t]["type"] == "Municipality"))}
             for s, t, d in g.edges(data=True)]
    return {"relations": relations or list(DEFAULT_GROUPS), "region": region, "as_of": day.isoformat() if day else None,
            "width": lay["width"], "height": lay["height"], "rows": lay["rows"],
            "nodes": sorted(nodes, key=lambda n: n["id"]), "edges": edges,
            "labels": {n["id"]: n["label"] for n in nodes}, "colours": COLOURS, "node_fills": NODE_FILLS}
