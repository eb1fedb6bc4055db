"""Build canonical LoadedTables from small lists of dicts, for tests.

    subscriptions_table([{"subscription_id": "S1", "customer_id": "C1", "status": "live",
                          "start": "2024-01-15"}])

Missing canonical columns are null; dates may be ISO strings; `line` defaults to the
row's position after a header line (2, 3, ...); a `status` without a `status_class` gets
the class DOMAIN.md's table gives it. Accounting (`rows_read`, `rows_rejected`) follows
from the rows, the rejections and the duplicate lines unless given.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from reconcile.billing_system import BillingSystem
from reconcile.canonical import (
    CUSTOMER_COLUMNS,
    CUSTOMERS,
    ENDED,
    NOT_YET_PAYING,
    PAUSED,
    PAYING,
    SUBSCRIPTION_COLUMNS,
    SUBSCRIPTIONS,
    UNPAID,
    LoadedTable,
)
from reconcile.problems import ROW_ERROR_SCHEMA, ReconcileError
from reconcile.sources import load_source

# DOMAIN.md, "The life of a subscription": every status of every billing system.
STATUS_CLASS = {
    **dict.fromkeys(
        ["live", "non_renewing", "dunning", "active", "past_due", "in_dunning"], PAYING
    ),
    "unpaid": UNPAID,
    **dict.fromkeys(["trial", "future", "trialing", "incomplete", "in_trial"], NOT_YET_PAYING),
    "paused": PAUSED,
    **dict.fromkeys(
        [
            "cancelled",
            "canceled",
            "expired",
            "cancelled_from_dunning",
            "trial_expired",
            "creation_failed",
            "incomplete_expired",
            "transferred",
            "failed",
        ],
        ENDED,
    ),
}


def subscriptions_table(rows: Iterable[Mapping[str, Any]], **accounting: Any) -> LoadedTable:
    """A subscriptions LoadedTable; `accounting` as for `loaded_table`."""
    rows = [_with_status_class(row) for row in rows]
    accounting.setdefault("has_status", any(row.get("status_class") for row in rows))
    return loaded_table(SUBSCRIPTIONS, rows, SUBSCRIPTION_COLUMNS, **accounting)


def customers_table(rows: Iterable[Mapping[str, Any]], **accounting: Any) -> LoadedTable:
    """A customers LoadedTable; `accounting` as for `loaded_table`."""
    return loaded_table(CUSTOMERS, list(rows), CUSTOMER_COLUMNS, **accounting)


def loaded_table(
    kind: str,
    rows: list[Mapping[str, Any]],
    columns: Mapping[str, pl.DataType],
    *,
    file: str | None = None,
    source: str = "generic",
    rejections: Iterable[Mapping[str, Any]] = (),
    duplicate_lines: Iterable[int] = (),
    rows_rejected: int | None = None,
    rows_read: int | None = None,
    has_status: bool = True,
    warnings: Iterable[Mapping[str, Any]] = (),
    guest_lines: Iterable[int] = (),
) -> LoadedTable:
    """`rejections` and `warnings` (row errors of accepted rows) are row errors as dicts
    (file and message default); `rows_rejected` defaults to the distinct lines of the
    rejections, `rows_read` to accepted (guest customers without an ID included) +
    rejected + duplicates."""
    file = file or f"{kind}.csv"
    errors = rejections_frame(rejections, file)
    duplicate_lines = tuple(duplicate_lines)
    guest_lines = tuple(guest_lines)
    if rows_rejected is None:
        rows_rejected = errors["line"].n_unique()
    if rows_read is None:
        rows_read = len(rows) + len(guest_lines) + rows_rejected + len(duplicate_lines)
    return LoadedTable(
        kind=kind,
        file=file,
        source=source,
        rows_read=rows_read,
        frame=canonical_frame(rows, columns),
        rejections=errors,
        rows_rejected=rows_rejected,
        duplicate_lines=duplicate_lines,
        has_status=has_status,
        warnings=rejections_frame(warnings, file),
        billing_system=_billing_system(source),
        guest_lines=guest_lines,
    )


def _billing_system(source: str) -> BillingSystem | None:
    """What a built-in source's file says about the billing system (None otherwise)."""
    try:
        return load_source(source).billing_system()
    except ReconcileError:
        return None


