"""The 2026 update for the federal level, the LIVC-R and the local level: key facts, their sources, and the rule
that conflicting counts are kept side by side with their as-of dates, never merged."""
from collections import defaultdict

from policy_atlas.queries import livcr_figures

UPDATE = "update-2026"


def facts(ds, subject, prop):
    return [s for s in ds.statements if s.subject == subject and s.prop == prop]


def update_measures(ds):
    return {eid: e for eid, e in ds.entities.items() if e.type == "Measure" and UPDATE in e.origin}


def one(ds, subject, prop):
    found = [s for s in facts(ds, subject, prop) if s.rank != "deprecated"]
    assert len(found) == 1, (subject, prop, found)
    return found[0]


def test_strategie_ter_replaces_plan_r_on_8_september_2021_with_its_sources(bundled):
    assert bundled.entities["plan/strategie-ter"].type == "Plan"
    adopted = one(bundled, "plan/strategie-ter", "adopted")
    assert (adopted.value, adopted.source) == ("2021-09-08", "fed-corpus-042")
    assert "8 september 2021" in adopted.quote and adopted.locator.startswith("line ")
    replaces = facts(bundled, "plan/strategie-ter", "replaces")
    assert {s.value for s in replaces} == {"plan/plan-r"}
    assert {s.source for s in replaces} == {"fed-corpus-043", "fed-ocad-ter"}
    ended = one(bundled, "plan/plan-r", "end")
    assert ended.value == "2021-09-08" and ended.source == "fed-corpus-022"
    assert one(bundled, "plan/strategie-ter", "responsible").value == "agency/ocad"
    participants = {s.value for s in facts(bundled, "plan/strategie-ter", "participant")}
    assert {"agency/ocad", "agency/fod-financien", "gov/flanders", "body/livcr", "body/ltf"} <= participants


def test_plan_r_start_dates_disagree_and_are_all_kept(bundled):
    starts = {(s.value, s.source) for s in facts(bundled, "plan/plan-r", "start")}
    assert {("2005", "far-2019"), ("2004", "far-2019"), ("2006", "fed-corpus-022"), ("2006", "fed-ocad-ter")} <= starts


def test_every_update_livcr_count_has_its_own_measure_date_and_what_it_counts(bundled):
    measures = {eid for eid, e in update_measures(bundled).items() if eid.startswith("measure/livcr-upd-")}
    assert len(measures) == 53
    for eid in measures:
        counts = facts(bundled, eid, "count")
        assert len(counts) == 1, eid  # one figure per measure: nothing merged or averaged
        assert one(bundled, eid, "subject").value == "body/livcr"
        assert one(bundled, eid, "counted").value in {"cells", "municipalities_with", "municipalities_without"}
        as_of = facts(bundled, eid, "as_of")
        assert as_of or "date" in (counts[0].note or ""), eid  # undated figures say so
        assert counts[0].source != "editorial" and (counts[0].quote or counts[0].locator)


def test_conflicting_national_counts_sit_side_by_side_with_ranks(bundled):
    by_value = defaultdict(list)
    for eid in update_measures(bundled):
        if not eid.startswith("measure/livcr-upd-"):
            continue
        if one(bundled, eid, "area").value == "belgium" and one(bundled, eid, "counted").value == "municipalities_with":
            count = one(bundled, eid, "count")
            by_value[int(count.value)].append((eid, count))
    assert {152, 284, 339, 347, 382, 388} <= set(by_value)
    assert {c.source for _, c in by_value[382]} == {"fed-corpus-001", "fed-besafe-livcr"}  # August and June 2019
    (text_id, text), = [(eid, c) for eid, c in by_value[382] if c.source == "fed-corpus-001"]
    assert text.rank == "preferred"
    assert one(bundled, text_id, "as_of").value == "2019-08-26"
    title = [c for _, c in by_value[388] if c.source == "fed-besafe-388-title"]
    assert len(title) == 1 and title[0].rank == "normal" and "382" in title[0].note


