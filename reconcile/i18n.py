"""Languages of the report: gettext catalogs and locale-aware formatting of figures.

The German catalog ships as a .po file inside the package and is compiled in memory
the first time it is needed (a few milliseconds), so that no binary .mo file has to be
committed or built. English is the language of the msgids and needs no catalog.
"""

from __future__ import annotations

import ast
import gettext
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from importlib.resources.abc import Traversable
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import NumberPattern, format_currency, format_decimal, parse_pattern

from reconcile.codes import N_
from reconcile.problems import ReconcileError
from reconcile.registry import SOURCE_LANGUAGE, catalog, languages

# Found, not listed: English and every language with a catalog in locale/ (registry.py).
LANGUAGES = languages()
LOCALE_DIR = Path(__file__).parent / "locale"

# One pattern per use, kept consistent through the whole report: tables show "15 Nov 2026",
# sentences "15 November 2026" (CLDR patterns). Each language's catalog translates them
# into its own ("dd.MM.y", "d. MMMM y"), so a new language needs no code.
_DATE_PATTERNS = {"short": N_("d MMM y"), "long": N_("d MMMM y")}
# Stand-alone abbreviated month names ("LLL"): German "Mär", "Okt" without the trailing
# dot that the format-context abbreviations carry, so month columns line up.
_MONTH_PATTERN = N_("LLL y")


def check_language(lang: str) -> str:
    """`lang` itself when the report speaks it; else a usage error naming the choices."""
    known = languages()
    if lang not in known:
        raise ReconcileError(f"unknown language {lang!r}; choose one of: {', '.join(known)}")
    return lang


def catalog_path(lang: str) -> Traversable:
    return catalog(lang)


@lru_cache(maxsize=16)
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext translations of `lang`, compiled from its .po file once per process."""
    check_language(lang)
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    # Imported here: an English report reads no catalog.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalog_path(lang).open("rb") as po_file:
        catalog = read_po(po_file, locale=lang)
    compiled = BytesIO()
    # Fuzzy entries are not trusted translations: write_mo leaves them out, so the
    # English msgid shows instead (and the catalog test fails on them).
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


# A report formats about a thousand figures, many of them twice (HTML and Markdown). Each
# is formatted once per process: the functions below give the same text for the same
# arguments (typed: 1 and 1.0 are kept apart), and babel is told the parsed locale and
# pattern, which it would otherwise parse anew on every call (bench/RESULTS.md,
# "Micro-benchmarks").
_FORMATTED = 4096


@lru_cache(maxsize=16)
def _locale(lang: str) -> Locale:
    return Locale.parse(lang)


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


@lru_cache(maxsize=_FORMATTED, typed=True)
def format_number(value: int | float, lang: str, *, digits: int = 0) -> str:
    """`1,016` / `1.016`; with `digits`, that many decimals (`2.61` / `2,61`)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=_pattern(pattern), locale=_locale(lang))


@lru_cache(maxsize=_FORMATTED, typed=True)
def format_money(value: float, currency: str | None, lang: str) -> str:
    """An amount in the locale's currency format: `€1,234.50` / `1.234,50 €`; without a
    currency (the export names none) the number with two decimals."""
    if currency is None:
        return format_number(value, lang, digits=2)
    return format_currency(value, currency, locale=_locale(lang))


@lru_cache(maxsize=_FORMATTED, typed=True)
def format_signed(value: int, lang: str) -> str:
    """A change with its sign: `+12`, `-3`, and `0` without one."""
    if value == 0:
        return format_number(0, lang)
    return format_decimal(value, format=_pattern("+#,##0;-#,##0"), locale=_locale(lang))


@lru_cache(maxsize=_FORMATTED, typed=True)
def format_percent(share: float, lang: str, *, digits: int = 0) -> str:
    """`0.123` as `12%` / `12 %` (the locale's own pattern, spacing included)."""
    locale = _locale(lang)
    pattern = locale.percent_formats[None].pattern
    if digits:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
    return format_decimal(share, format=_pattern(pattern), locale=locale)


def format_date(value: date, lang: str, *, style: str = "short") -> str:
    pattern = translations(lang).gettext(_DATE_PATTERNS[style])
    return babel_format_date(value, pattern, locale=_locale(lang))


def format_month(period: str | date, lang: str) -> str:
    """A month, given as `YYYY-MM` or as any day of it: `Nov 2026`."""
    if isinstance(period, str):
        year, month = period.split("-")
        period = date(int(year), int(month), 1)
    return babel_format_date(
        period, translations(lang).gettext(_MONTH_PATTERN), locale=_locale(lang)
    )


# The dicts of reconcile/findings.py whose English strings are msgids (the texts of
# reconcile/codes.py are marked with N_ and extracted by Babel's Python extractor).
MESSAGE_DICTS = ("FINDINGS", "COUNTED_REASONS")
# The class of findings.py whose calls hold a sentence's singular and plural.
SENTENCE_CLASS = "Sentence"


def extract_findings(
    fileobj, keywords: object, comment_tags: object, options: object
) -> Iterator[tuple[int, str | None, str | tuple[str, str], list[str]]]:
    """A Babel extraction method for reconcile/findings.py: every string value of the
    dicts named in MESSAGE_DICTS, and every `Sentence(singular, plural, counted=...)`
    within them, as an ngettext entry when it has a plural (with a comment naming the
    param that picks the form when that is not the count). Read from the source text,
    so extraction imports nothing."""
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and _assigned_name(node) in MESSAGE_DICTS
            and isinstance(node.value, ast.Dict)
        ):
            for value in node.value.values:
                yield from _messages_in(value)


def _messages_in(value: ast.expr) -> Iterator[tuple[int, str | None, Any, list[str]]]:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        yield value.lineno, None, value.value, []
        return
    for node in ast.walk(value):
        if isinstance(node, ast.Call) and _called_name(node) == SENTENCE_CLASS:
            yield _sentence_message(node)


def _sentence_message(call: ast.Call) -> tuple[int, str | None, Any, list[str]]:
    arguments = dict(zip(("singular", "plural", "counted"), call.args, strict=False))
    arguments.update((k.arg, k.value) for k in call.keywords if k.arg is not None)
    singular, plural = _literal(arguments["singular"]), _literal(arguments.get("plural"))
    if plural is None:
        return call.lineno, None, singular, []
    counted = _literal(arguments.get("counted")) or "count"
    comments = [] if counted == "count" else [f"Singular or plural by {{{counted}}}."]
    return call.lineno, "ngettext", (singular, plural), comments


def _literal(node: ast.expr | None) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


def _called_name(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else None


def _assigned_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    return None
