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

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from reconcile import parsing
from reconcile.canonical import (
    CUSTOMER_COLUMNS,
    PAUSED,
    PAYING,
    SUBSCRIPTION_COLUMNS,
    SUBSCRIPTIONS,
    LoadedTable,
)
from reconcile.problems import (
    CONFLICTING_DUPLICATE,
    DAMAGED_ID,
    INVALID_AMOUNT,
    INVALID_BOOLEAN,
    INVALID_DATE,
    MISSING_ID,
    MISSING_START,
    ROW_ERROR_SCHEMA,
    UNKNOWN_STATUS,
    WARNING_CODES,
    ReconcileError,
    UnusableFileError,
)
from reconcile.reading import RawTable
from reconcile.sources import DATE_FIELDS, ID_FIELDS, Fallback, TableSpec

# Prefixes of the helper columns of the frame pandera validates.
RAW = "raw:"  # the raw text of a raw field
TYPED = "typed:"  # the parsed value of a raw field (date, amount, boolean)
SCIENTIFIC = "scientific:"  # whether the raw text of an ID field is in scientific notation
# True on the first row of each ID (and where there is none): later ones conflict.
FIRST_OF_ID = "row:first_of_id"

# Raw field types, from the canonical field a raw field feeds.
DATE, AMOUNT, BOOLEAN, TEXT = "date", "amount", "boolean", "text"


def validate(raw: RawTable, *, date_format: str | None = None) -> LoadedTable:
    """Type, check and account for every row of one export.

    `date_format` (a parsing.DATE_FORMATS name or alias) settles the day/month order of
    ambiguous date columns. Raises ReconcileError for an unknown date format and
    UnusableFileError when the day/month order of a date column cannot be decided.
    """
    preferred = _preferred_format(date_format)
    table = raw.table()
    types = _raw_field_types(table, raw.headers)
    # One contiguous chunk per column, as the Series computed below have: a frame whose
    # columns are chunked differently is realigned (copied) by every later select.
    rows = raw.frame.rechunk().rename({f: RAW + f for f in raw.frame.columns if f != "line"})
    repeats = _Repeats.of(raw, rows, table, types)
    plan = _TypingPlan.of(raw, rows, types, repeats, preferred)
    checked = _checked_frame(rows, raw, table, plan, repeats)
    checks = _checks(raw, table, plan)
    passes, warned = _verdicts(checked, checks, repeats)
    # The rows with any error: the rejected ones, and the accepted ones with a warning.
    flagged = checked.filter(~passes | warned)
    errors = _row_errors(flagged, checks, raw, repeats.first_lines)
    # A row's line (where its record starts) is unique: it tells its errors apart.
    rejected_lines = checked.get_column("line").filter(~passes)
    of_rejected_row = pl.col("line").is_in(rejected_lines.implode())
    canonical = SUBSCRIPTION_COLUMNS if raw.kind == SUBSCRIPTIONS else CUSTOMER_COLUMNS
    accepted = checked.select(pl.col(name).cast(dtype) for name, dtype in canonical.items())
    return LoadedTable(
        kind=raw.kind,
        file=raw.file,
        source=raw.source.name,
        rows_read=raw.frame.height,
        frame=accepted.filter(passes & ~repeats.repeated),
        rejections=errors.filter(of_rejected_row),
        rows_rejected=rejected_lines.len(),
        duplicate_lines=tuple(raw.frame.get_column("line").filter(repeats.repeated).to_list()),
        has_status=plan.has_status,
        warnings=errors.filter(~of_rejected_row),
        blank_lines_skipped=raw.blank_rows_skipped,
    )


def _verdicts(
    checked: pl.DataFrame, checks: list[_Check], repeats: _Repeats
) -> tuple[pl.Series, pl.Series]:
    """(passes, warned) per row, in one pass: `passes` when no check that rejects fails
    (or the row is a repeat: removed, not checked, its errors are its original's);
    `warned` when a check that only warns fails on a row that is checked."""
    rejecting = [c.passes for c in checks if c.rejects]
    warning = [c.passes for c in checks if not c.rejects]
    warned = ~pl.all_horizontal(warning) & ~repeats.repeated if warning else pl.lit(False)
    verdicts = checked.select(passes=pl.all_horizontal(rejecting) | repeats.repeated, warned=warned)
    return verdicts.get_column("passes"), verdicts.get_column("warned")


# --------------------------------------------------------------------------- repeats


