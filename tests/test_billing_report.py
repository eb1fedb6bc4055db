"""--billing-report: the billing system's report export, CSV and .xlsx, in two layouts
(tests/fixtures/README.md works out every figure against billing/subscriptions.csv):

- subscription_summary.csv: Zoho's Subscription Summary as its help pages describe it (a
  title above the header; Date, Signups, Activations, Cancellations, Reactivations, Active
  Customers; one row per month dated on its first day; a Total row).
- aktive_kunden.csv: a German Active Customers / Net Customers report (Monat, Aktive
  Kunden, Kunden netto; months as "Mär 2026"; Windows-1252, ';', CRLF).

The .xlsx versions are written here with XlsxWriter from the same cells, Zoho-style: a
title merged across every column with line breaks in row 1, the header in row 2 and an
empty last row.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner

import reconcile
from reconcile.cli import main
from reconcile.problems import ReconcileError, UnusableFileError

FIXTURES = Path(__file__).parent / "fixtures" / "billing"
SUBSCRIPTIONS = FIXTURES / "subscriptions.csv"
SUMMARY = FIXTURES / "subscription_summary.csv"
GERMAN = FIXTURES / "aktive_kunden.csv"
AS_OF = date(2026, 3, 15)

# (name, period, billing value, subscriptions, customers, verdict, explained_by), worked
# out by hand in tests/fixtures/README.md.
SUMMARY_FIGURES = [
    # 105 became active on 2025-12-20; Oberholz already held 106: no new customer.
    ("Activations", "2025-12", 1, 1, 0, "match", ()),
    ("Cancellations", "2025-12", 0, 0, 0, "match", ()),
    ("Active Customers", "2025-12", 8, 9, 5, "explained", ("dunning",)),
    ("Activations", "2026-01", 0, 0, 0, "match", ()),
    ("Cancellations", "2026-01", 0, 0, 0, "match", ()),
    ("Active Customers", "2026-01", 9, 9, 5, "match", ()),
    ("Activations", "2026-02", 1, 1, 1, "match", ()),
    ("Cancellations", "2026-02", 1, 1, 0, "match", ()),
    ("Active Customers", "2026-02", 8, 9, 6, "explained", ("dunning",)),
    ("Activations", "2026-03", 0, 0, 0, "match", ()),
    ("Cancellations", "2026-03", 1, 1, 1, "match", ()),
    ("Active Customers", "2026-03", 8, 8, 5, "match", ()),
]
GERMAN_FIGURES = [
    ("Aktive Kunden", "2026-01", 9, 9, 5, "match", ()),
    ("Kunden netto", "2026-01", 0, 0, 0, "match", ()),
    ("Aktive Kunden", "2026-02", 9, 9, 6, "match", ()),
    ("Kunden netto", "2026-02", 0, 0, 1, "match", ()),
    ("Aktive Kunden", "2026-03", 6, 8, 5, "explained", ("non_renewing",)),
    ("Kunden netto", "2026-03", -3, -1, -1, "unexplained", ()),
]


def as_xlsx(source: Path, target: Path, encoding: str, separator: str) -> Path:
    """The CSV's header and rows as a Zoho-style workbook: a merged title in row 1."""
    text = source.read_bytes().decode(encoding)
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=separator) if row]
    header_index = next(i for i, row in enumerate(rows) if len(row) > 1)
    rows = rows[header_index:]
    workbook = xlsxwriter.Workbook(str(target))
    sheet = workbook.add_worksheet("report")
    title = "Lindqvist Software GmbH\nBilling report\n\nFrom 01 Dec 2025 To 15 Mar 2026"
    sheet.merge_range(0, 0, 0, len(rows[0]) - 1, title, workbook.add_format({"text_wrap": 1}))
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            number = cell.lstrip("-").isdigit()
            if number:  # numbers as number cells, as Excel holds them
                sheet.write_number(r, c, int(cell))
            else:
                sheet.write_string(r, c, cell)
    sheet.write_string(len(rows) + 1, 0, "")  # Zoho's empty last row
    workbook.close()
    return target


