"""Questions asked of the current atlas: labels, relations, as-of views, municipality profiles.

Plain data out; no web, no printing.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from . import gazetteer as gaz
from .model import FuzzyDate, Statement, load_schema
from .store import Snapshot

PROFILE_SECTIONS = {"Helpline": "helplines", "Service": "services", "Training": "trainings", "Tool": "tools",
                    "Programme": "services", "Plan": "plans", "LegalAct": "rules", "Subsidy": "subsidies_open",
                    "Body": "bodies", "Agency": "agencies"}
REGION_COMPETENCE = {"flanders": "region-flanders", "wallonia": "region-wallonia", "brussels": "region-brussels"}
COMMUNITY_COMPETENCE = {"flemish": "community-flemish", "french": "community-french", "german": "community-german"}


@dataclass
class Atlas:
    types: dict[str, str]
    statements: list[Statement]
    sources: dict[str, dict]
    build: dict

    @classmethod
    def from_snapshot(cls, snap: Snapshot) -> Atlas:
        atlas = cls(snap.entities, snap.statements, snap.sources, snap.build)
        atlas._index()
        return atlas

    def _index(self) -> None:
        self.by_subject: dict[str, list[Statement]] = defaultdict(list)
        self.by_object: dict[str, list[Statement]] = defaultdict(list)
        for st in self.statements:
            self.by_subject[st.subject].append(st)
            if st.value_type == "entity":
                self.by_object[st.value].append(st)

    def label(self, eid: str, lang: str = "nl") -> str:
        return self.label_lang(eid, lang)[0]

    def label_lang(self, eid: str, lang: str = "nl") -> tuple[str, str | None]:
        """The label in `lang`, else the first fallback, with the language it is really in."""
        if eid.startswith("mun/") and eid[4:] in gaz.load().municipalities:
            return gaz.load().get(eid).name(lang), lang
        names = self.labels(eid)
        for candidate in (lang, "nl", "fr", "en", "de"):
            if candidate in names:
                return names[candidate], candidate
        return eid, None

    def labels(self, eid: str) -> dict[str, str]:
        return {s.lang: s.value for s in self.by_subject.get(eid, ()) if s.prop == "name" and s.rank != "deprecated"}

    def values(self, eid: str, prop: str, day: dt.date | None = None) -> list[Statement]:
        out = [s for s in self.by_subject.get(eid, ()) if s.prop == prop]
        if day:
            out = [s for s in out if s.holds_on(day)]
        else:
            out = [s for s in out if s.rank != "deprecated"]
        return sorted(out, key=lambda s: (s.rank != "preferred", str(s.valid_from or "")))

    def first(self, eid: str, prop: str, day: dt.date | None = None) -> str | None:
        found = self.values(eid, prop, day)
        return found[0].value if found else None

    def entities_of(self, *types: str) -> list[str]:
        schema = load_schema()
        return sorted(e for e, t in self.types.items() if any(schema.types[t].is_a(x) for x in types))

    def active_on(self, eid: str, day: dt.date) -> bool:
        """An entity is active unless its own start/end (or founded/dissolved) dates exclude the day."""
        for start_prop, end_prop in (("start", "end"), ("founded", "dissolved"), ("adopted", "end"),
                                     ("signed", "end")):
            starts = [s.value for s in self.values(eid, start_prop)]
            ends = [s.value for s in self.values(eid, end_prop)]
            if starts and all(_first_day(v) > day for v in starts):
                return False
            if ends and all(_last_day(v) < day for v in ends):
                return False
        return True

    @cached_property
    def competence(self) -> dict[str, list[str]]:
        """competence key (e.g. region-flanders) -> governments, read from `competent_as` statements."""
        out: dict[str, list[str]] = defaultdict(list)
        for gid in self.entities_of("Government"):
            for st in self.values(gid, "competent_as"):
                out[st.value].append(gid)
        return out

    def level_of(self, eid: str) -> str | None:
        """The entity's own `level`, else its government's, else what it is part of; municipalities are municipal."""
        kind = self.types.get(eid)
        if kind == "Municipality":
            return "municipal"
        if kind in ("Province", "Arrondissement"):
            return "province"
        own = self.first(eid, "level")
        if own:
            return own
        for prop in ("government", "part_of", "funder", "provider"):
            for target in self.values(eid, prop):
                if self.types.get(target.value) in ("Government", "Agency", "Body"):
                    return self.level_of(target.value)
        return None

    def tier_of(self, eid: str) -> str:
        return load_schema().tier_of_level(self.level_of(eid)) or "civil"

    def regions_of(self, eid: str) -> list[str]:
        """Regions (flanders, wallonia, brussels, german) the entity's policy reaches, as far as the data says."""
        kind = self.types.get(eid)
        if kind == "Municipality":
            mun = gaz.load().get(eid)
            return [mun.area]
        schema = load_schema()
        if kind == "Government":
            return sorted({r for st in self.values(eid, "competent_as") for r in schema.competence_regions[st.value]})
        for prop in ("eligible_region", "region"):
            area = self.first(eid, prop)
            if area in ("flanders", "wallonia", "brussels", "german"):
                return [area]
        for prop in ("government", "funder", "part_of"):
            for target in self.values(eid, prop):
                if self.types.get(target.value) in ("Government", "Agency"):
                    return self.regions_of(target.value)
        return []

    def period_of(self, eid: str) -> tuple[str | None, str | None]:
        start = next((self.first(eid, p) for p in ("start", "founded", "adopted", "signed", "date")
                      if self.first(eid, p)), None)
        end = next((self.first(eid, p) for p in ("end", "dissolved") if self.first(eid, p)), None)
        return start, end

    def source_year(self, sid: str) -> int | None:
        """The year a source was published (its `published` date, else its `year`)."""
        src = self.sources.get(sid, {})
        value = src.get("published") or src.get("year")
        return FuzzyDate.parse(str(value)).first_day().year if value else None

    def last_source_year(self, eid: str, extra: Statement | None = None) -> int | None:
        """The latest publication year among the sources of what the atlas says about an entity."""
        sts = [*self.by_subject.get(eid, ()), *([extra] if extra else [])]
        return max((y for y in (self.source_year(s.source) for s in sts if s.source != "editorial") if y),
                   default=None)

    def citation(self, st: Statement) -> dict:
        src = self.sources.get(st.source, {})
        return {"source": st.source, "source_title": src.get("title", st.source), "locator": st.locator,
                "quote": st.quote}


