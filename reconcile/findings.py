"""The words of the report's findings, as data (bridge steps, row errors and details
have theirs in reconcile.codes).

Every English string here is a gettext msgid: rendering extracts them into the German
catalog and fills the translated text with the same named params. Keep them plain
literal strings; never build them with f-strings or concatenation.

A finding's message is a few `Sentence`s. A sentence that states a count has an English
singular and plural (a msgid and msgid_plural), and the param named by its `counted`
picks one, the way gettext's ngettext does, so that "1 row was" and "2 rows were" both
read right in every language. A sentence with a `when` is said only when its params call
for it: a message never states a part whose count is zero ("... and 0 end before their
start"). `message` puts a finding's sentences together, in English for the engine's
`Finding.message` and through a catalog for rendering: both make the same choices.

`findings_from` turns the figures of one run into `result.Finding`s, most important
first (the order of FINDINGS), each only when its count is above zero, except the
headline `subscriptions_counted_as_customers`, which is always stated.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reconcile.billing_system import (
    COUNTING_UNKNOWN,
    COUNTS_CUSTOMERS,
    COUNTS_SUBSCRIPTIONS,
    BillingSystem,
)
from reconcile.codes import RowError, Severity
from reconcile.result import Finding

ERROR = Severity.ERROR
WARNING = Severity.WARNING
INFO = Severity.INFO

Params = Mapping[str, Any]


@dataclass(frozen=True)
class Sentence:
    """One sentence of a finding's message. `plural` is None for a sentence without a
    count; `counted` names the param whose value picks singular or plural; `when`, given
    a finding's params, says whether the sentence is said (always, without one)."""

    singular: str
    plural: str | None = None
    counted: str = "count"
    when: Callable[[Params], bool] | None = None
    # Advice to the person who runs reconcile ("export the file again"): said in the
    # report, left out of the email body, whose reader did not export the files.
    advice: bool = False

    def applies(self, params: Params) -> bool:
        return self.when is None or bool(self.when(params))

    def text(self, params: Params, translation: gettext.NullTranslations) -> str:
        """The sentence in the catalog's language, its placeholders not yet filled."""
        if self.plural is None:
            return translation.gettext(self.singular)
        return translation.ngettext(self.singular, self.plural, params[self.counted])


@dataclass(frozen=True)
class FindingTemplate:
    severity: Severity
    sentences: tuple[Sentence, ...]


def _only_live_after_end(params: Params) -> bool:
    return params["live_after_end"] > 0 and params["end_before_start"] == 0


def _only_end_before_start(params: Params) -> bool:
    return params["end_before_start"] > 0 and params["live_after_end"] == 0


def _both_contradictions(params: Params) -> bool:
    # Also the fallback should neither kind be counted: the total is then still stated.
    return not (_only_live_after_end(params) or _only_end_before_start(params))


def _merging_changes_the_count(params: Params) -> bool:
    return params["customers_active_if_merged"] != params["customers_active"]


# The row errors of IDs a spreadsheet damaged: their own, louder finding.
DAMAGED_ID_CODES = frozenset({RowError.DAMAGED_ID, RowError.ROUNDED_ID})

# The row errors of values that only revenue reads: such a row counts, without MRR.
# Amounts that were read but are not summed: a credit, an amount in another currency.
AMOUNTS_NOT_SUMMED = frozenset({RowError.NEGATIVE_AMOUNT, RowError.AMOUNT_CURRENCY_DIFFERS})
REVENUE_VALUE_CODES = frozenset(
    {RowError.INVALID_AMOUNT, RowError.INVALID_INTERVAL, RowError.INVALID_QUANTITY}
    | AMOUNTS_NOT_SUMMED
)

