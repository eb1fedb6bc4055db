"""The billing system an export comes from, as the report names it.

A module of its own, apart from reconcile.result, because reading needs it before the
first row is read (a source's TOML names its system and its figures), and reading has
no use for the rest of reconcile.result: the whole tree of the report's dataclasses, a
fiftieth of a second to import (reconcile.prefetch imports it while polars reads).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Whether a billing system's own reports count subscriptions as customers (DOMAIN.md,
# "What the billing system's own report calls it"): only then is it named as doing so.
COUNTS_SUBSCRIPTIONS = "yes"
COUNTS_CUSTOMERS = "no"
COUNTING_UNKNOWN = "unknown"  # a generic export: neutral words, no system named


@dataclass(frozen=True)
class BillingSystem:
    """The billing system of the subscriptions export and what its reports call the
    figures that count subscriptions. `counts_subscriptions_as_customers` is "yes" (its
    "Active Customers" counts subscriptions: the report names it, in `figure_names` of
    the report's language), "no" (it counts customers: the report blames nobody) or
    "unknown" (a generic export: "a report that counts subscriptions").
    `figure_names`: language -> {"active": ..., "net": ..., "arpu": ...}."""

    source: str
    title: str
    counts_subscriptions_as_customers: str = COUNTING_UNKNOWN
    figure_names: dict[str, dict[str, str]] = field(default_factory=dict)

    def names_in(self, lang: str) -> dict[str, str]:
        """The figure names in `lang`, else in English (empty when it names none)."""
        return self.figure_names.get(lang) or self.figure_names.get("en", {})
