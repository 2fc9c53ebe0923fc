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