# code -> severity and sentences. Insertion order is the report's order.
FINDINGS: dict[str, FindingTemplate] = {
    "ids_damaged_by_spreadsheet": FindingTemplate(
        ERROR,
        (
            Sentence(
                "{count} row of {file} has an ID in scientific notation ({example}): a "
                "spreadsheet has damaged the file and this row cannot be matched.",
                "{count} rows of {file} have an ID in scientific notation (for example "
                "{example}): a spreadsheet has damaged the file and these rows cannot be "
                "matched.",
                when=lambda params: params.get("code") != RowError.ROUNDED_ID,
            ),
            Sentence(
                "{count} row of {file} has an ID that a spreadsheet rounded to 15 "
                "significant digits ({example}): different IDs may have become one, and "
                "this row cannot be matched.",
                "{count} rows of {file} have IDs that a spreadsheet rounded to 15 "
                "significant digits (for example {example}): different IDs may have become "
                "one, and these rows cannot be matched.",
                when=lambda params: params.get("code") == RowError.ROUNDED_ID,
            ),
            Sentence(
                "Export the file again and do not open and save it in a spreadsheet before "
                "running reconcile.",
                advice=True,
                when=lambda params: params.get("code") != RowError.ROUNDED_ID,
            ),
            Sentence(
                "Export the file again and do not open and save it in a spreadsheet before "
                "running reconcile, or import the CSV into the spreadsheet with its ID "
                "columns as text.",
                advice=True,
                when=lambda params: params.get("code") == RowError.ROUNDED_ID,
            ),
        ),
    ),
    "subscriptions_counted_as_customers": FindingTemplate(
        INFO,
        (
            # Only a billing system whose reports count subscriptions is named (DOMAIN.md,
            # "What the billing system's own report calls it"), in its own words.
            Sentence(
                '{system}\'s "{figure}" figure is {subscriptions_active}: it counts active '
                "subscriptions.",
                when=lambda params: params.get("counting") == COUNTS_SUBSCRIPTIONS,
            ),
            Sentence(
                "A report that counts subscriptions would show {subscriptions_active} active "
                "customer.",
                "A report that counts subscriptions would show {subscriptions_active} active "
                "customers.",
                counted="subscriptions_active",
                when=lambda params: params.get("counting", COUNTING_UNKNOWN) == COUNTING_UNKNOWN,
            ),
            Sentence(
                "{subscriptions_active} subscription is active.",
                "{subscriptions_active} subscriptions are active.",
                counted="subscriptions_active",
                when=lambda params: params.get("counting") == COUNTS_CUSTOMERS,
            ),
            Sentence(
                "There is {customers_active} active customer.",
                "There are {customers_active} active customers.",
                counted="customers_active",
            ),
        ),
    ),
    "customers_with_several_subscriptions": FindingTemplate(
        INFO,
        (
            Sentence(
                "{customers} active customer holds more than one active subscription.",
                "{customers} active customers hold more than one active subscription.",
                counted="customers",
            ),
            Sentence(
                "The extra subscription is why the subscription count is higher than the "
                "customer count.",
                "The {extra_subscriptions} extra subscriptions are why the subscription count "
                "is higher than the customer count.",
                counted="extra_subscriptions",
            ),
        ),
    ),
    "probable_duplicate_customers": FindingTemplate(
        WARNING,
        (
            Sentence(
                # One group: its IDs (always two or more) share one address.
                "{customer_ids} different customer IDs share an email address.",
                "{count} groups of different customer IDs share an email address "
                "({customer_ids} customer IDs in all).",
            ),
            Sentence(
                "If they were merged there would be {customers_active_if_merged} active "
                "customer instead of {customers_active}.",
                "If they were merged there would be {customers_active_if_merged} active "
                "customers instead of {customers_active}.",
                counted="customers_active_if_merged",
                when=_merging_changes_the_count,
            ),
            Sentence(
                # At most one ID of each group is active (an old record beside a new one).
                "Merging them would not change the number of active customers.",
                when=lambda params: not _merging_changes_the_count(params),
            ),
        ),
    ),
    # An error: a rejected row is missing from every figure (--fail-on error exits 1).
    "rows_rejected": FindingTemplate(
        ERROR,
        (
            Sentence(
                "{count} row of {file} was rejected: {reason}.",
                "{count} rows of {file} were rejected: {reason}.",
            ),
            Sentence(
                "The report lists it with its line, column and value.",
                "The report lists each with its line, column and value.",
            ),
        ),
    ),
    "unreadable_values": FindingTemplate(
        WARNING,
        (
            Sentence(
                "{count} row of {file} has a value that could not be read: {reason}.",
                "{count} rows of {file} have a value that could not be read: {reason}.",
                when=lambda params: params.get("code") not in AMOUNTS_NOT_SUMMED,
            ),
            Sentence(
                "{count} row of {file} has an amount that is not added to MRR: {reason}.",
                "{count} rows of {file} have an amount that is not added to MRR: {reason}.",
                when=lambda params: params.get("code") in AMOUNTS_NOT_SUMMED,
            ),
            Sentence(
                "No figure uses it, so the row is kept and counted without it; the report "
                "lists it with its line, column and value.",
                "No figure uses these values, so the rows are kept and counted without them; "
                "the report lists each with its line, column and value.",
                when=lambda params: params.get("code") not in REVENUE_VALUE_CODES,
            ),
            # An amount, billing interval or quantity: no count uses it, but MRR does.
            Sentence(
                "No count uses it, so the row is kept and counted, but its subscription adds "
                "no MRR; the report lists it with its line, column and value.",
                "No count uses these values, so the rows are kept and counted, but their "
                "subscriptions add no MRR; the report lists each with its line, column and "
                "value.",
                when=lambda params: params.get("code") in REVENUE_VALUE_CODES,
            ),
        ),
    ),
    "amounts_read_two_ways": FindingTemplate(
        WARNING,
        (
            Sentence(
                "{count} amount in column '{column}' of {file} reads two ways: {example} is "
                "{thousands} if its dot groups thousands, or {decimal} if it is a decimal "
                "point, and nothing else in the file says which. Its subscription is counted, "
                "but adds no MRR.",
                "{count} amounts in column '{column}' of {file} read two ways: {example}, for "
                "example, is {thousands} if its dot groups thousands, or {decimal} if it is a "
                "decimal point, and nothing else in the file says which. Their subscriptions "
                "are counted, but add no MRR.",
            ),
            Sentence(
                "Export the amounts with their decimals (1.190,00 or 1190.00).",
                advice=True,
            ),
        ),
    ),
    "names_from_other_column": FindingTemplate(
        WARNING,
        (
            Sentence(
                "{count} row of {file} takes its product or plan from a second column "
                "({example}), since the first is empty there.",
                "{count} rows of {file} take their product or plan from a second column "
                "(for example {example}), since the first is empty there.",
            ),
            Sentence(
                "The same product or plan may appear under two names; the report lists the "
                "row with its line.",
                "The same product or plan may appear under two names; the report lists each "
                "row with its line.",
            ),
        ),
    ),
    "orphan_subscriptions": FindingTemplate(
        WARNING,
        (
            Sentence(
                "{count} subscription belongs to a customer ID that is not among the accepted"
                " rows of {customers_file}.",
                "{count} subscriptions belong to customer IDs that are not among the accepted"
                " rows of {customers_file}.",
            ),
            Sentence(
                "It still counts; the report lists it.",
                "They still count; the report lists them.",
            ),
        ),
    ),
    "leading_zeros_lost": FindingTemplate(
        WARNING,
        (
            Sentence(
                "{count} customer ID of {subscriptions_file} is one of {customers_file} but "
                "for its leading zeros ('{id}' and '{export_id}'): a spreadsheet probably "
                "dropped them when it saved one of the files.",
                "{count} customer IDs of {subscriptions_file} are ones of {customers_file} but "
                "for their leading zeros (the first: '{id}' and '{export_id}'): a spreadsheet "
                "probably dropped them when it saved one of the files.",
            ),
            Sentence(
                "They are not matched: export both files again without opening them in a "
                "spreadsheet.",
            ),
        ),
    ),
    # A subscription can be of both kinds, so `count` can be less than their sum: with
    # one kind only, one sentence says it all; with both, the total and then each kind.
    "contradictions": FindingTemplate(
        WARNING,
        (
            Sentence(
                "{count} subscription contradicts itself: it is live by status although its "
                "end date has passed (it is counted by its end date).",
                "{count} subscriptions contradict themselves: they are live by status although "
                "their end date has passed (they are counted by their end date).",
                when=_only_live_after_end,
            ),
            Sentence(
                "{count} subscription contradicts itself: it ends before its start (it "
                "is never active).",
                "{count} subscriptions contradict themselves: they end before their "
                "start (they are never active).",
                when=_only_end_before_start,
            ),
            Sentence(
                "{count} subscription contradicts itself.",
                "{count} subscriptions contradict themselves.",
                when=_both_contradictions,
            ),
            Sentence(
                "Of these, {live_after_end} is live by status although its end date has "
                "passed (it is counted by its end date).",
                "Of these, {live_after_end} are live by status although their end date has "
                "passed (they are counted by their end date).",
                counted="live_after_end",
                when=lambda params: _both_contradictions(params) and params["live_after_end"],
            ),
            Sentence(
                "{end_before_start} ends before its start (it is never active).",
                "{end_before_start} end before their start (they are never active).",
                counted="end_before_start",
                when=lambda params: _both_contradictions(params) and params["end_before_start"],
            ),
        ),
    ),
    "ended_without_end_date": FindingTemplate(
        WARNING,
        (
            Sentence(
                "{count} ended or paused subscription has no end date.",
                "{count} ended or paused subscriptions have no end date.",
            ),
            Sentence(
                "It cannot be placed in time: it is not counted as active and is left out of "
                "the history.",
                "They cannot be placed in time: they are not counted as active and are left "
                "out of the history.",
            ),
        ),
    ),
    "ended_without_start_date": FindingTemplate(
        WARNING,
        (
            Sentence(
                "{count} ended or paused subscription has an end date but no start date.",
                "{count} ended or paused subscriptions have an end date but no start date.",
            ),
            Sentence(
                "It cannot be placed in time: it is not counted as active and is left out of "
                "the history.",
                "They cannot be placed in time: they are not counted as active and are left "
                "out of the history.",
            ),
        ),
    ),
    "never_active": FindingTemplate(
        INFO,
        (
            Sentence(
                "{count} subscription ended without ever paying (its trial expired, or it "
                "was never created).",
                "{count} subscriptions ended without ever paying (their trial expired, or "
                "they were never created).",
            ),
            Sentence(
                "It counts as ended and is left out of the history.",
                "They count as ended and are left out of the history.",
            ),
        ),
    ),
    "mixed_currencies": FindingTemplate(
        WARNING,
        (
            # Said only for two currencies or more, so it has no singular.
            Sentence(
                "Active subscriptions are in {count} currencies ({currencies}); amounts in "
                "different currencies are never added up."
            ),
        ),
    ),
    # An assumption the MRR rests on, said where the revenue is shown too.
    "interval_count_assumed": FindingTemplate(
        INFO,
        (
            Sentence(
                "{file} gives each subscription's billing unit but not how many units one "
                "billing interval holds: the MRR of {count} active subscription takes its "
                "interval as one unit (one month, one year).",
                "{file} gives each subscription's billing unit but not how many units one "
                "billing interval holds: the MRR of {count} active subscriptions takes each "
                "interval as one unit (one month, one year).",
            ),
            Sentence("A price billed every 3 months would show three times its MRR."),
        ),
    ),
    "customers_without_subscriptions": FindingTemplate(
        INFO,
        (
            Sentence(
                "{count} customer of {customers_file} has no subscription at all.",
                "{count} customers of {customers_file} have no subscription at all.",
            ),
        ),
    ),
    "duplicate_rows_removed": FindingTemplate(
        INFO,
        (
            Sentence(
                "{count} row of {file} repeated an earlier row exactly and was removed.",
                "{count} rows of {file} repeated an earlier row exactly and were removed.",
            ),
        ),
    ),
    "repeated_header": FindingTemplate(
        INFO,
        (
            Sentence(
                "{file} repeats its header line {count} time (first on line {line}): it holds "
                "exports pasted together, read part by part, each with its own header.",
                "{file} repeats its header line {count} times (first on line {line}): it holds "
                "exports pasted together, read part by part, each with its own header.",
            ),
            Sentence(
                "The title line above a part (line {title_line}) is not a row.",
                "The {titles} title lines above its parts (the first on line {title_line}) "
                "are not rows.",
                counted="titles",
                when=lambda params: bool(params.get("titles")),
            ),
            Sentence(
                "The part whose header is on line {lacking_line} has no column "
                "{lacking_columns}, which another part's header names: its rows are read "
                "without it.",
                "{lacking} parts lack a column that another part's header names (the first, "
                "whose header is on line {lacking_line}, has no column {lacking_columns}): "
                "their rows are read without it.",
                counted="lacking",
                when=lambda params: bool(params.get("lacking")),
            ),
        ),
    ),
    "end_undone": FindingTemplate(
        INFO,
        (
            Sentence(
                "{count} subscription of {file} has a '{undone_by}' on or after its "
                "'{column}': that date is not its end, so it counts on from its start, the "
                "time between included (line {line}).",
                "{count} subscriptions of {file} have a '{undone_by}' on or after their "
                "'{column}': that date is not their end, so they count on from their start, "
                "the time between included (first on line {line}).",
            ),
        ),
    ),
    "export_on_later_sheet": FindingTemplate(
        INFO,
        (
            Sentence(
                "{file}: its first sheet '{first_sheet}' holds no export; the export was "
                "read from sheet '{sheet}'."
            ),
        ),
    ),
    "lines_in_one_cell": FindingTemplate(
        INFO,
        (
            Sentence(
                "{file} held each line in one quoted cell (a spreadsheet opened it as one "
                "column and saved it so): each was read as the CSV line it holds."
            ),
        ),
    ),
    "product_subscriptions_exceed_customers": FindingTemplate(
        INFO,
        (
            Sentence(
                'In product "{product}", {subscriptions_active} active subscriptions belong '
                "to {customers_active} active customer.",
                'In product "{product}", {subscriptions_active} active subscriptions belong '
                "to {customers_active} active customers.",
                counted="customers_active",
            ),
            Sentence(
                "That is {count} more subscription than customers.",
                "That is {count} more subscriptions than customers.",
            ),
        ),
    ),
    # The two findings below are not the engine's: rendering folds the engine's findings
    # into them for "What stands out" (reconcile/standout.py), where every row-level
    # problem of a file is one line and every subscription to check another.
    "rows_not_counted": FindingTemplate(
        WARNING,
        (
            Sentence(
                "{count} row of {file} could not be counted: {reasons}.",
                "{count} rows of {file} could not be counted: {reasons}.",
                when=lambda params: params["count"] > 0,
            ),
            Sentence(
                "Every row of {file} could be counted.",
                when=lambda params: params["count"] == 0,
            ),
            Sentence(
                "{duplicates} exact duplicate row was removed.",
                "{duplicates} exact duplicate rows were removed.",
                counted="duplicates",
                when=lambda params: params["duplicates"] > 0,
            ),
            Sentence(
                "{unreadable} value could not be read; its row is counted without it.",
                "{unreadable} values could not be read; their rows are counted without them.",
                counted="unreadable",
                when=lambda params: params["unreadable"] > 0,
            ),
            Sentence("See Data quality."),
        ),
    ),
    "subscriptions_to_check": FindingTemplate(
        WARNING,
        (
            Sentence(
                "{count} subscription needs a look: {reasons}.",
                "{count} subscriptions need a look: {reasons}.",
            ),
            Sentence("See Data quality."),
        ),
    ),
    # The billing system's report downloads (reconcile.report_history).
    "report_month_snapshot": FindingTemplate(
        INFO,
        (
            Sentence(
                "The figures on the as-of date come from {file}, Zoho Billing's MRR Details "
                "report of {month}: {count} row, a subscription that earned MRR in that month.",
                "The figures on the as-of date come from {file}, Zoho Billing's MRR Details "
                "report of {month}: {count} rows, each a subscription that earned MRR in that "
                "month.",
            ),
            Sentence(
                "The report has no status and no end dates, so each row counts as active "
                "until the month's end."
            ),
            Sentence(
                "The history comes from the {reports} monthly reports themselves.",
                when=lambda params: params["reports"] > 1,
            ),
        ),
    ),
    "backdated_subscriptions": FindingTemplate(
        INFO,
        (
            Sentence(
                "{count} subscription in {file} was created after {month} and backdated into "
                "it: it is counted in {month}, the month it earned MRR in.",
                "{count} subscriptions in {file} were created after {month} and backdated into "
                "it: they are counted in {month}, the month they earned MRR in.",
            ),
        ),
    ),
    "report_month_twice": FindingTemplate(
        WARNING,
        (
            Sentence(
                # Always two or more; the singular is there for a language that needs it.
                "{count} MRR Details report covers {month} ({files}): the month is counted "
                "from {used} only.",
                "{count} MRR Details reports cover {month} ({files}): the month is counted "
                "from {used} only, never from both.",
            ),
            Sentence("They hold the same rows.", when=lambda params: params["identical"]),
            Sentence(
                "They hold different rows: keep only the right one with the others.",
                when=lambda params: not params["identical"],
            ),
        ),
    ),
    "report_months_missing": FindingTemplate(
        WARNING,
        (
            Sentence(
                "{count} month between the first and the last MRR Details report has no "
                "report ({months}): it has no figures, and the movements into the month "
                "after it are not computed.",
                "{count} months between the first and the last MRR Details report have no "
                "report ({months}): they have no figures, and the movements into the month "
                "after each are not computed.",
            ),
        ),
    ),
    "billing_mrr_differs": FindingTemplate(
        INFO,
        (
            Sentence(
                "Zoho's MRR report gives {month} an MRR that differs by {difference} from the "
                "sum of that month's MRR Details report."
            ),
            Sentence(
                "The difference is exactly the MRR of {count} credit row (negative MRR), "
                "which Zoho's MRR report leaves out.",
                "The difference is exactly the MRR of {count} credit rows (negative MRR), "
                "which Zoho's MRR report leaves out.",
                when=lambda params: params["explained_by"] == "credit_rows",
            ),
            Sentence(
                "The difference is exactly the MRR of {count} subscription created after the "
                "month and backdated into it, which Zoho's MRR report did not hold yet.",
                "The difference is exactly the MRR of {count} subscriptions created after the "
                "month and backdated into it, which Zoho's MRR report did not hold yet.",
                when=lambda params: params["explained_by"] == "backdated_rows",
            ),
            Sentence(
                "The difference is exactly the MRR of {count} credit or backdated row, which "
                "Zoho's MRR report leaves out.",
                "The difference is exactly the MRR of {count} credit and backdated rows, which "
                "Zoho's MRR report leaves out.",
                when=lambda params: params["explained_by"] == "credit_and_backdated_rows",
            ),
            Sentence(
                "No set of credit or backdated rows makes up the difference.",
                when=lambda params: not params["explained_by"],
            ),
        ),
    ),
    "cancellations_not_churn": FindingTemplate(
        INFO,
        (
            Sentence(
                "Of the subscriptions cancelled in {month} ({cancelled} in all), {count} "
                "belonged to a customer who still held another subscription: that customer "
                "did not churn.",
                "Of the subscriptions cancelled in {month} ({cancelled} in all), {count} "
                "belonged to customers who still held another subscription: those customers "
                "did not churn.",
            ),
            Sentence(
                "{customers_left} customer really left.",
                "{customers_left} customers really left.",
                counted="customers_left",
                when=lambda params: params["customers_left"] > 0,
            ),
        ),
    ),
}

