"""The customer-month history agrees with the dbt-labs MRR playbook on the playbook's data.

The oracle is the playbook's own SQL (models customer_revenue_by_month,
customer_churn_month and mrr of github.com/dbt-labs/mrr-playbook), transcribed to DuckDB,
over a month spine from the month of the earliest start to the as-of month, the range of
the engine's history. (The playbook's spine starts in 2018-01; starting it later would make
customers of 2017 look new in 2018-01.) All dates in the data are first days of months, so
the playbook's "active in M" (start <= first day of M < end) is DOMAIN.md's "active on the
last day of M"; the as-of date 2020-01-31 is January's last day.
"""

from __future__ import annotations

import datetime

import duckdb
import polars as pl
import pytest
from datasets import MRR_PLAYBOOK
from factories import loaded_table

from reconcile.canonical import SUBSCRIPTION_COLUMNS, SUBSCRIPTIONS
from reconcile.reconciliation import reconcile_tables

PERIODS = MRR_PLAYBOOK
AS_OF = datetime.date(2020, 1, 31)

PLAYBOOK_MODELS = """
with subscription_periods as (
    select * from periods
),
months as (
    select cast(month as date) as date_month
    from range(
        (select date_trunc('month', min(start_date)) from subscription_periods),
        date_trunc('month', $as_of::date) + interval 1 month,
        interval 1 month
    ) as spine(month)
),
customers as (
    select
        customer_id,
        date_trunc('month', min(start_date)) as date_month_start,
        date_trunc('month', max(end_date)) as date_month_end
    from subscription_periods
    group by 1
),
customer_months as (
    select customers.customer_id, months.date_month
    from customers
    inner join months
        on months.date_month >= customers.date_month_start
        and months.date_month < customers.date_month_end
),
joined as (
    select
        customer_months.date_month,
        customer_months.customer_id,
        coalesce(subscription_periods.monthly_amount, 0) as mrr
    from customer_months
    left join subscription_periods
        on customer_months.customer_id = subscription_periods.customer_id
        and customer_months.date_month >= subscription_periods.start_date
        and customer_months.date_month < subscription_periods.end_date
),
customer_revenue_by_month as (
    select
        date_month,
        customer_id,
        mrr,
        mrr > 0 as is_active,
        min(case when mrr > 0 then date_month end) over (partition by customer_id)
            as first_active_month,
        max(case when mrr > 0 then date_month end) over (partition by customer_id)
            as last_active_month
    from joined
),
flagged as (
    select
        *,
        first_active_month = date_month as is_first_month,
        last_active_month = date_month as is_last_month
    from customer_revenue_by_month
),
customer_churn_month as (
    select
        cast(date_month + interval 1 month as date) as date_month,
        customer_id,
        0 as mrr,
        false as is_active,
        first_active_month,
        last_active_month,
        false as is_first_month,
        false as is_last_month
    from flagged
    where is_last_month
),
unioned as (
    select * from flagged
    union all
    select * from customer_churn_month
),
mrr_with_changes as (
    select
        *,
        coalesce(
            lag(is_active) over (partition by customer_id order by date_month), false
        ) as previous_month_is_active,
        coalesce(lag(mrr) over (partition by customer_id order by date_month), 0)
            as previous_month_mrr
    from unioned
),
mrr as (
    select
        *,
        case
            when is_first_month then 'new'
            when not is_active and previous_month_is_active then 'churn'
            when is_active and not previous_month_is_active then 'reactivation'
            when mrr - previous_month_mrr > 0 then 'upgrade'
            when mrr - previous_month_mrr < 0 then 'downgrade'
        end as change_category
    from mrr_with_changes
),
subscriptions_by_month as (
    select months.date_month, count(subscription_periods.subscription_id) as active
    from months
    left join subscription_periods
        on months.date_month >= subscription_periods.start_date
        and months.date_month < subscription_periods.end_date
    group by 1
)
"""

PLAYBOOK_SQL = (
    PLAYBOOK_MODELS
    + """
select
    strftime(months.date_month, '%Y-%m') as period,
    count(*) filter (where mrr.is_active) as customers_active,
    count(*) filter (where mrr.change_category = 'new') as customers_new,
    count(*) filter (where mrr.change_category = 'reactivation') as customers_reactivated,
    count(*) filter (where mrr.change_category = 'churn') as customers_churned,
    any_value(subscriptions_by_month.active) as subscriptions_active
from months
left join mrr on mrr.date_month = months.date_month
join subscriptions_by_month on subscriptions_by_month.date_month = months.date_month
group by months.date_month
order by months.date_month
"""
)

