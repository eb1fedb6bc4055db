"""The Excel workbook (`-o report.xlsx`): the report's figures as real numbers and dates.

Finance people check figures in a spreadsheet. One sheet per part of the report, in the
report's language (sheet names and headers through the same gettext catalog as the
report): the answer and every finding, by product, by plan (all of them, largest gap
first), the customers in two products, the bridge, month by month, the renewal dates,
rejected rows and values that could not be read, probable duplicates, orphans, the
subscriptions to check, the customers without subscriptions, and the row trace; revenue
(MRR per currency, ARPA and ARPU, and the months' MRR movements) after the product
pairs. Every list the report cuts is here in full. Each sheet is an Excel table: header
frozen, autofilter on, columns as wide as their content. Numbers are numbers, dates are
dates; text is never turned into a formula, number or link (a cell "=1+1" stays text).

Written with XlsxWriter through polars `write_excel`, in memory. Deterministic: the
document properties are fixed (created on the as-of date), and XlsxWriter dates the
parts of the file alike, so the same Result gives the same bytes.

File names, never paths: the workbook is made to be mailed.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from reconcile.codes import N_, Step
from reconcile.i18n import translations
from reconcile.redaction import file_name
from reconcile.rendering import finding_text, plans_by_gap, ref_detail, rejection_reason
from reconcile.result import BridgeStep, PlanCount, ProductCount, Result, SubscriptionRef

if TYPE_CHECKING:
    import xlsxwriter  # type: ignore[import-untyped]

# Excel's last row is 1,048,576: one for the header leaves this many rows of data.
EXCEL_ROWS = 1_048_575


# Sheet names: at most 31 characters in every language, none of : \ / ? * [ ].
SHEETS = {
    "summary": N_("Summary"),
    "by_product": N_("By product"),
    "by_plan": N_("By plan"),
    "product_pairs": N_("Customers in two products"),
    "revenue": N_("Revenue"),
    "bridge": N_("Bridge"),
    "months": N_("Month by month"),
    "renewals": N_("Renewal dates"),
    "row_errors": N_("Rejected rows and warnings"),
    "duplicates": N_("Probable duplicates"),
    "orphans": N_("Orphan subscriptions"),
    "to_check": N_("Subscriptions to check"),
    "without_subscriptions": N_("Customers without subscriptions"),
    "trace": N_("Row trace"),
}

Translate = Callable[[str], str]


def workbook_bytes(result: Result, *, lang: str = "en", trace: pl.DataFrame | None = None) -> bytes:
    """The workbook of `result` in `lang`; with `trace` (reconcile.trace), its row trace."""
    import xlsxwriter

    _ = translations(lang).gettext
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            # Customer data is text: never a formula, a number or a link by its look.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties(_properties(result, _))
    sheets: list[tuple[str, pl.DataFrame]] = [
        ("by_product", _by_product(result, _)),
        ("by_plan", _by_plan(result, _)),
        ("product_pairs", _product_pairs(result, _)),
        ("revenue", _revenue(result, _)),
        ("bridge", _bridge(result, _)),
        ("months", _months(result, _)),
        ("renewals", _renewals(result, _)),
        ("row_errors", _row_errors(result, lang, _)),
        ("duplicates", _duplicates(result, _)),
        ("orphans", _orphans(result, _)),
        ("to_check", _to_check(result, lang, _)),
        ("without_subscriptions", _without_subscriptions(result, _)),
    ]
    if trace is not None:
        sheets.append(("trace", _trace(trace, _)))
    _summary(workbook, result, lang, _)
    for key, frame in sheets:
        _table(workbook, _(SHEETS[key]), frame)
    _revenue_movements(workbook, result, _)
    workbook.close()
    return buffer.getvalue()


def _properties(result: Result, _: Translate) -> dict[str, Any]:
    created = datetime.datetime.combine(result.as_of, datetime.time())
    return {
        "title": _("Customers and subscriptions on %(date)s") % {"date": result.as_of.isoformat()},
        "subject": _("Customer count reconciliation"),
        "author": "reconcile",
        "comments": "",
        "created": created,
    }


def _table(
    workbook: xlsxwriter.Workbook, sheet: str, frame: pl.DataFrame, position: str = "A1"
) -> None:
    frame.write_excel(
        workbook,
        sheet,
        position=position,
        table_style="Table Style Light 9",
        dtype_formats={pl.Date: "yyyy-mm-dd", pl.Float64: "#,##0.00", pl.Int64: "#,##0"},
        autofilter=True,
        autofit=True,
        # Autofit sizes by the data: a table with none (no renewal dates, no orphans)
        # gets its headers' widths, in pixels.
        column_widths={name: 7 * len(name) + 24 for name in frame.columns}
        if frame.is_empty()
        else None,
        freeze_panes=(1, 0),
    )


# A sheet's columns: (header, type, values), in order.
Columns = Sequence[tuple[str, pl.DataType | type[pl.DataType], Sequence[Any]]]


def _frame(columns: Columns) -> pl.DataFrame:
    """The columns as a frame with exactly their types, also when they are empty."""
    return pl.DataFrame(
        [list(values) for _header, _dtype, values in columns],
        schema={header: dtype for header, dtype, _values in columns},
        orient="col",
    )


def _summary(workbook: xlsxwriter.Workbook, result: Result, lang: str, _: Translate) -> None:
    """The answer in one row, then every finding, most important first."""
    totals = result.totals
    ratio = (
        totals.subscriptions_active / totals.customers_active if totals.customers_active else None
    )
    answer = pl.DataFrame(
        {
            _("As-of date"): [result.as_of],
            _("Active customers"): [totals.customers_active],
            _("Active subscriptions"): [totals.subscriptions_active],
            _("Extra subscriptions"): [totals.subscriptions_active - totals.customers_active],
            _("Subscriptions per customer"): [ratio],
        },
        schema_overrides={_("Subscriptions per customer"): pl.Float64},
    )
    severity = {"error": _("Error"), "warning": _("Warning"), "info": _("Note")}
    findings = result.findings
    found = _frame(
        [
            (_("Severity"), pl.String, [severity.get(f.severity, f.severity) for f in findings]),
            (_("Finding"), pl.String, [finding_text(f, lang) for f in findings]),
            (_("Count"), pl.Int64, [f.count for f in findings]),
            (_("Code"), pl.String, [f.code for f in findings]),
        ]
    )
    sheet = _(SHEETS["summary"])
    _table(workbook, sheet, answer)
    found.write_excel(
        workbook,
        sheet,
        position="A4",
        table_style="Table Style Light 9",
        autofilter=True,
        column_widths={_("Finding"): 600},
    )


def _product(value: str | None, _: Translate) -> str:
    return _("(no product)") if value is None else value


def _by_product(result: Result, _: Translate) -> pl.DataFrame:
    rows = result.by_product
    return _frame(
        [
            (_("Product"), pl.String, [_product(row.product, _) for row in rows]),
            *_active_counts(rows, _),
        ]
    ).with_columns(_ratio(_("Active subscriptions"), _("Active customers"), _))


def _active_counts(rows: Sequence[ProductCount | PlanCount], _: Translate) -> Columns:
    return [
        (_("Active subscriptions"), pl.Int64, [row.subscriptions_active for row in rows]),
        (_("Active customers"), pl.Int64, [row.customers_active for row in rows]),
    ]


def _ratio(subscriptions: str, customers: str, _: Translate) -> pl.Expr:
    return (
        pl.when(pl.col(customers) > 0)
        .then(pl.col(subscriptions) / pl.col(customers))
        .cast(pl.Float64)
        .alias(_("Subscriptions per customer"))
    )


def _by_plan(result: Result, _: Translate) -> pl.DataFrame:
    rows = plans_by_gap(result.by_plan)
    return _frame(
        [
            (_("Product"), pl.String, [_product(row.product, _) for row in rows]),
            (
                _("Plan"),
                pl.String,
                [_("(no plan)") if row.plan is None else row.plan for row in rows],
            ),
            *_active_counts(rows, _),
        ]
    ).with_columns(
        (pl.col(_("Active subscriptions")) - pl.col(_("Active customers"))).alias(_("Difference")),
        _ratio(_("Active subscriptions"), _("Active customers"), _),
    )


def _product_pairs(result: Result, _: Translate) -> pl.DataFrame:
    """Every pair of products with customers active in both (the report shows the
    largest few)."""
    pairs = result.product_overlap
    return _frame(
        [
            (_("Product"), pl.String, [pair.product_a for pair in pairs]),
            (_("and product"), pl.String, [pair.product_b for pair in pairs]),
            (_("Customers active in both"), pl.Int64, [pair.customers for pair in pairs]),
        ]
    )


def _currency(value: str | None, _: Translate) -> str:
    return _("(no currency)") if value is None else value


def _revenue(result: Result, _: Translate) -> pl.DataFrame:
    """MRR per currency, ARPA and Zoho's ARPU beside it (never added across currencies);
    the months' movements follow below it on the same sheet."""
    rows = result.revenue
    return _frame(
        [
            (_("Currency"), pl.String, [_currency(row.currency, _) for row in rows]),
            (_("MRR"), pl.Float64, [row.mrr for row in rows]),
            (_("Customers with MRR"), pl.Int64, [row.customers for row in rows]),
            (_("Subscriptions with MRR"), pl.Int64, [row.subscriptions for row in rows]),
            (_("ARPA (per customer)"), pl.Float64, [row.arpa for row in rows]),
            (
                _("ARPU as Zoho shows it (per subscription)"),
                pl.Float64,
                [row.arpu_per_subscription for row in rows],
            ),
            (
                _("Active subscriptions without amount"),
                pl.Int64,
                [row.subscriptions_without_amount for row in rows],
            ),
        ]
    )


