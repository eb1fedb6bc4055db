"""Every revenue figure of issue 12 in both reports and the email, in both languages.

The figures come from sample_exports/zoho/expected.json, which the sample generator
works out from its own records (sharing no code with reconcile); the money is formatted
here by hand as each locale writes it (`€1,234.50` / `1.234,50 €`), so a figure that
goes missing, moves to another cell or is formatted the other locale's way fails.
"""

from __future__ import annotations

import datetime
import json
import re
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from reconcile import reconcile
from reconcile.delivery.message import build_message
from reconcile.rendering import render

SAMPLE = Path(__file__).resolve().parent.parent / "sample_exports" / "zoho"
NBSP = "\u00a0"
SYMBOLS = {"EUR": "€", "CHF": "CHF"}
DASH = "–"  # a month without that movement


@cache
def expected() -> dict:
    return json.loads((SAMPLE / "expected.json").read_text("utf-8"))


@cache
def result():
    as_of = datetime.date.fromisoformat(expected()["as_of"])
    return reconcile(SAMPLE / "subscriptions.csv", SAMPLE / "customers.csv", as_of)


def number(value: float, lang: str, digits: int = 2) -> str:
    text = f"{value:,.{digits}f}"
    return text if lang == "en" else text.translate(str.maketrans(",.", ".,"))


def money(value: float, currency: str, lang: str) -> str:
    if lang == "en":
        return SYMBOLS[currency] + number(value, lang)
    return number(value, lang) + NBSP + SYMBOLS[currency]


def movement(value: float, currency: str, lang: str) -> str:
    return money(value, currency, lang) if value else DASH


def markdown_rows(text: str, heading: str) -> list[list[str]]:
    """The cells of the table under `heading`, a row per list, header rows left out."""
    start = text.index(heading + "\n")
    section = text[start + len(heading) :]
    end = section.find("\n#")
    lines = section[: end if end >= 0 else None].splitlines()
    # Markdown escapes its own characters (`Lohn \\& Gehalt`): a cell is read unescaped.
    rows = [
        [re.sub(r"\\(.)", r"\1", c.strip().strip("*")) for c in line.strip("|").split("|")]
        for line in lines
    ]
    table = [row for row in rows if len(row) > 1 and not set(row[0]) <= {"-", ":"}]
    return table[1:]  # without the header row


def html_rows(text: str, heading: str) -> list[list[str]]:
    soup = BeautifulSoup(text, "html.parser")
    title = next(t for t in soup.find_all(["h2", "h3", "summary"]) if t.get_text() == heading)
    table = title.find_next("table")
    # The table's own rows and cells, not those of the bars drawn as tables inside them.
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    cells = [
        [td.get_text(" ", strip=True) for td in tr.find_all(["td", "th"], recursive=False)]
        for tr in rows
    ]
    return [[c for c in row if c] for row in cells[1:]]


LANGS = ("en", "de")
HEADINGS = {
    "revenue": {"en": "Revenue", "de": "Umsatz"},
    "by_product": {"en": "MRR by product", "de": "MRR nach Produkt"},
    "month": {"en": "MRR month by month ({})", "de": "MRR Monat für Monat ({})"},
}


def rows_of(fmt: str, lang: str, key: str, *args: str) -> list[list[str]]:
    text = render(result(), fmt, lang=lang)
    heading = HEADINGS[key][lang].format(*args)
    return (
        markdown_rows(text, "## " + heading if key == "revenue" else "### " + heading)
        if (fmt == "md")
        else html_rows(text, heading)
    )


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("lang", LANGS)
def test_mrr_arpa_and_arpu_per_currency(fmt, lang):
    want = [
        [
            r["currency"],
            money(r["mrr"], r["currency"], lang),
            str(r["customers"]),
            money(r["arpa"], r["currency"], lang),
            str(r["subscriptions"]),
            money(r["arpu_per_subscription"], r["currency"], lang),
            number(r["subscriptions"] / r["customers"], lang),
        ]
        for r in expected()["revenue"]
    ]
    # EUR: 22,389.81 over 83 customers and 151 subscriptions: ARPA 269.76, ARPU 148.28.
    assert want[1][:2] == ["EUR", money(22389.81, "EUR", lang)]
    assert rows_of(fmt, lang, "revenue") == want


@pytest.mark.parametrize("lang", LANGS)
def test_zohos_arpu_is_put_beside_arpa(lang):
    eur = next(r for r in expected()["revenue"] if r["currency"] == "EUR")
    arpu, arpa = (money(eur[k], "EUR", lang) for k in ("arpu_per_subscription", "arpa"))
    sentence = {
        "en": f"Zoho Billing's ARPU of {arpu} is revenue per subscription; per customer "
        f"(ARPA) it is {arpa}.",
        "de": f"Der ARPU von Zoho Billing beträgt {arpu}: Umsatz pro Abonnement; pro Kunde "
        f"(ARPA) sind es {arpa}.",
    }[lang]
    assert sentence in render(result(), "md", lang=lang)


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("lang", LANGS)
def test_mrr_per_product(fmt, lang):
    want = {
        (p["product"], money(r["mrr"], r["currency"], lang))
        for p in expected()["by_product"]
        for r in p["revenue"]
    }
    got = {(row[0], row[1]) for row in rows_of(fmt, lang, "by_product")}
    assert got == want


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("currency", ["EUR", "CHF"])
def test_every_months_mrr_and_movements(fmt, lang, currency):
    names = ("new", "reactivation", "expansion", "contraction", "churn")
    want = []
    for month in expected()["timeline"]:
        (figures,) = [r for r in month["revenue"] if r["currency"] == currency] or [None]
        if figures is None:
            continue
        row = [money(figures["mrr"], currency, lang)]
        want.append(row + [movement(figures[name], currency, lang) for name in names])
    got = [row[1:] for row in rows_of(fmt, lang, "month", currency)]
    # The report's history shows the last 12 months.
    assert got == want[-12:]
    assert got[-1][0] == money(
        next(r["mrr"] for r in expected()["revenue"] if r["currency"] == currency),
        currency,
        lang,
    )


@pytest.mark.parametrize("lang", LANGS)
def test_the_plan_changes_of_every_month(lang):
    heading = {"en": "### Cancellations and plan changes", "de": "### Kündigungen und Planwechsel"}
    # The report's history shows the last 12 months; the table the months with an end.
    want = [
        [str(m["subscriptions_ended"]), str(m["plan_changes"]), str(m["product_switches"])]
        for m in expected()["timeline"][-12:]
        if m["subscriptions_ended"]
    ]
    got = [row[1:] for row in markdown_rows(render(result(), "md", lang=lang), heading[lang])]
    assert got == want
    assert sum(int(row[1]) for row in got) > 0  # the sample has plan changes


@pytest.mark.parametrize("lang", LANGS)
def test_the_email_body_has_one_line_with_mrr_and_arpa(lang):
    message = build_message(
        result(), attachments=[], rejected_rows_csv=None, lang=lang, sender=None, recipients=[]
    )
    text = message.get_body(("plain",)).get_content()
    parts = [
        f"{money(r['mrr'], r['currency'], lang)} (ARPA {money(r['arpa'], r['currency'], lang)})"
        for r in expected()["revenue"]
    ]
    line = "MRR: " + "; ".join(parts)
    assert [row for row in text.splitlines() if row.startswith("MRR")] == [line]
    html = message.get_body(("html",)).get_content()
    assert "; ".join(parts) in BeautifulSoup(html, "html.parser").get_text()
