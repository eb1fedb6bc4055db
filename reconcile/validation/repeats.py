"""Repeats: exact repeats of a row (removed) and later rows of an ID with other content
(conflicting duplicates), found among the rows whose ID occurs more than once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from reconcile import parsing
from reconcile.reading import RawTable
from reconcile.sources import TableSpec
from reconcile.validation.columns import (
    BOOLEAN,
    RAW,
    canonical_expr,
    id_key,
)


@dataclass(frozen=True)
class Repeats:
    """Exact repeats and conflicting IDs, aligned with the rows of the file.

    Both can only be among the rows whose ID occurs more than once (an exact repeat
    repeats the ID too; rows without an ID share the null ID): the hashes of the IDs
    find those rows in one pass, and only they are compared in full.
    """

    repeated: pl.Series  # True on a row identical in every column to an earlier row
    first_of_id: pl.Series  # False on a later row of an ID, repeats left aside
    first_lines: pl.DataFrame  # "key" -> "first_line" of every ID on several rows

    @classmethod
    def of(cls, raw: RawTable, rows: pl.DataFrame, table: TableSpec, types: dict[str, str]):
        key = rows.select(_id_value(raw.kind, table, types).alias("key")).to_series()
        shared = _on_shared_hash(key)
        if not shared.any():
            return cls.none(rows.height)
        index = shared.arg_true()
        suspects = pl.DataFrame(
            {
                "index": index,
                "line": rows.get_column("line").gather(index),
                "key": key.gather(index),
                "content": _content(rows, raw.unmapped, index),
            }
        ).with_columns(repeated=~pl.col("content").is_first_distinct())
        kept = suspects.filter(~pl.col("repeated")).with_columns(
            first=pl.col("key").is_null() | pl.col("key").is_first_distinct()
        )
        first_lines = (
            kept.filter(pl.col("key").is_not_null())
            .group_by("key")
            .agg(pl.col("line").min().alias("first_line"))
        )
        return cls(
            repeated=_scatter(False, rows.height, suspects, "repeated"),
            first_of_id=_scatter(True, rows.height, kept, "first"),
            first_lines=first_lines,
        )

    @classmethod
    def none(cls, height: int) -> Repeats:
        return cls(
            repeated=pl.repeat(False, height, dtype=pl.Boolean, eager=True),
            first_of_id=pl.repeat(True, height, dtype=pl.Boolean, eager=True),
            first_lines=pl.DataFrame(schema={"key": pl.String, "first_line": pl.Int64}),
        )


def _on_shared_hash(key: pl.Series) -> pl.Series:
    """True on every row whose key hashes like another row's key (a hash collision
    only adds a row to those compared in full). Sorting the hashes finds the shared ones
    faster than grouping them."""
    hashes = key.hash()
    ordered = hashes.sort()
    shared = ordered.filter(ordered == ordered.shift(1))
    if shared.is_empty():
        return pl.repeat(False, key.len(), dtype=pl.Boolean, eager=True)
    return hashes.is_in(shared.implode())


def _content(rows: pl.DataFrame, unmapped: pl.DataFrame, index: pl.Series) -> pl.Series:
    """Every column of the file on the rows at `index`, one struct per row."""
    parts = [rows.drop("line").gather(index).select(pl.struct(pl.all()).alias("mapped"))]
    if unmapped.width:
        parts.append(unmapped.gather(index).select(pl.struct(pl.all()).alias("unmapped")))
    return pl.concat(parts, how="horizontal").select(pl.struct(pl.all())).to_series()


def _scatter(default: bool, height: int, rows: pl.DataFrame, column: str) -> pl.Series:
    """A Boolean Series of `height`: `default`, but `rows[column]` at `rows["index"]`."""
    flags = pl.repeat(default, height, dtype=pl.Boolean, eager=True)
    return flags.scatter(rows.get_column("index"), rows.get_column(column))


def _id_value(kind: str, table: TableSpec, types: dict[str, str]) -> pl.Expr:
    """The canonical ID straight from the raw text, before any typing: its raw fields
    are text (the IDs are the first canonical fields to claim a raw field), and a
    fallback's `when` field is parsed row by row."""

    return canonical_expr(id_key(kind), table, types, _raw_value_of(types))


def _raw_value_of(types: dict[str, str]) -> Callable[[str], pl.Expr]:
    """A raw field's value from its raw text, before the typed columns exist: text as it
    is, a yes/no field parsed row by row (only a fallback's `when` field is one)."""

    def value_of(raw_field: str) -> pl.Expr:
        if types[raw_field] == BOOLEAN:
            return parsing.boolean_expr(RAW + raw_field)
        return pl.col(RAW + raw_field)

    return value_of