def _first_day(value: str) -> dt.date:
    return FuzzyDate.parse(value).first_day()


def _last_day(value: str) -> dt.date:
    return FuzzyDate.parse(value).last_day()


def competent_governments(atlas: Atlas, mun: gaz.Municipality) -> list[tuple[str, str]]:
    """(government id, reason) for every government whose policy applies in the municipality."""
    comp = atlas.competence
    keys = [("federal", "federal")]
    keys.append((REGION_COMPETENCE[mun.region], f"region:{mun.region}"))
    keys += [(COMMUNITY_COMPETENCE[c], f"community:{c}") for c in mun.communities]
    if mun.region == "brussels":
        keys.append(("commission-brussels", "community-commission:brussels"))
    seen: dict[str, str] = {}
    for key, reason in keys:
        for gid in comp.get(key, []):
            seen.setdefault(gid, reason)
            if reason not in seen[gid].split(" + "):
                seen[gid] = f"{seen[gid]} + {reason}"
    return list(seen.items())


def _item(atlas: Atlas, eid: str, lang: str, reason: str, st: Statement | None, day: dt.date | None,
          today: dt.date, via: gaz.Municipality | None = None) -> dict:
    """One profile item with its dates: the statement's own validity, else (an undated statement never widens a
    dated fact) the entity's own period; its status today; and, when no end is known, the year of the last
    source that speaks of it ("unknown after YEAR")."""
    own_start, own_end = atlas.period_of(eid)
    start = str(st.valid_from) if st is not None and st.valid_from else own_start
    end = str(st.valid_to) if st is not None and st.valid_to else own_end
    last = atlas.last_source_year(eid, st)
    item = {"id": eid, "type": atlas.types.get(eid), "label": atlas.label(eid, lang), "why": reason,
            "start": start, "end": end, "status": _status(start, end, today), "last_source_year": last,
            "unknown_after": None if end else last,
            "via": via and {"nis": via.nis, "label": via.name(lang),
                            "until": via.valid_to.isoformat() if via.valid_to else None}}
    if st is not None:
        item.update({"valid_from": str(st.valid_from) if st.valid_from else None,
                     "valid_to": str(st.valid_to) if st.valid_to else None, "cites": atlas.citation(st)})
    else:
        gov = atlas.values(eid, "government", day)
        item["cites"] = atlas.citation(gov[0]) if gov else None
    return item


