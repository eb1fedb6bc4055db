"""The result of a run: a tree of frozen dataclasses, the one thing templates receive.

`Result.to_dict()` is the JSON contract (schema_version 2, see docs/report.schema.json):
the names of docs/domain.md and of the JSON schema are kept exactly, because people
script against them. More keys may be added; none may change meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from functools import cache
from typing import Any

from reconcile.billing_system import BillingSystem
from reconcile.codes import Severity, Step

SCHEMA_VERSION = 2


@dataclass(frozen=True)
class DateColumn:
    """How the dates of one column were read: its format (a Unicode date pattern), and
    whether its years have two digits (read as 20yy)."""

    column: str
    format: str
    two_digit_year: bool = False


@dataclass(frozen=True)
class InputSummary:
    """Row accounting of one export: rows_read = accepted + rejected + duplicates removed."""

    file: str
    source: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    duplicate_rows_removed: int
    # Physical line numbers of the rows removed as exact duplicates of an earlier row.
    duplicate_lines: tuple[int, ...] = ()
    # Records with no value at all (empty lines, ",,,"): not rows, so not in rows_read.
    blank_lines_skipped: int = 0
    # False for an export with a status but no start date column (DOMAIN.md, "Snapshot
    # exports"): it answers the as-of question only, and has no history.
    has_start_dates: bool = True
    # The format each date column with a value was read with.
    date_formats: tuple[DateColumn, ...] = ()
    # Physical lines of the accepted rows that are guest customers without an ID (a
    # Stripe customers export): in rows_accepted, not customers (totals.customers_guests).
    guest_lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Inputs:
    subscriptions: InputSummary
    customers: InputSummary | None = None


# More than this share of a file's rows rejected, and the report says so above the answer.
REJECTED_SHARE_CAVEAT = 0.05


@dataclass(frozen=True)
class RejectedRowsCaveat:
    """More than 5% of a file's rows were rejected (DOMAIN.md, "Bad rows"): the figures
    rest on its accepted rows only. `reason` is the code (RowError) that rejected the most
    rows, `reason_rows` how many."""

    file: str
    rows_read: int
    rows_rejected: int
    rows_accepted: int
    reason: str
    reason_rows: int


@dataclass(frozen=True)
class Totals:
    subscriptions_active: int
    customers_active: int
    customers_known: int
    subscriptions_not_yet_paying: int
    subscriptions_paused: int
    # Unpaid (payment failed, not renewed) and no longer in its last paid period.
    subscriptions_unpaid: int
    subscriptions_ended: int
    # Of subscriptions_ended: those that ended without ever paying (a trial that expired,
    # a creation that failed). They are left out of the history.
    subscriptions_never_active: int
    customers_without_active_subscription: int
    customers_without_subscriptions: int
    orphan_subscriptions: int
    ended_without_end_date: int
    # Ended or paused with an end date but no start date: they cannot be placed in time
    # either. (Without an end date a row is in ended_without_end_date, whatever its start.)
    ended_without_start_date: int = 0
    # Rows of the customers export with an empty ID that its source reads as guest
    # customers (Stripe: a payment without a Customer object). Accepted rows, but no
    # customer ID: not in customers_known, and never active (a subscription names its
    # customer's ID), so they hold no subscription and raise no warning.
    customers_guests: int = 0

    @property
    def extra_subscriptions(self) -> int:
        """Active subscriptions beyond each active customer's first: the gap between the
        billing system's "Active Customers" and the customers (not in the JSON: derived)."""
        return self.subscriptions_active - self.customers_active


@dataclass(frozen=True)
class CurrencyMrr:
    """MRR in one currency (null: the subscriptions have no currency)."""

    currency: str | None
    mrr: float


@dataclass(frozen=True)
class Revenue:
    """The active subscriptions' revenue in one currency (DOMAIN.md, "Revenue (MRR)").

    `customers` and `subscriptions` are those with MRR (a readable amount);
    `arpa` = mrr / customers, `arpu_per_subscription` = mrr / subscriptions (Zoho's ARPU),
    None when there are none; `subscriptions_without_amount`: active subscriptions in
    this currency whose MRR cannot be known (amount, interval or quantity missing or
    unreadable). Money in currency units, rounded to cents.
    """

    currency: str | None
    mrr: float
    customers: int
    subscriptions: int
    arpa: float | None
    arpu_per_subscription: float | None
    subscriptions_without_amount: int


