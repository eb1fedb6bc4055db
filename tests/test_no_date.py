"""Values that mean "no date" (issue 9, real exports as people have them): a dash, `n/a`
or a zero date in a date cell is an empty cell, in every export, not an invalid date. An
empty end is no end (DOMAIN.md). Other text in a date cell stays an invalid date, and no
advice suggests --date-format for text that no date format can read.

Every expected number is worked out by hand from the fixture rows (tests/fixtures/README.md,
"no_date/"), never by running the code.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import reconcile
from reconcile.cli import main
from reconcile.problems import UnusableFileError

FIXTURES = Path(__file__).parent / "fixtures" / "no_date"
AS_OF = date(2026, 11, 15)
STATES = (
    "subscriptions_active",
    "subscriptions_not_yet_paying",
    "subscriptions_paused",
    "subscriptions_ended",
)


def run(subscriptions: Path) -> dict:
    return reconcile.reconcile(subscriptions=subscriptions, as_of=AS_OF).to_dict()


def test_dashes_and_n_a_in_a_zoho_export_are_empty_dates():
    d = run(FIXTURES / "zoho_dashes.csv")
    s = d["inputs"]["subscriptions"]
    assert (s["source"], s["rows_read"], s["rows_accepted"], s["rows_rejected"]) == (
        "zoho",
        6,
        5,
        1,
    )
    # Active: 4001 and 4002 (ends `-`, `N/A`, `n/a`: no end), 4006 (`0000-00-00`, `null`).
    # Ended: 4003 (cancelled 2026-10-01), 4004 (cancelled, every date `-`: no end date).
    assert tuple(d["totals"][k] for k in STATES) == (3, 0, 0, 2)
    assert d["totals"]["customers_active"] == 2  # C41 (4001, 4006) and C42
    assert d["totals"]["ended_without_end_date"] == 1
    # 49.00 + 49.00 + 79.00, monthly.
    assert [(r["currency"], r["mrr"], r["subscriptions"]) for r in d["revenue"]] == [
        ("EUR", 177.00, 3)
    ]
    # Other text in a date cell is still an invalid date, and says it is text, with no
    # --date-format advice (no format reads words).
    assert [(r["line"], r["code"], r["column"], r["message"]) for r in d["rejections"]] == [
        (
            6,
            "invalid_date",
            "Cancelled On",
            "'siehe Vertrag' is not a date: column 'Cancelled On' holds text where a date belongs",
        )
    ]


def test_woocommerce_zero_dates_are_no_dates():
    d = run(FIXTURES / "woocommerce_zero_dates.csv")
    s = d["inputs"]["subscriptions"]
    assert (s["source"], s["rows_read"], s["rows_accepted"], s["rows_rejected"]) == (
        "woocommerce",
        5,
        5,
        0,
    )
    # Active: 501 (no end), 502 (pending-cancel, end_date 2026-12-10), 505 (no end).
    # Ended: 503 (end_date zero: its cancelled_date 2026-05-20), 504 (2025-02-01).
    assert tuple(d["totals"][k] for k in STATES) == (3, 0, 0, 2)
    assert d["totals"]["customers_active"] == 2  # 51 and 54
    assert d["totals"]["ended_without_end_date"] == 0
    # 19.90 + 9.90 + 120.00 / 12.
    assert [(r["currency"], r["mrr"], r["customers"]) for r in d["revenue"]] == [("EUR", 39.80, 2)]


# The list, written out here rather than taken from the code under test.
NO_DATES = [
    "-",
    "--",
    "—",
    "n/a",
    "N/A",
    "none",
    "None",
    "null",
    "NULL",
    "0000-00-00",
    "0000-00-00 00:00:00",
    "00.00.0000",
]


@pytest.mark.parametrize("value", NO_DATES)
def test_each_no_date_value_is_an_empty_end_in_any_export(tmp_path, value):
    path = tmp_path / "subscriptions.csv"
    path.write_text(
        "subscription_id,customer_id,status,start_date,end_date\n"
        f"S1,C1,active,2025-01-01,{value}\n"
        "S2,C2,cancelled,2025-01-01,2026-01-01\n"
        f"S3,C3,cancelled,2025-01-01,{value}\n",
        encoding="utf-8",
    )
    d = run(path)
    assert d["inputs"]["subscriptions"]["rows_rejected"] == 0
    # S1 has no end: active. S3 ended with no end date: cannot be placed in time.
    assert tuple(d["totals"][k] for k in STATES) == (1, 0, 0, 2)
    assert d["totals"]["ended_without_end_date"] == 1


def test_a_no_date_value_as_the_only_start_is_a_missing_start(tmp_path):
    path = tmp_path / "subscriptions.csv"
    path.write_text(
        "subscription_id,customer_id,status,start_date\nS1,C1,active,-\nS2,C2,active,2025-01-01\n",
        encoding="utf-8",
    )
    subscriptions, _ = reconcile.load(path)
    codes = subscriptions.rejections.select("line", "code").rows()
    assert codes == [(2, "missing_start")]


def test_the_cli_gives_no_date_format_advice_for_text_in_a_date_column(tmp_path):
    report = tmp_path / "report.md"
    result = CliRunner().invoke(
        main,
        ["report", str(FIXTURES / "zoho_dashes.csv"), "--as-of", "2026-11-15", "-o", str(report)],
    )
    assert result.exit_code == 0, result.output
    assert "--date-format" not in result.output


def test_dates_written_another_way_still_get_date_format_advice(tmp_path):
    # The failing values hold digits: a format could read them, so the advice stays.
    path = tmp_path / "subscriptions.csv"
    path.write_text(
        "subscription_id,customer_id,status,start_date\n"
        "S1,C1,active,2026-01-01\n"
        "S2,C2,active,2026-02-01\n"
        "S3,C3,active,25.12.2025\n"
        "S4,C4,active,12/25/2025\n",
        encoding="utf-8",
    )
    subscriptions, _ = reconcile.load(path)
    messages = subscriptions.rejections.get_column("message").to_list()
    assert len(messages) == 2
    assert all(m.endswith("give the format with --date-format") for m in messages)


def test_a_file_whose_dates_are_all_words_is_not_told_to_use_date_format(tmp_path):
    path = tmp_path / "subscriptions.csv"
    path.write_text(
        "subscription_id,customer_id,status,start_date\n"
        "S1,C1,active,unbekannt\n"
        "S2,C2,active,siehe Vertrag\n"
        "S3,C3,active,unbekannt\n",
        encoding="utf-8",
    )
    with pytest.raises(UnusableFileError) as error:
        reconcile.load(path)
    assert str(error.value) == (
        f"{path}: every one of its 3 rows was rejected, so no report can be made; the most "
        "common reason: a date is invalid, column 'start_date', e.g. 'unbekannt' on line 2\n"
        "Column 'start_date' holds text, not dates: if another column holds the dates, map it "
        "with --map FIELD='HEADER'; a cell without a date may be left empty."
    )
