"""Validation: from a RawTable (text) to a LoadedTable (typed canonical rows + row errors)."""

from reconcile.validation.table import validate, validation_summary

__all__ = ["validate", "validation_summary"]
