"""The map: municipality outlines projected to SVG coordinates, and the map drawn as SVG or PNG.

The shipped geometry (`data/geometry/belgium-2019.json` and `belgium-2025.json`) is compiled once from the
shared TopoJSON by `compile_geometry`: arcs are decoded, projected (equirectangular, scaled by cos 50.5°),
simplified arc by arc (so neighbours keep a common border) and written as SVG path data. The 2025 map is
the 2019 one with each merged municipality drawn as the union (shapely) of its predecessors' shapes: the
mergers were of whole municipalities. Borders between provinces and regions are the arcs whose two sides
lie in different units by REFNIS code, not by the TopoJSON's own (partly wrong) properties.
GeoJSON is built from the source coordinates, not from these pictures: see `geo.geojson`.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.ops import unary_union

from . import gazetteer as gaz
from .gazetteer import province_of, region_of

WIDTH = 1000.0
TOLERANCE = 0.45  # px at WIDTH; ~110 m on the ground
COS_LAT = math.cos(math.radians(50.5))
MAPS = (2019, 2025)  # the shipped maps: the 581 municipalities of 2019 and the 565 of 2025


@dataclass(frozen=True)
class Projection:
    lon0: float
    lat1: float
    k: float

    def forward(self, lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - self.lon0) * COS_LAT * self.k, 1), round((self.lat1 - lat) * self.k, 1))

    def inverse(self, x: float, y: float) -> tuple[float, float]:
        return (round(self.lon0 + x / (COS_LAT * self.k), 5), round(self.lat1 - y / self.k, 5))


def _decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _rings(geometry: dict) -> list[list[int]]:
    polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    return [ring for polygon in polygons for ring in polygon]


def _ring_points(ring: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def _path(rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for ring in rings:
        if len(ring) < 3:
            continue
        head, *rest = ring
        parts.append(f"M{head[0]:g},{head[1]:g}" + "".join(f"L{x:g},{y:g}" for x, y in rest) + "Z")
    return "".join(parts)


def _line_path(lines: list[list[tuple[float, float]]]) -> str:
    return "".join(f"M{line[0][0]:g},{line[0][1]:g}" + "".join(f"L{x:g},{y:g}" for x, y in line[1:])
                   for line in lines if len(line) > 1)


def topology(shared_data: Path) -> dict:
    return json.loads((shared_data / "belgium-municipalities-2019.topo.json").read_text("utf-8"))


def polygons(geometry: dict, arcs: list[list[tuple[float, float]]]) -> list[list[list[tuple[float, float]]]]:
    """A TopoJSON Polygon or MultiPolygon as polygons, each a list of rings (outer first), from decoded arcs."""
    parts = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    return [[_ring_points(ring, arcs) for ring in part] for part in parts]


def owners_2025() -> dict[str, str]:
    """2019 NIS -> NIS of the 2025 municipality it lies in."""
    g = gaz.load()
    day = dt.date(2025, 1, 1)
    return {m.nis: g.on_date(m, day)[0].nis for m in g if m.valid_from is None}


def compile_geometry(shared_data: Path, year: int = 2019) -> str:
    """The shipped geometry file of a year's map (2019 or 2025), as text, from the shared TopoJSON."""
    topo = topology(shared_data)
    lon_min, lat_min, lon_max, lat_max = topo["bbox"]
    k = WIDTH / ((lon_max - lon_min) * COS_LAT)
    proj = Projection(lon_min, lat_max, k)
    arcs = _decode_arcs(topo)
    projected = []
    for arc in arcs:
        line = LineString([proj.forward(*p) for p in arc])
        simple = line.simplify(TOLERANCE, preserve_topology=False) if len(arc) > 2 else line
        projected.append([(round(x, 1), round(y, 1)) for x, y in simple.coords])
    owner = owners_2025() if year == 2025 else {}
    sides: dict[int, list[str]] = defaultdict(list)
    shapes: dict[str, list] = defaultdict(list)
    for geom in topo["objects"]["municipalities"]["geometries"]:
        nis = owner.get(geom["properties"]["nis"], geom["properties"]["nis"])
        shapes[nis].append(geom)
        for ring in _rings(geom):
            for index in ring:
                sides[index if index >= 0 else ~index].append(nis)
    municipalities, centres = {}, {}
    for nis, geoms in shapes.items():
        rings = _merged_rings(geoms, projected)
        municipalities[nis] = _path(rings)
        largest = max((Polygon(r) for r in rings if len(r) >= 4), key=lambda p: p.area)
        point = largest.representative_point()
        centres[nis] = [round(point.x, 1), round(point.y, 1)]
    borders: dict[str, list] = {"country": [], "region": [], "province": []}
    for index, owners in sides.items():
        if len(owners) == 1:
            borders["country"].append(projected[index])
        elif region_of(owners[0]) != region_of(owners[1]):
            borders["region"].append(projected[index])
        elif province_of(owners[0]) != province_of(owners[1]):
            borders["province"].append(projected[index])
    height = round((lat_max - lat_min) * k, 1)
    out = {"width": WIDTH, "height": height, "projection": {"lon0": lon_min, "lat1": lat_max, "k": k},
           "municipalities": dict(sorted(municipalities.items())), "centres": dict(sorted(centres.items())),
           "borders": {kind: _line_path(lines) for kind, lines in borders.items()}}
    return json.dumps(out, separators=(",", ":"), sort_keys=False) + "\n"