def _status(start: str | None, end: str | None, today: dt.date) -> str:
    """ended / future / current (dated on both sides) / open (no end known)."""
    if end and _last_day(end) < today:
        return "ended"
    if start and _first_day(start) > today:
        return "future"
    return "current" if end else "open"


def _applies(atlas: Atlas, st: Statement, day: dt.date | None) -> bool:
    """Every non-withdrawn statement in the all-periods view; on a day, only what held then, the statement's
    subject (subsidy, plan, body) being active that day too."""
    if day is None:
        return st.rank != "deprecated"
    return st.holds_on(day) and atlas.active_on(st.subject, day)


def _holders(mun: gaz.Municipality) -> list[tuple[gaz.Municipality, gaz.Municipality | None]]:
    """The municipality itself, then each municipality merged into it (what it received counts here, 'via')."""
    g = gaz.load()
    out = [(mun, None)]
    for nis in mun.predecessors:
        if nis != mun.nis:
            out += [(holder, holder) for holder, _ in _holders(g.get(nis))]
    return out


def profile(atlas: Atlas, mun: gaz.Municipality, day: dt.date | None, lang: str = "nl",
            today: dt.date | None = None) -> dict:
    """What applies to a municipality: on a day, or (day None) in every period, each item with why it applies,
    its dates, its status today and its source. A merged municipality includes what its predecessors
    received, each such item saying through which predecessor (`via`)."""
    today = today or dt.date.today()
    eid = mun.entity_id
    out: dict = {"municipality": {**mun.as_dict(), "id": eid, "label": mun.name(lang)},
                 "as_of": day.isoformat() if day else None, "status_on": today.isoformat(),
                 "history": history(mun, lang), "governments": [], "subsidies_received": [], "bodies_taking_part": [],
                 **{k: [] for k in dict.fromkeys(PROFILE_SECTIONS.values())}}
    for holder, via in _holders(mun):
        for st in atlas.by_object.get(holder.entity_id, ()):
            if st.prop not in ("recipient", "member", "signatory", "provider") or not _applies(atlas, st, day):
                continue
            section = "subsidies_received" if st.prop == "recipient" else "bodies_taking_part"
            reason = "direct grant" if st.prop == "recipient" else st.prop
            out[section].append(_item(atlas, st.subject, lang, reason, st, day, today, via))
    govs = competent_governments(atlas, mun)
    out["governments"] = [{"id": g, "label": atlas.label(g, lang), "why": why} for g, why in govs]
    reached = {i["id"] for i in out["subsidies_received"]}
    for gid, why in govs:
        for st in atlas.by_object.get(gid, ()):
            if st.prop != "government" or not _applies(atlas, st, day):
                continue
            kind = atlas.types.get(st.subject)
            section = PROFILE_SECTIONS.get(kind)
            if section is None or st.subject in reached:
                continue
            if kind == "Subsidy" and not _eligible(atlas, st.subject, mun):
                continue
            out[section].append(_item(atlas, st.subject, lang, f"via {why}", st, day, today))
    for section in (*dict.fromkeys(PROFILE_SECTIONS.values()), "subsidies_received", "bodies_taking_part"):
        out[section] = _dedupe(out[section])
    out["livcr"] = livcr_status(atlas, mun, day)
    out["shown_currency"] = shown_currency(atlas, out)
    return out


def history(mun: gaz.Municipality, lang: str) -> dict:
    """The municipality in time: its validity, what it was made of, what it became."""
    g = gaz.load()
    brief = lambda m: {"nis": m.nis, "label": m.name(lang)}  # noqa: E731
    merger = g.merger_of(mun.nis)
    return {"valid_from": mun.valid_from and mun.valid_from.isoformat(),
            "valid_to": mun.valid_to and mun.valid_to.isoformat(),
            "predecessors": [brief(g.get(p)) for p in mun.predecessors if p != mun.nis],
            "successor": brief(g.get(mun.successor)) if mun.successor else None,
            "merger_date": merger.date.isoformat() if merger else None,
            "merger_sources": list(merger.cites) if merger else []}


PROFILE_LISTS = ("helplines", "services", "subsidies_received", "subsidies_open", "bodies_taking_part", "bodies",
                 "plans", "rules", "trainings", "tools", "agencies")


def shown_currency(atlas: Atlas, data: dict) -> dict:
    """How current a profile is: the latest publication year of the sources that speak of what it shows."""
    items = [i for section in PROFILE_LISTS for i in data[section]]
    latest = max((i["last_source_year"] for i in items if i["last_source_year"]), default=None)
    return {"latest_year": latest, "open_items": sum(1 for i in items if i["status"] == "open")}