def _revenue_movements(workbook: xlsxwriter.Workbook, result: Result, _: Translate) -> None:
    """Per month and currency: MRR on the day observed and its movements since the
    month before (new + reactivation + expansion - contraction - churn)."""
    rows = [(month, money) for month in result.timeline for money in month.revenue]
    if not rows:
        return
    schema = {
        _("Month"): pl.Date(),
        _("Currency"): pl.String(),
        _("MRR"): pl.Float64(),
        _("New"): pl.Float64(),
        _("Reactivation"): pl.Float64(),
        _("Expansion"): pl.Float64(),
        _("Contraction"): pl.Float64(),
        _("Churn"): pl.Float64(),
    }
    values = [
        [datetime.date.fromisoformat(month.period + "-01") for month, _money in rows],
        [_currency(money.currency, _) for _month, money in rows],
        *(
            [getattr(money, name) for _month, money in rows]
            for name in ("mrr", "new", "reactivation", "expansion", "contraction", "churn")
        ),
    ]
    pl.DataFrame(values, schema=schema, orient="col").write_excel(
        workbook,
        _(SHEETS["revenue"]),
        position=(len(result.revenue) + 3, 0),
        table_style="Table Style Light 9",
        dtype_formats={pl.Date: "yyyy-mm", pl.Float64: "#,##0.00"},
        autofilter=True,
        autofit=True,
    )


