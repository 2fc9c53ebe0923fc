"""The whole atlas as a Frictionless data package (zip)."""
from __future__ import annotations

import csv
import io
import json
import zipfile

from ..queries import Atlas
from .statements import CSV_COLUMNS, csv_rows

ENTITY_FIELDS = [{"name": "id", "type": "string"}, {"name": "type", "type": "string"},
                 {"name": "label_nl", "type": "string"}, {"name": "label_fr", "type": "string"},
                 {"name": "label_de", "type": "string"}, {"name": "label_en", "type": "string"}]


def datapackage(atlas: Atlas) -> bytes:
    """entities.csv, statements.csv, sources.json and the descriptor, zipped."""
    ents = io.StringIO()
    writer = csv.writer(ents, lineterminator="\n")
    writer.writerow([f["name"] for f in ENTITY_FIELDS])
    for eid in sorted(atlas.types):
        labels = atlas.labels(eid)
        writer.writerow([eid, atlas.types[eid], *(labels.get(lang, "") for lang in ("nl", "fr", "de", "en"))])
    descriptor = {
        "profile": "data-package", "name": "policy-atlas", "title": "Policy Atlas",
        "created": atlas.build.get("finished_at"),
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 (Statbel data)"}],
        "sources": [{"title": s.get("title", k), "path": s.get("url") or s.get("path", "")}
                    for k, s in sorted(atlas.sources.items())],
        "resources": [
            {"name": "entities", "path": "entities.csv", "profile": "tabular-data-resource", "format": "csv",
             "schema": {"fields": ENTITY_FIELDS, "primaryKey": ["id"]}},
            {"name": "statements", "path": "statements.csv", "profile": "tabular-data-resource", "format": "csv",
             "schema": {"fields": [{"name": c, "type": "string"} for c in CSV_COLUMNS],
                        "foreignKeys": [{"fields": ["entity_id"], "reference": {"resource": "entities",
                                                                                "fields": ["id"]}}]}},
            {"name": "sources", "path": "sources.json", "format": "json"}]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("datapackage.json", json.dumps(descriptor, indent=2, ensure_ascii=False))
        zf.writestr("entities.csv", ents.getvalue())
        zf.writestr("statements.csv", "".join(csv_rows(atlas)))
        zf.writestr("sources.json", json.dumps(atlas.sources, indent=2, ensure_ascii=False))
    return buffer.getvalue()
