"""Validation: from a RawTable (text) to a LoadedTable (typed canonical rows + row errors).

In this order (DOMAIN.md, "Bad rows"):
1. exact duplicates: a row identical in every column of the file to an earlier row is
   removed and its line recorded;
2. typing with reconcile.parsing, one date format per column (a column whose day/month
   order is ambiguous takes the order the file's other date columns settle, else the
   file is unusable until --date-format says it);
3. the canonical fields derived from the raw fields as the source says (ordered
   fallbacks), `end` of a paused subscription being its pause date;
4. a pandera schema over one frame holding the raw text, the typed values and the
   canonical fields; its failure cases become our row errors (problems.ROW_ERROR_SCHEMA)
   with the file's line, the file's header and the raw value. Conflicting duplicates
   (same ID, other content, not the first in file order) are one of its checks. A check
   on a value that no figure uses (an amount) only warns: the row is kept, its error goes
   to `warnings`; on a row rejected for another fault it is listed with the rejection.
Every row is accounted for: rows_read == accepted + rejected + duplicates removed.

Speed (a million rows should take about twice a plain polars.read_csv): the frame is
never copied to drop rows until the accepted rows are selected at the end; repeats and
conflicts are looked for only among the rows whose ID occurs more than once; columns
that repeat a few values (dates, amounts, statuses) are parsed once per distinct value,
and the columns are counted and parsed in parallel; all checks run together in one
parallel pass, and pandera validates only the rows and checks that failed it.
"""

from __future__ import annotations

from typing import cast

import polars as pl

from reconcile import parsing
from reconcile.canonical import (
    CUSTOMER_COLUMNS,
    SUBSCRIPTION_COLUMNS,
    SUBSCRIPTIONS,
    LoadedTable,
)
from reconcile.reading import RawTable
from reconcile.sources import TableSpec
from reconcile.validation.checked import checked_frame, normalized_statuses
from reconcile.validation.checks import Check, checks_for
from reconcile.validation.columns import DATE, RAW, TYPED, canonical_fields, undone_expr
from reconcile.validation.refusal import refuse_if_every_row_rejected
from reconcile.validation.repeats import Repeats
from reconcile.validation.schema import row_errors
from reconcile.validation.typing_plan import TypingPlan, preferred_format, raw_field_types


def validate(raw: RawTable, *, date_format: str | None = None) -> LoadedTable:
    """Type, check and account for every row of one export.

    `date_format` (a parsing.DATE_FORMATS name or alias) settles the day/month order of
    ambiguous date columns. Raises ReconcileError for an unknown date format, and
    UnusableFileError when the day/month order of a date column cannot be decided or when
    every row is rejected.
    """
    preferred = preferred_format(date_format)
    table = raw.table()
    types = raw_field_types(table, raw.headers)
    # One contiguous chunk per column, as the Series computed below have: a frame whose
    # columns are chunked differently is realigned (copied) by every later select.
    # (Reading makes them so already; a RawTable built otherwise may not be.)
    rows = raw.frame.rechunk().rename({f: RAW + f for f in raw.frame.columns if f != "line"})
    rows = _without_no_date_values(rows, types, (*parsing.NO_DATE_VALUES, *raw.source.no_date))
    repeats = Repeats.of(raw, rows, table, types)
    plan = TypingPlan.of(raw, rows, types, repeats, preferred)
    checked = checked_frame(rows, raw, table, plan, repeats)
    checks = checks_for(raw, table, plan)
    passes, warned = _verdicts(checked, checks, repeats)
    # The rows with any error: the rejected ones, and the accepted ones with a warning.
    flagged = checked.filter(~passes | warned)
    repeated_lines = raw.frame.get_column("line").filter(repeats.repeated)
    errors = _with_reading_warnings(
        row_errors(flagged, checks, raw, repeats.first_lines), raw, repeated_lines
    )
    # A row's line (where its record starts) is unique: it tells its errors apart.
    rejected_lines = checked.get_column("line").filter(~passes)
    of_rejected_row = pl.col("line").is_in(rejected_lines.implode())
    canonical = SUBSCRIPTION_COLUMNS if raw.kind == SUBSCRIPTIONS else CUSTOMER_COLUMNS
    accepted = checked.select(pl.col(name).cast(dtype) for name, dtype in canonical.items())
    kept = passes & ~repeats.repeated
    undone = _undone_dates(checked, raw, table, plan, kept)
    # The typed values and flags of every row are let go before the accepted rows are
    # copied out: the copy then reuses their memory instead of growing the process's.
    del checked, flagged, rows
    accepted = accepted.filter(kept)
    rejections = errors.filter(of_rejected_row)
    refuse_if_every_row_rejected(raw, plan, rejections, accepted.height)
    accepted, guest_lines = _guests_apart(accepted, table)
    return LoadedTable(
        kind=raw.kind,
        file=raw.file,
        source=raw.source.name,
        rows_read=raw.frame.height,
        frame=accepted,
        rejections=rejections,
        rows_rejected=rejected_lines.len(),
        duplicate_lines=tuple(repeated_lines.to_list()),
        has_status=plan.has_status,
        has_start=any(f in plan.types for f in table.raw_fields_of("start")),
        date_formats=tuple(
            (raw.headers[f], fmt.name, fmt.two_digit_year)
            for f, fmt in plan.date_formats.items()
            if plan.date_fit.get(f, (0, 0))[1] > 0
        ),
        warnings=errors.filter(~of_rejected_row),
        blank_lines_skipped=raw.blank_rows_skipped,
        repeated_header_lines=raw.repeated_header_lines,
        parts_lacking=raw.parts_lacking,
        undone_dates=undone,
        pasted_title_lines=raw.pasted_title_lines,
        later_sheet=raw.later_sheet,
        unwrapped=raw.unwrapped,
        billing_system=raw.source.billing_system(),
        guest_lines=guest_lines,
    )


