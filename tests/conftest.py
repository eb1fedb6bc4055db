"""Fixtures shared by several test modules. Helpers that are plain functions or data
live in modules of their own (factories.py, result_examples.py, email_examples.py,
oracle.py, datasets.py); test modules never import each other."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from factories import AS_OF_GERMAN_VENDOR, german_vendor_tables

from reconcile.reconciliation import reconcile_tables
from reconcile.result import Result


@pytest.fixture
def runner() -> CliRunner:
    """A click runner for the CLI, in-process."""
    return CliRunner()


@pytest.fixture(scope="session")
def german() -> Result:
    """The German software vendor of factories.german_vendor_tables, reconciled on
    AS_OF_GERMAN_VENDOR; tests/test_reconciliation.py works out its figures by hand."""
    return reconcile_tables(*german_vendor_tables(), AS_OF_GERMAN_VENDOR)
