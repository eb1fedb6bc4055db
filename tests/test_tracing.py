"""The row trace (`-o rows.csv`): every row of the subscriptions export once, each in the
bridge step it falls in, so that the trace's step counts are the bridge's exactly.

The hand-made export below is worked out row by row in its comments; the samples are
checked against their expected.json and their own CSV records; generated tables against
DOMAIN.md's definitions applied row by row (the oracle of test_properties.py).
"""

from __future__ import annotations

import csv
import datetime
import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from factories import subscriptions_table
from hypothesis import HealthCheck, given, settings
from oracle import (
    active_on,
    in_trial,
    klass,
    oracle_duplicate_groups,
    paying_start,
    scenarios,
)

from reconcile import api
from reconcile.canonical import ENDED, NOT_YET_PAYING, PAUSED, UNPAID
from reconcile.cli import main
from reconcile.reconciliation import reconcile_tables
from reconcile.rendering import render
from reconcile.tracing import TRACE_SCHEMA, trace
from tests.result_examples import small_result

SAMPLES = Path(__file__).resolve().parent.parent / "sample_exports"
SAMPLE_AS_OF = datetime.date(2026, 11, 15)
# How the samples are written (as in test_samples.py).
SAMPLE_FORMATS = {"zoho": ("utf-8-sig", ";"), "stripe": ("utf-8", ",")}
HEADER = (
    "file,line,subscription_id,customer_id,product,plan,status,step,customer_active,"
    "probable_duplicate_of,mrr,currency"
)
# The steps of the subscriptions bridge that rows fall in, in the bridge's order.
ROW_STEPS = (
    "rejected",
    "duplicates_removed",
    "not_yet_paying",
    "paused",
    "unpaid",
    "ended",
    "extra_subscriptions",
    "customers_active",
)

# ---- a small export, worked out by hand ---------------------------------------------

AS_OF = datetime.date(2024, 6, 15)
ROWS = [
    # C1: S1 and S3 start on the same day; S1 is first in the file, so it counts C1.
    {"line": 2, "subscription_id": "S1", "customer_id": "C1", "product": "A", "status": "live",
     "start": "2024-01-10", "customer_email": "a@x.de", "amount": 10.0, "currency": "EUR"},
    {"line": 3, "subscription_id": "S2", "customer_id": "C2", "product": "B", "status": "trial",
     "start": "2024-05-01"},
    # S3: 120 a year is 10 a month; S6 is in another currency; S9 has no amount.
    {"line": 4, "subscription_id": "S3", "customer_id": "C1", "product": "B", "plan": "p",
     "status": "live", "start": "2024-01-10", "customer_email": "a@x.de", "amount": 120.0,
     "interval": "year", "currency": "EUR"},
    # line 5: rejected; line 7: an exact duplicate.
    {"line": 6, "subscription_id": "S4", "customer_id": "C3", "product": "A",
     "status": "paused", "start": "2023-01-01", "end": "2024-03-01"},
    {"line": 8, "subscription_id": "S5", "customer_id": "C2", "product": "A",
     "status": "cancelled", "start": "2023-01-01", "end": "2024-02-01", "amount": 30.0,
     "currency": "eur"},
    # C4 shares C1's email: merged into C1. S9 starts earlier than S6, so S9 counts C4.
    {"line": 9, "subscription_id": "S6", "customer_id": "C4", "product": "A", "status": "live",
     "start": "2023-06-01", "customer_email": " A@X.de ", "amount": 5.0, "currency": "usd"},
    # C5 shares it too but is not active (starts after the as-of date): merged into C1.
    {"line": 10, "subscription_id": "S7", "customer_id": "C5", "product": "A", "status": "live",
     "start": "2024-07-01", "customer_email": "a@x.de"},
    {"line": 11, "subscription_id": "S8", "customer_id": "C3", "product": "A", "status": "live",
     "start": "2024-06-10", "end": "2024-06-12"},
    {"line": 12, "subscription_id": "S9", "customer_id": "C4", "product": "B", "status": "live",
     "start": "2022-01-01"},
    # Unpaid: its last paid period ended on 2024-06-01, before the as-of date.
    {"line": 13, "subscription_id": "S10", "customer_id": "C2", "product": "B",
     "status": "unpaid", "start": "2023-06-01", "period_end": "2024-06-01"},
]  # fmt: skip
F = "subscriptions.csv"
EXPECTED = [
    (F, 2, "S1", "C1", "A", None, "live", "customers_active", True, None, 10.0, "EUR"),
    (F, 3, "S2", "C2", "B", None, "trial", "not_yet_paying", False, None, None, None),
    (F, 4, "S3", "C1", "B", "p", "live", "extra_subscriptions", True, None, 10.0, "EUR"),
    (F, 5, None, None, None, None, None, "rejected", None, None, None, None),
    (F, 6, "S4", "C3", "A", None, "paused", "paused", False, None, None, None),
    (F, 7, None, None, None, None, None, "duplicates_removed", None, None, None, None),
    # Ended: no MRR, whatever its amount.
    (F, 8, "S5", "C2", "A", None, "cancelled", "ended", False, None, None, "EUR"),
    (F, 9, "S6", "C4", "A", None, "live", "extra_subscriptions", True, "C1", 5.0, "USD"),
    (F, 10, "S7", "C5", "A", None, "live", "ended", False, "C1", None, None),
    (F, 11, "S8", "C3", "A", None, "live", "ended", False, None, None, None),
    (F, 12, "S9", "C4", "B", None, "live", "customers_active", True, "C1", None, None),
    (F, 13, "S10", "C2", "B", None, "unpaid", "unpaid", False, None, None, None),
]


