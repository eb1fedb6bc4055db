"""Floor (a): plain polars, as a competent user would write it without reconcile.

Reads both files, then counts active subscriptions and distinct active customers per
product on the as-of date. Active: status live or non_renewing, start <= as-of, and no
end or end after the as-of date. IDs stay text; dates that are not dates become null.

    python bench/floor_polars.py DIR [--as-of 2026-06-30]
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import polars as pl

PAYING = ("live", "non_renewing")


def active_by_product(
    subscriptions: Path, customers: Path, as_of: date
) -> tuple[pl.DataFrame, tuple[int, int], int]:
    """Per product (subscriptions_active, customers_active), the same two over all
    products, and the number of distinct customer IDs in the customers file."""
    subs = pl.read_csv(subscriptions, infer_schema=False)
    customers_in_file = pl.read_csv(customers, infer_schema=False)["customer_id"].n_unique()
    active = subs.with_columns(
        pl.col("start_date", "end_date").str.to_date("%Y-%m-%d", strict=False)
    ).filter(
        pl.col("status").is_in(PAYING),
        pl.col("subscription_id").is_not_null(),
        pl.col("customer_id").is_not_null(),
        pl.col("start_date") <= as_of,
        pl.col("end_date").is_null() | (pl.col("end_date") > as_of),
    )
    # n_unique of subscription_id: an exact duplicate row is one subscription.
    counts = [
        pl.col("subscription_id").n_unique().alias("subscriptions_active"),
        pl.col("customer_id").n_unique().alias("customers_active"),
    ]
    by_product = active.group_by("product").agg(counts).sort("product")
    total = active.select(counts).row(0)
    return by_product, total, customers_in_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="holds subscriptions.csv and customers.csv")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 6, 30))
    args = parser.parse_args()
    by_product, (subscriptions, customers), customers_in_file = active_by_product(
        args.folder / "subscriptions.csv", args.folder / "customers.csv", args.as_of
    )
    print(by_product)
    print(
        f"TOTAL subscriptions_active={subscriptions} customers_active={customers} "
        f"customers_in_file={customers_in_file}"
    )


if __name__ == "__main__":
    main()
