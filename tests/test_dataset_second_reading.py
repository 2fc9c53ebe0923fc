"""The second reading of the report (issue 11 §6): where the report contradicts itself both values stay, ranked
and explained; events and programmes found in passing carry word-for-word quotes (checked by validation)."""
import pytest


def _values(bundled, subject, prop):
    return {(s.value, s.rank) for s in bundled.statements if s.subject == subject and s.prop == prop}


@pytest.mark.parametrize("subject, prop, kept", [
    ("event/2012-syria-departures", "date", {("2012", "preferred"), ("2013", "normal")}),
    ("event/2004-aivd-definition", "date", {("2004", "preferred"), ("2002", "normal")}),
    ("event/2000-bvd-annual-report", "date", {("2000", "preferred"), ("1999", "normal")}),
    ("respondent/h", "region", {("flanders", "preferred"), ("wallonia", "deprecated")}),
    ("respondent/g", "livcr_status", {("established", "normal"), ("none", "normal")}),
])
def test_self_contradictions_are_kept_with_ranks_and_notes(bundled, subject, prop, kept):
    assert _values(bundled, subject, prop) == kept
    assert all(s.note and "disagrees" in s.note or s.rank == "preferred"
               for s in bundled.statements if s.subject == subject and s.prop == prop)


def test_deprecated_value_does_not_hold(bundled):
    import datetime as dt
    (wrong,) = [s for s in bundled.statements if s.subject == "respondent/h" and s.value == "wallonia"]
    assert not wrong.holds_on(dt.date(2019, 1, 1))


def test_new_events_are_dated_and_quoted(bundled):
    events = {s.subject for s in bundled.statements if s.origin and "second-reading.yaml" in s.origin}
    assert len(events) >= 20
    for eid in events:
        dates = [s for s in bundled.statements if s.subject == eid and s.prop == "date"]
        assert dates and all(s.quote and s.source == "far-2019" for s in dates), eid


def test_local_projects_name_only_the_respondent_letter(bundled):
    local = [s for s in bundled.statements if s.prop == "respondent" and s.subject.startswith(("programme/", "training/", "body/"))]
    assert len({s.subject for s in local}) >= 12
    assert all(s.value.startswith("respondent/") and s.quote for s in local)
