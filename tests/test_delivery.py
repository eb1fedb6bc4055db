"""The .eml: settings precedence, the MIME structure, the words, the rejected-rows CSV.

Sending through a real SMTP server is tested in test_smtp.py. The Result here is built
by hand; its figures are chosen so every number in the expected texts is known.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile import delivery
from reconcile.cli import main
from reconcile.delivery import SmtpSettings, build_message, rejected_rows_csv, write_eml
from reconcile.findings import finding
from reconcile.problems import ReconcileError
from reconcile.result import (
    Rejection,
)
from tests.email_examples import (
    FINDINGS,
    FIXED_ID,
    REJECTIONS,
    make_result,
    message_for,
)


@pytest.fixture
def report_files(tmp_path: Path) -> list[Path]:
    html = tmp_path / "report.html"
    html.write_bytes("<!DOCTYPE html><p>Kündigungen: 1.234 – ok</p>\n".encode())
    markdown = tmp_path / "report.md"
    markdown.write_bytes("# Report\n\nÄrger: none\n".encode())
    return [html, markdown]


def parse(data: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(data)


# ---------------------------------------------------------------------------------------
# Settings


def test_no_host_anywhere_gives_no_smtp_settings():
    assert delivery.settings_from({}, {}, None) == (None, None, ())


def test_command_line_beats_environment_beats_config_file_key_by_key(tmp_path: Path):
    config = tmp_path / "reconcile.toml"
    config.write_text(
        "[email]\n"
        'host = "config.example.com"\nport = 2525\nuser = "config-user"\n'
        'from = "config@example.com"\nto = ["a@example.com", "b@example.com"]\n'
        "timeout = 5\n",
        encoding="utf-8",
    )
    options = {"smtp_host": "cli.example.com", "email_to": (), "smtp_port": None}
    environ = {"RECONCILE_SMTP_HOST": "env.example.com", "RECONCILE_SMTP_PORT": "2626"}

    smtp, sender, recipients = delivery.settings_from(options, environ, config)

    assert smtp == SmtpSettings(
        host="cli.example.com",
        port=2626,
        security="starttls",
        user="config-user",
        password_env="RECONCILE_SMTP_PASSWORD",
        timeout=5.0,
    )
    assert sender == "config@example.com"
    assert recipients == ("a@example.com", "b@example.com")


def test_recipients_from_a_higher_layer_replace_lower_ones_entirely():
    environ = {"RECONCILE_EMAIL_TO": 'x@example.com, "Doe, Jane" <jane@example.org>'}
    _, _, from_env = delivery.settings_from({}, environ, None)
    _, _, from_cli = delivery.settings_from({"email_to": ("c@example.com",)}, environ, None)
    assert from_env == ("x@example.com", '"Doe, Jane" <jane@example.org>')
    assert from_cli == ("c@example.com",)


@pytest.mark.parametrize(
    ("options", "security", "port"),
    [
        ({}, "starttls", 587),
        ({"smtp_security": "ssl"}, "ssl", 465),
        ({"smtp_security": "none"}, "none", 25),
        ({"smtp_ssl": True}, "ssl", 465),
        ({"smtp_starttls": True, "smtp_ssl": False}, "starttls", 587),
        ({"smtp_port": 465}, "ssl", 465),
        ({"smtp_port": 2525}, "starttls", 2525),
        ({"smtp_security": "NONE", "smtp_port": 1025}, "none", 1025),
    ],
)
def test_security_and_port_defaults(options: dict, security: str, port: int):
    smtp, _, _ = delivery.settings_from({"smtp_host": "mail.example.com", **options}, {}, None)
    assert (smtp.security, smtp.resolved_port) == (security, port)


def test_user_without_password_variable_reads_the_default_variable():
    smtp, _, _ = delivery.settings_from(
        {}, {"RECONCILE_SMTP_HOST": "h", "RECONCILE_SMTP_USER": "me"}, None
    )
    assert smtp.password_env == "RECONCILE_SMTP_PASSWORD"
    named, _, _ = delivery.settings_from(
        {"smtp_host": "h", "smtp_user": "me", "smtp_password_env": "MY_SECRET"}, {}, None
    )
    assert named.password_env == "MY_SECRET"
    anonymous, _, _ = delivery.settings_from({"smtp_host": "h"}, {}, None)
    assert anonymous.password_env is None


def test_the_password_itself_never_appears_in_the_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MY_SECRET", "hunter2-very-secret")
    smtp, _, _ = delivery.settings_from(
        {"smtp_host": "h", "smtp_user": "me", "smtp_password_env": "MY_SECRET"},
        {"MY_SECRET": "hunter2-very-secret"},
        None,
    )
    assert "hunter2" not in repr(smtp)
    assert "hunter2" not in str(vars(smtp))


def test_a_relative_cafile_in_the_config_file_is_relative_to_that_file(tmp_path: Path):
    folder = tmp_path / "conf"
    folder.mkdir()
    config = folder / "reconcile.toml"
    config.write_text('[email]\nhost = "h"\ncafile = "certs/ca.pem"\n', encoding="utf-8")
    smtp, _, _ = delivery.settings_from({}, {}, config)
    assert smtp.cafile == folder / "certs" / "ca.pem"
    from_cli, _, _ = delivery.settings_from({"smtp_cafile": Path("other.pem")}, {}, config)
    assert from_cli.cafile == Path("other.pem")


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[email]\nhost = "h"\npassword = "x"\n', "passwords are not read from a file"),
        ('[email]\nhots = "h"\n', "unknown key(s) in [email]: hots"),
        ("[email\nhost = 1\n", "is not valid TOML"),
        ('email = "h"\n', "'email' must be a table"),
        ('[email]\nhost = "h"\nport = "smtp"\n', "[email] port: 'smtp' is not a port number"),
        ('[email]\nhost = "h"\nsecurity = "tls"\n', "unknown SMTP security 'tls'"),
        ('[email]\nto = "not an address"\n', "is not an email address"),
        ('[email]\nhost = "h"\ntimeout = 0\n', "is not a timeout in seconds"),
    ],
)
def test_a_bad_config_file_is_refused_with_what_to_fix(tmp_path: Path, toml: str, expected: str):
    config = tmp_path / "reconcile.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ReconcileError) as raised:
        delivery.settings_from({}, {}, config)
    assert expected in str(raised.value)
    assert str(config) in str(raised.value)


def test_a_missing_config_file_is_an_error(tmp_path: Path):
    with pytest.raises(ReconcileError, match="not found"):
        delivery.settings_from({}, {}, tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("options", "environ", "expected"),
    [
        ({}, {"RECONCILE_SMTP_HOST": "h", "RECONCILE_SMTP_PORT": "abc"}, "RECONCILE_SMTP_PORT"),
        ({"smtp_host": "h", "smtp_port": 70000}, {}, "--smtp-port: 70000 is not a port"),
        ({"smtp_host": "h", "smtp_ssl": True, "smtp_starttls": True}, {}, "exclude each other"),
        ({"email_from": "a@example.com, b@example.com"}, {}, "exactly one sender"),
        ({"email_to": ("jane",)}, {}, "--email-to: 'jane' is not an email address"),
    ],
)
def test_bad_settings_name_where_they_came_from(options: dict, environ: dict, expected: str):
    with pytest.raises(ReconcileError, match=re.escape(expected)):
        delivery.settings_from(options, environ, None)


def test_default_config_file(tmp_path: Path):
    explicit = tmp_path / "mine.toml"
    assert delivery.default_config_file(explicit, cwd=tmp_path) == explicit
    assert delivery.default_config_file(None, cwd=tmp_path) is None
    (tmp_path / "reconcile.toml").write_text("[email]\n", encoding="utf-8")
    assert delivery.default_config_file(None, cwd=tmp_path) == tmp_path / "reconcile.toml"


# ---------------------------------------------------------------------------------------
# Rejected rows


def test_rejected_rows_csv_lists_every_rejection_in_file_order():
    expected = (
        "\ufeffFile,Line,Column,Value,Code,Reason\n"
        'customers.csv,12,Email,"müller,x@example.com",invalid_date,"bad, date"\n'
        'subscriptions.csv,3,Status,Livee,unknown_status,"unknown ""Livee"""\n'
        "subscriptions.csv,7,Subscription ID,,missing_id,no ID\n"
    )
    assert rejected_rows_csv(make_result()) == expected.encode("utf-8")


