"""The report: a Result rendered as HTML or Markdown, in English or German.

Templates (top-level `templates/`, shipped in the wheel as `reconcile/templates`) get
the Result itself and make every formatting decision; this module only sets up jinja2
(autoescape for HTML, Markdown escaping of every output for Markdown, gettext catalogs,
locale-aware filters) and translates findings and bridge steps through the English
templates of `reconcile.findings`, never through their already formatted messages.

Rendering is deterministic: the same Result gives byte-identical text, with no
timestamp, so reports can be compared and snapshot-tested.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

import reconcile
from reconcile import findings as words
from reconcile.billing_system import COUNTING_UNKNOWN, COUNTS_CUSTOMERS, COUNTS_SUBSCRIPTIONS
from reconcile.codes import (
    ACTIVE_SUBSCRIPTIONS_NAMED,
    ACTIVE_SUBSCRIPTIONS_PLAIN,
    DATE_FORMAT_ADVICE,
    Detail,
    RowError,
    Severity,
    Step,
)
from reconcile.i18n import (
    LANGUAGES,
    check_language,
    format_date,
    format_money,
    format_month,
    format_number,
    format_percent,
    format_signed,
    translations,
)
from reconcile.redaction import file_name, redact
from reconcile.registry import SOURCE_LANGUAGE
from reconcile.result import (
    BridgeStep,
    Finding,
    Month,
    PlanCount,
    Rejection,
    Result,
)
from reconcile.standout import stand_out

__all__ = ["FORMATS", "LANGUAGES", "environment", "finding_text", "redact", "render"]

FORMATS = ("html", "md")
REPORT_TEMPLATES = {"html": "report.html.j2", "md": "report.md.j2"}

# How many rows a list shows before "N more — see the JSON": enough to act on, few
# enough that a report of realistic size stays well under 100 KB as an attachment.
ROWS_SHOWN = 25
REJECTIONS_SHOWN = 40
MONTHS_SHOWN = 12
# Plans, largest gap between subscriptions and customers first: the ones that explain
# the difference. The JSON and the workbook hold them all.
PLANS_SHOWN = 10
# Examples named per bridge step, each with its customer's name beside it.
EXAMPLES_SHOWN = 3
# Pairs of products with most customers in both: the largest tell the story.
PAIRS_SHOWN = 5
# Customers who would gain most from aligning their renewal dates: the sentence above the
# list says how many there are and what aligning saves; the first few make it concrete.
RENEWALS_SHOWN = 5

# Bridge steps whose examples are line numbers of the file rather than IDs.
STEPS_WITH_LINE_EXAMPLES = frozenset(
    {
        Step.REJECTED,
        Step.DUPLICATES_REMOVED,
        Step.CUSTOMER_ROWS_REJECTED,
        Step.CUSTOMER_DUPLICATES_REMOVED,
        Step.CUSTOMER_GUESTS,
    }
)

# Characters that start markup anywhere in a line of GitHub-flavoured Markdown: table
# cells, emphasis, code, links and images, raw HTML and autolinks, strike-through,
# entities, headings. Each shows literally behind a backslash. Characters that only mean
# something at the start of a line (`-`, `+`, `1.`) are left alone: the templates never
# start a line with a value, and "-12" in a table should stay readable as text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x0b\x0c\x85]")


def template_dirs() -> list[Path]:
    """Where templates are looked up: inside the installed package first (the wheel
    force-includes them), then the checkout's top-level folder (editable installs)."""
    package = Path(reconcile.__file__).parent
    return [package / "templates", package.parent / "templates"]


def environment(lang: str, *, autoescape: bool) -> jinja2.Environment:
    """A jinja2 environment for `lang`: the gettext catalog installed (newstyle `_()`
    and `ngettext()`), the filters number, signed, percent, date and month, the
    globals lang, finding_text, step_label, rejection_reason and ref_detail (bound to
    `lang`) and the enums Step and Severity, StrictUndefined, and loaders for the
    report's templates."""
    return _new_environment(lang, autoescape=autoescape)