def test_besafe_table_of_15_june_2019_per_region(bundled):
    table = {}
    for eid in update_measures(bundled):
        if eid.startswith("measure/livcr-upd-2019-06-15-"):
            key = (one(bundled, eid, "area").value, one(bundled, eid, "counted").value)
            table[key] = int(one(bundled, eid, "count").value)
            assert one(bundled, eid, "as_of").value == "2019-06-15"
    assert table[("flanders", "municipalities_with")] == 255 and table[("flanders", "municipalities_without")] == 30
    assert table[("wallonia", "cells")] == 70 and table[("wallonia", "municipalities_without")] == 86
    assert table[("german", "cells")] == 2 and table[("brussels", "municipalities_with")] == 19
    assert table[("belgium", "municipalities_with")] == 382 and len(table) == 15


def test_report_figures_still_come_first_and_update_figures_follow(atlas):
    flanders = livcr_figures(atlas, "flanders")
    assert (flanders[0]["count"], flanders[0]["total"], flanders[0]["as_of"]) == ("254", "285", "2019-03-07")
    later = [f for f in flanders if f["id"].startswith("measure/livcr-upd-")]
    assert {f["as_of"] for f in later} >= {"2016-05-27", "2017-06", "2019-06-15"}
    assert all(f["cites"]["source"] != "far-2019" for f in later)


def test_federal_subsidies_after_2019_are_continued_with_evidence(bundled):
    vsc = [s for s in facts(bundled, "subsidy/vsc", "description") if s.source == "fed-corpus-056"]
    assert any("31 december 2024" in s.quote for s in vsc)
    bases = {s.value for s in facts(bundled, "subsidy/vsc", "legal_basis")}
    assert {"law/kb-vsc-2020", "law/kb-vsc-2022"} <= bases
    svpp = {s.value for s in facts(bundled, "subsidy/svpp", "legal_basis")}
    assert {"law/kb-svpp-2019", "law/kb-svpp-2022"} <= svpp
    amount = one(bundled, "subsidy/vsc", "amount")
    assert float(amount.value) == 15_000_000 and "about" in amount.note and str(amount.valid_from) == "2023"
    # the report's ten named recipients are not re-asserted after 2019: no source names them
    later = [s for s in facts(bundled, "subsidy/vsc-radicalisation", "recipient") if UPDATE in (s.origin or "")]
    assert later == []


def test_law_of_2024_amends_the_livcr_law_and_the_agreement_is_not_signed(bundled):
    amends = one(bundled, "law/wet-ggb-2024", "amends")
    assert amends.value == "law/wet-livcr-2018" and amends.locator == "title"
    assert one(bundled, "law/wet-ggb-2024", "signed").value == "2024-03-29"
    assert facts(bundled, "law/sa-livcr", "signed") == []
    assert any(s.source == "fed-corpus-060" for s in facts(bundled, "law/sa-livcr", "description"))


def test_update_sources_are_declared_in_their_files_with_kinds(bundled):
    mine = {sid: src for sid, src in bundled.sources.items() if sid.startswith("fed-")}
    assert len(mine) >= 60
    for sid, src in mine.items():
        assert src["kind"] in {"legal", "parliamentary", "webpage", "press", "annual-report"}, sid
        assert src["url"].startswith("http") and src["retrieved"] == "2026-11-29", sid
        if sid.startswith("fed-corpus-"):
            assert src["path"] == f"corpus/texts/{sid[-3:]}.{src['language']}.txt"
    web_quotes = [s for s in bundled.statements if s.source in mine and not mine[s.source].get("path") and s.quote]
    assert web_quotes and all(len(s.quote) <= 300 and s.locator for s in web_quotes)


def test_timeline_runs_to_2024_with_dated_events(bundled):
    # the federal/local files only: the regions and communities files have their own timeline test
    mine = tuple(f"{UPDATE}/{name}" for name in ("federal.yaml", "livcr.yaml", "local.yaml", "timeline-2019-2026.yaml"))
    events = {eid for eid, e in bundled.entities.items() if e.type == "Event" and any(m in e.origin for m in mine)}
    assert len(events) >= 15
    dates = sorted(one(bundled, eid, "date").value for eid in events)
    assert dates[0].startswith("2019") and dates[-1] == "2024-05-17"
    attack = one(bundled, "event/2023-10-16-brussels-attack", "led_to")
    assert attack.value == "event/2023-10-16-threat-level"


def test_the_radicalisation_strand_is_no_longer_a_2019_only_trail(atlas):
    from policy_atlas import currency
    cur = currency.of_entity(atlas, "subsidy/vsc-radicalisation")
    assert cur["stale_since"] is None and cur["latest_source"] >= "2024"
