"""A zip download of exports (Chargebee's "Export data" sends one) is read as a folder
of them: the exports recognised by their headers, each named by the archive and its
member, the archive's own paths never used to write, and the unpacked copy removed."""

from __future__ import annotations

import datetime
import json
import tempfile
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner

import reconcile
from reconcile.cli import main
from reconcile.problems import UnusableFileError
from reconcile.reading import archives

ROOT = Path(__file__).resolve().parents[1]
ZOHO = ROOT / "sample_exports" / "zoho"
STRIPE = ROOT / "sample_exports" / "stripe"
AS_OF = datetime.date(2026, 11, 15)


def _read(folder: Path) -> bytes:
    return (folder / "subscriptions.csv").read_bytes()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture(autouse=True)
def _own_temp_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Unpacked copies go below the test's folder, so that their removal can be seen."""
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(unpacked))
    return unpacked


def test_a_zip_of_both_exports_reads_as_their_folder(tmp_path: Path):
    archive = _zip(
        tmp_path / "zoho-export.zip",
        {
            # In a folder of the archive, with a macOS copy and a note beside them.
            "Export/Subscriptions.csv": (ZOHO / "subscriptions.csv").read_bytes(),
            "Export/Customers.csv": (ZOHO / "customers.csv").read_bytes(),
            "__MACOSX/Export/._Subscriptions.csv": b"\x00\x05\x16\x07",
            "Export/ReadMe.txt": b"Exported from Zoho Billing",
        },
    )
    result = reconcile.reconcile(archive, as_of=AS_OF)
    # The bundled sample's own figures (sample_exports/zoho/expected.json).
    assert (result.totals.subscriptions_active, result.totals.customers_active) == (153, 84)
    assert result.inputs.subscriptions.file == f"{archive}/Export/Subscriptions.csv"
    assert result.inputs.customers is not None
    assert result.inputs.customers.file == f"{archive}/Export/Customers.csv"
    # Row errors name the member, as the user can find it.
    assert {r.file for r in result.rejections} == {f"{archive}/Export/Subscriptions.csv"}


def test_the_unpacked_copy_is_removed(tmp_path: Path, _own_temp_folder: Path):
    archive = _zip(
        tmp_path / "stripe.zip", {"subscriptions.csv": (STRIPE / "subscriptions.csv").read_bytes()}
    )
    reconcile.reconcile(archive, as_of=AS_OF)
    assert list(_own_temp_folder.iterdir()) == []
    with pytest.raises(UnusableFileError):
        reconcile.reconcile(_zip(tmp_path / "empty.zip", {"notes.md": b"#"}), as_of=AS_OF)
    assert list(_own_temp_folder.iterdir()) == []


def test_an_archive_path_never_decides_where_a_file_is_written(tmp_path: Path):
    archive = _zip(
        tmp_path / "odd.zip",
        {"../../subscriptions.csv": (STRIPE / "subscriptions.csv").read_bytes()},
    )
    result = reconcile.reconcile(archive, as_of=AS_OF)
    assert result.totals.subscriptions_active == 34  # the Stripe sample's
    assert not (tmp_path.parent / "subscriptions.csv").exists()
    assert not (tmp_path / "subscriptions.csv").exists()


def test_an_archive_without_an_export_is_unusable(tmp_path: Path):
    archive = _zip(tmp_path / "photos.zip", {"holiday.jpg": b"\xff\xd8\xff"})
    out = tmp_path / "report.md"
    result = CliRunner().invoke(
        main, ["report", str(archive), "--as-of", "2026-11-15", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {archive}: is a zip archive without a CSV file or Excel workbook in it\n"
        "Unpack it and give the export inside.\n"
    )
    assert not out.exists()


def test_two_members_of_one_name_are_refused(tmp_path: Path):
    data = (STRIPE / "subscriptions.csv").read_bytes()
    archive = _zip(tmp_path / "two.zip", {"a/subscriptions.csv": data, "b/subscriptions.csv": data})
    with pytest.raises(UnusableFileError, match=r"holds two files named subscriptions\.csv"):
        reconcile.reconcile(archive, as_of=AS_OF)


def test_an_archive_that_unpacks_too_far_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(archives, "MAX_UNPACKED_BYTES", 1024)
    archive = _zip(tmp_path / "big.zip", {"subscriptions.csv": b"id,Customer ID\n" + b"x" * 4096})
    with pytest.raises(UnusableFileError, match="unpacks to more than"):
        reconcile.reconcile(archive, as_of=AS_OF)


def test_an_archive_without_the_subscriptions_export_names_the_archive(tmp_path: Path):
    archive = _zip(
        tmp_path / "customers-only.zip", {"customers.csv": (ZOHO / "customers.csv").read_bytes()}
    )
    result = CliRunner().invoke(main, ["validate", str(archive), "--json"])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {archive}: holds no subscriptions export")
    assert "reconcile-archive-" not in result.output


def test_an_xlsx_workbook_is_still_read_as_a_workbook(tmp_path: Path):
    book = xlsxwriter.Workbook(str(tmp_path / "export.xlsx"))
    sheet = book.add_worksheet("Export")
    for row, values in enumerate(
        [
            ["subscription_id", "customer_id", "status", "start_date"],
            ["S1", "C1", "active", "2025-01-01"],
        ]
    ):
        sheet.write_row(row, 0, values)
    book.close()
    assert not archives.is_archive_of_exports(tmp_path / "export.xlsx")
    result = reconcile.reconcile(tmp_path / "export.xlsx", as_of=AS_OF)
    assert result.totals.subscriptions_active == 1


def test_validate_reads_an_archive_too(tmp_path: Path):
    archive = _zip(
        tmp_path / "stripe.zip", {"subscriptions.csv": (STRIPE / "subscriptions.csv").read_bytes()}
    )
    result = CliRunner().invoke(main, ["validate", str(archive), "--json"])
    assert result.exit_code == 0, result.output
    [summary] = json.loads(result.stdout)["files"]
    assert summary["file"] == f"{archive}/subscriptions.csv"
    assert (summary["rows_read"], summary["rows_accepted"]) == (52, 46)
