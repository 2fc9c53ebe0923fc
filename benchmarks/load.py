"""A 50-client mixed HTTP load against `policy-atlas serve --workers 2` on 127.0.0.1, measured with `wrk`
(Debian's `wrk`: a C load generator, so the clients take little of the processor the server needs).

Run: .venv/bin/python benchmarks/load.py [DATABASE_URL] [--seconds 20] [--while-building] [--datasette]
Without a URL the bundled dataset is built into a temporary SQLite file. `--while-building` runs a second,
identical measurement while `policy-atlas build` runs in a loop against the same database, each build changing one
file of a copy of the bundled dataset (so each makes a new atlas version that every worker loads and serves). The baseline in the
same run is the same load on a static file (`/static/atlas.css`).

`--datasette` (SQLite only; `pip install datasette`) adds like-for-like pages side by side with Datasette serving
the same database file read-only, both with our response cache off (`ATLAS_RESPONSE_CACHE_MB=0`), one worker
each: one entity's current statements as JSON, and names containing a word.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

MIX = ["/nl/", "/nl/entity/body/livcr", "/fr/municipality/62063?as_of=2017-06-01", "/nl/search?q=luik",
       "/nl/overview", "/nl/timeline", "/api/municipality/62063?as_of=2017-06-01", "/nl/entity/gov/federal",
       "/api/entity/subsidy/impuls-2016", "/nl/sources", "/api/home", "/nl/map", "/en/municipality/44021",
       "/de/entity/gov/ostbelgien"]
LUA = """
paths = {%s}
i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Accept-Encoding"] = "gzip"})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT {\\"requests\\": %%d, \\"seconds\\": %%f, \\"non2xx\\": %%d, \\"errors\\": %%d, "
    .. "\\"p50\\": %%f, \\"p95\\": %%f, \\"p99\\": %%f, \\"max\\": %%f}\\n",
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(url: str, port: int, workers: int = 2) -> subprocess.Popen:
    env = {**os.environ, "ATLAS_RATE_API": "off", "ATLAS_ACCESS_LOG": "0", "ATLAS_BASE_URL": ""}
    return subprocess.Popen([sys.executable, "-m", "policy_atlas.cli", "serve", "--db", url, "--port", str(port),
                             "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(base: str, seconds: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the server did not become ready")
        time.sleep(0.3)


def warm(base: str, paths: list[str], rounds: int = 10) -> None:
    import urllib.request

    for _ in range(rounds):  # several times, so every worker process has loaded and cached each page
        for path in paths:  # asked as wrk asks (compressed answers are cached apart from plain ones)
            request = urllib.request.Request(base + path, headers={"Accept-Encoding": "gzip"})
            with urllib.request.urlopen(request, timeout=120) as answer:
                answer.read()


def wrk(base: str, paths: list[str], seconds: int, clients: int = 50) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % ", ".join(json.dumps(p) for p in paths))
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "-s", script.name,
                              base + "/"], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    result = json.loads(re.search(r"^RESULT (.*)$", out, re.M).group(1))
    result["rps"] = result["requests"] / result["seconds"]
    return result


