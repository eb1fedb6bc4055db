"""The mail helpers the CLI used to hold, now in reconcile.delivery (a thin CLI over a
library): which formats --attach attaches, the settings of a run that mails, and the
message of the files a run wrote, a format not written rendered in memory."""

from __future__ import annotations

from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner

import reconcile
from reconcile import delivery
from reconcile.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "billing" / "subscriptions.csv"
AS_OF = date(2026, 3, 15)


@pytest.fixture(scope="module")
def result():
    return reconcile.reconcile(FIXTURE, as_of=AS_OF)


def attachment_names(eml: Path) -> list[str]:
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    return [part.get_filename() for part in message.iter_attachments()]


def test_the_html_is_always_attached_and_the_rest_as_asked():
    assert delivery.attached_formats("") == {"html"}
    assert delivery.attached_formats(" md , json,xlsx ") == {"html", "md", "json", "xlsx"}
    with pytest.raises(delivery.MailOptionError, match="cannot attach csv, pdf"):
        delivery.attached_formats("pdf,csv")


def test_recipients_need_a_server(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./reconcile.toml
    with pytest.raises(delivery.MailOptionError, match="--email-to needs an SMTP server"):
        delivery.mail_settings({"email_to": "a@example.com"}, {}, None)
    smtp, sender, recipients = delivery.mail_settings(
        {"email_to": "a@example.com"}, {"RECONCILE_SMTP_HOST": "mail.example.com"}, None
    )
    assert (smtp.host, sender, recipients) == ("mail.example.com", None, ("a@example.com",))


def test_a_format_not_written_is_rendered_in_memory(tmp_path, result):
    html = tmp_path / "r.html"
    html.write_text("<p>written</p>", "utf-8")
    done = delivery.deliver_written(
        result,
        [("html", html)],
        lang="en",
        eml=None,
        attach="md,json",
        smtp=None,
        sender=None,
        recipients=(),
    )
    assert done.eml_path == tmp_path / "r.eml"
    assert attachment_names(done.eml_path) == ["r.html", "r.md", "r.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.eml", "r.html"]


def test_the_cli_mails_what_the_library_builds(tmp_path, result):
    out = tmp_path / "cli"
    out.mkdir()
    code = CliRunner().invoke(
        main,
        [
            "report",
            str(FIXTURE),
            "--as-of",
            AS_OF.isoformat(),
            "-o",
            str(out / "r.html"),
            "--eml",
            str(out / "mail.eml"),
            "--attach",
            "json",
        ],
    )
    assert code.exit_code == 0, code.output
    assert attachment_names(out / "mail.eml") == ["r.html", "mail.json"]
    assert sorted(p.name for p in out.iterdir()) == ["mail.eml", "r.html"]
