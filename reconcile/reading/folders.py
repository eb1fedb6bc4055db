"""Folders: the subscriptions export and the customers export in a folder, each
recognised by its header, not its name."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from reconcile.canonical import CUSTOMERS, SUBSCRIPTIONS
from reconcile.problems import ReconcileError, UnusableFileError
from reconcile.reading import excel
from reconcile.reading.encoding import SNIFF_BYTES, decode_head, refuse_non_csv
from reconcile.reading.header import cells, find_header, known_header_keys
from reconcile.reading.matching import resolve
from reconcile.sources import all_sources
from reconcile.sources.reports import report_kind_of

EXPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")


def find_exports(folder: Path) -> tuple[Path, Path | None]:
    """The subscriptions export and the customers export (None if absent) in a folder.

    Each file is recognised by its header, not its name; UnusableFileError when there
    is no subscriptions export, or more than one of either kind.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UnusableFileError(
            str(folder), "is not a folder", "Give a folder holding the exports."
        )
    found: dict[str, list[Path]] = {SUBSCRIPTIONS: [], CUSTOMERS: []}
    skipped: list[str] = []
    for path in export_files(folder):
        try:
            head = file_head(path)
            if report_kind_of(head.headers) is not None:
                continue  # a report download, not an export (reconcile.downloads)
            kind = resolve(head.headers, None, all_sources(), {}, str(path))[1]
        except ReconcileError as error:
            skipped.append(f"{path.name} ({str(error).splitlines()[0]})")
            continue
        found[kind].append(path)
    for kind, paths in found.items():
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            raise UnusableFileError(
                str(folder),
                f"holds {len(paths)} {kind} exports ({names}); which one is meant is unclear",
                f"Keep one {kind} export in the folder, or name the files explicitly.",
            )
    if not found[SUBSCRIPTIONS]:
        detail = f"; files not recognised: {'; '.join(skipped)}" if skipped else ""
        raise UnusableFileError(
            str(folder),
            f"holds no subscriptions export (a CSV with subscription and customer IDs){detail}",
            "Put the subscriptions export in the folder, or name the file explicitly "
            "(and use --map for headers that are not recognised).",
        )
    customers = found[CUSTOMERS][0] if found[CUSTOMERS] else None
    return found[SUBSCRIPTIONS][0], customers


def export_files(folder: Path) -> list[Path]:
    """The files of a folder that may be exports (by extension), in name order."""
    return sorted(
        path
        for path in folder.iterdir()
        if path.suffix.lower() in EXPORT_SUFFIXES and not path.name.startswith("~$")
    )


@dataclass(frozen=True)
class FileHead:
    """What the head of a file shows: its headers, and the text above them (title lines
    of a CSV file or title rows of a sheet, their cells one per line; "" without)."""

    headers: tuple[str, ...]
    title: str


def file_head(path: Path) -> FileHead:
    """The headers and title of a CSV file or .xlsx workbook, from its head alone."""
    label = str(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as error:
        raise UnusableFileError(label, f"cannot be read: {error.strerror}") from None
    if not head.strip():
        raise UnusableFileError(label, "is empty")
    known = known_header_keys(all_sources(), None)
    if head.startswith(excel.ZIP_SIGNATURE):
        sheet = excel.read_workbook(path, label, known, head_only=True)
        return FileHead(sheet.headers, sheet.title)
    refuse_non_csv(head, label)
    text = decode_head(head)
    separator, offset = find_header(text, known)
    header_text = text[offset:].split("\n", 1)[0].rstrip("\r")
    above = csv.reader(io.StringIO(text[:offset]), delimiter=separator)
    title = "\n".join(cell for record in above for cell in record if cell.strip())
    return FileHead(tuple(cells(header_text, separator)), title)