# The parts of the folded findings above: a count and what it counts, in the singular
# and the plural, by row-error code or by the code of the finding folded in.
COUNTED_REASONS: dict[str, Sentence] = {
    RowError.MISSING_ID: Sentence("{count} missing ID", "{count} missing IDs"),
    RowError.DAMAGED_ID: Sentence(
        "{count} ID in scientific notation", "{count} IDs in scientific notation"
    ),
    RowError.ROUNDED_ID: Sentence(
        "{count} ID rounded by a spreadsheet", "{count} IDs rounded by a spreadsheet"
    ),
    RowError.INVALID_DATE: Sentence("{count} invalid date", "{count} invalid dates"),
    RowError.MISSING_START: Sentence("{count} missing start date", "{count} missing start dates"),
    RowError.UNKNOWN_STATUS: Sentence("{count} unknown status", "{count} unknown statuses"),
    RowError.INVALID_AMOUNT: Sentence("{count} unreadable amount", "{count} unreadable amounts"),
    RowError.NEGATIVE_AMOUNT: Sentence("{count} negative amount", "{count} negative amounts"),
    RowError.AMOUNT_CURRENCY_DIFFERS: Sentence(
        "{count} amount in another currency", "{count} amounts in another currency"
    ),
    RowError.INVALID_INTERVAL: Sentence(
        "{count} unreadable billing interval", "{count} unreadable billing intervals"
    ),
    RowError.INVALID_QUANTITY: Sentence(
        "{count} unreadable quantity", "{count} unreadable quantities"
    ),
    RowError.INVALID_BOOLEAN: Sentence(
        "{count} unreadable yes/no value", "{count} unreadable yes/no values"
    ),
    RowError.CONFLICTING_DUPLICATE: Sentence(
        "{count} ID repeated with other content", "{count} IDs repeated with other content"
    ),
    "orphan_subscriptions": Sentence(
        "{count} without its customer in the customers export",
        "{count} without their customer in the customers export",
    ),
    "contradictions": Sentence("{count} contradicting itself", "{count} contradicting themselves"),
    "ended_without_end_date": Sentence(
        "{count} ended or paused without an end date",
        "{count} ended or paused without an end date",
    ),
    "ended_without_start_date": Sentence(
        "{count} ended or paused without a start date",
        "{count} ended or paused without a start date",
    ),
    # A code without words of its own (a row-error code added later, say).
    "": Sentence("{count} for another reason", "{count} for other reasons"),
}


