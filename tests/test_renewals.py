"""Renewal dates (DOMAIN.md, "Renewal dates"), invoice counts worked out by hand.

tests/fixtures/billing/subscriptions.csv on 2026-03-15 (see tests/fixtures/README.md):
customers holding two or more active subscriptions, with each one's Next Billing On and
renewals a year (12 / interval in months):

    Lindqvist  101 monthly  2026-04-10  12 | 102 yearly     2026-06-01   1  -> now 13, aligned 12
    Brennecke  103 monthly  2026-04-01  12 | 104 monthly    2026-04-05  12  -> now 24, aligned 12
               (104 is non_renewing: counted as it is billed today)
    Oberholz   105 3-month  2026-03-20   4 | 106 monthly    2026-04-01  12  -> now 16, aligned 12

Kessler (108; 107 is a trial) and Vogt (112; 111 is future) hold one active subscription
each, Aalto none. So 3 customers, all 3 with different dates; 53 invoices a year now,
36 aligned; most to gain: Brennecke (12 fewer), Oberholz (4), Lindqvist (1).
"""

from __future__ import annotations

import html
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import reconcile
from reconcile.cli import main
from reconcile.rendering import escape_markdown, redact, render

FIXTURE = Path(__file__).parent / "fixtures" / "billing" / "subscriptions.csv"
AS_OF = date(2026, 3, 15)
HEADER = (
    "Subscription ID,Customer ID,Customer Name,Status,Amount,Currency Code,Interval,"
    "Interval Unit,Activated On,Next Billing On\n"
)


def test_the_hand_worked_fixture():
    renewals = reconcile.reconcile(FIXTURE, as_of=AS_OF).renewals
    assert renewals.available
    assert renewals.customers_with_several_subscriptions == 3
    assert renewals.customers_with_several_renewal_dates == 3
    assert (renewals.invoices_per_year_now, renewals.invoices_per_year_aligned) == (53, 36)
    assert renewals.customers_left_out == 0
    assert [
        (c.name, c.renewal_dates, c.invoices_per_year_now, c.invoices_per_year_aligned)
        for c in renewals.customers
    ] == [
        ("Brennecke & Sohn KG", 2, 24, 12),
        ("Oberholz Logistik AG", 2, 16, 12),
        ("Lindqvist Maschinenbau GmbH", 2, 13, 12),
    ]
    assert renewals.customers[0].next_renewals == (date(2026, 4, 1), date(2026, 4, 5))


def test_same_dates_currencies_and_missing_dates(tmp_path):
    # C1: two monthly on one date: 1 date, now 24, aligned 12 (not listed: nothing to align).
    # C2: monthly EUR and yearly USD on different dates: now 13, aligned 12 + 1 = 13.
    # C3: weekly (52) and 2-weekly (26): now 78, aligned 52.
    # C4: one subscription without Next Billing On: left out of every count.
    export = tmp_path / "subscriptions.csv"
    export.write_text(
        HEADER
        + "S1,C1,Alpha,live,10,EUR,1,months,2025-01-01,2026-04-01\n"
        + "S2,C1,Alpha,live,10,EUR,1,months,2025-02-01,2026-04-01\n"
        + "S3,C2,Beta,live,10,EUR,1,months,2025-01-01,2026-04-02\n"
        + "S4,C2,Beta,live,10,USD,1,years,2025-01-01,2026-07-02\n"
        + "S5,C3,Gamma,live,10,EUR,1,weeks,2025-01-01,2026-03-20\n"
        + "S6,C3,Gamma,live,10,EUR,2,weeks,2025-01-01,2026-03-27\n"
        + "S7,C4,Delta,live,10,EUR,1,months,2025-01-01,2026-04-01\n"
        + "S8,C4,Delta,live,10,EUR,1,months,2025-01-01,\n",
        "utf-8",
    )
    renewals = reconcile.reconcile(export, as_of=AS_OF).renewals
    assert renewals.customers_with_several_subscriptions == 4
    assert renewals.customers_with_several_renewal_dates == 2  # C2, C3 (C4 is left out)
    assert renewals.customers_left_out == 1
    assert renewals.subscriptions_without_renewal_date == 1
    assert (renewals.invoices_per_year_now, renewals.invoices_per_year_aligned) == (
        24 + 13 + 78,
        12 + 13 + 52,
    )
    assert [
        (c.customer_id, c.invoices_per_year_now - c.invoices_per_year_aligned)
        for c in renewals.customers
    ] == [("C3", 26), ("C2", 0)]


def test_without_renewal_dates_the_section_names_the_column(tmp_path):
    export = tmp_path / "subscriptions.csv"
    export.write_text(
        "Subscription ID,Customer ID,Status,Activated On\nS1,C1,live,2025-01-01\n"
        "S2,C1,live,2025-02-01\n",
        "utf-8",
    )
    result = reconcile.reconcile(export, as_of=AS_OF)
    assert not result.renewals.available
    assert result.renewals.needed_column == "Next Billing On"
    assert "They would come from its column Next Billing On." in render(result, "md")
    assert "Sie kämen aus seiner Spalte Next Billing On." in render(result, "md", lang="de")


