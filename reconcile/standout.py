"""What stands out: at most six conclusions, chosen from the Result's findings.

The engine states every finding (the JSON and --fail-on need them all), one per file and
code. A reader needs conclusions: so every row-level problem of a file (rejected rows,
exact duplicates, values that could not be read) becomes one line, "8 rows of x.csv
could not be counted: 3 invalid dates, 2 missing IDs", and every subscription to look
at (orphans, contradictions, rows that cannot be placed in time) another. The findings
that restate the answer above them are left out. Errors come first (an ID damaged by a
spreadsheet changes the answer), then warnings, then notes, each in the engine's order.
The rest are counted and stay in the Data quality section, which lists every finding.

Pure Python over a few dozen findings: no polars, nothing per row.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from dataclasses import dataclass

from reconcile.codes import RowError, Severity
from reconcile.findings import INFO, counted_reasons, finding
from reconcile.result import Finding, Result

SHOWN = 6

# Findings that the answer at the top of the report already says in words.
RESTATING_THE_ANSWER = frozenset(
    {"subscriptions_counted_as_customers", "customers_with_several_subscriptions"}
)
# Row-level problems of one file, folded into its "rows_not_counted" line.
ROW_LEVEL = frozenset(
    {"ids_damaged_by_spreadsheet", "rows_rejected", "unreadable_values", "duplicate_rows_removed"}
)
# Subscriptions to look at, folded into one "subscriptions_to_check" line.
TO_CHECK = (
    "orphan_subscriptions",
    "contradictions",
    "ended_without_end_date",
    "ended_without_start_date",
)


@dataclass(frozen=True)
class StandOut:
    """The lines of "What stands out" and how many more findings Data quality holds."""

    findings: tuple[Finding, ...]
    more: int


def stand_out(result: Result, shown: int = SHOWN) -> StandOut:
    """At most `shown` findings for the top of the report, most important first."""
    lines = _folded(result)
    # Most severe first (Severity.rank: info < warning < error), else the engine's order.
    ordered = sorted(enumerate(lines), key=lambda item: (-Severity(item[1].severity).rank, item[0]))
    chosen = tuple(line for _, line in ordered[:shown])
    return StandOut(chosen, len(lines) - len(chosen))


def _folded(result: Result) -> list[Finding]:
    """Every finding once, as a reader's line: the row-level ones folded per file, the
    subscriptions to check folded into one, the restated ones left out. Each folded
    line takes the place of the first finding folded into it; an error that a fold
    would hide (a damaged ID) also keeps its own line, in the engine's order."""
    lines: list[Finding] = []
    files_done: set[str] = set()
    to_check_done = False
    for item in result.findings:
        code = item.code
        if code in RESTATING_THE_ANSWER:
            continue
        if code == "ids_damaged_by_spreadsheet":
            # The error itself here; its file's line where that file's other row-level
            # findings are (which count the damaged rows among the rejected ones).
            lines.append(item)
        elif code in ROW_LEVEL:
            file = str(item.params.get("file", ""))
            if file not in files_done:
                files_done.add(file)
                lines.append(_file_line(result, file))
        elif code in TO_CHECK:
            if not to_check_done:
                to_check_done = True
                lines.append(_to_check_line(result.findings))
        else:
            lines.append(item)
    # A file whose only row-level problem is the damaged ID has said it all in that
    # error's own line: no second line for it.
    return lines


def _file_line(result: Result, file: str) -> Finding:
    """One line for every row-level problem of `file`."""
    summaries = (result.inputs.subscriptions, result.inputs.customers)
    summary = next((s for s in summaries if s is not None and s.file == file), None)
    of_file = [item for item in result.findings if item.params.get("file") == file]
    by_reason: dict[str, int] = {}
    for item in of_file:
        if item.code == "ids_damaged_by_spreadsheet":
            by_reason[str(item.params.get("code", RowError.DAMAGED_ID))] = item.count
        elif item.code == "rows_rejected":
            by_reason[str(item.params.get("code"))] = item.count
    rejected = summary.rows_rejected if summary is not None else sum(by_reason.values())
    duplicates = sum(item.count for item in of_file if item.code == "duplicate_rows_removed")
    unreadable = sum(item.count for item in of_file if item.code == "unreadable_values")
    folded = finding(
        "rows_not_counted",
        rejected,
        file=file,
        reasons=_english(by_reason),
        by_reason=by_reason,
        duplicates=duplicates,
        unreadable=unreadable,
    )
    # As grave as the gravest finding it folds (a rejected row is an error: it is missing
    # from every figure); a file with only exact duplicates removed is a note.
    severities = [Severity(item.severity) for item in of_file if item.code in ROW_LEVEL]
    return _as(folded, max(severities, key=lambda severity: severity.rank, default=INFO))


def _to_check_line(findings: tuple[Finding, ...]) -> Finding:
    by_reason = {item.code: item.count for item in findings if item.code in TO_CHECK}
    # A subscription can be in more than one list (an orphan without an end date): the
    # line counts the listings, as the lists below do.
    return finding(
        "subscriptions_to_check",
        sum(by_reason.values()),
        reasons=_english(by_reason),
        by_reason=by_reason,
    )


def _english(by_reason: Mapping[str, int]) -> str:
    return counted_reasons(by_reason, gettext.NullTranslations())


def _as(item: Finding, severity: Severity) -> Finding:
    return Finding(item.code, severity, item.message, item.count, item.params)
