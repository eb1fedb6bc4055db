"""Problems found in the input, as data (modelled on frictionless' cell errors).

A *row error* is one fault in one cell of one row (a row of ROW_ERROR_SCHEMA while the
data is in frames, a result.Rejection in the result); a row with several faults has several
row errors but is rejected once. An *unusable file* stops the run before any figure is
computed. Both carry what a user needs to act: file, physical line, column, value.
The row errors' codes, and which of them reject, are reconcile.codes.RowError.
"""

from __future__ import annotations

import polars as pl

# The columns of a frame of row errors, in this order, as produced by validation.
ROW_ERROR_SCHEMA = {
    "file": pl.String,
    "line": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "code": pl.String,
    "message": pl.String,
}


class ReconcileError(Exception):
    """Anything that stops a run with exit code 2: bad usage or unusable input.

    `str(error)` is the whole message a user sees; it says what to do next.
    """


class UnusableFileError(ReconcileError):
    """A file that cannot be read at all: empty, not CSV, a required column missing,
    customers and subscriptions swapped, dates whose order cannot be decided."""

    def __init__(self, file: str, problem: str, advice: str = "") -> None:
        self.file = file
        self.problem = problem
        self.advice = advice
        text = f"{file}: {problem}"
        super().__init__(f"{text}\n{advice}" if advice else text)


class InternalError(Exception):
    """A bug in reconcile, never a fault of the input: a figure that must agree with
    another did not. Raised instead of `assert`, which `python -O` strips. Not a
    ReconcileError: the CLI reports it as a bug (exit 3), with a traceback under --debug."""


class DeliveryError(ReconcileError):
    """Sending the report failed; the report files and the .eml are already on disk."""
