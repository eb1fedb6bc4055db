"""The Result and message the email tests share (tests/test_delivery.py, test_smtp.py):
figures chosen so that every number in the expected texts is known."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

from reconcile.delivery import build_message, rejected_rows_csv
from reconcile.findings import finding
from reconcile.result import (
    Inputs,
    InputSummary,
    Quality,
    Rejection,
    Result,
    Totals,
)
from tests.result_examples import ZOHO

FIXED_DATE = datetime(2024, 7, 1, 8, 30, tzinfo=timezone(timedelta(hours=2)))
FIXED_ID = "<report-2024-06-30@example.com>"

REJECTIONS = (
    Rejection("subscriptions.csv", 7, "Subscription ID", None, "missing_id", "no ID"),
    Rejection("subscriptions.csv", 3, "Status", "Livee", "unknown_status", 'unknown "Livee"'),
    Rejection("customers.csv", 12, "Email", "müller,x@example.com", "invalid_date", "bad, date"),
)

# Engine order (findings.FINDINGS): the headline first, then by importance.
FINDINGS = (
    finding(
        "subscriptions_counted_as_customers",
        247,
        subscriptions_active=1234,
        customers_active=987,
    ),
    finding("customers_with_several_subscriptions", 180, customers=180, extra_subscriptions=247),
    finding(
        "probable_duplicate_customers",
        4,
        customer_ids=9,
        customers_active_if_merged=982,
        customers_active=987,
    ),
    finding(
        "rows_rejected",
        2,
        file="subscriptions.csv",
        code="unknown_status",
        reason="the status is not one the billing system uses",
    ),
    finding("customers_without_subscriptions", 5, customers_file="customers.csv"),
    finding("duplicate_rows_removed", 1, file="subscriptions.csv"),
)


def make_result(
    *,
    subscriptions_active: int = 1234,
    customers_active: int = 987,
    findings: tuple = FINDINGS,
    rejections: tuple = REJECTIONS,
) -> Result:
    """A Result with the figures the expected texts below are worked out from: 2 rejected
    subscription rows and 1 rejected customer row (3 rejected rows)."""
    rejected = {"subscriptions.csv": 0, "customers.csv": 0}
    for rejection in rejections:
        rejected[rejection.file] += 1
    return Result(
        billing_system=ZOHO,
        as_of=date(2024, 6, 30),
        inputs=Inputs(
            subscriptions=InputSummary(
                "subscriptions.csv", "zoho", 1500, 1497, rejected["subscriptions.csv"], 1
            ),
            customers=InputSummary(
                "customers.csv", "zoho", 1000, 999, rejected["customers.csv"], 0
            ),
        ),
        totals=Totals(
            subscriptions_active=subscriptions_active,
            customers_active=customers_active,
            customers_known=1001,
            subscriptions_not_yet_paying=20,
            subscriptions_paused=3,
            subscriptions_unpaid=0,
            subscriptions_ended=240,
            subscriptions_never_active=0,
            customers_without_active_subscription=14,
            customers_without_subscriptions=5,
            orphan_subscriptions=0,
            ended_without_end_date=0,
        ),
        by_product=(),
        by_plan=(),
        subscriptions_per_customer=(),
        product_overlap=(),
        timeline=(),
        bridge=(),
        customer_bridge=(),
        probable_duplicate_groups=(),
        rejections=rejections,
        findings=findings,
        quality=Quality(),
    )


def message_for(result: Result, attachments: list[Path], *, lang: str = "en") -> EmailMessage:
    return build_message(
        result,
        attachments=attachments,
        rejected_rows_csv=rejected_rows_csv(result),
        lang=lang,
        sender="Reports <reports@example.com>",
        recipients=["ceo@example.com", '"Doe, Jane" <jane@example.org>'],
        date=FIXED_DATE,
        message_id=FIXED_ID,
    )
