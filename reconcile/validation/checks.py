"""The checks of each row: missing and damaged IDs, unreadable dates, amounts and yes/no
values, unknown statuses, missing starts, conflicting duplicates. Each check is a
row-local polars expression with the code, header and message of its row error."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import polars as pl

from reconcile import parsing
from reconcile.canonical import (
    CUSTOMERS,
    PAUSED,
    PAYING,
    SUBSCRIPTIONS,
    UNPAID,
)
from reconcile.codes import DATE_FORMAT_ADVICE, RowError
from reconcile.reading import RawTable
from reconcile.reading.frame import EXTRA_FIELDS
from reconcile.sources import ID_FIELDS, Fallback, TableSpec
from reconcile.validation.checked import (
    amount_fields_with_currency,
    normalized_statuses,
    other_currency_expr,
)
from reconcile.validation.columns import (
    AMOUNT,
    BOOLEAN,
    DATE,
    FIRST_OF_ID,
    INTERVAL_COUNT,
    INTERVAL_UNIT,
    OWN_CURRENCY,
    QUANTITY,
    RAW,
    ROUNDED,
    SCIENTIFIC,
    TWO_WAYS,
    TYPED,
    canonical_fields,
    id_key,
    present_fallbacks,
    undone_expr,
)
from reconcile.validation.typing_plan import TypingPlan, id_raw_fields


@dataclass(frozen=True)
class Check:
    """One check of the schema: on which column of the checked frame, which code it
    reports, under which header, and how its message reads."""

    name: str  # unique within the schema: code + column
    code: RowError
    column: str  # column of the checked frame; its value becomes the error's value
    header: str  # the column as named in the file
    passes: pl.Expr  # row-local boolean over the checked frame: true = fine
    message: pl.Expr  # over the columns "value", "first_line" and "context"
    # False for a value that no figure uses: its error is a warning and the row is kept.
    rejects: bool = True
    # Another value of the row that the message names, over the checked frame.
    context: pl.Expr | None = None


def checks_for(raw: RawTable, table: TableSpec, plan: TypingPlan) -> list[Check]:
    checks: list[Check] = []
    for canonical in sorted(ID_FIELDS & set(canonical_fields(raw.kind))):
        checks.extend(_id_checks(raw, table, plan, canonical))
    for raw_field, kind in plan.types.items():
        if kind == DATE:
            checks.extend(_date_checks(raw, table, plan, raw_field))
        elif kind == AMOUNT:
            # No figure uses amounts: an unreadable one is a warning, the row still counts.
            # (A yes/no value decides a row's end, so an unreadable one rejects the row.)
            amount = _parse_check(raw, raw_field, RowError.INVALID_AMOUNT, "is not an amount")
            if raw_field in plan.amounts_read_two_ways:
                # Read, twice: its own warning says so, not "is not an amount".
                amount = replace(amount, passes=amount.passes | pl.col(TWO_WAYS + raw_field))
                checks.append(_two_ways_check(raw, raw_field))
            checks.append(amount)
        elif kind in _REVENUE_VALUES:
            checks.append(_revenue_check(raw, table, plan, raw_field, kind))
        elif kind == BOOLEAN:
            checks.append(
                _parse_check(
                    raw, raw_field, RowError.INVALID_BOOLEAN, "is not true or false (yes/no, 1/0)"
                )
            )
    if raw.kind == SUBSCRIPTIONS:
        checks.extend(_amount_use_checks(raw, table, plan))
        checks.extend(_other_column_checks(raw, table, plan))
        checks.extend(_status_checks(raw, table, plan))
        checks.extend(_start_checks(raw, table, plan))
    checks.extend(_extra_fields_checks(raw))
    checks.append(_conflict_check(raw, table, plan))
    return checks


def _literal(text: str) -> str:
    """Text of the file or the source (a header, a status) put into a pl.format template,
    its braces doubled: `{start_date` is a header, not a placeholder."""
    return text.replace("{", "{{").replace("}", "}}")


def _extra_fields_checks(raw: RawTable) -> list[Check]:
    """A record with more fields than the header: its values may have shifted (a
    separator inside an unquoted value), so none of them can be trusted."""
    if EXTRA_FIELDS not in raw.frame.columns:
        return []
    return [
        Check(
            name=f"{RowError.EXTRA_FIELDS}:row",
            code=RowError.EXTRA_FIELDS,
            column=RAW + EXTRA_FIELDS,
            header=raw.last_header,
            passes=pl.col(RAW + EXTRA_FIELDS).is_null(),
            message=pl.format(
                "the record has more fields than the header: '{}' follows its last column "
                "(a separator inside a value that is not quoted?); its values cannot be "
                "trusted",
                pl.col("value"),
            ),
        )
    ]


def _id_checks(raw: RawTable, table: TableSpec, plan: TypingPlan, canonical: str) -> list[Check]:
    present = id_raw_fields(table, plan, canonical)
    label = canonical.replace("_", " ").replace(" id", " ID")
    missing = pl.lit(f"the {label} is missing: the row cannot be counted")
    context = None
    # The ID comes from the first of its columns only; a value in another one (Zoho's
    # Subscription Number) is named, so that the row can be found in the billing system.
    others = present[1:]
    if others:
        context = pl.coalesce(pl.col(RAW + f) for f in others)
        header = next(iter(raw.headers[f] for f in others))
        named = pl.format(
            f"the {label} is missing ({_literal(header)} '{{}}'): the row cannot be counted, "
            f"since '{_literal(raw.headers[present[0]])}' is this file's {label} column",
            pl.col("context"),
        )
        missing = pl.when(pl.col("context").is_not_null()).then(named).otherwise(missing)
    missing_id = Check(
        name=f"{RowError.MISSING_ID}:{canonical}",
        code=RowError.MISSING_ID,
        column=canonical,
        header=_header(raw, present, canonical),
        passes=pl.col(canonical).is_not_null(),
        message=missing,
        context=context,
    )
    # A guest customer (Stripe) has no ID: its row is accepted, neither error nor warning.
    checks = [] if _empty_is_guest(table, canonical) else [missing_id]
    # Damage a spreadsheet did to an ID, each flagged per raw ID column by checked.py.
    damages = (
        (
            RowError.DAMAGED_ID,
            SCIENTIFIC,
            "'{}' is an ID in scientific notation: a spreadsheet damaged it; export the "
            "file again and do not open and save it in a spreadsheet",
        ),
        (
            RowError.ROUNDED_ID,
            ROUNDED,
            "'{}' is an ID a spreadsheet rounded to 15 significant digits (other IDs "
            "of the file show it): different IDs may have become one; export the file "
            "again, or open the CSV with its ID columns as text",
        ),
    )
    checks += [
        Check(
            name=f"{code}:{raw_field}",
            code=code,
            column=RAW + raw_field,
            header=raw.headers[raw_field],
            passes=~pl.col(flag + raw_field).fill_null(False),
            message=pl.format(text, pl.col("value")),
        )
        for raw_field in present
        for code, flag, text in damages
    ]
    return checks


def _empty_is_guest(table: TableSpec, canonical: str) -> bool:
    """A customers export whose source reads an empty customer ID as a guest customer
    (Stripe): such a row is accepted, so no check may reject it for that."""
    return canonical == "customer_id" and table.guests_without_id


def _parse_check(raw: RawTable, raw_field: str, code: RowError, what: str) -> Check:
    column, typed = RAW + raw_field, TYPED + raw_field
    return Check(
        name=f"{code}:{raw_field}",
        code=code,
        column=column,
        header=raw.headers[raw_field],
        passes=pl.col(column).is_null() | pl.col(typed).is_not_null(),
        message=pl.format("'{}' " + _literal(what), pl.col("value")),
        rejects=code.rejects,
    )


def _amount_use_checks(raw: RawTable, table: TableSpec, plan: TypingPlan) -> list[Check]:
    """Amounts read, but not summed into MRR (revenue.py): a negative one (a credit is no
    recurring amount), and one that writes another currency than the row's (DOMAIN.md:
    amounts are never mixed across currencies). Warnings: the row counts, without MRR."""
    checks = []
    for raw_field in table.raw_fields_of("amount") + table.raw_fields_of("monthly_amount"):
        if plan.types.get(raw_field) != AMOUNT:
            continue
        value, typed = pl.col("value"), pl.col(TYPED + raw_field)
        checks.append(
            Check(
                name=f"{RowError.NEGATIVE_AMOUNT}:{raw_field}",
                code=RowError.NEGATIVE_AMOUNT,
                column=RAW + raw_field,
                header=raw.headers[raw_field],
                passes=~(typed < 0).fill_null(False),
                message=pl.format(
                    "'{}' is negative (a credit?): a recurring amount cannot be, so the "
                    "subscription has no MRR",
                    value,
                ),
                rejects=False,
            )
        )
        if raw_field in amount_fields_with_currency(table, plan):
            currency = pl.col("currency").cast(pl.String).str.strip_chars().str.to_uppercase()
            checks.append(
                Check(
                    name=f"{RowError.AMOUNT_CURRENCY_DIFFERS}:{raw_field}",
                    code=RowError.AMOUNT_CURRENCY_DIFFERS,
                    column=RAW + raw_field,
                    header=raw.headers[raw_field],
                    passes=~other_currency_expr(raw_field),
                    message=pl.format(
                        "'{}' is in {}: amounts are never added across currencies, so the "
                        "subscription has no MRR",
                        value,
                        pl.col("context"),
                    ),
                    rejects=False,
                    context=pl.format(
                        "{}, but the row's currency is {}",
                        pl.col(OWN_CURRENCY + raw_field),
                        currency,
                    ),
                )
            )
    return checks


def _two_ways_check(raw: RawTable, raw_field: str) -> Check:
    """An amount like "1.190" in a file that says nowhere which its dots are: a warning
    that names both readings; the subscription has no MRR."""
    value = pl.col("value")
    return Check(
        name=f"{RowError.AMOUNT_READ_TWO_WAYS}:{raw_field}",
        code=RowError.AMOUNT_READ_TWO_WAYS,
        column=RAW + raw_field,
        header=raw.headers[raw_field],
        passes=~pl.col(TWO_WAYS + raw_field),
        message=pl.format(
            "'{}' reads as {} with its dot grouping thousands, or as {} with a decimal point, "
            "and nothing else in the file says which: the subscription has no MRR; export "
            "the amounts with their decimals ('1.190,00' or '1190.00')",
            value,
            value.str.extract(r"(\d+\.\d+)").str.replace(".", "", literal=True),
            value.str.extract(r"(\d+\.\d+)").cast(pl.Float64).round(3).cast(pl.String),
        ),
        rejects=False,
    )


# What a revenue value must be, by raw field type: (canonical field, code, problem).
_REVENUE_VALUES = {
    INTERVAL_UNIT: (
        "interval",
        RowError.INVALID_INTERVAL,
        f"is not a billing interval unit ({parsing.INTERVAL_UNITS_READ})",
    ),
    INTERVAL_COUNT: (
        "interval_count",
        RowError.INVALID_INTERVAL,
        "is not a number of billing intervals (a whole number, 1 or more)",
    ),
    QUANTITY: (
        "quantity",
        RowError.INVALID_QUANTITY,
        "is not a quantity (a whole number, 0 or more)",
    ),
}


def _revenue_check(
    raw: RawTable, table: TableSpec, plan: TypingPlan, raw_field: str, kind: str
) -> Check:
    """A billing interval or quantity that cannot be read: a warning, the row kept and
    counted, its subscription without MRR (revenue.py reads the same text by the same
    rules). Only the column the row's value comes from is checked: a later alias of the
    field is used only where the earlier ones are empty."""
    canonical, code, problem = _REVENUE_VALUES[kind]
    check = _parse_check(raw, raw_field, code, problem + ": the subscription has no MRR")
    earlier = list(table.raw_fields_of(canonical))
    earlier = [f for f in earlier[: earlier.index(raw_field)] if f in plan.types]
    if not earlier:
        return check
    unused = pl.any_horizontal(pl.col(RAW + f).is_not_null() for f in earlier)
    return replace(check, passes=check.passes | unused)


def _date_checks(raw: RawTable, table: TableSpec, plan: TypingPlan, raw_field: str) -> list[Check]:
    """An unreadable date rejects its row only where a count depends on it (DOMAIN.md,
    "Bad rows"); elsewhere it is a warning and the row is kept without it."""
    check = _parse_check(raw, raw_field, RowError.INVALID_DATE, _date_problem(raw, plan, raw_field))
    zone = parsing.unknown_zone_expr("value")
    check = replace(
        check,
        message=pl.when(zone.is_not_null())
        .then(pl.format(_UNKNOWN_ZONE, pl.col("value"), zone, zone))
        .otherwise(check.message),
    )
    needed = _date_needed(raw_field, table, plan, raw.kind)
    if needed is None:
        return [check]
    unused = "; no figure needs it in this row, which is kept without it"
    return [
        replace(check, passes=check.passes | ~needed),
        replace(
            check,
            name=f"{check.name}:unused",
            passes=check.passes | needed,
            message=pl.concat_str(check.message, pl.lit(unused)),
            rejects=False,
        ),
    ]


# A timestamp whose zone abbreviation the parser does not know: which are known, and how
# to read the local dates as written instead (a quoted literal in a date pattern).
_UNKNOWN_ZONE = (
    "'{}' is not a date reconcile can place: its time zone '{}' is not one it knows (it "
    "reads Z, UTC, GMT, offsets such as -07:00, and "
    + ", ".join(parsing.ZONE_OFFSETS)
    + "); write the times with an offset, or read the local dates as written with "
    "--date-format \"yyyy-MM-dd HH:mm:ss '{}'\""
)


def _date_problem(raw: RawTable, plan: TypingPlan, raw_field: str) -> str:
    """What is wrong with an unreadable date: it does not fit the column's format, when
    most of the column does; else, when most values that do not fit hold no digit, the
    column holds text (no format would read it); else no single format fits the column
    (and which comes closest)."""
    fmt = plan.date_formats[raw_field]
    if plan.most_fit(raw_field):
        return f"is not a date (column format {fmt.name})"
    header = raw.headers[raw_field]
    if parsing.mostly_not_dates(plan.date_counts[raw_field], fmt):
        # Words, not dates written another way: no --date-format can read them.
        return f"is not a date: column '{header}' holds text where a date belongs"
    problem = f"is not a date: no single date format fits column '{header}'"
    best, rows = parsing.best_fitting_format(plan.date_counts[raw_field])
    _, total = plan.date_fit[raw_field]
    if best is not None:
        problem += f" (the closest, {best.name}, reads {rows} of its {total} values)"
    return problem + DATE_FORMAT_ADVICE


def _date_needed(raw_field: str, table: TableSpec, plan: TypingPlan, kind: str) -> pl.Expr | None:
    """Where a date raw field feeds a count, as an expression; None when everywhere.

    A later fallback is used only where the earlier ones are empty; a `when` fallback only
    where its yes/no field is true (Stripe's Current Period End, only for a subscription
    set to cancel at period end); a pause date only for a paused subscription, and the end
    columns never for one (its end is its pause date); the end of the paid period only for
    an unpaid subscription (its end; elsewhere a renewal date); a customer's created date
    never (no figure uses it)."""
    uses: list[list[pl.Expr]] = []  # each: conditions that must all hold
    for canonical in _DATE_CANONICALS[kind]:
        # The source's own fallbacks for some statuses (Zoho's non_renewing end) are used
        # on the rows of those statuses, the general ones on every other row.
        by_status = table.status_fallbacks(canonical)
        others = [~_status_in(by_status)] if by_status else []
        derivations = [(table.fallbacks(canonical), others)]
        derivations += [(steps, [_status_in([s])]) for s, steps in by_status.items()]
        for fallbacks, where in derivations:
            uses.extend(_date_uses(raw_field, fallbacks, plan, [*where, *_class_needs(canonical)]))
    if any(not conditions for conditions in uses):
        return None  # needed on every row
    if not uses:
        return pl.lit(False)
    return pl.any_horizontal(pl.all_horizontal(conditions) for conditions in uses)


def _date_uses(
    raw_field: str, fallbacks: tuple[Fallback, ...], plan: TypingPlan, where: list[pl.Expr]
) -> list[list[pl.Expr]]:
    """Where a date raw field feeds one derivation (`where` holding): for each fallback
    that reads it, the conditions under which that fallback is the one used."""
    uses: list[list[pl.Expr]] = []
    earlier_empty: list[pl.Expr] = []
    for fallback in fallbacks:
        present = all(f in plan.types for f in fallback.raw_fields)
        if raw_field in fallback.fields and present:
            conditions = [*where, *earlier_empty]
            if fallback.when:
                conditions.append(pl.col(TYPED + fallback.when).fill_null(False))
            uses.append(conditions)
        if present:
            earlier_empty.append(_fallback_empty(fallback, plan))
    return uses


def _status_in(statuses: Iterable[str]) -> pl.Expr:
    """Whether the row's status (normalised) is one of `statuses` as a source writes them."""
    return pl.col("status").is_in(normalized_statuses(tuple(statuses))).fill_null(False)


