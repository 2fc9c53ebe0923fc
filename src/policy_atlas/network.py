"""The landscape as a network: actors and municipalities joined by the schema's relation properties,
laid out in tiers (federal at the top, local at the bottom) so vertical lines of information and
horizontal platforms can be read."""
from __future__ import annotations

import datetime as dt
import io
import math
import sys
import threading
from collections import OrderedDict

import networkx as nx

from .model import load_schema
from .queries import Atlas, _first_day, _last_day

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
MORE, MORE_ID = "More", "more/"  # the node that stands for a band's actors beyond PER_TIER


PER_TIER = 30  # actors drawn per band, most relations first; the others become one "+K more" node per band
MAX_EDGES = 250  # lines drawn at most (grouped ones and those of the best-connected actors first); downloads have all


def all_relations(atlas: Atlas) -> list[tuple]:
    """Every relation between two actors, once per atlas version: (source, target, group, via, Held);
    a subsidy becomes a `funds` relation from each funder to each recipient."""
    return atlas.derived("network.relations", _relations)


def _relations(atlas: Atlas) -> list[tuple]:
    props = tuple(p for group in GROUPS.values() for p in group if p != "funder")
    found = sorted((r for r in atlas.select(("subject", "prop", "value", "id", "valid_from", "valid_to", "rank"),
                                            prop=props, value_type="entity") if r[6] != "deprecated"),
                   key=lambda r: (r[0], r[1]))  # light rows, not statements: only these columns are kept
    funders = {}
    for sid in atlas.chunked({r[0] for r in found if r[1] == "recipient"}):
        funders[sid] = [f.value for f in atlas.values(sid, "funder")] or \
                       [f.value for f in atlas.values(sid, "government")]
    out, intern = [], sys.intern  # ids shared with the registry, not a copy per relation
    for subject, prop, value, sid, valid_from, valid_to, _ in found:
        group = next(k for k, props in GROUPS.items() if prop in props)
        if prop == "recipient":
            pairs = [(f, value, subject) for f in funders[subject]]
        elif prop in REVERSED:
            pairs = [(value, subject, "")]
        else:
            pairs = [(subject, value, "")]
        held = Held(sid, valid_from, valid_to)
        out += [(intern(source), intern(target), group, intern(via), held) for source, target, via in pairs
                if atlas.types.get(source) in NODE_TYPES and atlas.types.get(target) in NODE_TYPES]
    return out


class Held:
    """What a relation keeps of its statement: the id and the days it holds (a whole statement is ~1 kB, and
    every relation is kept per version)."""

    __slots__ = ("id", "first", "last")

    def __init__(self, sid: str, valid_from: str | None, valid_to: str | None):
        self.id = sid
        self.first = _first_day(valid_from) if valid_from else None
        self.last = _last_day(valid_to) if valid_to else None

    def holds_on(self, day: dt.date) -> bool:
        """As `Statement.holds_on` (deprecated statements are no relations)."""
        return (self.first is None or day >= self.first) and (self.last is None or day <= self.last)


def _by_group(atlas: Atlas) -> dict[str, list[tuple]]:
    def compute() -> dict[str, list[tuple]]:
        out: dict[str, list[tuple]] = {g: [] for g in GROUPS}
        for row in all_relations(atlas):
            out[row[2]].append(row)
        return out
    return atlas.derived("network.by_group", lambda _: compute())


def _selected(atlas: Atlas, wanted: set[str], region: str | None, day: dt.date | None) -> list[tuple]:
    groups = _by_group(atlas)
    rows = [r for g in GROUPS if g in wanted for r in groups[g] if not day or r[4].holds_on(day)]
    if region:
        regions = atlas.derived("network.regions", lambda _: {})
        for node in {n for r in rows for n in r[:2]} - regions.keys():
            regions[node] = atlas.regions_of(node)
        rows = [r for r in rows if all(region in regions[n] or not regions[n] for n in r[:2])]
    return rows


def _node(atlas: Atlas, node: str, lang: str) -> dict:
    label, label_lang = atlas.label_lang(node, lang)
    return {"label": label, "label_lang": label_lang or "", "type": atlas.types[node], "tier": atlas.tier_of(node)}


def graph(atlas: Atlas, lang: str = "nl", relations: list[str] | None = None, region: str | None = None,
          day: dt.date | None = None) -> nx.MultiDiGraph:
    """Every selected relation as a graph (the downloads): edges from actor to actor."""
    g = nx.MultiDiGraph()
    for source, target, group, via, st in _selected(atlas, set(relations or GROUPS), region, day):
        g.add_edge(source, target, relation=group, via=via, statement=st.id)
    for node in g:
        g.nodes[node].update(_node(atlas, node, lang))
    return g


