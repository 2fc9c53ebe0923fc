"""OCR of a PDF page without a text layer: the page is rendered with pypdfium2 and read by Tesseract (Debian's
tesseract-ocr with the nld, fra and deu data) in a subprocess; each word keeps Tesseract's confidence."""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess

DPI = 200  # 300 dpi costs 2.25× the pixels; 200 dpi reads print of 9 pt and up (docs/ingest.md)
LANGUAGES = "nld+fra+deu"
TIMEOUT = 120  # seconds per page


class OCRError(RuntimeError):
    pass


def page(pdf_page) -> tuple[str, list[tuple[int, int, float]]]:
    """The page's text and (start, end, confidence) for every word in it."""
    image = pdf_page.render(scale=DPI / 72).to_pil()
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format="PNG")
    return image_text(buffer.getvalue())


def image_text(png: bytes) -> tuple[str, list[tuple[int, int, float]]]:
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        raise OCRError("the page has no text layer and OCR needs Tesseract (Debian package tesseract-ocr)")
    try:
        done = subprocess.run([tesseract, "stdin", "stdout", "-l", LANGUAGES, "--dpi", str(DPI), "tsv"],
                              input=png, capture_output=True, timeout=TIMEOUT,
                              env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    except subprocess.TimeoutExpired:
        raise OCRError(f"OCR took longer than {TIMEOUT} s") from None
    if done.returncode != 0:
        raise OCRError(f"OCR failed ({done.stderr.decode('utf-8', 'replace').strip()[:200]})")
    return from_tsv(done.stdout.decode("utf-8", "replace"))


def from_tsv(tsv: str) -> tuple[str, list[tuple[int, int, float]]]:
    """Words joined by spaces, lines by newlines, paragraphs by a blank line; offsets of every word."""
    parts: list[str] = []
    words: list[tuple[int, int, float]] = []
    length, last_line, last_par = 0, None, None
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        par = (row["block_num"], row["par_num"])
        line = (*par, row["line_num"])
        sep = "" if last_line is None else " " if line == last_line else "\n" if par == last_par else "\n\n"
        parts.append(sep + text)
        start = length + len(sep)
        length = start + len(text)
        words.append((start, length, float(row["conf"])))
        last_line, last_par = line, par
    return "".join(parts), words
