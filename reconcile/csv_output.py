"""Every CSV reconcile writes (`-o rows.csv`, `--errors-csv`, the rejected rows attached
to the email), made safe to open in a spreadsheet.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets (OWASP, "CSV Injection"): a customer name or a
rejected value such as `=HYPERLINK("http://…")` in an export would run in the reader's
spreadsheet. Such a cell is written with a single quote in front, which the spreadsheet
shows as text and a reader recognises; every other cell is written as it is. A BOM comes
first, so that Excel reads the file as UTF-8 and shows umlauts.
"""

from __future__ import annotations

import polars as pl

FORMULA_STARTS = "=+-@\t\r"
# One regex for the whole column: polars applies it without a Python loop.
_FORMULA = "^[" + "".join("\\" + c if c in "-\\]^" else c for c in FORMULA_STARTS) + "]"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every text cell that a spreadsheet would run as a formula quoted."""
    texts = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in texts
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with a BOM, formulas neutralised."""
    return neutralise_formulas(frame).write_csv(include_bom=True).encode("utf-8")
