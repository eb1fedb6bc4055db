"""Vectorised parsers for the values of billing exports: dates, amounts, IDs, statuses.

Every parser is a polars expression (or works on a Series) and never loops over rows in
Python. A value that cannot be parsed becomes null; callers find the failures as "non-empty
input, null result" and report them as row errors, so nothing is lost silently.

Dates: one format per column, detected on the column's distinct values (a date column has
few of them). Each format is an anchored regular expression whose named groups (y, m, d and,
for timestamps, the time of day and the UTC offset) are rebuilt into an ISO date and parsed
strictly, so impossible dates (31.02.2024) and trailing garbage come back null. Timestamps
are reduced to their UTC date (DOMAIN.md); a timestamp without an offset is taken as UTC,
and a zone abbreviation (Recurly's `PDT`) is read as its offset (ZONE_OFFSETS).

Two-digit years (what Excel and LibreOffice write when they re-save a file: "12/25/25 20:18",
"25.12.25") are read as 20yy. Detection takes such a format only when it reads every value
of the column, since "01.03.24" alone does not name its century. `--date-format` also takes
any Unicode (CLDR) date pattern, such as "M/d/yy H:mm" or "dd.MM.yy" (`date_format_by_name`).

Amounts: the decimal separator is decided per column when the caller detects it
(`detect_decimal_separator`), else per value (`amount_expr(column)`): when both "." and ","
occur the last one is the decimal separator; when a value alone cannot tell ("1,234" or
"1.234") it is read the English way (1234 and 1.234).

Billing intervals and quantities (revenue): a unit is one of MONTHS_PER_UNIT, a count
of intervals a whole number of at least 1, a quantity a whole number of at least 0. An
empty unit is a month and an empty count or quantity 1; any other value is unreadable
(null), never guessed.

Speed: a parse takes several regex stages, and an expression tree would run a shared
sub-expression once per use, so the stages run on materialised columns inside Series
functions (`parse_dates`, `parse_amounts`); `date_expr` and `amount_expr` wrap them with
map_batches. Repetitive columns are parsed once per distinct value and mapped back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import cast

import polars as pl

# --- dates -------------------------------------------------------------------------------

CALENDAR = "calendar"  # day, month and year as text, with an optional naive time of day
ISO = "iso"  # ISO 8601 date or timestamp, with an optional UTC offset
EXCEL = "excel"  # days since 1899-12-30, as spreadsheets store dates
UNIX = "unix"  # seconds since 1970-01-01 UTC
UNIX_MS = "unix_ms"  # milliseconds since 1970-01-01 UTC (JavaScript, Java, pandas' JSON)

# Values that mean "no date" in a date column of any export: a dash or "n/a" that a person
# or a spreadsheet put in an empty cell, and the zero dates databases write for a date not
# set (MySQL's 0000-00-00, and its German spreadsheet rendering). They are empty cells, not
# invalid dates: an empty end is no end (DOMAIN.md). A source adds its own (`no_date`,
# WooCommerce's `0`). The words in the case variants people write, matched exactly (a hash
# lookup, cheaper than lower-casing every cell of a million-row column).
_NO_DATE_MARKS = ("-", "--", "---", "\u2013", "\u2014", "/", ".")
_NO_DATE_WORDS = ("n/a", "n.a.", "na", "none", "null", "nil", "nan", "nat", "not set")
_ZERO_DATES = (
    "0000-00-00",
    "0000-00-00 00:00:00",
    "0000-00-00T00:00:00",
    "0000-00-00T00:00:00Z",
    "00.00.0000",
    "00.00.00",
    "00/00/0000",
    "00/00/00",
)
NO_DATE_VALUES: tuple[str, ...] = (
    *_NO_DATE_MARKS,
    *(v for word in _NO_DATE_WORDS for v in dict.fromkeys((word, word.upper(), word.title()))),
    *("N/a", "NaN", "NaT"),
    *_ZERO_DATES,
)

# Years 1900..2199, and 9999, which some systems write as "no end" (9999-12-31). A year
# outside is a typo (1024 for 2024) that would stretch the history over centuries.
_YEAR = r"(?<y>19\d{2}|2[01]\d{2}|9999)"
_MONTH = r"(?<m>\d{1,2})"
_DAY = r"(?<d>\d{1,2})"
_MONTH_NAME = r"(?<m>\p{L}{3,9})\.?"
# A naive time after a calendar date ("01.03.2024 10:22", "3/1/2024 10:22:33 PM"): it
# cannot move the date because a naive time is taken as UTC, but it must look like a time.
_NAIVE_TIME = (
    r"(?:(?:\s+|T)(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?)?"
)
# Time zone abbreviations a billing export writes after a timestamp (Recurly's exports:
# "2012-06-27 03:47:28 PDT", in the site's time zone), as UTC offsets: the US zones, and
# the European ones the tz database names unambiguously, in any case. An abbreviation that
# means several zones (IST, BST, AST) is not read: such a value is an error naming its zone.
ZONE_OFFSETS: dict[str, str] = {
    "EST": "-05:00",
    "EDT": "-04:00",
    "CST": "-06:00",
    "CDT": "-05:00",
    "MST": "-07:00",
    "MDT": "-06:00",
    "PST": "-08:00",
    "PDT": "-07:00",
    "AKST": "-09:00",
    "AKDT": "-08:00",
    "HST": "-10:00",
    "HDT": "-09:00",
    "WET": "+00:00",
    "WEST": "+01:00",
    "CET": "+01:00",
    "CEST": "+02:00",
    "EET": "+02:00",
    "EEST": "+03:00",
}
_ZONES = "|".join(sorted(ZONE_OFFSETS, key=len, reverse=True))
# ISO time of day and offset: 10:22, 10:22:33, 10:22:33.123456, then Z, UTC, +02:00, +0200,
# +02, or a zone abbreviation (PDT).
_ISO_TIME = (
    r"(?:[T ](?<hour>[01]\d|2[0-3]):(?<minute>[0-5]\d)(?::(?:[0-5]\d|60)(?:[.,]\d+)?)?"
    rf"\s*(?:(?i:Z|UTC|GMT|{_ZONES})|"
    r"(?<sign>[+-])(?<offset_hours>[01]\d|2[0-3]):?(?<offset_minutes>[0-5]\d)?)?)?"
)

# A timestamp whose UTC date may differ from its local one: an offset or a zone after it.
_UTC_OFFSET_SUFFIX = rf":\d{{2}}(?:[.,]\d+)?\s*(?:[+-]\d{{2}}(?::?\d{{2}})?|(?i:{_ZONES}))$"
_ZONE_SUFFIX = rf"\s*((?i:{_ZONES}))$"
# An ISO timestamp that ends in letters other than a zone it reads: a zone it cannot place.
_OTHER_ZONE = (
    r"^[1-9]\d{3}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*([A-Za-z]{1,6})$"
)
_READ_ZONES = frozenset({"Z", "UTC", "GMT", *ZONE_OFFSETS})
_ISO_DATE_PREFIX = r"^([1-9]\d{3}-\d{1,2}-\d{1,2})"

# Month names as they appear in English and German exports, lower case, with and without
# the abbreviation (German Excel writes "Mrz" or "Mär", Austrian "Jän").
MONTH_NUMBERS: dict[str, int] = {
    **dict.fromkeys(("jan", "january", "januar", "jän", "jänner"), 1),
    **dict.fromkeys(("feb", "february", "februar"), 2),
    **dict.fromkeys(("mar", "march", "mär", "mrz", "märz"), 3),
    **dict.fromkeys(("apr", "april"), 4),
    **dict.fromkeys(("may", "mai"), 5),
    **dict.fromkeys(("jun", "june", "juni"), 6),
    **dict.fromkeys(("jul", "july", "juli"), 7),
    **dict.fromkeys(("aug", "august"), 8),
    **dict.fromkeys(("sep", "sept", "september"), 9),
    **dict.fromkeys(("oct", "october", "okt", "oktober"), 10),
    **dict.fromkeys(("nov", "november"), 11),
    **dict.fromkeys(("dec", "december", "dez", "dezember"), 12),
}

# Plausible ranges for numeric dates, so that a column of plain numbers is not taken for
# dates: Excel serials 20000..80000 are 1954-10-03..2119-01-11; Unix seconds with 9 or 10
# digits are 1973..2286, Unix milliseconds with 12 or 13 digits the same years. The digit
# counts do not overlap, so a number's length says its unit.
EXCEL_SERIAL_RANGE = (20_000, 80_000)
_EXCEL_EPOCH_OFFSET = 25_569  # Excel serial of 1970-01-01 (serial 0 is 1899-12-30)
_SECONDS_PER_DAY = 86_400
_MINUTES_PER_DAY = 1_440


DAY_FIRST = "day"
MONTH_FIRST = "month"


@dataclass(frozen=True)
class DateFormat:
    """A date format: `name` is what users see and pass to --date-format; `pattern` is an
    anchored regular expression with named groups y, m, d (calendar and ISO formats) or n
    (numeric formats); `month_names` says the m group holds a month name;
    `two_digit_year` that the y group holds the last two digits of a year of 2000-2099;
    `order` is DAY_FIRST or MONTH_FIRST for numeric formats whose day and month can be
    swapped (01/02/2024), else None."""

    name: str
    kind: str
    pattern: str
    aliases: tuple[str, ...] = ()
    month_names: bool = False
    two_digit_year: bool = False
    order: str | None = None


def _calendar(
    name: str,
    body: str,
    aliases: tuple[str, ...],
    month_names: bool = False,
    *,
    two_digit_year: bool = False,
    order: str | None = None,
) -> DateFormat:
    return DateFormat(
        name, CALENDAR, rf"^{body}{_NAIVE_TIME}$", aliases, month_names, two_digit_year, order
    )


_YEAR_2 = r"(?<y>\d{2})"  # two digits: 20yy


# Detection order: when two formats parse equally many values, the earlier one wins, except
# for day-first versus month-first, which is never guessed (AmbiguousDateOrder).
DATE_FORMATS: tuple[DateFormat, ...] = (
    DateFormat(
        "yyyy-MM-dd",
        ISO,
        rf"^{_YEAR}-{_MONTH}-{_DAY}{_ISO_TIME}$",
        (
            "iso",
            "iso date",
            "iso datetime",
            "iso 8601",
            "yyyy-mm-dd hh:mm:ss",
            "yyyy-mm-ddthh:mm:ss",
            "%Y-%m-%d",
        ),
    ),
    _calendar(
        "dd.MM.yyyy", rf"{_DAY}\.{_MONTH}\.{_YEAR}", ("d.m.yyyy", "%d.%m.%Y"), order=DAY_FIRST
    ),
    _calendar("dd/MM/yyyy", rf"{_DAY}/{_MONTH}/{_YEAR}", ("d/m/yyyy", "%d/%m/%Y"), order=DAY_FIRST),
    _calendar(
        "MM/dd/yyyy", rf"{_MONTH}/{_DAY}/{_YEAR}", ("m/d/yyyy", "%m/%d/%Y"), order=MONTH_FIRST
    ),
    _calendar("dd-MM-yyyy", rf"{_DAY}-{_MONTH}-{_YEAR}", ("d-m-yyyy", "%d-%m-%Y"), order=DAY_FIRST),
    _calendar(
        "MM-dd-yyyy", rf"{_MONTH}-{_DAY}-{_YEAR}", ("m-d-yyyy", "%m-%d-%Y"), order=MONTH_FIRST
    ),
    _calendar("yyyy/MM/dd", rf"{_YEAR}/{_MONTH}/{_DAY}", ("yyyy/m/d", "%Y/%m/%d")),
    # What spreadsheets write when they re-save a file: 12/25/25 20:18 (Excel, LibreOffice
    # in English), 25.12.25 (German), 25/12/25 (British). Detected only when every value of
    # the column fits (see date_format_of_counts).
    _calendar(
        "dd.MM.yy",
        rf"{_DAY}\.{_MONTH}\.{_YEAR_2}",
        ("d.m.yy", "%d.%m.%y"),
        two_digit_year=True,
        order=DAY_FIRST,
    ),
    _calendar(
        "dd/MM/yy",
        rf"{_DAY}/{_MONTH}/{_YEAR_2}",
        ("d/m/yy", "%d/%m/%y"),
        two_digit_year=True,
        order=DAY_FIRST,
    ),
    _calendar(
        "MM/dd/yy",
        rf"{_MONTH}/{_DAY}/{_YEAR_2}",
        ("m/d/yy", "%m/%d/%y"),
        two_digit_year=True,
        order=MONTH_FIRST,
    ),
    # 05-Apr-2024, 05 Apr 2024, 5. April 2024, 05-Mär-2024, 05/Okt/2024
    _calendar(
        "dd-MMM-yyyy",
        rf"{_DAY}(?:\.\s*|[-\s/]){_MONTH_NAME}(?:[-\s/]|,\s*){_YEAR}",
        ("dd mmm yyyy", "d-mmm-yyyy", "dd-mon-yyyy", "%d-%b-%Y", "%d %b %Y"),
        month_names=True,
    ),
    # Apr 05, 2024, April 5 2024
    _calendar(
        "MMM dd, yyyy",
        rf"{_MONTH_NAME}\s+{_DAY},?\s+{_YEAR}",
        ("mmm d, yyyy", "mmm dd yyyy", "%b %d, %Y"),
        month_names=True,
    ),
    DateFormat("excel serial", EXCEL, r"^(?<n>\d{5})(?:[.,]\d+)?$", ("excel", "serial")),
    DateFormat("unix seconds", UNIX, r"^(?<n>\d{9,10})(?:\.\d+)?$", ("unix", "epoch", "unix time")),
    DateFormat(
        "unix milliseconds",
        UNIX_MS,
        r"^(?<n>\d{12,13})(?:\.\d+)?$",
        ("unix ms", "epoch ms", "epoch milliseconds", "milliseconds"),
    ),
)


class AmbiguousDateOrder(ValueError):
    """Several formats (typically day-first and month-first) parse a column equally well:
    `rows` of it each."""

    def __init__(
        self, candidates: tuple[str, ...], examples: tuple[str, ...], rows: int = 0
    ) -> None:
        self.candidates = candidates
        self.examples = examples
        self.rows = rows
        super().__init__(
            f"dates such as {', '.join(examples)} fit {' and '.join(candidates)} equally well; "
            f"choose one with --date-format"
        )


def date_format_by_name(name: str) -> DateFormat:
    """The format called `name`: a built-in format (case-insensitive; aliases such as
    "excel", "iso", "d.M.yyyy" and strftime patterns such as "%d.%m.%Y"), else the Unicode
    (CLDR) date pattern `name` ("M/d/yy H:mm", "dd.MM.yy", "MM/dd/yyyy HH:mm:ss").
    ValueError when it is neither."""
    wanted = name.strip().lower()
    for fmt in DATE_FORMATS:
        if wanted == fmt.name.lower() or wanted in (alias.lower() for alias in fmt.aliases):
            return fmt
    try:
        return date_format_of_pattern(name.strip())
    except ValueError as error:
        valid = ", ".join(fmt.name for fmt in DATE_FORMATS)
        raise ValueError(
            f"unknown date format {name!r} ({error}); give a Unicode date pattern such as "
            f"'M/d/yy H:mm' or 'dd.MM.yyyy', or one of: {valid}"
        ) from None


# The pattern letters of Unicode date patterns (CLDR, the ones Babel formats with) that a
# billing export's dates use. The time of day is matched but never moves the date: a naive
# time is taken as UTC.
_PATTERN_TIME = {
    "H": r"(?:[01]?\d|2[0-3])",  # hour 0-23
    "k": r"(?:[01]?\d|2[0-4])",  # hour 1-24
    "h": r"(?:0?[1-9]|1[0-2])",  # hour 1-12
    "K": r"(?:0?\d|1[01])",  # hour 0-11
    "m": r"[0-5]?\d",  # minute
    "s": r"(?:[0-5]?\d|60)",  # second
    "S": r"\d+",  # fraction of a second
    "a": r"[AaPp]\.?\s?[Mm]\.?",  # AM/PM
}
_PATTERN_TOKEN = r"'(?:[^']|'')*'|([A-Za-z])\1*|\s+|[^A-Za-z'\s]|'"


def date_format_of_pattern(pattern: str) -> DateFormat:
    """The DateFormat of a Unicode date pattern; ValueError naming what is wrong with it.

    y, yyyy: a four-digit year; yy: two digits, read as 20yy. M, MM: the month, with or
    without its leading zero (L likewise); MMM, MMMM: its name or abbreviation (English or
    German). d, dd: the day. H, HH, h, hh, k, K, m, mm, s, ss, S..., a: the time of day,
    matched and ignored. E, EEE: a weekday name, ignored. Text in single quotes and any
    other character stand for themselves; blanks match any run of blanks. A pattern
    without a time letter also reads values with a time after the date, as the built-in
    formats do.
    """
    parts: list[str] = []
    seen: dict[str, int] = {}
    has_time = False
    for match in re.finditer(_PATTERN_TOKEN, pattern):
        token = match.group(0)
        letter = match.group(1)
        if letter is None:
            if token == "'":  # the quoted alternative needs a closing quote
                raise ValueError("a quote (') is never closed")
            if token.startswith("'"):
                literal = token[1:-1].replace("''", "'") if len(token) > 2 else "'"
                parts.append(re.escape(literal))
            elif token.isspace():
                parts.append(r"\s+")
            else:
                parts.append(re.escape(token))
            continue
        width = len(token)
        if letter in "yMLd":
            key = "M" if letter == "L" else letter
            seen[key] = seen.get(key, 0) + 1
            seen[f"{key}:width"] = width
            parts.append(_date_letter_regex(key, width))
        elif letter in _PATTERN_TIME:
            has_time = True
            parts.append(_PATTERN_TIME[letter])
        elif letter in "Ec":
            parts.append(r"\p{L}+\.?")
        else:
            raise ValueError(f"the pattern letter {letter!r} is not supported")
    for key, what in (("y", "year"), ("M", "month"), ("d", "day")):
        if seen.get(key, 0) != 1:
            raise ValueError(f"a date pattern needs exactly one {what} (letter {key})")
    body = "".join(parts)
    time = "" if has_time else _NAIVE_TIME
    return DateFormat(
        name=pattern,
        kind=CALENDAR,
        pattern=rf"^{body}{time}$",
        month_names=seen["M:width"] >= 3,
        two_digit_year=seen["y:width"] == 2,
        order=_order_of_pattern(pattern) if seen["M:width"] < 3 else None,
    )


def _date_letter_regex(letter: str, width: int) -> str:
    if letter == "y":
        return _YEAR_2 if width == 2 else _YEAR
    if letter == "M":
        return _MONTH_NAME if width >= 3 else _MONTH
    return _DAY


def _order_of_pattern(pattern: str) -> str | None:
    """DAY_FIRST or MONTH_FIRST when the day comes before the month or the reverse, and
    neither is preceded by the year (yyyy/MM/dd is never read the other way round)."""
    unquoted = re.sub(r"'(?:[^']|'')*'", "", pattern)
    positions = {letter: unquoted.find(letter) for letter in "yMd"}
    if positions["y"] < min(positions["M"], positions["d"]):
        return None
    return DAY_FIRST if positions["d"] < positions["M"] else MONTH_FIRST


def parse_dates(
    values: pl.Series, fmt: DateFormat, *, mostly_distinct: bool | None = None
) -> pl.Series:
    """`values` (text) as pl.Date in `fmt`; null where empty or not a real date in `fmt`.
    `mostly_distinct`: see _map_distinct."""
    return _map_distinct(
        values, partial(_parse_date_values, fmt=fmt), pl.Date(), mostly_distinct=mostly_distinct
    )


def date_expr(column: str, fmt: DateFormat, *, mostly_distinct: bool | None = None) -> pl.Expr:
    """`column` (text) as pl.Date in `fmt`; null where empty or not a real date in `fmt`.

    The parse runs in stages on materialised columns, which an expression tree cannot do
    (each use of a sub-expression would run its regex again), hence map_batches.
    """
    return pl.col(column).map_batches(
        partial(parse_dates, fmt=fmt, mostly_distinct=mostly_distinct),
        return_dtype=pl.Date(),
        is_elementwise=True,
    )


def detect_date_format(
    values: pl.Series, *, preferred: DateFormat | None = None
) -> DateFormat | None:
    """The format that parses the most non-empty values of `values` (counted per row).

    None when there is no non-empty value. A two-digit-year format counts only when it
    parses every value. When several formats tie (day-first and month-first both fit
    because every day is <= 12), `preferred` settles it if it is one of them, else
    AmbiguousDateOrder is raised. `preferred` competes too, also when it is not a built-in
    format (a pattern given with --date-format). When no format parses anything,
    `preferred` (else the first format) is returned, so that every value is reported as
    invalid.
    """
    return date_format_of_counts(distinct_non_empty_counts(values), preferred=preferred)


def date_format_of_counts(
    counts: pl.DataFrame, *, preferred: DateFormat | None = None
) -> DateFormat | None:
    """`detect_date_format` from a column's `distinct_non_empty_counts`."""
    return date_format_fit_of_counts(counts, preferred=preferred)[0]