# The playbook's mrr model: mrr_change = mrr - previous_month_mrr per customer-month,
# classified by change_category; summed per month and category. Churn and downgrade
# changes are negative there and positive amounts here.
PLAYBOOK_MRR_SQL = (
    PLAYBOOK_MODELS
    + """
select
    strftime(months.date_month, '%Y-%m') as period,
    coalesce(sum(mrr.mrr), 0) as mrr,
    coalesce(sum(mrr.mrr - mrr.previous_month_mrr)
        filter (where mrr.change_category = 'new'), 0) as new,
    coalesce(sum(mrr.mrr - mrr.previous_month_mrr)
        filter (where mrr.change_category = 'reactivation'), 0) as reactivation,
    coalesce(sum(mrr.mrr - mrr.previous_month_mrr)
        filter (where mrr.change_category = 'upgrade'), 0) as expansion,
    coalesce(-sum(mrr.mrr - mrr.previous_month_mrr)
        filter (where mrr.change_category = 'downgrade'), 0) as contraction,
    coalesce(-sum(mrr.mrr - mrr.previous_month_mrr)
        filter (where mrr.change_category = 'churn'), 0) as churn
from months
left join mrr on mrr.date_month = months.date_month
group by months.date_month
order by months.date_month
"""
)


FIGURES = (
    "customers_active",
    "customers_new",
    "customers_reactivated",
    "customers_churned",
    "subscriptions_active",
)


@pytest.fixture(scope="module")
def periods() -> pl.DataFrame:
    return pl.read_csv(PERIODS, try_parse_dates=True)


def playbook_months(sql: str = PLAYBOOK_SQL) -> list[tuple]:
    """The oracle reads the CSV itself, independently of polars."""
    with duckdb.connect() as connection:
        connection.execute(
            "create table periods as select * from read_csv(?, header = true)", [str(PERIODS)]
        )
        return connection.execute(sql, {"as_of": AS_OF}).fetchall()


def engine_result(periods: pl.DataFrame):
    # The export has no status column: the class comes from the dates.
    frame = periods.select(
        line=pl.int_range(2, pl.len() + 2),
        subscription_id=pl.col("subscription_id").cast(pl.String),
        customer_id=pl.col("customer_id").cast(pl.String),
        start=pl.col("start_date"),
        end=pl.col("end_date"),
        monthly_amount=pl.col("monthly_amount").cast(pl.Float64),
    )
    rows = frame.to_dicts()
    table = loaded_table(SUBSCRIPTIONS, rows, SUBSCRIPTION_COLUMNS, has_status=False)
    return reconcile_tables(table, None, AS_OF)


def engine_months(periods: pl.DataFrame) -> list[tuple]:
    result = engine_result(periods)
    return [
        (month.period, *(getattr(month, name) for name in FIGURES)) for month in result.timeline
    ]


def test_the_playbook_data_is_what_the_test_expects(periods):
    assert periods.height == 121
    assert periods["customer_id"].n_unique() == 55
    assert periods.select((pl.col("start_date").dt.day() == 1).all()).item()
    assert periods.select((pl.col("end_date").dt.day() == 1).all()).item()


def test_every_month_agrees_with_the_playbook(periods):
    expected = playbook_months()
    got = engine_months(periods)
    # 2017-09 (earliest start) to 2020-01 (as-of month): 29 months, every one compared.
    assert len(expected) == 29
    assert [row[0] for row in got] == [row[0] for row in expected]
    for engine_row, playbook_row in zip(got, expected, strict=True):
        assert engine_row == playbook_row
    # The oracle is not vacuous: every kind of change happens on this data.
    for column in range(1, len(FIGURES) + 1):
        assert sum(row[column] for row in expected) > 0


MRR_FIGURES = ("mrr", "new", "reactivation", "expansion", "contraction", "churn")


def test_every_months_mrr_and_movements_agree_with_the_playbook(periods):
    # monthly_amount already is MRR (the generic source reads it as such, never divided
    # by an interval), and without a currency column every figure is in one unnamed
    # currency.
    expected = [
        (period, *(float(value) for value in values))
        for period, *values in playbook_months(PLAYBOOK_MRR_SQL)
    ]
    got = []
    for month in engine_result(periods).timeline:
        (revenue,) = month.revenue or (None,)
        values = [getattr(revenue, name) if revenue else 0.0 for name in MRR_FIGURES]
        got.append((month.period, *values))
        if revenue:
            assert revenue.currency is None
    assert len(expected) == 29
    assert got == expected
    # Every kind of movement happens on this data, so the comparison is not vacuous.
    for column in range(1, len(MRR_FIGURES) + 1):
        assert sum(row[column] for row in expected) > 0