@dataclass(frozen=True)
class _Repeats:
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
    def none(cls, height: int) -> _Repeats:
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

    return _canonical_expr(_id_key(kind), table, types, _raw_value_of(types))


def _raw_value_of(types: dict[str, str]) -> Callable[[str], pl.Expr]:
    """A raw field's value from its raw text, before the typed columns exist: text as it
    is, a yes/no field parsed row by row (only a fallback's `when` field is one)."""

    def value_of(raw_field: str) -> pl.Expr:
        if types[raw_field] == BOOLEAN:
            return parsing.boolean_expr(RAW + raw_field)
        return pl.col(RAW + raw_field)

    return value_of


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
        "blank_lines_skipped": table.blank_lines_skipped,
        "errors": _first_row_errors(errors, max_errors),
        "errors_total": errors.height,
        "warnings": _first_row_errors(warnings, max_errors),
        "warnings_total": warnings.height,
    }


def _first_row_errors(errors: pl.DataFrame, count: int) -> list[dict]:
    return list(errors.head(count).iter_rows(named=True))


# --------------------------------------------------------------------------- typing


def _preferred_format(name: str | None) -> parsing.DateFormat | None:
    if name is None:
        return None
    try:
        return parsing.date_format_by_name(name)
    except ValueError as error:
        raise ReconcileError(f"--date-format: {error}") from None


@dataclass(frozen=True)
class _TypingPlan:
    """How each raw field present in the file is typed."""

    types: dict[str, str]  # raw field -> DATE, AMOUNT, BOOLEAN or TEXT
    date_formats: dict[str, parsing.DateFormat]  # date raw field -> its format
    decimals: dict[str, str | None]  # amount raw field -> decimal separator
    has_status: bool

    @classmethod
    def of(
        cls,
        raw: RawTable,
        rows: pl.DataFrame,
        types: dict[str, str],
        repeats: _Repeats,
        preferred: parsing.DateFormat | None,
    ) -> _TypingPlan:
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
        formats = _date_formats(raw, counts, date_fields, preferred)
        decimals = {f: parsing.decimal_separator_of_counts(counts[f]) for f in amount_fields}
        status_fields = [f for f in raw.table().raw_fields_of("status") if f in raw.headers]
        # A status column without a single value says nothing: treated as no status column.
        has_status = any(rows.get_column(RAW + f).null_count() < rows.height for f in status_fields)
        return cls(types, formats, decimals, has_status)


def _raw_field_types(table: TableSpec, present: dict[str, str]) -> dict[str, str]:
    types: dict[str, str] = {}
    for canonical in _canonical_fields(table.kind):
        for fallback in table.fallbacks(canonical):
            for raw_field in fallback.fields:
                kind = DATE if canonical in DATE_FIELDS else TEXT
                kind = AMOUNT if canonical == "amount" else kind
                types.setdefault(raw_field, kind)
            if fallback.when:
                types.setdefault(fallback.when, BOOLEAN)
    return {f: t for f, t in types.items() if f in present}


def _date_formats(
    raw: RawTable,
    counts: dict[str, pl.DataFrame],
    date_fields: list[str],
    preferred: parsing.DateFormat | None,
) -> dict[str, parsing.DateFormat]:
    """The format of every date column (`counts`: its distinct_non_empty_counts); an
    ambiguous column takes the day/month order of the file's other date columns when they
    agree on one."""
    formats: dict[str, parsing.DateFormat] = {}
    ambiguous: dict[str, parsing.AmbiguousDateOrder] = {}
    for raw_field in date_fields:
        try:
            fmt = parsing.date_format_of_counts(counts[raw_field], preferred=preferred)
        except parsing.AmbiguousDateOrder as error:
            ambiguous[raw_field] = error
            continue
        formats[raw_field] = fmt or preferred or parsing.DATE_FORMATS[0]
    settled = {_day_month_order(fmt.name) for fmt in formats.values()} - {None}
    for raw_field, error in ambiguous.items():
        chosen = [
            c for c in error.candidates if len(settled) == 1 and _day_month_order(c) in settled
        ]
        if len(chosen) != 1:
            raise _ambiguous_dates_error(raw, raw_field, error)
        formats[raw_field] = parsing.date_format_by_name(chosen[0])
    return formats


def _day_month_order(format_name: str) -> str | None:
    """ "day" for day-first numeric formats, "month" for month-first, else None."""
    if format_name.startswith("dd") and "MMM" not in format_name:
        return "day"
    if format_name.startswith("MM") and not format_name.startswith("MMM"):
        return "month"
    return None


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