def small_export():
    return subscriptions_table(
        ROWS,
        file=F,
        # Two errors on line 5: still one rejected row.
        rejections=[{"line": 5, "code": "invalid_date"}, {"line": 5, "code": "unknown_status"}],
        duplicate_lines=[7],
    )


def test_a_small_export_is_traced_row_by_row():
    table = small_export()
    rows = trace(table, None, reconcile_tables(table, None, AS_OF))
    assert rows.schema == pl.Schema(TRACE_SCHEMA)
    assert rows.rows() == EXPECTED


def test_the_mrr_column_adds_up_to_the_reports_mrr():
    table = small_export()
    result = reconcile_tables(table, None, AS_OF)
    rows = trace(table, None, result)
    summed = dict(
        rows.filter(pl.col("mrr").is_not_null())
        .group_by("currency")
        .agg(pl.col("mrr").sum())
        .iter_rows()
    )
    assert summed == {r.currency: r.mrr for r in result.revenue if r.subscriptions}
    assert summed == {"EUR": 20.0, "USD": 5.0}


def test_the_small_export_counts_are_its_bridge():
    table = small_export()
    result = reconcile_tables(table, None, AS_OF)
    counts = Counter(trace(table, None, result)["step"])
    bridge = {step.step: step.count for step in result.bridge}
    assert counts == {
        "rejected": 1,
        "duplicates_removed": 1,
        "not_yet_paying": 1,
        "paused": 1,
        "unpaid": 1,
        "ended": 3,
        "extra_subscriptions": 2,
        "customers_active": 2,
    }
    assert {step: -bridge[step] for step in ROW_STEPS[:-1]} == {
        step: counts[step] for step in ROW_STEPS[:-1]
    }
    assert bridge["customers_active"] == 2
    # Only C4 is active among the customers merged away; C5 is not.
    assert bridge["probable_duplicates"] == -1


def test_a_result_of_other_tables_is_refused():
    table = small_export()
    other = subscriptions_table(ROWS[:3], file=F)
    with pytest.raises(ValueError, match="not the ones the Result was computed from"):
        trace(other, None, reconcile_tables(table, None, AS_OF))


def test_an_export_without_rows_traces_to_an_empty_frame():
    table = subscriptions_table([], file=F)
    rows = trace(table, None, reconcile_tables(table, None, AS_OF))
    assert rows.height == 0
    assert rows.schema == pl.Schema(TRACE_SCHEMA)


# ---- the samples --------------------------------------------------------------------


def sample(source: str):
    folder = SAMPLES / source
    tables = api.load(folder / "subscriptions.csv", folder / "customers.csv")
    result = api.reconcile_tables(*tables, SAMPLE_AS_OF)
    return tables, result, api.trace(*tables, result)


