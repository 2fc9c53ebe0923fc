"""The strategic overview regenerated from data matches the report's Annex II cell by cell."""
from pathlib import Path

import yaml

from policy_atlas import annex
from policy_atlas.gazetteer import normalize

EXPECTED = yaml.safe_load((Path(__file__).parent / "data" / "annex_ii.yaml").read_text("utf-8"))


def _texts(atlas, item) -> str:
    names = [*atlas.labels(item["id"]).values(), *(s.value for s in atlas.values(item["id"], "alias"))]
    return normalize(" | ".join([item["cites"]["quote"] or "", *names]))


def _found(phrase: str, text: str) -> bool:
    """A bilingual entry ("nl / fr") matches when each language's part is found."""
    return all(part.strip() in text for part in phrase.split(" / "))


def test_every_cell_matches_the_report(atlas):
    data = annex.overview(atlas, "nl")
    for row in data["rows"]:
        for cell in row["cells"]:
            expected = [normalize(p) for p in EXPECTED[row["id"]][cell["government"]]]
            items = cell["items"]
            where = f"{row['id']} × {cell['government']}"
            assert len(items) == len(expected), f"{where}: {[i['label'] for i in items]} vs {expected}"
            texts = [_texts(atlas, i) for i in items]
            for phrase in expected:
                assert any(_found(phrase, t) for t in texts), f"{where}: {phrase!r} not found"
            for item, text in zip(items, texts):
                assert any(_found(p, text) for p in expected), f"{where}: {item['label']!r} is not in the annex"


def test_as_of_keeps_only_running_items(atlas):
    import datetime as dt

    data = annex.overview(atlas, "nl", dt.date(2014, 1, 1))
    flemish = next(r for r in data["rows"] if r["id"] == "subsidies")["cells"][1]["items"]
    assert "subsidy/vl-regierol" not in {i["id"] for i in flemish}
    later = annex.overview(atlas, "nl", dt.date(2017, 1, 1))
    assert "subsidy/vl-regierol" in {i["id"] for i in next(r for r in later["rows"] if r["id"] == "subsidies")["cells"][1]["items"]}
