"""The words of the report: findings and bridge steps, as data.

Every English string here is a gettext msgid: rendering extracts them into the German
catalog and fills the translated template with the same named params. Keep them plain
literal strings, one dict each; never build them with f-strings or concatenation.

`findings_from` turns the figures of one run into `result.Finding`s, most important
first (the order of FINDINGS), each only when its count is above zero, except the
headline `subscriptions_counted_as_customers`, which is always stated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconcile import problems
from reconcile.result import Finding

ERROR = "error"
WARNING = "warning"
INFO = "info"

# code -> (severity, English message template). Insertion order is the report's order.
FINDINGS: dict[str, tuple[str, str]] = {
    "ids_damaged_by_spreadsheet": (
        ERROR,
        "{count} rows of {file} have an ID in scientific notation (for example {example}): "
        "a spreadsheet has damaged the file and these rows cannot be matched. Export the "
        "file again and do not open and save it in a spreadsheet before running reconcile.",
    ),
    "subscriptions_counted_as_customers": (
        INFO,
        'The billing system\'s "Active Customers" figure is {subscriptions_active}: it '
        "counts active subscriptions. There are {customers_active} active customers.",
    ),
    "customers_with_several_subscriptions": (
        INFO,
        "{customers} active customers hold more than one active subscription; their "
        "{extra_subscriptions} extra subscriptions are why the subscription count is higher "
        "than the customer count.",
    ),
    "probable_duplicate_customers": (
        WARNING,
        "{count} groups of different customer IDs share an email address ({customer_ids} "
        "customer IDs in all). If they were merged there would be {customers_active_if_merged} "
        "active customers instead of {customers_active}.",
    ),
    "rows_rejected": (
        WARNING,
        "{count} rows of {file} were rejected: {reason}. The report lists each with its "
        "line, column and value.",
    ),
    "orphan_subscriptions": (
        WARNING,
        "{count} subscriptions belong to customer IDs that are not in {customers_file}. "
        "They still count; the report lists them.",
    ),
    "contradictions": (
        WARNING,
        "{count} subscriptions contradict themselves: {live_after_end} are live by status "
        "although their end date has passed (they are counted by their end date), and "
        "{end_not_after_start} end on or before their start (they are never active).",
    ),
    "ended_without_end_date": (
        WARNING,
        "{count} ended or paused subscriptions have no end date. They cannot be placed in "
        "time: they are not counted as active and are left out of the history.",
    ),
    "mixed_currencies": (
        WARNING,
        "Active subscriptions are in {count} currencies ({currencies}); amounts in "
        "different currencies are never added up.",
    ),
    "customers_without_subscriptions": (
        INFO,
        "{count} customers of {customers_file} have no subscription at all.",
    ),
    "duplicate_rows_removed": (
        INFO,
        "{count} rows of {file} repeated an earlier row exactly and were removed.",
    ),
    "product_subscriptions_exceed_customers": (
        INFO,
        'In product "{product}", {subscriptions_active} active subscriptions belong to '
        "{customers_active} active customers: {count} more subscriptions than customers.",
    ),
}

# What a row-rejection code means, filling the {reason} of the "rows_rejected" finding.
REJECTION_REASONS: dict[str, str] = {
    problems.MISSING_ID: "the subscription or customer ID is missing",
    problems.DAMAGED_ID: "an ID is in scientific notation",
    problems.INVALID_DATE: "a date cannot be read as a date",
    problems.MISSING_START: "the start date is missing",
    problems.UNKNOWN_STATUS: "the status is not one the billing system uses",
    problems.INVALID_AMOUNT: "an amount cannot be read as a number",
    problems.INVALID_BOOLEAN: "a yes/no value cannot be read",
    problems.CONFLICTING_DUPLICATE: "the subscription or customer ID repeats an earlier row "
    "with other content",
}

# step code -> English label of the two bridges (walks from rows to active customers).
BRIDGE_LABELS: dict[str, str] = {
    "rows_read": "Rows in the subscriptions export",
    "rejected": "Rows rejected",
    "duplicates_removed": "Exact duplicate rows removed",
    "rows_accepted": "Subscriptions accepted",
    "not_yet_paying": "Not yet paying (trial or future)",
    "paused": "Paused",
    "ended": "Ended, or not started, on the as-of date",
    "subscriptions_active": 'Active subscriptions (what the billing system calls "Active '
    'Customers")',
    "extra_subscriptions": "Extra subscriptions of customers holding more than one",
    "customers_active": "Active customers",
    "probable_duplicates": "Probable duplicate customers (same email, different ID)",
    "customers_active_if_merged": "Active customers if probable duplicates were merged",
    "customer_rows_read": "Rows in the customers export",
    "customer_rows_rejected": "Rows rejected",
    "customer_duplicates_removed": "Exact duplicate rows removed",
    "customers_in_export": "Customers in the export",
    "customers_without_active_subscription": "Customers without an active subscription",
    "customers_only_in_subscriptions": "Active customers found only in the subscriptions export",
}

# How many products the "product_subscriptions_exceed_customers" finding names at most.
TOP_PRODUCTS = 3


@dataclass(frozen=True)
class Facts:
    """The figures of one run that findings speak about (all plain Python values)."""

    subscriptions_file: str
    customers_file: str | None
    subscriptions_active: int
    customers_active: int
    customers_with_several: int
    extra_subscriptions: int
    duplicate_groups: int
    duplicate_group_customer_ids: int
    customers_active_if_merged: int
    # (file, code, rows, first value) per rejection code of each file, in file order.
    rejections: tuple[tuple[str, str, int, str | None], ...]
    # (file, rows removed) per export.
    duplicate_rows: tuple[tuple[str, int], ...]
    orphan_subscriptions: int
    live_after_end: int
    end_not_after_start: int
    contradicting_subscriptions: int
    ended_without_end_date: int
    currencies: Mapping[str, int]
    customers_without_subscriptions: int
    # (product, subscriptions_active, customers_active) for named products.
    products: tuple[tuple[str, int, int], ...]


def finding(code: str, count: int, /, **params: Any) -> Finding:
    """The finding `code` with its template filled from `params` (and `count`)."""
    severity, template = FINDINGS[code]
    params = {"count": count, **params}
    return Finding(code, severity, template.format(**params), count, params)


def findings_from(facts: Facts) -> tuple[Finding, ...]:
    """Every finding the figures call for, in FINDINGS' order, counts above zero."""
    # Within one code, the finder's own order (file order, largest first).
    return tuple(item for code in FINDINGS for item in _FINDERS[code](facts))


