"""Every figure of docs/domain.md from the loaded exports.

`reconcile_tables` classifies each accepted subscription once (its class, its state on
the as-of date, its run of active month ends) and derives everything else from that one
frame: the snapshot here, the history (history.py), the data-quality lists (quality.py),
the two bridges (bridge.py) and the findings (findings.py). The derived queries are lazy
and collected together, so polars runs them in parallel.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from typing import Generic, TypeVar, cast

import polars as pl

from reconcile import (
    accounting,
    billing_figures,
    history,
    names,
    plan_changes,
    quality,
    renewals,
    revenue,
    snapshot,
)
from reconcile.billing_system import BillingSystem
from reconcile.bridge import (
    EXAMPLES_SHOWN,
    CustomerWalk,
    Evidence,
    SubscriptionWalk,
    customer_bridge,
    subscription_bridge,
)
from reconcile.canonical import (
    CUSTOMER_COLUMNS,
    ENDED,
    NOT_YET_PAYING,
    PAUSED,
    PAYING,
    UNPAID,
    LoadedTable,
)
from reconcile.codes import Detail
from reconcile.findings import Facts, findings_from
from reconcile.problems import InternalError
from reconcile.result import (
    BridgeStep,
    HoldingCount,
    Inputs,
    PlanCount,
    ProductCount,
    ProductOverlap,
    Quality,
    Result,
    Settings,
    Totals,
    customers_with_several,
)

_Frame = TypeVar("_Frame", pl.LazyFrame, pl.DataFrame)


@dataclass(frozen=True)
class Frames(Generic[_Frame]):
    """The frames derived from the classified subscriptions: `Frames[pl.LazyFrame]` as
    queried, `Frames[pl.DataFrame]` once collected (all together, see `_collect`)."""

    states: _Frame  # per state: size and first subscription IDs
    by_product: _Frame
    by_plan: _Frame
    holdings: _Frame  # customers per number of active subscriptions held
    overlap: _Frame  # customers per pair of products
    extra: _Frame  # evidence: the active subscriptions beyond each customer's first
    groups: _Frame  # probable duplicate groups
    currencies: _Frame
    orphans: _Frame
    without_end_date: _Frame
    never_active: _Frame  # ended without ever paying
    without_start_date: _Frame
    contradictions: _Frame
    timeline: _Frame
    plan_changes: _Frame  # per month
    revenue: _Frame  # per currency
    product_revenue: _Frame
    plan_revenue: _Frame
    revenue_moves: _Frame  # per month and currency code
    currency_codes: _Frame  # currency code -> currency
    without_subscriptions: _Frame  # customers of the export without a subscription
    # Evidence for the customers bridge; None without a customers export.
    inactive_in_export: _Frame | None = None
    only_in_subscriptions: _Frame | None = None


# The state of a subscription on the as-of date: ACTIVE or its class (NOT_YET_PAYING,
# PAUSED, UNPAID, ENDED), so that the five add up to the accepted rows.
ACTIVE = "active"
STATES = (ACTIVE, NOT_YET_PAYING, PAUSED, UNPAID, ENDED)


def classify(
    frame: pl.DataFrame,
    as_of: datetime.date,
    *,
    snapshot: bool = False,
) -> pl.DataFrame:
    """The accepted subscriptions with what every figure needs about each of them.

    `start` becomes the day the subscription began to pay (the trial end when that is
    later), and an unpaid subscription's `end` the end of its last paid period. Adds
    `class` (the status class; without a status, from the dates), `never_active` (ended
    without ever paying: its trial lasted to its end, or the row says so in `never_paid`,
    such as Zoho's trial_expired), `without_end_date` (ended or paused
    but no end: cannot be placed in time), `without_start_date` (ended or paused with an
    end but no start: cannot be placed either), `state` on the as-of date, and `first` /
    `last`: the run of months on whose observation day it is active (see history.py), null
    when it is never active in the history.

    `snapshot`: the export has no start dates at all (DOMAIN.md, "Snapshot exports"): a
    paying subscription is active, nothing can be placed in time, and no row lacks a date
    it could have had.
    """
    if snapshot:
        return _classify_snapshot(frame)
    by_dates = pl.when(pl.col("end") <= as_of).then(pl.lit(ENDED)).otherwise(pl.lit(PAYING))
    in_history = (
        (pl.col("class") != NOT_YET_PAYING)
        & ~pl.col("never_active")
        & ~pl.col("without_end_date")
        & pl.col("start").is_not_null()
        # An unpaid subscription without the end of its last paid period never counts.
        & ((pl.col("class") != UNPAID) | pl.col("end").is_not_null())
    )
    active_on_as_of = (pl.col("start") <= as_of) & (
        pl.col("end").is_null() | (pl.col("end") > as_of)
    )
    # A paying subscription still in its trial on the as-of date (Recurly exports a trial
    # as `active` with a later trial end) is not yet paying.
    in_trial = (pl.col("class") == PAYING) & (pl.col("trial_end") > as_of).fill_null(False)
    later_trial_end = pl.col("trial_end") > pl.col("start")
    return (
        frame.lazy()
        .with_columns(**{"class": pl.coalesce("status_class", by_dates)})
        .with_columns(
            start=pl.when(later_trial_end.fill_null(False)).then("trial_end").otherwise("start"),
            end=pl.when(pl.col("class") == UNPAID).then("period_end").otherwise("end"),
        )
        .with_columns(
            # The trial lasted to the end (or past it): it never paid.
            never_active=(pl.col("class") == ENDED)
            & (
                (pl.col("trial_end") >= pl.col("end")).fill_null(False)
                | pl.col("never_paid").fill_null(False)
            ),
            ended_or_paused=_class_in(ENDED, PAUSED),
        )
        .with_columns(
            # A row that never paid needs no dates to be placed: it is never active.
            without_end_date=pl.col("ended_or_paused")
            & ~pl.col("never_active")
            & pl.col("end").is_null(),
            # Validation accepts a row without a start only when it is not paying.
            without_start_date=(pl.col("ended_or_paused") | (pl.col("class") == UNPAID))
            & ~pl.col("never_active")
            & pl.col("end").is_not_null()
            & pl.col("start").is_null(),
        )
        .with_columns(in_history=in_history)
        .with_columns(
            # Everything not active that is of no other class is ended, a paying
            # subscription whose interval does not hold included.
            state=pl.when(pl.col("in_history") & active_on_as_of & ~in_trial)
            .then(pl.lit(ACTIVE))
            .when(in_trial)
            .then(pl.lit(NOT_YET_PAYING))
            .when(_class_in(NOT_YET_PAYING, PAUSED, UNPAID))
            .then("class")
            .otherwise(pl.lit(ENDED)),
            first=pl.when("in_history").then(history.first_active_month(as_of)),
            last=pl.when("in_history").then(history.last_active_month(as_of)),
        )
        .collect()
    )


def _class_in(*classes: str) -> pl.Expr:
    """Whether `class` (never null) is one of `classes`: comparisons with each, a fifth
    of the CPU of `is_in` over a string column (bench/RESULTS.md, "Micro-benchmarks")."""
    return pl.any_horizontal(pl.col("class") == value for value in classes)


def _classify_snapshot(frame: pl.DataFrame) -> pl.DataFrame:
    """`classify` of an export without start dates: active = the paying class; the other
    classes are their own state (ended for the ended class)."""
    no_month = pl.lit(None, pl.Int32)
    return frame.with_columns(
        **{"class": pl.col("status_class")},
        never_active=pl.lit(False),
        ended_or_paused=pl.col("status_class").is_in([ENDED, PAUSED]),
        without_end_date=pl.lit(False),
        without_start_date=pl.lit(False),
        in_history=pl.lit(False),
        state=pl.when(pl.col("status_class") == PAYING)
        .then(pl.lit(ACTIVE))
        .when(pl.col("status_class").is_in([NOT_YET_PAYING, PAUSED, UNPAID]))
        .then("status_class")
        .otherwise(pl.lit(ENDED)),
        first=no_month,
        last=no_month,
    )


def with_customer_numbers(
    subscriptions: pl.DataFrame, customers: pl.DataFrame | None
) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Both exports with `customer_no`: the customer ID as a dense integer, equal for equal
    IDs in both. Joining, grouping and sorting by it is much cheaper than by the string.
    """
    ids = subscriptions["customer_id"]
    if customers is not None:
        ids = pl.concat([ids, customers["customer_id"]], rechunk=True)
    # Numbered together, so that both exports share one numbering.
    numbers = customer_numbers(ids)
    rows = subscriptions.height
    return (
        subscriptions.with_columns(customer_no=numbers.head(rows)),
        None if customers is None else customers.with_columns(customer_no=numbers.slice(rows)),
    )


