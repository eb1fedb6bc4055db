"""What the billing system's report downloads say together (reconcile.downloads reads
them): the month-by-month history from the MRR Details reports themselves, the billing
system's MRR report beside it, the cancellations of the Churned Subscriptions reports,
and a Subscriptions export checked against the reports month by month.

Every figure is computed from the reports' rows in one pass per question (no loop over
rows): a month is the rows of its report; a customer or subscription is active in a month
when the month's report has a row of it; movements compare each customer's (or each
subscription's) MRR in a month with the month before, and are only computed where that
month has a report too.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from reconcile import history
from reconcile.canonical import LoadedTable
from reconcile.codes import Detail
from reconcile.downloads import Downloads, MonthSnapshot, ReportRows, month_end
from reconcile.findings import finding
from reconcile.result import (
    BillingMrrMonth,
    CancellationMonth,
    CustomerRef,
    DuplicateMonth,
    ExportCheckMonth,
    Finding,
    Month,
    MrrFigure,
    MrrMovements,
    Rejection,
    ReportDownloads,
    ReportFile,
    ReportMonth,
    SubscriptionRef,
)

CENT = 0.005  # two amounts closer than half a cent are equal


def money(cents: int | float | None) -> float:
    """Cents (summed as integers, so that figures add up exactly) as currency units."""
    return 0.0 if cents is None else round(cents / 100, 2)


EXAMPLES = 5  # subscription IDs named per list
LISTED = 25  # customers named per month


@dataclass(frozen=True)
class Built:
    """The report downloads' section of the Result, its findings, and the row errors of
    the report files that the engine did not read itself."""

    section: ReportDownloads
    findings: tuple[Finding, ...]
    rejections: tuple[Rejection, ...]
    warnings: tuple[Rejection, ...]


def build(
    downloads: Downloads,
    as_of: datetime.date,
    *,
    engine_file: str | None,
    export: LoadedTable | None = None,
    timeline: Sequence[Month] = (),
) -> Built:
    """The section for `downloads`. `engine_file` is the file the engine read as the
    subscriptions export (its row errors are in the Result already); `export` the
    Subscriptions export given with the reports, checked against them month by month;
    `timeline` the engine's history (its revenue, beside a billing MRR report for the
    months no MRR Details report covers)."""
    used, duplicates = _used_snapshots(downloads.snapshots)
    rows = _report_rows(used)
    months = _months(used, rows)
    missing = _missing_months(used)
    summaries = _billing_mrr(
        downloads.summaries, rows, {m.period: m for m in months}, _engine_sides(timeline)
    )
    cancellations = _cancellations(downloads.cancellations, rows)
    check = _export_check(export, rows, used) if export is not None else ()
    section = ReportDownloads(
        organisation=next(
            (
                s.download.title.organisation
                for s in downloads.snapshots
                if s.download.title.organisation
            ),
            None,
        ),
        files=_files(downloads, {id(s) for s in used}),
        months=months,
        missing_months=missing,
        duplicate_months=duplicates,
        billing_mrr=summaries,
        cancellations=cancellations,
        export_check=check,
        export_file=None if export is None else export.file,
    )
    return Built(
        section=section,
        findings=_findings(downloads, used, duplicates, missing, summaries, cancellations, as_of),
        rejections=_row_errors(downloads, engine_file, "rejections"),
        warnings=_row_errors(downloads, engine_file, "warnings"),
    )


# --------------------------------------------------------------------------- the months


def _used_snapshots(
    snapshots: Sequence[MonthSnapshot],
) -> tuple[list[MonthSnapshot], tuple[DuplicateMonth, ...]]:
    """One report per month (the first by file name), and the months given twice."""
    by_month: dict[datetime.date, list[MonthSnapshot]] = {}
    for snapshot in snapshots:
        by_month.setdefault(snapshot.month, []).append(snapshot)
    used = [group[0] for group in by_month.values()]
    duplicates = tuple(
        DuplicateMonth(
            period=f"{month:%Y-%m}",
            files=tuple(s.file for s in group),
            used=group[0].file,
            identical=all(_same_rows(group[0], other) for other in group[1:]),
        )
        for month, group in by_month.items()
        if len(group) > 1
    )
    return used, duplicates


def _same_rows(a: MonthSnapshot, b: MonthSnapshot) -> bool:
    columns = ["subscription_id", "customer_id", "start", "amount"]
    first, second = (s.table.frame.select(columns).sort(columns) for s in (a, b))
    return first.equals(second)


def _report_rows(used: Sequence[MonthSnapshot]) -> pl.DataFrame:
    """Every accepted row of the used reports: month (number), subscription and customer,
    mrr, and whether it is backdated (created after its month)."""
    frames = [
        s.table.frame.join(s.created, on="line", how="left").select(
            month=pl.lit(history.month_number(s.month), dtype=pl.Int32),
            file=pl.lit(s.file),
            line="line",
            subscription_id="subscription_id",
            customer_id="customer_id",
            customer_name="customer_name",
            # In cents: every sum below is exact.
            mrr=(pl.col("amount") * 100).round(6).round(0).cast(pl.Int64),
            backdated=(pl.col("created") > s.month_end).fill_null(False),
        )
        for s in used
    ]
    if not frames:
        return pl.DataFrame(
            schema={
                "month": pl.Int32,
                "file": pl.String,
                "line": pl.Int64,
                "subscription_id": pl.String,
                "customer_id": pl.String,
                "customer_name": pl.String,
                "mrr": pl.Int64,
                "backdated": pl.Boolean,
            }
        )
    return pl.concat(frames)


def _months(used: Sequence[MonthSnapshot], rows: pl.DataFrame) -> tuple[ReportMonth, ...]:
    figures = rows.group_by("month").agg(
        subscriptions=pl.len(),
        customers=pl.col("customer_id").n_unique(),
        mrr=pl.col("mrr").sum(),
        backdated=pl.col("backdated").sum(),
        credit_rows=(pl.col("mrr") < 0).sum(),
    )
    by_month = {row["month"]: row for row in figures.iter_rows(named=True)}
    numbers = [history.month_number(s.month) for s in used]
    customers = _movements(rows, "customer_id", numbers)
    subscriptions = _movements(rows, "subscription_id", numbers)
    months = []
    for snapshot in used:
        number = history.month_number(snapshot.month)
        row = by_month.get(number)
        count = row["subscriptions"] if row else 0
        holders = row["customers"] if row else 0
        mrr = money(row["mrr"]) if row else 0.0
        moved = customers.get(number)
        months.append(
            ReportMonth(
                period=f"{snapshot.month:%Y-%m}",
                file=snapshot.file,
                subscriptions=count,
                customers=holders,
                mrr=mrr,
                arpa=round(mrr / holders, 2) if holders else None,
                arpu=round(mrr / count, 2) if count else None,
                backdated=row["backdated"] if row else 0,
                credit_rows=row["credit_rows"] if row else 0,
                customers_new=moved["new_count"] if moved else None,
                customers_reactivated=moved["reactivation_count"] if moved else None,
                customers_churned=moved["churn_count"] if moved else None,
                customer_movements=_movements_of(moved),
                subscription_movements=_movements_of(subscriptions.get(number)),
            )
        )
    return tuple(months)


_KINDS = ("new", "reactivation", "expansion", "contraction", "churn")


def _movements(rows: pl.DataFrame, key: str, numbers: list[int]) -> dict[int, dict]:
    """Per month that has a report and a report the month before (`numbers`: the months
    with a report, a report without rows included): MRR movements of each `key`
    (customer or subscription) and how many moved, as a dict per month."""
    changes = _changes(rows, key, numbers)
    if changes.height == 0:
        # Both months without rows: nothing moved.
        return {n: _no_movement() for n in numbers if n - 1 in numbers}
    sums = changes.group_by("month").agg(
        *(pl.col(kind).sum() for kind in _KINDS),
        *(pl.col(f"is_{kind}").sum().alias(f"{kind}_count") for kind in _KINDS),
    )
    moved = {row["month"]: row for row in sums.iter_rows(named=True)}
    return {n: moved.get(n, _no_movement()) for n in numbers if n - 1 in numbers}


def _no_movement() -> dict:
    return {**dict.fromkeys(_KINDS, 0), **{f"{kind}_count": 0 for kind in _KINDS}}


def _changes(rows: pl.DataFrame, key: str, numbers: list[int]) -> pl.DataFrame:
    """One row per (month, key) present in the month or the month before, with its kind
    of movement (`is_new`, ...: by presence, so a customer whose rows sum to 0 is still
    new) and its MRR movement in each kind (0 where it is not that kind); only months
    whose previous month has a report (`numbers`: the months with a report)."""
    months = pl.Series(numbers, dtype=pl.Int32).implode()
    held = rows.group_by("month", key).agg(mrr=pl.col("mrr").sum())
    first = held.group_by(key).agg(first=pl.col("month").min())
    before = held.select(pl.col("month") + 1, key, previous=pl.col("mrr"))
    joined = (
        held.join(before, on=["month", key], how="full", coalesce=True)
        .filter(pl.col("month").is_in(months) & (pl.col("month") - 1).is_in(months))
        .join(first, on=key, how="left")
    )
    now, previous = pl.col("mrr").fill_null(0), pl.col("previous").fill_null(0)
    present, was = pl.col("mrr").is_not_null(), pl.col("previous").is_not_null()
    delta = now - previous
    flags = joined.select(
        "month",
        key,
        now=now,
        previous=previous,
        is_new=present & ~was & (pl.col("first") == pl.col("month")),
        is_reactivation=present & ~was & (pl.col("first") < pl.col("month")),
        is_expansion=present & was & (delta > 0),
        is_contraction=present & was & (delta < 0),
        is_churn=~present & was,
    )
    zero = pl.lit(0, dtype=pl.Int64)
    return flags.with_columns(
        new=pl.when("is_new").then("now").otherwise(zero),
        reactivation=pl.when("is_reactivation").then("now").otherwise(zero),
        expansion=pl.when("is_expansion").then(pl.col("now") - pl.col("previous")).otherwise(zero),
        contraction=pl.when("is_contraction")
        .then(pl.col("previous") - pl.col("now"))
        .otherwise(zero),
        churn=pl.when("is_churn").then("previous").otherwise(zero),
    )


def _movements_of(row: dict | None) -> MrrMovements | None:
    if row is None:
        return None
    return MrrMovements(**{kind: money(row[kind]) for kind in _KINDS})


def _missing_months(used: Sequence[MonthSnapshot]) -> tuple[str, ...]:
    """Months between the first and the last report that have none."""
    numbers = {history.month_number(s.month) for s in used}
    if not numbers:
        return ()
    return tuple(
        f"{number // 12:04d}-{number % 12 + 1:02d}"
        for number in range(min(numbers), max(numbers) + 1)
        if number not in numbers
    )


# --------------------------------------------------------------------------- MRR report


_ZOHO_FIGURES = {  # figure -> the MRR report's raw field
    "new": "new_mrr",
    "reactivation": "reactivation_mrr",
    "expansion": "expansion_mrr",
    "contraction": "contraction_mrr",
    "churn": "churn_mrr",
    "net_new": "net_new_mrr",
    "previous": "previous_mrr",
    "mrr": "net_mrr",
}


@dataclass(frozen=True)
class _Side:
    """One side of the comparison for a month: its MRR, the month before's, and the
    movements between them (None where unknown)."""

    mrr: float | None
    previous: float | None
    movements: MrrMovements | None

    def value(self, figure: str) -> float | None:
        if figure == "mrr":
            return self.mrr
        if self.movements is None:
            return None
        if figure == "previous":
            return self.previous
        if figure == "net_new":
            return round(self.movements.net_new, 2)
        return float(getattr(self.movements, figure))


_UNKNOWN = _Side(None, None, None)


def _billing_mrr(
    summaries: Sequence[ReportRows],
    rows: pl.DataFrame,
    months: dict[str, ReportMonth],
    engine: dict[str, _Side],
) -> tuple[BillingMrrMonth, ...]:
    """Each month of the billing system's MRR report beside the MRR Details reports (per
    subscription and per customer); without a report for the month, beside the engine's
    customer-level revenue history of the exports (`engine`), when there is one."""
    result = []
    numbers = [history.month_number(datetime.date.fromisoformat(p + "-01")) for p in months]
    subscription_changes = _changes(rows, "subscription_id", numbers)
    customer_months = rows.select("month", "customer_id").unique()
    for summary in summaries:
        frame = summary.frame.filter(pl.col("date").is_not_null()).sort("date")
        for figures in frame.iter_rows(named=True):  # one row per month: a handful
            first = figures["date"].replace(day=1)
            period = f"{first:%Y-%m}"
            ours = months.get(period)
            before = months.get(f"{first - datetime.timedelta(days=1):%Y-%m}")
            if ours is None:
                sides = (_UNKNOWN, engine.get(period, _UNKNOWN))
            else:
                previous = None if before is None else before.mrr
                sides = (
                    _Side(ours.mrr, previous, ours.subscription_movements),
                    _Side(ours.mrr, previous, ours.customer_movements),
                )
            result.append(
                _billing_month(
                    period,
                    summary.file,
                    figures,
                    ours,
                    sides,
                    rows,
                    subscription_changes,
                    customer_months,
                )
            )
    return tuple(result)


def _engine_sides(timeline: Sequence[Month]) -> dict[str, _Side]:
    """The engine's month-end MRR and customer-level movements (issue 12's revenue
    history), for months in one currency (the reports name none, so no other can be
    matched)."""
    sides: dict[str, _Side] = {}
    previous: float | None = None
    for month in timeline:
        if len(month.revenue) != 1:
            previous = None
            continue
        revenue = month.revenue[0]
        movements = MrrMovements(
            new=revenue.new,
            reactivation=revenue.reactivation,
            expansion=revenue.expansion,
            contraction=revenue.contraction,
            churn=revenue.churn,
        )
        sides[month.period] = _Side(revenue.mrr, previous, movements)
        previous = revenue.mrr
    return sides


def _billing_month(
    period: str,
    file: str,
    figures: dict,
    ours: ReportMonth | None,
    sides: tuple[_Side, _Side],
    rows: pl.DataFrame,
    subscription_changes: pl.DataFrame,
    customer_months: pl.DataFrame,
) -> BillingMrrMonth:
    per_subscription, per_customer = sides
    table = tuple(
        MrrFigure(
            figure=figure,
            billing_system=_rounded(figures.get(field)),
            subscriptions=per_subscription.value(figure),
            customers=per_customer.value(figure),
        )
        for figure, field in _ZOHO_FIGURES.items()
        if field in figures
    )
    month = history.month_number(datetime.date.fromisoformat(period + "-01"))
    difference = explained = None
    explaining: tuple[SubscriptionRef, ...] = ()
    if ours is not None and figures.get("net_mrr") is not None:
        difference = round(figures["net_mrr"] - ours.mrr, 2)
        if abs(difference) >= CENT:
            explained, explaining = _explain_difference(
                rows.filter(pl.col("month") == month), difference
            )
    known = per_subscription.movements is not None
    split = (
        _split_subscription_movements(subscription_changes, rows, customer_months, month)
        if known
        else (None, None)
    )
    return BillingMrrMonth(
        period=period,
        file=file,
        figures=table,
        mrr_difference=difference,
        explained_by=explained,
        explaining_rows=explaining,
        new_from_active_customers=split[0],
        churn_of_staying_customers=split[1],
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _explain_difference(
    month_rows: pl.DataFrame, difference: float
) -> tuple[str | None, tuple[SubscriptionRef, ...]]:
    """The rows whose MRR the billing system's figure leaves out, when they make up the
    difference exactly: the credit rows (negative MRR), the backdated rows (created after
    the month, so after the figure was taken), or both."""
    credit = pl.col("mrr") < 0
    candidates = {
        "credit_rows": month_rows.filter(credit),
        "backdated_rows": month_rows.filter(pl.col("backdated")),
        "credit_and_backdated_rows": month_rows.filter(credit | pl.col("backdated")),
    }
    wanted = round(difference * 100)
    for name, found in candidates.items():
        if found.height and -int(found.get_column("mrr").sum()) == wanted:
            return name, tuple(
                SubscriptionRef(
                    subscription_id=row["subscription_id"],
                    customer_id=row["customer_id"],
                    line=row["line"],
                    detail=Detail.BACKDATED if row["backdated"] else Detail.CREDIT,
                )
                for row in found.sort("line").head(LISTED).iter_rows(named=True)
            )
    return None, ()


def _split_subscription_movements(
    changes: pl.DataFrame, rows: pl.DataFrame, customer_months: pl.DataFrame, month: int
) -> tuple[float, float]:
    """(MRR of new subscriptions whose customer was active the month before, MRR of
    cancelled subscriptions whose customer is still active): the parts of the billing
    system's new and churn MRR that are expansion and contraction per customer."""
    owners = rows.select("subscription_id", "customer_id").unique("subscription_id")
    moved = changes.filter(pl.col("month") == month).join(owners, on="subscription_id", how="left")
    active_now = customer_months.filter(pl.col("month") == month).get_column("customer_id")
    active_before = customer_months.filter(pl.col("month") == month - 1).get_column("customer_id")
    expansion = moved.filter(
        (pl.col("is_new") | pl.col("is_reactivation"))
        & pl.col("customer_id").is_in(active_before.implode())
    ).select(pl.col("now").sum())
    contraction = moved.filter(
        pl.col("is_churn") & pl.col("customer_id").is_in(active_now.implode())
    ).select(pl.col("previous").sum())
    return money(expansion.item()), money(contraction.item())


