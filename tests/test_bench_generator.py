"""The benchmark's data generator and its floors (bench/).

The floors are checked on a hand-made file whose answer is worked out below, and on
generated data against each other and against the generator's manifest.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# The generator and the floors need the `bench` extra (numpy, pandas), which the `test`
# extra leaves out: pandera.polars imports pandas when it is there, and the tests should
# run the code as users install it. `pip install -e '.[test,bench]'` runs these too.
pytest.importorskip("numpy", reason="needs the bench extra: pip install -e '.[test,bench]'")
pytest.importorskip("pandas", reason="needs the bench extra: pip install -e '.[test,bench]'")

BENCH = Path(__file__).resolve().parent.parent / "bench"
AS_OF = date(2026, 6, 30)


def load(name: str) -> ModuleType:
    """A bench/ script as a module (bench/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


generate = load("generate")
floor_polars = load("floor_polars")
floor_duckdb = load("floor_duckdb")
floor_pandas = load("floor_pandas")

SUBSCRIPTION_HEADER = (
    "subscription_id,customer_id,customer_name,customer_email,product,plan,status,"
    "start_date,end_date,pause_date,amount,currency,interval"
)
CUSTOMER_HEADER = "customer_id,name,company,email,status,created_date"


@pytest.fixture(scope="module")
def thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("thousand")
    generate.generate(1000, folder, seed=7)
    return folder


def read_text(folder: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    return (
        pl.read_csv(folder / "subscriptions.csv", infer_schema=False),
        pl.read_csv(folder / "customers.csv", infer_schema=False),
    )


def test_same_seed_writes_the_same_bytes(thousand: Path, tmp_path: Path) -> None:
    generate.generate(1000, tmp_path / "again", seed=7)
    generate.generate(1000, tmp_path / "other", seed=8)
    for name in ("subscriptions.csv", "customers.csv", "manifest.json"):
        again = (tmp_path / "again" / name).read_bytes()
        assert again == (thousand / name).read_bytes()
        assert again != (tmp_path / "other" / name).read_bytes()


def test_columns_and_row_counts(thousand: Path) -> None:
    subscriptions = (thousand / "subscriptions.csv").read_text().splitlines()
    customers = (thousand / "customers.csv").read_text().splitlines()
    assert subscriptions[0] == SUBSCRIPTION_HEADER
    assert customers[0] == CUSTOMER_HEADER
    # No generated value holds a line break, so lines - 1 is the number of rows.
    assert len(subscriptions) - 1 == 1000
    # 0.025% of 1000 rounds to 0, so one row of each fault: 999 distinct subscriptions,
    # one customer for every three of them.
    assert len(customers) - 1 == 333


def test_shape_is_like_a_zoho_account(thousand: Path) -> None:
    subscriptions, customers = read_text(thousand)
    with_id = subscriptions.drop_nulls("customer_id")
    per_customer = with_id.height / with_id["customer_id"].n_unique()
    assert 2.8 <= per_customer <= 3.4
    assert subscriptions["product"].n_unique() == 8
    assert subscriptions["plan"].n_unique() == 20
    live_share = (subscriptions["status"] == "live").mean()
    assert 0.65 <= live_share <= 0.75
    # Every subscription's customer is in the customers export, each customer once.
    assert customers["customer_id"].is_unique().all()
    assert set(with_id["customer_id"]) <= set(customers["customer_id"])


def test_one_row_of_each_fault(thousand: Path) -> None:
    subscriptions, _ = read_text(thousand)
    statuses = set(generate.STATUS_SHARES)
    starts = subscriptions["start_date"].str.to_date("%Y-%m-%d", strict=False)
    assert subscriptions["customer_id"].null_count() == 1
    assert starts.null_count() == 1
    assert (~subscriptions["status"].is_in(statuses)).sum() == 1
    # One row appears twice, and nothing else repeats a subscription ID.
    assert subscriptions.is_duplicated().sum() == 2
    assert subscriptions["subscription_id"].n_unique() == 999
    manifest = json.loads((thousand / "manifest.json").read_text())
    assert manifest["rows_rejected"] == 3
    assert manifest["faults"]["exact_duplicate_rows"] == 1


def test_duplicate_row_comes_after_its_original(thousand: Path) -> None:
    with (thousand / "subscriptions.csv").open(newline="") as file:
        rows = [tuple(row) for row in csv.reader(file)]
    seen: set[tuple[str, ...]] = set()
    repeats = [row for row in rows if row in seen or seen.add(row)]
    assert len(repeats) == 1


def test_polars_and_duckdb_floors_agree_exactly(thousand: Path) -> None:
    paths = thousand / "subscriptions.csv", thousand / "customers.csv"
    polars_table, polars_total, polars_customers = floor_polars.active_by_product(*paths, AS_OF)
    duckdb_table, duckdb_total, duckdb_customers = floor_duckdb.active_by_product(*paths, AS_OF)
    assert polars_table.rows() == duckdb_table
    assert polars_total == duckdb_total
    assert polars_customers == duckdb_customers == 333
    assert len(duckdb_table) == 8


# A hand-made export. As of 2026-06-30, per product:
#   A: s1 (live, open), s2 (non_renewing, ends after), s4 (live, ends 07-01) are active;
#      s3 (ends on the as-of date), s5 (starts after), s6 (cancelled) are not;
#      s1's exact duplicate counts once. Customers: c1 (s1, s2), c2 (s4) -> 3 subs, 2 customers.
#   B: s7 (live, c1) active; s8 (no customer ID), s9 (start 2025-02-30), s10 (trial) not
#      -> 1 sub, 1 customer.
#   All products: 4 subscriptions, customers c1 and c2 -> 2. Customers file: c1, c2, c3 -> 3.
HAND_MADE = f"""{SUBSCRIPTION_HEADER}
s1,c1,One,one@example.com,A,A1,live,2024-01-01,,,10.00,USD,monthly
s2,c1,One,one@example.com,A,A1,non_renewing,2025-05-01,2026-09-01,,10.00,USD,monthly
s3,c2,Two,two@example.com,A,A1,live,2024-03-01,2026-06-30,,10.00,USD,monthly
s4,c2,Two,two@example.com,A,A2,live,2026-06-30,2026-07-01,,10.00,USD,monthly
s5,c3,Three,three@example.com,A,A1,live,2026-07-01,,,10.00,USD,monthly
s6,c3,Three,three@example.com,A,A1,cancelled,2023-01-01,2024-01-01,,10.00,USD,monthly
s1,c1,One,one@example.com,A,A1,live,2024-01-01,,,10.00,USD,monthly
s7,c1,One,one@example.com,B,B1,live,2025-01-01,,,20.00,USD,monthly
s8,,Nobody,,B,B1,live,2025-01-01,,,20.00,USD,monthly
s9,c2,Two,two@example.com,B,B1,live,2025-02-30,,,20.00,USD,monthly
s10,c3,Three,three@example.com,B,B1,trial,2026-06-01,,,0.00,USD,monthly
"""
HAND_MADE_CUSTOMERS = """customer_id,name,company,email,status,created_date
c1,One,,one@example.com,active,2023-12-01
c2,Two,Two Ltd,two@example.com,active,2024-02-01
c3,Three,,three@example.com,inactive,2022-12-01
"""


def rows_of(table: object) -> list[tuple]:
    """(product, subscriptions, customers) rows of a floor's table, whatever its type."""
    if isinstance(table, pl.DataFrame):
        return table.rows()
    if isinstance(table, list):
        return table
    return list(table.itertuples(index=False, name=None))  # pandas


@pytest.mark.parametrize("floor", [floor_polars, floor_duckdb, floor_pandas])
def test_floor_on_hand_made_export(floor: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "subscriptions.csv").write_text(HAND_MADE)
    (tmp_path / "customers.csv").write_text(HAND_MADE_CUSTOMERS)
    table, total, customers_in_file = floor.active_by_product(
        tmp_path / "subscriptions.csv", tmp_path / "customers.csv", AS_OF
    )
    assert [(product, int(subs), int(custs)) for product, subs, custs in rows_of(table)] == [
        ("A", 3, 2),
        ("B", 1, 1),
    ]
    assert tuple(map(int, total)) == (4, 2)
    assert customers_in_file == 3


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(40, 400))
def test_generated_dates_fit_statuses_and_floor_finds_the_manifest_counts(
    tmp_path_factory: pytest.TempPathFactory, seed: int, rows: int
) -> None:
    folder = tmp_path_factory.mktemp("generated")
    generated = generate.generate(rows, folder, seed=seed)
    subscriptions = pl.read_csv(folder / "subscriptions.csv", infer_schema=False).with_columns(
        pl.col("start_date", "end_date", "pause_date").str.to_date("%Y-%m-%d", strict=False)
    )
    status, start = pl.col("status"), pl.col("start_date")
    end, pause = pl.col("end_date"), pl.col("pause_date")
    ended = status.is_in(["cancelled", "expired"])
    broken = subscriptions.filter(
        (ended & ~((start < end) & (end <= AS_OF)))
        | ((status == "non_renewing") & ~(end > AS_OF))
        | ((status == "paused") & ~((start < pause) & (pause <= AS_OF) & end.is_null()))
        | ((status == "live") & ~((start < AS_OF) & end.is_null()))
        | ((status == "future") & ~(start > AS_OF))
    )
    assert broken.height == 0
    _, total, customers_in_file = floor_polars.active_by_product(
        generated.subscriptions, generated.customers, generated.as_of
    )
    assert total == (generated.subscriptions_active, generated.customers_active)
    assert customers_in_file == generated.customer_rows
    assert generated.subscription_rows == rows