def customer_numbers(ids: pl.Series) -> pl.Series:
    """A dense UInt32 per distinct ID: equal numbers exactly for equal IDs.

    A 64-bit hash of the IDs is numbered by its dense rank, a sort of the hashes, which
    costs two thirds of looking each up in a table of the distinct ones (a join) and a
    third of building a table of the strings (a categorical; bench/RESULTS.md,
    "Micro-benchmarks"). Two different IDs could share a hash; then they would share a
    number, and the categorical numbers them instead.
    """
    hashes = id_hash(ids)
    numbers = (hashes.rank("dense") - 1).cast(pl.UInt32).alias(ids.name)
    if numbers.is_empty():
        return numbers
    # One row of each number, to compare every ID with (any one of them will do).
    one_row = pl.zeros(cast(int, numbers.max()) + 1, pl.UInt32, eager=True).scatter(
        numbers, pl.int_range(numbers.len(), dtype=pl.UInt32, eager=True)
    )
    # Every ID equals that row's ID: then no two different IDs share a number.
    # eq_missing: a missing ID equals only another missing one.
    if ids.gather(one_row.gather(numbers)).eq_missing(ids).all():
        return numbers
    numbers = ids.cast(pl.Categorical(pl.Categories.random())).to_physical()
    # The categorical leaves a missing ID null: number it after the others, as the hash
    # gives it a number too (a null would match nothing in a join).
    return numbers.fill_null(ids.drop_nulls().n_unique())


