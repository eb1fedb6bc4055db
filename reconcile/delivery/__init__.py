"""Delivering a report by email: settings, the message, SMTP."""

from reconcile.delivery.settings import (
    SmtpSettings,
    build_message,
    default_config_file,
    eml_path_for,
    rejected_rows_csv,
    send,
    settings_from,
    top_findings,
    write_eml,
)

__all__ = [
    "SmtpSettings",
    "build_message",
    "default_config_file",
    "eml_path_for",
    "rejected_rows_csv",
    "send",
    "settings_from",
    "top_findings",
    "write_eml",
]