def _damaged_ids(facts: Facts) -> list[Finding]:
    return [
        finding("ids_damaged_by_spreadsheet", rows, file=file, example=example)
        for file, code, rows, example in facts.rejections
        if code == problems.DAMAGED_ID and rows > 0
    ]


def _headline(facts: Facts) -> list[Finding]:
    # Always stated; its count is the gap between the two figures.
    return [
        finding(
            "subscriptions_counted_as_customers",
            facts.subscriptions_active - facts.customers_active,
            subscriptions_active=facts.subscriptions_active,
            customers_active=facts.customers_active,
        )
    ]


def _several_subscriptions(facts: Facts) -> list[Finding]:
    if facts.customers_with_several == 0:
        return []
    return [
        finding(
            "customers_with_several_subscriptions",
            facts.customers_with_several,
            customers=facts.customers_with_several,
            extra_subscriptions=facts.extra_subscriptions,
        )
    ]


def _probable_duplicates(facts: Facts) -> list[Finding]:
    if facts.duplicate_groups == 0:
        return []
    return [
        finding(
            "probable_duplicate_customers",
            facts.duplicate_groups,
            customer_ids=facts.duplicate_group_customer_ids,
            customers_active=facts.customers_active,
            customers_active_if_merged=facts.customers_active_if_merged,
        )
    ]


def _rejected(facts: Facts) -> list[Finding]:
    # Damaged IDs have their own, louder finding above.
    return [
        finding(
            "rows_rejected",
            rows,
            file=file,
            code=code,
            reason=REJECTION_REASONS.get(code, code),
        )
        for file, code, rows, _ in facts.rejections
        if code != problems.DAMAGED_ID and rows > 0
    ]


def _orphans(facts: Facts) -> list[Finding]:
    if facts.orphan_subscriptions == 0:
        return []
    return [
        finding(
            "orphan_subscriptions",
            facts.orphan_subscriptions,
            customers_file=facts.customers_file,
        )
    ]


def _contradictions(facts: Facts) -> list[Finding]:
    if facts.contradicting_subscriptions == 0:
        return []
    return [
        finding(
            "contradictions",
            facts.contradicting_subscriptions,
            live_after_end=facts.live_after_end,
            end_not_after_start=facts.end_not_after_start,
        )
    ]


def _without_end_date(facts: Facts) -> list[Finding]:
    if facts.ended_without_end_date == 0:
        return []
    return [finding("ended_without_end_date", facts.ended_without_end_date)]


def _mixed_currencies(facts: Facts) -> list[Finding]:
    if len(facts.currencies) < 2:
        return []
    listed = ", ".join(f"{code} {count}" for code, count in facts.currencies.items())
    return [
        finding(
            "mixed_currencies",
            len(facts.currencies),
            currencies=listed,
            by_currency=dict(facts.currencies),
        )
    ]


def _without_subscriptions(facts: Facts) -> list[Finding]:
    if facts.customers_without_subscriptions == 0:
        return []
    return [
        finding(
            "customers_without_subscriptions",
            facts.customers_without_subscriptions,
            customers_file=facts.customers_file,
        )
    ]


def _duplicate_rows(facts: Facts) -> list[Finding]:
    return [
        finding("duplicate_rows_removed", rows, file=file)
        for file, rows in facts.duplicate_rows
        if rows > 0
    ]


def _products_differing(facts: Facts) -> list[Finding]:
    differing = sorted(
        (
            (subscriptions - customers, product, subscriptions, customers)
            for product, subscriptions, customers in facts.products
            if subscriptions > customers
        ),
        key=lambda item: (-item[0], item[1]),
    )
    return [
        finding(
            "product_subscriptions_exceed_customers",
            difference,
            product=product,
            subscriptions_active=subscriptions,
            customers_active=customers,
        )
        for difference, product, subscriptions, customers in differing[:TOP_PRODUCTS]
    ]


_FINDERS = {
    "ids_damaged_by_spreadsheet": _damaged_ids,
    "subscriptions_counted_as_customers": _headline,
    "customers_with_several_subscriptions": _several_subscriptions,
    "probable_duplicate_customers": _probable_duplicates,
    "rows_rejected": _rejected,
    "orphan_subscriptions": _orphans,
    "contradictions": _contradictions,
    "ended_without_end_date": _without_end_date,
    "mixed_currencies": _mixed_currencies,
    "customers_without_subscriptions": _without_subscriptions,
    "duplicate_rows_removed": _duplicate_rows,
    "product_subscriptions_exceed_customers": _products_differing,
}