def date_format_fit_of_counts(
    counts: pl.DataFrame, *, preferred: DateFormat | None = None
) -> tuple[DateFormat | None, int]:
    """`date_format_of_counts`, and how many rows of the column that format parses."""
    if counts.is_empty():
        return None, 0
    formats = _candidate_formats(preferred)
    total = int(counts.get_column("count").sum())
    parsed_rows = _rows_parsed_each(
        counts, formats, every=[fmt.two_digit_year and fmt != preferred for fmt in formats]
    )
    # A two-digit year does not name its century: such a format is taken on its own only
    # when it reads every date of the column (a user's pattern always competes). A value
    # that no format reads (an impossible 2025-02-30, a word) is no date: it is a row
    # error, and says nothing about the century.
    parsed_rows = [
        n
        if n == total
        or not fmt.two_digit_year
        or fmt == preferred
        or (n and _reads_every_date(counts, fmt, formats))
        else 0
        for fmt, n in zip(formats, parsed_rows, strict=True)
    ]
    best = max(parsed_rows)
    if best == 0:
        return preferred or DATE_FORMATS[0], 0  # preferred competed: it parses none either
    candidates = tuple(fmt for fmt, n in zip(formats, parsed_rows, strict=True) if n == best)
    if preferred in candidates:
        return preferred, best
    if len(candidates) == 1:
        return candidates[0], best
    raise AmbiguousDateOrder(
        tuple(fmt.name for fmt in candidates), _examples_fitting(counts, candidates[0]), best
    )


