"""Typing: how each raw field is typed, and the one date format of each date column
(an ambiguous day/month order takes the order the file's other date columns settle,
else the file is unusable until --date-format says it)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from reconcile import parsing
from reconcile.problems import (
    ReconcileError,
    UnusableFileError,
)
from reconcile.reading import RawTable
from reconcile.sources import DATE_FIELDS, TableSpec
from reconcile.validation.columns import (
    AMOUNT,
    BOOLEAN,
    CANONICAL_TYPES,
    DATE,
    RAW,
    TEXT,
    canonical_fields,
)
from reconcile.validation.repeats import Repeats


def preferred_format(name: str | None) -> parsing.DateFormat | None:
    if name is None:
        return None
    try:
        return parsing.date_format_by_name(name)
    except ValueError as error:
        raise ReconcileError(f"--date-format: {error}") from None


@dataclass(frozen=True)
class TypingPlan:
    """How each raw field present in the file is typed."""

    types: dict[str, str]  # raw field -> DATE, AMOUNT, BOOLEAN, TEXT or a revenue type
    date_formats: dict[str, parsing.DateFormat]  # date raw field -> its format
    decimals: dict[str, str | None]  # amount raw field -> decimal separator
    has_status: bool
    # date raw field -> (rows its format parses, rows with a value), repeats left out
    date_fit: dict[str, tuple[int, int]] = field(default_factory=dict)
    # date raw field -> its distinct_non_empty_counts (to suggest a format when few fit)
    date_counts: dict[str, pl.DataFrame] = field(default_factory=dict)
    # Amount raw fields whose "1.190"-like values nothing in the file reads one way: such
    # a value is left out (no MRR) with a warning that names both readings.
    amounts_read_two_ways: frozenset[str] = frozenset()
    # Amount raw fields of which some value writes a currency (`49.00 USD`, `€ 120`): only
    # they are compared with the row's currency column (checked.py).
    amounts_with_currency: frozenset[str] = frozenset()
    # Date and amount raw fields most of whose values present occur once (timestamps), by
    # their distinct_non_empty_counts: parsed row by row, not once per distinct value.
    mostly_distinct: frozenset[str] = frozenset()

    def most_fit(self, raw_field: str) -> bool:
        """Whether most values of a date column fit the format it is read with."""
        parsed, total = self.date_fit.get(raw_field, (0, 0))
        return parsed * 2 > total

    @classmethod
    def of(
        cls,
        raw: RawTable,
        rows: pl.DataFrame,
        types: dict[str, str],
        repeats: Repeats,
        preferred: parsing.DateFormat | None,
    ) -> TypingPlan:
        date_fields = [f for f, t in types.items() if t == DATE]
        # A date format is chosen by how many rows it parses: repeats do not count. (The
        # decimal separator and the status column only ask whether a value occurs, and a
        # repeat's values occur on its original too.)
        dates = rows.select(RAW + f for f in date_fields)
        if date_fields and repeats.repeated.any():
            dates = dates.filter(~repeats.repeated)
        amount_fields = [f for f, t in types.items() if t == AMOUNT]
        # The distinct values of every date and amount column, counted in parallel.
        counts = parsing.distinct_non_empty_counts_of(
            {f: dates.get_column(RAW + f) for f in date_fields}
            | {f: rows.get_column(RAW + f) for f in amount_fields}
        )
        formats, fit = _date_formats(raw, counts, date_fields, preferred)
        decimals = {f: parsing.decimal_separator_of_counts(counts[f]) for f in amount_fields}
        two_ways = _settle_thousands_dots(raw, counts, decimals, formats)
        status_fields = [f for f in raw.table().raw_fields_of("status") if f in raw.headers]
        # A status column without a single value says nothing: treated as no status column.
        has_status = any(rows.get_column(RAW + f).null_count() < rows.height for f in status_fields)
        date_counts = {f: counts[f] for f in date_fields}
        with_currency = frozenset(
            f
            for f in amount_fields
            if parsing.amount_currencies(counts[f].get_column("text")).is_not_null().any()
        )
        mostly_distinct = frozenset(
            f for f, c in counts.items() if c.height * 2 > int(c.get_column("count").sum())
        )
        return cls(
            types,
            formats,
            decimals,
            has_status,
            fit,
            date_counts,
            two_ways,
            with_currency,
            mostly_distinct,
        )


def _settle_thousands_dots(
    raw: RawTable,
    counts: dict[str, pl.DataFrame],
    decimals: dict[str, str | None],
    formats: dict[str, parsing.DateFormat],
) -> frozenset[str]:
    """Decides, in `decimals`, the amount columns whose values do not say it themselves and
    whose every dot may group thousands ("1.190", "59"); returns those nothing decides.

    The file's evidence, in order: another amount column that shows its decimal separator;
    then a German-style file, separated by ";" or with day-first dotted dates
    ("01.03.2025"), whose dots group thousands. Without either, "1.190" is 1190 or 1.19:
    not guessed (docs/decisions.md)."""
    undecided = [
        f
        for f, decimal in decimals.items()
        if decimal is None and parsing.dots_only_group_thousands(counts[f])
    ]
    if not undecided:
        return frozenset()
    shown = {d for d in decimals.values() if d is not None}
    german = raw.separator == ";" or any(
        fmt.order == parsing.DAY_FIRST and "." in fmt.name for fmt in formats.values()
    )
    if len(shown) == 1:
        settled: str | None = shown.pop()
    elif not shown and german:
        settled = ","
    else:
        settled = None
    if settled is None:
        return frozenset(undecided)
    decimals.update(dict.fromkeys(undecided, settled))
    return frozenset()


def raw_field_types(table: TableSpec, present: dict[str, str]) -> dict[str, str]:
    types: dict[str, str] = {}
    for canonical in canonical_fields(table.kind):
        for fallback in table.all_fallbacks(canonical):
            for raw_field in fallback.fields:
                kind = DATE if canonical in DATE_FIELDS else TEXT
                kind = CANONICAL_TYPES.get(canonical, kind)
                types.setdefault(raw_field, kind)
            if fallback.when:
                types.setdefault(fallback.when, BOOLEAN)
            if fallback.undone_by:
                types.setdefault(fallback.undone_by, DATE)
    return {f: t for f, t in types.items() if f in present}


def _date_formats(
    raw: RawTable,
    counts: dict[str, pl.DataFrame],
    date_fields: list[str],
    preferred: parsing.DateFormat | None,
) -> tuple[dict[str, parsing.DateFormat], dict[str, tuple[int, int]]]:
    """The format of every date column (`counts`: its distinct_non_empty_counts) and how
    many of its rows that format parses, of how many with a value; an ambiguous column
    takes the day/month order of the file's other date columns when they agree on one."""
    formats: dict[str, parsing.DateFormat] = {}
    fit: dict[str, tuple[int, int]] = {}
    ambiguous: dict[str, parsing.AmbiguousDateOrder] = {}
    for raw_field in date_fields:
        total = int(counts[raw_field].get_column("count").sum())
        try:
            fmt, parsed = parsing.date_format_fit_of_counts(counts[raw_field], preferred=preferred)
        except parsing.AmbiguousDateOrder as error:
            ambiguous[raw_field] = error
            fit[raw_field] = (error.rows, total)
            continue
        formats[raw_field] = fmt or preferred or parsing.DATE_FORMATS[0]
        fit[raw_field] = (parsed, total)
    settled = {fmt.order for fmt in formats.values()} - {None}
    for raw_field, ambiguity in ambiguous.items():
        candidates = [parsing.date_format_by_name(c) for c in ambiguity.candidates]
        chosen = [c for c in candidates if len(settled) == 1 and c.order in settled]
        if len(chosen) != 1:
            raise _ambiguous_dates_error(raw, raw_field, ambiguity)
        formats[raw_field] = chosen[0]
    return formats, fit


def _ambiguous_dates_error(
    raw: RawTable, raw_field: str, error: parsing.AmbiguousDateOrder
) -> UnusableFileError:
    examples = ", ".join(error.examples)
    options = " or ".join(f"--date-format '{c}'" for c in error.candidates)
    return UnusableFileError(
        raw.file,
        f"the dates in column '{raw.headers[raw_field]}' (e.g. {examples}) can be read as "
        f"{' or '.join(error.candidates)}, and no other date column settles the day/month order",
        f"Say which it is with {options}.",
    )


def id_raw_fields(table: TableSpec, plan: TypingPlan, canonical: str) -> list[str]:
    return [f for f in table.raw_fields_of(canonical) if f in plan.types]
