"""Reading an Excel workbook (.xlsx): the sheet holding the export (the first, unless
only a later one has an export's header), every cell as text.

Zoho Billing and Chargebee let people download their exports and reports as .xlsx. The
sheet goes through the same steps as a CSV file: the header row is the row among the
first ones that names the most known columns (a title row above it, such as Zoho's
organisation and report name merged across every column with line breaks, names none),
and a record's `line` is its sheet row, as Excel numbers it. A line break inside a cell
does not move later rows: a sheet row is one line.

Every cell is read as text (calamine through fastexcel, as polars.read_excel does it), so
that validation types every value by reconcile's own rules: a number cell `120.5` reads
as "120.5", a date cell as "2025-09-03 00:00:00" (which the date parser reads as its
date), a boolean as "true". An ID stored as a number cell has already lost its digits
beyond the fifteenth in Excel itself; it reads as the digits Excel kept.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from reconcile.problems import UnusableFileError
from reconcile.reading.header import HEADER_SEARCH_LINES, header_row, header_score

ZIP_SIGNATURE = b"PK\x03\x04"

# What a zip file other than an .xlsx workbook is (workbook_kind), and what to do.
_OTHER_ZIPS = {
    "xlsb": ("an Excel binary workbook (.xlsb)", "Open it and save it as .xlsx or as CSV."),
    "ods": ("an OpenDocument spreadsheet (.ods)", "Open it and save it as .xlsx or as CSV."),
    "docx": ("a Word document", "Export the data from the billing system as .xlsx or CSV."),
    "pptx": (
        "a PowerPoint presentation",
        "Export the data from the billing system as .xlsx or CSV.",
    ),
    None: ("a zip archive", "Unpack it and give the export inside."),
}


@dataclass(frozen=True)
class SheetTable:
    """The records of a workbook's first sheet: `frame` holds the rows below the header
    row, every value text, named by `headers`; `header_line` is the header's sheet row."""

    sheet: str
    frame: pl.DataFrame
    headers: tuple[str, ...]
    header_line: int
    title: str = ""  # the cells of the rows above the header, one per line
    # The first sheet's name when it holds no export and this later sheet was read.
    first_sheet: str = ""


# A sheet whose header row names fewer known columns than this holds no export: a
# later sheet that does is read instead of the first.
_EXPORT_HEADER_SCORE = 2


def read_workbook(
    path: Path, label: str, known: frozenset[str], *, head_only: bool = False
) -> SheetTable:
    """The sheet of an .xlsx workbook that holds the export, as a table (with `head_only`,
    only the rows a header is looked for in); the header row is found as a CSV file's
    header line is. That is the first sheet, unless its header row names fewer than two
    known columns (notes, a cover sheet) and a later sheet's names two or more: then the
    first such sheet naming the most (`SheetTable.first_sheet` says which was passed).
    UnusableFileError for a zip file that is no .xlsx workbook or cannot be read."""
    refuse_other_zip(path, label)
    rows = HEADER_SEARCH_LINES if head_only else None
    sheet = read_first_sheet(path, label, rows=rows, empty_ok=True)
    first_sheet = ""
    if _score(sheet, known) < _EXPORT_HEADER_SCORE:
        other = _export_sheet(path, label, known)
        if other is not None:
            first_sheet = sheet.name
            sheet = _read_sheet(path, label, other, rows=rows)
    sheet.refuse_empty(label)
    cells = sheet.rows()
    index = header_row([[cell or "" for cell in row] for row in cells], known)
    frame, headers = sheet.table(index)
    title = "\n".join(cell for row in cells[:index] for cell in row if cell and cell.strip())
    return SheetTable(
        sheet.name, frame, headers, header_line=index + 1, title=title, first_sheet=first_sheet
    )


def _score(sheet: Sheet, known: frozenset[str]) -> int:
    """How many known columns the sheet's header row names."""
    rows = [[cell or "" for cell in row] for row in sheet.rows()]
    return max((header_score(row, known) for row in rows), default=0)


def _export_sheet(path: Path, label: str, known: frozenset[str]) -> int | None:
    """The number (from 1) of the sheet after the first whose header row names the most known
    columns, at least _EXPORT_HEADER_SCORE (the first of equals); None without one. Only
    the head of each sheet is read."""
    heads = _read_sheets(path, label, 0, HEADER_SEARCH_LINES)
    scores = [(_score(Sheet(name, cells), known), -n) for n, (name, cells) in enumerate(heads)]
    best = max(scores[1:], default=None)
    return 1 - best[1] if best is not None and best[0] >= _EXPORT_HEADER_SCORE else None


def refuse_other_zip(path: Path, label: str) -> None:
    """UnusableFileError, saying what the file is, unless it is an .xlsx workbook."""
    kind = workbook_kind(path)
    if kind == "xlsx":
        return
    if kind == "damaged":
        raise UnusableFileError(
            label,
            "is a damaged Excel workbook or zip archive (perhaps a download cut short)",
            "Download or export it again.",
        )
    what, advice = _OTHER_ZIPS[kind]
    raise UnusableFileError(label, f"is {what}, not a CSV file or an Excel workbook", advice)


