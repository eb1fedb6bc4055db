"""Sending over SMTP. Sending never loses the work: the .eml is saved before the first
byte goes to the server, and every failure names what failed and where that .eml lies, so
the user can open it (it opens as a draft) and send it by hand. The password is read
from the environment only now, never earlier."""

from __future__ import annotations

import base64
import copy
import os
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from pathlib import Path

from reconcile.delivery.message import write_eml
from reconcile.delivery.settings import DEFAULT_PASSWORD_ENV, SmtpSettings
from reconcile.problems import DeliveryError


def send(message: EmailMessage, settings: SmtpSettings, *, eml_path: Path) -> None:
    """Save the message to `eml_path`, then send it (without its X-Unsent mark) through
    the SMTP server of `settings`. Raises DeliveryError saying what failed and where the
    .eml is, for every failure from a missing password to a refused recipient."""
    write_eml(message, eml_path)
    outgoing = copy.deepcopy(message)
    del outgoing["X-Unsent"]
    sender = parseaddr(str(outgoing.get("From", "")))[1]
    recipients = [address for _, address in getaddresses(outgoing.get_all("To", [])) if address]
    if not sender:
        raise _failure("the message has no sender: give --email-from", eml_path)
    if not recipients:
        raise _failure("the message has no recipient: give --email-to", eml_path)
    password = _password(settings, eml_path)
    try:
        context = _ssl_context(settings)
    except OSError as error:  # ssl.SSLError is an OSError too
        raise _failure(f"cannot use the CA file {settings.cafile}: {error}", eml_path) from None
    try:
        with _connect(settings, context) as server:
            if settings.user:
                _login(server, settings.user, password or "")
            refused = server.send_message(outgoing, sender, recipients)
    except (smtplib.SMTPException, OSError) as error:
        raise _failure(_explain(error, settings), eml_path) from error
    if refused:
        raise _failure(
            f"{settings.address} refused {_refusals(refused)}; the others received it",
            eml_path,
        )


def _password(settings: SmtpSettings, eml_path: Path) -> str | None:
    if not settings.user:
        return None
    variable = settings.password_env or DEFAULT_PASSWORD_ENV
    password = os.environ.get(variable)
    if password is None:
        raise _failure(
            f"the SMTP user {settings.user} needs a password, but the environment variable "
            f"{variable} is not set",
            eml_path,
        )
    return password


def _ssl_context(settings: SmtpSettings) -> ssl.SSLContext:
    if settings.ssl_context is not None:
        return settings.ssl_context
    cafile = str(settings.cafile) if settings.cafile is not None else None
    return ssl.create_default_context(cafile=cafile)


def _connect(settings: SmtpSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    """An open, greeted (and for starttls encrypted) connection."""
    host, port, timeout = settings.host, settings.resolved_port, settings.timeout
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    server = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if settings.security == "starttls":
            server.ehlo()
            # Checked here because smtplib's own error does not say which server.
            if not server.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError("STARTTLS")
            server.starttls(context=context)
            server.ehlo()
    except BaseException:
        server.close()
        raise
    return server


def _login(server: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib's login, except for a user or password beyond ASCII, which smtplib cannot
    encode: those go as AUTH PLAIN in UTF-8 (RFC 4616), the one mechanism that says how."""
    if user.isascii() and password.isascii():
        server.login(user, password)
        return
    server.ehlo_or_helo_if_needed()
    mechanisms = server.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" not in mechanisms:
        raise smtplib.SMTPNotSupportedError(
            "the user name or password has characters beyond ASCII, which only AUTH PLAIN "
            f"can carry, and the server offers only: {' '.join(mechanisms) or 'no login'}"
        )
    credentials = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, reply = server.docmd("AUTH", f"PLAIN {credentials}")
    if code != 235:  # 235: authentication succeeded
        raise smtplib.SMTPAuthenticationError(code, reply)


def _explain(error: BaseException, settings: SmtpSettings) -> str:
    """What failed, in words, for the error types smtplib and ssl raise."""
    where = settings.address
    # smtplib turns a timeout while reading a reply into "server disconnected".
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        return f"{where} did not answer within {settings.timeout:g} seconds"
    match error:
        case smtplib.SMTPAuthenticationError():
            return f"{where} refused the login of {settings.user}: {_reply(error)}"
        case smtplib.SMTPRecipientsRefused():
            return f"{where} refused every recipient: {_refusals(error.recipients)}"
        case smtplib.SMTPSenderRefused():
            return f"{where} refused the sender {error.sender}: {_reply(error)}"
        case smtplib.SMTPNotSupportedError() if "STARTTLS" in str(error).upper():
            return (
                f"{where} does not offer STARTTLS; use --smtp-ssl if it expects TLS from "
                "the start, or --smtp-plain if it takes mail unencrypted"
            )
        case smtplib.SMTPNotSupportedError():
            return f"{where} cannot take the login: {error}"
        case smtplib.SMTPServerDisconnected():
            return f"{where} closed the connection: {error}"
        case smtplib.SMTPResponseException():
            return f"{where} answered with an error: {_reply(error)}"
        case smtplib.SMTPException():
            return f"sending through {where} failed: {error}"
        case ssl.SSLCertVerificationError():
            return (
                f"the TLS certificate of {where} cannot be trusted ({error.verify_message}); "
                "name the CA that signed it with --smtp-cafile"
            )
        case ssl.SSLError():
            return (
                f"TLS with {where} failed ({error.reason or error}); check that "
                f"{settings.security} is what the server expects on port "
                f"{settings.resolved_port}"
            )
        case ConnectionRefusedError():
            return f"could not connect to {where}: connection refused"
        case OSError():
            return f"could not connect to {where}: {error.strerror or error}"
        case _:
            return f"could not connect to {where}: {error}"


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{error.smtp_code} {text}"


def _refusals(refused: Mapping[str, tuple[int, bytes | str]]) -> str:
    parts = []
    for address, (code, reply) in refused.items():
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        parts.append(f"{address} ({code} {text})")
    return ", ".join(parts)


def _failure(problem: str, eml_path: Path) -> DeliveryError:
    return DeliveryError(
        f"Sending the report by email failed: {problem}.\n"
        f"The message is saved as {eml_path}: open it in your mail program (it opens as "
        "a draft) and send it from there, or fix the problem and run the command again."
    )
