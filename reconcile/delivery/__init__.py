"""Delivery: the report as a ready-to-send MIME message (.eml) and over SMTP.

The CLI writes the report files first, then asks this package for a message that carries
them. One module per job:
- settings: where and how to send (command line > environment > config file > defaults),
  and `mail_settings`, those of a run that mails;
- message: the MIME message, its body, its attachments, the .eml file;
- smtp: sending, which saves the .eml first and explains every failure;
- report: `deliver`, the message of a written report written as .eml or sent;
  `deliver_written`, that of the files a run wrote, with the formats `--attach` asks for
  (one not written rendered in memory).
"""

from reconcile.delivery.message import (
    build_message,
    eml_bytes,
    eml_path_for,
    rejected_rows_csv,
    write_eml,
)
from reconcile.delivery.report import (
    ATTACHABLE,
    Delivered,
    attached_formats,
    deliver,
    deliver_written,
    unwritten_attachment,
)
from reconcile.delivery.settings import (
    MailOptionError,
    SmtpSettings,
    default_config_file,
    mail_settings,
    settings_from,
)
from reconcile.delivery.smtp import send

__all__ = [
    "ATTACHABLE",
    "Delivered",
    "MailOptionError",
    "SmtpSettings",
    "attached_formats",
    "build_message",
    "default_config_file",
    "deliver",
    "deliver_written",
    "eml_bytes",
    "eml_path_for",
    "mail_settings",
    "rejected_rows_csv",
    "send",
    "settings_from",
    "unwritten_attachment",
    "write_eml",
]
