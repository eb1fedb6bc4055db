"""Run reconcile against the three floors on the same generated files, side by side.

    python bench/run.py [--sizes 100k,1M,10M] [--repeat 3] [--work DIR] [--no-record] [--stages]
                        [--reconcile PATH]

For each size: generate the data once (cached in --work, outside the repository), then run
each command --repeat times, round-robin, as its own subprocess. Wall time is measured
around the subprocess, peak memory is the child's own ru_maxrss (os.wait4), and the
median of the runs is reported. Every command's figures are checked against what the
generator knows to be true (manifest.json). A failing command is reported with its
stderr; the others still run. The table is appended to bench/RESULTS.md. With --stages,
`reconcile report` runs --repeat more times with stderr on a pseudo-terminal, so that it
prints its progress, and the median time of each stage is reported too.

This runner imports neither polars nor numpy, and generates data in a subprocess: Linux
keeps a process's peak RSS across fork and exec, so a child's ru_maxrss is at least the
runner's own size when it forked. Kept lean (~20 MiB), the runner does not inflate them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import pty
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPOSITORY = BENCH.parent
RESULTS = BENCH / "RESULTS.md"
DEFAULT_WORK = Path(tempfile.gettempdir()) / "reconcile-bench"
ALL_FORMATS = ("html", "md", "json")  # what reconcile report writes by default
FLOORS = {
    "polars floor": "floor_polars.py",
    "duckdb floor": "floor_duckdb.py",
    "pandas floor": "floor_pandas.py",
}
RECONCILE = "reconcile report"
SAMPLES = REPOSITORY / "sample_exports" / "zoho"
SAMPLES_AS_OF = "2026-11-15"
STARTUP_TARGET_S = 0.3
SAMPLES_TARGET_S = 1.5
RATIO_TARGET = 2.5
TARGETS_FROM_ROWS = 1_000_000
# A progress line of `reconcile report` (cli.Console): "  stage name   1.23 s  details".
PROGRESS_LINE = re.compile(r"^\s+(\S.*?)\s+(\d+\.\d+) s(?:\s|$)", re.M)
FLOOR_TOTAL = re.compile(
    r"^TOTAL subscriptions_active=(\d+) customers_active=(\d+) customers_in_file=(\d+)", re.M
)


@dataclass(frozen=True)
class Dataset:
    """A generated pair and what the generator knows to be true of it (manifest.json)."""

    subscriptions: Path
    customers: Path
    as_of: str
    subscription_rows: int
    customer_rows: int
    rows_rejected: int
    duplicate_rows_removed: int
    subscriptions_active: int
    customers_active: int

    @classmethod
    def from_folder(cls, folder: Path) -> Dataset:
        manifest = json.loads((folder / "manifest.json").read_text())
        return cls(
            subscriptions=folder / manifest["subscriptions"],
            customers=folder / manifest["customers"],
            as_of=manifest["as_of"],
            subscription_rows=manifest["subscription_rows"],
            customer_rows=manifest["customer_rows"],
            rows_rejected=manifest["rows_rejected"],
            duplicate_rows_removed=manifest["faults"]["exact_duplicate_rows"],
            subscriptions_active=manifest["subscriptions_active"],
            customers_active=manifest["customers_active"],
        )


@dataclass(frozen=True)
class Run:
    """One execution of a command as a child process."""

    seconds: float
    peak_kib: int  # ru_maxrss of exactly that child, KiB on Linux
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Timing:
    """All runs of one command; medians are what gets reported."""

    name: str
    runs: tuple[Run, ...]

    @property
    def ok(self) -> bool:
        return all(run.returncode == 0 for run in self.runs)

    @property
    def seconds(self) -> float:
        return statistics.median(run.seconds for run in self.runs)

    @property
    def peak_mib(self) -> float:
        return statistics.median(run.peak_kib for run in self.runs) / 1024


def run_once(command: list[str], timeout_s: float) -> Run:
    """Run `command`, timing it and reading its own peak RSS from the kernel."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        # Output goes to files, not pipes: a child filling a pipe nobody reads would hang.
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=REPOSITORY)
        killer = threading.Timer(timeout_s, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            seconds=seconds,
            peak_kib=usage.ru_maxrss,
            returncode=process.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )


