"""The strategic overview (the report's Annex II) regenerated from statements: governments as columns,
plans / services / subsidies / training as rows, optionally as things stood on a date."""
from __future__ import annotations

import datetime as dt

from .model import load_schema
from .queries import Atlas

COLUMNS = ("gov/federal", "gov/flanders", "gov/fwb", "gov/wallonia", "gov/brussels", "gov/ostbelgien")


def overview(atlas: Atlas, lang: str = "nl", day: dt.date | None = None) -> dict:
    rows = load_schema().get_property("Plan", "annex_ii_row").choices
    cells: dict[str, dict[str, list[dict]]] = {r: {c: [] for c in COLUMNS} for r in rows}
    for st in atlas.statements:
        if st.prop != "annex_ii_row" or st.rank == "deprecated":
            continue
        if day and not atlas.active_on(st.subject, day):
            continue
        column = atlas.first(st.subject, "annex_ii_column") or atlas.first(st.subject, "government")
        if column not in COLUMNS:
            continue
        label, label_lang = atlas.label_lang(st.subject, lang)
        start, end = atlas.period_of(st.subject)
        cells[st.value][column].append({"id": st.subject, "type": atlas.types[st.subject], "label": label,
                                        "label_lang": label_lang, "start": start, "end": end,
                                        "cites": atlas.citation(st)})
    for row in cells.values():
        for items in row.values():
            items.sort(key=lambda i: i["label"].casefold())
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