def canonical_frame(
    rows: list[Mapping[str, Any]], columns: Mapping[str, pl.DataType]
) -> pl.DataFrame:
    """A frame with exactly `columns` (in order, with their dtypes) from `rows`."""
    unknown = {key for row in rows for key in row} - set(columns)
    if unknown:
        raise ValueError(f"not canonical columns: {sorted(unknown)}")
    records = [
        {
            name: _value(row.get(name), dtype) if name != "line" else row.get("line", position + 2)
            for name, dtype in columns.items()
        }
        for position, row in enumerate(rows)
    ]
    return pl.DataFrame(records, schema=dict(columns))


def rejections_frame(rows: Iterable[Mapping[str, Any]], file: str) -> pl.DataFrame:
    defaults = {"file": file, "column": "", "value": None, "message": "rejected in a test"}
    records = [{**defaults, **row} for row in rows]
    return pl.DataFrame(records, schema=ROW_ERROR_SCHEMA)


def _with_status_class(row: Mapping[str, Any]) -> dict[str, Any]:
    row = dict(row)
    if row.get("status") is not None and "status_class" not in row:
        row["status_class"] = STATUS_CLASS[row["status"]]
    return row


def _value(value: Any, dtype: pl.DataType) -> Any:
    if isinstance(value, str) and dtype == pl.Date():
        return datetime.date.fromisoformat(value)
    return value


AS_OF_GERMAN_VENDOR = datetime.date(2024, 6, 15)


