"""Real exports as people have them (issue 9): each format of tests/fixtures/README.md
reads with no option but the as-of date and gives the figures DOMAIN.md defines.

Every expected number was worked out by hand from the fixture rows (the README beside
them shows the reasoning row by row), never by running the code.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import reconcile

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = date(2026, 11, 15)
STATES = (
    "subscriptions_active",
    "subscriptions_not_yet_paying",
    "subscriptions_paused",
    "subscriptions_ended",
)


def run(subscriptions: Path, customers: Path | None = None) -> dict:
    result = reconcile.reconcile(subscriptions=subscriptions, customers=customers, as_of=AS_OF)
    return result.to_dict()


def states(d: dict) -> tuple[int, ...]:
    return tuple(d["totals"][key] for key in STATES)


def accounting(d: dict, kind: str = "subscriptions") -> tuple[int, int, int, int]:
    s = d["inputs"][kind]
    return s["rows_read"], s["rows_accepted"], s["rows_rejected"], s["duplicate_rows_removed"]


def test_chargebee_web_export_reads_as_chargebee_with_no_option():
    d = run(FIXTURES / "chargebee_web" / "subscriptions.csv")
    assert d["inputs"]["subscriptions"]["source"] == "chargebee"
    assert accounting(d) == (10, 10, 0, 0)
    # Active: Anna x2, Bernd (cancellation scheduled for 2027-01-31), Clara (NON_RENEWING
    # until 2026-12-31), Jörg. IN_TRIAL and FUTURE are not yet paying; PAUSED is paused
    # (no pause date: counted in ended_without_end_date); Dieter and Eva ended.
    assert states(d) == (5, 2, 1, 2)
    assert d["totals"]["customers_active"] == 4
    assert d["totals"]["ended_without_end_date"] == 1
    # Eva cancelled the day she started: never active, and no contradiction.
    assert d["quality"]["contradictions"] == []
    plans = {(p["plan"], p["subscriptions_active"]) for p in d["by_plan"]}
    assert plans == {("pro-monthly", 3), ("addon-yearly", 1), ("pro-yearly", 1)}


def test_woocommerce_exporter_csv_reads_with_no_option():
    d = run(FIXTURES / "woocommerce" / "subscriptions.csv")
    assert d["inputs"]["subscriptions"]["source"] == "woocommerce"
    # `0` is "no date", never an invalid date: no row is rejected.
    assert accounting(d) == (10, 10, 0, 0)
    # Active: 101 and 102 (customer 7), 103 (pending-cancel, ends 2026-12-01), 110.
    # wc-pending 107 not yet paying; wc-on-hold 104 paused without a pause date;
    # 105, 106, 108 (switched), 109 (end from cancelled_date) ended.
    assert states(d) == (4, 1, 1, 4)
    assert d["totals"]["customers_active"] == 3
    assert d["totals"]["customers_known"] == 8
    assert d["totals"]["ended_without_end_date"] == 1


def test_stripe_export_resaved_by_a_spreadsheet_reads_with_no_option():
    # Excel wrote 12/25/25 20:18 for 2025-12-25 20:18; days above 12 settle the order.
    d = run(FIXTURES / "stripe_resaved" / "subscriptions.csv")
    assert d["inputs"]["subscriptions"]["source"] == "stripe"
    assert accounting(d) == (6, 6, 0, 0)
    # Active: ...H5, ...H6, ...H9 (past_due), ...I0 (cancels at period end 11/30/26).
    assert states(d) == (4, 1, 0, 1)
    assert d["totals"]["customers_active"] == 4
    months = {m["period"]: m["subscriptions_active"] for m in d["timeline"]}
    # H5 from 2025-01-05, H7 from 2025-02-20 (ended 2026-06-30), H6 from 2025-03-17,
    # I0 from 2025-07-04, H9 from 2025-12-25.
    assert months["2025-01"] == 1
    assert months["2025-03"] == 3
    assert months["2025-12"] == 5
    assert months["2026-05"] == 5
    assert months["2026-06"] == 4  # H7 ends on 2026-06-30, the observed day: not active


def test_german_spreadsheet_dates_with_two_digit_years(tmp_path):
    # LibreOffice (de) re-saved a generic export: 25.12.25. Dots are always day first.
    path = tmp_path / "abos.csv"
    path.write_text(
        "subscription_id;customer_id;status;start_date;end_date\n"
        "A1;K1;active;01.03.25;\n"
        "A2;K2;cancelled;15.01.24;30.06.26\n"
        "A3;K2;active;02.02.26 10:15;\n",
        encoding="utf-8",
    )
    d = run(path)
    assert accounting(d) == (3, 3, 0, 0)
    assert states(d) == (2, 0, 0, 1)
    assert d["timeline"][0]["period"] == "2024-01"
