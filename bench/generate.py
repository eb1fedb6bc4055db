"""Synthetic billing exports for the benchmarks: a customers.csv / subscriptions.csv pair.

Generic snake_case columns, shaped like a real Zoho Billing account: about three
subscriptions per customer, 8 products, 20 plans, ~70% live, ISO dates over five years
ending on the export date, and ~0.1% faulty rows (missing customer ID, impossible date,
unknown status, exact duplicate row). Everything is drawn with one seeded numpy generator
and assembled with polars, so a seed always gives the same bytes and 10M rows take about
a minute.

The data is built so that the plain "active on the export date" rule of the floors (status
live or non_renewing, start <= as-of < end) and DOMAIN.md's rules give the same counts:
every ended or paused subscription stopped on or before the export date, and every live
one started before it. `manifest.json` records those expected counts and the faults, so
the runner can check every tool against figures worked out here, not by the tools.

    python bench/generate.py --rows 1000000 --out DIR [--seed N] [--reuse]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

EXPORT_DATE = date(2026, 6, 30)  # the day the export was taken: the as-of date to use
HISTORY_START = date(2021, 7, 1)  # five years of history
SUBSCRIPTIONS_PER_CUSTOMER = 3.0
FAULT_SHARE_PER_KIND = 0.00025  # four kinds: ~0.1% of rows in all
DUPLICATE_EMAIL_SHARE = 0.003  # customers re-entered under a second ID (probable duplicates)

SUBSCRIPTION_FIELDS = (
    "subscription_id",
    "customer_id",
    "customer_name",
    "customer_email",
    "product",
    "plan",
    "status",
    "start_date",
    "end_date",
    "pause_date",
    "amount",
    "currency",
    "interval",
)
CUSTOMER_FIELDS = ("customer_id", "name", "company", "email", "status", "created_date")

# status -> share of subscriptions. Paying: live, non_renewing; not yet paying: trial,
# future; paused; ended: cancelled, expired.
STATUS_SHARES = {
    "live": 0.70,
    "non_renewing": 0.04,
    "trial": 0.03,
    "future": 0.01,
    "paused": 0.02,
    "cancelled": 0.12,
    "expired": 0.08,
}
ACTIVE_STATUSES = ("live", "non_renewing")

# (product, plan, price, interval, popularity)
PLANS = (
    ("Ledger", "Ledger Starter", 19.0, "monthly", 9),
    ("Ledger", "Ledger Professional", 49.0, "monthly", 12),
    ("Ledger", "Ledger Enterprise", 4990.0, "yearly", 3),
    ("Payroll", "Payroll Basic", 29.0, "monthly", 8),
    ("Payroll", "Payroll Plus", 590.0, "yearly", 5),
    ("Inventory", "Inventory Standard", 39.0, "monthly", 7),
    ("Inventory", "Inventory Premium", 990.0, "yearly", 3),
    ("CRM", "CRM Team", 25.0, "monthly", 10),
    ("CRM", "CRM Business", 65.0, "monthly", 6),
    ("CRM", "CRM Unlimited", 1490.0, "yearly", 2),
    ("Helpdesk", "Helpdesk Lite", 12.0, "monthly", 6),
    ("Helpdesk", "Helpdesk Pro", 36.0, "monthly", 5),
    ("Analytics", "Analytics Reports", 45.0, "monthly", 4),
    ("Analytics", "Analytics Warehouse", 2990.0, "yearly", 1),
    ("Maintenance", "Maintenance Standard", 1200.0, "yearly", 7),
    ("Maintenance", "Maintenance 24x7", 2400.0, "yearly", 3),
    ("Support", "Support Email", 9.0, "monthly", 5),
    ("Support", "Support Phone", 29.0, "monthly", 2),
    ("Support", "Support Dedicated", 3600.0, "yearly", 1),
    ("Ledger", "Ledger Add-on Users", 5.0, "monthly", 4),
)
CURRENCY_SHARES = {"USD": 0.7, "EUR": 0.2, "GBP": 0.1}
DISCOUNTS = (1.0, 1.0, 1.0, 0.9, 0.8)

FIRST_NAMES = (
    "Anna", "Ben", "Carla", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas",
    "Karin", "Lukas", "Maria", "Niklas", "Olga", "Paul", "Rosa", "Stefan", "Tanja", "Uwe",
    "Vera", "Walter", "Xenia", "Yusuf", "Zoe", "Amir", "Chloe", "Diego", "Emma", "Farid",
    "Hannah", "Igor", "Julia", "Kenji", "Laura", "Mateo", "Priya", "Sven", "Tomasz", "Wei",
)  # fmt: skip
LAST_NAMES = (
    "Schmidt", "Miller", "Garcia", "Nguyen", "Kowalski", "Rossi", "Dubois", "Jensen",
    "Novak", "Silva", "Tanaka", "Okafor", "Fischer", "Weber", "Moreau", "Lindqvist",
    "Papadopoulos", "Horvat", "Murphy", "Becker", "Costa", "Ivanova", "Keller", "Larsen",
    "Meyer", "Nakamura", "O'Brien", "Petrov", "Quinn", "Richter", "Sato", "Torres",
    "Ulrich", "Vogel", "Wagner", "Yilmaz", "Zimmermann", "Andersson", "Brennan", "Chen",
)  # fmt: skip
COMPANY_WORDS = (
    "Alpine", "Harbor", "Northwind", "Bluebird", "Cedar", "Granite", "Lumen", "Meridian",
    "Orchard", "Pioneer", "Quartz", "Riverside", "Summit", "Tidewater", "Vertex", "Willow",
    "Acme", "Beacon", "Cobalt", "Delta",
)  # fmt: skip
COMPANY_SUFFIXES = ("GmbH", "Inc.", "Ltd", "LLC", "AG", "S.A.", "BV", "& Co. KG")
COMPANY_SHARE = 0.7
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")

# Values that look like ISO dates but are not dates, so every reader rejects them.
IMPOSSIBLE_DATES = ("2023-02-30", "2025-13-01", "2024-06-31", "2022-00-10")
UNKNOWN_STATUSES = ("on_hold", "archived", "suspended")

CUSTOMER_ID_BASE = 460_400_000_000_000  # 15-digit numeric IDs like Zoho's
SUBSCRIPTION_ID_BASE = 460_500_000_000_000


@dataclass(frozen=True)
class Faults:
    missing_customer_id: int
    impossible_start_date: int
    unknown_status: int
    exact_duplicate_rows: int

    @property
    def rows_rejected(self) -> int:
        return self.missing_customer_id + self.impossible_start_date + self.unknown_status


@dataclass(frozen=True)
class Generated:
    """What was written, and the figures any correct tool must find on `as_of`."""

    subscriptions: Path
    customers: Path
    seed: int
    as_of: date
    subscription_rows: int
    customer_rows: int
    faults: Faults
    subscriptions_active: int
    customers_active: int
    generator_version: str

    def to_manifest(self) -> dict:
        manifest = asdict(self)
        manifest.update(
            subscriptions=self.subscriptions.name,
            customers=self.customers.name,
            as_of=self.as_of.isoformat(),
            rows_rejected=self.faults.rows_rejected,
        )
        return manifest


def load_generated(folder: Path) -> Generated | None:
    """What an earlier `generate` wrote into `folder`, or None if there is nothing usable
    (no manifest, files missing, or written by another version of this file)."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("generator_version") != generator_version():
        return None
    generated = Generated(
        subscriptions=folder / manifest["subscriptions"],
        customers=folder / manifest["customers"],
        seed=manifest["seed"],
        as_of=date.fromisoformat(manifest["as_of"]),
        subscription_rows=manifest["subscription_rows"],
        customer_rows=manifest["customer_rows"],
        faults=Faults(**manifest["faults"]),
        subscriptions_active=manifest["subscriptions_active"],
        customers_active=manifest["customers_active"],
        generator_version=manifest["generator_version"],
    )
    files_there = generated.subscriptions.is_file() and generated.customers.is_file()
    return generated if files_there else None


