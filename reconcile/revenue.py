"""Revenue (DOMAIN.md, "Revenue (MRR)"): MRR per subscription, the snapshot per currency,
per product and plan, and the month-end MRR movements per customer.

A subscription's MRR is `amount x quantity / (interval_count x months per unit)` (or,
without an amount, the `monthly_amount` of a column that already is MRR), rounded to the
cent once, here; every other figure is a sum of those cents in integers, so the
figures add up exactly, to each other and to the row trace's `mrr` column. Amounts are
never converted: every figure is per currency.

The movements come from events, like the customer history (history.py): each
subscription adds its MRR in the first month it is active on a month end and takes it
away in the month after its last, so the cost is one sort of the events, never rows
times months. The ranges are the customer-level ones (plan_changes.py): a subscription
replaced within the plan-change window lasts until its successor starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from reconcile import history, parsing
from reconcile.problems import InternalError, ReconcileError
from reconcile.result import CurrencyMrr, MonthRevenue, Revenue

# The subscription's MRR in cents (Int64); null when it has none that can be known.
MRR_CENTS = "mrr_cents"
# Upper-cased, blanks trimmed; null without a currency.
CURRENCY = "revenue_currency"
# The currency numbered 0, 1, ... in code order, the missing currency last: grouping and
# sorting by an integer is far cheaper than by the text.
CURRENCY_CODE = "revenue_currency_code"
# Renewals a year (12 / the interval in months), for renewals.py: null where the interval
# cannot be read. Computed here, where the interval is read once per distinct value.
RENEWALS_PER_YEAR = "renewals_per_year"
# At most this many currencies (by_currency packs a code below a customer in one Int64).
_CURRENCIES = 1 << 11
# Stands for a value that is there but cannot be read (a count or quantity is never < 0).
_UNREADABLE = -1.0


def with_mrr(subs: pl.DataFrame) -> pl.DataFrame:
    """`subs` with MRR_CENTS, CURRENCY, CURRENCY_CODE and RENEWALS_PER_YEAR.

    The interval, count and quantity are read as parsing reads them (validation warns
    on the rows whose value it cannot read): an empty unit is a month (an export without
    one, such as the MRR playbook's, holds monthly amounts), an empty count is 1, an empty
    quantity is 1. An amount that is missing, unreadable or negative, a unit that is not
    one of parsing.MONTHS_PER_UNIT, a count that is not a whole number >= 1, or a quantity
    that is not a whole number >= 0 gives no MRR: the subscription is counted as one
    without amount, never guessed. A row without an amount takes its `monthly_amount`
    (a column that already is MRR) as it is, if it has one that is not negative.

    The text columns repeat a handful of values: each is read once per distinct value and
    mapped onto the rows, rather than trimmed and parsed on every row.
    """
    numerator, denominator = _unit_months(subs.get_column("interval"))
    count = _numbers(subs.get_column("interval_count"), minimum=1)
    quantity = _numbers(subs.get_column("quantity"), minimum=0)
    currency, code = _currencies(subs.get_column("currency"))
    known = (
        pl.col("amount").is_not_null()
        & (pl.col("amount") >= 0)
        & numerator.is_not_null()
        & (count > 0)
        & (quantity >= 0)
    )
    # months per interval = count x numerator / denominator, so
    # MRR = amount x quantity x denominator / (count x numerator).
    cents = pl.col("amount") * 100 * quantity * denominator / (count * numerator)
    rounded = _cents_of(cents)
    # A row without an amount may hold one that already is MRR (canonical.py): as it is.
    monthly = pl.col("monthly_amount")
    mrr = (
        pl.when(pl.col("amount").is_not_null())
        .then(pl.when(known).then(rounded))
        .when(monthly >= 0)
        .then(_cents_of(monthly * 100))
    )
    readable_interval = numerator.is_not_null() & (count > 0)
    return subs.with_columns(
        mrr.alias(MRR_CENTS),
        currency.alias(CURRENCY),
        code.alias(CURRENCY_CODE),
        pl.when(readable_interval)
        .then(12 * denominator / (count * numerator))
        .alias(RENEWALS_PER_YEAR),
    )


def _cents_of(cents: pl.Expr) -> pl.Expr:
    """Cents rounded to whole cents, as Int64: rounded to 6 places first so that float
    noise (1.15 x 100 = 114.999...) cannot decide a half cent; then half a cent goes up,
    as a bookkeeper rounds. (Rows without MRR may hold inf or NaN here, a count of 0: not
    cast strictly.)"""
    return cents.round(6).round(0, mode="half_away_from_zero").cast(pl.Int64, strict=False)


def _unit_months(units: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Per row the (numerator, denominator) of months per unit: (1, 1) where the unit is
    empty, null where it is no unit of parsing.MONTHS_PER_UNIT."""
    codes, distinct = _coded(units)
    factors = [parsing.interval_unit_months(value) for value in distinct]
    # As Float64, the type every use computes in (whole numbers, so exactly): no cast per use.
    numerators = [float(f[0]) if f else None for f in factors]
    denominators = [float(f[1]) if f else None for f in factors]
    return _gathered(codes, numerators, 1.0), _gathered(codes, denominators, 1.0)


def _coded(values: pl.Series) -> tuple[pl.Series, list[str]]:
    """(per row the number of its value, null where missing; the distinct values by
    number). The text columns read here repeat a handful of values: each is read once,
    and the rows pick their result by number, which costs a third of looking each row's
    text up in a table (replace_strict). Numbered as parsing.numbered numbers them: a
    fresh category table lists the distinct values, with no unique of the rows."""
    codes, distinct = parsing.numbered(values)
    return codes, distinct.to_list()


def _gathered(codes: pl.Series, results: list, if_null: float | int) -> pl.Series:
    """Per row the result of its value's number, `if_null` where the value is missing."""
    dtype = pl.Int64 if isinstance(if_null, int) else pl.Float64
    table = pl.Series([*results, if_null], dtype=dtype)
    return table.gather(codes.fill_null(len(results)))


def _numbers(values: pl.Series, *, minimum: int) -> pl.Series | float:
    """A count or quantity written as text per row, as parsing.parse_whole_numbers reads
    it (`1`, `12`, `2.0`): 1.0 where empty, _UNREADABLE where it is not a whole number of
    at least `minimum`; 1.0 alone for a column without values."""
    if values.null_count() == values.len():
        return 1.0
    parsed = parsing.parse_whole_numbers(values, minimum=minimum)
    return pl.select(
        pl.when(values.is_null())
        .then(1.0)
        .when(parsed.is_null())
        .then(_UNREADABLE)
        .otherwise(parsed.cast(pl.Float64))
    ).to_series()


def _currencies(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Per row the currency as grouped (upper case, trimmed; null when empty) and its
    CURRENCY_CODE."""
    codes_of_rows, distinct = _coded(values)
    normal = [value.strip().upper() or None for value in distinct]
    codes = {c: i for i, c in enumerate(sorted({c for c in normal if c}))}
    missing = len(codes)
    if missing >= _CURRENCIES:  # by_currency packs the code into _CURRENCIES values
        raise ReconcileError(
            f"the currency column holds {missing:,} different values: it cannot be the "
            "currency. Map the right column with --map currency=HEADER."
        )
    currency = pl.Series([*normal, None], dtype=pl.String).gather(
        codes_of_rows.fill_null(len(normal))
    )
    code = _gathered(
        codes_of_rows, [codes.get(c, missing) if c else missing for c in normal], missing
    )
    return currency, code


# --------------------------------------------------------------------------- snapshot


def by_currency(active: pl.LazyFrame) -> pl.LazyFrame:
    """Per currency of the active subscriptions: mrr (cents), customers and subscriptions
    with MRR, and the subscriptions without (missing or unreadable amount)."""
    has_mrr = pl.col(MRR_CENTS).is_not_null()
    counts = active.group_by(CURRENCY_CODE).agg(
        pl.col(CURRENCY).first(),
        mrr=pl.col(MRR_CENTS).sum().cast(pl.Int64),
        subscriptions=has_mrr.sum().cast(pl.Int64),
        subscriptions_without_amount=(~has_mrr).sum().cast(pl.Int64),
    )
    # The customers with MRR in a currency are their distinct (customer, currency) pairs,
    # each one integer: counted per currency, a third of the CPU of n_unique per group.
    pair = pl.col("customer_no").cast(pl.Int64) * _CURRENCIES + pl.col(CURRENCY_CODE)
    customers = (
        active.filter(has_mrr)
        .select(pair=pair)
        .unique()
        .group_by((pl.col("pair") % _CURRENCIES).alias(CURRENCY_CODE))
        .agg(customers=pl.len().cast(pl.Int64))
    )
    return (
        counts.join(customers, on=CURRENCY_CODE, how="left")
        .select(
            CURRENCY_CODE,
            CURRENCY,
            "mrr",
            pl.col("customers").fill_null(0),
            "subscriptions",
            "subscriptions_without_amount",
        )
        .sort(CURRENCY_CODE)
    )


def by_group(active: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    """MRR (cents) per group and currency, of the active subscriptions with MRR."""
    return (
        active.filter(pl.col(MRR_CENTS).is_not_null())
        .group_by([*keys, CURRENCY_CODE])
        .agg(pl.col(CURRENCY).first(), mrr=pl.col(MRR_CENTS).sum().cast(pl.Int64))
        .sort([*keys, CURRENCY_CODE], nulls_last=True)
    )


def revenue_from(frame: pl.DataFrame) -> tuple[Revenue, ...]:
    """The collected `by_currency` as Revenue, money in currency units."""
    return tuple(
        Revenue(
            currency=row[CURRENCY],
            mrr=money(row["mrr"]),
            customers=row["customers"],
            subscriptions=row["subscriptions"],
            arpa=_ratio(row["mrr"], row["customers"]),
            arpu_per_subscription=_ratio(row["mrr"], row["subscriptions"]),
            subscriptions_without_amount=row["subscriptions_without_amount"],
        )
        for row in frame.iter_rows(named=True)
    )


def group_revenue(frame: pl.DataFrame, keys: Sequence[str]) -> dict[tuple, tuple[CurrencyMrr, ...]]:
    """The collected `by_group` as {group key: (CurrencyMrr, ...)}, currencies by code."""
    grouped: dict[tuple, list[CurrencyMrr]] = {}
    for row in frame.iter_rows(named=True):
        key = tuple(row[k] for k in keys)
        grouped.setdefault(key, []).append(CurrencyMrr(row[CURRENCY], money(row["mrr"])))
    return {key: tuple(values) for key, values in grouped.items()}


def money(cents: int | None) -> float:
    return 0.0 if cents is None else round(cents / 100, 2)


def _ratio(cents: int | None, count: int) -> float | None:
    """cents / count in currency units, rounded to the cent; None when count is 0."""
    if not count or cents is None:
        return None
    return round(cents / count / 100, 2)


# --------------------------------------------------------------------------- movements

MOVEMENTS = ("new", "reactivation", "expansion", "contraction", "churn")
# Room for the row number below an event's customer, currency and month: an Int64
# holds 63 bits that are not the sign.
_KEY_BITS = 63


@dataclass(frozen=True)
class _EventKey:
    """How `movements` packs an event into one Int64, lowest bits first: the event's row
    number (`row_bits`; None when the rest leaves no room for it), its month counted
    from `first_month` (`month_bits`), the currency code (`currency_bits`), and the
    customer number above them. Each part has as many bits as the ranges need."""

    first_month: int
    month_bits: int
    currency_bits: int
    row_bits: int | None

    @classmethod
    def of(cls, ranges: pl.DataFrame, last_month: int) -> _EventKey:
        customer, currency, first = ranges.select(
            pl.col("customer_no").max(), pl.col(CURRENCY_CODE).max(), pl.col("first").min()
        ).row(0)
        first_month = last_month if first is None else min(first, last_month)
        month_bits = (last_month - first_month).bit_length()
        currency_bits = (currency or 0).bit_length()
        used = (customer or 0).bit_length() + currency_bits + month_bits
        if used > _KEY_BITS:  # customer numbers < 2^32, < 2^11 currencies, years 1900..2286
            raise InternalError(f"an MRR event needs {used} bits, more than an Int64 holds")
        # Two events per range at most: numbered 0 .. 2 x rows - 1.
        row_bits = max(2 * ranges.height - 1, 0).bit_length()
        fits = used + row_bits <= _KEY_BITS
        return cls(first_month, month_bits, currency_bits, row_bits if fits else None)

    def key(self, month: pl.Expr) -> pl.Expr:
        """Customer, currency and month, without the row number."""
        customer = pl.col("customer_no").cast(pl.Int64) * (1 << self.currency_bits)
        group = customer + pl.col(CURRENCY_CODE)
        return group * (1 << self.month_bits) + (month - self.first_month)

    def sorted(self, events: pl.LazyFrame) -> pl.LazyFrame:
        """`events` (key, delta) ordered by key. With the row number packed below the key,
        one Int64 column is sorted alone and each delta fetched by its row number; that
        costs half of sorting the rows by key with the delta carried along (bench/
        RESULTS.md, "Micro-benchmarks"), which is what is left where the bits do not fit."""
        if self.row_bits is None:
            return events.sort("key")
        rows = 1 << self.row_bits
        packed = pl.col("key") * rows + pl.int_range(pl.len(), dtype=pl.Int64)
        # Two selects: computing the sorted column in the same select as its two uses
        # costs twice as much.
        return events.select(packed=packed.sort(), delta="delta").select(
            key=pl.col("packed") // rows, delta=pl.col("delta").gather(pl.col("packed") % rows)
        )


def movements(ranges: pl.DataFrame, last_month: int) -> pl.LazyFrame:
    """Per month and currency: the MRR movements between E(M-1) and E(M), in cents.

    `ranges`: one row per subscription that is active on at least one month end at
    customer level: customer_no, CURRENCY_CODE, MRR_CENTS (null without MRR: such a
    subscription moves nothing), `first`, `last` (month numbers, first <= last <=
    `last_month`).
    A customer's MRR in a currency changes only in months where one of their
    subscriptions starts or stops counting; before and after each such month tell the
    movement: from zero up is new (the first time) or reactivation, down to zero churn,
    otherwise expansion or contraction. Each movement is the change itself, so
    MRR(M) - MRR(M-1) = new + reactivation + expansion - contraction - churn exactly.

    Each event is one Int64 key (_EventKey): customer, currency and month, and below
    them, where the bits allow, the event's row number, so that one single-column sort
    orders them (as in history.py); otherwise the rows are sorted by the key. A
    subscription still active in the last month would stop in the month
    after it, an event that only brings the customer's MRR back to zero: those are left
    out (in a typical export most of the stops), and each customer's MRR is counted from
    the running sum before their first change.
    """
    layout = _EventKey.of(ranges, last_month)
    counted = ranges.lazy().filter(pl.col(MRR_CENTS) != 0)  # nor does an MRR of 0
    events = pl.concat(
        [
            counted.filter(pl.col("first") <= last_month).select(
                key=layout.key(pl.col("first")), delta=pl.col(MRR_CENTS)
            ),
            counted.filter(pl.col("last") < last_month).select(
                key=layout.key(pl.col("last") + 1), delta=-pl.col(MRR_CENTS)
            ),
        ]
    )
    group_of = pl.col("key") // (1 << layout.month_bits)
    # The running sum over all customers; a customer's first change in a currency is
    # their first MRR in it.
    running = layout.sorted(events).with_columns(after=pl.col("delta").cum_sum())
    changes = history.month_end_changes(running, group_of)
    delta = pl.col("after") - pl.col("before")
    # Each change is of one kind (its index in MOVEMENTS, history.change_kind) and counts
    # its size, the change's absolute value: summed per month, currency and kind in one
    # integer sum, then spread into the five columns over those few rows (five filtered
    # sums over every change cost three times as much).
    kind = history.change_kind()
    # Currency and month are the key's low bits above the row number: with the kind,
    # one integer to group by, which costs less than the three columns.
    month_and_currency = pl.col("key") % (1 << (layout.month_bits + layout.currency_bits))
    sums = changes.group_by(slot=month_and_currency * len(MOVEMENTS) + kind).agg(
        cents=delta.abs().sum()
    )
    slot = pl.col("slot") // len(MOVEMENTS)
    return (
        sums.select(
            "cents",
            kind=pl.col("slot") % len(MOVEMENTS),
            month=(slot % (1 << layout.month_bits) + layout.first_month).cast(pl.Int32),
            **{CURRENCY_CODE: slot // (1 << layout.month_bits)},
        )
        .group_by("month", CURRENCY_CODE)
        .agg(
            _cents(pl.col("kind") == index, pl.col("cents")).alias(name)
            for index, name in enumerate(MOVEMENTS)
        )
    )


def currency_codes(subs: pl.LazyFrame) -> pl.LazyFrame:
    """CURRENCY_CODE -> CURRENCY of `subs` (with_mrr's columns)."""
    return subs.group_by(CURRENCY_CODE).agg(pl.col(CURRENCY).first())


def _cents(condition: pl.Expr, value: pl.Expr) -> pl.Expr:
    return value.filter(condition).sum().cast(pl.Int64)


def monthly(
    moves: pl.DataFrame, codes: pl.DataFrame, months: list[int]
) -> dict[int, tuple[MonthRevenue, ...]]:
    """{month number: (MonthRevenue per currency, by code)} for every month of the
    history, every currency that ever had MRR in every month (zeros where nothing moved),
    with MRR(M) the running sum of the net movements. `moves`: `movements` collected;
    `codes`: `currency_codes` collected."""
    moves = moves.join(codes, on=CURRENCY_CODE, how="left").drop(CURRENCY_CODE)
    currencies = moves.select(pl.col(CURRENCY).unique().sort(nulls_last=True)).to_series()
    if currencies.is_empty() or not months:
        return {month: () for month in months}
    grid = (
        pl.DataFrame({"month": pl.Series(months, dtype=pl.Int32)})
        .join(currencies.to_frame(), how="cross")
        .join(moves, on=["month", CURRENCY], how="left", nulls_equal=True)
        .with_columns(pl.col(MOVEMENTS).fill_null(0))
        .sort(CURRENCY, "month", nulls_last=True)
        .with_columns(
            mrr=(
                pl.col("new")
                + pl.col("reactivation")
                + pl.col("expansion")
                - pl.col("contraction")
                - pl.col("churn")
            )
            .cum_sum()
            .over(CURRENCY)
        )
        .sort("month", CURRENCY, nulls_last=True)
    )
    result: dict[int, list[MonthRevenue]] = {month: [] for month in months}
    for row in grid.iter_rows(named=True):
        result[row["month"]].append(
            MonthRevenue(
                currency=row[CURRENCY],
                mrr=money(row["mrr"]),
                **{name: money(row[name]) for name in MOVEMENTS},
            )
        )
    return {month: tuple(values) for month, values in result.items()}
