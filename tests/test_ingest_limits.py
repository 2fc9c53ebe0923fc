"""Limits inside extraction — each checked before the work it bounds — and malformed files of every format:
always a clear error naming the file, never another exception."""
import io
import time
import zipfile

import docx
import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_atlas.ingest.extract import MB, ExtractError, Limits, extract


def docx_bytes(text="De gemeente Zele kreeg 56.775 euro.") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_bytes(pages=2) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for n in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"Pagina {n + 1}: de stad Gent.")
    return bytes(pdf.output())


def zip_bomb(inflated: int) -> bytes:
    """A DOCX-looking zip whose document.xml inflates to `inflated` bytes of zeros, built in chunks."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = bytes(MB)
            for _ in range(inflated // MB):
                member.write(chunk)
    return raw.getvalue()


def test_zip_bomb_is_refused_before_inflating(monkeypatch):
    bomb = zip_bomb(30 * MB)
    assert len(bomb) < 100_000
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: opened.append(a) or pytest.fail("inflated"))
    started = time.perf_counter()
    with pytest.raises(ExtractError, match=r"^bomb\.docx: the DOCX inflates to 30 MB; the limit is 20 MB"):
        extract("bomb.docx", bomb, Limits(max_inflated=20 * MB))
    assert not opened and time.perf_counter() - started < 1.0


def test_one_member_that_inflates_too_many_times():
    with pytest.raises(ExtractError, match=r"^small-bomb\.docx: the DOCX member word/document\.xml inflates \d+ times"):
        extract("small-bomb.docx", zip_bomb(5 * MB))


def test_too_many_members():
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as z:
        for n in range(60):
            z.writestr(f"word/part{n}.xml", "<x/>")
    with pytest.raises(ExtractError, match=r"^many\.docx: the DOCX holds 60 files; the limit is 50"):
        extract("many.docx", raw.getvalue(), Limits(max_members=50))


def test_a_normal_docx_passes_the_zip_checks():
    assert "Zele" in extract("ok.docx", docx_bytes()).pages[0].text


@pytest.mark.parametrize("name, data, limits, message", [
    ("big.txt", b"Gent " * 100, Limits(max_bytes=100), r"the file is 0\.0 MB; the limit is 0 MB"),
    ("long.pdf", pdf_bytes(3), Limits(max_pages=2), "the PDF has 3 pages; the limit is 2"),
    ("page.html", b"<html><p>" + b"Gent " * 100 + b"</p></html>", Limits(max_html=100), "the HTML file is"),
    ("docx.docx", docx_bytes(), Limits(max_inflated=1000), "the DOCX inflates to"),
])
def test_each_limit_is_a_clear_error_naming_the_file(name, data, limits, message):
    with pytest.raises(ExtractError, match="^" + name.replace(".", r"\.") + ": " + message):
        extract(name, data, limits)


def test_default_size_limit():
    with pytest.raises(ExtractError, match=r"^huge\.txt: the file is 51\.0 MB; the limit is 50 MB"):
        extract("huge.txt", b"a" * (51 * MB))


@pytest.mark.parametrize("name, data", [
    ("no-document.docx", (lambda: (lambda raw: (zipfile.ZipFile(raw, "w").writestr("word/x.xml", "<x/>"), raw)[1])(
        io.BytesIO()).getvalue())()),
    ("bad-xml.docx", docx_bytes().replace(b"word/document.xml", b"word/documenX.xml")),
    ("garbage.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"),
    ("deep.html", b"<html>" + b"<div>" * 20_000 + b"Gent" + b"</div>" * 20_000 + b"</html>"),
    ("entities.html", b"<!DOCTYPE html [<!ENTITY a 'aaaa'>]><html><p>&a;&a;</p></html>"),
])
def test_malformed_files_of_each_kind(name, data):
    try:
        doc = extract(name, data)
    except ExtractError as exc:
        assert str(exc).startswith(f"{name}: ")
    else:
        assert doc.pages


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["pdf", "docx"]), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8))
def test_damaged_pdf_and_docx_give_a_document_or_an_extract_error(kind, flips):
    data = bytearray(pdf_bytes(1) if kind == "pdf" else docx_bytes())
    for where, byte in flips:
        data[int(where * (len(data) - 1))] = byte
    name = f"damaged.{kind}"
    try:
        doc = extract(name, bytes(data), Limits(ocr=False))  # a page left without text is not OCRed here
    except ExtractError as exc:
        assert str(exc).startswith(f"{name}: ")
    else:
        assert doc.pages



def two_column_pdf() -> bytes:
    """An Official-Journal-like page: a headline across, Dutch on the left, French on the right."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    pdf.add_page()
    pdf.cell(0, 8, "BELGISCH STAATSBLAD - MONITEUR BELGE", align="C", new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y()
    pdf.set_xy(10, top)
    pdf.multi_cell(90, 5, "Koninklijk besluit tot toekenning van een subsidie aan de stad Antwerpen en de gemeente "
                          "Vilvoorde voor de preventie van radicalisering. " * 3)
    pdf.set_xy(110, top)
    pdf.multi_cell(90, 5, "Arrete royal octroyant une subvention a la ville de Liege et a la commune de Verviers "
                          "pour la prevention du radicalisme. " * 3)
    return bytes(pdf.output())


def test_parallel_columns_are_read_apart():
    doc = extract("mb.pdf", two_column_pdf())
    assert [(p.number, p.column) for p in doc.pages] == [(1, 1), (1, 2)]
    left, right = doc.pages[0].text, doc.pages[1].text
    assert "Vilvoorde" in left and "subvention" not in left
    assert "Verviers" in right and "subsidie" not in right
    assert left.index("Antwerpen") < left.index("Vilvoorde")  # top to bottom within the column


def test_one_column_page_stays_whole():
    doc = extract("plain.pdf", pdf_bytes(1))
    assert [(p.number, p.column) for p in doc.pages] == [(1, None)]
