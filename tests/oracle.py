"""The plain-Python oracle of the property tests (tests/test_properties.py,
test_tracing.py): random scenarios of subscription and customer rows, and DOMAIN.md's
definitions applied to them row by row, sharing no code with reconcile's engine."""

from __future__ import annotations

import datetime

from factories import customers_table, subscriptions_table
from hypothesis import strategies as st

from reconcile.canonical import ENDED, NOT_YET_PAYING, PAUSED, PAYING, UNPAID

D = datetime.date
FIRST_DAY = D(2023, 1, 1)
CUSTOMER_IDS = [f"C{n}" for n in range(8)]
EMAILS = ["a@x.de", " A@x.de", "b@x.de", None]

# Any day of two years, or one of three, so that subscriptions often start on the same day
# (a customer's first subscription is then the first in the file).
days = st.one_of(st.integers(min_value=0, max_value=700), st.sampled_from([0, 31, 59])).map(
    lambda n: FIRST_DAY + datetime.timedelta(n)
)


@st.composite
def subscription_rows(draw, has_status: bool) -> list[dict]:
    count = draw(st.integers(min_value=0, max_value=25))
    rows = []
    for number in range(count):
        start = draw(days)
        length = draw(st.one_of(st.none(), st.integers(min_value=-40, max_value=500)))
        end = None if length is None else start + datetime.timedelta(length)
        status_class = (
            draw(st.sampled_from([PAYING, NOT_YET_PAYING, PAUSED, UNPAID, ENDED]))
            if has_status
            else None
        )
        # A trial end around the start, often none; the end of the last paid period.
        trial = draw(st.one_of(st.none(), st.none(), st.integers(min_value=-20, max_value=90)))
        trial_end = None if trial is None else start + datetime.timedelta(trial)
        period = draw(st.one_of(st.none(), st.integers(min_value=-10, max_value=400)))
        period_end = None if period is None else start + datetime.timedelta(period)
        # Validation accepts a row without a start only when it is not paying.
        if status_class in (ENDED, PAUSED, UNPAID) and draw(st.sampled_from([False, False, True])):
            start = None
        rows.append(
            {
                "subscription_id": f"S{number}",
                "customer_id": draw(st.sampled_from(CUSTOMER_IDS[:6])),
                "product": draw(st.sampled_from([None, "A", "B", "C"])),
                "plan": draw(st.sampled_from([None, "p", "q"])),
                "status_class": status_class,
                "start": start,
                "end": end,
                "trial_end": trial_end,
                "period_end": period_end,
                # The row says it never paid (a never-paid status, or ended without an
                # activation date): drawn on any row, it counts only on an ended one.
                "never_paid": draw(st.sampled_from([None, False, False, False, True])),
                "customer_email": draw(st.sampled_from(EMAILS)),
                "currency": draw(st.sampled_from(["EUR", "EUR", "USD", None])),
            }
        )
    return rows


@st.composite
def scenarios(draw):
    has_status = draw(st.booleans())
    rows = draw(subscription_rows(has_status))
    subscriptions = subscriptions_table(
        rows,
        has_status=has_status,
        rejections=[{"line": 100, "code": "invalid_date"}] if draw(st.booleans()) else [],
        duplicate_lines=draw(st.lists(st.integers(101, 120), max_size=3, unique=True)),
    )
    customers = None
    if draw(st.booleans()):
        ids = draw(st.lists(st.sampled_from(CUSTOMER_IDS), unique=True, max_size=8))
        customers = customers_table(
            [{"customer_id": cid, "email": draw(st.sampled_from(EMAILS))} for cid in ids],
            duplicate_lines=draw(st.lists(st.integers(50, 60), max_size=2, unique=True)),
            # Guest customers without an ID (a Stripe customers export): accepted rows
            # that are no customer.
            guest_lines=draw(st.lists(st.integers(61, 70), max_size=3, unique=True)),
        )
    as_of = draw(st.integers(min_value=100, max_value=800))
    return rows, subscriptions, customers, FIRST_DAY + datetime.timedelta(as_of)


# ---- the oracle: DOMAIN.md's definitions, directly -------------------------------------


def klass(row, as_of):
    if row["status_class"] is not None:
        return row["status_class"]
    return ENDED if row["end"] is not None and row["end"] <= as_of else PAYING


def paying_start(row):
    """The day it began to pay: the trial end when that is later than the start."""
    start, trial_end = row["start"], row["trial_end"]
    if start is not None and trial_end is not None and trial_end > start:
        return trial_end
    return start


def end_of(row, as_of):
    """An unpaid subscription ends when its last paid period does."""
    return row["period_end"] if klass(row, as_of) == UNPAID else row["end"]


def never_active(row, as_of):
    """Ended, and the row says it never paid, or its trial lasted to its end or past it."""
    end, trial_end = end_of(row, as_of), row["trial_end"]
    trial_to_the_end = None not in (end, trial_end) and trial_end >= end
    return klass(row, as_of) == ENDED and (bool(row.get("never_paid")) or trial_to_the_end)


def placeable(row, as_of):
    """Not "not yet paying", paid once, a start, and an end date if ended, paused or
    unpaid."""
    cls = klass(row, as_of)
    return (
        cls != NOT_YET_PAYING
        and not never_active(row, as_of)
        and paying_start(row) is not None
        and not (cls in (ENDED, PAUSED, UNPAID) and end_of(row, as_of) is None)
    )


def in_trial(row, as_of):
    """Paying by class, but its trial ends after the as-of date: not yet paying."""
    trial_end = row["trial_end"]
    return klass(row, as_of) == PAYING and trial_end is not None and trial_end > as_of


def active_on(row, day, as_of):
    if not placeable(row, as_of):
        return False
    end = end_of(row, as_of)
    return paying_start(row) <= day and (end is None or day < end)


def oracle_duplicate_groups(rows, customers, active_ids):
    """(key, ids, active ids) of emails shared by different customer IDs."""
    if customers is not None:
        emails = dict(customers.frame.select("customer_id", "email").iter_rows())
    else:
        emails = {}
        for row in rows:  # a customer's email is that of their first row
            if (row["customer_email"] or "").strip():
                emails.setdefault(row["customer_id"], row["customer_email"])
    groups: dict[str, set] = {}
    for customer_id, email in emails.items():
        if email is not None and email.strip():
            groups.setdefault(email.strip().lower(), set()).add(customer_id)
    return [
        (key, tuple(sorted(ids)), tuple(sorted(ids & active_ids)))
        for key, ids in sorted(groups.items())
        if len(ids) > 1
    ]
