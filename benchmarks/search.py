"""Search at 1×, 10×, … the bundled atlas (the synthetic atlas of `scale.py`): the database's answer (one page and
the facets) against the in-memory Python scoring it replaced (the reference in tests/test_search_db.py), the
search page, and — when `datasette` is on PATH — Datasette's LIKE over the statements of the same SQLite file.
Run: .venv/bin/python benchmarks/search.py [FACTORS...] (default 1 10)"""
from __future__ import annotations

import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]
QUERIES = ["luik", "radicalisering", "", "de"]


def median_ms(fn, runs: int = 5) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(factor: int, folder: Path) -> dict:
    from fastapi.testclient import TestClient

    from policy_atlas import store
    from policy_atlas.queries import Atlas
    from policy_atlas.search import Index
    from policy_atlas.web.app import create_app
    from policy_atlas.web.settings import Settings
    from scale import synthetic
    from tests.test_search_db import reference_docs, reference_search

    url = f"sqlite:///{folder / f'x{factor}.sqlite'}"
    engine = store.connect(url)
    store.build(synthetic(factor), engine)
    start = time.perf_counter()
    view = Atlas.open(engine)
    index = Index.open(engine, view, view.version)
    out = {"entities": len(view.types), "index write s (from Atlas.open)": time.perf_counter() - start}
    atlas = Atlas.from_snapshot(store.snapshot(engine))
    start = time.perf_counter()
    docs = reference_docs(atlas)
    out["in-memory index s"] = time.perf_counter() - start
    for q in QUERIES:
        out[f"db {q!r} ms"] = median_ms(lambda: (index.search(q, page=1), index.facets(q)))
        out[f"in-memory {q!r} ms"] = median_ms(lambda: reference_search(atlas, docs, q))
    app = create_app(url, settings=replace(Settings.from_env({}), cache_bytes=0, rates={}))
    with TestClient(app) as client:
        response = client.get("/nl/search", params={"q": "luik"}, headers={"Accept-Encoding": "identity"})
        out["page 'luik' ms"] = median_ms(lambda: client.get("/nl/search", params={"q": "luik"}))
        out["page 'luik' kB"] = len(response.content) / 1000
    if shutil.which("datasette"):
        out["datasette LIKE 'luik' ms"] = datasette_like(folder / f"x{factor}.sqlite")
    return out


def datasette_like(path: Path) -> float:
    """Datasette's table filter `value__contains=luik` (LIKE '%luik%') on the statements, first 50, as JSON."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(["datasette", "serve", str(path), "--port", str(port), "--setting", "sql_time_limit_ms",
                               "60000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/{path.stem}/statements.json?value__contains=luik&_size=50&_nocache="
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "0", timeout=60).read()
                break
            except OSError:
                time.sleep(0.2)
        return median_ms(lambda: urllib.request.urlopen(base + str(time.time()), timeout=60).read())
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    factors = [int(f) for f in sys.argv[1:]] or [1, 10]
    folder = Path(tempfile.mkdtemp(prefix="atlas-search-"))
    rows = {f: measure(f, folder) for f in factors}
    print("| measure | " + " | ".join(f"{f}×" for f in factors) + " |\n| --- |" + " ---: |" * len(factors))
    for key in rows[factors[0]]:
        print(f"| {key} | " + " | ".join(f"{rows[f].get(key, float('nan')):,.1f}" for f in factors) + " |")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
