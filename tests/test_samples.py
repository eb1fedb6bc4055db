"""The bundled sample exports: reproducible, self-consistent, and answered right.

sample_exports/generate.py writes the files and their right answers (expected.json),
worked out from its own plan. These tests check (1) the committed files are exactly what
the generator writes, (2) the full pipeline gives the answers of expected.json, and, so
that the answers can be trusted on their own, (3) their internal arithmetic, (4) that
every fault line points at the record it names, and (5) a second reading of the figures
straight from the CSV cells agrees with them.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from reconcile.api import reconcile

SAMPLES = Path(__file__).resolve().parent.parent / "sample_exports"
AS_OF = date(2026, 11, 15)
SOURCES = ("zoho", "stripe")
GENERATED = ("subscriptions.csv", "customers.csv", "expected.json", "README.md")

# How each sample is written: encoding, separator, lines above the header.
FORMATS = {
    "zoho": {"encoding": "utf-8-sig", "delimiter": ";", "title_lines": {}},
    "stripe": {"encoding": "utf-8", "delimiter": ",", "title_lines": {"customers.csv": 1}},
}


def expected(source: str) -> dict:
    return json.loads((SAMPLES / source / "expected.json").read_text(encoding="utf-8"))


def test_generator_reproduces_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    script = SAMPLES / "generate.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True)
    for source in SOURCES:
        for name in GENERATED:
            written = (tmp_path / source / name).read_bytes()
            committed = (SAMPLES / source / name).read_bytes()
            assert written == committed, f"{source}/{name} differs: run generate.py"


@pytest.mark.parametrize("source", SOURCES)
def test_pipeline_answers_match_expected(source: str) -> None:
    folder = SAMPLES / source
    result = reconcile(
        subscriptions=folder / "subscriptions.csv",
        customers=folder / "customers.csv",
        as_of=AS_OF,
    ).to_dict()
    want = expected(source)
    assert project(result, want) == want


def project(result: dict, want: dict) -> dict:
    """The result reduced to the keys and shapes expected.json holds."""
    inputs = {
        kind: {key: result["inputs"][kind][key] for key in want["inputs"][kind]}
        for kind in want["inputs"]
    }
    steps = ("step", "kind", "count", "total")
    quality = result["quality"]
    projected_quality = {
        "orphan_subscriptions": sorted(
            s["subscription_id"] for s in quality["orphan_subscriptions"]
        ),
        "customers_without_subscriptions": sorted(
            c["customer_id"] for c in quality["customers_without_subscriptions"]
        ),
        "ended_without_end_date": sorted(
            s["subscription_id"] for s in quality["ended_without_end_date"]
        ),
        "ended_without_start_date": sorted(
            s["subscription_id"] for s in quality["ended_without_start_date"]
        ),
        "contradictions": sorted(s["subscription_id"] for s in quality["contradictions"]),
        "currencies": quality["currencies"],
    }
    return {
        "as_of": result["as_of"],
        "inputs": inputs,
        "totals": result["totals"],
        "by_product": result["by_product"],
        "revenue": result["revenue"],
        "subscriptions_per_customer": result["subscriptions_per_customer"],
        "product_overlap": result["product_overlap"],
        "timeline": result["timeline"],
        "bridge": [{key: step[key] for key in steps} for step in result["bridge"]],
        "customer_bridge": [
            {key: step[key] for key in steps} for step in result["customer_bridge"]
        ],
        "probable_duplicate_groups": [
            {
                "key": group["key"],
                "customer_ids": sorted(group["customer_ids"]),
                "active_customer_ids": sorted(group["active_customer_ids"]),
            }
            for group in result["probable_duplicate_groups"]
        ],
        "rejections": row_errors(result["rejections"]),
        "warnings": row_errors(result["warnings"]),
        "quality": {key: projected_quality[key] for key in want["quality"]},
    }


def row_errors(errors: list[dict]) -> list[list]:
    return sorted([Path(e["file"]).name, e["line"], e["column"], e["code"]] for e in errors)


@pytest.mark.parametrize("source", SOURCES)
def test_expected_answers_add_up(source: str) -> None:
    answers = expected(source)
    for summary in answers["inputs"].values():
        assert summary["rows_read"] == (
            summary["rows_accepted"] + summary["rows_rejected"] + summary["duplicate_rows_removed"]
        )
        assert len(summary["duplicate_lines"]) == summary["duplicate_rows_removed"]
    totals = answers["totals"]
    assert answers["inputs"]["subscriptions"]["rows_accepted"] == (
        totals["subscriptions_active"]
        + totals["subscriptions_not_yet_paying"]
        + totals["subscriptions_paused"]
        + totals["subscriptions_unpaid"]
        + totals["subscriptions_ended"]
    )
    assert totals["subscriptions_never_active"] <= totals["subscriptions_ended"]
    assert totals["customers_without_active_subscription"] == (
        totals["customers_known"] - totals["customers_active"]
    )
    holdings = answers["subscriptions_per_customer"]
    assert sum(h["customers"] for h in holdings) == totals["customers_active"]
    assert (
        sum(h["subscriptions"] * h["customers"] for h in holdings)
        == (totals["subscriptions_active"])
    )
    assert (
        sum(p["subscriptions_active"] for p in answers["by_product"])
        == (totals["subscriptions_active"])
    )
    assert all(p["subscriptions_active"] >= p["customers_active"] for p in answers["by_product"])
    assert answers["bridge"][-3]["total"] == answers["customer_bridge"][-1]["total"]
    assert answers["customer_bridge"][-1]["total"] == totals["customers_active"]


@pytest.mark.parametrize("source", SOURCES)
def test_expected_timeline_balances_and_ends_on_the_snapshot(source: str) -> None:
    answers = expected(source)
    previous = {"customers_active": 0, "subscriptions_active": 0}
    for month in answers["timeline"]:
        change = month["customers_active"] - previous["customers_active"]
        assert change == (
            month["customers_new"] + month["customers_reactivated"] - month["customers_churned"]
        ), month["period"]
        assert month["subscriptions_active"] - previous["subscriptions_active"] == (
            month["subscriptions_new"] - month["subscriptions_ended"]
        ), month["period"]
        previous = month
    last = answers["timeline"][-1]
    assert (last["period"], last["date"]) == ("2026-11", "2026-11-15")
    assert last["customers_active"] == answers["totals"]["customers_active"]
    assert last["subscriptions_active"] == answers["totals"]["subscriptions_active"]


def read_records(source: str, name: str) -> tuple[list[str], dict[int, list[str]]]:
    """(header, {physical line a record starts on: its cells}), read with the csv module."""
    fmt = FORMATS[source]
    path = SAMPLES / source / name
    with path.open(encoding=fmt["encoding"], newline="") as file:
        for _ in range(fmt["title_lines"].get(name, 0)):
            file.readline()
        reader = csv.reader(file, delimiter=fmt["delimiter"])
        header = next(reader)
        # csv counts lines from where it started reading; a record starts on the line
        # after the one the previous record ended on.
        offset = fmt["title_lines"].get(name, 0)
        records, ended_on = {}, reader.line_num
        for cells in reader:
            records[offset + ended_on + 1] = cells
            ended_on = reader.line_num
    return header, records


@pytest.mark.parametrize("source", SOURCES)
def test_fault_lines_point_at_the_records_they_name(source: str) -> None:
    answers = expected(source)
    for name, kind in (("subscriptions.csv", "subscriptions"), ("customers.csv", "customers")):
        header, records = read_records(source, name)
        summary = answers["inputs"][kind]
        assert len(records) == summary["rows_read"]
        errors = [r for r in answers["rejections"] if r[0] == name]
        assert len({line for _, line, _, _ in errors}) == summary["rows_rejected"]
        for _, line, column, _ in errors:
            assert line in records and column in header, (name, line, column)
        # A warning belongs to an accepted row: never a rejected or a removed one.
        rejected_lines = {line for _, line, _, _ in errors}
        for _, line, column, _ in (w for w in answers["warnings"] if w[0] == name):
            assert line in records and column in header, (name, line, column)
            assert line not in rejected_lines | set(summary["duplicate_lines"]), (name, line)
        lines = sorted(records)
        for line in summary["duplicate_lines"]:
            earlier = [records[other] for other in lines if other < line]
            assert records[line] in earlier, (name, line)


@pytest.mark.parametrize("source", SOURCES)
def test_each_rejected_cell_shows_its_fault(source: str) -> None:
    answers = expected(source)
    for name in ("subscriptions.csv", "customers.csv"):
        header, records = read_records(source, name)
        id_column = header[0]
        for file, line, column, code in answers["rejections"] + answers["warnings"]:
            if file != name:
                continue
            row = dict(zip(header, records[line], strict=True))
            earlier_ids = {cells[0] for other, cells in records.items() if other < line}
            assert shows_fault(source, row, column, code, id_column, earlier_ids), (line, code)


def shows_fault(
    source: str, row: dict[str, str], column: str, code: str, id_column: str, earlier: set
) -> bool:
    value = row[column].strip()
    if code == "missing_id":
        return value == ""
    if code == "id_in_scientific_notation":
        return re.fullmatch(r"\d[.,]\d+E\+\d+", value, flags=re.IGNORECASE) is not None
    if code == "invalid_date":
        return value != "" and not parses(
            value, "%d.%m.%Y" if source == "zoho" else "%Y-%m-%d %H:%M"
        )
    if code == "missing_start":
        start_columns = {
            "zoho": ("Activated On", "Created On"),
            "stripe": ("Start Date (UTC)", "Created (UTC)"),
        }
        return all(row[c] == "" for c in start_columns[source])
    if code == "unknown_status":
        known = set().union(*CLASSES[source].values()) | ENDED_STATUSES[source]
        return value not in known
    if code == "invalid_amount":
        return not re.fullmatch(
            r"\d{1,3}(\.\d{3})*,\d{2}" if source == "zoho" else r"\d+\.\d{2}", value
        )
    if code == "invalid_boolean":
        return value not in ("true", "false")
    if code == "conflicting_duplicate":
        return column == id_column and value in earlier
    raise AssertionError(f"unknown code {code}")


def parses(value: str, pattern: str) -> bool:
    try:
        datetime.strptime(value, pattern)
    except ValueError:
        return False
    return True


# A second reading of the figures, straight from the CSV cells by DOMAIN.md's rules.

CLASSES = {
    "zoho": {
        "paying": {"live", "non_renewing", "dunning"},
        "not_yet_paying": {"trial", "future"},
        "paused": {"paused"},
        "unpaid": {"unpaid"},
    },
    "stripe": {
        "paying": {"active", "past_due"},
        "not_yet_paying": {"trialing", "incomplete"},
        "paused": {"paused"},
        "unpaid": {"unpaid"},
    },
}
ENDED_STATUSES = {
    "zoho": {"cancelled", "expired", "cancelled_from_dunning", "trial_expired", "creation_failed"},
    "stripe": {"canceled", "incomplete_expired"},
}
# Ended statuses that say the subscription never paid: never active, whatever its dates.
NEVER_PAID = {"trial_expired", "creation_failed", "incomplete_expired"}


def zoho_interval(row: dict[str, str]) -> tuple[date | None, date | None, bool]:
    """(start, end, never active) of a Zoho row."""

    def parse(text: str) -> date | None:
        return datetime.strptime(text, "%d.%m.%Y").date() if text else None

    start = parse(row["Activated On"]) or parse(row["Created On"])
    if row["Status"] == "paused":
        return start, parse(row["Pause Date"]), False
    if row["Status"] == "unpaid":  # active until its last paid period ends
        return start, parse(row["Next Billing On"]), False
    if row["Status"] == "non_renewing":  # the sample has no Scheduled Cancellation Date
        return start, parse(row["Next Billing On"]) or parse(row["Expires At"]), False
    end = parse(row["Cancelled On"]) or parse(row["Expires At"])
    # Ended without ever being activated (the file has the column): it never paid.
    never_activated = row["Status"] in ENDED_STATUSES["zoho"] and not row["Activated On"]
    return start, end, row["Status"] in NEVER_PAID or never_activated


def stripe_interval(row: dict[str, str]) -> tuple[date | None, date | None, bool]:
    """(start, end, never active) of a Stripe row: the start is a later trial end."""

    def parse(text: str) -> date | None:
        return date.fromisoformat(text[:10]) if text else None

    start = parse(row["Start Date (UTC)"]) or parse(row["Created (UTC)"])
    trial_end = parse(row["Trial End (UTC)"])
    if start is not None and trial_end is not None and trial_end > start:
        start = trial_end
    if row["Status"] == "paused":
        return start, None, False  # a Stripe export carries no pause date
    if row["Status"] == "unpaid":
        return start, parse(row["Current Period End (UTC)"]), False
    end = None
    if row["Ended At (UTC)"]:
        end = parse(row["Ended At (UTC)"])
    elif row["Cancel At Period End"] == "true":
        end = parse(row["Current Period End (UTC)"])
    # Ended within its trial: it never paid.
    never = end is not None and trial_end is not None and trial_end >= end
    return (
        start,
        end,
        row["Status"] in NEVER_PAID or (never and row["Status"] in ENDED_STATUSES["stripe"]),
    )


def accepted_subscriptions(
    source: str,
) -> list[tuple[str, str, date | None, date | None, bool]]:
    """(customer ID, class, start, end, never active) of every subscription row the
    answers accept."""
    answers = expected(source)
    header, records = read_records(source, "subscriptions.csv")
    skipped = {r[1] for r in answers["rejections"] if r[0] == "subscriptions.csv"}
    skipped |= set(answers["inputs"]["subscriptions"]["duplicate_lines"])
    interval = zoho_interval if source == "zoho" else stripe_interval
    customer_column = "Customer ID"
    found = []
    for line, cells in records.items():
        if line in skipped:
            continue
        row = dict(zip(header, cells, strict=True))
        classes = CLASSES[source]
        status_class = next((c for c, s in classes.items() if row["Status"] in s), "ended")
        found.append((row[customer_column], status_class, *interval(row)))
    return found


def active_on(subscriptions: list, day: date) -> Counter:
    return Counter(
        customer
        for customer, status_class, start, end, never_active in subscriptions
        if status_class != "not_yet_paying"
        and not never_active
        and (end is not None or status_class == "paying")
        # An ended or paused row without a start is accepted, but cannot be placed.
        and start is not None
        and start <= day
        and (end is None or day < end)
    )


@pytest.mark.parametrize("source", SOURCES)
def test_expected_figures_agree_with_a_reading_of_the_files(source: str) -> None:
    answers = expected(source)
    subscriptions = accepted_subscriptions(source)
    assert len(subscriptions) == answers["inputs"]["subscriptions"]["rows_accepted"]
    now = active_on(subscriptions, AS_OF)
    assert sum(now.values()) == answers["totals"]["subscriptions_active"]
    assert len(now) == answers["totals"]["customers_active"]
    for month in answers["timeline"]:
        day = date.fromisoformat(month["date"])
        year, number = map(int, month["period"].split("-"))
        next_first = date(year + number // 12, number % 12 + 1, 1)
        assert day == min(next_first - timedelta(days=1), AS_OF)
        counts = active_on(subscriptions, day)
        assert (sum(counts.values()), len(counts)) == (
            month["subscriptions_active"],
            month["customers_active"],
        ), month["period"]


@pytest.mark.parametrize("source", SOURCES)
def test_rows_that_cannot_be_placed_agree_with_a_reading_of_the_files(source: str) -> None:
    # Ended or paused: without an end date, or with one but without a start date.
    totals = expected(source)["totals"]
    # A row that never paid needs no dates; an unpaid one without an end never counts.
    rows = accepted_subscriptions(source)
    unplaced = [
        (status_class, start, end)
        for _, status_class, start, end, never_active in rows
        if status_class in ("paused", "ended", "unpaid") and not never_active
    ]
    assert (
        sum(end is None for status_class, _, end in unplaced if status_class != "unpaid")
        == totals["ended_without_end_date"]
    )
    assert (
        sum(start is None and end is not None for _, start, end in unplaced)
        == (totals["ended_without_start_date"])
    )
    assert sum(never for *_, never in rows) == totals["subscriptions_never_active"]


def test_the_zoho_sample_accepts_a_creation_failed_row_without_any_date() -> None:
    answers = expected("zoho")
    header, records = read_records("zoho", "subscriptions.csv")
    rejected = {r[1] for r in answers["rejections"] if r[0] == "subscriptions.csv"}
    dates = ("Created On", "Activated On", "Cancelled On", "Expires At", "Pause Date")
    undated = [
        line
        for line, cells in records.items()
        if (row := dict(zip(header, cells, strict=True)))["Status"] == "creation_failed"
        and all(row[column] == "" for column in dates)
    ]
    assert undated and not set(undated) & rejected
    # It never paid, so it needs no date to be placed: never active, not without an end.
    ids = {records[line][0] for line in undated}
    assert not ids & set(answers["quality"]["ended_without_end_date"])
