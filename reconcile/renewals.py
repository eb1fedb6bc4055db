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

import polars as pl

from reconcile import revenue
from reconcile.problems import ReconcileError
from reconcile.result import RenewalCustomer, Renewals
from reconcile.sources import SourceSpec, load_source

# The canonical field of the next renewal date: the end of the current paid period, when
# the subscription renews (canonical.py), which every source maps to the column above.
RENEWAL = "period_end"


def renewals_of(
    subs: pl.DataFrame, export: pl.DataFrame | None, source: str, active_state: str
) -> Renewals:
    """The renewals of the classified subscriptions (`state` == `active_state` are the
    active ones), named from the customers export where it gives a name."""
    active = subs.lazy().filter(pl.col("state") == active_state)
    return renewals_from(active, customer_names(subs, export), needed_column(_spec(source)))


def customer_names(subs: pl.DataFrame, export: pl.DataFrame | None) -> pl.LazyFrame:
    """One row per customer_no with `name`: the customers export's name, else its company,
    else the first name the subscriptions export gives."""
    from_subscriptions = (
        subs.lazy()
        .group_by("customer_no")
        .agg(subscription_name=pl.col("customer_name").drop_nulls().first())
    )
    if export is None:
        return from_subscriptions.select("customer_no", name="subscription_name")
    from_export = export.lazy().select("customer_no", export_name=pl.coalesce("name", "company"))
    return from_subscriptions.join(from_export, on="customer_no", how="full", coalesce=True).select(
        "customer_no", name=pl.coalesce("export_name", "subscription_name")
    )


def renewals_from(active: pl.LazyFrame, names: pl.LazyFrame, needed_column: str | None) -> Renewals:
    """The renewals of the active subscriptions (customer_no, customer_id, renewal, and
    revenue.with_mrr's currency and renewals per year), `names` one row per customer_no
    with a `name`.

    Only customers with two or more active subscriptions count. A subscription without a
    renewal date or without a readable interval leaves its customer out of the invoice
    counts (the report says how many), since neither count could be right for them.
    """
    rows = (
        active.select(
            "customer_no",
            "customer_id",
            RENEWAL,
            # Both read once per distinct value by revenue.with_mrr, not on every row.
            currency=revenue.CURRENCY,
            per_year=revenue.RENEWALS_PER_YEAR,
        )
        .with_columns(held=pl.len().over("customer_no"))
        .filter(pl.col("held") >= 2)
    )
    per_currency = rows.group_by("customer_no", "currency").agg(largest=pl.col("per_year").max())
    customers = (
        rows.group_by("customer_no")
        .agg(
            customer_id=pl.col("customer_id").first(),
            subscriptions=pl.len(),
            renewal_dates=pl.col(RENEWAL).drop_nulls().n_unique(),
            dates=pl.col(RENEWAL).drop_nulls().unique().sort(),
            without_date=pl.col(RENEWAL).is_null().sum(),
            without_interval=pl.col("per_year").is_null().sum(),
            now=pl.col("per_year").sum(),
        )
        .join(
            per_currency.group_by("customer_no").agg(aligned=pl.col("largest").sum()),
            on="customer_no",
        )
        .join(names, on="customer_no", how="left")
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
    gaining = (
        customers.filter(pl.col("complete") & (pl.col("renewal_dates") >= 2))
        .with_columns(gain=pl.col("now") - pl.col("aligned"))
        .sort(["gain", "renewal_dates", "customer_id"], descending=[True, True, False])
    )
    total, listed = pl.collect_all([totals, gaining])
    several, several_dates, now, aligned, incomplete, no_date, no_interval, dated = total.row(0)
    return Renewals(
        available=bool(dated),
        needed_column=needed_column,
        customers_with_several_subscriptions=int(several),
        customers_with_several_renewal_dates=int(several_dates or 0),
        invoices_per_year_now=_rounded(now),
        invoices_per_year_aligned=_rounded(aligned),
        customers_left_out=int(incomplete or 0),
        subscriptions_without_renewal_date=int(no_date or 0),
        subscriptions_without_interval=int(no_interval or 0),
        customers=tuple(
            RenewalCustomer(
                customer_id=row["customer_id"],
                name=row["name"],
                subscriptions=row["subscriptions"],
                renewal_dates=row["renewal_dates"],
                next_renewals=tuple(row["dates"]),
                invoices_per_year_now=_rounded(row["now"]),
                invoices_per_year_aligned=_rounded(row["aligned"]),
            )
            for row in listed.iter_rows(named=True)
        ),
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