# --------------------------------------------------------------------------- cancellations


def _cancellations(
    reports: Sequence[ReportRows], rows: pl.DataFrame
) -> tuple[CancellationMonth, ...]:
    result = []
    for report in reports:
        month = report.download.title.month or _month_of_cancellations(report)
        if month is None:
            continue  # no title and no rows: nothing to say about any month
        result.append(_cancellation_month(report, month, rows))
    return tuple(sorted(result, key=lambda m: (m.period, m.file)))


def _month_of_cancellations(report: ReportRows) -> datetime.date | None:
    months = report.frame.select(pl.col("cancelled_date").dt.month_start().unique().drop_nulls())
    return months.get_column("cancelled_date")[0] if months.height == 1 else None


def _cancellation_month(
    report: ReportRows, month: datetime.date, rows: pl.DataFrame
) -> CancellationMonth:
    frame = report.frame
    number = history.month_number(month)
    in_month = rows.filter(pl.col("month") == number)
    stayed = left_count = None
    left: tuple[CustomerRef, ...] = ()
    if in_month.height:
        cancelled_ids = frame.get_column("subscription_id").implode()
        # Still active at the month's end: another subscription of theirs, not cancelled
        # in the month, is in the month's MRR Details report.
        remaining = in_month.filter(~pl.col("subscription_id").is_in(cancelled_ids))
        staying = frame.get_column("customer_id").is_in(
            remaining.get_column("customer_id").implode()
        )
        stayed = int(staying.sum())
        leavers = (
            frame.filter(~staying)
            .group_by("customer_id")
            .agg(pl.col("customer_name").first(), line=pl.col("line").min())
            .sort("line")
        )
        left_count = leavers.height
        left = tuple(
            CustomerRef(customer_id=row["customer_id"], name=row["customer_name"], line=row["line"])
            for row in leavers.head(LISTED).iter_rows(named=True)
        )
    reasons = (
        int(frame.get_column("cancellation_reason").is_not_null().sum())
        if "cancellation_reason" in frame.columns
        else None
    )
    amount = frame.get_column("amount").sum() if "amount" in frame.columns else None
    return CancellationMonth(
        period=f"{month:%Y-%m}",
        file=report.file,
        cancelled=frame.height,
        customers=frame.get_column("customer_id").n_unique(),
        amount=None if amount is None else round(float(amount), 2),
        customer_stayed=stayed,
        customers_left=left_count,
        left=left,
        reasons_given=reasons,
    )