def test_rejected_rows_csv_speaks_the_reports_language_and_names_files_only():
    rejections = (
        Rejection(
            "/home/kim/exports/subscriptions.csv", 3, "Status", "=1+1", "unknown_status", "x"
        ),
    )
    result = replace(make_result(rejections=()), rejections=rejections)
    data = rejected_rows_csv(result, "de").decode("utf-8-sig")
    assert data.splitlines() == [
        "Datei,Zeile,Spalte,Wert,Code,Grund",
        # The German reason of the code; the value that a spreadsheet would run, quoted.
        "subscriptions.csv,3,Status,'=1+1,unknown_status,"
        "Der Status ist im Abrechnungssystem unbekannt",
    ]


cell_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["subscriptions.csv", "customers.csv"]),
            st.integers(min_value=2, max_value=10**6),
            cell_text,
            st.none() | cell_text,
            cell_text,
        ),
        min_size=1,
        max_size=8,
    )
)
def test_rejected_rows_csv_reads_back_exactly(rows):
    """Whatever a cell holds (commas, quotes, line breaks), Python's csv module reads back
    the same values in file order; a missing value reads back as empty text, and a value
    a spreadsheet would run as a formula has a single quote in front (issue 10)."""
    rejections = tuple(
        Rejection(file, line, column, value, "invalid_date", message)
        for file, line, column, value, message in rows
    )
    data = rejected_rows_csv(make_result(rejections=rejections))
    header, *records = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert header == ["File", "Line", "Column", "Value", "Code", "Reason"]
    in_file_order = sorted(rejections, key=lambda r: (r.file, r.line))

    def cell(text: str) -> str:  # a cell a spreadsheet would run as a formula is quoted
        return "'" + text if text[:1] and text[0] in "=+-@\t\r" else text

    assert records == [
        [r.file, str(r.line), cell(r.column), cell(r.value or ""), r.code, cell(r.message)]
        for r in in_file_order
    ]


