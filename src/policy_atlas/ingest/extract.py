"""Text out of a document, page by page: PDF (pypdfium2, parallel columns read apart, OCR with Tesseract where a
page has no text layer), HTML (Beautiful Soup), DOCX (python-docx) and plain text.

Every limit is checked before the work it bounds (a DOCX's inflated size before inflating, a PDF's page count
before reading pages), and anything wrong with a file — too big, damaged, hostile — raises `ExtractError`
naming the file; no other exception leaves `extract`."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from . import ocr
from .columns import page_columns

MB = 1_048_576


@dataclass(frozen=True)
class Limits:
    """What one file may cost. The web form and the worker pool may pass tighter ones."""
    max_bytes: int = 50 * MB            # the file as given
    max_pages: int = 2000               # PDF pages
    max_ocr_pages: int = 200            # PDF pages without a text layer that are OCRed
    max_inflated: int = 200 * MB        # a DOCX's members, inflated, all together
    max_members: int = 5000             # entries in a DOCX's zip directory
    max_ratio: int = 200                # inflated / compressed size of one member
    max_html: int = 20 * MB             # an HTML file
    ocr: bool = True


DEFAULT_LIMITS = Limits()


class ExtractError(ValueError):
    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(f"{name}: {message}")


@dataclass
class Page:
    number: int
    text: str
    column: int | None = None           # 1, 2, … when the page prints parallel columns
    ocr: list[tuple[int, int, float]] | None = None  # (start, end, confidence 0–100) per OCRed word
    warnings: list[str] = field(default_factory=list)


@dataclass
class Document:
    name: str
    format: str
    pages: list[Page]


def sniff(name: str, data: bytes) -> str:
    """The format from the content first (a renamed file still reads), else from the file name."""
    head = data[:1024].lstrip()
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/" in data[:4096] + data[-65536:]:
        return "docx"
    if head[:15].lower().startswith((b"<!doctype html", b"<html")) or name.lower().endswith((".html", ".htm")):
        return "html"
    if name.lower().endswith(".pdf"):
        return "pdf"
    if name.lower().endswith(".docx"):
        return "docx"
    return "text"


def extract(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> Document:
    if not data.strip():
        raise ExtractError(name, "the file is empty")
    if len(data) > limits.max_bytes:
        raise ExtractError(name, f"the file is {len(data) / MB:.1f} MB; the limit is {limits.max_bytes / MB:.0f} MB")
    kind = sniff(name, data)
    reader = {"pdf": _pdf, "html": _html, "docx": _docx, "text": _text}[kind]
    try:
        pages = reader(name, data, limits)
    except ExtractError:
        raise
    except (Exception, RecursionError) as exc:  # a parser's own failure on a hostile file is this file's error
        raise ExtractError(name, f"not a readable {kind.upper()} file ({type(exc).__name__}: {exc})"[:300]) from None
    if not any(p.text.strip() for p in pages):
        hint = (f" ({pages[0].warnings[0]})" if pages and pages[0].warnings else
                " (no text layer, and OCR found no text)") if kind == "pdf" else ""
        raise ExtractError(name, f"no text found in this {kind} file{hint}")
    return Document(name, kind, pages)


def _pdf(name: str, data: bytes, limits: Limits) -> list[Page]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise ExtractError(name, "the PDF is encrypted (password protected)") from None
        raise ExtractError(name, f"not a readable PDF ({message})") from None
    pages: list[Page] = []
    number, ocred = 0, 0
    try:
        if len(pdf) > limits.max_pages:
            raise ExtractError(name, f"the PDF has {len(pdf)} pages; the limit is {limits.max_pages}")
        for number in range(1, len(pdf) + 1):
            page = pdf[number - 1]
            textpage = page.get_textpage()
            if textpage.count_chars() > 0:
                pages += [Page(number, _newlines(text), column) for column, text in page_columns(page, textpage)]
            elif not limits.ocr:
                pages.append(Page(number, "", warnings=["no text layer (OCR is off)"]))
            elif ocred >= limits.max_ocr_pages:
                pages.append(Page(number, "", warnings=[f"no text layer; not OCRed (limit of {limits.max_ocr_pages} pages)"]))
            else:
                ocred += 1
                text, words = ocr.page(page)
                pages.append(Page(number, text, ocr=words))
            textpage.close()
            page.close()
    except pdfium.PdfiumError as exc:
        raise ExtractError(name, f"page {number} cannot be read ({exc})") from None
    except ocr.OCRError as exc:
        raise ExtractError(name, f"page {number}: {exc}") from None
    finally:
        pdf.close()
    return pages


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _html(name: str, data: bytes, limits: Limits) -> list[Page]:
    from bs4 import BeautifulSoup

    if len(data) > limits.max_html:
        raise ExtractError(name, f"the HTML file is {len(data) / MB:.1f} MB; the limit is {limits.max_html / MB:.0f} MB")
    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    blocks = soup.find_all(["p", "li", "h1", "h2", "h3", "h4", "td", "th", "blockquote", "dd", "dt"])
    leaves = [b for b in blocks if not b.find(["p", "li", "td", "blockquote"])]
    text = "\n\n".join(b.get_text(" ", strip=True) for b in leaves)
    return [Page(1, text or soup.get_text("\n"))]


def check_zip(name: str, data: bytes, limits: Limits) -> None:
    """Refuse a zip whose directory promises too many members or too many inflated bytes, before inflating.
    The declared sizes bound what is read: zipfile stops at a member's declared size (and the CRC fails)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ExtractError(name, f"not a readable DOCX file ({exc})") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise ExtractError(name, f"the DOCX holds {len(members)} files; the limit is {limits.max_members}")
        inflated = sum(m.file_size for m in members)
        if inflated > limits.max_inflated:
            raise ExtractError(name, f"the DOCX inflates to {inflated / MB:.0f} MB; the limit is "
                                     f"{limits.max_inflated / MB:.0f} MB")
        for m in members:
            if m.file_size > 1 * MB and m.file_size > limits.max_ratio * max(m.compress_size, 1):
                raise ExtractError(name, f"the DOCX member {m.filename} inflates {m.file_size // max(m.compress_size, 1)}"
                                         f" times (a zip bomb?); the limit is {limits.max_ratio}")


def _docx(name: str, data: bytes, limits: Limits) -> list[Page]:
    import docx

    check_zip(name, data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractError(name, f"not a readable DOCX file ({exc})") from None
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return [Page(1, "\n\n".join(parts))]


def _text(name: str, data: bytes, limits: Limits) -> list[Page]:
    if b"\x00" in data[:65536]:
        raise ExtractError(name, "binary data, not text (NUL bytes); give a PDF, HTML, DOCX or plain-text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.01 * min(len(text), 65536):
        raise ExtractError(name, "binary data, not text (control characters); give a PDF, HTML, DOCX or plain-text file")
    text = _newlines(text)
    return [Page(i + 1, t) for i, t in enumerate(text.split("\f"))]
