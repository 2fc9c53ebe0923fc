"""Ingest end to end: proposed facts marked held / conflict / new, the CLI with bad files, the upload page."""
import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fpdf import FPDF

from conftest import cli
from policy_atlas.ingest import Ingester

REPORT_SENTENCE = ("Het eerste belangrijk subsidiekanaal is de federale Impulssubsidie die in 2016 werd toegekend aan "
                   "de volgende gemeenten: Anderlecht, Antwerpen, Charleroi en Vilvoorde.")


@pytest.fixture(scope="module")
def ingester(atlas):
    return Ingester(atlas)


def proposals(ingester, text):
    result = ingester.read("doc.txt", text.encode())
    return {(p["subject"], p["property"], p["value"]): p for p in result["proposals"]}


def test_facts_the_atlas_holds_are_marked_held(ingester):
    found = proposals(ingester, REPORT_SENTENCE)
    fact = found[("subsidy/impuls-2016", "recipient", "mun/21001")]
    assert fact["status"] == "held" and (fact["valid_from"], fact["valid_to"]) == ("2016", "2016")
    assert fact["atlas"] and fact["atlas"][0]["locator"]
    assert fact["quote"].startswith("Het eerste belangrijk subsidiekanaal") and fact["line"] == 1


def test_a_new_recipient_is_new_and_a_wrong_period_is_a_conflict(ingester):
    found = proposals(ingester, "De Impulssubsidie werd in 2016 ook toegekend aan Zele.")
    assert found[("subsidy/impuls-2016", "recipient", "mun/42028")]["status"] == "new"
    found = proposals(ingester, "De Impulssubsidie werd in 2019 toegekend aan Anderlecht.")
    assert found[("subsidy/impuls-2016", "recipient", "mun/21001")]["status"] == "conflict"


def test_amounts_are_proposed(ingester):
    found = proposals(ingester, "Via het Project Tegengeluiden (2018) kreeg Gent 56.775 euro.")
    assert found[("subsidy/vl-tegengeluiden", "amount", "56775.00")]["status"] == "new"


def test_mentions_carry_page_line_offsets_language_and_sentence(ingester):
    text = "Eerste zin.\n\nLa commune de Liège a reçu un subside du SPF Intérieur en 2018."
    result = ingester.read("doc.txt", text.encode())
    liege = next(m for m in result["mentions"] if m["id"] == "mun/62063")
    assert (liege["page"], liege["line"], liege["language"]) == (1, 3, "fr")
    assert text[liege["start"]:liege["end"]] == "Liège"
    assert liege["sentence"] == "La commune de Liège a reçu un subside du SPF Intérieur en 2018."
    assert any(m["id"] == "agency/ibz" for m in result["mentions"])


def test_a_legal_reference_to_a_known_act_is_linked(ingester):
    result = ingester.read("doc.txt", "De Wet van 30 juli 2018 maakt de LIVC-R verplicht (numac: 2018031809).".encode())
    kinds = {(m["kind"], m["id"]) for m in result["mentions"]}
    assert ("entity", "law/wet-livcr-2018") in kinds and ("entity", "body/livcr") in kinds


def test_nothing_is_written_to_the_atlas(ingester, atlas):
    before = len(atlas.statements)
    ingester.read("doc.txt", "De Impulssubsidie ging ook naar Zele in 2016.".encode())
    assert len(atlas.statements) == before


def _pdf(tmp_path):
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Projectoproep 2019. De Vlaamse overheid kent middelen toe aan Aalst en Mechelen.")
    pdf.add_page()
    pdf.multi_cell(0, 8, "Le SPF Interieur finance la commune de Charleroi.")
    path = tmp_path / "oproep.pdf"
    pdf.output(str(path))
    return path


def test_cli_reads_good_files_and_reports_bad_ones(tmp_path, atlas_db):
    good = _pdf(tmp_path)
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4\n garbage")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    out = tmp_path / "proposals.json"
    result = cli("ingest", str(good), str(junk), str(empty), "--format", "json", "-o", str(out), "--db", atlas_db,
                 env={"ATLAS_PROGRESS": "1"})
    assert result.returncode == 1
    report = json.loads(out.read_text())
    assert report["summary"] == {**report["summary"], "files": 3, "failed": 2}
    first = report["files"][0]
    assert first["pages"] == 2 and first["format"] == "pdf"
    assert {m["id"] for m in first["mentions"] if m["kind"] == "municipality"} >= {"mun/41002", "mun/12025", "mun/52011"}
    assert next(m for m in first["mentions"] if m["id"] == "mun/52011")["page"] == 2
    assert "junk.pdf: not a readable PDF" in report["files"][1]["error"]
    assert "empty.txt: the file is empty" in report["files"][2]["error"]
    assert "files" in result.stderr and "pages" in result.stderr  # the progress bars


def test_upload_form_and_api(client, tmp_path):
    pdf = _pdf(tmp_path).read_bytes()
    page = client.get("/fr/ingest")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # the form's token (issue 8)
    html = client.post("/en/ingest", files=[("files", ("oproep.pdf", pdf, "application/pdf")),
                                             ("files", ("x.bin", b"\x00\x01junk", "application/octet-stream"))],
                       data={"csrf_token": csrf})
    assert html.status_code == 200 and "Charleroi" in html.text and "x.bin: binary data" in html.text
    from urllib.parse import unquote

    link = re.search(r'href="data:application/json;charset=utf-8,([^"]+)" download="policy-atlas-proposals.json"', html.text)
    report = json.loads(unquote(link.group(1).replace("&amp;", "&")))
    assert report["summary"]["files"] == 2 and report["files"][0]["file"] == "oproep.pdf"
    api = client.post("/api/ingest", files=[("files", ("a.txt", REPORT_SENTENCE.encode(), "text/plain"))]).json()
    assert api["summary"]["proposals"]["held"] == 4
    assert client.post("/api/ingest").status_code == 422


def test_cli_without_a_built_atlas_says_so(tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("De stad Gent.")
    result = cli("ingest", str(doc), "--db", str(tmp_path / "empty.sqlite"))
    assert result.returncode == 2 and "holds no atlas yet" in result.stderr


def test_language_model_cache_is_written_used_and_rebuilt_when_damaged(tmp_path):
    code = ("from policy_atlas.ingest.reader import _load_identifier, _model_cache; i = _load_identifier(); "
            "print(_model_cache(), i.classify('Dit is een zin over de gemeente en haar beleid.')[0])")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}

    def run() -> list[str]:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
        return result.stdout.split()

    cache, lang = run()
    assert lang == "nl" and Path(cache).is_file() and Path(cache).parent.parent == tmp_path
    assert run() == [cache, "nl"]
    Path(cache).write_bytes(b"damaged")
    assert run() == [cache, "nl"]
    assert Path(cache).stat().st_size > 1_000_000
