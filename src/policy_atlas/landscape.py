"""Pages that describe the landscape as a whole: key figures, how the LIVC-R works, the training offer
and the bibliography. Plain data out, drawn from statements with their citations."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from . import coverage, currency
from .model import load_schema
from .queries import Atlas, livcr_figures, statement_view
from .sourcetext import open_source, shared_dir

LIVCR_CHAIN_START = "body/livcr"
LIVCR_BODIES = ("body/livcr", "body/livcr-strategic", "body/livcr-operational")
LIVCR_PROPS = ("description", "task", "member_role", "information_rule", "frequency", "legal_basis", "founded")


def key_figures(atlas: Atlas) -> dict:
    """Computed once per version (and day: the status counts are of today)."""
    return atlas.derived(("key_figures", dt.date.today()), _key_figures)


def _key_figures(atlas: Atlas) -> dict:
    reached = coverage.grants(atlas)
    return {"governments": len(atlas.entities_of("Government")),
            "instruments": len(atlas.entities_of("Plan", "LegalAct", "Subsidy", "Programme")),
            "subsidies": len(atlas.entities_of("Subsidy")),
            "municipalities": coverage.municipality_count(),
            "municipalities_reached": len(reached),
            "bodies": len(atlas.entities_of("Body")),
            "statements": atlas.count(),
            "quoted": atlas.count() - atlas.count(quote=None),
            "livcr": livcr_figures(atlas),
            "today": {k: len(v) for k, v in currency.status_today(atlas).items()}}


def information_chain(atlas: Atlas, lang: str) -> list[dict]:
    """Follow `reports_to` from the LIVC-R upwards: the vertical information line."""
    chain, seen, current = [], set(), [LIVCR_CHAIN_START]
    while current:
        node = current[0]
        if node in seen:
            break
        seen.add(node)
        onward = atlas.values(node, "reports_to")
        chain.append({"id": node, "label": atlas.label(node, lang), "type": atlas.types.get(node),
                      "reports_to": [statement_view(atlas, s, lang) for s in onward]})
        current = [s.value for s in onward]
    return chain


def livcr(atlas: Atlas, lang: str) -> dict:
    """Once per version and language."""
    return atlas.derived(("livcr", lang), lambda atlas: _livcr(atlas, lang))


def _livcr(atlas: Atlas, lang: str) -> dict:
    schema = load_schema()
    bodies = []
    for eid in LIVCR_BODIES:
        props = []
        for prop in LIVCR_PROPS:
            sts = atlas.values(eid, prop)
            if sts:
                props.append({"property": prop, "label": schema.property_labels(prop).get(lang, prop),
                              "statements": [statement_view(atlas, s, lang) for s in sts]})
        members = [statement_view(atlas, s, lang) for s in atlas.values(eid, "member")]
        bodies.append({"id": eid, "label": atlas.label(eid, lang), "properties": props, "members": members})
    concerns = []
    for cid in atlas.entities_of("Critique"):
        about = {s.value for s in atlas.values(cid, "about")}
        if about & {*LIVCR_BODIES, "agency/information-officer", "body/ltf"}:
            concerns.append({"id": cid, "label": atlas.label(cid, lang),
                             "statements": [statement_view(atlas, s, lang) for s in atlas.values(cid, "description")]})
    helplines = [{"id": h, "label": atlas.label(h, lang),
                  "phone": [statement_view(atlas, s, lang) for s in atlas.values(h, "phone")],
                  "website": [s.value for s in atlas.values(h, "website")], "regions": atlas.regions_of(h)}
                 for h in atlas.entities_of("Helpline")]
    return {"bodies": bodies, "chain": information_chain(atlas, lang), "concerns": concerns,
            "helplines": helplines, "coverage": livcr_figures(atlas, lang=lang)}


def trainings(atlas: Atlas, lang: str, language: str | None = None, region: str | None = None) -> dict:
    """The offer (made once per version and language), filtered by language and region."""
    rows = [r for r in atlas.derived(("trainings", lang), lambda atlas: _trainings(atlas, lang))
            if not (language and language not in r["languages"] or region and region not in r["regions"])]
    gap = [statement_view(atlas, s, lang) for s in atlas.values("critique/no-training-evaluation", "description")]
    return {"language": language, "region": region, "items": rows,
            "evaluated": sum(r["evaluated"] for r in rows), "gap": gap}


def _trainings(atlas: Atlas, lang: str) -> list[dict]:
    rows = []
    for tid in atlas.chunked(atlas.entities_of("Training", "Tool")):
        langs = [s.value for s in atlas.values(tid, "language")]
        regions = [s.value for s in atlas.values(tid, "region")] or atlas.regions_of(tid)
        evaluation = atlas.values(tid, "evaluation")
        label, label_lang = atlas.label_lang(tid, lang)
        rows.append({"id": tid, "type": atlas.types[tid], "label": label, "label_lang": label_lang,
                     "providers": [_ref(atlas, s.value, lang) for s in atlas.values(tid, "provider")],
                     "funders": [_ref(atlas, s.value, lang) for s in atlas.values(tid, "funder")],
                     "government": [_ref(atlas, s.value, lang) for s in atlas.values(tid, "government")],
                     "audience": [s.value for s in atlas.values(tid, "audience")],
                     "languages": langs, "regions": regions,
                     "evaluation": [statement_view(atlas, s, lang) for s in evaluation],
                     "evaluated": bool(evaluation)})
    return rows


def _ref(atlas: Atlas, eid: str, lang: str) -> dict:
    return {"id": eid, "label": atlas.label(eid, lang)}


def sources(atlas: Atlas, lang: str) -> dict:
    """Every source and cited document with the statements that rest on it, grouped by locator (once per
    version and language)."""
    return atlas.derived(("sources", lang), lambda atlas: _sources(atlas, lang))


def _sources(atlas: Atlas, lang: str) -> dict:
    counts = source_counts(atlas)
    out = [{"id": sid, **meta, "statements": counts["statements"].get(sid, 0),
            "subjects": counts["subjects"].get(sid, [])} for sid, meta in sorted(atlas.sources.items())]
    footnotes = []
    for sid in sorted(atlas.sources):
        cited = counts["footnotes"].get(sid, {})
        footnotes += [{"source": sid, "number": f.number, "line": f.line, "text": f.text,
                       "statements": cited.get(f.number, 0)} for f in held_footnotes(atlas, sid).values()]
    documents = [{"id": d, "label": atlas.label(d, lang),
                  "author": atlas.first(d, "author"), "year": atlas.first(d, "year"), "url": atlas.first(d, "url"),
                  "footnote": atlas.first(d, "cited_in_footnote"),
                  "cited_by": sorted({s.subject for s in atlas.by_object.get(d, ())})}
                 for d in atlas.chunked(atlas.entities_of("Document"), objects=True)]
    return {"sources": out, "documents": documents, "footnotes": footnotes}


def source_counts(atlas: Atlas) -> dict:
    """Per source: how many statements rest on it, their subjects (not places), and how many per footnote;
    from grouped counts in the store, once per version."""
    return atlas.derived("source_counts", _source_counts)


def _source_counts(atlas: Atlas) -> dict:
    statements = atlas.tally("source")
    subjects: dict[str, set] = defaultdict(set)
    others = [e for e in atlas.types if not e.startswith(("mun/", "arr/", "prov/"))]
    for subject, cited in atlas.tally_per_subject("source", others):  # not every (source, subject) pair at once
        for sid in cited:
            subjects[sid].add(subject)
    footnotes: dict[str, dict[int, int]] = defaultdict(dict)
    for (sid, locator), n in atlas.tally(("source", "locator")).items():
        number = footnote_of(locator)
        if number is not None:
            footnotes[sid][number] = footnotes[sid].get(number, 0) + n
    return {"statements": statements, "subjects": {k: sorted(v) for k, v in subjects.items()},
            "footnotes": dict(footnotes)}


def held_footnotes(atlas: Atlas, source: str) -> dict:
    """The footnotes of a source whose text the atlas holds (none for the others)."""
    path = atlas.sources.get(source, {}).get("path")
    held = open_source(str(shared_dir() / path)) if path else None
    return held.footnotes if held else {}


def footnote_of(locator: str | None) -> int | None:
    """The footnote a locator cites ("fn 67; line 1186" -> 67)."""
    m = re.match(r"fn (\d+)", locator or "")
    return int(m.group(1)) if m else None


def source_statements(atlas: Atlas, source: str, lang: str, footnote: int | None = None) -> list[dict]:
    if source not in atlas.sources:
        raise KeyError(source)
    sts = [s for s in atlas.where(source=source) if footnote is None or footnote_of(s.locator) == footnote]
    atlas.prefetch({s.subject for s in sts} | {s.value for s in sts if s.value_type == "entity"})
    return [{**statement_view(atlas, s, lang), "subject": s.subject, "subject_label": atlas.label(s.subject, lang)}
            for s in sts]
