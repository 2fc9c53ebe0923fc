"""How the atlas grows: the curated part of the bundled dataset copied 10× and 100× (ids renamed, references
between curated entities renamed with them, over the same gazetteer), measured against 1× in one run.

Per factor: the synthetic atlas written as a dataset folder (`write_atlas`: the bundled files as they are, plus
`factor - 1` renamed copies of each), then against a C-loader (`yaml.CSafeLoader`) parse of those same files:
a full build into a new SQLite file, a rebuild with nothing changed and a rebuild after one file changed
(`build_figures`); then start-up (open the atlas in a fresh process, then compute what a web process computes
once per version before serving it) and its peak memory,
each page's server time and size (in-process, response cache off), and a CLI `profile`. At 1×: the 50-client
mixed HTTP load of `benchmarks/load.py` (wrk) against `policy-atlas serve --workers 2`, also while builds run
(SCALE_LOAD=0 skips it). Run: .venv/bin/python benchmarks/scale.py [--builds] [FACTORS...] (default 1 10;
`--builds`: the build figures alone)
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
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


COPY = "-xKKKK"  # stands for "-x{k}" in a copy's text until the copy is written


def write_atlas(factor: int, root: Path) -> Path:
    """The synthetic atlas as a dataset folder in the bundled dataset's layout: the bundled files as they are,
    and for each copy k = 1 … factor-1 every curated file again as `KIND/NAME-xk.yaml` with every curated entity
    id renamed `ID-xk` (declarations, subjects of facts, references). Like `synthetic`, a copy leaves out the
    file's `sources:` (declared once) and its facts about gazetteer entities (municipalities)."""
    import yaml

    from policy_atlas import dataset

    bundled = dataset.default_path()
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(bundled, root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    files = sorted(bundled.glob("*/*.yaml"))
    docs = {f: yaml.load(f.read_text("utf-8"), Loader=yaml.CSafeLoader) or {} for f in files}
    curated = {rec["id"] for doc in docs.values() for rec in doc.get("entities") or []}
    rename = lambda v: f"{v}{COPY}" if isinstance(v, str) and v in curated else v

    def renamed(st: dict) -> dict:
        if "v" not in st:
            return st
        return {**st, "v": [rename(x) for x in st["v"]] if isinstance(st["v"], list) else rename(st["v"])}

    for f, doc in docs.items():
        copy = {k: v for k, v in doc.items() if k not in ("sources", "entities", "facts")}
        if doc.get("entities"):
            copy["entities"] = [{**rec, "id": rename(rec["id"]),
                                 **({"statements": [renamed(st) for st in rec["statements"]]} if rec.get("statements") else {})}
                                for rec in doc["entities"]]
        facts = [{**renamed(st), "s": rename(st["s"])} for st in doc.get("facts") or [] if st.get("s") in curated]
        if facts:
            copy["facts"] = facts
        text = yaml.dump(copy, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False, width=10**6,
                         default_flow_style=None)
        for k in range(1, factor):
            (root / f.parent.name / f"{f.stem}-x{k}.yaml").write_text(text.replace(COPY, f"-x{k}"), encoding="utf-8")
    return root


def dataset_files(root: Path) -> list[Path]:
    return [root / "sources.yaml", *sorted(root.glob("*/*.yaml"))]


def c_parse(root: Path) -> int:
    """What the build is measured against: every file of the dataset read and parsed by `yaml.CSafeLoader`."""
    import yaml

    return sum(len(yaml.load(f.read_text("utf-8"), Loader=yaml.CSafeLoader) or ()) for f in dataset_files(root))


def edit_one_file(root: Path) -> Path:
    """One curated fact corrected: a note added to the first statement of `instruments/subsidies.yaml`."""
    import yaml

    path = root / "instruments" / "subsidies.yaml"
    doc = yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader)
    first = next(rec for rec in doc["entities"] if rec.get("statements"))["statements"][0]
    first["note"] = f"{first.get('note') or ''} (edited for the benchmark)".strip()
    path.write_text(yaml.dump(doc, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False, width=10**6,
                              default_flow_style=None), encoding="utf-8")
    return path


def build_files(root: Path, url: str, *, full: bool = False) -> dict:
    """`policy-atlas build --dataset ROOT` in process (`full`: every file read and checked again)."""
    from policy_atlas import dataset, store

    engine = store.connect(url)
    ds = dataset.load(root, previous=None if full else store.previous_files(engine))
    assert ds.ok, ds.problems[:5]
    return store.build(ds, engine, label=str(root))


def build_figures(root: Path, url: str) -> dict:
    """Seconds, wall clock and CPU time of this process (the fairer one on a shared machine): the C-loader parse of
    the files, a full build into an empty database, a rebuild with nothing changed, and a rebuild after
    `edit_one_file`."""
    out = {"files": len(dataset_files(root)), "bytes": sum(f.stat().st_size for f in dataset_files(root))}

    def measure(name, fn):
        cpu = time.process_time()
        out[name], result = timed(fn)
        out[f"{name}_cpu"] = time.process_time() - cpu
        return result

    measure("parse", lambda: c_parse(root))
    out["statements"] = measure("build", lambda: build_files(root, url, full=True))["statements"]
    unchanged = measure("rebuild", lambda: build_files(root, url))
    assert (unchanged["added"], unchanged["retracted"]) == (0, 0), unchanged
    edit_one_file(root)
    edited = measure("one_file", lambda: build_files(root, url))
    assert (edited["added"], edited["retracted"]) == (1, 1), edited
    return out


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


