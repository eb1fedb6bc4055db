"""Hand-built Result objects for the rendering tests, independent of the engine.

`small_result()` is one small, consistent run worked out by hand (as of 2026-11-15):

Subscriptions export (14 rows: 2 rejected on lines 4 and 9, line 12 an exact duplicate,
11 accepted). Active on the as-of date (8 subscriptions of 4 customers):

    S-1001 C1 Payroll/Standard     S-1005 C2 Payroll/Standard
    S-1002 C1 Payroll/Plus         S-1006 C2 Accounting/Pro
    S-1003 C1 Accounting/Pro       S-1007 C3 Accounting/Basic
    S-1004 C1 HOSTILE_PRODUCT/Basic S-1008 C4 Payroll/Standard (C4 not in customers.csv)

Not active: S-1009 C3 trial (not yet paying), S-1010 C1 paused (a pause date but no start
date: it cannot be placed in time), S-1011 C8 cancelled without an end date (ended; C8 not
in customers.csv). So 8 + 1 + 1 + 1 = 11 accepted. Lines of the accepted rows: S-1001..
S-1006 on 2, 3, 5, 6, 7, 8, S-1008 on 10, S-1007 on 11, S-1011 on 13, S-1009 on 14, S-1010
on 15. S-1005's amount (line 7) could not be read: a warning, the row is kept.
Customers holding 1 / 2 / 4 subscriptions: 2 / 1 / 1; 4 extra subscriptions.

Revenue (monthly amounts): S-1001 100, S-1002 50, S-1003 200, S-1004 25, S-1006 200,
S-1007 80 (EUR), S-1008 49 (USD), S-1005 none. EUR: MRR 655.00 from C1 (375), C2 (200) and
C3 (80): ARPA 218.33, ARPU 655 / 6 = 109.17, one subscription without amount; USD 49.00
from C4. The history's MRR balances month by month; October's ended subscription was a
product switch.

Customers export (7 rows, line 5 rejected, 6 accepted: C1 C2 C3 C5 C6 C7). C5, C6, C7
have no subscription; C5 and C6 carry hostile names. C3 and C4 share an email, as do
C2 and C7: merging them leaves 3 active customers.
"""

from __future__ import annotations

from datetime import date

from reconcile.billing_system import BillingSystem
from reconcile.findings import finding
from reconcile.result import (
    BridgeStep,
    CurrencyMrr,
    CustomerRef,
    DuplicateGroup,
    HoldingCount,
    Inputs,
    InputSummary,
    Month,
    MonthRevenue,
    PlanCount,
    ProductCount,
    ProductOverlap,
    Quality,
    Rejection,
    Result,
    Revenue,
    SubscriptionRef,
    Totals,
)

AS_OF = date(2026, 11, 15)
SCRIPT_NAME = "<script>alert(1)</script>"
# Everything that could break a Markdown table or inject markup, in one name.
MARKDOWN_HOSTILE_NAME = "Müller | Söhne *GmbH* `x` _y_ [z](http://evil.example) <b>bold</b>"
HOSTILE_PRODUCT = "Time <b>tracking</b> | beta"
NEWLINE_NAME = "Anna\nNewline"
# An amount cell that is no amount, with markup and a table separator in it.
HOSTILE_AMOUNT = "<b>ca. 90</b> | €"
# Display names beside IDs: C1's from the customers export, C4's (an orphan) from the
# subscriptions export, with characters that Markdown and HTML must escape.
C1_NAME = "Brandt & Partner Steuerberatung"
C4_NAME = "Nordwind *Logistik* | Süd"


# What Zoho's source file says about its reports (reconcile/sources/zoho.toml).
ZOHO = BillingSystem(
    source="zoho",
    title="Zoho Billing",
    counts_subscriptions_as_customers="yes",
    figure_names={
        "en": {"active": "Active Customers", "net": "Net Customers", "arpu": "ARPU"},
        "de": {"active": "Aktive Kunden", "net": "Kunden netto", "arpu": "ARPU"},
    },
)


