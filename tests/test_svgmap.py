"""The shipped map geometry: compiled from the shared TopoJSON, correct places, and its exports."""
import io
import json

from PIL import Image

from policy_atlas import gazetteer, svgmap
from policy_atlas.sourcetext import shared_dir


def test_shipped_geometry_is_what_the_compiler_makes():
    shipped = svgmap.resources.files("policy_atlas").joinpath("data/geometry/belgium-2019.json").read_text("utf-8")
    assert svgmap.compile_geometry(shared_dir() / "data") == shipped


def test_every_municipality_has_an_outline_and_a_centre():
    geo = svgmap.load_geometry()
    assert set(geo.municipalities) == {m.nis for m in gazetteer.load()}
    assert all(d.startswith("M") and d.endswith("Z") for d in geo.municipalities.values())
    for kind in ("country", "region", "province"):
        assert geo.borders[kind].startswith("M")


def test_places_land_where_they_are():
    geo = svgmap.load_geometry()
    lon, lat = geo.projection.inverse(*geo.centres["62063"])  # Liège
    assert 5.45 < lon < 5.70 and 50.55 < lat < 50.70
    ostend = geo.projection.inverse(*geo.centres["35013"])
    assert ostend[0] < 3.1 and ostend[1] > 51.1
    assert geo.centres["35013"][0] < geo.centres["62063"][0]  # west is left
    assert geo.centres["35013"][1] < geo.centres["62063"][1]  # north is up


def test_geojson_is_in_longitude_latitude_and_closed():
    doc = svgmap.geojson([{"nis": "21004", "properties": {"name": "Brussel"}}])
    feature = doc["features"][0]
    ring = feature["geometry"]["coordinates"][0][0]
    assert ring[0] == ring[-1]
    assert all(4.2 < x < 4.5 and 50.75 < y < 50.95 for x, y in ring)
    json.dumps(doc)


def test_png_draws_the_fills():
    data = svgmap.png({"62063": "#ff0000"}, scale=0.5)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    geo = svgmap.load_geometry()
    x, y = geo.centres["62063"]
    assert image.getpixel((int(x * 0.5), int(y * 0.5))) == (255, 0, 0)
    x, y = geo.centres["35013"]
    assert image.getpixel((int(x * 0.5), int(y * 0.5))) != (255, 0, 0)
