"""The snapshot on the as-of date from the active subscriptions: counts per product and
plan, how many subscriptions customers hold, which products they combine, and which
subscriptions are "extra" (beyond a customer's first).

`active` is the active subscriptions (subscription_id, customer_id, customer_no, line,
start, product, plan, currency); `customers` is `active_customers(active)` collected, one
row per active customer, so that the queries reading it do not group `active` again.
Every function returns a LazyFrame.
"""

from __future__ import annotations

import polars as pl

# A line number stays far below this, so (start, line) fits one Int64 (see counting_order).
_LINES = 1 << 32

# Up to this many products, product_overlap gives each product a bit of a UInt64 mask.
MASKED_PRODUCTS = 64


def counting_order() -> pl.Expr:
    """The order in which a customer's subscriptions count, (start, line), as one integer:
    a minimum per customer of one integer is far cheaper than sorting by two columns.
    Unique per row, because lines are. An active subscription has a start, except in an
    export without start dates (DOMAIN.md, "Snapshot exports"): there, file order."""
    return pl.col("start").cast(pl.Int64).fill_null(0) * _LINES + pl.col("line")


def active_customers(active: pl.LazyFrame, bits: pl.DataFrame | None = None) -> pl.LazyFrame:
    """One row per active customer: customer_no, how many active subscriptions they hold,
    and `first`, the counting_order of the one that counts. (Without customer_id: picking
    a string per group costs more than all the rest.) With `bits` (product_bits), also
    `mask`, the bits of their products, for overlap_from: in the same grouping, a fifth
    of the CPU of grouping the customers again."""
    if bits is None:
        return active.group_by("customer_no").agg(
            subscriptions=pl.len().cast(pl.Int64),
            first=counting_order().min(),
        )
    return (
        _with_bits(active, bits)
        .group_by("customer_no")
        .agg(
            subscriptions=pl.len().cast(pl.Int64),
            first=counting_order().min(),
            mask=pl.col("bit").bitwise_or(),
        )
    )


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


def product_overlap(active: pl.LazyFrame, masked_products: int | None = None) -> pl.LazyFrame:
    """Per pair of products a < b, the active customers active in both.

    With at most `masked_products` products (default MASKED_PRODUCTS), each product is a
    bit and each customer the bit mask of their products: customers are counted per mask
    (a few hundred distinct masks at most in practice), and the pairs come from the masks,
    not from a join of every customer's products with each other, which costs more than
    twice as much (bench/RESULTS.md, "Micro-benchmarks"). With more products, the join.
    """
    bits = product_bits(active, masked_products)
    if bits is None:
        return _overlap_by_join(active)
    masks = _with_bits(active, bits).group_by("customer_no").agg(mask=pl.col("bit").bitwise_or())
    return _overlap_of_masks(masks, bits)


def overlap_from(
    active: pl.LazyFrame, customers: pl.DataFrame, bits: pl.DataFrame | None
) -> pl.LazyFrame:
    """product_overlap from the active customers grouped already with their masks
    (active_customers with the same `bits`); by the join where there are none."""
    if bits is None:
        return _overlap_by_join(active)
    return _overlap_of_masks(customers.lazy(), bits)


def product_bits(active: pl.LazyFrame, masked_products: int | None = None) -> pl.DataFrame | None:
    """Each product of the active subscriptions, sorted so that codes follow names, with
    its `code` and `bit`; None with more than `masked_products` products (default
    MASKED_PRODUCTS), too many for a UInt64 mask. Collected here: its size chooses the
    plan."""
    limit = MASKED_PRODUCTS if masked_products is None else masked_products
    products = active.select(pl.col("product").drop_nulls().unique().sort()).collect()
    if products.height > limit:
        return None
    return products.with_row_index("code").with_columns(
        bit=pl.lit(2, pl.UInt64).pow(pl.col("code"))
    )


