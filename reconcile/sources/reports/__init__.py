"""Billing systems' report downloads as data: one TOML file per report kind in this folder.

A report file has the format of a source file (its columns under `[subscriptions.columns]`,
derivations under `[subscriptions.derive]`) and a `[report]` table:
- `role`: what the report is to reconcile: `month_snapshot` (the subscriptions active in
  one month, with their MRR), `billing_figures` (the billing system's own figures per
  month) or `cancellations` (the subscriptions cancelled in a period);
- `titles`: the report's name as its title row gives it;
- `signature`: headers a file must *all* have to be this report (so that an ordinary
  export is never taken for one);
- `month_column`: the column that dates a row; `created_column`, where there is one, the
  record's creation date (after the month for a backdated subscription).

Every `*.toml` file here with a `[report]` table is a report kind: a new one needs no
code. (billing_report.toml, the layout of the billing system's report export read by
`--billing-report`, lives here too; the names of its figures are in the source files.)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from reconcile.sources import SourceSpec, _spec_from_document, normalize_header

MONTH_SNAPSHOT = "month_snapshot"
BILLING_FIGURES = "billing_figures"
CANCELLATIONS = "cancellations"
ROLES = (MONTH_SNAPSHOT, BILLING_FIGURES, CANCELLATIONS)


@dataclass(frozen=True)
class ReportKind:
    """One kind of report download: how to recognise it and read its columns."""

    name: str
    title: str
    role: str
    titles: tuple[str, ...]
    signature: tuple[str, ...]
    month_column: str
    spec: SourceSpec  # its columns, as the subscriptions table of a source
    created_column: str | None = None

    def matches(self, headers: tuple[str, ...]) -> bool:
        """Whether a file with these headers is this report (every signature header)."""
        keys = {normalize_header(header) for header in headers}
        return all(normalize_header(column) in keys for column in self.signature)


@cache
def report_kinds() -> tuple[ReportKind, ...]:
    """Every report kind of this folder, by file name."""
    folder = resources.files(__package__)
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".toml"))
    documents = {name: tomllib.loads(folder.joinpath(name).read_text("utf-8")) for name in names}
    return tuple(
        _kind(name, document) for name, document in documents.items() if "report" in document
    )


def report_kind_of(headers: tuple[str, ...]) -> ReportKind | None:
    """The report kind a file's header shows, or None for any other export."""
    return next((kind for kind in report_kinds() if kind.matches(headers)), None)


def known_report_headers() -> frozenset[str]:
    """Every header a report kind knows (normalised), for finding the header line."""
    return frozenset(key for kind in report_kinds() for key in kind.spec.subscriptions.alias_keys())


def _kind(file_name: str, document: dict) -> ReportKind:
    document = dict(document)
    report = document.pop("report")
    if report["role"] not in ROLES:  # a mistake in this folder, caught by the tests
        raise ValueError(f"{file_name}: unknown role {report['role']!r}")
    spec = _spec_from_document(document, file_name, None)
    return ReportKind(
        name=spec.name,
        title=spec.title,
        role=report["role"],
        titles=tuple(report["titles"]),
        signature=tuple(report["signature"]),
        month_column=report["month_column"],
        spec=spec,
        created_column=report.get("created_column"),
    )