def record_lines(path: Path, encoding: str, delimiter: str) -> list[int]:
    """The physical line each data record of a CSV file starts on, read with the csv
    module (a quoted field may hold line breaks)."""
    starts = []
    with path.open(encoding=encoding, newline="") as file:
        reader = csv.reader(file, delimiter=delimiter)
        next(reader)
        end_of_last = reader.line_num
        for record in reader:
            if any(record):
                starts.append(end_of_last + 1)
            end_of_last = reader.line_num
    return starts


@pytest.mark.parametrize("source", SAMPLE_FORMATS)
def test_sample_step_counts_are_the_bridge_counts(source):
    (subscriptions, _), result, rows = sample(source)
    bridge = {step.step: abs(step.count) for step in result.bridge}
    counts = Counter(rows["step"])
    assert {step: counts[step] for step in ROW_STEPS} == {step: bridge[step] for step in ROW_STEPS}
    merged_away = rows.filter(
        pl.col("customer_active") & pl.col("probable_duplicate_of").is_not_null()
    )
    assert merged_away["customer_id"].n_unique() == bridge["probable_duplicates"]
    assert set(rows["file"]) == {subscriptions.file}


@pytest.mark.parametrize("source", SAMPLE_FORMATS)
def test_sample_step_counts_are_the_worked_out_answers(source):
    # expected.json: the answers sample_exports/generate.py works out from its own plan.
    expected = json.loads((SAMPLES / source / "expected.json").read_text(encoding="utf-8"))
    bridge = {step["step"]: abs(step["count"]) for step in expected["bridge"]}
    counts = Counter(sample(source)[2]["step"])
    assert {step: counts[step] for step in ROW_STEPS} == {step: bridge[step] for step in ROW_STEPS}


@pytest.mark.parametrize("source", SAMPLE_FORMATS)
def test_every_record_of_a_sample_appears_exactly_once(source):
    _, result, rows = sample(source)
    encoding, delimiter = SAMPLE_FORMATS[source]
    lines = record_lines(SAMPLES / source / "subscriptions.csv", encoding, delimiter)
    assert rows["line"].to_list() == lines  # in file order, each once
    assert rows.height == result.inputs.subscriptions.rows_read


@pytest.mark.parametrize("source", SAMPLE_FORMATS)
def test_sample_rejected_and_duplicate_lines_are_the_jsons(source):
    (subscriptions, _), result, rows = sample(source)
    document = result.to_dict()
    rejected = {r["line"] for r in document["rejections"] if r["file"] == subscriptions.file}
    assert set(rows.filter(pl.col("step") == "rejected")["line"]) == rejected
    duplicates = rows.filter(pl.col("step") == "duplicates_removed")["line"].to_list()
    assert duplicates == document["inputs"]["subscriptions"]["duplicate_lines"]
    dropped = rows.filter(pl.col("step").is_in(["rejected", "duplicates_removed"]))
    assert dropped.select(pl.col("subscription_id").is_null().all()).item()


# ---- generated tables against the definitions ---------------------------------------


def oracle_trace(rows, subscriptions, customers, as_of):
    """(line, step, customer_active, probable_duplicate_of) of every row, from DOMAIN.md."""
    active = {position for position, row in enumerate(rows) if active_on(row, as_of, as_of)}
    active_ids = {rows[position]["customer_id"] for position in active}
    counting = {}
    for position, row in enumerate(rows):  # lines are position + 2 (factories.py)
        if position in active:
            key = (paying_start(row), position)
            counting[row["customer_id"]] = min(counting.get(row["customer_id"], key), key)
    merged_into = {}
    for _, ids, active_members in oracle_duplicate_groups(rows, customers, active_ids):
        kept = (active_members or ids)[0]
        merged_into.update((member, kept) for member in ids if member != kept)
    traced = []
    for position, row in enumerate(rows):
        cls = klass(row, as_of)
        if position in active:
            first = counting[row["customer_id"]] == (paying_start(row), position)
            step = "customers_active" if first else "extra_subscriptions"
        elif in_trial(row, as_of):
            step = NOT_YET_PAYING
        else:
            step = cls if cls in (NOT_YET_PAYING, PAUSED, UNPAID) else ENDED
        customer = row["customer_id"]
        traced.append((position + 2, step, customer in active_ids, merged_into.get(customer)))
    traced += [(line, "rejected", None, None) for line in set(subscriptions.rejections["line"])]
    traced += [(line, "duplicates_removed", None, None) for line in subscriptions.duplicate_lines]
    return sorted(traced)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_generated_tables_are_traced_as_the_definitions_say(scenario):
    rows, subscriptions, customers, as_of = scenario
    result = reconcile_tables(subscriptions, customers, as_of)
    traced = trace(subscriptions, customers, result)
    columns = ["line", "step", "customer_active", "probable_duplicate_of"]
    assert traced.select(columns).rows() == oracle_trace(rows, subscriptions, customers, as_of)
    bridge = {step.step: abs(step.count) for step in result.bridge}
    counts = Counter(traced["step"])
    assert {step: counts[step] for step in ROW_STEPS} == {step: bridge[step] for step in ROW_STEPS}
    assert traced.height == subscriptions.rows_read