def id_hash(ids: pl.Series) -> pl.Series:
    """A 64-bit hash of each ID (a seam for the test of two IDs that share one)."""
    return ids.hash()


def reconcile_tables(
    subscriptions: LoadedTable,
    customers: LoadedTable | None,
    as_of: datetime.date,
    figures: Sequence[billing_figures.FigureInput] = (),
    *,
    plan_change_window: int = 1,
) -> Result:
    """The Result of DOMAIN.md for the accepted rows of both exports on `as_of`, with the
    billing system's own `figures` beside ours.

    `plan_change_window` (days, 0: off) is DOMAIN.md's plan-change window."""
    # Numbering the customers and classifying the rows are independent, and each leaves
    # a core mostly idle (hashing, and reading a few distinct values): run side by side.
    with ThreadPoolExecutor(max_workers=1) as pool:
        numbering = pool.submit(
            with_customer_numbers,
            subscriptions.frame,
            None if customers is None else customers.frame,
        )
        # Every subscription's MRR once: the snapshot, the history and the trace read it.
        classified = revenue.with_mrr(
            classify(
                subscriptions.frame,
                as_of,
                snapshot=not subscriptions.has_start,
            )
        )
        numbered, export = numbering.result()
        subs = classified.with_columns(numbered.get_column("customer_no"))
        # The plan changes' sorts run on one core, and the customer-level ranges they give
        # are collected after them: the active subscriptions and customers are grouped
        # meanwhile.
        replacing = pool.submit(_replaced_and_ranges, subs, plan_change_window, as_of)
        # Validation rejects a repeated customer ID as a conflicting duplicate; the
        # customers walk counts export rows as customers and relies on it.
        if export is not None and _distinct_numbers(export) != export.height:
            raise InternalError("repeated customer IDs among the accepted customer rows")
        # Collected once each: most queries read the active subscriptions, and several the
        # active customers; grouping them once here spares every query its own pass.
        active = _active_subscriptions(subs)
        # The products as bits (None with too many): the customers' masks of the products
        # they hold are grouped with them, and the product overlap counts the masks.
        bits = snapshot.product_bits(active.lazy())
        active_customers = snapshot.active_customers(active.lazy(), bits).collect()
        replaced, customer_ranges = replacing.result()
    frames = _collect(
        _queries(
            subs, export, active.lazy(), active_customers, bits, as_of, replaced, customer_ranges
        )
    )

    states = _state_evidence(frames.states, active.height)
    guests = 0 if customers is None else len(customers.guest_lines)
    # Known customers: those with a subscription row, and those of the export without.
    customers_known = _distinct_numbers(subs) + frames.without_subscriptions.height
    totals = _totals(states, frames, active_customers.height, customers_known, guests)
    bridge = subscription_bridge(_subscription_walk(subscriptions, states, frames, totals))
    by_product = _with_revenue(ProductCount, frames.by_product, frames.product_revenue)
    holdings = tuple(HoldingCount(**row) for row in frames.holdings.iter_rows(named=True))
    result_quality = Quality(
        orphan_subscriptions=quality.subscription_refs(frames.orphans),
        customers_without_subscriptions=quality.customer_refs(frames.without_subscriptions),
        ended_without_end_date=quality.subscription_refs(frames.without_end_date),
        ended_without_start_date=quality.subscription_refs(frames.without_start_date),
        contradictions=quality.subscription_refs(frames.contradictions),
        currencies=dict(frames.currencies.iter_rows()),
    )
    system = billing_system_of(subscriptions)
    facts = _facts(subscriptions, customers, totals, frames, bridge, by_product, holdings, system)
    # Names beside IDs, looked up only for the customers the lists below name.
    named_bridge, customer_walk, groups, result_quality = names.named_result_parts(
        subs,
        export,
        bridge,
        _customer_bridge(customers, frames, totals.customers_active),
        quality.groups_from(frames.groups),
        result_quality,
    )
    return Result(
        as_of=as_of,
        inputs=Inputs(
            subscriptions=accounting.input_summary(subscriptions),
            customers=None if customers is None else accounting.input_summary(customers),
        ),
        totals=totals,
        by_product=by_product,
        by_plan=_with_revenue(PlanCount, frames.by_plan, frames.plan_revenue),
        subscriptions_per_customer=holdings,
        product_overlap=tuple(
            ProductOverlap(**row) for row in frames.overlap.iter_rows(named=True)
        ),
        timeline=history.months_from(frames.timeline, _month_extras(subs, frames, as_of)),
        bridge=named_bridge,
        customer_bridge=customer_walk,
        probable_duplicate_groups=groups,
        rejections=accounting.rejections(subscriptions, customers),
        findings=findings_from(facts),
        quality=result_quality,
        warnings=accounting.warnings(subscriptions, customers),
        billing_figures=billing_figures.compare(subs, figures, as_of, replaced),
        renewals=renewals.renewals_of(
            active,
            active_customers,
            lambda ids: names.lookup(subs, export, (), ids)[1],
            subscriptions.source,
        ),
        revenue=revenue.revenue_from(frames.revenue),
        settings=Settings(plan_change_window_days=plan_change_window),
        caveats=accounting.caveats(subscriptions, customers),
        billing_system=system,
    )


