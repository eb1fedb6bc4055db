"""The billing system's own figures beside reconcile's (DOMAIN.md, "The billing system's
own figures").

A figure is a number the billing system shows for a day or a month: typed in with
`--billing-figure "Aktive Kunden=155"` or read from its report export (reading's
billing_report). For each, the comparison puts beside it reconcile's subscription count
and customer count for the same period, and where the billing system's number differs
from the subscription count, names the statuses whose subscriptions make up the
difference exactly: the paying statuses it left out when its number is lower, the
not-active statuses it counted when higher. Only the smallest such set is named, and
none when no set, or more than one smallest set, does: an explanation is never forced.

The search runs over the per-status counts of the period (a handful of numbers), never
over rows.
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TypeVar

import polars as pl

from reconcile import plan_changes, revenue, sources
from reconcile.canonical import (
    ENDED,
    FIGURE_ACTIVATIONS,
    FIGURE_ACTIVE,
    FIGURE_ARPU,
    FIGURE_CANCELLATIONS,
    FIGURE_KINDS,
    FIGURE_MRR,
    FIGURE_NET,
    PAYING,
    UNPAID,
)
from reconcile.problems import ReconcileError
from reconcile.result import BillingFigure
from reconcile.sources import normalize_header

# The figures by kind (canonical.FIGURE_KINDS; their names per source and language are
# in the source files' [figures] tables). Counts of subscriptions:
ACTIVE = FIGURE_ACTIVE  # active subscriptions on the period's day
NET = FIGURE_NET  # their change over the period
ACTIVATIONS = FIGURE_ACTIVATIONS  # became active in the period
CANCELLATIONS = FIGURE_CANCELLATIONS  # stopped being active in the period
COUNT_KINDS = (ACTIVE, NET, ACTIVATIONS, CANCELLATIONS)
# Money, in one currency:
MRR = FIGURE_MRR  # the active subscriptions' MRR on the period's day
ARPU = FIGURE_ARPU  # Zoho's ARPU: that MRR / the active subscriptions with MRR
MONEY_KINDS = (MRR, ARPU)

# Currency symbols a typed or exported value may carry, and the code each stands for.
CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "Fr.": "CHF"}
_CODE = re.compile(r"\b([A-Z]{3})\b")

# How a comparison came out.
MATCH = "match"  # the billing system's number is the subscription count
EXPLAINED = "explained"  # one smallest set of statuses makes up the difference exactly
AMBIGUOUS = "ambiguous"  # several smallest sets would: none is named
UNEXPLAINED = "unexplained"  # no set of statuses makes up the difference
AFTER_AS_OF = "after_as_of"  # the period lies after the as-of date: nothing to compare

OPTION = "--billing-figure"

# More candidate statuses than this are not searched (2^16 sets); billing systems have
# a handful of statuses, so this only guards against a mapping file listing dozens.
MAX_CANDIDATES = 16
T = TypeVar("T")  # a candidate status's effect: a count, or (MRR cents, subscriptions)

_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --------------------------------------------------------------------------- the names


@dataclass(frozen=True)
class Catalogue:
    """The known figures: normalised name -> kind, and the names per kind and language."""

    kinds: Mapping[str, str]
    names: Mapping[str, Mapping[str, tuple[str, ...]]]  # kind -> language -> names
    period_headers: tuple[str, ...]

    def kind_of(self, name: str) -> str | None:
        return self.kinds.get(normalize_header(name))

    def known_names(self) -> tuple[str, ...]:
        """Every name once, kind by kind, English first."""
        return tuple(
            dict.fromkeys(
                name
                for by_language in self.names.values()
                for names in by_language.values()
                for name in names
            )
        )


@cache
def catalogue() -> Catalogue:
    """The built-in catalogue: the figure names of every source file's `[figures]` tables
    (the billing systems' own words first, generic.toml's neutral ones last) and the
    report export's period column of sources/reports/billing_report.toml."""
    return _catalogue(
        [source.figure_names for source in sources.all_sources()], _layout(), base=None
    )