def measure(commands: dict[str, list[str]], repeat: int, timeout_s: float) -> list[Timing]:
    """Each command `repeat` times, round-robin, so drifting machine load hits all alike."""
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            runs[name].append(run_once(command, timeout_s))
    return [Timing(name, tuple(runs[name])) for name in commands]


def stage_lines(command: list[str], repeat: int, timeout_s: float) -> list[str]:
    """Markdown rows: the median seconds of each stage `reconcile report` reports, and what
    its wall time holds beyond them (Python start-up, imports, exit)."""
    # Progress shows only when stderr is a terminal, and --quiet silences it.
    command = [part for part in command if part != "--quiet"]
    walls: list[float] = []
    stages: dict[str, list[float]] = {}
    for _ in range(repeat):
        started = time.perf_counter()
        for stage, seconds in progress_of(command, timeout_s):
            stages.setdefault(stage, []).append(seconds)
        walls.append(time.perf_counter() - started)
    if not stages:
        return ["(no progress lines: did the command fail?)"]
    medians = {stage: statistics.median(times) for stage, times in stages.items()}
    wall = statistics.median(walls)
    in_turn = sum(seconds for stage, seconds in medians.items() if stage not in BESIDE)
    return [
        "| stage of reconcile report | median s |",
        "|---|--:|",
        *(
            f"| {stage}{' (beside the subscriptions)' if stage in BESIDE else ''} | {seconds:.2f} |"
            for stage, seconds in medians.items()
        ),
        f"| start-up, imports, exit | {wall - in_turn:.2f} |",
        f"| wall | {wall:.2f} |",
    ]


# Stages that run in a second thread while the subscriptions are read and validated
# (api.load): their time is not part of the wall time's sum.
BESIDE = frozenset({"read customers", "validated customers"})


def progress_of(command: list[str], timeout_s: float) -> list[tuple[str, float]]:
    """(stage, seconds) of every progress line `command` prints on a pseudo-terminal."""
    terminal, child_end = pty.openpty()
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=child_end, cwd=REPOSITORY
        )
    finally:
        os.close(child_end)
    killer = threading.Timer(timeout_s, process.kill)
    killer.start()
    output = bytearray()
    try:
        while chunk := _read_terminal(terminal):
            output += chunk
        process.wait()
    finally:
        killer.cancel()
        os.close(terminal)
    text = output.decode(errors="replace").replace("\r", "")
    return [(match[1], float(match[2])) for match in PROGRESS_LINE.finditer(text)]


def _read_terminal(terminal: int) -> bytes:
    try:
        return os.read(terminal, 65536)
    except OSError:  # Linux: EIO once the child has closed its end
        return b""


def warm_page_cache(*paths: Path) -> None:
    """Read the files once, so the first command measured does not pay for the disk."""
    buffer = bytearray(2**20)  # one small reused buffer: the runner must stay small
    for path in paths:
        with path.open("rb", buffering=0) as file:
            while file.readinto(buffer):
                pass


def reconcile_executable(chosen: Path | None = None) -> list[str]:
    """The `reconcile` script to measure: `chosen` (--reconcile), else the one installed
    with this Python (as a user runs it), else `python -m reconcile`."""
    if chosen is not None:
        return [str(chosen)]
    script = Path(sysconfig.get_path("scripts")) / "reconcile"
    if script.is_file():
        return [str(script)]
    found = shutil.which("reconcile")
    return [found] if found else [sys.executable, "-m", "reconcile"]


def ensure_data(rows: int, seed: int, work: Path) -> Dataset:
    """The generated pair for `rows`, reused from `work` when the generator is unchanged."""
    folder = work / f"{size_label(rows)}-seed{seed}"
    print(f"data: {rows:,} subscription rows in {folder}", flush=True)
    generate = [sys.executable, str(BENCH / "generate.py"), "--rows", str(rows)]
    subprocess.run(
        [*generate, "--out", str(folder), "--seed", str(seed), "--reuse"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return Dataset.from_folder(folder)


def parse_size(text: str) -> int:
    """'100k' -> 100_000, '1M' -> 1_000_000, '2500' -> 2_500."""
    text = text.strip().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:].lower(), 1)
    number = text[:-1] if factor > 1 else text
    return int(float(number) * factor)


def size_label(rows: int) -> str:
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    return f"{rows // 1000}k" if rows % 1000 == 0 else str(rows)