def layouts(tmp_path: Path) -> dict[str, tuple[Path, list]]:
    return {
        "summary.csv": (SUMMARY, SUMMARY_FIGURES),
        "summary.xlsx": (
            as_xlsx(SUMMARY, tmp_path / "summary.xlsx", "utf-8", ","),
            SUMMARY_FIGURES,
        ),
        "german.csv": (GERMAN, GERMAN_FIGURES),
        "german.xlsx": (as_xlsx(GERMAN, tmp_path / "german.xlsx", "cp1252", ";"), GERMAN_FIGURES),
    }


@pytest.mark.parametrize("layout", ["summary.csv", "summary.xlsx", "german.csv", "german.xlsx"])
def test_every_row_becomes_a_figure_for_its_month(tmp_path, layout):
    path, expected = layouts(tmp_path)[layout]
    result = reconcile.reconcile(SUBSCRIPTIONS, as_of=AS_OF, billing_report=path)
    got = [
        (
            f.name,
            f.period,
            f.billing_value,
            f.subscriptions,
            f.customers,
            f.verdict,
            f.explained_by,
        )
        for f in result.billing_figures
    ]
    assert got == expected


def test_what_was_read_of_the_summary(tmp_path):
    result = reconcile.reconcile(SUBSCRIPTIONS, as_of=AS_OF, billing_report=SUMMARY)
    report = result.billing_report
    assert (report.rows_read, report.figures, report.period_column) == (5, 12, "Date")
    assert report.columns_compared == ("Activations", "Cancellations", "Active Customers")
    assert report.columns_not_compared == ("Signups", "Reactivations")
    # Lines 1-3 are the title, line 4 is empty, line 5 the header: the Total row is line 10.
    assert report.total_lines_skipped == (10,)
    assert result.billing_figures[0].origin == "subscription_summary.csv, line 6"


def test_the_cli_reads_the_report_like_the_api(tmp_path):
    out = tmp_path / "r.json"
    cli = CliRunner().invoke(
        main,
        [
            "report",
            str(SUBSCRIPTIONS),
            "--as-of",
            "2026-03-15",
            "-o",
            str(out),
            "--billing-report",
            str(GERMAN),
            "--billing-figure",
            "Aktive Kunden=8",
        ],
    )
    assert cli.exit_code == 0, cli.output
    document = json.loads(out.read_text("utf-8"))
    api = reconcile.reconcile(
        SUBSCRIPTIONS, as_of=AS_OF, billing_figures=["Aktive Kunden=8"], billing_report=GERMAN
    ).to_dict()
    assert document["billing_figures"] == api["billing_figures"]
    assert document["billing_report"] == api["billing_report"]
    # Typed-in figures first, then the report's.
    assert [f["origin"] for f in document["billing_figures"]][:2] == [
        "--billing-figure",
        "aktive_kunden.csv, line 2",
    ]


def test_days_are_days_when_not_all_on_the_first(tmp_path):
    report = tmp_path / "daily.csv"
    report.write_text("Date,Active Customers\n2026-02-27,9\n2026-03-15,7\n", "utf-8")
    result = reconcile.reconcile(SUBSCRIPTIONS, as_of=AS_OF, billing_report=report)
    first, second = result.billing_figures
    assert (first.period, first.observed_on, first.subscriptions) == (
        "2026-02-27",
        date(2026, 2, 27),
        9,
    )
    # 7 = 8 without the 1 dunning subscription.
    assert (second.period, second.verdict, second.explained_by) == (
        "2026-03-15",
        "explained",
        ("dunning",),
    )