# --------------------------------------------------------------------------- export check


def _export_check(
    export: LoadedTable, rows: pl.DataFrame, used: Sequence[MonthSnapshot]
) -> tuple[ExportCheckMonth, ...]:
    """Per report month: the export's subscriptions active at the month's end (by
    DOMAIN.md's rule, through reconciliation.classify) against the report's rows."""
    from reconcile.reconciliation import classify

    if not used:
        return ()
    numbers = sorted({history.month_number(s.month) for s in used})
    last_end = month_end(used[-1].month)
    runs = classify(export.frame, last_end).filter(pl.col("first").is_not_null())
    # The run of months each subscription is active on a month end, within the reports'.
    active = (
        runs.select(
            "subscription_id",
            month=pl.int_ranges(
                pl.max_horizontal("first", pl.lit(numbers[0])),
                pl.min_horizontal("last", pl.lit(numbers[-1])) + 1,
                dtype=pl.Int32,
            ),
        )
        .explode("month")
        .drop_nulls("month")
        .filter(pl.col("month").is_in(numbers))
        .with_columns(in_export=pl.lit(True))
    )
    listed = rows.select("month", "subscription_id").unique().with_columns(in_report=pl.lit(True))
    both = listed.join(active, on=["month", "subscription_id"], how="full", coalesce=True)
    result = []
    for number in numbers:
        month = both.filter(pl.col("month") == number)
        only_report = month.filter(pl.col("in_export").is_null()).get_column("subscription_id")
        only_export = month.filter(pl.col("in_report").is_null()).get_column("subscription_id")
        result.append(
            ExportCheckMonth(
                period=f"{number // 12:04d}-{number % 12 + 1:02d}",
                in_both=month.height - only_report.len() - only_export.len(),
                only_in_report=only_report.len(),
                only_in_export=only_export.len(),
                only_in_report_examples=tuple(only_report.sort().head(EXAMPLES)),
                only_in_export_examples=tuple(only_export.sort().head(EXAMPLES)),
            )
        )
    return tuple(result)