def compare(first: dict, second: dict) -> list[dict]:
    """Two profiles side by side: per list, every item with whether it applied on each date."""
    out = []
    for section in PROFILE_LISTS:
        a, b = {i["id"]: i for i in first[section]}, {i["id"]: i for i in second[section]}
        rows = [{**(a.get(k) or b[k]), "first": k in a, "second": k in b} for k in {**a, **b}]
        if rows:
            out.append({"list": section, "rows": sorted(rows, key=lambda r: r["label"].casefold())})
    return out


def _eligible(atlas: Atlas, subsidy: str, mun: gaz.Municipality) -> bool:
    """Subsidies with named recipients only 'apply' to those recipients; open calls apply to the eligible area."""
    if any(s.prop == "recipient" for s in atlas.by_subject.get(subsidy, ())):
        return False
    area = atlas.first(subsidy, "eligible_region")
    return area in (None, "all", mun.region)


def _dedupe(items: list[dict]) -> list[dict]:
    seen: dict[tuple, dict] = {}
    for item in items:
        seen.setdefault((item["id"], (item["via"] or {}).get("nis")), item)
    return sorted(seen.values(), key=lambda i: (i["label"].casefold(), (i["via"] or {}).get("nis") or ""))


def livcr_status(atlas: Atlas, mun: gaz.Municipality, day: dt.date | None) -> dict:
    own = atlas.values(mun.entity_id, "livcr_status", day)
    status = own[0].value if own else "unknown"
    return {"status": status, "cites": atlas.citation(own[0]) if own else None,
            "area_figures": livcr_figures(atlas, mun.area)}


def livcr_figures(atlas: Atlas, area: str | None = None, lang: str = "nl") -> list[dict]:
    """The report's LIVC-R counts per area (all areas when none is given), each with its citation."""
    figures = []
    for mid in atlas.entities_of("Measure"):
        if atlas.first(mid, "subject") != "body/livcr" or area and atlas.first(mid, "area") != area:
            continue
        count = atlas.values(mid, "count")
        figures.append({"id": mid, "label": atlas.label(mid, lang), "area": atlas.first(mid, "area"),
                        "count": atlas.first(mid, "count"), "total": atlas.first(mid, "total"),
                        "as_of": atlas.first(mid, "as_of"), "counted": atlas.first(mid, "counted"),
                        "rank": count[0].rank if count else None,
                        "order": f"{atlas.first(mid, 'area') or ''} {atlas.first(mid, 'as_of') or ''}",
                        "cites": atlas.citation(count[0]) if count else None})
    return figures


def entity_view(atlas: Atlas, eid: str, lang: str = "nl", day: dt.date | None = None) -> dict:
    """An entity with its statements grouped by property, and the relations pointing to it."""
    if eid not in atlas.types:
        raise KeyError(eid)
    schema = load_schema()
    groups: dict[str, list[dict]] = defaultdict(list)
    for st in atlas.by_subject.get(eid, ()):
        if day and not st.holds_on(day):
            continue
        groups[st.prop].append(statement_view(atlas, st, lang))
    incoming: dict[str, list[dict]] = defaultdict(list)
    for st in atlas.by_object.get(eid, ()):
        if day and not st.holds_on(day):
            continue
        incoming[st.prop].append({**statement_view(atlas, st, lang), "subject": st.subject,
                                  "subject_label": atlas.label(st.subject, lang)})
    return {"id": eid, "type": atlas.types[eid], "type_label": schema.types[atlas.types[eid]].labels.get(lang),
            "label": atlas.label(eid, lang), "labels": atlas.labels(eid), "as_of": day.isoformat() if day else None,
            "properties": [{"property": p, "label": schema.property_labels(p).get(lang, p), "statements": v}
                           for p, v in groups.items()],
            "incoming": [{"property": p, "label": schema.reverse_labels(p).get(lang, p), "statements": v}
                         for p, v in incoming.items()]}


def statement_view(atlas: Atlas, st: Statement, lang: str) -> dict:
    view = {"id": st.id, "property": st.prop, "value": st.value, "value_type": st.value_type, "lang": st.lang,
            "valid_from": str(st.valid_from) if st.valid_from else None,
            "valid_to": str(st.valid_to) if st.valid_to else None, "rank": st.rank, "note": st.note,
            **atlas.citation(st)}
    if st.value_type == "entity":
        view["object_label"] = atlas.label(st.value, lang)
    return view