def billing_system_of(subscriptions: LoadedTable) -> BillingSystem:
    """The billing system of the subscriptions export; a table built without a source
    file names none (neutral words, as for a generic export)."""
    if subscriptions.billing_system is not None:
        return subscriptions.billing_system
    return BillingSystem(source=subscriptions.source, title=subscriptions.source)


def _with_revenue(kind, counts: pl.DataFrame, revenues: pl.DataFrame) -> tuple:
    """ProductCount or PlanCount rows of `counts`, each with its MRR per currency."""
    keys = [c for c in ("product", "plan") if c in counts.columns]
    by_key = revenue.group_revenue(revenues, keys)
    return tuple(
        kind(**row, revenue=by_key.get(tuple(row[k] for k in keys), ()))
        for row in counts.iter_rows(named=True)
    )


def _month_extras(
    subs: pl.DataFrame, frames: Frames[pl.DataFrame], as_of: datetime.date
) -> list[history.MonthExtras]:
    """Per month of the timeline: its plan changes and its revenue."""
    first = _first_month(subs)
    last = history.month_number(as_of)
    months = [] if first is None else list(range(first, last + 1))
    if not months:
        return []
    changes = {row["month"]: row for row in frames.plan_changes.iter_rows(named=True)}
    moves = revenue.monthly(frames.revenue_moves, frames.currency_codes, months)
    return [
        history.MonthExtras(
            plan_changes=changes.get(month, {}).get("plan_changes", 0),
            product_switches=changes.get(month, {}).get("product_switches", 0),
            revenue=moves[month],
        )
        for month in months
    ]


