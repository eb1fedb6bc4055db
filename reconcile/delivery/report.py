"""Delivering a written report: the message built from the report files, then written as
an .eml or sent. The CLI's `--eml` and `--email-to` end here; nothing is printed, the
outcome is returned for the caller to tell."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reconcile.delivery.message import build_message, rejected_rows_csv, write_eml
from reconcile.delivery.settings import SmtpSettings
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
        raise ReconcileError(
            "--email-to needs an SMTP server: --smtp-host, RECONCILE_SMTP_HOST or reconcile.toml"
        )
    send(message, smtp, eml_path=eml_path)
    return Delivered(eml_path, tuple(recipients), smtp.host)
