"""The CLI's own contract: options, exit codes and messages (the pipeline is tested in
its own modules; here only what the thin layer adds)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from reconcile.cli import main


def test_help_lists_the_commands_and_exit_codes(runner):
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "report" in result.output and "validate" in result.output
    assert "2 usage error or unusable input" in result.output


def test_version(runner):
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("reconcile, version ")


def test_help_does_not_import_the_heavy_libraries():
    # `reconcile --help` must answer at once: polars, pandera and jinja2 are imported
    # only by the commands that need them.
    code = (
        "import sys; from click.testing import CliRunner; from reconcile.cli import main;"
        "CliRunner().invoke(main, ['report', '--help']);"
        "print(sorted(m for m in ('polars', 'pandera', 'jinja2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_output_format_is_a_usage_error(runner, tmp_path):
    subscriptions = tmp_path / "s.csv"
    subscriptions.write_text("subscription_id,customer_id\n1,1\n")
    result = runner.invoke(main, ["report", str(subscriptions), "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2
    assert "unknown format; use a name ending in .html, .md, .json, .csv or .xlsx" in result.output


def test_bad_as_of_is_a_usage_error(runner, tmp_path):
    subscriptions = tmp_path / "s.csv"
    subscriptions.write_text("subscription_id,customer_id\n1,1\n")
    result = runner.invoke(
        main, ["report", str(subscriptions), "--as-of", "2026-13-01", "-o", "x.json"]
    )
    assert result.exit_code == 2
    assert "'2026-13-01' is not a valid date: month must be in 1..12" in result.output
    for text, message in [
        ("11/12/2026", "'11/12/2026' can be read month first or day first; write it as YYYY-MM-DD"),
        ("15-11-2026", "'15-11-2026' is not a date of the form YYYY-MM-DD (or DD.MM.YYYY"),
    ]:
        result = runner.invoke(main, ["report", str(subscriptions), "--as-of", text])
        assert result.exit_code == 2 and message in result.output


@pytest.mark.parametrize("text", ["2026-11-15", "15.11.2026", "11/15/2026", "15/11/2026"])
def test_as_of_takes_the_forms_people_type(text):
    from reconcile.cli import as_of_date

    assert as_of_date(text) == date(2026, 11, 15)


def test_bad_map_is_a_usage_error(runner, tmp_path):
    subscriptions = tmp_path / "s.csv"
    subscriptions.write_text("subscription_id,customer_id\n1,1\n")
    result = runner.invoke(main, ["validate", str(subscriptions), "--map", "customer_id"])
    assert result.exit_code == 2
    assert "'customer_id' is not FIELD=HEADER" in result.output


def test_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(main, ["validate", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