@dataclass(frozen=True)
class MonthRevenue:
    """A month's MRR in one currency and its movements since the month before; always
    mrr - previous mrr = new + reactivation + expansion - contraction - churn."""

    currency: str | None
    mrr: float
    new: float
    reactivation: float
    expansion: float
    contraction: float
    churn: float


@dataclass(frozen=True)
class Settings:
    """The options a run's figures depend on, beyond the inputs and the as-of date."""

    plan_change_window_days: int = 1


@dataclass(frozen=True)
class ProductCount:
    product: str | None
    subscriptions_active: int
    customers_active: int
    revenue: tuple[CurrencyMrr, ...] = ()


@dataclass(frozen=True)
class PlanCount:
    product: str | None
    plan: str | None
    subscriptions_active: int
    customers_active: int
    revenue: tuple[CurrencyMrr, ...] = ()


@dataclass(frozen=True)
class HoldingCount:
    """How many customers hold exactly `subscriptions` active subscriptions."""

    subscriptions: int
    customers: int


@dataclass(frozen=True)
class ProductOverlap:
    product_a: str
    product_b: str
    customers: int


@dataclass(frozen=True)
class Month:
    """One month end of the history (DOMAIN.md, "Over time")."""

    period: str  # YYYY-MM
    date: date  # the day observed: the month's last day, or the as-of date
    subscriptions_active: int
    subscriptions_new: int
    subscriptions_ended: int
    customers_active: int
    customers_new: int
    customers_reactivated: int
    customers_churned: int
    customers_expanded: int
    customers_contracted: int
    # What a subscription-counting billing system reports as "net customers".
    subscriptions_net: int
    # The real change in customers: new + reactivated - churned.
    customers_net: int
    # Of subscriptions_ended: those replaced within the plan-change window by another
    # subscription of the same customer (product switches included), and the switches.
    plan_changes: int = 0
    product_switches: int = 0
    # MRR on the day observed and its movements, per currency (by code).
    revenue: tuple[MonthRevenue, ...] = ()


@dataclass(frozen=True)
class BridgeStep:
    """One step of a walk from rows to active customers.

    `count` is signed (a step that removes rows is negative; a subtotal step carries
    its total as count), `total` the running total after the step, `kind` is "start",
    "subtract", "add" or "subtotal". `examples` names the first rows or customers behind
    the step (subscription or customer IDs, or line numbers for rejected and duplicate
    rows); `examples_total` how many there are in all.
    """

    step: Step
    label: str
    count: int
    total: int
    kind: str
    examples: tuple[str, ...] = ()
    examples_total: int = 0
    # Example -> display name of the customer behind it (reconcile/names.py): the
    # customer's own for a customer ID, its customer's for a subscription ID. Examples
    # whose customer has no name are not in it.
    example_names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DuplicateGroup:
    """Customer IDs whose emails are equal after trimming and lower-casing."""

    key: str
    customer_ids: tuple[str, ...]
    active_customer_ids: tuple[str, ...] = ()
    # Customer ID -> display name, for the IDs of the group that have one.
    names: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejection:
    """One row error: of a rejected row in Result.rejections, of an accepted row (a value
    that could not be read; the row is kept and counted) in Result.warnings."""

    file: str
    line: int
    column: str
    value: str | None
    code: str
    message: str


@dataclass(frozen=True)
class Finding:
    """A statement in words with its number. `code` is stable; `params` hold the
    values the message template is filled with, so a renderer can translate it."""

    code: str
    severity: Severity
    message: str
    count: int
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SubscriptionRef:
    """A subscription named in a data-quality list, traceable to its row."""

    subscription_id: str
    customer_id: str
    line: int
    product: str | None = None
    status: str | None = None
    detail: str | None = None
    # The display name of the subscription's customer (reconcile/names.py).
    customer_name: str | None = None