def render(
    result: Result, fmt: str, *, lang: str = "en", files: Mapping[str, str] | None = None
) -> str:
    """The report as HTML (`fmt="html"`) or Markdown (`fmt="md"`) in `lang`.

    `files` names the files written beside it that hold what the report cuts, by kind:
    "json" (every list), "xlsx" (every list and the row trace), "csv" (the row trace).
    A cut list then says in which file the rest is; only the file name is shown, never
    a folder, and never the command that wrote it (the report is mailed to people who
    do not run it)."""
    if fmt not in REPORT_TEMPLATES:
        raise ValueError(f"unknown report format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    template = _report_environment(fmt, check_language(lang)).get_template(REPORT_TEMPLATES[fmt])
    companions = {kind: file_name(str(name)) for kind, name in (files or {}).items()}
    return template.render(
        result=result,
        summary=summarise(result),
        files=companions,
        naming=figure_naming(result, lang),
    )


def report_text(
    result: Result, fmt: str, *, lang: str = "en", files: Mapping[str, str] | None = None
) -> str:
    """The report as text in any text format: the JSON of `result.to_dict()`, or `render`'s
    HTML or Markdown."""
    if fmt == "json":
        if _C_PLAIN_ENCODER is None:  # a Python without the json module's C part
            return json_text(result.to_dict()) + "\n"
        return _result_json(result) + "\n"
    return render(result, fmt, lang=lang, files=files)


def _not_serializable(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


# The C encoder: json.dumps with `indent` encodes in pure Python, a tenth of a second
# for the report of a million rows. Made once and called directly: JSONEncoder.encode
# makes a new one on every call, which cost as much as the encoding for the tens of
# thousands of rows a report lists (bench/RESULTS.md, "Micro-benchmarks").
_C_ENCODER = json.encoder.c_make_encoder and json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, _not_serializable, json.encoder.encode_basestring, None, ": ", ", ", False, False, True
)


def _encode(value: Any) -> str:
    """`JSONEncoder(ensure_ascii=False).encode(value)`: a line of JSON."""
    if _C_ENCODER is None:  # a Python without the json module's C part
        return json.JSONEncoder(ensure_ascii=False).encode(value)
    return "".join(_C_ENCODER(value, 0))


def json_text(value: Any, indent: str = "") -> str:
    """`value` as JSON that a reader can scan: each field of an object on its own line,
    indented by its depth, and each element of a list of objects (a row, a month) on its
    own line; a list of plain values stays on one line."""
    if isinstance(value, dict) and value:
        return _json_object(value.items(), indent, json_text)
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        return _json_rows(map(_encode, value), indent)
    return _encode(value)


def _json_object(
    fields: Iterable[tuple[Any, Any]], indent: str, encode: Callable[[Any, str], str]
) -> str:
    """An object of `json_text`'s layout: each field on its own line, its value written
    by `encode(value, indent)`."""
    inner = indent + "  "
    lines = (f"{inner}{_encode(str(key))}: {encode(item, inner)}" for key, item in fields)
    return "{\n" + ",\n".join(lines) + "\n" + indent + "}"


def _json_rows(rows: Iterable[str], indent: str) -> str:
    """A list of `json_text`'s layout: each encoded row on its own line."""
    inner = indent + "  "
    return "[\n" + ",\n".join(inner + row for row in rows) + "\n" + indent + "]"


def _result_json(value: Any, indent: str = "") -> str:
    """`json_text(value.to_dict())` for the Result or any part of it, byte for byte,
    without that copy: a dataclass is written as its fields by name, a tuple as a list
    and a date as its ISO text, as to_dict makes them (result._plain); the lines of a
    list are encoded from the dataclasses themselves, each met by the encoder's hook
    (bench/RESULTS.md, "Micro-benchmarks")."""
    kind = type(value)
    if kind in _PLAIN:
        return _encode(value)
    names = None if kind is tuple or kind is list else _field_names(value.__class__)
    if names is not None:
        if not names:
            return "{}"
        return _json_object(((name, getattr(value, name)) for name in names), indent, _result_json)
    if isinstance(value, dict):
        return _json_object(value.items(), indent, _result_json) if value else "{}"
    if isinstance(value, list | tuple) and any(map(_is_nested, value)):
        return _json_rows(map(_encode_plain, value), indent)
    return _encode_plain(value)


_PLAIN = frozenset({str, int, float, bool, type(None)})


@cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names in declaration order (to_dict's key order); None for
    any other type."""
    return tuple(field.name for field in fields(kind)) if is_dataclass(kind) else None


def _is_nested(value: Any) -> bool:
    """Whether `value` is a dict or a list in to_dict()'s copy."""
    return isinstance(value, dict | list | tuple) or _field_names(value.__class__) is not None


def _as_plain(value: Any) -> Any:
    """The encoder's hook: a dataclass as the dict of its fields, a date as ISO text."""
    names = _field_names(value.__class__)
    if names is not None:
        # The instance's own attributes when they are the fields in their order (as its
        # __init__ sets them): the encoder reads them without a copy.
        own = getattr(value, "__dict__", None)
        if own is not None and len(own) == len(names) and tuple(own) == names:
            return own
        return {name: getattr(value, name) for name in names}
    if isinstance(value, date):
        return value.isoformat()
    return _not_serializable(value)


_C_PLAIN_ENCODER = json.encoder.c_make_encoder and json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, _as_plain, json.encoder.encode_basestring, None, ": ", ", ", False, False, True
)


def _encode_plain(value: Any) -> str:
    """`_encode(value)` of the value to_dict() makes of `value`: a line of JSON."""
    return "".join(_C_PLAIN_ENCODER(value, 0))


def figure_naming(result: Result, lang: str) -> dict[str, str]:
    """How the report names the billing system's figures (DOMAIN.md, "What the billing
    system's own report calls it"): `counting` "yes" (its reports count subscriptions as
    customers: `system`, and `active`, `net`, `arpu` in `lang`, as its interface says
    them), "no" (it counts customers: nothing is named) or "unknown" (neutral words)."""
    system = result.billing_system
    if system is None or system.counts_subscriptions_as_customers != COUNTS_SUBSCRIPTIONS:
        counting = COUNTING_UNKNOWN if system is None else system.counts_subscriptions_as_customers
        return {"counting": counting}
    return {"counting": COUNTS_SUBSCRIPTIONS, "system": system.title, **system.names_in(lang)}


def finding_text(finding: Finding, lang: str, *, advice: bool = True) -> str:
    """A finding's message in `lang`: the same sentences the engine chose, each in the
    singular or plural its count picks, the params formatted for the locale. Without
    `advice`, no advice to the person who runs reconcile (for the email's recipient)."""
    if finding.code not in words.FINDINGS:
        # A code this version has no template for: its English message as given.
        return finding.message
    return words.message(
        finding.code,
        finding.params,
        translations(check_language(lang)),
        _localised_params(finding.params, lang),
        advice=advice,
    )


def step_label(step: BridgeStep, lang: str, naming: Mapping[str, str] | None = None) -> str:
    """A bridge step's label in `lang` (its English label when the step is unknown); the
    active subscriptions say what the billing system calls them, where it is named."""
    known = Step.of(step.step)
    if known is None:
        return step.label
    catalog = translations(lang)
    counting = naming["counting"] if naming else COUNTING_UNKNOWN
    if known is Step.SUBSCRIPTIONS_ACTIVE and counting == COUNTS_SUBSCRIPTIONS:
        assert naming is not None
        return catalog.gettext(ACTIVE_SUBSCRIPTIONS_NAMED) % {
            "system": naming["system"],
            "figure": naming["active"],
        }
    if known is Step.SUBSCRIPTIONS_ACTIVE and counting == COUNTS_CUSTOMERS:
        return catalog.gettext(ACTIVE_SUBSCRIPTIONS_PLAIN)
    return catalog.gettext(known.label)


def rejection_reason(rejection: Rejection, lang: str) -> str:
    """Why a row was rejected. English shows the validator's own message (it can say
    more, e.g. the expected date format) without its advice to use an option; other
    languages the translated reason of the rejection's code, since the message is free
    text that no catalog holds."""
    known = RowError.of(rejection.code)
    if lang == SOURCE_LANGUAGE or known is None:
        # What is shown is mailed: the option to use is said on stderr (cli.py).
        return rejection.message.replace(DATE_FORMAT_ADVICE, "")
    # The reasons are written to follow a colon; alone in a table cell they start upper case.
    text = translations(lang).gettext(known.reason)
    return text[:1].upper() + text[1:]


def ref_detail(detail: str | None, lang: str) -> str | None:
    """What a listed subscription's `detail` code means, in `lang` (unknown: as given)."""
    known = Detail.of(detail)
    return detail if known is None else translations(lang).gettext(known.text)


def summarise(result: Result) -> dict[str, Any]:
    """Figures derived from the Result that both templates show (no formatting)."""
    totals = result.totals
    months = result.timeline[-MONTHS_SHOWN:]
    plans = plans_by_gap(result.by_plan)
    return {
        "stand_out": stand_out(result),
        "plans": plans[:PLANS_SHOWN],
        "plans_hidden": len(plans) - PLANS_SHOWN,
        "examples_shown": EXAMPLES_SHOWN,
        "pairs_shown": PAIRS_SHOWN,
        "renewals_shown": RENEWALS_SHOWN,
        "extra_subscriptions": totals.extra_subscriptions,
        "subscriptions_per_customer": (
            totals.subscriptions_active / totals.customers_active
            if totals.customers_active
            else None
        ),
        "customers_with_several": result.customers_with_several,
        "holdings_max": max((h.customers for h in result.subscriptions_per_customer), default=0),
        "months": months,
        "months_hidden": len(result.timeline) - len(months),
        "months_max": _largest_active(months),
        "rows_shown": ROWS_SHOWN,
        "rejections_shown": REJECTIONS_SHOWN,
        **revenue_summary(result, months),
        "line_steps": STEPS_WITH_LINE_EXAMPLES,
    }


def plans_by_gap(plans: tuple[PlanCount, ...]) -> list[PlanCount]:
    """Plans by the gap between active subscriptions and customers, largest first; then
    by size, product and plan, so that the order is the same on every run."""
    return sorted(
        plans,
        key=lambda plan: (
            plan.customers_active - plan.subscriptions_active,
            -plan.subscriptions_active,
            plan.product or "",
            plan.plan or "",
        ),
    )


def revenue_summary(result: Result, months: tuple[Month, ...]) -> dict[str, Any]:
    """What the revenue sections need beyond the Result: MRR per product and currency
    (largest first within each currency), the largest MRR per currency (the 100% of
    the bars), the currencies of the history, and whether any month had plan changes."""
    products = sorted(
        (
            (entry.currency or "", -entry.mrr, row.product or "", row.product, entry)
            for row in result.by_product
            for entry in row.revenue
        ),
        key=lambda item: item[:3],
    )
    largest: dict[str | None, float] = {}
    for _, _, _, _, entry in products:
        largest[entry.currency] = max(largest.get(entry.currency, 0.0), entry.mrr)
    history_max: dict[str | None, float] = {}
    for month in months:
        for moved in month.revenue:
            history_max[moved.currency] = max(history_max.get(moved.currency, 0.0), moved.mrr)
    return {
        "product_revenue": [(product, entry) for _, _, _, product, entry in products],
        "product_revenue_max": largest,
        "revenue_currencies": list(history_max),
        "revenue_history_max": history_max,
        "plan_change_months": [month for month in months if month.subscriptions_ended],
        "plan_changes_total": sum(month.plan_changes for month in result.timeline),
        "without_amount": sum(r.subscriptions_without_amount for r in result.revenue),
        # DOMAIN.md: only a billing system whose ARPU divides by subscriptions is named.
        "arpu_by_subscription_system": result.billing_system is not None
        and result.billing_system.counts_subscriptions_as_customers == COUNTS_SUBSCRIPTIONS,
    }


def escape_markdown(value: Any) -> str:
    """Any value as literal Markdown text: one line, every special character escaped,
    so that customer data can neither break a table nor inject markup."""
    if value is None:
        return ""
    if isinstance(value, markupsafe.Markup):
        # Marked safe in a template (`|safe`): the output of a partial whose every
        # value went through this function already. Escaping it again would double
        # every backslash.
        return str(value)
    text = _LINE_BREAKS.sub(" ", str(value))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _largest_active(months: tuple[Month, ...]) -> int:
    return max(
        (max(month.subscriptions_active, month.customers_active) for month in months), default=0
    )


def prepare(fmt: str, lang: str) -> None:
    """Load and compile the report template of `fmt` in `lang`, and the number formats
    of `lang`, before the report is rendered (reconcile.prefetch); nothing for a format
    without a template."""
    if fmt in REPORT_TEMPLATES:
        environment = _report_environment(fmt, check_language(lang))
        environment.get_template(REPORT_TEMPLATES[fmt])
        # The partials it imports are loaded when it renders, unless loaded here.
        for name in environment.list_templates(filter_func=partial(_partial_of, fmt)):
            environment.get_template(name)
        format_money(1.5, "EUR", lang)
        format_date(date(2000, 1, 31), lang)


def _partial_of(fmt: str, name: str) -> bool:
    """Whether `name` is a partial that `fmt`'s report may import: partials/x.<fmt>.j2,
    partials/<fmt>.j2, or partials/x.j2 shared by every format."""
    folder, _, file = name.rpartition("/")
    if folder != "partials" or not file.endswith(".j2"):
        return False
    kind = file.removesuffix(".j2").rpartition(".")[2]
    return kind == fmt or kind not in FORMATS


@lru_cache(maxsize=len(FORMATS) * len(LANGUAGES))
def _report_environment(fmt: str, lang: str) -> jinja2.Environment:
    cache = _bytecode_cache(fmt)
    if fmt == "html":
        return _new_environment(lang, autoescape=True, bytecode_cache=cache)
    # Markdown has no autoescape: every {{ ... }} goes through escape_markdown instead,
    # so no customer value can be forgotten. Markup belongs in the template text.
    return _new_environment(lang, autoescape=False, finalize=escape_markdown, bytecode_cache=cache)


def _new_environment(
    lang: str,
    *,
    autoescape: bool,
    finalize: Callable[[Any], Any] | None = None,
    bytecode_cache: jinja2.BytecodeCache | None = None,
) -> jinja2.Environment:
    check_language(lang)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(path) for path in template_dirs()]),
        autoescape=autoescape,
        finalize=finalize,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=bytecode_cache,
    )
    # Added to the environment by the i18n extension, so unknown to its type.
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        number=partial(_number_filter, lang=lang),
        signed=partial(format_signed, lang=lang),
        percent=partial(_percent_filter, lang=lang),
        date=partial(_date_filter, lang=lang),
        month=partial(format_month, lang=lang),
        filename=file_name,
        money=partial(_money_filter, lang=lang),
        period=partial(_period_filter, lang=lang),
    )
    env.globals.update(
        lang=lang,
        finding_text=partial(finding_text, lang=lang),
        step_label=partial(step_label, lang=lang),
        rejection_reason=partial(rejection_reason, lang=lang),
        ref_detail=partial(ref_detail, lang=lang),
        # The codes, so that templates compare with Step.PAUSED rather than "paused".
        Step=Step,
        Severity=Severity,
        RowError=RowError,
    )
    return env