def best_fitting_format(counts: pl.DataFrame) -> tuple[DateFormat | None, int]:
    """The built-in format that parses the most rows of a column (two-digit years
    included, whether or not they read every value), and how many rows it parses: what to
    suggest with --date-format when no format was good enough. (None, 0) when none parses
    any."""
    if counts.is_empty():
        return None, 0
    parsed = [(_rows_parsed(counts, fmt), -i, fmt) for i, fmt in enumerate(DATE_FORMATS)]
    rows, _, fmt = max(parsed, key=lambda item: (item[0], item[1]))
    return (fmt, rows) if rows else (None, 0)


def rows_parsed(counts: pl.DataFrame, fmt: DateFormat) -> tuple[int, int]:
    """(rows `fmt` parses, rows with a value) of a column's `distinct_non_empty_counts`:
    whether most of a column fits the format it was read with."""
    if counts.is_empty():
        return 0, 0
    return _rows_parsed(counts, fmt), int(counts.get_column("count").sum())


def mostly_not_dates(counts: pl.DataFrame, fmt: DateFormat) -> bool:
    """Whether most rows of a column whose values `fmt` does not read hold no digit at all
    (`unbekannt`, `siehe Vertrag`): text where a date belongs, which no date format can
    read, so --date-format is no advice for them. `counts`: distinct_non_empty_counts."""
    if counts.is_empty():
        return False
    unread = counts.filter(_parse_date_values(counts.get_column("text"), fmt).is_null())
    rows = int(unread.get_column("count").sum())
    wordy = int(unread.filter(~pl.col("text").str.contains(r"\d")).get_column("count").sum())
    return wordy * 2 > rows


