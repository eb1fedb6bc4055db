"""Invariants of DOMAIN.md on generated canonical tables, and a brute-force oracle.

The oracle computes every month end straight from the definitions (rows x months, fine for
a few dozen rows) and must agree with the event-based history.
"""

from __future__ import annotations

import datetime
import itertools
from collections import Counter
from unittest import mock

from hypothesis import HealthCheck, given, settings
from oracle import (
    D,
    active_on,
    end_of,
    in_trial,
    klass,
    never_active,
    oracle_duplicate_groups,
    paying_start,
    placeable,
    scenarios,
)

from reconcile import snapshot
from reconcile.canonical import ENDED, NOT_YET_PAYING, PAUSED, PAYING, UNPAID
from reconcile.reconciliation import reconcile_tables

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---- the oracle: DOMAIN.md's definitions, directly -------------------------------------


def month_ends(rows, as_of):
    """(period, observation day) of every month of the history, by the definition."""
    starts = [paying_start(row) for row in rows if placeable(row, as_of)]
    if not starts:
        return []
    year, month = min(starts).year, min(starts).month
    result = []
    while (year, month) <= (as_of.year, as_of.month):
        following = D(year + month // 12, month % 12 + 1, 1)
        day = (
            as_of
            if (year, month) == (as_of.year, as_of.month)
            else following - datetime.timedelta(1)
        )
        result.append((f"{year:04d}-{month:02d}", day))
        year, month = following.year, following.month
    return result


def oracle_timeline(rows, as_of):
    months = []
    previous_subs: set[str] = set()
    previous_counts: Counter = Counter()
    ever_active: set[str] = set()
    for period, day in month_ends(rows, as_of):
        subs = {row["subscription_id"] for row in rows if active_on(row, day, as_of)}
        counts = Counter(row["customer_id"] for row in rows if row["subscription_id"] in subs)
        customers, before = set(counts), set(previous_counts)
        both = customers & before
        months.append(
            (
                period,
                day,
                len(subs),
                len(subs - previous_subs),
                len(previous_subs - subs),
                len(customers),
                len((customers - before) - ever_active),
                len((customers - before) & ever_active),
                len(before - customers),
                sum(counts[c] > previous_counts[c] for c in both),
                sum(counts[c] < previous_counts[c] for c in both),
            )
        )
        ever_active |= customers
        previous_subs, previous_counts = subs, counts
    return months


def engine_timeline(result):
    return [
        (
            m.period,
            m.date,
            m.subscriptions_active,
            m.subscriptions_new,
            m.subscriptions_ended,
            m.customers_active,
            m.customers_new,
            m.customers_reactivated,
            m.customers_churned,
            m.customers_expanded,
            m.customers_contracted,
        )
        for m in result.timeline
    ]


# ---- properties ------------------------------------------------------------------------


@SETTINGS
@given(scenarios())
def test_history_equals_the_brute_force_oracle(scenario):
    rows, subscriptions, customers, as_of = scenario
    # The oracle is DOMAIN.md's "Over time" alone; plan changes close customers' gaps on
    # top of it and are checked against their own oracle (tests/test_revenue.py).
    result = reconcile_tables(subscriptions, customers, as_of, plan_change_window=0)
    assert engine_timeline(result) == oracle_timeline(rows, as_of)


@SETTINGS
@given(scenarios())
def test_snapshot_equals_the_definition(scenario):
    rows, subscriptions, customers, as_of = scenario
    totals = reconcile_tables(subscriptions, customers, as_of).totals
    active = [row for row in rows if active_on(row, as_of, as_of)]
    assert totals.subscriptions_active == len(active)
    assert totals.customers_active == len({row["customer_id"] for row in active})
    assert totals.subscriptions_not_yet_paying == sum(
        klass(row, as_of) == NOT_YET_PAYING or in_trial(row, as_of) for row in rows
    )
    assert totals.subscriptions_never_active == sum(never_active(row, as_of) for row in rows)
    placed = [row for row in rows if not never_active(row, as_of)]
    assert totals.ended_without_end_date == sum(
        klass(row, as_of) in (ENDED, PAUSED) and row["end"] is None for row in placed
    )
    # Not active: paused or unpaid by its class, not yet paying within its trial, else
    # ended (a row without a start included).
    inactive = [
        klass(row, as_of)
        for row in rows
        if not active_on(row, as_of, as_of) and not in_trial(row, as_of)
    ]
    assert totals.subscriptions_paused == inactive.count(PAUSED)
    assert totals.subscriptions_unpaid == inactive.count(UNPAID)
    assert totals.subscriptions_ended == inactive.count(ENDED) + inactive.count(PAYING)
    assert totals.ended_without_start_date == sum(
        klass(row, as_of) in (ENDED, PAUSED, UNPAID)
        and end_of(row, as_of) is not None
        and row["start"] is None
        for row in placed
    )


def by_name(name):
    """Sort key of a product or plan name: by name, a missing name after the named ones."""
    return (name is None, name or "")


def oracle_snapshot(rows, as_of):
    """Per product and plan, holdings, overlap, extra subscriptions and currencies of the
    active subscriptions, each as DOMAIN.md and the Result's docstrings define it."""
    active = [(line, row) for line, row in enumerate(rows, 2) if active_on(row, as_of, as_of)]

    def counts(key):
        groups: dict = {}
        for _, row in active:
            groups.setdefault(key(row), []).append(row["customer_id"])
        return sorted(
            ((*names, len(ids), len(set(ids))) for names, ids in groups.items()),
            key=lambda group: (-group[-2], *(by_name(name) for name in group[:-2])),
        )

    held: dict[str, list] = {}
    for line, row in active:
        held.setdefault(row["customer_id"], []).append((paying_start(row), line, row))
    products = {cid: {row["product"] for _, _, row in subs} - {None} for cid, subs in held.items()}
    pairs = Counter(
        pair for names in products.values() for pair in itertools.combinations(sorted(names), 2)
    )
    # Beyond each customer's first: earliest start, then first in the file.
    extra = sorted(
        row["subscription_id"] for subs in held.values() for _, _, row in sorted(subs)[1:]
    )
    currencies = Counter(row["currency"] for _, row in active if row["currency"] is not None)
    return {
        "by_product": counts(lambda row: (row["product"],)),
        "by_plan": counts(lambda row: (row["product"], row["plan"])),
        "holdings": sorted(Counter(len(subs) for subs in held.values()).items()),
        "overlap": sorted(
            ((a, b, n) for (a, b), n in pairs.items()), key=lambda p: (-p[2], p[0], p[1])
        ),
        "extra": (len(extra), tuple(extra[:10])),
        "currencies": sorted(currencies.items(), key=lambda item: (-item[1], item[0])),
    }


@SETTINGS
@given(scenarios())
def test_snapshot_lists_equal_the_definition(scenario):
    rows, subscriptions, customers, as_of = scenario
    result = reconcile_tables(subscriptions, customers, as_of)
    extra = next(step for step in result.bridge if step.step == "extra_subscriptions")
    assert {
        "by_product": [tuple(vars(group).values())[:3] for group in result.by_product],
        "by_plan": [tuple(vars(group).values())[:4] for group in result.by_plan],
        "holdings": [(h.subscriptions, h.customers) for h in result.subscriptions_per_customer],
        "overlap": [tuple(vars(pair).values()) for pair in result.product_overlap],
        "extra": (-extra.count, extra.examples),
        "currencies": list(result.quality.currencies.items()),
    } == oracle_snapshot(rows, as_of)


@SETTINGS
@given(scenarios())
def test_product_overlap_by_join_equals_the_definition(scenario):
    # Up to MASKED_PRODUCTS products the overlap counts bit masks (the test above); with
    # more, it joins. Lowered to one, every scenario with two products or more joins.
    rows, subscriptions, customers, as_of = scenario
    with mock.patch.object(snapshot, "MASKED_PRODUCTS", 1):
        result = reconcile_tables(subscriptions, customers, as_of)
    overlap = [tuple(vars(pair).values()) for pair in result.product_overlap]
    assert overlap == oracle_snapshot(rows, as_of)["overlap"]


@SETTINGS
@given(scenarios())
def test_customer_lists_equal_the_definition(scenario):
    rows, subscriptions, customers, as_of = scenario
    result = reconcile_tables(subscriptions, customers, as_of)
    with_rows = {row["customer_id"] for row in rows}
    exported = set() if customers is None else set(customers.frame["customer_id"])
    # Guest customers without an ID are counted apart and are no known customer.
    guests = 0 if customers is None else len(customers.guest_lines)
    assert result.totals.customers_guests == guests
    active_ids = {row["customer_id"] for row in rows if active_on(row, as_of, as_of)}
    assert result.totals.customers_known == len(with_rows | exported)
    assert result.totals.customers_without_subscriptions == len(exported - with_rows)
    orphans = [] if customers is None else [r for r in rows if r["customer_id"] not in exported]
    assert [ref.subscription_id for ref in result.quality.orphan_subscriptions] == [
        row["subscription_id"] for row in orphans
    ]
    groups = [
        (group.key, group.customer_ids, group.active_customer_ids)
        for group in result.probable_duplicate_groups
    ]
    assert groups == oracle_duplicate_groups(rows, customers, active_ids)
    merged_away = sum(max(len(active) - 1, 0) for _, _, active in groups)
    assert result.bridge[-1].total == len(active_ids) - merged_away


@SETTINGS
@given(scenarios())
def test_classes_add_up_to_the_accepted_rows(scenario):
    _, subscriptions, customers, as_of = scenario
    totals = reconcile_tables(subscriptions, customers, as_of).totals
    assert (
        totals.subscriptions_active
        + totals.subscriptions_not_yet_paying
        + totals.subscriptions_paused
        + totals.subscriptions_unpaid
        + totals.subscriptions_ended
        == subscriptions.rows_accepted
    )
    assert totals.subscriptions_never_active <= totals.subscriptions_ended
    assert totals.customers_without_active_subscription == (
        totals.customers_known - totals.customers_active
    )


@SETTINGS
@given(scenarios())
def test_per_product_subscriptions_are_at_least_customers(scenario):
    _, subscriptions, customers, as_of = scenario
    result = reconcile_tables(subscriptions, customers, as_of)
    for group in (*result.by_product, *result.by_plan):
        assert group.subscriptions_active >= group.customers_active >= 1
    assert sum(p.subscriptions_active for p in result.by_product) == (
        result.totals.subscriptions_active
    )
    assert sum(p.customers_active for p in result.by_product) >= result.totals.customers_active
    assert sum(h.customers for h in result.subscriptions_per_customer) == (
        result.totals.customers_active
    )


@SETTINGS
@given(scenarios())
def test_customer_balance_every_month_and_last_month_is_the_snapshot(scenario):
    _, subscriptions, customers, as_of = scenario
    result = reconcile_tables(subscriptions, customers, as_of)
    previous_customers = previous_subscriptions = 0
    for month in result.timeline:
        change = month.customers_new + month.customers_reactivated - month.customers_churned
        assert month.customers_active - previous_customers == change == month.customers_net
        assert month.subscriptions_active - previous_subscriptions == month.subscriptions_net
        previous_customers = month.customers_active
        previous_subscriptions = month.subscriptions_active
    assert previous_customers == result.totals.customers_active
    assert previous_subscriptions == result.totals.subscriptions_active
    if result.timeline:
        assert result.timeline[-1].date == as_of


def check_walk(bridge):
    assert bridge[0].kind == "start" and bridge[0].count == bridge[0].total
    for before, step in itertools.pairwise(bridge):
        if step.kind == "subtotal":
            assert step.count == step.total == before.total
        else:
            assert step.total == before.total + step.count
            assert (step.count <= 0) if step.kind == "subtract" else (step.count >= 0)
            assert step.examples_total == abs(step.count)
            assert len(step.examples) == min(10, abs(step.count))
            assert list(step.examples) == sorted(step.examples)


@SETTINGS
@given(scenarios())
def test_the_two_bridges_are_consistent_and_meet(scenario):
    _, subscriptions, customers, as_of = scenario
    result = reconcile_tables(subscriptions, customers, as_of)
    check_walk(result.bridge)
    steps = {step.step: step for step in result.bridge}
    assert steps["rows_read"].total == subscriptions.rows_read
    assert steps["customers_active"].total == result.totals.customers_active
    if customers is None:
        assert result.customer_bridge == ()
    else:
        check_walk(result.customer_bridge)
        assert result.customer_bridge[0].total == customers.rows_read
        assert customers.rows_read == (
            customers.rows_accepted + customers.rows_rejected + customers.duplicate_rows_removed
        )
        customer_steps = {step.step: step for step in result.customer_bridge}
        guests = customer_steps.get("customer_guests")
        assert (guests.count if guests else 0) == -len(customers.guest_lines)
        assert customer_steps["customers_in_export"].total == customers.frame.height
        assert result.customer_bridge[-1].total == steps["customers_active"].total
