"""Floor (c): pandas, the same question as floor_polars.py.

Active: status live or non_renewing, start <= as-of, and no end or end after the as-of
date. IDs are read as text; dates that are not dates become NaT.

    python bench/floor_pandas.py DIR [--as-of 2026-06-30]
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import pandas as pd

PAYING = ("live", "non_renewing")


def active_by_product(
    subscriptions: Path, customers: Path, as_of: date
) -> tuple[pd.DataFrame, tuple[int, int], int]:
    """Per product (subscriptions_active, customers_active), the same two over all
    products, and the number of distinct customer IDs in the customers file."""
    subs = pd.read_csv(subscriptions, dtype=str)
    customers_in_file = pd.read_csv(customers, dtype=str)["customer_id"].nunique()
    start = pd.to_datetime(subs["start_date"], format="%Y-%m-%d", errors="coerce")
    end = pd.to_datetime(subs["end_date"], format="%Y-%m-%d", errors="coerce")
    day = pd.Timestamp(as_of)
    active = subs[
        subs["status"].isin(PAYING)
        & subs["subscription_id"].notna()
        & subs["customer_id"].notna()
        & (start <= day)
        & (end.isna() | (end > day))
    ]
    by_product = (
        active.groupby("product")
        .agg(
            subscriptions_active=("subscription_id", "nunique"),
            customers_active=("customer_id", "nunique"),
        )
        .reset_index()
        .sort_values("product", ignore_index=True)
    )
    total = (active["subscription_id"].nunique(), active["customer_id"].nunique())
    return by_product, total, customers_in_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="holds subscriptions.csv and customers.csv")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 6, 30))
    args = parser.parse_args()
    by_product, (subscriptions, customers), customers_in_file = active_by_product(
        args.folder / "subscriptions.csv", args.folder / "customers.csv", args.as_of
    )
    print(by_product.to_string(index=False))
    print(
        f"TOTAL subscriptions_active={subscriptions} customers_active={customers} "
        f"customers_in_file={customers_in_file}"
    )


if __name__ == "__main__":
    main()
