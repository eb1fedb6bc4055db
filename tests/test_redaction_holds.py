"""--redact holds in every output (issue 10, point 7; issue 9, item 12): every name,
company and email of either export is listed here, and every output of a run (HTML,
Markdown, JSON, the row trace, the .eml with its attachments) is searched for each, and
for the folder the exports were in.

The exports are invented; every person and company in them is listed in PEOPLE.
"""

from __future__ import annotations

import email
import json
from email import policy
from pathlib import Path

from click.testing import CliRunner

from reconcile.cli import main

PEOPLE = [
    "Jürgen Müller",
    "juergen.mueller@example.com",
    "Müller Feinmechanik GmbH",
    "Zoë Brandt",
    "zoe@brandt.example",
    "Brandt & Söhne KG",
    "Ana Peña",
    "ana.pena@example.org",
    "Omar Haddad",
    "omar@haddad.example",
    "Haddad Logistik",
    "Lena Koch",
    "lena.koch@example.net",
]
SECRET_FOLDER = "exports-of-acme-confidential"

SUBSCRIPTIONS = (
    "subscription_id,customer_id,customer_name,customer_email,product,plan,status,start_date\n"
    # An ID that is an email (WooCommerce guests, Stripe by email), on two rows.
    "S1,juergen.mueller@example.com,Jürgen Müller,juergen.mueller@example.com,Wartung,"
    "Basic,active,2024-01-10\n"
    "S2,juergen.mueller@example.com,Jürgen Müller,juergen.mueller@example.com,Support,"
    "Basic,active,2024-02-01\n"
    # A plan named after a customer.
    "S3,C2,Zoë Brandt,zoe@brandt.example,Wartung,Sondertarif Zoë Brandt,active,2024-01-05\n"
    # A name in a date column: a rejected cell.
    "S4,C3,Ana Peña,ana.pena@example.org,Wartung,Basic,active,Ana Peña\n"
    # An email in a date column of a row with another customer.
    "S5,C4,Omar Haddad,omar@haddad.example,Wartung,Basic,active,omar@haddad.example\n"
    # Two customers with one email: a probable duplicate group.
    "S6,C5,Lena Koch,lena.koch@example.net,Support,Basic,active,2024-03-01\n"
    "S7,C6,Lena Koch,LENA.KOCH@example.net,Support,Basic,active,2024-03-02\n"
)
CUSTOMERS = (
    "customer_id,name,company,email\n"
    "juergen.mueller@example.com,Jürgen Müller,Müller Feinmechanik GmbH,"
    "juergen.mueller@example.com\n"
    "C2,Zoë Brandt,Brandt & Söhne KG,zoe@brandt.example\n"
    "C3,Ana Peña,,ana.pena@example.org\n"
    "C4,Omar Haddad,Haddad Logistik,omar@haddad.example\n"
    "C5,Lena Koch,,lena.koch@example.net\n"
    "C6,Lena Koch,,lena.koch@example.net\n"
    # A customer without subscriptions: listed by name in the report.
    "C9,Zoë Brandt,Brandt & Söhne KG,zoe@brandt.example\n"
)


def eml_text(path: Path) -> str:
    """Every part of the message, decoded: headers, bodies and attachments."""
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    parts = [str(message["Subject"]), str(message.get("To", ""))]
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        parts.append(payload.decode("utf-8-sig", errors="replace"))
    return "\n".join(parts)


def test_no_name_company_email_or_folder_survives_redaction(tmp_path):
    folder = tmp_path / SECRET_FOLDER
    folder.mkdir()
    (folder / "subscriptions.csv").write_text(SUBSCRIPTIONS, encoding="utf-8")
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    out = tmp_path / "out"
    outputs = [out / name for name in ("r.html", "r.md", "r.json", "rows.csv")]
    args = ["report", str(folder / "subscriptions.csv"), "--customers"]
    args += [str(folder / "customers.csv"), "--as-of", "2024-06-30", "--redact"]
    args += [arg for path in outputs for arg in ("-o", str(path))]
    args += ["--eml", str(out / "r.eml"), "--attach", "md,json", "--lang", "de"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output

    texts = {path.name: path.read_text("utf-8-sig") for path in outputs}
    texts["r.eml"] = eml_text(out / "r.eml")
    for name, text in texts.items():
        lowered = text.lower()
        leaks = [item for item in [*PEOPLE, SECRET_FOLDER] if item.lower() in lowered]
        assert leaks == [], name

    # What is left is still a report: the people are there under their pseudonyms.
    report = json.loads(texts["r.json"])
    assert report["totals"]["subscriptions_active"] == 5
    assert "@redacted.invalid,Wartung" in texts["rows.csv"]  # S1: an ID that was an email
    assert "Customer 0" in texts["r.md"]
    assert report["inputs"]["subscriptions"]["file"] == "subscriptions.csv"


def test_without_redact_the_same_outputs_hold_the_people(tmp_path):
    # The search above can fail: without --redact the names are there to be found.
    (tmp_path / "subscriptions.csv").write_text(SUBSCRIPTIONS, encoding="utf-8")
    out = tmp_path / "rows.csv"
    result = CliRunner().invoke(
        main, ["report", str(tmp_path / "subscriptions.csv"), "--as-of", "2024-06-30",
               "-o", str(out), "-o", str(tmp_path / "r.json")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "juergen.mueller@example.com" in out.read_text("utf-8-sig")
    assert "Ana Peña" in (tmp_path / "r.json").read_text("utf-8")
