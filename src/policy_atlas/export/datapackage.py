"""The whole atlas as a Frictionless data package (zip): entities, sources, and the statements in one
resource per source, so that each resource carries its own licence (Statbel's CC BY 4.0, the CC0 TopoJSON,
the project's licence for editorial data, and "not specified" for what is quoted from the report)."""
from __future__ import annotations

import io
import json
import zipfile

from ..model import RANKS, VALUE_TYPES, load_schema
from ..queries import Atlas
from .statements import CSV_COLUMNS, rows
from .tables import csv_lines

LANGS = ["nl", "fr", "de", "en"]
DATE = {"type": "string", "constraints": {"pattern": r"\d{4}(-\d{2}(-\d{2})?)?"},
        "description": "YYYY, YYYY-MM or YYYY-MM-DD (the precision the source gives); empty when unknown or open"}
LICENCES = {
    "CC BY 4.0": {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                  "title": "Creative Commons Attribution 4.0"},
    "CC0 1.0": {"name": "CC0-1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/",
                "title": "CC0 1.0 Universal (public domain dedication)"},
    "editorial": {"name": "MIT", "path": "https://opensource.org/licenses/MIT",
                  "title": "MIT, the licence of the Policy Atlas repository (labels and classifications made by the "
                           "atlas team)"},
}
NOT_SPECIFIED = {"name": "notspecified", "title": "No licence stated by the source: statements quoted from it, "
                                                   "each with its locator"}


def licence(record: dict) -> dict:
    return LICENCES.get(record.get("license") or record.get("kind"), NOT_SPECIFIED)


def _field(name: str, description: str = "", **spec) -> dict:
    return {"name": name, "type": "string", **({"description": description} if description else {}), **spec}


def entity_fields() -> list[dict]:
    return [_field("id", "entity id", constraints={"required": True, "unique": True}),
            _field("type", "entity type", constraints={"required": True,
                                                       "enum": load_schema().concrete_types()}),
            *(_field(f"label_{lang}", f"label in {lang}, empty when there is none") for lang in LANGS)]


def statement_fields() -> list[dict]:
    spec = {
        "entity_id": _field("entity_id", "the subject", constraints={"required": True}),
        "entity_type": _field("entity_type", constraints={"enum": load_schema().concrete_types()}),
        "id": _field("id", "content hash", constraints={"required": True, "unique": True,
                                                         "pattern": "[0-9a-f]{16}"}),
        "property": _field("property", constraints={"required": True}),
        "value": _field("value", "a literal; its type is value_type"),
        "object": _field("object", "an entity id, when value_type is entity"),
        "value_type": _field("value_type", constraints={"required": True, "enum": list(VALUE_TYPES)}),
        "lang": _field("lang", "language of a text value", constraints={"enum": LANGS}),
        "valid_from": {"name": "valid_from", **DATE}, "valid_to": {"name": "valid_to", **DATE},
        "source": _field("source", "source id", constraints={"required": True}),
        "locator": _field("locator", "where in the source (fn N = footnote, line N = line)"),
        "quote": _field("quote", "the source's words, verbatim"),
        "rank": _field("rank", constraints={"required": True, "enum": list(RANKS)}),
        "note": _field("note", "a curator's note"),
    }
    return [spec[c] for c in CSV_COLUMNS]


SOURCE_FIELDS = [_field("id", constraints={"required": True, "unique": True}), _field("kind"), _field("title"),
                 _field("author"), {"name": "published", **DATE}, _field("language"),
                 _field("url", format="uri"), _field("license"), _field("path", "text or data file in the shared folder"),
                 {"name": "footnotes", "type": "integer", "description": "footnotes the source has"}]


def _source_row(sid: str, record: dict) -> dict:
    return {**record, "id": sid, "published": record.get("published") or record.get("year"),
            "path": record.get("path") or record.get("path_data")}


def _statement_resource(sid: str, record: dict) -> dict:
    keys = [{"fields": ["entity_id"], "reference": {"resource": "entities", "fields": ["id"]}},
            {"fields": ["object"], "reference": {"resource": "entities", "fields": ["id"]}},
            {"fields": ["source"], "reference": {"resource": "sources", "fields": ["id"]}}]
    credit = {"title": record.get("author") or record.get("title") or sid}
    if record.get("url"):
        credit["path"] = record["url"]
    return {"name": f"statements-{sid}", "path": f"statements-{sid}.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "title": f"Statements resting on {record.get('title') or sid}", "licenses": [licence(record)],
            "sources": [credit],
            "schema": {"fields": statement_fields(), "primaryKey": ["id"], "foreignKeys": keys}}


def datapackage(atlas: Atlas) -> bytes:
    """entities.csv, sources.csv, statements-SOURCE.csv per source, and the descriptor, zipped."""
    cited = sorted(atlas.tally("source"))
    by_source: dict[str, list[dict]] = {sid: [] for sid in cited}
    for row in rows(atlas):
        by_source[row["source"]].append(row)
    label_sources = sorted(atlas.tally("source", prop="name"))
    descriptor = {
        "profile": "data-package", "name": "policy-atlas", "title": "Policy Atlas",
        **({"created": atlas.build["finished_at"]} if atlas.build.get("finished_at") else {}),
        "licenses": [licence(atlas.sources.get(sid, {})) for sid in cited],
        "resources": [
            {"name": "entities", "path": "entities.csv", "profile": "tabular-data-resource", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8", "title": "Entities with their labels",
             "licenses": _unique(licence(atlas.sources.get(sid, {})) for sid in label_sources),
             "schema": {"fields": entity_fields(), "primaryKey": ["id"]}},
            {"name": "sources", "path": "sources.csv", "profile": "tabular-data-resource", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8", "title": "Sources the statements rest on",
             "licenses": [LICENCES["editorial"]],
             "schema": {"fields": SOURCE_FIELDS, "primaryKey": ["id"]}},
            *(_statement_resource(sid, atlas.sources.get(sid, {})) for sid in cited)]}
    entities = ({"id": eid, "type": atlas.types[eid], **{f"label_{k}": v for k, v in atlas.labels(eid).items()}}
                for eid in atlas.chunked(sorted(atlas.types)))
    sources = (_source_row(sid, atlas.sources[sid]) for sid in sorted(atlas.sources))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("datapackage.json", json.dumps(descriptor, indent=2, ensure_ascii=False))
        zf.writestr("entities.csv", "".join(csv_lines(entities, [f["name"] for f in entity_fields()])))
        zf.writestr("sources.csv", "".join(csv_lines(sources, [f["name"] for f in SOURCE_FIELDS])))
        for sid in cited:
            zf.writestr(f"statements-{sid}.csv", "".join(csv_lines(by_source[sid], CSV_COLUMNS)))
    return buffer.getvalue()


def _unique(items) -> list[dict]:
    out: list[dict] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
