"""The report: content and order, locale formatting, translated findings, cut lists,
size budget, snapshots and redaction. Expected texts are written out by hand."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

import reconcile
from reconcile import i18n, rendering
from reconcile.codes import Detail
from reconcile.findings import FINDINGS, finding
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
from reconcile.result import (
    BridgeStep,
    CustomerRef,
    Finding,
    PlanCount,
    Rejection,
    SubscriptionRef,
)
from tests.processes import ROOT, checkout_environment, fresh_python
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


# Renders every format in every language and prints them as JSON: run in a fresh process.
RENDER_ALL = """
import json
from reconcile.rendering import FORMATS, LANGUAGES, render
from tests.result_examples import small_result
print(json.dumps({f"{fmt}.{lang}": render(small_result(), fmt, lang=lang)
                  for fmt in FORMATS for lang in LANGUAGES}))
"""


def rendered_in_a_fresh_process(hash_seed: str) -> dict[str, str]:
    """Every report rendered by another Python process: nothing cached in this one (the
    templates, the catalogs) can hide a difference, and each process orders sets and
    dicts of strings by its own hash seed."""
    done = fresh_python(
        ["-c", RENDER_ALL],
        environment=checkout_environment({"PYTHONHASHSEED": hash_seed}),
        cwd=ROOT,
        check=True,
    )
    return json.loads(done.stdout)


def test_rendering_is_deterministic_across_processes():
    first, second = rendered_in_a_fresh_process("1"), rendered_in_a_fresh_process("2")
    assert set(first) == {f"{fmt}.{lang}" for fmt in FORMATS for lang in LANGUAGES}
    assert first == second
    # And this process, with its warm caches, renders the same.
    for key, text in first.items():
        fmt, lang = key.split(".")
        assert render(small_result(), fmt, lang=lang) == text, key


# --- the answer first --------------------------------------------------------------


def headline_result():
    result = small_result()
    totals = replace(result.totals, customers_active=1016, subscriptions_active=2656)
    return replace(result, totals=totals)


def test_english_report_opens_with_the_answer():
    text = text_of(render(headline_result(), "html", lang="en"))
    answer = (
        "On 15 November 2026 you have 1,016 active customers. Zoho Billing counts "
        '2,656 active subscriptions as "Active Customers".'
    )
    assert answer in text
    # The answer comes before every section.
    assert text.index(answer) < text.index("What stands out") < text.index("By product")
    assert "1,016 active customers" in text and "2,656 active subscriptions" in text


def test_german_report_opens_with_the_answer():
    text = text_of(render(headline_result(), "html", lang="de"))
    answer = (
        "Am 15. November 2026 haben Sie 1.016 aktive Kunden. Zoho Billing zählt "
        "2.656 aktive Abonnements als „Aktive Kunden“."
    )
    assert answer in text
    assert text.index(answer) < text.index("Auffälligkeiten") < text.index("Nach Produkt")


def test_report_opens_in_the_singular_for_one_customer_and_one_subscription():
    small = small_result()
    one = replace(small, totals=replace(small.totals, customers_active=1, subscriptions_active=1))
    english = render(one, "md", lang="en")
    assert (
        "On 15 November 2026 you have 1 active customer. Zoho Billing counts 1 active "
        'subscription as "Active Customers".'
    ) in english
    assert "| active customer | active subscription |" in english
    german = text_of(render(one, "html", lang="de"))
    assert (
        "Am 15. November 2026 haben Sie 1 aktiven Kunden. Zoho Billing zählt 1 "
        "aktives Abonnement als „Aktive Kunden“. 1 aktiver Kunde"
    ) in german
    assert "1 aktives Abonnement was Zoho Billing als „Aktive Kunden“ ausweist" in german


def test_sections_follow_the_order_of_the_issue():
    soup = BeautifulSoup(render(small_result(), "html", lang="en"), "html.parser")
    # Secondary detail is folded (<details>) under its title in <summary>, in its place.
    titles = soup.find_all(["h1", "h2", "h3", "summary"])
    assert [heading.get_text() for heading in titles] == [
        "Customers and subscriptions on 15 November 2026",
        "What stands out",
        "By product",
        "By plan",
        "Revenue",
        "MRR by product",
        "From rows to customers",
        "The same count from the customers export",
        "Subscriptions per customer",
        "Customers in two products",
        "Month by month",
        "What changed each month",
        "MRR month by month (EUR)",
        "MRR month by month (USD)",
        "Cancellations and plan changes",
        "Data quality",
        "Every finding",
        "Rejected rows",
        "Values that could not be read (row kept)",
        "Probable duplicate customers",
        "Orphan subscriptions",
        "Ended or paused without an end date",
        "Ended or paused without a start date",
        "Customers without subscriptions",
        "Currencies",
        "Inputs",
        "What the terms mean",
    ]


def test_what_stands_out_is_six_conclusions_at_most_errors_first():
    soup = BeautifulSoup(render(small_result(), "html", lang="en"), "html.parser")
    heading = soup.find("h2", string="What stands out")
    lines = [row.get_text(" ", strip=True) for row in heading.find_next("table").find_all("tr")]
    assert lines == [
        # The errors first: the ID damaged by a spreadsheet, as its own line, and every
        # row-level problem of a file in one line: its 2 rejected rows (1 + 1), the exact
        # duplicate and the value that could not be read. (customers.csv's only problem
        # is the damaged ID: no second line for it.)
        "Error 1 row of customers.csv has an ID in scientific notation (4.604E+15): a "
        "spreadsheet has damaged the file and this row cannot be matched. Export the file "
        "again and do not open and save it in a spreadsheet before running reconcile.",
        "Error 2 rows of subscriptions.csv could not be counted: 1 missing ID, 1 invalid "
        "date. 1 exact duplicate row was removed. 1 value could not be read; its row is "
        "counted without it. See Data quality.",
        "Warning 2 groups of different customer IDs share an email address (4 customer IDs "
        "in all). If they were merged there would be 3 active customers instead of 4.",
        "Warning 4 subscriptions need a look: 2 without their customer in the customers "
        "export, 1 ended or paused without an end date, 1 ended or paused without a start "
        "date. See Data quality.",
        "Warning Active subscriptions are in 2 currencies (EUR 7, USD 1); amounts in "
        "different currencies are never added up.",
        "Note 3 customers of customers.csv have no subscription at all.",
        # Payroll's extra subscription, a note.
        "1 more finding in Data quality",
    ]
    german = text_of(render(small_result(), "html", lang="de"))
    assert (
        "2 Zeilen in subscriptions.csv konnten nicht gezählt werden: 1 fehlende ID, 1 "
        "ungültiges Datum. 1 exakt doppelte Zeile wurde entfernt. 1 Wert war nicht lesbar; "
        "seine Zeile wird ohne ihn gezählt. Siehe Datenqualität."
    ) in german
    # Data quality keeps every finding of the engine, word for word.
    every = soup.find("h3", string="Every finding").find_next("table").find_all("tr")
    assert len(every) == len(small_result().findings)


def test_plans_are_sorted_by_gap_and_cut_at_ten():
    plans = tuple(PlanCount("P", f"Plan {index:02d}", 5 + index % 3, 5) for index in range(14))
    plans += (PlanCount("Q", "Wide", 9, 4), PlanCount(None, None, 3, 2))
    result = replace(small_result(), by_plan=plans)
    markdown = render(result, "md", lang="en")
    start = markdown.index("### By plan")
    section = markdown[start : markdown.index("\n## ", start)]
    rows = [line.split(" | ")[:2] for line in section.splitlines() if line.startswith("| ")][1:]
    # Gap 5, then gap 2 (largest first, then by size and name), then gap 1 ...
    assert rows[:4] == [["| Q", "Wide"], ["| P", "Plan 02"], ["| P", "Plan 05"], ["| P", "Plan 08"]]
    assert len(rows) == 10
    assert "_6 more_" in section
    with_json = render(result, "md", lang="en", files={"json": "C:\\Users\\kim\\report.json"})
    assert "_6 more in report.json_" in with_json and "Users" not in with_json


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
    # Each example with its customer's name; the rest counted, and where they are
    # only when a file holding them is written beside the report.
    assert (
        "| Extra subscriptions of customers holding more than one<br>_For example: S-1002 "
        "(Brandt \\& Partner Steuerberatung), S-1003 (Brandt \\& Partner Steuerberatung) · "
        "2 more_ | -4 | 4 |"
    ) in markdown
    assert (
        "| Active customers found only in the subscriptions export<br>_For example: C4 "
        "(Nordwind \\*Logistik\\* \\| Süd)_ | +1 | 4 |"
    ) in markdown
    beside_rows = render(small_result(), "md", lang="en", files={"csv": "/home/anna/rows_1.csv"})
    assert "S-1003 (Brandt \\& Partner Steuerberatung) · all 4 in rows\\_1.csv_ |" in beside_rows
    assert "/home/anna" not in beside_rows


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
    # Money has bars of its own colour: MRR by product against the largest of its currency
    # (EUR 480, 150, 25; USD 49), then the EUR history (400, 500, 575, 655 of 655) and the
    # USD history (0, 0, 49, 49: an empty bar has no coloured cell).
    green = soup.find_all("td", attrs={"bgcolor": "#2f7d5b"})
    money = [cell["width"] for cell in green if cell["width"].endswith("%")]
    by_product = ["100.0%", "31.2%", "5.2%", "100.0%"]
    eur = ["61.1%", "76.3%", "87.8%", "100.0%"]
    assert money == [*by_product, *eur, "100.0%", "100.0%"]


def test_rejections_name_file_line_column_value_and_reason():
    english = render(small_result(), "md", lang="en")
    assert (
        "| subscriptions.csv | 9 | Activated On | 31.02.2026 | "
        "'31.02.2026' is not a date (format dd.mm.yyyy) |"
    ) in english
    assert "| subscriptions.csv | 4 | Customer ID | – | customer ID is empty |" in english
    german = render(small_result(), "md", lang="de")
    assert (
        "| subscriptions.csv | 9 | Activated On | 31.02.2026 | Ein Datumswert ist ungültig |"
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
    files = {"json": "out/report.json"}
    html = text_of(render(large_result(), "html", lang="en", files=files))
    # 100 plans, 10 shown; 200 rejections, 40 shown; 39 product pairs, 5 shown.
    assert "90 more in report.json" in html
    assert "160 more in report.json" in html
    assert "34 more in report.json" in html
    assert "The last 12 of 30 months are shown. All are in report.json." in html
    german = text_of(render(large_result(), "html", lang="de", files=files))
    assert "90 weitere in report.json" in german
    assert "Gezeigt werden die letzten 12 von 30 Monaten. Alle stehen in report.json." in german
    # Without a file beside it, the report says how many more, and names no command.
    alone = text_of(render(large_result(), "html", lang="en"))
    assert "90 more" in alone and "The last 12 of 30 months are shown." in alone
    assert "-o " not in alone and "JSON" not in alone.replace("The JSON report", "")


def test_months_beyond_12_are_left_out_oldest_first():
    markdown = render(large_result(), "md", lang="en")
    # 30 months from Jun 2024: the first 18 (to Nov 2025) are cut, Dec 2025 is the first.
    assert "| Nov 2025 |" not in markdown
    assert "| Dec 2025 |" in markdown and "| Nov 2026 |" in markdown


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


def test_german_catalog_is_compiled_once_per_process():
    # Speed is the benchmarks' business (bench/), not a timed test's: this checks that a
    # run compiles the catalog once, however many texts it translates.
    i18n.translations.cache_clear()
    german = i18n.translations("de")
    assert german.gettext("Active customers") == "Aktive Kunden"
    assert i18n.translations("de") is german
    assert i18n.translations.cache_info().misses == 1


# --- findings and bridge labels ------------------------------------------------------


def test_finding_is_translated_through_its_template_with_locale_numbers():
    item = finding("rows_rejected", 1234, file="subs.csv", code="invalid_date", reason="x")
    assert finding_text(item, "en") == (
        "1,234 rows of subs.csv were rejected: a date is invalid. "
        "The report lists each with its line, column and value."
    )
    assert finding_text(item, "de") == (
        "1.234 Zeilen in subs.csv wurden abgelehnt: Ein Datumswert ist ungültig. "
        "Der Bericht führt jede davon mit Zeile, Spalte und Wert auf."
    )


# --- singular and plural -------------------------------------------------------------
# Each finding as a reader sees it for a count of 1 and of 2, in both languages: the
# engine's English message and the rendered text agree, and no "1 rows" is left.


def said(item: Finding) -> dict[str, str]:
    """A finding's text in every language, after checking the English is the engine's."""
    assert finding_text(item, "en") == item.message
    return {lang: finding_text(item, lang) for lang in LANGUAGES}


@pytest.mark.parametrize(
    ("count", "english", "german"),
    [
        (
            1,
            "1 row of subs.csv was rejected: the start date is missing. "
            "The report lists it with its line, column and value.",
            "1 Zeile in subs.csv wurde abgelehnt: Das Startdatum fehlt. "
            "Der Bericht führt sie mit Zeile, Spalte und Wert auf.",
        ),
        (
            2,
            "2 rows of subs.csv were rejected: the start date is missing. "
            "The report lists each with its line, column and value.",
            "2 Zeilen in subs.csv wurden abgelehnt: Das Startdatum fehlt. "
            "Der Bericht führt jede davon mit Zeile, Spalte und Wert auf.",
        ),
    ],
)
def test_rejected_rows_in_singular_and_plural(count, english, german):
    reason = "the start date is missing"
    item = finding("rows_rejected", count, file="subs.csv", code="missing_start", reason=reason)
    assert said(item) == {"en": english, "de": german}


@pytest.mark.parametrize(
    ("count", "english", "german"),
    [
        (
            1,
            "1 customer of c.csv has no subscription at all.",
            "1 Kunde aus c.csv hat überhaupt kein Abonnement.",
        ),
        (
            2,
            "2 customers of c.csv have no subscription at all.",
            "2 Kunden aus c.csv haben überhaupt kein Abonnement.",
        ),
    ],
)
def test_customers_without_subscriptions_in_singular_and_plural(count, english, german):
    item = finding("customers_without_subscriptions", count, customers_file="c.csv")
    assert said(item) == {"en": english, "de": german}


@pytest.mark.parametrize(
    ("count", "english", "german"),
    [
        (
            1,
            "1 row of s.csv repeated an earlier row exactly and was removed.",
            "1 Zeile in s.csv war eine exakte Wiederholung einer früheren Zeile und wurde "
            "entfernt.",
        ),
        (
            2,
            "2 rows of s.csv repeated an earlier row exactly and were removed.",
            "2 Zeilen in s.csv waren exakte Wiederholungen früherer Zeilen und wurden entfernt.",
        ),
    ],
)
def test_duplicate_rows_in_singular_and_plural(count, english, german):
    assert said(finding("duplicate_rows_removed", count, file="s.csv")) == {
        "en": english,
        "de": german,
    }


def test_each_count_of_a_finding_picks_its_own_form():
    # One customer, one extra subscription; then one customer with three extra.
    one = finding("customers_with_several_subscriptions", 1, customers=1, extra_subscriptions=1)
    assert said(one) == {
        "en": "1 active customer holds more than one active subscription. The extra "
        "subscription is why the subscription count is higher than the customer count.",
        "de": "1 aktiver Kunde hat mehr als ein aktives Abonnement. Das zusätzliche Abonnement "
        "ist der Grund, warum die Zahl der Abonnements höher ist als die der Kunden.",
    }
    three = finding("customers_with_several_subscriptions", 1, customers=1, extra_subscriptions=3)
    assert said(three)["en"] == (
        "1 active customer holds more than one active subscription. The 3 extra "
        "subscriptions are why the subscription count is higher than the customer count."
    )
    product = finding(
        "product_subscriptions_exceed_customers",
        1,
        product="FiBu",
        subscriptions_active=2,
        customers_active=1,
    )
    assert said(product) == {
        "en": 'In product "FiBu", 2 active subscriptions belong to 1 active customer. '
        "That is 1 more subscription than customers.",
        "de": "Im Produkt „FiBu“ gehören 2 aktive Abonnements zu 1 aktiven Kunden. "
        "Das ist 1 Abonnement mehr als Kunden.",
    }


def test_headline_with_one_customer():
    zoho = {
        "counting": "yes",
        "system": "Zoho Billing",
        "figure": "Active Customers",
        "figure_names": {"en": "Active Customers", "de": "Aktive Kunden"},
    }
    item = finding(
        "subscriptions_counted_as_customers", 1, subscriptions_active=2, customers_active=1, **zoho
    )
    assert said(item) == {
        "en": 'Zoho Billing\'s "Active Customers" figure is 2: it counts active '
        "subscriptions. There is 1 active customer.",
        "de": "Die Kennzahl „Aktive Kunden“ von Zoho Billing beträgt 2: Sie zählt aktive "
        "Abonnements. Es gibt 1 aktiven Kunden.",
    }
    # Of a billing system that counts customers, no figure is named.
    plain = finding(
        "subscriptions_counted_as_customers",
        1,
        subscriptions_active=1,
        customers_active=1,
        counting="no",
    )
    assert said(plain) == {
        "en": "1 subscription is active. There is 1 active customer.",
        "de": "1 Abonnement ist aktiv. Es gibt 1 aktiven Kunden.",
    }


def test_one_group_of_duplicates_names_its_ids_and_a_merge_that_changes_nothing_says_so():
    one_group = finding(
        "probable_duplicate_customers",
        1,
        customer_ids=2,
        customers_active=85,
        customers_active_if_merged=84,
    )
    assert said(one_group) == {
        "en": "2 different customer IDs share an email address. If they were merged there "
        "would be 84 active customers instead of 85.",
        "de": "2 verschiedene Kunden-IDs teilen sich eine E-Mail-Adresse. Zusammengeführt "
        "gäbe es 84 statt 85 aktive Kunden.",
    }
    # An old, inactive record beside a new active one: merging changes no active count.
    unchanged = finding(
        "probable_duplicate_customers",
        3,
        customer_ids=7,
        customers_active=85,
        customers_active_if_merged=85,
    )
    assert said(unchanged) == {
        "en": "3 groups of different customer IDs share an email address (7 customer IDs in "
        "all). Merging them would not change the number of active customers.",
        "de": "3 Gruppen verschiedener Kunden-IDs teilen sich jeweils eine E-Mail-Adresse "
        "(insgesamt 7 Kunden-IDs). Eine Zusammenführung würde die Zahl der aktiven Kunden "
        "nicht ändern.",
    }


def contradictions(count: int, live_after_end: int, end_before_start: int) -> Finding:
    return finding(
        "contradictions",
        count,
        live_after_end=live_after_end,
        end_before_start=end_before_start,
    )


def test_contradictions_of_one_kind_never_mention_the_other():
    assert said(contradictions(1, 1, 0)) == {
        "en": "1 subscription contradicts itself: it is live by status although its end date "
        "has passed (it is counted by its end date).",
        "de": "1 Abonnement ist widersprüchlich: Laut Status ist es aktiv, obwohl sein "
        "Enddatum vorbei ist; es wird nach seinem Enddatum gezählt.",
    }
    assert said(contradictions(2, 0, 2)) == {
        "en": "2 subscriptions contradict themselves: they end before their start "
        "(they are never active).",
        "de": "2 Abonnements sind widersprüchlich: Ihr Ende liegt vor ihrem Beginn, "
        "daher sind sie nie aktiv.",
    }


def test_contradictions_of_both_kinds_give_the_total_then_each_kind():
    # Three subscriptions, one of them of both kinds: 2 + 2 kinds, 3 in all.
    assert said(contradictions(3, 2, 2)) == {
        "en": "3 subscriptions contradict themselves. Of these, 2 are live by status although "
        "their end date has passed (they are counted by their end date). 2 end before "
        "their start (they are never active).",
        "de": "3 Abonnements sind widersprüchlich. Davon sind 2 laut Status aktiv, obwohl ihr "
        "Enddatum vorbei ist; sie werden nach ihrem Enddatum gezählt. Bei 2 liegt das Ende "
        "vor dem Beginn; sie sind nie aktiv.",
    }
    # One subscription of both kinds.
    assert said(contradictions(1, 1, 1))["en"] == (
        "1 subscription contradicts itself. Of these, 1 is live by status although its end "
        "date has passed (it is counted by its end date). 1 ends before its start (it "
        "is never active)."
    )


# A plural noun right after the number 1 (German "1 aktiven Kunden" is the singular
# accusative and dative, so only the nominative plural "aktive Kunden" counts).
PLURAL_AFTER_ONE = {
    "en": r"\b1 (rows|subscriptions|customers|groups|(ended or paused|active|more) "
    r"subscriptions|active customers)\b",
    "de": r"\b1 (Zeilen|Abonnements|Kunden (haben|aus)|Gruppen|beendete|aktive (Kunden|"
    r"Abonnements))\b",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_finding_says_a_plural_for_one(lang):
    # Every finding with every count it states at 1 (the currencies finding is only
    # made for two or more; a duplicate group has two IDs or more).
    params = {
        "file": "s.csv",
        "customers_file": "c.csv",
        "example": "4.604E+15",
        "reason": "x",
        "code": "missing_id",
        "product": "P",
        "currencies": "EUR 1, USD 1",
        "subscriptions_active": 2,
        "customers_active": 1,
        "customers": 1,
        "extra_subscriptions": 1,
        "customer_ids": 2,
        "customers_active_if_merged": 1,
        "live_after_end": 1,
        "end_before_start": 0,
        "line": 4,
        "first_sheet": "Notes",
        "titles": 1,
        "title_line": 6,
        "sheet": "Subscriptions",
        "reasons": "1 invalid date",
        "by_reason": {"invalid_date": 1},
        # Amounts that read two ways.
        "column": "Amount",
        "thousands": 1190,
        "decimal": 1.19,
        "duplicates": 1,
        "unreadable": 1,
        # The findings of report downloads.
        "month": "2025-09",
        "months": "2025-08",
        "files": "a.xlsx, b.xlsx",
        "used": "a.xlsx",
        "identical": True,
        "reports": 1,
        "difference": 15.0,
        "explained_by": "credit_rows",
        "cancelled": 1,
        "customers_left": 1,
        # A pasted part that lacks a column; a date a later one undid.
        "lacking": 1,
        "lacking_line": 4,
        "lacking_columns": "'Status'",
        "undone_by": "Reactivation Date",
        # Customer IDs equal but for leading zeros.
        "subscriptions_file": "s.csv",
        "id": "123",
        "export_id": "00123",
    }
    for code in FINDINGS:
        text = finding_text(finding(code, 1, **params), lang)
        assert not re.search(PLURAL_AFTER_ONE[lang], text), text
    english_plural = finding_text(finding("rows_rejected", 2, **params), "en")
    assert re.search(PLURAL_AFTER_ONE["en"].replace("1", "2"), english_plural)


def test_contradiction_kinds_are_said_in_words_beside_the_status():
    assert all(detail.text for detail in Detail)
    small = small_result()
    refs = (
        SubscriptionRef("S-1001", "C1", 2, "Payroll", "live", Detail.LIVE_AFTER_END),
        SubscriptionRef("S-1001", "C1", 2, "Payroll", "live", Detail.END_BEFORE_START),
        SubscriptionRef("S-1002", "C1", 3, "Payroll", "live", "from_a_newer_engine"),
    )
    result = replace(small, quality=replace(small.quality, contradictions=refs))
    english = render(result, "md", lang="en")
    assert "| S-1001 | C1 | 2 | Payroll | live (end date has passed) |" in english
    assert "| S-1001 | C1 | 2 | Payroll | live (ends before its start) |" in english
    assert "| S-1002 | C1 | 3 | Payroll | live (from\\_a\\_newer\\_engine) |" in english
    german = text_of(render(result, "html", lang="de"))
    assert "S-1001 C1 2 Payroll live Enddatum vorbei" in german
    assert "S-1001 C1 2 Payroll live Ende vor dem Beginn" in german


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


def test_values_that_could_not_be_read_are_listed_apart_from_rejected_rows():
    # small_result: S-1005's Amount on line 7 could not be read; the row is kept.
    english = render(small_result(), "md", lang="en")
    rejected = english.index("### Rejected rows")
    unread = english.index("### Values that could not be read (row kept)")
    assert rejected < unread < english.index("### Probable duplicate customers")
    assert (
        "| subscriptions.csv | 7 | Amount | \\<b\\>ca. 90\\</b\\> \\| € | "
        "'\\<b\\>ca. 90\\</b\\> \\| €' is not an amount |"
    ) in english
    assert "| Values that could not be read (row kept) | 1 |" in english
    assert "| S-1010 | C1 | 15 | Payroll | paused (no start date) |" in english
    html = render(small_result(), "html", lang="de")
    assert "<b>ca. 90</b>" not in html  # escaped, never markup
    german = text_of(html)
    assert "subscriptions.csv 7 Amount <b>ca. 90</b> | € Ein Betrag lässt sich nicht als Zahl" in (
        german
    )
    assert "Nicht lesbare Werte (Zeile behalten) 1" in german
    assert "S-1010 C1 15 Payroll paused kein Startdatum" in german


def test_redaction_covers_cells_that_could_not_be_read():
    # A shifted row can put a name into the amount column; the warning still travels
    # in every report, so it is redacted like a rejected cell.
    result = small_result()
    known_name = result.quality.customers_without_subscriptions[0].name
    warnings = (
        Rejection("subscriptions.csv", 9, "Amount", known_name, "invalid_amount", "not an amount"),
        Rejection("subscriptions.csv", 10, "Customer Name", "Olaf Ödland", "invalid_amount", "x"),
    )
    redacted = redact(replace(result, warnings=warnings))
    values = [warning.value for warning in redacted.warnings]
    assert known_name not in values and "Olaf Ödland" not in values
    assert all(value.startswith("Customer ") for value in values)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(JSON_VALUES)
@settings(max_examples=300)
def test_report_json_text_reads_back_as_the_value(value):
    assert json.loads(rendering.json_text(value)) == value


def test_report_json_puts_each_field_and_each_row_on_its_own_line():
    value = {"inputs": {"rows_read": 3, "lines": [4, 9]}, "rows": [{"id": "ä"}, {"id": "b"}]}
    assert rendering.json_text(value) == (
        "{\n"
        '  "inputs": {\n'
        '    "rows_read": 3,\n'
        '    "lines": [4, 9]\n'
        "  },\n"
        '  "rows": [\n'
        '    {"id": "ä"},\n'
        '    {"id": "b"}\n'
        "  ]\n"
        "}"
    )