def _canonical_fields(kind: str) -> tuple[str, ...]:
    columns = SUBSCRIPTION_COLUMNS if kind == SUBSCRIPTIONS else CUSTOMER_COLUMNS
    return tuple(c for c in columns if c not in ("line", "status_class"))


# --------------------------------------------------------------------------- the frame


def _typed_expr(raw_field: str, plan: _TypingPlan) -> pl.Expr:
    """A raw field parsed as its type says; null where empty or unparseable.

    Each parser works on the whole column (once per distinct value) inside map_batches,
    so that the typed columns, given to one `with_columns`, are parsed in parallel."""
    kind = plan.types[raw_field]
    if kind == DATE:
        parsed = parsing.date_expr(RAW + raw_field, plan.date_formats[raw_field])
    elif kind == AMOUNT:
        parsed = parsing.amount_expr(RAW + raw_field, plan.decimals[raw_field])
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


def _value_of(
    fallback: Fallback, types: dict[str, str], value_of: Callable[[str], pl.Expr]
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
    if fallback.when:
        return pl.when(value_of(fallback.when).fill_null(False)).then(value)
    return value


def _canonical_expr(
    canonical: str, table: TableSpec, types: dict[str, str], value_of: Callable[[str], pl.Expr]
) -> pl.Expr:
    """A canonical field from its fallbacks; `value_of` gives a raw field's value."""
    fallbacks = (_value_of(f, types, value_of) for f in table.fallbacks(canonical))
    values = [v for v in fallbacks if v is not None]
    if not values:
        return pl.lit(None).alias(canonical)
    value = values[0] if len(values) == 1 else pl.coalesce(values)
    return value.alias(canonical)


def _checked_frame(
    rows: pl.DataFrame, raw: RawTable, table: TableSpec, plan: _TypingPlan, repeats: _Repeats
) -> pl.DataFrame:
    """The rows with raw text, typed raw fields and canonical fields side by side."""
    id_canonicals = ID_FIELDS & set(_canonical_fields(raw.kind))
    id_fields = {f for c in id_canonicals for f in _id_raw_fields(table, plan, c)}
    # Typed values and scientific-notation flags each read one raw column: computed in one
    # `with_columns`, polars runs them in parallel.
    typed = rows.with_columns(
        *(_typed_expr(f, plan) for f, kind in plan.types.items() if kind != TEXT),
        *(_scientific_expr(f) for f in sorted(id_fields)),
    )

    def value_of(raw_field: str) -> pl.Expr:
        text = plan.types[raw_field] == TEXT
        return pl.col((RAW if text else TYPED) + raw_field)

    canonical = [
        _canonical_expr(c, table, plan.types, value_of) for c in _canonical_fields(raw.kind)
    ]
    frame = typed.with_columns(*canonical, repeats.first_of_id.alias(FIRST_OF_ID))
    if raw.kind != SUBSCRIPTIONS:
        return frame.with_columns(_status_columns(frame, raw, plan, with_class=False))
    frame = frame.with_columns(_status_columns(frame, raw, plan, with_class=True))
    # A paused subscription counts until its pause date (DOMAIN.md).
    end = pl.when(pl.col("status_class") == PAUSED).then(pl.col("pause_date"))
    return frame.with_columns(end.otherwise(pl.col("end")).alias("end"))


def _scientific_expr(raw_field: str) -> pl.Expr:
    flags = pl.col(RAW + raw_field).map_batches(
        parsing.scientific_ids, return_dtype=pl.Boolean(), is_elementwise=True
    )
    return flags.alias(SCIENTIFIC + raw_field)


def _status_columns(
    frame: pl.DataFrame, raw: RawTable, plan: _TypingPlan, *, with_class: bool
) -> pl.DataFrame:
    """ "status" normalised and, `with_class`, its "status_class" (null when the status is
    unknown, and without a status column), in one pass over the status column."""
    exprs = [_normalized_status("value")]
    if with_class:
        exprs.append(_status_class_expr(raw, plan).alias("status_class"))
    return _on_distinct(frame.get_column("status").cast(pl.String), *exprs)


def _normalized_status(column: str) -> pl.Expr:
    return parsing.normalize_status_expr(column).alias("status")


def _status_class_expr(raw: RawTable, plan: _TypingPlan) -> pl.Expr:
    if not plan.has_status:
        return pl.lit(None, pl.String)
    classes = _normalized_status_classes(raw)
    return pl.col("status").replace_strict(classes, default=None, return_dtype=pl.String)


def _normalized_status_classes(raw: RawTable) -> dict[str, str]:
    values = raw.source.status_values()
    normalized = (
        pl.DataFrame({"status": list(values)}, schema={"status": pl.String})
        .select(parsing.normalize_status_expr("status"))
        .get_column("status")
    )
    return dict(zip(normalized.to_list(), values.values(), strict=True))


def _id_key(kind: str) -> str:
    return "subscription_id" if kind == SUBSCRIPTIONS else "customer_id"


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class _Check:
    """One check of the schema: on which column of the checked frame, which code it
    reports, under which header, and how its message reads."""

    name: str  # unique within the schema: code + column
    code: str
    column: str  # column of the checked frame; its value becomes the error's value
    header: str  # the column as named in the file
    passes: pl.Expr  # row-local boolean over the checked frame: true = fine
    message: pl.Expr  # over the columns "value" and "first_line"
    # False for a value that no figure uses: its error is a warning and the row is kept.
    rejects: bool = True


def _checks(raw: RawTable, table: TableSpec, plan: _TypingPlan) -> list[_Check]:
    checks: list[_Check] = []
    for canonical in sorted(ID_FIELDS & set(_canonical_fields(raw.kind))):
        checks.extend(_id_checks(raw, table, plan, canonical))
    for raw_field, kind in plan.types.items():
        if kind == DATE:
            fmt = plan.date_formats[raw_field].name
            checks.append(
                _parse_check(raw, raw_field, INVALID_DATE, f"is not a date (column format {fmt})")
            )
        elif kind == AMOUNT:
            # No figure uses amounts: an unreadable one is a warning, the row still counts.
            # (A yes/no value decides a row's end, so an unreadable one rejects the row.)
            checks.append(_parse_check(raw, raw_field, INVALID_AMOUNT, "is not an amount"))
        elif kind == BOOLEAN:
            checks.append(
                _parse_check(raw, raw_field, INVALID_BOOLEAN, "is not true or false (yes/no, 1/0)")
            )
    if raw.kind == SUBSCRIPTIONS:
        checks.extend(_status_checks(raw, table, plan))
        checks.extend(_start_checks(raw, table, plan))
    checks.append(_conflict_check(raw, table, plan))
    return checks


def _id_checks(raw: RawTable, table: TableSpec, plan: _TypingPlan, canonical: str) -> list[_Check]:
    present = _id_raw_fields(table, plan, canonical)
    label = canonical.replace("_", " ").replace(" id", " ID")
    checks = [
        _Check(
            name=f"{MISSING_ID}:{canonical}",
            code=MISSING_ID,
            column=canonical,
            header=_header(raw, present, canonical),
            passes=pl.col(canonical).is_not_null(),
            message=pl.lit(f"the {label} is missing: the row cannot be counted"),
        )
    ]
    for raw_field in present:
        checks.append(
            _Check(
                name=f"{DAMAGED_ID}:{raw_field}",
                code=DAMAGED_ID,
                column=RAW + raw_field,
                header=raw.headers[raw_field],
                passes=~pl.col(SCIENTIFIC + raw_field).fill_null(False),
                message=pl.format(
                    "'{}' is an ID in scientific notation: a spreadsheet damaged it; export the "
                    "file again and do not open and save it in a spreadsheet",
                    pl.col("value"),
                ),
            )
        )
    return checks


def _id_raw_fields(table: TableSpec, plan: _TypingPlan, canonical: str) -> list[str]:
    return [f for f in table.raw_fields_of(canonical) if f in plan.types]


def _parse_check(raw: RawTable, raw_field: str, code: str, what: str) -> _Check:
    column, typed = RAW + raw_field, TYPED + raw_field
    return _Check(
        name=f"{code}:{raw_field}",
        code=code,
        column=column,
        header=raw.headers[raw_field],
        passes=pl.col(column).is_null() | pl.col(typed).is_not_null(),
        message=pl.format("'{}' " + what, pl.col("value")),
        rejects=code not in WARNING_CODES,
    )


def _status_checks(raw: RawTable, table: TableSpec, plan: _TypingPlan) -> list[_Check]:
    if not plan.has_status:
        return []
    raw_field = next(f for f in table.raw_fields_of("status") if f in plan.types)
    known = ", ".join(raw.source.status_values())
    empty = "the status is empty"
    unknown = f"'{{}}' is not a {raw.source.title} status; known statuses: {known}"
    return [
        _Check(
            name=f"{UNKNOWN_STATUS}:{raw_field}",
            code=UNKNOWN_STATUS,
            column=RAW + raw_field,
            header=raw.headers[raw_field],
            passes=pl.col("status_class").is_not_null(),
            message=pl.when(pl.col("value").is_null())
            .then(pl.lit(empty))
            .otherwise(pl.format(unknown, pl.col("value"))),
        )
    ]


def _start_checks(raw: RawTable, table: TableSpec, plan: _TypingPlan) -> list[_Check]:
    present = [f for f in table.raw_fields_of("start") if f in plan.types]
    if not present:
        return []  # reading refuses a subscriptions export without a start column
    any_start = pl.any_horizontal(pl.col(RAW + f).is_not_null() for f in present)
    # Only a paying row needs a start: a live subscription that cannot be placed in time
    # would be active on no day, and the history's last month must equal the snapshot.
    # An ended or paused one without a start is accepted, counted in its class and left
    # out of the history (DOMAIN.md); a not-yet-paying one is never active anyway.
    # Without a status column every row needs a start: only a status gives the class.
    needs_start = (
        (pl.col("status_class") == PAYING).fill_null(False) if plan.has_status else pl.lit(True)
    )
    headers = " / ".join(f"'{raw.headers[f]}'" for f in present)
    return [
        _Check(
            name=f"{MISSING_START}:start",
            code=MISSING_START,
            column=RAW + present[0],
            header=raw.headers[present[0]],
            passes=any_start | ~needs_start,
            message=pl.lit(f"no start date ({headers} empty): the row cannot be placed in time"),
        )
    ]


def _conflict_check(raw: RawTable, table: TableSpec, plan: _TypingPlan) -> _Check:
    key = _id_key(raw.kind)
    present = [f for f in table.raw_fields_of(key) if f in plan.types]
    label = key.replace("_id", " ID")
    return _Check(
        name=f"{CONFLICTING_DUPLICATE}:{key}",
        code=CONFLICTING_DUPLICATE,
        column=key,
        header=_header(raw, present, key),
        passes=pl.col(FIRST_OF_ID),
        message=pl.format(
            "{} '{}' is already on line {} with other content; the first row is kept",
            pl.lit(label),
            pl.col("value"),
            pl.col("first_line"),
        ),
    )


def _header(raw: RawTable, present: list[str], fallback: str) -> str:
    return raw.headers[present[0]] if present else fallback


# --------------------------------------------------------------------------- pandera


def _schema(checked: pl.DataFrame, checks: list[_Check]):
    # pandera is imported here, not at module level: it takes ~0.4 s to import and the
    # CLI's --help and usage errors should not wait for it.
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


def _failure_cases(failing: pl.DataFrame, checks: list[_Check]) -> pl.DataFrame:
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
        raise RuntimeError("pandera passed rows that failed the same checks")
    unexpected = cases.filter(~pl.col("check").is_in([check.name for check in failed]))
    if unexpected.height:  # a dtype or schema failure: a bug in this module, never user data
        raise RuntimeError(f"validation schema failed on its own frame: {unexpected.head(5)}")
    return cases.select(
        pl.col("index").cast(pl.Int64),
        pl.col("check"),
        pl.col("failure_case").cast(pl.String).alias("value"),
    )


def _row_errors(
    failing: pl.DataFrame, checks: list[_Check], raw: RawTable, first_lines: pl.DataFrame
) -> pl.DataFrame:
    """The row errors in ROW_ERROR_SCHEMA, by line and then in the order of the checks.

    `first_lines` gives the line each ID first appears on, for the conflicting
    duplicates' message.
    """
    cases = _failure_cases(failing, checks)
    if cases.height == 0:
        return pl.DataFrame(schema=ROW_ERROR_SCHEMA)
    key = _id_key(raw.kind)
    cases = cases.with_columns(
        line=failing.get_column("line").gather(cases.get_column("index")),
        key=failing.get_column(key).cast(pl.String).gather(cases.get_column("index")),
    ).join(first_lines, on="key", how="left")
    parts = []
    for order, check in enumerate(checks):
        part = cases.filter(pl.col("check") == check.name)
        if part.height:
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
