"""The Excel workbook (reconcile/workbook.py), read back as a spreadsheet program would:
openpyxl for cell types, frozen panes, filters and properties; fastexcel (through
polars.read_excel) for the figures. The figures are those of tests/result_examples.py's
small_result, worked out by hand there, and the bundled Zoho sample's answer (84
customers, 153 subscriptions, stated in the README)."""

from __future__ import annotations

import datetime
import io
from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner

import reconcile
from reconcile.cli import main
from reconcile.result import CustomerRef, ProductCount
from reconcile.workbook import workbook_bytes
from tests.result_examples import small_result

ROOT = Path(__file__).resolve().parent.parent
ZOHO = ROOT / "sample_exports" / "zoho"

SHEETS = {
    "en": [
        "Summary",
        "By product",
        "By plan",
        "Customers in two products",
        "Revenue",
        "Bridge",
        "Month by month",
        "Renewal dates",
        "Rejected rows and warnings",
        "Probable duplicates",
        "Orphan subscriptions",
        "Subscriptions to check",
        "Customers without subscriptions",
    ],
    "de": [
        "Übersicht",
        "Nach Produkt",
        "Nach Tarif",
        "Kunden in zwei Produkten",
        "Umsatz",
        "Überleitung",
        "Monat für Monat",
        "Verlängerungstermine",
        "Abgelehnte Zeilen, Warnungen",
        "Wahrscheinliche Duplikate",
        "Verwaiste Abonnements",
        "Zu prüfende Abonnements",
        "Kunden ohne Abonnement",
    ],
}