# --------------------------------------------------------------------------- files, errors


def _files(downloads: Downloads, used: set[int]) -> tuple[ReportFile, ...]:
    files = [
        ReportFile(
            file=s.file,
            report=s.download.kind.name,
            title=s.download.title.report,
            period_start=s.download.title.start,
            period_end=s.download.title.end,
            month=f"{s.month:%Y-%m}",
            rows_read=s.table.rows_read,
            rows_accepted=s.table.rows_accepted,
            rows_rejected=s.table.rows_rejected,
            duplicate_rows_removed=s.table.duplicate_rows_removed,
            blank_lines_skipped=s.table.blank_lines_skipped,
            used=id(s) in used,
        )
        for s in downloads.snapshots
    ]
    for report in (*downloads.summaries, *downloads.cancellations):
        title = report.download.title
        files.append(
            ReportFile(
                file=report.file,
                report=report.download.kind.name,
                title=title.report,
                period_start=title.start,
                period_end=title.end,
                month=None if title.month is None else f"{title.month:%Y-%m}",
                rows_read=report.rows_read,
                rows_accepted=report.frame.height,
                rows_rejected=report.rows_rejected,
                blank_lines_skipped=report.blank_lines_skipped,
            )
        )
    return tuple(files)


def _row_errors(downloads: Downloads, engine_file: str | None, which: str) -> tuple[Rejection, ...]:
    frames = [getattr(s.table, which) for s in downloads.snapshots if s.file != engine_file] + [
        getattr(r, which) for r in (*downloads.summaries, *downloads.cancellations)
    ]
    frames = [frame for frame in frames if frame.height]
    if not frames:
        return ()
    return tuple(Rejection(**row) for row in pl.concat(frames).iter_rows(named=True))