def _reads_every_date(
    counts: pl.DataFrame, fmt: DateFormat, formats: tuple[DateFormat, ...]
) -> bool:
    """Whether every value of a column that `fmt` does not read is one that no other of
    `formats` reads either: no date at all. (Only those few values are parsed again.)"""
    unread = counts.get_column("text").filter(
        _parse_date_values(counts.get_column("text"), fmt, to_utc=False).is_null()
    )
    return not any(
        _parse_date_values(unread, other, to_utc=False).is_not_null().any()
        for other in formats
        if other != fmt
    )


def _candidate_formats(preferred: DateFormat | None) -> tuple[DateFormat, ...]:
    if preferred is None or preferred in DATE_FORMATS:
        return DATE_FORMATS
    return (*DATE_FORMATS, preferred)


# How many values are tried before a format that must read every date is parsed in full:
# a column of ISO timestamps, none of whose first values it matches, is never scanned for
# two-digit years.
_EVERY_VALUE_PROBE = 64


def _rows_parsed(counts: pl.DataFrame, fmt: DateFormat, *, every: bool = False) -> int:
    """How many rows `fmt` parses, from distinct values "text" and their row "count".
    `every`: a format that must read every date of the column: when not one of the first
    values even matches it, the count is 0 without a full parse."""
    return _rows_parsed_each(counts, (fmt,), every=[every])[0]


def _rows_parsed_each(
    counts: pl.DataFrame, formats: Sequence[DateFormat], *, every: Sequence[bool]
) -> list[int]:
    """`_rows_parsed` of each of `formats` (`every[i]` the `every` of the i-th). A cheap
    regex match first, of all formats in one parallel pass over the values (one query per
    format cost more than the matching); the full parse, which costs more regex passes,
    then runs only on the values a format matches (most formats match none)."""
    matches = counts.select(
        pl.col("text").str.contains(fmt.pattern).alias(str(i)) for i, fmt in enumerate(formats)
    )
    probe = matches.head(_EVERY_VALUE_PROBE)
    rows = []
    for i, fmt in enumerate(formats):
        matching = counts.filter(matches.get_column(str(i)))
        if matching.is_empty() or (every[i] and not probe.get_column(str(i)).any()):
            rows.append(0)
            continue
        # Whether a value parses does not depend on its UTC offset: the shift is skipped.
        parsed = _parse_date_values(matching.get_column("text"), fmt, to_utc=False).is_not_null()
        rows.append(int(matching.get_column("count").filter(parsed).sum()))
    return rows


def _examples_fitting(counts: pl.DataFrame, fmt: DateFormat, how_many: int = 3) -> tuple[str, ...]:
    texts = counts.get_column("text").unique().sort()
    parsed = _parse_date_values(texts, fmt, to_utc=False)
    return tuple(texts.filter(parsed.is_not_null()).head(how_many))


def distinct_non_empty_counts(values: pl.Series) -> pl.DataFrame:
    """Distinct trimmed non-empty values as column "text" with their row "count"."""
    return distinct_non_empty_counts_of({"values": values})["values"]


def distinct_non_empty_counts_of(columns: Mapping[str, pl.Series]) -> dict[str, pl.DataFrame]:
    """`distinct_non_empty_counts` of several columns, name -> counts: polars counts
    them in parallel (`collect_all`)."""
    texts = {
        name: values.to_frame("text").lazy().select(pl.col("text").cast(pl.String)).drop_nulls()
        for name, values in columns.items()
    }
    decided = pl.collect_all(
        [text.select(_mostly_distinct_expr("text")) for text in texts.values()]
    )
    queries = [
        _counts_query(text, mostly_distinct=decision.item())
        for text, decision in zip(texts.values(), decided, strict=True)
    ]
    return dict(zip(texts, pl.collect_all(queries), strict=True))


def _counts_query(text: pl.LazyFrame, *, mostly_distinct: bool) -> pl.LazyFrame:
    """The counts of the non-null values in column "text": see distinct_non_empty_counts."""
    trimmed = pl.col("text").str.strip_chars()
    if mostly_distinct:  # counting would cost more than it saves: each row counts 1
        rows = text.select(trimmed).filter(pl.col("text") != "")
        return rows.with_columns(pl.lit(1, pl.UInt32).alias("count"))
    # Counted first and trimmed after: the distinct values are few, the rows many.
    counts = text.group_by("text").agg(pl.len().alias("count")).with_columns(trimmed)
    return counts.filter(pl.col("text") != "").group_by("text").agg(pl.col("count").sum())


def _mostly_distinct(values: pl.Series) -> bool:
    """True for columns such as timestamps, where most values present occur once
    (HyperLogLog estimate: a few milliseconds for a million values)."""
    distinct = cast(int, values.approx_n_unique())  # a count, typed as any literal
    return distinct * 2 > values.len() - values.null_count()


def _mostly_distinct_expr(column: str) -> pl.Expr:
    """`_mostly_distinct` of a column that holds no null, as an expression."""
    return pl.col(column).approx_n_unique() * 2 > pl.len()


