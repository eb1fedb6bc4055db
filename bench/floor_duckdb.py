"""Floor (b): DuckDB SQL over read_csv, the same question as floor_polars.py.

Active: status live or non_renewing, start <= as-of, and no end or end after the as-of
date. All columns are read as text (IDs must stay text); TRY_CAST turns a date that is
not a date into NULL.

    python bench/floor_duckdb.py DIR [--as-of 2026-06-30]
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import duckdb

# GROUPING SETS: the per-product rows and the all-products row in one pass over the file.
ACTIVE_BY_PRODUCT = """
WITH subs AS (
    SELECT
        product,
        subscription_id,
        customer_id,
        status,
        TRY_CAST(start_date AS DATE) AS start_date,
        TRY_CAST(end_date AS DATE) AS end_date
    FROM read_csv($subscriptions, header = true, all_varchar = true)
)
SELECT
    GROUPING(product) = 1 AS is_total,
    product,
    count(DISTINCT subscription_id) AS subscriptions_active,
    count(DISTINCT customer_id) AS customers_active
FROM subs
WHERE status IN ('live', 'non_renewing')
    AND subscription_id IS NOT NULL
    AND customer_id IS NOT NULL
    AND start_date <= $as_of
    AND (end_date IS NULL OR end_date > $as_of)
GROUP BY GROUPING SETS ((product), ())
ORDER BY is_total, product
"""

CUSTOMERS_IN_FILE = """
SELECT count(DISTINCT customer_id)
FROM read_csv($customers, header = true, all_varchar = true)
"""


def active_by_product(
    subscriptions: Path, customers: Path, as_of: date
) -> tuple[list[tuple[str, int, int]], tuple[int, int], int]:
    """Per product (product, subscriptions_active, customers_active), the same two over
    all products, and the number of distinct customer IDs in the customers file."""
    connection = duckdb.connect()
    rows = connection.execute(
        ACTIVE_BY_PRODUCT, {"subscriptions": str(subscriptions), "as_of": as_of}
    ).fetchall()
    (customers_in_file,) = connection.execute(
        CUSTOMERS_IN_FILE, {"customers": str(customers)}
    ).fetchone()
    by_product = [(product, subs, custs) for is_total, product, subs, custs in rows if not is_total]
    total = next((subs, custs) for is_total, _, subs, custs in rows if is_total)
    return by_product, total, customers_in_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="holds subscriptions.csv and customers.csv")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2026, 6, 30))
    args = parser.parse_args()
    by_product, (subscriptions, customers), customers_in_file = active_by_product(
        args.folder / "subscriptions.csv", args.folder / "customers.csv", args.as_of
    )
    print(f"{'product':<20} {'subscriptions_active':>21} {'customers_active':>17}")
    for product, subs, custs in by_product:
        print(f"{product:<20} {subs:>21} {custs:>17}")
    print(
        f"TOTAL subscriptions_active={subscriptions} customers_active={customers} "
        f"customers_in_file={customers_in_file}"
    )


if __name__ == "__main__":
    main()
