"""Issue 2's benchmark: reconcile's read + validate against a plain `polars.read_csv`.

    python bench/read_validate.py [--rows 1000000] [--file PATH] [--repeat 5] [--no-record]

Both run in this one process on the same subscriptions file, alternating, --repeat times
each; the medians and their ratio are printed (target: read + validate <= 2x the plain
read) and appended to bench/RESULTS.md. Without --file, the generated file of --rows rows
is used (made once, cached in the work folder of run.py).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from run import DEFAULT_WORK, append_results, ensure_data, parse_size

from reconcile.reading import read_raw
from reconcile.validation import validate

RATIO_TARGET = 2.0


def seconds_of(call: Callable[[], object]) -> float:
    """Wall time of one call; its result is dropped and collected outside the timing."""
    gc.collect()
    started = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - started
    del result
    return elapsed


def compare(path: Path, repeat: int) -> tuple[float, float]:
    """Median seconds of the plain read and of reconcile's read + validate."""
    plain: list[float] = []
    ours: list[float] = []
    for _ in range(repeat):
        plain.append(seconds_of(lambda: pl.read_csv(path)))
        ours.append(seconds_of(lambda: validate(read_raw(path, "subscriptions"))))
    return statistics.median(plain), statistics.median(ours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=parse_size, default="1M")
    parser.add_argument("--file", type=Path, help="a subscriptions export to use instead")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--no-record", action="store_true", help="do not append RESULTS.md")
    args = parser.parse_args()
    path = args.file or ensure_data(args.rows, 0, args.work).subscriptions
    load_before = os.getloadavg()[0]
    plain, ours = compare(path, args.repeat)
    load_after = os.getloadavg()[0]
    ratio = ours / plain
    verdict = "met" if ratio <= RATIO_TARGET else "MISSED"
    size_mib = path.stat().st_size / 2**20
    lines = [
        f"### {path.name} ({size_mib:.0f} MiB), median of {args.repeat}",
        "",
        f"Load average before / after: {load_before:.2f} / {load_after:.2f} on {os.cpu_count()} "
        "cores (a shared machine: the ratio, measured in one run, is the figure to compare).",
        "",
        "| step | wall s |",
        "|---|--:|",
        f"| polars.read_csv(path) | {plain:.2f} |",
        f'| validate(read_raw(path, "subscriptions")) | {ours:.2f} |',
        "",
        f"- ratio {ratio:.2f}x; target ≤ {RATIO_TARGET:.0f}x: {verdict}",
        "",
    ]
    print("\n".join(lines))
    if not args.no_record:
        append_results("read + validate vs polars.read_csv", lines)


if __name__ == "__main__":
    main()