# Compiling the two report templates and their partials costs about as much as reading a
# million-row export's customers file, loading the compiled code a fiftieth of that
# (bench/RESULTS.md, "Micro-benchmarks"). So the compiled templates are kept in the
# user's cache folder between runs.
class _BytecodeCache(jinja2.FileSystemBytecodeCache):
    """jinja2's file cache, except that it never fails a report: a folder that cannot be
    written, a full disk or a damaged cache file only mean compiling as without a cache."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # damaged or unreadable: compile afresh (and overwrite it)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def cache_dir() -> Path:
    """Where reconcile keeps files that only make it faster: `$XDG_CACHE_HOME/reconcile`,
    by default `~/.cache/reconcile`."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "reconcile"


def _bytecode_cache(fmt: str) -> jinja2.BytecodeCache | None:
    """The compiled-template cache of `fmt`'s environment, None when there is no usable
    folder. jinja2 checks a cached template against its source text and the versions of
    Python and jinja2, but not against the environment that compiled it: autoescape and
    finalize are compiled into the code, and the partials are shared by HTML and
    Markdown. So each format has its own folder, named after jinja2's version and this
    module's source, where every option of the environments is set."""
    try:
        source = Path(__file__).read_bytes()
        fingerprint = hashlib.sha256(f"{jinja2.__version__}\0{fmt}\0".encode() + source)
        folder = cache_dir() / f"templates-{fmt}-{fingerprint.hexdigest()[:16]}"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: no home folder to be found
        return None
    return _BytecodeCache(str(folder))