def _examples(step: BridgeStep) -> str:
    return ", ".join(
        f"{example} ({step.example_names[example]})" if example in step.example_names else example
        for example in step.examples
    )


def _bridge(result: Result, _: Translate) -> pl.DataFrame:
    walks = [
        (_("Subscriptions export"), result.bridge),
        (_("Customers export"), result.customer_bridge),
    ]
    steps = [(walk, step) for walk, steps in walks for step in steps]
    labels = {step.value: _(step.label) for step in Step}
    return pl.DataFrame(
        {
            _("Export"): [walk for walk, _step in steps],
            _("Step"): [labels.get(step.step, step.label) for _walk, step in steps],
            _("Count"): [step.count for _walk, step in steps],
            _("Running total"): [step.total for _walk, step in steps],
            _("For example:").rstrip(":"): [_examples(step) for _walk, step in steps],
            _("In all"): [step.examples_total for _walk, step in steps],
            _("Code"): [step.step for _walk, step in steps],
        },
        schema_overrides={
            _("Count"): pl.Int64,
            _("Running total"): pl.Int64,
            _("In all"): pl.Int64,
        },
    )


def _months(result: Result, _: Translate) -> pl.DataFrame:
    months = result.timeline
    columns: dict[str, tuple[str, Callable[[Any], Any]]] = {
        "month": (_("Month"), lambda month: datetime.date.fromisoformat(month.period + "-01")),
        "date": (_("Observed on"), lambda month: month.date),
        "subscriptions_active": (_("Active subscriptions"), lambda m: m.subscriptions_active),
        "customers_active": (_("Active customers"), lambda m: m.customers_active),
        "subscriptions_net": (_('"Net customers" (billing system)'), lambda m: m.subscriptions_net),
        "customers_net": (_("Change in customers"), lambda m: m.customers_net),
        "customers_new": (_("New"), lambda m: m.customers_new),
        "customers_reactivated": (_("Reactivated"), lambda m: m.customers_reactivated),
        "customers_churned": (_("Churned"), lambda m: m.customers_churned),
        "customers_expanded": (_("Expanded"), lambda m: m.customers_expanded),
        "customers_contracted": (_("Contracted"), lambda m: m.customers_contracted),
        "subscriptions_new": (_("New subscriptions"), lambda m: m.subscriptions_new),
        "subscriptions_ended": (_("Ended subscriptions"), lambda m: m.subscriptions_ended),
    }
    return pl.DataFrame(
        {header: [value(month) for month in months] for header, value in columns.values()},
        schema={
            header: pl.Date if key in ("month", "date") else pl.Int64
            for key, (header, _value) in columns.items()
        },
    )


