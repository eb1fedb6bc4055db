"""The two walks of DOMAIN.md ("The bridge") from export rows to active customers.

Each walk is a list of moves; `walk` keeps the running total and checks every subtotal
against the figure computed independently. A mismatch is a bug in reconcile, not in the
data, so it raises AssertionError.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconcile.findings import BRIDGE_LABELS
from reconcile.result import BridgeStep

START = "start"
SUBTRACT = "subtract"
ADD = "add"
SUBTOTAL = "subtotal"

EXAMPLES_SHOWN = 10


@dataclass(frozen=True)
class Evidence:
    """How many rows or customers a step moves, and the first of them (sorted)."""

    size: int
    examples: tuple[str, ...] = ()


def _step(code: str, kind: str, count: int, total: int, evidence: Evidence) -> BridgeStep:
    return BridgeStep(
        step=code,
        label=BRIDGE_LABELS[code],
        count=count,
        total=total,
        kind=kind,
        examples=evidence.examples[:EXAMPLES_SHOWN],
        # Start and subtotal steps are figures, not rows moved: nothing to point at.
        examples_total=evidence.size if kind in (SUBTRACT, ADD) else 0,
    )


def walk(moves: list[tuple[str, str, Evidence]]) -> tuple[BridgeStep, ...]:
    """The steps of one walk; `moves` are (step code, kind, evidence), the first a start."""
    steps: list[BridgeStep] = []
    total = 0
    for code, kind, evidence in moves:
        if kind == START:
            total = evidence.size
            count = total
        elif kind == SUBTOTAL:
            assert total == evidence.size, (
                f"bridge step {code}: walked to {total}, figure is {evidence.size}"
            )
            count = total
        else:
            count = evidence.size if kind == ADD else -evidence.size
            total += count
        steps.append(_step(code, kind, count, total, evidence))
    return tuple(steps)


@dataclass(frozen=True)
class SubscriptionWalk:
    rows_read: int
    rejected: Evidence
    duplicates_removed: Evidence
    rows_accepted: int
    not_yet_paying: Evidence
    paused: Evidence
    unpaid: Evidence
    ended: Evidence
    subscriptions_active: int
    extra_subscriptions: Evidence
    customers_active: int
    probable_duplicates: Evidence
    customers_active_if_merged: int


def subscription_bridge(figures: SubscriptionWalk) -> tuple[BridgeStep, ...]:
    """rows read → accepted → active subscriptions → active customers → if merged."""
    return walk(
        [
            ("rows_read", START, Evidence(figures.rows_read)),
            ("rejected", SUBTRACT, figures.rejected),
            ("duplicates_removed", SUBTRACT, figures.duplicates_removed),
            ("rows_accepted", SUBTOTAL, Evidence(figures.rows_accepted)),
            ("not_yet_paying", SUBTRACT, figures.not_yet_paying),
            ("paused", SUBTRACT, figures.paused),
            ("unpaid", SUBTRACT, figures.unpaid),
            ("ended", SUBTRACT, figures.ended),
            ("subscriptions_active", SUBTOTAL, Evidence(figures.subscriptions_active)),
            ("extra_subscriptions", SUBTRACT, figures.extra_subscriptions),
            ("customers_active", SUBTOTAL, Evidence(figures.customers_active)),
            ("probable_duplicates", SUBTRACT, figures.probable_duplicates),
            ("customers_active_if_merged", SUBTOTAL, Evidence(figures.customers_active_if_merged)),
        ]
    )


@dataclass(frozen=True)
class CustomerWalk:
    rows_read: int
    rejected: Evidence
    duplicates_removed: Evidence
    customers_in_export: int
    without_active_subscription: Evidence
    only_in_subscriptions: Evidence
    customers_active: int


def customer_bridge(figures: CustomerWalk) -> tuple[BridgeStep, ...]:
    """customer rows → customers in the export → active customers."""
    return walk(
        [
            ("customer_rows_read", START, Evidence(figures.rows_read)),
            ("customer_rows_rejected", SUBTRACT, figures.rejected),
            ("customer_duplicates_removed", SUBTRACT, figures.duplicates_removed),
            ("customers_in_export", SUBTOTAL, Evidence(figures.customers_in_export)),
            (
                "customers_without_active_subscription",
                SUBTRACT,
                figures.without_active_subscription,
            ),
            ("customers_only_in_subscriptions", ADD, figures.only_in_subscriptions),
            ("customers_active", SUBTOTAL, Evidence(figures.customers_active)),
        ]
    )
