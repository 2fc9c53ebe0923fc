"""UI languages: Babel message catalogues (locale/<lang>/LC_MESSAGES/messages.po), English as the key.

Catalogues are compiled in memory when first used, so the .po files are the only thing to edit."""
from __future__ import annotations

import io
from functools import cache
from importlib import resources

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("nl", "fr", "de", "en")
DEFAULT = "nl"


def catalogue_path(lang: str):
    return resources.files("policy_atlas").joinpath(f"locale/{lang}/LC_MESSAGES/messages.po")


@cache
def translations(lang: str) -> NullTranslations:
    if lang == "en":
        return NullTranslations()
    with catalogue_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def language_name(lang: str) -> str:
    return Locale.parse(lang).get_display_name(lang).capitalize()


def negotiate(accept_language: str | None) -> str:
    """The best UI language for an Accept-Language header, else Dutch (the report's language)."""
    wanted = []
    for part in (accept_language or "").split(","):
        tag, _, q = part.strip().partition(";q=")
        if tag:
            try:
                wanted.append((float(q or 1), tag.split("-")[0].lower()))
            except ValueError:
                continue
    for _, tag in sorted(wanted, reverse=True):
        if tag in LANGUAGES:
            return tag
    return DEFAULT