def _with_bits(active: pl.LazyFrame, bits: pl.DataFrame) -> pl.LazyFrame:
    """`active` with `bit`, its product's bit (null without a product)."""
    return active.join(bits.lazy().select("product", "bit"), on="product", how="left")


def _held(customers: pl.LazyFrame, bits: pl.DataFrame) -> pl.LazyFrame:
    """Per mask of products and product in it (mask, code, product, bit): how many
    `customers` (one row per customer with the `mask` of their products) hold that
    mask. Customers are counted per mask, a few hundred at most in practice."""
    masks = customers.group_by("mask").agg(customers=pl.len().cast(pl.Int64))
    return masks.join(bits.lazy(), how="cross").filter(pl.col("mask") & pl.col("bit") != 0)


def product_counts(
    active: pl.LazyFrame, customers: pl.DataFrame, bits: pl.DataFrame | None
) -> pl.LazyFrame:
    """active_counts per product, its customers counted from the masks of active_customers
    with the same `bits` (a customer holds a product when its bit is in their mask), not
    by n_unique per product, which costs three times the whole query. The missing product
    counts its customers itself; without bits (too many products), active_counts."""
    if bits is None:
        return active_counts(active, ["product"])
    subscriptions = active.group_by("product").agg(subscriptions_active=pl.len().cast(pl.Int64))
    named = (
        _held(customers.lazy(), bits)
        .group_by("product")
        .agg(customers_active=pl.col("customers").sum())
    )
    unnamed = active.filter(pl.col("product").is_null()).select(
        unnamed=pl.col("customer_no").n_unique().cast(pl.Int64)
    )
    return (
        subscriptions.join(named, on="product", how="left")
        .join(unnamed, how="cross")
        .with_columns(
            customers_active=pl.when(pl.col("product").is_null())
            .then("unnamed")
            .otherwise("customers_active")
        )
        .sort(["subscriptions_active", "product"], descending=[True, False], nulls_last=True)
        .select("product", "subscriptions_active", "customers_active")
    )


def _overlap_of_masks(customers: pl.LazyFrame, bits: pl.DataFrame) -> pl.LazyFrame:
    """product_overlap from one row per customer with the `mask` of their products."""
    held = _held(customers, bits)
    return _ranked_pairs(
        held.join(held.select("mask", code_b="code", product_b="product"), on="mask")
        # Codes follow the sorted names, so a < b by code is a < b by name.
        .filter(pl.col("code") < pl.col("code_b"))
        .group_by(product_a="product", product_b="product_b")
        .agg(customers=pl.col("customers").sum())
    )


def _overlap_by_join(active: pl.LazyFrame) -> pl.LazyFrame:
    holds = active.select("customer_no", "product").drop_nulls("product").unique()
    return _ranked_pairs(
        holds.join(holds, on="customer_no", suffix="_b")
        .filter(pl.col("product") < pl.col("product_b"))
        .group_by(product_a="product", product_b="product_b")
        .agg(customers=pl.len().cast(pl.Int64))
    )


def _ranked_pairs(pairs: pl.LazyFrame) -> pl.LazyFrame:
    return pairs.sort(["customers", "product_a", "product_b"], descending=[True, False, False])


def extra_subscriptions(active: pl.LazyFrame, customers: pl.DataFrame) -> pl.LazyFrame:
    """IDs of the active subscriptions beyond each customer's first (earliest start, then
    first in the file): what makes the subscription count exceed the customer count."""
    firsts = customers.get_column("first").implode()
    # An integer is_in costs two thirds of an anti join.
    return active.filter(~counting_order().is_in(firsts)).select("subscription_id")


def holdings(customers: pl.DataFrame) -> pl.LazyFrame:
    """How many active customers hold 1, 2, 3... active subscriptions, ascending."""
    return (
        customers.lazy()
        .group_by("subscriptions")
        .agg(customers=pl.len().cast(pl.Int64))
        .sort("subscriptions")
    )
