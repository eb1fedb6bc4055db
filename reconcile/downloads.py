"""Report downloads as input: Zoho Billing's MRR Details, MRR and Churned Subscriptions
reports, as people download them (.xlsx or CSV, a title row above the header).

Each file's kind is recognised from its header (reconcile/sources/reports/*.toml), its
report name and period from its title (`<Organisation>\\nMRR Details Report\\n\\nFrom 01
Sep 2025 To 30 Sep 2025`). An MRR Details report is a month snapshot: every row is a
subscription active in that month, with its MRR; it is read and validated like any
subscriptions export (its `date` is the start, never `created_at`), and its rows get the
month's end as their end, so that on any day of the month the engine counts the rows
active by then. The other reports are typed here: IDs, dates and amounts, every fault a
row error with file, line and column, exactly as validation reports them.

This module reads; reconcile.report_history computes what the reports say together.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from reconcile import parsing
from reconcile.canonical import CUSTOMERS, SUBSCRIPTIONS, LoadedTable
from reconcile.codes import RowError
from reconcile.problems import ROW_ERROR_SCHEMA, ReconcileError, UnusableFileError
from reconcile.reading import RawTable, file_head, read_as
from reconcile.reading.folders import export_files
from reconcile.reading.matching import not_subscriptions_error, resolve
from reconcile.sources import all_sources
from reconcile.sources.reports import (
    BILLING_FIGURES,
    CANCELLATIONS,
    MONTH_SNAPSHOT,
    ReportKind,
    report_kind_of,
)

# Month names of Zoho's titles ("From 01 Sep 2025 To 30 Sep 2025"), English and German.
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "januar", "january", "jän"),
            ("feb", "februar", "february"),
            ("mar", "mär", "mrz", "märz", "march"),
            ("apr", "april"),
            ("may", "mai"),
            ("jun", "juni", "june"),
            ("jul", "juli", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "okt", "oktober", "october"),
            ("nov", "november"),
            ("dec", "dez", "dezember", "december"),
        ),
        start=1,
    )
    for name in names
}
_PERIOD = re.compile(r"^\s*(?:from|von|vom)\s+(?P<start>.+?)\s+(?:to|bis)\s+(?P<end>.+?)\s*$", re.I)
_DAY_MONTH_YEAR = re.compile(r"^(?P<d>\d{1,2})[ .-]+(?P<m>[^\W\d_]+)\.?[ .-]+(?P<y>\d{4})$")


@dataclass(frozen=True)
class Title:
    """What a report's title row says; None where it does not say it."""

    organisation: str | None = None
    report: str | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None

    @property
    def month(self) -> datetime.date | None:
        """The period's month (its first day) when the period lies within one month."""
        if self.start is None or self.end is None:
            return None
        if (self.start.year, self.start.month) != (self.end.year, self.end.month):
            return None
        return self.start.replace(day=1)