def _number_filter(value: int | float, digits: int = 0, *, lang: str) -> str:
    return format_number(value, lang, digits=digits)


def _money_filter(value: float, currency: str | None, *, lang: str) -> str:
    return format_money(value, currency, lang)


def _percent_filter(share: float, digits: int = 0, *, lang: str) -> str:
    return format_percent(share, lang, digits=digits)


def _date_filter(value: date, style: str = "short", *, lang: str) -> str:
    return format_date(value, lang, style=style)


def _period_filter(period: str, *, lang: str) -> str:
    """A period of the billing system's figures: a month `YYYY-MM` or a day `YYYY-MM-DD`."""
    if len(period) == len("YYYY-MM"):
        return format_month(period, lang)
    return format_date(date.fromisoformat(period), lang)


# Finding params that need more than number formatting to read well in every language.
def _translated_reason(params: Mapping[str, Any], lang: str) -> str:
    known = RowError.of(params.get("code", ""))
    return params["reason"] if known is None else translations(lang).gettext(known.reason)


def _currency_list(params: Mapping[str, Any], lang: str) -> str:
    by_currency = params.get("by_currency")
    if not isinstance(by_currency, Mapping):
        return params["currencies"]
    return ", ".join(f"{code} {format_number(count, lang)}" for code, count in by_currency.items())


