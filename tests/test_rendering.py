"""The report: content and order, locale formatting, translated findings, cut lists,
size budget, snapshots and redaction. Expected texts are written out by hand."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

import reconcile
from reconcile import i18n
from reconcile.findings import finding
from reconcile.problems import ReconcileError
from reconcile.redaction import Pseudonyms, redact
from reconcile.rendering import (
    LANGUAGES,
    environment,
    finding_text,
    render,
    step_label,
    template_dirs,
)
from reconcile.result import BridgeStep, CustomerRef, Finding, Rejection
from tests.result_examples import (
    large_result,
    small_result,
)

SNAPSHOTS = Path(__file__).parent / "snapshots"
FORMATS = ("html", "md")


def text_of(html: str) -> str:
    """The visible text of an HTML report, blanks collapsed."""
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


# --- snapshots ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_report_matches_its_snapshot(fmt, lang):
    # Review changes in the diff; regenerate with UPDATE_SNAPSHOTS=1.
    text = render(small_result(), fmt, lang=lang)
    path = SNAPSHOTS / f"report.{lang}.{fmt}"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"{path.name} missing: run with UPDATE_SNAPSHOTS=1 once"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_rendering_is_deterministic(fmt, lang):
    assert render(small_result(), fmt, lang=lang) == render(small_result(), fmt, lang=lang)


# --- the answer first --------------------------------------------------------------


def headline_result():
    result = small_result()
    totals = replace(result.totals, customers_active=1016, subscriptions_active=2656)
    return replace(result, totals=totals)


def test_english_report_opens_with_the_answer():
    text = text_of(render(headline_result(), "html", lang="en"))
    answer = (
        "On 15 November 2026 you have 1,016 active customers. Your billing system counts "
        '2,656 active subscriptions as "Active Customers".'
    )
    assert answer in text
    # The answer comes before every section.
    assert text.index(answer) < text.index("What stands out") < text.index("By product")
    assert "1,016 active customers" in text and "2,656 active subscriptions" in text


def test_german_report_opens_with_the_answer():
    text = text_of(render(headline_result(), "html", lang="de"))
    answer = (
        "Am 15. November 2026 haben Sie 1.016 aktive Kunden. Ihr Abrechnungssystem zählt "
        "2.656 aktive Abonnements als „Active Customers“."
    )
    assert answer in text
    assert text.index(answer) < text.index("Auffälligkeiten") < text.index("Nach Produkt")


def test_sections_follow_the_order_of_the_issue():
    soup = BeautifulSoup(render(small_result(), "html", lang="en"), "html.parser")
    assert [heading.get_text() for heading in soup.find_all(["h1", "h2", "h3"])] == [
        "Customers and subscriptions on 15 November 2026",
        "What stands out",
        "By product",
        "By plan",
        "From rows to customers",
        "The same count from the customers export",
        "Subscriptions per customer",
        "Customers in two products",
        "Month by month",
        "What changed each month",
        "Data quality",
        "Rejected rows",
        "Probable duplicate customers",
        "Orphan subscriptions",
        "Ended or paused without an end date",
        "Customers without subscriptions",
        "Currencies",
        "What the terms mean",
        "Inputs",
    ]


def test_markdown_opens_with_the_answer_in_both_languages():
    english = render(headline_result(), "md", lang="en")
    assert english.startswith("# Customers and subscriptions on 15 November 2026\n\n")
    assert "you have 1,016 active customers" in english
    german = render(headline_result(), "md", lang="de")
    assert german.startswith("# Kunden und Abonnements am 15. November 2026\n\n")
    assert "haben Sie 1.016 aktive Kunden" in german


def test_difference_is_explained_with_its_numbers():
    text = text_of(render(small_result(), "html", lang="en"))
    # 8 active subscriptions, 4 active customers: 4 extra, held by C1 (4) and C2 (2).
    assert "The difference of 4 comes from customers holding more than one subscription" in text
    assert "2 customers hold several active subscriptions." in text
    assert "On average an active customer holds 2.00 active subscriptions." in text


def test_one_subscription_each_says_the_figures_agree():
    result = small_result()
    totals = replace(result.totals, subscriptions_active=4, customers_active=4)
    text = text_of(render(replace(result, totals=totals), "html", lang="en"))
    assert "Every active customer holds exactly one active subscription" in text


# --- figures in the tables ---------------------------------------------------------


def test_product_rows_show_subscriptions_customers_and_ratio():
    markdown = render(small_result(), "md", lang="en")
    # Payroll: 4 subscriptions of 3 customers = 1.33 per customer.
    assert "| Payroll | 4 | 3 | 1.33 |" in markdown
    assert "| Payroll | 4 | 3 | 1,33 |" in render(small_result(), "md", lang="de")


def test_bridge_shows_counts_running_totals_and_examples():
    markdown = render(small_result(), "md", lang="en")
    assert "| **Rows in the subscriptions export** | 14 | **14** |" in markdown
    assert "| Rows rejected<br>_Lines: 4, 9_ | -2 | 12 |" in markdown
    assert (
        "| Extra subscriptions of customers holding more than one<br>_For example: S-1002, "
        "S-1003 · 2 more — see the JSON_ | -4 | 4 |"
    ) in markdown
    assert (
        "| Active customers found only in the subscriptions export<br>_For example: C4_ | +1 | 4 |"
        in markdown
    )


def test_history_shows_both_nets_side_by_side():
    markdown = render(small_result(), "md", lang="en")
    # Aug 2026: subscriptions 4, customers 3; billing "net customers" +4, real +3.
    assert "| Aug 2026 | 4 | 3 | +4 | **+3** | 3 | 0 | 0 | 0 | 0 |" in markdown
    assert "| Okt 2026 | 7 | 4 | +1 | **+1** | 0 | 1 | 0 | 0 | 1 |" in render(
        small_result(), "md", lang="de"
    )


def test_holdings_show_share_and_a_bar():
    markdown = render(small_result(), "md", lang="en")
    # 2 of 4 customers hold one subscription: 50.0%, the longest bar (20 cells).
    assert "| 1 | 2 | 50.0% | " + "█" * 20 + " |" in markdown
    assert "| 4 | 1 | 25.0% | " + "█" * 10 + " |" in markdown


def test_html_bars_are_table_cells_with_widths():
    soup = BeautifulSoup(render(small_result(), "html", lang="en"), "html.parser")
    blue = soup.find_all("td", attrs={"bgcolor": "#1f5f99"})
    widths = [cell["width"] for cell in blue if cell["width"].endswith("%")]
    # Holdings 2, 1, 1 of largest 2; months' customers 3, 3, 4, 4 of largest 8 subs.
    assert widths[:3] == ["100.0%", "50.0%", "50.0%"]
    assert widths[3:7] == ["37.5%", "37.5%", "50.0%", "50.0%"]


def test_rejections_name_file_line_column_value_and_reason():
    english = render(small_result(), "md", lang="en")
    assert (
        "| subscriptions.csv | 9 | Activated On | 31.02.2026 | "
        "'31.02.2026' is not a date (format dd.mm.yyyy) |"
    ) in english
    assert "| subscriptions.csv | 4 | Customer ID | – | customer ID is empty |" in english
    german = render(small_result(), "md", lang="de")
    assert (
        "| subscriptions.csv | 9 | Activated On | 31.02.2026 | "
        "Ein Datum lässt sich nicht als Datum lesen |"
    ) in german


def test_inputs_show_row_accounting():
    markdown = render(small_result(), "md", lang="en")
    assert "| Subscriptions | subscriptions.csv | zoho | 14 | 11 | 2 | 1 |" in markdown
    assert "| Customers | customers.csv | zoho | 7 | 6 | 1 | 0 |" in markdown


def test_report_without_customers_export_leaves_out_its_walk():
    result = small_result()
    result = replace(
        result,
        inputs=replace(result.inputs, customers=None),
        customer_bridge=(),
    )
    for lang, title in (("en", "The same count from the customers export"), ("de", "Dieselbe")):
        assert title not in render(result, "html", lang=lang)
        assert title not in render(result, "md", lang=lang)


# --- long lists and size ------------------------------------------------------------


def test_long_lists_are_cut_with_a_pointer_to_the_json():
    html = text_of(render(large_result(), "html", lang="en"))
    # 100 plans, 25 shown; 200 rejections, 40 shown; 39 product pairs, 25 shown.
    assert "75 more — see the JSON" in html
    assert "160 more — see the JSON" in html
    assert "14 more — see the JSON" in html
    assert "The last 24 months are shown; 6 earlier months are in the JSON." in html
    german = text_of(render(large_result(), "html", lang="de"))
    assert "75 weitere Einträge – siehe JSON" in german
    assert "Gezeigt werden die letzten 24 Monate; 6 frühere Monate stehen im JSON." in german


def test_months_beyond_24_are_left_out_oldest_first():
    markdown = render(large_result(), "md", lang="en")
    # 30 months from Jun 2024: the first 6 (to Nov 2024) are cut, Dec 2024 is the first.
    assert "| Nov 2024 |" not in markdown
    assert "| Dec 2024 |" in markdown and "| Nov 2026 |" in markdown


@pytest.mark.parametrize("lang", LANGUAGES)
def test_realistic_report_stays_under_100_kb(lang):
    html = render(large_result(), "html", lang=lang)
    assert len(html.encode("utf-8")) < 100_000
    assert len(render(large_result(), "md", lang=lang).encode("utf-8")) < 100_000


def test_rendering_is_fast():
    render(large_result(), "html")  # templates compiled and cached
    started = time.perf_counter()
    render(large_result(), "html", lang="de")
    render(large_result(), "md", lang="de")
    assert time.perf_counter() - started < 1.0


# --- locale formatting ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "number", "date_short", "date_long", "percent", "month"),
    [
        ("en", "1,016", "15 Nov 2026", "15 November 2026", "12.3%", "Mar 2026"),
        ("de", "1.016", "15.11.2026", "15. November 2026", "12,3\u00a0%", "Mär 2026"),
    ],
)
def test_figures_are_formatted_for_the_locale(lang, number, date_short, date_long, percent, month):
    assert i18n.format_number(1016, lang) == number
    assert i18n.format_date(date(2026, 11, 15), lang) == date_short
    assert i18n.format_date(date(2026, 11, 15), lang, style="long") == date_long
    assert i18n.format_percent(0.1234, lang, digits=1) == percent
    assert i18n.format_month("2026-03", lang) == month


def test_signed_changes():
    assert [i18n.format_signed(value, "de") for value in (1234, -3, 0)] == ["+1.234", "-3", "0"]


def test_unknown_language_is_a_usage_error():
    with pytest.raises(ReconcileError, match="unknown language 'fr'; choose one of: en, de"):
        render(small_result(), "html", lang="fr")


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        render(small_result(), "pdf")


def test_german_catalog_compiles_in_milliseconds():
    i18n.translations.cache_clear()
    started = time.perf_counter()
    german = i18n.translations("de")
    elapsed = time.perf_counter() - started
    assert german.gettext("Active customers") == "Aktive Kunden"
    assert elapsed < 0.1


# --- findings and bridge labels ------------------------------------------------------


def test_finding_is_translated_through_its_template_with_locale_numbers():
    item = finding("rows_rejected", 1234, file="subs.csv", code="invalid_date", reason="x")
    assert finding_text(item, "en") == (
        "1,234 rows of subs.csv were rejected: a date cannot be read as a date. "
        "The report lists each with its line, column and value."
    )
    assert finding_text(item, "de") == (
        "1.234 Zeilen von subs.csv wurden abgelehnt: ein Datum lässt sich nicht als Datum "
        "lesen. Der Bericht führt jede mit Zeile, Spalte und Wert auf."
    )


def test_currency_list_is_rebuilt_for_the_locale():
    item = finding(
        "mixed_currencies", 2, currencies="EUR 1200, USD 3", by_currency={"EUR": 1200, "USD": 3}
    )
    assert finding_text(item, "de") == (
        "Aktive Abonnements lauten auf 2 Währungen (EUR 1.200, USD 3); Beträge in "
        "verschiedenen Währungen werden nie addiert."
    )


def test_small_english_findings_read_as_the_engine_wrote_them():
    # Below 1,000 the locale adds no separators: the texts are the engine's messages.
    for item in small_result().findings:
        assert finding_text(item, "en") == item.message


def test_unknown_finding_code_keeps_its_message():
    item = Finding("from_a_newer_engine", "info", "Something new.", 1, {})
    assert finding_text(item, "de") == "Something new."


def test_bridge_labels_are_translated_by_step_code():
    step = BridgeStep("rows_read", "whatever the engine wrote", 14, 14, "start")
    assert step_label(step, "de") == "Zeilen im Abonnement-Export"
    assert step_label(step, "en") == "Rows in the subscriptions export"
    unknown = BridgeStep("new_step", "A new step", 1, 1, "add")
    assert step_label(unknown, "de") == "A new step"


# --- the environment other modules use -----------------------------------------------


def test_environment_offers_filters_and_translations():
    env = environment("de", autoescape=True)
    template = env.from_string(
        "{{ _('Active customers') }}: {{ 1016|number }} {{ d|date }} {{ 0.5|percent }} "
        "{{ '2026-10'|month }} {{ '<b>' }}"
    )
    assert template.render(d=date(2026, 11, 15)) == (
        "Aktive Kunden: 1.016 15.11.2026 50\u00a0% Okt 2026 &lt;b&gt;"
    )
    assert environment("en", autoescape=False).from_string("{{ '<b>' }}").render() == "<b>"


def test_templates_are_found_in_the_package_first_then_the_checkout():
    package = Path(reconcile.__file__).parent
    assert template_dirs() == [package / "templates", package.parent / "templates"]


# --- redaction --------------------------------------------------------------------------


def test_redaction_replaces_names_and_emails_with_stable_pseudonyms():
    redacted = redact(small_result())
    customers = redacted.quality.customers_without_subscriptions
    # Registered in order: C5 (1), C6 (2), C7 (3); then the duplicate keys:
    # billing@nordwind.example is new (4), anna.m@example.com is C7's email (3).
    assert [(c.customer_id, c.name, c.email) for c in customers] == [
        ("C5", "Customer 0001", "customer-0001@redacted.invalid"),
        ("C6", "Customer 0002", "customer-0002@redacted.invalid"),
        ("C7", "Customer 0003", "customer-0003@redacted.invalid"),
    ]
    assert [group.key for group in redacted.probable_duplicate_groups] == [
        "customer-0004@redacted.invalid",
        "customer-0003@redacted.invalid",
    ]
    # IDs, products and everything else stay.
    assert [group.customer_ids for group in redacted.probable_duplicate_groups] == [
        ("C3", "C4"),
        ("C2", "C7"),
    ]
    assert redacted.by_product == small_result().by_product
    assert redacted.totals == small_result().totals


def test_redaction_is_deterministic_and_leaves_no_trace_in_any_report():
    redacted = redact(small_result())
    assert redacted == redact(small_result())
    originals = [
        "x@evil.example",
        "mueller@example.com",
        "anna.m@example.com",
        "billing@nordwind.example",
        "alert(1)",
        "Söhne",
        "Newline",
    ]
    for fmt in FORMATS:
        for lang in LANGUAGES:
            text = render(redacted, fmt, lang=lang).lower()
            assert [item for item in originals if item.lower() in text] == []
            # Pseudonyms do not depend on the language.
            assert "customer 0001" in text and "customer-0004@redacted.invalid" in text


def test_redaction_covers_name_and_email_cells_of_rejected_rows_and_messages():
    result = small_result()
    rejections = (
        Rejection(
            "customers.csv",
            3,
            "Customer Name",
            "Anna Müller",
            "missing_id",
            "no ID: Anna Müller",
        ),
        Rejection("customers.csv", 4, "E-Mail", "ANNA.M@example.com", "missing_id", "no ID"),
        Rejection("subscriptions.csv", 5, "Plan Name", "Gold", "missing_id", "no ID in Gold"),
    )
    mention = Finding(
        "custom",
        "info",
        "Anna Müller wrote from Anna.M@Example.COM.",
        1,
        {
            "who": "Anna Müller",
            "nested": ["anna.m@example.com"],
        },
    )
    redacted = redact(replace(result, rejections=rejections, findings=(mention,)))
    # anna.m@example.com is C7's email (3); "Anna Müller" is a new name (5).
    assert [(r.value, r.message) for r in redacted.rejections] == [
        ("Customer 0005", "no ID: Customer 0005"),
        ("customer-0003@redacted.invalid", "no ID"),
        ("Gold", "no ID in Gold"),
    ]
    assert redacted.findings[0].message == (
        "Customer 0005 wrote from customer-0003@redacted.invalid."
    )
    assert redacted.findings[0].params == {
        "who": "Customer 0005",
        "nested": ["customer-0003@redacted.invalid"],
    }


def test_a_short_name_is_only_replaced_as_a_whole_word():
    result = small_result()
    customers = (CustomerRef("C9", "Al", "al@example.com", 3),)
    mention = Finding("custom", "info", "Also Al and Alan.", 1, {})
    redacted = redact(
        replace(
            result,
            quality=replace(result.quality, customers_without_subscriptions=customers),
            probable_duplicate_groups=(),
            findings=(mention,),
        )
    )
    assert redacted.findings[0].message == "Also Customer 0001 and Alan."


records = st.lists(
    st.tuples(
        st.one_of(st.none(), st.sampled_from(["Ann", "Bob", "Cy", "Dee", " Ann "])),
        st.one_of(st.none(), st.sampled_from(["a@x.de", "A@X.DE ", "b@x.de", "c@x.de"])),
    ),
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(records)
def test_pseudonyms_never_merge_two_people_nor_split_one(people):
    pseudonyms = Pseudonyms()
    for name, email in people:
        pseudonyms.see(name, email)
    names = {name.strip() for name, _ in people if name}
    emails = {email.strip().lower() for _, email in people if email}
    assert len({pseudonyms.name(name) for name in names}) == len(names)
    assert len({pseudonyms.email(email) for email in emails}) == len(emails)
    # Letter case and blanks around an email do not make another person.
    if "a@x.de" in emails:
        assert pseudonyms.email("A@X.DE ") == pseudonyms.email("a@x.de")
