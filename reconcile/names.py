"""Names beside IDs: the display name of every customer the report lists.

A finance reader recognises "Nordwind Logistik GmbH", not "2155364000000046005". So
wherever the Result names customers (bridge examples, probable duplicates, orphans and
the other lists of subscriptions), it also carries their display name: the customers
export's name, else its company (Zoho's "Display Name", else "Company Name"); for a
customer that export does not have (or without one), the name on their first row of
the subscriptions export that has one.

Only the customers the Result lists are looked up, in one pass over each export, so a
report of a million rows pays for a few hundred names, not for a million.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

import polars as pl

from reconcile.result import BridgeStep, DuplicateGroup, Quality, SubscriptionRef

# Bridge steps whose examples are subscription IDs (named by their customer) and those
# whose examples are customer IDs; the other steps list line numbers, which have no name.
SUBSCRIPTION_STEPS = frozenset({"not_yet_paying", "paused", "ended", "extra_subscriptions"})
CUSTOMER_STEPS = frozenset(
    {
        "probable_duplicates",
        "customers_without_active_subscription",
        "customers_only_in_subscriptions",
    }
)


def _text(column: str) -> pl.Expr:
    """A name column trimmed, a blank value as null."""
    value = pl.col(column).str.strip_chars()
    return pl.when(value != "").then(value)


def lookup(
    subs: pl.DataFrame,
    export: pl.DataFrame | None,
    subscription_ids: Iterable[str],
    customer_ids: Iterable[str],
) -> tuple[dict[str, str], dict[str, str]]:
    """(customer of each of `subscription_ids`, display name of each customer listed):
    the customers listed are `customer_ids` and the customers of `subscription_ids`.
    A customer without any name is left out of the second mapping."""
    wanted_subscriptions = pl.Series(sorted(set(subscription_ids)), dtype=pl.String)
    owners = dict(
        subs.lazy()
        .filter(pl.col("subscription_id").is_in(wanted_subscriptions.to_list()))
        .select("subscription_id", "customer_id")
        .collect()
        .iter_rows()
    )
    wanted = pl.Series(sorted({*customer_ids, *owners.values()}), dtype=pl.String)
    if wanted.is_empty():
        return owners, {}
    queries = [
        subs.lazy()
        .filter(pl.col("customer_id").is_in(wanted.to_list()))
        .select("line", "customer_id", name=_text("customer_name"))
        .drop_nulls("name")
        .sort("line")
        .unique("customer_id", keep="first")
        .select("customer_id", "name")
    ]
    if export is not None:
        queries.append(
            export.lazy()
            .filter(pl.col("customer_id").is_in(wanted.to_list()))
            .select("customer_id", name=pl.coalesce(_text("name"), _text("company")))
            .drop_nulls("name")
        )
    names: dict[str, str] = {}
    # The subscriptions' names first, so that the customers export's overwrite them.
    for frame in pl.collect_all(queries):
        names.update(frame.iter_rows())
    return owners, names


def named_result_parts(
    subs: pl.DataFrame,
    export: pl.DataFrame | None,
    bridge: tuple[BridgeStep, ...],
    customer_bridge: tuple[BridgeStep, ...],
    groups: tuple[DuplicateGroup, ...],
    quality: Quality,
) -> tuple[tuple[BridgeStep, ...], tuple[BridgeStep, ...], tuple[DuplicateGroup, ...], Quality]:
    """The bridge steps, duplicate groups and quality lists with the names of the
    customers they list."""
    steps = (*bridge, *customer_bridge)
    subscription_ids = [
        example for step in steps if step.step in SUBSCRIPTION_STEPS for example in step.examples
    ]
    customer_ids = [
        *(example for step in steps if step.step in CUSTOMER_STEPS for example in step.examples),
        *(customer for group in groups for customer in group.customer_ids),
        *(ref.customer_id for refs in _subscription_lists(quality) for ref in refs),
    ]
    owners, names = lookup(subs, export, subscription_ids, customer_ids)
    return (
        tuple(_named_step(step, owners, names) for step in bridge),
        tuple(_named_step(step, owners, names) for step in customer_bridge),
        tuple(_named_group(group, names) for group in groups),
        replace(
            quality,
            orphan_subscriptions=_named_refs(quality.orphan_subscriptions, names),
            ended_without_end_date=_named_refs(quality.ended_without_end_date, names),
            ended_without_start_date=_named_refs(quality.ended_without_start_date, names),
            contradictions=_named_refs(quality.contradictions, names),
        ),
    )


def _subscription_lists(quality: Quality) -> tuple[tuple[SubscriptionRef, ...], ...]:
    return (
        quality.orphan_subscriptions,
        quality.ended_without_end_date,
        quality.ended_without_start_date,
        quality.contradictions,
    )


def _named_step(
    step: BridgeStep, owners: Mapping[str, str], names: Mapping[str, str]
) -> BridgeStep:
    if step.step in SUBSCRIPTION_STEPS:
        customers = {example: owners.get(example) for example in step.examples}
    elif step.step in CUSTOMER_STEPS:
        customers = {example: example for example in step.examples}
    else:
        return step
    example_names = {
        example: names[customer]
        for example, customer in customers.items()
        if customer is not None and customer in names
    }
    return replace(step, example_names=example_names)


def _named_group(group: DuplicateGroup, names: Mapping[str, str]) -> DuplicateGroup:
    return replace(
        group,
        names={customer: names[customer] for customer in group.customer_ids if customer in names},
    )


def _named_refs(
    refs: tuple[SubscriptionRef, ...], names: Mapping[str, str]
) -> tuple[SubscriptionRef, ...]:
    return tuple(replace(ref, customer_name=names.get(ref.customer_id)) for ref in refs)