# The canonical date fields a count depends on, per export kind.
# (`period_end` only on an unpaid row, whose end it is; elsewhere it is a renewal date.)
_DATE_CANONICALS = {SUBSCRIPTIONS: ("start", "end", "pause_date", "period_end"), CUSTOMERS: ()}


def _class_needs(canonical: str) -> list[pl.Expr]:
    paused = (pl.col("status_class") == PAUSED).fill_null(False)
    if canonical == "pause_date":
        return [paused]
    if canonical == "end":
        return [~paused]
    if canonical == "period_end":
        return [(pl.col("status_class") == UNPAID).fill_null(False)]
    return []


def _fallback_empty(fallback: Fallback, plan: TypingPlan) -> pl.Expr:
    """Where a fallback gives no value: a raw field empty, its `when` not true, or its
    date undone by a later one."""
    empty = pl.any_horizontal(pl.col(RAW + f).is_null() for f in fallback.fields)
    if fallback.when:
        empty = empty | ~pl.col(TYPED + fallback.when).fill_null(False)
    undone = undone_expr(fallback, plan.types, lambda f: pl.col(TYPED + f))
    return empty if undone is None else empty | undone


def _other_column_checks(raw: RawTable, table: TableSpec, plan: TypingPlan) -> list[Check]:
    """A warning on every row whose product or plan comes from a later column than the
    file's first one (a product ID where the product name is empty): two names of one
    product would count as two products (DOMAIN.md: one column per file)."""
    checks = []
    for canonical in ("product", "plan"):
        present = [f for f in present_fallbacks(canonical, table, plan.types) if not f.is_join]
        if len(present) < 2:
            continue
        first = present[0].fields[0]
        for later in present[1:]:
            field = later.fields[0]
            checks.append(
                Check(
                    name=f"{RowError.OTHER_COLUMN}:{field}",
                    code=RowError.OTHER_COLUMN,
                    column=RAW + field,
                    header=raw.headers[field],
                    # Only the row that took this column's value is told.
                    passes=pl.col(RAW + first).is_not_null()
                    | pl.col(canonical).is_null()
                    | (pl.col(canonical) != pl.col(RAW + field)).fill_null(True),
                    message=pl.format(
                        f"the {canonical} is '{{}}' from column "
                        f"'{_literal(raw.headers[field])}', since "
                        f"'{_literal(raw.headers[first])}' is empty in this row: it may name "
                        f"the same {canonical} as another row differently",
                        pl.col("value"),
                    ),
                    rejects=False,
                )
            )
    return checks