# ---- the command line and the report ------------------------------------------------


def test_report_writes_the_rows_csv(tmp_path):
    folder = SAMPLES / "zoho"
    rows_csv, markdown = tmp_path / "out" / "rows.csv", tmp_path / "report.md"
    outcome = CliRunner().invoke(
        main,
        [
            "report",
            str(folder / "subscriptions.csv"),
            "--customers",
            str(folder / "customers.csv"),
            "--as-of",
            "2026-11-15",
            "--redact",
            "-o",
            str(rows_csv),
            "-o",
            str(markdown),
        ],
    )
    assert outcome.exit_code == 0, outcome.output
    data = rows_csv.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == HEADER
    _, result, rows = sample("zoho")
    assert len(lines) == 1 + result.inputs.subscriptions.rows_read
    written = pl.read_csv(rows_csv, schema=TRACE_SCHEMA)
    # --redact names the file without its folder (the folder may name the client).
    assert written.equals(rows.with_columns(file=pl.lit("subscriptions.csv")))
    # The report names the rows CSV written beside it, by its file name, and no command.
    report = markdown.read_text(encoding="utf-8")
    assert "all 39 in rows.csv" in report
    assert str(tmp_path) not in report and "-o " not in report


def test_report_refuses_an_unknown_extension_naming_csv(tmp_path):
    folder = SAMPLES / "stripe"
    outcome = CliRunner().invoke(
        main, ["report", str(folder / "subscriptions.csv"), "-o", str(tmp_path / "rows.tsv")]
    )
    assert outcome.exit_code == 2
    assert "use a name ending in .html, .md, .json, .csv or .xlsx" in outcome.output


def hidden_everywhere(result):
    """`result` with 5 more rows or customers behind every step that names some."""

    def more(steps):
        return tuple(
            replace(step, examples=("X1",), examples_total=6)
            if step.kind in ("subtract", "add")
            else step
            for step in steps
        )

    return replace(result, bridge=more(result.bridge), customer_bridge=more(result.customer_bridge))


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_only_lists_held_in_full_somewhere_point_there(fmt):
    result = hidden_everywhere(small_result())
    files = {"csv": "/home/kim/out/rows.csv", "json": "/home/kim/out/report.json"}
    english = render(result, fmt, lang="en", files=files)
    subtracting = [s for s in result.bridge if s.kind in ("subtract", "add")]
    assert english.count("all 6 in rows.csv") == len(subtracting)
    # Of the customers walk: rejected and duplicate lines are in the JSON, in full; the
    # customers of its two other steps are nowhere.
    assert english.count("all 6 in report.json") == 2
    assert english.count("5 more") == 2
    assert "/home/kim" not in english
    german = render(result, fmt, lang="de", files=files)
    assert german.count("alle 6 in rows.csv") == len(subtracting)
    assert german.count("alle 6 in report.json") == 2
    # Without the rows CSV, the workbook holds the row trace; with neither, nothing does.
    in_workbook = render(result, fmt, lang="en", files={"xlsx": "report.xlsx"})
    assert in_workbook.count("all 6 in report.xlsx") == len(subtracting) + 2
    alone = render(result, fmt, lang="en")
    assert alone.count("5 more") == len(subtracting) + 4
