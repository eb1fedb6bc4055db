"""The canonical frames every stage agrees on.

Reading maps a file's own headers onto canonical names (all values still text);
validation types them and keeps the accepted rows; reconciliation reads only these
columns. Every canonical column is always present, null where a source lacks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from reconcile.billing_system import BillingSystem
from reconcile.problems import ROW_ERROR_SCHEMA

SUBSCRIPTIONS = "subscriptions"
CUSTOMERS = "customers"

# Status classes of DOMAIN.md ("The life of a subscription").
PAYING = "paying"
NOT_YET_PAYING = "not_yet_paying"
PAUSED = "paused"
# Payment failed and the subscription will not renew (Zoho, Stripe): active until the end
# of its last paid period (`period_end`), then counted as unpaid, not as ended.
UNPAID = "unpaid"
ENDED = "ended"
STATUS_CLASSES = (PAYING, NOT_YET_PAYING, PAUSED, UNPAID, ENDED)

# The figures a billing system's own reports show, by kind (DOMAIN.md, "The billing
# system's own figures"); each source names them per language in its `[figures]` table.
FIGURE_ACTIVE = "active"  # active subscriptions on a day
FIGURE_NET = "net"  # their change over a period
FIGURE_ACTIVATIONS = "activations"  # became active in the period
FIGURE_CANCELLATIONS = "cancellations"  # stopped being active in the period
FIGURE_MRR = "mrr"  # the active subscriptions' MRR on a day, in one currency
FIGURE_ARPU = "arpu"  # MRR divided by the active subscriptions with MRR
FIGURE_KINDS = (
    FIGURE_ACTIVE,
    FIGURE_NET,
    FIGURE_ACTIVATIONS,
    FIGURE_CANCELLATIONS,
    FIGURE_MRR,
    FIGURE_ARPU,
)
# The figures the report names in a system's own words where its reports count
# subscriptions as customers (DOMAIN.md, "What the billing system's own report calls it").
NAMED_FIGURES = (FIGURE_ACTIVE, FIGURE_NET, FIGURE_ARPU)

# `line` is the physical line (1-based) on which the record starts in the file.
SUBSCRIPTION_COLUMNS: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "subscription_id": pl.String(),
    "customer_id": pl.String(),
    "customer_name": pl.String(),
    "customer_email": pl.String(),
    "product": pl.String(),
    "plan": pl.String(),
    "status": pl.String(),  # normalised: lower case, '-' and blanks as '_'
    "status_class": pl.String(),  # one of STATUS_CLASSES; null without a status column
    # The row says that it ended without ever paying: a status of the source's
    # `never_paid`, or an ended status without the activation date of a file that has that
    # column (`never_paid_without`). Never active, whatever its dates say.
    "never_paid": pl.Boolean(),
    "start": pl.Date(),
    "end": pl.Date(),  # DOMAIN.md's end: cancellation / ended / pause date as it applies
    "pause_date": pl.Date(),
    # When the trial ended or ends: a later trial end is the day the subscription began
    # to pay, its `start` for every figure (reconciliation.classify).
    "trial_end": pl.Date(),
    # The end of the current paid period (Zoho Next Billing On, Stripe Current Period
    # End): an unpaid subscription's end.
    "period_end": pl.Date(),
    "amount": pl.Float64(),
    # An amount that already is MRR (Chargebee `mrr`, a generic `mrr` / `monthly_amount`
    # column): taken as the subscription's MRR where it has no `amount`, never divided by
    # the interval nor multiplied by a quantity. The source file says which column is
    # which, as data.
    "monthly_amount": pl.Float64(),
    "currency": pl.String(),
    "interval": pl.String(),  # the billing interval's unit as exported (month, years, ...)
    # Revenue only (revenue.py reads both as text): how many units one billing interval
    # holds, and the multiplier of a per-unit amount (mapped only where the export's
    # amount is per unit, as Stripe's and Recurly's are).
    "interval_count": pl.String(),
    "quantity": pl.String(),
}

# Subscription columns validation computes rather than a source derives.
COMPUTED_SUBSCRIPTION_COLUMNS = ("line", "status_class", "never_paid")

CUSTOMER_COLUMNS: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "customer_id": pl.String(),
    "name": pl.String(),
    "company": pl.String(),
    "email": pl.String(),
    "status": pl.String(),
    "created": pl.Date(),
}


def empty_rejections() -> pl.DataFrame:
    return pl.DataFrame(schema=ROW_ERROR_SCHEMA)


@dataclass(frozen=True)
class LoadedTable:
    """One export after reading and validation.

    `frame` holds the accepted rows with the canonical columns above; `rejections` one row
    per row error of the rejected rows (problems.ROW_ERROR_SCHEMA); a rejected row may
    have several errors. `warnings` holds, in the same schema, the errors of accepted
    rows: a value no figure needs that could not be read (the row is kept, that value is
    null). rows_read == rows_accepted + rows_rejected + duplicate_rows_removed always.

    A customers export whose source reads an empty customer ID as a guest customer
    (Stripe) keeps those rows out of `frame`, which holds customers with an ID only: they
    are accepted rows all the same, their lines in `guest_lines`, counted in
    `rows_accepted`.
    """

    kind: str  # SUBSCRIPTIONS or CUSTOMERS
    file: str  # as the user named it
    source: str  # zoho, stripe, chargebee, recurly, generic, or a mapping file's name
    rows_read: int
    frame: pl.DataFrame
    rejections: pl.DataFrame
    rows_rejected: int
    duplicate_lines: tuple[int, ...]
    has_status: bool = True
    # False for a snapshot export: a status column but no start date column at all (a list
    # of current subscriptions pulled from an API). It answers the as-of question only.
    has_start: bool = True
    # (header, format name, two-digit year) of every date column with a value: how its
    # dates were read, for the report's inputs section.
    date_formats: tuple[tuple[str, str, bool], ...] = ()
    warnings: pl.DataFrame = field(default_factory=empty_rejections)
    # Records with no value at all (empty lines, ',,,'): not rows, so not in rows_read,
    # but counted so that a reader can reconcile rows_read with the file's line count.
    blank_lines_skipped: int = 0
    # Lines of the file's header line repeated inside it (exports pasted together): not
    # rows either; each starts a part with its own column order.
    repeated_header_lines: tuple[int, ...] = ()
    # Title lines above those repeated headers (a pasted export's own title): not rows.
    pasted_title_lines: tuple[int, ...] = ()
    # Parts of such a file whose header lacks a column reconcile reads (another part's
    # header names it): (the line of the part's header, those headers). Their rows are
    # read without those columns.
    parts_lacking: tuple[tuple[int, tuple[str, ...]], ...] = ()
    # Dates a later date undid on accepted rows (Zoho's Cancelled On before a Reactivation
    # Date): (the undone column's header, the undoing column's header, the rows' lines).
    undone_dates: tuple[tuple[str, str, tuple[int, ...]], ...] = ()
    # An .xlsx workbook whose first sheet holds no export: (that sheet, the sheet read).
    later_sheet: tuple[str, str] | None = None
    # Every record was one quoted field holding a CSV line: the lines it holds were read.
    unwrapped: bool = False
    # The billing system the source file describes (its name, and whether its reports
    # count subscriptions as customers); None for tables built without a source file.
    billing_system: BillingSystem | None = None
    # Lines of the accepted rows that are guest customers without an ID (customers
    # export of a source with `empty_id = "guest"`): not in `frame`.
    guest_lines: tuple[int, ...] = ()

    @property
    def rows_accepted(self) -> int:
        return self.frame.height + len(self.guest_lines)

    @property
    def duplicate_rows_removed(self) -> int:
        return len(self.duplicate_lines)