def counted_reasons(
    by_reason: Mapping[str, int],
    translation: gettext.NullTranslations,
    number: Callable[[int], str] = str,
) -> str:
    """ "2 invalid dates, 1 missing ID": each count with its words, in `by_reason`'s
    order, in the language of `translation`, numbers formatted by `number`."""
    return ", ".join(
        COUNTED_REASONS.get(code, COUNTED_REASONS[""])
        .text({"count": count}, translation)
        .format(count=number(count))
        for code, count in by_reason.items()
    )


# How many products the "product_subscriptions_exceed_customers" finding names at most.
TOP_PRODUCTS = 3


@dataclass(frozen=True)
class Facts:
    """The figures of one run that findings speak about (all plain Python values)."""

    subscriptions_file: str
    customers_file: str | None
    subscriptions_active: int
    customers_active: int
    customers_with_several: int
    extra_subscriptions: int
    duplicate_groups: int
    duplicate_group_customer_ids: int
    customers_active_if_merged: int
    # (file, code, rows, first value) per rejection code of each file, in file order.
    rejections: tuple[tuple[str, str, int, str | None], ...]
    # The same for the warnings: values of accepted rows that could not be read.
    warnings: tuple[tuple[str, str, int, str | None], ...]
    # (file, rows removed) per export.
    duplicate_rows: tuple[tuple[str, int], ...]
    orphan_subscriptions: int
    live_after_end: int
    end_before_start: int
    contradicting_subscriptions: int
    ended_without_end_date: int
    ended_without_start_date: int
    # Ended without ever paying (DOMAIN.md, "The life of a subscription").
    never_active: int
    # The billing system of the subscriptions export (None: named nowhere).
    billing_system: BillingSystem | None
    currencies: Mapping[str, int]
    customers_without_subscriptions: int
    # (product, subscriptions_active, customers_active) for named products.
    products: tuple[tuple[str, int, int], ...]
    # (file, lines of its header repeated inside it, title lines above them, the parts
    # whose header lacks a column that is read: (their header's line, those headers)) per
    # export.
    repeated_headers: tuple[
        tuple[str, tuple[int, ...], tuple[int, ...], tuple[tuple[int, tuple[str, ...]], ...]],
        ...,
    ] = ()
    # (an orphan subscription's customer ID, a customer ID of the customers export with no
    # subscription) equal but for leading zeros: quality.leading_zero_pairs.
    leading_zero_pairs: tuple[tuple[str, str], ...] = ()
    # (file, its first sheet, the sheet read) per .xlsx export read from a later sheet.
    later_sheets: tuple[tuple[str, str, str], ...] = ()
    # (file, a date column's header, the header of the later date that undid it, the
    # lines of the rows where it did): Zoho's Cancelled On before a Reactivation Date.
    undone_dates: tuple[tuple[str, str, str, tuple[int, ...]], ...] = ()
    # Files whose every line was one quoted cell holding a CSV line (read unwrapped).
    unwrapped_files: tuple[str, ...] = ()
    # Active subscriptions with MRR whose interval counts as one unit: the export gives
    # the billing unit but no count (Stripe's dashboard export has no Interval Count).
    interval_count_assumed: int = 0
    # (file, column, rows, first value) per column whose amounts read two ways ("1.190").
    amounts_read_two_ways: tuple[tuple[str, str, int, str], ...] = ()


