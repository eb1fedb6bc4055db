"""Billing systems as data: one TOML file per system in this package.

A source file names, per export kind, its *raw fields* with the header aliases that
find them (`[subscriptions.columns]`), and how each canonical field is derived from raw
fields as ordered fallbacks (`[subscriptions.derive]`); `[statuses]` lists the status
values of each class of DOMAIN.md. A canonical field without a `derive` entry comes from
the raw field of the same name. A fallback is a raw field name, an inline table
`{ field = "...", when = "<boolean raw field>" }` (used only where that field is true),
`{ field = "...", undone_by = "<date raw field>" }` (not used where that later date is
on or after it: Zoho's Reactivation Date undoes a Cancelled On before it), or
`{ join = ["first_name", "last_name"] }` (the non-empty parts joined by a blank).
`[subscriptions.derive_by_status.<status>]` gives, for the rows of one status, other
fallbacks of a canonical field (Zoho's non_renewing subscription ends at its scheduled
cancellation date, else at the end of its term, else at its expiry date).

`[figures]` says whether the system's own reports count subscriptions as customers
(`counts_subscriptions_as_customers`) and, per language (`[figures.en]`), the names its
interface gives its figures (canonical.FIGURE_KINDS: `active = ["Active Customers"]`):
the one catalogue of figure names, read by the report's wording, by `--billing-figure`
and by `--billing-report` (billing_figures.catalogue).

`no_date` lists values that mean "no date" in the date columns of that source
(WooCommerce writes `0`): they are read as empty, not as invalid dates.

`[customers] empty_id = "guest"` says that a customers-export row with an empty customer
ID is a guest customer (Stripe: a payment without a Customer object), accepted and
counted as such; by default (`"reject"`) such a row is rejected as `missing_id`. It is
about the customers export only: a subscription always belongs to a customer.

A user's mapping file has the same format and may start from a built-in source with
`extends = "zoho"`; `--map canonical=Header` pins one field to one header.

The built-in sources are the TOML files of this package, found by reconcile.registry:
a new billing system is one file here (docs/architecture.md, "How to add a billing
system"). `detection_order` (default 100) orders them for detection; on equal header
coverage the earlier source wins, except that the generic source wins over any named one.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType

from reconcile import registry
from reconcile.billing_system import (
    COUNTING_UNKNOWN,
    COUNTS_CUSTOMERS,
    COUNTS_SUBSCRIPTIONS,
    BillingSystem,
)
from reconcile.canonical import (
    COMPUTED_SUBSCRIPTION_COLUMNS,
    CUSTOMER_COLUMNS,
    CUSTOMERS,
    ENDED,
    FIGURE_KINDS,
    NAMED_FIGURES,
    STATUS_CLASSES,
    SUBSCRIPTION_COLUMNS,
    SUBSCRIPTIONS,
)
from reconcile.problems import ReconcileError

GENERIC = "generic"
KINDS = (SUBSCRIPTIONS, CUSTOMERS)

# Canonical fields a source can fill, per kind (`line`, `status_class` and `never_paid`
# are computed).
CANONICAL_FIELDS = {
    SUBSCRIPTIONS: tuple(c for c in SUBSCRIPTION_COLUMNS if c not in COMPUTED_SUBSCRIPTION_COLUMNS),
    CUSTOMERS: tuple(c for c in CUSTOMER_COLUMNS if c != "line"),
}
# Without these a file of that kind cannot be used at all.
REQUIRED_FIELDS = {
    SUBSCRIPTIONS: ("subscription_id", "customer_id"),
    CUSTOMERS: ("customer_id",),
}
# What an empty customer ID in a customers export means (`[customers] empty_id`).
EMPTY_ID_REJECTS = "reject"
EMPTY_ID_IS_GUEST = "guest"
EMPTY_ID_VALUES = (EMPTY_ID_REJECTS, EMPTY_ID_IS_GUEST)
DATE_FIELDS = frozenset({"start", "end", "pause_date", "trial_end", "period_end", "created"})
ID_FIELDS = frozenset({"subscription_id", "customer_id"})

# language -> figure kind -> names (a source's `[figures.LANG]` tables).
FigureNames = Mapping[str, Mapping[str, tuple[str, ...]]]

_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def normalize_header(header: str) -> str:
    """The key a header is matched by: case, blanks and punctuation ignored
    (`Kunden-ID` -> `kundenid`, `SUBSCRIPTION#` -> `subscription`)."""
    return _NOT_ALPHANUMERIC.sub("", header.casefold())


@dataclass(frozen=True)
class Fallback:
    """One step of a derivation: a raw field (taken only where `when` is true, and not
    where the date raw field `undone_by` is on or after it), or several raw fields joined
    by a blank (`join`). A file without the `undone_by` column takes the field as it is."""

    fields: tuple[str, ...]
    when: str | None = None
    undone_by: str | None = None

    @property
    def is_join(self) -> bool:
        return len(self.fields) > 1

    @property
    def raw_fields(self) -> tuple[str, ...]:
        return (*self.fields, self.when) if self.when else self.fields


@dataclass(frozen=True)
class TableSpec:
    """How one export kind of one source maps onto the canonical fields."""

    kind: str
    columns: Mapping[str, tuple[str, ...]]  # raw field -> header aliases, by priority
    derive: Mapping[str, tuple[Fallback, ...]]  # canonical field -> ordered fallbacks
    # canonical field -> status (as the source file writes it) -> the ordered fallbacks
    # that replace `derive`'s for the rows of that status.
    by_status: Mapping[str, Mapping[str, tuple[Fallback, ...]]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    # A customers export's row with an empty customer ID: rejected, or a guest customer.
    empty_id: str = EMPTY_ID_REJECTS

    @property
    def guests_without_id(self) -> bool:
        """Whether a row with an empty ID is a guest customer rather than an error."""
        return self.kind == CUSTOMERS and self.empty_id == EMPTY_ID_IS_GUEST

    def fallbacks(self, canonical: str) -> tuple[Fallback, ...]:
        """The ordered fallbacks of a canonical field (empty: the source lacks it)."""
        if canonical in self.derive:
            return self.derive[canonical]
        return (Fallback((canonical,)),) if canonical in self.columns else ()

    def status_fallbacks(self, canonical: str) -> Mapping[str, tuple[Fallback, ...]]:
        """Status -> the fallbacks of a canonical field for the rows of that status."""
        return self.by_status.get(canonical, MappingProxyType({}))

    def all_fallbacks(self, canonical: str) -> tuple[Fallback, ...]:
        """The fallbacks of a canonical field, then those of each status."""
        by_status = self.status_fallbacks(canonical).values()
        return self.fallbacks(canonical) + tuple(f for steps in by_status for f in steps)

    def raw_fields_of(self, canonical: str) -> tuple[str, ...]:
        """Every raw field a canonical field is derived from, in fallback order (those of
        the per-status fallbacks last)."""
        seen: dict[str, None] = {}
        for fallback in self.all_fallbacks(canonical):
            seen.update(dict.fromkeys(fallback.raw_fields))
        return tuple(seen)

    def alias_keys(self) -> dict[str, str]:
        """Normalised alias -> raw field, for recognising headers."""
        keys: dict[str, str] = {}
        for raw_field, aliases in self.columns.items():
            for alias in aliases:
                keys.setdefault(normalize_header(alias), raw_field)
        return keys


@dataclass(frozen=True)
class SourceSpec:
    """A billing system (or a user's mapping): its two export kinds and status classes."""

    name: str
    title: str
    subscriptions: TableSpec
    customers: TableSpec
    statuses: Mapping[str, tuple[str, ...]]  # status class -> status values
    origin: str = field(default="", compare=False)  # the TOML file it came from
    # Values that mean "no date" in a date column (WooCommerce writes 0): read as empty.
    no_date: tuple[str, ...] = ()
    # Ended statuses of subscriptions that never paid (Zoho trial_expired): never active,
    # whatever their dates say (DOMAIN.md, "The life of a subscription").
    never_paid: tuple[str, ...] = ()
    # A raw field (Zoho's `activated_on`) whose emptiness on an ended row, in a file that
    # has its column, says that the subscription never paid.
    never_paid_without: str | None = None
    # Built-in sources are tried in this order (then by name) when recognising a file.
    detection_order: int = field(default=registry.DEFAULT_DETECTION_ORDER, compare=False)
    # `[figures]`: whether the system's own reports count subscriptions as customers
    # ("yes", "no", "unknown") and their names per language (DOMAIN.md, "What the
    # billing system's own report calls it").
    counts_subscriptions_as_customers: str = COUNTING_UNKNOWN
    # language -> figure kind -> its names, the first the one the report says: the
    # catalogue --billing-figure and --billing-report read (billing_figures.catalogue).
    figure_names: FigureNames = field(default_factory=dict)

    def billing_system(self) -> BillingSystem:
        """What the Result says about this billing system and its figures: the names of
        the figures the report names, only where its reports count subscriptions as
        customers (a system that counts customers is named for nothing)."""
        named: dict[str, dict[str, str]] = {}
        if self.counts_subscriptions_as_customers == COUNTS_SUBSCRIPTIONS:
            named = {
                lang: {kind: by_kind[kind][0] for kind in NAMED_FIGURES}
                for lang, by_kind in self.figure_names.items()
            }
        return BillingSystem(
            source=self.name,
            title=self.title,
            counts_subscriptions_as_customers=self.counts_subscriptions_as_customers,
            figure_names=named,
        )

    def table(self, kind: str) -> TableSpec:
        if kind == SUBSCRIPTIONS:
            return self.subscriptions
        if kind == CUSTOMERS:
            return self.customers
        raise ValueError(f"unknown export kind {kind!r}")

    def status_values(self) -> dict[str, str]:
        """Status value as written in the source file -> its class."""
        return {value: cls for cls, values in self.statuses.items() for value in values}


# --------------------------------------------------------------------------- loading


def load_source(name: str) -> SourceSpec:
    """A built-in source by name; ReconcileError naming the known ones otherwise."""
    key = name.strip().lower()
    builtin = _builtin(registry.SOURCES_ROOT)
    if key not in builtin:
        raise ReconcileError(
            f"unknown source {name!r}; known sources: {', '.join(builtin)}. "
            "For any other CSV, use --map canonical=Header or a mapping file."
        )
    return builtin[key]


def all_sources() -> tuple[SourceSpec, ...]:
    """Every built-in source, in detection order."""
    return tuple(_builtin(registry.SOURCES_ROOT).values())


def _builtin(root: Traversable) -> dict[str, SourceSpec]:
    """The specs of the source files in `root` by name, in detection order (built once
    per folder and process)."""
    key = str(root)
    if key not in _BUILT:
        _BUILT[key] = {
            name: _spec_from_document(document, file_name, None)
            for name, (file_name, document) in registry.documents_in(root).items()
        }
    return _BUILT[key]


_BUILT: dict[str, dict[str, SourceSpec]] = {}


def load_mapping_file(path: Path | str, base: str | None = None) -> SourceSpec:
    """A user's mapping file (a source file that may `extends = "zoho"`).

    Without `extends` it stands on its own, unless `base` (the --source given) names one.
    """
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ReconcileError(f"mapping file {path} not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ReconcileError(f"mapping file {path} cannot be read: {error}") from None
    _check_shape(document, str(path))
    extends = document.get("extends", base)
    try:
        parent = load_source(extends) if extends else None
    except ReconcileError as error:
        raise ReconcileError(f"mapping file {path}: extends = {extends!r}: {error}") from None
    document.setdefault("name", path.stem)
    return _spec_from_document(document, str(path), parent)


def _check_shape(document: dict, origin: str) -> None:
    """ReconcileError naming the key when a mapping file's values have the wrong type
    (a number where header names belong, a text where a table belongs), before any of
    them is used."""
    for key in ("extends", "name", "title"):
        if key in document and not isinstance(document[key], str):
            raise ReconcileError(f'{origin}: {key} must be a text, e.g. {key} = "zoho"')
    for kind in KINDS:
        section = document.get(kind, {})
        if not isinstance(section, dict):
            raise ReconcileError(f"{origin}: {kind} must be a table: [{kind}.columns]")
        for table in ("columns", "derive", "derive_by_status"):
            if not isinstance(section.get(table, {}), dict):
                raise ReconcileError(f"{origin}: [{kind}.{table}] must be a table")
        for raw_field, aliases in section.get("columns", {}).items():
            if not _texts(aliases):
                raise ReconcileError(
                    f"{origin}: [{kind}.columns] {raw_field} needs header names, "
                    f'e.g. {raw_field} = ["Header in the file"]'
                )
    statuses = document.get("statuses", {})
    if not isinstance(statuses, dict):
        raise ReconcileError(f"{origin}: statuses must be a table: [statuses]")
    for cls, values in statuses.items():
        if not _texts(values):
            raise ReconcileError(
                f'{origin}: [statuses] {cls} needs status values, e.g. {cls} = ["active"]'
            )


def _texts(value: object) -> bool:
    """A text, or a list of texts (what header names and status values are)."""
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    )


def _spec_from_document(document: dict, origin: str, parent: SourceSpec | None) -> SourceSpec:
    name = str(document.get("name") or (parent.name if parent else Path(origin).stem))
    statuses = _statuses_from_document(document.get("statuses", {}), origin, parent)
    tables = {
        kind: _table_from_document(kind, document.get(kind, {}), origin, parent, statuses)
        for kind in KINDS
    }
    no_date = _no_date_from_document(document.get("no_date"), origin, parent)
    never_paid = _never_paid_from_document(document.get("never_paid"), origin, parent, statuses)
    never_paid_without = _never_paid_without_from_document(
        document.get("never_paid_without"), origin, parent, tables[SUBSCRIPTIONS]
    )
    counting, figure_names = _figures_from_document(document.get("figures"), origin, parent)
    order = document.get("detection_order", registry.DEFAULT_DETECTION_ORDER)
    if not isinstance(order, int):
        raise ReconcileError(f"{origin}: detection_order must be a whole number")
    return SourceSpec(
        name=name,
        title=str(document.get("title") or (parent.title if parent else name)),
        subscriptions=tables[SUBSCRIPTIONS],
        customers=tables[CUSTOMERS],
        statuses=statuses,
        origin=origin,
        no_date=no_date,
        never_paid=never_paid,
        never_paid_without=never_paid_without,
        detection_order=order,
        counts_subscriptions_as_customers=counting,
        figure_names=figure_names,
    )


COUNTING_VALUES = (COUNTS_SUBSCRIPTIONS, COUNTS_CUSTOMERS, COUNTING_UNKNOWN)
COUNTING_KEY = "counts_subscriptions_as_customers"


def _figures_from_document(
    section: object, origin: str, parent: SourceSpec | None
) -> tuple[str, FigureNames]:
    """`[figures]`: counts_subscriptions_as_customers, and per language
    (`[figures.en]`) the names of the figures as the system's interface shows them, one
    name or a list per figure kind (canonical.FIGURE_KINDS), the first the one the report
    says. A mapping file's names come before those of the source it extends, and it keeps
    that source's counting unless it says otherwise."""
    inherited: FigureNames = parent.figure_names if parent else MappingProxyType({})
    inherited_counting = parent.counts_subscriptions_as_customers if parent else COUNTING_UNKNOWN
    if section is None:
        return inherited_counting, inherited
    if not isinstance(section, dict):
        raise ReconcileError(f"{origin}: [figures] must be a table")
    counting = section.get(COUNTING_KEY, inherited_counting)
    if counting not in COUNTING_VALUES:
        raise ReconcileError(
            f"{origin}: [figures] {COUNTING_KEY} must be one of {', '.join(COUNTING_VALUES)}"
        )
    names = {lang: dict(by_kind) for lang, by_kind in inherited.items()}
    for lang, table in section.items():
        if lang == COUNTING_KEY:
            continue
        for kind, own in _figure_table(table, f"[figures.{lang}]", origin).items():
            known = names.setdefault(str(lang), {}).get(kind, ())
            names[str(lang)][kind] = own + tuple(name for name in known if name not in own)
    if counting == COUNTS_SUBSCRIPTIONS:
        _check_named(names, origin)
    return counting, MappingProxyType(
        {lang: MappingProxyType(by_kind) for lang, by_kind in names.items()}
    )


def _figure_table(table: object, where: str, origin: str) -> dict[str, tuple[str, ...]]:
    """One language's `[figures.LANG]` table: figure kind -> its names."""
    example = f'e.g. {where}\nactive = ["Active Customers"]'
    if not isinstance(table, dict):
        raise ReconcileError(f"{origin}: {where} must be a table of figure names, {example}")
    names: dict[str, tuple[str, ...]] = {}
    for kind, value in table.items():
        if kind not in FIGURE_KINDS:
            raise ReconcileError(
                f"{origin}: {where} {kind} is not a figure; figures are: {', '.join(FIGURE_KINDS)}"
            )
        own = (value,) if isinstance(value, str) else value
        if not isinstance(own, list | tuple) or not own:
            raise ReconcileError(f"{origin}: {where} {kind} needs names, {example}")
        if not all(isinstance(name, str) and name.strip() for name in own):
            raise ReconcileError(f"{origin}: {where} {kind} needs names, {example}")
        names[kind] = tuple(name.strip() for name in own)
    return names


def _check_named(names: Mapping[str, Mapping[str, tuple[str, ...]]], origin: str) -> None:
    """A system whose reports count subscriptions as customers is named in its own words:
    English, and every language it names figures in, must name each figure the report
    names (canonical.NAMED_FIGURES)."""
    if "en" not in names:
        raise ReconcileError(
            f"{origin}: [figures.en] must name the figures of a system whose reports count "
            "subscriptions as customers"
        )
    for lang, by_kind in names.items():
        missing = [kind for kind in NAMED_FIGURES if kind not in by_kind]
        if missing:
            raise ReconcileError(
                f"{origin}: [figures.{lang}] must name each of {', '.join(NAMED_FIGURES)} "
                f"(missing: {', '.join(missing)})"
            )


def _no_date_from_document(
    value: object, origin: str, parent: SourceSpec | None
) -> tuple[str, ...]:
    if value is None:
        return parent.no_date if parent else ()
    values = _as_list(value)
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise ReconcileError(f'{origin}: no_date must list values as text, e.g. no_date = ["0"]')
    return tuple(v.strip() for v in values)


def _never_paid_from_document(
    value: object, origin: str, parent: SourceSpec | None, statuses: Mapping
) -> tuple[str, ...]:
    """`never_paid`: statuses of the ended class that say the subscription never paid."""
    if value is None:
        return parent.never_paid if parent else ()
    values = _as_list(value)
    ended = statuses.get(ENDED, ())
    if not all(isinstance(v, str) and v in ended for v in values):
        raise ReconcileError(
            f"{origin}: never_paid must list statuses of the ended class, "
            f'e.g. never_paid = ["trial_expired"]'
        )
    return tuple(values)


def _never_paid_without_from_document(
    value: object, origin: str, parent: SourceSpec | None, table: TableSpec
) -> str | None:
    """`never_paid_without`: a raw field of [subscriptions.columns] (the activation date)."""
    if value is None:
        return parent.never_paid_without if parent else None
    if not isinstance(value, str) or value not in table.columns:
        raise ReconcileError(
            f"{origin}: never_paid_without must name a field of [subscriptions.columns], "
            f'e.g. never_paid_without = "activated_on"'
        )
    return value


def _table_from_document(
    kind: str,
    section: dict,
    origin: str,
    parent: SourceSpec | None,
    statuses: Mapping[str, tuple[str, ...]],
) -> TableSpec:
    own_keys = {SUBSCRIPTIONS: "derive_by_status", CUSTOMERS: "empty_id"}
    _expect_keys(section, {"columns", "derive", own_keys[kind]}, f"[{kind}]", origin)
    columns: dict[str, tuple[str, ...]] = dict(parent.table(kind).columns) if parent else {}
    for raw_field, aliases in section.get("columns", {}).items():
        own = (aliases,) if isinstance(aliases, str) else tuple(aliases)
        if not own or not all(isinstance(a, str) and a.strip() for a in own):
            raise ReconcileError(f"{origin}: [{kind}.columns] {raw_field} needs header names")
        # The mapping's own headers come first; the parent's stay as later aliases.
        columns[raw_field] = own + tuple(a for a in columns.get(raw_field, ()) if a not in own)
    derive: dict[str, tuple[Fallback, ...]] = dict(parent.table(kind).derive) if parent else {}
    for canonical, steps in section.get("derive", {}).items():
        if canonical not in CANONICAL_FIELDS[kind]:
            raise ReconcileError(
                f"{origin}: [{kind}.derive] {canonical} is not a canonical field; "
                f"those are: {', '.join(CANONICAL_FIELDS[kind])}"
            )
        derive[canonical] = tuple(_fallback(step, origin, kind) for step in _as_list(steps))
    by_status = _by_status_from_document(
        section.get("derive_by_status", {}),
        origin,
        parent.table(kind) if parent else None,
        statuses,
    )
    empty_id = section.get("empty_id", parent.table(kind).empty_id if parent else EMPTY_ID_REJECTS)
    if empty_id not in EMPTY_ID_VALUES:
        raise ReconcileError(
            f"{origin}: [{kind}] empty_id must be one of {', '.join(EMPTY_ID_VALUES)}"
        )
    table = TableSpec(
        kind,
        MappingProxyType(columns),
        MappingProxyType(derive),
        by_status=by_status,
        empty_id=empty_id,
    )
    _check_derivations(table, origin)
    return table


# Fields a status cannot derive: the status itself, and the IDs (one column per file).
_NOT_BY_STATUS = frozenset({"status", *ID_FIELDS})


def _by_status_from_document(
    section: dict,
    origin: str,
    parent: TableSpec | None,
    statuses: Mapping[str, tuple[str, ...]],
) -> Mapping[str, Mapping[str, tuple[Fallback, ...]]]:
    """`[subscriptions.derive_by_status.<status>]`: canonical field -> status -> fallbacks,
    the parent's kept where the file does not replace them."""
    where = "[subscriptions.derive_by_status]"
    merged: dict[str, dict[str, tuple[Fallback, ...]]] = {
        canonical: dict(steps) for canonical, steps in (parent.by_status if parent else {}).items()
    }
    known = {value for values in statuses.values() for value in values}
    for status, fields in section.items():
        if status not in known:
            raise ReconcileError(
                f"{origin}: {where} {status!r} is not a status of [statuses]; "
                f"those are: {', '.join(sorted(known))}"
            )
        if not isinstance(fields, dict):
            raise ReconcileError(f"{origin}: {where} {status} must be a table of fields")
        for canonical, steps in fields.items():
            if canonical not in CANONICAL_FIELDS[SUBSCRIPTIONS] or canonical in _NOT_BY_STATUS:
                raise ReconcileError(
                    f"{origin}: {where} {status}: {canonical} cannot be derived per status"
                )
            fallbacks = tuple(_fallback(s, origin, SUBSCRIPTIONS) for s in _as_list(steps))
            merged.setdefault(canonical, {})[status] = fallbacks
    return MappingProxyType(
        {canonical: MappingProxyType(steps) for canonical, steps in merged.items()}
    )


def _fallback(step: object, origin: str, kind: str) -> Fallback:
    if isinstance(step, str):
        return Fallback((step,))
    if isinstance(step, dict) and set(step) <= {"field", "when", "undone_by"} and "field" in step:
        if "undone_by" in step and kind != SUBSCRIPTIONS:
            # It depends on the row's status class, which only subscriptions have.
            raise ReconcileError(f"{origin}: [{kind}.derive] undone_by is for subscriptions")
        return Fallback((str(step["field"]),), step.get("when"), step.get("undone_by"))
    joined = step.get("join") if isinstance(step, dict) else None
    if isinstance(step, dict) and set(step) == {"join"} and isinstance(joined, list):
        if len(joined) < 2 or not _texts(joined):
            raise ReconcileError(f"{origin}: [{kind}.derive] join needs two raw field names")
        return Fallback(tuple(str(f) for f in step["join"]))
    raise ReconcileError(
        f"{origin}: [{kind}.derive] step {step!r} must be a raw field name, "
        '{ field = "...", when = "...", undone_by = "..." } or { join = ["...", "..."] }'
    )


def _check_derivations(table: TableSpec, origin: str) -> None:
    for canonical in CANONICAL_FIELDS[table.kind]:
        undoing = [f.undone_by for f in table.all_fallbacks(canonical) if f.undone_by]
        named = [*table.raw_fields_of(canonical), *undoing]
        unknown = [f for f in dict.fromkeys(named) if f not in table.columns]
        if unknown:
            raise ReconcileError(
                f"{origin}: [{table.kind}.derive] {canonical} uses {', '.join(unknown)}, "
                f"not a field of [{table.kind}.columns]"
            )


def _statuses_from_document(section: dict, origin: str, parent: SourceSpec | None) -> Mapping:
    _expect_keys(section, set(STATUS_CLASSES), "[statuses]", origin)
    statuses = {cls: list(parent.statuses.get(cls, ())) if parent else [] for cls in STATUS_CLASSES}
    for cls, values in section.items():
        own = [str(v) for v in _as_list(values)]
        # A value the mapping lists belongs to the mapping's class, whatever the parent said.
        for other in STATUS_CLASSES:
            statuses[other] = [v for v in statuses[other] if v not in own]
        statuses[cls] = own + statuses[cls]
    return MappingProxyType({cls: tuple(values) for cls, values in statuses.items()})


def _expect_keys(section: dict, allowed: set[str], where: str, origin: str) -> None:
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise ReconcileError(
            f"{origin}: {where} has unknown keys {', '.join(unknown)}; "
            f"expected: {', '.join(sorted(allowed))}"
        )


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


# --------------------------------------------------------------------------- --map


def with_mapping(spec: SourceSpec, kind: str, mapping: Mapping[str, str]) -> SourceSpec:
    """The source with `--map name=Header` applied for one export kind.

    A canonical field mapped to a header is taken from that header alone (its fallbacks
    are dropped); a raw field of the source (e.g. Zoho's `activated_on`) can be mapped
    too. Names that belong only to the other kind are ignored; unknown names are an error.
    """
    table = spec.table(kind)
    columns = dict(table.columns)
    derive = dict(table.derive)
    by_status = dict(table.by_status)
    for name, header in mapping.items():
        if not isinstance(header, str) or not header.strip():
            raise ReconcileError(f"--map {name}=...: give the header as written in the file")
        if name in CANONICAL_FIELDS[kind]:
            columns[name] = (header,)
            derive[name] = (Fallback((name,)),)
            by_status.pop(name, None)  # from that header alone, whatever the status
        elif name in table.columns:
            columns[name] = (header,)
        elif not _is_field_of_other_kind(spec, kind, name):
            known = sorted(set(CANONICAL_FIELDS[kind]) | set(table.columns))
            raise ReconcileError(
                f"--map {name}={header!r}: {name!r} is not a field of {kind} exports; "
                f"use one of: {', '.join(known)}"
            )
    mapped = replace(
        table,
        columns=MappingProxyType(columns),
        derive=MappingProxyType(derive),
        by_status=MappingProxyType(by_status),
    )
    if kind == SUBSCRIPTIONS:
        return replace(spec, subscriptions=mapped)
    return replace(spec, customers=mapped)


def _is_field_of_other_kind(spec: SourceSpec, kind: str, name: str) -> bool:
    other = CUSTOMERS if kind == SUBSCRIPTIONS else SUBSCRIPTIONS
    return name in CANONICAL_FIELDS[other] or name in spec.table(other).columns
