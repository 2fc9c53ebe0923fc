"""Search at 1×, 10×, … the bundled atlas (the synthetic atlas of `scale.py`): writing the index of a version (CPU
and wall seconds), what a new version costs a running app (its reload, which writes the index before serving it,
then the first search), the database's answer (one page and the facets) against the in-memory Python scoring it
replaced (the reference in tests/test_search_db.py), the search page, and — when `datasette` is on PATH —
Datasette's LIKE over the statements of the same SQLite file.
Run: .venv/bin/python benchmarks/search.py [FACTORS...] (default 1 10); SEARCH_REFERENCE=0 skips the in-memory
scoring (slow at 100×)."""
from __future__ import annotations

import os
import datetime as dt
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
    from policy_atlas.search import index_of
    from policy_atlas.store.write import bump_version
    from policy_atlas.web.app import create_app
    from policy_atlas.web.settings import Settings
    from scale import synthetic
    from tests.test_search_db import reference_docs, reference_search

    url = f"sqlite:///{folder / f'x{factor}.sqlite'}"
    engine = store.connect(url)
    store.build(synthetic(factor), engine)
    view = Atlas.open(engine)
    cpu, wall = time.process_time(), time.perf_counter()
    index = index_of(view)
    out = {"entities": len(view.types), "index write CPU s": time.process_time() - cpu,
           "index write s": time.perf_counter() - wall}
    for q in QUERIES:
        out[f"db {q!r} ms"] = median_ms(lambda: (index.search(q, page=1), index.facets(q)))
    if os.environ.get("SEARCH_REFERENCE") != "0":
        atlas = Atlas.from_snapshot(store.snapshot(engine))
        start = time.perf_counter()
        docs = reference_docs(atlas)
        out["in-memory index s"] = time.perf_counter() - start
        for q in QUERIES:
            out[f"in-memory {q!r} ms"] = median_ms(lambda: reference_search(atlas, docs, q))
    app = create_app(url, settings=replace(Settings.from_env({}), cache_bytes=0, rates={}))
    app.state.atlas.CHECK_EVERY = 0
    with TestClient(app) as client:
        app.state.atlas.loaded().warm()  # the first version's warm-up (a background thread) done
        client.get("/nl/search", params={"q": "gent"})  # templates compiled
        with engine.begin() as conn:  # a new version (same statements), as a build or an accepted proposal makes
            bump_version(conn, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        start = time.perf_counter()
        app.state.atlas.loaded()  # the reload: what is computed once per version, before it is served
        out["new version: reload s"] = time.perf_counter() - start
        start = time.perf_counter()
        response = client.get("/nl/search", params={"q": "luik"}, headers={"Accept-Encoding": "identity"})
        out["new version: first search ms"] = (time.perf_counter() - start) * 1000
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
