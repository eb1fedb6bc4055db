"""Every row of the subscriptions export traced to the bridge step it falls in.

The bridge (DOMAIN.md, "The bridge") names only the first rows behind each step; the
trace names all of them, one line per row of the file: accepted, rejected and removed as
an exact duplicate alike. Its `step` is the code of the subscription bridge's step that
moves the row, or `customers_active` for the subscription that counts an active customer
(their first: earliest start, then first in the file), so that counting the trace's steps
gives the bridge's counts exactly; `trace` checks that it does.

The rules are the engine's own (reconciliation.classify, snapshot.active_customers and
snapshot.counting_order); nothing here decides anew what is active or extra.
"""

from __future__ import annotations

import polars as pl

from reconcile import accounting, reconciliation, revenue, snapshot
from reconcile.canonical import LoadedTable
from reconcile.codes import Step
from reconcile.problems import InternalError
from reconcile.result import DuplicateGroup, Result

# The state of a subscription on the as-of date (reconciliation.classify) is its step's
# code when it is not active: the bridge names those steps after the states.
INACTIVE_STEPS = (Step.NOT_YET_PAYING, Step.PAUSED, Step.UNPAID, Step.ENDED)
ROW_STEPS = (
    Step.REJECTED,
    Step.DUPLICATES_REMOVED,
    *INACTIVE_STEPS,
    Step.EXTRA_SUBSCRIPTIONS,
    Step.CUSTOMERS_ACTIVE,
)

# The columns of a trace, in this order. Rows that were not accepted have only file, line
# and step: a LoadedTable keeps no values of the rows it did not accept.
TRACE_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(),
    "line": pl.Int64(),
    "subscription_id": pl.String(),
    "customer_id": pl.String(),
    "product": pl.String(),
    "plan": pl.String(),
    "status": pl.String(),
    "step": pl.String(),
    "customer_active": pl.Boolean(),
    # The customer ID a probable duplicate would be merged into; null when it is kept.
    "probable_duplicate_of": pl.String(),
    # The MRR of an active subscription (revenue.py: rounded to the cent, so summing the
    # column per currency gives the report's MRR exactly); null when it has none.
    "mrr": pl.Float64(),
    # The currency as reconcile groups it (upper case), for every accepted row.
    "currency": pl.String(),
}

# The columns of the rows before the file's name is added.
_ROW_SCHEMA = pl.Schema({name: dtype for name, dtype in TRACE_SCHEMA.items() if name != "file"})

# The canonical columns classify and the trace read (classify adds the rest).
_CLASSIFIED = (
    "line",
    "subscription_id",
    "customer_id",
    "customer_no",
    "product",
    "plan",
    "status",
    "status_class",
    "never_paid",
    "start",
    "end",
    "trial_end",
    "period_end",
    "amount",
    "monthly_amount",
    "quantity",
    "interval",
    "interval_count",
    "currency",
)


def trace(
    subscriptions: LoadedTable, customers: LoadedTable | None, result: Result
) -> pl.DataFrame:
    """One row per row of the subscriptions export (TRACE_SCHEMA), in file order.

    `result` must be the Result of these tables (reconcile_tables), not redacted: its
    as-of date and its probable duplicate groups are read. Raises ValueError when the
    tables are not the Result's, InternalError when a step count of the trace differs
    from the bridge's (a bug in reconcile, as in bridge.walk).
    """
    _check_inputs(subscriptions, customers, result)
    rows = (
        pl.concat([_accepted_rows(subscriptions, result), _dropped_rows(subscriptions).lazy()])
        .sort("line")
        # The file's name joins after the sort: one value, not a million strings to move.
        .select(pl.lit(subscriptions.file, dtype=pl.String).alias("file"), *_ROW_SCHEMA)
        .collect()
    )
    check_against_bridge(rows, result)
    return rows


def step_counts(rows: pl.DataFrame) -> dict[Step, int]:
    """How many rows of a trace fall in each step of ROW_STEPS (zero included), and under
    Step.PROBABLE_DUPLICATES how many active customers would be merged away."""
    counted = dict(rows.group_by("step").len().iter_rows())
    counts = {step: counted.get(step, 0) for step in ROW_STEPS}
    merged_away = rows.filter(
        pl.col("customer_active") & pl.col("probable_duplicate_of").is_not_null()
    )
    counts[Step.PROBABLE_DUPLICATES] = merged_away["customer_id"].n_unique()
    return counts


