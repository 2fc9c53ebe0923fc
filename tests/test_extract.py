"""Text extraction from real files — a PDF written in the test, HTML, DOCX, text — and hostile inputs."""
import io

import docx
import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_atlas.ingest.extract import ExtractError, extract

PAGES = ["De stad Gent kreeg in 2017 een subsidie van de Vlaamse overheid.",
         "La commune de Liège participe au Plan R depuis 2015."]


def make_pdf(pages=PAGES, password=None) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 10, text)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    return bytes(pdf.output())


def test_pdf_text_per_page():
    doc = extract("plan.pdf", make_pdf())
    assert doc.format == "pdf" and [p.number for p in doc.pages] == [1, 2]
    assert "Gent" in doc.pages[0].text and "Liège" in doc.pages[1].text
    assert "Liège" not in doc.pages[0].text


def test_pdf_is_recognised_by_content_not_name():
    assert extract("renamed.txt", make_pdf()).format == "pdf"


def test_encrypted_pdf_is_a_clear_error():
    with pytest.raises(ExtractError, match=r"secret\.pdf: .*(encrypted|password)"):
        extract("secret.pdf", make_pdf(password="geheim"))


def test_pdf_that_lies_about_its_length():
    data = make_pdf()
    lying = data.replace(b"/Length ", b"/Length 9", 1)
    truncated = data[: len(data) // 2]
    for name, blob in (("lying.pdf", lying), ("truncated.pdf", truncated)):
        try:
            doc = extract(name, blob)
        except ExtractError as exc:
            assert str(exc).startswith(f"{name}: ")
        else:
            assert doc.pages, "a PDF that still opens must give its pages"


def test_not_a_pdf_at_all():
    with pytest.raises(ExtractError, match=r"bad\.pdf: not a readable PDF"):
        extract("bad.pdf", b"%PDF-1.7\n this is not really a pdf")


def test_html_keeps_blocks_and_drops_scripts():
    html = b"""<!doctype html><html><head><script>var Gent = 1;</script><style>p{}</style></head>
    <body><h1>Oproep</h1><p>De gemeente Zele kreeg 56.775 euro.</p><ul><li>Aalst</li><li>Menen</li></ul></body></html>"""
    doc = extract("call.html", html)
    assert doc.format == "html"
    text = doc.pages[0].text
    assert "Zele kreeg 56.775 euro" in text and "Aalst" in text and "var Gent" not in text


def test_docx_paragraphs_and_tables():
    document = docx.Document()
    document.add_paragraph("Omzendbrief van 22 mei 2018 over de LIVC-R.")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Vilvoorde"
    table.rows[0].cells[1].text = "2016-2018"
    buffer = io.BytesIO()
    document.save(buffer)
    doc = extract("brief.docx", buffer.getvalue())
    assert doc.format == "docx"
    assert "22 mei 2018" in doc.pages[0].text and "Vilvoorde | 2016-2018" in doc.pages[0].text


def test_plain_text_pages_split_on_form_feed_and_old_encodings():
    doc = extract("notes.txt", "eerste pagina\fdeuxième page".encode("cp1252"))
    assert [p.text for p in doc.pages] == ["eerste pagina", "deuxième page"]


@pytest.mark.parametrize("name, data, message", [
    ("empty.txt", b"", "the file is empty"),
    ("blank.txt", b"   \n\n  ", "the file is empty"),
    ("junk.bin", bytes(range(256)) * 20, "binary data"),
    ("controls.txt", b"\x01\x02\x03\x04abc" * 100, "binary data"),
    ("broken.docx", b"PK\x03\x04word/ not a zip", "not a readable DOCX"),
])
def test_bad_files_get_a_clear_error_naming_the_file(name, data, message):
    with pytest.raises(ExtractError) as info:
        extract(name, data)
    assert str(info.value).startswith(f"{name}: ") and message in str(info.value)


def test_huge_line():
    line = ("Luik " * 400_000).encode()
    doc = extract("huge.txt", line)
    assert len(doc.pages[0].text) == len(line)


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_document_or_an_extract_error(data):
    try:
        doc = extract("fuzz.bin", data)
    except ExtractError as exc:
        assert str(exc).startswith("fuzz.bin: ")
    else:
        assert doc.pages
