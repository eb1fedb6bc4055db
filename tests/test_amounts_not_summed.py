"""Amounts that are read but never summed into MRR: one written in another currency than
the row's currency column (DOMAIN.md: amounts are never mixed across currencies), and a
negative one (a credit). Both are row warnings; the row counts, without MRR.

tests/fixtures/stripe_amounts/subscriptions.csv (Stripe's header, invented companies), on
2026-11-15 every row is active (past_due is paying):

| line | amount | currency | right answer |
|---|---|---|---|
| 2 | 49.00 a month | eur | 49.00 EUR MRR |
| 3 | -49.00 | eur | negative_amount, no MRR |
| 4 | 49.00 USD | eur | amount_currency_differs (USD vs EUR), no MRR |
| 5 | CHF 490.00 a year | eur | amount_currency_differs (CHF vs EUR), no MRR |
| 6 | € 120.00 a year | eur | 120 / 12 = 10.00 EUR MRR (the sign agrees) |
| 7 | $ 30.00 a month | usd | 30.00 USD MRR ("$" is several currencies' sign: no conflict) |
| 8 | (1,200.00) a year | eur | negative_amount (accounting parentheses), no MRR |

EUR: MRR 49 + 10 = 59.00 from 2 subscriptions of 2 customers, 4 without amount;
USD: 30.00 from 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from reconcile import parsing
from reconcile.cli import main

STRIPE = Path(__file__).parent / "fixtures" / "stripe_amounts" / "subscriptions.csv"


def run(tmp_path: Path, suffix: str = ".json", lang: str = "en") -> Path:
    out = tmp_path / f"report{suffix}"
    result = CliRunner().invoke(
        main, ["report", str(STRIPE), "--as-of", "2026-11-15", "--lang", lang, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


def test_currency_an_amount_writes():
    values = ["49.00 USD", "CHF 490.00", "€ 120.00", "$ 30.00", "-49.00", "49 eur", "Fr. 12.50"]
    written = parsing.amount_currencies(pl.Series(values, dtype=pl.String))
    assert written.to_list() == ["USD", "CHF", "EUR", "$", None, "EUR", "CHF"]
    # "$" is several currencies' sign: it agrees with USD or CAD, not with EUR.
    rows = pl.DataFrame(
        {
            "written": ["$", "$", "$", "USD", "EUR", None, "USD"],
            "currency": ["USD", "CAD", "EUR", "EUR", "EUR", "EUR", None],
        }
    )
    disagrees = rows.select(
        parsing.currency_disagrees_expr(pl.col("written"), pl.col("currency"))
    ).to_series()
    assert disagrees.to_list() == [False, False, True, True, False, False, False]


def test_other_currencies_and_credits_add_no_mrr(tmp_path):
    data = json.loads(run(tmp_path).read_text())
    revenue = {c["currency"]: c for c in data["revenue"]}
    eur, usd = revenue["EUR"], revenue["USD"]
    assert (eur["mrr"], eur["subscriptions"], eur["customers"]) == (59.0, 2, 2)
    assert eur["subscriptions_without_amount"] == 4
    assert (usd["mrr"], usd["subscriptions"], usd["subscriptions_without_amount"]) == (30.0, 1, 0)
    assert data["totals"]["subscriptions_active"] == 7
    assert data["inputs"]["subscriptions"]["rows_rejected"] == 0
    warnings = [(w["line"], w["column"], w["code"]) for w in data["warnings"]]
    assert warnings == [
        (3, "Amount", "negative_amount"),
        (4, "Amount", "amount_currency_differs"),
        (5, "Amount", "amount_currency_differs"),
        (8, "Amount", "negative_amount"),
    ]
    messages = {w["line"]: w["message"] for w in data["warnings"]}
    assert messages[4] == (
        "'49.00 USD' is in USD, but the row's currency is EUR: amounts are never added "
        "across currencies, so the subscription has no MRR"
    )
    assert "'CHF 490.00' is in CHF, but the row's currency is EUR" in messages[5]


@pytest.mark.parametrize(
    ("lang", "sentences"),
    [
        (
            "en",
            [
                "2 rows of subscriptions.csv have an amount that is not added to MRR: an "
                "amount is written in another currency than the row's.",
                "2 rows of subscriptions.csv have an amount that is not added to MRR: an "
                "amount is negative.",
            ],
        ),
        (
            "de",
            [
                "2 Zeilen in subscriptions.csv haben einen Betrag, der nicht in den MRR "
                "eingeht: Ein Betrag steht in einer anderen Währung als der der Zeile.",
                "2 Zeilen in subscriptions.csv haben einen Betrag, der nicht in den MRR "
                "eingeht: Ein Betrag ist negativ.",
            ],
        ),
    ],
)
def test_report_says_which_amounts_are_not_summed(tmp_path, lang, sentences):
    text = run(tmp_path, ".md", lang).read_text().replace("\\", "")
    for sentence in sentences:
        assert sentence in text