def _layout() -> Mapping:
    """The built-in report layout: its `[billing_report.columns]`."""
    text = (
        resources.files("reconcile.sources")
        .joinpath("reports/billing_report.toml")
        .read_text("utf-8")
    )
    return tomllib.loads(text).get("billing_report", {}).get("columns", {})


def _catalogue(
    figure_names: Iterable[sources.FigureNames], columns: Mapping, base: Catalogue | None
) -> Catalogue:
    """A catalogue of sources' figure names (language -> kind -> names, each earlier
    one's names first) and a `[billing_report.columns]` table (period headers, and
    headers per figure kind), put before the names of `base`."""
    names: dict[str, dict[str, tuple[str, ...]]] = {kind: {} for kind in FIGURE_KINDS}
    for source_names in figure_names:
        for language, by_kind in sorted(source_names.items(), key=lambda item: item[0] != "en"):
            for kind, aliases in by_kind.items():
                _add(names[kind], language, tuple(aliases))
    for kind, headers in columns.items():
        if kind != "period":
            _check_kind(kind)
            _add(names[kind], MAPPED, (headers,) if isinstance(headers, str) else tuple(headers))
    if base is not None:
        for kind, base_names in base.names.items():
            for language, aliases in base_names.items():
                _add(names[kind], language, aliases)
    period = tuple(columns.get("period", ())) + (base.period_headers if base else ())
    kinds: dict[str, str] = {}
    for kind, by_language in names.items():
        for aliases in by_language.values():
            for alias in aliases:
                kinds.setdefault(normalize_header(alias), kind)
    return Catalogue(kinds=kinds, names=names, period_headers=period)


# The "language" of the headers a mapping file's [billing_report.columns] names.
MAPPED = "mapped"


def _add(by_language: dict[str, tuple[str, ...]], language: str, aliases: Sequence[str]) -> None:
    known = by_language.get(language, ())
    by_language[language] = known + tuple(a for a in aliases if a not in known)


def _check_kind(kind: str) -> None:
    if kind not in FIGURE_KINDS:
        raise ReconcileError(
            f"[billing_report.columns] {kind} is not a figure; "
            f"figures are: period, {', '.join(FIGURE_KINDS)}"
        )


def catalogue_for(mapping_file: Path | str | None) -> Catalogue:
    """The built-in catalogue, extended by a mapping file: the names of its `[figures]`
    tables (read as a source file's are) and the columns of its `[billing_report]` table."""
    if mapping_file is None:
        return catalogue()
    path = Path(mapping_file)
    mapping = sources.load_mapping_file(path)
    try:
        document = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ReconcileError(f"mapping file {path} cannot be read: {error}") from None
    columns = document.get("billing_report", {})
    columns = columns.get("columns", {}) if isinstance(columns, dict) else {}
    if not isinstance(columns, dict):
        raise ReconcileError(f"mapping file {path}: [billing_report.columns] must be a table")
    for kind, headers in columns.items():
        texts = [headers] if isinstance(headers, str) else headers
        if not isinstance(texts, list) or not texts or not all(isinstance(h, str) for h in texts):
            raise ReconcileError(
                f"mapping file {path}: [billing_report.columns] {kind} needs header names, "
                f'e.g. {kind} = ["Your header"]'
            )
    try:
        return _catalogue([mapping.figure_names], columns, base=catalogue())
    except ReconcileError as error:
        raise ReconcileError(f"mapping file {path}: {error}") from None


# --------------------------------------------------------------------------- the inputs


@dataclass(frozen=True)
class FigureInput:
    """A figure the billing system shows: for a day (`YYYY-MM-DD`) or a month (`YYYY-MM`)."""

    name: str  # as the user or the report wrote it
    kind: str  # one of COUNT_KINDS
    period: str
    value: int | float
    origin: str = OPTION  # "--billing-figure", or "file, line N"
    currency: str | None = None  # of a money figure, when its value names one