# The English of the source language needs no catalog: ngettext picks by n == 1.
_ENGLISH = gettext.NullTranslations()


def finding(code: str, count: int, /, **params: Any) -> Finding:
    """The finding `code`, its English message said from `params` (and `count`)."""
    params = {"count": count, **params}
    return Finding(code, FINDINGS[code].severity, message(code, params), count, params)


def message(
    code: str,
    params: Params,
    translation: gettext.NullTranslations = _ENGLISH,
    shown: Params | None = None,
    *,
    advice: bool = True,
) -> str:
    """The message of finding `code`: the sentences its `params` call for, each in the
    singular or plural its count picks, in the language of `translation` (English by
    default), filled with `shown` (the params formatted for a reader; else `params`).
    Without `advice`, the sentences of advice to the person running reconcile are left
    out."""
    filled = params if shown is None else shown
    return " ".join(
        sentence.text(params, translation).format(**filled)
        for sentence in FINDINGS[code].sentences
        if sentence.applies(params) and (advice or not sentence.advice)
    )


def advice(code: str, params: Params) -> str:
    """The English advice of finding `code` to the person who runs reconcile ("" when it
    gives none), for the terminal."""
    if code not in FINDINGS:
        return ""
    return " ".join(
        sentence.text(params, _ENGLISH).format(**params)
        for sentence in FINDINGS[code].sentences
        if sentence.advice and sentence.applies(params)
    )


