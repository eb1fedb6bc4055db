"""The Python API and the CLI give the same result, the JSON keeps its schema, and the
whole pipeline holds on real public data."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import jsonschema
import polars as pl
import pytest
from click.testing import CliRunner
from datasets import MRR_PLAYBOOK, SHARED_MRR_PLAYBOOK

import reconcile
from reconcile.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs/report.schema.json").read_text())
ZOHO = ROOT / "sample_exports/zoho"
STRIPE = ROOT / "sample_exports/stripe"
PLAYBOOK = MRR_PLAYBOOK
AS_OF = date(2026, 11, 15)


def cli_json(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["report", *args, "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("folder", [ZOHO, STRIPE], ids=["zoho", "stripe"])
def test_cli_json_equals_the_api_result(tmp_path, folder):
    subscriptions, customers = folder / "subscriptions.csv", folder / "customers.csv"
    from_cli = cli_json(
        tmp_path, str(subscriptions), "--customers", str(customers), "--as-of", AS_OF.isoformat()
    )
    from_api = reconcile.reconcile(subscriptions, customers, as_of=AS_OF).to_dict()
    assert from_cli == json.loads(json.dumps(from_api))


@pytest.mark.parametrize("folder", [ZOHO, STRIPE], ids=["zoho", "stripe"])
def test_the_json_follows_its_schema(folder):
    document = reconcile.reconcile(folder, as_of=AS_OF).to_dict()
    jsonschema.validate(document, SCHEMA)
    assert document["schema_version"] == 2


def test_a_folder_is_the_same_as_naming_both_files():
    by_folder = reconcile.reconcile(ZOHO, as_of=AS_OF).to_dict()
    by_files = reconcile.reconcile(
        ZOHO / "subscriptions.csv", ZOHO / "customers.csv", as_of=AS_OF
    ).to_dict()
    assert by_folder == by_files


def test_polars_frames_are_read_like_files():
    frame = pl.read_csv(PLAYBOOK, infer_schema=False)
    from_frame = reconcile.reconcile(frame, as_of=date(2020, 1, 31)).to_dict()
    from_file = reconcile.reconcile(PLAYBOOK, as_of=date(2020, 1, 31)).to_dict()
    for key in ("totals", "timeline", "by_product", "subscriptions_per_customer"):
        assert from_frame[key] == from_file[key]


def playbook_rows() -> list[dict[str, str]]:
    with PLAYBOOK.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_mrr_playbook_reads_with_no_options_and_every_month_end_is_right():
    """An oracle written straight from DOMAIN.md with the csv module: a customer is
    active on a day when one of their periods has start <= day < end."""
    result = reconcile.reconcile(PLAYBOOK, as_of=date(2020, 1, 31))
    assert result.inputs.subscriptions.rows_read == 121
    assert result.inputs.subscriptions.rows_accepted == 121
    assert result.totals.customers_known == 55
    rows = playbook_rows()
    for month in result.timeline:
        day = month.date.isoformat()
        active = [r for r in rows if r["start_date"] <= day < (r["end_date"] or "9999")]
        assert month.subscriptions_active == len(active), month.period
        assert month.customers_active == len({r["customer_id"] for r in active}), month.period
    assert result.timeline[0].period == min(r["start_date"] for r in rows)[:7]
    assert result.timeline[-1].date == date(2020, 1, 31)
    # Every customer is first counted exactly once.
    assert sum(m.customers_new for m in result.timeline) == len({r["customer_id"] for r in rows})


def test_fail_on_error_exits_1_and_still_writes_the_report(tmp_path):
    out = tmp_path / "r.json"
    args = ["report", str(ZOHO), "--as-of", "2026-11-15", "-o", str(out), "--quiet"]
    assert CliRunner().invoke(main, args).exit_code == 0
    out.unlink()
    result = CliRunner().invoke(main, [*args, "--fail-on", "error"])
    assert result.exit_code == 1  # the sample has an ID damaged by a spreadsheet
    assert json.loads(out.read_text())["totals"]["customers_active"] == 84


def test_an_unusable_file_ends_with_exit_2_and_a_message_not_a_traceback(tmp_path):
    empty = tmp_path / "subscriptions.csv"
    empty.write_bytes(b"")
    result = CliRunner().invoke(main, ["report", str(empty), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {empty}")
    assert "Traceback" not in result.output
    assert not (tmp_path / "r.html").exists()


def test_debug_shows_the_traceback(tmp_path):
    empty = tmp_path / "subscriptions.csv"
    empty.write_bytes(b"")
    result = CliRunner().invoke(main, ["report", str(empty), "-o", "r.html", "--debug"])
    # The traceback, and the exit code the error has without --debug.
    assert result.exit_code == 2
    assert "Traceback" in result.output
    assert "reconcile.problems.UnusableFileError" in result.output


def test_validate_json_agrees_with_the_text_and_adds_up(tmp_path):
    runner = CliRunner()
    as_json = json.loads(runner.invoke(main, ["validate", str(ZOHO), "--json"]).output)
    text = runner.invoke(main, ["validate", str(ZOHO)]).output
    for summary in as_json["files"]:
        assert summary["rows_read"] == (
            summary["rows_accepted"] + summary["rows_rejected"] + summary["duplicate_rows_removed"]
        )
        assert f"rows read              {summary['rows_read']:>12,}" in text
        assert f"accepted               {summary['rows_accepted']:>12,}" in text
        assert f"rejected               {summary['rows_rejected']:>12,}" in text
    errors_csv = tmp_path / "errors.csv"
    runner.invoke(main, ["validate", str(ZOHO), "--errors-csv", str(errors_csv)])
    errors = pl.read_csv(errors_csv, infer_schema=False)
    assert errors.height == sum(s["errors_total"] + s["warnings_total"] for s in as_json["files"])
    assert set(errors["row"]) == {"rejected", "kept"}


@pytest.mark.skipif(not SHARED_MRR_PLAYBOOK.exists(), reason="no shared/ beside the repository")
def test_the_copy_of_the_playbook_data_is_the_shared_file():
    assert MRR_PLAYBOOK.read_bytes() == SHARED_MRR_PLAYBOOK.read_bytes()


def test_blank_lines_are_not_rows_but_the_reports_say_how_many(tmp_path):
    # Lines 3 and 5 hold no value at all: 2 rows read, 2 blank lines skipped, and every
    # output says so, so that rows read can be reconciled with the file's line count.
    export = tmp_path / "subscriptions.csv"
    export.write_text(
        "subscription_id,customer_id,start_date\nS1,C1,2024-01-01\n,,\nS2,C2,2024-02-01\n\n",
        encoding="utf-8",
    )
    result = reconcile.reconcile(export, as_of=date(2025, 1, 1))
    assert result.inputs.subscriptions.rows_read == 2
    assert result.inputs.subscriptions.blank_lines_skipped == 2
    jsonschema.validate(result.to_dict(), SCHEMA)
    text = CliRunner().invoke(main, ["validate", str(export)]).output
    assert "blank lines skipped               2" in text
    for lang, words in (("en", "2 lines of"), ("de", "2 Zeilen in")):
        out = tmp_path / f"r.{lang}.md"
        args = ["report", str(export), "--as-of", "2025-01-01", "--lang", lang, "-o", str(out)]
        assert CliRunner().invoke(main, args).exit_code == 0
        assert words in out.read_text(encoding="utf-8")