def parse_figure_option(
    text: str, as_of: datetime.date, known: Catalogue | None = None
) -> FigureInput:
    """`NAME=VALUE` or `NAME@YYYY-MM=VALUE` (a month; also `@YYYY-MM-DD`, a day) as typed
    in; without a period the figure is for the as-of date. ReconcileError says what is wrong.
    """
    known = known or catalogue()
    name, equals, value = text.rpartition("=")
    if not equals or not name.strip():
        raise ReconcileError(
            f'{OPTION} {text!r}: give NAME=VALUE, e.g. {OPTION} "Active Customers=155"'
        )
    name, at, period = name.partition("@")
    name, period = name.strip(), period.strip()
    if (at and not (_MONTH.match(period) or _DAY.match(period))) or not valid_period(period):
        raise ReconcileError(
            f"{OPTION} {text!r}: {period!r} is not a month YYYY-MM (or a day YYYY-MM-DD)"
        )
    kind = known.kind_of(name)
    if kind is None:
        raise ReconcileError(
            f"{OPTION} {text!r}: {name!r} is not a figure reconcile knows; "
            f"known figures: {', '.join(known.known_names())}"
        )
    if kind in MONEY_KINDS:
        amount = parse_number(value)
        if amount is None:
            raise ReconcileError(f"{OPTION} {text!r}: {value.strip()!r} is not an amount")
        return FigureInput(
            name, kind, period or as_of.isoformat(), amount, currency=currency_of(value)
        )
    number = parse_count(value)
    if number is None:
        raise ReconcileError(
            f"{OPTION} {text!r}: {value.strip()!r} is not a whole number "
            "(both 1,234 and 1.234 are read as one thousand two hundred and thirty-four)"
        )
    return FigureInput(name, kind, period or as_of.isoformat(), number)


def valid_period(period: str) -> bool:
    """An empty period (the as-of date), an existing month or an existing day."""
    if not period:
        return True
    try:
        if _MONTH.match(period):
            datetime.date.fromisoformat(period + "-01")
        else:
            datetime.date.fromisoformat(period)
    except ValueError:
        return False
    return True


_NUMBER = re.compile(r"^[+\-]?\d[\d.,' \u00a0\u202f]*$")


def parse_number(text: str) -> float | None:
    """A number in either format: `1,234.50` and `1.234,50`; `1,234` and `1.234` are both
    1234 (a single separator followed by exactly three digits groups thousands), `12,5` is
    12.5. Blanks, apostrophes and currency symbols or codes around it are ignored; a
    leading minus (also U+2212) makes it negative. None when it is not a number."""
    cleaned = text.strip().replace("\u2212", "-")
    cleaned = re.sub(r"^[^\d+\-]+|[^\d]+$", "", cleaned)  # € 12 / 12 EUR / $12
    if not _NUMBER.match(cleaned):
        return None
    sign = -1.0 if cleaned.startswith("-") else 1.0
    digits = re.sub(r"[' \u00a0\u202f]", "", cleaned.lstrip("+-"))
    separators = [c for c in digits if c in ".,"]
    if not separators:
        return sign * float(digits)
    last = separators[-1]
    if len(set(separators)) == 2:  # both: the last one is the decimal separator
        whole, _, fraction = digits.rpartition(last)
        return sign * float(re.sub(r"[.,]", "", whole) + "." + fraction)
    groups = digits.split(last)
    if len(groups) > 2 or len(groups[-1]) == 3:  # 1.234.567 / 1,234: thousands
        if any(len(group) != 3 for group in groups[1:]):
            return None
        return sign * float("".join(groups))
    return sign * float(digits.replace(last, "."))


def currency_of(text: str) -> str | None:
    """The currency a value names (`1.234,50 €`, `EUR 1,234.50`), else None."""
    for symbol, code in CURRENCY_SYMBOLS.items():
        if symbol in text:
            return code
    match = _CODE.search(text.upper())
    return match.group(1) if match else None