def german_vendor_tables() -> tuple[LoadedTable, LoadedTable]:
    """A software vendor selling one maintenance contract per module (FiBu, Lohn, CRM).

    Read as of AS_OF_GERMAN_VENDOR. K001 holds four contracts (FiBu twice, for two
    sites), K002 three (one paused, one live although its end date has passed), K003 only
    a trial, a contract ending before it starts, a cancelled one with an end date but
    no start (line 20), a trial that expired without ever paying (line 21) and an unpaid
    one without the end of its last paid period (line 22), K004 leaves in January and
    comes back in April, K005 has a cancelled contract without end date, K006 shares
    K001's email, K007 has no
    subscription, K099 is not in the customers export (orphan). Lines 17 and 18 of the
    subscriptions are rejected, line 19 repeats an earlier row; S05's amount (line 6)
    could not be read (a warning: the row is kept); line 9 of the customers is rejected.
    tests/test_reconciliation.py works out every figure by hand.
    """
    eur = {"currency": "EUR", "interval": "month"}
    subscriptions = subscriptions_table(
        [
            {
                "subscription_id": "S01",
                "customer_id": "K001",
                "product": "FiBu",
                "plan": "Standard",
                "status": "live",
                "start": "2023-10-01",
                **eur,
            },
            {
                "subscription_id": "S02",
                "customer_id": "K001",
                "product": "Lohn",
                "plan": "Standard",
                "status": "live",
                "start": "2023-10-01",
                **eur,
            },
            {
                "subscription_id": "S03",
                "customer_id": "K001",
                "product": "FiBu",
                "plan": "Premium",
                "status": "live",
                "start": "2024-01-10",
                **eur,
            },
            {
                "subscription_id": "S04",
                "customer_id": "K001",
                "product": "CRM",
                "plan": "Premium",
                "status": "live",
                "start": "2024-03-05",
                **eur,
            },
            {
                "subscription_id": "S05",
                "customer_id": "K002",
                "product": "FiBu",
                "plan": "Standard",
                "status": "live",
                "start": "2023-11-15",
                **eur,
            },
            {
                "subscription_id": "S06",
                "customer_id": "K002",
                "product": "Lohn",
                "plan": "Standard",
                "status": "paused",
                "start": "2023-12-01",
                "end": "2024-04-20",
                "pause_date": "2024-04-20",
                **eur,
            },
            {
                "subscription_id": "S07",
                "customer_id": "K003",
                "product": "CRM",
                "plan": "Premium",
                "status": "trial",
                "start": "2024-06-01",
                **eur,
            },
            {
                "subscription_id": "S08",
                "customer_id": "K004",
                "product": "FiBu",
                "plan": "Standard",
                "status": "cancelled",
                "start": "2023-10-01",
                "end": "2024-01-20",
                **eur,
            },
            {
                "subscription_id": "S09",
                "customer_id": "K004",
                "product": "FiBu",
                "plan": "Standard",
                "status": "live",
                "start": "2024-04-02",
                **eur,
            },
            {
                "subscription_id": "S10",
                "customer_id": "K005",
                "product": "Lohn",
                "plan": "Standard",
                "status": "cancelled",
                "start": "2023-11-01",
                **eur,
            },
            {
                "subscription_id": "S11",
                "customer_id": "K005",
                "product": "CRM",
                "plan": "Premium",
                "status": "live",
                "start": "2024-02-01",
                **eur,
            },
            {
                "subscription_id": "S12",
                "customer_id": "K006",
                "product": "FiBu",
                "plan": None,
                "status": "live",
                "start": "2024-05-10",
                "currency": "CHF",
            },
            {
                "subscription_id": "S13",
                "customer_id": "K099",
                "product": "Lohn",
                "plan": "Standard",
                "status": "live",
                "start": "2024-02-15",
                **eur,
            },
            {
                "subscription_id": "S14",
                "customer_id": "K002",
                "product": "CRM",
                "plan": "Premium",
                "status": "live",
                "start": "2024-01-01",
                "end": "2024-05-31",
                **eur,
            },
            {
                "subscription_id": "S15",
                "customer_id": "K003",
                "product": "FiBu",
                "plan": "Standard",
                "status": "cancelled",
                "start": "2024-03-10",
                "end": "2024-03-01",
                **eur,
            },
            {
                "line": 20,
                "subscription_id": "S16",
                "customer_id": "K003",
                "product": "FiBu",
                "plan": "Standard",
                "status": "cancelled",
                "end": "2024-02-01",
                **eur,
            },
            {
                "subscription_id": "S17",
                "customer_id": "K003",
                "product": "Lohn",
                "plan": "Standard",
                "status": "trial_expired",
                "start": "2024-04-01",
                "trial_end": "2024-05-01",
                "end": "2024-05-01",
                **eur,
            },
            {
                "subscription_id": "S18",
                "customer_id": "K003",
                "product": "CRM",
                "plan": "Standard",
                "status": "unpaid",
                "start": "2024-02-01",
                **eur,
            },
        ],
        source="zoho",
        rejections=[
            {
                "line": 17,
                "column": "Customer ID",
                "value": "4.604E+15",
                "code": "id_in_scientific_notation",
            },
            {"line": 18, "column": "Status", "value": "aktiv", "code": "unknown_status"},
        ],
        duplicate_lines=[19],
        warnings=[
            {"line": 6, "column": "Amount", "value": "auf Anfrage", "code": "invalid_amount"},
            # S16's Produktname is empty: its product comes from its Produkt-ID.
            {
                "line": 20,
                "column": "Produkt-ID",
                "value": "FiBu",
                "code": "value_from_other_column",
            },
        ],
    )
    customers = customers_table(
        [
            {"customer_id": "K001", "name": "Müller GmbH", "email": "einkauf@mueller.de"},
            {"customer_id": "K002", "name": "Schmidt AG", "email": "it@schmidt-ag.de"},
            {"customer_id": "K003", "name": "Weber KG", "email": "info@weber.de"},
            {"customer_id": "K004", "name": "Fischer", "email": "fischer@example.de"},
            {"customer_id": "K005", "name": "Becker", "email": "becker@example.de"},
            {"customer_id": "K006", "name": "Hoffmann", "email": " Einkauf@Mueller.de "},
            {"customer_id": "K007", "name": "Koch", "email": "koch@example.de"},
        ],
        source="zoho",
        rejections=[{"line": 9, "column": "Customer ID", "value": "", "code": "missing_id"}],
    )
    return subscriptions, customers
