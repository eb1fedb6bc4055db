"""Delivery: the report as a ready-to-send MIME message (.eml) and over SMTP.

The CLI writes the report files first, then asks this module for a message that carries
them. Sending never loses the work: the .eml is saved before the first byte goes to the
server, and every failure names what failed and where that .eml lies, so the user can
open it (it opens as a draft) and send it by hand.

The SMTP password is never an option or a config value: only the *name* of an
environment variable travels through the settings, and the value is read when sending.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import os
import smtplib
import ssl
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, make_msgid, parseaddr
from pathlib import Path

import polars as pl

from reconcile.problems import ROW_ERROR_SCHEMA, DeliveryError, ReconcileError
from reconcile.rendering import environment, finding_text
from reconcile.result import Finding, Result

SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
# Read when a user is set but no variable is named (like RECONCILE_SMTP_HOST and friends).
DEFAULT_PASSWORD_ENV = "RECONCILE_SMTP_PASSWORD"
DEFAULT_CONFIG_FILE = Path("reconcile.toml")
REJECTED_ROWS_FILENAME = "rejected-rows.csv"
FINDINGS_IN_BODY = 3
# The finding that states subscriptions_active against customers_active (findings.py).
HEADLINE_FINDING = "subscriptions_counted_as_customers"

# Setting name -> command-line option (keys of the CLI's parameters), environment
# variable and config-file key in the [email] table. The order is the precedence.
_OPTION_KEYS = {
    "host": "smtp_host",
    "port": "smtp_port",
    "security": "smtp_security",
    "user": "smtp_user",
    "password_env": "smtp_password_env",
    "cafile": "smtp_cafile",
    "timeout": "smtp_timeout",
    "sender": "email_from",
    "recipients": "email_to",
}
_ENV_KEYS = {
    "host": "RECONCILE_SMTP_HOST",
    "port": "RECONCILE_SMTP_PORT",
    "security": "RECONCILE_SMTP_SECURITY",
    "user": "RECONCILE_SMTP_USER",
    "password_env": "RECONCILE_SMTP_PASSWORD_ENV",
    "cafile": "RECONCILE_SMTP_CAFILE",
    "timeout": "RECONCILE_SMTP_TIMEOUT",
    "sender": "RECONCILE_EMAIL_FROM",
    "recipients": "RECONCILE_EMAIL_TO",
}
_CONFIG_KEYS = {
    "host": "host",
    "port": "port",
    "security": "security",
    "user": "user",
    "password_env": "password_env",
    "cafile": "cafile",
    "timeout": "timeout",
    "sender": "from",
    "recipients": "to",
}
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
_CONTENT_TYPES = {
    ".html": ("text", "html"),
    ".htm": ("text", "html"),
    ".md": ("text", "markdown"),
    ".json": ("application", "json"),
    ".csv": ("text", "csv"),
    ".txt": ("text", "plain"),
}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. `port` None means the default of `security` (587 starttls,
    465 ssl, 25 none). The password is read from os.environ[password_env] when sending
    (DEFAULT_PASSWORD_ENV when a user is set and no variable is named); the settings never
    hold it. `cafile` or, from Python, `ssl_context` decide which certificates are trusted
    (default: the system's)."""

    host: str
    port: int | None = None
    security: str = "starttls"
    user: str | None = None
    password_env: str | None = None
    cafile: Path | None = None
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ReconcileError(
                f"unknown SMTP security {self.security!r}; use one of: " + ", ".join(SECURITY_MODES)
            )

    @property
    def resolved_port(self) -> int:
        return self.port if self.port is not None else DEFAULT_PORTS[self.security]

    @property
    def address(self) -> str:
        return f"{self.host}:{self.resolved_port}"


# ---------------------------------------------------------------------------------------
# Settings: command line > environment > config file > defaults


def default_config_file(explicit: Path | None = None, cwd: Path | None = None) -> Path | None:
    """The config file to read: the one named with --config, else ./reconcile.toml when
    it exists, else none."""
    if explicit is not None:
        return explicit
    candidate = (cwd or Path.cwd()) / DEFAULT_CONFIG_FILE
    return candidate if candidate.is_file() else None


def settings_from(
    options: Mapping[str, object],
    environ: Mapping[str, str],
    config_file: Path | None,
) -> tuple[SmtpSettings | None, str | None, tuple[str, ...]]:
    """(smtp, sender, recipients) from the CLI's options, the environment and a TOML
    config file's [email] table, the first that gives a value winning. smtp is None when
    no host is given anywhere. Raises ReconcileError naming the offending setting."""
    layers = [
        _from_options(options),
        _from_environment(environ),
        _from_config(config_file),
    ]
    merged: dict[str, tuple[object, str]] = {}
    for layer in layers:
        for key, value_and_origin in layer.items():
            merged.setdefault(key, value_and_origin)

    sender = _parse_sender(*merged["sender"]) if "sender" in merged else None
    recipients = _parse_recipients(*merged["recipients"]) if "recipients" in merged else ()
    if "host" not in merged:
        return None, sender, recipients
    return _smtp_settings(merged), sender, recipients


