"""The pandera adapter: the checks as a declared pandera schema over the checked frame,
and pandera's failure cases as our row errors (problems.ROW_ERROR_SCHEMA).

The schema checks, per column of the checked frame, the row-local expressions of
reconcile.validation.checks (IDs present and not damaged, values that parse, known
statuses, a start where one is needed, no conflicting duplicate); it coerces nothing and
allows other columns. pandera sees only the rows that failed a check and only the checks
that failed, so its cost follows the number of bad rows.
"""

from __future__ import annotations

import polars as pl

from reconcile.problems import (
    ROW_ERROR_SCHEMA,
    InternalError,
)
from reconcile.reading import RawTable
from reconcile.validation.checks import Check
from reconcile.validation.columns import (
    id_key,
)


def _schema(checked: pl.DataFrame, checks: list[Check]):
    # pandera is imported here, not at module level: it is slow to import (bench/RESULTS.md,
    # "Micro-benchmarks") and the CLI's --help and usage errors should not wait for it.
    import pandera.polars as pa

    by_column: dict[str, list] = {}
    for check in checks:
        by_column.setdefault(check.column, []).append(
            pa.Check(
                lambda data, passes=check.passes: data.lazyframe.select(passes),
                name=check.name,
                ignore_na=False,
            )
        )
    columns = {
        column: pa.Column(checked.schema[column], nullable=True, checks=column_checks)
        for column, column_checks in by_column.items()
    }
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


def _failure_cases(failing: pl.DataFrame, checks: list[Check]) -> pl.DataFrame:
    """(index, check, value) of every failed check; pandera's raw output goes no further.

    `failing` holds only the rows that failed a check when all checks were evaluated
    together in one parallel pass, and pandera validates them with only the checks that
    failed: its cost follows the number of bad rows, not the size of the file (a clean
    file never even imports it). Every check is row-local (the conflicting-duplicate flag
    is computed over the whole file beforehand), so a subset fails exactly the checks it
    failed within the whole. `index` counts the rows of `failing`.
    """
    empty = pl.DataFrame(schema={"index": pl.Int64, "check": pl.String, "value": pl.String})
    if failing.height == 0:
        return empty
    failed_any = failing.select((~c.passes).any().alias(c.name) for c in checks).row(0)
    failed = [check for check, failed in zip(checks, failed_any, strict=True) if failed]
    import pandera.errors

    try:
        _schema(failing, failed).validate(failing, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:  # pragma: no cover - the same expressions failed above
        raise InternalError("pandera passed rows that failed the same checks")
    unexpected = cases.filter(~pl.col("check").is_in([check.name for check in failed]))
    if unexpected.height:  # a dtype or schema failure: a bug in this module, never user data
        raise InternalError(f"validation schema failed on its own frame: {unexpected.head(5)}")
    return cases.select(
        pl.col("index").cast(pl.Int64),
        pl.col("check"),
        pl.col("failure_case").cast(pl.String).alias("value"),
    )


def row_errors(
    failing: pl.DataFrame, checks: list[Check], raw: RawTable, first_lines: pl.DataFrame
) -> pl.DataFrame:
    """The row errors in ROW_ERROR_SCHEMA, by line and then in the order of the checks.

    `first_lines` gives the line each ID first appears on, for the conflicting
    duplicates' message.
    """
    cases = _failure_cases(failing, checks)
    if cases.height == 0:
        return pl.DataFrame(schema=ROW_ERROR_SCHEMA)
    key = id_key(raw.kind)
    cases = cases.with_columns(
        line=failing.get_column("line").gather(cases.get_column("index")),
        key=failing.get_column(key).cast(pl.String).gather(cases.get_column("index")),
    ).join(first_lines, on="key", how="left")
    parts = []
    for order, check in enumerate(checks):
        part = cases.filter(pl.col("check") == check.name)
        if part.height:
            part = part.with_columns(_context(failing, check, part.get_column("index")))
            parts.append(
                part.select(
                    pl.lit(raw.file).alias("file"),
                    pl.col("line"),
                    pl.lit(check.header).alias("column"),
                    pl.col("value"),
                    pl.lit(check.code).alias("code"),
                    check.message.cast(pl.String).alias("message"),
                    pl.lit(order).alias("order"),
                )
            )
    errors = pl.concat(parts).sort("line", "order").drop("order")
    return errors.select(pl.col(name).cast(dtype) for name, dtype in ROW_ERROR_SCHEMA.items())


def _context(failing: pl.DataFrame, check: Check, index: pl.Series) -> pl.Series:
    """The check's `context` (a value of the row beside the failing one, for its
    message) on the failing rows at `index`; null without one."""
    if check.context is None:
        return pl.repeat(None, index.len(), dtype=pl.String, eager=True).alias("context")
    values = failing.select(check.context.cast(pl.String).alias("context")).to_series()
    return values.gather(index)