def test_no_rejections_no_csv():
    assert rejected_rows_csv(make_result(rejections=())) is None


# ---------------------------------------------------------------------------------------
# The message


def test_headers_of_the_message(report_files: list[Path]):
    message = message_for(make_result(), report_files[:1])
    assert message["Subject"] == (
        "Customer reconciliation: 987 active customers, 1,234 active subscriptions "
        "(as of 30 Jun 2024)"
    )
    assert message["From"] == "Reports <reports@example.com>"
    assert message["To"] == 'ceo@example.com, "Doe, Jane" <jane@example.org>'
    assert message["Date"] == "Mon, 01 Jul 2024 08:30:00 +0200"
    assert message["Message-ID"] == FIXED_ID
    assert message["X-Unsent"] == "1"
    assert message["Content-Language"] == "en"


def test_subject_in_german_and_singular(report_files: list[Path]):
    german = message_for(make_result(), report_files[:1], lang="de")
    assert german["Subject"] == (
        "Kundenabgleich: 987 aktive Kunden, 1.234 aktive Abonnements (Stichtag 30.06.2024)"
    )
    single = make_result(subscriptions_active=1, customers_active=1, findings=())
    assert message_for(single, report_files[:1])["Subject"] == (
        "Customer reconciliation: 1 active customer, 1 active subscription (as of 30 Jun 2024)"
    )
    assert message_for(single, report_files[:1], lang="de")["Subject"] == (
        "Kundenabgleich: 1 aktiver Kunde, 1 aktives Abonnement (Stichtag 30.06.2024)"
    )
    two = make_result(subscriptions_active=2, customers_active=2, findings=())
    assert message_for(two, report_files[:1], lang="de")["Subject"] == (
        "Kundenabgleich: 2 aktive Kunden, 2 aktive Abonnements (Stichtag 30.06.2024)"
    )


