"""Timed batches of requests and their latency statistics, shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from servers import GROUPS, group_cpu


class Pass:
    """One batch of requests: wall time, the server's CPU time (all its processes and threads)
    and, per response, (latency s, status, ...)."""

    def __init__(self, wall: float, cpu: float, responses: list) -> None:
        self.wall, self.responses = wall, responses
        latencies = sorted(r[0] * 1000 for r in responses)
        self.tiles_per_s = len(responses) / wall
        self.cpu_ms = cpu * 1000 / len(responses)
        self.p50 = statistics.median(latencies)
        self.p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]


def run(port: int, urls: list[str], concurrency: int, get: Callable[[int, str], tuple]) -> Pass:
    """GET every url with `concurrency` threads; the Pass with the server's CPU time meanwhile."""
    cpu = group_cpu(GROUPS.get(port))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        responses = list(pool.map(lambda url: get(port, url), urls))
    wall = time.perf_counter() - started
    return Pass(wall, group_cpu(GROUPS.get(port)) - cpu, responses)


def percentile(values: list[float], q: float) -> float:
    """numpy's (linear) percentile, NaN for no values."""
    return float(np.percentile(values, q)) if values else float("nan")


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    """p50, p95 and p99 in milliseconds of latencies in seconds."""
    if len(latencies) < 2:
        return (latencies[0] * 1000,) * 3 if latencies else (0.0, 0.0, 0.0)
    cuts = statistics.quantiles([s * 1000 for s in latencies], n=100)
    return cuts[49], cuts[94], cuts[98]
