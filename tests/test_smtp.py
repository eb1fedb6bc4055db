"""Sending through a real SMTP server (aiosmtpd) on 127.0.0.1, started by each test.

Plain, STARTTLS and implicit TLS, with and without login, and every way sending fails.
The TLS certificates come from a CA made here with trustme; the client trusts it through
SmtpSettings.cafile, as a user would with --smtp-cafile.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from reconcile.delivery import SmtpSettings, rejected_rows_csv, send
from reconcile.problems import DeliveryError
from tests.email_examples import make_result, message_for

USER = "reports"
PASSWORD = "s3cret-pass"
UNICODE_PASSWORD = "s3cret-päss"  # smtplib alone cannot send it
PASSWORD_ENV = "TEST_RECONCILE_SMTP_PASSWORD"
RECIPIENTS = ["ceo@example.com", "jane@example.org"]

# aiosmtpd warns whenever AUTH is allowed without TLS, which some tests do on purpose.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


class Recorder:
    """An aiosmtpd handler that keeps what arrives and refuses the addresses it is told."""

    def __init__(self, refuse: tuple[str, ...] = (), password: str = PASSWORD) -> None:
        self.refuse = set(refuse)
        self.password = password
        self.received: list[tuple[str, list[str], bytes]] = []
        self.logins: list[tuple[str, str]] = []  # (mechanism, user) of each good login

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address in self.refuse:
            return "553 5.7.1 Sender not allowed"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        """aiosmtpd's authenticator: USER with the password (UTF-8) and nobody else."""
        good = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == USER and auth_data.password.decode() == self.password
        )
        if good:
            self.logins.append((mechanism, USER))
        return AuthResult(success=good, handled=False)


