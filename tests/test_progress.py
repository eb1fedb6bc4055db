"""Progress of long runs (issue 6): each stage on stderr as it finishes, only for a person
at a terminal, never with --quiet, and never in the report files."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconcile import cli

SAMPLES = Path(__file__).resolve().parent.parent / "sample_exports" / "zoho"
# The stages of a report run, in the order they finish, with the counts each one gives
# (the sample's figures: 205 subscription rows, 102 customer rows, 84 active customers).
STAGES = [
    ("read subscriptions", "rows 205"),
    ("validated subscriptions", "accepted 197, rejected 7, duplicates 1"),
    ("read customers", "rows 102"),
    ("validated customers", "accepted 101, rejected 0, duplicates 1"),
    ("reconciled", "customers active 84, subscriptions active 153"),
    ("rendered", "files 3"),
]


def report(folder: Path, *options: str):
    outputs = [folder / name for name in ("report.html", "report.md", "report.json")]
    arguments = ["report", str(SAMPLES), "--as-of", "2026-11-15", *options]
    for path in outputs:
        arguments += ["-o", str(path)]
    result = CliRunner().invoke(cli.main, arguments)
    assert result.exit_code == 0, result.output
    return result, {path.name: path.read_bytes() for path in outputs}


@pytest.fixture
def terminal(monkeypatch):
    """stderr as if a person watched it."""
    monkeypatch.setattr(cli, "stderr_is_terminal", lambda: True)


def test_a_terminal_sees_every_stage_with_its_time_and_counts(terminal, tmp_path):
    result, _ = report(tmp_path)
    # The progress lines (indented); the run's last lines name its files.
    lines = [line for line in result.stderr.splitlines() if line.startswith("  ")]
    assert len(lines) == len(STAGES)
    for line, (stage, counts) in zip(lines, STAGES, strict=True):
        assert re.fullmatch(rf"\s+{stage}\s+\d+\.\d\d s\s+{counts}", line), line
    assert result.stdout == ""


def test_quiet_silences_progress_on_a_terminal(terminal, tmp_path):
    result, _ = report(tmp_path, "--quiet")
    assert result.stderr == ""
    assert result.stdout == ""


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path):
    result, written = report(tmp_path)
    # No progress; advice for whoever runs it (the sample has an ID a spreadsheet damaged)
    # and, last, one line per file written with its size.
    lines = result.stderr.splitlines()
    assert not any(line.startswith("  ") for line in lines)
    assert lines[0].startswith("Advice: subscriptions.csv: Export the file again")
    assert [line.split(" (")[0] for line in lines[1:]] == [
        f"Wrote {tmp_path / name}" for name in written
    ]
    assert all(line.endswith(" KB)") for line in lines[1:])


def test_progress_never_reaches_the_report_files(terminal, tmp_path):
    shown, with_progress = report(tmp_path / "shown")
    _, quiet = report(tmp_path / "quiet", "--quiet")
    assert shown.stderr  # the progress really was printed in the first run
    assert with_progress == quiet
    for content in with_progress.values():
        text = content.decode("utf-8")
        assert not any(line.strip() in text for line in shown.stderr.splitlines())


def bench_runner():
    """bench/run.py, which reads the progress to time each stage (`--stages`)."""
    path = SAMPLES.parent.parent / "bench" / "run.py"
    spec = importlib.util.spec_from_file_location("bench_run", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_reads_the_stages_from_a_terminal():
    # A stand-in for `reconcile report` that prints progress only on a terminal, as the
    # Console does: the runner must give it one, and parse the lines.
    script = (
        "import sys\n"
        "if sys.stderr.isatty():\n"
        "    sys.stderr.write('  read subscriptions     0.25 s  rows 1,000\\n')\n"
        "    sys.stderr.write('  reconciled             1.50 s  customers active 7\\n')\n"
    )
    runner = bench_runner()
    stages = runner.progress_of([sys.executable, "-c", script], timeout_s=60)
    assert stages == [("read subscriptions", 0.25), ("reconciled", 1.5)]
