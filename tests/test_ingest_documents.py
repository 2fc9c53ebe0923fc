"""Documents as they come: a scanned (image-only) PDF read by OCR with a confidence on each mention, parallel
columns kept apart with the column on each mention, folders and lists of files with per-file errors and a summary."""
import io
import json
import time

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from conftest import cli
from policy_atlas.ingest import Ingester, collect
from policy_atlas.ingest.extract import ExtractError, Limits, extract

SCANNED = "De stad Gent kreeg in 2017 een subsidie van 56.775 euro."


def image_pdf(lines: list[str], pages: int = 1) -> bytes:
    """A PDF whose pages are only pictures of text: no text layer at all."""
    font = ImageFont.truetype("DejaVuSans.ttf", 40)
    pdf = FPDF()
    for _ in range(pages):
        image = Image.new("L", (1800, 120 + 70 * len(lines)), 255)
        draw = ImageDraw.Draw(image)
        for n, line in enumerate(lines):
            draw.text((60, 60 + 70 * n), line, fill=0, font=font)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        pdf.add_page()
        pdf.image(io.BytesIO(buffer.getvalue()), x=10, y=10, w=190)
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def ingester(atlas):
    return Ingester(atlas)


def test_a_scanned_page_is_read_by_ocr_with_confidence(ingester):
    data = image_pdf([SCANNED])
    with pytest.raises(ExtractError, match=r"scan\.pdf: no text found in this pdf file \(no text layer \(OCR is off\)\)"):
        extract("scan.pdf", data, Limits(ocr=False))  # really no text layer
    result = ingester.read("scan.pdf", data)
    assert result["page_parts"][0]["ocr"] is True
    gent = next(m for m in result["mentions"] if m["id"] == "mun/44021")
    assert 50 <= gent["ocr_confidence"] <= 100
    amount = next(m for m in result["mentions"] if m["kind"] == "amount")
    assert amount["value"] == "56775.00" and amount["ocr_confidence"] > 50


def test_text_layer_mentions_have_no_ocr_confidence(ingester):
    result = ingester.read("plain.txt", SCANNED.encode())
    assert all(m["ocr_confidence"] is None for m in result["mentions"])


def test_ocr_only_where_a_page_has_no_text_layer():
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(0, 10, "Pagina met tekst: Aalst.")
    scanned = image_pdf(["Mechelen en Kortrijk"])
    pdf.add_page()
    pdf.image(io.BytesIO(_first_image(scanned)), x=10, y=10, w=190)
    doc = extract("mixed.pdf", bytes(pdf.output()))
    assert doc.pages[0].ocr is None and "Aalst" in doc.pages[0].text
    assert doc.pages[1].ocr and "Mechelen" in doc.pages[1].text


def _first_image(pdf_bytes: bytes) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_bytes)
    image = pdf[0].render(scale=2).to_pil()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf.close()
    return buffer.getvalue()


def test_ocr_page_limit_is_a_warning_not_a_failure():
    doc = extract("scans.pdf", image_pdf(["Gent"], pages=2), Limits(max_ocr_pages=1))
    assert doc.pages[0].ocr and doc.pages[1].ocr is None
    assert "not OCRed" in doc.pages[1].warnings[0]


def test_columns_keep_languages_apart_and_mentions_say_which_column(ingester):
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    pdf.add_page()
    top = pdf.get_y()
    pdf.set_xy(10, top)
    pdf.multi_cell(90, 5, "De gemeente Vilvoorde ontvangt een toelage voor de preventie van radicalisering. " * 4)
    pdf.set_xy(110, top)
    pdf.multi_cell(90, 5, "La commune de Verviers recoit un subside pour la prevention du radicalisme. " * 4)
    result = ingester.read("mb.pdf", bytes(pdf.output()))
    by_id = {m["id"]: m for m in result["mentions"] if m["kind"] == "municipality"}
    assert (by_id["mun/23088"]["column"], by_id["mun/23088"]["language"]) == (1, "nl")
    assert (by_id["mun/63079"]["column"], by_id["mun/63079"]["language"]) == (2, "fr")
    assert result["pages"] == 1 and [p["column"] for p in result["page_parts"]] == [1, 2]


def test_folders_and_lists_of_files(tmp_path):
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("De stad Gent.")
    (folder / "sub" / "b.html").write_text("<html><p>La ville de Liège.</p></html>")
    (folder / "notes.bin").write_bytes(b"\x00")
    listing = tmp_path / "list.txt"
    listing.write_text("# documents\ndocs/a.txt\n\nmissing.txt\n")
    assert collect([folder]) == [folder / "a.txt", folder / "sub" / "b.html"]
    assert collect([], listing) == [tmp_path / "docs" / "a.txt", tmp_path / "missing.txt"]


def test_cli_folder_with_a_bad_file_gives_a_summary_table(tmp_path, atlas_db):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("De stad Gent kreeg 56.775 euro.")
    (folder / "b.pdf").write_bytes(b"%PDF-1.4 broken")
    (folder / "c.html").write_text("<html><p>La ville de Liège.</p></html>")
    out = tmp_path / "report.json"
    result = cli("ingest", str(folder), "--format", "json", "-o", str(out), "--db", atlas_db)
    assert result.returncode == 1
    report = json.loads(out.read_text())
    assert [f["file"].rsplit("/", 1)[-1] for f in report["files"]] == ["a.txt", "b.pdf", "c.html"]
    assert "error" in report["files"][1] and "error" not in report["files"][2]
    assert "ingest summary" in result.stderr and "b.pdf" in result.stderr and "not a readable PDF" in result.stderr


def test_ocr_cost_per_page_is_bounded():
    """CPU seconds (this process and Tesseract's), not wall time: the machine is shared."""
    import resource

    def cpu():
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    started = cpu()
    doc = extract("scan.pdf", image_pdf([SCANNED] * 3))
    assert "56.775" in doc.pages[0].text
    assert cpu() - started < 30  # measured: ~6.6 s CPU for a full A4 page of 40 lines (docs/benchmarks.md)
