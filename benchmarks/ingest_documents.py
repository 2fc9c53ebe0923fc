"""Ingest speed on documents as they come: a 100-page text PDF (made here with fpdf2, each page ~3,000
characters of Dutch and French sentences naming municipalities, bodies, amounts and dates), read end to end by
the ingester in a fresh process (recognizer build and language model load included) and warm; and the OCR cost
per page of image-only pages (A4 rendered at 200 dpi, Tesseract nld+fra+deu, one thread).
Run: .venv/bin/python benchmarks/ingest_documents.py
"""
from __future__ import annotations

import io
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from policy_atlas import dataset, gazetteer, store
from policy_atlas.ingest import Ingester
from policy_atlas.ingest.extract import extract
from policy_atlas.queries import Atlas
from policy_atlas.sourcetext import shared_dir

SENTENCES = [
    "De gemeente {a} ontving op {d} een subsidie van {n}.{m} euro voor de preventie van radicalisering.",
    "La commune de {b} participe depuis {y} à la CSIL-R, avec le soutien du SPF Intérieur.",
    "Volgens de Wet van 30 juli 2018 richt de burgemeester van {a} een LIVC-R op.",
    "Le Plan R et la Lokale Task Force de {b} se sont réunis le {d}.",
]


def text_pdf(pages: int = 100, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    names = [m.name_nl for m in gazetteer.load()]
    pdf = FPDF()
    pdf.set_font("helvetica", size=9)
    for _ in range(pages):
        pdf.add_page()
        body = []
        while sum(map(len, body)) < 3000:
            body.append(rng.choice(SENTENCES).format(
                a=rng.choice(names), b=rng.choice(names), y=rng.randint(2015, 2024), n=rng.randint(10, 99),
                m=f"{rng.randint(0, 999):03d}", d=f"{rng.randint(1, 28)}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2024)}"))
        pdf.multi_cell(0, 4, " ".join(body).encode("latin-1", "replace").decode("latin-1"))
    return bytes(pdf.output())


def image_pdf(pages: int) -> bytes:
    font = ImageFont.truetype("DejaVuSans.ttf", 28)
    pdf = FPDF()
    for n in range(pages):
        image = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi, rendered again at 300 dpi for OCR
        draw = ImageDraw.Draw(image)
        for line in range(40):
            draw.text((120, 120 + 52 * line), SENTENCES[(n + line) % 2].format(
                a="Gent", b="Liège", y=2018, n=56, m="775", d="21/08/2015")[:90], fill=0, font=font)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        pdf.add_page()
        pdf.image(io.BytesIO(buffer.getvalue()), x=0, y=0, w=210)
    return bytes(pdf.output())


COLD = """
import sys, time
t = time.process_time()
from policy_atlas import store
from policy_atlas.ingest import Ingester
from policy_atlas.queries import Atlas
from policy_atlas.sourcetext import shared_dir
atlas = Atlas.open(store.connect(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
r = Ingester(atlas).read("long.pdf", data)
print(time.process_time() - t, r["pages"], len(r["mentions"]))
"""


def main() -> None:
    tmp = tempfile.mkdtemp()
    url = f"sqlite:///{tmp}/atlas.sqlite"
    store.build(dataset.load(), store.connect(url))
    atlas = Atlas.open(store.connect(url))
    data = text_pdf()
    path = f"{tmp}/long.pdf"
    open(path, "wb").write(data)
    cold = [subprocess.run([sys.executable, "-c", COLD, url, path], capture_output=True, text=True, check=True)
            .stdout.split() for _ in range(2)]
    ingester = Ingester(atlas)
    ingester.read("warmup.pdf", text_pdf(2))
    warm, cpu = [], []
    for _ in range(2):
        t, c = time.perf_counter(), time.process_time()
        result = ingester.read("long.pdf", data)
        warm.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    c = time.process_time()
    extract("long.pdf", data)
    extraction = time.process_time() - c
    report = (shared_dir() / "sources/belgian-approach-to-radicalisation-2019.nl.txt").read_bytes()
    c = time.process_time()
    ingester.read("report.txt", report)
    reference = time.process_time() - c
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; times are CPU seconds of this process "
          f"(wall time on a shared machine says more about the neighbours than about the code)")
    print(f"100-page text PDF ({len(data) // 1024} kB, {result['pages']} pages, {len(result['mentions'])} mentions): "
          f"fresh process {statistics.median(float(x[0]) for x in cold):.2f} s CPU (imports, recognizer, language "
          f"model and read), warm {statistics.median(cpu):.2f} s CPU (wall {statistics.median(warm):.2f} s), of which "
          f"extraction {extraction:.2f} s; the whole report ({len(report) // 1024} kB of text) warm {reference:.2f} s CPU")
    scans = image_pdf(2)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    c, t = time.process_time(), time.perf_counter()
    doc = extract("scans.pdf", scans)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = time.process_time() - c
    tesseract = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    pages = len(doc.pages)
    print(f"OCR: {(own + tesseract) / pages:.1f} s CPU per A4 page ({tesseract / pages:.1f} s in Tesseract, "
          f"{own / pages:.1f} s rendering; wall {(time.perf_counter() - t) / pages:.1f} s), 40 lines, 200 dpi, "
          f"nld+fra+deu, one thread, {sum(len(p.text) for p in doc.pages) // pages} characters per page")


if __name__ == "__main__":
    main()
