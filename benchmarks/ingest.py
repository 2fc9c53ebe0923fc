"""Ingest quality and speed.

Quality: precision / recall / F1 per kind of mention and for proposed facts on the hand-annotated passages in
benchmarks/ingest/annotations.yaml, for the ingester and for a plain exact-match baseline (official names and
labels, case-sensitive, no exonyms, aliases or context rules), per split.

Speed: the whole shared report (≈225 kB) read cold (a fresh process state: recognizer build and language
model load included) and warm, and warm reads of the report repeated 2, 4 and 8 times, each as a ratio
against a baseline measured in the same run: one regex pass that only splits the same text into words.
Run: .venv/bin/python benchmarks/ingest.py
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import timed

from policy_atlas import dataset, store
from policy_atlas.ingest import evaluation
from policy_atlas.ingest import Ingester
from policy_atlas.ingest.mentions import WORD
from policy_atlas.queries import Atlas
from policy_atlas.sourcetext import shared_dir

HERE = Path(__file__).parent


def quality(atlas: Atlas) -> None:
    passages = evaluation.load_annotations(HERE / "ingest" / "annotations.yaml")
    print("| split | passages | gold mentions | kind | ingester P / R / F1 | exact-match baseline P / R / F1 |")
    print("| --- | ---: | ---: | --- | --- | --- |")
    for split in ("dev", "test", "test2", "test3"):
        r = evaluation.evaluate(atlas, passages, split)
        for kind in ("municipality", "entity"):
            s, b = r["system"][kind], r["baseline"][kind]
            print(f"| {split} | {r['passages']} | {r['gold_mentions']} | {kind} | {s['precision']:.3f} / {s['recall']:.3f} / "
                  f"{s['f1']:.3f} | {b['precision']:.3f} / {b['recall']:.3f} / {b['f1']:.3f} |")
        f = r["facts"]
        print(f"| {split} | | | proposed facts | {f['precision']:.3f} / {f['recall']:.3f} / {f['f1']:.3f} | — |")


def corpus_quality(atlas: Atlas, part: str = "heldout") -> dict:
    """The shared corpus's held-out part (benchmarks/ingest/corpus.yaml): mentions and facts, with the errors."""
    import yaml

    annotations = yaml.safe_load((HERE / "ingest" / "corpus.yaml").read_text("utf-8"))
    r = evaluation.evaluate_corpus(atlas, annotations, part)
    print(f"\n{part}: {r['documents']} documents, {r['gold_mentions']} gold mentions, {r['gold_facts']} gold facts")
    print("| kind | ingester P / R / F1 (tp, fp, fn) | exact-match baseline P / R / F1 |")
    print("| --- | --- | --- |")
    for kind in ("municipality", "entity"):
        s, b = r["system"][kind], r["baseline"][kind]
        print(f"| {kind} | {s['precision']:.3f} / {s['recall']:.3f} / {s['f1']:.3f} ({s['tp']}, {s['fp']}, {s['fn']}) | "
              f"{b['precision']:.3f} / {b['recall']:.3f} / {b['f1']:.3f} |")
    f = r["facts"]
    print(f"| proposed facts | {f['precision']:.3f} / {f['recall']:.3f} / {f['f1']:.3f} ({f['tp']}, {f['fp']}, {f['fn']}) | — |")
    for e in r["errors"]:
        print(f"  {e['type']:14} {e['passage']} {e['id']} {e.get('surface', '')!r}")
    return r


COLD = """
import sys, time
from policy_atlas import store
from policy_atlas.ingest import Ingester
from policy_atlas.queries import Atlas
from policy_atlas.sourcetext import shared_dir
atlas = Atlas.open(store.connect(sys.argv[1]))
data = (shared_dir() / "sources/belgian-approach-to-radicalisation-2019.nl.txt").read_bytes()
t = time.perf_counter()
Ingester(atlas).read("report.txt", data)
print(time.perf_counter() - t)
"""


def cold_read(url: str, fresh_cache: bool = False) -> float:
    """Median of three fresh processes; with `fresh_cache`, each gets an empty cache directory."""
    runs = []
    for _ in range(3):
        env = {**os.environ, **({"XDG_CACHE_HOME": tempfile.mkdtemp()} if fresh_cache else {})}
        out = subprocess.run([sys.executable, "-c", COLD, url], capture_output=True, text=True, check=True, env=env)
        runs.append(float(out.stdout))
    return statistics.median(runs)


def speed(atlas: Atlas, url: str) -> None:
    report = (shared_dir() / evaluation.REPORT).read_bytes()
    first = cold_read(url, fresh_cache=True)
    print(f"\nwhole report ({len(report) / 1024:.0f} kB) in a fresh process (recognizer build, language model "
          f"load and read): {cold_read(url):.2f} s; on a machine's first run, before the model cache exists: "
          f"{first:.2f} s")
    ingester = Ingester(atlas)
    print("\n| text | size kB | baseline s (word split) | ingest s | × baseline | s per 100 kB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for times in (1, 2, 4, 8):
        data = b"\n\n".join([report] * times)
        text = data.decode("utf-8")
        base = timed(lambda: WORD.findall(text))
        run = timed(lambda: ingester.read("report.txt", data), repeat=3 if times < 8 else 1)
        print(f"| report × {times} | {len(data) / 1024:.0f} | {base:.3f} | {run:.2f} | {run / base:.0f} | "
              f"{run / (len(data) / 102400):.3f} |")


def main() -> None:
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    store.build(dataset.load(), store.connect(url))
    atlas = Atlas.open(store.connect(url))
    quality(atlas)
    corpus_quality(atlas)
    speed(atlas, url)


if __name__ == "__main__":
    main()