def parse_count(text: str) -> int | None:
    """A whole number in either format (see parse_number), else None."""
    number = parse_number(text)
    if number is None or number != int(number):
        return None
    return int(number)


# --------------------------------------------------------------------------- the periods


@dataclass(frozen=True)
class Observation:
    """The two days a period is observed on: `day` and the day before the period (`before`),
    following the history (DOMAIN.md, "Over time"): a month M on its last day E(M), the
    as-of month on the as-of date, and before it E(M-1); a day D on D, and before it D-1."""

    day: datetime.date
    before: datetime.date


def observation(period: str, as_of: datetime.date) -> Observation | None:
    """None when the period lies after the as-of date."""
    if _DAY.match(period):
        day = datetime.date.fromisoformat(period)
        if day > as_of:
            return None
        return Observation(day, day - datetime.timedelta(days=1))
    first = datetime.date.fromisoformat(period + "-01")
    if first > as_of:
        return None
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return Observation(min(last, as_of), first - datetime.timedelta(days=1))


# --------------------------------------------------------------------------- comparing


def compare(
    subs: pl.DataFrame,
    figures: Sequence[FigureInput],
    as_of: datetime.date,
    replaced: pl.DataFrame | None = None,
) -> tuple[BillingFigure, ...]:
    """Each figure beside reconcile's counts, in the order given.

    `subs` is the classified subscriptions of reconciliation.classify with their MRR
    (revenue.with_mrr: status, class, in_history, start, end, customer_no, MRR_CENTS,
    CURRENCY); `replaced` the plan changes found
    (plan_changes.successors): customers are counted as the history counts them, a
    replaced subscription lasting until its successor starts.
    """
    if not figures:
        return ()
    days = {o for o in (observation(f.period, as_of) for f in figures) if o is not None}
    with_customer_end = (
        subs.lazy().with_columns(customer_end=pl.col("end"))
        if replaced is None
        else plan_changes.customer_end(subs.lazy(), replaced)
    )
    # `subs` carries each subscription's MRR already (revenue.with_mrr, once per run).
    counts = period_counts(with_customer_end, sorted(days, key=lambda o: (o.day, o.before)))
    return tuple(_compared(figure, counts, as_of) for figure in figures)


@dataclass(frozen=True)
class StatusCounts:
    """The subscriptions of one status in one observation: `now` active on the day,
    `before` active on the day before the period, `new` and `ended` between the two,
    `not_active` not active on the day."""

    status_class: str | None
    now: int = 0
    before: int = 0
    new: int = 0
    ended: int = 0
    not_active: int = 0


@dataclass(frozen=True)
class PeriodCounts:
    """What reconcile counts for one observation, per status and in all. Customers:
    `customers_now`, `customers_before`, `customers_new` (active on the day, not before),
    `customers_churned` (the reverse)."""

    by_status: Mapping[str | None, StatusCounts]
    customers_now: int
    customers_before: int
    customers_new: int
    customers_churned: int
    # Per currency: status -> (MRR cents, subscriptions with MRR) of the rows active on the
    # day, and of those not active; and the active customers with MRR.
    money_now: Mapping[str | None, Mapping[str | None, tuple[int, int]]] = field(
        default_factory=dict
    )
    money_not_active: Mapping[str | None, Mapping[str | None, tuple[int, int]]] = field(
        default_factory=dict
    )
    customers_with_mrr: Mapping[str | None, int] = field(default_factory=dict)

    def total(self, key: str) -> int:
        return sum(int(getattr(counts, key)) for counts in self.by_status.values())


def _active_on(day: datetime.date, end: str = "end") -> pl.Expr:
    return (
        pl.col("in_history")
        & (pl.col("start") <= day)
        & (pl.col(end).is_null() | (pl.col(end) > day))
    )


