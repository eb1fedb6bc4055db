"""Header and source matching: which billing system and which export kind (subscriptions
or customers) a file's headers fit, which file header each raw field maps to, and the
message when a needed column is missing."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from reconcile import parsing
from reconcile.canonical import CUSTOMERS, SUBSCRIPTIONS
from reconcile.problems import ReconcileError, UnusableFileError
from reconcile.registry import source_names
from reconcile.sources import (
    CANONICAL_FIELDS,
    DATE_FIELDS,
    GENERIC,
    REQUIRED_FIELDS,
    SourceSpec,
    TableSpec,
    all_sources,
    load_mapping_file,
    load_source,
    normalize_header,
    with_mapping,
)

if TYPE_CHECKING:
    import polars as pl

from reconcile.sources.reports import (
    BILLING_FIGURES,
    CANCELLATIONS,
    MONTH_SNAPSHOT,
    ReportKind,
    report_kind_of,
)


def candidate_sources(source: str | None, mapping_file: Path | None) -> tuple[SourceSpec, ...]:
    if mapping_file is not None:
        return (load_mapping_file(mapping_file, base=source),)
    if source is not None:
        return (load_source(source),)
    return all_sources()


def resolve(
    headers: tuple[str, ...],
    kind: str | None,
    candidates: tuple[SourceSpec, ...],
    mapping: Mapping[str, str],
    label: str,
    values_of: ValuesOf | None = None,
) -> tuple[SourceSpec, str]:
    """The source and kind the header fits best; UnusableFileError when none fits.

    A report download (reconcile/sources/reports/) is recognised first, unless the user
    describes the file themselves (--source, --map, --mapping-file): an MRR Details
    report reads as its own source; a report that holds no subscriptions is refused with
    a message saying what it is and what to give with it."""
    report = report_kind_of(headers) if kind != CUSTOMERS and not mapping else None
    if report is not None and len(candidates) > 1:
        if report.role != MONTH_SNAPSHOT:
            raise not_subscriptions_error(report, label)
        return report.spec, SUBSCRIPTIONS
    keys = [normalize_header(h) for h in headers]
    if kind:
        check_mapped_headers(headers, keys, _mapping_for(kind, candidates, mapping), label)
    kinds = (kind,) if kind else (SUBSCRIPTIONS, CUSTOMERS)
    for wanted in kinds:
        specs = [with_mapping(spec, wanted, mapping) for spec in candidates]
        fitting = [s for s in specs if not _missing_required(s.table(wanted), keys)]
        if fitting:
            best = _best_coverage(fitting, wanted, keys)
            if wanted == CUSTOMERS and kind == CUSTOMERS:
                _refuse_subscriptions_as_customers(candidates, headers, mapping, label)
            if (
                wanted == SUBSCRIPTIONS
                and not _has_field(best.subscriptions, "start", keys)
                and not _has_field(best.subscriptions, "status", keys)
            ):
                # Rows without a start cannot be placed in time: better one clear message
                # than every row rejected. With a status they answer the as-of question
                # (a snapshot export, DOMAIN.md).
                raise _missing_columns_error(best, wanted, headers, keys, label, "start", values_of)
            return best, wanted
    wanted = kind or SUBSCRIPTIONS
    if wanted == SUBSCRIPTIONS and kind == SUBSCRIPTIONS:
        _refuse_customers_as_subscriptions(candidates, keys, mapping, label)
    specs = [with_mapping(spec, wanted, mapping) for spec in candidates]
    best = _best_coverage(specs, wanted, keys)
    raise _missing_columns_error(best, wanted, headers, keys, label)


# What a report that holds no subscriptions is, and what to give with it, by role.
_NOT_SUBSCRIPTIONS = {
    CANCELLATIONS: (
        "lists the subscriptions cancelled in its period, not the subscriptions that are active",
        "Give it together with the MRR Details reports of the same months (in one folder, or "
        "as several paths), or with the Subscriptions export: reconcile then counts which "
        "cancellations were customers who left.",
    ),
    BILLING_FIGURES: (
        "holds the billing system's own MRR figures per month, not subscriptions",
        "Give it together with the MRR Details reports of the same months (in one folder, or "
        "as several paths), or with the Subscriptions export: reconcile then puts its "
        "figures beside its own.",
    ),
}


def not_subscriptions_error(report: ReportKind, label: str) -> UnusableFileError:
    """The message for a report given as the subscriptions input that holds none."""
    what, advice = _NOT_SUBSCRIPTIONS[report.role]
    return UnusableFileError(label, f"is the {report.title} (it {what})", advice)


def _mapping_for(
    kind: str, candidates: tuple[SourceSpec, ...], mapping: Mapping[str, str]
) -> dict[str, str]:
    """The --map entries that name a field of this export kind (the same --map options
    are given for both exports)."""
    return {
        name: header
        for name, header in mapping.items()
        if name in CANONICAL_FIELDS[kind] or any(name in s.table(kind).columns for s in candidates)
    }


def _coverage(table: TableSpec, keys: list[str]) -> int:
    """How many of the file's headers the table recognises."""
    aliases = table.alias_keys()
    return sum(1 for key in set(keys) if key in aliases)


