"""CSV written one way: declared columns (so the header is there even for no rows), streamed row by row."""
from __future__ import annotations

import csv
import io
import json
from typing import Iterable, Iterator


def cell(value) -> str:
    """A list becomes "a; b", an entity reference its id, any other structure JSON."""
    if isinstance(value, list):
        return "; ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return str(value["id"]) if "id" in value else json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def csv_lines(rows: Iterable[dict], columns: list[str], *, batch: int = 200) -> Iterator[str]:
    """The header, then the rows in chunks of `batch`; keys outside `columns` are left out."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for n, row in enumerate(rows, 1):
        writer.writerow([cell(row.get(c)) for c in columns])
        if n % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
