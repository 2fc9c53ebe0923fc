"""The one timer the benchmarks share: the median of repeated runs."""
from __future__ import annotations

import statistics
import time


def timed(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)
