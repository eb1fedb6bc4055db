"""Revenue (DOMAIN.md, "Revenue (MRR)"): MRR per subscription, the snapshot per currency,
per product and plan, and the month-end MRR movements per customer.

A subscription's MRR is `amount x quantity / (interval_count x months per unit)`, rounded
to the cent once, here; every other figure is a sum of those cents in integers, so the
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

import polars as pl

from reconcile.result import CurrencyMrr, MonthRevenue, Revenue

# Months per billing-interval unit, by the unit as exports write it (lower case, blanks
# trimmed): Zoho `months`/`years`/`weeks`, Stripe and Chargebee `month`/`year`/`week`/`day`,
# WooCommerce `month`/`year`/`week`/`day`, and the German and adjective forms people type.
# DOMAIN.md: a week is 12/52 of a month, a day 12/365.
_MONTHS = (1, 1)
_YEARS = (12, 1)
_WEEKS = (12, 52)
_DAYS = (12, 365)
MONTHS_PER_UNIT: dict[str, tuple[int, int]] = {
    **dict.fromkeys(["month", "months", "monthly", "monat", "monate", "monatlich"], _MONTHS),
    **dict.fromkeys(["year", "years", "yearly", "annual", "annually", "jahr", "jahre"], _YEARS),
    **dict.fromkeys(["jährlich", "jaehrlich"], _YEARS),
    **dict.fromkeys(["week", "weeks", "weekly", "woche", "wochen", "wöchentlich"], _WEEKS),
    **dict.fromkeys(["day", "days", "daily", "tag", "tage", "täglich"], _DAYS),
}

# The subscription's MRR in cents (Int64); null when it has none that can be known.
MRR_CENTS = "mrr_cents"
# Upper-cased, blanks trimmed; null without a currency.
CURRENCY = "revenue_currency"


def _number(column: str) -> pl.Expr:
    """A count or quantity written as text (`1`, `12`, `2.0`, `1,5`) as a Float64; null
    where empty or not a number."""
    text = pl.col(column).str.strip_chars().str.replace(",", ".", literal=True)
    return text.cast(pl.Float64, strict=False)


def with_mrr(subs: pl.LazyFrame) -> pl.LazyFrame:
    """`subs` with MRR_CENTS and CURRENCY.

    An empty interval unit is a month (an export without one, such as the MRR playbook's,
    holds monthly amounts), an empty count is 1, an empty quantity is 1. An amount that
    is missing, unreadable or negative, a unit that is not one of MONTHS_PER_UNIT, a count
    that is not a positive number, or a quantity that is not a number >= 0 gives no MRR:
    the subscription is counted as one without amount, never guessed.
    """
    unit = pl.col("interval").str.strip_chars().str.to_lowercase()
    numerator = unit.replace_strict(
        {k: v[0] for k, v in MONTHS_PER_UNIT.items()}, default=None, return_dtype=pl.Int64
    )
    denominator = unit.replace_strict(
        {k: v[1] for k, v in MONTHS_PER_UNIT.items()}, default=None, return_dtype=pl.Int64
    )
    no_unit = pl.col("interval").is_null() | (unit == "")
    count = _number("interval_count")
    quantity = _number("quantity")
    months_numerator = pl.when(no_unit).then(1).otherwise(numerator)
    months_denominator = pl.when(no_unit).then(1).otherwise(denominator)
    known = (
        pl.col("amount").is_not_null()
        & (pl.col("amount") >= 0)
        & months_numerator.is_not_null()
        & (pl.col("interval_count").is_null() | (count > 0))
        & (pl.col("quantity").is_null() | (quantity >= 0))
    )
    # months per interval = count x numerator / denominator, so
    # MRR = amount x quantity x denominator / (count x numerator).
    cents = (
        pl.col("amount")
        * 100
        * quantity.fill_null(1.0)
        * months_denominator
        / (count.fill_null(1.0) * months_numerator)
    )
    # Rounded to 6 places first so that float noise (1.15 x 100 = 114.999...) cannot
    # decide a half cent; then half a cent goes up, as a bookkeeper rounds.
    rounded = cents.round(6).round(0, mode="half_away_from_zero").cast(pl.Int64)
    currency = pl.col("currency").str.strip_chars().str.to_uppercase()
    return subs.with_columns(
        pl.when(known).then(rounded).alias(MRR_CENTS),
        pl.when(currency != "").then(currency).alias(CURRENCY),
    )


# --------------------------------------------------------------------------- snapshot


def by_currency(active: pl.LazyFrame) -> pl.LazyFrame:
    """Per currency of the active subscriptions: mrr (cents), customers and subscriptions
    with MRR, and the subscriptions without (missing or unreadable amount)."""
    has_mrr = pl.col(MRR_CENTS).is_not_null()
    return (
        active.group_by(CURRENCY)
        .agg(
            mrr=pl.col(MRR_CENTS).sum().cast(pl.Int64),
            customers=pl.col("customer_no").filter(has_mrr).n_unique().cast(pl.Int64),
            subscriptions=has_mrr.sum().cast(pl.Int64),
            subscriptions_without_amount=(~has_mrr).sum().cast(pl.Int64),
        )
        .sort(CURRENCY, nulls_last=True)
    )


def by_group(active: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    """MRR (cents) per group and currency, of the active subscriptions with MRR."""
    return (
        active.filter(pl.col(MRR_CENTS).is_not_null())
        .group_by([*keys, CURRENCY])
        .agg(mrr=pl.col(MRR_CENTS).sum().cast(pl.Int64))
        .sort([*keys, CURRENCY], nulls_last=True)
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

# Customer numbers and month numbers share one Int64 key, as in history.py.
_MONTHS_PER_KEY = 1 << 20
MOVEMENTS = ("new", "reactivation", "expansion", "contraction", "churn")


def movements(ranges: pl.LazyFrame, last_month: int) -> pl.LazyFrame:
    """Per month and currency: the MRR movements between E(M-1) and E(M), in cents.

    `ranges`: one row per subscription with MRR that is active on at least one month end
    at customer level: customer_no, CURRENCY, MRR_CENTS, `first`, `last` (month numbers).
    A customer's MRR in a currency changes only in months where one of their
    subscriptions starts or stops counting; before and after each such month tell the
    movement: from zero up is new (the first time) or reactivation, down to zero churn,
    otherwise expansion or contraction. Each movement is the change itself, so
    MRR(M) - MRR(M-1) = new + reactivation + expansion - contraction - churn exactly.
    """
    key = pl.col("customer_no").cast(pl.Int64) * _MONTHS_PER_KEY
    events = pl.concat(
        [
            ranges.select(CURRENCY, key=key + pl.col("first"), delta=pl.col(MRR_CENTS)),
            ranges.select(CURRENCY, key=key + pl.col("last") + 1, delta=-pl.col(MRR_CENTS)),
        ]
    )
    changes = (
        events.group_by(CURRENCY, "key")
        .agg(pl.col("delta").sum())
        .filter(pl.col("delta") != 0)
        .sort(CURRENCY, "key", nulls_last=True)
        .with_columns(
            customer=pl.col("key") // _MONTHS_PER_KEY,
            month=(pl.col("key") % _MONTHS_PER_KEY).cast(pl.Int32),
        )
        # Every range starts and stops, so the running sum returns to zero after each
        # customer: taken over all of them, it is each customer's own MRR.
        .with_columns(after=pl.col("delta").cum_sum())
        .with_columns(before=pl.col("after") - pl.col("delta"))
        .with_columns(
            # Whether the customer had MRR in this currency on an earlier month end: any
            # earlier change of theirs left a positive MRR.
            had_mrr=(pl.col("after") > 0)
            .cast(pl.Int32)
            .cum_max()
            .shift(1, fill_value=0)
            .over(CURRENCY, "customer")
            > 0
        )
        .filter(pl.col("month") <= last_month)
    )
    up_from_zero = (pl.col("before") == 0) & (pl.col("after") > 0)
    both = (pl.col("before") > 0) & (pl.col("after") > 0)
    return changes.group_by("month", CURRENCY).agg(
        new=_cents(up_from_zero & ~pl.col("had_mrr"), pl.col("delta")),
        reactivation=_cents(up_from_zero & pl.col("had_mrr"), pl.col("delta")),
        expansion=_cents(both & (pl.col("delta") > 0), pl.col("delta")),
        contraction=_cents(both & (pl.col("delta") < 0), -pl.col("delta")),
        churn=_cents((pl.col("before") > 0) & (pl.col("after") == 0), -pl.col("delta")),
    )


def _cents(condition: pl.Expr, value: pl.Expr) -> pl.Expr:
    return value.filter(condition).sum().cast(pl.Int64)


def monthly(moves: pl.DataFrame, months: list[int]) -> dict[int, tuple[MonthRevenue, ...]]:
    """{month number: (MonthRevenue per currency, by code)} for every month of the
    history, every currency that ever had MRR in every month (zeros where nothing moved),
    with MRR(M) the running sum of the net movements."""
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
