"""Every unusable file ends the CLI with exit code 2 and a message that names the file and
what to do: never a traceback, never a partial report. (The messages themselves are
pinned in test_unusable_files.py; here the contract of the command line.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reconcile.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
ZOHO_SAMPLE = Path(__file__).parent.parent / "sample_exports/zoho"

CASES = {
    "empty": (b"", "is empty", "Export the data again"),
    "blanks only": (b" \r\n\n\t\n", "is empty (only blanks)", ""),
    "binary": (b"\x00\x01\x02binary\x00stuff", "is not a CSV file (it holds binary data)", ""),
    "damaged xlsx": (b"PK\x03\x04\x14\x00rest", "is a damaged Excel workbook", "again"),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "is an old Excel workbook (.xls)", "as .xlsx"),
    "html page": (
        b"<!DOCTYPE html>\n<html><head><title>Session expired</title></head></html>\n",
        "is an HTML or XML page, not a CSV file",
        "Download the export again",
    ),
    "json": (b'[{"id": 1}]', "looks like JSON, not a CSV file", ""),
    "column missing": (
        b"Subscription ID,Kunden Nr,Activated On\nS1,K1,2024-01-01\n",
        "no customer_id column",
        "Map it with --map customer_id='Kunden Nr'",
    ),
    "unclosed quote": (
        b'subscription_id,customer_id,start_date\n"S1,C1,2024-01-01\n',
        "is not a well-formed CSV file: a quoted field is never closed (line 2)",
        "export the file again",
    ),
}


def run_report(*args: str, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["report", *args, "-o", str(out)])
    return result.exit_code, result.output


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_unusable_subscriptions_file(tmp_path, case):
    content, problem, advice = CASES[case]
    path = tmp_path / "subscriptions.csv"
    path.write_bytes(content)
    out = tmp_path / "report.html"
    code, output = run_report(str(path), out=out)
    assert code == 2
    assert output.startswith(f"Error: {path}: {problem}")
    assert advice in output
    assert "Traceback" not in output
    assert not out.exists()


def test_unusable_customers_file(tmp_path):
    customers = tmp_path / "customers.csv"
    customers.write_bytes(b"")
    subscriptions = ZOHO_SAMPLE / "subscriptions.csv"
    code, output = run_report(
        str(subscriptions), "--customers", str(customers), out=tmp_path / "r.md"
    )
    assert code == 2
    assert output.startswith(f"Error: {customers}: is empty")


def test_swapped_files(tmp_path):
    code, output = run_report(
        str(ZOHO_SAMPLE / "customers.csv"),
        "--customers",
        str(ZOHO_SAMPLE / "subscriptions.csv"),
        out=tmp_path / "r.json",
    )
    assert code == 2
    assert "is a customers export, given as the subscriptions export" in output
    assert "Swap the two files" in output


def test_ambiguous_dates_ask_for_date_format(tmp_path):
    path = tmp_path / "subscriptions.csv"
    path.write_text("subscription_id,customer_id,start_date\nS1,C1,01/02/2024\nS2,C2,03/04/2024\n")
    code, output = run_report(str(path), out=tmp_path / "r.json")
    assert code == 2
    assert "--date-format" in output
    settled = CliRunner().invoke(
        main,
        [
            "report",
            str(path),
            "--date-format",
            "dd/MM/yyyy",
            "--as-of",
            "2026-01-01",
            "-o",
            str(tmp_path / "r.json"),
        ],
    )
    assert settled.exit_code == 0, settled.output


@pytest.mark.parametrize(
    "content",
    ["subscription_id,customer_id,start_date\n", "subscription_id,customer_id,start_date\n,,\n \n"],
    ids=["header only", "header and blank records"],
)
def test_an_export_without_a_row_is_unusable(tmp_path, content):
    # DOMAIN.md: an empty file stops the run. A report on it would say "0 active
    # customers" as if it knew; the export was most likely made from an empty view.
    path = tmp_path / "subscriptions.csv"
    path.write_text(content)
    out = tmp_path / "r.json"
    code, output = run_report(str(path), "--as-of", "2026-01-01", out=out)
    assert code == 2
    assert output == (
        f"Error: {path}: holds a header but no row below it, so no report can be made\n"
        "Export it again from a view or filter that holds the subscriptions to count.\n"
    )
    assert not out.exists()


def test_a_customers_export_without_a_row_is_unusable(tmp_path):
    subscriptions = tmp_path / "subscriptions.csv"
    subscriptions.write_text("subscription_id,customer_id,start_date\nS1,C1,2025-01-01\n")
    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id,name,email\n")
    args = [str(subscriptions), "--customers", str(customers), "--as-of", "2026-01-01"]
    code, output = run_report(*args, out=tmp_path / "r.json")
    assert code == 2
    assert output.startswith(f"Error: {customers}: holds a header but no row below it")
    assert "or leave the customers export out." in output