def test_the_written_eml_parses_back_into_every_part(tmp_path: Path, report_files: list[Path]):
    result = make_result()
    eml = write_eml(message_for(result, report_files), tmp_path / "out" / "report.eml")
    raw = eml.read_bytes()
    parsed = parse(raw)

    assert parsed.get_content_type() == "multipart/mixed"
    assert [part.get_content_type() for part in parsed.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/html",
        "text/markdown",
        "text/csv",
    ]
    body_text = parsed.get_body(preferencelist=("plain",))
    body_html = parsed.get_body(preferencelist=("html",))
    assert body_text.get_content_charset() == "utf-8"
    assert "987" in body_text.get_content() and "987" in body_html.get_content()
    attachments = list(parsed.iter_attachments())
    assert [(part.get_filename(), part.get_content_type()) for part in attachments] == [
        ("report.html", "text/html"),
        ("report.md", "text/markdown"),
        ("rejected-rows.csv", "text/csv"),
    ]
    assert [part.get_payload(decode=True) for part in attachments] == [
        report_files[0].read_bytes(),
        report_files[1].read_bytes(),
        rejected_rows_csv(result),
    ]
    assert all(part.get_content_disposition() == "attachment" for part in attachments)
    assert parsed["X-Unsent"] == "1"
    assert parsed["Date"] == "Mon, 01 Jul 2024 08:30:00 +0200"
    # A standard .eml: CRLF line ends and 7-bit clean, so any mail program takes it.
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert raw.isascii()
    assert raw.count(b"MIME-Version:") == 1


def test_json_attachment_and_a_non_ascii_file_name(tmp_path: Path):
    report = tmp_path / "Bericht März.json"
    report.write_bytes(b'{"a": 1}\n')
    message = message_for(make_result(rejections=()), [report])
    parsed = parse(write_eml(message, tmp_path / "m.eml").read_bytes())
    (attachment,) = parsed.iter_attachments()
    assert attachment.get_filename() == "Bericht März.json"
    assert attachment.get_content_type() == "application/json"
    assert attachment.get_payload(decode=True) == b'{"a": 1}\n'


def test_the_same_inputs_give_the_same_bytes(tmp_path: Path, report_files: list[Path]):
    first = write_eml(message_for(make_result(), report_files), tmp_path / "a.eml")
    second = write_eml(message_for(make_result(), report_files), tmp_path / "b.eml")
    assert first.read_bytes() == second.read_bytes()


def test_without_fixed_date_and_id_the_message_gets_fresh_ones(report_files: list[Path]):
    message = build_message(
        make_result(),
        attachments=report_files[:1],
        rejected_rows_csv=None,
        lang="en",
        sender="reports@example.com",
        recipients=[],
        date=datetime(2024, 7, 1, 6, 30),  # naive: taken as UTC
    )
    assert message["Date"] == "Mon, 01 Jul 2024 06:30:00 +0000"
    assert re.fullmatch(r"<[^<>@]+@example\.com>", message["Message-ID"])
    assert message["To"] is None
    fresh = build_message(
        make_result(),
        attachments=[],
        rejected_rows_csv=None,
        lang="en",
        sender=None,
        recipients=[],
    )
    sent = datetime.strptime(fresh["Date"], "%a, %d %b %Y %H:%M:%S %z")
    assert abs(sent - datetime.now(UTC)) < timedelta(minutes=1)
    assert fresh["Message-ID"].endswith("@reconcile.invalid>")
    assert fresh["From"] is None


# The rows_not_counted line that "What stands out" folds FINDINGS' two findings of
# subscriptions.csv into (2 rows rejected, 1 exact duplicate removed), worked out by hand.
SUBSCRIPTIONS_LINE = (
    "2 rows of subscriptions.csv could not be counted: 2 unknown statuses. "
    "1 exact duplicate row was removed. See Data quality."
)