def check_against_bridge(rows: pl.DataFrame, result: Result) -> None:
    """Check that the trace's step counts are the subscription bridge's, step by step."""
    bridge = {step.step: step for step in result.bridge}
    for step, count in step_counts(rows).items():
        # Subtracting steps carry a negative count; customers_active is a subtotal.
        expected = abs(bridge[step].count)
        if count != expected:
            raise InternalError(f"trace step {step}: {count} rows, the bridge says {expected}")
    if rows.height != result.inputs.subscriptions.rows_read:
        raise InternalError("trace misses rows")


def _check_inputs(
    subscriptions: LoadedTable, customers: LoadedTable | None, result: Result
) -> None:
    """A Result of other tables would trace rows to steps they are not in."""
    if accounting.input_summary(subscriptions) != result.inputs.subscriptions or (
        (customers is None) != (result.inputs.customers is None)
        or (
            customers is not None and accounting.input_summary(customers) != result.inputs.customers
        )
    ):
        raise ValueError("trace: the tables are not the ones the Result was computed from")


def _accepted_rows(subscriptions: LoadedTable, result: Result) -> pl.LazyFrame:
    """The accepted rows, in file order, with their state on the as-of date, whether their
    customer is active, and whether they are the subscription that counts that customer."""
    numbered, _ = reconciliation.with_customer_numbers(subscriptions.frame, None)
    classified = reconciliation.classify(
        numbered.select(_CLASSIFIED),
        result.as_of,
        snapshot=not subscriptions.has_start,
    )
    active = classified.lazy().filter(pl.col("state") == reconciliation.ACTIVE)
    # One row per active customer: customer_no and `first`, the counting order of the
    # subscription that counts them; their other active subscriptions are extra. Looked
    # up with is_in rather than joined: cheaper, and the rows keep their order.
    customers_active = snapshot.active_customers(active).collect()
    counts_customer = snapshot.counting_order().is_in(customers_active["first"].implode())
    step = (
        pl.when(pl.col("state") != reconciliation.ACTIVE)
        .then(pl.col("state"))
        .when(counts_customer)
        .then(pl.lit(Step.CUSTOMERS_ACTIVE))
        .otherwise(pl.lit(Step.EXTRA_SUBSCRIPTIONS))
    )
    merged_away, kept = _merged_into(result.probable_duplicate_groups)
    is_active = pl.col("state") == reconciliation.ACTIVE
    return (
        revenue.with_mrr(classified)
        .lazy()
        .select(
            line="line",
            subscription_id="subscription_id",
            customer_id="customer_id",
            product="product",
            plan="plan",
            status="status",
            step=step,
            customer_active=pl.col("customer_no").is_in(customers_active["customer_no"].implode()),
            probable_duplicate_of=pl.col("customer_id").replace_strict(
                merged_away, kept, default=None, return_dtype=pl.String
            ),
            mrr=pl.when(is_active).then(pl.col(revenue.MRR_CENTS) / 100),
            currency=revenue.CURRENCY,
        )
        .cast(_ROW_SCHEMA)
    )


def _merged_into(groups: tuple[DuplicateGroup, ...]) -> tuple[list[str], list[str]]:
    """The members of probable duplicate groups that a merge would remove, and the
    customer ID each would be merged into: the group's first active member, as the
    bridge's merge keeps it, or its first member when none is active."""
    pairs = [
        (member, kept)
        for group in groups
        for kept in [(group.active_customer_ids or group.customer_ids)[0]]
        for member in group.customer_ids
        if member != kept
    ]
    return [member for member, _ in pairs], [kept for _, kept in pairs]


def _dropped_rows(subscriptions: LoadedTable) -> pl.DataFrame:
    """The rejected rows and the exact duplicates removed: their line and step."""
    rejected = subscriptions.rejections.select(pl.col("line").unique(), step=pl.lit(Step.REJECTED))
    duplicates = pl.DataFrame(
        {"line": subscriptions.duplicate_lines, "step": Step.DUPLICATES_REMOVED},
        schema={"line": pl.Int64, "step": pl.String},
    )
    return (
        pl.concat([rejected, duplicates])
        .select(
            pl.col(name) if name in ("line", "step") else pl.lit(None).alias(name)
            for name in _ROW_SCHEMA
        )
        .cast(_ROW_SCHEMA)
    )
