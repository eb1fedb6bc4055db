"""Naming the billing system's figures only where it is true (DOMAIN.md, "What the
billing system's own report calls it"): Zoho's reports count subscriptions as customers
and are named in Zoho's words and language; Stripe, Chargebee, Recurly and WooCommerce
count customers and are blamed for nothing; a generic export gets neutral words."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import reconcile
from reconcile.cli import main
from reconcile.problems import ReconcileError
from reconcile.rendering import finding_text, render
from reconcile.sources import all_sources, load_mapping_file, load_source

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_exports"
AS_OF = datetime.date(2026, 11, 15)

# How a report would name a figure of the billing system, in English and German quotes.
NAMED_FIGURES = (
    '"Active Customers"',
    '"Net Customers"',
    '"Net customers"',
    "„Aktive Kunden“",
    "„Kunden netto“",
)


@pytest.fixture(scope="module")
def zoho():
    return reconcile.reconcile(SAMPLES / "zoho", as_of=AS_OF)


@pytest.fixture(scope="module")
def stripe():
    return reconcile.reconcile(SAMPLES / "stripe", as_of=AS_OF)


def test_every_builtin_source_says_whether_its_reports_count_subscriptions():
    counting = {spec.name: spec.counts_subscriptions_as_customers for spec in all_sources()}
    assert counting == {
        "zoho": "yes",
        "stripe": "no",
        "chargebee": "no",
        "recurly": "no",
        "woocommerce": "no",
        "generic": "unknown",
    }
    zoho = load_source("zoho").billing_system()
    assert dict(zoho.figure_names["en"]) == {
        "active": "Active Customers",
        "net": "Net Customers",
        "arpu": "ARPU",
    }
    assert dict(zoho.figure_names["de"]) == {
        "active": "Aktive Kunden",
        "net": "Kunden netto",
        "arpu": "ARPU",
    }


def test_a_mapping_file_inherits_the_naming_or_declares_its_own(tmp_path):
    extends = tmp_path / "mine.toml"
    extends.write_text('extends = "zoho"\n', encoding="utf-8")
    assert load_mapping_file(extends).counts_subscriptions_as_customers == "yes"
    alone = tmp_path / "alone.toml"
    alone.write_text('[subscriptions.columns]\nsubscription_id = ["Nr"]\n', encoding="utf-8")
    assert load_mapping_file(alone).counts_subscriptions_as_customers == "unknown"
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[figures]\ncounts_subscriptions_as_customers = "maybe"\n', encoding="utf-8")
    with pytest.raises(ReconcileError, match="must be one of yes, no, unknown"):
        load_mapping_file(wrong)
    unnamed = tmp_path / "unnamed.toml"
    unnamed.write_text('[figures]\ncounts_subscriptions_as_customers = "yes"\n', "utf-8")
    with pytest.raises(ReconcileError, match=r"\[figures.en\] must name the figures"):
        load_mapping_file(unnamed)


def test_the_german_zoho_report_names_zohos_figures_in_zohos_german_words(zoho):
    for fmt in ("md", "html"):
        text = render(zoho, fmt, lang="de")
        assert "Zoho Billing zählt 153 aktive Abonnements als „Aktive Kunden“." in text
        assert "was Zoho Billing als „Aktive Kunden“ ausweist" in text
        assert "„Kunden netto“ (Zoho Billing)" in text
        assert "Aktive Abonnements (was Zoho Billing „Aktive Kunden“ nennt)" in text
        assert "Der ARPU von Zoho Billing beträgt" in text
        assert '"Active Customers"' not in text and '"Net Customers"' not in text
    headline = next(f for f in zoho.findings if f.code == "subscriptions_counted_as_customers")
    assert finding_text(headline, "de") == (
        "Die Kennzahl „Aktive Kunden“ von Zoho Billing beträgt 153: Sie zählt aktive "
        "Abonnements. Es gibt 84 aktive Kunden."
    )


def test_the_english_zoho_report_names_zohos_english_figures(zoho):
    text = render(zoho, "md", lang="en")
    assert 'Zoho Billing counts 153 active subscriptions as "Active Customers".' in text
    assert '"Net Customers" (Zoho Billing)' in text
    assert zoho.findings[1].message.startswith(
        'Zoho Billing\'s "Active Customers" figure is 153: it counts active subscriptions.'
    )


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_stripe_report_names_no_figure_stripe_does_not_have(stripe, fmt, lang):
    text = render(stripe, fmt, lang=lang)
    for named in NAMED_FIGURES:
        assert named not in text
    assert "Stripe counts" not in text and "Stripe zählt" not in text
    assert "billing system counts" not in text and "ARPU of" not in text


def test_the_stripe_headline_compares_subscriptions_with_customers(stripe):
    headline = next(f for f in stripe.findings if f.code == "subscriptions_counted_as_customers")
    assert headline.message == "34 subscriptions are active. There are 27 active customers."
    assert headline.params["counting"] == "no"
    text = render(stripe, "md", lang="en")
    assert "you have 27 active customers. They hold 34 active subscriptions." in text


def test_a_generic_export_gets_neutral_words(tmp_path):
    path = tmp_path / "subscriptions.csv"
    path.write_text(
        "subscription_id,customer_id,status,start_date\n"
        "s1,c1,active,2024-01-01\ns2,c1,active,2024-02-01\n",
        encoding="utf-8",
    )
    result = reconcile.reconcile(path, as_of=datetime.date(2024, 3, 1))
    assert result.billing_system is not None
    assert result.billing_system.counts_subscriptions_as_customers == "unknown"
    assert result.findings[0].message.startswith(
        "A report that counts subscriptions would show 2 active customers."
    )
    text = render(result, "md", lang="en")
    assert "A report that counts subscriptions would show 2 active customers." in text
    for named in NAMED_FIGURES:
        assert named not in text


def test_the_json_says_how_the_billing_system_counts(tmp_path):
    out = tmp_path / "report.json"
    args = ["report", str(SAMPLES / "zoho"), "--as-of", "2026-11-15", "-o", str(out), "--quiet"]
    assert CliRunner().invoke(main, args).exit_code == 0
    system = json.loads(out.read_text("utf-8"))["billing_system"]
    assert system["source"] == "zoho"
    assert system["counts_subscriptions_as_customers"] == "yes"
    assert system["figure_names"]["de"]["net"] == "Kunden netto"
