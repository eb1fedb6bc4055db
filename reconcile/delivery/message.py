"""The message: the report as a ready-to-send MIME message (.eml), with the report files
attached and a short body in the report's language; the rejected rows as a CSV."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

import polars as pl

from reconcile.codes import N_
from reconcile.csv_output import csv_bytes
from reconcile.filesystem import write_all
from reconcile.i18n import translations
from reconcile.problems import ROW_ERROR_SCHEMA, ReconcileError
from reconcile.redaction import file_name
from reconcile.rendering import environment, figure_naming, finding_text, rejection_reason
from reconcile.result import Result
from reconcile.standout import stand_out

REJECTED_ROWS_FILENAME = "rejected-rows.csv"
_CONTENT_TYPES = {
    ".html": ("text", "html"),
    ".htm": ("text", "html"),
    ".md": ("text", "markdown"),
    ".json": ("application", "json"),
    ".csv": ("text", "csv"),
    ".txt": ("text", "plain"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def build_message(
    result: Result,
    *,
    attachments: Sequence[Path | tuple[str, bytes]],
    rejected_rows_csv: bytes | None,
    lang: str,
    sender: str | None,
    recipients: Sequence[str],
    date: datetime | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """The report as a MIME message: subject with the headline figures and as-of date,
    a short plain-text body with an HTML alternative, the given files attached byte for
    byte, then the rejected rows as CSV when there are any. Marked `X-Unsent: 1` so mail
    programs open the saved .eml as a draft; `send` removes the mark.

    A naive `date` is taken as UTC. Fix `date` and `message_id` for a reproducible file.
    """
    named = [_named(attachment) for attachment in attachments]
    context = _template_context(
        result,
        lang,
        report_file=named[0][0] if named else None,
        rejected_rows_file=REJECTED_ROWS_FILENAME if rejected_rows_csv is not None else None,
    )

    message = EmailMessage(policy=policy.SMTP)
    subject = _render_subject(context, lang)
    context["subject"] = subject
    message["Subject"] = subject
    if sender:
        message["From"] = sender
    if recipients:
        message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(_aware(date or datetime.now(UTC).astimezone()))
    message["Message-ID"] = _message_id(message_id, sender)
    message["X-Unsent"] = "1"
    # quoted-printable keeps every line 7-bit, so no relay needs 8BITMIME.
    message.set_content(
        _render_body("body.txt.j2", context, lang, autoescape=False),
        cte="quoted-printable",
    )
    message.add_alternative(
        _render_body("body.html.j2", context, lang, autoescape=True),
        subtype="html",
        cte="quoted-printable",
    )
    for name, data in named:
        _attach(message, data, name)
    if rejected_rows_csv is not None:
        _attach(message, rejected_rows_csv, REJECTED_ROWS_FILENAME)
    # Last: set_content and add_attachment move or drop earlier Content-* headers.
    message["Content-Language"] = lang
    _tidy_parts(message)
    return message


def _tidy_parts(message: EmailMessage) -> None:
    """Boundaries derived from the Message-ID instead of random ones, so a fixed date and
    id give the same bytes every time ("=_" occurs in neither base64 nor quoted-printable
    text, so no content can contain a boundary line); and no MIME-Version header on the
    parts, where the email package leaves one but only the message's own counts."""
    digest = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:24]
    multiparts = (part for part in message.walk() if part.is_multipart())
    for depth, part in enumerate(multiparts):
        part.set_boundary(f"=_reconcile_{digest}_{depth}")
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]


def _named(attachment: Path | tuple[str, bytes]) -> tuple[str, bytes]:
    """(file name, content) of an attachment given as such, or as a file to read."""
    if isinstance(attachment, tuple):
        return attachment
    return attachment.name, _read_attachment(attachment)