def _active_subscriptions(subs: pl.DataFrame) -> pl.DataFrame:
    """The columns of the active subscriptions that snapshot.py, quality.py,
    revenue.py and renewals.py read."""
    return (
        subs.lazy()
        .filter(pl.col("state") == ACTIVE)
        .select(
            "subscription_id",
            "customer_id",
            "customer_no",
            "line",
            "start",
            "product",
            "plan",
            "currency",
            revenue.MRR_CENTS,
            revenue.CURRENCY,
            revenue.CURRENCY_CODE,
            renewals.RENEWAL,
            revenue.RENEWALS_PER_YEAR,
        )
        .collect()
    )


def _totals(
    states: dict[str, Evidence],
    frames: Frames[pl.DataFrame],
    customers_active: int,
    customers_known: int,
    guests: int,
) -> Totals:
    return Totals(
        subscriptions_active=states[ACTIVE].size,
        customers_active=customers_active,
        customers_known=customers_known,
        subscriptions_not_yet_paying=states[NOT_YET_PAYING].size,
        subscriptions_paused=states[PAUSED].size,
        subscriptions_unpaid=states[UNPAID].size,
        subscriptions_ended=states[ENDED].size,
        subscriptions_never_active=frames.never_active.height,
        customers_without_active_subscription=customers_known - customers_active,
        customers_without_subscriptions=frames.without_subscriptions.height,
        orphan_subscriptions=frames.orphans.height,
        ended_without_end_date=frames.without_end_date.height,
        ended_without_start_date=frames.without_start_date.height,
        customers_guests=guests,
    )


def _subscription_walk(
    subscriptions: LoadedTable,
    states: dict[str, Evidence],
    frames: Frames[pl.DataFrame],
    totals: Totals,
) -> SubscriptionWalk:
    # Merging a group of probable duplicates keeps one active member, removes the others.
    merged_away = _evidence(
        _evidence_query(
            frames.groups.lazy().select(
                pl.col("active_customer_ids").list.slice(1).explode().drop_nulls()
            ),
            "active_customer_ids",
        ).collect()
    )
    return SubscriptionWalk(
        rows_read=subscriptions.rows_read,
        rejected=accounting.rejected_lines(subscriptions),
        duplicates_removed=accounting.duplicate_lines(subscriptions),
        rows_accepted=subscriptions.rows_accepted,
        not_yet_paying=states[NOT_YET_PAYING],
        paused=states[PAUSED],
        unpaid=states[UNPAID],
        ended=states[ENDED],
        subscriptions_active=totals.subscriptions_active,
        extra_subscriptions=_evidence(frames.extra),
        customers_active=totals.customers_active,
        probable_duplicates=merged_away,
        customers_active_if_merged=totals.customers_active - merged_away.size,
    )