def _best_coverage(specs: list[SourceSpec], kind: str, keys: list[str]) -> SourceSpec:
    scores = [_coverage(spec.table(kind), keys) for spec in specs]
    top = max(scores)
    tied = [spec for spec, score in zip(specs, scores, strict=True) if score == top]
    generic = [spec for spec in tied if spec.name == GENERIC]
    return generic[0] if generic and len(tied) > 1 else tied[0]


def header_of(table: TableSpec, raw_field: str, keys: list[str]) -> int | None:
    """Index of the file header a raw field maps to (its first alias present)."""
    for alias in table.columns.get(raw_field, ()):
        key = normalize_header(alias)
        if key in keys:
            return keys.index(key)
    return None


def _has_field(table: TableSpec, canonical: str, keys: list[str]) -> bool:
    """Whether some fallback of a canonical field finds all its columns in the file."""
    return any(
        all(header_of(table, f, keys) is not None for f in fallback.fields)
        for fallback in table.fallbacks(canonical)
    )


def _missing_required(table: TableSpec, keys: list[str]) -> list[str]:
    return [c for c in REQUIRED_FIELDS[table.kind] if not _has_field(table, c, keys)]


# Raw fields only a subscriptions export has: their presence tells a subscriptions export
# handed over as customers, and their absence a customers export handed over as subscriptions.
# (Not `start`: its fallbacks include created dates, which customers exports have too.)
_SUBSCRIPTION_EVIDENCE = ("subscription_id", "product", "plan", "end", "amount", "monthly_amount")


def _has_subscription_columns(spec: SourceSpec, keys: list[str]) -> bool:
    table = spec.subscriptions
    return any(
        header_of(table, raw, keys) is not None
        for canonical in _SUBSCRIPTION_EVIDENCE
        for raw in table.raw_fields_of(canonical)
    )


# When the first file is a customers export. Right only when the second file is the
# subscriptions export: api.load says otherwise when there is none.
SWAP_ADVICE = (
    "Swap the two files: the subscriptions export comes first, the customers export is "
    "given with --customers."
)
ONLY_CUSTOMERS_ADVICE = (
    "reconcile counts from a subscriptions export: give it first (and this customers "
    "export with --customers)."
)


def _refuse_subscriptions_as_customers(
    candidates: tuple[SourceSpec, ...],
    headers: tuple[str, ...],
    mapping: Mapping[str, str],
    label: str,
) -> None:
    keys = [normalize_header(h) for h in headers]
    for spec in candidates:
        table = with_mapping(spec, SUBSCRIPTIONS, mapping).subscriptions
        if not _missing_required(table, keys):
            index = header_of(table, table.raw_fields_of("subscription_id")[0], keys)
            column = f" '{headers[index]}'" if index is not None else ""
            raise UnusableFileError(
                label,
                "is a subscriptions export, given as the customers export (it has a "
                f"subscription ID column{column})",
                # The first file was read as a subscriptions export: swapping cannot help.
                "Give the customers export with --customers, or leave --customers out: "
                "customers are then the distinct customer IDs of the subscriptions.",
            )


