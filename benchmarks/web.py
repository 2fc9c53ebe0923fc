"""Server time of every page of the web atlas on the embedded dataset.

Each page is requested many times in-process (Starlette's TestClient: routing, validation, query, template,
middleware — no network); the figure per page is the median and the 95th percentile, and the median as a
ratio against a baseline measured in the same run: a static file (/static/atlas.css) served through the
same app and middleware. Run: .venv/bin/python benchmarks/web.py [REQUESTS]
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from policy_atlas import dataset, store
from policy_atlas.web.app import create_app

PAGES = [
    ("baseline: /static/atlas.css", "/static/atlas.css"),
    ("home", "/nl/"),
    ("search 'luik'", "/nl/search?q=luik"),
    ("search, all subsidies in 2017", "/nl/search?type=Subsidy&year_from=2017&year_to=2017"),
    ("entity (LIVC-R)", "/nl/entity/body/livcr"),
    ("entity as of 2016", "/nl/entity/subsidy/impuls-2016?as_of=2016-06-01"),
    ("municipality profile (Liège)", "/fr/municipality/62063?as_of=2017-06-01"),
    ("strategic overview", "/nl/overview"),
    ("subsidy map", "/nl/map"),
    ("subsidy map, one funder and year", "/nl/map?funder=gov/flanders&year=2017"),
    ("LIVC-R coverage map", "/nl/map?view=livcr"),
    ("network", "/nl/network"),
    ("network with funds", "/nl/network?relation=funds"),
    ("timeline", "/nl/timeline"),
    ("how the LIVC-R works", "/nl/livcr"),
    ("trainings and tools", "/nl/trainings"),
    ("sources", "/nl/sources"),
    ("API: municipality JSON", "/api/municipality/62063?as_of=2017-06-01"),
    ("API: map GeoJSON", "/api/map?format=geojson"),
    ("API: map PNG", "/api/map?format=png"),
    ("API: network GraphML", "/api/network?format=graphml"),
]


def measure(client: TestClient, path: str, n: int) -> list[float]:
    client.get(path)  # warm caches
    times = []
    for _ in range(n):
        t = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - t)
        assert response.status_code == 200, (path, response.status_code)
    return times


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    store.build(dataset.load(), store.connect(url))
    client = TestClient(create_app(url))
    results = [(name, measure(client, path, n)) for name, path in PAGES]
    base = statistics.median(results[0][1])
    print("| page | median ms | p95 ms | × baseline |\n| --- | ---: | ---: | ---: |")
    for name, times in results:
        med = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"| {name} | {med * 1000:.1f} | {p95 * 1000:.1f} | {med / base:.1f} |")
    print(f"\n{n} requests per page, in-process.")


if __name__ == "__main__":
    main()