def test_plain_text_body(report_files: list[Path]):
    message = message_for(make_result(), report_files[:1])
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert text == (
        "Customers and subscriptions on 30 Jun 2024\n"
        "\n"
        "Active customers: 987\n"
        "Active subscriptions: 1,234\n"
        "\n"
        'Zoho Billing\'s "Active Customers" shows 1,234, but only 987 customers hold them. '
        "Of these, 247 are extra subscriptions of customers who hold more than one.\n"
        "\n"
        "What stands out\n"
        f"- {SUBSCRIPTIONS_LINE}\n"  # rejected rows are an error: first
        f"- {FINDINGS[2].message}\n"  # a warning
        f"- {FINDINGS[4].message}\n"  # a note
        "\n"
        "The full report is attached as report.html: open it in a web browser.\n"
        "The 3 rejected rows are in rejected-rows.csv.\n"
    )


# Seven lines of "What stands out", so that one is cut: an error, two warnings and four
# notes, each of them in the singular.
SEVEN = (
    finding("rows_rejected", 1, file="subscriptions.csv", code="missing_id", reason="no ID"),
    FINDINGS[2],
    finding("never_active", 1),
    finding("mixed_currencies", 2, currencies="EUR 3, CHF 1"),
    FINDINGS[4],
    finding("duplicate_rows_removed", 1, file="customers.csv"),
    finding("repeated_header", 1, file="customers.csv", line=40),
)


def test_plain_text_body_in_the_singular_in_both_languages(report_files: list[Path]):
    # One customer holding both subscriptions, one finding beyond the six shown, one
    # rejected row: every sentence of the body in its singular.
    result = make_result(
        subscriptions_active=2, customers_active=1, findings=SEVEN, rejections=REJECTIONS[:1]
    )
    english = message_for(result, report_files[:1]).get_body(preferencelist=("plain",))
    assert english.get_content() == (
        "Customers and subscriptions on 30 Jun 2024\n"
        "\n"
        "Active customers: 1\n"
        "Active subscriptions: 2\n"
        "\n"
        'Zoho Billing\'s "Active Customers" shows 2, but only one customer holds them. Of '
        "these, one is an extra subscription of a customer who holds more than one.\n"
        "\n"
        "What stands out\n"
        "- 1 row of subscriptions.csv could not be counted: 1 missing ID. See Data quality.\n"
        f"- {FINDINGS[2].message}\n"
        "- Active subscriptions are in 2 currencies (EUR 3, CHF 1); amounts in different "
        "currencies are never added up.\n"
        "- 1 subscription ended without ever paying (its trial expired, or it was never "
        "created). It counts as ended and is left out of the history.\n"
        f"- {FINDINGS[4].message}\n"
        "- Every row of customers.csv could be counted. 1 exact duplicate row was removed. "
        "See Data quality.\n"
        "\n"
        "The attached report has 1 more finding.\n"
        "\n"
        "The full report is attached as report.html: open it in a web browser.\n"
        "The rejected row is in rejected-rows.csv.\n"
    )
    german = message_for(result, report_files[:1], lang="de").get_body(preferencelist=("plain",))
    text = german.get_content()
    assert (
        "„Aktive Kunden“ in Zoho Billing zeigt 2, doch diese gehören nur einem Kunden. "
        "Eines davon ist ein "
        "zusätzliches Abonnement eines Kunden mit mehr als einem.\n"
    ) in text
    assert "Der angehängte Bericht enthält 1 weitere Auffälligkeit.\n" in text
    assert text.endswith("Die abgelehnte Zeile steht in rejected-rows.csv.\n")


def test_german_explanation_in_the_plural(report_files: list[Path]):
    text = message_for(make_result(), report_files[:1], lang="de").get_body(
        preferencelist=("plain",)
    )
    assert (
        "„Aktive Kunden“ in Zoho Billing zeigt 1.234, doch diese gehören nur 987 Kunden. "
        "Davon sind 247 "
        "zusätzliche Abonnements von Kunden mit mehr als einem.\n"
    ) in text.get_content()


