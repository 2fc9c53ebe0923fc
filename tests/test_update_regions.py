"""The update since 2019 for the regions and communities (datasets/belgium/update-2026/): key facts per
government, and the honesty rules for the sources they cite."""
import pytest

from policy_atlas import sources as srcs

FILES = ["flanders.yaml", "wallonia.yaml", "brussels.yaml", "french-community.yaml", "german-community.yaml"]
NINE_FLEMISH = {"mun/41002", "mun/11002", "mun/44021", "mun/72021", "mun/12025", "mun/34027", "mun/35013",
                "mun/23088", "mun/42028"}


def mine(ds, name=None):
    """Statements curated in the update files (or in one of them)."""
    return [st for st in ds.statements
            if "update-2026/" in (st.origin or "") and (name is None or f"update-2026/{name}:" in st.origin)]


def values(ds, subject, prop, **where):
    return {st.value for st in ds.statements if st.subject == subject and st.prop == prop
            and all(str(getattr(st, k)) == str(v) for k, v in where.items())}


def one(ds, subject, prop, **where):
    found = values(ds, subject, prop, **where)
    assert len(found) == 1, (subject, prop, where, found)
    return found.pop()


@pytest.mark.parametrize("name, government, minimum", [
    ("flanders.yaml", "gov/flanders", 100),
    ("wallonia.yaml", "gov/wallonia", 70),
    ("brussels.yaml", "gov/brussels", 40),
    ("french-community.yaml", "gov/fwb", 40),
    ("german-community.yaml", "gov/ostbelgien", 50),
])
def test_every_government_has_sourced_statements(bundled, name, government, minimum):
    sourced = [st for st in mine(bundled, name) if st.source != "editorial"]
    assert len(sourced) >= minimum
    assert government in {st.value for st in mine(bundled, name) if st.prop in ("government", "funder")}


def test_flanders(bundled):
    assert one(bundled, "law/vl-decreet-2024", "signed") == "2024-03-22"
    assert one(bundled, "law/vl-bvr-2024", "published") == "2024-07-31"
    assert float(one(bundled, "subsidy/vl-regierol-2021", "amount")) == 1_500_000
    assert one(bundled, "subsidy/vl-regierol-2021", "recipient_count", source="vl-corpus-045") == "14"
    # the report's 2016-2018 grant was extended for the same nine municipalities, 1 March 2020 - 1 March 2021
    assert values(bundled, "subsidy/vl-regierol-2020", "recipient", valid_from="2020-03-01", valid_to="2021-03-01") == NINE_FLEMISH
    assert one(bundled, "subsidy/vl-regierol-2020", "extends") == "subsidy/vl-regierol"
    assert one(bundled, "subsidy/vl-regierol", "status") == "continued"
    assert one(bundled, "plan/vl-actieplan-2021", "replaces") == "plan/vl-actieplan"


def test_wallonia(bundled):
    assert float(one(bundled, "subsidy/wal-prevention-2018", "amount")) == 900_000
    assert one(bundled, "subsidy/wal-prevention-2018", "end", source="wal-corpus-015") == "2018-12-31"
    assert one(bundled, "subsidy/wal-csil-2019", "status") == "ended"
    assert one(bundled, "subsidy/wal-csil-2019", "end") == "2020-09-30"
    assert one(bundled, "law/wal-circ-2021-09-15", "signed") == "2021-09-15"
    assert one(bundled, "subsidy/wal-pcs-2020-2025", "recipient_count") == "204"
    # the five joint plans named in an answer are descriptions, not a partial recipient list on the map
    assert not values(bundled, "subsidy/wal-pcs-2020-2025", "recipient")


def test_brussels(bundled):
    assert one(bundled, "plan/bru-pgsp-2021-2024", "adopted", source="bru-corpus-050") == "2021-01-14"
    assert "plan/bru-gvpp" in values(bundled, "plan/bru-pgsp-2021-2024", "replaces")
    assert "safe.brussels" in values(bundled, "agency/bpv", "alias")
    assert one(bundled, "subsidy/bru-pbp", "status") == "continued"
    assert one(bundled, "subsidy/vgc-verbinding-2024", "funder") == "gov/vgc"


def test_french_community(bundled):
    phones = [st for st in bundled.statements if st.subject == "helpline/caprev" and st.prop == "phone"]
    assert [st.value for st in phones if st.rank == "preferred"] == ["0800 111 72"]
    assert one(bundled, "law/fwb-decret-csilr-2023", "signed") == "2023-06-08"
    assert one(bundled, "law/fwb-arrete-csilr-2024", "numac") == "2024006434"
    assert one(bundled, "agency/crea", "part_of") == "agency/fwb-cimede"


def test_german_speaking_community(bundled):
    assert one(bundled, "service/wegweiser-ostbelgien", "provider") == "agency/kaleido"
    assert one(bundled, "service/wegweiser-ostbelgien", "start") == "2017-04"
    assert one(bundled, "service/wegweiser-ostbelgien", "status", valid_from="2024-12-28") == "continued"
    assert one(bundled, "law/dg-abkommen-wegweiser-2017", "signed") == "2017-04-11"
    assert one(bundled, "event/2025-04-17-wegweiser-pdg", "date") == "2025-04-17"


def test_corpus_quotes_were_found_and_web_quotes_are_short(bundled):
    for st in mine(bundled):
        source = bundled.sources.get(st.source, {})
        if source.get("path"):
            assert st.locator and st.locator.startswith("line "), (st.subject, st.prop, st.locator)
        elif st.source != "editorial":
            assert st.locator, (st.subject, st.prop)
            assert source.get("url") and source.get("retrieved"), st.source
            assert st.quote is None or srcs.quote_problem(st.quote) is None, (st.subject, st.prop)


def test_every_named_recipient_has_a_quote(bundled):
    recipients = [st for st in mine(bundled) if st.prop == "recipient"]
    assert len(recipients) >= 10
    assert all(st.quote for st in recipients)