def period_counts(
    subs: pl.LazyFrame, observations: Iterable[Observation]
) -> dict[Observation, PeriodCounts]:
    """The counts of each observation, their queries collected together. `subs` has
    `customer_end`, the end customer figures use (plan_changes.customer_end)."""
    observations = list(observations)
    queries: list[pl.LazyFrame] = []
    for seen in observations:
        rows = subs.select(
            "status",
            "class",
            "customer_no",
            now=_active_on(seen.day),
            before=_active_on(seen.before),
            customer_now=_active_on(seen.day, "customer_end"),
            customer_before=_active_on(seen.before, "customer_end"),
        )
        queries.append(
            rows.group_by("status", "class").agg(
                now=pl.col("now").sum(),
                before=pl.col("before").sum(),
                new=(pl.col("now") & ~pl.col("before")).sum(),
                ended=(pl.col("before") & ~pl.col("now")).sum(),
                not_active=(~pl.col("now")).sum(),
            )
        )
        customers = (
            rows.filter(pl.col("customer_now") | pl.col("customer_before"))
            .group_by("customer_no")
            .agg(now=pl.col("customer_now").any(), before=pl.col("customer_before").any())
        )
        has_mrr = pl.col(revenue.MRR_CENTS).is_not_null()
        queries.append(
            subs.select(
                "status",
                "class",
                "customer_no",
                revenue.MRR_CENTS,
                currency=pl.col(revenue.CURRENCY),
                now=_active_on(seen.day),
            )
            .filter(has_mrr)
            .group_by("currency", "status", "now")
            .agg(
                mrr=pl.col(revenue.MRR_CENTS).sum().cast(pl.Int64),
                subscriptions=pl.len().cast(pl.Int64),
            )
        )
        queries.append(
            subs.filter(has_mrr & _active_on(seen.day))
            .group_by(currency=pl.col(revenue.CURRENCY))
            .agg(customers=pl.col("customer_no").n_unique().cast(pl.Int64))
        )
        queries.append(
            customers.select(
                now=pl.col("now").sum(),
                before=pl.col("before").sum(),
                new=(pl.col("now") & ~pl.col("before")).sum(),
                churned=(pl.col("before") & ~pl.col("now")).sum(),
            )
        )
    frames = pl.collect_all(queries)
    result: dict[Observation, PeriodCounts] = {}
    for index, seen in enumerate(observations):
        statuses, money, paying, totals = frames[4 * index : 4 * index + 4]
        now, before, new, churned = (int(value or 0) for value in totals.row(0))
        result[seen] = PeriodCounts(
            by_status={
                status: StatusCounts(cls, *(int(v) for v in values))
                for status, cls, *values in statuses.iter_rows()
            },
            customers_now=now,
            customers_before=before,
            customers_new=new,
            customers_churned=churned,
            **_money(money),
            customers_with_mrr=dict(paying.iter_rows()),
        )
    return result


def _money(money: pl.DataFrame) -> dict[str, dict]:
    """PeriodCounts' money fields from the per currency, status and activity query."""
    now: dict[str | None, dict[str | None, tuple[int, int]]] = {}
    not_active: dict[str | None, dict[str | None, tuple[int, int]]] = {}
    for currency, status, active, mrr, subscriptions in money.iter_rows():
        target = now if active else not_active
        target.setdefault(currency, {})[status] = (mrr, subscriptions)
    return {"money_now": now, "money_not_active": not_active}


def _ours(kind: str, counts: PeriodCounts) -> tuple[int, int]:
    """reconcile's subscription count and customer count for a figure of `kind`."""
    if kind == ACTIVE:
        return counts.total("now"), counts.customers_now
    if kind == NET:
        return (
            counts.total("now") - counts.total("before"),
            counts.customers_now - counts.customers_before,
        )
    if kind == ACTIVATIONS:
        return counts.total("new"), counts.customers_new
    return counts.total("ended"), counts.customers_churned


