"""The two walks of DOMAIN.md ("The bridge") from export rows to active customers.

Each walk is a list of moves; `walk` keeps the running total and checks every subtotal
against the figure computed independently. A mismatch is a bug in reconcile, not in the
data, so it raises problems.InternalError.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconcile.codes import Step
from reconcile.problems import InternalError
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


def _step(code: Step, kind: str, count: int, total: int, evidence: Evidence) -> BridgeStep:
    return BridgeStep(
        step=code,
        label=code.label,
        count=count,
        total=total,
        kind=kind,
        examples=evidence.examples[:EXAMPLES_SHOWN],
        # Start and subtotal steps are figures, not rows moved: nothing to point at.
        examples_total=evidence.size if kind in (SUBTRACT, ADD) else 0,
    )


def walk(moves: list[tuple[Step, str, Evidence]]) -> tuple[BridgeStep, ...]:
    """The steps of one walk; `moves` are (step code, kind, evidence), the first a start."""
    steps: list[BridgeStep] = []
    total = 0
    for code, kind, evidence in moves:
        if kind == START:
            total = evidence.size
            count = total
        elif kind == SUBTOTAL:
            if total != evidence.size:
                raise InternalError(
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
            (Step.ROWS_READ, START, Evidence(figures.rows_read)),
            (Step.REJECTED, SUBTRACT, figures.rejected),
            (Step.DUPLICATES_REMOVED, SUBTRACT, figures.duplicates_removed),
            (Step.ROWS_ACCEPTED, SUBTOTAL, Evidence(figures.rows_accepted)),
            (Step.NOT_YET_PAYING, SUBTRACT, figures.not_yet_paying),
            (Step.PAUSED, SUBTRACT, figures.paused),
            (Step.UNPAID, SUBTRACT, figures.unpaid),
            (Step.ENDED, SUBTRACT, figures.ended),
            (Step.SUBSCRIPTIONS_ACTIVE, SUBTOTAL, Evidence(figures.subscriptions_active)),
            (Step.EXTRA_SUBSCRIPTIONS, SUBTRACT, figures.extra_subscriptions),
            (Step.CUSTOMERS_ACTIVE, SUBTOTAL, Evidence(figures.customers_active)),
            (Step.PROBABLE_DUPLICATES, SUBTRACT, figures.probable_duplicates),
            (
                Step.CUSTOMERS_ACTIVE_IF_MERGED,
                SUBTOTAL,
                Evidence(figures.customers_active_if_merged),
            ),
        ]
    )


@dataclass(frozen=True)
class CustomerWalk:
    rows_read: int
    rejected: Evidence
    duplicates_removed: Evidence
    guests: Evidence
    customers_in_export: int
    without_active_subscription: Evidence
    only_in_subscriptions: Evidence
    customers_active: int


def customer_bridge(figures: CustomerWalk) -> tuple[BridgeStep, ...]:
    """customer rows → customers in the export → active customers.

    Guest customers without an ID (a Stripe customers export) are a step of their own
    only when there are any: accepted rows that are not customers with an ID, so they
    never reach a subscription."""
    guests = [(Step.CUSTOMER_GUESTS, SUBTRACT, figures.guests)] if figures.guests.size else []
    return walk(
        [
            (Step.CUSTOMER_ROWS_READ, START, Evidence(figures.rows_read)),
            (Step.CUSTOMER_ROWS_REJECTED, SUBTRACT, figures.rejected),
            (Step.CUSTOMER_DUPLICATES_REMOVED, SUBTRACT, figures.duplicates_removed),
            *guests,
            (Step.CUSTOMERS_IN_EXPORT, SUBTOTAL, Evidence(figures.customers_in_export)),
            (
                Step.CUSTOMERS_WITHOUT_ACTIVE_SUBSCRIPTION,
                SUBTRACT,
                figures.without_active_subscription,
            ),
            (Step.CUSTOMERS_ONLY_IN_SUBSCRIPTIONS, ADD, figures.only_in_subscriptions),
            (Step.CUSTOMERS_ACTIVE, SUBTOTAL, Evidence(figures.customers_active)),
        ]
    )