def test_json_and_report():
    result = reconcile.reconcile(FIXTURE, as_of=AS_OF)
    document = result.to_dict()["renewals"]
    assert {
        k: document[k]
        for k in (
            "customers_with_several_renewal_dates",
            "invoices_per_year_now",
            "invoices_per_year_aligned",
        )
    } == {
        "customers_with_several_renewal_dates": 3,
        "invoices_per_year_now": 53,
        "invoices_per_year_aligned": 36,
    }
    assert document["customers"][0]["next_renewals"] == ["2026-04-01", "2026-04-05"]
    markdown = render(result, "md")
    # The customer's ID with their name beside it (issue 14: names where people read).
    row = "| 7301000000000002 (Brennecke \\& Sohn KG) | 2 | 1 Apr 2026, 5 Apr 2026 | 24 | 12 |"
    assert row in markdown
    assert "## Verlängerungstermine" in render(result, "md", lang="de")
    html = render(result, "html")
    assert "Brennecke &amp; Sohn KG" in html and "7301000000000002" in html


def test_redact_pseudonymises_the_names():
    result = redact(reconcile.reconcile(FIXTURE, as_of=AS_OF))
    names = [c.name for c in result.renewals.customers]
    assert all(name.startswith("Customer ") for name in names)
    for lang in ("en", "de"):
        assert "Brennecke" not in render(result, "md", lang=lang)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_email_body_has_one_line(tmp_path, lang):
    eml = tmp_path / "r.eml"
    cli = CliRunner().invoke(
        main,
        [
            *("report", str(FIXTURE), "--as-of", "2026-03-15", "-o", str(tmp_path / "r.html")),
            *("--eml", str(eml), "--lang", lang),
        ],
    )
    assert cli.exit_code == 0, cli.output
    import email

    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    body = message.get_body(("plain",)).get_content()
    start = {"en": "Renewal dates:", "de": "Verlängerungstermine:"}[lang]
    lines = [line for line in body.splitlines() if line.startswith(start)]
    assert len(lines) == 1
    assert "53" in lines[0] and "36" in lines[0]


def test_the_cli_json_equals_the_api(tmp_path):
    out = tmp_path / "r.json"
    cli = CliRunner().invoke(
        main, ["report", str(FIXTURE), "--as-of", "2026-03-15", "-o", str(out)]
    )
    assert cli.exit_code == 0, cli.output
    api = reconcile.reconcile(FIXTURE, as_of=AS_OF).to_dict()["renewals"]
    assert json.loads(out.read_text("utf-8"))["renewals"] == json.loads(json.dumps(api))


def test_the_json_follows_its_schema():
    import jsonschema

    root = Path(__file__).resolve().parent.parent
    schema = json.loads((root / "docs/report.schema.json").read_text())
    jsonschema.validate(reconcile.reconcile(FIXTURE, as_of=AS_OF).to_dict(), schema)


def test_the_readme_figures_of_the_sample():
    root = Path(__file__).resolve().parent.parent
    readme = " ".join((root / "README.md").read_text("utf-8").split())
    renewals = reconcile.reconcile(
        root / "sample_exports" / "zoho", as_of=date(2026, 11, 15)
    ).renewals
    counted = renewals.customers_with_several_subscriptions - renewals.customers_left_out
    assert (
        f"{renewals.customers_with_several_subscriptions} customers hold several subscriptions: "
        f"{renewals.customers_left_out} are left out (a subscription without a renewal date), "
        f"{renewals.customers_with_several_renewal_dates} renew on different dates, and together "
        f"the {counted} customers counted get {renewals.invoices_per_year_now:.0f} invoices a "
        f"year, {renewals.invoices_per_year_aligned:.0f} if aligned."
    ) in readme


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_cut_list_renders(fmt):
    # The sample lists 34 customers with several renewal dates: the report shows the
    # first 5 (the sentence above says what aligning saves in all) and names the file
    # with the other 29; the JSON holds all 34.
    root = Path(__file__).resolve().parent.parent
    result = reconcile.reconcile(root / "sample_exports" / "zoho", as_of=date(2026, 11, 15))
    assert len(result.renewals.customers) == 34
    section = render(result, fmt, files={"json": "report.json"}).split("Renewal dates")[-1]
    assert "29 more in report.json" in section
    listed = section.split("29 more in report.json")[0]
    escape = html.escape if fmt == "html" else escape_markdown
    shown = [c.name for c in result.renewals.customers if c.name and escape(c.name) in listed]
    assert shown == [c.name for c in result.renewals.customers[:5]]


def test_without_any_renewal_date_the_short_way_counts_as_the_long_way():
    """No active subscription has a renewal date: renewals_of skips the per-customer work;
    the figures equal those of the per-customer computation (renewals_from)."""
    import polars as pl

    from reconcile import renewals, revenue

    active = pl.DataFrame(
        {
            "customer_no": [1, 1, 2, 2, 2, 3],
            "customer_id": ["A", "A", "B", "B", "B", "C"],
            renewals.RENEWAL: [None] * 6,
            revenue.CURRENCY_CODE: [0, 1, 0, 0, 0, 0],
            revenue.RENEWALS_PER_YEAR: [12.0, None, 1.0, 12.0, None, 12.0],
        },
        schema_overrides={renewals.RENEWAL: pl.Date},
    )
    holding = active.group_by("customer_no").agg(subscriptions=pl.len().cast(pl.Int64))
    short = renewals.renewals_of(active, holding, lambda ids: {}, "zoho")
    several = holding.filter(pl.col("subscriptions") >= 2).select("customer_no")
    long = renewals.renewals_from(
        active.lazy().join(several.lazy(), on="customer_no", how="semi"),
        lambda ids: {},
        short.needed_column,
    )
    assert short == long
    assert (short.customers_with_several_subscriptions, short.customers_left_out) == (2, 2)
    assert short.subscriptions_without_renewal_date == 5
    assert short.subscriptions_without_interval == 2
    assert not short.available and short.customers == ()
