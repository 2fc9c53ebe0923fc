"""Text out of a document, page by page: PDF (pypdfium2), HTML (Beautiful Soup), DOCX (python-docx) and
plain text. A document that cannot be read raises `ExtractError` naming the file and what is wrong."""
from __future__ import annotations

import io
from dataclasses import dataclass

MAX_BYTES = 50 * 1024 * 1024


class ExtractError(ValueError):
    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(f"{name}: {message}")


@dataclass
class Page:
    number: int
    text: str


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


def extract(name: str, data: bytes) -> Document:
    if not data.strip():
        raise ExtractError(name, "the file is empty")
    if len(data) > MAX_BYTES:
        raise ExtractError(name, f"the file is {len(data) // 1_048_576} MB; the limit is {MAX_BYTES // 1_048_576} MB")
    kind = sniff(name, data)
    pages = {"pdf": _pdf, "html": _html, "docx": _docx, "text": _text}[kind](name, data)
    if not any(p.text.strip() for p in pages):
        hint = " (a scanned PDF needs OCR first)" if kind == "pdf" else ""
        raise ExtractError(name, f"no text found in this {kind} file{hint}")
    return Document(name, kind, pages)


def _pdf(name: str, data: bytes) -> list[Page]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise ExtractError(name, "the PDF is encrypted (password protected)") from None
        raise ExtractError(name, f"not a readable PDF ({message})") from None
    pages = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            pages.append(Page(index + 1, textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")))
            textpage.close()
            page.close()
    except pdfium.PdfiumError as exc:
        raise ExtractError(name, f"page {len(pages) + 1} cannot be read ({exc})") from None
    finally:
        pdf.close()
    return pages


def _html(name: str, data: bytes) -> list[Page]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    blocks = soup.find_all(["p", "li", "h1", "h2", "h3", "h4", "td", "th", "blockquote", "dd", "dt"])
    leaves = [b for b in blocks if not b.find(["p", "li", "td", "blockquote"])]
    text = "\n\n".join(b.get_text(" ", strip=True) for b in leaves)
    return [Page(1, text or soup.get_text("\n"))]


def _docx(name: str, data: bytes) -> list[Page]:
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ExtractError(name, f"not a readable DOCX file ({exc})") from None
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return [Page(1, "\n\n".join(parts))]


def _text(name: str, data: bytes) -> list[Page]:
    if b"\x00" in data[:65536]:
        raise ExtractError(name, "binary data, not text (NUL bytes); give a PDF, HTML, DOCX or plain-text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.01 * min(len(text), 65536):
        raise ExtractError(name, "binary data, not text (control characters); give a PDF, HTML, DOCX or plain-text file")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [Page(i + 1, t) for i, t in enumerate(text.split("\f"))]