def _refuse_customers_as_subscriptions(
    candidates: tuple[SourceSpec, ...], keys: list[str], mapping: Mapping[str, str], label: str
) -> None:
    for spec in candidates:
        customers = with_mapping(spec, CUSTOMERS, mapping).customers
        if _missing_required(customers, keys) or _has_subscription_columns(spec, keys):
            continue
        if _coverage(customers, keys) >= 2:
            raise UnusableFileError(
                label,
                "is a customers export, given as the subscriptions export (it has customer "
                "columns but no subscription ID, product, plan or dates)",
                SWAP_ADVICE,
            )


def _missing_columns_error(
    spec: SourceSpec,
    kind: str,
    headers: tuple[str, ...],
    keys: list[str],
    label: str,
    missing_field: str | None = None,
    values_of: ValuesOf | None = None,
) -> UnusableFileError:
    table = spec.table(kind)
    missing = [missing_field] if missing_field else _missing_required(table, keys)
    field_name = missing[0]
    aliases = [a for raw in table.raw_fields_of(field_name) for a in table.columns.get(raw, ())]
    fits = _dates_fit(values_of) if field_name in DATE_FIELDS and values_of else None
    closest = _closest_header(aliases, headers, fits)
    found = ", ".join(f"'{h}'" for h in headers[:40]) + (" ..." if len(headers) > 40 else "")
    wanted = f" (e.g. '{aliases[0]}')" if aliases else ""
    problem = (
        f"no {field_name} column{wanted} for a {kind} export "
        f"({spec.title} headers); found: {found or 'no columns'}"
    )
    if len(missing) > 1:
        problem += f"; also missing: {', '.join(missing[1:])}"
    if closest:
        problem += f"; closest: '{closest}'"
    target = closest or "<header in the file>"
    advice = f"Map it with --map {field_name}='{target}'"
    if spec.name not in source_names() or len(headers) == 0:
        return UnusableFileError(label, problem, advice)
    return UnusableFileError(label, problem, advice + " (or pass --source if it is another system)")


def _closest_header(
    aliases: list[str], headers: tuple[str, ...], fits: Callable[[str], bool] | None = None
) -> str | None:
    """The header most like one of `aliases`, among those whose values `fits` (a hint
    must never suggest mapping a start date to the status column)."""
    by_key = {normalize_header(h): h for h in reversed(headers)}
    if fits is not None:
        by_key = {key: header for key, header in by_key.items() if fits(header)}
    best: tuple[float, str] | None = None
    for alias in aliases:
        for match in difflib.get_close_matches(normalize_header(alias), list(by_key), 1, 0.6):
            ratio = difflib.SequenceMatcher(None, normalize_header(alias), match).ratio()
            if best is None or ratio > best[0]:
                best = (ratio, by_key[match])
    return best[1] if best else None


# A few values of a file's column by its header: what a hint checks before naming it.
ValuesOf = Callable[[str], "pl.Series"]


def _dates_fit(values_of: ValuesOf) -> Callable[[str], bool]:
    """Whether most of a column's first values read as dates in one format."""

    def fits(header: str) -> bool:
        counts = parsing.distinct_non_empty_counts(values_of(header))
        _, rows = parsing.best_fitting_format(counts)
        total = int(counts.get_column("count").sum()) if not counts.is_empty() else 0
        return total > 0 and rows * 2 > total

    return fits


def check_mapped_headers(
    headers: tuple[str, ...], keys: list[str], mapping: Mapping[str, str], label: str
) -> None:
    for field_name, header in mapping.items():
        if normalize_header(str(header)) not in keys:
            closest = _closest_header([str(header)], headers)
            hint = f"; closest: '{closest}'" if closest else ""
            shown = ", ".join(f"'{h}'" for h in headers[:40])
            raise ReconcileError(
                f"--map {field_name}='{header}': {label} has no column '{header}'"
                f"{hint}; found: {shown}"
            )