def test_plain_text_body_when_the_figures_agree(report_files: list[Path]):
    result = make_result(subscriptions_active=5, customers_active=5, findings=(), rejections=())
    message = build_message(
        result,
        attachments=report_files[:1],
        rejected_rows_csv=None,
        lang="en",
        sender=None,
        recipients=[],
    )
    assert message.get_body(preferencelist=("plain",)).get_content() == (
        "Customers and subscriptions on 30 Jun 2024\n"
        "\n"
        "Active customers: 5\n"
        "Active subscriptions: 5\n"
        "\n"
        "The full report is attached as report.html: open it in a web browser.\n"
    )


def test_plain_text_body_with_rejected_rows_but_no_report_attached():
    result = make_result(subscriptions_active=5, customers_active=5, findings=())
    message = message_for(result, [])
    assert message.get_body(preferencelist=("plain",)).get_content() == (
        "Customers and subscriptions on 30 Jun 2024\n"
        "\n"
        "Active customers: 5\n"
        "Active subscriptions: 5\n"
        "\n"
        "The 3 rejected rows are in rejected-rows.csv.\n"
    )
    assert [part.get_filename() for part in message.iter_attachments()] == ["rejected-rows.csv"]


def test_the_body_says_what_stands_out_in_the_report_by_the_same_selection(tmp_path: Path):
    # The Zoho sample: the email's findings are the report's "What stands out", line for
    # line and in the same order, in both languages, and its count of the rest is the
    # report's. (Advice to whoever runs reconcile is left out of the email only.)
    for lang in ("en", "de"):
        report = tmp_path / f"report.{lang}.html"
        eml = tmp_path / f"report.{lang}.eml"
        outcome = CliRunner().invoke(
            main,
            [
                "report",
                str(ZOHO_SAMPLE),
                "--as-of",
                "2026-11-15",
                "--lang",
                lang,
                "-o",
                str(report),
                "--eml",
                str(eml),
                "--quiet",
            ],
        )
        assert outcome.exit_code == 0, outcome.output
        page = BeautifulSoup(report.read_text(encoding="utf-8"), "html.parser")
        heading = page.find("h2", string=STANDS_OUT[lang])
        rows = heading.find_next("table").find_all("tr")
        in_report = [" ".join(row.find_all("td")[1].get_text().split()) for row in rows[:-1]]
        more_in_report = " ".join(rows[-1].get_text().split())
        body = parse(eml.read_bytes()).get_body(preferencelist=("plain",)).get_content()
        body = body.replace("\r\n", "\n")  # an .eml has CRLF line ends
        lines = body.split(STANDS_OUT[lang] + "\n", 1)[1].split("\n\n", 1)[0].splitlines()
        in_email = [line.removeprefix("- ") for line in lines]
        assert len(in_email) == 6
        assert [_without_advice(line) for line in in_report] == in_email
        # The report: "3 more findings in Data quality"; the email: "3 more findings".
        assert more_in_report.split()[0] == "3"
        assert MORE_IN_EMAIL[lang] in body


STANDS_OUT = {"en": "What stands out", "de": "Auffälligkeiten"}
MORE_IN_EMAIL = {
    "en": "The attached report has 3 more findings.",
    "de": "Der angehängte Bericht enthält 3 weitere Auffälligkeiten.",
}
ZOHO_SAMPLE = Path(__file__).resolve().parent.parent / "sample_exports" / "zoho"
ADVICE = {
    "Export the file again and do not open and save it in a spreadsheet before running reconcile.",
    "Exportieren Sie die Datei erneut und öffnen und speichern Sie sie nicht in einer "
    "Tabellenkalkulation, bevor Sie reconcile ausführen.",
}


def _without_advice(line: str) -> str:
    for sentence in ADVICE:
        line = line.replace(" " + sentence, "")
    return line


def test_html_body_is_email_safe_and_says_the_same(report_files: list[Path]):
    message = message_for(make_result(), report_files[:1])
    html = message.get_body(preferencelist=("html",)).get_content()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find_all(["script", "style", "link", "img", "iframe", "form", "object"]) == []
    assert not re.search(r"(src|href|url)\s*[=(]", html, re.IGNORECASE)
    assert soup.html["lang"] == "en"
    assert soup.title.string == message["Subject"]
    assert soup.find("table") is not None
    words = " ".join(soup.get_text().split())
    assert "Active customers 987" in words
    assert "Active subscriptions 1,234" in words
    for text in (SUBSCRIPTIONS_LINE, FINDINGS[2].message, FINDINGS[4].message):
        assert " ".join(text.split()) in words
    # The lines folded into the first, and the ones restating the answer, are not.
    for item in (FINDINGS[0], FINDINGS[1], FINDINGS[3], FINDINGS[5]):
        assert item.message not in words
    assert [span.get_text() for span in soup.find_all("span")] == ["Error", "Warning", "Note"]
    assert "The 3 rejected rows are in rejected-rows.csv." in words