def _map_distinct(
    values: pl.Series,
    parse: Callable[[pl.Series], pl.Series],
    dtype: pl.DataType,
    *,
    mostly_distinct: bool | None = None,
) -> pl.Series:
    """`parse(values)`, computed once per distinct value: billing columns repeat a few dates
    and prices over many rows. Mostly distinct columns (timestamps) are parsed directly,
    and a mostly empty column (an end or pause date) only where it holds a value.

    `mostly_distinct` says which its values present are, when the caller knows (from
    their distinct_non_empty_counts); None estimates it. Either way every value reads
    the same (a null as `parse` reads it): only the cost differs."""
    text = values.cast(pl.String)
    if text.null_count() * 2 > text.len():
        where = text.is_not_null().arg_true()
        parsed = _map_distinct(text.gather(where), parse, dtype, mostly_distinct=mostly_distinct)
        return (
            pl.repeat(None, text.len(), dtype=dtype, eager=True)
            .scatter(where, parsed)
            .alias(values.name)
        )
    if _mostly_distinct(text) if mostly_distinct is None else mostly_distinct:
        return parse(text).cast(dtype).alias(values.name)
    numbers, distinct = numbered(text)
    if text.null_count():  # a null is parsed too, as the last value: a parser may read it
        numbers = numbers.fill_null(distinct.len())
        distinct = distinct.extend_constant(None, 1)
    return parse(distinct).cast(dtype).gather(numbers).alias(values.name)


