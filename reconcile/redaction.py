"""Redaction: customer names and emails replaced by stable pseudonyms.

A pseudonym does not depend on the report's language ("Customer 0007",
"customer-0007@redacted.invalid"), so an English and a German report of the same run
can be compared line by line. Numbers are handed out in the order people first appear
in the result, so the same result always gives the same pseudonyms, and the same person
gets the same number everywhere: a name and an email seen together on one customer
record share it. Emails are keyed trimmed and lower-cased (as DOMAIN.md compares them),
so redaction keeps probable-duplicate groups recognisable; two different emails never
share a pseudonym, nor do two different names.

Customer IDs, products and plans are not personal data and are kept. File names are
kept too, but not the folders above them: a path such as /home/anna/exports/x.csv
reveals the user's name and folders, so every path is reduced to its file name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any, overload

from reconcile.result import (
    BridgeStep,
    CustomerRef,
    DuplicateGroup,
    Finding,
    InputSummary,
    Rejection,
    Renewals,
    ReportDownloads,
    Result,
    SubscriptionRef,
)

NAME_PSEUDONYM = "Customer {number:04d}"
EMAIL_PSEUDONYM = "customer-{number:04d}@redacted.invalid"

# Columns of a rejected row whose value is a person's name or email, as the file names
# them ("Customer Name", "E-Mail", "Kunden-Name", canonical "customer_email"). Product
# and plan names are not personal, hence "name" alone is not enough.
_EMAIL_COLUMN = re.compile(r"e[\s_-]?mail", re.IGNORECASE)
_NAME_COLUMN = re.compile(
    r"^\s*(name|company|firma|customer[\s_-]*name|kunden[\s_-]*name|display[\s_-]*name|"
    r"contact[\s_-]*name|first[\s_-]*name|last[\s_-]*name|full[\s_-]*name|"
    r"company[\s_-]*name|vorname|nachname|billing[\s_-]*name)\s*$",
    re.IGNORECASE,
)


def email_key(email: str) -> str:
    return email.strip().lower()


def is_email_column(column: str) -> bool:
    return bool(_EMAIL_COLUMN.search(column))


def is_name_column(column: str) -> bool:
    return bool(_NAME_COLUMN.match(column))


class Pseudonyms:
    """Hands out pseudonym numbers; a name and an email seen together share one when
    neither number is taken by another name or email already."""

    def __init__(self) -> None:
        self._names: dict[str, int] = {}
        self._emails: dict[str, int] = {}
        self._next = 1

    def see(self, name: str | None, email: str | None) -> None:
        """Register a person by name and/or email (one record: the same person)."""
        name = name.strip() if name and name.strip() else None
        key = email_key(email) if email and email.strip() else None
        if key is not None and key not in self._emails:
            partner = self._names.get(name) if name is not None else None
            if partner is None or partner in self._emails.values():  # not free
                partner = self._fresh()
            self._emails[key] = partner
        if name is not None and name not in self._names:
            partner = self._emails.get(key) if key is not None else None
            if partner is None or partner in self._names.values():  # not free
                partner = self._fresh()
            self._names[name] = partner

    def _fresh(self) -> int:
        number = self._next
        self._next += 1
        return number

    @overload
    def name(self, name: str) -> str: ...
    @overload
    def name(self, name: None) -> None: ...
    def name(self, name: str | None) -> str | None:
        if name is None or not name.strip():
            return name
        self.see(name, None)
        return NAME_PSEUDONYM.format(number=self._names[name.strip()])

    @overload
    def email(self, email: str) -> str: ...
    @overload
    def email(self, email: None) -> None: ...
    def email(self, email: str | None) -> str | None:
        if email is None or not email.strip():
            return email
        self.see(None, email)
        return EMAIL_PSEUDONYM.format(number=self._emails[email_key(email)])

    def originals(self) -> tuple[set[str], set[str]]:
        """The names and the (normalised) emails seen so far."""
        return set(self._names), set(self._emails)


def redact(result: Result) -> Result:
    """The same result with every customer name and email replaced by its pseudonym."""
    pseudonyms = _collect(result)
    quality = replace(
        result.quality,
        customers_without_subscriptions=tuple(
            _redact_customer(customer, pseudonyms)
            for customer in result.quality.customers_without_subscriptions
        ),
    )
    groups = tuple(_redact_group(group, pseudonyms) for group in result.probable_duplicate_groups)
    scrub = _scrubber(pseudonyms)
    # A row error sits on an amount or a date, but a shifted row can put a name there.
    rejections, warnings = (
        tuple(_redact_rejection(error, pseudonyms, scrub) for error in errors)
        for errors in (result.rejections, result.warnings)
    )
    findings = tuple(_redact_finding(finding, scrub) for finding in result.findings)
    quality = replace(
        quality,
        orphan_subscriptions=_redact_refs(quality.orphan_subscriptions, pseudonyms),
        ended_without_end_date=_redact_refs(quality.ended_without_end_date, pseudonyms),
        ended_without_start_date=_redact_refs(quality.ended_without_start_date, pseudonyms),
        contradictions=_redact_refs(quality.contradictions, pseudonyms),
    )
    return _without_folders(
        replace(
            result,
            quality=quality,
            probable_duplicate_groups=groups,
            rejections=rejections,
            warnings=warnings,
            findings=findings,
            report_downloads=_redact_downloads(result.report_downloads, pseudonyms),
            renewals=_redact_renewals(result.renewals, pseudonyms),
            bridge=tuple(_redact_step(step, pseudonyms) for step in result.bridge),
            customer_bridge=tuple(
                _redact_step(step, pseudonyms) for step in result.customer_bridge
            ),
        )
    )


def file_name(path: str) -> str:
    """The file name of a path as the user gave it, with either kind of slash."""
    return re.split(r"[\\/]", path)[-1] or path


def _without_folders(result: Result) -> Result:
    """The result with every input path reduced to its file name, in the inputs, the row
    errors and the findings (their params and their English messages)."""
    inputs = result.inputs
    paths = [summary.file for summary in (inputs.subscriptions, inputs.customers) if summary]
    renames = {path: file_name(path) for path in paths if file_name(path) != path}
    if not renames:
        return result

    def rename(text: str) -> str:
        for path in sorted(renames, key=len, reverse=True):
            text = text.replace(path, renames[path])
        return text

    def summary(of: InputSummary) -> InputSummary:
        return replace(of, file=file_name(of.file))

    customers = None if inputs.customers is None else summary(inputs.customers)
    return replace(
        result,
        inputs=replace(inputs, subscriptions=summary(inputs.subscriptions), customers=customers),
        rejections=tuple(replace(error, file=file_name(error.file)) for error in result.rejections),
        warnings=tuple(replace(error, file=file_name(error.file)) for error in result.warnings),
        findings=tuple(_redact_finding(finding, rename) for finding in result.findings),
    )


def _redact_renewals(renewals: Renewals | None, pseudonyms: Pseudonyms) -> Renewals | None:
    if renewals is None:
        return None
    customers = tuple(
        replace(customer, name=pseudonyms.name(customer.name)) for customer in renewals.customers
    )
    return replace(renewals, customers=customers)


def _redact_downloads(
    downloads: ReportDownloads | None, pseudonyms: Pseudonyms
) -> ReportDownloads | None:
    """The customers who left, by pseudonym; and not even the number of cancellations
    with a reason: the reasons are free text people typed, often about people."""
    if downloads is None:
        return None
    cancellations = tuple(
        replace(
            month,
            left=tuple(_redact_customer(customer, pseudonyms) for customer in month.left),
            reasons_given=None,
        )
        for month in downloads.cancellations
    )
    return replace(downloads, cancellations=cancellations)


def _collect(result: Result) -> Pseudonyms:
    """Every person of the result, registered in a fixed order: customer records
    first (they tie a name to an email), then duplicate keys, then rejected cells and
    cells that could not be read."""
    pseudonyms = Pseudonyms()
    for customer in result.quality.customers_without_subscriptions:
        pseudonyms.see(customer.name, customer.email)
    for group in result.probable_duplicate_groups:
        pseudonyms.see(None, group.key)
    if result.report_downloads is not None:
        for month in result.report_downloads.cancellations:
            for customer in month.left:
                pseudonyms.see(customer.name, customer.email)
    for rejection in (*result.rejections, *result.warnings):
        if rejection.value is None:
            continue
        if is_email_column(rejection.column):
            pseudonyms.see(None, rejection.value)
        elif is_name_column(rejection.column):
            pseudonyms.see(rejection.value, None)
    # The names shown beside IDs last, so that the numbers above stay as they were.
    for name in _listed_names(result):
        pseudonyms.see(name, None)
    return pseudonyms


def _listed_names(result: Result) -> list[str]:
    quality = result.quality
    refs = (
        *quality.orphan_subscriptions,
        *quality.ended_without_end_date,
        *quality.ended_without_start_date,
        *quality.contradictions,
    )
    return [
        *(name for group in result.probable_duplicate_groups for name in group.names.values()),
        *(ref.customer_name for ref in refs if ref.customer_name),
        *(
            name
            for step in (*result.bridge, *result.customer_bridge)
            for name in step.example_names.values()
        ),
    ]


def _redact_step(step: BridgeStep, pseudonyms: Pseudonyms) -> BridgeStep:
    if not step.example_names:
        return step
    names = {key: pseudonyms.name(name) or name for key, name in step.example_names.items()}
    return replace(step, example_names=names)


def _redact_refs(
    refs: tuple[SubscriptionRef, ...], pseudonyms: Pseudonyms
) -> tuple[SubscriptionRef, ...]:
    return tuple(replace(ref, customer_name=pseudonyms.name(ref.customer_name)) for ref in refs)


def _redact_customer(customer: CustomerRef, pseudonyms: Pseudonyms) -> CustomerRef:
    return replace(
        customer, name=pseudonyms.name(customer.name), email=pseudonyms.email(customer.email)
    )


def _redact_group(group: DuplicateGroup, pseudonyms: Pseudonyms) -> DuplicateGroup:
    names = {key: pseudonyms.name(name) or name for key, name in group.names.items()}
    return replace(group, key=pseudonyms.email(group.key), names=names)


def _redact_rejection(
    rejection: Rejection, pseudonyms: Pseudonyms, scrub: Callable[[str], str]
) -> Rejection:
    value = rejection.value
    if value is not None and is_email_column(rejection.column):
        value = pseudonyms.email(value)
    elif value is not None and is_name_column(rejection.column):
        value = pseudonyms.name(value)
    elif value is not None:
        value = scrub(value)  # a shifted row can put a known name into any column
    # The message may quote the value ("... 'Anna Müller' ..."): it goes too.
    return replace(rejection, value=value, message=scrub(rejection.message))


def _scrubber(pseudonyms: Pseudonyms) -> Callable[[str], str]:
    """A function replacing every known name and email inside a free text: whole words
    only, so a short name never eats into other words; emails in any letter case."""
    names, emails = pseudonyms.originals()
    alternatives = [re.escape(name) for name in sorted(names, key=_longest_first)]
    alternatives += [f"(?i:{re.escape(key)})" for key in sorted(emails, key=_longest_first)]
    if not alternatives:
        return lambda text: text
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")

    def pseudonym(match: re.Match[str]) -> str:
        text = match.group(0)
        return pseudonyms.name(text) if text in names else pseudonyms.email(text)

    return lambda text: pattern.sub(pseudonym, text)


def _longest_first(text: str) -> tuple[int, str]:
    # Longest first, so that "Anna Müller GmbH" is not half-replaced as "Anna Müller".
    return -len(text), text


def _redact_finding(finding: Finding, scrub: Callable[[str], str]) -> Finding:
    return replace(
        finding, message=scrub(finding.message), params=_scrub_value(finding.params, scrub)
    )


def _scrub_value(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrub_value(item, scrub) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub_value(item, scrub) for item in value)
    return value