def _from_options(options: Mapping[str, object]) -> dict[str, tuple[object, str]]:
    layer: dict[str, tuple[object, str]] = {}
    for key, option in _OPTION_KEYS.items():
        value = options.get(option)
        if _given(value):
            layer[key] = (value, "--" + option.replace("_", "-"))
    # --smtp-ssl / --smtp-starttls as separate flags (booleans) mean the same as
    # --smtp-security ssl / starttls.
    flags = [mode for mode in ("ssl", "starttls") if options.get(f"smtp_{mode}") is True]
    if len(flags) > 1:
        raise ReconcileError("--smtp-ssl and --smtp-starttls exclude each other: choose one")
    if flags:
        if "security" in layer and layer["security"][0] != flags[0]:
            raise ReconcileError(
                f"--smtp-{flags[0]} contradicts --smtp-security {layer['security'][0]}"
            )
        layer["security"] = (flags[0], f"--smtp-{flags[0]}")
    return layer


def _from_environment(environ: Mapping[str, str]) -> dict[str, tuple[object, str]]:
    return {
        key: (environ[name], f"environment variable {name}")
        for key, name in _ENV_KEYS.items()
        if _given(environ.get(name))
    }


def _from_config(config_file: Path | None) -> dict[str, tuple[object, str]]:
    if config_file is None:
        return {}
    table = _email_table(config_file)
    unknown = sorted(set(table) - set(_CONFIG_KEYS.values()))
    if "password" in unknown:
        raise ReconcileError(
            f"{config_file}: passwords are not read from a file. Put the password in an "
            'environment variable and name that variable with password_env = "..." '
            f"(default {DEFAULT_PASSWORD_ENV})."
        )
    if unknown:
        raise ReconcileError(
            f"{config_file}: unknown key(s) in [email]: {', '.join(unknown)}; known: "
            + ", ".join(_CONFIG_KEYS.values())
        )
    layer: dict[str, tuple[object, str]] = {}
    for key, name in _CONFIG_KEYS.items():
        value = table.get(name)
        if _given(value):
            layer[key] = (value, f"{config_file} [email] {name}")
    if "cafile" in layer and isinstance(table["cafile"], str):
        # A relative path in a config file means relative to that file, as in most tools.
        cafile = Path(table["cafile"].strip()).expanduser()
        layer["cafile"] = (config_file.parent / cafile, layer["cafile"][1])
    return layer