def small_result() -> Result:
    return Result(
        as_of=AS_OF,
        inputs=Inputs(
            subscriptions=InputSummary(
                file="subscriptions.csv",
                source="zoho",
                rows_read=14,
                rows_accepted=11,
                rows_rejected=2,
                duplicate_rows_removed=1,
                duplicate_lines=(12,),
            ),
            customers=InputSummary(
                file="customers.csv",
                source="zoho",
                rows_read=7,
                rows_accepted=6,
                rows_rejected=1,
                duplicate_rows_removed=0,
            ),
        ),
        totals=Totals(
            subscriptions_active=8,
            customers_active=4,
            customers_known=8,
            subscriptions_not_yet_paying=1,
            subscriptions_paused=1,
            subscriptions_unpaid=0,
            subscriptions_ended=1,
            subscriptions_never_active=0,
            customers_without_active_subscription=4,
            customers_without_subscriptions=3,
            orphan_subscriptions=2,
            ended_without_end_date=1,
            ended_without_start_date=1,
        ),
        by_product=(
            ProductCount("Payroll", 4, 3, (_eur(150.0), _usd(49.0))),
            ProductCount("Accounting", 3, 3, (_eur(480.0),)),
            ProductCount(HOSTILE_PRODUCT, 1, 1, (_eur(25.0),)),
        ),
        by_plan=(
            PlanCount("Payroll", "Standard", 3, 3, (_eur(100.0), _usd(49.0))),
            PlanCount("Accounting", "Pro", 2, 2, (_eur(400.0),)),
            PlanCount("Accounting", "Basic", 1, 1, (_eur(80.0),)),
            PlanCount("Payroll", "Plus", 1, 1, (_eur(50.0),)),
            PlanCount(HOSTILE_PRODUCT, "Basic", 1, 1, (_eur(25.0),)),
        ),
        subscriptions_per_customer=(
            HoldingCount(1, 2),
            HoldingCount(2, 1),
            HoldingCount(4, 1),
        ),
        product_overlap=(
            ProductOverlap("Accounting", "Payroll", 2),
            ProductOverlap("Accounting", HOSTILE_PRODUCT, 1),
            ProductOverlap("Payroll", HOSTILE_PRODUCT, 1),
        ),
        timeline=_small_timeline(),
        bridge=_small_bridge(),
        customer_bridge=_small_customer_bridge(),
        probable_duplicate_groups=(
            DuplicateGroup(
                "billing@nordwind.example",
                ("C3", "C4"),
                ("C3", "C4"),
                {"C3": "Nordwind Logistik GmbH", "C4": C4_NAME},
            ),
            DuplicateGroup("anna.m@example.com", ("C2", "C7"), ("C2",), {"C7": NEWLINE_NAME}),
        ),
        rejections=(
            Rejection(
                "customers.csv",
                5,
                "Customer ID",
                "4.604E+15",
                "id_in_scientific_notation",
                "customer ID '4.604E+15' is in scientific notation",
            ),
            Rejection(
                "subscriptions.csv", 4, "Customer ID", None, "missing_id", "customer ID is empty"
            ),
            Rejection(
                "subscriptions.csv",
                9,
                "Activated On",
                "31.02.2026",
                "invalid_date",
                "'31.02.2026' is not a date (format dd.mm.yyyy)",
            ),
        ),
        findings=_small_findings(),
        quality=Quality(
            orphan_subscriptions=(
                SubscriptionRef("S-1008", "C4", 10, "Payroll", "live", None, C4_NAME),
                SubscriptionRef("S-1011", "C8", 13, "Payroll", "cancelled"),
            ),
            customers_without_subscriptions=(
                CustomerRef("C5", SCRIPT_NAME, "x@evil.example", 6),
                CustomerRef("C6", MARKDOWN_HOSTILE_NAME, "mueller@example.com", 7),
                CustomerRef("C7", NEWLINE_NAME, "Anna.M@Example.com", 8),
            ),
            ended_without_end_date=(SubscriptionRef("S-1011", "C8", 13, "Payroll", "cancelled"),),
            ended_without_start_date=(
                SubscriptionRef("S-1010", "C1", 15, "Payroll", "paused", "no_start_date"),
            ),
            currencies={"EUR": 7, "USD": 1},
        ),
        warnings=(
            Rejection(
                "subscriptions.csv",
                7,
                "Amount",
                HOSTILE_AMOUNT,
                "invalid_amount",
                f"'{HOSTILE_AMOUNT}' is not an amount",
            ),
        ),
        revenue=(
            Revenue("EUR", 655.0, 3, 6, 218.33, 109.17, 1),
            Revenue("USD", 49.0, 1, 1, 49.0, 49.0, 0),
        ),
        billing_system=ZOHO,
    )