def _figure(params: Mapping[str, Any], lang: str) -> str:
    """The billing system's figure as its interface names it in `lang` ("Aktive Kunden")."""
    names = params.get("figure_names")
    if isinstance(names, Mapping) and names.get(lang):
        return str(names[lang])
    return params["figure"]


def _reason_list(params: Mapping[str, Any], lang: str) -> str:
    by_reason = params.get("by_reason")
    if not isinstance(by_reason, Mapping):
        return params["reasons"]
    return words.counted_reasons(by_reason, translations(lang), partial(format_number, lang=lang))


def _file_param(name: str) -> Callable[[Mapping[str, Any], str], str]:
    # A path shows the user's folders and name: the report names the file only.
    return lambda params, _lang: file_name(str(params[name]))


def _lacking_columns(params: Mapping[str, Any], lang: str) -> str:
    """The columns the first pasted part lacks, each quoted as the language quotes."""
    parts = params.get("parts_lacking")
    if not parts:
        return str(params["lacking_columns"])
    opening, closing = _QUOTES.get(lang, ("'", "'"))
    return ", ".join(f"{opening}{column}{closing}" for column in parts[0]["columns"])


# How a language quotes a name inside a sentence (English: the engine's own 'Status').
_QUOTES = {"de": ("„", "“")}


