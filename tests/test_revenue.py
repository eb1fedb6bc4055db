"""Revenue (DOMAIN.md, "Revenue (MRR)" and "Plan changes") against a plain-Python oracle.

The oracle reads tests/fixtures/stripe/revenue_subscriptions.csv with the csv module and
works out every figure with loops over rows and month ends, in exact fractions; it
shares no code with reconcile. tests/fixtures/README.md has the hand-worked answer.
"""

from __future__ import annotations

import calendar
import csv
import datetime
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from factories import subscriptions_table
from hypothesis import given, settings
from hypothesis import strategies as st

import reconcile
from reconcile.problems import ReconcileError
from reconcile.reconciliation import reconcile_tables

FIXTURE = Path(__file__).parent / "fixtures" / "stripe" / "revenue_subscriptions.csv"
AS_OF = datetime.date(2024, 6, 15)
MOVEMENTS = ("new", "reactivation", "expansion", "contraction", "churn")


# --------------------------------------------------------------------------- the oracle

CLASSES = {"active": "paying", "past_due": "paying", "trialing": "nyp", "canceled": "ended"}
MONTHS_PER_INTERVAL = {
    "month": Fraction(1),
    "year": Fraction(12),
    "week": Fraction(12, 52),
    "day": Fraction(12, 365),
}


def cents(value: Fraction) -> int:
    """Half a cent up, as a bookkeeper rounds (amounts are never negative here)."""
    return int(value * 100 + Fraction(1, 2))


