"""Every UI string in the templates is translated in each Babel catalogue, placeholders intact."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from policy_atlas.web import i18n

ROOT = Path(__file__).parent.parent
TEMPLATES = ROOT / "src" / "policy_atlas" / "templates"


def _template_messages() -> set:
    method_map = [("**.html", "jinja2"), ("**.svg", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.i18n"}, "**.svg": {"extensions": "jinja2.ext.i18n"}}
    return {msg for _file, _line, msg, _comments, _context in extract_from_dir(TEMPLATES, method_map, options)}


@pytest.mark.parametrize("lang", ["nl", "fr", "de"])
def test_catalogue_translates_every_template_string(lang):
    with i18n.catalogue_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    messages = _template_messages()
    assert len(messages) > 100
    for msg in messages:
        key = msg if isinstance(msg, str) else msg[0]
        entry = catalog.get(key)
        assert entry is not None and all(entry.string if isinstance(entry.string, tuple) else [entry.string]), \
            f"{lang}: no translation for {key!r}"
        source = " ".join(msg) if isinstance(msg, tuple) else msg
        target = " ".join(entry.string) if isinstance(entry.string, tuple) else entry.string
        assert set(re.findall(r"%\(\w+\)d|%\(\w+\)s", source)) >= set(re.findall(r"%\(\w+\)d|%\(\w+\)s", target))


def test_negotiation():
    assert i18n.negotiate("de-DE,de;q=0.9") == "de"
    assert i18n.negotiate("es, en;q=0.3") == "en"
    assert i18n.negotiate(None) == "nl"
    assert i18n.negotiate("fr;q=bad, nl;q=0.1") == "nl"
