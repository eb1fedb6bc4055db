"""Timestamps with a zone abbreviation, as Recurly's exports write them in the site's time
zone (`2012-06-27 03:47:28 PDT`): reduced to their UTC date (DOMAIN.md), like a timestamp
with an offset. An abbreviation reconcile does not know is a row error that names it.
Every expected date and figure is worked out by hand in the comments."""

from __future__ import annotations

import datetime
from pathlib import Path

import polars as pl
import pytest

import reconcile
from reconcile import parsing
from reconcile.problems import UnusableFileError

D = datetime.date
ISO = parsing.date_format_by_name("iso")


@pytest.mark.parametrize(
    ("text", "utc_date"),
    [
        # PDT is UTC-7: 10:00 is 17:00 UTC, the same day; 20:00 is 03:00 UTC the next day.
        ("2025-06-01 10:00:00 PDT", D(2025, 6, 1)),
        ("2025-06-01 20:00:00 PDT", D(2025, 6, 2)),
        # PST is UTC-8: 16:00 is 00:00 UTC the next day; 15:59 is 23:59 UTC.
        ("2025-01-31 16:00:00 PST", D(2025, 2, 1)),
        ("2025-01-31 15:59:59 PST", D(2025, 1, 31)),
        # EST is UTC-5, EDT UTC-4, CDT UTC-5, MST UTC-7, AKST UTC-9, HST UTC-10.
        ("2025-12-31 19:00:00 EST", D(2026, 1, 1)),
        ("2025-06-30 19:59:00 EDT", D(2025, 6, 30)),
        ("2025-06-30 20:00:00 EDT", D(2025, 7, 1)),
        ("2025-06-30 19:00:00 CDT", D(2025, 7, 1)),
        ("2025-03-01 17:00:00 MST", D(2025, 3, 2)),
        ("2025-03-01 15:00:00 AKST", D(2025, 3, 2)),
        ("2025-03-01 14:00:00 HST", D(2025, 3, 2)),
        # UTC and GMT do not move; CEST is UTC+2: 01:30 is 23:30 UTC the day before.
        ("2025-06-01 23:30:00 UTC", D(2025, 6, 1)),
        ("2025-06-01 23:30:00 GMT", D(2025, 6, 1)),
        ("2025-06-01 01:30:00 CEST", D(2025, 5, 31)),
        ("2025-01-01 00:30:00 CET", D(2024, 12, 31)),
        # Without seconds, without a blank, in lower case.
        ("2025-06-01 20:00 PDT", D(2025, 6, 2)),
        ("2025-06-01 20:00:00PDT", D(2025, 6, 2)),
        ("2025-06-01 20:00:00 pdt", D(2025, 6, 2)),
    ],
)
def test_a_zone_abbreviation_gives_the_utc_date(text: str, utc_date: datetime.date):
    assert parsing.parse_dates(pl.Series([text]), ISO).to_list() == [utc_date]


def test_a_column_of_zoned_timestamps_is_read_as_iso():
    values = pl.Series(["2025-06-01 10:00:00 PDT", "2025-11-03 09:00:00 PST"])
    assert parsing.detect_date_format(values) == ISO


@pytest.mark.parametrize("text", ["2025-06-01 10:00:00 JST", "2025-06-01 10:00:00 IST"])
def test_an_unknown_or_ambiguous_abbreviation_is_not_a_date(text: str):
    assert parsing.parse_dates(pl.Series([text]), ISO).to_list() == [None]
    zone = pl.DataFrame({"v": [text]}).select(parsing.unknown_zone_expr("v")).item()
    assert zone == text[-3:]