def _facts(
    subscriptions: LoadedTable,
    customers: LoadedTable | None,
    totals: Totals,
    frames: Frames[pl.DataFrame],
    bridge: tuple[BridgeStep, ...],
    by_product: tuple[ProductCount, ...],
    holdings: tuple[HoldingCount, ...],
    system: BillingSystem,
) -> Facts:
    tables = accounting.tables(subscriptions, customers)
    groups, contradictions = frames.groups, frames.contradictions
    return Facts(
        subscriptions_file=subscriptions.file,
        customers_file=None if customers is None else customers.file,
        subscriptions_active=totals.subscriptions_active,
        customers_active=totals.customers_active,
        customers_with_several=customers_with_several(holdings),
        extra_subscriptions=totals.extra_subscriptions,
        duplicate_groups=groups.height,
        duplicate_group_customer_ids=int(groups["customer_ids"].list.len().sum()),
        customers_active_if_merged=bridge[-1].total,
        rejections=tuple(fact for table in tables for fact in accounting.rejection_facts(table)),
        warnings=tuple(fact for table in tables for fact in accounting.warning_facts(table)),
        amounts_read_two_ways=tuple(
            fact for table in tables for fact in accounting.two_ways_facts(table)
        ),
        duplicate_rows=tuple((table.file, table.duplicate_rows_removed) for table in tables),
        repeated_headers=tuple(
            (table.file, table.repeated_header_lines, table.pasted_title_lines, table.parts_lacking)
            for table in tables
        ),
        undone_dates=tuple(
            (table.file, field, undoing, lines)
            for table in tables
            for field, undoing, lines in table.undone_dates
        ),
        later_sheets=tuple(
            (table.file, *table.later_sheet) for table in tables if table.later_sheet
        ),
        unwrapped_files=tuple(table.file for table in tables if table.unwrapped),
        orphan_subscriptions=totals.orphan_subscriptions,
        leading_zero_pairs=quality.leading_zero_pairs(frames.orphans, frames.without_subscriptions),
        live_after_end=_count_detail(contradictions, Detail.LIVE_AFTER_END),
        end_before_start=_count_detail(contradictions, Detail.END_BEFORE_START),
        contradicting_subscriptions=contradictions["line"].n_unique(),
        ended_without_end_date=totals.ended_without_end_date,
        ended_without_start_date=totals.ended_without_start_date,
        never_active=totals.subscriptions_never_active,
        billing_system=system,
        currencies=dict(frames.currencies.iter_rows()),
        customers_without_subscriptions=totals.customers_without_subscriptions,
        products=tuple(
            (count.product, count.subscriptions_active, count.customers_active)
            for count in by_product
            if count.product is not None
        ),
        interval_count_assumed=_interval_count_assumed(subscriptions, frames.revenue),
    )


def _interval_count_assumed(subscriptions: LoadedTable, by_currency: pl.DataFrame) -> int:
    """The active subscriptions with MRR whose billing interval counts as one unit because
    the export gives the unit but no count at all (Stripe's dashboard export: `Interval`,
    no `Interval Count`); 0 where it gives both, or no unit (monthly amounts)."""
    frame = subscriptions.frame
    has_unit = frame.get_column("interval").null_count() < frame.height
    has_count = frame.get_column("interval_count").null_count() < frame.height
    if not has_unit or has_count:
        return 0
    return int(by_currency.get_column("subscriptions").sum())