def _eur(mrr: float) -> CurrencyMrr:
    return CurrencyMrr("EUR", mrr)


def _usd(mrr: float) -> CurrencyMrr:
    return CurrencyMrr("USD", mrr)


def _small_timeline() -> tuple[Month, ...]:
    # (period, day, subs active/new/ended, customers active/new/reactivated/churned/
    # expanded/contracted, subscriptions_net, customers_net); balances hold month by month.
    rows = (
        ("2026-08", date(2026, 8, 31), 4, 4, 0, 3, 3, 0, 0, 0, 0, 4, 3),
        ("2026-09", date(2026, 9, 30), 6, 3, 1, 3, 1, 0, 1, 1, 0, 2, 0),
        ("2026-10", date(2026, 10, 31), 7, 2, 1, 4, 0, 1, 0, 0, 1, 1, 1),
        ("2026-11", AS_OF, 8, 1, 0, 4, 0, 0, 0, 1, 0, 1, 0),
    )
    # (plan changes, product switches, EUR and USD: mrr, new, reactivation, expansion,
    # contraction, churn); mrr - previous = new + reactivation + expansion - contraction - churn.
    revenue = (
        (0, 0, (400.0, 400.0, 0.0, 0.0, 0.0, 0.0), (0.0,) * 6),
        (0, 0, (500.0, 0.0, 0.0, 150.0, 0.0, 50.0), (0.0,) * 6),
        (1, 1, (575.0, 0.0, 80.0, 0.0, 5.0, 0.0), (49.0, 49.0, 0.0, 0.0, 0.0, 0.0)),
        (0, 0, (655.0, 0.0, 0.0, 80.0, 0.0, 0.0), (49.0, 0.0, 0.0, 0.0, 0.0, 0.0)),
    )
    return tuple(
        Month(
            *row,
            plan_changes=changes,
            product_switches=switches,
            revenue=(MonthRevenue("EUR", *eur), MonthRevenue("USD", *usd)),
        )
        for row, (changes, switches, eur, usd) in zip(rows, revenue, strict=True)
    )


def _small_bridge() -> tuple[BridgeStep, ...]:
    return (
        BridgeStep("rows_read", "Rows in the subscriptions export", 14, 14, "start"),
        BridgeStep("rejected", "Rows rejected", -2, 12, "subtract", ("4", "9"), 2),
        BridgeStep(
            "duplicates_removed", "Exact duplicate rows removed", -1, 11, "subtract", ("12",), 1
        ),
        BridgeStep("rows_accepted", "Subscriptions accepted", 11, 11, "subtotal"),
        BridgeStep(
            "not_yet_paying", "Not yet paying (trial or future)", -1, 10, "subtract", ("S-1009",), 1
        ),
        BridgeStep("paused", "Paused", -1, 9, "subtract", ("S-1010",), 1),
        BridgeStep(
            "ended", "Ended, or not started, on the as-of date", -1, 8, "subtract", ("S-1011",), 1
        ),
        BridgeStep(
            "subscriptions_active",
            'Active subscriptions (what the billing system calls "Active Customers")',
            8,
            8,
            "subtotal",
        ),
        BridgeStep(
            "extra_subscriptions",
            "Extra subscriptions of customers holding more than one",
            -4,
            4,
            "subtract",
            ("S-1002", "S-1003"),
            4,
            {"S-1002": C1_NAME, "S-1003": C1_NAME},
        ),
        BridgeStep("customers_active", "Active customers", 4, 4, "subtotal"),
        BridgeStep(
            "probable_duplicates",
            "Probable duplicate customers (same email, different ID)",
            -1,
            3,
            "subtract",
            ("C4",),
            1,
            {"C4": C4_NAME},
        ),
        BridgeStep(
            "customers_active_if_merged",
            "Active customers if probable duplicates were merged",
            3,
            3,
            "subtotal",
        ),
    )


