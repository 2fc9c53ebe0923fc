"""The strategic overview (the report's Annex II) regenerated from statements: governments as columns,
plans / services / subsidies / training as rows, optionally as things stood on a date."""
from __future__ import annotations

import datetime as dt

from .model import load_schema
from .queries import Atlas

COLUMNS = ("gov/federal", "gov/flanders", "gov/fwb", "gov/wallonia", "gov/brussels", "gov/ostbelgien")


def items(atlas: Atlas) -> list[tuple[str, str, dict]]:
    """(row, column, item without its label) for everything placed in the overview; once per version."""
    return atlas.derived("annex_items", _items)


def _items(atlas: Atlas) -> list[tuple[str, str, dict]]:
    placed = [st for st in atlas.where(prop="annex_ii_row") if st.rank != "deprecated"]
    out = []  # the placed items' statements read a chunk at a time, not all at once
    for st, eid in zip(placed, atlas.chunked([st.subject for st in placed])):
        column = atlas.first(eid, "annex_ii_column") or atlas.first(eid, "government")
        if column in COLUMNS:
            start, end = atlas.period_of(st.subject)
            out.append((st.value, column, {"id": st.subject, "type": atlas.types[st.subject], "start": start,
                                           "end": end, "cites": atlas.citation(st)}))
    return out


def overview(atlas: Atlas, lang: str = "nl", day: dt.date | None = None) -> dict:
    """Every period: once per version and language; on a day: what of it was active then."""
    if day is None:
        return atlas.derived(("overview", lang), lambda atlas: _overview(atlas, lang, None))
    return _overview(atlas, lang, day)


def _overview(atlas: Atlas, lang: str, day: dt.date | None) -> dict:
    rows = load_schema().get_property("Plan", "annex_ii_row").choices
    cells: dict[str, dict[str, list[dict]]] = {r: {c: [] for c in COLUMNS} for r in rows}
    for row, column, item in items(atlas):  # dates and names only: no item's statements are read
        if day and not atlas.active_on(item["id"], day):
            continue
        label, label_lang = atlas.label_lang(item["id"], lang)
        cells[row][column].append({**item, "label": label, "label_lang": label_lang})
    for row in cells.values():
        for listed in row.values():
            listed.sort(key=lambda i: i["label"].casefold())
    schema = load_schema()
    return {"as_of": day.isoformat() if day else None,
            "columns": [{"id": c, "label": atlas.label(c, lang)} for c in COLUMNS],
            "rows": [{"id": r, "label": schema.term(r, lang),
                      "cells": [{"government": c, "items": cells[r][c]} for c in COLUMNS]} for r in rows]}


def overview_rows(data: dict) -> list[dict]:
    """One flat row per cell item, for CSV."""
    return [{"row": row["id"], "government": cell["government"], "id": item["id"], "label": item["label"],
             "start": item["start"], "end": item["end"], "source": item["cites"]["source"],
             "locator": item["cites"]["locator"]}
            for row in data["rows"] for cell in row["cells"] for item in cell["items"]]
