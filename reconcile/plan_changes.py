"""Plan changes (DOMAIN.md, "Plan changes"): a subscription that ends on day e while
another subscription of the same customer starts on day s, |s - e| <= the window, was
replaced, not lost. Same product: a plan change; another product: a product switch.

The billing system still counts a cancellation and an activation, and so do the
subscription figures. Every customer-level figure (customer counts and movements, MRR)
takes the old subscription to last until its successor starts, so that a gap of a day
neither churns nor reactivates the customer.
"""

from __future__ import annotations

import datetime

import polars as pl

# The successor's start, and whether it is in another product (a product switch).
SUCCESSOR_START = "successor_start"
PRODUCT_SWITCH = "product_switch"


def successors(subs: pl.LazyFrame, window_days: int, as_of: datetime.date) -> pl.LazyFrame:
    """One row per replaced subscription: `line`, SUCCESSOR_START, PRODUCT_SWITCH.

    `subs` are the classified subscriptions (customer_no, line, product, start, end,
    in_history). Only subscriptions the history can place take part. A successor starts
    after the old subscription started (so it is never the old one itself nor a
    contemporary), on or before the as-of date (a change that has not happened yet
    changes nothing on a month end), and within the window of the old one's end; the
    earliest such start is the successor. With several subscriptions starting that
    day, it is a plan change when one of them is in the old one's product.

    One as-of join by customer finds it, whatever the window: O(n log n), never the
    customer's subscriptions times each other.
    """
    if window_days <= 0:
        return pl.LazyFrame(
            schema={"line": pl.Int64, SUCCESSOR_START: pl.Date, PRODUCT_SWITCH: pl.Boolean}
        )
    window = pl.duration(days=window_days)
    placed = subs.filter(pl.col("in_history"))
    ended = (
        placed.filter(pl.col("end").is_not_null())
        .select(
            "customer_no",
            "line",
            "product",
            "end",
            key=_day_key(
                pl.max_horizontal(pl.col("end") - window, pl.col("start") + pl.duration(days=1))
            ),
        )
        .sort("key", multithreaded=False)
    )
    # The starts as one sorted integer each: customer and day are read back from it.
    # Both sorts single-threaded: on a million keys the parallel sort takes half as much
    # CPU again for about the same wall time, and the other core has work of its own.
    starts = (
        placed.filter(pl.col("start") <= as_of)
        .select(_day_key(pl.col("start")))
        .sort("key", multithreaded=False)
    )
    matched = (
        ended.join_asof(
            starts, on="key", strategy="forward", check_sortedness=False, coalesce=False
        )
        .with_columns(
            # The first start at or after the earliest day, of this customer or a later one.
            pl.col("key_right").alias("found"),
        )
        .filter(
            (
                pl.col("found") // _DAYS_PER_CUSTOMER == pl.col("customer_no").cast(pl.Int64)
            ).fill_null(False)
        )
        .with_columns(_day_of(pl.col("found")).alias(SUCCESSOR_START))
        .filter(pl.col(SUCCESSOR_START) <= pl.col("end") + window)
        .select("customer_no", "line", "product", SUCCESSOR_START)
    )
    # A plan change when a subscription of the old one's product starts that very day:
    # looked up among the few customers with a successor only.
    same_product = (
        placed.join(matched.select("customer_no").unique(), on="customer_no", how="semi")
        .select("customer_no", "product", pl.col("start").alias(SUCCESSOR_START))
        .unique()
        .with_columns(same_product=pl.lit(True))
    )
    return matched.join(
        same_product, on=["customer_no", "product", SUCCESSOR_START], how="left"
    ).select(
        "line",
        SUCCESSOR_START,
        (pl.col("product").is_not_null() & pl.col("same_product").is_null()).alias(PRODUCT_SWITCH),
    )


# A customer's days share one Int64 with the customer: customer_no x _DAYS_PER_CUSTOMER
# + the day's number + _DAY_OFFSET (dates before 1970 have negative numbers; the years
# 1900 to 9999 that parsing.py reads fit in 2^23 days either side).
_DAYS_PER_CUSTOMER = 1 << 24
_DAY_OFFSET = 1 << 23


def _day_key(day: pl.Expr) -> pl.Expr:
    """Customer and day as one integer, ordered by customer, then day: one sorted column
    finds the next start of the same customer (an as-of join by a key column costs about
    three times more)."""
    days = day.cast(pl.Int32).cast(pl.Int64) + _DAY_OFFSET
    return (pl.col("customer_no").cast(pl.Int64) * _DAYS_PER_CUSTOMER + days).alias("key")


def _day_of(key: pl.Expr) -> pl.Expr:
    return (key % _DAYS_PER_CUSTOMER - _DAY_OFFSET).cast(pl.Int32).cast(pl.Date)


def customer_end(subs: pl.LazyFrame, found: pl.DataFrame) -> pl.LazyFrame:
    """`subs` with `customer_end`: the end every customer-level figure uses, the later of
    its end and its successor's start."""
    if found.is_empty():
        return subs.with_columns(customer_end=pl.col("end"))
    return subs.join(found.lazy(), on="line", how="left").with_columns(
        customer_end=pl.max_horizontal("end", SUCCESSOR_START)
    )


def per_month(subs: pl.LazyFrame, found: pl.DataFrame) -> pl.LazyFrame:
    """Per month: how many of the subscriptions ended that month (the month after the
    last one they were active on) were replaced (`plan_changes`, product switches
    included) and how many of those were `product_switches`."""
    return (
        subs.filter(pl.col("first") <= pl.col("last"))
        .select("line", month=pl.col("last") + 1)
        .join(found.lazy(), on="line", how="inner")
        .group_by("month")
        .agg(
            plan_changes=pl.len().cast(pl.Int64),
            product_switches=pl.col(PRODUCT_SWITCH).sum().cast(pl.Int64),
        )
    )