@dataclass(frozen=True)
class Sheet:
    """The first sheet of a workbook: `cells` has one row per sheet row from row 1 (empty
    rows included, all null), one text column per sheet column, in sheet order."""

    name: str
    cells: pl.DataFrame

    def refuse_empty(self, label: str) -> None:
        """UnusableFileError when the sheet holds no value."""
        has_value = self.cells.select(pl.any_horizontal(pl.all().is_not_null()).any()).item()
        if self.cells.height == 0 or not has_value:
            raise UnusableFileError(
                label,
                f"is an Excel workbook whose first sheet '{self.name}' is empty",
                "reconcile reads the first sheet, or a later one whose header names an "
                "export's columns: put the export there, or export it again.",
            )

    def rows(self, count: int = HEADER_SEARCH_LINES) -> list[tuple[str | None, ...]]:
        """The first `count` rows as tuples of cell texts (None for an empty cell)."""
        return self.cells.head(count).rows()

    def table(self, header_index: int) -> tuple[pl.DataFrame, tuple[str, ...]]:
        """The rows below the header row (0-based index), named by the header's cells,
        and those names. Names are made unique as polars names a CSV file's columns (an
        empty header cell is "", a repeat gets `_duplicated_N`); columns with neither a
        header nor any value below it (the far end of a merged title) are left out."""
        header = self.cells.row(header_index)
        body = self.cells.slice(header_index + 1)
        keep = [
            index
            for index, name in enumerate(header)
            if (name is not None and name.strip())
            or body.get_column(body.columns[index]).is_not_null().any()
        ]
        names = unique_names([(header[i] or "") for i in keep])
        frame = body.select(
            pl.col(body.columns[i]).alias(name) for i, name in zip(keep, names, strict=True)
        )
        return frame, tuple(names)


def unique_names(names: Sequence[str]) -> list[str]:
    """Column names made unique the way polars names a CSV header's repeats."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        if name in seen:
            unique.append(f"{name}_duplicated_{seen[name]}")
            seen[name] += 1
        else:
            unique.append(name)
            seen[name] = 0
    return unique


def workbook_kind(path: Path) -> str | None:
    """What a zip file holds: "xlsx" (an Office Open XML workbook), "xlsb" (Excel's binary
    one), "ods" (an OpenDocument spreadsheet), "docx" or "pptx" for other Office
    documents, "damaged" when it cannot be opened as a zip (a download cut short), None
    for any other zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, EOFError):
        return "damaged"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsb" if "xl/workbook.bin" in names else "xlsx"
    if b"spreadsheet" in mimetype:
        return "ods"
    if "word/document.xml" in names:
        return "docx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    return None


def read_first_sheet(
    path: Path, label: str, *, rows: int | None = None, empty_ok: bool = False
) -> Sheet:
    """The first sheet of an .xlsx workbook (its first `rows` rows; None: all), every cell
    as text; UnusableFileError when the workbook cannot be read or (unless `empty_ok`)
    its first sheet is empty."""
    sheet = _read_sheet(path, label, 1, rows=rows)
    if not empty_ok:
        sheet.refuse_empty(label)
    return sheet


def _read_sheet(path: Path, label: str, sheet: int, *, rows: int | None) -> Sheet:
    """One sheet (by number, from 1), every cell as text."""
    [(name, cells)] = _read_sheets(path, label, sheet, rows)
    return Sheet(name, cells)


def _read_sheets(
    path: Path, label: str, sheet: int, rows: int | None
) -> list[tuple[str, pl.DataFrame]]:
    """(name, cells) of one sheet, or of every sheet for `sheet` 0, in workbook order: one
    row per sheet row from row 1 (empty rows included), one text column per sheet column."""
    # skip_rows=0 keeps the empty rows above the first value, so that the row index is the
    # sheet row; no header row: the header is found the way a CSV file's is.
    options: dict[str, object] = {"header_row": None, "skip_rows": 0, "dtypes": "string"}
    if rows is not None:
        options["n_rows"] = rows
    try:
        sheets = pl.read_excel(
            path,
            sheet_id=[sheet] if sheet else 0,  # a list or 0: polars answers {name: frame}
            engine="calamine",
            has_header=False,
            read_options=options,
            infer_schema_length=0,
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except Exception as error:  # calamine's errors carry no stable type across versions
        raise UnusableFileError(
            label,
            f"is an Excel workbook that cannot be read ({_first_line(error)})",
            "Open it in Excel and save it again as .xlsx, or save the sheet as CSV (UTF-8).",
        ) from None
    read = []
    for name, cells in sheets.items():
        cells = cells.select(pl.all().cast(pl.String))
        cells.columns = [f"column_{index}" for index in range(cells.width)]
        read.append((name, cells))
    return read


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