def _queries(
    subs: pl.DataFrame,
    export: pl.DataFrame | None,
    active: pl.LazyFrame,
    active_customers: pl.DataFrame,
    bits: pl.DataFrame | None,
    as_of: datetime.date,
    replaced: pl.DataFrame,
    customer_ranges: pl.DataFrame,
) -> Frames[pl.LazyFrame]:
    """Every derived frame, still lazy. `replaced`, `customer_ranges`: _replaced_and_ranges."""
    customer_rows = (
        pl.DataFrame(schema={**CUSTOMER_COLUMNS, "customer_no": pl.UInt32()})
        if export is None
        else export
    )
    timeline_runs = (
        subs.lazy().filter(pl.col("first") <= pl.col("last")).select("customer_no", "first", "last")
    )
    inactive_in_export = only_in_subscriptions = None
    if export is not None:
        inactive_in_export = _evidence_query(
            export.lazy().filter(~quality.held_by(active_customers)), "customer_id"
        )
        only_in_subscriptions = _evidence_query(
            active.filter(~quality.held_by(export)).unique("customer_no"), "customer_id"
        )
    return Frames(
        states=_states(subs),
        by_product=snapshot.product_counts(active, active_customers, bits),
        by_plan=snapshot.active_counts(active, ["product", "plan"]),
        holdings=snapshot.holdings(active_customers),
        overlap=snapshot.overlap_from(active, active_customers, bits),
        extra=_evidence_query(
            snapshot.extra_subscriptions(active, active_customers), "subscription_id"
        ),
        groups=quality.duplicate_groups(quality.customer_emails(subs, export), active_customers),
        currencies=quality.currencies(active),
        orphans=quality.orphans(subs, export),
        without_end_date=quality.ended_without_end_date(subs),
        never_active=quality.never_active(subs),
        without_start_date=quality.ended_without_start_date(subs),
        contradictions=quality.contradictions(subs, as_of),
        timeline=history.timeline(
            timeline_runs,
            _first_month(subs),
            as_of,
            customer_ranges=customer_ranges.lazy().select("customer_no", "first", "last"),
        ),
        plan_changes=plan_changes.per_month(subs.lazy(), replaced),
        revenue=revenue.by_currency(active),
        product_revenue=revenue.by_group(active, ["product"]),
        plan_revenue=revenue.by_group(active, ["product", "plan"]),
        revenue_moves=revenue.movements(customer_ranges, history.month_number(as_of)),
        currency_codes=revenue.currency_codes(subs.lazy()),
        without_subscriptions=quality.customers_without_subscriptions(subs, customer_rows),
        inactive_in_export=inactive_in_export,
        only_in_subscriptions=only_in_subscriptions,
    )