STARTUP = """
import json, resource, sys, time
start = time.perf_counter()
from policy_atlas import store
from policy_atlas.queries import Atlas
from policy_atlas.web.app import _Loaded
imported = time.perf_counter()
atlas = Atlas.open(store.connect(sys.argv[1]))
loaded = time.perf_counter()
_Loaded(atlas.version, None, atlas).warm()
warmed = time.perf_counter()
print(json.dumps({"import": imported - start, "load": loaded - imported, "warm": warmed - loaded,
                  "statements": atlas.count(), "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
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


def cli_profile(url: str) -> tuple[float, float]:
    """The whole `policy-atlas profile` process: median wall seconds and processor seconds of three runs."""
    runs = []
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t, done = timed(lambda: subprocess.run([sys.executable, "-m", "policy_atlas.cli", "profile", "Liège", "--as-of",
                                                "2017-06-01", "--format", "json", "--db", url], capture_output=True))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert done.returncode == 0, done.stderr
        runs.append((t, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime))
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description="Build synthetic atlases N times the curated data and measure "
                                                 "builds, start-up, pages, the CLI profile and (at 1×) HTTP load.")
    parser.add_argument("factors", nargs="*", type=int, default=[1, 10], help="scale factors (default: 1 10)")
    parser.add_argument("--builds", action="store_true", help="only the build figures")
    args = parser.parse_args()
    builds_only, factors = args.builds, args.factors
    tmp = Path(tempfile.mkdtemp(prefix="atlas-scale-"))
    rows = {}
    for factor in factors:
        url = f"sqlite:///{tmp / f'x{factor}.sqlite'}"
        build = build_figures(write_atlas(factor, tmp / f"x{factor}"), url)
        if builds_only:
            rows[factor] = {"statements": build["statements"], "build": build}
            print(f"# {factor}x done: {json.dumps(build)}", file=sys.stderr, flush=True)
            continue
        rows[factor] = {"statements": build["statements"], "build": build, "startup": startup(url),
                        "pages": pages(url), "profile": cli_profile(url), "url": url}
        print(f"# {factor}x done: {json.dumps({k: v for k, v in rows[factor].items() if k != 'pages'})}",
              file=sys.stderr, flush=True)
    load = None
    if 1 in rows and not builds_only and os.environ.get("SCALE_LOAD", "1") != "0":
        import load as http_load

        load = http_load.measure(rows[1]["url"], int(os.environ.get("SCALE_LOAD_SECONDS", 15)), while_building=True)
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
    line("dataset files", [rows[f]["build"]["files"] for f in factors], lambda v: f"{v:,}")
    line("dataset MB", [rows[f]["build"]["bytes"] / 1e6 for f in factors], lambda v: f"{v:.1f}")
    line("C-loader parse s (yaml.CSafeLoader)", [rows[f]["build"]["parse"] for f in factors], lambda v: f"{v:.2f}")
    line("C-loader parse s CPU", [rows[f]["build"]["parse_cpu"] for f in factors], lambda v: f"{v:.2f}")
    for key, name in (("build", "full build"), ("rebuild", "rebuild, nothing changed"),
                      ("one_file", "rebuild, one file changed")):
        for clock, suffix in (("", ""), (" CPU", "_cpu")):
            line(f"{name} s{clock}", [rows[f]["build"][key + suffix] for f in factors], lambda v: f"{v:.2f}")
            line(f"{name} / C-loader parse{clock}", [rows[f]["build"][key + suffix] / rows[f]["build"]["parse" + suffix]
                                                     for f in factors], lambda v: f"{v:.2f}")
    if "startup" not in one:
        return
    line("start-up s (open the atlas)", [rows[f]["startup"]["load"] for f in factors], lambda v: f"{v:.2f}")
    line("start-up s (once-per-version figures)", [rows[f]["startup"]["warm"] for f in factors], lambda v: f"{v:.2f}")
    line("start-up peak memory MB", [rows[f]["startup"]["max_rss_mb"] for f in factors], lambda v: f"{v:.0f}")
    line("CLI profile s (whole process)", [rows[f]["profile"][0] for f in factors], lambda v: f"{v:.2f}")
    line("CLI profile s CPU (whole process)", [rows[f]["profile"][1] for f in factors], lambda v: f"{v:.2f}")
    for name in one["pages"]:
        line(f"{name} ms", [rows[f]["pages"][name][0] * 1000 for f in factors], lambda v: f"{v:.0f}")
        line(f"{name} kB", [rows[f]["pages"][name][1] / 1024 for f in factors], lambda v: f"{v:.0f}")
    if load:
        import load as http_load

        print(f"\nAt 1×, `benchmarks/load.py` (wrk, 50 clients, `serve --workers 2`, response cache on, gzip):\n")
        print(http_load.table(load))


if __name__ == "__main__":
    main()
