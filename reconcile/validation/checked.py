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
    OWN_CURRENCY,
    QUANTITY,
    RAW,
    ROUNDED,
    SCIENTIFIC,
    TEXT,
    TWO_WAYS,
    TYPED,
    canonical_expr,
    canonical_fields,
    id_key,
    undoes,
)
from reconcile.validation.repeats import Repeats
from reconcile.validation.typing_plan import TypingPlan, id_raw_fields


def _typed_expr(raw_field: str, plan: TypingPlan) -> pl.Expr:
    """A raw field parsed as its type says; null where empty or unparseable.

    Each parser works on the whole column (once per distinct value) inside map_batches,
    so that the typed columns, given to one `with_columns`, are parsed in parallel."""
    kind = plan.types[raw_field]
    # Whether most values occur once, as the typing plan counted them (an estimate less).
    distinct = raw_field in plan.mostly_distinct
    if kind == DATE:
        parsed = parsing.date_expr(
            RAW + raw_field, plan.date_formats[raw_field], mostly_distinct=distinct
        )
    elif kind == AMOUNT:
        parsed = parsing.amount_expr(
            RAW + raw_field, plan.decimals[raw_field], mostly_distinct=distinct
        )
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
    numbers, distinct = parsing.numbered(values.cast(pl.String))
    parsed = distinct.to_frame("value")
    for expr in exprs:
        parsed = parsed.with_columns(expr)
    # A null value has null results (as a value no expression was evaluated on).
    return parsed.select(pl.col(expr.meta.output_name()).gather(numbers) for expr in exprs)


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
        *(_rounded_shape_expr(f) for f in sorted(id_fields)),
        *(_two_ways_expr(f) for f in sorted(plan.amounts_read_two_ways)),
    )
    if plan.amounts_read_two_ways:
        # Not guessed: an amount that reads two ways gives no MRR (docs/decisions.md).
        typed = typed.with_columns(
            pl.when(pl.col(TWO_WAYS + f)).then(None).otherwise(pl.col(TYPED + f)).alias(TYPED + f)
            for f in sorted(plan.amounts_read_two_ways)
        )

    def value_of(raw_field: str) -> pl.Expr:
        text = plan.types[raw_field] in KEPT_AS_TEXT
        return pl.col((RAW if text else TYPED) + raw_field)

    canonical = [canonical_expr(c, table, plan.types, value_of) for c in canonical_fields(raw.kind)]
    frame = typed.with_columns(*canonical, repeats.first_of_id.alias(FIRST_OF_ID))
    frame = _without_other_currencies(frame, table, plan, value_of)
    customer_fields = id_raw_fields(table, plan, "customer_id")
    frame = _with_rounded_ids(frame, raw.kind, sorted(id_fields), customer_fields)
    if raw.kind != SUBSCRIPTIONS:
        return frame.with_columns(_status_columns(frame, raw, plan, with_class=False))
    frame = frame.with_columns(_status_columns(frame, raw, plan, with_class=True))
    # A date a later one undid (Zoho's Cancelled On before a Reactivation Date) needs the
    # status class: derived again, now that the row has one.
    undone = undoes(table, plan.types)
    if undone:
        frame = frame.with_columns(
            canonical_expr(c, table, plan.types, value_of, undone=True) for c in undone
        )
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


def amount_fields_with_currency(table: TableSpec, plan: TypingPlan) -> list[str]:
    """The amount columns to compare with the currency column: those of which some value
    writes a currency, in a file with a currency column (only a subscriptions export)."""
    if table.kind != SUBSCRIPTIONS or not id_raw_fields(table, plan, "currency"):
        return []
    return sorted(plan.amounts_with_currency)


def other_currency_expr(raw_field: str) -> pl.Expr:
    """True where an amount writes a currency (`49.00 USD`) other than the row's currency
    column's; over the checked frame."""
    currency = pl.col("currency").cast(pl.String).str.strip_chars().str.to_uppercase()
    disagrees = parsing.currency_disagrees_expr(pl.col(OWN_CURRENCY + raw_field), currency)
    return disagrees & pl.col(TYPED + raw_field).is_not_null()


