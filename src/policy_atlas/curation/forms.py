"""The web's propose form, driven by the declared schema: the right widget per property type, and the way
from the submitted fields to a proposal document (and from the document's problems back to the fields)."""
from __future__ import annotations

import re

from .. import gazetteer
from ..model import PropertySpec, load_schema
from ..queries import Atlas

ENTITY_SELECT_MAX = 400
ACTIONS = ("keep", "retract", "preferred", "normal", "deprecated")
SOURCE_KEYS = ("id", "kind", "title", "publisher", "url", "numac", "eli", "published", "language", "retrieved")
# a document's field -> the form's field
FORM_FIELDS = {"v": "value", "from": "valid_from", "to": "valid_to", "src": "source", "loc": "locator", "fn": "locator",
               "q": "quote", "note": "note", "lang": "lang", "p": "prop", "s": "prop", "title": "title",
               "facts": "value", "rank": "rank"}


def widget(atlas: Atlas, spec: PropertySpec, lang: str) -> dict:
    """What to draw for a property: municipality (names, one per line, resolved by the gazetteer), entity (a
    list of the entities in range), date (with precision), amount (EUR), integer, enum, url or text."""
    if spec.type == "entity":
        ids = atlas.entities_of(*spec.range) if spec.range else sorted(atlas.types)
        municipalities = any(i.startswith("mun/") for i in ids)
        ids = [i for i in ids if not i.startswith("mun/")][:ENTITY_SELECT_MAX]
        return {"kind": "entity", "municipalities": municipalities,
                "options": sorted(((i, atlas.label(i, lang)) for i in ids), key=lambda o: o[1].casefold())}
    if spec.type == "enum":
        return {"kind": "enum", "options": list(spec.choices)}
    return {"kind": spec.type}


def document(atlas: Atlas, eid: str, prop: str, form: dict) -> tuple[dict, list[dict]]:
    """A proposal document from the form's fields, and the problems found before validation (field named)."""
    problems: list[dict] = []
    spec = load_schema().get_property(atlas.types[eid], prop)
    doc: dict = {"title": form.get("title", "").strip(), "facts": [], "retract": [], "rerank": []}
    note = form.get("note", "").strip() or None
    for st in atlas.values(eid, prop) + [s for s in atlas.by_subject.get(eid, ()) if s.prop == prop and s.rank == "deprecated"]:
        action = form.get(f"action_{st.id}", "keep")
        if action == "retract":
            doc["retract"].append({"id": st.id, "note": note})
        elif action in ("preferred", "normal", "deprecated") and action != st.rank:
            doc["rerank"].append({"id": st.id, "rank": action, "note": note})
    values = _values(spec, form, problems)
    if values:
        evidence = {"src": form.get("source") or None, "q": form.get("quote", "").strip() or None,
                    "loc": form.get("locator", "").strip() or None, "note": note}
        for key, name in (("from", "valid_from"), ("to", "valid_to")):
            if form.get(name, "").strip():
                evidence[key] = form[name].strip()
        if spec.type == "text":
            evidence["lang"] = form.get("lang") or "nl"
        if form.get("source") == "new":
            source = {k: form.get(f"new_{k}", "").strip() for k in SOURCE_KEYS if form.get(f"new_{k}", "").strip()}
            doc["sources"] = [source]
            evidence["src"] = source.get("id") or "new"
        doc["facts"] = [{"s": eid, "p": prop, "v": v, **{k: v2 for k, v2 in evidence.items() if v2 is not None}}
                        for v in values]
    return {k: v for k, v in doc.items() if v != []}, problems


def _values(spec: PropertySpec, form: dict, problems: list[dict]) -> list:
    if spec.type == "entity":
        out = [v for v in form.getlist("value") if v] if hasattr(form, "getlist") else \
            [form["value"]] if form.get("value") else []
        for name in filter(None, (n.strip() for n in re.split(r"[\n;]", form.get("municipalities", "")))):
            try:
                out.append(gazetteer.load().resolve(name).entity_id)
            except gazetteer.UnknownPlace as exc:
                problems.append({"where": "form", "field": "municipalities", "message": str(exc)})
        return out
    raw = form.get("value", "").strip()
    if not raw:
        return []
    if spec.type in ("integer", "amount"):
        try:
            number = float(raw.replace(",", "."))
        except ValueError:
            problems.append({"where": "form", "field": "value", "message": f"a number, not {raw!r}"})
            return []
        return [int(number) if spec.type == "integer" and number.is_integer() else number]
    return [raw]


def field_errors(problems: list[dict]) -> dict[str, list[str]]:
    """Problems by form field (a new source's fields are `new_<key>`)."""
    out: dict[str, list[str]] = {}
    for p in problems:
        if p["where"].startswith("sources"):
            name = f"new_{p['field']}"
        elif p["where"].startswith(("retract", "rerank")):
            name = "actions"
        else:
            name = FORM_FIELDS.get(p["field"], p["field"])
        out.setdefault(name, []).append(p["message"])
    return out


def new_entity_document(form: dict) -> dict:
    labels = {lang: form.get(f"label_{lang}", "").strip() for lang in load_schema().languages}
    return {"title": form.get("title", "").strip(),
            "entities": [{"id": form.get("id", "").strip(), "type": form.get("type", ""),
                          "labels": {k: v for k, v in labels.items() if v}}]}