@dataclass(frozen=True)
class Download:
    """One report file: where it is, what kind, and what its title says."""

    path: Path
    kind: ReportKind
    title: Title

    @property
    def file(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class MonthSnapshot:
    """An MRR Details report, validated: its month and its accepted rows.

    `table` is a subscriptions LoadedTable (start = `date`, end = the day after the month,
    amount = MRR); `created` holds `line` and `created` (the record's creation date) of
    its accepted rows."""

    download: Download
    month: datetime.date  # the first day
    table: LoadedTable
    created: pl.DataFrame

    @property
    def month_end(self) -> datetime.date:
        return month_end(self.month)

    @property
    def file(self) -> str:
        return self.download.file


@dataclass(frozen=True)
class ReportRows:
    """An MRR or Churned Subscriptions report, typed: `frame` holds `line` and its raw
    fields (dates as pl.Date, amounts as pl.Float64, the rest text) of the accepted rows;
    `rejections` and `warnings` are row errors (problems.ROW_ERROR_SCHEMA)."""

    download: Download
    frame: pl.DataFrame
    rows_read: int
    rejections: pl.DataFrame
    warnings: pl.DataFrame
    blank_lines_skipped: int = 0

    @property
    def file(self) -> str:
        return self.download.file

    @property
    def rows_rejected(self) -> int:
        return self.rejections.get_column("line").n_unique()

    def as_loaded(self) -> LoadedTable:
        """The report as a LoadedTable of its own kind (for `reconcile validate`)."""
        return LoadedTable(
            kind="report",
            file=self.file,
            source=self.download.kind.name,
            rows_read=self.rows_read,
            frame=self.frame,
            rejections=self.rejections,
            rows_rejected=self.rows_rejected,
            duplicate_lines=(),
            has_status=False,
            warnings=self.warnings,
            blank_lines_skipped=self.blank_lines_skipped,
        )


@dataclass(frozen=True)
class Downloads:
    """Every file given: the report downloads, and the exports given with them."""

    snapshots: tuple[MonthSnapshot, ...]  # by month, then file name
    summaries: tuple[ReportRows, ...]
    cancellations: tuple[ReportRows, ...]
    subscriptions: Path | None = None  # a Subscriptions list export given with them
    customers: Path | None = None
    # The exports as given, when the only download is the billing system's MRR report
    # (--billing-report): they are read as ever.
    exports_given: object = None

    def tables(self) -> list[LoadedTable]:
        """Every report as a LoadedTable, MRR Details first (for `reconcile validate`)."""
        return [s.table for s in self.snapshots] + [
            r.as_loaded() for r in (*self.summaries, *self.cancellations)
        ]

    @property
    def last_month_end(self) -> datetime.date:
        """The end of the last month an MRR Details report covers (else today)."""
        return self.snapshots[-1].month_end if self.snapshots else datetime.date.today()

    def snapshot_for(self, as_of: datetime.date) -> MonthSnapshot:
        """The MRR Details report of the as-of date's month (the first file of the month,
        by name, when there are two); ReconcileError when no report covers it."""
        for snapshot in self.snapshots:
            if snapshot.month <= as_of <= snapshot.month_end:
                return snapshot
        first, last = self.snapshots[0], self.snapshots[-1]
        raise ReconcileError(
            f"no MRR Details report covers the as-of date {as_of.isoformat()}: the reports "
            f"run from {first.month:%B %Y} to {last.month:%B %Y}. Give --as-of "
            f"{last.month_end.isoformat()} (the last month's end), or add the report of "
            f"{as_of:%B %Y}."
        )


def month_end(first: datetime.date) -> datetime.date:
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


# --------------------------------------------------------------------------- gathering


def gather(
    paths: Sequence[Path], customers: Path | None = None, *, date_format: str | None = None
) -> Downloads | None:
    """The report downloads among `paths` (files, or folders whose files are taken),
    read and validated; None when there is none (the paths are ordinary exports).

    UnusableFileError when reports are given without anything that holds subscriptions
    (an MRR Details report or a Subscriptions export), or with two Subscriptions exports.
    """
    files, from_folder = _files(paths)
    reports: list[Download] = []
    exports: dict[str, list[Path]] = {SUBSCRIPTIONS: [], CUSTOMERS: []}
    # A file given by name that cannot be used: raised only when there are reports (else
    # the ordinary reading of the exports says what is wrong with it).
    unusable: list[ReconcileError] = []
    for path in files:
        try:
            head = file_head(path)
            kind = report_kind_of(head.headers)
            if kind is not None:
                reports.append(Download(path, kind, parse_title(head.title)))
                continue
            exports[resolve(head.headers, None, all_sources(), {}, str(path))[1]].append(path)
        except ReconcileError as error:
            if path not in from_folder:  # in a folder: find_exports names what it skipped
                unusable.append(error)
    if reports and unusable:
        raise unusable[0]
    if not reports:
        return None
    snapshots = [r for r in reports if r.kind.role == MONTH_SNAPSHOT]
    if not snapshots and not exports[SUBSCRIPTIONS]:
        raise not_subscriptions_error(reports[0].kind, reports[0].file)
    for export_kind, found in exports.items():
        if len(found) > 1:
            names = ", ".join(path.name for path in found)
            raise UnusableFileError(
                names,
                f"are {len(found)} {export_kind} exports given with the reports; which one is "
                "meant is unclear",
                f"Give one {export_kind} export.",
            )
    return Downloads(
        snapshots=tuple(
            sorted(
                (read_snapshot(r, date_format) for r in snapshots),
                key=lambda s: (s.month, s.download.path.name),
            )
        ),
        summaries=tuple(read_rows(r) for r in _by_period(reports, BILLING_FIGURES)),
        cancellations=tuple(read_rows(r) for r in _by_period(reports, CANCELLATIONS)),
        subscriptions=exports[SUBSCRIPTIONS][0] if exports[SUBSCRIPTIONS] else None,
        customers=customers or (exports[CUSTOMERS][0] if exports[CUSTOMERS] else None),
    )


def billing_figures_download(path: Path) -> ReportRows | None:
    """The file read as the billing system's MRR report (Zoho's), or None when it is
    another kind of file (issue 13's --billing-report reader takes those)."""
    head = file_head(path)
    kind = report_kind_of(head.headers)
    if kind is None or kind.role != BILLING_FIGURES:
        return None
    return read_rows(Download(path, kind, parse_title(head.title)))


def _by_period(reports: Sequence[Download], role: str) -> list[Download]:
    """The reports of one role, by the start of their period, then by file name."""
    chosen = [report for report in reports if report.kind.role == role]
    return sorted(chosen, key=lambda r: (r.title.start or datetime.date.min, r.path.name))


def _files(paths: Sequence[Path]) -> tuple[list[Path], set[Path]]:
    """Every file to look at, and those found in a folder (which may be anything)."""
    files: list[Path] = []
    from_folder: set[Path] = set()
    for path in map(Path, paths):
        if path.is_dir():
            found = export_files(path)
            files += found
            from_folder.update(found)
        else:
            files.append(path)
    return list(dict.fromkeys(files)), from_folder


def parse_title(text: str) -> Title:
    """The organisation, report name and period of a title (its cells, one per line)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    start = end = None
    named = [line for line in lines if not _PERIOD.match(line)]
    for line in lines:
        match = _PERIOD.match(line)
        if match:
            start, end = _title_date(match["start"]), _title_date(match["end"])
            break
    return Title(
        organisation=named[0] if len(named) > 1 else None,
        report=named[-1] if named else None,
        start=start,
        end=end,
    )


def _title_date(text: str) -> datetime.date | None:
    """A date as a title writes it: `01 Sep 2025`, `1. September 2025`, ISO or d.M.y."""
    text = text.strip()
    match = _DAY_MONTH_YEAR.match(text)
    try:
        if match:
            month = _MONTHS.get(match["m"].lower())
            return datetime.date(int(match["y"]), month, int(match["d"])) if month else None
        for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
            try:
                return datetime.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
    except ValueError:  # 31 Feb
        return None
    return None


# --------------------------------------------------------------------------- MRR Details


def read_snapshot(download: Download, date_format: str | None = None) -> MonthSnapshot:
    """An MRR Details report, read and validated like a subscriptions export, its rows
    ending with the month (see the module docstring)."""
    from reconcile.validation import validate

    raw = read_as(download.path, download.kind.spec)
    table = validate(raw, date_format=date_format)
    month = download.title.month or _month_of_rows(table, download)
    ends = month_end(month) + datetime.timedelta(days=1)
    table = replace(table, frame=table.frame.with_columns(end=pl.lit(ends, dtype=pl.Date)))
    return MonthSnapshot(download, month, table, _created(raw, download.kind, table))


def _month_of_rows(table: LoadedTable, download: Download) -> datetime.date:
    """The month of a report whose title gives none: the one month of its rows' dates."""
    months = table.frame.select(pl.col("start").dt.month_start().unique().drop_nulls())
    if months.height == 1:
        return months.item()
    period = ""
    if download.title.start and download.title.end:
        period = f" (from {download.title.start} to {download.title.end})"
    raise UnusableFileError(
        download.file,
        f"is an MRR Details report of {months.height or 'no'} months{period}; each month "
        "has to be a report of its own",
        "Download the MRR Details report once per month (From the 1st To the month's last "
        "day) and give them all, in one folder or as several paths.",
    )


def _created(raw: RawTable, kind: ReportKind, table: LoadedTable) -> pl.DataFrame:
    """`line` and `created` of the accepted rows (null where the text is no date)."""
    column = kind.created_column
    if column is None or column not in raw.frame.columns:
        return table.frame.select("line", created=pl.lit(None, dtype=pl.Date))
    text = raw.frame.get_column(column)
    fmt = parsing.detect_date_format(text)
    created = pl.Series("created", [None] * len(text), pl.Date)
    if fmt is not None:
        created = parsing.parse_dates(text, fmt).alias("created")
    dated = pl.DataFrame([raw.frame.get_column("line"), created])
    return table.frame.select("line").join(dated, on="line", how="left")


# --------------------------------------------------------------------------- other reports


def read_rows(download: Download) -> ReportRows:
    """An MRR or Churned Subscriptions report, typed: its ID columns must be there, its
    dates must be dates (else the row is rejected), an amount that is no number is a
    warning (the row is kept, the amount null)."""
    raw = read_as(download.path, download.kind.spec)
    table = download.kind.spec.subscriptions
    present = set(raw.headers)
    ids = [f for f in ("subscription_id", "customer_id") if f in present]
    dates = [f for f in present if f in table.raw_fields_of("end") or f == "date"]
    amounts = [f for f in present if f not in (*ids, *dates) and _is_amount(f)]
    frame = raw.frame
    errors: list[pl.DataFrame] = []
    typed: dict[str, pl.Series] = {}
    for field in dates:
        fmt = parsing.detect_date_format(frame.get_column(field)) or parsing.DATE_FORMATS[0]
        typed[field] = parsing.parse_dates(frame.get_column(field), fmt)
        bad = frame.get_column(field).is_not_null() & typed[field].is_null()
        errors.append(
            _errors(raw, field, bad, RowError.INVALID_DATE, f"is not a date (format {fmt.name})")
        )
    for field in ids:
        missing = frame.get_column(field).is_null()
        errors.append(
            _errors(raw, field, missing, RowError.MISSING_ID, "is missing: the row cannot be read")
        )
    for field in amounts:
        typed[field] = parsing.parse_amounts(frame.get_column(field))
        bad = frame.get_column(field).is_not_null() & typed[field].is_null()
        errors.append(_errors(raw, field, bad, RowError.INVALID_AMOUNT, "is not an amount"))
    all_errors = pl.concat(errors) if errors else pl.DataFrame(schema=ROW_ERROR_SCHEMA)
    rejecting = all_errors.filter(pl.col("code") != RowError.INVALID_AMOUNT)
    rejected = frame.get_column("line").is_in(rejecting.get_column("line").implode())
    of_rejected = pl.col("line").is_in(rejecting.get_column("line").implode())
    return ReportRows(
        download=download,
        frame=frame.with_columns(*typed.values()).filter(~rejected),
        rows_read=raw.rows_read,
        rejections=all_errors.filter(of_rejected).sort("line"),
        warnings=all_errors.filter(~of_rejected).sort("line"),
        blank_lines_skipped=raw.blank_rows_skipped,
    )


def _is_amount(field: str) -> bool:
    return field in ("amount", "ltv") or field.endswith("_mrr")


def _errors(raw: RawTable, field: str, bad: pl.Series, code: str, what: str) -> pl.DataFrame:
    """Row errors of `field` where `bad`, in problems.ROW_ERROR_SCHEMA."""
    header = raw.headers[field]
    rows = raw.frame.filter(bad).select("line", value=pl.col(field))
    message = (
        pl.lit(f"the {header} {what}")
        if code == RowError.MISSING_ID
        else pl.format("'{}' " + what, pl.col("value"))
    )
    return rows.select(
        file=pl.lit(raw.file),
        line=pl.col("line").cast(pl.Int64),
        column=pl.lit(header),
        value=pl.col("value"),
        code=pl.lit(code),
        message=message,
    ).cast(ROW_ERROR_SCHEMA)  # type: ignore[arg-type]
