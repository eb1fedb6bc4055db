"""The checked frame: the rows with raw text, typed values and canonical fields side by
side, parsed once per distinct value and in parallel; the status and its class."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import MappingProxyType

import polars as pl

from reconcile import parsing
from reconcile.canonical import (
    ENDED,
    PAUSED,
    SUBSCRIPTIONS,
)
from reconcile.reading import RawTable
from reconcile.sources import ID_FIELDS, TableSpec
from reconcile.validation.columns import (
    AMOUNT,
    DATE,
    FIRST_OF_ID,
    INTERVAL_COUNT,
    INTERVAL_UNIT,
    KEPT_AS_TEXT,
    QUANTITY,
    RAW,
    SCIENTIFIC,
    TEXT,
    TYPED,
    canonical_expr,
    canonical_fields,
)
from reconcile.validation.repeats import Repeats
from reconcile.validation.typing_plan import TypingPlan, id_raw_fields


def _typed_expr(raw_field: str, plan: TypingPlan) -> pl.Expr:
    """A raw field parsed as its type says; null where empty or unparseable.

    Each parser works on the whole column (once per distinct value) inside map_batches,
    so that the typed columns, given to one `with_columns`, are parsed in parallel."""
    kind = plan.types[raw_field]
    if kind == DATE:
        parsed = parsing.date_expr(RAW + raw_field, plan.date_formats[raw_field])
    elif kind == AMOUNT:
        parsed = parsing.amount_expr(RAW + raw_field, plan.decimals[raw_field])
    elif kind == INTERVAL_UNIT:
        parsed = pl.col(RAW + raw_field).map_batches(
            parsing.parse_interval_units, return_dtype=pl.Float64(), is_elementwise=True
        )
    elif kind in (INTERVAL_COUNT, QUANTITY):
        # A billing interval holds at least one unit; a quantity may be 0 (Stripe's is).
        minimum = 1 if kind == INTERVAL_COUNT else 0
        parsed = pl.col(RAW + raw_field).map_batches(
            partial(parsing.parse_whole_numbers, minimum=minimum),
            return_dtype=pl.Int64(),
            is_elementwise=True,
        )
    else:
        parsed = pl.col(RAW + raw_field).map_batches(
            _parsed_booleans, return_dtype=pl.Boolean(), is_elementwise=True
        )
    return parsed.alias(TYPED + raw_field)


def _parsed_booleans(values: pl.Series) -> pl.Series:
    return _on_distinct(values, parsing.boolean_expr("value")).to_series()


def _on_distinct(values: pl.Series, *exprs: pl.Expr) -> pl.DataFrame:
    """`exprs` evaluated once per distinct value, one column each, aligned with `values`:
    export columns repeat a few values many times, and the parsers are regular
    expressions. The first expression reads the column "value", each later one may read
    the columns before it."""
    key = "row:distinct"
    parsed = values.unique().to_frame("value").with_columns(pl.col("value").alias(key))
    for expr in exprs:
        parsed = parsed.with_columns(expr)
    outputs = [expr.meta.output_name() for expr in exprs]
    return (
        values.to_frame(key)
        .join(parsed.select(key, *outputs), on=key, how="left", maintain_order="left")
        .drop(key)
    )


def checked_frame(
    rows: pl.DataFrame, raw: RawTable, table: TableSpec, plan: TypingPlan, repeats: Repeats
) -> pl.DataFrame:
    """The rows with raw text, typed raw fields and canonical fields side by side."""
    id_canonicals = ID_FIELDS & set(canonical_fields(raw.kind))
    id_fields = {f for c in id_canonicals for f in id_raw_fields(table, plan, c)}
    # Typed values and scientific-notation flags each read one raw column: computed in one
    # `with_columns`, polars runs them in parallel.
    typed = rows.with_columns(
        *(_typed_expr(f, plan) for f, kind in plan.types.items() if kind != TEXT),
        *(_scientific_expr(f) for f in sorted(id_fields)),
    )

    def value_of(raw_field: str) -> pl.Expr:
        text = plan.types[raw_field] in KEPT_AS_TEXT
        return pl.col((RAW if text else TYPED) + raw_field)

    canonical = [canonical_expr(c, table, plan.types, value_of) for c in canonical_fields(raw.kind)]
    frame = typed.with_columns(*canonical, repeats.first_of_id.alias(FIRST_OF_ID))
    if raw.kind != SUBSCRIPTIONS:
        return frame.with_columns(_status_columns(frame, raw, plan, with_class=False))
    frame = frame.with_columns(_status_columns(frame, raw, plan, with_class=True))
    by_status = {
        c: _by_status_expr(c, table, plan, value_of)
        for c in canonical_fields(raw.kind)
        if table.status_fallbacks(c)
    }
    # A paused subscription counts until its pause date (DOMAIN.md).
    end = pl.when(pl.col("status_class") == PAUSED).then(pl.col("pause_date"))
    by_status["end"] = end.otherwise(by_status.get("end", pl.col("end"))).alias("end")
    return frame.with_columns(*by_status.values(), _never_paid_expr(raw, plan))


def _by_status_expr(
    canonical: str, table: TableSpec, plan: TypingPlan, value_of: Callable[[str], pl.Expr]
) -> pl.Expr:
    """A canonical field with the source's own fallbacks for the rows of some statuses
    (Zoho's non_renewing end), the general ones for every other row."""
    expr = pl.col(canonical)
    for status, fallbacks in table.status_fallbacks(canonical).items():
        own = TableSpec(table.kind, table.columns, MappingProxyType({canonical: fallbacks}))
        value = canonical_expr(canonical, own, plan.types, value_of)
        expr = (
            pl.when(pl.col("status").is_in(normalized_statuses((status,))))
            .then(value)
            .otherwise(expr)
        )
    return expr.alias(canonical)


def _never_paid_expr(raw: RawTable, plan: TypingPlan) -> pl.Expr:
    """Whether the row says that it never paid (DOMAIN.md): a status of the source's
    `never_paid`, or an ended status without the activation date of a file that has that
    column (`never_paid_without`)."""
    never_paid = pl.col("status").is_in(normalized_statuses(raw.source.never_paid))
    without = raw.source.never_paid_without
    if without is not None and without in plan.types:
        ended = pl.col("status_class") == ENDED
        never_paid = never_paid | (ended & pl.col(RAW + without).is_null())
    return never_paid.fill_null(False).alias("never_paid")


def _scientific_expr(raw_field: str) -> pl.Expr:
    flags = pl.col(RAW + raw_field).map_batches(
        parsing.scientific_ids, return_dtype=pl.Boolean(), is_elementwise=True
    )
    return flags.alias(SCIENTIFIC + raw_field)


def _status_columns(
    frame: pl.DataFrame, raw: RawTable, plan: TypingPlan, *, with_class: bool
) -> pl.DataFrame:
    """ "status" normalised and, `with_class`, its "status_class" (null when the status is
    unknown, and without a status column), in one pass over the status column."""
    exprs = [_normalized_status("value")]
    if with_class:
        exprs.append(_status_class_expr(raw, plan).alias("status_class"))
    return _on_distinct(frame.get_column("status").cast(pl.String), *exprs)


def _normalized_status(column: str) -> pl.Expr:
    return parsing.normalize_status_expr(column).alias("status")


def _status_class_expr(raw: RawTable, plan: TypingPlan) -> pl.Expr:
    if not plan.has_status:
        return pl.lit(None, pl.String)
    classes = _normalized_status_classes(raw)
    return pl.col("status").replace_strict(classes, default=None, return_dtype=pl.String)


def normalized_statuses(values: tuple[str, ...]) -> tuple[str, ...]:
    """Status values as a source file writes them, normalised as the "status" column is."""
    return tuple(
        pl.DataFrame({"status": list(values)}, schema={"status": pl.String})
        .select(parsing.normalize_status_expr("status"))
        .get_column("status")
        .to_list()
    )


def _normalized_status_classes(raw: RawTable) -> dict[str, str]:
    values = raw.source.status_values()
    normalized = (
        pl.DataFrame({"status": list(values)}, schema={"status": pl.String})
        .select(parsing.normalize_status_expr("status"))
        .get_column("status")
    )
    return dict(zip(normalized.to_list(), values.values(), strict=True))
