"""Customer IDs a spreadsheet stripped of their leading zeros: `00123` in the customers
export, `123` in the subscriptions export (Excel reads the column as numbers when the
file is opened and saved). They cannot be told apart inside one file; across the two
exports they show as an orphan subscription beside a customer without subscriptions
whose IDs are equal once leading zeros are ignored. Such pairs are named in a warning,
never matched (DOMAIN.md: nothing is merged silently).

The files are invented; every figure is worked out by hand in the comments."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from reconcile import quality
from reconcile.cli import main

SUBSCRIPTIONS = (
    "subscription_id,customer_id,status,start_date\n"
    "S1,123,active,2025-01-01\n"  # lost the zeros of 00123
    "S2,124,active,2025-01-01\n"  # lost the zeros of 00124
    "S3,0125,active,2025-01-01\n"  # kept its zero: matched as it is
    "S4,999,active,2025-01-01\n"  # an orphan with no such customer at all
    "S5,A-7,active,2025-01-01\n"  # not all digits: never compared that way
)
CUSTOMERS = (
    "customer_id,name,email\n"
    "00123,Alder GmbH,alder@example.org\n"
    "00124,Birke KG,birke@example.org\n"
    "0125,Cedar AG,cedar@example.org\n"
    "A-07,Douglas OHG,douglas@example.org\n"
)


def _report(tmp_path: Path, lang: str = "en") -> tuple[dict, str]:
    subscriptions = tmp_path / "subs.csv"
    customers = tmp_path / "cust.csv"
    subscriptions.write_text(SUBSCRIPTIONS, encoding="utf-8")
    customers.write_text(CUSTOMERS, encoding="utf-8")
    out = tmp_path / "report.json"
    markdown = tmp_path / "report.md"
    args = ["report", str(subscriptions), "--customers", str(customers), "--as-of", "2026-01-01"]
    result = CliRunner().invoke(main, [*args, "--lang", lang, "-o", str(out), "-o", str(markdown)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8")), markdown.read_text(encoding="utf-8")


def test_ids_equal_but_for_leading_zeros_are_named_not_matched(tmp_path: Path):
    report, markdown = _report(tmp_path)
    totals = report["totals"]
    # Not matched: S1, S2, S4 and S5 are orphans; 00123, 00124 and A-07 have no
    # subscription. Known customers: 123, 124, 0125, 999, A-7 and the three.
    assert (totals["orphan_subscriptions"], totals["customers_without_subscriptions"]) == (4, 3)
    assert totals["customers_known"] == 8
    [finding] = [f for f in report["findings"] if f["code"] == "leading_zeros_lost"]
    # 123 ~ 00123 and 124 ~ 00124; 999 has no counterpart, A-7 and A-07 are not digits.
    assert finding["severity"] == "warning"
    assert finding["count"] == 2
    assert finding["params"]["pairs"] == [["123", "00123"], ["124", "00124"]]
    sentence = (
        "2 customer IDs of {s} are ones of {c} but for their leading zeros (the first: '123' "
        "and '00123'): a spreadsheet probably dropped them when it saved one of the files. "
        "They are not matched: export both files again without opening them in a spreadsheet."
    )
    assert finding["message"] == sentence.format(s=tmp_path / "subs.csv", c=tmp_path / "cust.csv")
    # Where the reader looks first: among the notes above the figures' sections.
    assert markdown.index("leading zeros") < markdown.index("## By product")
    assert str(tmp_path) not in markdown


def test_the_warning_in_german(tmp_path: Path):
    _, markdown = _report(tmp_path, "de")
    sentence = (
        "2 Kunden-IDs von {s} sind bis auf ihre führenden Nullen welche von {c} (die erste: "
        "„123“ und „00123“): Vermutlich hat eine Tabellenkalkulation sie beim Speichern einer "
        "der Dateien entfernt. Sie werden nicht zugeordnet: Exportieren Sie beide Dateien "
        "erneut, ohne sie in einer Tabellenkalkulation zu öffnen."
    )
    # The report names the files only, never the folders they are in.
    assert sentence.format(s="subs.csv", c="cust.csv") in markdown
    assert str(tmp_path) not in markdown


def test_pairs_are_looked_for_in_both_directions_and_only_among_digits():
    def ids(*values: str) -> pl.DataFrame:
        return pl.DataFrame({"customer_id": list(values)}, schema={"customer_id": pl.String})

    # The subscriptions may hold the zeros and the customers export not; "0" and "000"
    # are the same number; "12a" is no number.
    pairs = quality.leading_zero_pairs(ids("007", "000", "12a", "007"), ids("7", "0", "12a"))
    assert pairs == (("000", "0"), ("007", "7"))
    assert quality.leading_zero_pairs(ids(), ids("7")) == ()
    assert quality.leading_zero_pairs(ids("7"), ids()) == ()