@dataclass(frozen=True)
class CustomerRef:
    customer_id: str
    name: str | None = None
    email: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class Quality:
    """Data-quality lists behind the findings (DOMAIN.md, "Customers" and "Bad rows")."""

    orphan_subscriptions: tuple[SubscriptionRef, ...] = ()
    customers_without_subscriptions: tuple[CustomerRef, ...] = ()
    ended_without_end_date: tuple[SubscriptionRef, ...] = ()
    # The rows of Totals.ended_without_start_date, each with detail "no_start_date".
    ended_without_start_date: tuple[SubscriptionRef, ...] = ()
    # Live by status although their end date has passed, and the like.
    contradictions: tuple[SubscriptionRef, ...] = ()
    # Currency code -> number of active subscriptions in it (more than one: mixed).
    currencies: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class BillingFigure:
    """A figure the billing system shows beside reconcile's counts for the same period
    (DOMAIN.md, "The billing system's own figures"; reconcile/billing_figures.py).

    `period` is a day (YYYY-MM-DD) or a month (YYYY-MM); `figure` the kind of count
    (active, net, activations, cancellations); `difference` = billing_value -
    subscriptions; `explained_by` the sorted statuses whose subscriptions make up the
    difference exactly (empty unless `verdict` is "explained"). `verdict`: match,
    explained, ambiguous (several smallest sets would), unexplained, or after_as_of (the
    period lies after the as-of date: nothing compared, our counts null). `observed_on`
    is the day the counts are for; `origin` where the figure came from.
    """

    name: str
    figure: str
    period: str
    billing_value: int | float
    subscriptions: int | None = None
    customers: int | None = None
    difference: int | float | None = None
    explained_by: tuple[str, ...] = ()
    verdict: str = "unexplained"
    observed_on: date | None = None
    explained_subscriptions: int = 0
    origin: str = ""
    # Of a money figure (mrr, arpu): the currency compared. For those, `subscriptions` is
    # our MRR (mrr) or ARPU per subscription (arpu), `customers` our MRR or ARPA, all in
    # currency units rounded to cents.
    currency: str | None = None
    # How the explaining statuses were treated: "left_out" (paying statuses the billing
    # system did not count), "counted" (not-active ones it did), "both"; "" unexplained.
    explained_how: str = ""


@dataclass(frozen=True)
class RenewalCustomer:
    """A customer whose active subscriptions renew on different dates (renewals.py):
    invoices a year now (the sum of the subscriptions' renewals a year) and if aligned to
    one date per currency (the largest of them per currency)."""

    customer_id: str
    name: str | None
    subscriptions: int
    renewal_dates: int
    next_renewals: tuple[date, ...]
    invoices_per_year_now: float
    invoices_per_year_aligned: float


@dataclass(frozen=True)
class Renewals:
    """Renewal dates (DOMAIN.md, "Renewal dates") of the customers holding two or more
    active subscriptions. `available`: the export has renewal dates (else
    `needed_column` names the column that would be needed). The invoice counts leave out
    the `customers_left_out`, whose subscriptions lack a renewal date or a readable
    interval; `customers` lists those with several renewal dates, most to gain first."""

    available: bool
    needed_column: str | None
    customers_with_several_subscriptions: int
    customers_with_several_renewal_dates: int
    invoices_per_year_now: float
    invoices_per_year_aligned: float
    customers_left_out: int = 0
    subscriptions_without_renewal_date: int = 0
    subscriptions_without_interval: int = 0
    customers: tuple[RenewalCustomer, ...] = ()


@dataclass(frozen=True)
class BillingReport:
    """What was read of the billing system's report export (--billing-report): its rows,
    the figures they gave, the period column, the columns compared and those no figure
    is known for, and the lines of total rows, which are skipped."""

    file: str
    rows_read: int
    figures: int
    period_column: str
    columns_compared: tuple[str, ...] = ()
    columns_not_compared: tuple[str, ...] = ()
    total_lines_skipped: tuple[int, ...] = ()


