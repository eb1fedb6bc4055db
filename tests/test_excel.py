"""Excel workbooks (.xlsx) as input: the first sheet (or a later one when only that holds an
export), every value as text, through the same
header detection, source matching, validation and row numbering as a CSV file (a sheet
row is a line). Workbooks are written here with XlsxWriter; people and companies are
invented."""

from __future__ import annotations

import datetime
import json
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner

from reconcile.canonical import CUSTOMERS, SUBSCRIPTIONS
from reconcile.cli import main
from reconcile.problems import UnusableFileError
from reconcile.reading import find_exports, read_raw
from reconcile.validation import validate
from tests import zoho_reports as zoho

SEP = datetime.date(2025, 9, 1)


def workbook(path: Path, rows: list[list[object]], *, first_row: int = 0, sheet="Export") -> Path:
    """A workbook whose first sheet holds `rows` from sheet row `first_row` + 1; dates are
    written as date cells, numbers as number cells, as a spreadsheet saves them."""
    book = xlsxwriter.Workbook(str(path))
    sheet_ = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "dd.mm.yyyy"})
    for offset, row in enumerate(rows):
        for column, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet_.write_datetime(first_row + offset, column, value, date_format)
            elif value is not None:
                sheet_.write(first_row + offset, column, value)
    book.add_worksheet("Notes").write(0, 0, "not read")
    book.close()
    return path


GENERIC = [
    ["subscription_id", "customer_id", "status", "start_date", "end_date", "amount", "plan"],
    ["S1", "C1", "active", datetime.date(2025, 1, 15), None, 49.5, "Basic"],
    ["S2", "C1", "active", datetime.date(2025, 3, 1), None, 100, "Pro"],
    ["S3", "C2", "cancelled", datetime.date(2024, 6, 1), datetime.date(2025, 2, 28), 20, "Basic"],
    ["S4", None, "active", datetime.date(2025, 4, 1), None, 10, "Basic"],
    ["S5", "C3", "bogus", datetime.date(2025, 4, 1), None, 10, "Basic"],
]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_zoho_report_title_row_is_a_title_line_above_the_header(tmp_path, suffix):
    path = zoho.write_mrr_details(tmp_path, SEP, suffix)
    raw = read_raw(path, None)
    assert raw.kind == SUBSCRIPTIONS
    expected = zoho.mrr_details_rows(SEP)
    # Row 1 is the title, row 2 the header: the records are sheet rows 3, 4, ... In the
    # CSV the title cell's three line breaks make it four lines.
    title_lines = 1 if suffix == ".xlsx" else 4
    assert raw.header_line == title_lines + 1
    first = title_lines + 2
    assert raw.frame.get_column("line").to_list() == list(range(first, first + len(expected)))
    # Every value is the text Zoho wrote, IDs with all 18 digits, amounts as written.
    assert raw.frame.get_column("subscription_id").to_list() == [row[1] for row in expected]
    headers = {name: header for name, header in raw.headers.items()}
    mrr = raw.frame.get_column(next(k for k, h in headers.items() if h == "mrr")).to_list()
    assert mrr == [row[11] for row in expected]
    # The empty last row is no row: in the CSV it is counted as a blank line; in the
    # workbook its cells hold no value, so the sheet ends before it.
    assert raw.blank_rows_skipped == (1 if suffix == ".csv" else 0)
    assert raw.rows_read == len(expected)


def test_generic_workbook_validates_like_its_csv(tmp_path):
    path = workbook(tmp_path / "subscriptions.xlsx", GENERIC)
    table = validate(read_raw(path, SUBSCRIPTIONS))
    assert table.source == "generic"
    assert table.rows_read == 5
    # Date cells are dates, number cells amounts.
    frame = table.frame.sort("line")
    assert frame.get_column("start").to_list()[:2] == [
        datetime.date(2025, 1, 15),
        datetime.date(2025, 3, 1),
    ]
    assert frame.get_column("amount").to_list()[:3] == [49.5, 100.0, 20.0]
    assert frame.get_column("end").to_list()[2] == datetime.date(2025, 2, 28)
    # Rejected rows by sheet row: S4 (row 5) has no customer ID, S5 (row 6) a bad status.
    errors = sorted(table.rejections.select("line", "column", "code").rows())
    assert errors == [(5, "customer_id", "missing_id"), (6, "status", "unknown_status")]