def generator_version() -> str:
    """A hash of this file: cached data is reused only if it came from the same code."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def fault_count(rows: int) -> int:
    """Rows of each fault kind: ~0.025% of rows, at least one so small files have each."""
    return max(1, round(rows * FAULT_SHARE_PER_KIND))


def generate(rows: int, out: Path, seed: int = 0) -> Generated:
    """Write `out/subscriptions.csv` (exactly `rows` data rows), `out/customers.csv` and
    `out/manifest.json`; the same `rows` and `seed` always give the same bytes."""
    faults_per_kind = fault_count(rows)
    if rows < 8 * faults_per_kind:
        raise ValueError(f"--rows must be at least {8 * faults_per_kind}")
    rng = np.random.default_rng(seed)
    unique_rows = rows - faults_per_kind  # the rest are exact duplicates of earlier rows
    customer_count = max(1, round(unique_rows / SUBSCRIPTIONS_PER_CUSTOMER))

    subscriptions = _subscriptions(rng, unique_rows, customer_count)
    customers = _customers(rng, customer_count, subscriptions)
    subscriptions = _with_customer_fields(subscriptions, customers)
    fault_rows = rng.choice(unique_rows, size=4 * faults_per_kind, replace=False)
    missing_id, bad_date, bad_status, duplicated = np.split(fault_rows, 4)
    subscriptions = _with_faults(rng, subscriptions, missing_id, bad_date, bad_status)
    expected_active = _expected_active(
        subscriptions, np.concatenate([missing_id, bad_date, bad_status])
    )
    subscriptions = _with_duplicates(rng, subscriptions, duplicated)

    out.mkdir(parents=True, exist_ok=True)
    generated = Generated(
        subscriptions=out / "subscriptions.csv",
        customers=out / "customers.csv",
        seed=seed,
        as_of=EXPORT_DATE,
        subscription_rows=subscriptions.height,
        customer_rows=customers.height,
        faults=Faults(faults_per_kind, faults_per_kind, faults_per_kind, faults_per_kind),
        subscriptions_active=expected_active[0],
        customers_active=expected_active[1],
        generator_version=generator_version(),
    )
    subscriptions.select(SUBSCRIPTION_FIELDS).write_csv(generated.subscriptions, float_precision=2)
    customers.select(CUSTOMER_FIELDS).write_csv(generated.customers)
    (out / "manifest.json").write_text(json.dumps(generated.to_manifest(), indent=2) + "\n")
    return generated


def _days(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def _subscriptions(rng: np.random.Generator, rows: int, customer_count: int) -> pl.DataFrame:
    """One row per subscription with its customer index, plan, status and dates."""
    status_names = list(STATUS_SHARES)
    status = rng.choice(len(status_names), size=rows, p=list(STATUS_SHARES.values()))
    plan = rng.choice(len(PLANS), size=rows, p=_normalised([p[4] for p in PLANS]))
    start, end, pause = _dates(rng, np.array(status_names)[status])
    prices = np.array([p[2] for p in PLANS])[plan] * rng.choice(DISCOUNTS, size=rows)
    return pl.DataFrame(
        {
            "subscription_id": (SUBSCRIPTION_ID_BASE + np.arange(rows)).astype(str),
            # Uniform draws give ~Poisson(3) subscriptions per customer; ~5% get none
            # and stay in the customers export as customers without subscriptions.
            "customer": rng.integers(0, customer_count, size=rows),
            "product": pl.Series([p[0] for p in PLANS]).gather(plan),
            "plan": pl.Series([p[1] for p in PLANS]).gather(plan),
            "status": pl.Series(status_names).gather(status),
            "start_date": start,
            "end_date": end,
            "pause_date": pause,
            "amount": np.round(prices, 2),
            "interval": pl.Series([p[3] for p in PLANS]).gather(plan),
        }
    ).with_columns(pl.col("start_date", "end_date", "pause_date").cast(pl.Date))


def _dates(rng: np.random.Generator, status: np.ndarray) -> tuple[np.ndarray, pl.Series, pl.Series]:
    """Start, end and pause day numbers consistent with each status on EXPORT_DATE."""
    export, first = _days(EXPORT_DATE), _days(HISTORY_START)
    rows = status.size
    # Growth: more recent starts are likelier (density rising linearly over the years).
    start = first + np.floor((export - first) * np.sqrt(rng.random(rows))).astype(np.int64)
    start = np.minimum(start, export - 1)
    start = np.where(status == "trial", export - rng.integers(0, 30, rows), start)
    start = np.where(status == "future", export + rng.integers(1, 91, rows), start)
    # A day in (start, export]: when an ended subscription stopped or a paused one paused.
    stopped = start + 1 + np.floor(rng.random(rows) * (export - start)).astype(np.int64)
    renewal_end = export + rng.integers(1, 366, rows)  # non-renewing: ends in the future
    ended = np.isin(status, ("cancelled", "expired"))
    end = np.where(ended, stopped, np.where(status == "non_renewing", renewal_end, 0))
    end_series = pl.Series(end).set(pl.Series(~(ended | (status == "non_renewing"))), None)
    pause_series = pl.Series(stopped).set(pl.Series(status != "paused"), None)
    return start, end_series, pause_series


def _customers(rng: np.random.Generator, count: int, subscriptions: pl.DataFrame) -> pl.DataFrame:
    """The customers export: names, companies, emails (a few shared), status, created."""
    first = pl.Series(FIRST_NAMES).gather(rng.integers(0, len(FIRST_NAMES), count))
    last = pl.Series(LAST_NAMES).gather(rng.integers(0, len(LAST_NAMES), count))
    word = pl.Series(COMPANY_WORDS).gather(rng.integers(0, len(COMPANY_WORDS), count))
    suffix = pl.Series(COMPANY_SUFFIXES).gather(rng.integers(0, len(COMPANY_SUFFIXES), count))
    domain = pl.Series(EMAIL_DOMAINS).gather(rng.integers(0, len(EMAIL_DOMAINS), count))
    currency = rng.choice(list(CURRENCY_SHARES), size=count, p=list(CURRENCY_SHARES.values()))
    frame = pl.DataFrame(
        {
            "index": np.arange(count),
            "first": first,
            "last": last,
            "word": word,
            "suffix": suffix,
            "domain": domain,
            "has_company": rng.random(count) < COMPANY_SHARE,
            "currency": currency,
            "re_entered": rng.random(count) < DUPLICATE_EMAIL_SHARE,
            "created_date": _created_days(rng, count, subscriptions),
            "active": _has_open_subscription(count, subscriptions),
        }
    )
    # The index in the address keeps emails unique unless a duplicate is made on purpose.
    email = pl.format(
        "{}.{}.{}@{}",
        pl.col("first").str.to_lowercase(),
        pl.col("last").str.to_lowercase().str.replace("'", "", literal=True),
        pl.col("index"),
        pl.col("domain"),
    )
    # A customer entered twice: the same address as the previous customer, typed with
    # other case and a trailing blank, so it matches only after trimming and lower-casing.
    re_entered_email = (
        pl.when(pl.col("re_entered") & (pl.col("index") > 0))
        .then(pl.col("email").shift(1).str.to_uppercase() + " ")
        .otherwise(pl.col("email"))
    )
    return (
        frame.with_columns(
            customer_id=(pl.col("index") + CUSTOMER_ID_BASE).cast(pl.String),
            name=pl.format("{} {}", "first", "last"),
            company=pl.when("has_company").then(pl.format("{} {}", "word", "suffix")),
            email=email,
            status=pl.when("active").then(pl.lit("active")).otherwise(pl.lit("inactive")),
            created_date=pl.col("created_date").cast(pl.Date),
        )
        .with_columns(email=re_entered_email)
        .drop("first", "last", "word", "suffix", "domain", "has_company", "re_entered")
    )


def _created_days(rng: np.random.Generator, count: int, subscriptions: pl.DataFrame) -> np.ndarray:
    """Created up to 60 days before the customer's first subscription starts; any day of
    the history for a customer without subscriptions."""
    export, first = _days(EXPORT_DATE), _days(HISTORY_START)
    no_start = np.iinfo(np.int64).max
    first_start = np.full(count, no_start, dtype=np.int64)
    np.minimum.at(
        first_start,
        subscriptions["customer"].to_numpy(),
        subscriptions["start_date"].cast(pl.Int64).to_numpy(),
    )
    any_day = rng.integers(first, export + 1, count)
    return np.where(first_start == no_start, any_day, first_start - rng.integers(0, 61, count))


def _has_open_subscription(count: int, subscriptions: pl.DataFrame) -> np.ndarray:
    """Customers with a subscription that is not ended: their status is 'active'."""
    open_ = ~subscriptions["status"].is_in(["cancelled", "expired"]).to_numpy()
    return np.bincount(subscriptions["customer"].to_numpy()[open_], minlength=count) > 0


def _with_customer_fields(subscriptions: pl.DataFrame, customers: pl.DataFrame) -> pl.DataFrame:
    """Zoho repeats the customer's display name and email on each subscription row."""
    lookup = customers.select(
        pl.col("index").alias("customer"),
        "customer_id",
        pl.coalesce("company", "name").alias("customer_name"),
        pl.col("email").alias("customer_email"),
        "currency",
    )
    return subscriptions.join(lookup, on="customer", how="left", maintain_order="left")


