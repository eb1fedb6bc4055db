"""Delivering a written report: the message built from the report files, then written as
an .eml or sent. The CLI's `--eml`, `--attach` and `--email-to` end here; nothing is
printed, the outcome is returned for the caller to tell."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from reconcile.delivery.message import build_message, eml_path_for, rejected_rows_csv, write_eml
from reconcile.delivery.settings import NO_SERVER, MailOptionError, SmtpSettings
from reconcile.delivery.smtp import send
from reconcile.problems import ReconcileError
from reconcile.result import Result


@dataclass(frozen=True)
class Delivered:
    """Where the .eml is, and to whom it went through which server (none: only written)."""

    eml_path: Path
    recipients: tuple[str, ...] = ()
    host: str | None = None


def deliver(
    result: Result,
    attachments: Sequence[Path | tuple[str, bytes]],
    *,
    lang: str,
    eml_path: Path,
    smtp: SmtpSettings | None,
    sender: str | None,
    recipients: Sequence[str],
) -> Delivered:
    """The message with `attachments` (files, or a name and bytes rendered in memory; and
    the rejected rows), written to `eml_path`, and
    sent when there are recipients. The report files are already on disk, and `send`
    saves the .eml before the first byte goes out: a failed send loses nothing."""
    message = build_message(
        result,
        attachments=attachments,
        rejected_rows_csv=rejected_rows_csv(result, lang),
        lang=lang,
        sender=sender,
        recipients=recipients,
    )
    if not recipients:
        write_eml(message, eml_path)
        return Delivered(eml_path)
    if smtp is None:
        raise ReconcileError(NO_SERVER)
    send(message, smtp, eml_path=eml_path)
    return Delivered(eml_path, tuple(recipients), smtp.host)


# The report formats a message can carry, in the order they are attached.
ATTACHABLE = ("html", "md", "json", "xlsx")


def attached_formats(attach: str) -> set[str]:
    """The report formats to attach: always the HTML, and what `--attach` names
    (comma-separated); MailOptionError for one that cannot be attached."""
    wanted = {"html"} | {item.strip() for item in attach.split(",") if item.strip()}
    unknown = wanted - set(ATTACHABLE)
    if unknown:
        raise MailOptionError(f"cannot attach {', '.join(sorted(unknown))}")
    return wanted


def deliver_written(
    result: Result,
    written: Sequence[tuple[str, Path]],
    *,
    lang: str,
    eml: Path | None,
    attach: str,
    smtp: SmtpSettings | None,
    sender: str | None,
    recipients: Sequence[str],
    trace: pl.DataFrame | None = None,
) -> Delivered:
    """deliver() for the files a run wrote (`written`: (format, file) in the order
    written; of a format written twice, the last is attached): the formats `attach` asks
    for, one not written rendered in memory and attached, never left on disk; the .eml
    at `eml`, else next to the first file."""
    first = written[0][1]
    wanted = attached_formats(attach)
    kinds: dict[str, Path | tuple[str, bytes]] = dict(written)
    for kind in sorted(wanted - kinds.keys()):
        kinds[kind] = unwritten_attachment(result, kind, (eml or first).stem, lang, trace)
    return deliver(
        result,
        [kinds[kind] for kind in ATTACHABLE if kind in wanted],
        lang=lang,
        eml_path=eml or eml_path_for(first),
        smtp=smtp,
        sender=sender,
        recipients=recipients,
    )


def unwritten_attachment(
    result: Result, kind: str, stem: str, lang: str, trace: pl.DataFrame | None = None
) -> tuple[str, bytes]:
    """A report format that --attach asks for and -o did not write: its file name in the
    message and its bytes, rendered in memory (no file nobody asked for)."""
    name = f"{stem}.{kind}"
    if kind == "xlsx":
        from reconcile.workbook import workbook_bytes

        return name, workbook_bytes(result, lang=lang, trace=trace)
    from reconcile.rendering import report_text

    return name, report_text(result, kind, lang=lang).encode("utf-8")
