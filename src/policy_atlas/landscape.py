"""Pages that describe the landscape as a whole: key figures, how the LIVC-R works, the training offer
and the bibliography. Plain data out, drawn from statements with their citations."""
from __future__ import annotations

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
    reached = coverage.grants(atlas)
    return {"governments": len(atlas.entities_of("Government")),
            "instruments": len(atlas.entities_of("Plan", "LegalAct", "Subsidy", "Programme")),
            "subsidies": len(atlas.entities_of("Subsidy")),
            "municipalities": coverage.municipality_count(),
            "municipalities_reached": len(reached),
            "bodies": len(atlas.entities_of("Body")),
            "statements": len(atlas.statements),
            "quoted": sum(1 for s in atlas.statements if s.quote),
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
    rows = []
    for tid in atlas.entities_of("Training", "Tool"):
        langs = [s.value for s in atlas.values(tid, "language")]
        regions = [s.value for s in atlas.values(tid, "region")] or atlas.regions_of(tid)
        if language and language not in langs or region and region not in regions:
            continue
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
    gap = [statement_view(atlas, s, lang) for s in atlas.values("critique/no-training-evaluation", "description")]
    return {"language": language, "region": region, "items": rows,
            "evaluated": sum(r["evaluated"] for r in rows), "gap": gap}


def _ref(atlas: Atlas, eid: str, lang: str) -> dict:
    return {"id": eid, "label": atlas.label(eid, lang)}


def sources(atlas: Atlas, lang: str) -> dict:
    """Every source and cited document with the statements that rest on it, grouped by locator."""
    resting: dict[str, list] = defaultdict(list)
    for st in atlas.statements:
        resting[st.source].append(st)
    out = []
    for sid, meta in sorted(atlas.sources.items()):
        sts = resting.get(sid, [])
        out.append({"id": sid, **meta, "statements": len(sts),
                    "subjects": sorted({s.subject for s in sts if not s.subject.startswith(("mun/", "arr/", "prov/"))})})
    footnotes = []
    for sid in sorted(atlas.sources):
        cited = _statements_per_footnote(resting.get(sid, []))
        footnotes += [{"source": sid, "number": f.number, "line": f.line, "text": f.text,
                       "statements": cited.get(f.number, 0)} for f in held_footnotes(atlas, sid).values()]
    documents = [{"id": d, "label": atlas.label(d, lang),
                  "author": atlas.first(d, "author"), "year": atlas.first(d, "year"), "url": atlas.first(d, "url"),
                  "footnote": atlas.first(d, "cited_in_footnote"),
                  "cited_by": sorted({s.subject for s in atlas.by_object.get(d, ())})}
                 for d in atlas.entities_of("Document")]
    return {"sources": out, "documents": documents, "footnotes": footnotes}


def held_footnotes(atlas: Atlas, source: str) -> dict:
    """The footnotes of a source whose text the atlas holds (none for the others)."""
    path = atlas.sources.get(source, {}).get("path")
    held = open_source(str(shared_dir() / path)) if path else None
    return held.footnotes if held else {}


def footnote_of(locator: str | None) -> int | None:
    """The footnote a locator cites ("fn 67; line 1186" -> 67)."""
    m = re.match(r"fn (\d+)", locator or "")
    return int(m.group(1)) if m else None


def _statements_per_footnote(statements) -> dict[int, int]:
    counts: dict[int, int] = {}
    for st in statements:
        number = footnote_of(st.locator)
        if number is not None:
            counts[number] = counts.get(number, 0) + 1
    return counts


def source_statements(atlas: Atlas, source: str, lang: str, footnote: int | None = None) -> list[dict]:
    if source not in atlas.sources:
        raise KeyError(source)
    return [{**statement_view(atlas, s, lang), "subject": s.subject, "subject_label": atlas.label(s.subject, lang)}
            for s in atlas.statements
            if s.source == source and (footnote is None or footnote_of(s.locator) == footnote)]
