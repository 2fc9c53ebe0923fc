"""GeoJSON (RFC 7946) of the municipalities of a date, from the shared TopoJSON's own coordinates.

Not derived from the SVG map: arcs are decoded in WGS84 longitude/latitude; `precision="full"` keeps
every source vertex, the default simplifies each arc (Douglas-Peucker, `TOLERANCE` in degrees of latitude
on a frame where longitude is scaled by cos 50.5°, so the tolerance is the same distance both ways) so
neighbours keep one common border. A 2025 municipality is the union of its predecessors' shapes. Outer
rings wind counter-clockwise, holes clockwise; coordinates have `DECIMALS` decimals (~0.1 m).
"""
from __future__ import annotations

import datetime as dt
from functools import cache

from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.ops import unary_union
from shapely.validation import explain_validity, make_valid

from .. import gazetteer as gaz
from .. import svgmap
from ..sourcetext import shared_dir

TOLERANCE = 0.0002  # degrees of latitude, ~22 m (the source is quantized to ~22 m north-south, ~27 m east-west)
AREA_TOLERANCE = 0.01  # each simplified municipality's area is within 1 % of its full-precision area
DECIMALS = 6
PRECISIONS = ("simplified", "full")


def _simplify(arc: list[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(arc) <= 2:
        return arc
    c = svgmap.COS_LAT
    line = LineString([(x * c, y) for x, y in arc]).simplify(TOLERANCE, preserve_topology=False)
    return [(x / c, y) for x, y in line.coords]


def _polygon(rings: list[list[tuple[float, float]]]) -> Polygon | None:
    if len(rings[0]) < 4:
        return None
    return Polygon(rings[0], [h for h in rings[1:] if len(h) >= 4])


def _source_shapes(precision: str) -> dict[str, BaseGeometry]:
    """NIS -> shape of the 2019 municipalities as the TopoJSON draws them (not yet repaired)."""
    topo = svgmap.topology(shared_dir() / "data")
    arcs = svgmap._decode_arcs(topo)
    if precision == "simplified":
        arcs = [_simplify(a) for a in arcs]
    out = {}
    for geom in topo["objects"]["municipalities"]["geometries"]:
        parts = [p for p in (_polygon(r) for r in svgmap.polygons(geom, arcs)) if p is not None]
        out[geom["properties"]["nis"]] = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return out


@cache
def _shapes_2019(precision: str) -> dict[str, BaseGeometry]:
    return {nis: _repair(shape) for nis, shape in _source_shapes(precision).items()}


def _repair(shape: BaseGeometry) -> BaseGeometry:
    """A valid shape: a ring that touches or crosses itself (a spike of zero area in the source, or made
    by simplification) is split by shapely's make_valid, and stray lines are dropped."""
    if shape.is_valid:
        return shape
    fixed = make_valid(shape)
    return unary_union([g for g in getattr(fixed, "geoms", [fixed]) if isinstance(g, (Polygon, MultiPolygon))])


def corrections(precision: str = "full") -> dict[str, str]:
    """NIS -> why the source (or simplified) shape needed repair."""
    return {nis: explain_validity(s) for nis, s in _source_shapes(precision).items() if not s.is_valid}


def shapes_on(day: dt.date | None, precision: str = "simplified") -> dict[str, BaseGeometry]:
    """NIS -> shape (lon/lat) of every municipality that existed on the day (None: the 2019 map)."""
    g, base = gaz.load(), _shapes_2019(precision)
    if day is None:
        return dict(base)
    out = {}
    for mun in g.on(day):
        parts = [p for p in mun.predecessors if not g.get(p).exists_on(day) or p == mun.nis]
        out[mun.nis] = base[mun.nis] if not parts or parts == [mun.nis] else _union(tuple(sorted(parts)), precision)
    return out


@cache
def _union(members: tuple[str, ...], precision: str) -> BaseGeometry:
    return unary_union([_shapes_2019(precision)[n] for n in members])


def _coords(ring) -> list[list[float]]:
    return [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring.coords]


def geometry(shape: BaseGeometry) -> dict:
    """A GeoJSON geometry with RFC 7946 winding: outer rings counter-clockwise, holes clockwise."""
    polys = [orient(p, 1.0) for p in (shape.geoms if isinstance(shape, MultiPolygon) else [shape])]
    rings = [[_coords(p.exterior), *(_coords(h) for h in p.interiors)] for p in polys]
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": rings[0]}
    return {"type": "MultiPolygon", "coordinates": rings}


def feature_collection(features: list[dict], day: dt.date | None, precision: str = "simplified") -> dict:
    """Features (`nis` and data `properties`) with their shapes on the day."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    shapes = shapes_on(day, precision)
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "id": f["nis"], "properties": f["properties"],
                          "geometry": geometry(shapes[f["nis"]])} for f in features]}
