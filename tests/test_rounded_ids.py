"""IDs a spreadsheet rounded to 15 significant digits (docs/decisions.md, issue 9).

Fixtures in tests/fixtures/spreadsheet_ids (README there). The originals were 19-digit
Zoho IDs 4711902000000120001, ...120409, ...120412, ...120417, ...121388 (subscriptions)
and 4711902000000046001, ...046293, ...049907 (customers). Excel keeps 15 significant
digits: every subscription ID becomes 4711902000000120000 and every customer ID
4711902000000050000. Written out from the float itself (an .xlsx number cell, a CSV saved
through a float), 4711902000000120409 becomes 4711902000000120832 (the nearest float;
floats are 512 apart there).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from click.testing import CliRunner

from reconcile import parsing
from reconcile.cli import main
from reconcile.problems import UnusableFileError
from reconcile.reading import read_raw
from reconcile.validation import validate

IDS = Path(__file__).parent / "fixtures" / "spreadsheet_ids"


def _rounded(values: list[str | None]) -> list[bool | None]:
    return parsing.rounded_ids(pl.Series(values, dtype=pl.String)).to_list()


def test_value_shapes_a_spreadsheet_leaves():
    # Plain-Python oracle: 15 significant digits, and the float's exact value.
    original = 4711902000000120409
    excel = int(Decimal(original).quantize(Decimal("1e4")))
    as_float = int(float(original))
    assert (excel, as_float) == (4711902000000120000, 4711902000000120832)
    assert _rounded([str(excel), str(as_float), str(original)]) == [True, True, False]
    # 15 digits or fewer: exact in a float, never rounded; a leading zero is no number.
    assert _rounded(["471190200000012", "0711902000000120000", "sub_1", None]) == [
        False,
        False,
        False,
        None,
    ]
    # 16 digits ending in 0 has the shape: one genuine ID in ten does too, so the shape
    # alone decides nothing (see the file-level tests below).
    assert _rounded(["4711902000001230", "4711902000001231"]) == [True, False]


def load(path: Path):
    return validate(read_raw(path, None))


def errors_of(table) -> list[tuple[int, str, str]]:
    return sorted(table.rejections.select("line", "column", "code").iter_rows())


def test_genuine_ids_ending_in_zeros_are_accepted():
    # 4711902000000130000 (a subscription) and 4711902000000050000 (a customer of three
    # subscriptions, one name and email) have the shape, but collide with nothing and are
    # 1 of 5 and 1 of 3 distinct long IDs of their columns: genuine.
    table = load(IDS / "genuine_zeros.csv")
    assert errors_of(table) == []
    assert table.frame.height == 5


def test_excel_resaved_file_is_refused_with_advice():
    # Every row: subscription ID 4711902000000120000 on five rows that disagree.
    result = CliRunner().invoke(
        main, ["report", str(IDS / "excel_resaved.csv"), "--as-of", "2025-12-01", "-o", "x.json"]
    )
    assert result.exit_code == 2, result.output
    assert "every one of its 5 rows was rejected" in result.output
    assert "an ID was rounded by a spreadsheet to 15 digits" in result.output
    assert "import the CSV with its ID columns as text" in result.output


def test_ids_written_from_floats_are_rounded_ids():
    # 3 of 3 distinct subscription IDs and 2 of 2 customer IDs are floats' exact values:
    # every row is rejected, so the file is unusable (with the advice).
    with pytest.raises(UnusableFileError) as caught:
        load(IDS / "float_written.csv")
    message = str(caught.value)
    assert "every one of its 4 rows was rejected" in message
    assert "an ID was rounded by a spreadsheet to 15 digits" in message
    assert "'4711902000000046080' on line 2" in message


def test_one_customer_id_naming_two_companies_is_rounded():
    # Lines 6 and 7: customer 4711902000000050000 is "Hafenlogistik Brandes KG" on one
    # and "Bäckerei Yilmaz" on the other: two customers that became one ID. It is the
    # only such ID of its column (1 of 4), so only the collision shows it.
    table = load(IDS / "one_customer_id_two_companies.csv")
    assert errors_of(table) == [
        (6, "Customer ID", "id_rounded_by_spreadsheet"),
        (7, "Customer ID", "id_rounded_by_spreadsheet"),
    ]
    assert table.frame.height == 4


def test_conflicting_rounded_subscription_id_shows_the_file_was_rounded(tmp_path):
    # One rounded-looking subscription ID on two rows with other content, among genuine
    # IDs: both rows are rejected as rounded (not only the later one as a conflict).
    header = "Subscription ID,Customer ID,Status,Amount,Interval,Interval Unit,Activated On"
    path = tmp_path / "subscriptions.csv"
    path.write_text(
        f"{header}\n"
        "4711902000000120001,4711902000000046001,live,3990.00,1,years,2023-01-09\n"
        "4711902000000130000,4711902000000046001,live,229.00,1,months,2023-01-20\n"
        "4711902000000130000,4711902000000046293,live,59.00,1,months,2025-02-01\n"
        "4711902000000120417,4711902000000046301,live,59.00,1,months,2025-02-01\n",
        encoding="utf-8",
    )
    table = load(path)
    assert errors_of(table) == [
        (3, "Subscription ID", "id_rounded_by_spreadsheet"),
        (4, "Subscription ID", "conflicting_duplicate"),
        (4, "Subscription ID", "id_rounded_by_spreadsheet"),
    ]


def test_two_of_three_long_ids_with_zeros_are_rounded_but_one_of_three_is_not(tmp_path):
    header = "Subscription ID,Customer ID,Status,Amount,Interval,Interval Unit,Activated On"

    def with_ids(*ids: str) -> list[tuple[int, str, str]]:
        rows = "".join(f"{i},C{n},live,10,1,months,2023-01-09\n" for n, i in enumerate(ids))
        path = tmp_path / "subscriptions.csv"
        path.write_text(f"{header}\n{rows}", encoding="utf-8")
        return errors_of(load(path))

    # Two distinct 16-digit IDs ending in 0 of three: most of the column.
    assert with_ids("4711902000001230", "4711902000001240", "4711902000001251") == [
        (2, "Subscription ID", "id_rounded_by_spreadsheet"),
        (3, "Subscription ID", "id_rounded_by_spreadsheet"),
    ]
    # One of three: a genuine ID that happens to end in 0.
    assert with_ids("4711902000001230", "4711902000001241", "4711902000001252") == []


def test_number_cells_of_a_workbook_are_rounded_ids(tmp_path):
    # Excel holds a 19-digit ID typed into a number cell as a float; calamine reads the
    # cell as the float's exact value.
    path = tmp_path / "subscriptions.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Export")
    rows = [
        ["Subscription ID", "Customer ID", "Status", "Amount", "Interval Unit", "Activated On"],
        [4711902000000120001, 4711902000000046001, "live", 3990, "years", "2023-01-09"],
        [4711902000000120409, 4711902000000046001, "live", 229, "months", "2023-01-20"],
        [4711902000000121388, 4711902000000049907, "live", 59, "months", "2025-02-01"],
    ]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, float(value) if isinstance(value, int) and value > 10**15 else value)
    book.close()
    with pytest.raises(UnusableFileError) as caught:
        load(path)
    # 4711902000000046001 as a float is 4711902000000046080.
    assert "rounded by a spreadsheet, column 'Customer ID', e.g. '4711902000000046080'" in str(
        caught.value
    ).replace(" to 15 digits", "")


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        (
            "en",
            "2 rows of one_customer_id_two_companies.csv have IDs that a spreadsheet "
            "rounded to 15 significant digits (for example 4711902000000050000)",
        ),
        (
            "de",
            "2 Zeilen in one_customer_id_two_companies.csv enthalten IDs, die eine "
            "Tabellenkalkulation auf 15 gültige Stellen gerundet hat (zum Beispiel "
            "4711902000000050000)",
        ),
    ],
)
def test_report_puts_the_rounded_ids_error_on_top(tmp_path, lang, sentence):
    out = tmp_path / "report.json"
    args = ["report", str(IDS / "one_customer_id_two_companies.csv"), "--as-of", "2025-12-01"]
    result = CliRunner().invoke(main, [*args, "--lang", lang, "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    first = data["findings"][0]
    assert (first["code"], first["severity"], first["count"]) == (
        "ids_damaged_by_spreadsheet",
        "error",
        2,
    )
    markdown = tmp_path / "report.md"
    CliRunner().invoke(main, [*args, "--lang", lang, "-o", str(markdown)])
    assert sentence in markdown.read_text().replace("\\_", "_")
