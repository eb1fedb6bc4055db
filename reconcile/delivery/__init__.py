"""Delivery: the report as a ready-to-send MIME message (.eml) and over SMTP.

The CLI writes the report files first, then asks this package for a message that carries
them. One module per job:
- settings: where and how to send (command line > environment > config file > defaults);
- message: the MIME message, its body, its attachments, the .eml file;
- smtp: sending, which saves the .eml first and explains every failure;
- report: `deliver`, the message of a written report written as .eml or sent.
"""

from reconcile.delivery.message import (
    build_message,
    eml_bytes,
    eml_path_for,
    rejected_rows_csv,
    write_eml,
)
from reconcile.delivery.report import Delivered, deliver
from reconcile.delivery.settings import SmtpSettings, default_config_file, settings_from
from reconcile.delivery.smtp import send

__all__ = [
    "Delivered",
    "SmtpSettings",
    "build_message",
    "default_config_file",
    "deliver",
    "eml_bytes",
    "eml_path_for",
    "rejected_rows_csv",
    "send",
    "settings_from",
    "write_eml",
]
