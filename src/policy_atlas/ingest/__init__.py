"""Reading new documents into proposed facts: extraction (`extract`, `columns`, `ocr`), mentions (`mentions`,
`values`), the reader (`reader`), the fact finders (`facts`) and the evaluation (`evaluation`)."""
from __future__ import annotations

from pathlib import Path

from .reader import Ingester, language, summary

__all__ = ["Ingester", "collect", "language", "summary"]

SUFFIXES = {".pdf", ".html", ".htm", ".docx", ".txt", ".text", ".md"}


def collect(paths: list[Path], file_list: Path | None = None) -> list[Path]:
    """Files as given, the documents inside folders (recursively, sorted, by suffix), and the paths named one per
    line in `file_list` (blank lines and # comments skipped; relative to the list's folder)."""
    given = list(paths)
    if file_list is not None:
        for line in file_list.read_text("utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                path = Path(line)
                given.append(path if path.is_absolute() else file_list.parent / path)
    out: list[Path] = []
    for path in given:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            out.append(path)
    return list(dict.fromkeys(out))
