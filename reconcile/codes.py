"""The stable codes of reconcile, as enums: severities, bridge steps, row errors and the
details of listed subscriptions.

Scripts, the JSON output and translations key on these values: never rename one. Each
enum is a StrEnum, so a member equals its string ("error" == Severity.ERROR), prints as
it, and lands in JSON as it; templates get the enums as globals.

This module imports no polars (rendering, the CLI's usage errors and the email need it
without loading the engine). The English texts here are gettext msgids, marked with `N_`
for extraction (reconcile/locale/babel.cfg) and translated where they are shown.
"""

from __future__ import annotations

from enum import StrEnum


def N_(message: str) -> str:  # the conventional name of the gettext marker
    """Marks `message` as a msgid; it is translated where shown, not here."""
    return message


class Severity(StrEnum):
    """How much a finding matters. The members are in rising order: `rank` compares them
    (info < warning < error) for --fail-on and for what the email shows first."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = tuple(Severity)


class Step(StrEnum):
    """A step of the two bridges (DOMAIN.md, "The bridge"), with its English label."""

    label: str

    def __new__(cls, value: str, label: str) -> Step:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    # The subscriptions bridge: rows read -> active subscriptions -> active customers.
    ROWS_READ = "rows_read", N_("Rows in the subscriptions export")
    REJECTED = "rejected", N_("Rows rejected")
    DUPLICATES_REMOVED = "duplicates_removed", N_("Exact duplicate rows removed")
    ROWS_ACCEPTED = "rows_accepted", N_("Subscriptions accepted")
    # The four below are named after the states of reconciliation.classify.
    NOT_YET_PAYING = "not_yet_paying", N_("Not yet paying (trial or future)")
    PAUSED = "paused", N_("Paused")
    UNPAID = "unpaid", N_("Unpaid: payment failed, not renewed")
    ENDED = "ended", N_("Ended, or not started, on the as-of date")
    # Neutral (a generic export); rendering names the billing system's figure where its
    # reports count subscriptions, and says no more where they count customers.
    SUBSCRIPTIONS_ACTIVE = (
        "subscriptions_active",
        N_("Active subscriptions (what a report that counts subscriptions shows as customers)"),
    )
    EXTRA_SUBSCRIPTIONS = (
        "extra_subscriptions",
        N_("Extra subscriptions of customers holding more than one"),
    )
    CUSTOMERS_ACTIVE = "customers_active", N_("Active customers")
    PROBABLE_DUPLICATES = (
        "probable_duplicates",
        N_("Probable duplicate customers (same email, different ID)"),
    )
    CUSTOMERS_ACTIVE_IF_MERGED = (
        "customers_active_if_merged",
        N_("Active customers if probable duplicates were merged"),
    )
    # The customers bridge: customer rows -> customers in the export -> active customers.
    CUSTOMER_ROWS_READ = "customer_rows_read", N_("Rows in the customers export")
    CUSTOMER_ROWS_REJECTED = "customer_rows_rejected", N_("Rows rejected")
    CUSTOMER_DUPLICATES_REMOVED = "customer_duplicates_removed", N_("Exact duplicate rows removed")
    # Stripe's guest customers: accepted rows without a customer ID (no customer).
    CUSTOMER_GUESTS = (
        "customer_guests",
        N_("Guest customers without an ID (they hold no subscription)"),
    )
    CUSTOMERS_IN_EXPORT = "customers_in_export", N_("Customers in the export")
    CUSTOMERS_WITHOUT_ACTIVE_SUBSCRIPTION = (
        "customers_without_active_subscription",
        N_("Customers without an active subscription"),
    )
    CUSTOMERS_ONLY_IN_SUBSCRIPTIONS = (
        "customers_only_in_subscriptions",
        N_("Active customers found only in the subscriptions export"),
    )

    @classmethod
    def of(cls, code: str) -> Step | None:
        """The member of `code`; None for a code this version does not know."""
        return next((member for member in cls if member.value == code), None)


# The label of Step.SUBSCRIPTIONS_ACTIVE for a billing system whose reports count
# subscriptions as customers (filled with its name and its figure's name), and for one
# whose reports count customers.
ACTIVE_SUBSCRIPTIONS_NAMED = N_('Active subscriptions (what %(system)s calls "%(figure)s")')
ACTIVE_SUBSCRIPTIONS_PLAIN = N_("Active subscriptions")


class RowError(StrEnum):
    """A row error's code (frictionless' error classes): whether it rejects its row, and
    its reason, which fills the {reason} of the "rows_rejected" and "unreadable_values"
    findings and the rejected-rows tables of languages other than English.

    A code that does not reject is about a value no figure uses: the row is kept and
    counted, the value left empty, and the error listed as a warning (on a row rejected
    for another fault it is listed with that row's rejection). The members' order is the
    order rejections are listed in.
    """

    rejects: bool
    reason: str

    def __new__(cls, value: str, rejects: bool, reason: str) -> RowError:
        member = str.__new__(cls, value)
        member._value_ = value
        member.rejects = rejects
        member.reason = reason
        return member

    MISSING_ID = "missing_id", True, N_("the subscription or customer ID is missing")
    DAMAGED_ID = "id_in_scientific_notation", True, N_("an ID is in scientific notation")
    # A long numeric ID a spreadsheet held as a number and rounded to 15 significant digits:
    # different IDs may have become one, so the row cannot be matched (checked.py).
    ROUNDED_ID = (
        "id_rounded_by_spreadsheet",
        True,
        N_("an ID was rounded by a spreadsheet to 15 digits"),
    )
    INVALID_DATE = "invalid_date", True, N_("a date is invalid")
    MISSING_START = "missing_start", True, N_("the start date is missing")
    UNKNOWN_STATUS = (
        "unknown_status",
        True,
        N_("the status is not one the billing system uses"),
    )
    INVALID_AMOUNT = "invalid_amount", False, N_("an amount cannot be read as a number")
    # An amount that writes another currency than the row's currency column (`49.00 USD` on
    # a EUR row), and a negative amount (a credit): neither is a recurring amount to sum.
    AMOUNT_CURRENCY_DIFFERS = (
        "amount_currency_differs",
        False,
        N_("an amount is written in another currency than the row's"),
    )
    NEGATIVE_AMOUNT = "negative_amount", False, N_("an amount is negative")
    # "1.190" in a file that says nowhere whether its dots group thousands: 1190 or 1.19.
    AMOUNT_READ_TWO_WAYS = (
        "amount_read_two_ways",
        False,
        N_("an amount reads as a thousand or more, or as a decimal"),
    )
    # A billing interval (unit or count) or a quantity that cannot be read: no count uses
    # them, but the subscription has no MRR (DOMAIN.md: counted, not guessed).
    INVALID_INTERVAL = (
        "invalid_interval",
        False,
        N_("a billing interval cannot be read"),
    )
    INVALID_QUANTITY = "invalid_quantity", False, N_("a quantity cannot be read")
    INVALID_BOOLEAN = "invalid_boolean", True, N_("a yes/no value cannot be read")
    CONFLICTING_DUPLICATE = (
        "conflicting_duplicate",
        True,
        N_("the subscription or customer ID repeats an earlier row with other content"),
    )
    # Reading's own warnings: a byte that was not UTF-8 in a UTF-8 file (the cell shows
    # U+FFFD), and an invisible character removed from an ID (zero-width space, BOM, ...).
    INVALID_BYTE = "invalid_byte", False, N_("a value holds bytes that are not UTF-8")
    INVISIBLE_CHARACTER = (
        "invisible_character",
        False,
        N_("an ID held an invisible character, which was removed"),
    )
    EXTRA_FIELDS = "extra_fields", True, N_("the row has more fields than the header")
    # A product or plan from its second column (a product ID where the name is empty):
    # the row is kept, but the value may name the same product differently.
    OTHER_COLUMN = (
        "value_from_other_column",
        False,
        N_("a product or plan is named from another column"),
    )

    @classmethod
    def of(cls, code: str) -> RowError | None:
        """The member of `code`; None for a code this version does not know."""
        return next((member for member in cls if member.value == code), None)


# Said after a row error's message when no single date format fits its column: advice to
# whoever runs reconcile, kept in the JSON, `validate` and --errors-csv, taken out of the
# reports, the workbook and the email (which are mailed: no command-line text) and said on
# stderr instead.
DATE_FORMAT_ADVICE = "; give the format with --date-format"


class Detail(StrEnum):
    """Why a subscription is listed (a contradiction, or no start date), with the text
    shown beside its status."""

    text: str

    def __new__(cls, value: str, text: str) -> Detail:
        member = str.__new__(cls, value)
        member._value_ = value
        member.text = text
        return member

    LIVE_AFTER_END = "live_after_end", N_("end date has passed")
    END_BEFORE_START = "end_before_start", N_("ends before its start")
    NO_START_DATE = "no_start_date", N_("no start date")
    # Rows behind a difference from the billing system's MRR report (report_history).
    CREDIT = "credit", N_("credit (negative MRR)")
    BACKDATED = "backdated", N_("created after the month")

    @classmethod
    def of(cls, code: str | None) -> Detail | None:
        """The member of `code`; None for a code this version does not know."""
        return next((member for member in cls if member.value == code), None)