@dataclass(frozen=True)
class MrrMovements:
    """MRR movements of one month against the month before (DOMAIN.md, "Revenue"):
    MRR(M) - MRR(M-1) = new + reactivation + expansion - contraction - churn."""

    new: float
    reactivation: float
    expansion: float
    contraction: float
    churn: float

    @property
    def net_new(self) -> float:
        return self.new + self.reactivation + self.expansion - self.contraction - self.churn


@dataclass(frozen=True)
class ReportFile:
    """One report download (Zoho's MRR Details, MRR or Churned Subscriptions report) and
    its row accounting: rows_read = rows_accepted + rows_rejected + duplicate_rows_removed.
    `used` is False for a second report of a month already counted from another file."""

    file: str
    report: str  # the report kind (reconcile/sources/reports/*.toml)
    title: str | None  # the report's name as its title row gives it
    period_start: date | None
    period_end: date | None
    month: str | None  # YYYY-MM, for a report of one month
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    duplicate_rows_removed: int = 0
    blank_lines_skipped: int = 0
    used: bool = True


@dataclass(frozen=True)
class ReportMonth:
    """One month of the history built from the MRR Details reports themselves.

    subscriptions: the report's rows (what Zoho counts); customers: its distinct customer
    IDs; mrr: the sum of its `mrr`. ARPU as Zoho shows it = mrr / subscriptions; ARPA =
    mrr / customers. The movements (None for the first month and after a missing month)
    compare each customer's (or each subscription's, as Zoho counts) MRR with the month
    before."""

    period: str  # YYYY-MM
    file: str
    subscriptions: int
    customers: int
    mrr: float
    arpa: float | None
    arpu: float | None
    backdated: int  # rows created after the month (backdated into it), counted
    credit_rows: int  # rows with negative MRR
    customers_new: int | None = None
    customers_reactivated: int | None = None
    customers_churned: int | None = None
    customer_movements: MrrMovements | None = None
    subscription_movements: MrrMovements | None = None


@dataclass(frozen=True)
class MrrFigure:
    """One of the billing system's MRR figures for a month, beside the same figure from
    the MRR Details reports, per subscription (as the billing system counts) and per
    customer (reconcile)."""

    figure: str  # new, reactivation, expansion, contraction, churn, net_new, previous, mrr
    billing_system: float | None
    subscriptions: float | None
    customers: float | None


@dataclass(frozen=True)
class BillingMrrMonth:
    """The billing system's MRR report for one month against the MRR Details reports.

    `mrr_difference` = the billing system's MRR - the sum of the month's report rows;
    `explained_by` names the rows that make it up exactly ("credit_rows": negative MRR,
    "backdated_rows": created after the month, or both), listed in `explaining_rows`.
    `new_from_active_customers`: the part of the new subscriptions' MRR that came from
    customers already active the month before (expansion, not new business);
    `churn_of_staying_customers`: the part of the cancelled subscriptions' MRR whose
    customers stayed active (contraction, not churn)."""

    period: str
    file: str
    figures: tuple[MrrFigure, ...]
    mrr_difference: float | None = None
    explained_by: str | None = None
    explaining_rows: tuple[SubscriptionRef, ...] = ()
    new_from_active_customers: float | None = None
    churn_of_staying_customers: float | None = None


@dataclass(frozen=True)
class CancellationMonth:
    """A Churned Subscriptions report's month. `customer_stayed`: cancellations whose
    customer still held another subscription in that month's MRR Details report (those
    customers did not churn); `customers_left`: customers with no subscription left.
    Both None without the month's MRR Details report. `reasons_given`: cancellations with
    a reason typed in (the reasons themselves are never shown; None with --redact)."""

    period: str
    file: str
    cancelled: int
    customers: int
    amount: float | None
    customer_stayed: int | None = None
    customers_left: int | None = None
    left: tuple[CustomerRef, ...] = ()
    reasons_given: int | None = None