def _month(params: Mapping[str, Any], lang: str) -> str:
    return format_month(params["month"], lang)


def _month_list(params: Mapping[str, Any], lang: str) -> str:
    """A comma-separated list of YYYY-MM months, each as the locale writes a month."""
    return ", ".join(format_month(month.strip(), lang) for month in params["months"].split(","))


_SPECIAL_PARAMS: dict[str, Callable[[Mapping[str, Any], str], str]] = {
    "reason": _translated_reason,
    "currencies": _currency_list,
    "reasons": _reason_list,
    "file": _file_param("file"),
    "customers_file": _file_param("customers_file"),
    "subscriptions_file": _file_param("subscriptions_file"),
    "used": _file_param("used"),
    "files": lambda params, _lang: ", ".join(
        file_name(path.strip()) for path in str(params["files"]).split(",")
    ),
    "month": _month,
    "months": _month_list,
    "lacking_columns": _lacking_columns,
    "figure": _figure,
}


def _localised_params(params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    return {
        name: _SPECIAL_PARAMS[name](params, lang)
        if name in _SPECIAL_PARAMS
        else _localised(value, lang)
        for name, value in params.items()
    }


def _localised(value: Any, lang: str) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return format_number(value, lang)
    if isinstance(value, float):
        return format_number(value, lang, digits=2)
    if isinstance(value, date):
        return format_date(value, lang)
    return value