def numbered(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """(per row the number of its value, null where null; the values by number from 0,
    each distinct value once) of a String Series. A number no row has may stand for a
    null. Numbered through a fresh categorical, which hashes every row once: a unique
    and a lookup of each row's text (replace_strict, a join) hash it twice."""
    categories = pl.Categories.random()
    categorical = values.cast(pl.Categorical(categories))
    codes = categorical.to_physical()
    largest = codes.max()
    if largest is None:  # not one value
        return codes, pl.Series(values.name, [], dtype=pl.String)
    if cast(int, largest) < _LISTED_CATEGORIES:
        # A fresh category table numbers the values from 0: the rows' codes are their
        # numbers, and the table lists its values by code (read in Python, one by one).
        return codes, categories.to_series().alias(values.name)
    present = categorical.unique().drop_nulls()
    # Each code's position in `present` is looked up in a table as long as the codes.
    position = pl.repeat(None, cast(int, largest) + 1, dtype=pl.UInt32, eager=True).scatter(
        present.to_physical(), pl.int_range(0, present.len(), dtype=pl.UInt32, eager=True)
    )
    return position.gather(codes), present.cast(pl.String)


# Up to this many distinct values, a category table's values are read from the table
# itself (a few microseconds per thousand); beyond, with a unique of the rows' codes.
_LISTED_CATEGORIES = 4096


def _parse_date_values(text: pl.Series, fmt: DateFormat, *, to_utc: bool = True) -> pl.Series:
    """The parse itself, on a String Series: each stage is one pass over the values.
    `to_utc=False` leaves timestamps on their local date (enough to tell if they parse)."""
    frame = text.str.strip_chars().to_frame("text")
    cleaned = pl.col("text")
    if fmt.kind == EXCEL:
        return frame.select(_excel_serial_date(cleaned, fmt)).to_series()
    if fmt.kind in (UNIX, UNIX_MS):
        return frame.select(_unix_time_date(cleaned, fmt)).to_series()
    # str.replace leaves a value that does not match as it is, hence the gate on matching.
    dates = frame.select(
        pl.when(cleaned.str.contains(fmt.pattern)).then(
            _iso_date_text(cleaned, fmt).str.to_date("%Y-%m-%d", strict=False)
        )
    ).to_series()
    if fmt.kind == ISO and to_utc:
        return _dates_in_utc(frame.get_column("text"), dates, fmt)
    return dates


def _dates_in_utc(text: pl.Series, dates: pl.Series, fmt: DateFormat) -> pl.Series:
    """`dates` moved to the UTC date where `text` has a UTC offset. Reading the clock takes
    a slow regex pass, so it runs only on those values (naive and "Z" timestamps, the
    common kinds, have none)."""
    with_offset = text.str.contains(_UTC_OFFSET_SUFFIX) & dates.is_not_null()
    if not with_offset.any():
        return dates
    rows = with_offset.arg_true()
    subset = pl.DataFrame({"text": text.gather(rows), "date": dates.gather(rows)})
    # A zone abbreviation becomes its offset: "10:00:00 PDT" is "10:00:00-07:00".
    zone = pl.col("text").str.extract(_ZONE_SUFFIX, 1).str.to_uppercase()
    offset = zone.replace_strict(ZONE_OFFSETS, default=None, return_dtype=pl.String)
    without_zone = pl.col("text").str.replace(_ZONE_SUFFIX, "")
    subset = subset.with_columns(
        text=pl.when(zone.is_not_null()).then(without_zone + offset).otherwise("text")
    )
    subset = subset.with_columns(_clock_text(pl.col("text"), fmt).alias("clock"))
    shifted = subset.select(_shift_days(pl.col("date"), _utc_day_shift(pl.col("clock"))))
    return dates.scatter(rows, shifted.to_series())


def unknown_zone_expr(column: str) -> pl.Expr:
    """The zone abbreviation of an ISO timestamp in `column` that the parser does not
    read (`2025-06-01 10:00:00 JST` -> "JST"); null for any other value."""
    zone = pl.col(column).str.strip_chars().str.extract(_OTHER_ZONE, 1)
    return pl.when(~zone.str.to_uppercase().is_in(list(_READ_ZONES))).then(zone)


def _iso_date_text(cleaned: pl.Expr, fmt: DateFormat) -> pl.Expr:
    """The y, m, d groups rebuilt as "yyyy-M-d", to be parsed strictly (2024-2-30 fails)."""
    if fmt.kind == ISO:  # already in order: a simpler regex than fmt.pattern is faster
        return cleaned.str.extract(_ISO_DATE_PREFIX, 1)
    century = "20" if fmt.two_digit_year else ""  # 25 is 2025 (DOMAIN.md is silent)
    if not fmt.month_names:
        return cleaned.str.replace(fmt.pattern, century + "${y}-${m}-${d}")
    month = (
        cleaned.str.replace(fmt.pattern, "${m}")
        .str.to_lowercase()
        .replace_strict(MONTH_NUMBERS, default=None, return_dtype=pl.String)
    )
    year_day = cleaned.str.replace(fmt.pattern, century + "${y}-${d}")  # 4-digit year now
    return pl.concat_str(year_day.str.head(5), month, pl.lit("-"), year_day.str.slice(5))


def _clock_text(cleaned: pl.Expr, fmt: DateFormat) -> pl.Expr:
    """An ISO timestamp's time and offset as "HHMM", "HHMM+hh" or "HHMM-hhmm"; "" without
    a time (every group has a fixed width, so slices can read it)."""
    return cleaned.str.replace(
        fmt.pattern, "${hour}${minute}${sign}${offset_hours}${offset_minutes}"
    )


def _utc_day_shift(clock: pl.Expr) -> pl.Expr:
    """-1, 0 or +1: how far the UTC date lies from the local date of an ISO timestamp.

    Seconds and fractions are left out on purpose: offsets are whole minutes, so they can
    never carry a timestamp across midnight in UTC. Without a time or an offset it is 0.
    """

    def number(offset: int, length: int) -> pl.Expr:
        return clock.str.slice(offset, length).cast(pl.Int32, strict=False).fill_null(0)

    local_minutes = number(0, 2) * 60 + number(2, 2)
    offset_minutes = number(5, 2) * 60 + number(7, 2)
    signed_offset = (
        pl.when(clock.str.slice(4, 1) == "-").then(-offset_minutes).otherwise(offset_minutes)
    )
    return (local_minutes - signed_offset) // _MINUTES_PER_DAY


def _shift_days(date: pl.Expr, days: pl.Expr) -> pl.Expr:
    return (date.cast(pl.Int32) + days).cast(pl.Date)


def _excel_serial_date(cleaned: pl.Expr, fmt: DateFormat) -> pl.Expr:
    serial = cleaned.str.extract(fmt.pattern, 1).cast(pl.Int32)
    low, high = EXCEL_SERIAL_RANGE
    return pl.when(serial.is_between(low, high)).then((serial - _EXCEL_EPOCH_OFFSET).cast(pl.Date))


def _unix_time_date(cleaned: pl.Expr, fmt: DateFormat) -> pl.Expr:
    """The UTC date of a Unix time, in seconds or (UNIX_MS) milliseconds."""
    number = cleaned.str.extract(fmt.pattern, 1).cast(pl.Int64)
    per_day = _SECONDS_PER_DAY * (1000 if fmt.kind == UNIX_MS else 1)
    return (number // per_day).cast(pl.Int32).cast(pl.Date)


# --- amounts -----------------------------------------------------------------------------

# Blanks and apostrophes only ever group thousands (1 234,50; 1'234.50; 1 234,50 with a
# non-breaking or thin space).
_GROUPING_BLANKS = " \u00a0\u202f\u2009'’"
_CURRENCY = r"(?:[A-Za-z]{3}|[A-Za-z]{0,2}\$|[€£¥₹₽₩¢]|Fr\.|kr\.?)"
_MINUS = "-−"  # ASCII hyphen-minus and the Unicode minus sign
_MINUS_CLASS = r"\-−"  # the same inside a regex character class
# The sign may stand before or after the currency, or after the number (SAP writes
# "12,00-"); parentheses mean negative, as in accounting.
_AMOUNT_PATTERN = (
    rf"^(?<open>\()?\s*(?<sign_before>[+{_MINUS_CLASS}])?\s*(?:{_CURRENCY}\s*)?"
    rf"(?<sign_after_currency>[+{_MINUS_CLASS}])?\s*"
    rf"(?<number>[.,]?\d(?:[\d.,{_GROUPING_BLANKS}]*\d)?)"
    rf"\s*(?<sign_trailing>[{_MINUS_CLASS}])?\s*(?:{_CURRENCY})?\s*(?<close>\))?$"
)
_SIGNS = ("sign_before", "sign_after_currency", "sign_trailing")
# The number once its decimal separator is known: the integer part is plain digits or
# correctly grouped thousands (also Indian lakh grouping 1,23,456 with a decimal point).
_GROUPED_DOT_DECIMAL = (
    rf"^(?:(?:\d{{1,3}}(?:[,{_GROUPING_BLANKS}]\d{{3}})+|\d{{1,2}}(?:,\d{{2}})+,\d{{3}}|\d+)"
    r"(?:\.\d+)?|\.\d+)$"
)
_GROUPED_COMMA_DECIMAL = rf"^(?:(?:\d{{1,3}}(?:[.{_GROUPING_BLANKS}]\d{{3}})+|\d+)(?:,\d+)?|,\d+)$"
_GROUPED_INTEGER = (
    rf"^(?:\d{{1,3}}(?:[.,{_GROUPING_BLANKS}]\d{{3}})+|\d{{1,2}}(?:,\d{{2}})+,\d{{3}}|\d+)$"
)
DECIMAL_SEPARATORS = (".", ",")


def amount_expr(
    column: str, decimal: str | None = None, *, mostly_distinct: bool | None = None
) -> pl.Expr:
    """`column` (text) as pl.Float64; null where empty or not an amount.

    `decimal` is the column's decimal separator ("." or ","), e.g. from
    `detect_decimal_separator`; None decides per value (see the module docstring).
    `mostly_distinct`: see _map_distinct.
    """
    _check_decimal(decimal)
    return pl.col(column).map_batches(
        partial(parse_amounts, decimal=decimal, mostly_distinct=mostly_distinct),
        return_dtype=pl.Float64(),
        is_elementwise=True,
    )


def parse_amounts(
    values: pl.Series, decimal: str | None = None, *, mostly_distinct: bool | None = None
) -> pl.Series:
    """`values` (text) as pl.Float64, as `amount_expr` does."""
    _check_decimal(decimal)
    return _map_distinct(
        values,
        partial(_parse_amount_values, decimal=decimal),
        pl.Float64(),
        mostly_distinct=mostly_distinct,
    )


def detect_decimal_separator(values: pl.Series) -> str | None:
    """The decimal separator the column's values show, "." or ","; None when they show
    neither (every value reads the same either way) or contradict each other.

    Evidence for ",": "1.234,50", "12,5", "1.234.567"; for ".": "1,234.50", "12.5",
    "1,234,567". "1,234" and "1.234" alone prove nothing.
    """
    return decimal_separator_of_counts(distinct_non_empty_counts(values))


def decimal_separator_of_counts(counts: pl.DataFrame) -> str | None:
    """`detect_decimal_separator` from a column's `distinct_non_empty_counts`."""
    numbers = counts.select(
        pl.col("text").str.extract_groups(_AMOUNT_PATTERN).struct.field("number")
    ).with_columns(_separator_facts(pl.col("number")))
    comma, dot = numbers.select(
        _separator_evidence(",").any().alias("comma"), _separator_evidence(".").any().alias("dot")
    ).row(0)
    if comma and not dot:
        return ","
    if dot and not comma:
        return "."
    return None


# An amount whose only separator is one dot followed by three digits ("1.190", "EUR 1.190"):
# 1190 with a dot grouping thousands (German), 1.19 with a decimal point (English).
_DOT_THOUSAND = r"^\d{1,3}\.\d{3}$"


def dots_only_group_thousands(counts: pl.DataFrame) -> bool:
    """Whether a column (its `distinct_non_empty_counts`) has an amount with a dot, every
    dot of every amount is followed by exactly three digits, and no amount has a comma:
    then its dots may all group thousands ("1.190", "12.500.000"), or be decimal points."""
    numbers = counts.select(
        pl.col("text").str.extract_groups(_AMOUNT_PATTERN).struct.field("number").alias("n")
    ).get_column("n")
    dotted = numbers.filter(numbers.str.contains(".", literal=True).fill_null(False))
    if dotted.is_empty() or numbers.str.contains(",", literal=True).fill_null(False).any():
        return False
    return bool(dotted.str.contains(r"^\d{1,3}(?:\.\d{3})+$").all())


def amounts_read_two_ways(values: pl.Series) -> pl.Series:
    """True where an amount is one dot followed by three digits (`_DOT_THOUSAND`), which
    reads as a thousand or more, or as a decimal; parsed once per distinct value."""
    return _map_distinct(values, _read_two_ways_values, pl.Boolean())


def _read_two_ways_values(text: pl.Series) -> pl.Series:
    number = text.str.strip_chars().str.extract_groups(_AMOUNT_PATTERN).struct.field("number")
    return number.str.contains(_DOT_THOUSAND).fill_null(False)


# The currency an amount writes itself: a code (`49.00 USD`, `CHF 490.00`) or a sign. A
# sign of one currency stands for its code; "$", "¥" and "kr" are the signs of several,
# and agree with any of them (`$1,234.50` contradicts a EUR row, not a CAD one).
_CURRENCY_SIGNS = {"€": "EUR", "£": "GBP", "₹": "INR", "₽": "RUB", "₩": "KRW", "FR": "CHF"}
_CURRENCY_SIGNS["US$"] = "USD"
_SHARED_SIGNS = {
    "$": "USD CAD AUD NZD HKD SGD TWD MXN ARS CLP COP CUP DOP UYU BRL BSD BBD BZD BMD BND "
    "KYD JMD LRD SBD SRD TTD XCD GYD NAD FJD NIO TOP WST CVE",
    "¥": "JPY CNY",
    "KR": "SEK NOK DKK ISK",
}


def amount_currencies(values: pl.Series) -> pl.Series:
    """The currency each amount writes beside its number: its code, upper case ("49.00
    usd" -> "USD", "€49" -> "EUR"), or a sign of several currencies ("$", "¥", "KR");
    null where it writes none; parsed once per distinct value."""
    return _map_distinct(values, _amount_currency_values, pl.String())


def _amount_currency_values(text: pl.Series) -> pl.Series:
    written = (
        text.str.strip_chars()
        .str.replace_all(rf"[\d.,\s{_GROUPING_BLANKS}()+{_MINUS_CLASS}]", "")
        .str.to_uppercase()
    )
    code = pl.col("written")
    signs = {**_CURRENCY_SIGNS, **{sign: sign for sign in _SHARED_SIGNS}}
    return (
        written.to_frame("written")
        .select(
            pl.when(code.str.contains(r"^[A-Z]{3}$"))
            .then(code)
            .otherwise(code.replace_strict(signs, default=None, return_dtype=pl.String))
        )
        .to_series()
    )


def currency_disagrees_expr(written: pl.Expr, currency: pl.Expr) -> pl.Expr:
    """True where the currency an amount writes (`amount_currencies`) is not the row's
    `currency` (a three-letter code, upper case); false where either is unknown."""
    allowed = written.replace_strict(_SHARED_SIGNS, default=written, return_dtype=pl.String)
    known = currency.str.contains(r"^[A-Z]{3}$")
    return (known & ~allowed.str.contains(currency, literal=True)).fill_null(False)


def _check_decimal(decimal: str | None) -> None:
    if decimal not in (None, *DECIMAL_SEPARATORS):
        raise ValueError(f"decimal separator must be '.' or ',', not {decimal!r}")


def _parse_amount_values(text: pl.Series, decimal: str | None) -> pl.Series:
    """The parse itself, on a String Series: each stage is one pass over the values."""
    parts = (
        text.str.strip_chars()
        .str.extract_groups(_AMOUNT_PATTERN)
        .struct.unnest()
        .with_columns(_separator_facts(pl.col("number")))
    )
    separator = pl.lit(decimal) if decimal else _value_decimal_separator()
    number = pl.col("number")
    magnitude = (
        pl.when(separator == ".")
        .then(_read_number(number, _GROUPED_DOT_DECIMAL, keep="."))
        .when(separator == ",")
        .then(_read_number(number, _GROUPED_COMMA_DECIMAL, keep=","))
        .otherwise(_read_number(number, _GROUPED_INTEGER, keep=""))
    )
    sign_count = pl.sum_horizontal(pl.col(sign).is_not_null().cast(pl.Int8) for sign in _SIGNS)
    minus = pl.any_horizontal(pl.col(sign).is_in(list(_MINUS)) for sign in _SIGNS)
    open_paren = pl.col("open").is_not_null()
    close_paren = pl.col("close").is_not_null()
    well_formed = (sign_count <= 1) & (open_paren == close_paren) & ~(open_paren & (sign_count > 0))
    negative = minus.fill_null(False) | open_paren
    signed = pl.when(negative).then(-magnitude).otherwise(magnitude)
    return parts.select(pl.when(well_formed).then(signed)).to_series()


def _separator_facts(number: pl.Expr) -> list[pl.Expr]:
    """What the separators of a number show: how many dots and commas, which comes last,
    and how many characters follow the last one."""
    return [
        number.str.count_matches(".", literal=True).alias("dots"),
        number.str.count_matches(",", literal=True).alias("commas"),
        number.str.extract(r"([.,])[^.,]*$").alias("last_separator"),
        number.str.extract(r"[.,]([^.,]*)$").str.len_chars().alias("after_last"),
    ]


def _separator_evidence(separator: str) -> pl.Expr:
    """True where a number (with `_separator_facts`) can only be read with `separator` as
    its decimal separator."""
    own, other = ("commas", "dots") if separator == "," else ("dots", "commas")
    own_count, other_count = pl.col(own), pl.col(other)
    return (
        ((own_count > 0) & (other_count > 0) & (pl.col("last_separator") == separator))
        | ((own_count == 1) & (other_count == 0) & (pl.col("after_last") != 3))
        | ((other_count > 1) & (own_count == 0))
    ).fill_null(False)


def _value_decimal_separator() -> pl.Expr:
    """Per value: the last of "." and "," when both occur; a lone "," unless exactly three
    digits follow it (then it groups thousands, as in English); a lone "."; else none ("")."""
    dots, commas = pl.col("dots"), pl.col("commas")
    return (
        pl.when((dots > 0) & (commas > 0))
        .then(pl.col("last_separator"))
        .when((dots == 1) & (commas == 0))
        .then(pl.lit("."))
        .when((commas == 1) & (dots == 0) & (pl.col("after_last") != 3))
        .then(pl.lit(","))
        .otherwise(pl.lit(""))
    )


def _read_number(number: pl.Expr, grouping: str, keep: str) -> pl.Expr:
    """`number` as Float64 if it matches `grouping`: every character but the digits and the
    decimal separator `keep` is dropped, and `keep` becomes ".". Else null."""
    digits = number.str.replace_all(rf"[^\d{keep}]", "")
    if keep == ",":
        digits = digits.str.replace(",", ".", literal=True)
    return pl.when(number.str.contains(grouping)).then(digits.cast(pl.Float64, strict=False))


# --- billing intervals and quantities ------------------------------------------------------

# Months per billing-interval unit, by the unit as exports write it (lower case, blanks
# trimmed): Zoho `months`/`years`/`weeks`, Stripe and Chargebee `month`/`year`/`week`/`day`,
# Recurly `months`/`days`, WooCommerce `month`/`year`/`week`/`day`, and the German and
# adjective forms people type. DOMAIN.md: a week is 12/52 of a month, a day 12/365.
# (numerator, denominator): integers, so that MRR divides exactly.
_MONTHS = (1, 1)
_YEARS = (12, 1)
_WEEKS = (12, 52)
_DAYS = (12, 365)
MONTHS_PER_UNIT: dict[str, tuple[int, int]] = {
    **dict.fromkeys(["month", "months", "monthly", "monat", "monate", "monatlich"], _MONTHS),
    **dict.fromkeys(["year", "years", "yearly", "annual", "annually", "jahr", "jahre"], _YEARS),
    **dict.fromkeys(["jährlich", "jaehrlich"], _YEARS),
    **dict.fromkeys(["week", "weeks", "weekly", "woche", "wochen", "wöchentlich"], _WEEKS),
    **dict.fromkeys(["day", "days", "daily", "tag", "tage", "täglich"], _DAYS),
}
# The units a message lists as the ones that can be read.
INTERVAL_UNITS_READ = "day, week, month or year"

# A whole number as exports write one: digits, optionally "+" before and ".0" after (what
# a spreadsheet or pandas writes for a count in a column with gaps). Not "1,000" nor
# "1,0": one is a thousand or one, the other one, and a count is never guessed.
_WHOLE_NUMBER = r"^\+?(\d{1,15})(?:\.0*)?$"


def interval_unit_months(value: str) -> tuple[int, int] | None:
    """Months per unit of a billing interval's unit, as (numerator, denominator); an empty
    unit is a month (an export without one holds monthly amounts); None when the value is
    no unit of MONTHS_PER_UNIT."""
    text = value.strip().lower()
    return _MONTHS if not text else MONTHS_PER_UNIT.get(text)


def parse_interval_units(values: pl.Series) -> pl.Series:
    """`values` (text) as months per unit (pl.Float64), as `interval_unit_months` reads
    them; null where empty in the column or no unit."""
    return _map_distinct(values, _interval_unit_values, pl.Float64())


def _interval_unit_values(text: pl.Series) -> pl.Series:
    units = text.str.strip_chars().str.to_lowercase()
    months = {
        unit: numerator / denominator for unit, (numerator, denominator) in MONTHS_PER_UNIT.items()
    }
    months[""] = 1.0
    return units.replace_strict(months, default=None, return_dtype=pl.Float64)


def parse_whole_numbers(values: pl.Series, *, minimum: int) -> pl.Series:
    """`values` (text) as pl.Int64: a whole number (`_WHOLE_NUMBER`) of at least `minimum`;
    1 where blank (an empty count or quantity is one); null where empty in the column,
    and where the value is no such number (`0` billing intervals, a quantity of `2.5` or
    `-1`, `zwei`)."""
    return _map_distinct(values, partial(_whole_number_values, minimum=minimum), pl.Int64())


def _whole_number_values(text: pl.Series, minimum: int) -> pl.Series:
    trimmed = text.str.strip_chars()
    number = trimmed.str.extract(_WHOLE_NUMBER, 1).cast(pl.Int64, strict=False)
    frame = pl.DataFrame({"trimmed": trimmed, "number": number})
    return frame.select(
        pl.when(pl.col("trimmed") == "")
        .then(pl.lit(1, pl.Int64))
        .when(pl.col("number") >= minimum)
        .then(pl.col("number"))
    ).to_series()


# --- IDs, statuses, booleans -------------------------------------------------------------

# A spreadsheet turns a long numeric ID into 4.604E+15 (or 4,604E+15 in German). A mantissa
# with a decimal separator, or an exponent with an explicit sign, is that damage; a bare
# "12E45" may be a genuine alphanumeric ID and is left alone.
_SCIENTIFIC_ID = r"^[+-]?(?:\d+[.,]\d+[eE][+-]?\d+|\d+[eE][+-]\d+)$"


def is_scientific_id_expr(column: str) -> pl.Expr:
    """True where an ID looks like a spreadsheet's scientific notation; null stays null."""
    return pl.col(column).cast(pl.String).str.strip_chars().str.contains(_SCIENTIFIC_ID)


def scientific_ids(values: pl.Series) -> pl.Series:
    """`is_scientific_id_expr` over a Series, faster: the pattern is tried only on the
    values holding an "e" or "E", searched for only in the values that are not whole
    numbers. Most IDs are digits only, and reading them as numbers costs less than half
    of searching each for an "e" (bench/RESULTS.md, "Micro-benchmarks")."""
    text = values.cast(pl.String)
    flags = (text.str.len_bytes() < 0).alias(values.name)  # False, null stays null
    not_whole = text.is_not_null() & text.cast(pl.UInt64, strict=False).is_null()
    where = not_whole.arg_true()
    if where.is_empty():
        return flags
    candidates = text.gather(where)
    with_exponent = candidates.str.contains_any(["e", "E"]).arg_true()
    if with_exponent.is_empty():
        return flags
    scientific = candidates.gather(with_exponent).to_frame("id").select(is_scientific_id_expr("id"))
    return flags.scatter(where.gather(with_exponent), scientific.to_series())


# A spreadsheet holds a number in a float, to 15 significant digits: a longer numeric ID
# comes back as its first 15 digits and zeros (2155364000000120000), or, written out from
# the float itself (an .xlsx number cell, a CSV saved through a float), as the float's
# exact value (2155364000000120064). Above 2**53 a float holds only some integers, so a
# genuine ID is rarely one of them; whether a column's IDs were rounded is decided from
# all of them (validation), never from one value alone.
_LONG_NUMERIC_ID = r"^[1-9][0-9]{15,}$"
_FLOAT_EXACT_FROM = 2**53


def rounded_id_expr(column: str) -> pl.Expr:
    """True where an ID has the shape of a number a spreadsheet rounded: all digits, more
    than 15, and its digits after the 15th all zeros or its value exactly a float's
    above 2**53; False for any other ID; null stays null."""
    text = pl.col(column).cast(pl.String).str.strip_chars()
    zeros = text.str.slice(15).str.contains(r"^0+$")
    number = text.cast(pl.UInt64, strict=False)  # null beyond the range of UInt64
    exact = (number > _FLOAT_EXACT_FROM) & (
        number.cast(pl.Float64).cast(pl.UInt64, strict=False) == number
    )
    return text.str.contains(_LONG_NUMERIC_ID) & (zeros | exact.fill_null(False))


def long_numeric_id_expr(column: str) -> pl.Expr:
    """True where an ID is all digits and longer than a spreadsheet's 15; null stays null."""
    return pl.col(column).cast(pl.String).str.strip_chars().str.contains(_LONG_NUMERIC_ID)


def rounded_ids(values: pl.Series) -> pl.Series:
    """`rounded_id_expr` over a Series, faster: only the values longer than 15 bytes are
    looked at (most IDs are shorter, or not numeric)."""
    text = values.cast(pl.String)
    long = text.str.len_bytes() > 15  # null stays null
    where = long.fill_null(False).arg_true()
    if where.is_empty():
        return long.alias(values.name)
    candidates = text.gather(where).to_frame("id").select(rounded_id_expr("id"))
    return long.scatter(where, candidates.to_series()).alias(values.name)


def id_expr(column: str) -> pl.Expr:
    """An ID as DOMAIN.md compares it: text, surrounding blanks trimmed; empty -> null."""
    trimmed = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(trimmed != "").then(trimmed)


def normalize_status_expr(column: str) -> pl.Expr:
    """Lower case, trimmed, runs of '-', '_' and blanks as one '_'; empty -> null."""
    normalized = (
        pl.col(column)
        .cast(pl.String)
        .str.strip_chars()
        .str.to_lowercase()
        .str.replace_all(r"[-_\s]+", "_")
    )
    return pl.when(normalized != "").then(normalized)


BOOLEAN_WORDS: dict[str, bool] = {
    **dict.fromkeys(("true", "yes", "1", "ja", "wahr"), True),
    **dict.fromkeys(("false", "no", "0", "nein", "falsch"), False),
}


def boolean_expr(column: str) -> pl.Expr:
    """true/false, yes/no, 1/0, ja/nein, wahr/falsch (any case) as pl.Boolean; else null."""
    word = pl.col(column).cast(pl.String).str.strip_chars().str.to_lowercase()
    return word.replace_strict(BOOLEAN_WORDS, default=None, return_dtype=pl.Boolean)
