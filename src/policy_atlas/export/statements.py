"""The whole atlas as statements: JSON Lines (one entity per line) and a flat CSV (one statement per row,
every qualifier in its own column)."""
from __future__ import annotations

import json
from typing import Iterator

from ..dataset import statement_json
from ..queries import Atlas
from .tables import csv_lines

CSV_COLUMNS = ["entity_id", "entity_type", "id", "property", "value", "object", "value_type", "lang",
               "valid_from", "valid_to", "source", "locator", "quote", "rank", "note"]


def jsonl(atlas: Atlas) -> Iterator[str]:
    for eid in atlas.chunked(sorted(atlas.types)):
        yield json.dumps({"id": eid, "type": atlas.types[eid], "labels": atlas.labels(eid),
                          "statements": [statement_json(s) for s in atlas.by_subject.get(eid, ())]},
                         ensure_ascii=False, sort_keys=True)


def rows(atlas: Atlas) -> Iterator[dict]:
    for eid in atlas.chunked(sorted(atlas.types)):
        for st in atlas.by_subject.get(eid, ()):
            yield {**statement_json(st), "entity_id": eid, "entity_type": atlas.types[eid]}


def csv_rows(atlas: Atlas) -> Iterator[str]:
    return csv_lines(rows(atlas), CSV_COLUMNS)
