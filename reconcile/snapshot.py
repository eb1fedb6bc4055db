"""The snapshot on the as-of date from the active subscriptions: counts per product and
plan, how many subscriptions customers hold, which products they combine, and which
subscriptions are "extra" (beyond a customer's first).

Every function takes the active subscriptions (subscription_id, customer_id, customer_no,
line, start, product, plan, currency) and returns a LazyFrame.
"""

from __future__ import annotations

import polars as pl


def active_counts(active: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    """Active subscriptions and customers per group, most subscriptions first, then by name
    (a missing name is its own group, after the named ones)."""
    return (
        active.group_by(keys)
        .agg(
            subscriptions_active=pl.len().cast(pl.Int64),
            customers_active=pl.col("customer_no").n_unique().cast(pl.Int64),
        )
        .sort(
            ["subscriptions_active", *keys],
            descending=[True] + [False] * len(keys),
            nulls_last=True,
        )
        .select(*keys, "subscriptions_active", "customers_active")
    )


def product_overlap(active: pl.LazyFrame) -> pl.LazyFrame:
    """Per pair of products a < b, the active customers active in both."""
    holds = active.select("customer_no", "product").drop_nulls("product").unique()
    return (
        holds.join(holds, on="customer_no", suffix="_b")
        .filter(pl.col("product") < pl.col("product_b"))
        .group_by(product_a="product", product_b="product_b")
        .agg(customers=pl.len().cast(pl.Int64))
        .sort(["customers", "product_a", "product_b"], descending=[True, False, False])
    )


def extra_subscriptions(active: pl.LazyFrame) -> pl.LazyFrame:
    """IDs of the active subscriptions beyond each customer's first (earliest start, then
    first in the file): what makes the subscription count exceed the customer count."""
    return (
        active.select("customer_no", "start", "line", "subscription_id")
        .sort("customer_no", "start", "line")
        .filter(pl.col("customer_no") == pl.col("customer_no").shift(1))
        .select("subscription_id")
    )


def holdings(active: pl.LazyFrame) -> pl.LazyFrame:
    """How many active customers hold 1, 2, 3... active subscriptions, ascending."""
    return (
        active.group_by("customer_no")
        .agg(subscriptions=pl.len().cast(pl.Int64))
        .group_by("subscriptions")
        .agg(customers=pl.len().cast(pl.Int64))
        .sort("subscriptions")
    )