def findings_from(facts: Facts) -> tuple[Finding, ...]:
    """Every finding the figures call for, in FINDINGS' order, counts above zero."""
    # Within one code, the rule's own order (file order, largest first).
    return tuple(item for code in FINDINGS if code in _RULES for item in _RULES[code](facts))


Rule = Callable[[Facts], list[Finding]]
# code -> the rule deciding when that finding fires and with which params, registered by
# @rule beside its function. FINDINGS holds the words and the order; a finding raised
# elsewhere (the report downloads: DOWNLOAD_FINDINGS) has no rule here.
_RULES: dict[str, Rule] = {}


def rule(code: str) -> Callable[[Rule], Rule]:
    """Registers the decorated function as the rule of finding `code`."""

    def register(function: Rule) -> Rule:
        if code not in FINDINGS:
            raise KeyError(f"rule for {code!r}, a finding that FINDINGS does not word")
        if code in _RULES:
            raise KeyError(f"two rules for the finding {code!r}")
        _RULES[code] = function
        return function

    return register


def has_rule(code: str) -> bool:
    return code in _RULES


# The findings that rendering folds the engine's findings into for "What stands out"
# (reconcile/standout.py): worded here, never raised by a rule.
FOLDED_FINDINGS = frozenset({"rows_not_counted", "subscriptions_to_check"})

