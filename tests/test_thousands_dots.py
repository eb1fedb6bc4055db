"""Amounts whose only dot is followed by three digits ("1.190"): 1190 with a dot grouping
thousands (German) or 1.19 with a decimal point. The file decides; when nothing in it does,
the amount is not guessed (docs/decisions.md, issue 9).

MRR worked out by hand: 1.190 EUR a year read as 1190 is 1190 / 12 = 99.1666…, plus 59 a
month: 158.1666… -> 158.17. Read as 1.19 it would be 0.0991… + 59 = 59.10 (the old answer).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconcile.cli import main

HEADER = ["Subscription ID", "Customer ID", "Status", "Amount", "Currency Code", "Interval",
          "Interval Unit", "Activated On"]  # fmt: skip


def export(tmp_path: Path, separator: str, rows: list[list[str]]) -> Path:
    path = tmp_path / "subscriptions.csv"
    lines = [separator.join(HEADER), *(separator.join(row) for row in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def report(tmp_path: Path, path: Path, lang: str = "en") -> dict:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        main, ["report", str(path), "--as-of", "2025-12-01", "--lang", lang, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def eur(data: dict) -> dict:
    (only,) = [c for c in data["revenue"] if c["currency"] == "EUR"]
    return only


@pytest.mark.parametrize(
    ("separator", "date"),
    [
        (";", "01.03.2025"),  # German Excel: both say it
        (";", "2025-03-01"),  # the separator alone
        (",", "01.03.2025"),  # day-first dotted dates alone
    ],
)
def test_a_german_file_reads_dots_as_thousands(tmp_path, separator, date):
    path = export(
        tmp_path,
        separator,
        [
            ["1001", "C1", "live", "1.190", "EUR", "1", "years", date],
            ["1002", "C2", "live", "59", "EUR", "1", "months", date],
        ],
    )
    data = report(tmp_path, path)
    assert eur(data)["mrr"] == 158.17
    assert eur(data)["subscriptions_without_amount"] == 0
    assert data["warnings"] == []


def test_a_decimal_comma_elsewhere_in_the_column_decides(tmp_path):
    # "3.990,00" shows a decimal comma: "1.190" is 1190. 3990/12 + 1190/12 = 431.666… -> 431.67
    path = export(
        tmp_path,
        ",",
        [
            ["1001", "C1", "live", '"3.990,00"', "EUR", "1", "years", "2025-03-01"],
            ["1002", "C2", "live", "1.190", "EUR", "1", "years", "2025-03-01"],
        ],
    )
    assert eur(report(tmp_path, path))["mrr"] == 431.67


def test_a_decimal_point_elsewhere_in_the_column_decides(tmp_path):
    # "12.50" has a decimal point: "1.190" is 1.19 a month. 12.50 + 1.19 = 13.69
    path = export(
        tmp_path,
        ";",
        [
            ["1001", "C1", "live", "12.50", "EUR", "1", "months", "01.03.2025"],
            ["1002", "C2", "live", "1.190", "EUR", "1", "months", "01.03.2025"],
        ],
    )
    data = report(tmp_path, path)
    assert eur(data)["mrr"] == 13.69
    assert data["warnings"] == []


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        (
            "en",
            "1 amount in column 'Amount' of subscriptions.csv reads two ways: 1.190 is 1,190 "
            "if its dot groups thousands, or 1.19 if it is a decimal point",
        ),
        (
            "de",
            "1 Betrag in der Spalte 'Amount' von subscriptions.csv lässt sich zweifach lesen: "
            "1.190 ist 1.190, wenn der Punkt Tausender trennt, oder 1,19, wenn er ein "
            "Dezimalpunkt ist",
        ),
    ],
)
def test_nothing_decides_so_the_amount_is_not_guessed(tmp_path, lang, sentence):
    # A comma-separated file with ISO dates and no other dotted amount: 1190 or 1.19.
    path = export(
        tmp_path,
        ",",
        [
            ["1001", "C1", "live", "1.190", "EUR", "1", "years", "2025-03-01"],
            ["1002", "C2", "live", "59", "EUR", "1", "months", "2025-03-01"],
        ],
    )
    data = report(tmp_path, path, lang)
    assert eur(data)["mrr"] == 59.0
    assert eur(data)["subscriptions_without_amount"] == 1
    assert [(w["line"], w["column"], w["code"]) for w in data["warnings"]] == [
        (2, "Amount", "amount_read_two_ways")
    ]
    (two_ways,) = [f for f in data["findings"] if f["code"] == "amounts_read_two_ways"]
    assert (two_ways["severity"], two_ways["count"]) == ("warning", 1)
    markdown = tmp_path / "report.md"
    args = ["report", str(path), "--as-of", "2025-12-01", "--lang", lang, "-o", str(markdown)]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert sentence in markdown.read_text().replace("\\", "")
