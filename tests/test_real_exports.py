"""Real exports as people have them (issue 9): each format of tests/fixtures/README.md
reads with no option but the as-of date and gives the figures DOMAIN.md defines.

Every expected number was worked out by hand from the fixture rows (the README beside
them shows the reasoning row by row), never by running the code.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import reconcile
from reconcile.cli import main
from reconcile.problems import UnusableFileError

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = date(2026, 11, 15)
STATES = (
    "subscriptions_active",
    "subscriptions_not_yet_paying",
    "subscriptions_paused",
    "subscriptions_ended",
)


def run(subscriptions: Path, customers: Path | None = None) -> dict:
    result = reconcile.reconcile(subscriptions=subscriptions, customers=customers, as_of=AS_OF)
    return result.to_dict()


def states(d: dict) -> tuple[int, ...]:
    return tuple(d["totals"][key] for key in STATES)


def accounting(d: dict, kind: str = "subscriptions") -> tuple[int, int, int, int]:
    s = d["inputs"][kind]
    return s["rows_read"], s["rows_accepted"], s["rows_rejected"], s["duplicate_rows_removed"]


def test_chargebee_web_export_reads_as_chargebee_with_no_option():
    d = run(FIXTURES / "chargebee_web" / "subscriptions.csv")
    assert d["inputs"]["subscriptions"]["source"] == "chargebee"
    assert accounting(d) == (10, 10, 0, 0)
    # Active: Anna x2, Bernd (cancellation scheduled for 2027-01-31), Clara (NON_RENEWING
    # until 2026-12-31), Jörg. IN_TRIAL and FUTURE are not yet paying; PAUSED is paused
    # (no pause date: counted in ended_without_end_date); Dieter and Eva ended.
    assert states(d) == (5, 2, 1, 2)
    assert d["totals"]["customers_active"] == 4
    assert d["totals"]["ended_without_end_date"] == 1
    # Eva cancelled the day she started: never active, and no contradiction.
    assert d["quality"]["contradictions"] == []
    plans = {(p["plan"], p["subscriptions_active"]) for p in d["by_plan"]}
    assert plans == {("pro-monthly", 3), ("addon-yearly", 1), ("pro-yearly", 1)}


def test_woocommerce_exporter_csv_reads_with_no_option():
    d = run(FIXTURES / "woocommerce" / "subscriptions.csv")
    assert d["inputs"]["subscriptions"]["source"] == "woocommerce"
    # `0` is "no date", never an invalid date: no row is rejected.
    assert accounting(d) == (10, 10, 0, 0)
    # Active: 101 and 102 (customer 7), 103 (pending-cancel, ends 2026-12-01), 110.
    # wc-pending 107 not yet paying; wc-on-hold 104 paused without a pause date;
    # 105, 106, 108 (switched), 109 (end from cancelled_date) ended.
    assert states(d) == (4, 1, 1, 4)
    assert d["totals"]["customers_active"] == 3
    assert d["totals"]["customers_known"] == 8
    assert d["totals"]["ended_without_end_date"] == 1


def test_a_woocommerce_trial_is_never_active_time():
    # tests/fixtures/README.md, woocommerce/trials.csv, worked row by row on 2026-11-15.
    d = run(FIXTURES / "woocommerce" / "trials.csv")
    assert d["inputs"]["subscriptions"]["source"] == "woocommerce"
    assert accounting(d) == (5, 5, 0, 0)
    # 301 is wc-active but in its trial until 2026-11-24: not yet paying. 302 and 304
    # (trial over on 2026-10-04) are active; 303 and 305 ended.
    assert states(d) == (2, 1, 0, 2)
    assert d["totals"]["customers_active"] == 2
    # 303's trial ran to 2026-10-15, past its end on 2026-10-05: it never paid.
    assert d["totals"]["subscriptions_never_active"] == 1
    # MRR: 302's 19.90 + 304's 29.00; 301's 19.90 is not yet paid.
    assert [(r["currency"], r["mrr"], r["customers"]) for r in d["revenue"]] == [("EUR", 48.90, 2)]
    active = {m["period"]: m["subscriptions_active"] for m in d["timeline"]}
    # 305 pays from its trial end 2026-06-15 to 2026-08-20; 304 from 2026-10-04, so it is
    # not active on 2026-09-30 although it was created on 2026-09-20.
    assert (active["2026-05"], active["2026-06"], active["2026-07"]) == (1, 2, 2)
    assert (active["2026-08"], active["2026-09"], active["2026-10"]) == (1, 1, 2)
    assert active["2026-11"] == 2


def test_woocommerce_statuses_as_its_screens_label_them():
    # The labels of wcs_get_subscription_statuses (tests/fixtures/README.md). As of
    # 2026-11-15: Active 601 and Pending Cancellation 602 (ends 2026-12-01) are active;
    # Pending 604 not yet paying; On hold 603 paused (no pause date); Cancelled 605
    # (2026-03-01), Expired 606, Switched 607 ended.
    d = run(FIXTURES / "woocommerce" / "screen_labels.csv")
    assert d["inputs"]["subscriptions"]["source"] == "woocommerce"
    assert accounting(d) == (7, 7, 0, 0)
    assert states(d) == (2, 1, 1, 3)
    assert d["totals"]["customers_active"] == 2


def test_stripe_export_resaved_by_a_spreadsheet_reads_with_no_option():
    # Excel wrote 12/25/25 20:18 for 2025-12-25 20:18; days above 12 settle the order.
    d = run(FIXTURES / "stripe_resaved" / "subscriptions.csv")
    assert d["inputs"]["subscriptions"]["source"] == "stripe"
    assert accounting(d) == (6, 6, 0, 0)
    # Active: ...H5, ...H6, ...H9 (past_due), ...I0 (cancels at period end 11/30/26).
    assert states(d) == (4, 1, 0, 1)
    assert d["totals"]["customers_active"] == 4
    months = {m["period"]: m["subscriptions_active"] for m in d["timeline"]}
    # H5 from 2025-01-05, H7 from 2025-02-20 (ended 2026-06-30), H6 from 2025-03-17,
    # I0 from 2025-07-04, H9 from 2025-12-25.
    assert months["2025-01"] == 1
    assert months["2025-03"] == 3
    assert months["2025-12"] == 5
    assert months["2026-05"] == 5
    assert months["2026-06"] == 4  # H7 ends on 2026-06-30, the observed day: not active


def test_an_impossible_date_excel_left_as_text_is_one_row_error(tmp_path):
    # Excel converts every date it can read and leaves the others as exported: a Start
    # of 2025-02-30 stays "2025-02-30 09:15" among the M/d/yy values. No format reads it,
    # so it says nothing about their century: the column is read as MM/dd/yy, that row
    # alone is rejected, and the figures are the fixture's (4 active, 4 customers).
    text = (FIXTURES / "stripe_resaved" / "subscriptions.csv").read_text(encoding="utf-8")
    impossible = (
        "sub_1QaB2cD3eF4gJ1,cus_QaB2006,Kiln & Co,kiln@example.org,price_1Pro,prod_Pro,1,"
        "month,49,active,2025-02-30 09:15,2025-02-30 09:15,11/1/26 9:00,12/1/26 9:00,,,,"
        "FALSE,\r\n"
    )
    path = tmp_path / "subscriptions.csv"
    path.write_text(text + impossible, encoding="utf-8", newline="")
    d = run(path)
    assert accounting(d) == (7, 6, 1, 0)
    # Its Created (UTC) is listed too: a value no figure needs, on the rejected row.
    assert {(r["line"], r["code"], r["column"]) for r in d["rejections"]} == {
        (8, "invalid_date", "Start (UTC)"),
        (8, "invalid_date", "Created (UTC)"),
    }
    [start] = [r for r in d["rejections"] if r["column"] == "Start (UTC)"]
    assert start["message"] == "'2025-02-30 09:15' is not a date (column format MM/dd/yy)"
    assert states(d) == (4, 1, 0, 1)
    assert d["totals"]["customers_active"] == 4


@pytest.mark.parametrize("date_format", [None, "unix"])
def test_stripe_dates_as_unix_milliseconds_read_with_no_option(date_format):
    # tests/fixtures/README.md, stripe_epoch_ms/: every date a 13-digit Unix time in
    # milliseconds. `--date-format unix` (seconds) reads them too: milliseconds fit better.
    d = reconcile.reconcile(
        subscriptions=FIXTURES / "stripe_epoch_ms" / "subscriptions.csv",
        as_of=AS_OF,
        date_format=date_format,
    ).to_dict()
    assert accounting(d) == (5, 5, 0, 0)
    formats = {f["column"]: f["format"] for f in d["inputs"]["subscriptions"]["date_formats"]}
    assert formats["Start Date (UTC)"] == "unix milliseconds"
    # Active: Ms01, Ms02 (cus_Ms01), Ms05 (started 2026-10-31 23:59:59.999 UTC). Ms04 is
    # trialing; Ms03 ended 2026-08-31.
    assert states(d) == (3, 1, 0, 1)
    assert d["totals"]["customers_active"] == 2
    # 49.00 + 2 x 1200.00 / 12 + 29.00.
    assert [(r["currency"].upper(), r["mrr"]) for r in d["revenue"]] == [("EUR", 278.00)]
    active = {m["period"]: m["subscriptions_active"] for m in d["timeline"]}
    assert active["2025-01"] == 1
    assert (active["2026-07"], active["2026-08"], active["2026-09"]) == (3, 2, 2)
    assert (active["2026-10"], active["2026-11"]) == (3, 3)


def test_dates_as_numbers_of_no_known_length_get_advice_about_numbers(tmp_path):
    # 16 digits (microseconds) are read as nothing: every row is rejected, and the advice
    # names the numbers reconcile reads rather than a date pattern.
    path = tmp_path / "subscriptions.csv"
    path.write_text(
        "subscription_id,customer_id,status,start_date\n"
        "S1,C1,active,1736499600000000\n"
        "S2,C2,active,1748788200000000\n",
        encoding="utf-8",
    )
    with pytest.raises(UnusableFileError) as error:
        reconcile.load(path)
    assert str(error.value).endswith(
        "The dates are numbers of no length reconcile reads as dates: Excel serial numbers "
        "(5 digits), Unix seconds (9 or 10) or Unix milliseconds (12 or 13). Export the "
        "dates as dates (yyyy-MM-dd)."
    )
    assert "--date-format" not in str(error.value)


def test_german_spreadsheet_dates_with_two_digit_years(tmp_path):
    # LibreOffice (de) re-saved a generic export: 25.12.25. Dots are always day first.
    path = tmp_path / "abos.csv"
    path.write_text(
        "subscription_id;customer_id;status;start_date;end_date\n"
        "A1;K1;active;01.03.25;\n"
        "A2;K2;cancelled;15.01.24;30.06.26\n"
        "A3;K2;active;02.02.26 10:15;\n",
        encoding="utf-8",
    )
    d = run(path)
    assert accounting(d) == (3, 3, 0, 0)
    assert states(d) == (2, 0, 0, 1)
    assert d["timeline"][0]["period"] == "2024-01"


# --------------------------------------------------------------------------- bad rows


def errors(table, which: str = "rejections") -> list[tuple[int, str, str]]:
    return list(getattr(table, which).select("line", "column", "code").iter_rows())


def test_only_values_a_count_needs_reject_a_row(tmp_path):
    # DOMAIN.md, "Bad rows": Stripe's Current Period End is the end only of a subscription
    # set to cancel at period end; elsewhere an unreadable one is a warning, row kept.
    path = tmp_path / "subscriptions.csv"
    path.write_text(
        "id,Customer ID,Status,Start Date (UTC),Current Period End (UTC),Cancel At Period End\n"
        "sub_1,cus_1,active,2026-01-01 10:00,soon,false\n"
        "sub_2,cus_2,active,2026-01-01 10:00,soon,true\n"
        "sub_3,cus_3,active,2026-01-01 10:00,2026-12-01 10:00,true\n",
        encoding="utf-8",
    )
    subscriptions, _ = reconcile.load(path)
    assert errors(subscriptions) == [(3, "Current Period End (UTC)", "invalid_date")]
    assert errors(subscriptions, "warnings") == [(2, "Current Period End (UTC)", "invalid_date")]
    assert "no figure needs it" in subscriptions.warnings.get_column("message")[0]
    assert subscriptions.frame.get_column("subscription_id").to_list() == ["sub_1", "sub_3"]


def test_a_later_fallback_is_needed_only_where_the_earlier_ones_are_empty(tmp_path):
    # Zoho's start is Activated On, else Created On: an unreadable Created On beside a
    # readable Activated On is a warning; a paused row's Cancelled On is not its end (its
    # pause date is), so an unreadable one is a warning too.
    path = tmp_path / "subscriptions.csv"
    path.write_text(
        "Subscription ID,Customer ID,Status,Activated On,Created On,Cancelled On,Pause Date\n"
        "1,C1,live,2026-01-05,never,,\n"
        "2,C2,live,,never,,\n"
        "3,C3,paused,2026-01-05,2026-01-01,someday,2026-06-01\n"
        "4,C4,cancelled,2026-01-05,2026-01-01,someday,\n",
        encoding="utf-8",
    )
    subscriptions, _ = reconcile.load(path)
    assert errors(subscriptions) == [
        (3, "Created On", "invalid_date"),
        (5, "Cancelled On", "invalid_date"),
    ]
    assert errors(subscriptions, "warnings") == [
        (2, "Created On", "invalid_date"),
        (4, "Cancelled On", "invalid_date"),
    ]


def test_a_row_error_names_the_column_format_only_when_most_values_fit_it(tmp_path):
    path = tmp_path / "subscriptions.csv"
    rows = ["S1,C1,active,2026-01-05", "S2,C2,active,2026-02-30", "S3,C3,active,2026-03-01"]
    path.write_text("subscription_id,customer_id,status,start_date\n" + "\n".join(rows) + "\n")
    subscriptions, _ = reconcile.load(path)
    assert subscriptions.rejections.get_column("message").to_list() == [
        "'2026-02-30' is not a date (column format yyyy-MM-dd)"
    ]
    mixed = tmp_path / "mixed.csv"
    rows = [
        "S1,C1,active,25.12.25",
        "S2,C2,active,12/25/25",
        "S3,C3,active,26.12.25",
        "S4,C4,active,x",
        "S5,C5,active,2026-01-01",
    ]
    mixed.write_text("subscription_id,customer_id,status,start_date\n" + "\n".join(rows) + "\n")
    subscriptions, _ = reconcile.load(mixed)
    messages = subscriptions.rejections.get_column("message").to_list()
    assert len(messages) == 4
    assert messages[0] == (
        "'25.12.25' is not a date: no single date format fits column 'start_date' (the "
        "closest, dd.MM.yy, reads 2 of its 5 values); give the format with --date-format"
    )


# --------------------------------------------------------------------------- no report on nothing

RESAVED_BADLY = (
    "id,Customer ID,Status,Start Date (UTC)\n"
    "sub_1,cus_1,active,25.12.25 20:18\n"
    "sub_2,cus_2,active,26.12.25 08:00\n"
    "sub_3,cus_3,suspended,27.12.2025 09:00\n"
)


def test_a_file_of_which_every_row_is_rejected_is_unusable(tmp_path):
    # dd.MM.yy reads two of the three values, and dd.MM.yyyy the third: the column is not
    # read with two-digit years (one of its dates names its century otherwise), the third
    # row has an unknown status, so every row is rejected, and the message says what
    # would read the dates.
    path = tmp_path / "subscriptions.csv"
    path.write_text(RESAVED_BADLY, encoding="utf-8")
    with pytest.raises(UnusableFileError) as error:
        reconcile.load(path)
    assert str(error.value) == (
        f"{path}: every one of its 3 rows was rejected, so no report can be made; the most "
        "common reason (2 of them): a date is invalid, column 'Start Date (UTC)', e.g. "
        "'25.12.25 20:18' on line 2\n"
        "Read the dates with --date-format 'dd.MM.yy' (2 values of the column fit it)."
    )


def test_the_cli_writes_no_report_when_every_row_is_rejected(tmp_path):
    path = tmp_path / "subscriptions.csv"
    path.write_text(RESAVED_BADLY, encoding="utf-8")
    report = tmp_path / "report.html"
    result = CliRunner().invoke(
        main, ["report", str(path), "--as-of", "2026-11-15", "-o", str(report)]
    )
    assert result.exit_code == 2
    assert "every one of its 3 rows was rejected, so no report can be made" in result.output
    assert "--date-format 'dd.MM.yy'" in result.output
    assert not report.exists()
    # The option it names reads the file: two rows, the third still rejected.
    result = CliRunner().invoke(
        main,
        [
            "report",
            str(path),
            "--as-of",
            "2026-11-15",
            "--date-format",
            "dd.MM.yy",
            "-o",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert report.exists()


def test_a_customers_export_of_which_every_row_is_rejected_is_unusable_too(tmp_path):
    subscriptions = FIXTURES / "chargebee_web" / "subscriptions.csv"
    customers = tmp_path / "customers.csv"
    customers.write_text("customers.id,customers.email\n,a@example.com\n,b@example.com\n")
    with pytest.raises(UnusableFileError, match="every one of its 2 rows was rejected"):
        reconcile.load(subscriptions, customers)


# --------------------------------------------------------------------------- the 5% caveat

# 10 rows, one with an impossible date: 10% rejected, above the 5% that must be said.
TEN_ROWS = "subscription_id,customer_id,status,start_date\n" + "".join(
    f"S{n},C{n},active,2026-03-{n:02d}\n" if n != 2 else "S2,C2,active,2026-02-30\n"
    for n in range(1, 11)
)
CAVEAT = {
    "en": "Caution: 1 of the 10 rows of {file} was rejected (10.0%); the most common reason: "
    "a date is invalid. The figures rest on the 9 accepted rows only.",
    "de": "Achtung: 1 der 10 Zeilen von {file} wurde abgelehnt (10,0 %); häufigster Grund: "
    "Ein Datumswert ist ungültig. Die Zahlen beruhen nur auf den 9 angenommenen Zeilen.",
}
SUBJECT_NOTE = {
    "en": "Caution: 1 of 10 rows rejected – Customer reconciliation: ",
    "de": "Achtung: 1 von 10 Zeilen abgelehnt – Kundenabgleich: ",
}


@pytest.mark.parametrize("lang", ["en", "de"])
def test_more_than_5_percent_rejected_is_said_above_the_answer_everywhere(tmp_path, lang):
    import email
    from email.header import decode_header, make_header
    from email.policy import default

    path = tmp_path / "subscriptions.csv"
    path.write_text(TEN_ROWS, encoding="utf-8")
    out = {ext: tmp_path / f"report.{ext}" for ext in ("html", "md", "json")}
    args = ["report", str(path), "--as-of", "2026-11-15", "--lang", lang, "--quiet"]
    args += [arg for file in out.values() for arg in ("-o", str(file))]
    result = CliRunner().invoke(main, [*args, "--eml", str(tmp_path / "r.eml")])
    assert result.exit_code == 0, result.output
    caveat = CAVEAT[lang].format(file=path.name)
    markdown = out["md"].read_text(encoding="utf-8").replace("\xa0", " ")
    # Above the answer: right below the heading.
    assert markdown.splitlines()[2].startswith("> **")
    assert markdown.index("Caution" if lang == "en" else "Achtung") < markdown.index(
        "| **9** | **9** |"
    )
    # Babel writes "10,0 %" with a no-break space; compared as plain blanks.
    html = out["html"].read_text(encoding="utf-8").replace("\xa0", " ")
    assert '<p role="alert"' in html and caveat in html
    assert html.index(caveat) < html.index('class="card"')
    message = email.message_from_bytes((tmp_path / "r.eml").read_bytes(), policy=default)
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject.startswith(SUBJECT_NOTE[lang])
    body = message.get_body(("plain",)).get_content().replace("\xa0", " ")
    assert caveat in body
    lines = body.splitlines()
    assert lines.index(caveat) < next(i for i, line in enumerate(lines) if line.endswith(": 9"))
    html_body = message.get_body(("html",)).get_content().replace("\xa0", " ")
    assert caveat in html_body
    caveats = json.loads(out["json"].read_text())["caveats"]
    assert caveats == [
        {
            "file": str(path),
            "rows_read": 10,
            "rows_rejected": 1,
            "rows_accepted": 9,
            "reason": "invalid_date",
            "reason_rows": 1,
        }
    ]


def test_5_percent_or_less_rejected_is_no_caveat(tmp_path):
    # 1 of 20 rows is exactly 5%: not more than 5%, no caveat.
    rows = "".join(f"S{n},C{n},active,2026-03-{n:02d}\n" for n in range(1, 20))
    path = tmp_path / "subscriptions.csv"
    path.write_text("subscription_id,customer_id,status,start_date\n" + rows + "S20,C20,active,x\n")
    d = run(path)
    assert d["inputs"]["subscriptions"]["rows_rejected"] == 1
    assert d["caveats"] == []


def test_fail_on_error_exits_1_when_any_row_was_rejected(tmp_path):
    path = tmp_path / "subscriptions.csv"
    path.write_text(TEN_ROWS, encoding="utf-8")
    args = ["report", str(path), "--as-of", "2026-11-15", "-o", str(tmp_path / "r.md")]
    assert CliRunner().invoke(main, [*args, "--fail-on", "error"]).exit_code == 1
    clean = tmp_path / "clean.csv"
    clean.write_text("subscription_id,customer_id,status,start_date\nS1,C1,active,2026-01-01\n")
    args = ["report", str(clean), "--as-of", "2026-11-15", "-o", str(tmp_path / "c.md")]
    assert CliRunner().invoke(main, [*args, "--fail-on", "error"]).exit_code == 0


# --------------------------------------------------------------------------- API snapshots


def test_an_api_snapshot_without_dates_answers_the_as_of_question():
    d = run(FIXTURES / "snapshot" / "subscriptions.csv")
    assert d["inputs"]["subscriptions"]["source"] == "generic"
    assert d["inputs"]["subscriptions"]["has_start_dates"] is False
    assert accounting(d) == (6, 6, 0, 0)
    # Paying: sub_001, sub_002 (cus_A1), sub_004 (past_due, cus_C3).
    assert states(d) == (3, 1, 1, 1)
    assert d["totals"]["customers_active"] == 2
    assert d["timeline"] == []
    # Nothing lacks a date it could have had: no "ended without end date" noise.
    assert d["totals"]["ended_without_end_date"] == 0
    assert d["totals"]["ended_without_start_date"] == 0


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_history_section_says_the_snapshot_has_no_start_dates(tmp_path, lang):
    out = tmp_path / "report.md"
    args = ["report", str(FIXTURES / "snapshot" / "subscriptions.csv"), "--as-of", "2026-11-15"]
    result = CliRunner().invoke(main, [*args, "--lang", lang, "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    expected = {"en": "has no start dates", "de": "enthält keine Startdaten"}[lang]
    assert expected in text


def test_a_hint_names_only_a_column_whose_values_fit(tmp_path):
    # No start and no status: unusable. 'stage' looks like 'start' but holds no dates.
    path = tmp_path / "subscriptions.csv"
    path.write_text("customer_id,subscription_id,stage,mrr\nc1,s1,won,5\nc2,s2,lost,7\n")
    with pytest.raises(UnusableFileError) as error:
        reconcile.load(path)
    assert "closest" not in str(error.value)
    assert "--map start='<header in the file>'" in str(error.value)
    dated = tmp_path / "dated.csv"
    dated.write_text("customer_id,subscription_id,stage,started\nc1,s1,won,2026-01-01\n")
    with pytest.raises(UnusableFileError, match="--map start='started'"):
        reconcile.load(dated)


# --------------------------------------------------------------------------- extra fields


def test_a_row_with_more_fields_than_the_header_is_a_row_error(tmp_path):
    path = tmp_path / "subscriptions.csv"
    path.write_text(
        "subscription_id,customer_id,status,start_date\n"
        "S1,C1,active,2026-01-01\n"
        "S2,C2,active,2026-01-02,Acme, Inc.\n"
        '"S3","C3",active,"2026-01-03"\n'
        "\n"
        "S4,C4,active,2026-01-04\n",
        encoding="utf-8",
    )
    subscriptions, _ = reconcile.load(path)
    assert errors(subscriptions) == [(3, "start_date", "extra_fields")]
    assert subscriptions.rejections.get_column("value").to_list() == ["Acme, Inc."]
    assert subscriptions.frame.get_column("line").to_list() == [2, 4, 6]
    assert (subscriptions.rows_read, subscriptions.rows_rejected) == (4, 1)


# --------------------------------------------------------------------------- Excel


def test_chargebee_web_export_as_an_excel_workbook_gives_the_same_figures(tmp_path):
    # Chargebee also exports .xlsx: dates as date cells, amounts as number cells.
    import csv
    from datetime import datetime

    import xlsxwriter

    source = FIXTURES / "chargebee_web" / "subscriptions.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    path = tmp_path / "subscriptions.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Subscriptions")
    timestamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r and len(value) == 19 and value[4] == "-" and value[13] == ":":
                sheet.write_datetime(r, c, datetime.fromisoformat(value), timestamp)
            elif r and value.replace(".", "", 1).isdigit():
                sheet.write_number(r, c, float(value))
            elif value:
                sheet.write_string(r, c, value)
    book.close()
    from_csv, from_xlsx = run(source), run(path)
    assert from_xlsx["inputs"]["subscriptions"]["source"] == "chargebee"
    assert accounting(from_xlsx) == (10, 10, 0, 0)
    assert from_xlsx["totals"] == from_csv["totals"]
    assert from_xlsx["timeline"] == from_csv["timeline"]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Two-digit years were read as 20yy (25 is 2025)."),
        ("de", "Zweistellige Jahreszahlen wurden als 20jj gelesen (25 ist 2025)."),
    ],
)
def test_the_inputs_section_states_each_date_format_and_the_20yy_assumption(
    tmp_path, lang, expected
):
    source = FIXTURES / "stripe_resaved" / "subscriptions.csv"
    d = run(source)
    formats = {
        c["column"]: (c["format"], c["two_digit_year"])
        for c in d["inputs"]["subscriptions"]["date_formats"]
    }
    assert formats["Start (UTC)"] == ("MM/dd/yy", True)
    assert formats["Ended At (UTC)"] == ("MM/dd/yy", True)
    out = tmp_path / "report.md"
    args = ["report", str(source), "--as-of", "2026-11-15", "--lang", lang, "-o", str(out), "-q"]
    assert CliRunner().invoke(main, args).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "Start (UTC): MM/dd/yy" in text
    assert expected in text


# --------------------------------------------------------------------------- Stripe guests

GUESTS = FIXTURES / "stripe_guests" / "customers.csv"
RESAVED = FIXTURES / "stripe_resaved" / "subscriptions.csv"


def test_stripe_guest_customers_are_accepted_counted_and_walked_past():
    # stripe_guests/customers.csv beside stripe_resaved/subscriptions.csv, by hand:
    # customer rows 2, 4, 6 are cus_QaB2001, cus_QaB2002, cus_QaB2004; lines 3 and 5
    # have an empty `id`: guests. Active customers (see the test above): 2001, 2002,
    # 2004 and 2005, the last not in the customers export.
    d = run(RESAVED, GUESTS)
    assert d["inputs"]["customers"]["source"] == "stripe"
    # Every row accounted for: 5 read = 5 accepted (3 customers + 2 guests).
    assert accounting(d, "customers") == (5, 5, 0, 0)
    assert d["inputs"]["customers"]["guest_lines"] == [3, 5]
    assert d["totals"]["customers_guests"] == 2
    # No row error and no warning: a guest is no fault of the file.
    assert d["rejections"] == [] and d["warnings"] == []
    assert not [f for f in d["findings"] if f["code"] in ("rows_rejected", "unreadable_values")]
    # Guests have no ID: not known customers. Known: 2001-2005 from the subscriptions.
    assert d["totals"]["customers_known"] == 5
    assert d["totals"]["customers_without_subscriptions"] == 0
    # 2003 (trialing) and 2005 are not in the customers export.
    assert d["totals"]["orphan_subscriptions"] == 2
    assert d["totals"]["customers_active"] == 4
    walk = [(s["step"], s["count"], s["total"], s["examples"]) for s in d["customer_bridge"]]
    assert walk == [
        ("customer_rows_read", 5, 5, []),
        ("customer_rows_rejected", 0, 5, []),
        ("customer_duplicates_removed", 0, 5, []),
        ("customer_guests", -2, 3, ["3", "5"]),
        ("customers_in_export", 3, 3, []),
        ("customers_without_active_subscription", 0, 3, []),
        ("customers_only_in_subscriptions", 1, 4, ["cus_QaB2005"]),
        ("customers_active", 4, 4, []),
    ]


@pytest.mark.parametrize(
    ("lang", "step", "sentence"),
    [
        (
            "en",
            "| Guest customers without an ID (they hold no subscription)<br>_Lines: 3, 5_ "
            "| -2 | 3 |",
            "2 guest customers without an ID in customers.csv (payments without a customer "
            "record): accepted rows, not counted among the customers, since a guest can hold "
            "no subscription.",
        ),
        (
            "de",
            "| Gastkunden ohne ID (sie haben kein Abonnement)<br>_Zeilen: 3, 5_ | -2 | 3 |",
            "2 Gastkunden ohne ID in customers.csv (Zahlungen ohne Kundendatensatz): "
            "übernommene Zeilen, die nicht zu den Kunden zählen, da ein Gast kein Abonnement "
            "haben kann.",
        ),
    ],
)
def test_the_report_names_the_guest_customers_in_both_languages(tmp_path, lang, step, sentence):
    md, html = tmp_path / "report.md", tmp_path / "report.html"
    args = ["report", str(RESAVED), "--customers", str(GUESTS), "--as-of", "2026-11-15"]
    args += ["--lang", lang, "-o", str(md), "-o", str(html), "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    text = md.read_text(encoding="utf-8")
    assert step in text.splitlines()
    assert sentence in text
    assert sentence in html.read_text(encoding="utf-8")


def test_validate_counts_the_guests_among_the_accepted_rows():
    args = ["validate", str(RESAVED), "--customers", str(GUESTS)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index(f"{GUESTS} (customers, source: stripe)")
    assert lines[start + 1 : start + 6] == [
        "  rows read                         5",
        "  accepted                          5",
        "    of which guests                 2  (guest customers without an ID)",
        "  rejected                          0",
        "  duplicate rows removed            0",
    ]
    as_json = CliRunner().invoke(main, [*args, "--json"])
    summaries = json.loads(as_json.output)["files"]
    customers = next(s for s in summaries if s["kind"] == "customers")
    assert customers["guest_customers"] == 2


STRIPE_CUSTOMERS_HEADER = "id,Description,Email,Name,Created (UTC),Delinquent,Currency\n"


def test_a_guest_row_repeated_exactly_is_a_duplicate_and_its_other_faults_still_count(tmp_path):
    customers = tmp_path / "customers.csv"
    customers.write_text(
        STRIPE_CUSTOMERS_HEADER
        + "cus_A,,a@example.com,Anna,2025-01-05 09:00,false,eur\n"  # 2: customer
        + ",,g1@example.com,Gast,2025-04-01 10:00,false,eur\n"  # 3: guest
        + ",,g1@example.com,Gast,2025-04-01 10:00,false,eur\n"  # 4: repeat of 3: removed
        + ",,g2@example.com,,2025-04-31 10:00,false,eur\n"  # 5: guest, impossible date
        + "4.60401E+15,,x@example.com,X,2025-01-01 00:00,false,eur\n"  # 6: damaged ID
        + "cus_A,,other@example.com,Anna,2025-01-05 09:00,false,eur\n",  # 7: conflict
        encoding="utf-8",
    )
    table = reconcile.load(RESAVED, customers)[1]
    assert (table.rows_read, table.rows_accepted, table.rows_rejected) == (6, 3, 2)
    assert table.duplicate_lines == (4,)
    assert table.guest_lines == (3, 5)
    assert table.frame["customer_id"].to_list() == ["cus_A"]
    rejected = sorted(table.rejections.select("line", "code").iter_rows())
    assert rejected == [(6, "id_in_scientific_notation"), (7, "conflicting_duplicate")]
    # A customer's created date feeds no figure: a warning, whoever the row is.
    assert list(table.warnings.select("line", "code").iter_rows()) == [(5, "invalid_date")]


@pytest.mark.parametrize(
    ("header", "row"),
    [
        # A generic customers export.
        ("customer_id,name,email\n", ",Gast,g@example.com\n"),
        # Zoho's customers export.
        ("Customer ID,Display Name,EmailID\n", ",Gast,g@example.com\n"),
    ],
)
def test_a_customers_export_of_another_source_still_rejects_an_empty_id(tmp_path, header, row):
    customers = tmp_path / "customers.csv"
    customers.write_text(header + row.replace(",Gast", "C1,Anna", 1) + row, encoding="utf-8")
    table = reconcile.load(RESAVED, customers)[1]
    assert table.source != "stripe"
    assert (table.rows_read, table.rows_accepted, table.rows_rejected) == (2, 1, 1)
    assert table.guest_lines == ()
    assert list(table.rejections.select("line", "code").iter_rows()) == [(3, "missing_id")]


def test_a_stripe_subscription_without_a_customer_id_is_still_rejected(tmp_path):
    subscriptions = tmp_path / "subscriptions.csv"
    lines = RESAVED.read_text(encoding="utf-8").splitlines(keepends=True)
    subscriptions.write_text(
        "".join(lines[:2]) + lines[2].replace(",cus_QaB2002,", ",,"), encoding="utf-8"
    )
    table = reconcile.load(subscriptions)[0]
    assert table.source == "stripe"
    assert list(table.rejections.select("line", "code").iter_rows()) == [(3, "missing_id")]


def test_a_mapping_file_says_what_an_empty_customer_id_means(tmp_path):
    from reconcile.problems import ReconcileError
    from reconcile.sources import load_mapping_file

    inherited = tmp_path / "mine.toml"
    inherited.write_text('extends = "stripe"\n', encoding="utf-8")
    assert load_mapping_file(inherited).customers.guests_without_id
    own = tmp_path / "own.toml"
    own.write_text(
        '[customers]\nempty_id = "guest"\n[customers.columns]\ncustomer_id = ["Kunde"]\n',
        encoding="utf-8",
    )
    assert load_mapping_file(own).customers.guests_without_id
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[customers]\nempty_id = "skip"\n', encoding="utf-8")
    with pytest.raises(ReconcileError, match="empty_id must be one of reject, guest"):
        load_mapping_file(wrong)
    subscriptions = tmp_path / "subs.toml"
    subscriptions.write_text('[subscriptions]\nempty_id = "guest"\n', encoding="utf-8")
    with pytest.raises(ReconcileError, match="unknown keys empty_id"):
        load_mapping_file(subscriptions)
