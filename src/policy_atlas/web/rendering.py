"""Jinja2 environments, one per UI language, autoescaped, with the helpers every template uses."""
from __future__ import annotations

import datetime as dt
from functools import cache
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request

from .. import currency
from ..model import load_schema
from ..svgmap import load_geometry
from . import i18n


@cache
def environment(lang: str) -> Environment:
    env = Environment(loader=PackageLoader("policy_atlas", "templates"), autoescape=select_autoescape(default=True),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)
    env.filters["locator"] = lambda text: locator_text(text, i18n.translations(lang).gettext)
    schema = load_schema()
    env.globals.update(lang=lang, languages=i18n.LANGUAGES, language_name=i18n.language_name,
                       type_label=lambda t: schema.types[t].labels.get(lang, t) if t in schema.types else t,
                       tier_label=lambda t: next((x["labels"][lang] for x in schema.tiers if x["id"] == t), t),
                       prop_label=lambda p: schema.property_labels(p).get(lang, p),
                       term=lambda code: schema.term(code, lang),
                       locator_geometry=load_geometry)
    return env


def locator_text(locator: str | None, gettext) -> str:
    """A stored locator ("fn 71; line 1234", "editorial", "code 11002") in the page's language."""
    words = {"fn": gettext("fn"), "line": gettext("line"), "code": gettext("code"), "nis": "NIS",
             "editorial": gettext("editorial"), "label": gettext("label")}
    parts = []
    for part in (locator or "").split("; "):
        head, _, rest = part.partition(" ")
        parts.append(f"{words[head]} {rest}".strip() if head in words else part)
    return "; ".join(parts)


def href(lang: str, path: str, **query) -> str:
    clean = {k: v for k, v in query.items() if v not in (None, "", [])}
    return f"/{lang}{path}" + (f"?{urlencode(clean, doseq=True)}" if clean else "")


def render(template: str, lang: str, request: Request, data: dict) -> str:
    path = request.url.path
    rest = path.split("/", 2)[2] if path.count("/") >= 2 else ""
    query = request.url.query
    api = f"/api/{rest}" if rest else "/api/home"
    atlas = request.app.state.atlas.pinned(request).atlas
    return environment(lang).get_template(template).render(
        **data, request=request, here=f"/{rest}", build=atlas.build, currency=currency.of_atlas(atlas),
        today=dt.date.today().isoformat(),
        currency_of=lambda eid: currency.of_entity(atlas, eid),
        switch=lambda other: f"/{other}/{rest}" + (f"?{query}" if query else ""),
        href=lambda p, **q: href(lang, p, **q),
        api=lambda fmt=None: api + "?" + urlencode([*[(k, v) for k, v in request.query_params.multi_items()
                                                      if k != "format"], ("lang", lang),
                                                    *([("format", fmt)] if fmt else [])]))