@dataclass(frozen=True)
class ExportCheckMonth:
    """A Subscriptions export against one month's MRR Details report: subscriptions the
    export has active at the month's end and the report lists, or only one of them."""

    period: str
    in_both: int
    only_in_report: int
    only_in_export: int
    only_in_report_examples: tuple[str, ...] = ()
    only_in_export_examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class DuplicateMonth:
    """Two or more MRR Details reports of one month: counted from the first file only."""

    period: str
    files: tuple[str, ...]
    used: str
    identical: bool


@dataclass(frozen=True)
class ReportDownloads:
    """What the billing system's own report downloads say (Zoho Billing's MRR Details,
    MRR and Churned Subscriptions reports). MRR is in the organisation's currency: the
    reports name none."""

    organisation: str | None
    files: tuple[ReportFile, ...]
    months: tuple[ReportMonth, ...] = ()
    missing_months: tuple[str, ...] = ()
    duplicate_months: tuple[DuplicateMonth, ...] = ()
    billing_mrr: tuple[BillingMrrMonth, ...] = ()
    cancellations: tuple[CancellationMonth, ...] = ()
    export_check: tuple[ExportCheckMonth, ...] = ()
    export_file: str | None = None  # the Subscriptions export checked against the reports


@dataclass(frozen=True)
class Result:
    as_of: date
    inputs: Inputs
    totals: Totals
    by_product: tuple[ProductCount, ...]
    by_plan: tuple[PlanCount, ...]
    subscriptions_per_customer: tuple[HoldingCount, ...]
    product_overlap: tuple[ProductOverlap, ...]
    timeline: tuple[Month, ...]
    bridge: tuple[BridgeStep, ...]
    # The second walk, from the customers export; empty without one.
    customer_bridge: tuple[BridgeStep, ...]
    probable_duplicate_groups: tuple[DuplicateGroup, ...]
    rejections: tuple[Rejection, ...]
    findings: tuple[Finding, ...]
    quality: Quality
    # Row errors of accepted rows: values that no figure uses and that could not be read
    # (the row is kept, the value left empty). Same shape as `rejections`.
    warnings: tuple[Rejection, ...] = ()
    # The billing system's own figures beside ours, in the order given; empty without any.
    billing_figures: tuple[BillingFigure, ...] = ()
    # The report export the figures came from (--billing-report); None without one.
    billing_report: BillingReport | None = None
    # Renewal dates of the customers with several active subscriptions.
    renewals: Renewals | None = None
    # Per currency, by code: MRR, ARPA and Zoho's ARPU of the active subscriptions.
    revenue: tuple[Revenue, ...] = ()
    settings: Settings = field(default_factory=Settings)
    # Files with more than 5% of their rows rejected: said above the answer.
    caveats: tuple[RejectedRowsCaveat, ...] = ()
    # The billing system's report downloads given as input (None without any).
    report_downloads: ReportDownloads | None = None
    # The billing system of the subscriptions export, and whether (and under which names)
    # its own reports count subscriptions as customers.
    billing_system: BillingSystem | None = None
    schema_version: int = SCHEMA_VERSION

    @property
    def customers_with_several(self) -> int:
        """Active customers holding more than one active subscription (derived, so not
        in the JSON)."""
        return customers_with_several(self.subscriptions_per_customer)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: dates as ISO strings, tuples as lists."""
        return _plain(self)


def customers_with_several(holdings: tuple[HoldingCount, ...]) -> int:
    """Of the holdings, the customers holding more than one active subscription."""
    return sum(holding.customers for holding in holdings if holding.subscriptions > 1)


# Values JSON takes as they are, matched by exact type: the fast path for the bulk of the
# tree. Anything else (a subclass, say) takes the general path at the end of _plain.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """`value` as JSON-ready data, walking the tree once.

    dataclasses.asdict deep-copies every value, and a second walk was still needed for the
    dates; on a report listing tens of thousands of rows that cost more than the JSON
    encoding itself.
    """
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is tuple or kind is list:
        return [_plain(item) for item in value]
    if is_dataclass(kind):
        return {name: _plain(getattr(value, name)) for name in _field_names(kind)}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    """The field names of a dataclass, in declaration order (the JSON's key order)."""
    return tuple(field.name for field in fields(kind))
