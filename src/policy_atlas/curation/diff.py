"""A proposal against the current atlas: per entity, side by side, what stays, goes and comes, and which
current statements an addition contradicts."""
from __future__ import annotations

from collections import defaultdict

from ..model import Statement, load_schema
from ..queries import Atlas, statement_view
from .proposals import CONTRADICTING_TYPES, Checked


def _overlap(a: Statement, b: Statement) -> bool:
    a_from = a.valid_from.first_day() if a.valid_from else None
    a_to = a.valid_to.last_day() if a.valid_to else None
    b_from = b.valid_from.first_day() if b.valid_from else None
    b_to = b.valid_to.last_day() if b.valid_to else None
    return not ((a_to and b_from and a_to < b_from) or (b_to and a_from and b_to < a_from))


def _view(atlas: Atlas, st: Statement, lang: str, sources: dict[str, dict]) -> dict:
    view = statement_view(atlas, st, lang)
    if st.source in sources:
        view["source_title"] = sources[st.source].get("title", st.source)
    return view


def contradictions(atlas: Atlas, checked: Checked) -> list[dict]:
    """Current statements an addition contradicts: same subject and property of a single-valued kind (date,
    number, amount, choice), another value, overlapping validity, and not retracted by the proposal."""
    out = []
    gone = set(checked.retracts)
    for st in checked.adds:
        if st.value_type not in CONTRADICTING_TYPES:
            continue
        for old in atlas.values(st.subject, st.prop):
            if old.id not in gone and old.value != st.value and _overlap(old, st):
                out.append({"new": st, "old": old})
    return out


def diff(atlas: Atlas, checked: Checked, lang: str) -> list[dict]:
    schema = load_schema()
    adds: dict[str, list[Statement]] = defaultdict(list)
    for st in checked.adds:
        adds[st.subject].append(st)
    gone = set(checked.retracts)
    entities = []
    for subject in checked.subjects:
        current = atlas.by_subject.get(subject, [])
        props = {st.prop for st in adds[subject]} | {st.prop for st in current if st.id in gone}
        rows = []
        for prop in sorted(props):
            before = [st for st in current if st.prop == prop]
            removed = [st for st in before if st.id in gone]
            added = [st for st in adds[subject] if st.prop == prop]
            for st in before:
                if st.id not in gone:
                    rows.append({"prop": prop, "change": "same", "before": _view(atlas, st, lang, checked.sources),
                                 "after": _view(atlas, st, lang, checked.sources)})
            for i in range(max(len(removed), len(added))):
                old = removed[i] if i < len(removed) else None
                new = added[i] if i < len(added) else None
                rows.append({"prop": prop, "change": "changed" if old and new else "removed" if old else "added",
                             "before": _view(atlas, old, lang, checked.sources) if old else None,
                             "after": _view(atlas, new, lang, checked.sources) if new else None})
        rows.sort(key=lambda r: r["change"] == "same")  # the changes first, what stays after them
        kind = checked.entities.get(subject) or atlas.types.get(subject)
        entities.append({"id": subject, "label": atlas.label(subject, lang) if subject in atlas.types else subject,
                         "type": kind, "new": subject in checked.entities, "rows": rows,
                         "untouched": sum(1 for st in current if st.prop not in props),
                         "prop_labels": {p: schema.property_labels(p).get(lang, p) for p in props}})
    return entities
