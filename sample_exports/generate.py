"""Write the sample exports and their right answers.

    python sample_exports/generate.py [--out DIR]

Writes zoho/ and stripe/ (subscriptions.csv, customers.csv, expected.json, README.md)
next to this script, or under DIR. Deterministic: a fixed seed, no clock, no reconcile
import. The expected figures are worked out here, from the generator's own plan of what
it wrote, by a brute-force reading of docs/domain.md (every subscription checked
on every observed day), independently of the product's code.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations
from pathlib import Path

AS_OF = date(2026, 11, 15)
SEED = 20261115

PAYING, NOT_YET_PAYING, PAUSED, UNPAID, ENDED = (
    "paying",
    "not_yet_paying",
    "paused",
    "unpaid",
    "ended",
)

# DOMAIN.md, "The life of a subscription": the status classes, restated here on purpose
# (the answers must not come from the product's own source files).
ZOHO_CLASSES = {
    "live": PAYING,
    "non_renewing": PAYING,
    "dunning": PAYING,
    "unpaid": UNPAID,
    "trial": NOT_YET_PAYING,
    "future": NOT_YET_PAYING,
    "paused": PAUSED,
    "cancelled": ENDED,
    "expired": ENDED,
    "cancelled_from_dunning": ENDED,
    "trial_expired": ENDED,
    "creation_failed": ENDED,
}
STRIPE_CLASSES = {
    "active": PAYING,
    "past_due": PAYING,
    "unpaid": UNPAID,
    "trialing": NOT_YET_PAYING,
    "incomplete": NOT_YET_PAYING,
    "paused": PAUSED,
    "canceled": ENDED,
    "incomplete_expired": ENDED,
}

# Ended statuses that say a subscription never paid (DOMAIN.md, "The life of a
# subscription"), restated: never active, whatever the row's dates say.
NEVER_PAID = {"trial_expired", "creation_failed", "incomplete_expired"}

# Row-error codes of reconcile/problems.py, restated.
MISSING_ID = "missing_id"
DAMAGED_ID = "id_in_scientific_notation"
INVALID_DATE = "invalid_date"
MISSING_START = "missing_start"
UNKNOWN_STATUS = "unknown_status"
INVALID_AMOUNT = "invalid_amount"
INVALID_BOOLEAN = "invalid_boolean"
CONFLICTING_DUPLICATE = "conflicting_duplicate"

ZOHO_SUBSCRIPTION_HEADER = (
    "Subscription ID",
    "Subscription Number",
    "Customer ID",
    "Customer Name",
    "Email",
    "Product ID",
    "Product Name",
    "Plan Code",
    "Plan Name",
    "Status",
    "Amount",
    "Currency Code",
    "Interval",
    "Interval Unit",
    "Created On",
    "Activated On",
    "Cancelled On",
    "Expires At",
    "Pause Date",
    "Next Billing On",
    "Reference#",
)
ZOHO_CUSTOMER_HEADER = (
    "Customer ID",
    "Display Name",
    "Company Name",
    "First Name",
    "Last Name",
    "Email",
    "Status",
    "Currency Code",
    "Created Time",
    "CF.Branche",
)
STRIPE_SUBSCRIPTION_HEADER = (
    "id",
    "Customer ID",
    "Customer Email",
    "Customer Name",
    "Plan",
    "Product",
    "Quantity",
    "Interval",
    "Amount",
    "Status",
    "Created (UTC)",
    "Start Date (UTC)",
    "Current Period Start (UTC)",
    "Current Period End (UTC)",
    "Trial Start (UTC)",
    "Trial End (UTC)",
    "Canceled At (UTC)",
    "Ended At (UTC)",
    "Cancel At Period End",
    "tier (metadata)",
)
STRIPE_CUSTOMER_HEADER = ("id", "Email", "Name", "Description", "Created (UTC)")
STRIPE_CUSTOMER_TITLE = "Customers export (Stripe Dashboard, all customers, times in UTC)"


# --------------------------------------------------------------------------------------
# What the generator plans: a subscription's meaning, and the rows of a file.


@dataclass
class Customer:
    customer_id: str
    name: str
    email: str
    first_name: str = ""
    last_name: str = ""
    industry: str = ""
    created: date | None = None
    description: str = ""


@dataclass
class Subscription:
    """What a subscription row means, in DOMAIN.md's terms (its interval already derived)."""

    subscription_id: str
    customer_id: str
    product: str
    plan: str
    status: str
    status_class: str
    start: date | None  # the day it began to pay: a later trial end, else its start
    end: date | None
    currency: str | None = None
    trial_end: date | None = None
    # Ended without ever paying: counted as ended, never active, not in the history.
    never_active: bool = False
    # Its monthly recurring revenue in cents (DOMAIN.md, "Revenue (MRR)"): the amount the
    # row was written with (times its quantity for Stripe, whose Amount is per unit) over
    # the months of its interval, half a cent up; None when the amount cannot be read.
    mrr: int | None = None
    # The end every customer-level figure uses (DOMAIN.md, "Plan changes"), and whether a
    # plan change ("plan") or product switch ("product") replaced it; set by plan_changes.
    customer_end: date | None = None
    replaced_by: str | None = None


@dataclass
class Row:
    """One record of a file: its cells, what should become of it, and why."""

    cells: dict[str, str]
    # accepted, rejected or duplicate; or guest: an accepted row of a Stripe customers
    # export with an empty id, a guest customer (no Customer object), not a customer.
    outcome: str = "accepted"
    errors: list[tuple[str, str]] = field(default_factory=list)  # (header, code)
    # Of an accepted row: a value no figure uses that cannot be read (header, code).
    warnings: list[tuple[str, str]] = field(default_factory=list)
    subscription: Subscription | None = None
    customer: Customer | None = None
    note: str = ""  # why the row is there, for the README; "{line}": refers_to's line
    line: int = 0  # physical line the record starts on, set when written
    refers_to: Row | None = None  # the earlier row a duplicate repeats


@dataclass
class Export:
    """A pair of files of one billing system, with everything the README tells."""

    source: str
    subscription_header: tuple[str, ...]
    customer_header: tuple[str, ...]
    subscriptions: list[Row]
    customers: list[Row]
    delimiter: str
    line_end: str
    bom: bool
    customer_title: str | None = None


def customers_with_subscriptions(customers: list[Customer], rows: list[Row]) -> list[Customer]:
    """Customers holding an accepted subscription row: the owners of the faulty rows, so
    that a rejected row never leaves a customer without any subscription."""
    holders = {row.subscription.customer_id for row in rows}
    return [customer for customer in customers if customer.customer_id in holders]


def plain_row(rows: list[Row], position: int) -> Row:
    """The first accepted row from `position` on that tells no story of its own: the model
    of a duplicate, so that the README's stories stay one per row."""
    return next(row for row in rows[position:] if row.outcome == "accepted" and not row.note)


def rejected(cells: dict[str, str], errors: list[tuple[str, str]], note: str) -> Row:
    return Row(cells, outcome="rejected", errors=errors, note=note)


def guest(cells: dict[str, str], note: str) -> Row:
    return Row(cells, outcome="guest", note=note)


def with_unreadable_amount(row: Row, value: str) -> Row:
    """An accepted row whose Amount cannot be read: no figure uses amounts, so the row is
    kept and counted, and its amount is listed as a warning (DOMAIN.md rejects a row only
    for a missing ID, a date that cannot be a date or an unknown status)."""
    row.cells["Amount"] = value
    row.warnings = [("Amount", INVALID_AMOUNT)]
    if row.subscription is not None:
        row.subscription.mrr = None  # counted, never guessed
    row.note = "amount is not a number: a warning, the row is kept and counted"
    return row


def conflicting_duplicate_of(row: Row, cells: dict[str, str], id_column: str, how: str) -> Row:
    errors = [(id_column, CONFLICTING_DUPLICATE)]
    note = f"same {id_column} as line {{line}}, {how}"
    return Row(cells, outcome="rejected", errors=errors, note=note, refers_to=row)


def duplicate_of(row: Row) -> Row:
    return Row(
        dict(row.cells), outcome="duplicate", note="exact copy of line {line}", refers_to=row
    )


# --------------------------------------------------------------------------------------
# Small helpers for dates, amounts and names.


def monthly_cents(amount: Decimal, months: int) -> int:
    """An amount per `months` months as whole cents per month, half a cent up."""
    return int((amount * 100 / months).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, days_in_month(year, month + 1)))


def days_in_month(year: int, month: int) -> int:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - timedelta(days=1)).day


def next_renewal(start: date, months: int, after: date = AS_OF) -> date:
    """The first billing date of a `months`-long cycle from `start` that lies after `after`."""
    cycles = 1
    while add_months(start, cycles * months) <= after:
        cycles += 1
    return add_months(start, cycles * months)


def failed_renewal(start: date, months: int) -> date:
    """The last billing date of the cycle from `start` on or before the as-of date (the
    first one when none is): the renewal whose payment failed, so that an unpaid
    subscription's last paid period ends there."""
    cycles = 1
    while add_months(start, (cycles + 1) * months) <= AS_OF:
        cycles += 1
    return add_months(start, cycles * months)