def _undone_dates(
    checked: pl.DataFrame, raw: RawTable, table: TableSpec, plan: TypingPlan, kept: pl.Series
) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
    """LoadedTable.undone_dates: per derivation step whose date a later date undoes
    (sources: `undone_by`), the lines of the kept rows where it did, leaving aside the
    rows of a status that derives the field its own way."""
    found = []
    for canonical in canonical_fields(raw.kind):
        own_way = normalized_statuses(tuple(table.status_fallbacks(canonical)))
        for fallback in table.fallbacks(canonical):
            undone = undone_expr(fallback, plan.types, lambda f: pl.col(TYPED + f))
            if undone is None:
                continue
            where = undone & ~pl.col("status").is_in(own_way).fill_null(False) & pl.lit(kept)
            lines = checked.filter(where).get_column("line")
            if lines.len():
                undoing = cast(str, fallback.undone_by)
                found.append(
                    (raw.headers[fallback.fields[0]], raw.headers[undoing], tuple(lines.to_list()))
                )
    return tuple(found)


def _guests_apart(accepted: pl.DataFrame, table: TableSpec) -> tuple[pl.DataFrame, tuple[int, ...]]:
    """The accepted customers with an ID, and the lines of the guest customers without
    one (only where the source says an empty customer ID is a guest, as Stripe's does):
    accepted rows that no customer figure can match to a subscription."""
    if not table.guests_without_id:
        return accepted, ()
    guest = accepted.get_column("customer_id").is_null()
    return accepted.filter(~guest), tuple(accepted.get_column("line").filter(guest).to_list())


def _with_reading_warnings(
    errors: pl.DataFrame, raw: RawTable, repeated_lines: pl.Series
) -> pl.DataFrame:
    """The row errors with reading's warnings (bytes that were not UTF-8, invisible
    characters removed from IDs) of the rows that are not removed as repeats."""
    if raw.warnings.height == 0:
        return errors
    own = raw.warnings.filter(~pl.col("line").is_in(repeated_lines.implode()))
    return pl.concat([errors, own.select(errors.columns)]).sort("line", maintain_order=True)


def _without_no_date_values(
    rows: pl.DataFrame, types: dict[str, str], no_date: tuple[str, ...]
) -> pl.DataFrame:
    """The rows with the values that mean "no date" (`-`, `n/a`, `0000-00-00` in every
    export, and the source's own, WooCommerce's `0`) emptied in its date columns: a date
    that is not set, not an invalid one."""
    date_columns = [RAW + f for f, kind in types.items() if kind == DATE]
    if not no_date or not date_columns:
        return rows
    empty = [pl.when(~pl.col(c).is_in(no_date)).then(pl.col(c)).alias(c) for c in date_columns]
    return rows.with_columns(empty)


def _verdicts(
    checked: pl.DataFrame, checks: list[Check], repeats: Repeats
) -> tuple[pl.Series, pl.Series]:
    """(passes, warned) per row, in one pass: `passes` when no check that rejects fails
    (or the row is a repeat: removed, not checked, its errors are its original's);
    `warned` when a check that only warns fails on a row that is checked."""
    rejecting = [c.passes for c in checks if c.rejects]
    warning = [c.passes for c in checks if not c.rejects]
    warned = ~pl.all_horizontal(warning) & ~repeats.repeated if warning else pl.lit(False)
    verdicts = checked.select(passes=pl.all_horizontal(rejecting) | repeats.repeated, warned=warned)
    return verdicts.get_column("passes"), verdicts.get_column("warned")


def validation_summary(table: LoadedTable, *, max_errors: int = 20) -> dict:
    """What `reconcile validate --json` prints for one file: its accounting, the first
    `max_errors` row errors of its rejected rows (`errors`) and the first `max_errors` of
    its accepted rows (`warnings`: values that could not be read, the row kept), each in
    file order, several errors of one line in check order."""
    errors = table.rejections.sort("line", maintain_order=True)
    warnings = table.warnings.sort("line", maintain_order=True)
    return {
        "file": table.file,
        "kind": table.kind,
        "source": table.source,
        "rows_read": table.rows_read,
        "rows_accepted": table.rows_accepted,
        "rows_rejected": table.rows_rejected,
        "duplicate_rows_removed": table.duplicate_rows_removed,
        "guest_customers": len(table.guest_lines),
        "blank_lines_skipped": table.blank_lines_skipped,
        # How the file was read, where it was not as written: the lines of its header
        # repeated inside it, the sheet of a workbook whose first held no export, and
        # whether each line was one quoted cell.
        "repeated_header_lines": list(table.repeated_header_lines),
        # Parts whose header lacks a column that is read: their header's line and those.
        "parts_lacking_columns": [
            {"header_line": line, "columns": list(columns)} for line, columns in table.parts_lacking
        ],
        "sheet_read": table.later_sheet[1] if table.later_sheet else None,
        "first_sheet_without_export": table.later_sheet[0] if table.later_sheet else None,
        "lines_in_one_cell": table.unwrapped,
        "errors": _first_row_errors(errors, max_errors),
        "errors_total": errors.height,
        "warnings": _first_row_errors(warnings, max_errors),
        "warnings_total": warnings.height,
    }


def _first_row_errors(errors: pl.DataFrame, count: int) -> list[dict]:
    return list(errors.head(count).iter_rows(named=True))