# --------------------------------------------------------------------------- findings


def _findings(
    downloads: Downloads,
    used: Sequence[MonthSnapshot],
    duplicates: Sequence[DuplicateMonth],
    missing: Sequence[str],
    summaries: Sequence[BillingMrrMonth],
    cancellations: Sequence[CancellationMonth],
    as_of: datetime.date,
) -> tuple[Finding, ...]:
    found: list[Finding] = []
    if downloads.subscriptions is None and used:
        snapshot = downloads.snapshot_for(as_of)
        found.append(
            finding(
                "report_month_snapshot",
                snapshot.table.rows_accepted,
                file=snapshot.file,
                month=f"{snapshot.month:%Y-%m}",
                reports=len(used),
            )
        )
    for snapshot in used:
        created = snapshot.created.get_column("created")
        backdated = int((created > snapshot.month_end).sum())
        if backdated:
            found.append(
                finding(
                    "backdated_subscriptions",
                    backdated,
                    file=snapshot.file,
                    month=f"{snapshot.month:%Y-%m}",
                )
            )
    for duplicate in duplicates:
        found.append(
            finding(
                "report_month_twice",
                len(duplicate.files),
                month=duplicate.period,
                files=", ".join(duplicate.files),
                used=duplicate.used,
                identical=duplicate.identical,
            )
        )
    if missing:
        found.append(finding("report_months_missing", len(missing), months=", ".join(missing)))
    for summary in summaries:
        if summary.mrr_difference is not None and abs(summary.mrr_difference) >= CENT:
            found.append(
                finding(
                    "billing_mrr_differs",
                    len(summary.explaining_rows),
                    month=summary.period,
                    difference=summary.mrr_difference,
                    explained_by=summary.explained_by or "",
                )
            )
    for month in cancellations:
        if month.customer_stayed:
            found.append(
                finding(
                    "cancellations_not_churn",
                    month.customer_stayed,
                    month=month.period,
                    cancelled=month.cancelled,
                    customers_left=month.customers_left or 0,
                )
            )
    return tuple(found)
