"""Exports pasted together as people make them (`cat a.csv b.csv`, or one period's
export pasted under another's), read part by part with each part's own header; and an
export a spreadsheet saved with each line in one cell.

The fixtures are in tests/fixtures/pasted/ (README.md there says what each holds and its
right answer); the figures below are worked out by hand from those rows.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reconcile.cli import main
from reconcile.reading import read_raw

PASTED = Path(__file__).parent / "fixtures" / "pasted"


def validate(path: Path) -> dict:
    result = CliRunner().invoke(main, ["validate", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["files"][0]


def report(path: Path, tmp_path: Path, as_of: str = "2025-06-30") -> dict:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["report", str(path), "--as-of", as_of, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def repeated_header_lines(result: dict) -> list[int]:
    return repeated_header_params(result)["lines"]


def repeated_header_params(result: dict) -> dict:
    [finding] = [f for f in result["findings"] if f["code"] == "repeated_header"]
    return finding["params"]


# --- a repeated header with a byte-order mark ------------------------------------------


def test_a_repeated_header_with_a_byte_order_mark_starts_a_part_in_its_own_order(tmp_path):
    # Two Zoho files joined with `cat`: each starts with a BOM, the second lists Customer
    # ID before Subscription ID. 5 subscriptions (7101-7105) of 3 customers (K1, K2, K3).
    path = PASTED / "zoho_bom_reordered.csv"
    summary = validate(path)
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (5, 5, 0)
    result = report(path, tmp_path)
    totals = result["totals"]
    assert (totals["subscriptions_active"], totals["customers_active"]) == (5, 3)
    assert totals["customers_known"] == 3
    assert repeated_header_lines(result) == [4]
    assert repeated_header_params(result)["parts_lacking"] == []  # same columns, reordered
    assert not result["caveats"]
    assert not [f for f in result["findings"] if f["code"] == "rows_rejected"]


def test_a_repeated_header_with_bom_quotes_blanks_and_invisible_characters_is_a_header(
    tmp_path,
):
    # The same column order; the repeated header on line 4 starts with a BOM, quotes two
    # cells, pads them with blanks and holds a zero-width space. Rows 7201 (K1, live),
    # 7202 (K2, cancelled), 7203 and 7204 (K3, live): 3 active subscriptions, 2 active
    # customers of 3 known, nothing rejected, no caution.
    path = PASTED / "zoho_bom_same_order.csv"
    summary = validate(path)
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (4, 4, 0)
    assert (summary["errors"], summary["warnings"]) == ([], [])
    result = report(path, tmp_path)
    totals = result["totals"]
    assert (totals["subscriptions_active"], totals["customers_active"]) == (3, 2)
    assert (totals["customers_known"], totals["subscriptions_ended"]) == (3, 1)
    assert repeated_header_lines(result) == [4]
    assert not result["caveats"]


# --- a part whose header has a column more or fewer ------------------------------------


def write(tmp_path: Path, lines: list[str], name: str = "subscriptions.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_part_with_a_stripe_metadata_column_more_is_read_with_its_own_header(tmp_path):
    # Two periods' Stripe exports pasted together, the second with `tier (metadata)` at
    # the end of its header (line 5) and of its rows: 4 of the 7 records below line 1
    # have a field more than the first header. As of 2026-11-15: sub_1QRa01, sub_1QRa02
    # (Anker), sub_1QRc01 (Ceder), sub_1QRd01 (Dorn, past_due) active; sub_1QRb01 ended
    # on 2026-10-05; sub_1QRa03 trialing: 4 active subscriptions of 3 customers, 4 known.
    path = PASTED / "stripe_metadata_column.csv"
    summary = validate(path)
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (6, 6, 0)
    assert (summary["errors"], summary["warnings"]) == ([], [])
    result = report(path, tmp_path, as_of="2026-11-15")
    totals = result["totals"]
    assert (totals["subscriptions_active"], totals["customers_active"]) == (4, 3)
    assert (totals["customers_known"], totals["subscriptions_ended"]) == (4, 1)
    assert totals["subscriptions_not_yet_paying"] == 1
    assert repeated_header_lines(result) == [5]


def test_a_column_more_in_the_middle_and_a_field_beyond_the_part_header(tmp_path):
    # Few records are wider than the first header (the path where they would be row
    # errors): the second part puts its metadata column in the middle, and its line 9
    # has a field beyond its own header, which is that row's error, not the part's.
    lines = [
        "id,Customer ID,Status,Start Date (UTC)",
        *(f"s{n},c{n},active,2025-03-01 10:00" for n in range(1, 6)),
        "id,Customer ID,tier (metadata),Status,Start Date (UTC)",  # line 7
        "s6,c6,pro,active,2025-03-01 10:00",
        "s7,c7,pro,active,2025-03-01 10:00,oops",  # line 9
    ]
    summary = validate(write(tmp_path, lines))
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (7, 6, 1)
    [error] = summary["errors"]
    assert (error["line"], error["code"], error["value"]) == (9, "extra_fields", "oops")
    result = report(write(tmp_path, lines), tmp_path)
    assert (result["totals"]["subscriptions_active"], result["totals"]["customers_active"]) == (
        6,
        6,
    )
    assert repeated_header_lines(result) == [7]


def test_a_column_only_a_later_part_has_is_read_where_it_has_it(tmp_path):
    # `Ended At (UTC)` appears in the second part only: s3 ended on 2025-05-10 and is not
    # active on 2025-06-30 (reading the first header's columns alone would count it).
    lines = [
        "id,Customer ID,Status,Start Date (UTC)",
        "s1,c1,active,2025-03-01 10:00",
        "s2,c2,active,2025-03-01 10:00",
        "id,Customer ID,Status,Start Date (UTC),Ended At (UTC)",  # line 4
        "s3,c3,canceled,2025-03-01 10:00,2025-05-10 10:00",
        "s4,c4,active,2025-03-01 10:00,",
    ]
    result = report(write(tmp_path, lines), tmp_path)
    totals = result["totals"]
    assert (totals["subscriptions_active"], totals["customers_active"]) == (3, 3)
    assert (totals["subscriptions_ended"], totals["ended_without_end_date"]) == (1, 0)
    # The first part (its header on line 1) is the one without the column.
    assert repeated_header_params(result)["parts_lacking"] == [
        {"header_line": 1, "columns": ["Ended At (UTC)"]}
    ]


def test_a_part_with_columns_fewer_is_read_with_nulls_where_it_has_none(tmp_path):
    # A Zoho file pasted under another with `cat`: the second header (line 4) starts with
    # a BOM, puts Customer ID first and lacks Cancelled On and Reference Number. Its
    # cancelled row 9003 has no cancellation date to end it: ended without an end date.
    lines = [
        "\ufeffSubscription ID,Customer ID,Status,Activated On,Cancelled On,Reference Number",
        "9001,K1,live,2025-03-01,,R-1",
        "9002,K1,cancelled,2025-03-01,2025-04-30,R-2",
        "\ufeffCustomer ID,Subscription ID,Status,Activated On",
        "K2,9003,cancelled,2025-03-01",
        "K2,9004,live,2025-03-01",
    ]
    summary = validate(write(tmp_path, lines))
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (4, 4, 0)
    result = report(write(tmp_path, lines), tmp_path)
    totals = result["totals"]
    assert (totals["subscriptions_active"], totals["customers_active"]) == (2, 2)
    assert (totals["subscriptions_ended"], totals["ended_without_end_date"]) == (2, 1)
    assert repeated_header_lines(result) == [4]
    # The report names the column the second part lacks; Reference Number, which no
    # figure reads, is not named.
    assert summary["parts_lacking_columns"] == [{"header_line": 4, "columns": ["Cancelled On"]}]
    [finding] = [f for f in result["findings"] if f["code"] == "repeated_header"]
    assert finding["message"].endswith(
        "The part whose header is on line 4 has no column 'Cancelled On', which another "
        "part's header names: its rows are read without it."
    )


def test_several_parts_lacking_columns_are_counted_and_the_first_named(tmp_path):
    # Three Stripe exports pasted together: the second (header on line 4) lacks Ended At
    # (UTC), the third (line 6) lacks it and Status. s1 is active and s2 ended; s4 is
    # canceled with no end in its part (ended without an end date); s5 has no status and
    # is rejected (line 7).
    lines = [
        "id,Customer ID,Status,Start Date (UTC),Ended At (UTC)",
        "s1,c1,active,2025-03-01 10:00,",
        "s2,c2,canceled,2025-03-01 10:00,2025-05-10 10:00",
        "id,Customer ID,Status,Start Date (UTC)",  # line 4
        "s4,c4,canceled,2025-03-01 10:00",
        "id,Customer ID,Start Date (UTC)",  # line 6
        "s5,c5,2025-03-01 10:00",
    ]
    path = write(tmp_path, lines)
    result = report(path, tmp_path)
    totals = result["totals"]
    assert (totals["subscriptions_active"], totals["subscriptions_ended"]) == (1, 2)
    assert totals["ended_without_end_date"] == 1
    assert [(r["line"], r["code"]) for r in result["rejections"]] == [(7, "unknown_status")]
    params = repeated_header_params(result)
    assert (params["lacking"], params["lacking_line"]) == (2, 4)
    assert params["parts_lacking"] == [
        {"header_line": 4, "columns": ["Ended At (UTC)"]},
        {"header_line": 6, "columns": ["Status", "Ended At (UTC)"]},
    ]
    out = tmp_path / "report.md"
    for lang, sentence in (
        (
            "en",
            "2 parts lack a column that another part's header names (the first, whose "
            "header is on line 4, has no column 'Ended At (UTC)'): their rows are read "
            "without it.",
        ),
        (
            "de",
            "2 Teilen fehlt eine Spalte, die die Kopfzeile eines anderen Teils nennt (dem "
            "ersten, mit der Kopfzeile in Zeile 4, fehlt die Spalte „Ended At (UTC)“): "
            "Ihre Zeilen werden ohne sie gelesen.",
        ),
    ):
        args = ["report", str(path), "--as-of", "2025-06-30", "--lang", lang, "-o", str(out)]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert sentence in out.read_text()
    text = CliRunner().invoke(main, ["validate", str(path)]).output
    assert (
        "  the part whose header is on line 6 has no column 'Status', 'Ended At (UTC)': "
        "its rows are read without it\n"
    ) in text


def test_a_later_header_naming_another_column_for_a_field_is_refused(tmp_path):
    # The first part has `Start (UTC)` only; the second adds `Start Date (UTC)`, which
    # Stripe's start is read from first: one column per file, so the file is refused.
    lines = [
        "id,Customer ID,Status,Start (UTC)",
        "s1,c1,active,2025-03-01 10:00",
        "id,Customer ID,Status,Start (UTC),Start Date (UTC)",
        "s2,c2,active,2025-03-01 10:00,2025-02-01 10:00",
    ]
    path = write(tmp_path, lines)
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {path}: holds exports pasted together whose headers differ: the header on "
        "line 3 adds the column 'Start Date (UTC)', which reconcile would read instead of "
        "'Start (UTC)' of the header on line 1\n"
        "Export both periods with the same columns, or split the file at line 3.\n"
    )


# --- every line in one cell ----------------------------------------------------------

ONE_CELL = Path(__file__).parent / "fixtures" / "onecell" / "stripe_lines_in_one_cell.csv"


def test_a_file_of_lines_in_one_quoted_cell_reads_the_lines_it_holds(tmp_path):
    # German Excel opened a Stripe export as one column and saved it: every line is one
    # quoted cell, the description's own quotes doubled. As of 2026-11-15: sub_W1, sub_W2
    # (cus_W1) and sub_W4 (cus_W3, past_due) active, sub_W3 ended on 2026-10-31, sub_W5
    # rejected on line 6 for its status: 3 active subscriptions, 2 active customers.
    raw = read_raw(ONE_CELL, None)
    assert (raw.source.name, raw.rows_read, raw.unwrapped) == ("stripe", 5, True)
    descriptions = raw.unmapped.get_column("Customer Description").to_list()
    assert descriptions[:2] == ["Nordlicht Yoga, Studio"] * 2
    summary = validate(ONE_CELL)
    assert (summary["rows_accepted"], summary["rows_rejected"]) == (4, 1)
    [error] = summary["errors"]
    assert (error["line"], error["column"], error["code"]) == (6, "Status", "unknown_status")
    result = report(ONE_CELL, tmp_path, as_of="2026-11-15")
    totals = result["totals"]
    assert (totals["subscriptions_active"], totals["customers_active"]) == (3, 2)
    assert (totals["subscriptions_ended"], totals["customers_known"]) == (1, 3)
    [finding] = [f for f in result["findings"] if f["code"] == "lines_in_one_cell"]
    assert finding["message"] == (
        f"{ONE_CELL} held each line in one quoted cell (a spreadsheet opened it as one "
        "column and saved it so): each was read as the CSV line it holds."
    )


def test_a_one_column_file_whose_header_names_no_known_column_is_not_unwrapped(tmp_path):
    path = write(tmp_path, ['"Notiz,Betrag"', '"Miete,1200"'])
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "no subscription_id column" in result.output and "'Notiz,Betrag'" in result.output


def test_the_title_line_of_a_pasted_export_is_not_a_row(tmp_path):
    # Two Zoho files, each with its title line above its header, pasted with a blank line
    # between: line 6 is the second file's title, line 7 its header (Customer ID first).
    # 8001 (K1), 8002 (K2), 8003 (K3), all live: 3 rows, none rejected, no caution.
    lines = [
        "Subscriptions export – Lindgren Software AB",
        "Subscription ID,Customer ID,Status,Activated On",
        "8001,K1,live,2025-03-01",
        "8002,K2,live,2025-03-01",
        "",
        "Subscriptions export – Lindgren Software AB",
        "Customer ID,Subscription ID,Status,Activated On",
        "K3,8003,live,2025-03-01",
    ]
    summary = validate(write(tmp_path, lines))
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (3, 3, 0)
    assert summary["blank_lines_skipped"] == 1
    result = report(write(tmp_path, lines), tmp_path)
    assert (result["totals"]["subscriptions_active"], result["totals"]["customers_active"]) == (
        3,
        3,
    )
    assert not result["caveats"]
    [finding] = [f for f in result["findings"] if f["code"] == "repeated_header"]
    assert finding["params"]["title_lines"] == [6]
    assert finding["message"].endswith(
        "read part by part, each with its own header. The title line above a part (line 6) "
        "is not a row."
    )


def test_validate_says_how_each_file_was_read(tmp_path):
    runner = CliRunner()
    pasted = runner.invoke(main, ["validate", str(PASTED / "stripe_metadata_column.csv")])
    assert pasted.exit_code == 0
    assert (
        "  duplicate rows removed            0\n"
        "  header repeated on line 5: exports pasted together, each part read with its own "
        "header\n"
    ) in pasted.output
    one_cell = runner.invoke(main, ["validate", str(ONE_CELL), "--json"])
    [summary] = json.loads(one_cell.stdout)["files"]
    assert (summary["lines_in_one_cell"], summary["repeated_header_lines"]) == (True, [])
    assert (summary["sheet_read"], summary["first_sheet_without_export"]) == (None, None)
    text = runner.invoke(main, ["validate", str(ONE_CELL)]).output
    assert "  each line was one quoted cell: read as the CSV line it holds\n" in text


# --- the first column's values: numbers are skipped, unless a header name is one -----


def _repeated_header_lines(headers: list[str], records: list[list[str]]) -> tuple[int, ...]:
    import polars as pl

    from reconcile.reading.cleaning import split_parts

    frame = (
        pl.DataFrame(
            {h: [r[i] for r in records] for i, h in enumerate(headers)},
            schema=dict.fromkeys(headers, pl.String),
        )
        .with_row_index("line", offset=2)
        .with_columns(pl.col("line").cast(pl.Int64))
    )
    return split_parts(frame, headers, "line").header_lines


def test_a_header_repeated_below_numeric_ids_is_found():
    headers = ["Subscription ID", "Customer ID", "Status"]
    records = [["101", "7", "live"], headers, ["102", "8", "live"]]
    assert _repeated_header_lines(headers, records) == (3,)


def test_a_header_whose_first_name_is_a_number_is_found_among_numbers():
    # Whole numbers are passed over as holding no header name, except where one is a name.
    headers = ["2024", "Customer ID", "Status"]
    records = [["101", "7", "live"], ["2024", "Customer ID", "Status"], ["102", "8", "live"]]
    assert _repeated_header_lines(headers, records) == (3,)