def opened(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheets(data: bytes) -> dict[str, pl.DataFrame]:
    return pl.read_excel(io.BytesIO(data), sheet_id=0, engine="calamine")


@pytest.mark.parametrize("lang", ["en", "de"])
def test_sheet_names_and_headers_are_in_the_reports_language(lang):
    book = opened(workbook_bytes(small_result(), lang=lang))
    assert book.sheetnames == SHEETS[lang]
    assert all(len(name) <= 31 for name in book.sheetnames)
    by_product = book[SHEETS[lang][1]]
    headers = [cell.value for cell in by_product[1]]
    assert (
        headers
        == {
            "en": [
                "Product",
                "Active subscriptions",
                "Active customers",
                "Subscriptions per customer",
            ],
            "de": ["Produkt", "Aktive Abonnements", "Aktive Kunden", "Abonnements je Kunde"],
        }[lang]
    )


def test_figures_read_back_as_numbers_and_dates():
    data = workbook_bytes(small_result(), lang="en")
    book = opened(data)
    summary = book["Summary"]
    answer = [cell.value for cell in summary[2]][:5]
    # As of 15 Nov 2026: 4 customers, 8 subscriptions, 4 extra, 2.00 per customer.
    assert answer == [datetime.datetime(2026, 11, 15), 4, 8, 4, 2.0]
    assert summary["A2"].is_date
    assert summary["B2"].data_type == "n"
    frames = sheets(data)
    assert frames["By product"].rows() == [
        ("Payroll", 4, 3, pytest.approx(4 / 3)),
        ("Accounting", 3, 3, 1.0),
        ("Time <b>tracking</b> | beta", 1, 1, 1.0),
    ]
    # Plans by gap: Payroll/Standard is 3 for 3 like the rest, so by size, then name.
    plans = frames["By plan"]
    assert plans.columns[:5] == [
        "Product",
        "Plan",
        "Active subscriptions",
        "Active customers",
        "Difference",
    ]
    assert plans.height == 5
    months = frames["Month by month"]
    assert months["Month"].to_list()[0] == datetime.date(2026, 8, 1)
    assert months["Active customers"].to_list() == [3, 3, 4, 4]
    assert months["Change in customers"].to_list() == [3, 0, 1, 0]


def test_every_finding_rejection_and_warning_is_listed():
    result = small_result()
    frames = sheets(workbook_bytes(result, lang="en"))
    summary = opened(workbook_bytes(result, lang="en"))["Summary"]
    # The findings table starts on row 4, under the answer.
    assert [cell.value for cell in summary[4]][:4] == ["Severity", "Finding", "Count", "Code"]
    codes = [row[3].value for row in summary.iter_rows(min_row=5) if row[3].value]
    assert codes == [finding.code for finding in result.findings]
    errors = frames["Rejected rows and warnings"]
    assert errors.select("File", "Line", "Code", "Outcome").rows() == [
        ("customers.csv", 5, "id_in_scientific_notation", "rejected"),
        ("subscriptions.csv", 4, "missing_id", "rejected"),
        ("subscriptions.csv", 7, "invalid_amount", "kept"),
        ("subscriptions.csv", 9, "invalid_date", "rejected"),
    ]
    duplicates = frames["Probable duplicates"]
    assert duplicates.rows() == [
        ("billing@nordwind.example", "C3", "Nordwind Logistik GmbH", True),
        ("billing@nordwind.example", "C4", "Nordwind *Logistik* | Süd", True),
        ("anna.m@example.com", "C2", None, True),
        ("anna.m@example.com", "C7", "Anna\nNewline", False),
    ]
    assert frames["Orphan subscriptions"]["Subscription"].to_list() == ["S-1008", "S-1011"]


def test_headers_are_frozen_filtered_and_columns_sized():
    book = opened(workbook_bytes(small_result(), lang="en"))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.tables, sheet.title  # an Excel table: autofilter on its header
        widths = [dimension.width for dimension in sheet.column_dimensions.values()]
        assert widths and all(width and width > 3 for width in widths), sheet.title


def test_text_is_never_a_formula_and_paths_are_file_names():
    result = small_result()
    result = replace(
        result,
        by_product=(ProductCount('=HYPERLINK("http://evil.example")', 1, 1),),
        quality=replace(
            result.quality, customers_without_subscriptions=(CustomerRef("C9", "+49 30 1234"),)
        ),
        rejections=tuple(
            replace(error, file=f"/home/kim/exports/{error.file}") for error in result.rejections
        ),
    )
    data = workbook_bytes(result, lang="en")
    book = opened(data)
    cell = book["By product"]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    assert b"/home/kim" not in _unzipped(data)


def test_the_same_result_gives_the_same_bytes():
    assert workbook_bytes(small_result(), lang="de") == workbook_bytes(small_result(), lang="de")
    properties = opened(workbook_bytes(small_result(), lang="de")).properties
    assert properties.created == datetime.datetime(2026, 11, 15)
    assert properties.creator == "reconcile"
    assert properties.title == "Kunden und Abonnements am 2026-11-15"


def test_cli_writes_the_workbook_with_the_row_trace(tmp_path):
    workbook = tmp_path / "report.xlsx"
    outcome = CliRunner().invoke(
        main,
        ["report", str(ZOHO), "--as-of", "2026-11-15", "--lang", "de", "-o", str(workbook)],
    )
    assert outcome.exit_code == 0, outcome.output
    data = workbook.read_bytes()
    frames = sheets(data)
    answer = opened(data)["Übersicht"]
    assert (answer["B1"].value, answer["C1"].value) == ("Aktive Kunden", "Aktive Abonnements")
    assert (answer["B2"].value, answer["C2"].value) == (84, 153)
    trace = frames["Zeilenverfolgung"]
    assert trace.height == 205  # every row of subscriptions.csv
    assert set(trace["Datei"].unique()) == {"subscriptions.csv"}
    # Counting the trace's steps gives the bridge: 84 rows count an active customer.
    assert (trace["Code"] == "customers_active").sum() == 84
    assert "Kunden-ID" in trace.columns and "Schritt" in trace.columns
    assert str(tmp_path) not in _unzipped(data).decode("utf-8", "replace")


def _unzipped(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def test_revenue_per_currency_with_arpa_beside_zohos_arpu():
    sheet = opened(workbook_bytes(small_result(), lang="en"))["Revenue"]
    rows = [[cell.value for cell in row][:6] for row in sheet.iter_rows(min_row=1, max_row=3)]
    # small_result: EUR 655.00 from 3 customers and 6 subscriptions, USD 49.00 from 1.
    assert rows == [
        [
            "Currency",
            "MRR",
            "Customers with MRR",
            "Subscriptions with MRR",
            "ARPA (per customer)",
            "ARPU as Zoho shows it (per subscription)",
        ],
        ["EUR", 655.0, 3, 6, pytest.approx(218.33, abs=0.01), pytest.approx(109.17, abs=0.01)],
        ["USD", 49.0, 1, 1, 49.0, 49.0],
    ]
    assert sheet["B2"].data_type == "n"


def test_every_list_the_report_cuts_is_in_full():
    # The Zoho sample: the report shows 5 of the 34 customers whose subscriptions renew on
    # different dates and the 5 largest product pairs; "What stands out" counts 3
    # subscriptions to look at (1 orphan, 1 ended without an end date, 1 contradiction;
    # its cancelled row without any date was never activated, so it never paid and needs
    # no start). The workbook holds them all, dates as dates.
    result = reconcile.reconcile(ZOHO, as_of=datetime.date(2026, 11, 15))
    data = workbook_bytes(result, lang="en")
    frames = sheets(data)
    renewals = frames["Renewal dates"]
    assert renewals.height == 34
    assert renewals["Customer ID"].to_list() == [c.customer_id for c in result.renewals.customers]
    first = result.renewals.customers[0]
    assert renewals.row(0) == (
        first.customer_id,
        first.name,
        first.subscriptions,
        min(first.next_renewals),
        ", ".join(day.isoformat() for day in first.next_renewals),
        first.invoices_per_year_now,
        first.invoices_per_year_aligned,
    )
    assert opened(data)["Renewal dates"]["D2"].is_date
    pairs = frames["Customers in two products"]
    assert pairs.rows() == [(p.product_a, p.product_b, p.customers) for p in result.product_overlap]
    assert len(result.product_overlap) > 5
    to_check = frames["Subscriptions to check"]
    assert to_check["List"].to_list() == [
        "Orphan subscriptions",
        "Ended or paused without an end date",
        "Contradictions",
    ]
    without = frames["Customers without subscriptions"]
    assert without["Customer ID"].to_list() == [
        c.customer_id for c in result.quality.customers_without_subscriptions
    ]
