"""Source texts the atlas holds, and word-for-word quote lookup in them.

A quote matches when it stands in the text after both are folded the same way: line-break
hyphenation undone, hyphens dropped, white space collapsed, typographic quotes made plain.
"""
from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

_FOLD = {"’": "'", "‘": "'", "“": '"', "”": '"', "„": '"', "…": "...", "\u00a0": " "}


def shared_dir() -> Path:
    """The shared folder beside the project (ATLAS_SHARED_DIR overrides)."""
    env = os.environ.get("ATLAS_SHARED_DIR")
    if env:
        return Path(env)
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        candidate = base.parent / "shared"
        if candidate.is_dir():
            return candidate
    return Path(__file__).resolve().parents[2].parent / "shared"


def fold(text: str) -> tuple[str, list[int]]:
    """Fold text for matching; also return the 1-based source line of every folded character."""
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    lines: list[int] = []
    line, i, n, space = 1, 0, len(text), False
    while i < n:
        c = text[i]
        if c == "-":
            j = i + 1
            while j < n and text[j] in " \t":
                j += 1
            if j < n and text[j] == "\n":
                while j < n and text[j] in " \t\n":
                    line += text[j] == "\n"
                    j += 1
                i = j
            else:
                i += 1
            continue
        c = _FOLD.get(c, c)
        if c.isspace():
            line += c == "\n"
            space = True
            i += 1
            continue
        if space and out:
            out.append(" ")
            lines.append(line)
        space = False
        out.append(c)
        lines.append(line)
        i += 1
    return "".join(out), lines


def unwrap(text: str) -> str:
    """Text for reading: words broken at a line end joined again, white space collapsed (hyphens kept)."""
    text = re.sub(r"-[ \t]*\n[ \t]*(?=[a-zà-ÿ])", "", text)
    return re.sub(r"\s+", " ", text).strip()


FOOTNOTE_START = re.compile(r"^(\d{1,3}) (\S.*)$")
FOOTNOTE_END = re.compile(r"^(\s+\S|\d{3,4}\s*$|https?://)")  # body text, a page number, a list of links
FOOTNOTE_MAX_LINES = 10


@dataclass(frozen=True)
class Footnote:
    number: int
    line: int
    text: str


class SourceText:
    def __init__(self, path: Path):
        self.path = path
        self.raw = path.read_text(encoding="utf-8")
        self.folded, self._lines = fold(self.raw)

    @cached_property
    def footnotes(self) -> dict[int, Footnote]:
        """Footnotes found in order (1, 2, 3, …): a line that starts with the next number, up to the next
        footnote, body text, a page number or a list of links. The numbering must be continuous, which keeps
        a figure at the start of a line from passing for a footnote."""
        lines = self.raw.split("\n")
        starts: list[tuple[int, int]] = []
        for index, line in enumerate(lines):
            m = FOOTNOTE_START.match(line)
            if m and int(m.group(1)) == len(starts) + 1:
                starts.append((len(starts) + 1, index))
        out = {}
        for k, (number, first) in enumerate(starts):
            stop = starts[k + 1][1] if k + 1 < len(starts) else len(lines)
            body = [lines[first][len(str(number)) + 1:]]
            for line in lines[first + 1:min(stop, first + FOOTNOTE_MAX_LINES)]:
                if FOOTNOTE_END.match(line):
                    break
                body.append(line)
            out[number] = Footnote(number, first + 1, unwrap("\n".join(body)))
        return out

    def find(self, quote: str) -> int | None:
        """The line where the quote starts, or None when it is not in the text."""
        needle, _ = fold(quote)
        if not needle:
            return None
        pos = self.folded.find(needle)
        return self._lines[pos] if pos >= 0 else None

    def line(self, number: int) -> str:
        lines = self.raw.splitlines()
        return lines[number - 1] if 0 < number <= len(lines) else ""


@cache
def open_source(path: str) -> SourceText | None:
    p = Path(path)
    return SourceText(p) if p.is_file() else None