def _with_faults(
    rng: np.random.Generator,
    subscriptions: pl.DataFrame,
    missing_id: np.ndarray,
    bad_date: np.ndarray,
    bad_status: np.ndarray,
) -> pl.DataFrame:
    """Blank customer IDs, impossible start dates and unknown statuses on the given rows."""
    height = subscriptions.height

    def on_rows(rows: np.ndarray) -> pl.Series:
        mask = np.zeros(height, dtype=bool)
        mask[rows] = True
        return pl.Series(mask)

    bad_dates = pl.Series(IMPOSSIBLE_DATES).gather(rng.integers(0, len(IMPOSSIBLE_DATES), height))
    bad_statuses = pl.Series(UNKNOWN_STATUSES).gather(
        rng.integers(0, len(UNKNOWN_STATUSES), height)
    )
    return subscriptions.with_columns(
        customer_id=pl.when(on_rows(missing_id)).then(None).otherwise(pl.col("customer_id")),
        start_date=pl.when(on_rows(bad_date))
        .then(bad_dates)
        .otherwise(pl.col("start_date").dt.to_string("%Y-%m-%d")),
        status=pl.when(on_rows(bad_status)).then(bad_statuses).otherwise(pl.col("status")),
    )


def _expected_active(subscriptions: pl.DataFrame, faulty_rows: np.ndarray) -> tuple[int, int]:
    """Active subscriptions and customers on EXPORT_DATE, counted from how the data was
    drawn: live and non-renewing rows that carry no fault (duplicates are added later)."""
    faulty = np.zeros(subscriptions.height, dtype=bool)
    faulty[faulty_rows] = True
    active = subscriptions.filter(pl.col("status").is_in(ACTIVE_STATUSES) & ~pl.Series(faulty))
    return active.height, active["customer_id"].n_unique()


def _with_duplicates(
    rng: np.random.Generator, subscriptions: pl.DataFrame, duplicated: np.ndarray
) -> pl.DataFrame:
    """Exact copies of the given rows, each placed somewhere after its original."""
    height = subscriptions.height
    gap = np.floor(rng.random(duplicated.size) * (height - duplicated)).astype(np.int64)
    placed_after = duplicated + gap  # a row index in [original, last row]
    order = pl.concat(
        [
            subscriptions.with_columns(order=pl.int_range(height, dtype=pl.Int64) * 2),
            subscriptions[duplicated].with_columns(order=pl.Series(placed_after * 2 + 1)),
        ]
    )
    return order.sort("order").drop("order")


def _normalised(weights: list[float]) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="subscription rows")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--reuse", action="store_true", help="keep what --out holds if this code wrote it"
    )
    args = parser.parse_args()
    generated = load_generated(args.out) if args.reuse else None
    if generated is None or (generated.subscription_rows, generated.seed) != (
        args.rows,
        args.seed,
    ):
        generated = generate(args.rows, args.out, args.seed)
    print(json.dumps(generated.to_manifest(), indent=2))


if __name__ == "__main__":
    main()
