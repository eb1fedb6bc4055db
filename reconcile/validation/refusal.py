"""A file of which every row is rejected is unusable (DOMAIN.md, "Bad rows"): a report
on no rows would say "0 active customers" as if it knew. The message names the most
common reason, its column, an example value and line, and the option that would read it."""

from __future__ import annotations

import polars as pl

from reconcile import parsing
from reconcile.codes import RowError
from reconcile.problems import UnusableFileError
from reconcile.reading import RawTable
from reconcile.validation.typing_plan import TypingPlan

# What to do about the most common reason, when it is not a date (dates get the format
# that reads most of the column).
_ADVICE: dict[str, str] = {
    RowError.MISSING_ID: "If another column holds the ID, map it with "
    "--map subscription_id='HEADER' (or customer_id='HEADER').",
    RowError.MISSING_START: "If another column holds the start date, map it with "
    "--map start='HEADER'.",
    RowError.UNKNOWN_STATUS: "If the file comes from another billing system, name it with "
    "--source; or list its statuses in a mapping file (--mapping-file, [statuses]).",
    RowError.DAMAGED_ID: "Export the file again and do not open and save it in a spreadsheet.",
    RowError.ROUNDED_ID: "Export the file again and do not open and save it in a spreadsheet "
    "(or import the CSV with its ID columns as text).",
}
_DEFAULT_ADVICE = "Check which column holds which field, and map it with --map FIELD='HEADER'."


def refuse_if_every_row_rejected(
    raw: RawTable, plan: TypingPlan, rejections: pl.DataFrame, rows_accepted: int
) -> None:
    """UnusableFileError when no row of the file was accepted and some were rejected."""
    if rows_accepted or rejections.is_empty():
        return
    reasons = (
        rejections.filter(pl.col("code").is_in([code for code in RowError if code.rejects]))
        .sort("line", maintain_order=True)
        .group_by("code", "column", maintain_order=True)
        .agg(
            rows=pl.col("line").n_unique(),
            line=pl.col("line").first(),
            value=pl.col("value").first(),
        )
        .sort("rows", descending=True, maintain_order=True)
    )
    rows_rejected = rejections.get_column("line").n_unique()
    code, column, rows, line, value = reasons.row(0)
    member = RowError.of(code)
    reason = member.reason if member else code
    shown = f"'{value}'" if value is not None else "an empty value"
    every = (
        "its only row was" if rows_rejected == 1 else f"every one of its {rows_rejected} rows was"
    )
    share = "" if rows == rows_rejected else f" ({rows} of them)"
    problem = (
        f"{every} rejected, so no report can be made; the most common reason{share}: "
        f"{reason}, column '{column}', e.g. {shown} on line {line}"
    )
    raise UnusableFileError(raw.file, problem, _advice(raw, plan, code, column, value))


def _unknown_zone(value: str | None) -> str | None:
    """The zone abbreviation of a timestamp that the date parser does not know."""
    if value is None:
        return None
    frame = pl.DataFrame({"value": [value]}, schema={"value": pl.String})
    return frame.select(parsing.unknown_zone_expr("value")).item()


def _advice(raw: RawTable, plan: TypingPlan, code: str, column: str, value: str | None) -> str:
    if code != RowError.INVALID_DATE:
        return _ADVICE.get(code, _DEFAULT_ADVICE)
    zone = _unknown_zone(value)
    if zone is not None:
        return (
            f"Its time zone '{zone}' cannot be placed in UTC: export the times with an offset "
            f"(or in UTC), or read the local dates as written with "
            f"--date-format \"yyyy-MM-dd HH:mm:ss '{zone}'\"."
        )
    raw_field = next((f for f, header in raw.headers.items() if header == column), None)
    counts = plan.date_counts.get(raw_field) if raw_field else None
    fmt = plan.date_formats.get(raw_field or "")
    if counts is not None and fmt is not None and parsing.mostly_not_dates(counts, fmt):
        # Words where dates belong: no date format reads them, the column may be the wrong one.
        return (
            f"Column '{column}' holds text, not dates: if another column holds the dates, "
            "map it with --map FIELD='HEADER'; a cell without a date may be left empty."
        )
    best, rows = parsing.best_fitting_format(counts) if counts is not None else (None, 0)
    if best is not None and best != plan.date_formats.get(raw_field or ""):
        return (
            f"Read the dates with --date-format '{best.name}' ({rows} values of the column fit it)."
        )
    if value is not None and value.replace(".", "", 1).isdigit():
        # A number is no pattern's business: a date pattern reads text, not a count of days.
        return (
            "The dates are numbers of no length reconcile reads as dates: Excel serial "
            "numbers (5 digits), Unix seconds (9 or 10) or Unix milliseconds (12 or 13). "
            "Export the dates as dates (yyyy-MM-dd)."
        )
    return (
        "Give the dates' format as a Unicode date pattern, e.g. --date-format 'M/d/yy H:mm' "
        "or --date-format 'dd.MM.yyyy'."
    )
