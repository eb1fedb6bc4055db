"""Archives: a zip download that holds the exports (Chargebee's "Export data" sends one
zip of CSV files), read as a folder of them.

The archive's export files (by extension, folders inside it flattened) are copied into a
temporary folder, which lives while the exports are read; each keeps a label that names
the archive and the member (`export.zip/Subscriptions.csv`), so that row errors and the
report name the file the user has. Nothing is extracted by the archive's own paths: a
member is written under its base name only, and the copy stops at a size no export of a
billing system reaches (a zip bomb is refused, not unpacked).
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from reconcile.filesystem import is_readable_export_file
from reconcile.problems import UnusableFileError
from reconcile.reading import excel
from reconcile.reading.folders import EXPORT_SUFFIXES

# Unpacked, no archive of exports comes near this (10M subscription rows are ~1.4 GB).
MAX_UNPACKED_BYTES = 8 * 2**30


def is_archive_of_exports(path: Path) -> bool:
    """Whether `path` is a zip archive that is no Office document (an .xlsx workbook is
    read as one). Only a regular file is opened: a pipe would block, and is refused where
    it is read."""
    if not is_readable_export_file(path):
        return False
    try:
        with path.open("rb") as handle:
            signature = handle.read(len(excel.ZIP_SIGNATURE))
    except OSError:
        return False
    return signature == excel.ZIP_SIGNATURE and excel.workbook_kind(path) is None


@contextmanager
def unpacked(path: Path) -> Iterator[tuple[Path, dict[Path, str]]]:
    """(a temporary folder holding the archive's export files, their labels by path),
    removed on exit. UnusableFileError when the archive holds none, two files of one
    name, or more than MAX_UNPACKED_BYTES."""
    label = str(path)
    folder = Path(tempfile.mkdtemp(prefix="reconcile-archive-"))
    try:
        yield folder, _unpack(path, folder, label)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _unpack(path: Path, folder: Path, label: str) -> dict[Path, str]:
    """The archive's export files copied into `folder`: their labels by path. (A damaged
    zip is reported here, never an error of reading the exports afterwards.)"""
    try:
        with zipfile.ZipFile(path) as archive:
            labels = _copy_exports(archive, folder, label)
    except zipfile.BadZipFile:
        raise UnusableFileError(
            label,
            "is a damaged zip archive (perhaps a download cut short)",
            "Download it again.",
        ) from None
    if not labels:
        raise UnusableFileError(
            label,
            "is a zip archive without a CSV file or Excel workbook in it",
            "Unpack it and give the export inside.",
        )
    return labels


def _copy_exports(archive: zipfile.ZipFile, folder: Path, label: str) -> dict[Path, str]:
    labels: dict[Path, str] = {}
    written = 0
    for member in archive.infolist():
        name = PurePosixPath(member.filename).name
        hidden = name.startswith((".", "~$")) or "__MACOSX" in member.filename
        if member.is_dir() or hidden or PurePosixPath(name).suffix.lower() not in EXPORT_SUFFIXES:
            continue
        target = folder / name
        if target in labels:
            raise UnusableFileError(
                label,
                f"holds two files named {name}",
                "Unpack it and give the exports themselves.",
            )
        with archive.open(member) as source, target.open("wb") as copy:
            while chunk := source.read(2**20):
                written += len(chunk)
                if written > MAX_UNPACKED_BYTES:
                    raise UnusableFileError(
                        label,
                        f"unpacks to more than {MAX_UNPACKED_BYTES // 2**30} GiB",
                        "Unpack it and give the exports themselves.",
                    )
                copy.write(chunk)
        labels[target] = f"{label}/{member.filename}"
    return labels