def _status_checks(raw: RawTable, table: TableSpec, plan: TypingPlan) -> list[Check]:
    if not plan.has_status:
        return []
    raw_field = next(f for f in table.raw_fields_of("status") if f in plan.types)
    known = ", ".join(raw.source.status_values())
    empty = "the status is empty"
    unknown = (
        f"'{{}}' is not a {_literal(raw.source.title)} status; known statuses: {_literal(known)}"
    )
    return [
        Check(
            name=f"{RowError.UNKNOWN_STATUS}:{raw_field}",
            code=RowError.UNKNOWN_STATUS,
            column=RAW + raw_field,
            header=raw.headers[raw_field],
            passes=pl.col("status_class").is_not_null(),
            message=pl.when(pl.col("value").is_null())
            .then(pl.lit(empty))
            .otherwise(pl.format(unknown, pl.col("value"))),
        )
    ]


def _start_checks(raw: RawTable, table: TableSpec, plan: TypingPlan) -> list[Check]:
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
        Check(
            name=f"{RowError.MISSING_START}:start",
            code=RowError.MISSING_START,
            column=RAW + present[0],
            header=raw.headers[present[0]],
            passes=any_start | ~needs_start,
            message=pl.lit(f"no start date ({headers} empty): the row cannot be placed in time"),
        )
    ]


def _conflict_check(raw: RawTable, table: TableSpec, plan: TypingPlan) -> Check:
    key = id_key(raw.kind)
    present = [f for f in table.raw_fields_of(key) if f in plan.types]
    label = key.replace("_id", " ID")
    return Check(
        name=f"{RowError.CONFLICTING_DUPLICATE}:{key}",
        code=RowError.CONFLICTING_DUPLICATE,
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