class FreePortController(Controller):
    """aiosmtpd's Controller listening on a port the system picks (port 0)."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def cafile(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="module")
def server_tls(ca: trustme.CA):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def serve() -> Iterator:
    """serve(handler, **aiosmtpd options) -> port; every server stops after the test."""
    started: list[Controller] = []

    def start(handler: Recorder, **options) -> int:
        controller = FreePortController(handler, hostname="127.0.0.1", port=0, **options)
        controller.start()
        started.append(controller)
        return controller.port

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.html"
    path.write_bytes("<!DOCTYPE html><title>Bericht</title><p>Kündigungen: 1.234</p>\n".encode())
    return path


@pytest.fixture
def message(report: Path) -> EmailMessage:
    return message_for(make_result(), [report])


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    return PASSWORD


def settings(port: int, security: str, **options) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security=security, timeout=10, **options)


def check_arrived(handler: Recorder, report: Path, eml_path: Path) -> EmailMessage:
    """The one message that arrived: envelope, subject, attachment bytes; the .eml kept."""
    ((sender, recipients, content),) = handler.received
    assert sender == "reports@example.com"
    assert recipients == RECIPIENTS
    arrived = BytesParser(policy=policy.default).parsebytes(content)
    assert arrived["Subject"] == (
        "Customer reconciliation: 987 active customers, 1,234 active subscriptions "
        "(as of 30 Jun 2024)"
    )
    assert arrived["To"] == 'ceo@example.com, "Doe, Jane" <jane@example.org>'
    # The draft mark is for the saved file only, never for what is sent.
    assert arrived["X-Unsent"] is None
    attachments = {part.get_filename(): part for part in arrived.iter_attachments()}
    assert list(attachments) == ["report.html", "rejected-rows.csv"]
    assert attachments["report.html"].get_payload(decode=True) == report.read_bytes()
    assert attachments["rejected-rows.csv"].get_payload(decode=True) == rejected_rows_csv(
        make_result()
    )
    saved = BytesParser(policy=policy.default).parsebytes(eml_path.read_bytes())
    assert saved["X-Unsent"] == "1"
    assert saved["Message-ID"] == arrived["Message-ID"]
    return arrived


# ---------------------------------------------------------------------------------------
# Delivered


def test_plain_smtp_without_login(serve, report, message, tmp_path):
    handler = Recorder()
    port = serve(handler)
    eml = tmp_path / "sent" / "report.eml"
    send(message, settings(port, "none"), eml_path=eml)
    check_arrived(handler, report, eml)
    assert handler.logins == []


def test_plain_smtp_with_login(serve, report, message, tmp_path, password):
    handler = Recorder()
    port = serve(
        handler, authenticator=handler.authenticate, auth_required=True, auth_require_tls=False
    )
    options = {"user": USER, "password_env": PASSWORD_ENV}
    send(message, settings(port, "none", **options), eml_path=tmp_path / "r.eml")
    check_arrived(handler, report, tmp_path / "r.eml")
    assert handler.logins == [("PLAIN", USER)]


def test_starttls_with_login(serve, report, message, tmp_path, password, server_tls, cafile):
    handler = Recorder()
    port = serve(
        handler,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=handler.authenticate,
        auth_required=True,
    )
    options = {"user": USER, "password_env": PASSWORD_ENV, "cafile": cafile}
    send(message, settings(port, "starttls", **options), eml_path=tmp_path / "r.eml")
    check_arrived(handler, report, tmp_path / "r.eml")
    assert handler.logins == [("PLAIN", USER)]


def test_implicit_tls_with_login(serve, report, message, tmp_path, password, server_tls, cafile):
    handler = Recorder()
    # auth_require_tls=False: aiosmtpd does not see that an implicit-TLS session is
    # encrypted and would hide AUTH (aio-libs/aiosmtpd#281); the connection is TLS anyway.
    port = serve(
        handler,
        ssl_context=server_tls,
        authenticator=handler.authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    options = {"user": USER, "password_env": PASSWORD_ENV, "cafile": cafile}
    send(message, settings(port, "ssl", **options), eml_path=tmp_path / "r.eml")
    check_arrived(handler, report, tmp_path / "r.eml")
    assert handler.logins == [("PLAIN", USER)]


def test_implicit_tls_trusting_a_given_ssl_context(
    serve, report, message, tmp_path, ca, server_tls
):
    import ssl

    handler = Recorder()
    port = serve(handler, ssl_context=server_tls)
    context = ssl.create_default_context()
    ca.configure_trust(context)
    send(message, settings(port, "ssl", ssl_context=context), eml_path=tmp_path / "r.eml")
    check_arrived(handler, report, tmp_path / "r.eml")


def test_auth_login_when_the_server_offers_no_plain(serve, report, message, tmp_path, password):
    handler = Recorder()
    port = serve(
        handler,
        authenticator=handler.authenticate,
        auth_required=True,
        auth_require_tls=False,
        auth_exclude_mechanism=["PLAIN"],
    )
    options = {"user": USER, "password_env": PASSWORD_ENV}
    send(message, settings(port, "none", **options), eml_path=tmp_path / "r.eml")
    check_arrived(handler, report, tmp_path / "r.eml")
    assert handler.logins == [("LOGIN", USER)]


def test_a_password_beyond_ascii_goes_as_utf8_auth_plain(
    serve, report, message, tmp_path, monkeypatch
):
    monkeypatch.setenv(PASSWORD_ENV, UNICODE_PASSWORD)
    handler = Recorder(password=UNICODE_PASSWORD)
    port = serve(
        handler, authenticator=handler.authenticate, auth_required=True, auth_require_tls=False
    )
    options = {"user": USER, "password_env": PASSWORD_ENV}
    send(message, settings(port, "none", **options), eml_path=tmp_path / "r.eml")
    check_arrived(handler, report, tmp_path / "r.eml")
    assert handler.logins == [("PLAIN", USER)]


# ---------------------------------------------------------------------------------------
# Failures: each a DeliveryError that names the problem and the saved .eml


def failure(message: EmailMessage, smtp: SmtpSettings, eml: Path) -> str:
    with pytest.raises(DeliveryError) as raised:
        send(message, smtp, eml_path=eml)
    text = str(raised.value)
    assert f"The message is saved as {eml}" in text
    assert eml.read_bytes() == message.as_bytes(policy=policy.SMTP)
    assert PASSWORD not in text
    return text


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused(message, tmp_path):
    port = closed_port()
    text = failure(message, settings(port, "none"), tmp_path / "r.eml")
    assert f"could not connect to 127.0.0.1:{port}: connection refused" in text


def test_wrong_password(serve, message, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    handler = Recorder()
    port = serve(
        handler, authenticator=handler.authenticate, auth_required=True, auth_require_tls=False
    )
    smtp = settings(port, "none", user=USER, password_env=PASSWORD_ENV)
    text = failure(message, smtp, tmp_path / "r.eml")
    assert f"127.0.0.1:{port} refused the login of {USER}: 535" in text
    assert handler.received == []


def test_a_password_beyond_ascii_without_auth_plain(serve, message, tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, UNICODE_PASSWORD)
    handler = Recorder(password=UNICODE_PASSWORD)
    port = serve(
        handler,
        authenticator=handler.authenticate,
        auth_required=True,
        auth_require_tls=False,
        auth_exclude_mechanism=["PLAIN"],
    )
    smtp = settings(port, "none", user=USER, password_env=PASSWORD_ENV)
    text = failure(message, smtp, tmp_path / "r.eml")
    assert "characters beyond ASCII, which only AUTH PLAIN can carry" in text
    assert "the server offers only: LOGIN" in text
    assert UNICODE_PASSWORD not in text


def test_password_variable_not_set(message, tmp_path, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    smtp = settings(closed_port(), "none", user=USER, password_env=PASSWORD_ENV)
    text = failure(message, smtp, tmp_path / "r.eml")
    assert f"the environment variable {PASSWORD_ENV} is not set" in text


def test_every_recipient_refused(serve, message, tmp_path):
    handler = Recorder(refuse=tuple(RECIPIENTS))
    port = serve(handler)
    text = failure(message, settings(port, "none"), tmp_path / "r.eml")
    assert "refused every recipient: ceo@example.com (550 5.1.1 No such mailbox here)" in text
    assert handler.received == []


def test_one_recipient_refused_the_other_served(serve, message, tmp_path):
    handler = Recorder(refuse=("jane@example.org",))
    port = serve(handler)
    text = failure(message, settings(port, "none"), tmp_path / "r.eml")
    assert (
        f"127.0.0.1:{port} refused jane@example.org (550 5.1.1 No such mailbox here); "
        "the others received it"
    ) in text
    assert [recipients for _, recipients, _ in handler.received] == [["ceo@example.com"]]


def test_sender_refused(serve, message, tmp_path):
    handler = Recorder(refuse=("reports@example.com",))
    port = serve(handler)
    text = failure(message, settings(port, "none"), tmp_path / "r.eml")
    assert (
        f"127.0.0.1:{port} refused the sender reports@example.com: 553 5.7.1 Sender not allowed"
    ) in text


def test_a_ca_file_that_is_not_there(message, tmp_path):
    missing = tmp_path / "no-ca.pem"
    text = failure(message, settings(closed_port(), "ssl", cafile=missing), tmp_path / "r.eml")
    assert f"cannot use the CA file {missing}" in text


def test_starttls_to_a_server_without_tls(serve, message, tmp_path, cafile):
    port = serve(Recorder())
    text = failure(message, settings(port, "starttls", cafile=cafile), tmp_path / "r.eml")
    assert f"127.0.0.1:{port} does not offer STARTTLS" in text


def test_implicit_tls_to_a_server_without_tls(serve, message, tmp_path, cafile):
    port = serve(Recorder())
    text = failure(message, settings(port, "ssl", cafile=cafile), tmp_path / "r.eml")
    assert f"TLS with 127.0.0.1:{port} failed" in text


def test_a_certificate_the_client_does_not_trust(serve, message, tmp_path, server_tls):
    port = serve(Recorder(), ssl_context=server_tls)
    text = failure(message, settings(port, "ssl"), tmp_path / "r.eml")
    assert f"the TLS certificate of 127.0.0.1:{port} cannot be trusted" in text
    assert "--smtp-cafile" in text


def test_a_server_that_never_answers(message, tmp_path):
    # A listening socket nobody accepts on: the connection is made, no greeting comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        smtp = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=0.3)
        text = failure(message, smtp, tmp_path / "r.eml")
    assert f"127.0.0.1:{port} did not answer within 0.3 seconds" in text


def test_a_message_without_sender_or_recipient_is_not_sent(report, tmp_path):
    from reconcile.delivery import build_message

    draft = build_message(
        make_result(),
        attachments=[report],
        rejected_rows_csv=None,
        lang="en",
        sender=None,
        recipients=RECIPIENTS,
    )
    text = failure(draft, settings(closed_port(), "none"), tmp_path / "r.eml")
    assert "the message has no sender: give --email-from" in text
