"""Reading the billing system's report export (`--billing-report`): CSV or .xlsx, a period
column (a day or a month per row) and one column per figure, each row a figure per column.

Nobody here has a real Zoho report export, so the reader is tolerant (what it assumes is
in docs/decisions.md, #13): the header is the line among the first ones that names the
most known columns (a title above it, such as Zoho's organisation and report name, is
skipped); columns are matched by name, as source headers are, against the figure names
of the source files' [figures] tables (billing_figures.catalogue: the same names
--billing-figure knows) and a mapping file's [figures] and [billing_report] tables; a column
no figure is known for is read and listed as not compared; the period column is the one
named Date / Month / Datum / Monat / ..., else the first column whose every value is a
day or a month. A total row ("Total", "Gesamt") is skipped and named. A value that
cannot be read stops the run with its file, line and column: a billing figure is typed
in by a person, so a wrong one is better fixed than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from reconcile import parsing
from reconcile.billing_figures import COUNT_KINDS, Catalogue, FigureInput, parse_number
from reconcile.problems import ReconcileError, UnusableFileError
from reconcile.reading import excel
from reconcile.reading.encoding import body_of, read_bytes, read_head, refuse_non_csv
from reconcile.reading.header import find_header
from reconcile.result import BillingReport
from reconcile.sources import normalize_header

# A row whose period cell says this is a sum of the rows above it, not a period.
TOTAL_WORDS = frozenset({"total", "totals", "gesamt", "summe", "insgesamt", "grandtotal"})

_MONTH_TEXT = re.compile(r"^(?P<name>[^\W\d_]+)\.?[\s\-/]*(?P<year>\d{4})$")  # Mar 2026, März-2026
_MONTH_ISO = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$")  # 2026-03
_MONTH_NUMERIC = re.compile(r"^(?P<month>\d{1,2})[./](?P<year>\d{4})$")  # 03/2026, 03.2026


@dataclass(frozen=True)
class ReportTable:
    """The report's records, every value text, and the sheet or file line of each."""

    frame: pl.DataFrame
    headers: tuple[str, ...]
    first_line: int  # the line (sheet row) of the first record


def read_billing_report(
    path: Path | str, known: Catalogue
) -> tuple[tuple[FigureInput, ...], BillingReport]:
    """The figures of a report export and what was read of it."""
    path = Path(path)
    label = str(path)
    keys = frozenset(known.kinds) | {normalize_header(h) for h in known.period_headers}
    table = _read_table(path, label, keys)
    period_column = _period_column(table, known, label)
    figure_columns = {
        header: kind
        for header in table.headers
        if header != period_column and (kind := known.kind_of(header)) is not None
    }
    if not figure_columns:
        raise UnusableFileError(
            label,
            "names no figure reconcile knows in its header "
            f"({', '.join(h for h in table.headers if h) or 'empty'})",
            "Name its columns in a mapping file's [billing_report.columns] table, e.g. "
            'active = ["Your header"], and give it with --mapping-file. Known figures: '
            + ", ".join(known.known_names()),
        )
    periods, skipped = _periods(table, period_column, label)
    figures: list[FigureInput] = []
    for header, kind in figure_columns.items():
        for line, period, text in zip(
            periods["line"], periods["period"], periods[header], strict=True
        ):
            if text is None or not text.strip():
                continue
            figures.append(
                FigureInput(
                    name=header,
                    kind=kind,
                    period=period,
                    value=_value(text, kind, label, line, header),
                    origin=f"{path.name}, line {line}",
                )
            )
    figures.sort(key=lambda f: (f.period, list(figure_columns).index(f.name)))
    return tuple(figures), BillingReport(
        file=label,
        rows_read=table.frame.height,
        figures=len(figures),
        period_column=period_column,
        columns_compared=tuple(figure_columns),
        columns_not_compared=tuple(
            h for h in table.headers if h and h != period_column and h not in figure_columns
        ),
        total_lines_skipped=tuple(skipped),
    )


# --------------------------------------------------------------------------- the table


