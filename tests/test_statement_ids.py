"""Statement ids are content addresses kept in every store: the same statement must hash to the same id in every
version. The values below were computed by the code of main at e227850 (before the id was written without
json.dumps and without cached_property's lock)."""
import dataclasses
import inspect
from concurrent.futures import ThreadPoolExecutor

import pytest

from policy_atlas.model import FuzzyDate, Statement


def pinned() -> list[tuple[Statement, str]]:
    return [
        (Statement("subsidy/x", "recipient", "mun/21001", "entity", valid_from=FuzzyDate.parse("2016"),
                   valid_to=FuzzyDate.parse("2018-03-04"), source="far-2019", locator="fn 1; line 12",
                   quote='De "stad" \u2013 \u00e9', rank="preferred", note="n"), "6a6491cb50bc8164"),
        (Statement("a/b", "name", "tab\t \\ \U0001d11e \u2028", "text", lang="nl", source="editorial",
                   locator="label"), "523e940183b1903d"),
        (Statement("a/b", "amount", "12.00", "amount", source="s", note=42), "6b4ebc36b65cff4d"),  # a note not text
    ]


def test_ids_are_the_stored_ones():
    for st, sid in pinned():
        assert st.id == sid, st
        assert st.id == sid  # read again: the kept value


def test_the_origin_is_not_part_of_the_id():
    st, sid = pinned()[0]
    assert dataclasses.replace(st, origin="elsewhere.yaml:3").id == sid


def test_ids_computed_in_threads_at_once_are_the_same():
    sts = [Statement(f"a/{i}", "name", f"n{i}", "text", lang="nl", source="s") for i in range(2000)]
    expected = [Statement(st.subject, st.prop, st.value, st.value_type, st.lang, source=st.source).id for st in sts]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda st: st.id, sts))
    assert got == expected and [st.id for st in sts] == expected


def test_the_written_out_init_takes_the_fields_in_their_order():
    fields = dataclasses.fields(Statement)
    params = list(inspect.signature(Statement).parameters.values())
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.default for p in params] == [inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default
                                           for f in fields]
    st = Statement("a/b", "name", "x", "text", "nl", None, None, "s", "l", "q", "preferred", "n", "o")
    assert [getattr(st, f.name) for f in fields] == ["a/b", "name", "x", "text", "nl", None, None, "s", "l", "q",
                                                     "preferred", "n", "o"]
    assert st == Statement(**{f.name: getattr(st, f.name) for f in fields}) and hash(st) == hash(dataclasses.replace(st))
    with pytest.raises(dataclasses.FrozenInstanceError):
        st.value = "y"