def random_day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def slug(name: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe"})
    table |= str.maketrans({"Ü": "Ue", "&": " ", ".": " ", ";": " ", '"': " ", ",": " "})
    words = name.translate(table).lower().split()
    legal_forms = {"gmbh", "kg", "co", "e", "k", "ag", "ohg", "gbr", "partner"}
    return "-".join(word for word in words if word not in legal_forms)


def german_amount(amount: Decimal) -> str:
    """1650 -> '1.650,00', as a German spreadsheet or Zoho's German export writes it."""
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def german_date(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def stripe_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


# --------------------------------------------------------------------------------------
# Zoho Billing: a German vendor of software maintenance, one contract per module.

ZOHO_PRODUCTS = {
    # product: (product ID, plan-code prefix, monthly price Basis, monthly price Premium)
    "ERP Suite": ("2155364000000031001", "ERP", Decimal(249), Decimal(399)),
    "Lohn & Gehalt": ("2155364000000031005", "LOHN", Decimal(89), Decimal(139)),
    "Finanzbuchhaltung": ("2155364000000031009", "FIBU", Decimal(119), Decimal(179)),
    "Warenwirtschaft": ("2155364000000031013", "WAWI", Decimal(149), Decimal(229)),
    "DMS Archiv": ("2155364000000031017", "DMS", Decimal(59), Decimal(95)),
}
TIERS = ("Basis", "Premium")
PERIODS = ("monatlich", "jährlich")

SURNAME_TEXT = (
    "Schmidt Fischer Weber Meyer Wagner Becker Schulz Koch Bauer Richter Wolff Neumann "
    "Schwarz Zimmermann Braun Hofmann Hartmann Schmitt Werner Krause Meier Lehmann Schulze "
    "Maier Herrmann König Walter Mayer Peters Lang Scholz Möller Jung Hahn Schubert Vogel "
    "Friedrich Keller Günther Frank Berger Winkler Beck Lorenz Baumann Franke Albrecht "
    "Schuster Simon Ludwig Böhm Kraus Martin Schumacher Krämer Stein Seidel Heinrich "
    "Schreiber Graf Schulte Dietrich Ziegler Kuhn Engel Horn Bergmann Thomas Voigt Sauer "
    "Arnold Pfeiffer Ernst Hübner Kramer Marx Thiel Brückner Ritter Lindner Haase Busse "
    "Dörr Ebert Engelhardt Fiedler Gärtner Hesse Kessler Kunze Lenz Mertens"
)
SURNAMES = tuple(SURNAME_TEXT.split())
TRADES = (
    ("Metallbau", "Produktion"),
    ("Elektro", "Handwerk"),
    ("Spedition", "Logistik"),
    ("Steuerberatung", "Dienstleistung"),
    ("Autohaus", "Handel"),
    ("Druckerei", "Produktion"),
    ("Sanitär", "Handwerk"),
    ("Möbelhaus", "Handel"),
    ("Landtechnik", "Handel"),
    ("Gartenbau", "Handwerk"),
    ("Baustoffe", "Handel"),
    ("Kunststofftechnik", "Produktion"),
    ("Hotel", "Gastronomie"),
    ("Pflegedienst", "Dienstleistung"),
)
LEGAL_FORMS = ("GmbH", "GmbH", "GmbH & Co. KG", "KG", "e.K.", "AG", "OHG")
FIRST_NAME_TEXT = (
    "Anna Bernd Claudia Dieter Eva Frank Gabriele Heike Jürgen Katrin Lars Monika Nils "
    "Petra Ralf Sabine Thomas Ute Volker Yvonne Jörg Sören Björn Käthe"
)
FIRST_NAMES = tuple(FIRST_NAME_TEXT.split())
MAILBOXES = ("buchhaltung", "info", "einkauf", "verwaltung", "it")


def day(text: str) -> date:
    """'09.01.2023' -> date: the story tables below read like the export itself."""
    return datetime.strptime(text, "%d.%m.%Y").date()


class ZohoPlan:
    """Builds Zoho customers and subscription rows, numbering IDs as Zoho does."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.customers: list[Customer] = []
        self.rows: list[Row] = []
        self._next_customer = 46001
        self._next_subscription = 120001
        self._number = 0

    def customer(self, name: str, industry: str, email: str | None = None) -> Customer:
        mailbox = self.rng.choice(MAILBOXES)
        customer = Customer(
            customer_id=f"2155364000000{self._next_customer:06d}",
            name=name,
            email=email or f"{mailbox}@{slug(name)}.de",
            first_name=self.rng.choice(FIRST_NAMES),
            last_name=self.rng.choice(SURNAMES),
            industry=industry,
        )
        self._next_customer += 4
        self.customers.append(customer)
        return customer

    def subscription_cells(
        self,
        customer: Customer,
        product: str,
        plan: str,
        created: date | None,
        activated: date | None,
        *,
        status: str = "live",
        cancelled: date | None = None,
        expires: date | None = None,
        pause_date: date | None = None,
        currency: str = "EUR",
        amount: Decimal | None = None,
        reference: str = "",
        next_billing: date | None = None,
    ) -> dict[str, str]:
        """The cells of one subscription row; `plan` is e.g. 'Basis monatlich'.

        Next Billing On is the next renewal after the as-of date for a paying contract
        that renews; for an unpaid one the renewal that failed (the end of its last paid
        period), unless `next_billing` gives it.
        """
        product_id, code, basis, premium = ZOHO_PRODUCTS[product]
        tier, period = plan.split()
        months = 1 if period == "monatlich" else 12
        monthly = basis if tier == "Basis" else premium
        # A yearly contract costs ten months: two months free, as such vendors sell it.
        price = amount if amount is not None else monthly * (1 if months == 1 else 10)
        start = activated or created
        bills_again = ZOHO_CLASSES[status] == PAYING and status != "non_renewing" and start
        if next_billing is None and bills_again:
            next_billing = next_renewal(start, months)
        elif next_billing is None and status == "unpaid" and start:
            next_billing = failed_renewal(start, months)
        self._number += 1
        self._next_subscription += 3
        return {
            "Subscription ID": f"2155364000000{self._next_subscription - 3:06d}",
            "Subscription Number": f"SUB-{self._number:05d}",
            "Customer ID": customer.customer_id,
            "Customer Name": customer.name,
            "Email": customer.email,
            "Product ID": product_id,
            "Product Name": product,
            "Plan Code": f"{code}-W{tier[0]}-{'M' if months == 1 else 'J'}",
            "Plan Name": f"Wartung {tier} {period}",
            "Status": status,
            "Amount": german_amount(price),
            "Currency Code": currency,
            "Interval": "1",
            "Interval Unit": "months" if months == 1 else "years",
            "Created On": german_date(created),
            "Activated On": german_date(activated),
            "Cancelled On": german_date(cancelled),
            "Expires At": german_date(expires),
            "Pause Date": german_date(pause_date),
            "Next Billing On": german_date(next_billing),
            "Reference#": reference,
        }

    def add(
        self,
        customer: Customer,
        product: str,
        plan: str,
        created: date | None,
        activated: date | None,
        note: str = "",
        **details,
    ) -> Row:
        """Plan one subscription that is meant to be accepted, and remember its meaning."""
        cells = self.subscription_cells(customer, product, plan, created, activated, **details)
        status = details.get("status", "live")
        status_class = ZOHO_CLASSES[status]
        # DOMAIN.md: start is the activation date, else the created date; end is the
        # cancellation date, else the expiry date; for a paused one, the pause date; for an
        # unpaid one the end of its last paid period (Next Billing On); for a non-renewing
        # one the end of its current term (Next Billing On: the file has no Scheduled
        # Cancellation Date), else its expiry date.
        written = cells["Next Billing On"]
        if status_class == PAUSED:
            end = details.get("pause_date")
        elif status_class == UNPAID:
            end = day(written) if written else None
        elif status == "non_renewing":
            end = day(written) if written else details.get("expires")
        else:
            end = details.get("cancelled") or details.get("expires")
        subscription = Subscription(
            subscription_id=cells["Subscription ID"],
            customer_id=customer.customer_id,
            product=product,
            plan=cells["Plan Name"],
            status=status,
            status_class=status_class,
            start=activated or created,
            end=end,
            currency=cells["Currency Code"],
            # It never paid when its status says so, or when it ended without ever being
            # activated (the file has the Activated On column).
            never_active=status in NEVER_PAID or (status_class == ENDED and activated is None),
            mrr=monthly_cents(
                Decimal(cells["Amount"].replace(".", "").replace(",", ".")),
                12 if cells["Interval Unit"] == "years" else 1,
            ),
        )
        row = Row(cells, subscription=subscription, note=note)
        self.rows.append(row)
        return row


def plan_zoho_random_customer(plan: ZohoPlan, name: str, industry: str) -> None:
    """A customer with 1-5 module contracts, some added later, some ended, some churned."""
    rng = plan.rng
    customer = plan.customer(name, industry)
    joined = random_day(rng, date(2023, 1, 16), date(2026, 10, 20))
    modules = rng.choices((1, 2, 3, 4, 5), weights=(40, 28, 17, 10, 5))[0]
    products = rng.sample(list(ZOHO_PRODUCTS), modules)
    churned_on = None
    if rng.random() < 0.14 and (AS_OF - joined).days > 150:
        churned_on = random_day(rng, joined + timedelta(days=60), AS_OF - timedelta(days=1))
    for position, product in enumerate(products):
        start = joined if position == 0 else joined + timedelta(days=rng.randint(25, 600))
        last_possible = churned_on - timedelta(days=20) if churned_on else AS_OF
        if start > last_possible:
            continue
        tier = rng.choices(TIERS, weights=(65, 35))[0]
        period = rng.choices(PERIODS, weights=(40, 60))[0]
        created = start - timedelta(days=rng.randint(0, 9))
        contract = (customer, product, f"{tier} {period}", created, start)
        if churned_on:
            plan_zoho_churned(plan, contract, churned_on)
        else:
            plan_zoho_running(plan, contract)


def plan_zoho_churned(plan: ZohoPlan, contract: tuple, churned_on: date) -> None:
    """Every contract of a customer who left ends on or around the day they left."""
    ended_on = churned_on - timedelta(days=plan.rng.randint(0, 14))
    status = plan.rng.choices(("cancelled", "expired", "cancelled_from_dunning"), (7, 2, 1))[0]
    if status == "expired":
        plan.add(*contract, status=status, expires=ended_on)
    else:
        plan.add(*contract, status=status, cancelled=ended_on)


def plan_zoho_running(plan: ZohoPlan, contract: tuple) -> None:
    """A contract of a customer who stays: mostly live, sometimes ended or changed."""
    rng = plan.rng
    customer, product, plan_name, _, start = contract
    long_enough = (AS_OF - start).days > 90
    roll = rng.random()
    if roll < 0.09 and long_enough:
        ended_on = random_day(rng, start + timedelta(days=30), AS_OF - timedelta(days=1))
        plan.add(*contract, status="cancelled", cancelled=ended_on)
    elif roll < 0.15 and long_enough:
        # Upgrade or downgrade: the old contract ends the day the new one starts.
        switched_on = random_day(rng, start + timedelta(days=30), AS_OF - timedelta(days=1))
        plan.add(*contract, status="cancelled", cancelled=switched_on)
        tier, period = plan_name.split()
        other = f"{'Premium' if tier == 'Basis' else 'Basis'} {period}"
        plan.add(customer, product, other, switched_on, switched_on)
    elif roll < 0.19:
        months = 1 if plan_name.endswith("monatlich") else 12
        plan.add(*contract, status="non_renewing", expires=next_renewal(start, months))
    elif roll < 0.21:
        plan.add(*contract, status="dunning")
    elif roll < 0.23:
        plan.add(*contract, status="unpaid")
    else:
        plan.add(*contract)


def plan_zoho_stories(plan: ZohoPlan) -> dict[str, Customer]:
    """The customers whose story the README tells, each showing one rule of DOMAIN.md."""
    special: dict[str, Customer] = {}
    for story in (zoho_duplicates_and_orphans, zoho_customer_lives, zoho_status_cases):
        special |= story(plan)
    return special


def zoho_duplicates_and_orphans(plan: ZohoPlan) -> dict[str, Customer]:
    add = plan.add
    mueller = plan.customer("Müller GmbH", "Produktion", "einkauf@mueller-gmbh.de")
    add(mueller, "ERP Suite", "Premium jährlich", day("05.01.2023"), day("09.01.2023"),
        "earliest start: the history begins in January 2023")  # fmt: skip
    add(mueller, "Lohn & Gehalt", "Basis monatlich", day("01.03.2023"), day("01.03.2023"))
    # The same company entered a second time, its email differing in case and blanks.
    twin = plan.customer("Müller GmbH", "Produktion", " Einkauf@Mueller-GmbH.de ")
    add(twin, "DMS Archiv", "Basis monatlich", day("14.06.2024"), day("15.06.2024"),
        "customer entered twice (probable duplicate of Müller GmbH)")  # fmt: skip
    for person in (mueller, twin):
        person.first_name, person.last_name = "Hans", "Müller"
    # Known to Zoho's subscriptions but missing from the customers export.
    schmitz = Customer("2155364000000099001", "Metallbau Schmitz GmbH", "info@metallbau-schmitz.de")
    add(schmitz, "ERP Suite", "Basis monatlich", day("10.11.2025"), day("11.11.2025"),
        "orphan: customer ID not in customers.csv (still counted)")  # fmt: skip
    huber = plan.customer("Uhren Huber AG", "Handel", "finanzen@uhren-huber.ch")
    add(huber, "Finanzbuchhaltung", "Premium jährlich", day("01.10.2024"), day("01.10.2024"),
        "in CHF among EUR (mixed currencies)", currency="CHF", amount=Decimal(1890))  # fmt: skip
    backhaus = plan.customer('Hoffmann; Klein "Backhaus" GbR', "Handwerk")
    add(backhaus, "Lohn & Gehalt", "Basis monatlich", day("03.07.2023"), day("07.07.2023"),
        "name with ';' and '\"'; Reference# holds an address over two lines",
        reference="z. Hd. Frau Klein\nBackstraße 12, 79098 Freiburg")  # fmt: skip
    brandt = plan.customer("Steuerberatung Brandt & Partner", "Dienstleistung")
    for client, started in (("Mandant A", day("01.06.2023")), ("Mandant B", day("02.01.2024"))):
        add(brandt, "Lohn & Gehalt", "Premium monatlich", started, started,
            "two contracts of the same product (one per client)", reference=client)  # fmt: skip
    schneider = plan.customer("Optik Schneider e.K.", "Handel")  # holds no subscription
    return {"mueller_twin": twin, "schneider": schneider}


def zoho_customer_lives(plan: ZohoPlan) -> dict[str, Customer]:
    add = plan.add
    schroeder = plan.customer("Bäckerei Schröder", "Handwerk")
    add(schroeder, "Warenwirtschaft", "Basis monatlich", day("10.03.2023"), day("14.03.2023"),
        "churned in June 2024 (its only contract cancelled 10.06.2024)",
        status="cancelled", cancelled=day("10.06.2024"))  # fmt: skip
    add(schroeder, "Warenwirtschaft", "Premium monatlich", day("01.02.2025"), day("03.02.2025"),
        "came back: reactivated in February 2025")  # fmt: skip
    weiss = plan.customer("Weiß & Söhne KG", "Handel")
    add(weiss, "ERP Suite", "Basis jährlich", day("29.01.2024"), day("01.02.2024"))
    add(weiss, "DMS Archiv", "Premium monatlich", day("12.05.2025"), day("12.05.2025"),
        "expansion: a second module added in May 2025")  # fmt: skip
    krueger = plan.customer("Autohaus Krüger GmbH", "Handel")
    add(krueger, "Lohn & Gehalt", "Premium jährlich", day("18.09.2023"), day("18.09.2023"))
    add(krueger, "Finanzbuchhaltung", "Basis monatlich", day("02.04.2024"), day("02.04.2024"),
        "paused since 01.09.2026 (pause date passed): not active",
        status="paused", pause_date=day("01.09.2026"))  # fmt: skip
    koehler = plan.customer("Druckerei Köhler KG", "Produktion")
    add(koehler, "DMS Archiv", "Premium monatlich", day("20.03.2025"), day("24.03.2025"),
        "paused from 01.12.2026 (pause date ahead): still active",
        status="paused", pause_date=day("01.12.2026"))  # fmt: skip
    lange = plan.customer("Spedition Lange GmbH & Co. KG", "Logistik")
    add(lange, "Warenwirtschaft", "Premium jährlich", day("01.04.2024"), day("01.04.2024"),
        "contradiction: live, but its Cancelled On 30.09.2026 has passed: not active",
        cancelled=day("30.09.2026"))  # fmt: skip
    roth = plan.customer("Kanzlei Roth", "Dienstleistung")
    add(roth, "Finanzbuchhaltung", "Premium monatlich", day("12.02.2024"), day("12.02.2024"),
        "cancelled on the as-of date 15.11.2026: not active that day",
        status="cancelled", cancelled=AS_OF)  # fmt: skip
    add(roth, "DMS Archiv", "Basis jährlich", day("12.02.2024"), day("12.02.2024"))
    jaeger = plan.customer("Baustoffe Jäger GmbH", "Handel")
    add(jaeger, "DMS Archiv", "Basis monatlich", day("13.11.2026"), AS_OF,
        "activated on the as-of date 15.11.2026: active that day")  # fmt: skip
    gross = plan.customer("Möbelhaus Groß GmbH", "Handel")
    add(gross, "Warenwirtschaft", "Basis jährlich", day("03.03.2025"), None,
        "no Activated On: its start is Created On 03.03.2025")  # fmt: skip
    return {}


def zoho_status_cases(plan: ZohoPlan) -> dict[str, Customer]:
    add = plan.add
    vogt = plan.customer("Elektro Vogt e.K.", "Handwerk")
    add(vogt, "Lohn & Gehalt", "Basis monatlich", day("02.05.2023"), day("05.05.2023"),
        "cancelled without Cancelled On or Expires At: ended without end date",
        status="cancelled")  # fmt: skip
    pohl = plan.customer("Fleischerei Pohl", "Handwerk")
    add(pohl, "Lohn & Gehalt", "Basis monatlich", day("17.02.2026"), None,
        "creation_failed: never paid, so never active (needs no end date)",
        status="creation_failed")  # fmt: skip
    sommer = plan.customer("Gartenbau Sommer GmbH", "Handwerk")
    add(sommer, "Warenwirtschaft", "Basis monatlich", day("05.11.2026"), None,
        "trial: not yet paying, never active", status="trial")  # fmt: skip
    otto = plan.customer("Zimmerei Otto GmbH", "Handwerk")
    add(otto, "ERP Suite", "Basis jährlich", day("28.10.2026"), None,
        "future: to start in 2027, not yet paying", status="future")  # fmt: skip
    busch = plan.customer("Sanitär Busch GmbH", "Handwerk")
    add(busch, "DMS Archiv", "Basis monatlich", day("07.04.2025"), None,
        "trial_expired after a 14-day trial (no month end inside: never counted)",
        status="trial_expired", expires=day("21.04.2025"))  # fmt: skip
    add(busch, "Lohn & Gehalt", "Basis monatlich", day("02.05.2025"), day("02.05.2025"))
    kaiser = plan.customer("Landtechnik Kaiser GmbH", "Handel")
    add(kaiser, "ERP Suite", "Premium jährlich", day("01.03.2024"), day("01.03.2024"),
        "non_renewing, never expiring: ends at its current term's end, 01.03.2027 (Next "
        "Billing On); active now",
        status="non_renewing", next_billing=day("01.03.2027"))  # fmt: skip
    wolf = plan.customer("Autohaus Wolf GmbH", "Handel")
    add(wolf, "Finanzbuchhaltung", "Basis monatlich", day("04.08.2025"), day("04.08.2025"),
        "dunning: paying class, active", status="dunning")  # fmt: skip
    fuchs = plan.customer("Elektro Fuchs OHG", "Handwerk")
    add(fuchs, "Lohn & Gehalt", "Basis monatlich", day("13.01.2025"), day("13.01.2025"),
        "unpaid: the renewal of 13.11.2026 (Next Billing On) failed, unpaid since; active "
        "on 31.10.2026", status="unpaid")  # fmt: skip
    add(fuchs, "Warenwirtschaft", "Basis monatlich", day("13.01.2025"), day("13.01.2025"),
        "cancelled_from_dunning on 19.06.2026",
        status="cancelled_from_dunning", cancelled=day("19.06.2026"))  # fmt: skip
    add(fuchs, "DMS Archiv", "Basis jährlich", day("31.07.2024"), day("31.07.2024"),
        "expired on 31.07.2026 (Expires At)",
        status="expired", expires=day("31.07.2026"))  # fmt: skip
    return {"pohl": pohl, "vogt": vogt}


def plan_zoho_faults(
    plan: ZohoPlan, rng: random.Random, clean: list[Row], special: dict[str, Customer]
) -> list[Row]:
    """One row per fault kind; each belongs to a customer who holds other contracts. Last,
    the rows without a start that are not faults: an ended one has no start to need."""
    owners = rng.sample(customers_with_subscriptions(plan.customers, clean), 7)
    started = (day("02.06.2025"), day("02.06.2025"))
    missing_customer = plan.subscription_cells(owners[0], "DMS Archiv", "Basis monatlich", *started)
    missing_customer["Customer ID"] = ""
    damaged = plan.subscription_cells(owners[1], "Finanzbuchhaltung", "Basis jährlich", *started)
    damaged["Subscription ID"] = "2.15536E+18"
    impossible = plan.subscription_cells(
        owners[2], "Warenwirtschaft", "Basis monatlich", *started, status="cancelled"
    )
    impossible["Cancelled On"] = "31.02.2025"
    unknown = plan.subscription_cells(owners[3], "ERP Suite", "Premium jährlich", *started)
    unknown["Status"] = "aktiv"
    no_amount = plan.add(owners[4], "Lohn & Gehalt", "Basis monatlich", *started)
    two_faults = plan.subscription_cells(owners[5], "DMS Archiv", "Basis monatlich", *started)
    two_faults["Activated On"] = "15.13.2024"
    two_faults["Amount"] = "12O,00"
    no_start = plan.subscription_cells(
        owners[6], "Finanzbuchhaltung", "Basis monatlich", None, None
    )
    original = plain_row(clean, len(clean) // 3)
    first = plain_row(clean, len(clean) // 2)
    conflict = dict(first.cells)
    conflict["Plan Name"] = "Wartung Premium monatlich"
    conflict["Amount"] = german_amount(Decimal("179.00"))
    undated = [
        plan.add(special["pohl"], "Warenwirtschaft", "Basis monatlich", None, None,
                 "creation_failed without any date: never active (not rejected)",
                 status="creation_failed"),
        plan.add(special["vogt"], "DMS Archiv", "Basis monatlich", None, None,
                 "cancelled 30.06.2024, never activated (no Activated On, no Created On): "
                 "never paid, never active (not rejected)",
                 status="cancelled", cancelled=day("30.06.2024")),
    ]  # fmt: skip
    return [
        rejected(missing_customer, [("Customer ID", MISSING_ID)], "Customer ID empty"),
        rejected(damaged, [("Subscription ID", DAMAGED_ID)], "ID damaged by a spreadsheet"),
        rejected(impossible, [("Cancelled On", INVALID_DATE)], "impossible date"),
        rejected(unknown, [("Status", UNKNOWN_STATUS)], "unknown status"),
        with_unreadable_amount(no_amount, "auf Anfrage"),
        rejected(
            two_faults,
            [("Activated On", INVALID_DATE), ("Amount", INVALID_AMOUNT)],
            "an impossible date and an unreadable amount: rejected for the date, both errors "
            "listed",
        ),
        rejected(
            no_start,
            [("Activated On", MISSING_START)],
            "live, but neither Activated On nor Created On",
        ),
        duplicate_of(original),
        conflicting_duplicate_of(
            first, conflict, "Subscription ID", "other plan and amount (the first is kept)"
        ),
        *undated,
    ]


def zoho_customer_rows(plan: ZohoPlan, rng: random.Random, special: dict) -> list[Row]:
    first_start = defaultdict(lambda: AS_OF)
    for row in plan.rows:
        sub = row.subscription
        first_start[sub.customer_id] = min(first_start[sub.customer_id], sub.start or AS_OF)
    rows = []
    for customer in plan.customers:
        customer.created = first_start[customer.customer_id] - timedelta(days=rng.randint(0, 20))
        rows.append(Row(zoho_customer_cells(customer), customer=customer))
    rows.sort(key=lambda row: (row.customer.created, row.customer.customer_id))
    for row in rows:
        if row.customer is special["schneider"]:
            row.note = "customer with no subscription"
        if row.customer is special["mueller_twin"]:
            row.note = "same email as Müller GmbH, other case and blanks (probable duplicate)"
    # A prospect entered with a date no calendar has: no figure uses a customer's created
    # date, so it is a warning and the row is kept (a customer without subscriptions).
    lead = Customer(
        customer_id="2155364000000098001",
        name="Gasthaus Winter",
        email="info@gasthaus-winter.de",
        first_name="Käthe",
        last_name="Winter",
        industry="Gastronomie",
    )
    lead_cells = zoho_customer_cells(lead)
    lead_cells["Created Time"] = "30.02.2024"
    rows.insert(
        25,
        Row(
            lead_cells,
            warnings=[("Created Time", INVALID_DATE)],
            customer=lead,
            note="impossible created date: a warning, the customer is kept",
        ),
    )
    copied = plain_row(rows, 40)
    rows.insert(52, duplicate_of(copied))
    return rows


def zoho_customer_cells(customer: Customer) -> dict[str, str]:
    return {
        "Customer ID": customer.customer_id,
        "Display Name": customer.name,
        "Company Name": customer.name,
        "First Name": customer.first_name,
        "Last Name": customer.last_name,
        "Email": customer.email,
        "Status": "active",
        "Currency Code": "CHF" if customer.email.endswith(".ch") else "EUR",
        "Created Time": german_date(customer.created),
        "CF.Branche": customer.industry,
    }


def build_zoho(rng: random.Random) -> Export:
    plan = ZohoPlan(rng)
    special = plan_zoho_stories(plan)
    used = {"Müller", "Schröder", "Krüger", "Köhler", "Lange", "Vogt", "Schmitz", "Huber"}
    surnames = [name for name in SURNAMES if name not in used]
    for surname in rng.sample(surnames, 78):
        trade, industry = rng.choice(TRADES)
        plan_zoho_random_customer(plan, f"{trade} {surname} {rng.choice(LEGAL_FORMS)}", industry)
    # Zoho lists subscriptions in the order they were created.
    clean = sorted(plan.rows, key=zoho_created)
    faults = plan_zoho_faults(plan, rng, clean, special)
    subscriptions = list(clean)
    # Spread the faults through the file, after the multi-line record near the top.
    for offset, fault in zip(range(30, 10_000, 21), faults, strict=False):
        subscriptions.insert(offset, fault)
    customers = zoho_customer_rows(plan, rng, special)
    return Export(
        source="zoho",
        subscription_header=ZOHO_SUBSCRIPTION_HEADER,
        customer_header=ZOHO_CUSTOMER_HEADER,
        subscriptions=subscriptions,
        customers=customers,
        delimiter=";",
        line_end="\r\n",
        bom=True,
    )


def zoho_created(row: Row) -> tuple[date, str]:
    created = datetime.strptime(row.cells["Created On"], "%d.%m.%Y").date()
    return created, row.cells["Subscription ID"]


# --------------------------------------------------------------------------------------
# Stripe: a small SaaS for shops, billed monthly or yearly.

STRIPE_PRODUCTS = {
    # product: {plan: (price, interval)}
    "Kassensystem Cloud": {
        "Starter monatlich": (Decimal(29), "month"),
        "Pro monatlich": (Decimal(59), "month"),
        "Pro jährlich": (Decimal(590), "year"),
    },
    "Online-Shop": {
        "Starter monatlich": (Decimal(39), "month"),
        "Pro monatlich": (Decimal(79), "month"),
        "Pro jährlich": (Decimal(790), "year"),
    },
    "Terminbuchung": {
        "Starter monatlich": (Decimal(15), "month"),
        "Pro monatlich": (Decimal(25), "month"),
        "Pro jährlich": (Decimal(250), "year"),
    },
}
SHOPS = (
    "Blumen Haas",
    "Café Sonnenschein",
    "Friseur Schnittpunkt",
    "Buchhandlung Lesezeichen",
    "Weinhandlung Rebstock",
    "Unverpackt Laden Ost",
    "Fahrrad Kettenblatt",
    "Bioladen Grünkern",
    "Eisdiele Venezia",
    "Kosmetikstudio Anmut",
    "Spielwaren Kreisel",
    "Tee & Gewürze Safran",
    "Optiker Klarblick",
    "Schuhhaus Leisten",
    "Feinkost Trüffel",
    "Yoga Studio Atem",
    "Hofladen Apfelbaum",
    "Papeterie Federkiel",
    "Musikhaus Tonart",
    "Zoohandlung Pfote",
    "Bäckerei Krume",
    "Nagelstudio Glanz",
    "Sportgeschäft Sprint",
    "Kaffeerösterei Bohne",
    "Second Hand Kleiderbügel",
    "Goldschmiede Öse",
    "Tattoo Studio Nadelstich",
    "Werkstatt Zündkerze",
    "Physiotherapie Beweglich",
    "Hundesalon Wuschel",
)


def moment(text: str) -> datetime:
    """'2024-03-01 10:22' -> datetime, as Stripe writes its UTC columns."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


class StripePlan:
    """Builds Stripe customers and subscription rows with Stripe-like random IDs."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.customers: list[Customer] = []
        self.rows: list[Row] = []

    def token(self, length: int) -> str:
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def customer(self, name: str, email: str | None = None, description: str = "") -> Customer:
        customer = Customer(
            customer_id=f"cus_{self.token(14)}",
            name=name,
            email=email or f"kontakt@{slug(name)}.de",
            description=description,
        )
        self.customers.append(customer)
        return customer

    def subscription_cells(
        self,
        customer: Customer,
        product: str,
        plan: str,
        created: datetime,
        *,
        status: str = "active",
        without_start_date: bool = False,
        trial: tuple[datetime, datetime] | None = None,
        canceled_at: datetime | None = None,
        ended_at: datetime | None = None,
        cancel_at_period_end: bool = False,
        period_end: datetime | None = None,
        quantity: int = 1,
    ) -> dict[str, str]:
        price, interval = STRIPE_PRODUCTS[product][plan]
        months = 1 if interval == "month" else 12
        if period_end is None:
            # The billing period running on the as-of date, or the one in which it ended.
            last_day = ended_at.date() if ended_at else AS_OF
            renewal = next_renewal(created.date(), months, after=last_day - timedelta(days=1))
            period_end = datetime.combine(renewal, created.time())
        period_start = max(add_months(period_end.date(), -months), created.date())
        return {
            "id": f"sub_1{self.token(13)}",
            "Customer ID": customer.customer_id,
            "Customer Email": customer.email,
            "Customer Name": customer.name,
            "Plan": plan,
            "Product": product,
            "Quantity": str(quantity),
            "Interval": interval,
            "Amount": f"{price:.2f}",
            "Status": status,
            "Created (UTC)": stripe_time(created),
            "Start Date (UTC)": "" if without_start_date else stripe_time(created),
            "Current Period Start (UTC)": stripe_time(
                datetime.combine(period_start, created.time())
            ),
            "Current Period End (UTC)": stripe_time(period_end),
            "Trial Start (UTC)": stripe_time(trial[0]) if trial else "",
            "Trial End (UTC)": stripe_time(trial[1]) if trial else "",
            "Canceled At (UTC)": stripe_time(canceled_at),
            "Ended At (UTC)": stripe_time(ended_at),
            "Cancel At Period End": "true" if cancel_at_period_end else "false",
            "tier (metadata)": "pro" if plan.startswith("Pro") else "starter",
        }

    def add(
        self, customer: Customer, product: str, plan: str, created: str, note: str = "", **details
    ) -> Row:
        """Plan one subscription that is meant to be accepted, and remember its meaning."""
        cells = self.subscription_cells(customer, product, plan, moment(created), **details)
        status = details.get("status", "active")
        status_class = STRIPE_CLASSES[status]
        # DOMAIN.md: start is the start date, else the created date (here both are the
        # created day); end is Ended At, else Current Period End when set to cancel at
        # period end. Canceled At is only the request. Timestamps count by their UTC date.
        if details.get("ended_at"):
            end = details["ended_at"].date()
        elif details.get("cancel_at_period_end"):
            end = moment(cells["Current Period End (UTC)"]).date()
        else:
            end = None
        if status_class == PAUSED:
            end = None  # Stripe exports no pause date
        if status_class == UNPAID:
            # Unpaid: it counts until the end of its last paid period.
            end = moment(cells["Current Period End (UTC)"]).date()
        # The start is the day it began to pay: a later trial end (a trial is never
        # active time). A subscription that ended within its trial never paid.
        trial_end = details["trial"][1].date() if details.get("trial") else None
        start = moment(created).date()
        if trial_end is not None and trial_end > start:
            start = trial_end
        never_active = status in NEVER_PAID or (
            status_class == ENDED and trial_end is not None and end is not None and trial_end >= end
        )
        subscription = Subscription(
            subscription_id=cells["id"],
            customer_id=customer.customer_id,
            product=product,
            plan=plan,
            status=status,
            status_class=status_class,
            start=start,
            end=end,
            trial_end=trial_end,
            never_active=never_active,
            mrr=monthly_cents(
                Decimal(cells["Amount"]) * int(cells["Quantity"]),
                12 if cells["Interval"] == "year" else 1,
            ),
        )
        row = Row(cells, subscription=subscription, note=note)
        self.rows.append(row)
        return row


def random_moment(rng: random.Random, first: date, last: date) -> datetime:
    when = random_day(rng, first, last)
    return datetime(when.year, when.month, when.day, rng.randint(6, 21), rng.randint(0, 59))


def plan_stripe_random_customer(plan: StripePlan, name: str) -> None:
    """A shop with 1-3 products; about one subscription in five was canceled."""
    rng = plan.rng
    customer = plan.customer(name)
    joined = random_moment(rng, date(2024, 2, 15), date(2026, 10, 25))
    products = rng.sample(list(STRIPE_PRODUCTS), rng.choices((1, 2, 3), (55, 33, 12))[0])
    for position, product in enumerate(products):
        created = joined + timedelta(days=0 if position == 0 else rng.randint(20, 400))
        if created.date() >= AS_OF:
            continue
        plan_name = rng.choices(list(STRIPE_PRODUCTS[product]), (40, 40, 20))[0]
        if rng.random() < 0.2 and (AS_OF - created.date()).days > 60:
            ended = random_moment(rng, created.date() + timedelta(30), AS_OF - timedelta(1))
            plan.add(customer, product, plan_name, stripe_time(created), status="canceled",
                     canceled_at=ended, ended_at=ended)  # fmt: skip
        else:
            plan.add(customer, product, plan_name, stripe_time(created))


def plan_stripe_stories(plan: StripePlan) -> dict[str, Customer]:
    """The customers whose story the README tells, each showing one rule of DOMAIN.md."""
    special: dict[str, Customer] = {}
    for story in (stripe_duplicates_and_orphans, stripe_cancellations, stripe_status_cases):
        special |= story(plan)
    return special


def stripe_duplicates_and_orphans(plan: StripePlan) -> dict[str, Customer]:
    add = plan.add
    krume = plan.customer("Bäckerei Krume", description="Filiale Altstadt, Kasse 1")
    add(krume, "Kassensystem Cloud", "Pro monatlich", "2024-02-05 08:12",
        "earliest start: the history begins in February 2024", quantity=2)  # fmt: skip
    add(krume, "Kassensystem Cloud", "Starter monatlich", "2025-09-15 07:30",
        "a second subscription of the same product (second shop)")  # fmt: skip
    haas = plan.customer("Blumen Haas", "info@blumen-haas.de")
    add(haas, "Online-Shop", "Pro monatlich", "2024-04-09 09:30")
    twin = plan.customer("Blumen Haas", "Info@Blumen-Haas.de ")
    add(twin, "Terminbuchung", "Starter monatlich", "2025-03-03 16:45",
        "customer entered twice (probable duplicate of Blumen Haas)")  # fmt: skip
    # Known to the subscriptions export only.
    oese = Customer("cus_Q0rphanGoldOse", "Goldschmiede Öse", "hallo@goldschmiede-oese.de")
    add(oese, "Online-Shop", "Pro jährlich", "2025-10-01 08:00",
        "orphan: customer ID not in customers.csv (still counted)")  # fmt: skip
    kettenblatt = plan.customer("Fahrrad Kettenblatt")
    add(kettenblatt, "Kassensystem Cloud", "Pro monatlich", "2024-05-06 10:00",
        "churned: its only subscription ended 15.01.2025", status="canceled",
        canceled_at=moment("2025-01-15 10:00"), ended_at=moment("2025-01-15 10:00"))  # fmt: skip
    add(kettenblatt, "Kassensystem Cloud", "Starter monatlich", "2025-06-02 09:00",
        "came back: reactivated in June 2025")  # fmt: skip
    venezia = plan.customer("Eisdiele Venezia")
    add(venezia, "Kassensystem Cloud", "Starter monatlich", "2024-06-01 09:00")
    add(venezia, "Online-Shop", "Starter monatlich", "2025-04-10 09:00",
        "expansion: a second product added in April 2025")  # fmt: skip
    wuschel = plan.customer("Hundesalon Wuschel", description="Lead from trade fair, no plan")
    return {"haas_twin": twin, "wuschel": wuschel}


def stripe_cancellations(plan: StripePlan) -> dict[str, Customer]:
    add = plan.add
    rebstock = plan.customer("Weinhandlung Rebstock")
    add(rebstock, "Online-Shop", "Pro jährlich", "2024-09-03 11:00",
        "canceled: requested 17.08.2026 (Canceled At), ended 03.09.2026 (Ended At): "
        "active on 31.08.2026", status="canceled", canceled_at=moment("2026-08-17 10:05"),
        ended_at=moment("2026-09-03 11:00"), cancel_at_period_end=True)  # fmt: skip
    add(rebstock, "Kassensystem Cloud", "Starter monatlich", "2025-01-20 14:02")
    kreisel = plan.customer("Spielwaren Kreisel")
    add(kreisel, "Online-Shop", "Pro monatlich", "2025-06-04 10:22",
        "to cancel at period end, no Ended At: ends 04.12.2026 (Current Period End), "
        "active now", canceled_at=moment("2026-11-10 19:40"),
        cancel_at_period_end=True)  # fmt: skip
    leisten = plan.customer("Schuhhaus Leisten")
    add(leisten, "Terminbuchung", "Pro monatlich", "2025-03-22 09:05",
        "canceled at period end, no Ended At: ended 22.07.2026 (Current Period End)",
        status="canceled", canceled_at=moment("2026-07-02 08:00"), cancel_at_period_end=True,
        period_end=moment("2026-07-22 09:05"))  # fmt: skip
    add(leisten, "Kassensystem Cloud", "Pro jährlich", "2025-03-22 09:07")
    safran = plan.customer("Tee & Gewürze Safran")
    add(safran, "Kassensystem Cloud", "Starter monatlich", "2025-02-18 23:50",
        "no Start Date: its start is Created 18.02.2025", without_start_date=True)  # fmt: skip
    return {}


def stripe_status_cases(plan: StripePlan) -> dict[str, Customer]:
    add = plan.add
    atem = plan.customer("Yoga Studio Atem")
    add(atem, "Terminbuchung", "Pro monatlich", "2026-11-08 12:00", "trialing: not yet paying",
        status="trialing",
        trial=(moment("2026-11-08 12:00"), moment("2026-11-22 12:00")))  # fmt: skip
    glanz = plan.customer("Nagelstudio Glanz")
    add(glanz, "Terminbuchung", "Starter monatlich", "2026-11-12 17:31",
        "incomplete: first payment pending, not yet paying", status="incomplete")  # fmt: skip
    add(glanz, "Online-Shop", "Starter monatlich", "2025-09-10 14:00",
        "incomplete_expired: ended the next day, never on a month end",
        status="incomplete_expired", ended_at=moment("2025-09-11 14:00"))  # fmt: skip
    pfote = plan.customer("Zoohandlung Pfote")
    add(pfote, "Online-Shop", "Starter monatlich", "2026-05-04 15:10",
        "paused after its trial; a Stripe export has no pause date: ended without end date",
        status="paused",
        trial=(moment("2026-05-04 15:10"), moment("2026-05-18 15:10")))  # fmt: skip
    add(pfote, "Kassensystem Cloud", "Starter monatlich", "2025-07-14 07:55",
        "past_due: paying class, active", status="past_due")  # fmt: skip
    tonart = plan.customer("Musikhaus Tonart")
    add(tonart, "Online-Shop", "Pro monatlich", "2024-11-02 13:13",
        "unpaid, its last paid period runs to 02.12.2026 (Current Period End): active",
        status="unpaid")  # fmt: skip
    add(tonart, "Kassensystem Cloud", "Starter monatlich", "2025-03-05 08:30",
        "unpaid since its paid period ended 05.10.2026 (Current Period End): unpaid, "
        "active on 30.09.2026", status="unpaid",
        period_end=moment("2026-10-05 08:30"))  # fmt: skip
    funkel = plan.customer("Lichtstudio Funkel")
    add(funkel, "Online-Shop", "Pro monatlich", "2026-08-20 09:00",
        "14-day trial to 03.09.2026 (Trial End): pays from then, not active on 31.08.2026",
        trial=(moment("2026-08-20 09:00"), moment("2026-09-03 09:00")))  # fmt: skip
    add(funkel, "Terminbuchung", "Starter monatlich", "2026-06-10 10:00",
        "canceled when its trial ended (24.06.2026): never paid, never active",
        status="canceled", canceled_at=moment("2026-06-20 18:45"),
        ended_at=moment("2026-06-24 10:00"),
        trial=(moment("2026-06-10 10:00"), moment("2026-06-24 10:00")))  # fmt: skip
    return {}


def plan_stripe_faults(plan: StripePlan, rng: random.Random, clean: list[Row]) -> list[Row]:
    """One row per fault kind; each belongs to a customer who holds other subscriptions."""
    owners = rng.sample(customers_with_subscriptions(plan.customers, clean), 5)
    created = moment("2025-05-12 10:30")
    missing_customer = plan.subscription_cells(owners[0], "Terminbuchung", "Pro monatlich", created)
    missing_customer["Customer ID"] = ""
    impossible = plan.subscription_cells(owners[1], "Online-Shop", "Starter monatlich", created)
    impossible["Start Date (UTC)"] = "2025-02-30 09:15"
    unknown = plan.subscription_cells(owners[2], "Kassensystem Cloud", "Pro jährlich", created)
    unknown["Status"] = "suspended"
    no_amount = plan.add(owners[3], "Terminbuchung", "Starter monatlich", stripe_time(created))
    bad_flag = plan.subscription_cells(owners[4], "Online-Shop", "Pro monatlich", created)
    bad_flag["Cancel At Period End"] = "perhaps"
    original = plain_row(clean, len(clean) // 4)
    first = plain_row(clean, len(clean) // 2)
    conflict = dict(first.cells)
    conflict["Status"] = "canceled" if conflict["Status"] != "canceled" else "active"
    conflict["Amount"] = "99.00"
    return [
        rejected(missing_customer, [("Customer ID", MISSING_ID)], "Customer ID empty"),
        rejected(impossible, [("Start Date (UTC)", INVALID_DATE)], "impossible date"),
        rejected(unknown, [("Status", UNKNOWN_STATUS)], "unknown status"),
        with_unreadable_amount(no_amount, "TBD"),
        rejected(bad_flag, [("Cancel At Period End", INVALID_BOOLEAN)], "not a boolean"),
        duplicate_of(original),
        conflicting_duplicate_of(
            first, conflict, "id", "other status and amount (the first is kept)"
        ),
    ]


def stripe_customer_rows(plan: StripePlan, rng: random.Random, special: dict) -> list[Row]:
    first_created: dict[str, datetime] = {}
    for row in plan.rows:
        created = datetime.strptime(row.cells["Created (UTC)"], "%Y-%m-%d %H:%M")
        customer_id = row.subscription.customer_id
        first_created[customer_id] = min(first_created.get(customer_id, created), created)
    rows = []
    for customer in plan.customers:
        created = first_created.get(customer.customer_id, datetime(2026, 3, 11, 16, 20))
        created -= timedelta(minutes=rng.randint(1, 600))
        cells = {
            "id": customer.customer_id,
            "Email": customer.email,
            "Name": customer.name,
            "Description": customer.description,
            "Created (UTC)": stripe_time(created),
        }
        rows.append(Row(cells, customer=customer))
    rows.sort(key=lambda row: (row.cells["Created (UTC)"], row.cells["id"]), reverse=True)
    for row in rows:
        if row.customer is special["wuschel"]:
            row.note = "customer with no subscription"
        if row.customer is special["haas_twin"]:
            row.note = "same email as Blumen Haas, other case and blanks (probable duplicate)"
    # A guest customer: a payment without a Customer object has no id (and no
    # description); accepted, counted as a guest, no customer.
    no_id = {
        "id": "",
        "Email": "kasse@cafe-sonnenschein.de",
        "Name": "Café Sonnenschein",
        "Description": "",
        "Created (UTC)": "2024-07-01 08:00",
    }
    rows.insert(6, guest(no_id, "guest customer without an id: accepted, no customer"))
    copied = plain_row(rows, 12)
    rows.insert(20, duplicate_of(copied))
    return rows


def build_stripe(rng: random.Random) -> Export:
    plan = StripePlan(rng)
    special = plan_stripe_stories(plan)
    used = {"Goldschmiede Öse", "Café Sonnenschein"}  # the orphan, the guest without an id
    used |= {customer.name for customer in plan.customers}
    for name in (shop for shop in SHOPS if shop not in used):
        plan_stripe_random_customer(plan, name)
    # Stripe lists the newest subscription first.
    clean = sorted(
        plan.rows, key=lambda row: (row.cells["Created (UTC)"], row.cells["id"]), reverse=True
    )
    faults = plan_stripe_faults(plan, rng, clean)
    subscriptions = list(clean)
    for offset, fault in zip(range(4, 10_000, 8), faults, strict=False):
        subscriptions.insert(offset, fault)
    customers = stripe_customer_rows(plan, rng, special)
    return Export(
        source="stripe",
        subscription_header=STRIPE_SUBSCRIPTION_HEADER,
        customer_header=STRIPE_CUSTOMER_HEADER,
        subscriptions=subscriptions,
        customers=customers,
        delimiter=",",
        line_end="\n",
        bom=False,
        customer_title=STRIPE_CUSTOMER_TITLE,
    )


# --------------------------------------------------------------------------------------
# Writing the files. Physical lines are counted from what is written: a record starts on
# the line after the previous record's last line, and a quoted newline adds a line.


def csv_text(export: Export, header: tuple[str, ...], rows: list[Row], title: str | None) -> str:
    buffer = io.StringIO(newline="")
    if title:
        buffer.write(title + export.line_end)
    writer = csv.writer(buffer, delimiter=export.delimiter, lineterminator=export.line_end)
    writer.writerow(header)
    line = 2 + (1 if title else 0)
    for row in rows:
        values = [row.cells[column] for column in header]
        writer.writerow(values)
        row.line = line
        line += 1 + sum(value.count("\n") for value in values)
    return ("\ufeff" if export.bom else "") + buffer.getvalue()


def check_duplicates(rows: list[Row], id_column: str) -> None:
    """The plan's promise about duplicates must hold in the file as written: an exact copy
    follows an accepted row equal in every cell; a conflicting row follows an accepted row
    with the same ID; no accepted row repeats an accepted row's ID."""
    seen_cells: set[tuple] = set()
    seen_ids: set[str] = set()
    for row in rows:
        cells = tuple(row.cells.values())
        conflicting = (id_column, CONFLICTING_DUPLICATE) in row.errors
        if row.outcome == "duplicate" and cells not in seen_cells:
            raise AssertionError(f"line {row.line}: no earlier row to duplicate")
        if conflicting != (row.outcome != "duplicate" and row.cells[id_column] in seen_ids):
            raise AssertionError(f"line {row.line}: conflicting duplicate not as planned")
        if row.outcome == "accepted":
            seen_cells.add(cells)
            seen_ids.add(row.cells[id_column])


def resolve_notes(rows: Iterable[Row]) -> None:
    """Name the line a duplicate repeats, now that lines are known."""
    for row in rows:
        if row.refers_to:
            row.note = row.note.format(line=row.refers_to.line)


def write_export(export: Export, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "subscriptions.csv": (export.subscription_header, export.subscriptions, None),
        "customers.csv": (export.customer_header, export.customers, export.customer_title),
    }
    for name, (header, rows, title) in files.items():
        (folder / name).write_bytes(csv_text(export, header, rows, title).encode("utf-8"))
        check_duplicates(rows, header[0])
    resolve_notes(export.subscriptions)
    resolve_notes(export.customers)
    expected = expected_answers(export)
    (folder / "expected.json").write_text(json_text(expected), encoding="utf-8", newline="\n")
    (folder / "README.md").write_text(readme(export, expected), encoding="utf-8", newline="\n")
    return expected


def json_text(value: object) -> str:
    """JSON with two-space indents, containers holding only scalars kept on one line."""
    return _json_lines(value, 0) + "\n"


def _json_lines(value: object, depth: int) -> str:
    children = value.values() if isinstance(value, dict) else value
    if not isinstance(value, dict | list) or not any(
        isinstance(child, dict | list) for child in children
    ):
        return json.dumps(value, ensure_ascii=False)
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict):
        items = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {_json_lines(v, depth + 1)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    items = [f"{inner}{_json_lines(item, depth + 1)}" for item in value]
    return "[\n" + ",\n".join(items) + f"\n{pad}]"


# --------------------------------------------------------------------------------------
# The right answers, by DOMAIN.md, brute force: each subscription checked on each day.


def is_active(sub: Subscription, day: date) -> bool:
    """DOMAIN.md: start <= day < end (no end: open), class not 'not yet paying', a paying
    one not within its trial on that day; a subscription that never paid is never active;
    an ended or paused subscription without an end, or without a start, cannot be placed
    in time and is never active; an unpaid one without the end of its last paid period is
    never active."""
    if sub.status_class == NOT_YET_PAYING or sub.never_active or not can_be_placed(sub):
        return False
    if sub.status_class == UNPAID and sub.end is None:
        return False
    if sub.trial_end is not None and day < sub.trial_end:
        return False
    return sub.start <= day and (sub.end is None or day < sub.end)


def in_trial(sub: Subscription, day: date) -> bool:
    """A paying subscription whose trial ends after `day` is not yet paying on it."""
    return sub.status_class == PAYING and sub.trial_end is not None and sub.trial_end > day


def without_end_date(sub: Subscription) -> bool:
    return sub.status_class in (ENDED, PAUSED) and sub.end is None and not sub.never_active


def without_start_date(sub: Subscription) -> bool:
    """Ended, paused or unpaid, an end but no start (without an end it is
    without_end_date); a row that never paid needs no dates."""
    return (
        sub.status_class in (ENDED, PAUSED, UNPAID)
        and sub.end is not None
        and sub.start is None
        and not sub.never_active
    )


def can_be_placed(sub: Subscription) -> bool:
    # Only rows that are not paying are accepted without a start (a live one is rejected).
    return sub.start is not None and not without_end_date(sub)


def may_be_active(sub: Subscription) -> bool:
    """Whether the history can count it on some day: placed in time, paying once."""
    if sub.status_class == NOT_YET_PAYING or sub.never_active or not can_be_placed(sub):
        return False
    return not (sub.status_class == UNPAID and sub.end is None)


def observed_days(subs: list[Subscription]) -> list[tuple[str, date]]:
    """(YYYY-MM, observed day) from the month of the earliest start of a subscription that
    can be placed and may be active, to the as-of month, observed on its last day / as-of."""
    starts = [s.start for s in subs if may_be_active(s)]
    year, month = min(starts).year, min(starts).month
    days = []
    while (year, month) <= (AS_OF.year, AS_OF.month):
        last = date(year, month, days_in_month(year, month))
        days.append((f"{year:04d}-{month:02d}", min(last, AS_OF)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def active_counts(subs: list[Subscription], day: date) -> Counter:
    """Customer ID -> number of its subscriptions active on `day` for customer figures:
    a subscription replaced by a plan change lasts until its successor starts."""
    return Counter(sub.customer_id for sub in subs if is_active_for_customer(sub, day))


def is_active_for_customer(sub: Subscription, day: date) -> bool:
    if sub.customer_end is None or sub.customer_end == sub.end:
        return is_active(sub, day)
    return is_active(sub, day) or (sub.start <= day < sub.customer_end)


PLAN_CHANGE_WINDOW_DAYS = 1  # DOMAIN.md's default


def plan_changes(subs: list[Subscription]) -> None:
    """DOMAIN.md, "Plan changes", checked pair by pair: an ended subscription is replaced
    by the earliest-starting other subscription of its customer that started after it, by
    the as-of date, within the window of its end; same product: a plan change, else a
    product switch. Customer figures let the old one last until the new one starts."""
    placed = [s for s in subs if s.status_class != NOT_YET_PAYING and can_be_placed(s)]
    for sub in subs:
        sub.customer_end, sub.replaced_by = sub.end, None
        if sub not in placed or sub.end is None:
            continue
        successors = [
            other
            for other in placed
            if other.customer_id == sub.customer_id
            and other.start > sub.start
            and other.start <= AS_OF
            and abs((other.start - sub.end).days) <= PLAN_CHANGE_WINDOW_DAYS
        ]
        if successors:
            first = min(other.start for other in successors)
            same = any(o.product == sub.product for o in successors if o.start == first)
            sub.customer_end = max(sub.end, first)
            sub.replaced_by = "plan" if same else "product"


def currency_key(currency: str | None) -> tuple[bool, str]:
    """Currencies by code, the subscriptions without one last."""
    return (currency is None, currency or "")


def upper(currency: str | None) -> str | None:
    return currency.strip().upper() if currency and currency.strip() else None


def expected_revenue(active_subs: list[Subscription]) -> list[dict]:
    """Per currency: MRR, customers and subscriptions with MRR, ARPA, ARPU, and the active
    subscriptions without an amount."""
    revenue = []
    for currency in sorted({upper(s.currency) for s in active_subs}, key=currency_key):
        mine = [s for s in active_subs if upper(s.currency) == currency]
        priced = [s for s in mine if s.mrr is not None]
        total = sum(s.mrr for s in priced)
        customers = len({s.customer_id for s in priced})
        revenue.append(
            {
                "currency": currency,
                "mrr": total / 100,
                "customers": customers,
                "subscriptions": len(priced),
                "arpa": round(total / customers / 100, 2) if customers else None,
                "arpu_per_subscription": round(total / len(priced) / 100, 2) if priced else None,
                "subscriptions_without_amount": len(mine) - len(priced),
            }
        )
    return revenue


def currency_mrr(subs: list[Subscription]) -> list[dict]:
    """MRR per currency of the subscriptions with one, by code."""
    totals: dict[str | None, int] = defaultdict(int)
    for sub in subs:
        if sub.mrr is not None:
            totals[upper(sub.currency)] += sub.mrr
    return [
        {"currency": currency, "mrr": totals[currency] / 100}
        for currency in sorted(totals, key=currency_key)
    ]


MOVEMENTS = ("new", "reactivation", "expansion", "contraction", "churn")


def expected_revenue_months(subs: list[Subscription]) -> list[list[dict]]:
    """Per observed day: per currency that ever has MRR, the MRR and its movements per
    customer since the day before (DOMAIN.md: new, reactivation, expansion, contraction,
    churn), from the customers' MRR on each day."""
    days = [day for _, day in observed_days(subs)]
    values = []
    for day in days:
        mrr: Counter = Counter()
        for sub in subs:
            if sub.mrr is not None and is_active_for_customer(sub, day):
                mrr[sub.customer_id, upper(sub.currency)] += sub.mrr
        values.append(mrr)
    currencies = sorted(
        {key[1] for mrr in values for key, v in mrr.items() if v > 0}, key=currency_key
    )
    months, previous, had = [], Counter(), set()
    for mrr in values:
        moves = {currency: dict.fromkeys(MOVEMENTS, 0) for currency in currencies}
        for key in set(mrr) | set(previous):
            before, after = previous[key], mrr[key]
            if key[1] not in moves:
                continue
            move = moves[key[1]]
            if before == 0 and after > 0:
                move["reactivation" if key in had else "new"] += after
            elif before > 0 and after == 0:
                move["churn"] += before
            elif after > before:
                move["expansion"] += after - before
            elif after < before:
                move["contraction"] += before - after
        months.append(
            [
                {
                    "currency": currency,
                    "mrr": sum(v for k, v in mrr.items() if k[1] == currency) / 100,
                    **{name: moves[currency][name] / 100 for name in MOVEMENTS},
                }
                for currency in currencies
            ]
        )
        had |= {key for key, value in mrr.items() if value > 0}
        previous = mrr
    return months


def expected_timeline(subs: list[Subscription]) -> list[dict]:
    months = []
    previous_subs: set[str] = set()
    previous: Counter = Counter()
    ever_active: set[str] = set()
    replaced = {sub.subscription_id: sub.replaced_by for sub in subs if sub.replaced_by}
    revenue = expected_revenue_months(subs)
    for (period, day), month_revenue in zip(observed_days(subs), revenue, strict=True):
        active_subs = {sub.subscription_id for sub in subs if is_active(sub, day)}
        counts = active_counts(subs, day)
        now, before = set(counts), set(previous)
        arrived = now - before
        new = arrived - ever_active
        reactivated = arrived & ever_active
        churned = before - now
        both = now & before
        month = {
            "period": period,
            "date": day.isoformat(),
            "subscriptions_active": len(active_subs),
            "subscriptions_new": len(active_subs - previous_subs),
            "subscriptions_ended": len(previous_subs - active_subs),
            "customers_active": len(now),
            "customers_new": len(new),
            "customers_reactivated": len(reactivated),
            "customers_churned": len(churned),
            "customers_expanded": sum(counts[c] > previous[c] for c in both),
            "customers_contracted": sum(counts[c] < previous[c] for c in both),
            "subscriptions_net": len(active_subs) - len(previous_subs),
            "customers_net": len(new) + len(reactivated) - len(churned),
            "plan_changes": sum(s in replaced for s in previous_subs - active_subs),
            "product_switches": sum(
                replaced.get(s) == "product" for s in previous_subs - active_subs
            ),
            "revenue": month_revenue,
        }
        months.append(month)
        ever_active |= now
        previous_subs, previous = active_subs, counts
    return months


def accepted(rows: list[Row]) -> list[Row]:
    return [row for row in rows if row.outcome == "accepted"]


def input_summary(source: str, rows: list[Row]) -> dict:
    return {
        "source": source,
        "rows_read": len(rows),
        "rows_accepted": sum(row.outcome in ("accepted", "guest") for row in rows),
        "rows_rejected": sum(row.outcome == "rejected" for row in rows),
        "duplicate_rows_removed": sum(row.outcome == "duplicate" for row in rows),
        "duplicate_lines": [row.line for row in rows if row.outcome == "duplicate"],
        "guest_lines": [row.line for row in rows if row.outcome == "guest"],
    }


def duplicate_groups(customers: list[Customer], active: set[str]) -> list[dict]:
    by_email = defaultdict(set)
    for customer in customers:
        if customer.email.strip():
            by_email[customer.email.strip().lower()].add(customer.customer_id)
    return [
        {
            "key": key,
            "customer_ids": sorted(ids),
            "active_customer_ids": sorted(ids & active),
        }
        for key, ids in sorted(by_email.items())
        if len(ids) > 1
    ]


def expected_answers(export: Export) -> dict:
    subs = [row.subscription for row in accepted(export.subscriptions)]
    plan_changes(subs)
    customers = [row.customer for row in accepted(export.customers)]
    export_ids = {customer.customer_id for customer in customers}
    with_rows = {sub.customer_id for sub in subs}
    active_subs = [sub for sub in subs if is_active(sub, AS_OF)]
    holdings = active_counts(subs, AS_OF)
    active_customers = set(holdings)
    known = with_rows | export_ids
    not_yet = [s for s in subs if s.status_class == NOT_YET_PAYING or in_trial(s, AS_OF)]
    paused = [s for s in subs if s.status_class == PAUSED and not is_active(s, AS_OF)]
    unpaid = [s for s in subs if s.status_class == UNPAID and not is_active(s, AS_OF)]
    ended = [
        s
        for s in subs
        if s.status_class in (PAYING, ENDED) and not is_active(s, AS_OF) and not in_trial(s, AS_OF)
    ]
    orphans = [sub for sub in subs if sub.customer_id not in export_ids]
    groups = duplicate_groups(customers, active_customers)
    totals = {
        "subscriptions_active": len(active_subs),
        "customers_active": len(active_customers),
        "customers_known": len(known),
        "subscriptions_not_yet_paying": len(not_yet),
        "subscriptions_paused": len(paused),
        "subscriptions_unpaid": len(unpaid),
        "subscriptions_ended": len(ended),
        "subscriptions_never_active": sum(sub.never_active for sub in subs),
        "customers_without_active_subscription": len(known - active_customers),
        "customers_without_subscriptions": len(export_ids - with_rows),
        "orphan_subscriptions": len(orphans),
        "ended_without_end_date": sum(without_end_date(sub) for sub in subs),
        "ended_without_start_date": sum(without_start_date(sub) for sub in subs),
        "customers_guests": sum(row.outcome == "guest" for row in export.customers),
    }
    subscriptions_input = input_summary(export.source, export.subscriptions)
    customers_input = input_summary(export.source, export.customers)
    merged_away = sum(max(len(g["active_customer_ids"]) - 1, 0) for g in groups)
    return {
        "as_of": AS_OF.isoformat(),
        "inputs": {"subscriptions": subscriptions_input, "customers": customers_input},
        "totals": totals,
        "by_product": by_product(active_subs),
        "revenue": expected_revenue(active_subs),
        "subscriptions_per_customer": [
            {"subscriptions": held, "customers": count}
            for held, count in sorted(Counter(holdings.values()).items())
        ],
        "product_overlap": product_overlap(active_subs),
        "timeline": expected_timeline(subs),
        "bridge": subscription_bridge(subscriptions_input, totals, merged_away),
        "customer_bridge": customer_bridge(customers_input, export_ids, active_customers),
        "probable_duplicate_groups": groups,
        "rejections": rejection_list(export),
        "warnings": rejection_list(export, warnings=True),
        "quality": {
            "orphan_subscriptions": sorted(sub.subscription_id for sub in orphans),
            "customers_without_subscriptions": sorted(export_ids - with_rows),
            "ended_without_end_date": sorted(
                sub.subscription_id for sub in subs if without_end_date(sub)
            ),
            "ended_without_start_date": sorted(
                sub.subscription_id for sub in subs if without_start_date(sub)
            ),
            "contradictions": sorted(
                sub.subscription_id
                for sub in subs
                if sub.status_class == PAYING and sub.end is not None and sub.end <= AS_OF
            ),
            "currencies": dict(sorted(Counter(sub.currency for sub in active_subs).items()))
            if any(sub.currency for sub in active_subs)
            else {},
        },
    }


def by_product(active_subs: list[Subscription]) -> list[dict]:
    subscriptions = Counter(sub.product for sub in active_subs)
    customers = defaultdict(set)
    for sub in active_subs:
        customers[sub.product].add(sub.customer_id)
    ordered = sorted(subscriptions, key=lambda product: (-subscriptions[product], product))
    return [
        {
            "product": product,
            "subscriptions_active": subscriptions[product],
            "customers_active": len(customers[product]),
            "revenue": currency_mrr([sub for sub in active_subs if sub.product == product]),
        }
        for product in ordered
    ]


def product_overlap(active_subs: list[Subscription]) -> list[dict]:
    products_of = defaultdict(set)
    for sub in active_subs:
        products_of[sub.customer_id].add(sub.product)
    pairs = Counter(
        pair for products in products_of.values() for pair in combinations(sorted(products), 2)
    )
    ordered = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    return [{"product_a": a, "product_b": b, "customers": n} for (a, b), n in ordered]


def bridge(steps: list[tuple[str, str, int]]) -> list[dict]:
    """(step, kind, amount) -> steps with signed count and running total."""
    walked, total = [], 0
    for step, kind, amount in steps:
        if kind == "start":
            total = count = amount
        elif kind == "subtotal":
            if amount != total:
                raise AssertionError(f"{step}: walked to {total}, expected {amount}")
            count = total
        else:
            count = amount if kind == "add" else -amount
            total += count
        walked.append({"step": step, "kind": kind, "count": count, "total": total})
    return walked


def subscription_bridge(inputs: dict, totals: dict, merged_away: int) -> list[dict]:
    active, customers = totals["subscriptions_active"], totals["customers_active"]
    return bridge(
        [
            ("rows_read", "start", inputs["rows_read"]),
            ("rejected", "subtract", inputs["rows_rejected"]),
            ("duplicates_removed", "subtract", inputs["duplicate_rows_removed"]),
            ("rows_accepted", "subtotal", inputs["rows_accepted"]),
            ("not_yet_paying", "subtract", totals["subscriptions_not_yet_paying"]),
            ("paused", "subtract", totals["subscriptions_paused"]),
            ("unpaid", "subtract", totals["subscriptions_unpaid"]),
            ("ended", "subtract", totals["subscriptions_ended"]),
            ("subscriptions_active", "subtotal", active),
            ("extra_subscriptions", "subtract", active - customers),
            ("customers_active", "subtotal", customers),
            ("probable_duplicates", "subtract", merged_away),
            ("customers_active_if_merged", "subtotal", customers - merged_away),
        ]
    )


def customer_bridge(inputs: dict, export_ids: set[str], active: set[str]) -> list[dict]:
    # Guest customers are accepted rows without an ID: walked past when there are any.
    guests = len(inputs["guest_lines"])
    return bridge(
        [
            ("customer_rows_read", "start", inputs["rows_read"]),
            ("customer_rows_rejected", "subtract", inputs["rows_rejected"]),
            ("customer_duplicates_removed", "subtract", inputs["duplicate_rows_removed"]),
            *([("customer_guests", "subtract", guests)] if guests else []),
            ("customers_in_export", "subtotal", inputs["rows_accepted"] - guests),
            ("customers_without_active_subscription", "subtract", len(export_ids - active)),
            ("customers_only_in_subscriptions", "add", len(active - export_ids)),
            ("customers_active", "subtotal", len(active)),
        ]
    )


def rejection_list(export: Export, *, warnings: bool = False) -> list[list]:
    """[file, line, column, code] of every row error of the rejected rows (`warnings`: of
    the accepted rows), in file order."""
    found = []
    for name, rows in (
        ("customers.csv", export.customers),
        ("subscriptions.csv", export.subscriptions),
    ):
        for row in rows:
            errors = row.warnings if warnings else row.errors
            found.extend([name, row.line, column, code] for column, code in errors)
    return sorted(found)


# --------------------------------------------------------------------------------------
# The README of each folder: the files, their faults by line, and the answers in words.

README_INTRO = {
    "zoho": (
        "# Zoho Billing sample export\n\n"
        "A German vendor of software maintenance (*Wartungsverträge*): one contract per "
        "module (ERP Suite, Lohn & Gehalt, Finanzbuchhaltung, Warenwirtschaft, DMS "
        "Archiv), plans *Wartung Basis* / *Wartung Premium*, monthly or yearly. Zoho's "
        '"Active Customers" counts these contracts; this folder shows by how much that '
        "differs from the customers who hold them.\n\n"
        "Format as Zoho's German exports write it: UTF-8 **with BOM**, `;` between "
        "fields, CRLF line ends, dates `dd.MM.yyyy`, decimal commas (`1.650,00`), IDs as "
        'long digit strings (keep them as text). One customer name holds `;` and `"`, '
        "one Reference# holds an address over two lines (a quoted field with an embedded "
        "newline: the records after it start one physical line further down).\n"
    ),
    "stripe": (
        "# Stripe sample export\n\n"
        "A small SaaS for shops (Kassensystem Cloud, Online-Shop, Terminbuchung), billed "
        "monthly or yearly through Stripe.\n\n"
        "Format as the Stripe Dashboard exports it: UTF-8 without BOM, `,` between "
        "fields, LF line ends, timestamps `yyyy-MM-dd HH:mm` in UTC columns, a metadata "
        "column `tier (metadata)`. `customers.csv` has a title line above its header, so "
        "its header is line 2. Stripe's `Canceled At` is when a cancellation was "
        "*requested*; a subscription stops counting at `Ended At`, else, when set to "
        "cancel at period end, at `Current Period End`.\n"
    ),
}


def readme(export: Export, expected: dict) -> str:
    totals = expected["totals"]
    system = "Zoho" if export.source == "zoho" else "A subscription-counting report"
    parts = [
        README_INTRO[export.source],
        "Generated by `python sample_exports/generate.py` (do not edit by hand); "
        "`expected.json` holds the right answers, worked out by the generator from "
        "its own plan by the definitions of DOMAIN.md, independently of the product.\n",
        "## The answer\n",
        f"As of **{AS_OF.isoformat()}** there are **{totals['customers_active']} active "
        f"customers** holding **{totals['subscriptions_active']} active subscriptions**. "
        f"{system} would call the {totals['subscriptions_active']} subscriptions "
        f'"active customers".\n',
        markdown_table(("figure", "value"), list(totals.items())),
        "## The files\n",
        markdown_table(
            ("file", "rows read", "accepted", "rejected", "duplicates removed"),
            [
                (
                    f"`{name}.csv`",
                    summary["rows_read"],
                    summary["rows_accepted"],
                    summary["rows_rejected"],
                    summary["duplicate_rows_removed"],
                )
                for name, summary in expected["inputs"].items()
            ],
        ),
        "## Faults, by line\n",
        "Lines are physical lines of the file, 1-based"
        + (
            ", the title line is line 1 and the header line 2 in `customers.csv`"
            if export.customer_title
            else ", the header is line 1"
        )
        + ". A rejected row with two faults has two errors. A value that no figure uses and "
        "that cannot be read (an amount) is a warning: the row is kept and counted.\n",
        markdown_table(
            ("file", "line", "column", "value", "code / outcome", "why"),
            fault_lines(export),
        ),
        "## Rows worth a look (accepted)\n",
        markdown_table(("file", "line", "ID", "what it shows"), noted_lines(export)),
        "## Per product (active on the as-of date)\n",
        markdown_table(
            ("product", "subscriptions", "customers", "MRR"),
            [
                (
                    item["product"],
                    item["subscriptions_active"],
                    item["customers_active"],
                    ", ".join(
                        f"{r['mrr']:.2f} {r['currency'] or '(no currency)'}"
                        for r in item["revenue"]
                    ),
                )
                for item in expected["by_product"]
            ],
        ),
        "## Revenue (active on the as-of date)\n",
        "MRR per currency: the amount (times the quantity where it is per unit) over the "
        "months of the billing interval, per subscription to the cent; ARPA per customer, "
        "ARPU per subscription (as Zoho computes it).\n",
        markdown_table(
            ("currency", "MRR", "customers", "ARPA", "subscriptions", "ARPU", "without amount"),
            [
                (
                    r["currency"] or "(no currency)",
                    f"{r['mrr']:.2f}",
                    r["customers"],
                    "–" if r["arpa"] is None else f"{r['arpa']:.2f}",
                    r["subscriptions"],
                    "–"
                    if r["arpu_per_subscription"] is None
                    else f"{r['arpu_per_subscription']:.2f}",
                    r["subscriptions_without_amount"],
                )
                for r in expected["revenue"]
            ],
        ),
        "## Customers by number of active subscriptions\n",
        markdown_table(
            ("active subscriptions", "customers"),
            [tuple(item.values()) for item in expected["subscriptions_per_customer"]],
        ),
        "## Customers in two products\n",
        markdown_table(
            ("product", "product", "customers"),
            [tuple(item.values()) for item in expected["product_overlap"]],
        ),
        "## From rows to customers\n",
        markdown_table(
            ("step", "count", "total"),
            [(s["step"], s["count"], s["total"]) for s in expected["bridge"]],
        ),
        markdown_table(
            ("step (customers export)", "count", "total"),
            [(s["step"], s["count"], s["total"]) for s in expected["customer_bridge"]],
        ),
        "## Month ends\n",
        "Each month observed on its last day, the last month on the as-of date. "
        '"net" is what a subscription-counting report calls net customers.\n',
        markdown_table(
            (
                "month",
                "subscriptions",
                "net",
                "customers",
                "new",
                "reactivated",
                "churned",
                "expanded",
                "contracted",
            ),
            [
                (
                    m["period"],
                    m["subscriptions_active"],
                    m["subscriptions_net"],
                    m["customers_active"],
                    m["customers_new"],
                    m["customers_reactivated"],
                    m["customers_churned"],
                    m["customers_expanded"],
                    m["customers_contracted"],
                )
                for m in expected["timeline"]
            ],
        ),
    ]
    return "\n".join(parts)


def fault_lines(export: Export) -> list[tuple]:
    table = []
    files = (("subscriptions.csv", export.subscriptions), ("customers.csv", export.customers))
    for name, rows in files:
        for row in rows:
            if row.outcome == "duplicate":
                table.append((f"`{name}`", row.line, "", "", "duplicate row removed", row.note))
            for column, code in row.errors:
                value = f"`{row.cells[column]}`" if row.cells[column] else "(empty)"
                table.append((f"`{name}`", row.line, column, value, code, row.note))
            for column, code in row.warnings:
                value = f"`{row.cells[column]}`"
                table.append((f"`{name}`", row.line, column, value, f"{code} (warning)", row.note))
    return table


def noted_lines(export: Export) -> list[tuple]:
    table = []
    files = (("subscriptions.csv", export.subscriptions), ("customers.csv", export.customers))
    for name, rows in files:
        for row in rows:
            if row.outcome == "guest":
                table.append((f"`{name}`", row.line, "(none)", row.note))
            # A row with a warning is told in the faults table already.
            if row.outcome == "accepted" and row.note and not row.warnings:
                record_id = (
                    row.subscription.subscription_id
                    if row.subscription
                    else row.customer.customer_id
                )
                table.append((f"`{name}`", row.line, f"`{record_id}`", row.note))
    return table


def markdown_table(header: tuple[str, ...], rows: Iterable[tuple]) -> str:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------

BUILDERS: dict[str, Callable[[random.Random], Export]] = {
    "zoho": build_zoho,
    "stripe": build_stripe,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    for offset, (name, build) in enumerate(BUILDERS.items()):
        export = build(random.Random(SEED + offset))
        write_export(export, args.out / name)


if __name__ == "__main__":
    main()