def layout(nodes: dict[str, dict]) -> dict:
    """x/y per node: one band per tier (top: federal), nodes ordered by type then label and wrapped at
    PER_ROW per line ("+K more" last); municipalities as a dot grid at the bottom of the local band."""
    tiers = [t["id"] for t in load_schema().tiers]
    bands: dict[str, list[str]] = {t: [] for t in tiers}
    muns = sorted((n for n, d in nodes.items() if d["type"] == "Municipality"), key=lambda n: nodes[n]["label"].casefold())
    for node, data in nodes.items():
        if data["type"] != "Municipality":
            bands[data["tier"]].append(node)
    order = {t: i for i, t in enumerate((*NODE_TYPES, MORE))}
    width = PER_ROW * COL_GAP + 2 * MARGIN
    per_dot_row = int((width - 2 * MARGIN) // MUN_STEP)
    positions: dict[str, tuple[float, float]] = {}
    label_dy: dict[str, int] = {}
    rows, y = [], 0
    for tier in tiers:
        band = sorted(bands[tier], key=lambda n: (order[nodes[n]["type"]], nodes[n]["label"].casefold()))
        dots = muns if tier == "local" else []
        if not band and not dots:
            continue
        top = y
        y += 44
        for start in range(0, len(band), PER_ROW):
            line = band[start:start + PER_ROW]
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


VIEWS_KEPT = 32  # bounded views kept per atlas version (the page and its JSON for the usual selections)


def view(atlas: Atlas, lang: str, relations: list[str] | None, region: str | None, day: dt.date | None,
         bounded: bool = True) -> dict:
    """See `_view`; a bounded view is kept for the atlas version (the last VIEWS_KEPT selections)."""
    if not bounded:
        return _view(atlas, lang, relations, region, day, bounded)
    kept, lock = atlas.derived("network.views", lambda _: (OrderedDict(), threading.Lock()))
    key = (lang, tuple(sorted(set(relations or DEFAULT_GROUPS))), region, day)
    with lock:
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    data = _view(atlas, lang, relations, region, day, bounded)
    with lock:
        kept[key] = data
        while len(kept) > VIEWS_KEPT:
            kept.popitem(last=False)
    return data


def _view(atlas: Atlas, lang: str, relations: list[str] | None, region: str | None, day: dt.date | None,
          bounded: bool) -> dict:
    """The drawn network. Bounded (the page, its JSON and SVG): in each band the PER_TIER actors with most
    relations (municipalities all: the gazetteer bounds them), the others one "+K more" node, relations to it
    drawn once per kind and direction with their count; MAX_EDGES lines at most (grouped ones first, then
    those between the best-connected actors); `left_out` says what was drawn of how much. Unbounded
    (GraphML, CSV): every actor and relation."""
    per_tier = PER_TIER if bounded else None
    chosen = [g for g in GROUPS if g in set(relations or DEFAULT_GROUPS)]
    rows = _selected(atlas, set(chosen), region, day)
    degree: dict[str, int] = {}
    for source, target, *_ in rows:
        degree[source] = degree.get(source, 0) + 1
        degree[target] = degree.get(target, 0) + 1
    tier = atlas.derived("network.tiers", lambda _: {})
    by_band: dict[str, list[str]] = {}
    for node in atlas.chunked(n for n in degree if n not in tier and atlas.types[n] != "Municipality"):
        tier[node] = atlas.tier_of(node)
    for node in degree:
        if atlas.types[node] != "Municipality":
            by_band.setdefault(tier[node], []).append(node)
    shown, more = {n: n for n in degree if atlas.types[n] == "Municipality"}, {}
    for band, members in by_band.items():
        members.sort(key=lambda n: (-degree[n], n))
        kept = members if per_tier is None else members[:per_tier]
        shown.update((n, n) for n in kept)
        if len(members) > len(kept):
            more[band] = {"id": f"{MORE_ID}{band}", "type": MORE, "tier": band, "count": len(members) - len(kept),
                          "label": f"+{len(members) - len(kept)}", "label_lang": ""}
            shown.update((n, more[band]["id"]) for n in members[len(kept):])
    atlas.prefetch(n for n, drawn in shown.items() if n == drawn)
    nodes = {n: _node(atlas, n, lang) for n, drawn in shown.items() if n == drawn}
    nodes.update((m["id"], m) for m in more.values())
    lay = layout(nodes)
    edges, grouped = [], {}
    for source, target, group, via, st in rows:
        s, t = shown[source], shown[target]
        if s == source and t == target:
            edges.append({"source": s, "target": t, "relation": group, "via": via, "statement": None, "_st": st,
                          "count": 1})
        else:
            key = (s, t, group)
            grouped.setdefault(key, {"source": s, "target": t, "relation": group, "via": "", "statement": None,
                                     "count": 0})["count"] += 1
    drawn = edges + [e for e in grouped.values() if e["source"] != e["target"]]
    if bounded and len(drawn) > MAX_EDGES:
        weight = {**degree, **{m["id"]: m["count"] for m in more.values()}}
        drawn.sort(key=lambda e: (-e["count"], -min(weight[e["source"]], weight[e["target"]])))
    drawn = drawn[:MAX_EDGES] if bounded else drawn
    for e in drawn:
        st = e.pop("_st", None)
        e["statement"] = st.id if st is not None else None
        e.update(_ends(lay["positions"][e["source"]], lay["positions"][e["target"]],
                       NODE_RADIUS.get(nodes[e["target"]]["type"] == "Municipality")))
    out_nodes = [{"id": n, **d, "x": lay["positions"][n][0], "y": lay["positions"][n][1],
                  "label_dy": lay["label_dy"].get(n, 22)} for n, d in nodes.items()]
    return {"relations": chosen, "region": region, "as_of": day.isoformat() if day else None,
            "width": lay["width"], "height": lay["height"], "rows": lay["rows"],
            "nodes": sorted(out_nodes, key=lambda n: n["id"]), "edges": drawn,
            "labels": {n["id"]: n["label"] for n in out_nodes}, "colours": COLOURS, "node_fills": NODE_FILLS,
            "left_out": {"per_tier": per_tier, "actors": sum(m["count"] for m in more.values()),
                         "relations": len(rows), "drawn": sum(e["count"] for e in drawn), "lines": len(drawn),
                         "max_lines": MAX_EDGES if bounded else None}}
