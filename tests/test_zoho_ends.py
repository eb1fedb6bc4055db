"""Zoho's own end and never-paid rules (DOMAIN.md, "The life of a subscription"):

- a non-renewing subscription ends at its scheduled cancellation date, else at the end of
  its current term (`Next Billing On`), else at its expiry date; every other status keeps
  `Cancelled On`, else `Expires At`;
- an ended row without `Activated On`, in a file that has that column, never paid.

Every expected figure is worked out by hand in the comments."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

import reconcile
from reconcile.problems import ReconcileError
from reconcile.reading import read_raw
from reconcile.sources import load_mapping_file
from reconcile.validation import validate

D = datetime.date

NON_RENEWING = """\
Subscription ID,Customer ID,Customer Name,Plan Name,Status,Activated On,Cancelled On,Expires At,Next Billing On,Scheduled Cancellation Date
S1,C1,Acme GmbH,Basic,non_renewing,2026-01-10,,2026-12-31,2026-05-10,2026-03-31
S2,C2,Beta AG,Basic,non_renewing,2026-02-01,,2026-12-31,2026-04-01,
S3,C3,Gamma KG,Basic,non_renewing,2026-02-01,,2026-03-15,,
S4,C4,Delta OHG,Basic,non_renewing,2026-01-05,,,2026-05-05,2026-06-30
S5,C5,Epsilon SE,Basic,live,2026-01-05,,,2026-02-05,2026-02-15
S6,C6,Zeta UG,Basic,cancelled,2026-01-05,2026-02-20,,,2026-01-31
"""  # noqa: E501


def _reconcile(tmp_path: Path, content: str, as_of: datetime.date) -> reconcile.Result:
    path = tmp_path / "subscriptions.csv"
    path.write_text(content, encoding="utf-8")
    return reconcile.reconcile(path, as_of=as_of)


def _months(result: reconcile.Result) -> list[tuple[str, int, int]]:
    return [(m.period, m.subscriptions_active, m.customers_active) for m in result.timeline]


def test_a_non_renewing_subscription_ends_at_its_scheduled_cancellation(tmp_path: Path):
    result = _reconcile(tmp_path, NON_RENEWING, D(2026, 4, 15))
    # Ends: S1 31 Mar (scheduled cancellation, before its Next Billing On and Expires At);
    # S2 1 Apr (no scheduled cancellation: Next Billing On); S3 15 Mar (neither: Expires
    # At); S4 30 Jun (scheduled cancellation). S5 is live: its scheduled cancellation and
    # Next Billing On end nothing, and it has no Cancelled On or Expires At: open. S6 is
    # cancelled: its Cancelled On, 20 Feb, not the scheduled date.
    # On 15 Apr: S4 and S5 active; S1, S2, S3 and S6 ended.
    assert result.totals.subscriptions_active == 2
    assert result.totals.subscriptions_ended == 4
    # Jan 31: S1, S4, S5, S6 (S2, S3 start 1 Feb). Feb 28: S1, S2, S3, S4, S5 (S6 ended
    # 20 Feb). Mar 31: S2, S4, S5 (S1 ends that day, S3 on 15 Mar). 15 Apr: S4, S5.
    assert _months(result) == [
        ("2026-01", 4, 4),
        ("2026-02", 5, 5),
        ("2026-03", 3, 3),
        ("2026-04", 2, 2),
    ]


def _load(tmp_path: Path, content: str):
    path = tmp_path / "subscriptions.csv"
    path.write_text(content, encoding="utf-8")
    return validate(read_raw(path, None))


def test_a_date_rejects_a_row_only_where_it_ends_it(tmp_path: Path):
    content = (
        "Subscription ID,Customer ID,Status,Activated On,Cancelled On,Next Billing On,"
        "Scheduled Cancellation Date\n"
        "R1,C1,live,2026-01-01,,2026-02-01,soon\n"  # 2: SCD ends no live row: warning
        "R2,C2,non_renewing,2026-01-01,,2026-02-01,soon\n"  # 3: SCD is its end: rejected
        "R3,C3,non_renewing,2026-01-01,yesterday,2026-02-01,2026-05-01\n"  # 4: warning
        "R4,C4,cancelled,2026-01-01,2026-02-01,,2026-03-01\n"  # 5: clean
        "R5,C5,non_renewing,2026-01-01,,later,\n"  # 6: no SCD, NBO is its end: rejected
        "R6,C6,non_renewing,2026-01-01,,later,2026-06-01\n"  # 7: NBO is a renewal: warning
    )
    table = _load(tmp_path, content)
    rejected = table.rejections.select("line", "column", "code").rows()
    assert rejected == [
        (3, "Scheduled Cancellation Date", "invalid_date"),
        (6, "Next Billing On", "invalid_date"),
    ]
    warned = table.warnings.select("line", "column", "code").rows()
    assert warned == [
        (2, "Scheduled Cancellation Date", "invalid_date"),
        (4, "Cancelled On", "invalid_date"),
        (7, "Next Billing On", "invalid_date"),
    ]
    ends = dict(table.frame.select("subscription_id", "end").rows())
    assert ends == {"R1": None, "R3": D(2026, 5, 1), "R4": D(2026, 2, 1), "R6": D(2026, 6, 1)}


def test_a_mapped_end_column_ends_every_status(tmp_path: Path):
    # --map end=... pins the end to one header: the non-renewing row ends at its Expires
    # At (31 Dec), not at its scheduled cancellation date.
    path = tmp_path / "subscriptions.csv"
    path.write_text(NON_RENEWING, encoding="utf-8")
    table = validate(read_raw(path, None, mapping={"end": "Expires At"}))
    ends = dict(table.frame.select("subscription_id", "end").rows())
    assert ends["S1"] == D(2026, 12, 31)


def test_derive_by_status_must_name_a_status_and_a_field(tmp_path: Path):
    mapping = tmp_path / "mine.toml"
    mapping.write_text(
        'extends = "zoho"\n[subscriptions.derive_by_status.ending]\nend = ["expires_at"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ReconcileError, match="'ending' is not a status of"):
        load_mapping_file(mapping)
    mapping.write_text(
        'extends = "zoho"\n[subscriptions.derive_by_status.live]\nsubscription_id = ["x"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ReconcileError, match="subscription_id cannot be derived per status"):
        load_mapping_file(mapping)
    mapping.write_text(
        'extends = "zoho"\n[subscriptions.derive_by_status.live]\nend = ["nowhere"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ReconcileError, match="end uses nowhere"):
        load_mapping_file(mapping)


def test_a_mapping_inherits_and_may_replace_the_per_status_end(tmp_path: Path):
    mapping = tmp_path / "mine.toml"
    mapping.write_text('extends = "zoho"\n', encoding="utf-8")
    inherited = load_mapping_file(mapping).subscriptions.status_fallbacks("end")
    assert [f.fields for f in inherited["non_renewing"]] == [
        ("scheduled_cancellation_date",),
        ("next_billing_on",),
        ("expires_at",),
    ]
    mapping.write_text(
        'extends = "zoho"\n[subscriptions.derive_by_status.non_renewing]\nend = ["expires_at"]\n',
        encoding="utf-8",
    )
    own = load_mapping_file(mapping).subscriptions.status_fallbacks("end")
    assert [f.fields for f in own["non_renewing"]] == [("expires_at",)]


# --------------------------------------------------------------------------- never paid

NEVER_ACTIVATED = """\
Subscription ID,Customer ID,Customer Name,Plan Name,Status,Created On,Activated On,Cancelled On,Expires At
Z1,C1,Acme GmbH,Basic,cancelled,2026-01-05,,2026-03-01,
Z2,C2,Beta AG,Basic,expired,2026-01-10,,,2026-02-10
Z3,C3,Gamma KG,Basic,cancelled,2026-01-01,2026-01-01,2026-02-15,
Z4,C4,Delta OHG,Basic,live,2026-01-20,,,
Z5,C5,Epsilon SE,Basic,cancelled_from_dunning,,,,
"""  # noqa: E501


def test_an_ended_row_never_activated_never_paid(tmp_path: Path):
    result = _reconcile(tmp_path, NEVER_ACTIVATED, D(2026, 3, 31))
    totals = result.totals
    # Z1, Z2 and Z5 ended without an Activated On in a file that has the column: never
    # paid. Z3 was activated; Z4 is live (its start falls back to Created On, 20 Jan).
    assert totals.subscriptions_active == 1
    assert totals.subscriptions_ended == 4
    assert totals.subscriptions_never_active == 3
    # Z5 has no date at all, but a row that never paid needs none.
    assert totals.ended_without_end_date == 0
    # Jan 31: Z3 (1 Jan - 15 Feb) and Z4. Feb 28 and 31 Mar: Z4. Z1 and Z2 are in no month.
    assert _months(result) == [("2026-01", 2, 2), ("2026-02", 1, 1), ("2026-03", 1, 1)]


def test_without_the_activation_column_nothing_says_a_row_never_paid(tmp_path: Path):
    content = "\n".join(
        ",".join(cells[:6] + cells[7:])
        for cells in (line.split(",") for line in NEVER_ACTIVATED.splitlines())
    )
    assert "Activated On" not in content
    # Z3 now starts at its Created On, 1 Jan, as before.
    result = _reconcile(tmp_path, content + "\n", D(2026, 3, 31))
    totals = result.totals
    assert (totals.subscriptions_active, totals.subscriptions_ended) == (1, 4)
    assert totals.subscriptions_never_active == 0
    # Z5 ended and has no date to end it.
    assert totals.ended_without_end_date == 1
    # Jan 31: Z1 (5 Jan - 1 Mar), Z2 (10 Jan - 10 Feb), Z3 (1 Jan - 15 Feb), Z4. Feb 28: Z1,
    # Z4. 31 Mar: Z4 (Z1 ended 1 Mar).
    assert _months(result) == [("2026-01", 4, 4), ("2026-02", 2, 2), ("2026-03", 1, 1)]


def test_never_paid_without_must_name_a_column(tmp_path: Path):
    mapping = tmp_path / "mine.toml"
    mapping.write_text('extends = "zoho"\nnever_paid_without = "paid_on"\n', encoding="utf-8")
    with pytest.raises(ReconcileError, match="never_paid_without must name a field"):
        load_mapping_file(mapping)
    mapping.write_text('extends = "zoho"\n', encoding="utf-8")
    assert load_mapping_file(mapping).never_paid_without == "activated_on"
