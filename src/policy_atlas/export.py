"""Exports of the whole atlas: JSON Lines (one entity per line) and CSV (one statement per row)."""
from __future__ import annotations

import csv
import io
import json
from typing import Iterator

from .dataset import statement_json
from .queries import Atlas

CSV_COLUMNS = ["entity_id", "entity_type", "id", "property", "value", "object", "value_type", "lang",
               "valid_from", "valid_to", "source", "locator", "quote", "rank", "note"]


def jsonl(atlas: Atlas) -> Iterator[str]:
    for eid in sorted(atlas.types):
        yield json.dumps({"id": eid, "type": atlas.types[eid], "labels": atlas.labels(eid),
                          "statements": [statement_json(s) for s in atlas.by_subject.get(eid, ())]},
                         ensure_ascii=False, sort_keys=True)


def csv_rows(atlas: Atlas) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for eid in sorted(atlas.types):
        for st in atlas.by_subject.get(eid, ()):
            row = {k: v for k, v in statement_json(st).items() if k in CSV_COLUMNS}
            writer.writerow({**row, "entity_id": eid, "entity_type": atlas.types[eid]})
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()


def jsonld(atlas: Atlas, eids: list[str], base: str = "") -> dict:
    """Entities as JSON-LD with schema.org / W3C ORG terms read from the schema; each value keeps its source."""
    from .model import load_schema

    linked = load_schema().linked_data
    graph = []
    for eid in eids:
        node: dict = {"@id": f"{base}/api/entity/{eid}", "@type": linked["types"].get(atlas.types[eid], "schema:Thing"),
                      "atlas:id": eid}
        for st in atlas.by_subject.get(eid, ()):
            if st.rank == "deprecated":
                continue
            term = linked["properties"].get(st.prop, f"atlas:{st.prop}")
            if st.value_type == "entity":
                value = {"@id": f"{base}/api/entity/{st.value}"}
            elif st.lang:
                value = {"@value": st.value, "@language": st.lang}
            else:
                value = {"@value": st.value}
            value["atlas:source"] = st.source
            if st.locator:
                value["atlas:locator"] = st.locator
            node.setdefault(term, []).append(value)
        graph.append(node)
    return {"@context": linked["context"], "@graph": graph}


ENTITY_FIELDS = [{"name": "id", "type": "string"}, {"name": "type", "type": "string"},
                 {"name": "label_nl", "type": "string"}, {"name": "label_fr", "type": "string"},
                 {"name": "label_de", "type": "string"}, {"name": "label_en", "type": "string"}]


def datapackage(atlas: Atlas) -> bytes:
    """A Frictionless data package (zip): entities.csv, statements.csv, sources.json and the descriptor."""
    import zipfile

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