def server_cpu(pid: int) -> float:
    """Processor seconds (user + system) used so far by a process and its descendants (the workers), from /proc:
    a figure the machine's noise moves less than latency."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    family, grew = {pid}, True
    while grew:
        grew = False
        for child, (parent, _) in parents.items():
            if parent in family and child not in family:
                family.add(child)
                grew = True
    return sum(parents[p][1] for p in family if p in parents) / os.sysconf("SC_CLK_TCK")


def datasette_pairs(db_name: str) -> list[tuple[str, str, str]]:
    """(what, our path, Datasette's path) answering the same question from the same tables."""
    return [("one entity's statements as JSON", "/api/entity/body/livcr",
             f"/{db_name}/statements.json?subject=body/livcr&current=1&_shape=array&_size=max"),
            ("names containing 'luik'", "/api/search?q=luik",
             f"/{db_name}/statements.json?prop=name&current=1&value__contains=luik&_shape=array&_size=max")]


def versus_datasette(url: str, seconds: int) -> list[dict]:
    path = Path(url.removeprefix("sqlite:///"))
    ours, theirs = free_port(), free_port()
    env = {**os.environ, "ATLAS_RESPONSE_CACHE_MB": "0"}
    server = subprocess.Popen([sys.executable, "-m", "policy_atlas.cli", "serve", "--db", url, "--port", str(ours),
                               "--workers", "1"], env={**env, "ATLAS_RATE_API": "off", "ATLAS_ACCESS_LOG": "0",
                                                       "ATLAS_BASE_URL": ""},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    datasette = subprocess.Popen([str(Path(sys.executable).parent / "datasette"), "serve", "-i", str(path), "--port",
                                  str(theirs)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(f"http://127.0.0.1:{ours}")
        _wait_up(f"http://127.0.0.1:{theirs}/-/versions.json")
        rows = []
        for what, mine, other in datasette_pairs(path.stem):
            warm(f"http://127.0.0.1:{ours}", [mine], 3)
            warm(f"http://127.0.0.1:{theirs}", [other], 3)
            rows.append({"what": what, "atlas": wrk(f"http://127.0.0.1:{ours}", [mine], seconds, 10),
                         "datasette": wrk(f"http://127.0.0.1:{theirs}", [other], seconds, 10)})
        return rows
    finally:
        for process in (server, datasette):
            process.terminate()
            process.wait(timeout=30)


def _wait_up(url: str, seconds: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def build_loop(url: str, stop: threading.Event, builds: list) -> None:
    """Build again and again, each build changing one file (the federal government's Dutch label, back and forth),
    so that every build makes a new atlas version that each worker must load and serve."""
    from policy_atlas import dataset

    root = Path(tempfile.mkdtemp(prefix="atlas-load-dataset-")) / "belgium"
    shutil.copytree(dataset.default_path(), root)
    path = root / "actors" / "governments.yaml"
    original = path.read_text("utf-8")
    while not stop.is_set():
        label = "Federale overheid" if len(builds) % 2 else f"Federale overheid (build {len(builds)})"
        path.write_text(original.replace("{nl: Federale overheid,", "{nl: " + label + ",", 1), "utf-8")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "policy_atlas.cli", "build", "--db", url, "--dataset", str(root)],
                       capture_output=True, check=True)
        builds.append(time.perf_counter() - start)
    shutil.rmtree(root.parent)


def measure(url: str, seconds: int, while_building: bool) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("benchmarks/load.py needs wrk: apt-get install wrk")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(url, port)
    try:
        wait_ready(base)
        warm(base, MIX)
        out = {"static": _cpu(server, wrk, base, ["/static/atlas.css"], seconds), "mix": _cpu(server, wrk, base, MIX, seconds)}
        if while_building:
            stop, builds = threading.Event(), []
            loop = threading.Thread(target=build_loop, args=(url, stop, builds))
            loop.start()
            try:
                out["mix_while_building"] = _cpu(server, wrk, base, MIX, seconds)
            finally:
                stop.set()
                loop.join()
            out["mix_while_building"]["builds"] = len(builds)
        return out
    finally:
        server.terminate()
        server.wait(timeout=30)


def _cpu(server: subprocess.Popen, run, *args) -> dict:
    before = server_cpu(server.pid)
    result = run(*args)
    result["cpu"] = server_cpu(server.pid) - before
    return result


def table(result: dict) -> str:
    lines = ["| load (50 clients, wrk, 2 workers) | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors + non-2xx "
             "| server CPU ms per request |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    names = {"static": "baseline: /static/atlas.css", "mix": f"mixed pages ({len(MIX)} URLs)",
             "mix_while_building": "mixed pages while builds run"}
    if "mix_while_building" in result:  # what each new version costs the workers beyond answering requests
        row, mix = result["mix_while_building"], result["mix"]
        row["per_build"] = (row["cpu"] - mix["cpu"] / mix["requests"] * row["requests"]) / max(row["builds"], 1)
    for key, row in result.items():
        name = names[key] + (f" ({row['builds']} builds; workers' CPU per build {row['per_build']:.2f} s)"
                             if "builds" in row else "")
        lines.append(f"| {name} | {row['rps']:.0f} | {row['p50']:.1f} | {row['p95']:.1f} | {row['p99']:.1f} | "
                     f"{row['max']:.0f} | {row['errors'] + row['non2xx']} | {1000 * row['cpu'] / max(row['requests'], 1):.2f} |")
    return "\n".join(lines)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    seconds = int(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 20
    args = [a for a in args if a != str(seconds)]
    url = args[0] if args else None
    if url is None:
        from policy_atlas import dataset, store

        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='atlas-load-')) / 'atlas.sqlite'}"
        store.build(dataset.load(), store.connect(url))
    result = measure(url, seconds, "--while-building" in sys.argv)
    print(table(result))
    if "--datasette" in sys.argv:
        print("\n| like for like (10 clients, one worker, no response cache) | atlas requests/s | p50 ms | "
              "Datasette requests/s | p50 ms | atlas / Datasette |\n| --- | ---: | ---: | ---: | ---: | ---: |")
        for row in versus_datasette(url, seconds):
            a, d = row["atlas"], row["datasette"]
            print(f"| {row['what']} | {a['rps']:.0f} | {a['p50']:.1f} | {d['rps']:.0f} | {d['p50']:.1f} | "
                  f"{a['rps'] / d['rps']:.2f} |")


if __name__ == "__main__":
    main()
