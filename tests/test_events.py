"""The event computations of revenue.movements and history's customer changes against
plain-Python oracles that walk every month end, on generated ranges.

Both leave out the events after the last month and pack each event into one integer;
revenue.movements packs the event's row number below its key when the bits fit and
otherwise sorts the rows. Each path is checked here, including the one a data set
needs only when its customer numbers, currencies and months fill the integer.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from unittest import mock

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile import history, revenue

LAST_MONTH = 2026 * 12 + 5  # June 2026
MOVEMENTS = ("new", "reactivation", "expansion", "contraction", "churn")
CUSTOMERS = ("new", "reactivated", "expanded", "contracted", "churned")
# The largest customer number (customer numbers are UInt32) and currency code.
WIDEST_CUSTOMER = (1 << 32) - 1
WIDEST_CURRENCY = (1 << 11) - 1
FEW_CUSTOMERS = st.integers(0, 5)


# --------------------------------------------------------------------------- oracles


def change_kind(before: int, after: int, seen_before: bool) -> int:
    """DOMAIN.md's kinds, in MOVEMENTS' order: up from nothing is new the first time,
    reactivation later; down to nothing churn; otherwise expansion or contraction."""
    if before == 0:
        return 1 if seen_before else 0
    if after == 0:
        return 4
    return 2 if after > before else 3


def oracle_movements(ranges: list[tuple], last_month: int) -> dict:
    """{(month, currency code): five movements in cents}, from each customer's MRR per
    currency on every month end."""
    mrr: dict[tuple, int] = defaultdict(int)
    for customer, code, cents, first, last in ranges:
        for month in range(first, last + 1):
            mrr[customer, code, month] += cents or 0
    result: dict[tuple, list[int]] = {}
    for customer, code in {(r[0], r[1]) for r in ranges}:
        seen = False
        for month in range(min(r[3] for r in ranges), last_month + 1):
            before, after = mrr[customer, code, month - 1], mrr[customer, code, month]
            if before != after:
                figures = result.setdefault((month, code), [0] * 5)
                figures[change_kind(before, after, seen)] += abs(after - before)
            seen = seen or after > 0
    return {key: tuple(figures) for key, figures in result.items()}


def oracle_customer_changes(ranges: list[tuple], last_month: int) -> dict:
    """{month: five customer counts}, from each customer's active subscriptions on every
    month end."""
    active: dict[tuple, int] = defaultdict(int)
    for customer, first, last in ranges:
        for month in range(first, last + 1):
            active[customer, month] += 1
    result: dict[int, list[int]] = {}
    for customer in {r[0] for r in ranges}:
        seen = False
        for month in range(min(r[1] for r in ranges), last_month + 1):
            before, after = active[customer, month - 1], active[customer, month]
            if before != after:
                result.setdefault(month, [0] * 5)[change_kind(before, after, seen)] += 1
            seen = seen or after > 0
    return {month: tuple(counts) for month, counts in result.items()}


# --------------------------------------------------------------------------- engine


def revenue_ranges(ranges: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        ranges,
        schema={
            "customer_no": pl.UInt32,
            revenue.CURRENCY_CODE: pl.Int64,
            revenue.MRR_CENTS: pl.Int64,
            "first": pl.Int32,
            "last": pl.Int32,
        },
        orient="row",
    )


def engine_movements(ranges: list[tuple], last_month: int) -> dict:
    frame = revenue.movements(revenue_ranges(ranges), last_month).collect()
    assert frame.schema == {
        "month": pl.Int32,
        revenue.CURRENCY_CODE: pl.Int64,
        **dict.fromkeys(MOVEMENTS, pl.Int64),
    }
    return {(row[0], row[1]): tuple(row[2:]) for row in frame.iter_rows()}


# revenue._EventKey.of as written; the tests below also run it without the row number.
PACKED = revenue._EventKey.of


def sorted_as_rows(cls, ranges: pl.DataFrame, last_month: int) -> revenue._EventKey:
    """The layout of the ranges without the row number: the events sorted as rows."""
    return dataclasses.replace(PACKED(ranges, last_month), row_bits=None)


def engine_customer_changes(ranges: list[tuple], last_month: int) -> dict:
    frame = pl.DataFrame(
        ranges,
        schema={"customer_no": pl.UInt32, "first": pl.Int32, "last": pl.Int32},
        orient="row",
    )
    changes = history._customer_changes(frame.lazy(), last_month).collect()
    columns = [f"customers_{name}" for name in CUSTOMERS]
    return {row[0]: tuple(row[1:]) for row in changes.select("month", *columns).iter_rows()}


# --------------------------------------------------------------------------- generated


@st.composite
def month_ranges(draw, customers=FEW_CUSTOMERS) -> list[tuple]:
    """Ranges (customer, currency code, cents, first, last) with first <= last <= the
    last month, many of them still active in it."""
    count = draw(st.integers(1, 25))
    ranges = []
    for _ in range(count):
        first = LAST_MONTH - draw(st.integers(0, 30))
        last = draw(st.one_of(st.just(LAST_MONTH), st.integers(first, LAST_MONTH)))
        cents = draw(st.one_of(st.none(), st.just(0), st.integers(1, 100_000)))
        code = draw(st.integers(0, 3))
        ranges.append((draw(customers), code, cents, first, last))
    return ranges


@settings(max_examples=150, deadline=None)
@given(month_ranges())
def test_movements_equal_the_month_end_oracle_packed_and_sorted_as_rows(ranges):
    expected = oracle_movements(ranges, LAST_MONTH)
    assert revenue._EventKey.of(revenue_ranges(ranges), LAST_MONTH).row_bits is not None
    assert engine_movements(ranges, LAST_MONTH) == expected
    with mock.patch.object(revenue._EventKey, "of", classmethod(sorted_as_rows)):
        assert engine_movements(ranges, LAST_MONTH) == expected


@settings(max_examples=60, deadline=None)
@given(month_ranges(customers=st.sampled_from([0, 7, WIDEST_CUSTOMER - 1, WIDEST_CUSTOMER])))
def test_movements_of_the_widest_customer_numbers(ranges):
    assert engine_movements(ranges, LAST_MONTH) == oracle_movements(ranges, LAST_MONTH)


def test_where_customer_currency_and_month_fill_the_integer_the_rows_are_sorted():
    # 32 + 11 + 12 bits for customer, currency and 300 years of months leave 8 bits:
    # 200 ranges' 400 events need 9.
    first = LAST_MONTH - 12 * 300
    ranges = [
        (WIDEST_CUSTOMER - n % 3, WIDEST_CURRENCY - n % 2, 100 + n, first + 17 * n, LAST_MONTH - n)
        for n in range(200)
    ]
    assert revenue._EventKey.of(revenue_ranges(ranges), LAST_MONTH).row_bits is None
    assert engine_movements(ranges, LAST_MONTH) == oracle_movements(ranges, LAST_MONTH)
    # With 100 ranges the row numbers fit, and the figures are the same.
    fewer = ranges[:100]
    assert revenue._EventKey.of(revenue_ranges(fewer), LAST_MONTH).row_bits == 8
    assert engine_movements(fewer, LAST_MONTH) == oracle_movements(fewer, LAST_MONTH)


def test_no_ranges_no_movements():
    assert engine_movements([], LAST_MONTH) == {}


@settings(max_examples=150, deadline=None)
@given(month_ranges())
def test_customer_changes_equal_the_month_end_oracle(ranges):
    runs = [(customer, first, last) for customer, _, _, first, last in ranges]
    expected = oracle_customer_changes(runs, LAST_MONTH)
    assert engine_customer_changes(runs, LAST_MONTH) == expected
