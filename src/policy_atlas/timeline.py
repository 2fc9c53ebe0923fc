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
    out = _fold_events(atlas, out, lang)
    out.sort(key=lambda i: (i["x0"], i["label"].casefold()))
    return {"tier": tier, "first_year": FIRST_YEAR, "last_year": today.year, "items": out,
            "event_kinds": sorted({i["kind"] for i in out if i["point"]})}


def _fold_events(atlas: Atlas, items: list[dict], lang: str) -> list[dict]:
    """An event that led to an item starting the same year is that item's beginning, not a second row."""
    by_id = {i["id"]: i for i in items}
    kept = []
    for item in items:
        item.setdefault("events", [])
        if item["point"]:
            item["kind"] = atlas.first(item["id"], "kind") or "other"
            year = item["start"][:4]
            targets = [by_id[s.value] for s in atlas.values(item["id"], "led_to") if s.value in by_id]
            same = [t for t in targets if not t["point"] and t["start"][:4] == year]
            if same:
                for target in same:
                    target.setdefault("events", []).append({"id": item["id"], "label": item["label"],
                                                            "date": item["start"]})
                continue
        kept.append(item)
    return kept


def _year_fraction(day: dt.date) -> float:
    return round(day.year + (day.timetuple().tm_yday - 1) / 366, 3)
