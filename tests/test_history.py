"""Month ends of DOMAIN.md ("Over time") at the boundaries: first and last days of months,
leap years, year ends, the as-of month, swaps and gaps. Expected values by hand."""

from __future__ import annotations

import datetime

from factories import subscriptions_table

from reconcile import history
from reconcile.reconciliation import reconcile_tables

D = datetime.date
FIELDS = (
    "subscriptions_active",
    "subscriptions_new",
    "subscriptions_ended",
    "customers_active",
    "customers_new",
    "customers_reactivated",
    "customers_churned",
    "customers_expanded",
    "customers_contracted",
)


def months(rows, as_of, window=1):
    """{period: (date, figures in FIELDS' order)} of the timeline."""
    rows = [{"status": "live", **row} for row in rows]
    result = reconcile_tables(subscriptions_table(rows), None, as_of, plan_change_window=window)
    for month in result.timeline:
        # The two nets are derived; check them here once for every test.
        assert month.subscriptions_net == month.subscriptions_new - month.subscriptions_ended
        assert month.customers_net == (
            month.customers_new + month.customers_reactivated - month.customers_churned
        )
    return {m.period: (m.date, tuple(getattr(m, name) for name in FIELDS)) for m in result.timeline}


def sub(subscription_id, customer_id, start, end=None):
    return {
        "subscription_id": subscription_id,
        "customer_id": customer_id,
        "start": start,
        "end": end,
        "status": "live" if end is None else "cancelled",
    }


def test_month_number_and_month_of_agree():
    assert history.month_number(D(2024, 1, 1)) == 2024 * 12
    assert history.month_number(D(2023, 12, 31)) == 2024 * 12 - 1


def test_start_on_the_last_day_counts_for_that_month():
    got = months([sub("S1", "A", "2024-01-31")], D(2024, 2, 10))
    assert got == {
        "2024-01": (D(2024, 1, 31), (1, 1, 0, 1, 1, 0, 0, 0, 0)),
        "2024-02": (D(2024, 2, 10), (1, 0, 0, 1, 0, 0, 0, 0, 0)),
    }


def test_end_on_the_first_day_and_on_the_leap_day():
    rows = [
        sub("S1", "A", "2024-01-15", "2024-03-01"),  # active on Feb 29 (< Mar 1)
        sub("S2", "B", "2024-01-15", "2024-02-29"),  # not active on Feb 29 (= end)
    ]
    got = months(rows, D(2024, 3, 31))
    assert got == {
        # Jan 31: both active, both new.
        "2024-01": (D(2024, 1, 31), (2, 2, 0, 2, 2, 0, 0, 0, 0)),
        # Feb 29: S2 has ended, B churned.
        "2024-02": (D(2024, 2, 29), (1, 0, 1, 1, 0, 0, 1, 0, 0)),
        # Mar 31 (the as-of date): S1 has ended, A churned.
        "2024-03": (D(2024, 3, 31), (0, 0, 1, 0, 0, 0, 1, 0, 0)),
    }


def test_a_subscription_inside_one_month_is_never_on_a_month_end():
    got = months([sub("S1", "A", "2024-02-05", "2024-02-20")], D(2024, 3, 15))
    # It still opens the history in February.
    assert got == {
        "2024-02": (D(2024, 2, 29), (0, 0, 0, 0, 0, 0, 0, 0, 0)),
        "2024-03": (D(2024, 3, 15), (0, 0, 0, 0, 0, 0, 0, 0, 0)),
    }


def test_the_as_of_month_is_observed_on_the_as_of_date():
    rows = [
        sub("S1", "A", "2024-05-01", "2024-06-20"),  # ends after as-of: active in June
        sub("S2", "B", "2024-05-01", "2024-06-10"),  # ended before as-of: gone in June
        sub("S3", "C", "2024-06-12"),  # started before as-of: new in June
        sub("S4", "D", "2024-06-16"),  # starts after as-of: never in the history
    ]
    got = months(rows, D(2024, 6, 15))
    assert got == {
        "2024-05": (D(2024, 5, 31), (2, 2, 0, 2, 2, 0, 0, 0, 0)),
        "2024-06": (D(2024, 6, 15), (2, 1, 1, 2, 1, 0, 1, 0, 0)),
    }