def test_a_mapping_file_names_an_unknown_layout(tmp_path):
    report = tmp_path / "export.csv"
    report.write_text("Stichtag;Anzahl Abos;Notiz\n15.03.2026;8;ok\n", "utf-8")
    with pytest.raises(UnusableFileError, match="names no figure reconcile knows"):
        reconcile.reconcile(SUBSCRIPTIONS, as_of=AS_OF, billing_report=report)
    mapping = tmp_path / "mine.toml"
    mapping.write_text(
        'extends = "zoho"\n[billing_report.columns]\nperiod = ["Stichtag"]\n'
        'active = ["Anzahl Abos"]\n',
        "utf-8",
    )
    result = reconcile.reconcile(
        SUBSCRIPTIONS, as_of=AS_OF, billing_report=report, mapping_file=mapping
    )
    (figure,) = result.billing_figures
    assert (figure.name, figure.period, figure.verdict) == ("Anzahl Abos", "2026-03-15", "match")
    assert result.billing_report.columns_not_compared == ("Notiz",)


def test_a_value_that_is_no_number_names_file_line_and_column(tmp_path):
    report = tmp_path / "bad.csv"
    report.write_text("Month,Active Customers\n2026-02,9\n2026-03,acht\n", "utf-8")
    with pytest.raises(ReconcileError, match=r"bad.csv, line 3, column 'Active Customers'"):
        reconcile.reconcile(SUBSCRIPTIONS, as_of=AS_OF, billing_report=report)


def test_a_bad_value_is_exit_2_without_a_traceback(tmp_path):
    report = tmp_path / "bad.csv"
    report.write_text("Month,Active Customers\n2026-13,9\n", "utf-8")
    result = CliRunner().invoke(
        main,
        [
            "report",
            str(SUBSCRIPTIONS),
            "--as-of",
            "2026-03-15",
            "-o",
            str(tmp_path / "r.md"),
            "--billing-report",
            str(report),
        ],
    )
    assert result.exit_code == 2
    assert "line 2, column 'Month'" in result.output
    assert "Traceback" not in result.output


def test_the_report_section_names_the_file_and_what_was_not_compared():
    from reconcile.rendering import render

    result = reconcile.reconcile(SUBSCRIPTIONS, as_of=AS_OF, billing_report=SUMMARY)
    text = render(result, "md", lang="en")
    assert "subscription\\_summary.csv" in text
    assert "Signups, Reactivations" in text
    german = render(result, "md", lang="de")
    assert "nicht verglichen: Signups, Reactivations" in german


def test_the_json_follows_its_schema():
    import jsonschema

    schema = json.loads(
        (Path(__file__).resolve().parent.parent / "docs/report.schema.json").read_text()
    )
    document = reconcile.reconcile(
        SUBSCRIPTIONS,
        as_of=AS_OF,
        billing_report=SUMMARY,
        billing_figures=["Active Customers@2026-04=3"],
    ).to_dict()
    jsonschema.validate(document, schema)


def test_the_readme_examples_work(tmp_path, monkeypatch):
    import re
    import shlex

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text("utf-8")
    (block,) = [
        b for b in re.findall(r"```sh\n(.*?)```", readme, re.DOTALL) if "--billing-report" in b
    ]
    argv = shlex.split(block.replace("\\\n", " "))[1:]
    argv = [str(tmp_path / a) if a.startswith("report.") else a for a in argv]
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 0, result.output
    assert "Your billing system's figures" in (tmp_path / "report.md").read_text("utf-8")
    (toml,) = [
        b for b in re.findall(r"```toml\n(.*?)```", readme, re.DOTALL) if "[billing_report" in b
    ]
    mapping = tmp_path / "my-billing.toml"
    # The README's lines go into the mapping file that describes the export (here Zoho's).
    mapping.write_text('extends = "zoho"\n' + toml, "utf-8")
    kpis = tmp_path / "kpis.csv"
    kpis.write_text("Stichtag;Anzahl Abos\n15.03.2026;8\n", "utf-8")
    figures = reconcile.reconcile(
        SUBSCRIPTIONS, as_of=AS_OF, billing_report=kpis, mapping_file=mapping
    ).billing_figures
    assert [(f.name, f.verdict) for f in figures] == [("Anzahl Abos", "match")]