def oracle_rows(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8", newline="") as file:
        for record in csv.DictReader(file):
            ended = record["Ended At (UTC)"]
            amount = record["Amount"]
            mrr = None
            if amount:
                per_interval = Fraction(amount) * int(record["Quantity"])
                mrr = cents(per_interval / MONTHS_PER_INTERVAL[record["Interval"]])
            rows.append(
                {
                    "id": record["id"],
                    "customer": record["Customer ID"],
                    "product": record["Product"],
                    "class": CLASSES[record["Status"]],
                    "start": datetime.date.fromisoformat(record["Start Date (UTC)"][:10]),
                    "end": datetime.date.fromisoformat(ended[:10]) if ended else None,
                    "currency": record["Currency"].upper(),
                    "mrr": mrr,
                }
            )
    return rows


def active(row: dict, day: datetime.date, end: str = "end") -> bool:
    return row["class"] != "nyp" and row["start"] <= day and (row[end] is None or day < row[end])


def with_plan_changes(rows: list[dict], window: int, as_of: datetime.date) -> None:
    """Sets each row's `customer_end` and `replaced_by` (None, "plan" or "product")."""
    for row in rows:
        row["customer_end"], row["replaced_by"] = row["end"], None
        if window == 0 or row["end"] is None or row["class"] == "nyp":
            continue
        successors = [
            other
            for other in rows
            if other["customer"] == row["customer"]
            and other["class"] != "nyp"
            and other["start"] > row["start"]
            and other["start"] <= as_of
            and abs((other["start"] - row["end"]).days) <= window
        ]
        if successors:
            first = min(other["start"] for other in successors)
            same = any(o["product"] == row["product"] for o in successors if o["start"] == first)
            row["customer_end"] = max(row["end"], first)
            row["replaced_by"] = "plan" if same else "product"


def month_ends(rows: list[dict], as_of: datetime.date) -> list[datetime.date]:
    first = min(row["start"] for row in rows if row["class"] != "nyp")
    year, month, days = first.year, first.month, []
    while (year, month) <= (as_of.year, as_of.month):
        last = datetime.date(year, month, calendar.monthrange(year, month)[1])
        days.append(min(last, as_of))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def oracle(path: Path, as_of: datetime.date, window: int) -> dict:
    rows = oracle_rows(path)
    with_plan_changes(rows, window, as_of)
    now = [row for row in rows if active(row, as_of)]
    snapshot = {}
    for currency in sorted({row["currency"] for row in now}):
        mine = [row for row in now if row["currency"] == currency]
        priced = [row for row in mine if row["mrr"] is not None]
        total = sum(row["mrr"] for row in priced)
        customers = len({row["customer"] for row in priced})
        snapshot[currency] = {
            "currency": currency,
            "mrr": total / 100,
            "customers": customers,
            "subscriptions": len(priced),
            "arpa": round(total / customers / 100, 2) if customers else None,
            "arpu_per_subscription": round(total / len(priced) / 100, 2) if priced else None,
            "subscriptions_without_amount": len(mine) - len(priced),
        }
    by_product: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in now:
        if row["mrr"] is not None:
            by_product[row["product"]][row["currency"]] += row["mrr"]

    days = month_ends(rows, as_of)
    months = []
    previous: dict[tuple[str, str], int] = {}
    had_mrr: set[tuple[str, str]] = set()
    ever_currencies = set()
    previous_day = None
    for day in days:
        mrr: dict[tuple[str, str], int] = defaultdict(int)
        for row in rows:
            if row["mrr"] is not None and active(row, day, "customer_end"):
                mrr[row["customer"], row["currency"]] += row["mrr"]
        moves: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MOVEMENTS, 0))
        for key in set(mrr) | set(previous):
            before, after = previous.get(key, 0), mrr.get(key, 0)
            move = moves[key[1]]
            if before == 0 and after > 0:
                move["reactivation" if key in had_mrr else "new"] += after
            elif before > 0 and after == 0:
                move["churn"] += before
            elif after > before:
                move["expansion"] += after - before
            elif after < before:
                move["contraction"] += before - after
        ever_currencies |= {key[1] for key, value in mrr.items() if value > 0}
        ended = [
            row
            for row in rows
            if previous_day is not None and active(row, previous_day) and not active(row, day)
        ]
        months.append(
            {
                "date": day,
                "mrr": {c: sum(v for k, v in mrr.items() if k[1] == c) for c in ever_currencies},
                "moves": moves,
                "plan_changes": sum(row["replaced_by"] is not None for row in ended),
                "product_switches": sum(row["replaced_by"] == "product" for row in ended),
            }
        )
        had_mrr |= {key for key, value in mrr.items() if value > 0}
        previous, previous_day = dict(mrr), day
    timeline = []
    for month in months:
        timeline.append(
            {
                "date": month["date"].isoformat(),
                "plan_changes": month["plan_changes"],
                "product_switches": month["product_switches"],
                "revenue": [
                    {
                        "currency": currency,
                        "mrr": month["mrr"].get(currency, 0) / 100,
                        **{
                            name: month["moves"].get(currency, {}).get(name, 0) / 100
                            for name in MOVEMENTS
                        },
                    }
                    for currency in sorted(ever_currencies)
                ],
            }
        )
    return {
        "revenue": list(snapshot.values()),
        "by_product": {
            product: [{"currency": c, "mrr": v / 100} for c, v in sorted(per.items())]
            for product, per in by_product.items()
        },
        "timeline": timeline,
    }


def engine(window: int) -> dict:
    result = reconcile.reconcile(FIXTURE, as_of=AS_OF, plan_change_window=window).to_dict()
    return {
        "revenue": result["revenue"],
        "by_product": {p["product"]: p["revenue"] for p in result["by_product"] if p["revenue"]},
        "timeline": [
            {key: month[key] for key in ("date", "plan_changes", "product_switches", "revenue")}
            for month in result["timeline"]
        ],
    }


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("window", [0, 1, 2, 40])
def test_revenue_equals_a_plain_python_reading_of_the_export(window):
    assert engine(window) == oracle(FIXTURE, AS_OF, window)


