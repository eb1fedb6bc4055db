"""The Python API: everything the CLI does, callable from Python with the same result.

    >>> from reconcile import reconcile
    >>> result = reconcile(subscriptions="subscriptions.csv", customers="customers.csv",
    ...                    as_of=date(2026, 11, 15))
    >>> result.totals.customers_active

Each stage reports to an optional `progress` callback as it finishes (stage name, seconds,
details) so that a caller can show progress on long runs; the library never prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from reconcile.canonical import CUSTOMERS, SUBSCRIPTIONS, LoadedTable
from reconcile.problems import UnusableFileError

if TYPE_CHECKING:
    import polars as pl

    from reconcile.billing_figures import FigureInput
    from reconcile.downloads import Downloads
    from reconcile.result import BillingReport, Result

    Export = str | Path | pl.DataFrame
    # One path or several: a folder, report downloads, or exports recognised by header.
    Exports = Export | Sequence[str | Path]

Progress = Callable[[str, float, Mapping[str, Any]], None]


@dataclass(frozen=True)
class ReadOptions:
    """How to read the exports: `source` forces a billing system, `mapping` maps
    canonical fields to headers (`--map`), `mapping_file` is a TOML source description,
    `date_format` settles day-first versus month-first dates."""

    source: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    mapping_file: Path | None = None
    date_format: str | None = None


def load_table(
    data: Export,
    kind: str | None,
    options: ReadOptions = ReadOptions(),
    *,
    progress: Progress | None = None,
    when_read: Callable[[], None] | None = None,
    name: str | None = None,
) -> LoadedTable:
    """Read and validate one export. `kind` None recognises it from its header;
    `when_read` is called once it is read, before it is validated; `name` labels the
    file in messages and the report (default: its path)."""
    from reconcile.reading import read_raw

    started = time.perf_counter()
    raw = read_raw(
        data,
        kind,
        source=options.source,
        mapping=options.mapping,
        mapping_file=options.mapping_file,
        name=name,
    )
    read_at = time.perf_counter()
    _report(progress, f"read {raw.kind}", read_at - started, rows=raw.frame.height)
    if when_read is not None:
        when_read()
    # Imported once read: meanwhile reconcile.prefetch imports it beside polars.
    from reconcile.validation import validate

    table = validate(raw, date_format=options.date_format)
    _report(
        progress,
        f"validated {table.kind}",
        time.perf_counter() - read_at,
        accepted=table.rows_accepted,
        rejected=table.rows_rejected,
        duplicates=table.duplicate_rows_removed,
    )
    _refuse_if_empty(table)
    return table


def _refuse_if_empty(table: LoadedTable) -> None:
    """UnusableFileError for an export with a header and no row (DOMAIN.md, "Bad rows": an
    empty file stops the run): a report on it would say "0 active customers" as if it
    knew, when the export was most likely made from an empty view or filter."""
    if table.rows_read:
        return
    what = "subscription" if table.kind == SUBSCRIPTIONS else "customer"
    advice = f"Export it again from a view or filter that holds the {what}s to count" + (
        "." if table.kind == SUBSCRIPTIONS else ", or leave the customers export out."
    )
    raise UnusableFileError(
        table.file, "holds a header but no row below it, so no report can be made", advice
    )


def load_downloads(
    subscriptions: Exports, customers: Export | None = None, options: ReadOptions = ReadOptions()
) -> Downloads | None:
    """The billing system's report downloads among the paths (a folder's files, several
    paths, or one report file), read and validated; None when there are none (the paths
    are ordinary exports)."""
    from reconcile.downloads import gather

    paths = _paths(subscriptions)
    if paths is None or _described_by_user(options):
        return None
    given = Path(customers) if isinstance(customers, str | Path) else None
    return gather(paths, given, date_format=options.date_format)


def load(
    subscriptions: Exports,
    customers: Export | None = None,
    options: ReadOptions = ReadOptions(),
    *,
    progress: Progress | None = None,
    downloads: Downloads | None = None,
    as_of: date | None = None,
) -> tuple[LoadedTable, LoadedTable | None]:
    """Read and validate the subscriptions export and, if given, the customers export.

    A folder as `subscriptions` (and no `customers`) holds both exports, each recognised
    by its header. With report downloads (`load_downloads`), the subscriptions are the
    Subscriptions export given with them, else the MRR Details report of the as-of
    date's month (default: the last month).
    """
    if downloads is not None:
        chosen, customers = _from_downloads(downloads, customers, as_of)
        if isinstance(chosen, LoadedTable):
            customer_table = (
                None
                if customers is None
                else load_table(customers, CUSTOMERS, options, progress=progress)
            )
            return chosen, customer_table
        subscriptions = chosen
    paths = _paths(subscriptions)
    if paths is not None and len(paths) > 1:
        from reconcile.problems import ReconcileError

        raise ReconcileError(
            "several paths are given, but none is a report download: give the subscriptions "
            "export (or a folder holding it), and the customers export with --customers"
        )
    if paths is not None:
        subscriptions = paths[0]
    if customers is None and isinstance(subscriptions, str | Path):
        from reconcile.reading import archives, find_exports

        given = Path(subscriptions)
        if given.is_dir():
            subscriptions, customers = find_exports(given)
        elif archives.is_archive_of_exports(given):
            # A zip of exports is a folder of them, unpacked while they are read.
            with archives.unpacked(given) as (folder, labels):
                found, customers = _exports_in_archive(folder, given)
                return _load_exports(found, customers, options, progress, labels)
    return _load_exports(subscriptions, customers, options, progress, {})  # type: ignore[arg-type]


def _exports_in_archive(folder: Path, archive: Path) -> tuple[Path, Path | None]:
    """find_exports in an unpacked archive, its errors naming the archive."""
    from reconcile.reading import find_exports

    try:
        return find_exports(folder)
    except UnusableFileError as error:
        problem = error.problem.replace(str(folder), str(archive))
        raise UnusableFileError(str(archive), problem, error.advice) from None


def _load_exports(
    subscriptions: Export,
    customers: Export | None,
    options: ReadOptions,
    progress: Progress | None,
    names: Mapping[Path, str],
) -> tuple[LoadedTable, LoadedTable | None]:
    """The two exports loaded (`names`: the label of a path, where it is not the path)."""

    def name_of(export: Export | None) -> str | None:
        return names.get(export) if isinstance(export, Path) else None

    if customers is None:
        return _loaded_subscriptions(
            subscriptions, None, options, progress, name=name_of(subscriptions)
        ), None
    # The customers export is read and validated in a second thread while the
    # subscriptions are validated: reading the subscriptions keeps both cores busy,
    # validating them does not. Its progress is told afterwards, so that the stages keep
    # their order; an error of the subscriptions export still comes first.
    told_later: list[tuple[str, float, Mapping[str, Any]]] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        customer_load: list[Future[LoadedTable]] = []

        def load_customers() -> None:
            customer_load.append(
                pool.submit(
                    load_table,
                    customers,
                    CUSTOMERS,
                    options,
                    progress=None if progress is None else lambda *event: told_later.append(event),
                    name=name_of(customers),
                )
            )

        subscription_table = _loaded_subscriptions(
            subscriptions,
            customers,
            options,
            progress,
            when_read=load_customers,
            name=name_of(subscriptions),
        )
        customer_table = customer_load[0].result()
    if progress is not None:
        for event in told_later:
            progress(*event)
    return subscription_table, customer_table


def _loaded_subscriptions(
    subscriptions: Export,
    customers: Export | None,
    options: ReadOptions,
    progress: Progress | None,
    *,
    when_read: Callable[[], None] | None = None,
    name: str | None = None,
) -> LoadedTable:
    try:
        return load_table(
            subscriptions, SUBSCRIPTIONS, options, progress=progress, when_read=when_read, name=name
        )
    except UnusableFileError as error:
        raise _with_pairing_advice(error, customers) from None


def _with_pairing_advice(error: UnusableFileError, customers: Export | None) -> Exception:
    """A customers export given first: "swap the two files" only when a second file was
    given; with one file, that a subscriptions export is needed."""
    from reconcile.reading.matching import ONLY_CUSTOMERS_ADVICE, SWAP_ADVICE

    if error.advice == SWAP_ADVICE and customers is None:
        return UnusableFileError(error.file, error.problem, ONLY_CUSTOMERS_ADVICE)
    return error


def _paths(subscriptions: Exports) -> list[Path] | None:
    """The paths given (None for a DataFrame)."""
    if isinstance(subscriptions, str | Path):
        return [Path(subscriptions)]
    if isinstance(subscriptions, Sequence):
        return [Path(path) for path in subscriptions]
    return None


def _described_by_user(options: ReadOptions) -> bool:
    """Whether the user describes the file themselves: then it is read as they say."""
    return bool(options.source or options.mapping or options.mapping_file)


def _from_downloads(
    downloads: Downloads, customers: Export | None, as_of: date | None
) -> tuple[LoadedTable | Exports, Export | None]:
    """The subscriptions (a Subscriptions export's path, or the as-of month's MRR Details
    table) and the customers export of a run on report downloads."""
    customers = customers if customers is not None else downloads.customers
    if downloads.subscriptions is not None:
        return downloads.subscriptions, customers
    if not downloads.snapshots:  # only the billing system's MRR report (--billing-report)
        return cast("Exports", downloads.exports_given), customers
    return downloads.snapshot_for(as_of or downloads.last_month_end).table, customers


def reconcile(
    subscriptions: Exports,
    customers: Export | None = None,
    as_of: date | None = None,
    *,
    source: str | None = None,
    mapping: Mapping[str, str] | None = None,
    mapping_file: str | Path | None = None,
    date_format: str | None = None,
    billing_figures: Sequence[str] = (),
    billing_report: str | Path | None = None,
    plan_change_window: int = 1,
    progress: Progress | None = None,
) -> Result:
    """Reconcile customers against subscriptions on `as_of` (default: today; with report
    downloads, the last report month's end).

    `subscriptions` and `customers` are paths to CSV or .xlsx exports or polars
    DataFrames with the export's own columns (they are mapped and validated exactly like
    files). `subscriptions` may also be a folder, or several paths: the billing system's
    report downloads (Zoho's MRR Details, MRR and Churned Subscriptions reports) among
    them are recognised by their headers.
    `billing_figures` are figures the billing system shows, as `--billing-figure` takes
    them (`"Aktive Kunden=155"`, `"Net Customers@2026-10=4"`): the result puts each beside
    reconcile's counts; `billing_report` is the billing system's report export (CSV or
    .xlsx), each row a figure per column.
    `plan_change_window` (days; 0 turns it off): a subscription that ends within that
    many days of another of the customer's starting was replaced, not churned.
    """
    options = ReadOptions(
        source=source,
        mapping=dict(mapping or {}),
        mapping_file=Path(mapping_file) if mapping_file else None,
        date_format=date_format,
    )
    downloads = load_downloads(subscriptions, customers, options)
    day = as_of or (downloads.last_month_end if downloads else date.today())
    figures = figure_inputs(billing_figures, day, mapping_file=options.mapping_file)
    report = None
    if billing_report is not None:
        downloads, taken = with_billing_report(downloads, billing_report, subscriptions)
        if not taken:
            report = read_billing_report(billing_report, mapping_file=options.mapping_file)
            figures += report[0]
    subscription_table, customer_table = load(
        subscriptions, customers, options, progress=progress, downloads=downloads, as_of=day
    )
    result = reconcile_tables(
        subscription_table,
        customer_table,
        day,
        figures=figures,
        plan_change_window=plan_change_window,
        progress=progress,
        downloads=downloads,
    )
    return result if report is None else replace(result, billing_report=report[1])


def with_billing_report(
    downloads: Downloads | None, path: str | Path, subscriptions: Exports
) -> tuple[Downloads | None, bool]:
    """The downloads with `--billing-report` among them when it is a report download the
    downloads read (Zoho's MRR report: put beside the MRR Details reports, or beside the
    history of the exports), and whether it was taken; else as they were, for
    read_billing_report."""
    from reconcile.downloads import Downloads, billing_figures_download

    summary = billing_figures_download(Path(path))
    if summary is None:
        return downloads, False
    if downloads is None:
        return Downloads((), (summary,), (), exports_given=subscriptions), True
    return replace(downloads, summaries=(*downloads.summaries, summary)), True


def read_billing_report(
    path: str | Path, *, mapping_file: Path | None = None
) -> tuple[tuple[FigureInput, ...], BillingReport]:
    """The figures of the billing system's report export (CSV or .xlsx) and what was read
    of it; a mapping file's [billing_report] table names the columns of another layout."""
    from reconcile import billing_figures
    from reconcile.reading.billing_report import read_billing_report as read

    return read(path, billing_figures.catalogue_for(mapping_file))


def figure_inputs(
    texts: Sequence[str], as_of: date, *, mapping_file: Path | None = None
) -> tuple[FigureInput, ...]:
    """Figures typed in as `NAME=VALUE` or `NAME@YYYY-MM=VALUE`; ReconcileError naming
    the known figures for a name reconcile does not know."""
    if not texts and mapping_file is None:
        # Nothing to parse or check: the catalogue's modules are left to load later.
        return ()
    from reconcile import billing_figures

    known = billing_figures.catalogue_for(mapping_file)
    return tuple(billing_figures.parse_figure_option(text, as_of, known) for text in texts)


def reconcile_tables(
    subscriptions: LoadedTable,
    customers: LoadedTable | None,
    as_of: date,
    *,
    figures: Sequence[FigureInput] = (),
    plan_change_window: int = 1,
    progress: Progress | None = None,
    downloads: Downloads | None = None,
) -> Result:
    """The figures of DOMAIN.md from tables that are already loaded, with the billing
    system's own `figures` (api.figure_inputs) beside ours; with `downloads` (as `load`
    used them), what the report downloads say beside them."""
    from reconcile import reconciliation

    if plan_change_window < 0:
        from reconcile.problems import ReconcileError

        raise ReconcileError("the plan-change window is a number of days, 0 or more")
    started = time.perf_counter()
    result = reconciliation.reconcile_tables(
        subscriptions, customers, as_of, figures, plan_change_window=plan_change_window
    )
    if downloads is not None:
        result = _with_downloads(result, downloads, subscriptions, as_of)
    _report(
        progress,
        "reconciled",
        time.perf_counter() - started,
        customers_active=result.totals.customers_active,
        subscriptions_active=result.totals.subscriptions_active,
    )
    return result


def _with_downloads(
    result: Result, downloads: Downloads, subscriptions: LoadedTable, as_of: date
) -> Result:
    from reconcile import report_history
    from reconcile.findings import in_report_order
    from reconcile.problems import ReconcileError

    from_snapshot = downloads.subscriptions is None and bool(downloads.snapshots)
    export = None if from_snapshot else subscriptions
    if from_snapshot and downloads.snapshot_for(as_of).file != subscriptions.file:
        raise ReconcileError(
            f"the subscriptions were loaded from {subscriptions.file}, not from the MRR "
            f"Details report of the as-of date {as_of.isoformat()}: load them with this as-of date"
        )
    built = report_history.build(
        downloads, as_of, engine_file=subscriptions.file, export=export, timeline=result.timeline
    )
    return replace(
        result,
        report_downloads=built.section,
        findings=in_report_order(result.findings + built.findings),
        rejections=result.rejections + built.rejections,
        warnings=result.warnings + built.warnings,
    )


def trace(
    subscriptions: LoadedTable, customers: LoadedTable | None, result: Result
) -> pl.DataFrame:
    """Every row of the subscriptions export with the bridge step it falls in: what
    `-o rows.csv` writes (columns: reconcile.tracing.TRACE_SCHEMA). `result` is the
    unredacted Result of these tables; the steps' counts equal the bridge's."""
    from reconcile import tracing

    return tracing.trace(subscriptions, customers, result)


def _report(progress: Progress | None, stage: str, seconds: float, **details: Any) -> None:
    if progress is not None:
        progress(stage, seconds, details)
