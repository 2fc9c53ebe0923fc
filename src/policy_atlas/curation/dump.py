"""The current atlas back in the dataset format, so web curation ends up in files a researcher can commit.

Every statement is written so that `dataset.load` makes exactly the same statement again: explicit `src`,
`lang`, `rank` and `note`; a locator the loader derives from the quote (`line N`, or `; line N` after a
footnote) is left for the loader to derive again. Municipalities, arrondissements and provinces come from the
gazetteer and are not written; facts about them are (under `facts:`)."""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import yaml

from ..dataset import QUOTE_GAP
from ..queries import Atlas

GAZETTEER_TYPES = ("Municipality", "Arrondissement", "Province")
_LINE_SUFFIX = re.compile(r"(?:^|; )line \d+$")


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _statement(st, sources: dict[str, dict], with_subject: bool) -> dict:
    out: dict = {"s": st.subject} if with_subject else {}
    out["p"] = st.prop
    if st.value_type == "integer":
        out["v"] = int(st.value)
    elif st.value_type == "amount":
        out["v"] = float(st.value)
    else:
        out["v"] = st.value
    if st.lang:
        out["lang"] = st.lang
    out["src"] = st.source
    if st.valid_from:
        out["from"] = str(st.valid_from)
    if st.valid_to:
        out["to"] = str(st.valid_to)
    locator = st.locator
    held = bool(sources.get(st.source, {}).get("path")) and st.quote
    if locator and held and _LINE_SUFFIX.search(locator):
        locator = _LINE_SUFFIX.sub("", locator) or None
    if locator and locator.startswith("fn ") and locator[3:].isdigit():
        out["fn"] = int(locator[3:])
    elif locator:
        out["loc"] = locator
    if st.quote:
        out["q"] = st.quote.split(QUOTE_GAP) if QUOTE_GAP in st.quote else st.quote
    if st.rank != "normal":
        out["rank"] = st.rank
    if st.note is not None:
        out["note"] = st.note
    return out


def dump(atlas: Atlas, root: Path) -> dict:
    """Write `sources.yaml` and one file per id prefix (`atlas/gov.yaml`, …); return counts."""
    root = Path(root)
    (root / "atlas").mkdir(parents=True, exist_ok=True)
    sources = {k: v for k, v in atlas.sources.items()}
    (root / "sources.yaml").write_text(yaml.dump({"sources": [{"id": k, **{f: x for f, x in v.items() if f != "id"}}
                                                             for k, v in sorted(sources.items())]},
                                                 Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120),
                                       encoding="utf-8")
    files: dict[str, dict] = defaultdict(lambda: {"entities": [], "facts": []})
    count = 0
    for eid in atlas.chunked(sorted(atlas.types)):
        etype = atlas.types[eid]
        sts = [st for st in atlas.by_subject.get(eid, ()) if st.origin != "gazetteer"]
        prefix = eid.split("/")[0]
        if etype in GAZETTEER_TYPES:
            files[prefix]["facts"] += [_statement(st, sources, True) for st in sts]
            count += len(sts)
            continue
        labels, rest = {}, []
        for st in sts:
            if st.prop == "name" and st.source == "editorial" and st.locator == "label" and st.lang not in labels \
                    and st.rank == "normal" and st.note is None and not st.valid_from and not st.valid_to and not st.quote:
                labels[st.lang] = st.value
            else:
                rest.append(st)
        files[prefix]["entities"].append({"id": eid, "type": etype, "labels": labels,
                                          "statements": [_statement(st, sources, False) for st in rest]})
        count += len(sts)
    for prefix, doc in sorted(files.items()):
        body = {k: v for k, v in doc.items() if v}
        if not body:
            continue
        (root / "atlas" / f"{prefix}.yaml").write_text(
            "# written by `policy-atlas dump`: the current atlas in the dataset format\n"
            + yaml.dump(body, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    return {"files": 1 + sum(1 for d in files.values() if d["entities"] or d["facts"]), "statements": count, "entities": sum(len(d["entities"]) for d in files.values())}
