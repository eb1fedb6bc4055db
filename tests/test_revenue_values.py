"""The values only revenue reads (DOMAIN.md, "Revenue (MRR)" and "Bad rows"): a billing
interval or quantity that cannot be read is a warning with file, line, column, value and
reason, its row is kept and counted, and an active subscription with it is counted among
`subscriptions_without_amount`, never guessed. A column that already holds MRR is never
divided by the interval again.

Every expected figure is worked out by hand in the comments beside it.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconcile.reading import read_raw
from reconcile.reconciliation import reconcile_tables
from reconcile.validation import validate

AS_OF = datetime.date(2026, 6, 30)


def load(path: Path, **options):
    return validate(read_raw(path, None, **options))


def write(tmp_path: Path, content: str, name: str = "subscriptions.csv") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def warnings_of(table) -> list[tuple[int, str, str, str]]:
    return list(table.warnings.select("line", "column", "value", "code").iter_rows())


def revenue_of(table) -> list[tuple]:
    result = reconcile_tables(table, None, AS_OF)
    return [
        (r.currency, r.mrr, r.customers, r.subscriptions, r.arpa, r.arpu_per_subscription,
         r.subscriptions_without_amount)
        for r in result.revenue
    ]  # fmt: skip


# Every kind of interval and quantity, one per line (the file's line in the comment).
GENERIC = (
    "subscription_id,customer_id,status,start_date,end_date,amount,currency,interval,"
    "interval_count,quantity\n"
    "S1,C1,active,2026-01-05,,120,EUR,year,0,\n"  # 2: no interval of 0 years
    "S2,C1,active,2026-01-05,,30,EUR,month,-1,\n"  # 3: negative count
    "S3,C2,active,2026-01-05,,30,EUR,month,zwei,\n"  # 4: a word
    "S4,C3,active,2026-01-05,,30,EUR,fortnight,1,\n"  # 5: a unit nobody can read
    "S5,C4,active,2026-01-05,,30,EUR,month,1,0\n"  # 6: quantity 0: MRR 0.00, no warning
    "S6,C5,active,2026-01-05,,30,EUR,month,1,-2\n"  # 7: negative quantity
    "S7,C6,active,2026-01-05,,30,EUR,month,1,2.5\n"  # 8: half a seat
    "S8,C7,active,2026-01-05,,30,EUR,month,3,2\n"  # 9: 30 x 2 / 3 = 20.00
    "S9,C7,active,2026-01-05,,120,EUR,year,2.0,\n"  # 10: '2.0' is 2: 120 / 24 = 5.00
    "S10,C8,cancelled,2025-01-05,2025-06-05,30,EUR,fortnight,1,\n"  # 11: ended, warned
)


def test_every_unreadable_interval_or_quantity_is_a_warning_with_line_column_and_value(
    tmp_path,
):
    table = load(write(tmp_path, GENERIC))
    assert table.source == "generic"
    assert (table.rows_read, table.rows_accepted, table.rows_rejected) == (10, 10, 0)
    assert warnings_of(table) == [
        (2, "interval_count", "0", "invalid_interval"),
        (3, "interval_count", "-1", "invalid_interval"),
        (4, "interval_count", "zwei", "invalid_interval"),
        (5, "interval", "fortnight", "invalid_interval"),
        (7, "quantity", "-2", "invalid_quantity"),
        (8, "quantity", "2.5", "invalid_quantity"),
        (11, "interval", "fortnight", "invalid_interval"),
    ]
    messages = dict(table.warnings.select("line", "message").iter_rows())
    assert messages[2] == (
        "'0' is not a number of billing intervals (a whole number, 1 or more): "
        "the subscription has no MRR"
    )
    assert messages[5] == (
        "'fortnight' is not a billing interval unit (day, week, month or year): "
        "the subscription has no MRR"
    )
    assert messages[8] == (
        "'2.5' is not a quantity (a whole number, 0 or more): the subscription has no MRR"
    )
    # The row keeps the text as exported (the trace shows it); nothing is guessed.
    kept = dict(table.frame.select("subscription_id", "interval_count").iter_rows())
    assert kept["S1"] == "0"


def test_an_active_subscription_with_an_unreadable_interval_or_quantity_has_no_mrr(tmp_path):
    table = load(write(tmp_path, GENERIC))
    # Active on 2026-06-30: S1..S9 (S10 ended 2025-06-05). With MRR: S5 (0.00), S8 (20.00),
    # S9 (5.00): MRR 25.00 over 3 subscriptions of 2 customers (C4, C7): ARPA 12.50,
    # ARPU 25 / 3 = 8.33. Without: S1, S2, S3, S4, S6, S7 = 6 (S10 is not active).
    assert revenue_of(table) == [("EUR", 25.0, 2, 3, 12.5, 8.33, 6)]
    result = reconcile_tables(table, None, AS_OF)
    assert result.totals.subscriptions_active == 9
    unreadable = {
        f.params["code"]: (f.count, f.message) for f in result.findings
        if f.code == "unreadable_values"
    }  # fmt: skip
    count, message = unreadable["invalid_interval"]
    assert count == 5  # lines 2, 3, 4, 5 and 11
    assert "a billing interval cannot be read" in message
    assert "their subscriptions add no MRR" in message
    assert unreadable["invalid_quantity"][0] == 2  # lines 7 and 8


def test_a_later_fallback_is_checked_only_where_the_row_takes_its_value(tmp_path):
    # A mapping file that takes the unit from "Plan Unit", else from "Old Unit".
    mapping = tmp_path / "mine.toml"
    mapping.write_text(
        'extends = "generic"\n'
        "[subscriptions.columns]\n"
        'plan_unit = ["Plan Unit"]\n'
        'old_unit = ["Old Unit"]\n'
        "[subscriptions.derive]\n"
        'interval = ["plan_unit", "old_unit"]\n',
        "utf-8",
    )
    content = (
        "subscription_id,customer_id,status,start_date,amount,Plan Unit,Old Unit\n"
        "S1,C1,active,2026-01-05,12,month,fortnight\n"  # 2: Plan Unit used: no warning
        "S2,C2,active,2026-01-05,12,,fortnight\n"  # 3: Old Unit used: warned
        "S3,C3,active,2026-01-05,12,,year\n"  # 4: 12 / 12 = 1.00
        "S4,C4,active,2026-01-05,12,decade,\n"  # 5: Plan Unit used and unreadable
    )
    table = load(write(tmp_path, content), mapping_file=mapping)
    assert warnings_of(table) == [
        (3, "Old Unit", "fortnight", "invalid_interval"),
        (5, "Plan Unit", "decade", "invalid_interval"),
    ]
    # S1 12.00 + S3 1.00 = 13.00 over 2; S2 and S4 have none. One unnamed currency.
    assert revenue_of(table) == [(None, 13.0, 2, 2, 6.5, 6.5, 2)]


STRIPE_HEADER = "id,Customer ID,Status,Start Date (UTC),Amount,Currency,Interval,Quantity\n"


def test_stripe_quantity_multiplies_and_an_unreadable_one_warns(tmp_path):
    content = STRIPE_HEADER + (
        "sub_1,cus_1,active,2026-01-05 10:00,9.99,eur,month,3\n"  # 29.97
        "sub_2,cus_2,active,2026-01-05 10:00,9.99,eur,month,1.5\n"  # 3: warned, no MRR
        "sub_3,cus_3,active,2026-01-05 10:00,99,eur,year,1\n"  # 99 / 12 = 8.25
    )
    table = load(write(tmp_path, content))
    assert table.source == "stripe"
    assert warnings_of(table) == [(3, "Quantity", "1.5", "invalid_quantity")]
    # 29.97 + 8.25 = 38.22 over 2 customers: ARPA 19.11.
    assert revenue_of(table) == [("EUR", 38.22, 2, 2, 19.11, 19.11, 1)]


def test_chargebee_quantity_is_no_multiplier_and_never_warns(tmp_path):
    # Chargebee's Plan Amount is already unit price x quantity: its quantity column is
    # recognised under another name and read by nothing, so '2.5' says nothing.
    content = (
        '"Subscription Status","Subscription ID","Customer ID","Activation Date",'
        '"Plan Amount","Currency","Billing Period","Billing Period Unit","Quantity"\n'
        '"ACTIVE","A1","c1","2026-01-05 10:00:00","240.00","EUR","1","year","2.5"\n'
    )
    table = load(write(tmp_path, content))
    assert table.source == "chargebee"
    assert warnings_of(table) == []
    assert revenue_of(table) == [("EUR", 20.0, 1, 1, 20.0, 20.0, 0)]  # 240 / 12


# --------------------------------------------------------------------------- property

# Values an export may hold in each column: readable ones and the kinds that are not.
UNITS = ["", "month", "Months", "year", "week", "day", "fortnight", "quarter", "3 months"]
COUNTS = ["", "1", "3", "12", "2.0", "0", "-1", "1.5", "1,000", "zwei", "+2"]
QUANTITIES = ["", "0", "1", "4", "10.0", "-1", "2.5", "1,5", "viele"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.sampled_from(UNITS), st.sampled_from(COUNTS), st.sampled_from(QUANTITIES)),
        min_size=1,
        max_size=12,
    )
)
def test_a_subscription_has_mrr_exactly_when_none_of_its_values_was_warned_of(tmp_path, rows):
    # Validation and revenue read the same text by the same rules: every active
    # subscription with a readable amount either has MRR or is warned of, never both.
    lines = [
        f'S{i},C{i},active,2026-01-05,10,EUR,"{unit}","{count}","{quantity}"'
        for i, (unit, count, quantity) in enumerate(rows)
    ]
    header = "subscription_id,customer_id,status,start_date,amount,currency,interval,"
    content = header + "interval_count,quantity\n" + "\n".join(lines) + "\n"
    table = load(write(tmp_path, content))
    warned = set(table.warnings.get_column("line").to_list())
    ((_, _, _, with_mrr, _, _, without),) = revenue_of(table)
    assert without == len(warned)
    assert with_mrr == len(rows) - len(warned)


# --------------------------------------------------------------------------- already MRR

CHARGEBEE_HEADER = (
    '"Subscription Status","Subscription ID","Customer ID","Activation Date",'
    '"Plan Amount","MRR","Currency","Billing Period","Billing Period Unit"\n'
)


def test_chargebees_mrr_column_is_never_divided_by_the_billing_period_again(tmp_path):
    content = CHARGEBEE_HEADER + (
        '"ACTIVE","A1","c1","2026-01-05 10:00:00","","20.00","EUR","1","year"\n'  # 20.00
        '"ACTIVE","A2","c2","2026-01-05 10:00:00","","15.00","EUR","3","month"\n'  # 15.00
        # Plan Amount is per billing period: 240 / 12 = 20.00, its MRR column unread.
        '"ACTIVE","A3","c3","2026-01-05 10:00:00","240.00","19.00","EUR","1","year"\n'
    )
    table = load(write(tmp_path, content))
    assert table.source == "chargebee"
    # 20.00 + 15.00 + 20.00 = 55.00 over 3 customers. Divided by the interval again, the
    # first two would be 1.67 and 5.00.
    assert revenue_of(table) == [("EUR", 55.0, 3, 3, 18.33, 18.33, 0)]


def test_a_generic_mrr_column_is_never_divided_by_the_interval(tmp_path):
    content = (
        "subscription_id,customer_id,status,start_date,mrr,currency,interval,interval_count\n"
        "S1,C1,active,2026-01-05,50,EUR,year,1\n"  # 50.00, not 50 / 12
        "S2,C2,active,2026-01-05,-5,EUR,month,1\n"  # a credit: no MRR
        "S3,C3,active,2026-01-05,n/a,EUR,month,1\n"  # unreadable: a warning, no MRR
    )
    table = load(write(tmp_path, content))
    # The credit is named (negative_amount), like the unreadable value.
    assert warnings_of(table) == [
        (3, "mrr", "-5", "negative_amount"),
        (4, "mrr", "n/a", "invalid_amount"),
    ]
    assert revenue_of(table) == [("EUR", 50.0, 1, 1, 50.0, 50.0, 2)]


def test_no_source_reads_a_monthly_column_as_an_amount_per_interval():
    # The rule lives in the source files: a column named as MRR or monthly is a
    # `monthly_amount`, never an `amount`, which MRR divides by the interval.
    from reconcile.sources import all_sources

    monthly_words = ("mrr", "monthly")
    for source in all_sources():
        table = source.subscriptions
        for raw_field in table.raw_fields_of("amount"):
            aliases = [raw_field, *table.columns[raw_field]]
            assert not [a for a in aliases if any(w in a.lower() for w in monthly_words)], (
                source.name
            )
    chargebee = next(s for s in all_sources() if s.name == "chargebee").subscriptions
    assert "MRR" in chargebee.columns[chargebee.raw_fields_of("monthly_amount")[0]]


# --------------------------------------------------------------------------- assumption


def interval_findings(table) -> list[tuple[int, str]]:
    result = reconcile_tables(table, None, AS_OF)
    return [(f.count, f.message) for f in result.findings if f.code == "interval_count_assumed"]


def test_an_export_without_an_interval_count_says_that_mrr_takes_one_unit(tmp_path):
    # Stripe's dashboard export has Interval but no Interval Count (docs/decisions.md).
    content = STRIPE_HEADER + (
        "sub_1,cus_1,active,2026-01-05 10:00,30,eur,month,1\n"  # MRR 30.00
        "sub_2,cus_2,active,2026-01-05 10:00,120,eur,year,1\n"  # MRR 10.00
        "sub_3,cus_3,canceled,2025-01-05 10:00,30,eur,month,1\n"  # not active
        "sub_4,cus_4,active,2026-01-05 10:00,,eur,month,1\n"  # no amount: no MRR
    )
    path = write(tmp_path, content)
    ((count, message),) = interval_findings(load(path))
    assert count == 2  # sub_1 and sub_2: the active subscriptions with MRR
    assert message == (
        f"{path} gives each subscription's billing unit but not how many units "
        "one billing interval holds: the MRR of 2 active subscriptions takes each interval "
        "as one unit (one month, one year). A price billed every 3 months would show three "
        "times its MRR."
    )


def test_an_export_with_a_count_or_without_units_assumes_nothing(tmp_path):
    with_count = STRIPE_HEADER.replace("Quantity\n", "Quantity,Interval Count\n") + (
        "sub_1,cus_1,active,2026-01-05 10:00,30,eur,month,1,3\n"  # 30 / 3 = 10.00
    )
    table = load(write(tmp_path, with_count))
    assert interval_findings(table) == []
    assert revenue_of(table) == [("EUR", 10.0, 1, 1, 10.0, 10.0, 0)]
    monthly = "subscription_id,customer_id,status,start_date,amount\nS1,C1,active,2026-01-05,9\n"
    assert interval_findings(load(write(tmp_path, monthly, "monthly.csv"))) == []


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_revenue_section_says_the_assumption(tmp_path, lang):
    from reconcile.rendering import render

    content = STRIPE_HEADER + "sub_1,cus_1,active,2026-01-05 10:00,30,eur,month,1\n"
    result = reconcile_tables(load(write(tmp_path, content)), None, AS_OF)
    text = render(result, "md", lang=lang)
    heading = {"en": "## Revenue\n", "de": "## Umsatz\n"}[lang]
    section = text[text.index(heading) : text.index("\n## ", text.index(heading))]
    said = {
        "en": "the MRR of 1 active subscription takes its interval as one unit",
        "de": "Der MRR von 1 aktiven Abonnement rechnet sein Intervall als eine Einheit",
    }[lang]
    assert said in section