def _email_table(config_file: Path) -> dict[str, object]:
    try:
        document = tomllib.loads(config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReconcileError(f"config file {config_file} not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ReconcileError(f"config file {config_file} cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ReconcileError(f"config file {config_file} is not valid TOML: {error}") from None
    table = document.get("email", {})
    if not isinstance(table, dict):
        raise ReconcileError(f"{config_file}: 'email' must be a table: [email]")
    return table


def _given(value: object) -> bool:
    """Whether an option was given: None, blank text and empty lists mean not given."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple):
        return len(value) > 0
    return True


def _smtp_settings(merged: dict[str, tuple[object, str]]) -> SmtpSettings:
    def text(key: str) -> str | None:
        return _as_text(*merged[key]) if key in merged else None

    port = _as_port(*merged["port"]) if "port" in merged else None
    security = text("security")
    if security is None:
        # Port 465 is implicit TLS everywhere; STARTTLS there would wait for a greeting
        # the server never sends.
        security = "ssl" if port == DEFAULT_PORTS["ssl"] else "starttls"
    security = security.lower()
    if security not in SECURITY_MODES:
        raise ReconcileError(
            f"{merged['security'][1]}: unknown SMTP security {security!r}; use one of: "
            + ", ".join(SECURITY_MODES)
        )
    user = text("user")
    password_env = text("password_env") or (DEFAULT_PASSWORD_ENV if user else None)
    return SmtpSettings(
        host=str(text("host")),
        port=port,
        security=security,
        user=user,
        password_env=password_env,
        cafile=_as_cafile(*merged["cafile"]) if "cafile" in merged else None,
        timeout=_as_timeout(*merged["timeout"]) if "timeout" in merged else 30.0,
    )


def _as_text(value: object, origin: str) -> str:
    if not isinstance(value, str):
        raise ReconcileError(f"{origin}: expected text, got {value!r}")
    return value.strip()


def _as_port(value: object, origin: str) -> int:
    try:
        port = int(str(value).strip())
    except ValueError:
        port = -1
    if isinstance(value, bool | float) or not 0 < port < 65536:
        raise ReconcileError(f"{origin}: {value!r} is not a port number (1-65535)")
    return port


def _as_timeout(value: object, origin: str) -> float:
    try:
        timeout = float(str(value).strip())
    except ValueError:
        timeout = -1.0
    if isinstance(value, bool) or not timeout > 0:
        raise ReconcileError(f"{origin}: {value!r} is not a timeout in seconds")
    return timeout


def _as_cafile(value: object, origin: str) -> Path:
    if isinstance(value, Path):
        return value
    return Path(_as_text(value, origin)).expanduser()


def _parse_sender(value: object, origin: str) -> str:
    addresses = _parse_addresses(value, origin)
    if len(addresses) != 1:
        raise ReconcileError(f"{origin}: give exactly one sender address, got {value!r}")
    return addresses[0]


def _parse_recipients(value: object, origin: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_parse_addresses(value, origin)))


def _parse_addresses(value: object, origin: str) -> list[str]:
    """Addresses from text or a list of texts; each text may hold several separated by
    commas ("Doe, Jane" <jane@example.com> stays one address)."""
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, Iterable) or not all(isinstance(t, str) for t in texts):
        raise ReconcileError(f"{origin}: expected email addresses, got {value!r}")
    addresses = []
    for name, address in getaddresses([t for t in texts if t.strip()]):
        if not _looks_like_address(address):
            raise ReconcileError(f"{origin}: {address or value!r} is not an email address")
        addresses.append(formataddr((name, address)))
    return addresses


def _looks_like_address(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(at and local and domain) and not any(c.isspace() for c in address)


# ---------------------------------------------------------------------------------------
# The message


def build_message(
    result: Result,
    *,
    attachments: Sequence[Path],
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
    files = [_read_attachment(path) for path in attachments]
    context = _template_context(
        result,
        lang,
        report_file=attachments[0].name if attachments else None,
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
    for path, data in zip(attachments, files, strict=True):
        _attach(message, data, path.name)
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


def top_findings(findings: Sequence[Finding], limit: int = FINDINGS_IN_BODY) -> list[Finding]:
    """The most important findings for the body: errors before warnings before info,
    in the engine's order within a severity (it lists them by importance), without the
    headline finding, which the body's answer already states in figures."""
    ranked = sorted(
        (finding for finding in findings if finding.code != HEADLINE_FINDING),
        key=lambda finding: _SEVERITY_RANK.get(finding.severity, len(_SEVERITY_RANK)),
    )
    return ranked[:limit]


def _template_context(
    result: Result, lang: str, *, report_file: str | None, rejected_rows_file: str | None
) -> dict[str, object]:
    """What the email templates get: the Result and the few figures and texts they
    cannot work out themselves (the findings chosen and translated, file names)."""
    inputs = [result.inputs.subscriptions, result.inputs.customers]
    shown = top_findings(result.findings)
    others = sum(finding.code != HEADLINE_FINDING for finding in result.findings) - len(shown)
    return {
        "result": result,
        "totals": result.totals,
        "extra_subscriptions": result.totals.subscriptions_active - result.totals.customers_active,
        "findings": [
            {"severity": finding.severity, "text": finding_text(finding, lang)} for finding in shown
        ],
        "more_findings": others,
        "lang": lang,
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


def write_eml(message: EmailMessage, path: Path) -> Path:
    """Write the message as a standard .eml (CRLF line ends), creating its folder, and
    return the path.

    Written to a temporary file first and renamed, so an existing .eml is never left
    half-overwritten."""
    path = Path(path)
    data = message.as_bytes(policy=policy.SMTP)
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise ReconcileError(
            f"cannot write the message to {path}: {error.strerror or error}"
        ) from None
    return path


def eml_path_for(report_file: Path) -> Path:
    """Where the .eml goes when the user named none: next to the first report file."""
    return report_file.with_suffix(".eml")


def rejected_rows_csv(result: Result) -> bytes | None:
    """The rejections as UTF-8 CSV (file,line,column,value,code,message) in file order,
    with a byte-order mark so spreadsheet programs read accents right; None when no row
    was rejected."""
    if not result.rejections:
        return None
    columns = {
        name: [getattr(rejection, name) for rejection in result.rejections]
        for name in ROW_ERROR_SCHEMA
    }
    frame = pl.DataFrame(columns, schema=ROW_ERROR_SCHEMA).sort("file", "line", maintain_order=True)
    return frame.write_csv(include_bom=True).encode("utf-8")


# ---------------------------------------------------------------------------------------
# Sending


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
        case _:
            return f"could not connect to {where}: {error.strerror or error}"


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
