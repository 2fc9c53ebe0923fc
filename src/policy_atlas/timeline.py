"""The timeline: events as points, plans, laws, subsidies and programmes as bars from start to end."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from .model import FuzzyDate
from .queries import Atlas, paged

FIRST_YEAR = 2001
KINDS = ("Event", "Plan", "LegalAct", "Subsidy", "Service", "Helpline", "Training", "Tool", "Programme", "Body")


PER_PAGE = 150  # items per page of the timeline; the CSV has every item of the selection


def items(atlas: Atlas, lang: str = "nl", tier: str | None = None, today: dt.date | None = None) -> dict:
    """Every item (of a tier), events folded into what they started, ordered by start; once per atlas version."""
    today = today or dt.date.today()
    every = atlas.derived(f"timeline.{lang}.{tier}", lambda _: Items(_items(atlas, lang, tier)))
    return {"tier": tier, "first_year": FIRST_YEAR, "last_year": today.year, "items": every,
            "event_kinds": every.event_kinds}


def window(data: dict, year_from: int | None = None, year_to: int | None = None, page: int | None = 1) -> dict:
    """The items that start within [year_from, year_to], PER_PAGE at a time (`page=None`: all of them), with the
    count per start year of the whole selection and of every item, so the page says what it left out."""
    every: Items = data["items"]
    starts = every.starts()
    chosen = [k for k, year in enumerate(starts) if (year_from is None or year >= year_from)
              and (year_to is None or year <= year_to)]
    per_year: dict[int, int] = {}
    for year in starts:
        per_year[year] = per_year.get(year, 0) + 1
    shown, where = paged(chosen, PER_PAGE, page or 1)
    return {**data, "items": [every[k] for k in (chosen if page is None else shown)], "year_from": year_from,
            "year_to": year_to, "count": len(chosen), "total": len(every), "page": page, "pages": where["pages"],
            "per_page": PER_PAGE, "per_year": [{"year": y, "count": n} for y, n in sorted(per_year.items())]}


_KEYS = ("id", "type", "label", "label_lang", "tier", "start", "end", "point", "open_end", "x0", "x1", "events")
_X0, _POINT, _EVENTS, _KIND = _KEYS.index("x0"), _KEYS.index("point"), _KEYS.index("events"), len(_KEYS)


class Items(Sequence):
    """A timeline's items, each kept as one tuple of its values (a dict per item cost ~1 kB, kept per version,
    language and tier: ~10 MB at 100×) and given back as the dict it was: keys in `_KEYS` order, then an event's
    `kind`."""

    def __init__(self, every: list[dict]):
        self._rows = [(*(tuple(i[k]) if k == "events" else i[k] for k in _KEYS), *([i["kind"]] if i["point"] else []))
                      for i in every]
        self.event_kinds = sorted({row[_KIND] for row in self._rows if row[_POINT]})

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [_item(row) for row in self._rows[k]]
        return _item(self._rows[k])

    def __iter__(self) -> Iterator[dict]:
        return map(_item, self._rows)

    def starts(self) -> list[int]:
        """Each item's start year."""
        return [int(row[_X0]) for row in self._rows]


def _item(row: tuple) -> dict:
    item = dict(zip(_KEYS, row))
    item["events"] = list(row[_EVENTS])
    if row[_POINT]:
        item["kind"] = row[_KIND]
    return item


def _items(atlas: Atlas, lang: str, tier: str | None) -> list[dict]:
    out = []
    for eid in atlas.chunked(atlas.entities_of(*KINDS)):
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
    return out


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
