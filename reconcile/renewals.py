"""Renewal dates (DOMAIN.md, "Renewal dates"): which customers would get fewer invoices if
their subscriptions renewed on one date (co-terming), and how many invoices a year that
would save.

For active customers holding two or more active subscriptions (a non-renewing one counted
as it is billed today), each subscription's next renewal date (Zoho `Next Billing On`,
Stripe `Current Period End`, Chargebee `next_billing_at`, Recurly
`current_period_ends_at`, WooCommerce `next_payment_date`: the canonical `period_end`) says
how many different renewal dates the customer has. Invoices per year now: the sum of the
subscriptions' renewals per year (12 / the billing interval in months); aligned to one
date per currency: the largest of them per currency.

Everything is one lazy query over the active subscriptions, grouped per customer and
currency, then per customer: never a loop over rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import polars as pl

from reconcile import revenue
from reconcile.problems import ReconcileError
from reconcile.result import RenewalCustomer, Renewals
from reconcile.sources import SourceSpec, load_source

# The canonical field of the next renewal date: the end of the current paid period, when
# the subscription renews (canonical.py), which every source maps to the column above.
RENEWAL = "period_end"


def renewals_of(
    active: pl.DataFrame,
    active_customers: pl.DataFrame,
    names_of: Callable[[list[str]], Mapping[str, str]],
    source: str,
) -> Renewals:
    """The renewals of the `active` subscriptions (customer_no, customer_id, RENEWAL and
    revenue.with_mrr's currency code and renewals per year); `active_customers` is
    snapshot.active_customers collected (how many each holds), `names_of` gives the
    display name of the customer IDs it is asked for (names.lookup)."""
    several = active_customers.lazy().filter(pl.col("subscriptions") >= 2).select("customer_no")
    rows = active.lazy().join(several, on="customer_no", how="semi")
    if active.get_column(RENEWAL).null_count() == active.height:
        any_without_interval = active.get_column(revenue.RENEWALS_PER_YEAR).null_count() > 0
        return _without_dates(
            rows, active_customers, any_without_interval, needed_column(_spec(source))
        )
    return renewals_from(rows, names_of, needed_column(_spec(source)))


def renewals_from(
    rows: pl.LazyFrame, names_of: Callable[[list[str]], Mapping[str, str]], needed: str | None
) -> Renewals:
    """The renewals of the active subscriptions of the customers who hold two or more.

    A subscription without a renewal date or without a readable interval leaves its
    customer out of the invoice counts (the report says how many), since neither count
    could be right for them. Per customer first only numbers (a string or a list per
    group costs more than all the rest); the IDs and dates of the customers listed, those
    with several renewal dates, are picked afterwards, for them alone.
    """
    per_year = pl.col(revenue.RENEWALS_PER_YEAR)
    per_currency = rows.group_by("customer_no", revenue.CURRENCY_CODE).agg(largest=per_year.max())
    customers = (
        rows.group_by("customer_no")
        .agg(
            subscriptions=pl.len(),
            renewal_dates=pl.col(RENEWAL).drop_nulls().n_unique(),
            without_date=pl.col(RENEWAL).is_null().sum(),
            without_interval=per_year.is_null().sum(),
            now=per_year.sum(),
        )
        .join(
            per_currency.group_by("customer_no").agg(aligned=pl.col("largest").sum()),
            on="customer_no",
        )
        .with_columns(
            complete=(pl.col("without_date") == 0) & (pl.col("without_interval") == 0),
        )
    )
    totals = customers.select(
        several=pl.len(),
        several_dates=(pl.col("complete") & (pl.col("renewal_dates") >= 2)).sum(),
        now=pl.col("now").filter("complete").sum(),
        aligned=pl.col("aligned").filter("complete").sum(),
        incomplete=(~pl.col("complete")).sum(),
        without_date=pl.col("without_date").sum(),
        without_interval=pl.col("without_interval").sum(),
        with_date=(pl.col("subscriptions") - pl.col("without_date")).sum(),
    )
    gaining = customers.filter(pl.col("complete") & (pl.col("renewal_dates") >= 2)).drop("complete")
    total, listed = pl.collect_all([totals, gaining])
    several, several_dates, now, aligned, incomplete, no_date, no_interval, dated = total.row(0)
    return Renewals(
        available=bool(dated),
        needed_column=needed,
        customers_with_several_subscriptions=int(several),
        customers_with_several_renewal_dates=int(several_dates or 0),
        invoices_per_year_now=_rounded(now),
        invoices_per_year_aligned=_rounded(aligned),
        customers_left_out=int(incomplete or 0),
        subscriptions_without_renewal_date=int(no_date or 0),
        subscriptions_without_interval=int(no_interval or 0),
        customers=_listed(rows, listed, names_of),
    )


def _without_dates(
    rows: pl.LazyFrame,
    active_customers: pl.DataFrame,
    any_without_interval: bool,
    needed: str | None,
) -> Renewals:
    """The renewals when no active subscription has a renewal date: every customer with
    several is left out, and nothing per customer needs computing. `rows`: the active
    subscriptions of those customers."""
    holding = active_customers.get_column("subscriptions").filter(
        active_customers.get_column("subscriptions") >= 2
    )
    without_interval = 0
    if holding.len() and any_without_interval:
        without_interval = (
            rows.select(pl.col(revenue.RENEWALS_PER_YEAR).is_null().sum()).collect().item()
        )
    return Renewals(
        available=False,
        needed_column=needed,
        customers_with_several_subscriptions=holding.len(),
        customers_with_several_renewal_dates=0,
        invoices_per_year_now=0.0,
        invoices_per_year_aligned=0.0,
        customers_left_out=holding.len(),
        subscriptions_without_renewal_date=int(holding.sum()),
        subscriptions_without_interval=int(without_interval),
    )


def _listed(
    rows: pl.LazyFrame,
    listed: pl.DataFrame,
    names_of: Callable[[list[str]], Mapping[str, str]],
) -> tuple[RenewalCustomer, ...]:
    """The customers with several renewal dates, most to gain first, with their IDs,
    names and renewal dates."""
    if listed.is_empty():
        return ()
    details = (
        rows.join(listed.lazy().select("customer_no"), on="customer_no", how="semi")
        .group_by("customer_no")
        .agg(
            customer_id=pl.col("customer_id").first(),
            dates=pl.col(RENEWAL).unique().sort(),
        )
    )
    ordered = (
        listed.lazy()
        .join(details, on="customer_no")
        .with_columns(gain=pl.col("now") - pl.col("aligned"))
        .sort(["gain", "renewal_dates", "customer_id"], descending=[True, True, False])
        .collect()
    )
    names = names_of(ordered.get_column("customer_id").to_list())
    return tuple(
        RenewalCustomer(
            customer_id=row["customer_id"],
            name=names.get(row["customer_id"]),
            subscriptions=row["subscriptions"],
            renewal_dates=row["renewal_dates"],
            next_renewals=tuple(row["dates"]),
            invoices_per_year_now=_rounded(row["now"]),
            invoices_per_year_aligned=_rounded(row["aligned"]),
        )
        for row in ordered.iter_rows(named=True)
    )


def _rounded(value: float | None) -> float:
    """Invoices a year, to two places (a fortnightly plan renews 26 times, a 5-monthly one
    2.4 times; most are whole numbers)."""
    return 0.0 if value is None else round(float(value), 2)


def _spec(source: str) -> SourceSpec | None:
    """The built-in source of that name; None for a mapping file's own name."""
    try:
        return load_source(source)
    except ReconcileError:
        return None


def needed_column(spec: SourceSpec | None) -> str | None:
    """The header the source reads renewal dates from (its first alias), for the report to
    say which column would be needed; None when the source has none."""
    if spec is None:
        return None
    table = spec.subscriptions
    for fallback in table.fallbacks(RENEWAL):
        for raw_field in fallback.fields:
            aliases = table.columns.get(raw_field)
            if aliases:
                return aliases[0]
    return None
