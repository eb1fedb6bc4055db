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
    lines = records(sample)[:HEADER_SEARCH_LINES]
    # Per line, its best separator: (score, occurrences, separator).
    scored: list[tuple[int, int, str]] = []
    for line in lines:
        line = line.rstrip("\r")
        scored.append(
            max((header_score(cells(line, s), known), line.count(s), s) for s in SEPARATORS)
            if line.strip()
            else (0, 0, ",")
        )
    best = max((score for score, _, _ in scored), default=0)
    if not best:
        index = _first_non_blank(lines)
        line = lines[index] if lines else ""
        separator = max(SEPARATORS, key=lambda s: (line.count(s), -SEPARATORS.index(s)))
    else:
        # The first line that names more than half as many known columns as the best: a
        # title names none, but a header repeated further down (exports pasted together,
        # the later with a column more) may name more than the file's own header.
        index = next(i for i, (score, _, _) in enumerate(scored) if score * 2 > best)
        separator = scored[index][2]
    offset = sum(len(line) + 1 for line in lines[:index])
    return separator, offset


def records(sample: str) -> list[str]:
    """The sample's lines, a line break inside a quoted field kept within its record
    (a header cell may hold one): lines are joined while their quotes are unbalanced.
    Joined with "\\n" again they give the sample back, so offsets stay right."""
    joined: list[str] = []
    pending: str | None = None
    for line in sample.split("\n"):
        pending = line if pending is None else f"{pending}\n{line}"
        if pending.count('"') % 2 == 0:
            joined.append(pending)
            pending = None
    if pending is not None:
        joined.append(pending)
    return joined


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
