"""Exports pasted together as people make them (`cat a.csv b.csv`, or one period's
export pasted under another's), read part by part with each part's own header.

The fixtures are in tests/fixtures/pasted/ (README.md there says what each holds and its
right answer); the figures below are worked out by hand from those rows.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reconcile.cli import main

PASTED = Path(__file__).parent / "fixtures" / "pasted"


def validate(path: Path) -> dict:
    result = CliRunner().invoke(main, ["validate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["files"][0]


def report(path: Path, tmp_path: Path, as_of: str = "2025-06-30") -> dict:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["report", str(path), "--as-of", as_of, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def repeated_header_lines(result: dict) -> list[int]:
    [finding] = [f for f in result["findings"] if f["code"] == "repeated_header"]
    return finding["params"]["lines"]


# --- a repeated header with a byte-order mark ------------------------------------------


def test_a_repeated_header_with_a_byte_order_mark_starts_a_part_in_its_own_order(tmp_path):
    # Two Zoho files joined with `cat`: each starts with a BOM, the second lists Customer
    # ID before Subscription ID. 5 subscriptions (7101-7105) of 3 customers (K1, K2, K3).
    path = PASTED / "zoho_bom_reordered.csv"
    summary = validate(path)
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (5, 5, 0)
    result = report(path, tmp_path)
    totals = result["totals"]
    assert (totals["subscriptions_active"], totals["customers_active"]) == (5, 3)
    assert totals["customers_known"] == 3
    assert repeated_header_lines(result) == [4]
    assert not result["caveats"]
    assert not [f for f in result["findings"] if f["code"] == "rows_rejected"]


def test_a_repeated_header_with_bom_quotes_blanks_and_invisible_characters_is_a_header(
    tmp_path,
):
    # The same column order; the repeated header on line 4 starts with a BOM, quotes two
    # cells, pads them with blanks and holds a zero-width space. Rows 7201 (K1, live),
    # 7202 (K2, cancelled), 7203 and 7204 (K3, live): 3 active subscriptions, 2 active
    # customers of 3 known, nothing rejected, no caution.
    path = PASTED / "zoho_bom_same_order.csv"
    summary = validate(path)
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (4, 4, 0)
    assert (summary["errors"], summary["warnings"]) == ([], [])
    result = report(path, tmp_path)
    totals = result["totals"]
    assert (totals["subscriptions_active"], totals["customers_active"]) == (3, 2)
    assert (totals["customers_known"], totals["subscriptions_ended"]) == (3, 1)
    assert repeated_header_lines(result) == [4]
    assert not result["caveats"]