def size_commands(
    data: Dataset, out: Path, reconcile: list[str], formats: tuple[str, ...] = ALL_FORMATS
) -> dict[str, list[str]]:
    """The floors' commands and reconcile's, writing the report in `formats` (issue 6
    measures all three; issue 3 measures the JSON alone). report.json is always written:
    the figures check reads it."""
    folder = data.subscriptions.parent
    commands = {
        name: [sys.executable, str(BENCH / script), str(folder), "--as-of", str(data.as_of)]
        for name, script in FLOORS.items()
    }
    commands[RECONCILE] = [
        *reconcile,
        "report",
        str(data.subscriptions),
        "--customers",
        str(data.customers),
        "--as-of",
        str(data.as_of),
        *(arg for fmt in formats for arg in ("-o", str(out / f"report.{fmt}"))),
        "--quiet",
    ]
    return commands


def figures_check(timing: Timing, data: Dataset, out: Path) -> str:
    """'ok' when the command found what the generator knows to be true, else what differs."""
    if not timing.ok:
        return "failed"
    if timing.name == RECONCILE:
        # Parsed in a child process: a big report.json would grow this runner, and with it
        # the peak memory every later child inherits (see the module docstring).
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            found = pool.apply(_reconcile_figures, (out / "report.json",))
    else:
        match = FLOOR_TOTAL.search(timing.runs[-1].stdout)
        keys = ("subscriptions_active", "customers_active", "customers_in_file")
        found = dict(zip(keys, map(int, match.groups()), strict=True)) if match else {}
    expected = {
        "subscriptions_active": data.subscriptions_active,
        "customers_active": data.customers_active,
        "rows_read": data.subscription_rows,
        "rows_rejected": data.rows_rejected,
        "duplicate_rows_removed": data.duplicate_rows_removed,
        # Every customer row has its own ID, and every subscription's customer is in it.
        "customers_known": data.customer_rows,
        "customers_in_file": data.customer_rows,
    }
    if not found:
        return "no figures in output"
    wrong = [
        f"{key} {found[key]} != {expected[key]}" for key in found if found[key] != expected[key]
    ]
    return "; ".join(wrong) or "ok"


