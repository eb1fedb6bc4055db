"""Row accounting of the inputs as the Result reports it: summaries, rejections, and the
lines behind the bridge's "rejected" and "duplicates removed" steps."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from reconcile.bridge import EXAMPLES_SHOWN, Evidence
from reconcile.canonical import LoadedTable
from reconcile.codes import RowError
from reconcile.problems import ROW_ERROR_SCHEMA
from reconcile.result import (
    REJECTED_SHARE_CAVEAT,
    DateColumn,
    InputSummary,
    RejectedRowsCaveat,
    Rejection,
)


def tables(subscriptions: LoadedTable, customers: LoadedTable | None) -> list[LoadedTable]:
    """The exports of a run in report order: subscriptions first."""
    return [subscriptions] if customers is None else [subscriptions, customers]


def input_summary(table: LoadedTable) -> InputSummary:
    return InputSummary(
        file=table.file,
        source=table.source,
        rows_read=table.rows_read,
        rows_accepted=table.rows_accepted,
        rows_rejected=table.rows_rejected,
        duplicate_rows_removed=table.duplicate_rows_removed,
        duplicate_lines=tuple(sorted(table.duplicate_lines)),
        blank_lines_skipped=table.blank_lines_skipped,
        has_start_dates=table.has_start,
        date_formats=tuple(DateColumn(*column) for column in table.date_formats),
        guest_lines=table.guest_lines,
    )


def caveats(
    subscriptions: LoadedTable, customers: LoadedTable | None
) -> tuple[RejectedRowsCaveat, ...]:
    """A caveat for each file with more than 5% of its rows rejected."""
    found = []
    for table in tables(subscriptions, customers):
        if table.rows_rejected <= REJECTED_SHARE_CAVEAT * table.rows_read:
            continue
        reasons = [fact for fact in rejection_facts(table) if _rejects(fact[1])]
        code, rows = max(((f[1], f[2]) for f in reasons), key=lambda f: f[1], default=("", 0))
        found.append(
            RejectedRowsCaveat(
                file=table.file,
                rows_read=table.rows_read,
                rows_rejected=table.rows_rejected,
                rows_accepted=table.rows_accepted,
                reason=code,
                reason_rows=rows,
            )
        )
    return tuple(found)


def _rejects(code: str) -> bool:
    member = RowError.of(code)
    return member is None or member.rejects


def rejections(subscriptions: LoadedTable, customers: LoadedTable | None) -> tuple[Rejection, ...]:
    """Every row error of the rejected rows of both exports, by file, line, column and
    code (deterministic even when one line has several errors)."""
    return _row_errors(table.rejections for table in tables(subscriptions, customers))


def warnings(subscriptions: LoadedTable, customers: LoadedTable | None) -> tuple[Rejection, ...]:
    """Every row error of the accepted rows of both exports (values that could not be
    read, the rows kept), in the order of `rejections`."""
    return _row_errors(table.warnings for table in tables(subscriptions, customers))


def _row_errors(frames: Iterable[pl.DataFrame]) -> tuple[Rejection, ...]:
    selected = [frame.select(*ROW_ERROR_SCHEMA) for frame in frames]
    ordered = pl.concat(selected).sort("file", "line", "column", "code")
    return tuple(Rejection(*row) for row in ordered.iter_rows())


def rejected_lines(table: LoadedTable) -> Evidence:
    lines = table.rejections["line"].unique().sort().head(EXAMPLES_SHOWN)
    return Evidence(table.rows_rejected, tuple(str(line) for line in lines))


def guest_lines(table: LoadedTable) -> Evidence:
    lines = sorted(table.guest_lines)[:EXAMPLES_SHOWN]
    return Evidence(len(table.guest_lines), tuple(str(line) for line in lines))


def duplicate_lines(table: LoadedTable) -> Evidence:
    lines = sorted(table.duplicate_lines)[:EXAMPLES_SHOWN]
    return Evidence(table.duplicate_rows_removed, tuple(str(line) for line in lines))


def rejection_facts(table: LoadedTable) -> list[tuple[str, str, int, str | None]]:
    """(file, code, rows, first value) per rejection code, in RowError's order."""
    return _facts(table.file, table.rejections)


def warning_facts(table: LoadedTable) -> list[tuple[str, str, int, str | None]]:
    """(file, code, rows, first value) per warning code, in RowError's order."""
    return _facts(table.file, table.warnings)


def two_ways_facts(table: LoadedTable) -> list[tuple[str, str, int, str]]:
    """(file, column, rows, first value) per column of amounts that read two ways."""
    per_column = (
        table.warnings.filter(pl.col("code") == RowError.AMOUNT_READ_TWO_WAYS)
        .group_by("column", maintain_order=True)
        .agg(rows=pl.col("line").n_unique(), example=pl.col("value").sort_by("line").first())
    )
    return [(table.file, column, rows, example) for column, rows, example in per_column.iter_rows()]


def _facts(file: str, errors: pl.DataFrame) -> list[tuple[str, str, int, str | None]]:
    order = {code.value: position for position, code in enumerate(RowError)}
    per_code = (
        errors.group_by("code")
        .agg(rows=pl.col("line").n_unique(), example=pl.col("value").sort_by("line").first())
        .iter_rows()
    )
    return [
        (file, code, rows, example)
        for code, rows, example in sorted(
            per_code, key=lambda fact: (order.get(fact[0], len(order)), fact[0])
        )
    ]
