import csv
import io
import json

from policy_atlas import dataset, export, store
from policy_atlas.queries import Atlas
from tests.conftest import cli


def test_jsonl_round_trip(tmp_path, atlas, bundled):
    lines = list(export.jsonl(atlas))
    assert len(lines) == len(atlas.types)
    first = json.loads(next(l for l in lines if l.startswith('{"id": "subsidy/impuls-2016"')))
    assert first["type"] == "Subsidy" and first["labels"]["nl"] == "Impulssubsidie (2016)"
    grant = next(s for s in first["statements"] if s["property"] == "recipient")
    assert set(grant) >= {"property", "object", "valid_from", "valid_to", "source", "locator"}
    rebuilt = dataset.from_jsonl(iter(lines), bundled)
    assert rebuilt.ok
    engine = store.connect(f"sqlite:///{tmp_path / 'rt.sqlite'}")
    store.build(rebuilt, engine)
    assert list(export.jsonl(Atlas.from_snapshot(store.snapshot(engine)))) == lines


def test_csv_export_via_command(tmp_path, atlas_db, atlas):
    target = tmp_path / "atlas.csv"
    result = cli("export", "--format", "csv", "-o", str(target), "--db", atlas_db)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == len(atlas.statements)
    zele = [r for r in rows if r["entity_id"] == "subsidy/vl-regierol" and r["object"] == "mun/42028"]
    assert zele and zele[0]["valid_from"] == "2016" and zele[0]["source"] == "far-2019"


def test_export_needs_a_built_database(tmp_path):
    result = cli("export", "--db", str(tmp_path / "empty.sqlite"))
    assert result.returncode == 2 and "policy-atlas build" in result.stderr