def _effects(
    kind: str, counts: PeriodCounts, seen: Observation, as_of: datetime.date
) -> dict[str, int]:
    """How much each status would change our number if the billing system treated it
    otherwise: a paying status left out takes its subscriptions away (negative); on the
    as-of date, a not-active status (not yet paying, paused, unpaid) counted adds its
    subscriptions (positive), only for the count of active subscriptions.

    Statuses are as the export shows them today; on a day before the as-of date only
    paying statuses are candidates (see docs/decisions.md, #13).
    """
    effects: dict[str, int] = {}
    for status, row in counts.by_status.items():
        if status is None:
            continue
        # An unpaid subscription still in its last paid period is active, like a paying one:
        # a billing system that counts only live ones leaves it out.
        counts_as_paying = row.status_class == PAYING or (
            row.status_class == UNPAID and (row.now or row.before or row.new or row.ended)
        )
        if counts_as_paying:
            if kind == NET:
                effects[status] = row.before - row.now
            else:
                effects[status] = -{ACTIVE: row.now, ACTIVATIONS: row.new}.get(kind, row.ended)
        elif row.status_class != ENDED and kind == ACTIVE and seen.day == as_of:
            effects[status] = row.not_active
    return {status: effect for status, effect in effects.items() if effect != 0}


def explaining_statuses(effects: Mapping[str, int], difference: int) -> tuple[str, tuple[str, ...]]:
    """The verdict on a difference (billing - ours) and the statuses that explain it.

    Only statuses whose effect points the difference's way are candidates. Sets are
    tried from the smallest up: the first size at which some set's effects add up to the
    difference exactly decides; one such set explains it, several explain nothing.
    """
    if difference == 0:
        return MATCH, ()
    candidates = sorted(
        (status, effect)
        for status, effect in effects.items()
        if (effect > 0) == (difference > 0) and abs(effect) <= abs(difference)
    )
    return smallest_explaining_set(
        candidates, lambda combo: sum(effect for _, effect in combo) == difference
    )


def smallest_explaining_set(
    candidates: Sequence[tuple[str, T]], fits: Callable[[tuple[tuple[str, T], ...]], bool]
) -> tuple[str, tuple[str, ...]]:
    """The verdict of the smallest sets of (status, effect) `candidates` that `fits`:
    sets are tried from the smallest up; the first size with a fitting set decides, one
    such set explains (its statuses, sorted), several explain nothing (never forced)."""
    if len(candidates) > MAX_CANDIDATES:
        return UNEXPLAINED, ()
    for size in range(1, len(candidates) + 1):
        found = [combo for combo in itertools.combinations(candidates, size) if fits(combo)]
        if len(found) == 1:
            return EXPLAINED, tuple(sorted(status for status, _ in found[0]))
        if found:
            return AMBIGUOUS, ()
    return UNEXPLAINED, ()


def _compared(
    figure: FigureInput, counts: Mapping[Observation, PeriodCounts], as_of: datetime.date
) -> BillingFigure:
    seen = observation(figure.period, as_of)
    if seen is None:
        return BillingFigure(
            name=figure.name,
            figure=figure.kind,
            period=figure.period,
            billing_value=figure.value,
            verdict=AFTER_AS_OF,
            origin=figure.origin,
        )
    if figure.kind in MONEY_KINDS:
        return _compared_money(figure, counts[seen], seen, as_of)
    subscriptions, customers = _ours(figure.kind, counts[seen])
    difference = int(figure.value) - subscriptions
    verdict, statuses = explaining_statuses(
        _effects(figure.kind, counts[seen], seen, as_of), difference
    )
    return BillingFigure(
        name=figure.name,
        figure=figure.kind,
        period=figure.period,
        billing_value=figure.value,
        subscriptions=subscriptions,
        customers=customers,
        difference=difference,
        explained_by=statuses,
        verdict=verdict,
        observed_on=seen.day,
        explained_subscriptions=abs(difference) if verdict == EXPLAINED else 0,
        origin=figure.origin,
        explained_how=_how(verdict, [difference < 0]),
    )


# --------------------------------------------------------------------------- money