def _renewals(result: Result, _: Translate) -> pl.DataFrame:
    """Every customer whose subscriptions renew on different dates, most to gain first
    (the report shows the first few): the next renewal as a date, all of them as text
    (one cell holds several dates), invoices a year now and if aligned."""
    customers = result.renewals.customers if result.renewals is not None else ()
    dates = [", ".join(day.isoformat() for day in c.next_renewals) for c in customers]
    return _frame(
        [
            (_("Customer ID"), pl.String, [c.customer_id for c in customers]),
            (_("Name"), pl.String, [c.name for c in customers]),
            (_("Subscriptions"), pl.Int64, [c.subscriptions for c in customers]),
            (_("Next renewal"), pl.Date, [min(c.next_renewals, default=None) for c in customers]),
            (_("Renewal dates"), pl.String, dates),
            (_("Invoices a year now"), pl.Float64, [c.invoices_per_year_now for c in customers]),
            (_("Aligned"), pl.Float64, [c.invoices_per_year_aligned for c in customers]),
        ]
    )


def _row_errors(result: Result, lang: str, _: Translate) -> pl.DataFrame:
    errors = [(error, _("rejected")) for error in result.rejections]
    errors += [(error, _("kept")) for error in result.warnings]
    return _frame(
        [
            (_("File"), pl.String, [file_name(error.file) for error, _row in errors]),
            (_("Line"), pl.Int64, [error.line for error, _row in errors]),
            (_("Column"), pl.String, [error.column for error, _row in errors]),
            (_("Value"), pl.String, [error.value for error, _row in errors]),
            (_("Reason"), pl.String, [rejection_reason(error, lang) for error, _row in errors]),
            (_("Outcome"), pl.String, [row for _error, row in errors]),
            (_("Code"), pl.String, [error.code for error, _row in errors]),
        ]
    ).sort(_("File"), _("Line"), maintain_order=True)