def test_the_fixture_holds_the_hand_worked_answer():
    result = reconcile.reconcile(FIXTURE, as_of=AS_OF).to_dict()
    eur, usd = result["revenue"]
    assert eur == {
        "currency": "EUR",
        "mrr": 280.0,
        "customers": 4,
        "subscriptions": 5,
        "arpa": 70.0,
        "arpu_per_subscription": 56.0,
        "subscriptions_without_amount": 1,
    }
    assert (usd["currency"], usd["mrr"], usd["customers"], usd["arpa"]) == ("USD", 83.33, 1, 83.33)
    months = {m["period"]: m for m in result["timeline"]}
    assert [m["period"] for m in result["timeline"]] == [f"2024-0{n}" for n in range(1, 7)]

    def moves(period, currency="EUR"):
        entry = next(r for r in months[period]["revenue"] if r["currency"] == currency)
        return {name: entry[name] for name in ("mrr", *MOVEMENTS) if entry[name]}

    assert moves("2024-01") == {"mrr": 115.0, "new": 115.0}  # C1 60, C2 30, C5 25
    assert moves("2024-02") == {"mrr": 140.0, "new": 50.0, "churn": 25.0}  # C6 new, C5 out
    assert moves("2024-03") == {"mrr": 240.0, "expansion": 100.0}  # C1's a2; C2 stays
    assert moves("2024-04") == {"mrr": 295.0, "reactivation": 40.0, "expansion": 15.0}
    assert moves("2024-05") == {"mrr": 280.0, "contraction": 15.0}  # C6 switches product
    assert moves("2024-06") == {"mrr": 280.0}
    assert moves("2024-02", "USD") == {"mrr": 86.67, "new": 86.67}
    assert moves("2024-05", "USD") == {"churn": 86.67}
    assert moves("2024-06", "USD") == {"mrr": 83.33, "new": 83.33}
    # C2's cancellation (March) was a plan change, C6's (May) a product switch.
    assert [(m["plan_changes"], m["product_switches"]) for m in result["timeline"]] == [
        (0, 0),
        (0, 0),
        (1, 0),
        (0, 0),
        (1, 1),
        (0, 0),
    ]
    # The customer figures see no gap at C2; subscription figures count both events.
    march = months["2024-03"]
    assert (march["customers_churned"], march["subscriptions_ended"]) == (0, 1)


def test_without_the_window_the_plan_change_is_churn_and_reactivation():
    result = reconcile.reconcile(FIXTURE, as_of=AS_OF, plan_change_window=0).to_dict()
    months = {m["period"]: m for m in result["timeline"]}
    march = next(r for r in months["2024-03"]["revenue"] if r["currency"] == "EUR")
    april = next(r for r in months["2024-04"]["revenue"] if r["currency"] == "EUR")
    assert (march["churn"], april["reactivation"]) == (30.0, 85.0)  # C2 45 + C5 40
    assert months["2024-03"]["customers_churned"] == 1
    assert result["settings"] == {"plan_change_window_days": 0}
    assert all(m["plan_changes"] == 0 for m in result["timeline"])


def mrr_of(**row):
    table = subscriptions_table(
        [
            {
                "subscription_id": "S1",
                "customer_id": "C1",
                "status": "live",
                "start": "2024-01-01",
                "currency": "EUR",
                **row,
            }
        ]
    )
    result = reconcile_tables(table, None, datetime.date(2024, 2, 1))
    (revenue,) = result.revenue
    return revenue.mrr if revenue.subscriptions else None


@pytest.mark.parametrize(
    ("row", "mrr"),
    [
        ({"amount": 120.0, "interval": "years"}, 10.0),
        ({"amount": 120.0, "interval": "Year"}, 10.0),
        ({"amount": 120.0, "interval": "months", "interval_count": "3"}, 40.0),
        ({"amount": 100.0, "interval": "week"}, 433.33),  # 100 x 52 / 12
        ({"amount": 1.0, "interval": "day"}, 30.42),  # 365 / 12
        ({"amount": 9.99, "interval": "month", "quantity": "3"}, 29.97),
        ({"amount": 0.125, "interval": "month"}, 0.13),  # half a cent goes up
        ({"amount": 50.0}, 50.0),  # no interval: a monthly amount (the MRR playbook's)
        ({"amount": 50.0, "interval": "fortnight"}, None),  # a unit nobody can read
        ({"amount": 50.0, "interval": "month", "interval_count": "0"}, None),
        ({"amount": 50.0, "interval": "month", "quantity": "many"}, None),
        ({"amount": -50.0, "interval": "month"}, None),  # a credit is no MRR
        ({"interval": "month"}, None),
    ],
)
def test_a_subscriptions_mrr(row, mrr):
    assert mrr_of(**row) == mrr