def _merged_rings(geoms: list[dict], arcs: list) -> list[list[tuple[float, float]]]:
    """The rings of one municipality; of several (a merger), the rings of the union of their shapes."""
    if len(geoms) == 1:
        return [_ring_points(r, arcs) for r in _rings(geoms[0])]
    union = unary_union([Polygon(p[0], [h for h in p[1:] if len(h) >= 4])
                         for g in geoms for p in polygons(g, arcs) if len(p[0]) >= 4])
    parts = union.geoms if isinstance(union, MultiPolygon) else [union]
    return [[(round(x, 1), round(y, 1)) for x, y in ring.coords[:-1]]
            for part in parts for ring in (part.exterior, *part.interiors)]


@dataclass(frozen=True)
class Geometry:
    width: float
    height: float
    projection: Projection
    municipalities: dict[str, str]
    centres: dict[str, list[float]]
    borders: dict[str, str]


@cache
def load_geometry(year: int = 2019) -> Geometry:
    raw = json.loads(resources.files("policy_atlas").joinpath(f"data/geometry/belgium-{year}.json").read_text("utf-8"))
    return Geometry(raw["width"], raw["height"], Projection(**raw["projection"]), raw["municipalities"],
                    raw["centres"], raw["borders"])


def map_year(day: dt.date | None) -> int:
    """The shipped map whose borders hold on a day: 2019 before the Flemish mergers of 2025-01-01, else 2025."""
    return 2025 if day and day >= dt.date(2025, 1, 1) else 2019


def geometry_on(day: dt.date | None) -> Geometry:
    """The map of the municipalities that existed on a day (None: the report's 2019 map). Between two shipped
    maps (December 2024: Bastogne merged, the Flemish mergers not yet) each municipality takes its outline
    from the map where it has that extent."""
    if day is None:
        return load_geometry(2019)
    g, old, new = gaz.load(), load_geometry(2019), load_geometry(2025)
    base = new if map_year(day) == 2025 else old
    paths, centres = {}, {}
    for mun in g.on(day):
        merged = any(not g.get(p).exists_on(day) for p in mun.predecessors)
        source = new if merged or mun.nis not in old.municipalities else old
        paths[mun.nis], centres[mun.nis] = source.municipalities[mun.nis], source.centres[mun.nis]
    return Geometry(base.width, base.height, base.projection, paths, centres, base.borders)


def _parse_path(d: str) -> list[list[tuple[float, float]]]:
    rings = []
    for part in d.split("M")[1:]:
        coords = part.rstrip("Z").split("L")
        rings.append([tuple(float(v) for v in c.split(",")) for c in coords])
    return rings


def png(fills: dict[str, str], scale: float = 1.0, default: str = "#f2f2f2", day: dt.date | None = None) -> bytes:
    """The map of a day as PNG: municipalities filled by `fills` (nis -> #rrggbb), outlines and borders on top."""
    from PIL import Image, ImageDraw

    geo = geometry_on(day)
    size = (int(geo.width * scale) + 2, int(geo.height * scale) + 2)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for nis, d in geo.municipalities.items():
        for ring in _parse_path(d):
            draw.polygon([(x * scale, y * scale) for x, y in ring], fill=fills.get(nis, default), outline="#9a9a9a")
    for kind, width in (("province", 1), ("region", 2), ("country", 2)):
        for line in _parse_path(geo.borders[kind]):
            draw.line([(x * scale, y * scale) for x, y in line], fill="#333333", width=width)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# Sequential blues (ColorBrewer "Blues", 5 classes) for counts; contrast ≥ 3:1 between the outer classes.
