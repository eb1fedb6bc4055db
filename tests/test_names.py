"""Names beside IDs (reconcile/names.py), worked out by hand on a small export.

Subscriptions (as of 2026-11-15, all paying):
    S1 C1 (name in both exports: the customers export's "Alpha GmbH" wins)
    S2 C1
    S3 C2 (customers export: no name, company "Beta AG")
    S4 C3 (not in the customers export: an orphan; its first row has no name, its
           second "Gamma OHG")
    S5 C3 "Gamma OHG"
    S6 C4 (no name anywhere)
Customers export: C1 "Alpha GmbH", C2 company "Beta AG", C4 blank name and company.
C1 and C4 share an email: a probable duplicate group.
"""

from __future__ import annotations

from datetime import date

from reconcile.reconciliation import reconcile_tables
from reconcile.redaction import redact
from tests.factories import customers_table, subscriptions_table

AS_OF = date(2026, 11, 15)


def _tables():
    def sub(sid: str, cid: str, name: str | None) -> dict:
        return {
            "subscription_id": sid,
            "customer_id": cid,
            "customer_name": name,
            "product": "P",
            "status": "live",
            "start": "2026-01-01",
        }

    subscriptions = subscriptions_table(
        [
            sub("S1", "C1", "alpha (old name)"),
            sub("S2", "C1", None),
            sub("S3", "C2", None),
            sub("S4", "C3", "  "),
            sub("S5", "C3", "Gamma OHG"),
            sub("S6", "C4", None),
        ]
    )
    customers = customers_table(
        [
            {"customer_id": "C1", "name": "Alpha GmbH", "email": "team@alpha.example"},
            {"customer_id": "C2", "company": "Beta AG", "email": "beta@beta.example"},
            {"customer_id": "C4", "name": " ", "company": "", "email": "TEAM@alpha.example"},
        ]
    )
    return subscriptions, customers


def test_names_come_from_the_customers_export_else_the_subscriptions_export():
    result = reconcile_tables(*_tables(), AS_OF)
    steps = {step.step: step for step in (*result.bridge, *result.customer_bridge)}
    # Extra subscriptions: one of C1's two and one of C3's two, each named by its customer.
    extra = steps["extra_subscriptions"]
    assert extra.examples_total == 2
    assert {extra.example_names[example] for example in extra.examples} == {
        "Alpha GmbH",
        "Gamma OHG",
    }
    assert steps["customers_only_in_subscriptions"].example_names == {"C3": "Gamma OHG"}
    (group,) = result.probable_duplicate_groups
    assert group.customer_ids == ("C1", "C4")
    assert group.names == {"C1": "Alpha GmbH"}  # C4 has no name anywhere
    assert [
        (ref.subscription_id, ref.customer_name) for ref in result.quality.orphan_subscriptions
    ] == [
        ("S4", "Gamma OHG"),
        ("S5", "Gamma OHG"),
    ]


def test_redaction_replaces_every_name_shown_beside_an_id():
    result = redact(reconcile_tables(*_tables(), AS_OF))
    text = repr(result)
    for name in ("Alpha GmbH", "Beta AG", "Gamma OHG"):
        assert name not in text
    (group,) = result.probable_duplicate_groups
    assert group.names["C1"].startswith("Customer ")
    orphans = result.quality.orphan_subscriptions
    # The same customer, the same pseudonym, in every list.
    assert orphans[0].customer_name == orphans[1].customer_name
    steps = {step.step: step for step in result.bridge}
    assert orphans[0].customer_name in steps["extra_subscriptions"].example_names.values()
