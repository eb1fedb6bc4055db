"""Validation: from a RawTable (text) to a LoadedTable (typed canonical rows + row errors).

One module per job (the order of the steps is in reconcile.validation.table):
- repeats: exact repeats and conflicting duplicates;
- typing_plan: how each raw field is typed, one date format per date column;
- columns: the checked frame's columns and the canonical fields from their fallbacks;
- checked: the checked frame (raw, typed and canonical side by side);
- checks: the row checks, each with its code and message;
- schema: the pandera adapter (the checks as a declared schema; failures as row errors);
- table: `validate` (the steps in order) and `validation_summary`.
"""

from reconcile.validation.table import validate, validation_summary

__all__ = ["validate", "validation_summary"]