def _without_other_currencies(
    frame: pl.DataFrame, table: TableSpec, plan: TypingPlan, value_of: Callable[[str], pl.Expr]
) -> pl.DataFrame:
    """The canonical amounts without those written in another currency than the row's
    (`49.00 USD` on a EUR row): amounts are never mixed across currencies (DOMAIN.md), so
    the subscription is counted without amount; checks.py warns."""
    fields = amount_fields_with_currency(table, plan)
    if not fields:
        return frame
    frame = frame.with_columns(
        pl.col(RAW + f)
        .map_batches(parsing.amount_currencies, return_dtype=pl.String(), is_elementwise=True)
        .alias(OWN_CURRENCY + f)
        for f in fields
    )
    differs = frame.select(pl.any_horizontal(other_currency_expr(f) for f in fields).any())
    if not differs.item():
        return frame

    def own_currency_value_of(raw_field: str) -> pl.Expr:
        if raw_field in fields:
            return pl.when(~other_currency_expr(raw_field)).then(pl.col(TYPED + raw_field))
        return value_of(raw_field)

    amounts = [c for c in ("amount", "monthly_amount") if c in frame.columns]
    return frame.with_columns(
        canonical_expr(c, table, plan.types, own_currency_value_of) for c in amounts
    )


def _two_ways_expr(raw_field: str) -> pl.Expr:
    flags = pl.col(RAW + raw_field).map_batches(
        parsing.amounts_read_two_ways, return_dtype=pl.Boolean(), is_elementwise=True
    )
    return flags.fill_null(False).alias(TWO_WAYS + raw_field)


def _rounded_shape_expr(raw_field: str) -> pl.Expr:
    flags = pl.col(RAW + raw_field).map_batches(
        parsing.rounded_ids, return_dtype=pl.Boolean(), is_elementwise=True
    )
    return flags.alias(ROUNDED + raw_field)


def _with_rounded_ids(
    frame: pl.DataFrame, kind: str, id_fields: list[str], customer_fields: list[str]
) -> pl.DataFrame:
    """The ROUNDED flags kept only where the file's IDs were rounded by a spreadsheet.

    A value of that shape alone proves nothing (a genuine 16-digit ID ends in 0 one time in
    ten). The file's IDs were rounded when one of its ID columns shows it: a rounded-looking
    ID that two rows share while they disagree (a later row of the same subscription or
    customer ID with other content; in a subscriptions export, one customer ID with two
    names or emails), or at least two rounded-looking IDs that are most of the column's IDs
    longer than 15 digits. A spreadsheet that opened the file turned every such column into
    numbers, so then every rounded-looking ID of the file is flagged."""
    shaped = {f: pl.col(ROUNDED + f).fill_null(False) for f in id_fields}
    if not id_fields or not frame.select(pl.any_horizontal(*shaped.values()).any()).item():
        return frame
    evidence = [_most_long_ids(s, f) for f, s in shaped.items()]
    key = id_key(kind)
    evidence.extend(
        (s & (pl.col(key) == pl.col(RAW + f)) & ~pl.col(FIRST_OF_ID)).any()
        for f, s in shaped.items()
    )
    if kind == SUBSCRIPTIONS:
        evidence.extend(_one_customer_id_two_customers(shaped, f) for f in customer_fields)
    if frame.select(pl.any_horizontal(*evidence)).item():
        return frame
    return frame.with_columns(pl.lit(False).alias(ROUNDED + f) for f in id_fields)


def _most_long_ids(shaped: pl.Expr, raw_field: str) -> pl.Expr:
    """Whether two or more distinct rounded-looking IDs are most of the distinct IDs of
    the column longer than 15 digits (distinct: one customer's many rows are one ID)."""
    value = pl.col(RAW + raw_field)
    rounded = value.filter(shaped).n_unique()
    long = value.filter(parsing.long_numeric_id_expr(RAW + raw_field).fill_null(False)).n_unique()
    return (rounded >= 2) & (rounded * 2 > long)


def _one_customer_id_two_customers(shaped: dict[str, pl.Expr], raw_field: str) -> pl.Expr:
    """Whether a rounded-looking customer ID is shared by rows naming two customers (two
    names, or two emails; an empty one names none)."""
    rows = shaped[raw_field] & (pl.col("customer_id") == pl.col(RAW + raw_field))

    def two_of(value: pl.Expr) -> pl.Expr:
        named = rows & value.is_not_null()
        by_id = pl.col("customer_id").filter(named)
        return pl.struct(by_id, value.filter(named)).n_unique() > by_id.n_unique()

    email = pl.col("customer_email").cast(pl.String).str.to_lowercase()
    return two_of(pl.col("customer_name").cast(pl.String)) | two_of(email)


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