# The findings of the billing system's report downloads (reconcile.report_history), raised
# only when such reports are among the inputs.
DOWNLOAD_FINDINGS = frozenset(
    {
        "report_month_snapshot",
        "backdated_subscriptions",
        "report_month_twice",
        "report_months_missing",
        "billing_mrr_differs",
        "cancellations_not_churn",
    }
)


def in_report_order(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Findings from several places (the engine, the report downloads) in FINDINGS'
    order; within one code, as given."""
    order = {code: index for index, code in enumerate(FINDINGS)}
    return tuple(sorted(findings, key=lambda item: order.get(item.code, len(order))))


@rule("ids_damaged_by_spreadsheet")
def _damaged_ids(facts: Facts) -> list[Finding]:
    return [
        finding("ids_damaged_by_spreadsheet", rows, file=file, example=example, code=code)
        for file, code, rows, example in facts.rejections
        if code in DAMAGED_ID_CODES and rows > 0
    ]


def _naming(system: BillingSystem | None) -> dict[str, Any]:
    """The params that name the billing system's figure: `counting` always; `system`,
    `figure` (English) and `figure_names` (language -> name) where its reports count
    subscriptions as customers."""
    if system is None:
        return {"counting": COUNTING_UNKNOWN}
    if system.counts_subscriptions_as_customers != COUNTS_SUBSCRIPTIONS:
        return {"counting": system.counts_subscriptions_as_customers}
    return {
        "counting": COUNTS_SUBSCRIPTIONS,
        "system": system.title,
        "figure": system.names_in("en")["active"],
        "figure_names": {lang: names["active"] for lang, names in system.figure_names.items()},
    }


@rule("subscriptions_counted_as_customers")
def _headline(facts: Facts) -> list[Finding]:
    # Always stated; its count is the gap between the two figures.
    return [
        finding(
            "subscriptions_counted_as_customers",
            facts.subscriptions_active - facts.customers_active,
            subscriptions_active=facts.subscriptions_active,
            customers_active=facts.customers_active,
            **_naming(facts.billing_system),
        )
    ]


@rule("customers_with_several_subscriptions")
def _several_subscriptions(facts: Facts) -> list[Finding]:
    if facts.customers_with_several == 0:
        return []
    return [
        finding(
            "customers_with_several_subscriptions",
            facts.customers_with_several,
            customers=facts.customers_with_several,
            extra_subscriptions=facts.extra_subscriptions,
        )
    ]


@rule("probable_duplicate_customers")
def _probable_duplicates(facts: Facts) -> list[Finding]:
    if facts.duplicate_groups == 0:
        return []
    return [
        finding(
            "probable_duplicate_customers",
            facts.duplicate_groups,
            customer_ids=facts.duplicate_group_customer_ids,
            customers_active=facts.customers_active,
            customers_active_if_merged=facts.customers_active_if_merged,
        )
    ]


@rule("rows_rejected")
def _rejected(facts: Facts) -> list[Finding]:
    # Damaged IDs have their own, louder finding above. An unreadable amount listed with a
    # rejected row is never why it was rejected: its other fault says that.
    return [
        finding(
            "rows_rejected",
            rows,
            file=file,
            code=code,
            reason=_reason(code),
        )
        for file, code, rows, _ in facts.rejections
        if code not in DAMAGED_ID_CODES and _rejects(code) and rows > 0
    ]


@rule("unreadable_values")
def _unreadable(facts: Facts) -> list[Finding]:
    return [
        finding(
            "unreadable_values",
            rows,
            file=file,
            code=code,
            reason=_reason(code),
        )
        for file, code, rows, _ in facts.warnings
        if rows > 0 and code not in (RowError.OTHER_COLUMN, RowError.AMOUNT_READ_TWO_WAYS)
    ]


@rule("amounts_read_two_ways")
def _amounts_read_two_ways(facts: Facts) -> list[Finding]:
    findings = []
    for file, column, rows, example in facts.amounts_read_two_ways:
        digits = "".join(c for c in example if c.isdigit() or c == ".")
        findings.append(
            finding(
                "amounts_read_two_ways",
                rows,
                file=file,
                column=column,
                example=example,
                thousands=int(digits.replace(".", "")),
                decimal=float(digits),
            )
        )
    return findings


@rule("names_from_other_column")
def _names_from_other_column(facts: Facts) -> list[Finding]:
    return [
        finding("names_from_other_column", rows, file=file, example=example or "")
        for file, code, rows, example in facts.warnings
        if rows > 0 and code == RowError.OTHER_COLUMN
    ]


def _reason(code: str) -> str:
    known = RowError.of(code)
    return code if known is None else known.reason


def _rejects(code: str) -> bool:
    known = RowError.of(code)
    return known is None or known.rejects


@rule("leading_zeros_lost")
def _leading_zeros_lost(facts: Facts) -> list[Finding]:
    if not facts.leading_zero_pairs:
        return []
    (first, export_first) = facts.leading_zero_pairs[0]
    return [
        finding(
            "leading_zeros_lost",
            len(facts.leading_zero_pairs),
            subscriptions_file=facts.subscriptions_file,
            customers_file=facts.customers_file,
            id=first,
            export_id=export_first,
            pairs=[list(pair) for pair in facts.leading_zero_pairs],
        )
    ]


@rule("orphan_subscriptions")
def _orphans(facts: Facts) -> list[Finding]:
    if facts.orphan_subscriptions == 0:
        return []
    return [
        finding(
            "orphan_subscriptions",
            facts.orphan_subscriptions,
            customers_file=facts.customers_file,
        )
    ]


@rule("contradictions")
def _contradictions(facts: Facts) -> list[Finding]:
    if facts.contradicting_subscriptions == 0:
        return []
    return [
        finding(
            "contradictions",
            facts.contradicting_subscriptions,
            live_after_end=facts.live_after_end,
            end_before_start=facts.end_before_start,
        )
    ]


@rule("ended_without_end_date")
def _without_end_date(facts: Facts) -> list[Finding]:
    if facts.ended_without_end_date == 0:
        return []
    return [finding("ended_without_end_date", facts.ended_without_end_date)]


@rule("ended_without_start_date")
def _without_start_date(facts: Facts) -> list[Finding]:
    if facts.ended_without_start_date == 0:
        return []
    return [finding("ended_without_start_date", facts.ended_without_start_date)]


@rule("never_active")
def _never_active(facts: Facts) -> list[Finding]:
    if facts.never_active == 0:
        return []
    return [finding("never_active", facts.never_active)]


@rule("mixed_currencies")
def _mixed_currencies(facts: Facts) -> list[Finding]:
    if len(facts.currencies) < 2:
        return []
    listed = ", ".join(f"{code} {count}" for code, count in facts.currencies.items())
    return [
        finding(
            "mixed_currencies",
            len(facts.currencies),
            currencies=listed,
            by_currency=dict(facts.currencies),
        )
    ]


@rule("interval_count_assumed")
def _interval_count_assumed(facts: Facts) -> list[Finding]:
    if facts.interval_count_assumed == 0:
        return []
    return [
        finding(
            "interval_count_assumed", facts.interval_count_assumed, file=facts.subscriptions_file
        )
    ]


@rule("customers_without_subscriptions")
def _without_subscriptions(facts: Facts) -> list[Finding]:
    if facts.customers_without_subscriptions == 0:
        return []
    return [
        finding(
            "customers_without_subscriptions",
            facts.customers_without_subscriptions,
            customers_file=facts.customers_file,
        )
    ]


@rule("duplicate_rows_removed")
def _duplicate_rows(facts: Facts) -> list[Finding]:
    return [
        finding("duplicate_rows_removed", rows, file=file)
        for file, rows in facts.duplicate_rows
        if rows > 0
    ]


@rule("export_on_later_sheet")
def _later_sheets(facts: Facts) -> list[Finding]:
    return [
        finding("export_on_later_sheet", 1, file=file, first_sheet=first, sheet=sheet)
        for file, first, sheet in facts.later_sheets
    ]


@rule("end_undone")
def _end_undone(facts: Facts) -> list[Finding]:
    return [
        finding(
            "end_undone",
            len(lines),
            file=file,
            column=column,
            undone_by=undone_by,
            line=lines[0],
            lines=list(lines),
        )
        for file, column, undone_by, lines in facts.undone_dates
    ]


@rule("lines_in_one_cell")
def _lines_in_one_cell(facts: Facts) -> list[Finding]:
    return [finding("lines_in_one_cell", 1, file=file) for file in facts.unwrapped_files]


@rule("repeated_header")
def _repeated_headers(facts: Facts) -> list[Finding]:
    return [
        finding(
            "repeated_header",
            len(lines),
            file=file,
            line=lines[0],
            lines=list(lines),
            titles=len(titles),
            title_line=titles[0] if titles else None,
            title_lines=list(titles),
            lacking=len(lacking),
            lacking_line=lacking[0][0] if lacking else None,
            lacking_columns=", ".join(f"'{c}'" for c in lacking[0][1]) if lacking else None,
            parts_lacking=[{"header_line": line, "columns": list(c)} for line, c in lacking],
        )
        for file, lines, titles, lacking in facts.repeated_headers
        if lines
    ]


@rule("product_subscriptions_exceed_customers")
def _products_differing(facts: Facts) -> list[Finding]:
    differing = sorted(
        (
            (subscriptions - customers, product, subscriptions, customers)
            for product, subscriptions, customers in facts.products
            if subscriptions > customers
        ),
        key=lambda item: (-item[0], item[1]),
    )
    return [
        finding(
            "product_subscriptions_exceed_customers",
            difference,
            product=product,
            subscriptions_active=subscriptions,
            customers_active=customers,
        )
        for difference, product, subscriptions, customers in differing[:TOP_PRODUCTS]
    ]
