"""The timeline: events as points, plans, laws, subsidies and programmes as bars from start to end."""
from __future__ import annotations

import datetime as dt

from .model import FuzzyDate
from .queries import Atlas

FIRST_YEAR = 2001
KINDS = ("Event", "Plan", "LegalAct", "Subsidy", "Service", "Helpline", "Training", "Tool", "Programme", "Body")


def items(atlas: Atlas, lang: str = "nl", tier: str | None = None, today: dt.date | None = None) -> dict:
    today = today or dt.date.today()
    out = []
    for eid in atlas.entities_of(*KINDS):
        start, end = atlas.period_of(eid)
        if not start:
            continue
        if tier and atlas.tier_of(eid) != tier:
            continue
        first = FuzzyDate.parse(start).first_day()
        last = FuzzyDate.parse(end).last_day() if end else None
        label, label_lang = atlas.label_lang(eid, lang)
        out.append({"id": eid, "type": atlas.types[eid], "label": label, "label_lang": label_lang,
                    "tier": atlas.tier_of(eid), "start": start, "end": end, "point": atlas.types[eid] == "Event",
                    "open_end": end is None and atlas.types[eid] != "Event",
                    "x0": _year_fraction(first), "x1": _year_fraction(last) if last else None})
    out.sort(key=lambda i: (i["x0"], i["label"].casefold()))
    return {"tier": tier, "first_year": FIRST_YEAR, "last_year": today.year, "items": out}


def _year_fraction(day: dt.date) -> float:
    return round(day.year + (day.timetuple().tm_yday - 1) / 366, 3)
