"""Month-end history (DOMAIN.md, "Over time"), computed from events.

Months are numbered `year * 12 + month - 1`. Month M is observed on its last day E(M),
the as-of month on the as-of date itself. A subscription with interval [start, end) is
active on the observation days of one unbroken run of months, [first, last]:

- first = month(start), when start <= as_of (else it is never active in the history):
  E(M) >= start exactly from start's own month on.
- last = the as-of month when it has no end or ends after the as-of date; else
  month(end) - 1, because E(M) < end exactly for the months before end's month.

first > last means it is never active on a month end (a short or contradictory interval).
From these runs every figure follows with +1/-1 events: the cost is one sort of the events
plus linear passes over rows and months, never rows times months.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from reconcile.result import Month, MonthRevenue

# Month numbers (year * 12 + month - 1) stay far below this for any real date.
_MONTHS_PER_CUSTOMER = 1 << 20


def month_number(date: datetime.date) -> int:
    return date.year * 12 + date.month - 1


def month_of(column: str) -> pl.Expr:
    """The month number of a date column."""
    return (pl.col(column).dt.year().cast(pl.Int32) * 12 + pl.col(column).dt.month() - 1).cast(
        pl.Int32
    )


def first_active_month(as_of: datetime.date) -> pl.Expr:
    """The first month on whose observation day the subscription is active (or null)."""
    return pl.when(pl.col("start") <= as_of).then(month_of("start"))


def last_active_month(as_of: datetime.date, end: str = "end") -> pl.Expr:
    """The last month on whose observation day the subscription is active, when it
    ends on the date column `end`."""
    open_on_as_of = pl.col(end).is_null() | (pl.col(end) > as_of)
    return (
        pl.when(open_on_as_of)
        .then(pl.lit(month_number(as_of), dtype=pl.Int32))
        .otherwise(month_of(end) - 1)
    )


def timeline(
    ranges: pl.LazyFrame,
    first_month: int | None,
    as_of: datetime.date,
    customer_ranges: pl.LazyFrame | None = None,
) -> pl.LazyFrame:
    """One row per month from `first_month` to the as-of month, with Month's columns.

    `ranges` holds one row per subscription that is active on at least one observation
    day: `customer_no` (an integer per customer), `first`, `last` (month numbers,
    first <= last). `customer_ranges`, in the same shape, are the runs the customer
    figures count (a subscription replaced by a plan change lasts until its successor
    starts, plan_changes.py); by default `ranges`. Without a first month, or one after
    the as-of month, there is no month to show: the frame is empty.
    """
    last_month = month_number(as_of)
    if first_month is None:
        first_month = last_month + 1
    months = pl.LazyFrame(
        {"month": pl.int_range(first_month, last_month + 1, dtype=pl.Int32, eager=True)}
    )
    return (
        months.join(_subscription_changes(ranges), on="month", how="left")
        .join(
            _customer_changes(ranges if customer_ranges is None else customer_ranges, last_month),
            on="month",
            how="left",
        )
        .fill_null(0)
        .sort("month")
        .with_columns(
            subscriptions_net=pl.col("subscriptions_new") - pl.col("subscriptions_ended"),
            customers_net=pl.col("customers_new")
            + pl.col("customers_reactivated")
            - pl.col("customers_churned"),
        )
        .with_columns(
            # Before the first month nothing is active, so the running sums start at zero.
            subscriptions_active=pl.col("subscriptions_net").cum_sum(),
            customers_active=pl.col("customers_net").cum_sum(),
            date=pl.date(pl.col("month") // 12, pl.col("month") % 12 + 1, 1).dt.month_end(),
        )
        .with_columns(
            date=pl.when(pl.col("month") == last_month).then(pl.lit(as_of)).otherwise("date"),
            period=pl.col("date").dt.strftime("%Y-%m"),
        )
        .drop("month")
    )


@dataclass(frozen=True)
class MonthExtras:
    """The figures of a month that other modules compute (plan changes, revenue)."""

    plan_changes: int = 0
    product_switches: int = 0
    revenue: tuple[MonthRevenue, ...] = ()


def months_from(frame: pl.DataFrame, extra: Sequence[MonthExtras] = ()) -> tuple[Month, ...]:
    """The collected timeline as Month dataclasses; `extra[i]`, when given, holds more
    figures of the i-th month."""
    if not extra:
        return tuple(Month(**row) for row in frame.iter_rows(named=True))
    rows = frame.iter_rows(named=True)
    return tuple(
        Month(
            **row,
            plan_changes=more.plan_changes,
            product_switches=more.product_switches,
            revenue=more.revenue,
        )
        for row, more in zip(rows, extra, strict=True)
    )


def _subscription_changes(ranges: pl.LazyFrame) -> pl.LazyFrame:
    # A subscription's run is unbroken: it is new in its first month and ended in the
    # month after its last (events past the as-of month fall off in the left join).
    new = ranges.group_by(month="first").agg(subscriptions_new=pl.len().cast(pl.Int64))
    ended = ranges.group_by(month=pl.col("last") + 1).agg(
        subscriptions_ended=pl.len().cast(pl.Int64)
    )
    return new.join(ended, on="month", how="full", coalesce=True)


def _customer_changes(ranges: pl.LazyFrame, last_month: int) -> pl.LazyFrame:
    """New, reactivated, churned, expanded and contracted customers per month.

    Every run gives two events: +1 in its first month, -1 in the month after its last.
    Sorted by customer and month, a running sum of the events is each customer's number
    of active subscriptions; its value before and after each month's events tells every
    transition. Events after the last month change no month shown and are left out:
    every run still active in the last month stops after it (in a typical export most
    of the stops).
    """
    events = pl.concat(
        [
            ranges.filter(pl.col("first") <= last_month).select(_event(pl.col("first"), 1)),
            ranges.filter(pl.col("last") < last_month).select(_event(pl.col("last") + 1, 0)),
        ]
    ).sort("event")
    key = pl.col("event") // 2  # customer and month
    customer = pl.col("key") // _MONTHS_PER_CUSTOMER
    # The direction bit as +1 (start) or -1 (stop), summed up along the sorted events.
    running = events.select(key=key, after=(pl.col("event") % 2 * 2 - 1).cum_sum())
    changes = month_end_changes(running, customer).with_columns(
        month=(pl.col("key") % _MONTHS_PER_CUSTOMER).cast(pl.Int32)
    )
    # Each change is of one kind: counted per month and kind, then spread into the five
    # columns over those few rows (five filtered counts over every change cost more).
    kind = change_kind().alias("kind")
    counts = changes.group_by("month", kind).agg(changes=pl.len())
    return counts.group_by("month").agg(
        pl.col("changes").filter(pl.col("kind") == index).sum().cast(pl.Int64).alias(name)
        for index, name in enumerate(_CUSTOMER_CHANGES)
    )


def month_end_changes(running: pl.LazyFrame, group: pl.Expr) -> pl.LazyFrame:
    """The changes of a group's value from one month end to the next, from its events.

    `running`: the events sorted by `key` (the group in its high bits, the month below)
    with `after`, the running sum of their changes over all groups. The running sum at a
    month's last event is the value after that month. Returned: one row per group and
    month whose value changed, with `before` and `after` it, `first_change` (the group's
    first) and `zero`, the running sum before the group's first change: the groups
    before it carry into the running sum what they still hold after the last month (their
    events after it are left out), so each group's own value is the sum minus its zero.
    (A month whose events cancel out is no change and leaves the sum where it was, so
    the first change's `before` is that zero.)
    """
    return (
        running.filter((pl.col("key") != pl.col("key").shift(-1)).fill_null(True))
        .with_columns(before=pl.col("after").shift(1, fill_value=0))
        .filter(pl.col("after") != pl.col("before"))
        .with_columns(first_change=(group != group.shift(1)).fill_null(True))
        .with_columns(zero=pl.when("first_change").then("before").forward_fill())
    )


def change_kind() -> pl.Expr:
    """The kind of each of `month_end_changes`: 0 up from nothing for the first time
    (new), 1 up from nothing again (reactivated), 2 up, 3 down (expanded, contracted),
    4 down to nothing (churned)."""
    zero = pl.col("zero")
    from_nothing = (pl.col("before") == zero) & (pl.col("after") > zero)
    both_held = (pl.col("before") > zero) & (pl.col("after") > zero)
    return (
        pl.when(from_nothing & pl.col("first_change"))
        .then(0)
        .when(from_nothing)
        .then(1)
        .when(both_held & (pl.col("after") > pl.col("before")))
        .then(2)
        .when(both_held)
        .then(3)
        .otherwise(4)
    )


# The kinds of a customer's change in a month, in the order `kind` numbers them.
_CUSTOMER_CHANGES = (
    "customers_new",
    "customers_reactivated",
    "customers_expanded",
    "customers_contracted",
    "customers_churned",
)


def _event(month: pl.Expr, start: int) -> pl.Expr:
    """One integer per event, sorted alone: the customer in the high bits, then the month,
    and in the lowest bit the direction (1 = start). A one-column sort with nothing to
    carry along is far cheaper than sorting rows by customer and month."""
    customer = pl.col("customer_no").cast(pl.Int64)
    return ((customer * _MONTHS_PER_CUSTOMER + month) * 2 + start).alias("event")
