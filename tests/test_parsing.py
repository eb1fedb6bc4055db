"""Value parsers: every date format and amount style, their failures, detection, and
round trips through Python's own formatting (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile import parsing
from reconcile.parsing import (
    DATE_FORMATS,
    AmbiguousDateOrder,
    amount_expr,
    best_fitting_format,
    boolean_expr,
    date_expr,
    date_format_by_name,
    detect_date_format,
    detect_decimal_separator,
    distinct_non_empty_counts_of,
    id_expr,
    is_scientific_id_expr,
    normalize_status_expr,
    parse_amounts,
    parse_dates,
    rows_parsed,
    scientific_ids,
)

D = dt.date


def parse_one(fmt_name: str, text: str | None) -> dt.date | None:
    return parse_dates(pl.Series([text], dtype=pl.String), date_format_by_name(fmt_name))[0]


def select(expr: pl.Expr, values: list) -> list:
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(expr).to_series().to_list()


# --- dates -------------------------------------------------------------------------------

DATE_CASES = [
    # ISO dates and timestamps, reduced to their UTC date
    ("yyyy-MM-dd", "2024-03-01", D(2024, 3, 1)),
    ("yyyy-MM-dd", " 2024-3-1 ", D(2024, 3, 1)),
    ("yyyy-MM-dd", "2024-03-01T10:00:00Z", D(2024, 3, 1)),
    ("yyyy-MM-dd", "2024-03-01T23:30:00-02:00", D(2024, 3, 2)),
    ("yyyy-MM-dd", "2024-03-01T00:30:00+02:00", D(2024, 2, 29)),
    ("yyyy-MM-dd", "2024-12-31T23:59:59.999999-00:01", D(2025, 1, 1)),
    ("yyyy-MM-dd", "2024-03-01T01:59:59+0200", D(2024, 2, 29)),
    ("yyyy-MM-dd", "2024-03-01T02:00:00+02", D(2024, 3, 1)),
    ("yyyy-MM-dd", "2024-03-01T10:22:33.123+05:45", D(2024, 3, 1)),
    ("yyyy-MM-dd", "2024-03-01 10:22", D(2024, 3, 1)),  # Stripe, naive = UTC
    ("yyyy-MM-dd", "2024-03-01 23:59:59", D(2024, 3, 1)),
    ("yyyy-MM-dd", "2024-03-01 10:22:33 UTC", D(2024, 3, 1)),  # Recurly
    ("yyyy-MM-dd", "2024-02-30", None),
    ("yyyy-MM-dd", "2023-02-29", None),
    ("yyyy-MM-dd", "2024-13-01", None),
    ("yyyy-MM-dd", "2024-03-01x", None),
    ("yyyy-MM-dd", "2024-03-01T24:00:00", None),
    ("yyyy-MM-dd", "2024-03-01T10:61", None),
    ("yyyy-MM-dd", "24-03-01", None),  # two-digit years are not supported
    ("yyyy-MM-dd", "0000-01-01", None),
    ("yyyy-MM-dd", "01.03.2024", None),
    ("yyyy-MM-dd", "", None),
    ("yyyy-MM-dd", None, None),
    # day first with dots, with and without leading zeros
    ("dd.MM.yyyy", "01.03.2024", D(2024, 3, 1)),
    ("dd.MM.yyyy", "1.3.2024", D(2024, 3, 1)),
    ("dd.MM.yyyy", "29.02.2024", D(2024, 2, 29)),
    ("dd.MM.yyyy", "01.03.2024 23:15", D(2024, 3, 1)),
    ("dd.MM.yyyy", "31.02.2024", None),
    ("dd.MM.yyyy", "29.02.2023", None),
    ("dd.MM.yyyy", "15.03.1024", None),  # a typo for 2024: not a plausible year
    ("yyyy-MM-dd", "2999-01-01", None),
    ("yyyy-MM-dd", "1899-12-31", None),
    ("yyyy-MM-dd", "9999-12-31", dt.date(9999, 12, 31)),  # "no end" in some systems
    ("dd.MM.yyyy", "01.01.1900", dt.date(1900, 1, 1)),
    ("dd.MM.yyyy", "01.03.24", None),
    ("dd.MM.yyyy", "01.03.2024 abc", None),
    ("dd.MM.yyyy", "001.03.2024", None),
    ("dd.MM.yyyy", "2024-03-01", None),
    # slashes, both orders
    ("dd/MM/yyyy", "13/02/2024", D(2024, 2, 13)),
    ("dd/MM/yyyy", "02/13/2024", None),
    ("MM/dd/yyyy", "02/13/2024", D(2024, 2, 13)),
    ("MM/dd/yyyy", "2/3/2024 10:22:33 PM", D(2024, 2, 3)),
    ("MM/dd/yyyy", "13/02/2024", None),
    ("dd-MM-yyyy", "13-02-2024", D(2024, 2, 13)),
    ("MM-dd-yyyy", "02-13-2024", D(2024, 2, 13)),
    ("yyyy/MM/dd", "2024/02/13", D(2024, 2, 13)),
    # month names, English and German
    ("dd-MMM-yyyy", "05-Apr-2024", D(2024, 4, 5)),
    ("dd-MMM-yyyy", "5 apr 2024", D(2024, 4, 5)),
    ("dd-MMM-yyyy", "05-Mär-2024", D(2024, 3, 5)),
    ("dd-MMM-yyyy", "05-Mrz-2024", D(2024, 3, 5)),
    ("dd-MMM-yyyy", "05-Okt-2024", D(2024, 10, 5)),
    ("dd-MMM-yyyy", "05-Dez-2024", D(2024, 12, 5)),
    ("dd-MMM-yyyy", "05-Mai-2024", D(2024, 5, 5)),
    ("dd-MMM-yyyy", "5. Dezember 2024", D(2024, 12, 5)),
    ("dd-MMM-yyyy", "05-Sept-2024", D(2024, 9, 5)),
    ("dd-MMM-yyyy", "31-Apr-2024", None),
    ("dd-MMM-yyyy", "05-Foo-2024", None),
    ("dd-MMM-yyyy", "05-Apr-24", None),
    ("MMM dd, yyyy", "Apr 05, 2024", D(2024, 4, 5)),
    ("MMM dd, yyyy", "December 31 2024", D(2024, 12, 31)),
    # spreadsheet serials: days since 1899-12-30, plausible range only
    ("excel serial", "45383", D(2024, 4, 1)),
    ("excel serial", "45383.75", D(2024, 4, 1)),
    ("excel serial", "20000", D(1954, 10, 3)),
    ("excel serial", "80000", D(2119, 1, 11)),
    ("excel serial", "19999", None),
    ("excel serial", "80001", None),
    ("excel serial", "4538", None),
    ("excel serial", "-45383", None),
    # Unix seconds
    ("unix seconds", "1709251200", D(2024, 3, 1)),
    ("unix seconds", "1709251199", D(2024, 2, 29)),
    ("unix seconds", "17092512", None),
    # Unix milliseconds (JavaScript, Java, pandas' JSON): 12 or 13 digits
    ("unix milliseconds", "1709251200000", D(2024, 3, 1)),
    ("unix milliseconds", "1709251199999", D(2024, 2, 29)),
    ("unix milliseconds", "1736499600000.0", D(2025, 1, 10)),
    ("unix milliseconds", "946684800000", D(2000, 1, 1)),
    ("unix milliseconds", "1709251200", None),
    ("unix milliseconds", "17092512000000", None),
    ("unix seconds", "1709251200000", None),
]


@pytest.mark.parametrize(("fmt_name", "text", "expected"), DATE_CASES)
def test_parse_dates_table(fmt_name, text, expected):
    assert parse_one(fmt_name, text) == expected


def test_date_expr_agrees_with_parse_dates_in_a_lazy_frame():
    by_format: dict[str, list] = {}
    for fmt_name, text, expected in DATE_CASES:
        by_format.setdefault(fmt_name, []).append((text, expected))
    for fmt_name, cases in by_format.items():
        texts = [text for text, _ in cases]
        lazy = pl.LazyFrame({"v": texts}, schema={"v": pl.String})
        got = lazy.select(date_expr("v", date_format_by_name(fmt_name))).collect()
        assert got.to_series().to_list() == [expected for _, expected in cases], fmt_name


def test_repetitive_column_maps_each_distinct_value_back_to_its_rows():
    values = ["01.03.2024", "31.02.2024", None, "", "15.07.2023"] * 400 + ["02.03.2024"]
    parsed = parse_dates(pl.Series("start", values), date_format_by_name("dd.MM.yyyy"))
    assert parsed.name == "start"
    assert parsed.dtype == pl.Date
    assert parsed.len() == 2001
    assert parsed.head(5).to_list() == [D(2024, 3, 1), None, None, None, D(2023, 7, 15)]
    assert parsed.null_count() == 1200
    assert parsed[-1] == D(2024, 3, 2)


def test_mostly_distinct_timestamps_are_parsed_row_by_row_the_same_way():
    values = [f"2024-03-{day:02d}T{hour:02d}:30:00+02:00" for day in (1, 2) for hour in range(24)]
    parsed = parse_dates(pl.Series(values), date_format_by_name("iso"))
    # 00:30+02:00 and 01:30+02:00 fall on the previous UTC day
    expected = [D(2024, 2, 29)] * 2 + [D(2024, 3, 1)] * 24 + [D(2024, 3, 2)] * 22
    assert parsed.to_list() == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dd.MM.yyyy", "dd.MM.yyyy"),
        ("DD.MM.YYYY", "dd.MM.yyyy"),
        ("d.M.yyyy", "dd.MM.yyyy"),
        ("%d.%m.%Y", "dd.MM.yyyy"),
        ("dd/MM/yyyy", "dd/MM/yyyy"),
        ("MM/dd/yyyy", "MM/dd/yyyy"),
        ("mm/dd/yyyy", "MM/dd/yyyy"),
        ("yyyy-MM-dd", "yyyy-MM-dd"),
        ("iso datetime", "yyyy-MM-dd"),
        ("dd-MMM-yyyy", "dd-MMM-yyyy"),
        (" excel ", "excel serial"),
        ("unix", "unix seconds"),
        ("epoch ms", "unix milliseconds"),
    ],
)
def test_date_format_by_name(name, expected):
    assert date_format_by_name(name).name == expected


def test_unknown_date_format_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown date format 'dd\.QQ\.yyyy'") as error:
        date_format_by_name("dd.QQ.yyyy")
    assert "the pattern letter 'Q' is not supported" in str(error.value)
    assert "'M/d/yy H:mm'" in str(error.value)
    for fmt in DATE_FORMATS:
        assert fmt.name in str(error.value)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("dd.MM", "exactly one year"),
        ("yyyy-dd", "exactly one month"),
        ("MM/yyyy", "exactly one day"),
        ("dd.MM.yyyy dd", "exactly one day"),
        ("dd.MM.yyyy 'um", "never closed"),
        ("dd.MM.yyyy z", "letter 'z'"),
    ],
)
def test_unusable_date_patterns_say_why(pattern, reason):
    with pytest.raises(ValueError, match=reason):
        date_format_by_name(pattern)


# Unicode (CLDR) date patterns, as --date-format takes them: what a spreadsheet writes when
# it re-saves an export. Two-digit years are 20yy; a time of day never moves the date.
PATTERN_CASES = [
    ("M/d/yy H:mm", "12/25/25 20:18", D(2025, 12, 25)),  # Excel (en-US) re-saving Stripe
    ("M/d/yy H:mm", "1/2/26 0:05", D(2026, 1, 2)),
    ("M/d/yy H:mm", "01/02/26 00:05", D(2026, 1, 2)),
    ("M/d/yy H:mm", "12/25/25", None),  # the pattern has a time: the value must too
    ("M/d/yy H:mm", "12/25/2025 20:18", None),  # four digits are not yy
    ("M/d/yy H:mm", "25/12/25 20:18", None),  # month 25
    ("M/d/yy H:mm", "12/25/25 24:18", None),
    ("M/d/yy h:mm a", "12/25/25 8:18 PM", D(2025, 12, 25)),
    ("dd.MM.yy", "25.12.25", D(2025, 12, 25)),  # LibreOffice (de)
    ("dd.MM.yy", "25.12.25 20:18", D(2025, 12, 25)),  # no time in the pattern: optional
    ("dd.MM.yy", "29.02.23", None),  # 2023 is no leap year
    ("dd.MM.yy", "29.02.24", D(2024, 2, 29)),
    ("dd.MM.yy", "01.03.99", D(2099, 3, 1)),  # always 20yy
    ("MM/dd/yyyy HH:mm:ss", "12/25/2025 20:18:00", D(2025, 12, 25)),
    ("MM/dd/yyyy HH:mm:ss", "12/25/2025 20:18", None),
    ("yyyy-MM-dd'T'HH:mm", "2025-12-25T23:59", D(2025, 12, 25)),
    ("d. MMMM yy", "5. Dezember 24", D(2024, 12, 5)),
    ("d-MMM-yy", "05-Apr-24", D(2024, 4, 5)),
    ("EEE, d MMM yyyy", "Thu, 25 Dec 2025", D(2025, 12, 25)),
    ("dd/MM/yyyy", "25/12/2025", D(2025, 12, 25)),  # a built-in format by its name
]


@pytest.mark.parametrize(("pattern", "text", "expected"), PATTERN_CASES)
def test_cldr_date_patterns(pattern, text, expected):
    assert parse_one(pattern, text) == expected


@pytest.mark.parametrize(
    ("pattern", "order", "two_digit_year"),
    [
        ("M/d/yy H:mm", "month", True),
        ("dd.MM.yy", "day", True),
        ("d/M/yyyy", "day", False),
        ("yyyy/dd/MM", None, False),
        ("dd-MMM-yy", None, True),
    ],
)
def test_cldr_patterns_know_their_day_month_order(pattern, order, two_digit_year):
    fmt = date_format_by_name(pattern)
    assert (fmt.order, fmt.two_digit_year) == (order, two_digit_year)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["12/25/25 20:18", "1/2/26 0:05", None], "MM/dd/yy"),  # day 25 settles the order
        (["25/12/25", "01/02/26"], "dd/MM/yy"),
        (["25.12.25", "01.01.26 10:00"], "dd.MM.yy"),  # dots are always day first
        # one value that another format reads: a two-digit year is not taken on its own
        (["25.12.25", "01.01.26", "2025-12-25"], "yyyy-MM-dd"),
        (["12/25/25 20:18", "1/2/26 0:05", "12/25/2025 20:18"], "MM/dd/yyyy"),
        # a value that no format reads is no date (a row error): it does not stop it. An
        # impossible date Excel could not convert stays as it was exported.
        (["25.12.25", "01.01.26", "soon"], "dd.MM.yy"),
        (["12/25/25 20:18", "1/2/26 0:05", "2025-02-30 09:15"], "MM/dd/yy"),
    ],
)
def test_detect_two_digit_years_only_when_every_date_fits(values, expected):
    assert detect_date_format(pl.Series(values, dtype=pl.String)).name == expected


def test_two_digit_years_with_unsettled_order_are_not_guessed():
    with pytest.raises(AmbiguousDateOrder) as error:
        detect_date_format(pl.Series(["12/11/25 20:18", "1/2/26 0:05"]))
    assert error.value.candidates == ("dd/MM/yy", "MM/dd/yy")


def test_a_users_pattern_competes_and_wins_ties():
    values = pl.Series(["12/11/25 20:18", "1/2/26 0:05", "1/2/26 0:05"])
    pattern = date_format_by_name("M/d/yy H:mm")
    assert detect_date_format(values, preferred=pattern) == pattern
    # a user's two-digit pattern is taken even where a few values do not fit it
    values = pl.Series(["12/25/25 20:18", "1/2/26 0:05", "garbage"])
    assert detect_date_format(values, preferred=pattern) == pattern
    # and loses to a format that reads more of the column
    iso = pl.Series(["2025-12-25", "2025-12-26", "12/25/25 20:18"])
    assert detect_date_format(iso, preferred=pattern).name == "yyyy-MM-dd"


def test_best_fitting_format_suggests_two_digit_years_that_read_most_values():
    counts = distinct_non_empty_counts_of(
        {"v": pl.Series(["12/25/25 20:18", "12/24/25 9:00", "12/24/25 9:00", "soon"])}
    )["v"]
    fmt, rows = best_fitting_format(counts)
    assert (fmt.name, rows) == ("MM/dd/yy", 3)
    assert rows_parsed(counts, fmt) == (3, 4)
    assert rows_parsed(counts, date_format_by_name("iso")) == (0, 4)
    none = distinct_non_empty_counts_of({"v": pl.Series(["soon", "later"])})["v"]
    assert best_fitting_format(none) == (None, 0)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2024-03-01", "2024-03-01T10:00:00Z", None, ""], "yyyy-MM-dd"),
        (["01.03.2024", "13.03.2024", "1.4.2024"], "dd.MM.yyyy"),
        (["01/03/2024", "13/03/2024"], "dd/MM/yyyy"),
        (["01/03/2024", "03/13/2024"], "MM/dd/yyyy"),
        (["01-03-2024", "13-03-2024"], "dd-MM-yyyy"),
        (["2024/03/01"], "yyyy/MM/dd"),
        (["05-Apr-2024", "05-Okt-2024"], "dd-MMM-yyyy"),
        (["Apr 5, 2024"], "MMM dd, yyyy"),
        (["45383", "45384.5"], "excel serial"),
        (["1709251200"], "unix seconds"),
        (["1709251200000", "1736499600000"], "unix milliseconds"),
        # the majority decides; the stray value becomes an invalid date for the caller
        (["01.03.2024", "02.03.2024", "2024-03-01"], "dd.MM.yyyy"),
        # rows count, not distinct values: three rows of ISO beat two distinct dotted ones
        (["2024-03-01"] * 3 + ["01.03.2024", "02.03.2024"], "yyyy-MM-dd"),
    ],
)
def test_detect_date_format(values, expected):
    assert detect_date_format(pl.Series(values, dtype=pl.String)).name == expected


def test_detect_date_format_without_any_value_is_none():
    assert detect_date_format(pl.Series([None, "", "  "], dtype=pl.String)) is None
    assert detect_date_format(pl.Series([], dtype=pl.String)) is None


def test_detect_date_format_when_nothing_fits_falls_back_so_every_value_is_reported():
    values = pl.Series(["soon", "31.02.24"])  # a word, and a day no month has
    assert detect_date_format(values) == DATE_FORMATS[0]
    preferred = date_format_by_name("dd.MM.yyyy")
    assert detect_date_format(values, preferred=preferred) == preferred


def test_day_and_month_order_is_never_guessed():
    values = pl.Series(["01/02/2024", "03/04/2024", "03/04/2024", "garbage", None])
    with pytest.raises(AmbiguousDateOrder) as error:
        detect_date_format(values)
    assert error.value.candidates == ("dd/MM/yyyy", "MM/dd/yyyy")
    assert error.value.examples == ("01/02/2024", "03/04/2024")
    assert "--date-format" in str(error.value)


def test_preferred_format_settles_the_order_only_when_it_fits():
    values = pl.Series(["01-02-2024", "03-04-2024"])
    month_first = date_format_by_name("MM-dd-yyyy")
    assert detect_date_format(values, preferred=month_first) == month_first
    # a preferred format that fits worse than the tied ones settles nothing
    with pytest.raises(AmbiguousDateOrder):
        detect_date_format(values, preferred=date_format_by_name("dd.MM.yyyy"))
    unambiguous = pl.Series(["13-02-2024", "03-04-2024"])
    assert detect_date_format(unambiguous, preferred=month_first).name == "dd-MM-yyyy"


# Round trips: a date written by Python's own formatting comes back as the same date.

DATES = st.dates(min_value=D(1955, 1, 1), max_value=D(2118, 12, 31))
ENGLISH_MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
GERMAN_NAMES = {"Mar": "Mär", "May": "Mai", "Oct": "Okt", "Dec": "Dez"}
GERMAN_MONTHS = tuple(GERMAN_NAMES.get(month, month) for month in ENGLISH_MONTHS)
STRFTIME = {
    "yyyy-MM-dd": "%Y-%m-%d",
    "dd.MM.yyyy": "%d.%m.%Y",
    "dd/MM/yyyy": "%d/%m/%Y",
    "MM/dd/yyyy": "%m/%d/%Y",
    "dd-MM-yyyy": "%d-%m-%Y",
    "MM-dd-yyyy": "%m-%d-%Y",
    "yyyy/MM/dd": "%Y/%m/%d",
}


@settings(max_examples=80, deadline=None)
@given(date=DATES, fmt_name=st.sampled_from(sorted(STRFTIME)))
def test_round_trip_numeric_formats(date, fmt_name):
    assert parse_one(fmt_name, date.strftime(STRFTIME[fmt_name])) == date


@settings(max_examples=60, deadline=None)
@given(date=DATES, german=st.booleans())
def test_round_trip_month_names(date, german):
    month = (GERMAN_MONTHS if german else ENGLISH_MONTHS)[date.month - 1]
    assert parse_one("dd-MMM-yyyy", f"{date.day:02d}-{month}-{date.year}") == date
    assert parse_one("MMM dd, yyyy", f"{month} {date.day}, {date.year}") == date


@settings(max_examples=60, deadline=None)
@given(date=DATES)
def test_round_trip_excel_serial(date):
    serial = (date - D(1899, 12, 30)).days
    assert parse_one("excel serial", str(serial)) == date


@settings(max_examples=100, deadline=None)
@given(
    moment=st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    offset_minutes=st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
    style=st.sampled_from(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S.%f%z", "%Y-%m-%dT%H:%M%z"]),
    colon=st.booleans(),
)
def test_round_trip_iso_timestamps_to_utc_date(moment, offset_minutes, style, colon):
    zone = dt.timezone(dt.timedelta(minutes=offset_minutes))
    local = moment.replace(tzinfo=zone)
    text = local.strftime(style)
    if colon:  # +0130 -> +01:30
        text = f"{text[:-2]}:{text[-2:]}"
    expected = local.astimezone(dt.UTC).date()
    assert parse_one("yyyy-MM-dd", text) == expected
    if offset_minutes == 0:
        assert parse_one("yyyy-MM-dd", text[: -6 if colon else -5] + "Z") == expected


@settings(max_examples=60, deadline=None)
@given(moment=st.datetimes(min_value=dt.datetime(1974, 1, 1), max_value=dt.datetime(2286, 1, 1)))
def test_round_trip_unix_seconds(moment):
    seconds = int(moment.replace(tzinfo=dt.UTC).timestamp())
    assert parse_one("unix seconds", str(seconds)) == moment.date()


@settings(max_examples=60, deadline=None)
@given(moment=st.datetimes(min_value=dt.datetime(1974, 1, 1), max_value=dt.datetime(2286, 1, 1)))
def test_round_trip_unix_milliseconds(moment):
    milliseconds = int(moment.replace(tzinfo=dt.UTC).timestamp() * 1000)
    assert parse_one("unix milliseconds", str(milliseconds)) == moment.date()


# --- amounts -----------------------------------------------------------------------------

AMOUNT_CASES = [
    # text, auto, decimal=",", decimal="."
    ("1,234.50", 1234.5, None, 1234.5),
    ("1.234,50", 1234.5, 1234.5, None),
    ("1234,5", 1234.5, 1234.5, None),
    ("1234.5", 1234.5, None, 1234.5),
    ("-12,00", -12.0, -12.0, None),
    ("(12.00)", -12.0, None, -12.0),
    ("€ 1.234,50", 1234.5, 1234.5, None),
    ("1.234,50 EUR", 1234.5, 1234.5, None),
    ("$1,234.50", 1234.5, None, 1234.5),
    ("EUR 12", 12.0, 12.0, 12.0),
    ("12.50 USD", 12.5, None, 12.5),
    ("1 234,50", 1234.5, 1234.5, None),
    ("1\u00a0234,50", 1234.5, 1234.5, None),
    ("1\u202f234,50 €", 1234.5, 1234.5, None),
    ("1'234.50", 1234.5, None, 1234.5),
    ("1,23,456.50", 123456.5, None, 123456.5),
    ("1,234", 1234.0, 1.234, 1234.0),  # alone, read the English way
    ("1.234", 1.234, 1234.0, 1.234),
    ("1,234,567", 1234567.0, None, 1234567.0),
    ("1.234.567", 1234567.0, 1234567.0, None),
    (",5", 0.5, 0.5, None),
    ("0", 0.0, 0.0, 0.0),
    ("+5", 5.0, 5.0, 5.0),
    ("−5", -5.0, -5.0, -5.0),
    ("-€12", -12.0, -12.0, -12.0),
    ("€-12", -12.0, -12.0, -12.0),
    ("12,00-", -12.0, -12.0, None),
    ("  7  ", 7.0, 7.0, 7.0),
    ("", None, None, None),
    (None, None, None, None),
    ("abc", None, None, None),
    ("1.2.3", None, None, None),
    ("12,34,5", None, None, None),
    ("1,2345.6", None, None, None),
    ("--12", None, None, None),
    ("(-12)", None, None, None),
    ("(12", None, None, None),
    ("1e5", None, None, None),
    ("1.2E+03", None, None, None),
    ("12 EUR EUR", None, None, None),
    ("12.", None, None, None),
]


@pytest.mark.parametrize(("text", "auto", "comma", "dot"), AMOUNT_CASES)
def test_amounts_table(text, auto, comma, dot):
    frame = pl.DataFrame({"v": [text]}, schema={"v": pl.String})
    got = frame.select(
        amount_expr("v").alias("auto"),
        amount_expr("v", ",").alias("comma"),
        amount_expr("v", ".").alias("dot"),
    )
    assert got.row(0) == (auto, comma, dot)
    assert got.schema == pl.Schema({"auto": pl.Float64, "comma": pl.Float64, "dot": pl.Float64})


def test_amount_decimal_must_be_a_separator():
    with pytest.raises(ValueError, match="decimal separator"):
        amount_expr("v", ";")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["12,50", "1,234"], ","),
        (["1.234,50", "7"], ","),
        (["1.234.567"], ","),
        (["12.5", "1,234"], "."),
        (["1,234,567"], "."),
        (["1,234", "1.234", "12"], None),  # nothing tells
        (["1,234.50", "12,5"], None),  # contradicting values: decided per value
        ([None, "", "abc"], None),
    ],
)
def test_detect_decimal_separator(values, expected):
    assert detect_decimal_separator(pl.Series(values, dtype=pl.String)) == expected


def test_detected_comma_reads_the_ambiguous_values_the_german_way():
    values = pl.Series(["1,234", "12,50", "1.234", None] * 300)
    decimal = detect_decimal_separator(values)
    parsed = parse_amounts(values, decimal)
    assert parsed.head(4).to_list() == [1.234, 12.5, 1234.0, None]
    assert parsed.null_count() == 300


CENTS = st.integers(min_value=-(10**11), max_value=10**11)


def english(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def german(amount: Decimal) -> str:
    return english(amount).replace(",", "_").replace(".", ",").replace("_", ".")


@settings(max_examples=150, deadline=None)
@given(cents=CENTS, style=st.sampled_from(["en", "de"]), currency=st.sampled_from(["", " EUR"]))
def test_round_trip_amounts(cents, style, currency):
    amount = Decimal(cents).scaleb(-2)
    text = (english if style == "en" else german)(amount) + currency
    decimal = "." if style == "en" else ","
    frame = pl.DataFrame({"v": [text]})
    assert frame.select(amount_expr("v")).item() == float(amount)
    assert frame.select(amount_expr("v", decimal)).item() == float(amount)
    assert detect_decimal_separator(frame.to_series()) == decimal


# --- IDs, statuses, booleans -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4.604E+15", True),
        ("4,604E+15", True),
        ("1.2e15", True),
        (" 4.60413E+14 ", True),
        ("1E+15", True),
        ("4604000000000000", False),
        ("12E45", False),  # could be a genuine alphanumeric ID
        ("INV-1.2E+3", False),
        ("", False),
        (None, None),
    ],
)
def test_is_scientific_id(text, expected):
    assert select(is_scientific_id_expr("v"), [text]) == [expected]


@settings(max_examples=120, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="0123456789eE.,+- x", max_size=12))))
def test_scientific_ids_on_a_series_agree_with_the_expression(values):
    series = pl.Series("v", values, dtype=pl.String)
    assert scientific_ids(series).to_list() == select(is_scientific_id_expr("v"), values)


def test_a_mostly_empty_date_column_is_parsed_where_it_holds_values():
    values = [None] * 6 + ["2024-03-01", "2024-02-30", " 2024-03-01 ", None]
    parsed = parse_dates(pl.Series("end", values), date_format_by_name("iso"))
    assert parsed.name == "end"
    assert parsed.to_list() == [None] * 6 + [D(2024, 3, 1), None, D(2024, 3, 1), None]


def test_date_format_detection_counts_values_alike_once_trimmed():
    # "01.02.2024" on three rows (two with blanks) outweighs two ISO dates
    values = [" 01.02.2024", "01.02.2024 ", "01.02.2024", "2024-02-01", "2024-02-02", None, " "]
    assert detect_date_format(pl.Series(values)).name == "dd.MM.yyyy"


def test_id_keeps_leading_zeros_and_trims_blanks():
    ids = select(id_expr("v"), [" 007 ", "7", "\u00a0", "", None])
    assert ids == ["007", "7", None, None, None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Live", "live"),
        (" NON-RENEWING ", "non_renewing"),
        ("non renewing", "non_renewing"),
        ("non - _renewing", "non_renewing"),
        ("Cancelled From Dunning", "cancelled_from_dunning"),
        ("past_due", "past_due"),
        ("  ", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_status(text, expected):
    assert select(normalize_status_expr("v"), [text]) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        (" Yes ", True),
        ("1", True),
        ("ja", True),
        ("Wahr", True),
        ("false", False),
        ("No", False),
        ("0", False),
        ("NEIN", False),
        ("falsch", False),
        ("maybe", None),
        ("", None),
        (None, None),
    ],
)
def test_boolean(text, expected):
    assert select(boolean_expr("v"), [text]) == [expected]


def test_distinct_values_of_several_columns_are_counted_trimmed_without_blanks():
    # "dates" repeats 3 distinct texts over 8 rows (counted per value); "stamps" is mostly
    # distinct (one entry per row); "empty" holds only blanks and nulls.
    dates = pl.Series(["2024-01-01", " 2024-01-01"] * 3 + ["2024-02-01", " ", None])
    stamps = pl.Series(["10:01", "10:02 ", "10:03", None])
    empty = pl.Series([None, "  ", ""], dtype=pl.String)
    counts = distinct_non_empty_counts_of({"dates": dates, "stamps": stamps, "empty": empty})

    def rows_per_text(frame: pl.DataFrame) -> dict[str, int]:
        return dict(frame.group_by("text").agg(pl.col("count").sum()).sort("text").iter_rows())

    assert counts["dates"].height == 2  # counted: one entry per distinct trimmed text
    assert rows_per_text(counts["dates"]) == {"2024-01-01": 6, "2024-02-01": 1}
    assert rows_per_text(counts["stamps"]) == {"10:01": 1, "10:02": 1, "10:03": 1}
    assert counts["empty"].height == 0


# --- parsed once per distinct value ---------------------------------------------------

ONCE_PER_VALUE = [
    (parsing.parse_dates, {"fmt": date_format_by_name("yyyy-MM-dd")}),
    (parsing.parse_amounts, {"decimal": None}),
    (parsing.amounts_read_two_ways, {}),  # reads a null as False
    (parsing.amount_currencies, {}),
    (parsing.parse_interval_units, {}),
    (parsing.parse_whole_numbers, {"minimum": 1}),
]
ONCE_PER_VALUE_TEXT = st.sampled_from(
    ["2024-01-31", " 1.190 ", "1.190", "49.00 USD", "€ 12,50", "month", "Years", "2", "", " "]
)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(ONCE_PER_VALUE_TEXT, min_size=1, max_size=40), nulls=st.integers(0, 40))
def test_a_value_parsed_once_reads_as_it_does_alone(values, nulls):
    # Columns that repeat a few values are parsed once per distinct value: every value
    # reads as the parser reads it alone, and every null of the column alike (as the
    # parser reads a null among values: amounts_read_two_ways says False).
    column = [*values, *values, *[None] * min(nulls, len(values))]
    series = pl.Series("column", column, dtype=pl.String)
    for parse, options in ONCE_PER_VALUE:
        alone = [parse(pl.Series([value], dtype=pl.String), **options)[0] for value in values]
        parsed = parse(series, **options).to_list()
        assert parsed[: 2 * len(values)] == alone * 2, parse.__name__
        among = parse(pl.Series([None, values[0], values[0]], dtype=pl.String), **options)[0]
        assert parsed[2 * len(values) :] == [among] * min(nulls, len(values)), parse.__name__
    assert parsing.amounts_read_two_ways(pl.Series(["1.190", None, "1.190"])).to_list() == [
        True,
        False,
        True,
    ]


def test_values_are_numbered_by_their_distinct_values():
    values = pl.Series(["b", None, "a", "b", None, "c"], dtype=pl.String)
    numbers, distinct = parsing.numbered(values)
    assert distinct.gather(numbers).to_list() == values.to_list()
    assert sorted(distinct.to_list()) == ["a", "b", "c"]
    numbers, distinct = parsing.numbered(pl.Series([None, None], dtype=pl.String))
    assert (numbers.to_list(), distinct.to_list()) == ([None, None], [])
    many = pl.Series([f"v{i % 5000}" if i % 7 else None for i in range(12_000)])
    numbers, distinct = parsing.numbered(many)  # more than are read from the table
    assert distinct.gather(numbers).to_list() == many.to_list()
    assert distinct.drop_nulls().sort().to_list() == many.drop_nulls().unique().sort().to_list()


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.one_of(st.none(), ONCE_PER_VALUE_TEXT), max_size=40))
def test_whether_values_are_mostly_distinct_changes_no_value(values):
    # Validation tells the parsers whether most values occur once (from its counts): a
    # wrong hint costs time, never a value.
    series = pl.Series("column", values, dtype=pl.String)
    fmt = date_format_by_name("yyyy-MM-dd")
    dates = [parse_dates(series, fmt, mostly_distinct=hint) for hint in (None, True, False)]
    amounts = [parse_amounts(series, mostly_distinct=hint) for hint in (None, True, False)]
    assert dates[0].equals(dates[1]) and dates[0].equals(dates[2])
    assert amounts[0].equals(amounts[1]) and amounts[0].equals(amounts[2])
