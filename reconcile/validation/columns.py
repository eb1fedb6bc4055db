"""The columns of the checked frame (raw text, typed values, flags), and the canonical
fields derived from a source's raw fields through its ordered fallbacks."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from reconcile.canonical import (
    COMPUTED_SUBSCRIPTION_COLUMNS,
    CUSTOMER_COLUMNS,
    ENDED,
    SUBSCRIPTION_COLUMNS,
    SUBSCRIPTIONS,
)
from reconcile.sources import ID_FIELDS, Fallback, TableSpec

# Prefixes of the helper columns of the frame pandera validates.
RAW = "raw:"  # the raw text of a raw field
TYPED = "typed:"  # the parsed value of a raw field (date, amount, boolean)
SCIENTIFIC = "scientific:"  # whether the raw text of an ID field is in scientific notation
TWO_WAYS = "two_ways:"  # whether an amount reads as a thousand or more, or as a decimal
OWN_CURRENCY = "own_currency:"  # the currency an amount writes itself ("49.00 USD")
ROUNDED = "rounded:"  # whether an ID field's value is one a spreadsheet rounded (checked.py)
# True on the first row of each ID (and where there is none): later ones conflict.
FIRST_OF_ID = "row:first_of_id"

# Raw field types, from the canonical field a raw field feeds.
DATE, AMOUNT, BOOLEAN, TEXT = "date", "amount", "boolean", "text"
# Revenue's text fields: checked (an unreadable one is a warning), but the canonical
# field keeps the text, which revenue.py reads by the same rules (parsing).
INTERVAL_UNIT, INTERVAL_COUNT, QUANTITY = "interval_unit", "interval_count", "quantity"
KEPT_AS_TEXT = frozenset({TEXT, INTERVAL_UNIT, INTERVAL_COUNT, QUANTITY})
# The type of the raw fields of a canonical field, where it is not TEXT or DATE.
CANONICAL_TYPES = {
    "amount": AMOUNT,
    "monthly_amount": AMOUNT,
    "interval": INTERVAL_UNIT,
    "interval_count": INTERVAL_COUNT,
    "quantity": QUANTITY,
}


def _value_of(
    fallback: Fallback,
    types: dict[str, str],
    value_of: Callable[[str], pl.Expr],
    undone: bool = False,
) -> pl.Expr | None:
    """One fallback's value, or None when the file lacks one of its raw fields."""
    if any(f not in types for f in fallback.raw_fields):
        return None
    if fallback.is_join:
        joined = pl.concat_str(
            [pl.col(RAW + f) for f in fallback.fields], separator=" ", ignore_nulls=True
        )
        return pl.when(joined != "").then(joined)
    value = value_of(fallback.fields[0])
    undoing = undone_expr(fallback, types, value_of) if undone else None
    if undoing is not None:
        value = pl.when(~undoing).then(value)
    if fallback.when:
        return pl.when(value_of(fallback.when).fill_null(False)).then(value)
    return value


def undone_expr(
    fallback: Fallback, types: dict[str, str], value_of: Callable[[str], pl.Expr]
) -> pl.Expr | None:
    """Where a fallback's date is undone by its `undone_by` date on or after it (False
    where either is empty); None when the fallback has none or the file lacks either.
    Over a frame with `status_class`: a row of the ended class keeps its date, because its
    status says that it ended, and a later date contradicts that rather than undoes it."""
    if fallback.undone_by is None or any(
        f not in types for f in (fallback.fields[0], fallback.undone_by)
    ):
        return None
    later = (value_of(fallback.undone_by) >= value_of(fallback.fields[0])).fill_null(False)
    return later & (pl.col("status_class") != ENDED).fill_null(True)


def undoes(table: TableSpec, types: dict[str, str]) -> list[str]:
    """The canonical fields of which some fallback's date a later one of the file can undo."""
    return [
        canonical
        for canonical in canonical_fields(table.kind)
        if any(undone_expr(f, types, pl.col) is not None for f in table.fallbacks(canonical))
    ]


def canonical_expr(
    canonical: str,
    table: TableSpec,
    types: dict[str, str],
    value_of: Callable[[str], pl.Expr],
    *,
    undone: bool = False,
) -> pl.Expr:
    """A canonical field from its fallbacks; `value_of` gives a raw field's value.
    `undone`: a date a later one undid is no value (undone_expr; over a frame with
    `status_class`).

    An ID comes from one column per file, the first of its fallbacks the file has, never
    from another column for some rows (DOMAIN.md, "Bad rows"): Zoho's Subscription Number
    names the same subscription in another namespace, and mixing them counts it twice."""
    fallbacks = (_value_of(f, types, value_of, undone) for f in table.fallbacks(canonical))
    values = [v for v in fallbacks if v is not None]
    if canonical in ID_FIELDS:
        values = values[:1]
    if not values:
        return pl.lit(None).alias(canonical)
    value = values[0] if len(values) == 1 else pl.coalesce(values)
    return value.alias(canonical)


def canonical_fields(kind: str) -> tuple[str, ...]:
    columns = SUBSCRIPTION_COLUMNS if kind == SUBSCRIPTIONS else CUSTOMER_COLUMNS
    return tuple(c for c in columns if c not in COMPUTED_SUBSCRIPTION_COLUMNS)


def id_key(kind: str) -> str:
    return "subscription_id" if kind == SUBSCRIPTIONS else "customer_id"


def present_fallbacks(canonical: str, table: TableSpec, types: dict[str, str]) -> list[Fallback]:
    """The fallbacks of a canonical field whose raw fields the file has, in order."""
    return [f for f in table.fallbacks(canonical) if all(r in types for r in f.raw_fields)]