def _currency(figure: FigureInput, counts: PeriodCounts) -> str | None:
    """The currency a money figure is compared in: its own, else the only one of the
    active subscriptions with MRR; ReconcileError when that leaves a choice."""
    if figure.currency is not None:
        return figure.currency
    currencies = sorted(c for c in counts.money_now if c is not None)
    if len(currencies) <= 1:
        return currencies[0] if currencies else None
    raise ReconcileError(
        f"{figure.name}={figure.value} ({figure.origin}): the active subscriptions are in "
        f'{", ".join(currencies)}; say which, e.g. "{figure.name}={figure.value} {currencies[0]}"'
    )


def _compared_money(
    figure: FigureInput, counts: PeriodCounts, seen: Observation, as_of: datetime.date
) -> BillingFigure:
    """MRR against our MRR; ARPU against our MRR per subscription (with ARPA beside it).
    Explained as counts are, in cents: the paying statuses whose MRR left out (or, on the
    as-of date, the not-active statuses whose MRR counted) make up the difference."""
    currency = _currency(figure, counts)
    now = counts.money_now.get(currency, {})
    mrr = sum(cents for cents, _ in now.values())
    held = sum(n for _, n in now.values())
    customers = counts.customers_with_mrr.get(currency, 0)
    # Per candidate status: its change to (MRR cents, subscriptions) if treated otherwise.
    changes: dict[str, tuple[int, int]] = {}
    for status, (cents, n) in now.items():
        row = counts.by_status.get(status)
        if status is not None and row is not None and row.status_class == PAYING:
            changes[status] = (-cents, -n)
    if seen.day == as_of:
        for status, (cents, n) in counts.money_not_active.get(currency, {}).items():
            row = counts.by_status.get(status)
            if status is not None and row is not None and row.status_class not in (PAYING, ENDED):
                changes[status] = (cents, n)
    if figure.kind == MRR:
        difference = round(figure.value * 100) - mrr
        effects = {status: change[0] for status, change in changes.items() if change[0]}
        verdict, statuses = explaining_statuses(effects, difference)
        ours: tuple[float | None, float | None] = (_units(mrr), _units(mrr))
        gap: float | None = _units(difference)
    else:
        ours = (_ratio(mrr, held), _ratio(mrr, customers))
        gap = None if ours[0] is None else round(figure.value - ours[0], 2)
        verdict, statuses = _explaining_ratio(changes, mrr, held, figure.value)
    return BillingFigure(
        name=figure.name,
        figure=figure.kind,
        period=figure.period,
        billing_value=figure.value,
        subscriptions=ours[0],  # type: ignore[arg-type]
        customers=ours[1],  # type: ignore[arg-type]
        difference=gap,
        explained_by=statuses,
        verdict=verdict,
        observed_on=seen.day,
        explained_subscriptions=sum(abs(changes[s][1]) for s in statuses),
        origin=figure.origin,
        currency=currency,
        explained_how=_how(verdict, [changes[s][1] < 0 for s in statuses]),
    )


def _how(verdict: str, left_out: list[bool]) -> str:
    """left_out, counted or both, by whether each explaining status was left out."""
    if verdict != EXPLAINED:
        return ""
    if all(left_out):
        return "left_out"
    return "counted" if not any(left_out) else "both"


def _units(cents: int) -> float:
    return round(cents / 100, 2)


def _ratio(cents: int, count: int) -> float | None:
    return None if not count else round(cents / count / 100, 2)


def _explaining_ratio(
    changes: Mapping[str, tuple[int, int]], mrr: int, held: int, value: float
) -> tuple[str, tuple[str, ...]]:
    """ARPU: the smallest set of statuses whose MRR and subscriptions, left out (paying)
    or counted (not active), give the billing system's ARPU to the cent; one such set
    explains it, several or none do not."""
    if _ratio(mrr, held) == round(value, 2):
        return MATCH, ()
    return smallest_explaining_set(
        sorted(changes.items()),
        lambda combo: (
            _ratio(mrr + sum(c[0] for _, c in combo), held + sum(c[1] for _, c in combo))
            == round(value, 2)
        ),
    )