def test_html_body_escapes_what_comes_from_the_data(tmp_path: Path):
    # A file name (no slash: a path is shown by its file name only) with markup in it.
    hostile = finding("rows_rejected", 1, file="<img src=x onerror=alert(1)>.csv", reason="x")
    result = make_result(findings=(hostile,), rejections=())
    message = message_for(result, [])
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in html


def test_german_bodies(report_files: list[Path]):
    message = message_for(make_result(), report_files[:1], lang="de")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith(
        "Kunden und Abonnements am 30.06.2024\n\nAktive Kunden: 987\nAktive Abonnements: 1.234\n"
    )
    assert "Auffälligkeiten\n" in text
    # The findings in German too, their numbers in German format.
    assert "- 2 Zeilen in subscriptions.csv konnten nicht gezählt werden" in text
    assert "Der vollständige Bericht ist als report.html angehängt" in text
    assert "Die 3 abgelehnten Zeilen stehen in rejected-rows.csv." in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert BeautifulSoup(html, "html.parser").html["lang"] == "de"
    assert message["Content-Language"] == "de"


def test_a_missing_attachment_is_an_error(tmp_path: Path):
    with pytest.raises(ReconcileError, match=re.escape(str(tmp_path / "gone.html"))):
        message_for(make_result(), [tmp_path / "gone.html"])


def test_write_eml_replaces_an_old_file_and_reports_an_unwritable_place(
    tmp_path: Path, report_files: list[Path]
):
    target = tmp_path / "report.eml"
    target.write_bytes(b"old")
    message = message_for(make_result(), report_files[:1])
    assert write_eml(message, target) == target
    assert target.read_bytes() == message.as_bytes(policy=policy.SMTP)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.eml", "report.html", "report.md"]
    with pytest.raises(ReconcileError, match=r"cannot write .*report\.eml: .*a file stands where"):
        write_eml(message, report_files[0] / "report.eml")  # a file is no folder


def test_eml_path_next_to_the_first_report():
    assert delivery.eml_path_for(Path("out/report.html")) == Path("out/report.eml")


def test_the_body_gives_the_recipient_no_advice_on_exporting_files():
    damaged = finding("ids_damaged_by_spreadsheet", 1, file="s.csv", example="4.6E+15")
    message = message_for(make_result(findings=(damaged,), rejections=()), [])
    for kind in ("plain", "html"):
        body = message.get_body(preferencelist=(kind,)).get_content()
        assert "1 row of s.csv has an ID in scientific notation" in body
        assert "Export the file again" not in body


def test_deliver_writes_the_eml_without_recipients(tmp_path: Path, report_files: list[Path]):
    done = delivery.deliver(
        make_result(),
        report_files,
        lang="en",
        eml_path=tmp_path / "report.eml",
        smtp=None,
        sender=None,
        recipients=(),
    )
    assert done == delivery.Delivered(tmp_path / "report.eml")
    written = parse((tmp_path / "report.eml").read_bytes())
    names = [part.get_filename() for part in written.iter_attachments()]
    assert names[:2] == ["report.html", "report.md"]


def test_deliver_needs_a_server_for_recipients(tmp_path: Path, report_files: list[Path]):
    with pytest.raises(ReconcileError, match="--email-to needs an SMTP server"):
        delivery.deliver(
            make_result(),
            report_files,
            lang="en",
            eml_path=tmp_path / "report.eml",
            smtp=None,
            sender="a@example.com",
            recipients=("b@example.com",),
        )
    assert not (tmp_path / "report.eml").exists()