def _small_customer_bridge() -> tuple[BridgeStep, ...]:
    return (
        BridgeStep("customer_rows_read", "Rows in the customers export", 7, 7, "start"),
        BridgeStep("customer_rows_rejected", "Rows rejected", -1, 6, "subtract", ("5",), 1),
        BridgeStep("customer_duplicates_removed", "Exact duplicate rows removed", 0, 6, "subtract"),
        BridgeStep("customers_in_export", "Customers in the export", 6, 6, "subtotal"),
        BridgeStep(
            "customers_without_active_subscription",
            "Customers without an active subscription",
            -3,
            3,
            "subtract",
            ("C5", "C6", "C7"),
            3,
        ),
        BridgeStep(
            "customers_only_in_subscriptions",
            "Active customers found only in the subscriptions export",
            1,
            4,
            "add",
            ("C4",),
            1,
            {"C4": C4_NAME},
        ),
        BridgeStep("customers_active", "Active customers", 4, 4, "subtotal"),
    )


def _small_findings() -> tuple:
    return (
        finding("ids_damaged_by_spreadsheet", 1, file="customers.csv", example="4.604E+15"),
        finding(
            "subscriptions_counted_as_customers",
            4,
            subscriptions_active=8,
            customers_active=4,
            counting="yes",
            system="Zoho Billing",
            figure="Active Customers",
            figure_names={"en": "Active Customers", "de": "Aktive Kunden"},
        ),
        finding("customers_with_several_subscriptions", 2, customers=2, extra_subscriptions=4),
        finding(
            "probable_duplicate_customers",
            2,
            customer_ids=4,
            customers_active=4,
            customers_active_if_merged=3,
        ),
        finding(
            "rows_rejected",
            1,
            file="subscriptions.csv",
            code="missing_id",
            reason="the subscription or customer ID is missing",
        ),
        finding(
            "rows_rejected",
            1,
            file="subscriptions.csv",
            code="invalid_date",
            reason="a date is invalid",
        ),
        finding(
            "unreadable_values",
            1,
            file="subscriptions.csv",
            code="invalid_amount",
            reason="an amount cannot be read as a number",
        ),
        finding("orphan_subscriptions", 2, customers_file="customers.csv"),
        finding("ended_without_end_date", 1),
        finding("ended_without_start_date", 1),
        finding(
            "mixed_currencies",
            2,
            currencies="EUR 7, USD 1",
            by_currency={"EUR": 7, "USD": 1},
        ),
        finding("customers_without_subscriptions", 3, customers_file="customers.csv"),
        finding("duplicate_rows_removed", 1, file="subscriptions.csv"),
        finding(
            "product_subscriptions_exceed_customers",
            1,
            product="Payroll",
            subscriptions_active=4,
            customers_active=3,
        ),
    )