def _read_attachment(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ReconcileError(f"cannot attach {path}: {error.strerror or error}") from None


def _attach(message: EmailMessage, data: bytes, filename: str) -> None:
    maintype, subtype = _CONTENT_TYPES.get(
        Path(filename).suffix.lower(), ("application", "octet-stream")
    )
    # The report files are written as UTF-8; say so, or mail programs guess.
    params = {"charset": "utf-8"} if maintype == "text" else None
    message.add_attachment(
        data, maintype=maintype, subtype=subtype, filename=filename, params=params
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _message_id(message_id: str | None, sender: str | None) -> str:
    if message_id:
        return message_id if message_id.startswith("<") else f"<{message_id.strip('<>')}>"
    # The sender's domain keeps the id unique to this mail system without the DNS
    # look-up make_msgid would do for the local host name.
    domain = parseaddr(sender or "")[1].rpartition("@")[2] or "reconcile.invalid"
    return make_msgid(domain=domain)


def _template_context(
    result: Result, lang: str, *, report_file: str | None, rejected_rows_file: str | None
) -> dict[str, object]:
    """What the email templates get: the Result and the few figures and texts they
    cannot work out themselves (the findings chosen and translated, file names)."""
    inputs = [result.inputs.subscriptions, result.inputs.customers]
    # The report's "What stands out", chosen by the same code: the recipient reads the
    # same conclusions in the body as at the top of the attached report.
    standing_out = stand_out(result)
    return {
        "result": result,
        "totals": result.totals,
        "extra_subscriptions": result.totals.extra_subscriptions,
        "findings": [
            # Advice on re-exporting is for whoever runs reconcile (on stderr), not here.
            {"severity": finding.severity, "text": finding_text(finding, lang, advice=False)}
            for finding in standing_out.findings
        ],
        "more_findings": standing_out.more,
        "lang": lang,
        "naming": figure_naming(result, lang),
        "rows_rejected": sum(summary.rows_rejected for summary in inputs if summary),
        "report_file": report_file,
        "rejected_rows_file": rejected_rows_file,
    }


def _render_subject(context: Mapping[str, object], lang: str) -> str:
    text = _render_body("subject.txt.j2", context, lang, autoescape=False)
    # A header is one line: the template may wrap for readability.
    return " ".join(text.split())


def _render_body(name: str, context: Mapping[str, object], lang: str, *, autoescape: bool) -> str:
    template = environment(lang, autoescape=autoescape).get_template(f"email/{name}")
    return template.render(**context).strip() + "\n"


def eml_bytes(message: EmailMessage) -> bytes:
    """The message as a standard .eml file holds it (CRLF line ends)."""
    return message.as_bytes(policy=policy.SMTP)


def write_eml(message: EmailMessage, path: Path) -> Path:
    """Write the message as a standard .eml, creating its folder, and return the path.

    Written to a temporary file first and renamed (filesystem.write_all), so an existing
    .eml is never left half-overwritten."""
    path = Path(path)
    write_all({path: eml_bytes(message)})
    return path


def eml_path_for(report_file: Path) -> Path:
    """Where the .eml goes when the user named none: next to the first report file."""
    return report_file.with_suffix(".eml")


# The columns of the rejected-rows CSV: its headers are msgids, in the report's language.
REJECTED_ROWS_HEADERS = {
    "file": N_("File"),
    "line": N_("Line"),
    "column": N_("Column"),
    "value": N_("Value"),
    "code": N_("Code"),
    "message": N_("Reason"),
}


def rejected_rows_csv(result: Result, lang: str = "en") -> bytes | None:
    """The rejections as UTF-8 CSV (file, line, column, value, code, reason) in file
    order, headers and reasons in `lang`, files by name (never a folder: it is mailed),
    with a byte-order mark so spreadsheet programs read accents right and no cell that a
    spreadsheet would run as a formula; None when no row was rejected."""
    if not result.rejections:
        return None
    rejections = result.rejections
    columns = {
        name: [getattr(rejection, name) for rejection in rejections] for name in ROW_ERROR_SCHEMA
    }
    columns["file"] = [file_name(rejection.file) for rejection in rejections]
    columns["message"] = [rejection_reason(rejection, lang) for rejection in rejections]
    frame = pl.DataFrame(columns, schema=ROW_ERROR_SCHEMA).sort("file", "line", maintain_order=True)
    gettext = translations(lang).gettext
    headers = {name: gettext(REJECTED_ROWS_HEADERS[name]) for name in frame.columns}
    return csv_bytes(frame.rename(headers))
