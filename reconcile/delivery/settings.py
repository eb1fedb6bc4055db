"""Delivery settings: where and how to send, merged from the command line, the
environment, the config file (reconcile.toml, [email] table) and defaults, in that order.

The SMTP password is never an option or a config value: only the *name* of an
environment variable travels through the settings, and the value is read when sending.
"""

from __future__ import annotations

import ssl
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import formataddr, getaddresses
from pathlib import Path

from reconcile.addresses import has_control_character, is_address
from reconcile.problems import ReconcileError

SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
# Read when a user is set but no variable is named (like RECONCILE_SMTP_HOST and friends).
DEFAULT_PASSWORD_ENV = "RECONCILE_SMTP_PASSWORD"
DEFAULT_CONFIG_FILE = Path("reconcile.toml")

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


def default_config_file(explicit: Path | None = None, cwd: Path | None = None) -> Path | None:
    """The config file to read: the one named with --config, else ./reconcile.toml when
    it exists, else none."""
    if explicit is not None:
        return explicit
    candidate = (cwd or Path.cwd()) / DEFAULT_CONFIG_FILE
    return candidate if candidate.is_file() else None


class MailOptionError(ReconcileError):
    """A combination of mail options that cannot work (recipients without a server, a
    format that cannot be attached): the CLI says it as a usage error."""


NO_SERVER = "--email-to needs an SMTP server: --smtp-host, RECONCILE_SMTP_HOST or reconcile.toml"


def mail_settings(
    options: Mapping[str, object], environ: Mapping[str, str], config_file: Path | None
) -> tuple[SmtpSettings | None, str | None, tuple[str, ...]]:
    """settings_from with the config file found as default_config_file finds it;
    MailOptionError when there are recipients but no server to send through."""
    smtp, sender, recipients = settings_from(options, environ, default_config_file(config_file))
    if recipients and smtp is None:
        raise MailOptionError(NO_SERVER)
    return smtp, sender, recipients


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
    for text in texts:
        if has_control_character(text):  # a line break would start a header of its own
            raise ReconcileError(f"{origin}: {text!r} contains a line break or control character")
    for name, address in getaddresses([t for t in texts if t.strip()]):
        if not is_address(address):
            raise ReconcileError(f"{origin}: {address or value!r} is not an email address")
        addresses.append(formataddr((name, address)))
    return addresses