def _duplicates(result: Result, _: Translate) -> pl.DataFrame:
    members = [
        (group.key, customer, group.names.get(customer), customer in group.active_customer_ids)
        for group in result.probable_duplicate_groups
        for customer in group.customer_ids
    ]
    return _frame(
        [
            (_("Email"), pl.String, [key for key, _c, _n, _a in members]),
            (_("Customer ID"), pl.String, [customer for _k, customer, _n, _a in members]),
            (_("Name"), pl.String, [name for _k, _c, name, _a in members]),
            (_("Active"), pl.Boolean, [active for _k, _c, _n, active in members]),
        ]
    )


def _orphans(result: Result, _: Translate) -> pl.DataFrame:
    return _frame(_subscription_refs(result.quality.orphan_subscriptions, _))


def _subscription_refs(refs: Sequence[SubscriptionRef], _: Translate) -> Columns:
    return [
        (_("Subscription"), pl.String, [ref.subscription_id for ref in refs]),
        (_("Customer ID"), pl.String, [ref.customer_id for ref in refs]),
        (_("Name"), pl.String, [ref.customer_name for ref in refs]),
        (_("Line"), pl.Int64, [ref.line for ref in refs]),
        (_("Product"), pl.String, [ref.product for ref in refs]),
        (_("Status"), pl.String, [ref.status for ref in refs]),
    ]


def _to_check(result: Result, lang: str, _: Translate) -> pl.DataFrame:
    """The subscriptions "What stands out" asks to look at, list by list as Data quality
    shows them: orphans, ended or paused without an end or a start date, contradictions."""
    quality = result.quality
    lists = (
        (_("Orphan subscriptions"), quality.orphan_subscriptions),
        (_("Ended or paused without an end date"), quality.ended_without_end_date),
        (_("Ended or paused without a start date"), quality.ended_without_start_date),
        (_("Contradictions"), quality.contradictions),
    )
    titled = [(title, ref) for title, refs in lists for ref in refs]
    refs = [ref for _title, ref in titled]
    return _frame(
        [
            (_("List"), pl.String, [title for title, _ref in titled]),
            *_subscription_refs(refs, _),
            (_("Detail"), pl.String, [ref_detail(ref.detail, lang) for ref in refs]),
        ]
    )


def _without_subscriptions(result: Result, _: Translate) -> pl.DataFrame:
    customers = result.quality.customers_without_subscriptions
    return _frame(
        [
            (_("Customer ID"), pl.String, [c.customer_id for c in customers]),
            (_("Name"), pl.String, [c.name for c in customers]),
            (_("Email"), pl.String, [c.email for c in customers]),
            (_("Line"), pl.Int64, [c.line for c in customers]),
        ]
    )


def _trace(trace: pl.DataFrame, _: Translate) -> pl.DataFrame:
    """The row trace with the step in words beside its code, its headers translated."""
    labels = {step.value: _(step.label) for step in Step}
    headers = {
        "file": _("File"),
        "line": _("Line"),
        "subscription_id": _("Subscription"),
        "customer_id": _("Customer ID"),
        "product": _("Product"),
        "plan": _("Plan"),
        "status": _("Status"),
        "step": _("Code"),
        "customer_active": _("Customer active"),
        "probable_duplicate_of": _("Probable duplicate of"),
        "mrr": _("MRR"),
        "currency": _("Currency"),
    }
    # One file, or a few: their names looked up once, not once a row.
    names = {path: file_name(path) for path in trace["file"].unique().drop_nulls().to_list()}
    return (
        trace.head(EXCEL_ROWS)
        .with_columns(
            pl.col("file").replace(names),
            pl.col("step").replace_strict(labels, default=pl.col("step")).alias(_("Step")),
        )
        .rename(headers, strict=False)
    )
