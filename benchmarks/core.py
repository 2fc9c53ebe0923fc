"""Core speed: validate, build, profile and export on the bundled dataset.

Figures are ratios against a baseline measured in the same run (plain yaml.safe_load of the same dataset
files), because this machine is shared and noisy. Run: .venv/bin/python benchmarks/core.py
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import yaml

from timing import timed

from policy_atlas import dataset, export, gazetteer, store
from policy_atlas.queries import Atlas, profile


def main() -> None:
    files = sorted(dataset.default_path().glob("*/*.yaml"))
    baseline = timed(lambda: [yaml.safe_load(f.read_text()) for f in files])
    ds = dataset.load()
    tmp = Path(tempfile.mkdtemp())
    n = iter(range(100))
    build = timed(lambda: store.build(ds, store.connect(f"sqlite:///{tmp / f'b{next(n)}.sqlite'}")), repeat=3)
    engine = store.connect(f"sqlite:///{tmp / 'b0.sqlite'}")
    atlas = Atlas.open(engine)
    g = gazetteer.load()
    muns = list(g)
    day = dt.date(2017, 6, 1)
    per_profile = timed(lambda: [profile(atlas, m, day) for m in muns], repeat=1) / len(muns)
    rows = [
        ("baseline: yaml.safe_load of the dataset files", baseline),
        ("validate (load + check every quote)", timed(lambda: dataset.load())),
        ("build into a new SQLite file", build),
        ("snapshot (read current statements)", timed(lambda: store.snapshot(engine))),
        ("profile, one municipality (mean over 581)", per_profile),
        ("export jsonl, whole atlas", timed(lambda: list(export.jsonl(atlas)))),
    ]
    print(f"{'operation':50} {'median s':>10} {'x baseline':>10}")
    for name, secs in rows:
        print(f"{name:50} {secs:10.4f} {secs / baseline:10.2f}")


if __name__ == "__main__":
    main()
