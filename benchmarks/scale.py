"""How the atlas grows: the curated part of the bundled dataset copied 10× and 100× (ids renamed, references
between curated entities renamed with them, over the same gazetteer), measured against 1× in one run.

Per factor: build into a new SQLite file, start-up (snapshot + Atlas in a fresh process) and its peak memory,
each page's server time and size (in-process, response cache off), and a CLI `profile`. At 1×: a 50-client
mixed HTTP load against `policy-atlas serve --workers 2` on 127.0.0.1 (bounded number of requests; the
load generator shares the machine). Run: .venv/bin/python benchmarks/scale.py [FACTORS...] (default 1 10)
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

GAZETTEER = {"Municipality", "Arrondissement", "Province"}
PAGES = [
    ("home", "/nl/"),
    ("entity (LIVC-R)", "/nl/entity/body/livcr"),
    ("municipality profile (Liège)", "/fr/municipality/62063?as_of=2017-06-01"),
    ("search 'luik'", "/nl/search?q=luik"),
    ("strategic overview", "/nl/overview"),
    ("subsidy map", "/nl/map"),
    ("network", "/nl/network"),
    ("timeline", "/nl/timeline"),
    ("API: municipality JSON", "/api/municipality/62063?as_of=2017-06-01"),
]
MIX = [path for _, path in PAGES if "network" not in path and "map" not in path] + [
    "/nl/entity/gov/federal", "/api/entity/subsidy/impuls-2016", "/nl/sources", "/api/home", "/nl/map"]


def synthetic(factor: int):
    """The bundled dataset with its curated entities and their statements copied `factor` times."""
    from policy_atlas import dataset

    ds = dataset.load()
    curated = {eid for eid, e in ds.entities.items() if e.type not in GAZETTEER}
    if factor == 1:
        return ds
    entities, statements = dict(ds.entities), list(ds.statements)
    for k in range(1, factor):
        rename = lambda eid: f"{eid}-x{k}" if eid in curated else eid
        entities.update({rename(eid): replace(ds.entities[eid], id=rename(eid)) for eid in curated})
        statements += [replace(st, subject=rename(st.subject),
                               value=rename(st.value) if st.value_type == "entity" else st.value)
                       for st in ds.statements if st.subject in curated]
    return replace(ds, entities=entities, statements=statements)


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


STARTUP = """
import json, resource, sys, time
start = time.perf_counter()
from policy_atlas import store
from policy_atlas.queries import Atlas
imported = time.perf_counter()
atlas = Atlas.from_snapshot(store.snapshot(store.connect(sys.argv[1])))
loaded = time.perf_counter()
print(json.dumps({"import": imported - start, "load": loaded - imported, "statements": len(atlas.statements),
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def startup(url: str) -> dict:
    done = subprocess.run([sys.executable, "-c", STARTUP, url], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def pages(url: str) -> dict:
    from fastapi.testclient import TestClient

    from policy_atlas.web.app import create_app
    from policy_atlas.web.settings import Settings

    app = create_app(url, settings=replace(Settings.from_env({}), cache_bytes=0, rates={}))
    out = {}
    with TestClient(app) as client:
        for name, path in PAGES:
            client.get(path)
            times, size = [], 0
            for _ in range(3):
                t, response = timed(lambda: client.get(path, headers={"Accept-Encoding": "identity"}))
                assert response.status_code == 200, (path, response.status_code)
                times.append(t)
                size = len(response.content)
            out[name] = (statistics.median(times), size)
    return out


def cli_profile(url: str) -> float:
    t, done = timed(lambda: subprocess.run([sys.executable, "-m", "policy_atlas.cli", "profile", "Liège", "--as-of",
                                            "2017-06-01", "--format", "json", "--db", url], capture_output=True))
    assert done.returncode == 0, done.stderr
    return t


def load_test(url: str, clients: int = 50, requests: int = 3000) -> dict:
    """A bounded mixed load on 127.0.0.1 only: `requests` GETs spread over `clients` concurrent connections."""
    import httpx2 as httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "ATLAS_RATE_API": "off", "ATLAS_ACCESS_LOG": "0", "ATLAS_BASE_URL": ""}
    server = subprocess.Popen([sys.executable, "-m", "policy_atlas.cli", "serve", "--db", url, "--port", str(port),
                               "--workers", "2"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        for path in MIX:  # every worker process loads and warms before the clock starts
            for _ in range(4):
                httpx.get(base + path, timeout=60)
        return asyncio.run(_load(base, clients, requests))
    finally:
        server.terminate()
        server.wait(timeout=30)


async def _load(base: str, clients: int, requests: int) -> dict:
    import httpx2 as httpx

    latencies, errors, queue = [], 0, asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(MIX[i % len(MIX)])

    async def client_loop(client):
        nonlocal errors
        while not queue.empty():
            path = queue.get_nowait()
            start = time.perf_counter()
            try:
                response = await client.get(base + path, headers={"Accept-Encoding": "gzip"})
                errors += response.status_code != 200
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=clients)) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
    elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / elapsed,
            "p50": statistics.median(latencies), "p95": q[94], "p99": q[98]}


def main() -> None:
    from policy_atlas import store

    factors = [int(f) for f in sys.argv[1:]] or [1, 10]
    tmp = Path(tempfile.mkdtemp(prefix="atlas-scale-"))
    rows = {}
    for factor in factors:
        ds = synthetic(factor)
        url = f"sqlite:///{tmp / f'x{factor}.sqlite'}"
        build_s, _ = timed(lambda: store.build(ds, store.connect(url)))
        rows[factor] = {"statements": len(ds.statements), "build": build_s, "startup": startup(url),
                        "pages": pages(url), "profile": cli_profile(url), "url": url}
        print(f"# {factor}x done: {json.dumps({k: v for k, v in rows[factor].items() if k != 'pages'})}",
              file=sys.stderr, flush=True)
    load = load_test(rows[1]["url"], requests=int(os.environ.get("SCALE_REQUESTS", 3000))) if 1 in rows else None
    report(rows, load)


def report(rows: dict, load: dict | None) -> None:
    factors = sorted(rows)
    one = rows[factors[0]]
    head = " | ".join(f"{f}×" for f in factors)
    ratios = " | ".join(f"{f}×/1×" for f in factors[1:])
    print(f"| measure | {head} | {ratios} |\n| --- |" + " ---: |" * (2 * len(factors) - 1))

    def line(name, values, fmt):
        cells = " | ".join(fmt(v) for v in values)
        growth = " | ".join(f"{v / values[0]:.1f}" if values[0] else "–" for v in values[1:])
        print(f"| {name} | {cells} | {growth} |")

    line("statements", [rows[f]["statements"] for f in factors], lambda v: f"{v:,}")
    line("build s", [rows[f]["build"] for f in factors], lambda v: f"{v:.1f}")
    line("start-up s (snapshot + Atlas)", [rows[f]["startup"]["load"] for f in factors], lambda v: f"{v:.2f}")
    line("start-up peak memory MB", [rows[f]["startup"]["max_rss_mb"] for f in factors], lambda v: f"{v:.0f}")
    line("CLI profile s (whole process)", [rows[f]["profile"] for f in factors], lambda v: f"{v:.2f}")
    for name in one["pages"]:
        line(f"{name} ms", [rows[f]["pages"][name][0] * 1000 for f in factors], lambda v: f"{v:.0f}")
        line(f"{name} kB", [rows[f]["pages"][name][1] / 1024 for f in factors], lambda v: f"{v:.0f}")
    if load:
        print(f"\n50-client mixed load at 1× ({load['requests']} requests, `serve --workers 2`, response cache on, "
              f"gzip): {load['rps']:.0f} requests/s, p50 {load['p50'] * 1000:.0f} ms, p95 {load['p95'] * 1000:.0f} ms, "
              f"p99 {load['p99'] * 1000:.0f} ms, {load['errors']} errors.")


if __name__ == "__main__":
    main()
