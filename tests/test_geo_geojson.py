"""GeoJSON from the source coordinates: RFC 7946 winding, valid shapes, areas within the stated tolerance,
accepted by the `geojson` package's validator; display attributes kept out of the properties."""
import datetime as dt
import json

import geojson as geojson_lib
import pytest
from shapely.geometry import shape

from policy_atlas.geo import geojson as gj

DAYS = [None, dt.date(2025, 1, 1)]


def _features(day):
    return [{"nis": nis, "properties": {"nis": nis}} for nis in sorted(gj.shapes_on(day))]


def _rings(geometry):
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [(i == 0, ring) for polygon in polygons for i, ring in enumerate(polygon)]


def _signed_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("precision", gj.PRECISIONS)
def test_valid_rfc7946_geojson(day, precision):
    doc = gj.feature_collection(_features(day), day, precision)
    assert len(doc["features"]) == (581 if day is None else 565)
    parsed = geojson_lib.loads(json.dumps(doc))
    assert parsed.is_valid, parsed.errors()
    for feature in doc["features"]:
        geom = shape(feature["geometry"])
        assert geom.is_valid, feature["id"]
        for outer, ring in _rings(feature["geometry"]):
            assert ring[0] == ring[-1] and len(ring) >= 4
            assert (_signed_area(ring) > 0) == outer, feature["id"]  # outer counter-clockwise, holes clockwise
            assert all(2.5 < x < 6.5 and 49.4 < y < 51.6 for x, y in ring)  # WGS84 longitude, latitude


@pytest.mark.parametrize("day", DAYS)
def test_simplified_areas_within_the_stated_tolerance(day):
    full, simple = gj.shapes_on(day, "full"), gj.shapes_on(day, "simplified")
    worst = max(abs(simple[n].area - full[n].area) / full[n].area for n in full)
    assert worst <= gj.AREA_TOLERANCE
    total_full, total_simple = sum(s.area for s in full.values()), sum(s.area for s in simple.values())
    assert abs(total_simple - total_full) / total_full < 0.001


def test_full_precision_keeps_every_source_vertex_and_simplified_fewer():
    def vertices(day, precision):
        doc = gj.feature_collection(_features(day), day, precision)
        return sum(len(ring) for f in doc["features"] for _, ring in _rings(f["geometry"]))
    full, simple = vertices(None, "full"), vertices(None, "simplified")
    assert full > 60_000 and 0.4 < simple / full < 0.7


def test_merged_municipality_is_the_union_of_its_predecessors():
    before, after = gj.shapes_on(dt.date(2024, 12, 31), "full"), gj.shapes_on(dt.date(2025, 1, 1), "full")
    parts = sum(before[n].area for n in ("46003", "46013", "11056"))
    assert "46030" not in before and "11056" not in after
    assert after["46030"].geom_type == "Polygon" and abs(after["46030"].area - parts) / parts < 1e-9


def test_source_shapes_repaired_are_listed():
    assert set(gj.corrections("full")) == {"11044", "23002", "38014"}
    with pytest.raises(ValueError, match="precision"):
        gj.feature_collection([], None, "exact")


def test_map_download_is_the_source_geometry_without_display_attributes(client):
    doc = client.get("/api/map", params={"format": "geojson"}).json()
    liege = next(f for f in doc["features"] if f["id"] == "62063")
    assert "fill" not in liege["properties"] and "d" not in liege["properties"]
    assert geojson_lib.loads(json.dumps(doc)).is_valid
    full = client.get("/api/map", params={"format": "geojson", "precision": "full"}).json()
    count = lambda d: sum(len(r) for f in d["features"] for _, r in _rings(f["geometry"]))  # noqa: E731
    assert count(full) > count(doc)
    today = client.get("/api/map", params={"format": "geojson", "as_of": "2025-06-01"}).json()
    assert len(today["features"]) == 565 and any(f["id"] == "46030" for f in today["features"])
    assert client.get("/api/map", params={"format": "geojson", "precision": "exact"}).status_code == 422