def large_result() -> Result:
    """A big run, larger than the size budget asks for: 1,200 accepted subscriptions,
    40 products, 100 plans, 30 months, 200 rejected rows and long quality lists. Used
    for the size budget; its figures are plausible, not a worked example."""
    small = small_result()
    products = [
        f"Product {index:02d} — Modul {SCRIPT_NAME if index == 7 else ''}" for index in range(40)
    ]
    by_product = tuple(
        ProductCount(name, 30 - index // 2, 20 - index // 3) for index, name in enumerate(products)
    )
    by_plan = tuple(
        PlanCount(products[index % 40], f"Plan {index:03d}", 12 - index // 10, 9 - index // 12)
        for index in range(100)
    )
    overlap = tuple(
        ProductOverlap(products[index], products[index + 1], 40 - index) for index in range(39)
    )
    timeline = tuple(_month(index) for index in range(30))
    rejections = tuple(
        Rejection(
            "subscriptions.csv",
            100 + index,
            "Activated On",
            f"2026-13-{index % 28 + 1:02d}",
            "invalid_date",
            f"'2026-13-{index % 28 + 1:02d}' is not a date (format yyyy-mm-dd)",
        )
        for index in range(200)
    )
    refs = tuple(
        SubscriptionRef(
            f"S-{9000 + index}", f"C-{500 + index}", 400 + index, products[index % 40], "live"
        )
        for index in range(60)
    )
    customers = tuple(
        CustomerRef(
            f"C-{700 + index}",
            f"Kunde Nummer {index} GmbH & Co. KG",
            f"kunde{index}@example.com",
            20 + index,
        )
        for index in range(60)
    )
    groups = tuple(
        DuplicateGroup(
            f"shared{index}@example.com", (f"C-{index}", f"C-{index + 1000}"), (f"C-{index}",)
        )
        for index in range(30)
    )
    return Result(
        as_of=AS_OF,
        inputs=Inputs(
            subscriptions=InputSummary(
                "subscriptions.csv", "zoho", 1420, 1200, 200, 20, tuple(range(2000, 2020))
            ),
            customers=InputSummary("customers.csv", "zoho", 380, 380, 0, 0),
        ),
        totals=Totals(
            subscriptions_active=960,
            customers_active=300,
            customers_known=420,
            subscriptions_not_yet_paying=40,
            subscriptions_paused=20,
            subscriptions_unpaid=0,
            subscriptions_ended=180,
            subscriptions_never_active=0,
            customers_without_active_subscription=120,
            customers_without_subscriptions=60,
            orphan_subscriptions=60,
            ended_without_end_date=60,
        ),
        by_product=by_product,
        by_plan=by_plan,
        subscriptions_per_customer=tuple(
            HoldingCount(count, 120 // count) for count in range(1, 9)
        ),
        product_overlap=overlap,
        timeline=timeline,
        bridge=small.bridge,
        customer_bridge=small.customer_bridge,
        probable_duplicate_groups=groups,
        rejections=rejections,
        findings=small.findings,
        quality=Quality(
            orphan_subscriptions=refs,
            customers_without_subscriptions=customers,
            ended_without_end_date=refs,
            contradictions=tuple(
                SubscriptionRef(
                    ref.subscription_id,
                    ref.customer_id,
                    ref.line,
                    ref.product,
                    "live",
                    "end date 2025-12-31 has passed",
                )
                for ref in refs[:30]
            ),
            currencies={"EUR": 900, "USD": 50, "CHF": 10},
        ),
        billing_system=ZOHO,
    )


def _month(index: int) -> Month:
    year, month = divmod(2024 * 12 + 5 + index, 12)
    period = f"{year}-{month + 1:02d}"
    subscriptions = 600 + 12 * index
    customers = 200 + 3 * index
    return Month(
        period=period,
        date=date(year, month + 1, 28),
        subscriptions_active=subscriptions,
        subscriptions_new=20,
        subscriptions_ended=8,
        customers_active=customers,
        customers_new=5,
        customers_reactivated=1,
        customers_churned=3,
        customers_expanded=7,
        customers_contracted=2,
        subscriptions_net=12,
        customers_net=3,
    )
