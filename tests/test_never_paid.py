"""Subscriptions that ended without ever paying, by their status (DOMAIN.md, "The life of
a subscription"): Zoho trial_expired and creation_failed, Stripe incomplete_expired,
Recurly failed. They count as ended and never active, whatever their dates say, and stay
out of the history. The expected figures are worked out by hand in each test."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

import reconcile
from reconcile.problems import ReconcileError
from reconcile.sources import load_mapping_file

ZOHO = """\
Subscription ID,Customer ID,Customer Name,Plan Name,Status,Created On,Activated On,Cancelled On,Expires At
1,C1,Acme GmbH,Basic,trial_expired,2026-01-05,,,2026-02-05
2,C2,Beta AG,Basic,live,2026-01-05,2026-01-05,,
3,C3,Gamma KG,Basic,creation_failed,2026-03-01,,,
4,C4,Delta OHG,Basic,cancelled,2026-01-01,2026-01-01,2026-03-01,
"""  # noqa: E501


def test_zoho_rows_that_never_paid_are_never_active(tmp_path: Path):
    path = tmp_path / "subscriptions.csv"
    path.write_text(ZOHO, encoding="utf-8")
    result = reconcile.reconcile(path, as_of=datetime.date(2026, 4, 1))
    totals = result.totals
    # Row 2 is live; rows 1, 3 and 4 ended; 1 (trial ran out) and 3 (never created) never paid.
    assert totals.subscriptions_active == 1
    assert totals.subscriptions_ended == 3
    assert totals.subscriptions_never_active == 2
    # Row 3 has no date to end it, but a row that never paid needs none.
    assert totals.ended_without_end_date == 0
    # Row 1's dates (created 5 Jan, expired 5 Feb) would put it in January's count: it is
    # not there. January: rows 2 and 4; March (4 ended on 1 Mar): row 2 alone.
    months = [(m.period, m.subscriptions_active, m.customers_active) for m in result.timeline]
    assert months == [("2026-01", 2, 2), ("2026-02", 2, 2), ("2026-03", 1, 1), ("2026-04", 1, 1)]


STRIPE = """\
id,Customer ID,Customer Name,Plan,Status,Created (UTC),Start Date (UTC),Ended At (UTC),Cancel At Period End,Current Period End (UTC)
sub_1,cus_1,Epsilon Ltd,Pro,incomplete_expired,2026-02-01 10:00,2026-02-01 10:00,2026-02-02 10:00,false,2026-03-01 10:00
sub_2,cus_2,Zeta Ltd,Pro,active,2026-02-01 10:00,2026-02-01 10:00,,false,2026-03-01 10:00
"""  # noqa: E501


def test_stripe_incomplete_expired_is_never_active(tmp_path: Path):
    path = tmp_path / "subscriptions.csv"
    path.write_text(STRIPE, encoding="utf-8")
    result = reconcile.reconcile(path, as_of=datetime.date(2026, 2, 28))
    assert result.totals.subscriptions_active == 1
    assert result.totals.subscriptions_never_active == 1
    # The first payment of sub_1 never went through: it was never active on 1 Feb either.
    assert [(m.period, m.subscriptions_active) for m in result.timeline] == [("2026-02", 1)]


def test_never_paid_must_name_ended_statuses(tmp_path: Path):
    mapping = tmp_path / "mine.toml"
    mapping.write_text('extends = "zoho"\nnever_paid = ["live"]\n', encoding="utf-8")
    with pytest.raises(ReconcileError, match="never_paid must list statuses of the ended class"):
        load_mapping_file(mapping)


def test_a_mapping_inherits_never_paid(tmp_path: Path):
    mapping = tmp_path / "mine.toml"
    mapping.write_text('extends = "zoho"\n', encoding="utf-8")
    assert load_mapping_file(mapping).never_paid == ("trial_expired", "creation_failed")