def _read_table(path: Path, label: str, keys: frozenset[str]) -> ReportTable:
    head = read_head(path, label)
    if head.startswith(excel.ZIP_SIGNATURE):
        sheet = excel.read_workbook(path, label, keys)
        return _without_blank_rows(
            ReportTable(sheet.frame, sheet.headers, first_line=sheet.header_line + 1)
        )
    refuse_non_csv(head, label)
    # The encoding decided on evidence from the whole file, as for an export.
    body = body_of(path, head, label, whole_file=True)
    data = body.data if isinstance(body.data, bytes) else read_bytes(path, label)
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    separator, offset = find_header(text, keys)
    header_line = text.count("\n", 0, offset) + 1
    try:
        frame = pl.read_csv(
            text[offset:].encode("utf-8"),
            separator=separator,
            infer_schema=False,
            raise_if_empty=False,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError as error:
        raise UnusableFileError(
            label, f"cannot be read as CSV ({str(error).splitlines()[0]})"
        ) from None
    return _without_blank_rows(ReportTable(frame, tuple(frame.columns), header_line + 1))


def _without_blank_rows(table: ReportTable) -> ReportTable:
    """The records with a line number each (a report's records hold no line breaks), the
    rows without any value (Zoho's trailing empty row) left out."""
    frame = table.frame.with_row_index("line", offset=table.first_line).with_columns(
        pl.col("line").cast(pl.Int64)
    )
    values = [pl.col(c).str.strip_chars().fill_null("") != "" for c in table.headers]
    if values:
        frame = frame.filter(pl.any_horizontal(values))
    return ReportTable(frame, table.headers, table.first_line)


# --------------------------------------------------------------------------- the periods


def _period_column(table: ReportTable, known: Catalogue, label: str) -> str:
    """The column named as a period column, else the first whose values are all periods."""
    named = {normalize_header(h): i for i, h in enumerate(known.period_headers)}
    ranked = sorted(
        (named[normalize_header(h)], h) for h in table.headers if normalize_header(h) in named
    )
    if ranked:
        return ranked[0][1]
    for header in table.headers:
        values = table.frame.get_column(header).drop_nulls().to_list()
        if values and all(_month(v) or _is_total(v) for v in values):
            return header
        if values and _date_format(table.frame.get_column(header)) is not None:
            return header
    raise UnusableFileError(
        label,
        "has no column of dates or months (Date, Month, Datum, Monat)",
        'Name it in a mapping file: [billing_report.columns] period = ["Your header"].',
    )


def _periods(table: ReportTable, column: str, label: str) -> tuple[pl.DataFrame, list[int]]:
    """The records with `period` (YYYY-MM or YYYY-MM-DD), and the lines of total rows.

    A column of months (`2026-03`, `Mar 2026`, `03/2026`) gives months. A column of dates
    gives months when every date is the first of its month (how a monthly report dates
    its rows), else days."""
    text = table.frame.get_column(column).fill_null("").str.strip_chars()
    totals = text.map_elements(_is_total, return_dtype=pl.Boolean) | (text == "")
    frame = table.frame.filter(~totals)
    skipped = table.frame.filter(totals).get_column("line").to_list()
    values = frame.get_column(column).str.strip_chars()
    months = [_month(v) for v in values.to_list()]
    if all(months):
        return frame.with_columns(period=pl.Series(months, dtype=pl.String)), skipped
    fmt = _date_format(values)
    if fmt is None:
        bad = next(i for i, m in enumerate(months) if m is None)
        raise _value_error(
            label, frame["line"][bad], column, values[bad], "is not a day or a month"
        )
    dates = parsing.parse_dates(values, fmt)
    unread = dates.is_null()
    if unread.any():
        bad = unread.arg_true()[0]
        raise _value_error(
            label, frame["line"][bad], column, values[bad], f"is not a date ({fmt.name})"
        )
    on_firsts = bool((dates.dt.day() == 1).all())
    period = dates.dt.strftime("%Y-%m") if on_firsts else dates.dt.strftime("%Y-%m-%d")
    return frame.with_columns(period=period), skipped


def _date_format(values: pl.Series) -> parsing.DateFormat | None:
    """The date format every value of `values` fits, else None."""
    try:
        fmt = parsing.detect_date_format(values)
    except parsing.AmbiguousDateOrder:
        return None
    if fmt is None:
        return None
    parsed, present = parsing.rows_parsed(parsing.distinct_non_empty_counts(values), fmt)
    return fmt if parsed == present else None


def _month(text: str) -> str | None:
    """`YYYY-MM` of a month written as a month (`2026-03`, `Mar 2026`, `März 2026`,
    `03/2026`), else None."""
    text = text.strip()
    if match := _MONTH_ISO.match(text) or _MONTH_NUMERIC.match(text):
        year, month = int(match["year"]), int(match["month"])
    elif (match := _MONTH_TEXT.match(text)) and match["name"].lower() in parsing.MONTH_NUMBERS:
        year, month = int(match["year"]), parsing.MONTH_NUMBERS[match["name"].lower()]
    else:
        return None
    return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None


def _is_total(text: str) -> bool:
    return normalize_header(text) in TOTAL_WORDS


# --------------------------------------------------------------------------- the values


def _value(text: str, kind: str, label: str, line: int, column: str) -> int | float:
    number = parse_number(text)
    if number is None:
        raise _value_error(label, line, column, text, "is not a number")
    if kind in COUNT_KINDS:
        if number != int(number):
            raise _value_error(label, line, column, text, "is not a whole number")
        return int(number)
    return number


def _value_error(label: str, line: int, column: str, value: str, problem: str) -> ReconcileError:
    return ReconcileError(
        f"{label}, line {line}, column '{column}': {value!r} {problem}. "
        "Correct it in the report, or leave the cell empty to give no figure for that row."
    )
