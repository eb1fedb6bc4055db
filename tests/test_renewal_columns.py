"""Renewal dates from every billing system's own column (DOMAIN.md, "Renewal dates"):
Zoho `Next Billing On` (tests/test_renewals.py), Stripe `Current Period End`, Chargebee
`next_billing_at` (its web export: `Next Billing Date`), Recurly `current_period_ends_at`,
WooCommerce `next_payment_date`. The headers, status values and date shapes are each
export's own (sample_exports/, tests/fixtures/chargebee_web, tests/fixtures/woocommerce,
Recurly's Subscriptions export columns); people and companies are invented.

The same four customers in every export, on 2026-03-15, worked out by hand
(renewals a year = 12 / the interval in months):

    A  monthly, renews 2026-04-01 (12) | yearly, renews 2026-09-01 (1)  -> now 13, aligned 12
    B  monthly, renews 2026-04-05 (12) | monthly, renews 2026-04-20 (12) -> now 24, aligned 12
    C  monthly, renews 2026-04-10 (12) | monthly, renews 2026-04-10 (12) -> now 24, aligned 12
       (one date: counted, not listed)
    D  one monthly subscription: not counted

So 3 customers hold several subscriptions, 2 of them (A, B) renew on different dates;
61 invoices a year now, 36 aligned; the list: B (12 fewer), then A (1 fewer).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import reconcile
from reconcile.cli import main
from reconcile.rendering import render

AS_OF = date(2026, 3, 15)

# (customer, name parts, subscription, months per interval, renewal date)
SUBSCRIPTIONS = [
    ("A", ("Anna", "Amsel"), "1", 1, "2026-04-01"),
    ("A", ("Anna", "Amsel"), "2", 12, "2026-09-01"),
    ("B", ("Bruno", "Birke"), "3", 1, "2026-04-05"),
    ("B", ("Bruno", "Birke"), "4", 1, "2026-04-20"),
    ("C", ("Carla", "Ceder"), "5", 1, "2026-04-10"),
    ("C", ("Carla", "Ceder"), "6", 1, "2026-04-10"),
    ("D", ("Dora", "Dahl"), "7", 1, "2026-04-12"),
]


def stripe() -> str:
    lines = [
        "id,Customer ID,Customer Email,Customer Name,Plan,Product,Quantity,Interval,Amount,"
        "Status,Created (UTC),Start Date (UTC),Current Period Start (UTC),"
        "Current Period End (UTC),Trial Start (UTC),Trial End (UTC),Canceled At (UTC),"
        "Ended At (UTC),Cancel At Period End"
    ]
    for customer, (first, last), sub, months, renews in SUBSCRIPTIONS:
        interval = "year" if months == 12 else "month"
        lines.append(
            f"sub_1Q{sub}xYz,cus_{customer}7kP,{first.lower()}@{last.lower()}.example,"
            f"{first} {last},Team {interval}ly,Planer,1,{interval},29.00,active,"
            f"2025-01-09 10:02,2025-01-10 09:00,2026-03-01 09:00,{renews} 09:00,,,,,false"
        )
    return "\n".join(lines) + "\n"


def chargebee() -> str:
    lines = [
        '"Subscription Status","First Name","Last Name","Email","Subscription ID",'
        '"Customer ID","Current Plan Handle","Activation Date","Cancellation Date",'
        '"Creation Date","Next Billing Date","Plan Amount","Currency","Billing Period",'
        '"Billing Period Unit","Quantity"'
    ]
    for customer, (first, last), sub, months, renews in SUBSCRIPTIONS:
        unit = "year" if months == 12 else "month"
        lines.append(
            f'"ACTIVE","{first}","{last}","{first.lower()}@{last.lower()}.example",'
            f'"AzZq{sub}Lm","cust-{customer.lower()}","team-{unit}ly","2025-01-10 09:00:00",'
            f'"","2025-01-09 10:02:00","{renews} 09:00:00","29.00","EUR","1","{unit}","1"'
        )
    return "\n".join(lines) + "\n"


def recurly() -> str:
    lines = [
        "uuid,account_code,first_name,last_name,company_name,email,plan_code,plan_name,"
        "plan_interval_length,plan_interval_unit,state,quantity,unit_amount,currency,"
        "activated_at,canceled_at,expires_at,current_period_started_at,"
        "current_period_ends_at,trial_started_at,trial_ends_at"
    ]
    for customer, (first, last), sub, months, renews in SUBSCRIPTIONS:
        lines.append(
            f"5f2c0a9b8e7d6c5b4a3{sub}0f1e2d3c4b,acct-{customer.lower()},{first},{last},,"
            f"{first.lower()}@{last.lower()}.example,team-{months},Team,{months},months,"
            f"active,1,29.00,EUR,2025-01-10T09:00:00Z,,,2026-03-01T09:00:00Z,"
            f"{renews}T09:00:00Z,,"
        )
    return "\n".join(lines) + "\n"


def woocommerce() -> str:
    lines = [
        "subscription_id,subscription_status,customer_id,start_date,trial_end_date,"
        "next_payment_date,last_payment_date,cancelled_date,end_date,billing_period,"
        "billing_interval,order_total,order_currency,billing_first_name,billing_last_name,"
        "billing_email,billing_company"
    ]
    for customer, (first, last), sub, months, renews in SUBSCRIPTIONS:
        period = "year" if months == 12 else "month"
        lines.append(
            f'10{sub},wc-active,{ord(customer)},"2025-01-10 09:00:00",0,"{renews} 09:00:00",'
            f'"2026-03-01 09:00:00",0,0,{period},1,29.00,EUR,{first},{last},'
            f"{first.lower()}@{last.lower()}.example,"
        )
    return "\n".join(lines) + "\n"


# source -> (export, the renewal column, the customer IDs of B and A as the export has them)
EXPORTS = {
    "stripe": (stripe, "Current Period End (UTC)", ("cus_B7kP", "cus_A7kP")),
    "chargebee": (chargebee, "Next Billing Date", ("cust-b", "cust-a")),
    "recurly": (recurly, "current_period_ends_at", ("acct-b", "acct-a")),
    "woocommerce": (woocommerce, "next_payment_date", ("66", "65")),
}
# The column the report names when an export has none (the source's first alias).
NEEDED = {
    "stripe": "Current Period End (UTC)",
    "chargebee": "subscriptions.next_billing_at",
    "recurly": "current_period_ends_at",
    "woocommerce": "next_payment_date",
}


def write(tmp_path: Path, source: str, text: str) -> Path:
    path = tmp_path / f"{source}-subscriptions.csv"
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize("source", EXPORTS)
def test_every_sources_renewal_column_gives_the_hand_worked_counts(tmp_path, source):
    build, _, (b, a) = EXPORTS[source]
    result = reconcile.reconcile(write(tmp_path, source, build()), as_of=AS_OF)
    assert result.billing_system.source == source
    renewals = result.renewals
    assert renewals.available
    assert renewals.customers_with_several_subscriptions == 3
    assert renewals.customers_with_several_renewal_dates == 2
    assert (renewals.invoices_per_year_now, renewals.invoices_per_year_aligned) == (61, 36)
    assert renewals.customers_left_out == 0
    assert [
        (
            c.customer_id,
            c.name,
            c.renewal_dates,
            c.invoices_per_year_now,
            c.invoices_per_year_aligned,
        )
        for c in renewals.customers
    ] == [(b, "Bruno Birke", 2, 24, 12), (a, "Anna Amsel", 2, 13, 12)]
    assert renewals.customers[0].next_renewals == (date(2026, 4, 5), date(2026, 4, 20))


@pytest.mark.parametrize("source", EXPORTS)
def test_the_cli_writes_what_the_api_computes(tmp_path, source):
    build = EXPORTS[source][0]
    export = write(tmp_path, source, build())
    out = tmp_path / "r.json"
    code = CliRunner().invoke(
        main, ["report", str(export), "--as-of", AS_OF.isoformat(), "-o", str(out)]
    )
    assert code.exit_code == 0, code.output
    api = reconcile.reconcile(export, as_of=AS_OF).to_dict()["renewals"]
    written = json.loads(out.read_text("utf-8"))["renewals"]
    assert written == api
    assert (written["invoices_per_year_now"], written["invoices_per_year_aligned"]) == (61, 36)


@pytest.mark.parametrize("source", EXPORTS)
def test_without_the_column_the_report_names_it(tmp_path, source):
    build, column, _ = EXPORTS[source]
    header, *rows = build().splitlines()
    names = [name.strip('"') for name in header.split(",")]
    drop = names.index(column)
    without = [
        ",".join(cell for i, cell in enumerate(line.split(",")) if i != drop)
        for line in [header, *rows]
    ]
    result = reconcile.reconcile(write(tmp_path, source, "\n".join(without) + "\n"), as_of=AS_OF)
    assert result.billing_system.source == source
    assert not result.renewals.available
    assert result.renewals.needed_column == NEEDED[source]
    # (HTML: Markdown escapes the underscores of the column's name.)
    assert f"They would come from its column {NEEDED[source]}." in render(result, "html")
    assert f"Sie kämen aus seiner Spalte {NEEDED[source]}." in render(result, "html", lang="de")


def test_names_come_from_the_customers_export_where_it_gives_them(tmp_path):
    # Zoho, two customers with two monthly subscriptions on different dates each (now 24,
    # aligned 12). The customers export names C1 (Display Name) and C2 only by company;
    # C3 is missing from it, so the subscriptions export's name stays.
    subscriptions = tmp_path / "subscriptions.csv"
    subscriptions.write_text(
        "Subscription ID,Customer ID,Customer Name,Status,Amount,Currency Code,Interval,"
        "Interval Unit,Activated On,Next Billing On\n"
        "S1,C1,Alpha,live,10,EUR,1,months,2025-01-01,2026-04-01\n"
        "S2,C1,Alpha,live,10,EUR,1,months,2025-01-05,2026-04-05\n"
        "S3,C2,Beta,live,10,EUR,1,months,2025-01-01,2026-04-02\n"
        "S4,C2,Beta,live,10,EUR,1,months,2025-01-07,2026-04-07\n"
        "S5,C3,Gamma,live,10,EUR,1,months,2025-01-01,2026-04-03\n"
        "S6,C3,Gamma,live,10,EUR,1,months,2025-01-09,2026-04-09\n",
        "utf-8",
    )
    customers = tmp_path / "customers.csv"
    customers.write_text(
        "Customer ID,Display Name,Company Name,Email,Status\n"
        "C1,Alpha Werkzeugbau (Buchhaltung),Alpha Werkzeugbau GmbH,rechnung@alpha.example,active\n"
        "C2,,Beta Logistik KG,info@beta.example,active\n",
        "utf-8",
    )
    renewals = reconcile.reconcile(subscriptions, customers, as_of=AS_OF).renewals
    assert sorted((c.customer_id, c.name) for c in renewals.customers) == [
        ("C1", "Alpha Werkzeugbau (Buchhaltung)"),
        ("C2", "Beta Logistik KG"),
        ("C3", "Gamma"),
    ]
    assert (renewals.invoices_per_year_now, renewals.invoices_per_year_aligned) == (72, 36)
