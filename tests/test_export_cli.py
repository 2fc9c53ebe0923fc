"""The command line's choices: a bad --format or --lang is refused with the allowed values, never ignored."""
import json
from importlib.metadata import version

import pytest

from tests.conftest import cli


def test_version():
    result = cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"policy-atlas {version('policy-atlas')}"


@pytest.mark.parametrize("args, words", [
    (["profile", "62063", "--format", "xml"], ["'xml' is not one of", "'text'", "'json'"]),
    (["profile", "62063", "--lang", "es"], ["'es' is not one of", "'nl'", "'fr'", "'de'", "'en'"]),
    (["export", "--format", "xlsx"], ["'xlsx' is not one of", "'jsonl'", "'csv'", "'ttl'", "'nt'"]),
])
def test_bad_choices_are_refused(args, words):
    result = cli(*args)
    assert result.returncode == 2
    for word in words:
        assert word in result.stderr


def test_profile_in_french_as_json(atlas_db):
    result = cli("profile", "62063", "--as-of", "2016-06-01", "--format", "json", "--lang", "fr", "--db", atlas_db)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["municipality"]["label"] == "Liège"
    assert "subsidy/impuls-2016" in {i["id"] for i in data["subsidies_received"]}
