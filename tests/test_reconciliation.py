"""The engine on a hand-worked scenario and on the edge cases of DOMAIN.md.

Every expected number is worked out on paper from the rows (see the comments), never
taken from the code under test.
"""

from __future__ import annotations

import datetime

import polars as pl
import pytest
from factories import (
    AS_OF_GERMAN_VENDOR,
    customers_table,
    german_vendor_tables,
    subscriptions_table,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile import quality, reconciliation, snapshot
from reconcile.reconciliation import reconcile_tables
from reconcile.result import (
    BridgeStep,
    CustomerRef,
    DuplicateGroup,
    HoldingCount,
    PlanCount,
    ProductCount,
    ProductOverlap,
    SubscriptionRef,
    Totals,
)

D = datetime.date


def test_german_vendor_totals(german):
    # On 2024-06-15: active S01 S02 S03 S04 (K001), S05 (K002), S09 (K004), S11 (K005),
    # S12 (K006), S13 (K099) = 9 subscriptions of 6 customers. Not yet paying: S07 (trial).
    # Paused: S06 (paused on 2024-04-20). Ended: S08 (cancelled 2024-01-20), S10 (cancelled,
    # no date), S14 (live but ended 2024-05-31), S15 (ends before it starts), S16 (cancelled
    # 2024-02-01, no start), S17 (its trial expired on its end, 2024-05-01: it never paid)
    # = 6. Unpaid: S18 (no end of its last paid period: never active). 9 + 1 + 1 + 1 + 6 =
    # 18 accepted rows (S05 with its unreadable amount among them). Never active: S17.
    # Known: K001..K007 and K099 = 8; without an active subscription: K003, K007 = 2; K007
    # has no subscription row; S13 is K099's orphan. Cannot be placed in time: S10 (no end
    # date), S16 (an end date, no start date).
    assert german.totals == Totals(
        subscriptions_active=9,
        customers_active=6,
        customers_known=8,
        subscriptions_not_yet_paying=1,
        subscriptions_paused=1,
        subscriptions_unpaid=1,
        subscriptions_ended=6,
        subscriptions_never_active=1,
        customers_without_active_subscription=2,
        customers_without_subscriptions=1,
        orphan_subscriptions=1,
        ended_without_end_date=1,
        ended_without_start_date=1,
    )


def test_german_vendor_products_and_holdings(german):
    # FiBu: S01, S03 (both K001), S05, S09, S12 = 5 subscriptions of K001 K002 K004 K006.
    # CRM: S04 (K001), S11 (K005); Lohn: S02 (K001), S13 (K099). CRM before Lohn by name.
    assert german.by_product == (
        ProductCount("FiBu", 5, 4),
        ProductCount("CRM", 2, 2),
        ProductCount("Lohn", 2, 2),
    )
    # FiBu Standard: S01 S05 S09; S12 has no plan: its own group, last among the ones.
    assert german.by_plan == (
        PlanCount("FiBu", "Standard", 3, 3),
        PlanCount("CRM", "Premium", 2, 2),
        PlanCount("Lohn", "Standard", 2, 2),
        PlanCount("FiBu", "Premium", 1, 1),
        PlanCount("FiBu", None, 1, 1),
    )
    # K001 holds 4; K002, K004, K005, K006, K099 hold 1 each.
    assert german.subscriptions_per_customer == (HoldingCount(1, 5), HoldingCount(4, 1))
    # Only K001 is in several products: CRM, FiBu and Lohn.
    assert german.product_overlap == (
        ProductOverlap("CRM", "FiBu", 1),
        ProductOverlap("CRM", "Lohn", 1),
        ProductOverlap("FiBu", "Lohn", 1),
    )


def _steps(bridge: tuple[BridgeStep, ...]) -> list[tuple]:
    return [(s.step, s.kind, s.count, s.total, s.examples, s.examples_total) for s in bridge]


def test_german_vendor_subscription_bridge(german):
    # 21 rows = 18 accepted + 2 rejected (lines 17, 18) + 1 duplicate (line 19).
    # Extra subscriptions: K001's first is S01 (earliest start, then smallest ID).
    # K006 shares K001's email: merged, 5 active customers.
    assert _steps(german.bridge) == [
        ("rows_read", "start", 21, 21, (), 0),
        ("rejected", "subtract", -2, 19, ("17", "18"), 2),
        ("duplicates_removed", "subtract", -1, 18, ("19",), 1),
        ("rows_accepted", "subtotal", 18, 18, (), 0),
        ("not_yet_paying", "subtract", -1, 17, ("S07",), 1),
        ("paused", "subtract", -1, 16, ("S06",), 1),
        ("unpaid", "subtract", -1, 15, ("S18",), 1),
        ("ended", "subtract", -6, 9, ("S08", "S10", "S14", "S15", "S16", "S17"), 6),
        ("subscriptions_active", "subtotal", 9, 9, (), 0),
        ("extra_subscriptions", "subtract", -3, 6, ("S02", "S03", "S04"), 3),
        ("customers_active", "subtotal", 6, 6, (), 0),
        ("probable_duplicates", "subtract", -1, 5, ("K006",), 1),
        ("customers_active_if_merged", "subtotal", 5, 5, (), 0),
    ]
    assert all(step.label for step in german.bridge)


def test_german_vendor_customer_bridge(german):
    # 8 customer rows, line 9 rejected; of K001..K007, K003 and K007 have no active
    # subscription; K099 is active but only in the subscriptions export.
    assert _steps(german.customer_bridge) == [
        ("customer_rows_read", "start", 8, 8, (), 0),
        ("customer_rows_rejected", "subtract", -1, 7, ("9",), 1),
        ("customer_duplicates_removed", "subtract", 0, 7, (), 0),
        ("customers_in_export", "subtotal", 7, 7, (), 0),
        ("customers_without_active_subscription", "subtract", -2, 5, ("K003", "K007"), 2),
        ("customers_only_in_subscriptions", "add", 1, 6, ("K099",), 1),
        ("customers_active", "subtotal", 6, 6, (), 0),
    ]
    assert german.customer_bridge[-1].total == german.bridge[10].total


def test_german_vendor_quality(german):
    assert german.probable_duplicate_groups == (
        DuplicateGroup(
            "einkauf@mueller.de",
            ("K001", "K006"),
            ("K001", "K006"),
            {"K001": "Müller GmbH", "K006": "Hoffmann"},
        ),
    )
    # Names beside the IDs of the bridge, from the customers export.
    without_active = german.customer_bridge[4]
    assert without_active.example_names == {"K003": "Weber KG", "K007": "Koch"}
    quality = german.quality
    assert quality.orphan_subscriptions == (SubscriptionRef("S13", "K099", 14, "Lohn", "live"),)
    assert quality.customers_without_subscriptions == (
        CustomerRef("K007", "Koch", "koch@example.de", 8),
    )
    assert quality.ended_without_end_date == (
        SubscriptionRef("S10", "K005", 11, "Lohn", "cancelled", None, "Becker"),
    )
    assert quality.ended_without_start_date == (
        SubscriptionRef("S16", "K003", 20, "FiBu", "cancelled", "no_start_date", "Weber KG"),
    )
    assert quality.contradictions == (
        SubscriptionRef("S14", "K002", 15, "CRM", "live", "live_after_end", "Schmidt AG"),
        SubscriptionRef("S15", "K003", 16, "FiBu", "cancelled", "end_before_start", "Weber KG"),
    )
    # Active: S12 in CHF, the other 8 in EUR.
    assert quality.currencies == {"EUR": 8, "CHF": 1}
    # By file name, then line: customers.csv before subscriptions.csv.
    assert [(r.file, r.line, r.code) for r in german.rejections] == [
        ("customers.csv", 9, "missing_id"),
        ("subscriptions.csv", 17, "id_in_scientific_notation"),
        ("subscriptions.csv", 18, "unknown_status"),
    ]
    # S05's unreadable amount: a warning, the row kept (it is active and counted above).
    assert [(w.file, w.line, w.column, w.value, w.code) for w in german.warnings] == [
        ("subscriptions.csv", 6, "Amount", "auf Anfrage", "invalid_amount"),
        ("subscriptions.csv", 20, "Produkt-ID", "FiBu", "value_from_other_column"),
    ]


def test_german_vendor_findings(german):
    assert [(f.code, f.severity, f.count) for f in german.findings] == [
        ("ids_damaged_by_spreadsheet", "error", 1),
        ("subscriptions_counted_as_customers", "info", 3),  # 9 subscriptions - 6 customers
        ("customers_with_several_subscriptions", "info", 1),
        ("probable_duplicate_customers", "warning", 1),
        ("rows_rejected", "error", 1),  # subscriptions.csv, unknown status
        ("rows_rejected", "error", 1),  # customers.csv, missing ID
        ("unreadable_values", "warning", 1),  # S05's amount
        ("names_from_other_column", "warning", 1),  # S16's product from its Produkt-ID
        ("orphan_subscriptions", "warning", 1),
        ("contradictions", "warning", 2),
        ("ended_without_end_date", "warning", 1),
        ("ended_without_start_date", "warning", 1),
        ("never_active", "info", 1),  # S17
        ("mixed_currencies", "warning", 2),
        ("customers_without_subscriptions", "info", 1),
        ("duplicate_rows_removed", "info", 1),
        ("product_subscriptions_exceed_customers", "info", 1),  # FiBu: 5 vs 4
    ]
    headline = german.findings[1]
    assert headline.message == (
        'Zoho Billing\'s "Active Customers" figure is 9: it counts active '
        "subscriptions. There are 6 active customers."
    )
    assert german.findings[3].params["customers_active_if_merged"] == 5
    assert german.findings[0].params["example"] == "4.604E+15"
    assert german.findings[-1].params["product"] == "FiBu"
    unreadable = german.findings[6]
    assert unreadable.message == (
        "1 row of subscriptions.csv has a value that could not be read: an amount cannot be "
        "read as a number. No count uses it, so the row is kept and counted, but its "
        "subscription adds no MRR; the report lists it with its line, column and value."
    )
    assert german.findings[11].message == (
        "1 ended or paused subscription has an end date but no start date. It cannot be "
        "placed in time: it is not counted as active and is left out of the history."
    )


def test_german_vendor_inputs(german):
    subs = german.inputs.subscriptions
    assert (subs.rows_read, subs.rows_accepted, subs.rows_rejected) == (21, 18, 2)
    assert subs.duplicate_lines == (19,)
    assert german.inputs.customers.rows_accepted == 7
    assert german.to_dict()["as_of"] == "2024-06-15"


AS_OF = D(2024, 6, 15)


def _one(**row):
    return {"subscription_id": "S1", "customer_id": "C1", "start": "2024-01-01", **row}


def _totals(rows, customers=None, as_of=AS_OF):
    return reconcile_tables(subscriptions_table(rows), customers, as_of).totals


def test_without_status_the_class_comes_from_the_dates():
    rows = [
        _one(subscription_id="S1", end="2024-06-15"),  # ends on the as-of date: ended
        _one(subscription_id="S2", end="2024-06-16"),  # ends after: active
        _one(subscription_id="S3"),  # no end: active
    ]
    table = subscriptions_table(rows, has_status=False)
    result = reconcile_tables(table, None, AS_OF)
    assert (result.totals.subscriptions_active, result.totals.subscriptions_ended) == (2, 1)
    assert result.quality.contradictions == ()  # no status, nothing to contradict


def test_active_on_the_start_day_and_not_on_the_end_day():
    rows = [
        _one(subscription_id="S1", status="live", start="2024-06-15"),
        _one(subscription_id="S2", status="cancelled", start="2024-01-01", end="2024-06-15"),
        _one(subscription_id="S3", status="non_renewing", start="2024-01-01", end="2024-07-01"),
    ]
    totals = _totals(rows)
    assert (totals.subscriptions_active, totals.subscriptions_ended) == (2, 1)


def test_paused_counts_until_its_pause_date():
    rows = [
        _one(subscription_id="S1", status="paused", end="2024-06-20"),  # still active
        _one(subscription_id="S2", status="paused", end="2024-06-01"),  # paused
        _one(subscription_id="S3", status="paused"),  # no date: paused, cannot be placed
    ]
    result = reconcile_tables(subscriptions_table(rows), None, AS_OF)
    assert result.totals.subscriptions_active == 1
    assert result.totals.subscriptions_paused == 2
    assert result.totals.ended_without_end_date == 1
    assert [ref.subscription_id for ref in result.quality.ended_without_end_date] == ["S3"]


def test_live_subscription_starting_after_the_as_of_date_is_counted_ended():
    # DOMAIN.md: ended is everything not active that is not yet paying nor paused.
    totals = _totals([_one(status="live", start="2024-07-01")])
    assert (totals.subscriptions_active, totals.subscriptions_ended) == (0, 1)


def test_not_yet_paying_is_never_active_and_not_in_history():
    rows = [_one(status="trial", start="2023-01-01"), _one(subscription_id="S2", status="future")]
    result = reconcile_tables(subscriptions_table(rows), None, AS_OF)
    assert result.totals.subscriptions_not_yet_paying == 2
    assert result.totals.customers_active == 0
    assert result.timeline == ()


def test_history_starts_at_the_earliest_start_it_can_place():
    rows = [
        _one(subscription_id="S1", status="trial", start="2023-01-05"),  # not in history
        _one(subscription_id="S2", status="cancelled", start="2023-02-05"),  # no end date
        _one(subscription_id="S3", status="live", start="2024-04-10"),
    ]
    result = reconcile_tables(subscriptions_table(rows), None, AS_OF)
    assert [month.period for month in result.timeline] == ["2024-04", "2024-05", "2024-06"]
    assert result.timeline[-1].date == AS_OF


def test_probable_duplicates_from_the_subscriptions_without_a_customers_export():
    rows = [
        _one(subscription_id="S1", customer_id="A", status="live", customer_email="x@y.de"),
        _one(subscription_id="S2", customer_id="B", status="live", customer_email=" X@Y.DE"),
        # B's later row with another email does not put B into a second group.
        _one(subscription_id="S3", customer_id="B", status="live", customer_email="b@y.de"),
        _one(
            subscription_id="S4",
            customer_id="C",
            status="cancelled",
            end="2024-02-01",
            customer_email="b@y.de",
        ),
        _one(subscription_id="S5", customer_id="D", status="live", customer_email=""),
        _one(subscription_id="S6", customer_id="E", status="live", customer_email=""),
    ]
    result = reconcile_tables(subscriptions_table(rows), None, AS_OF)
    # x@y.de: A and B, both active. b@y.de: B's first row says x@y.de, so only C: no group.
    assert result.probable_duplicate_groups == (DuplicateGroup("x@y.de", ("A", "B"), ("A", "B")),)
    assert result.customer_bridge == ()
    assert result.totals.orphan_subscriptions == 0
    merged = {step.step: step for step in result.bridge}["customers_active_if_merged"]
    assert merged.total == 3  # A, B, D, E active; A and B merged


def test_inactive_duplicate_members_do_not_change_the_merged_count():
    rows = [
        _one(subscription_id="S1", customer_id="A", status="live"),
        _one(subscription_id="S2", customer_id="B", status="cancelled", end="2024-03-01"),
    ]
    customers = customers_table(
        [{"customer_id": "A", "email": "same@x.de"}, {"customer_id": "B", "email": "same@x.de"}]
    )
    result = reconcile_tables(subscriptions_table(rows), customers, AS_OF)
    assert result.probable_duplicate_groups == (DuplicateGroup("same@x.de", ("A", "B"), ("A",)),)
    assert result.bridge[-1].total == 1
    assert [f.code for f in result.findings].count("probable_duplicate_customers") == 1


def test_email_keys_that_share_a_hash_are_still_told_apart(monkeypatch, german):
    # Every key hashes alike: all rows with an email become candidates, and only keys
    # that are really shared form a group (einkauf@mueller.de, as without the seam).
    monkeypatch.setattr(quality, "key_hash", lambda key: pl.lit(0, pl.UInt64))
    result = reconcile_tables(*german_vendor_tables(), AS_OF_GERMAN_VENDOR)
    assert result.probable_duplicate_groups == german.probable_duplicate_groups
    rows = [
        _one(subscription_id="S1", customer_id="A", status="live", customer_email="a@x.de"),
        _one(subscription_id="S2", customer_id="B", status="live", customer_email="b@x.de"),
    ]
    alone = reconcile_tables(subscriptions_table(rows), None, AS_OF)
    assert alone.probable_duplicate_groups == ()


def test_null_product_is_its_own_group_sorted_last_among_equals():
    rows = [
        _one(subscription_id="S1", customer_id="A", status="live", product=None),
        _one(subscription_id="S2", customer_id="B", status="live", product="Zeta"),
        _one(subscription_id="S3", customer_id="C", status="live", product="Alpha"),
        _one(subscription_id="S4", customer_id="D", status="live", product="Zeta"),
    ]
    result = reconcile_tables(subscriptions_table(rows), None, AS_OF)
    assert result.by_product == (
        ProductCount("Zeta", 2, 2),
        ProductCount("Alpha", 1, 1),
        ProductCount(None, 1, 1),
    )


def test_a_run_without_findings_still_states_the_headline():
    result = reconcile_tables(subscriptions_table([_one(status="live")]), None, AS_OF)
    assert [(f.code, f.count) for f in result.findings] == [
        ("subscriptions_counted_as_customers", 0)
    ]
    assert result.quality.currencies == {}


def test_examples_are_the_first_ten_sorted_and_count_them_all():
    rows = [
        _one(subscription_id=f"S{n:02d}", customer_id="C1", status="live") for n in range(25, 0, -1)
    ]
    extra = {
        step.step: step for step in reconcile_tables(subscriptions_table(rows), None, AS_OF).bridge
    }
    step = extra["extra_subscriptions"]
    # 25 live subscriptions of one customer with the same start, listed S25 first (line 2):
    # S25 is the customer's first, S01..S24 are extra; the ten smallest are S01..S10.
    assert step.count == -24
    assert step.examples == tuple(f"S{n:02d}" for n in range(1, 11))
    assert step.examples_total == 24


def test_empty_subscriptions_export():
    result = reconcile_tables(
        subscriptions_table([]), customers_table([{"customer_id": "A"}]), AS_OF
    )
    assert result.totals.customers_known == 1
    assert result.totals.customers_without_active_subscription == 1
    assert result.timeline == ()
    assert result.customer_bridge[-1].total == 0


def test_to_dict_is_json_ready(german):
    import json

    data = json.loads(json.dumps(german.to_dict()))
    assert data["timeline"][-1]["date"] == "2024-06-15"
    assert data["bridge"][0]["step"] == "rows_read"


def test_to_dict_is_asdict_with_dates_as_text(german):
    # to_dict walks the tree itself for speed; dataclasses.asdict is the reference for
    # every key, its order and every value, dates aside.
    import dataclasses
    import json

    def iso_dates(value):
        return value.isoformat() if isinstance(value, datetime.date) else repr(value)

    expected = json.dumps(dataclasses.asdict(german), default=iso_dates)
    assert json.dumps(german.to_dict()) == expected
    assert german.to_dict()["as_of"] == "2024-06-15"


def test_every_message_template_and_label_is_used(german):
    from reconcile.codes import RowError, Step
    from reconcile.findings import DOWNLOAD_FINDINGS, FINDINGS, FOLDED_FINDINGS, has_rule

    assert all(code.reason for code in RowError)
    # Each finding is decided in one place: a rule of findings.py or the report downloads,
    # or is a reader's line that rendering folds the others into.
    assert {code for code in FINDINGS if not has_rule(code)} == DOWNLOAD_FINDINGS | FOLDED_FINDINGS

    # The scenario is built to raise every finding and walk every step once; the findings
    # of report downloads are raised in tests/test_zoho_reports.py, rows_not_counted and
    # subscriptions_to_check are said by rendering (reconcile/standout.py), not the engine;
    # a repeated header (a finding of reading a file) in tests/test_hostile_inputs.py, an
    # .xlsx export read from a later sheet in tests/test_excel.py, a file of lines in one
    # cell in tests/test_pasted_exports.py; a Zoho cancellation a reactivation undid in
    # tests/test_zoho_reactivation.py; customer IDs that lost their leading zeros in
    # tests/test_leading_zeros.py; an export without an interval count (Stripe's)
    # in tests/test_revenue_values.py; amounts that read two ways (a file whose decimal
    # separator nothing decides) in tests/test_thousands_dots.py.
    assert {finding.code for finding in german.findings} == (
        set(FINDINGS)
        - DOWNLOAD_FINDINGS
        - FOLDED_FINDINGS
        - {
            "repeated_header",
            "export_on_later_sheet",
            "lines_in_one_cell",
            "end_undone",
            "leading_zeros_lost",
            "interval_count_assumed",
            "amounts_read_two_ways",
        }
    )
    steps = [s.step for s in (*german.bridge, *german.customer_bridge)]
    # customers_active ends both walks: one label. Guest customers without an ID are a
    # Stripe customers export's (walked in tests/test_real_exports.py), not this one's.
    assert list(dict.fromkeys(steps)) == [step for step in Step if step != Step.CUSTOMER_GUESTS]
    assert [s.label for s in german.bridge][:2] == [
        "Rows in the subscriptions export",
        "Rows rejected",
    ]


def _groups(numbers: pl.Series) -> list[list[int]]:
    """Positions that share a number, in order of first position."""
    positions: dict[int, list[int]] = {}
    for position, number in enumerate(numbers.to_list()):
        positions.setdefault(number, []).append(position)
    return list(positions.values())


def _one_hash_for_all(ids: pl.Series) -> pl.Series:
    return pl.Series([0] * ids.len(), dtype=pl.UInt64)


def test_customer_numbers_are_equal_exactly_for_equal_ids(monkeypatch):
    # IDs are strings: 007 and 7 are different customers (DOMAIN.md, "Inputs").
    ids = pl.Series(["007", "7", "007", "K1", "7"])
    assert _groups(reconciliation.customer_numbers(ids)) == [[0, 2], [1, 4], [3]]
    # Should different IDs ever share a hash, they must still get different numbers.
    monkeypatch.setattr(reconciliation, "id_hash", _one_hash_for_all)
    assert _groups(reconciliation.customer_numbers(ids)) == [[0, 2], [1, 4], [3]]


def _hash_by_length(ids: pl.Series) -> pl.Series:
    # "7" and "K" share a hash, "007" and "K17" too; a missing ID hashes as its own.
    return ids.str.len_bytes().cast(pl.UInt64).fill_null(99)


def test_customer_numbers_separate_ids_that_share_a_hash_with_some_others(monkeypatch):
    ids = pl.Series(["7", "007", "7", "K", None, "K17", None, "007"])
    monkeypatch.setattr(reconciliation, "id_hash", _hash_by_length)
    assert _groups(reconciliation.customer_numbers(ids)) == [[0, 2], [1, 7], [3], [4, 6], [5]]
    # Without a shared hash the hash numbers are kept: missing IDs are one customer.
    unique = pl.Series(["7", "007", "7", None, None])
    assert _groups(reconciliation.customer_numbers(unique)) == [[0, 2], [1], [3, 4]]


def _plain_groups(ids: list[str | None]) -> list[list[int]]:
    """The positions of each distinct ID, by first position: the oracle, no polars."""
    positions: dict[str | None, list[int]] = {}
    for position, value in enumerate(ids):
        positions.setdefault(value, []).append(position)
    return list(positions.values())


@settings(max_examples=60, deadline=None)
@given(
    ids=st.lists(st.one_of(st.none(), st.sampled_from(["7", "007", "K", "K17", "", "k"]))),
    hash_of=st.sampled_from([None, _hash_by_length, _one_hash_for_all]),
)
def test_customer_numbers_group_exactly_the_equal_ids(ids, hash_of):
    # Whatever the hash (the real one, one shared by some IDs, one shared by all), the
    # numbers are dense and equal exactly where the IDs are.
    series = pl.Series(ids, dtype=pl.String)
    with pytest.MonkeyPatch.context() as patch:
        if hash_of is not None:
            patch.setattr(reconciliation, "id_hash", hash_of)
        numbers = reconciliation.customer_numbers(series)
    assert numbers.dtype == pl.UInt32
    assert _groups(numbers) == _plain_groups(ids)
    assert sorted(set(numbers.to_list())) == list(range(len(_plain_groups(ids))))


def test_ids_that_share_a_hash_change_no_figure(monkeypatch, german):
    monkeypatch.setattr(reconciliation, "id_hash", _one_hash_for_all)
    assert reconcile_tables(*german_vendor_tables(), AS_OF_GERMAN_VENDOR) == german


def test_ended_or_paused_without_a_start_is_counted_but_never_placed():
    # DOMAIN.md: an ended or paused subscription that cannot be placed in time is not
    # active, is left out of the history, and is counted. S1 and S2 have an end ahead of
    # the as-of date but no start: not active all the same. S3 has no date at all.
    rows = [
        _one(
            subscription_id="S1", customer_id="A", status="cancelled", start=None, end="2024-09-01"
        ),
        _one(subscription_id="S2", customer_id="B", status="paused", start=None, end="2024-09-01"),
        _one(subscription_id="S3", customer_id="C", status="creation_failed", start=None),
        _one(subscription_id="S4", customer_id="D", status="live", start="2024-05-20"),
    ]
    result = reconcile_tables(subscriptions_table(rows), None, AS_OF)
    totals = result.totals
    assert (
        totals.subscriptions_active,
        totals.subscriptions_not_yet_paying,
        totals.subscriptions_paused,
        totals.subscriptions_ended,
    ) == (1, 0, 1, 2)
    assert (totals.ended_without_end_date, totals.ended_without_start_date) == (1, 2)
    assert (totals.customers_active, totals.customers_known) == (1, 4)
    assert [ref.subscription_id for ref in result.quality.ended_without_end_date] == ["S3"]
    assert result.quality.ended_without_start_date == (
        SubscriptionRef("S1", "A", 2, None, "cancelled", "no_start_date"),
        SubscriptionRef("S2", "B", 3, None, "paused", "no_start_date"),
    )
    # The history starts with S4, the only subscription it can place.
    assert [(m.period, m.subscriptions_active) for m in result.timeline] == [
        ("2024-05", 1),
        ("2024-06", 1),
    ]
    steps = {step.step: step for step in result.bridge}
    assert steps["ended"].examples == ("S1", "S3")
    assert steps["paused"].examples == ("S2",)
    assert result.quality.contradictions == ()


def test_an_unreadable_amount_on_a_rejected_row_is_listed_but_is_not_its_reason():
    # Line 3 is rejected for its impossible date; its unreadable amount is listed with it.
    errors = [
        {"line": 3, "column": "Activated On", "value": "31.02.2024", "code": "invalid_date"},
        {"line": 3, "column": "Amount", "value": "n/a", "code": "invalid_amount"},
    ]
    table = subscriptions_table([_one(status="live")], rejections=errors)
    result = reconcile_tables(table, None, AS_OF)
    assert [(r.line, r.column, r.code) for r in result.rejections] == [
        (3, "Activated On", "invalid_date"),
        (3, "Amount", "invalid_amount"),
    ]
    assert result.warnings == ()
    rejected = [f for f in result.findings if f.code == "rows_rejected"]
    assert [(f.count, f.params["code"]) for f in rejected] == [(1, "invalid_date")]
    assert "unreadable_values" not in {f.code for f in result.findings}


@settings(max_examples=60, deadline=None)
@given(
    holdings=st.lists(
        st.tuples(st.integers(0, 5), st.one_of(st.none(), st.sampled_from(["B", "A", "C"]))),
        max_size=25,
    ),
    masked_products=st.sampled_from([64, 1]),
)
def test_product_counts_from_masks_equal_the_definition(holdings, masked_products):
    # Per product (the missing one its own group, last among equals): its active
    # subscriptions and the distinct customers holding it, most subscriptions first.
    # Counted by a plain-Python oracle; by masks with up to 64 products, else directly.
    active = pl.LazyFrame(
        {
            "customer_no": [customer for customer, _ in holdings],
            "product": [product for _, product in holdings],
            "start": [D(2024, 1, 1)] * len(holdings),
            "line": list(range(2, len(holdings) + 2)),
        },
        schema={"customer_no": pl.UInt32, "product": pl.String, "start": pl.Date, "line": pl.Int64},
    )
    bits = snapshot.product_bits(active, masked_products)
    customers = snapshot.active_customers(active, bits).collect()
    counts = snapshot.product_counts(active, customers, bits).collect().rows()
    subscriptions: dict[str | None, int] = {}
    holders: dict[str | None, set[int]] = {}
    for customer, product in holdings:
        subscriptions[product] = subscriptions.get(product, 0) + 1
        holders.setdefault(product, set()).add(customer)
    expected = sorted(
        ((product, n, len(holders[product])) for product, n in subscriptions.items()),
        key=lambda row: (-row[1], row[0] is None, row[0] or ""),
    )
    assert counts == expected


@pytest.mark.parametrize("masked_products", [64, 63])
def test_product_overlap_of_64_products_by_masks_and_by_join(masked_products):
    # Customer 1 holds all 64 products (the last one takes the mask's top bit), customer 2
    # the first and the last, customer 3 one product twice (no pair), customer 4 none
    # named. So P00 & P63: 2 customers; each of the other 2015 pairs: 1. With 64 products
    # the masks count them, with a limit of 63 the join does.
    names = [f"P{n:02}" for n in range(64)]
    holdings = [(1, name) for name in reversed(names)]
    holdings += [(2, "P63"), (2, "P00"), (3, "P07"), (3, "P07"), (4, None)]
    active = pl.LazyFrame(
        {
            "customer_no": [customer for customer, _ in holdings],
            "product": [product for _, product in holdings],
        },
        schema={"customer_no": pl.UInt32, "product": pl.String},
    )
    pairs = snapshot.product_overlap(active, masked_products).collect().rows()
    assert len(pairs) == 64 * 63 // 2
    assert pairs[0] == ("P00", "P63", 2)
    assert pairs[1:4] == [("P00", "P01", 1), ("P00", "P02", 1), ("P00", "P03", 1)]
    assert pairs[-1] == ("P62", "P63", 1)
    assert sum(customers for _, _, customers in pairs) == 2016 + 1