def test_amounts_are_never_converted_between_currencies():
    rows = [
        {"subscription_id": "S1", "customer_id": "C1", "currency": "EUR", "amount": 10.0},
        {"subscription_id": "S2", "customer_id": "C1", "currency": "usd", "amount": 20.0},
        {"subscription_id": "S3", "customer_id": "C2", "currency": None, "amount": 5.0},
    ]
    rows = [{"status": "live", "start": "2024-01-01", **row} for row in rows]
    result = reconcile_tables(subscriptions_table(rows), None, datetime.date(2024, 2, 1))
    assert [(r.currency, r.mrr, r.customers) for r in result.revenue] == [
        ("EUR", 10.0, 1),
        ("USD", 20.0, 1),
        (None, 5.0, 1),
    ]


# --------------------------------------------------------------------------- property

MONTH_STARTS = [datetime.date(2023, month, 1) for month in range(1, 13)]


@st.composite
def exports(draw):
    count = draw(st.integers(1, 14))
    rows = []
    for number in range(count):
        start = datetime.date(2023, 1, 1) + datetime.timedelta(days=draw(st.integers(0, 400)))
        length = draw(st.one_of(st.none(), st.integers(-3, 300)))
        end = None if length is None else start + datetime.timedelta(days=length)
        rows.append(
            {
                "subscription_id": f"S{number}",
                "customer_id": f"C{draw(st.integers(1, 4))}",
                "product": draw(st.sampled_from(["A", "B"])),
                "status": "live" if end is None else "cancelled",
                "start": start,
                "end": end,
                "amount": draw(
                    st.one_of(st.none(), st.integers(0, 500_000).map(lambda c: c / 100))
                ),
                "interval": draw(st.sampled_from([None, "month", "year", "week", "day"])),
                "interval_count": draw(st.sampled_from([None, "1", "3"])),
                "currency": draw(st.sampled_from(["EUR", "USD"])),
            }
        )
    as_of = datetime.date(2024, 3, 1) + datetime.timedelta(days=draw(st.integers(0, 120)))
    return rows, as_of, draw(st.integers(0, 5))


@settings(max_examples=60, deadline=None)
@given(exports())
def test_the_mrr_balance_holds_and_mrr_is_never_negative(scenario):
    rows, as_of, window = scenario
    table = subscriptions_table(rows)
    result = reconcile_tables(table, None, as_of, plan_change_window=window)
    previous: dict = {}
    for month in result.timeline:
        for entry in month.revenue:
            figures = [entry.mrr, *(getattr(entry, name) for name in MOVEMENTS)]
            assert min(figures) >= 0
            # Exact on the rounded figures: every figure is a sum of whole cents.
            change = round((entry.mrr - previous.get(entry.currency, 0.0)) * 100)
            net = entry.new + entry.reactivation + entry.expansion - entry.contraction
            assert change == round((net - entry.churn) * 100)
            previous[entry.currency] = entry.mrr
        assert month.plan_changes <= month.subscriptions_ended
        assert month.product_switches <= month.plan_changes
    # The last month is the as-of date: its MRR is the snapshot's.
    if result.timeline:
        last = {entry.currency: entry.mrr for entry in result.timeline[-1].revenue}
        for revenue in result.revenue:
            assert last.get(revenue.currency, 0.0) == revenue.mrr
    totals = pl.DataFrame(
        [(r.currency, r.customers, r.subscriptions) for r in result.revenue],
        schema=["currency", "customers", "subscriptions"],
        orient="row",
    )
    assert (totals["customers"] <= totals["subscriptions"]).all()


def test_a_currency_column_with_thousands_of_values_is_no_currency():
    rows = [
        {"subscription_id": f"S{n}", "customer_id": "C1", "status": "live"}
        | {"start": "2024-01-01", "currency": f"X{n:04d}", "amount": 1.0}
        for n in range(2048)
    ]
    with pytest.raises(ReconcileError, match="2,048 different values"):
        reconcile_tables(subscriptions_table(rows), None, datetime.date(2024, 2, 1))
