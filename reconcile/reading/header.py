"""The header line and the separator: the line, among the first ones, whose cells name
the most known columns (title lines above a header are common in exports)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping

from reconcile.canonical import CUSTOMERS, SUBSCRIPTIONS
from reconcile.sources import SourceSpec, normalize_header
from reconcile.sources.reports import known_report_headers

SEPARATORS = (",", ";", "\t", "|")
HEADER_SEARCH_LINES = 30  # a header below this many lines is not looked for


def known_header_keys(
    candidates: Iterable[SourceSpec], mapping: Mapping[str, str] | None
) -> frozenset[str]:
    # The headers of report downloads too: a report's header names no column of an export
    # (Zoho's MRR report: date, new_mrr, ...), and must not be taken for a title line.
    keys = set(known_report_headers())
    keys.update(normalize_header(str(h)) for h in (mapping or {}).values())
    for spec in candidates:
        for kind in (SUBSCRIPTIONS, CUSTOMERS):
            keys.update(spec.table(kind).alias_keys())
    keys.discard("")
    return frozenset(keys)


def find_header(sample: str, known: frozenset[str]) -> tuple[str, int]:
    """The separator and the character offset of the header line in `sample`.

    The header is the line, among the first ones, whose cells name the most known columns
    (a title line above it names none); with no known column at all, the first non-blank
    line. The separator is the one that makes the header's cells known, else the most
    frequent one in that line.
    """
    lines = sample.split("\n")[:HEADER_SEARCH_LINES]
    best: tuple[int, int, int, str] | None = None  # score, -index, occurrences, separator
    for index, line in enumerate(lines):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        for separator in SEPARATORS:
            score = header_score(cells(line, separator), known)
            candidate = (score, -index, line.count(separator), separator)
            if score and (best is None or candidate > best):
                best = candidate
    if best is None:
        index = _first_non_blank(lines)
        line = lines[index] if lines else ""
        separator = max(SEPARATORS, key=lambda s: (line.count(s), -SEPARATORS.index(s)))
    else:
        index, separator = -best[1], best[3]
    offset = sum(len(line) + 1 for line in lines[:index])
    return separator, offset


def header_row(rows: list[list[str]], known: frozenset[str]) -> int:
    """The index of the header among a sheet's first rows (their cells), by find_header's
    rule: the row naming the most known columns, the first of equals; with none, the
    first row that is not blank."""
    scores = [header_score(row, known) for row in rows[:HEADER_SEARCH_LINES]]
    if any(scores):
        return scores.index(max(scores))
    return _first_non_blank(["".join(row) for row in rows])


def header_score(cells: list[str], known: frozenset[str]) -> int:
    """How many cells of a candidate header name a known column."""
    return sum(1 for cell in cells if normalize_header(cell) in known)


def _first_non_blank(lines: list[str]) -> int:
    return next((index for index, line in enumerate(lines) if line.strip()), 0)


def cells(line: str, separator: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=separator), [])
    except csv.Error:
        return line.split(separator)
