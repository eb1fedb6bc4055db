"""Broken and hostile input files, generated here byte by byte, through the command line
(issue 10, points 1, 2, 6, 8 and 9): every record counted whatever the line endings,
the encoding decided on evidence from the whole file, IDs compared after NFC and without
invisible characters, pipes and system files refused, FIFOs in a folder skipped,
concatenated exports split at their repeated headers, blank records never rows.

Expected values are worked out by hand from the bytes each test writes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconcile.cli import main
from reconcile.reading import encoding, read_raw
from tests.processes import fresh_python

HEADER = "subscription_id,customer_id,customer_name,start_date,status"
ROWS = [
    "S1,C1,Jürgen Müller,2024-01-10,active",
    "S2,C2,Zoë Brandt,2024-02-01,active",
    "S3,C3,Ana Peña,2024-03-05,cancelled",
]


def validate(path: Path, *extra: str) -> dict:
    result = CliRunner().invoke(main, ["validate", str(path), "--json", *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["files"][0]


def report(path: Path, tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        main, ["report", str(path), "--as-of", "2024-06-30", "-o", str(out), *extra]
    )
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def write(tmp_path: Path, content: bytes, name: str = "subscriptions.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def accounted(summary: dict) -> bool:
    return summary["rows_read"] == (
        summary["rows_accepted"] + summary["rows_rejected"] + summary["duplicate_rows_removed"]
    )


# --- 1. every record counted, whatever the line endings -------------------------------


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_every_record_is_read_whatever_the_line_endings(tmp_path, ending):
    text = ending.join([HEADER, *ROWS]) + ending
    summary = validate(write(tmp_path, text.encode("utf-8")))
    assert (summary["rows_read"], summary["rows_accepted"]) == (3, 3)


def test_an_excel_for_mac_file_reads_its_names(tmp_path):
    # "CSV (Macintosh)": Mac Roman, lines ended by CR, a quoted field with a line feed.
    text = "\r".join([HEADER, *ROWS[:2], 'S4,C4,"Ana\nPeña",2024-04-01,active']) + "\r"
    path = write(tmp_path, text.encode("mac_roman"))
    raw = read_raw(path, None)
    assert (raw.encoding, raw.rows_read) == ("mac_roman", 3)
    assert raw.frame.get_column("customer_name").to_list() == [
        "Jürgen Müller",
        "Zoë Brandt",
        "Ana\nPeña",
    ]
    assert raw.frame.get_column("line").to_list() == [2, 3, 4]
    result = report(path, tmp_path)
    assert result["inputs"]["subscriptions"]["rows_read"] == 3
    assert result["totals"]["subscriptions_active"] == 3


def test_a_file_with_data_but_no_record_read_is_unusable(tmp_path, monkeypatch):
    # Should line endings ever go unrecognised again (here: CR-only detection switched
    # off), a file with data below its header must not read as 0 rows, all accounted for.
    monkeypatch.setattr(encoding, "bare_cr_line_ends", lambda head: False)
    path = write(tmp_path, ("\r".join([HEADER, *ROWS]) + "\r").encode())
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "holds data below its header, but no record could be read from it" in result.output


def test_a_header_cell_with_a_quoted_line_break_is_a_header(tmp_path):
    text = 'subscription_id,"Customer\nID",start_date,status\nS1,C1,2024-01-10,active\n'
    trace_path = tmp_path / "rows.csv"
    path = write(tmp_path, text.encode())
    result = CliRunner().invoke(
        main, ["report", str(path), "--as-of", "2024-06-30", "-o", str(trace_path)]
    )
    assert result.exit_code == 0, result.output
    row = trace_path.read_text("utf-8-sig").splitlines()[1].split(",")
    assert row[1:4] == ["3", "S1", "C1"]  # the header spans lines 1-2


# --- 2. the encoding, decided on evidence from the whole file ------------------------


def test_a_stray_windows_byte_in_a_utf8_file_stays_one_warning(tmp_path):
    # 2,000 rows of UTF-8 umlauts, then one row whose name was typed in Windows-1252.
    rows = [f"S{n},C{n},Jürgen Müller {n},2024-01-10,active" for n in range(2000)]
    content = (
        "\n".join([HEADER, *rows]).encode("utf-8") + b"\nS9999,C9,Bj\xf6rn,2024-01-10,active\n"
    )
    path = write(tmp_path, content)
    summary = validate(path)
    assert summary["rows_read"] == 2001 and summary["rows_accepted"] == 2001
    assert summary["warnings_total"] == 1
    [warning] = summary["warnings"]
    assert (warning["line"], warning["column"], warning["value"], warning["code"]) == (
        2002,
        "customer_name",
        "Bj\ufffdrn",
        "invalid_byte",
    )
    result = report(path, tmp_path)
    names = json.dumps(result, ensure_ascii=False)
    assert "Ã¼" not in names  # no mojibake anywhere


def test_a_non_ascii_id_matches_across_files_despite_a_stray_byte(tmp_path):
    # The customers export has one bad byte far down; its IDs are still UTF-8.
    subs = "subscription_id,customer_id,start_date,status\nS1,KÖ-1,2024-01-10,active\n"
    filler = "".join(f"K{n},Firma {n}\n" for n in range(5000))
    customers = ("customer_id,name\nKÖ-1,Müller GmbH\n" + filler).encode() + b"K9,Caf\xe9\n"
    result = report(
        write(tmp_path, subs.encode()),
        tmp_path,
        "--customers",
        str(write(tmp_path, customers, "customers.csv")),
    )
    assert result["totals"]["orphan_subscriptions"] == 0
    assert result["totals"]["customers_active"] == 1


@pytest.mark.parametrize("name", ["cp1252", "mac_roman"])
def test_a_legacy_file_is_read_in_its_encoding(tmp_path, name):
    text = "\n".join([HEADER, *ROWS]) + "\n"
    raw = read_raw(write(tmp_path, text.encode(name)), None)
    assert raw.encoding == name
    assert raw.frame.get_column("customer_name").to_list() == [
        "Jürgen Müller",
        "Zoë Brandt",
        "Ana Peña",
    ]
    assert raw.warnings.height == 0


def test_ids_compare_after_nfc_and_without_invisible_characters(tmp_path):
    # macOS writes "Ö" as "O" + combining diaeresis (NFD); Windows as one character (NFC).
    nfd, nfc = "KO\u0308-1", "K\u00d6-1"
    subs = (
        "subscription_id,customer_id,start_date,status\n"
        f"S1,{nfd},2024-01-10,active\n"
        "S2,C\u200b2,2024-01-10,active\n"  # a zero-width space inside
        "S3,\ufeffC3\u00ad,2024-01-10,active\n"  # a BOM and a soft hyphen
    )
    customers = f"customer_id,name\n{nfc},Müller GmbH\nC2,Brandt KG\nC3,Peña SL\n"
    sub_path = write(tmp_path, subs.encode())
    summary = validate(sub_path)
    assert [(w["line"], w["column"], w["code"]) for w in summary["warnings"]] == [
        (3, "customer_id", "invisible_character"),
        (4, "customer_id", "invisible_character"),
    ]
    result = report(
        sub_path, tmp_path, "--customers", str(write(tmp_path, customers.encode(), "c.csv"))
    )
    assert result["totals"]["orphan_subscriptions"] == 0
    assert result["totals"]["customers_active"] == 3


# --- 6. inputs that are no files -------------------------------------------------------


def test_an_input_from_a_pipe_is_refused_at_once(tmp_path):
    # `reconcile report <(cat export.csv)`: a pipe can be read once, reconcile reads twice.
    read, write_end = os.pipe()
    code = (
        "import sys; from reconcile.cli import main; "
        f"sys.argv=['reconcile','validate','/dev/fd/{read}']; main()"
    )
    process = fresh_python(["-c", code], pass_fds=(read,), timeout=60)
    os.close(read)
    os.close(write_end)
    assert process.returncode == 2, process.stderr
    assert process.stderr == (
        f"Error: /dev/fd/{read}: is a pipe, not a file (reconcile reads an export twice)\n"
        "Save the export to a file first and give that file.\n"
    )


def test_a_system_file_is_refused():
    result = CliRunner().invoke(main, ["validate", "/proc/self/status"])
    assert result.exit_code == 2
    assert "is a file of the system (/proc, /sys), not an export" in result.output


def test_an_unreadable_mapping_file_is_exit_2(tmp_path):
    export = write(tmp_path, ("\n".join([HEADER, *ROWS]) + "\n").encode())
    for text, problem in [
        ('extends = "nosuch"', "extends = 'nosuch': unknown source 'nosuch'"),
        ("extends = 3", "extends must be a text"),
        ("[subscriptions.columns]\nsubscription_id = 5", "subscription_id needs header names"),
        ('[subscriptions]\ncolumns = "x"', "[subscriptions.columns] must be a table"),
        ("[statuses]\npaying = [1]", "[statuses] paying needs status values"),
        ("[subscriptions.derive]\nstart = { join = 5 }", "must be a raw field name"),
    ]:
        mapping = tmp_path / "m.toml"
        mapping.write_text(text)
        result = CliRunner().invoke(main, ["validate", str(export), "--mapping-file", str(mapping)])
        assert result.exit_code == 2, (text, result.output)
        assert problem in result.output and result.output.count("\n") == 1


# --- 8. concatenated exports ---------------------------------------------------------


def test_a_repeated_header_starts_a_part_with_its_own_column_order(tmp_path):
    text = (
        f"{HEADER}\n{ROWS[0]}\n{ROWS[1]}\n"
        "status,start_date,customer_name,customer_id,subscription_id\n"  # line 4
        "active,2024-04-01,Lena Koch,C4,S4\n"
        "cancelled,2024-05-01,Omar Haddad,C5,S5\n"
    )
    path = write(tmp_path, text.encode())
    summary = validate(path)
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (4, 4, 0)
    result = report(path, tmp_path)
    assert result["totals"]["subscriptions_active"] == 3  # S1, S2, S4
    [finding] = [f for f in result["findings"] if f["code"] == "repeated_header"]
    assert finding["severity"] == "info" and finding["count"] == 1
    assert finding["params"]["lines"] == [4]


# --- 9. blank records ----------------------------------------------------------------


def test_records_of_separators_and_blanks_are_blank_lines(tmp_path):
    text = (
        "subscription_id,customer_id,start_date,status,notes\n"
        "S1,C1,2024-01-10,active,first\n"
        ",,,,\n"
        " , ,\t, ,  \n"
        ";;\n"  # not this file's separator: a value, so a row (rejected: no IDs)
        "\n"
        "S2,C2,2024-01-10,active,\n"
    )
    summary = validate(write(tmp_path, text.encode()))
    assert summary["blank_lines_skipped"] == 3
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_rejected"]) == (3, 2, 1)
    assert accounted(summary)


def test_a_cr_only_export_is_recognised_in_a_folder(tmp_path):
    (tmp_path / "export.csv").write_bytes(("\r".join([HEADER, *ROWS]) + "\r").encode("mac_roman"))
    summary = validate(tmp_path)
    assert (summary["kind"], summary["rows_read"]) == ("subscriptions", 3)


def test_a_fifo_in_an_exports_folder_is_skipped_with_one_note(tmp_path):
    # A FIFO would block the run until someone writes to it: it is never opened, and the
    # user reads one note about it, not a Python warning.
    folder = tmp_path / "exports"
    folder.mkdir()
    zoho = Path(__file__).parent.parent / "sample_exports" / "zoho"
    for name in ("subscriptions.csv", "customers.csv"):
        (folder / name).write_bytes((zoho / name).read_bytes())
    os.mkfifo(folder / "pipe.csv")
    out = tmp_path / "r.json"
    completed = fresh_python(
        ["-m", "reconcile", "report", str(folder), "--as-of", "2026-11-15", "-o", str(out)],
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    notes = [line for line in completed.stderr.splitlines() if "pipe.csv" in line]
    assert notes == [
        f"Note: {folder / 'pipe.csv'}: skipped, not a regular file (a pipe, socket or device)"
    ]
    assert "ReconcileNote" not in completed.stderr
    assert json.loads(out.read_text())["totals"]["subscriptions_active"] > 0