COUNT_FILLS = ("#f2f2f2", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
SHARE_FILLS = ((0.0, "#f2f2f2"), (0.25, "#fee5d9"), (0.5, "#fcae91"), (0.75, "#fb6a4a"), (0.9, "#cb181d"))


BRUSSELS = "21"  # REFNIS prefix of the Brussels-Capital Region's 19 municipalities


def inset(items: list[dict], width: float, height: float, share: float = 0.26) -> dict | None:
    """Brussels enlarged in the empty south-west corner: its 19 municipalities are too small to point at."""
    points = [pt for i in items if i["nis"].startswith(BRUSSELS) for ring in _parse_path(i["d"]) for pt in ring]
    if not points:
        return None
    xs, ys = [x for x, _ in points], [y for _, y in points]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    scale = share * width / max(w, h)
    x0, y0 = 0.01 * width, height - h * scale - 0.02 * height
    return {"x": round(x0, 1), "y": round(y0, 1), "width": round(w * scale, 1), "height": round(h * scale, 1),
            "transform": f"translate({x0:.1f},{y0:.1f}) scale({scale:.3f}) translate({-min(xs):.1f},{-min(ys):.1f})",
            "nis": sorted(i["nis"] for i in items if i["nis"].startswith(BRUSSELS))}


def grant_detail(grant: dict) -> dict:
    """What the map says of one grant: subsidy, label, period, funders, citations and the predecessor it came via."""
    return {"subsidy": grant["subsidy"], "label": grant["label"], "start": grant["start"], "end": grant["end"],
            "funders": grant["funders"], "cites": grant["cites"], "via": grant.get("via")}


def _count_fill(n: int) -> str:
    return COUNT_FILLS[min(n, len(COUNT_FILLS) - 1)]


def grant_layer(grants: dict[str, list[dict]], lang: str, day: dt.date | None = None, detail: bool = True) -> dict:
    """Municipalities coloured by how many subsidies each received (with the filters applied); on a later
    map a merged municipality carries its predecessors' grants (`grants_by_map`). Without `detail` (the page)
    each municipality carries its count only: its grants are fetched on demand (`grant_detail`)."""
    geo = geometry_on(day)
    items = []
    for mun in gaz.load().on(day):
        received = grants.get(mun.nis, [])
        item = {"nis": mun.nis, "name": mun.name(lang), "d": geo.municipalities[mun.nis],
                "fill": _count_fill(len(received)), "count": len(received)}
        if detail:
            item["grants"] = [grant_detail(g) for g in received]
        items.append(item)
    legend = [{"fill": f, "min": i, "max": None if i == len(COUNT_FILLS) - 1 else i}
              for i, f in enumerate(COUNT_FILLS)]
    return {"width": geo.width, "height": geo.height, "borders": geo.borders, "legend": legend,
            "map": map_info(day), "municipalities": items, "inset": inset(items, geo.width, geo.height),
            "reached": sum(1 for i in items if i["count"]),
            "grants": sum(i["count"] for i in items)}


def livcr_layer(livcr: dict, lang: str, day: dt.date | None = None) -> dict:
    """Municipalities shaded by their region's LIVC-R share (the report gives counts per region, not names);
    municipalities whose own LIVC-R the report confirms are marked."""
    geo = geometry_on(day)
    shares = {}
    for fig in livcr["figures"]:
        if fig["count"] and fig["total"]:
            shares[fig["area"]] = int(fig["count"]) / int(fig["total"])
    items = []
    for mun in gaz.load().on(day):
        share = shares.get(mun.area)
        fill = "#ffffff" if share is None else [f for s, f in SHARE_FILLS if share >= s][-1]
        own = livcr["municipalities"].get(mun.nis, {"status": "unknown", "cites": None})
        items.append({"nis": mun.nis, "name": mun.name(lang), "d": geo.municipalities[mun.nis], "fill": fill,
                      "area": mun.area, "share": share, "status": own["status"],
                      "cites": own["cites"]})
    legend = [{"fill": f, "share": s} for s, f in SHARE_FILLS]
    return {"width": geo.width, "height": geo.height, "borders": geo.borders, "legend": legend,
            "map": map_info(day), "municipalities": items, "inset": inset(items, geo.width, geo.height),
            "figures": livcr["figures"]}


def map_info(day: dt.date | None) -> dict:
    """Which map is drawn: the day (None: the report's 2019 map) and how many municipalities it has."""
    return {"as_of": day.isoformat() if day else None, "year": map_year(day),
            "municipalities": len(gaz.load().on(day))}