def test_rows_below_empty_rows_keep_their_sheet_row_numbers(tmp_path):
    # The header on sheet row 4, after three empty rows, and an empty row among the records.
    rows = [GENERIC[0], GENERIC[1], [None] * 7, GENERIC[4]]
    table = validate(read_raw(workbook(tmp_path / "s.xlsx", rows, first_row=3), SUBSCRIPTIONS))
    assert table.frame.get_column("line").to_list() == [5]
    assert table.rejections.select("line", "code").rows() == [(7, "missing_id")]
    assert table.blank_lines_skipped == 1


def test_line_breaks_inside_cells_do_not_move_later_rows(tmp_path):
    rows = [
        ["subscription_id", "customer_id", "status", "start_date", "customer_name"],
        ["S1", "C1", "active", "2025-01-01", "Oberlin\nHaus 2\nHinterhof"],
        ["S2", None, "active", "2025-01-01", "Quast"],
    ]
    table = validate(read_raw(workbook(tmp_path / "s.xlsx", rows), SUBSCRIPTIONS))
    assert table.rejections.select("line", "code").rows() == [(3, "missing_id")]


def test_customers_workbook_is_recognised_in_a_folder(tmp_path):
    workbook(tmp_path / "abos.xlsx", GENERIC)
    workbook(
        tmp_path / "kunden.xlsx",
        [["customer_id", "name", "email"], ["C1", "Quast AG", "q@quast.example"]],
    )
    subscriptions, customers = find_exports(tmp_path)
    assert (subscriptions.name, customers and customers.name) == ("abos.xlsx", "kunden.xlsx")
    assert read_raw(customers, None).kind == CUSTOMERS


def test_report_on_a_workbook_from_the_command_line(tmp_path):
    path = workbook(tmp_path / "subscriptions.xlsx", GENERIC)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        main, ["report", str(path), "--as-of", "2025-04-15", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    # Accepted: S1, S2 (active, customer C1), S3 (ended); rejected S4, S5.
    assert data["totals"]["subscriptions_active"] == 2
    assert data["totals"]["customers_active"] == 1
    assert data["inputs"]["subscriptions"]["rows_rejected"] == 2


def test_old_excel_workbook_is_refused_with_advice(tmp_path):
    path = tmp_path / "export.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(UnusableFileError) as caught:
        read_raw(path, SUBSCRIPTIONS)
    assert "(.xls)" in caught.value.problem
    assert "xlsx" in caught.value.advice


def test_damaged_workbook_is_refused_with_advice(tmp_path):
    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet")  # cut off
    with pytest.raises(UnusableFileError) as caught:
        read_raw(path, SUBSCRIPTIONS)
    assert caught.value.problem.startswith("is an Excel workbook that cannot be read")
    assert "save it again" in caught.value.advice


def test_zip_that_is_no_workbook_is_refused(tmp_path):
    path = tmp_path / "export.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("export.csv", "a,b\n")
    with pytest.raises(UnusableFileError) as caught:
        read_raw(path, SUBSCRIPTIONS)
    assert caught.value.problem == "is a zip archive, not a CSV file or an Excel workbook"


def test_opendocument_spreadsheet_is_refused_with_advice(tmp_path):
    path = tmp_path / "export.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(UnusableFileError) as caught:
        read_raw(path, SUBSCRIPTIONS)
    assert "OpenDocument" in caught.value.problem
    assert ".xlsx" in caught.value.advice


def test_empty_first_sheet_is_refused(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "empty.xlsx"))
    book.add_worksheet("Leer")
    book.add_worksheet("Daten").write_row(0, 0, ["Notizen"])
    book.close()
    with pytest.raises(UnusableFileError) as caught:
        read_raw(tmp_path / "empty.xlsx", SUBSCRIPTIONS)
    assert caught.value.problem == "is an Excel workbook whose first sheet 'Leer' is empty"


