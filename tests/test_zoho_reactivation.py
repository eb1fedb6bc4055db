"""Zoho's reactivated subscriptions: a `Cancelled On` that a later `Reactivation Date`
undid is no end (docs/decisions.md). The subscription counts on from its activation,
the time between the cancellation and the reactivation included (an export holds one
interval per subscription), and an info finding says so.

Every expected figure is worked out by hand in the comments, as of 30 Jun 2026; each
row is its own customer (C1 … C6), invented."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reconcile
from reconcile.cli import main
from reconcile.problems import ReconcileError
from reconcile.sources import load_mapping_file

D = datetime.date
AS_OF = D(2026, 6, 30)

HEADER = (
    "Subscription ID,Customer ID,Customer Name,Plan Name,Status,Activated On,"
    "Cancelled On,Expires At,Next Billing On,Reactivation Date"
)
ROWS = [
    # line 2: cancelled 10 May 2024, reactivated 1 Aug 2024, live: open, active.
    "9101,C1,Acme GmbH,Basic,live,2024-01-15,2024-05-10,,2026-07-15,2024-08-01",
    # line 3: reactivated on the day it was cancelled ("on or after"): open, active.
    "9102,C2,Beta AG,Basic,live,2024-01-15,2024-05-10,,2026-07-15,2024-05-10",
    # line 4: reactivated 1 Mar, cancelled again 20 Jun 2024: ends 20 Jun, ended.
    "9103,C3,Gamma KG,Basic,cancelled,2024-01-15,2024-06-20,,,2024-03-01",
    # line 5: a reactivation date without a cancellation: nothing to undo; open, active.
    "9104,C4,Delta OHG,Basic,live,2024-01-15,,,2026-07-15,2024-02-01",
    # line 6: cancelled by status, with a 1 Jun reactivation after its 30 Apr
    # cancellation: the status says it ended, so its Cancelled On stays its end (the
    # later date contradicts it rather than undoes it); ended 30 Apr 2024.
    "9105,C5,Epsilon SE,Basic,cancelled,2024-01-15,2024-04-30,2024-09-30,,2024-06-01",
    # line 7: non-renewing ends its own way (Next Billing On, 15 Jul 2026), whatever its
    # Cancelled On and Reactivation Date say: active, and not an undone cancellation.
    "9106,C6,Zeta UG,Basic,non_renewing,2024-01-15,2024-03-01,,2026-07-15,2024-04-01",
]


def _write(tmp_path: Path, header: str = HEADER, rows: list[str] = ROWS) -> Path:
    path = tmp_path / "subscriptions.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _months(result: reconcile.Result) -> dict[str, int]:
    return {m.period: m.subscriptions_active for m in result.timeline}


def test_a_reactivation_on_or_after_the_cancellation_undoes_it(tmp_path: Path):
    result = reconcile.reconcile(_write(tmp_path), as_of=AS_OF)
    # Active: 9101, 9102, 9104, 9106. Ended: 9103 (20 Jun 2024), 9105 (30 Apr 2024).
    assert (result.totals.subscriptions_active, result.totals.customers_active) == (4, 4)
    assert result.totals.subscriptions_ended == 2
    # A live row whose cancellation was undone contradicts nothing.
    assert result.quality.contradictions == ()
    months = _months(result)
    # 31 Jan 2024: all six. 30 Apr: five (9105 ends that day). 31 May: five (9101 and
    # 9102 count through their cancellation; 9103 ends 20 Jun). 30 Jun 2024: four.
    # As of 30 Jun 2026: four.
    assert (months["2024-01"], months["2024-04"], months["2024-05"]) == (6, 5, 5)
    assert (months["2024-06"], months["2026-06"]) == (4, 4)


def test_the_report_says_which_cancellations_a_reactivation_undid(tmp_path: Path):
    result = reconcile.reconcile(_write(tmp_path), as_of=AS_OF)
    [finding] = [f for f in result.findings if f.code == "end_undone"]
    # Lines 2 and 3: 9104 has no cancellation, 9103's came after its reactivation,
    # 9105 is cancelled, 9106 non-renewing.
    assert finding.count == 2
    assert finding.params["lines"] == [2, 3]
    assert (finding.params["column"], finding.params["undone_by"]) == (
        "Cancelled On",
        "Reactivation Date",
    )
    assert finding.message.startswith("2 subscriptions of ")
    assert finding.message.endswith(
        "subscriptions.csv have a 'Reactivation Date' on or after "
        "their 'Cancelled On': that date is not their end, so they count on from their "
        "start, the time between included (first on line 2)."
    )


def test_the_finding_in_german(tmp_path: Path):
    path = _write(tmp_path, rows=ROWS[:1])
    out = tmp_path / "report.md"
    args = ["report", str(path), "--as-of", "2026-06-30", "--lang", "de", "-o", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert (
        "1 Abonnement von subscriptions.csv hat ein „Reactivation Date“ am oder nach "
        "seinem „Cancelled On“: Dieses Datum ist nicht sein Ende; es zählt ab seinem "
        "Beginn weiter, die Zeit dazwischen eingeschlossen (Zeile 2)."
    ) in out.read_text(encoding="utf-8")


def test_without_the_reactivation_column_the_cancellation_ends_it(tmp_path: Path):
    # The same rows without Reactivation Date: 9101, 9102 end 10 May 2024 and 9105
    # 30 Apr 2024; live 9101 and 9102 contradict their past end (counted by it).
    header = HEADER.rsplit(",", 1)[0]
    rows = [row.rsplit(",", 1)[0] for row in ROWS]
    result = reconcile.reconcile(_write(tmp_path, header, rows), as_of=AS_OF)
    # Active: 9104, 9106.
    assert result.totals.subscriptions_active == 2
    assert [ref.subscription_id for ref in result.quality.contradictions] == ["9101", "9102"]
    assert not [f for f in result.findings if f.code == "end_undone"]


def test_a_mapping_file_may_undo_a_date_by_another(tmp_path: Path):
    mapping = tmp_path / "mine.toml"
    mapping.write_text(
        'extends = "zoho"\n[subscriptions.derive]\n'
        'end = [{ field = "cancelled_on", undone_by = "resume_date" }, "expires_at"]\n',
        encoding="utf-8",
    )
    [first, _] = load_mapping_file(mapping).subscriptions.fallbacks("end")
    assert (first.fields, first.undone_by) == (("cancelled_on",), "resume_date")


@pytest.mark.parametrize(
    ("derive", "problem"),
    [
        (
            '[subscriptions.derive]\nend = [{ field = "cancelled_on", undone_by = "nowhere" }]',
            "end uses nowhere",
        ),
        (
            '[customers.derive]\ncreated = [{ field = "created", undone_by = "created" }]',
            "undone_by is for subscriptions",
        ),
    ],
    ids=["unknown field", "customers table"],
)
def test_a_mapping_file_with_a_wrong_undone_by_is_refused(
    tmp_path: Path, derive: str, problem: str
):
    mapping = tmp_path / "mine.toml"
    mapping.write_text(f'extends = "zoho"\n{derive}\n', encoding="utf-8")
    with pytest.raises(ReconcileError, match=problem):
        load_mapping_file(mapping)


# --- property: the rule against its definition, on generated rows ------------------------

# Few dates, so that equal dates (a reactivation on the day of its cancellation) and the
# as-of date's neighbours come up often.
_POOL = [D(2024, 1, 15), D(2024, 5, 10), D(2025, 2, 28), D(2026, 6, 30), D(2026, 7, 1)]
_dates = st.one_of(st.none(), st.sampled_from(_POOL))
_rows = st.lists(
    st.tuples(
        st.sampled_from(["live", "cancelled", "non_renewing"]),
        st.sampled_from(_POOL),  # Activated On
        _dates,  # Cancelled On
        _dates,  # Expires At
        _dates,  # Next Billing On
        _dates,  # Reactivation Date
    ),
    min_size=1,
    max_size=12,
)


def _oracle_end(row: tuple, with_reactivation: bool) -> datetime.date | None:
    """The end by docs/decisions.md, written out: a non-renewing row ends at its Next
    Billing On, else its Expires At; any other at its Cancelled On unless a Reactivation
    Date on or after it undid it (not on a cancelled row: its status says it ended), else
    at its Expires At."""
    status, _, cancelled, expires, next_billing, reactivated = row
    if status == "non_renewing":
        return next_billing or expires
    later = cancelled and reactivated and reactivated >= cancelled
    undone = with_reactivation and status != "cancelled" and later
    return (None if undone else cancelled) or expires


def _oracle_active(rows: list[tuple], with_reactivation: bool) -> int:
    active = 0
    for row in rows:
        end = _oracle_end(row, with_reactivation)
        # An ended row with no end cannot be placed: not active (DOMAIN.md).
        if row[0] == "cancelled" and end is None:
            continue
        active += row[1] <= AS_OF and (end is None or end > AS_OF)
    return active


def _csv_rows(rows: list[tuple], with_reactivation: bool) -> list[str]:
    def text(value: datetime.date | None) -> str:
        return "" if value is None else value.isoformat()

    lines = []
    for number, (status, activated, cancelled, expires, next_billing, reactivated) in enumerate(
        rows
    ):
        dates = [activated, cancelled, expires, next_billing]
        if with_reactivation:
            dates.append(reactivated)
        values = [f"S{number}", f"C{number}", f"Firma {number}", "Basic", status]
        lines.append(",".join([*values, *(text(d) for d in dates)]))
    return lines


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=_rows)
def test_the_rule_against_its_definition(tmp_path: Path, rows: list[tuple]):
    without_header = HEADER.rsplit(",", 1)[0]
    result = reconcile.reconcile(_write(tmp_path, HEADER, _csv_rows(rows, True)), as_of=AS_OF)
    before = reconcile.reconcile(
        _write(tmp_path, without_header, _csv_rows(rows, False)), as_of=AS_OF
    )
    assert result.totals.subscriptions_active == _oracle_active(rows, True)
    assert before.totals.subscriptions_active == _oracle_active(rows, False)
    undone = [
        number + 2  # the header is line 1
        for number, (status, _, cancelled, _, _, reactivated) in enumerate(rows)
        if status == "live" and cancelled and reactivated and reactivated >= cancelled
    ]
    findings = [f for f in result.findings if f.code == "end_undone"]
    assert [line for f in findings for line in f.params["lines"]] == undone