def test_a_swap_within_a_month_is_neither_churn_nor_new():
    rows = [
        sub("S1", "A", "2024-01-10", "2024-03-15"),
        sub("S2", "A", "2024-03-10"),
    ]
    got = months(rows, D(2024, 3, 31))
    assert got["2024-03"] == (D(2024, 3, 31), (1, 1, 1, 1, 0, 0, 0, 0, 0))


def test_a_gap_over_a_month_end_is_churn_then_reactivation():
    rows = [
        sub("S1", "A", "2023-12-01", "2024-01-31"),  # last active on Dec 31
        sub("S2", "A", "2024-02-01", "2024-03-31"),  # active on Feb 29 only
        sub("S3", "A", "2024-04-15"),  # back in April
    ]
    # Without plan changes (window 0): S1's one-day gap to S2 is churn, then reactivation.
    got = months(rows, D(2024, 4, 30), window=0)
    assert got == {
        "2023-12": (D(2023, 12, 31), (1, 1, 0, 1, 1, 0, 0, 0, 0)),
        "2024-01": (D(2024, 1, 31), (0, 0, 1, 0, 0, 0, 1, 0, 0)),
        "2024-02": (D(2024, 2, 29), (1, 1, 0, 1, 0, 1, 0, 0, 0)),
        "2024-03": (D(2024, 3, 31), (0, 0, 1, 0, 0, 0, 1, 0, 0)),
        "2024-04": (D(2024, 4, 30), (1, 1, 0, 1, 0, 1, 0, 0, 0)),
    }


def test_a_one_day_gap_to_the_next_subscription_is_a_plan_change_not_churn():
    rows = [
        sub("S1", "A", "2023-12-01", "2024-01-31"),  # ends Jan 31, S2 starts Feb 1
        sub("S2", "A", "2024-02-01", "2024-03-31"),
        sub("S3", "A", "2024-04-15"),  # 15 days after S2: a real gap
    ]
    # With the default window of one day A stays active on Jan 31: S1 lasts until S2
    # starts. Subscriptions still count S1's end in January.
    got = months(rows, D(2024, 4, 30))
    assert got == {
        "2023-12": (D(2023, 12, 31), (1, 1, 0, 1, 1, 0, 0, 0, 0)),
        "2024-01": (D(2024, 1, 31), (0, 0, 1, 1, 0, 0, 0, 0, 0)),
        "2024-02": (D(2024, 2, 29), (1, 1, 0, 1, 0, 0, 0, 0, 0)),
        "2024-03": (D(2024, 3, 31), (0, 0, 1, 0, 0, 0, 1, 0, 0)),
        "2024-04": (D(2024, 4, 30), (1, 1, 0, 1, 0, 1, 0, 0, 0)),
    }
    result = reconcile_tables(subscriptions_table(rows), None, D(2024, 4, 30))
    assert [m.plan_changes for m in result.timeline] == [0, 1, 0, 0, 0]


def test_expansion_and_contraction_need_activity_on_both_month_ends():
    rows = [
        sub("S1", "A", "2024-01-01", "2024-04-01"),
        sub("S2", "A", "2024-01-01"),  # A starts with two: new, not expanded
        sub("S3", "A", "2024-02-01"),  # Feb: 2 -> 3, expanded
        sub("S4", "A", "2024-03-01", "2024-04-01"),  # Mar: 3 -> 4; Apr: 4 -> 2, contracted
        sub("S5", "B", "2024-03-01", "2024-04-01"),  # B: new in Mar, churned in Apr
    ]
    got = months(rows, D(2024, 4, 30))
    assert got == {
        "2024-01": (D(2024, 1, 31), (2, 2, 0, 1, 1, 0, 0, 0, 0)),
        "2024-02": (D(2024, 2, 29), (3, 1, 0, 1, 0, 0, 0, 1, 0)),
        "2024-03": (D(2024, 3, 31), (5, 2, 0, 2, 1, 0, 0, 1, 0)),
        "2024-04": (D(2024, 4, 30), (2, 0, 3, 1, 0, 0, 1, 0, 1)),
    }


def test_year_boundary_and_months_without_events():
    got = months([sub("S1", "A", "2023-11-20")], D(2024, 2, 1))
    assert list(got) == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert [figures[0] for _, figures in got.values()] == [1, 1, 1, 1]
    assert got["2024-02"][0] == D(2024, 2, 1)


def test_no_history_when_everything_starts_after_the_as_of_month():
    assert months([sub("S1", "A", "2024-08-01")], D(2024, 6, 15)) == {}