ZOHO_SHEET = [
    ["Subscription ID", "Customer ID", "Customer Name", "Status", "Activated On", "Cancelled On"],
    ["4600000000001001", "K-1", "Lindner Bau", "live", datetime.date(2025, 1, 10), None],
    ["4600000000001002", "K-1", "Lindner Bau", "live", datetime.date(2025, 5, 1), None],
    [
        "4600000000001003",
        "K-2",
        "Ostwind Kaffee",
        "cancelled",
        datetime.date(2024, 2, 1),
        datetime.date(2025, 3, 31),
    ],
    ["4600000000001004", "K-3", "Pfeiffer Optik", "live", datetime.date(2025, 2, 1), None],
]


def notes_then_export(path: Path, first: str = "Notes") -> Path:
    """A workbook whose first sheet holds notes (or nothing) and whose second sheet
    'Subscriptions' holds a Zoho export from row 1, as an analyst saves one for a board."""
    book = xlsxwriter.Workbook(str(path))
    notes = book.add_worksheet(first)
    if first == "Notes":
        notes.write(0, 0, "Exported by Ida Brenner for the board meeting")
        notes.write(1, 0, "see sheet 2")
    sheet = book.add_worksheet("Subscriptions")
    date_format = book.add_format({"num_format": "dd.mm.yyyy"})
    for row, values in enumerate(ZOHO_SHEET):
        for column, value in enumerate(values):
            if isinstance(value, datetime.date):
                sheet.write_datetime(row, column, value, date_format)
            elif value is not None:
                sheet.write_string(row, column, value)
    book.close()
    return path


@pytest.mark.parametrize("first", ["Notes", "Leer"])
def test_the_export_is_read_from_a_later_sheet_when_the_first_holds_none(tmp_path, first):
    # As of 2025-06-30: 1001, 1002 (K-1) and 1004 (K-3) live, 1003 (K-2) cancelled on
    # 2025-03-31: 3 active subscriptions, 2 active customers of 3 known.
    path = notes_then_export(tmp_path / "zoho.xlsx", first)
    raw = read_raw(path, None)
    assert (raw.source.name, raw.rows_read, raw.later_sheet) == (
        "zoho",
        4,
        (first, "Subscriptions"),
    )
    assert raw.frame.get_column("line").to_list() == [2, 3, 4, 5]
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        main, ["report", str(path), "--as-of", "2025-06-30", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    totals = report["totals"]
    assert (totals["subscriptions_active"], totals["customers_active"]) == (3, 2)
    assert (totals["customers_known"], totals["subscriptions_ended"]) == (3, 1)
    [finding] = [f for f in report["findings"] if f["code"] == "export_on_later_sheet"]
    assert finding["message"] == (
        f"{path}: its first sheet '{first}' holds no export; the export was read from "
        "sheet 'Subscriptions'."
    )


def test_validate_names_the_sheet_read(tmp_path):
    path = notes_then_export(tmp_path / "zoho.xlsx")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0
    assert (
        "  read from sheet 'Subscriptions': the first sheet, 'Notes', holds no export\n"
        in result.output
    )


def test_the_sheet_read_is_said_in_german_too(tmp_path):
    path = notes_then_export(tmp_path / "zoho.xlsx")
    out = tmp_path / "r.md"
    result = CliRunner().invoke(
        main, ["report", str(path), "--as-of", "2025-06-30", "-o", str(out), "--lang", "de"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "zoho.xlsx: Das erste Tabellenblatt „Notes“ enthält keinen Export; der Export wurde "
        "aus dem Tabellenblatt „Subscriptions“ gelesen."
    ) in out.read_text().replace("\\_", "_")


def test_a_first_sheet_with_an_export_is_read_whatever_follows(tmp_path):
    path = workbook(tmp_path / "g.xlsx", GENERIC)  # a "Notes" sheet follows the export
    raw = read_raw(path, None)
    assert (raw.rows_read, raw.later_sheet) == (5, None)


def test_cli_message_for_a_damaged_workbook(tmp_path):
    path = tmp_path / "export.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "garbage")
    result = CliRunner().invoke(main, ["report", str(path), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "is an Excel workbook that cannot be read" in result.output