def _replaced_and_ranges(
    subs: pl.DataFrame, plan_change_window: int, as_of: datetime.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """plan_changes.successors, and the _customer_ranges they give, collected once: the
    history and the MRR movements both read the ranges."""
    replaced = plan_changes.successors(subs.lazy(), plan_change_window, as_of).collect()
    return replaced, _customer_ranges(subs, replaced, as_of).collect()


def _customer_ranges(
    subs: pl.DataFrame, replaced: pl.DataFrame, as_of: datetime.date
) -> pl.LazyFrame:
    """The runs of month ends every customer-level figure counts: a subscription replaced
    within the plan-change window lasts until its successor starts."""
    columns = ["customer_no", "first", "last", revenue.MRR_CENTS, revenue.CURRENCY_CODE]
    ranges = subs.lazy()
    if not replaced.is_empty():
        ranges = plan_changes.customer_end(ranges, replaced).with_columns(
            last=pl.when("in_history").then(history.last_active_month(as_of, "customer_end"))
        )
    return ranges.filter(pl.col("first") <= pl.col("last")).select(columns)


def _distinct_numbers(rows: pl.DataFrame) -> int:
    """How many different customer numbers `rows` holds. They are dense (customer_numbers),
    so each is marked in a table as long as the rows at most: a tenth of the CPU of
    n_unique, which hashes every row."""
    size = rows.select(pl.col("customer_no").max().cast(pl.Int64) + 1).item()
    if size is None:  # no rows
        return 0
    marked = pl.zeros(size, pl.Boolean, eager=True).scatter(rows.get_column("customer_no"), True)
    return int(marked.sum())


def _states(subs: pl.DataFrame) -> pl.LazyFrame:
    """Per state but ACTIVE: its size and first subscription IDs. One filter per state,
    because the smallest IDs of a group_by's groups cost a third more (bench/RESULTS.md,
    "Micro-benchmarks"). The active subscriptions need no query: they are collected
    already, and no step lists them."""
    return pl.concat(
        [
            _evidence_query(subs.lazy().filter(pl.col("state") == state), "subscription_id").select(
                pl.lit(state).alias("state"), "size", "examples"
            )
            for state in STATES
            if state != ACTIVE
        ]
    )


def _collect(queries: Frames[pl.LazyFrame]) -> Frames[pl.DataFrame]:
    """Every query collected, several at a time in threads (polars lets go of Python's
    lock while it collects): a query that runs on one core for a while leaves the other
    idle, and the next query fills it. `collect_all` ran them one after another, and
    cached the scans of frames in memory they share, which cost more than reading them
    twice (bench/RESULTS.md, "Micro-benchmarks")."""
    names = [f.name for f in fields(queries) if getattr(queries, f.name) is not None]
    with ThreadPoolExecutor(max_workers=_QUERIES_AT_ONCE) as pool:
        collected = list(pool.map(lambda name: getattr(queries, name).collect(), names))
    return Frames[pl.DataFrame](**dict(zip(names, collected, strict=True)))


# Measured on two cores: four at a time beat two, and both beat one after another.
_QUERIES_AT_ONCE = 4


def _first_month(subs: pl.DataFrame) -> int | None:
    """The month of the earliest start of the subscriptions the history can place."""
    earliest = subs.select(pl.col("start").filter("in_history").min()).item()
    return None if earliest is None else history.month_number(earliest)


def _first_sorted(column: str) -> pl.Expr:
    """The first EXAMPLES_SHOWN values of a column in sorted order, as one list."""
    return pl.col(column).drop_nulls().bottom_k(EXAMPLES_SHOWN).sort().implode()


def _state_evidence(states: pl.DataFrame, active: int) -> dict[str, Evidence]:
    """The collected `_states` as evidence per state; `active` active subscriptions."""
    evidence = {state: Evidence(0) for state in STATES}
    evidence[ACTIVE] = Evidence(active)
    for state, size, examples in states.iter_rows():
        evidence[state] = Evidence(size, tuple(examples))
    return evidence


def _evidence_query(rows: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """One row: how many `rows` there are (`size`) and the first of `column` (`examples`)."""
    return rows.select(size=pl.len(), examples=_first_sorted(column))


def _evidence(frame: pl.DataFrame) -> Evidence:
    """The collected `_evidence_query` as bridge evidence."""
    size, examples = frame.row(0)
    return Evidence(size, tuple(examples))


def _customer_bridge(
    customers: LoadedTable | None, frames: Frames[pl.DataFrame], customers_active: int
) -> tuple[BridgeStep, ...]:
    if customers is None:
        return ()
    return customer_bridge(
        CustomerWalk(
            rows_read=customers.rows_read,
            rejected=accounting.rejected_lines(customers),
            duplicates_removed=accounting.duplicate_lines(customers),
            guests=accounting.guest_lines(customers),
            # Customers with an ID: the guests, accepted rows too, are walked past above.
            customers_in_export=customers.frame.height,
            without_active_subscription=_evidence(_queried(frames.inactive_in_export)),
            only_in_subscriptions=_evidence(_queried(frames.only_in_subscriptions)),
            customers_active=customers_active,
        )
    )


def _queried(frame: pl.DataFrame | None) -> pl.DataFrame:
    """A frame that is queried whenever there is a customers export."""
    if frame is None:
        raise InternalError("a customers export without its customers-bridge frames")
    return frame


def _count_detail(contradictions: pl.DataFrame, detail: str) -> int:
    return contradictions.filter(pl.col("detail") == detail).height
