"""The shared-corpus evaluation set: the split is the written rule, the annotations point at real spans of the
texts in ../shared (read at test time, never copied), and nothing held out is in dev."""
from pathlib import Path

import pytest
import yaml

from policy_atlas import gazetteer
from policy_atlas.ingest import evaluation

ANNOTATIONS = Path(__file__).parent.parent / "benchmarks" / "ingest" / "corpus.yaml"


@pytest.fixture(scope="module")
def annotations():
    return yaml.safe_load(ANNOTATIONS.read_text("utf-8"))


def test_the_split_is_the_written_rule(annotations):
    split = evaluation.corpus_split()
    assert sorted(annotations["heldout"]) == split["heldout"] and annotations["dev"] == split["dev"]
    assert len(split["heldout"]) >= 25 and not set(split["heldout"]) & set(split["dev"])
    langs = [f.split(".")[-2] for f in split["heldout"]]
    assert langs.count("de") >= 6 and langs.count("fr") >= 6
    assert len(split["heldout"]) + len(split["dev"]) == 60


def test_every_annotated_span_is_in_its_text(annotations):
    gaz = gazetteer.load()
    for file, doc in annotations["heldout"].items():
        text = evaluation.corpus_text(file)
        last = 0
        for start, end, kind, target in doc["mentions"]:
            span = text[start:end]
            assert 0 <= start < end <= len(text) and start >= last, (file, start)
            assert span.strip() == span and not (text[start - 1:start].isalnum() and span[:1].isalnum() and
                                                 not text[start - 1].isdigit()), (file, span)
            if kind == "municipality":
                names = {n.casefold() for n in (gaz.get(target).name_nl, gaz.get(target).name_fr,
                                                gaz.get(target).name_de) if n}
                assert any(n in span.casefold().replace(" ", "-") or n.replace("-", " ") in span.casefold()
                           for n in names), (file, span, target)
            last = start
        assert all(f["kind"] in ("legal", "event", "count", "subsidy", "livcr") for f in doc["facts"])