SUBSCRIPTIONS = """\
uuid,account_code,email,first_name,last_name,company_name,plan_code,plan_name,state,quantity,unit_amount,currency,activated_at,canceled_at,expires_at,created_at
62f1a0c9,acc-101,ana@pinewood.example,Ana,Reyes,Pinewood Tools,basic,Basic,active,1,49.00,USD,2025-05-31 20:00:00 PDT,,,2025-05-31 19:58:00 PDT
62f1a0ca,acc-102,ben@harbor.example,Ben,Okafor,Harbor Supply,basic,Basic,canceled,1,49.00,USD,2025-03-15 09:00:00 EST,2025-06-10 12:00:00 EDT,2025-06-30 21:30:00 EDT,2025-03-15 08:55:00 EST
62f1a0cb,acc-103,cy@lakeside.example,Cy,Lind,Lakeside Labs,pro,Pro,active,2,99.00,USD,2025-04-01 00:00:00 UTC,,,2025-04-01 00:00:00 UTC
62f1a0cc,acc-104,dee@summit.example,Dee,Moss,Summit Co,basic,Basic,active,1,49.00,USD,2025-04-10 08:00:00 JST,,,2025-04-10 08:00:00 JST
"""  # noqa: E501


def test_a_recurly_export_in_pacific_time_is_placed_by_utc_dates(tmp_path: Path):
    path = tmp_path / "subscriptions.csv"
    path.write_text(SUBSCRIPTIONS, encoding="utf-8")
    result = reconcile.reconcile(path, as_of=D(2025, 7, 1))
    assert result.inputs.subscriptions.source == "recurly"
    # 62f1a0c9 starts 2025-06-01 (20:00 PDT on 31 May is 03:00 UTC on 1 June).
    # 62f1a0ca: 15 Mar to 2025-07-01 (21:30 EDT on 30 June is 01:30 UTC on 1 July);
    # its canceled_at is when cancellation was requested, not its end.
    # 62f1a0cb: from 1 Apr. 62f1a0cc: JST is unknown: rejected.
    assert result.inputs.subscriptions.rows_rejected == 1
    # Its created_at is listed too (not needed where activated_at is there).
    assert [(r.line, r.column) for r in result.rejections] == [
        (5, "activated_at"),
        (5, "created_at"),
    ]
    rejection = result.rejections[0]
    assert (rejection.line, rejection.column, rejection.code) == (5, "activated_at", "invalid_date")
    assert "its time zone 'JST' is not one it knows" in rejection.message
    assert "--date-format \"yyyy-MM-dd HH:mm:ss 'JST'\"" in rejection.message
    # On 1 July: 62f1a0c9 and 62f1a0cb active; 62f1a0ca ended that day.
    assert (result.totals.subscriptions_active, result.totals.subscriptions_ended) == (2, 1)
    # 31 Mar: ca. 30 Apr: ca, cb. 31 May: ca, cb (c9 starts 1 June in UTC). 30 June:
    # c9, ca (ends 1 July), cb. 1 July: c9, cb.
    months = [(m.period, m.subscriptions_active) for m in result.timeline]
    assert months == [
        ("2025-03", 1),
        ("2025-04", 2),
        ("2025-05", 2),
        ("2025-06", 3),
        ("2025-07", 2),
    ]


JST_ONLY = """\
uuid,account_code,plan_code,state,activated_at,expires_at
7a01,acc-1,basic,active,2025-04-10 08:00:00 JST,
7a02,acc-2,basic,active,2025-05-01 03:00:00 JST,
"""


def test_a_file_of_unknown_zones_says_how_to_read_its_local_dates(tmp_path: Path):
    path = tmp_path / "subscriptions.csv"
    path.write_text(JST_ONLY, encoding="utf-8")
    with pytest.raises(UnusableFileError) as raised:
        reconcile.reconcile(path, as_of=D(2025, 5, 15))
    assert "--date-format \"yyyy-MM-dd HH:mm:ss 'JST'\"" in str(raised.value)
    # Read as written, the dates are the local ones: 10 April and 1 May (in UTC, 03:00 JST
    # on 1 May would be 30 April). 30 April: 7a01. 15 May: both.
    result = reconcile.reconcile(
        path, as_of=D(2025, 5, 15), date_format="yyyy-MM-dd HH:mm:ss 'JST'"
    )
    assert [(m.period, m.subscriptions_active) for m in result.timeline] == [
        ("2025-04", 1),
        ("2025-05", 2),
    ]