def _reconcile_figures(report_json: Path) -> dict[str, int]:
    try:
        result = json.loads(report_json.read_text())
        inputs, totals = result["inputs"]["subscriptions"], result["totals"]
        return {
            "subscriptions_active": totals["subscriptions_active"],
            "customers_active": totals["customers_active"],
            "customers_known": totals["customers_known"],
            "rows_read": inputs["rows_read"],
            "rows_rejected": inputs["rows_rejected"],
            "duplicate_rows_removed": inputs["duplicate_rows_removed"],
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def size_table(timings: list[Timing], checks: dict[str, str]) -> list[str]:
    """Markdown rows: wall time, peak memory, and reconcile's ratio to each other command."""
    by_name = {timing.name: timing for timing in timings}
    ours = by_name.get(RECONCILE)
    lines = [
        "| command | wall s | peak MiB | reconcile ÷ it, time | reconcile ÷ it, memory | figures |",
        "|---|--:|--:|--:|--:|---|",
    ]
    for timing in timings:
        comparable = ours is not None and ours.ok and timing.ok and timing is not ours
        time_ratio = f"{ours.seconds / timing.seconds:.2f}x" if comparable else "–"
        memory_ratio = f"{ours.peak_mib / timing.peak_mib:.2f}x" if comparable else "–"
        lines.append(
            f"| {timing.name} | {_seconds(timing)} | {_mib(timing)} | {time_ratio} "
            f"| {memory_ratio} | {checks[timing.name]} |"
        )
    return lines


def targets(timings: list[Timing], rows: int) -> list[str]:
    """The README's targets for one size, each met or missed."""
    if rows < TARGETS_FROM_ROWS:
        # Below that, start-up and imports dominate every command's time.
        return [f"targets: set for {TARGETS_FROM_ROWS:,} rows and more"]
    by_name = {timing.name: timing for timing in timings}
    ours, floor, pandas = by_name[RECONCILE], by_name["polars floor"], by_name["pandas floor"]
    if not (ours.ok and floor.ok and pandas.ok):
        return ["targets: not evaluated (a command failed)"]
    return [
        _verdict(
            f"time ≤ {RATIO_TARGET}x polars floor",
            ours.seconds <= RATIO_TARGET * floor.seconds,
        ),
        _verdict("faster than pandas", ours.seconds < pandas.seconds),
        _verdict(
            f"peak memory ≤ {RATIO_TARGET}x polars floor",
            ours.peak_mib <= RATIO_TARGET * floor.peak_mib,
        ),
    ]


def extra_lines(
    repeat: int, timeout_s: float, out: Path, reconcile: list[str]
) -> tuple[list[str], list[Timing]]:
    """`reconcile --help` start-up time and the report on the bundled Zoho samples."""
    startup = measure({"reconcile --help": [*reconcile, "--help"]}, repeat, timeout_s)
    samples = [
        *reconcile,
        "report",
        str(SAMPLES / "subscriptions.csv"),
        "--customers",
        str(SAMPLES / "customers.csv"),
        "--as-of",
        SAMPLES_AS_OF,
        *("-o", str(out / "x.html"), "-o", str(out / "x.md"), "-o", str(out / "x.json")),
    ]
    sample_report = measure({"reconcile report (samples)": samples}, repeat, timeout_s)
    lines = ["| command | wall s | peak MiB | target |", "|---|--:|--:|---|"]
    for (timing,), limit in ((startup, STARTUP_TARGET_S), (sample_report, SAMPLES_TARGET_S)):
        met = "met" if timing.seconds < limit else "MISSED"
        lines.append(
            f"| {timing.name} | {_seconds(timing)} | {_mib(timing)} "
            f"| < {limit} s: {met if timing.ok else 'failed'} |"
        )
    return lines, [*startup, *sample_report]


def report_failure(timing: Timing) -> None:
    """Print the stderr of a failing command (its last run), so the cause is visible."""
    failed = [run for run in timing.runs if run.returncode != 0]
    if failed:
        run = failed[-1]
        print(f"\n{timing.name} FAILED (exit {run.returncode}); stderr:", file=sys.stderr)
        print(_tail(run.stderr) or "(empty)", file=sys.stderr)


def machine_description(reconcile: list[str] | None = None) -> str:
    """Cores, memory, OS and the versions that shape the figures, and which `reconcile`
    ran, if one did: when pandas is installed beside it, pandera imports it (~0.3 s more
    per run with failing rows)."""
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = ", ".join(
        f"{package} {_version(package)}" for package in ("polars", "duckdb", "pandas", "pandera")
    )
    ran = f", run as `{' '.join(reconcile)}` ({_environment_of(reconcile)})" if reconcile else ""
    return (
        f"{os.cpu_count()} cores, {memory_gib:.1f} GiB RAM, {platform.system()} "
        f"{platform.machine()}; Python {platform.python_version()}, {versions}; "
        f"reconcile at {_git_revision()}{ran}"
    )


def compile_bytecode(reconcile: list[str]) -> None:
    """Compile the bytecode of the reconcile package that `reconcile` imports, as pip does
    when it installs a wheel. An editable checkout run under PYTHONDONTWRITEBYTECODE (as
    this workplace sets it) would otherwise compile every module from source on every
    run: a tenth of a second that no installed copy pays. Python reads a compiled file
    even when it may not write one."""
    compile_package = (
        "import compileall, os, reconcile; "
        "compileall.compile_dir(os.path.dirname(reconcile.__file__), quiet=1)"
    )
    try:
        subprocess.run([_python_of(reconcile), "-c", compile_package], check=True)
    except (OSError, subprocess.CalledProcessError):
        print("could not compile reconcile's bytecode: measured as it is", file=sys.stderr)


def _python_of(reconcile: list[str]) -> str:
    """The Python that runs `reconcile` (a console script, or `python -m reconcile`)."""
    return reconcile[0] if len(reconcile) > 1 else _interpreter_of(Path(reconcile[0]))


def _environment_of(reconcile: list[str]) -> str:
    """Whether the Python that runs `reconcile` can import pandas (and so pandera does)."""
    python = _python_of(reconcile)
    probe = "import importlib.util as u; print(u.find_spec('pandas') is not None)"
    try:
        found = subprocess.run(
            [python, "-c", probe], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "its Python not found"
    return "pandas installed beside it" if found == "True" else "without pandas"


def _interpreter_of(script: Path) -> str:
    """The Python of an installed console script: its `#!` line."""
    try:
        with script.open("rb") as file:
            first = file.readline().decode(errors="replace")
    except OSError:
        return sys.executable
    return first[2:].strip() if first.startswith("#!") else sys.executable


def append_results(title: str, lines: list[str], reconcile: list[str] | None = None) -> None:
    """Append one dated section to bench/RESULTS.md."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = [f"## {stamp}: {title}", "", machine_description(reconcile), "", *lines, ""]
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Benchmark results\n\nAppended by bench/run.py and "
            "bench/read_validate.py; see bench/README.md.\n\n"
        )
    with RESULTS.open("a") as results:
        results.write("\n".join(section) + "\n")


def _verdict(target: str, met: bool) -> str:
    return f"target {target}: {'met' if met else 'MISSED'}"


def _seconds(timing: Timing) -> str:
    return f"{timing.seconds:.2f}" if timing.ok else "failed"


def _mib(timing: Timing) -> str:
    return f"{timing.peak_mib:.0f}" if timing.ok else "–"


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _git_revision() -> str:
    try:
        revision = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "no commit yet"
    return f"{revision} (plus any uncommitted changes)"


def _formats(text: str) -> tuple[str, ...]:
    wanted = {part.strip() for part in text.split(",") if part.strip()}
    if not wanted <= set(ALL_FORMATS):
        raise argparse.ArgumentTypeError(f"formats are {', '.join(ALL_FORMATS)}")
    return tuple(fmt for fmt in ALL_FORMATS if fmt in wanted | {"json"})


def _sizes(text: str) -> list[int]:
    return [parse_size(part) for part in text.split(",") if part.strip()]


def bench_size(rows: int, args: argparse.Namespace, reconcile: list[str]) -> list[str]:
    """Generate (or reuse) one size, run every command on it, return its Markdown lines."""
    data = ensure_data(rows, args.seed, args.work)
    out = args.work / f"out-{size_label(rows)}"
    out.mkdir(parents=True, exist_ok=True)
    warm_page_cache(data.subscriptions, data.customers)
    load_before = os.getloadavg()[0]
    commands = size_commands(data, out, reconcile, args.formats)
    timings = measure(commands, args.repeat, args.timeout)
    checks = {timing.name: figures_check(timing, data, out) for timing in timings}
    size_mib = data.subscriptions.stat().st_size / 2**20
    lines = [
        f"### {data.subscription_rows:,} subscription rows ({size_mib:.0f} MiB), "
        f"{data.customer_rows:,} customer rows, as of {data.as_of}, median of {args.repeat}; "
        f"reconcile writes {', '.join(args.formats)}",
        "",
        f"Load average before / after: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} cores.",
        "",
        *size_table(timings, checks),
        "",
        *(f"- {line}" for line in targets(timings, rows)),
        "",
    ]
    if args.stages:
        lines += [*stage_lines(commands[RECONCILE], args.repeat, args.timeout), ""]
    print("\n".join(lines), flush=True)
    for timing in timings:
        report_failure(timing)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default="100k,1M", help="e.g. 100k,1M,10M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="data and outputs")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per command")
    parser.add_argument("--no-record", action="store_true", help="do not append RESULTS.md")
    parser.add_argument(
        "--stages", action="store_true", help="also time each stage of reconcile report"
    )
    parser.add_argument(
        "--reconcile",
        type=Path,
        help="the reconcile script to measure, e.g. one installed with `pip install .` in a"
        " fresh venv (the floors still run with this Python)",
    )
    parser.add_argument(
        "--formats",
        type=_formats,
        default=ALL_FORMATS,
        help="the report formats reconcile writes, e.g. json (issue 3's benchmark); "
        "default html,md,json (issue 6's)",
    )
    args = parser.parse_args()
    reconcile = reconcile_executable(args.reconcile)
    compile_bytecode(reconcile)
    print(machine_description(reconcile))
    lines: list[str] = []
    for rows in args.sizes:
        lines += bench_size(rows, args, reconcile)
    extra_table, extra_timings = extra_lines(args.repeat, args.timeout, args.work, reconcile)
    extras = ["### Start-up and bundled samples", "", *extra_table, ""]
    print("\n".join(extras), flush=True)
    for timing in extra_timings:
        report_failure(timing)
    if not args.no_record:
        sizes = ", ".join(size_label(rows) for rows in args.sizes)
        append_results(f"reconcile report vs floors ({sizes})", lines + extras, reconcile)
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
