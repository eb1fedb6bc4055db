"""Validation: row errors, duplicates, typing, derived start/end, accounting.

The right answers of the fixtures are in tests/fixtures/README.md, worked out by hand.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import polars as pl
import pytest
from datasets import MRR_PLAYBOOK
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconcile.canonical import (
    CUSTOMER_COLUMNS,
    CUSTOMERS,
    ENDED,
    NOT_YET_PAYING,
    PAUSED,
    PAYING,
    SUBSCRIPTION_COLUMNS,
)
from reconcile.problems import ROW_ERROR_SCHEMA, ReconcileError, UnusableFileError
from reconcile.reading import read_raw
from reconcile.validation import validate, validation_summary

FIXTURES = Path(__file__).parent / "fixtures"

D = datetime.date


def load(path: Path | pl.DataFrame, kind: str | None = None, **options):
    date_format = options.pop("date_format", None)
    return validate(read_raw(path, kind, **options), date_format=date_format)


def write(tmp_path: Path, content: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def errors_of(table) -> list[tuple[int, str, str]]:
    return list(table.rejections.select("line", "column", "code").iter_rows())


def warnings_of(table) -> list[tuple[int, str, str]]:
    return list(table.warnings.select("line", "column", "code").iter_rows())


def by_id(table, key: str = "subscription_id") -> dict[str, dict]:
    return {row[key]: row for row in table.frame.iter_rows(named=True)}


# --------------------------------------------------------------------------- the fixture


def test_one_fault_of_each_kind():
    table = load(FIXTURES / "faults/subscriptions.csv")
    assert errors_of(table) == [
        (4, "Customer ID", "missing_id"),
        (5, "Customer ID", "id_in_scientific_notation"),
        (6, "Start Date (UTC)", "invalid_date"),
        (7, "Status", "unknown_status"),
        (9, "Cancel At Period End", "invalid_boolean"),
        (10, "Start Date (UTC)", "missing_start"),
        (11, "id", "conflicting_duplicate"),
    ]
    # No figure uses amounts: the row with 'forty' is kept, its amount null, and warned of.
    assert warnings_of(table) == [(8, "Amount", "invalid_amount")]
    assert (table.rows_read, table.rows_accepted, table.rows_rejected) == (13, 5, 7)
    assert table.duplicate_lines == (13,)
    assert table.frame.get_column("line").to_list() == [2, 8, 12, 14, 15]
    assert by_id(table)["sub_6"]["amount"] is None


def test_row_errors_carry_values_and_messages():
    table = load(FIXTURES / "faults/subscriptions.csv")
    assert table.rejections.schema == pl.Schema(ROW_ERROR_SCHEMA)
    rows = {row["code"]: row for row in table.rejections.iter_rows(named=True)}
    assert rows["missing_id"]["value"] is None
    assert rows["id_in_scientific_notation"]["value"] == "4.60401E+15"
    assert rows["invalid_date"]["message"] == (
        "'2024-02-30 10:00' is not a date (column format yyyy-MM-dd)"
    )
    assert rows["unknown_status"]["message"].startswith("'frozen' is not a Stripe status")
    assert rows["conflicting_duplicate"]["message"] == (
        "subscription ID 'sub_1' is already on line 2 with other content; the first row is kept"
    )
    assert set(table.rejections.get_column("file")) == {str(FIXTURES / "faults/subscriptions.csv")}


def test_canonical_frame_has_the_contract_columns():
    table = load(FIXTURES / "faults/subscriptions.csv")
    assert table.frame.schema == pl.Schema(SUBSCRIPTION_COLUMNS)
    customers = load(FIXTURES / "zoho/customers.csv")
    assert customers.frame.schema == pl.Schema(CUSTOMER_COLUMNS)


def test_stripe_end_is_ended_at_else_period_end_when_cancelling():
    rows = by_id(load(FIXTURES / "faults/subscriptions.csv"))
    # Canceled At (2024-02-20) is only when cancellation was asked for.
    assert rows["sub_10"]["end"] == D(2024, 3, 5)
    assert rows["sub_10"]["status_class"] == ENDED
    assert rows["sub_11"]["end"] == D(2024, 7, 1)  # Cancel At Period End = true
    assert rows["sub_1"]["end"] is None  # false: the period end is a renewal
    assert rows["sub_1"]["start"] == D(2024, 1, 10)
    assert rows["sub_9"]["status_class"] == NOT_YET_PAYING
    assert rows["sub_1"]["customer_name"] == "Acme\nGmbH"


def test_german_zoho_fixture():
    table = load(FIXTURES / "zoho_de/subscriptions.csv")
    assert (table.rows_read, table.rows_accepted, table.rows_rejected) == (4, 4, 0)
    rows = by_id(table)
    first, cancelled, non_renewing, trial = (rows[f"460400000001234{i}"] for i in (5, 6, 7, 8))
    assert (first["start"], first["end"], first["amount"]) == (D(2023, 1, 15), None, 1234.5)
    assert (first["status"], first["status_class"]) == ("live", PAYING)
    assert (cancelled["end"], cancelled["status_class"]) == (D(2023, 12, 31), ENDED)
    assert (non_renewing["status"], non_renewing["end"]) == ("non_renewing", D(2024, 6, 30))
    assert non_renewing["status_class"] == PAYING
    assert (trial["start"], trial["status_class"]) == (None, NOT_YET_PAYING)
    assert (first["product"], first["plan"]) == ("Wartung", "Wartung Basis")


def test_stripe_customers_timestamps_are_reduced_to_utc_dates():
    table = load(FIXTURES / "stripe/customers.csv")
    created = dict(table.frame.select("customer_id", "created").iter_rows())
    assert created == {
        "cus_1": D(2024, 1, 9),
        "cus_9": D(2024, 2, 28),
        "cus_10": D(2024, 1, 20),  # 23:30 at -02:00 is 01:30 UTC the next day
    }


# --------------------------------------------------------------------------- derivations

ZOHO_HEADER = (
    "Subscription ID,Customer ID,Status,Activated On,Start Date,Created On,"
    "Cancelled On,Expiry Date,Pause Date,Product Name,Product ID,Plan Name,Plan Code\n"
)


def test_zoho_start_end_and_paused_fallbacks(tmp_path):
    content = ZOHO_HEADER + (
        "S1,C1,live,2024-01-05,2024-01-03,2024-01-01,,,,Alpha,P-A,Gold,G\n"
        "S2,C1,live,,2024-01-03,2024-01-01,,,,,P-B,,G\n"
        "S3,C2,cancelled,,,2024-01-01,2024-03-01,2024-12-31,,Alpha,,Gold,\n"
        "S4,C3,Non Renewing,2024-02-01,,,,2025-01-31,,Alpha,,Gold,\n"
        "S5,C4,paused,2024-02-01,,,2024-09-01,,2024-06-15,Alpha,,Gold,\n"
        "S6,C5,PAUSED,2024-02-01,,,,,,Alpha,,Gold,\n"
    )
    table = load(write(tmp_path, content))
    assert table.rows_rejected == 0
    rows = by_id(table)
    assert rows["S1"]["start"] == D(2024, 1, 5)  # activated on
    assert rows["S2"]["start"] == D(2024, 1, 3)  # else start date
    assert rows["S3"]["start"] == D(2024, 1, 1)  # else created
    assert rows["S3"]["end"] == D(2024, 3, 1)  # cancelled on before expiry
    assert rows["S4"]["end"] == D(2025, 1, 31)  # non-renewing: scheduled expiry
    assert (rows["S5"]["end"], rows["S5"]["pause_date"]) == (D(2024, 6, 15), D(2024, 6, 15))
    assert (rows["S5"]["status_class"], rows["S6"]["status_class"]) == (PAUSED, PAUSED)
    assert rows["S6"]["end"] is None  # paused without a pause date: left to the engine
    assert (rows["S1"]["product"], rows["S2"]["product"]) == ("Alpha", "P-B")
    assert (rows["S1"]["plan"], rows["S2"]["plan"]) == ("Gold", "G")


def test_chargebee_names_are_joined(tmp_path):
    content = (
        "subscriptions.id,subscriptions.customer_id,customers.first_name,customers.last_name,"
        "customers.company,subscriptions.status,subscriptions.activated_at\n"
        "S1,C1,Ada,Lovelace,,in_dunning,2024-01-01\n"
        "S2,C2,,,Acme,non_renewing,2024-01-01\n"
    )
    rows = by_id(load(write(tmp_path, content)))
    assert (rows["S1"]["customer_name"], rows["S1"]["status_class"]) == ("Ada Lovelace", PAYING)
    assert rows["S2"]["customer_name"] == "Acme"


def test_recurly_end_is_expires_at_not_canceled_at(tmp_path):
    content = (
        "uuid,account_code,state,activated_at,canceled_at,expires_at\n"
        "u1,a1,canceled,2024-01-01,2024-02-10,2024-03-01\n"
    )
    rows = by_id(load(write(tmp_path, content)))
    assert (rows["u1"]["end"], rows["u1"]["status_class"]) == (D(2024, 3, 1), ENDED)


# --------------------------------------------------------------------------- statuses


def test_status_values_are_matched_loosely_and_unknown_ones_rejected(tmp_path):
    content = (
        "Subscription ID,Customer ID,Status,Activated On\n"
        "S1,C1, Cancelled_From-Dunning ,2024-01-01\n"
        "S2,C1,TRIAL EXPIRED,2024-01-01\n"
        "S3,C1,active,2024-01-01\n"  # a Stripe word, not a Zoho status
        "S4,C1,,2024-01-01\n"
    )
    table = load(write(tmp_path, content))
    assert errors_of(table) == [(4, "Status", "unknown_status"), (5, "Status", "unknown_status")]
    assert table.rejections.get_column("message").to_list()[1] == "the status is empty"
    rows = by_id(table)
    assert rows["S1"]["status"] == "cancelled_from_dunning"
    assert rows["S2"]["status_class"] == ENDED


def test_without_status_column_class_is_null_and_start_required(tmp_path):
    content = "subscription_id,customer_id,start_date,end_date\nS1,C1,2024-01-01,\nS2,C1,,\n"
    table = load(write(tmp_path, content))
    assert table.has_status is False
    assert errors_of(table) == [(3, "start_date", "missing_start")]
    assert table.frame.get_column("status_class").to_list() == [None]


def test_not_yet_paying_rows_may_lack_a_start(tmp_path):
    content = "subscription_id,customer_id,status,start_date\nS1,C1,future,\nS2,C1,active,\n"
    table = load(write(tmp_path, content))
    assert errors_of(table) == [(3, "start_date", "missing_start")]


def test_only_paying_rows_need_a_start(tmp_path):
    # Zoho: creation_failed and a paused row without any date, a cancelled row with only
    # its Cancelled On, and live rows without and with a start. Only the live row without
    # a start (line 5) is rejected; the ended and paused ones are accepted with start null.
    content = (
        "Subscription ID,Customer ID,Status,Activated On,Created On,Cancelled On,Pause Date\n"
        "S1,C1,creation_failed,,,,\n"
        "S2,C2,paused,,,,2024-05-01\n"
        "S3,C3,cancelled,,,2024-03-01,\n"
        "S4,C4,live,,,,\n"
        "S5,C5,live,,2024-01-10,,\n"
    )
    table = load(write(tmp_path, content))
    assert errors_of(table) == [(5, "Activated On", "missing_start")]
    assert table.rejections.get_column("message").to_list() == [
        "no start date ('Activated On' / 'Created On' empty): the row cannot be placed in time"
    ]
    rows = by_id(table)
    assert list(rows) == ["S1", "S2", "S3", "S5"]
    assert [(rows[s]["start"], rows[s]["end"]) for s in ("S1", "S2", "S3")] == [
        (None, None),
        (None, D(2024, 5, 1)),
        (None, D(2024, 3, 1)),
    ]
    assert rows["S5"]["start"] == D(2024, 1, 10)


# --------------------------------------------------------------------------- warnings


def test_an_unreadable_amount_is_a_warning_and_the_row_is_kept(tmp_path):
    content = (
        "subscription_id,customer_id,status,start_date,amount\n"
        "S1,C1,active,2024-01-01,n/a\n"  # 2: kept, amount null, warned of
        "S2,C2,active,2024-01-01,12.50\n"  # 3: clean
        "S3,C3,active,2024-01-01,n/a\n"  # 4: kept, warned of
        "S3,C3,active,2024-01-01,n/a\n"  # 5: exact repeat of 4: removed, no second warning
    )
    table = load(write(tmp_path, content))
    assert errors_of(table) == []
    assert warnings_of(table) == [(2, "amount", "invalid_amount"), (4, "amount", "invalid_amount")]
    assert table.warnings.schema == pl.Schema(ROW_ERROR_SCHEMA)
    first = table.warnings.row(0, named=True)
    assert (first["value"], first["message"]) == ("n/a", "'n/a' is not an amount")
    assert (table.rows_read, table.rows_accepted, table.rows_rejected) == (4, 3, 0)
    assert table.duplicate_lines == (5,)
    amounts = {sub: row["amount"] for sub, row in by_id(table).items()}
    assert amounts == {"S1": None, "S2": 12.5, "S3": None}


def test_a_rejected_row_lists_its_unreadable_amount_with_its_rejection(tmp_path):
    # Line 2 has an impossible date too, line 4 repeats line 3's ID with other content:
    # both are rejected, and the amount errors are listed with them, never as warnings.
    content = (
        "subscription_id,customer_id,start_date,amount\n"
        "S1,C1,2024-02-30,n/a\n"
        "S2,C2,2024-01-01,5\n"
        "S2,C2,2024-01-01,five\n"
    )
    table = load(write(tmp_path, content))
    assert errors_of(table) == [
        (2, "start_date", "invalid_date"),
        (2, "amount", "invalid_amount"),
        (4, "amount", "invalid_amount"),
        (4, "subscription_id", "conflicting_duplicate"),
    ]
    assert warnings_of(table) == []
    assert (table.rows_accepted, table.rows_rejected) == (1, 2)


def test_an_unreadable_yes_no_value_still_rejects_the_row(tmp_path):
    # Stripe's Cancel At Period End decides the end date: unreadable, the row cannot be
    # placed, like a row with an unreadable date.
    content = (
        "id,Customer ID,Status,Start Date (UTC),Current Period End (UTC),Cancel At Period End\n"
        "sub_1,cus_1,active,2024-01-01 10:00,2024-07-01 10:00,maybe\n"
        "sub_2,cus_1,active,2024-01-01 10:00,2024-07-01 10:00,false\n"
    )
    table = load(write(tmp_path, content))
    assert errors_of(table) == [(2, "Cancel At Period End", "invalid_boolean")]
    assert (table.rows_accepted, table.rows_rejected) == (1, 1)


def test_a_customers_export_has_no_warnings(tmp_path):
    table = load(write(tmp_path, "customer_id,name\nC1,A\n"), CUSTOMERS)
    assert table.warnings.is_empty()
    assert table.warnings.schema == pl.Schema(ROW_ERROR_SCHEMA)


# --------------------------------------------------------------------------- dates


def test_ambiguous_column_takes_the_order_other_columns_settle(tmp_path):
    content = (
        "subscription_id,customer_id,start_date,end_date\n"
        "S1,C1,03/04/2024,25/12/2024\n"  # end_date can only be day-first
        "S2,C1,05/06/2024,\n"
    )
    rows = by_id(load(write(tmp_path, content)))
    assert rows["S1"]["start"] == D(2024, 4, 3)
    assert rows["S2"]["start"] == D(2024, 6, 5)
    assert rows["S1"]["end"] == D(2024, 12, 25)


def test_ambiguous_dates_need_a_date_format(tmp_path):
    path = write(tmp_path, "subscription_id,customer_id,start_date\nS1,C1,03/04/2024\n")
    with pytest.raises(UnusableFileError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: the dates in column 'start_date' (e.g. 03/04/2024)")
    assert "--date-format 'dd/MM/yyyy' or --date-format 'MM/dd/yyyy'" in message
    table = load(path, date_format="MM/dd/yyyy")
    assert table.frame.get_column("start").to_list() == [D(2024, 3, 4)]


def test_unknown_date_format_is_a_usage_error(tmp_path):
    path = write(tmp_path, "subscription_id,customer_id,start_date\nS1,C1,2024-01-01\n")
    with pytest.raises(ReconcileError, match="--date-format: unknown date format 'yy'"):
        load(path, date_format="yy")


# --------------------------------------------------------------------------- customers


def test_customer_rows_are_checked_too(tmp_path):
    content = (
        "customer_id,name,created\n"
        "C1,Acme,2024-01-01\n"
        ",Nobody,2024-01-01\n"
        "C1,Acme Inc,2024-01-01\n"
        "C2,Beta,someday\n"
        "C1,Acme,2024-01-01\n"
    )
    table = load(write(tmp_path, content), CUSTOMERS)
    assert errors_of(table) == [
        (3, "customer_id", "missing_id"),
        (4, "customer_id", "conflicting_duplicate"),
    ]
    # No figure uses a customer's created date (DOMAIN.md, "Bad rows"): a warning only.
    assert warnings_of(table) == [(5, "created", "invalid_date")]
    assert table.duplicate_lines == (6,)
    assert (table.rows_read, table.rows_accepted) == (5, 2)


def test_a_row_with_several_faults_is_rejected_once(tmp_path):
    content = (
        "subscription_id,customer_id,start_date,monthly_amount\n"
        ",C1,never,lots\nS2,C2,2024-01-01,5\nS3,C3,2024-01-02,5\n"
    )
    table = load(write(tmp_path, content))
    assert errors_of(table) == [
        (2, "subscription_id", "missing_id"),
        (2, "start_date", "invalid_date"),
        (2, "monthly_amount", "invalid_amount"),
    ]
    assert (table.rows_rejected, table.rows_accepted) == (1, 2)


def test_rows_differing_only_in_an_unmapped_column_conflict(tmp_path):
    content = (
        "subscription_id,customer_id,start_date,note\nS1,C1,2024-01-01,a\nS1,C1,2024-01-01,b\n"
    )
    table = load(write(tmp_path, content))
    assert errors_of(table) == [(3, "subscription_id", "conflicting_duplicate")]
    assert table.duplicate_lines == ()


def test_repeated_rows_without_an_id_are_removed_not_rejected_twice(tmp_path):
    content = (
        "subscription_id,customer_id,start_date\n,C1,2024-01-01\n,C1,2024-01-01\nS2,C2,2024-01-01\n"
    )
    table = load(write(tmp_path, content))
    assert errors_of(table) == [(2, "subscription_id", "missing_id")]
    assert table.duplicate_lines == (3,)
    assert (table.rows_read, table.rows_accepted, table.rows_rejected) == (3, 1, 1)


def test_an_exact_repeat_in_an_export_without_dates(tmp_path):
    table = load(write(tmp_path, "customer_id,name\nC1,A\nC1,A\n"), CUSTOMERS)
    assert (table.rows_read, table.rows_accepted, table.rows_rejected) == (2, 1, 0)
    assert table.duplicate_lines == (3,)


def test_a_repeat_of_a_conflicting_row_is_removed(tmp_path):
    content = (
        "subscription_id,customer_id,start_date,note\n"
        "S1,C1,2024-01-01,a\n"  # 2: kept
        "S1,C1,2024-01-01,b\n"  # 3: conflicts with line 2
        "S1,C1,2024-01-01,b\n"  # 4: repeats line 3 exactly
    )
    table = load(write(tmp_path, content))
    assert errors_of(table) == [(3, "subscription_id", "conflicting_duplicate")]
    assert table.rejections.get_column("message").to_list() == [
        "subscription ID 'S1' is already on line 2 with other content; the first row is kept"
    ]
    assert table.duplicate_lines == (4,)
    assert table.frame.get_column("line").to_list() == [2]


def test_the_id_comes_from_one_column_per_file(tmp_path):
    # DOMAIN.md: Zoho's ID is Subscription ID when the file has it, never the Subscription
    # Number for some rows; a row without it is rejected, and the message names its
    # Subscription Number to find it by.
    content = (
        "Subscription ID,Subscription Number,Customer ID,Activated On\n"
        "SUB-1,,C1,2024-01-01\n"
        ",SUB-00021,C2,2024-01-01\n"
    )
    table = load(write(tmp_path, content))
    assert errors_of(table) == [(3, "Subscription ID", "missing_id")]
    assert table.rejections.get_column("message").to_list() == [
        "the subscription ID is missing (Subscription Number 'SUB-00021'): the row cannot be "
        "counted, since 'Subscription ID' is this file's subscription ID column"
    ]
    assert table.frame.get_column("customer_id").to_list() == ["C1"]
    # Without a Subscription ID column, the Subscription Number is the ID of every row.
    numbers = (
        "Subscription Number,Customer ID,Activated On\nSUB-1,C1,2024-01-01\nSUB-2,C2,2024-01-01\n"
    )
    table = load(write(tmp_path, numbers))
    assert table.frame.get_column("subscription_id").to_list() == ["SUB-1", "SUB-2"]


def test_a_product_from_its_second_column_is_kept_with_a_warning(tmp_path):
    content = (
        "Subscription ID,Customer ID,Activated On,Product Name,Product ID\n"
        "S1,C1,2024-01-01,ERP Suite,P-ERP\n"
        "S2,C2,2024-01-01,,P-ERP\n"
        "S3,C3,2024-01-01,,\n"
    )
    table = load(write(tmp_path, content))
    assert errors_of(table) == []
    assert warnings_of(table) == [(3, "Product ID", "value_from_other_column")]
    assert table.frame.get_column("product").to_list() == ["ERP Suite", "P-ERP", None]


def test_summary_for_validate_json():
    table = load(FIXTURES / "faults/subscriptions.csv")
    summary = validation_summary(table, max_errors=2)
    assert summary["rows_read"] == 13
    assert summary["rows_accepted"] == 5
    assert summary["rows_rejected"] == 7
    assert summary["duplicate_rows_removed"] == 1
    assert summary["errors_total"] == 7
    assert [e["code"] for e in summary["errors"]] == ["missing_id", "id_in_scientific_notation"]
    assert summary["warnings_total"] == 1
    assert summary["warnings"] == [
        {
            "file": str(FIXTURES / "faults/subscriptions.csv"),
            "line": 8,
            "column": "Amount",
            "value": "forty",
            "code": "invalid_amount",
            "message": "'forty' is not an amount",
        }
    ]
    assert summary["source"] == "stripe"


def test_mrr_playbook_validates_with_no_options():
    table = load(MRR_PLAYBOOK)
    assert (table.rows_read, table.rows_accepted, table.rows_rejected) == (121, 121, 0)
    assert table.duplicate_rows_removed == 0
    assert table.frame.get_column("customer_id").n_unique() == 55
    first = table.frame.row(0, named=True)
    assert (first["start"], first["end"], first["monthly_amount"]) == (
        D(2018, 11, 1),
        D(2019, 2, 1),
        50.0,
    )


def test_empty_frame_validates_to_nothing(tmp_path):
    table = load(write(tmp_path, "subscription_id,customer_id,start_date\n"))
    assert (table.rows_read, table.rows_accepted, table.rows_rejected) == (0, 0, 0)
    assert table.frame.schema == pl.Schema(SUBSCRIPTION_COLUMNS)


# --------------------------------------------------------------------------- accounting

FAULTS = ("none", "missing_id", "bad_date", "bad_status", "bad_amount", "conflict", "repeat")


@st.composite
def exports(draw):
    """Rows with one known fault each (or none), and what validation must make of them."""
    n = draw(st.integers(min_value=0, max_value=40))
    rows: list[list[str]] = []
    expected_rejected: list[int] = []
    expected_warned: list[int] = []
    expected_duplicates: list[int] = []
    for index in range(n):
        line = index + 2
        fault = draw(st.sampled_from(FAULTS))
        with_ids = [r for r in rows if r[0]]
        if fault == "repeat" and rows:
            rows.append(list(draw(st.sampled_from(rows))))
            expected_duplicates.append(line)
            continue
        if fault == "conflict" and with_ids:
            earlier = draw(st.sampled_from(with_ids))
            rows.append([earlier[0], "C-other", "2024-02-02", "active", f"{index}.5"])
            expected_rejected.append(line)
            continue
        row = [f"S{index}", f"C{index % 5}", "2024-01-01", "active", f"{index}.00"]
        if fault == "missing_id":
            row[draw(st.sampled_from([0, 1]))] = ""
        elif fault == "bad_date":
            row[2] = "2024-13-01"
        elif fault == "bad_status":
            row[3] = "unknown"
        elif fault == "bad_amount":
            row[4] = "ten"
        if fault in ("missing_id", "bad_date", "bad_status"):
            expected_rejected.append(line)
        elif fault == "bad_amount":  # no figure uses amounts: kept, with a warning
            expected_warned.append(line)
        rows.append(row)
    return rows, expected_rejected, expected_warned, expected_duplicates


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(export=exports())
def test_every_row_is_accounted_for(tmp_path, export):
    rows, expected_rejected, expected_warned, expected_duplicates = export
    header = "subscription_id,customer_id,start_date,status,amount\n"
    path = write(tmp_path, header + "".join(",".join(r) + "\n" for r in rows))
    if expected_rejected and len(rows) == len(expected_rejected) + len(expected_duplicates):
        # Every row rejected: the file is unusable (DOMAIN.md), no table at all.
        with pytest.raises(UnusableFileError, match="rejected, so no report can be made"):
            load(path)
        return
    table = load(path)
    assert table.rows_read == len(rows)
    assert table.rows_read == (
        table.rows_accepted + table.rows_rejected + table.duplicate_rows_removed
    )
    assert sorted(table.rejections.get_column("line").unique()) == expected_rejected
    assert table.warnings.get_column("line").to_list() == expected_warned
    assert list(table.duplicate_lines) == expected_duplicates
    accepted = table.frame.get_column("subscription_id")
    assert accepted.n_unique() == accepted.len()


@st.composite
def stripe_customer_exports(draw):
    """Rows of a Stripe customers export (header `id,Email,Name,Created (UTC)`) with
    guests (an empty `id`), exact repeats and conflicting IDs, and what validation must
    make of them."""
    rows: list[list[str]] = []
    guests: list[int] = []
    rejected: list[int] = []
    duplicates: list[int] = []
    for index in range(draw(st.integers(min_value=0, max_value=30))):
        line = index + 2
        fault = draw(st.sampled_from(("customer", "guest", "repeat", "conflict")))
        with_ids = [row for row in rows if row[0]]
        if fault == "repeat" and rows:
            repeated = draw(st.sampled_from(rows))
            rows.append(list(repeated))
            duplicates.append(line)
        elif fault == "conflict" and with_ids:
            rows.append([draw(st.sampled_from(with_ids))[0], f"x{index}@example.com", "X", ""])
            rejected.append(line)
        elif fault == "guest":
            rows.append(["", f"g{index}@example.com", "", "2025-04-01 10:00"])
            guests.append(line)
        else:
            rows.append([f"cus_{index}", f"c{index}@example.com", f"C{index}", ""])
    return rows, guests, rejected, duplicates


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(export=stripe_customer_exports())
def test_every_row_of_a_stripe_customers_export_with_guests_is_accounted_for(tmp_path, export):
    rows, guests, rejected, duplicates = export
    header = "id,Email,Name,Created (UTC)\n"
    path = write(tmp_path, header + "".join(",".join(r) + "\n" for r in rows))
    if rows and len(rejected) + len(duplicates) == len(rows):
        return  # every row rejected or repeated: not a case of this test
    table = load(path, CUSTOMERS, source="stripe")
    assert table.rows_read == len(rows)
    assert table.rows_read == (
        table.rows_accepted + table.rows_rejected + table.duplicate_rows_removed
    )
    assert list(table.guest_lines) == guests
    assert table.rows_accepted == table.frame.height + len(guests)
    assert sorted(table.rejections.get_column("line").unique()) == rejected
    assert list(table.duplicate_lines) == duplicates
    assert table.warnings.is_empty()
    ids = table.frame.get_column("customer_id")
    assert ids.null_count() == 0 and ids.n_unique() == ids.len()


def test_validate_shows_warnings_apart_from_row_errors(tmp_path):
    from click.testing import CliRunner

    from reconcile.cli import main

    content = (
        "subscription_id,customer_id,status,start_date,amount\n"
        "S1,C1,active,2024-01-01,n/a\n"
        "S2,,active,2024-01-01,5\n"
        "S3,C3,active,2024-01-01,?\n"
    )
    path = write(tmp_path, content)
    result = CliRunner().invoke(main, ["validate", str(path), "--max-errors", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1:] == [
        "  rows read                         3",
        "  accepted                          2",
        "  rejected                          1",
        "  duplicate rows removed            0",
        "  row errors (1):",
        "    line 3, column 'customer_id': the customer ID is missing: the row cannot be "
        "counted [missing_id]",
        "  values not read, rows kept (2):",
        "    line 2, column 'amount': 'n/a' is not an amount [invalid_amount]",
        "    … 1 more: write them all with --errors-csv PATH",
    ]


def test_braces_in_a_header_are_text_in_the_messages(tmp_path):
    # Messages are pl.format templates: a header such as "{start_date" is put in as text.
    content = (
        "subscription_id,customer_id,status,{start_date},{customer}\n"
        "S1,C1,active,2024-01-01,x\n"
        "S2,C2,active,01/02/2024 junk,\n"
        "S3,C3,active,99.99.2024 x,\n"
        ",C4,active,2024-01-01,y\n"
    )
    table = load(write(tmp_path, content), "subscriptions", mapping={"start": "{start_date}"})
    messages = table.rejections.get_column("message").to_list()
    assert any("'{start_date}'" in message for message in messages), messages
    header_only = write(tmp_path, "id,customer,status,{start_date,ended_at,plan.amount", "b.csv")
    assert load(header_only).rows_read == 0
