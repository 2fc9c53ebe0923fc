"""The shipped map geometry: compiled from the shared TopoJSON, correct places, and its exports."""
import datetime as dt
import io

import pytest
from PIL import Image
from shapely.geometry import Polygon

from policy_atlas import gazetteer, svgmap
from policy_atlas.sourcetext import shared_dir


@pytest.mark.parametrize("year", svgmap.MAPS)
def test_shipped_geometry_is_what_the_compiler_makes(year):
    shipped = svgmap.resources.files("policy_atlas").joinpath(f"data/geometry/belgium-{year}.json").read_text("utf-8")
    assert svgmap.compile_geometry(shared_dir() / "data", year) == shipped


@pytest.mark.parametrize("year,day,count", [(2019, gazetteer.MAP_2019, 581), (2025, dt.date(2025, 1, 1), 565)])
def test_every_municipality_has_an_outline_and_a_centre(year, day, count):
    geo = svgmap.load_geometry(year)
    assert set(geo.municipalities) == {m.nis for m in gazetteer.load().on(day)} and len(geo.municipalities) == count
    assert all(d.startswith("M") and d.endswith("Z") for d in geo.municipalities.values())
    for kind in ("country", "region", "province"):
        assert geo.borders[kind].startswith("M")


def _area(d: str) -> float:
    return sum(Polygon(r).area for r in svgmap._parse_path(d))


def test_a_merged_municipality_is_drawn_as_its_predecessors_together():
    old, new = svgmap.load_geometry(2019), svgmap.load_geometry(2025)
    parts = sum(_area(old.municipalities[n]) for n in ("23023", "23024", "23032"))  # Galmaarden, Gooik, Herne
    assert len(svgmap._parse_path(new.municipalities["23106"])) == 1  # one outline: the inner borders are gone
    assert abs(_area(new.municipalities["23106"]) - parts) / parts < 0.001
    antwerp = _area(old.municipalities["11002"]) + _area(old.municipalities["11007"])  # Borsbeek joined Antwerpen
    assert abs(_area(new.municipalities["11002"]) - antwerp) / antwerp < 0.001
    assert new.municipalities["21004"] == old.municipalities["21004"]  # the others are unchanged


def test_zwijndrecht_moved_province_so_the_province_border_moved():
    old, new = svgmap.load_geometry(2019), svgmap.load_geometry(2025)
    assert old.borders["region"] == new.borders["region"]
    assert old.borders["province"] != new.borders["province"]


def test_the_map_of_a_day_between_the_two_maps():
    december = svgmap.geometry_on(dt.date(2024, 12, 15))  # Bastogne merged on 2024-12-02, Flanders not yet
    assert len(december.municipalities) == 580 and "82039" in december.municipalities
    assert "82003" not in december.municipalities and "73040" in december.municipalities
    assert december.municipalities["11002"] == svgmap.load_geometry(2019).municipalities["11002"]


def test_places_land_where_they_are():
    geo = svgmap.load_geometry()
    lon, lat = geo.projection.inverse(*geo.centres["62063"])  # Liège
    assert 5.45 < lon < 5.70 and 50.55 < lat < 50.70
    ostend = geo.projection.inverse(*geo.centres["35013"])
    assert ostend[0] < 3.1 and ostend[1] > 51.1
    assert geo.centres["35013"][0] < geo.centres["62063"][0]  # west is left
    assert geo.centres["35013"][1] < geo.centres["62063"][1]  # north is up


def test_png_draws_the_fills():
    data = svgmap.png({"62063": "#ff0000"}, scale=0.5)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    geo = svgmap.load_geometry()
    x, y = geo.centres["62063"]
    assert image.getpixel((int(x * 0.5), int(y * 0.5))) == (255, 0, 0)
    x, y = geo.centres["35013"]
    assert image.getpixel((int(x * 0.5), int(y * 0.5))) != (255, 0, 0)
