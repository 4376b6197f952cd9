"""A real SMTP server on 127.0.0.1 for the e-mail channel's tests: aiosmtpd with STARTTLS or implicit
TLS (a self-signed certificate made here, trusted by the client through SSL_CERT_FILE) and AUTH, or a
plain relay, keeping
every message it accepts, parsed, and answering RCPT for chosen addresses with chosen replies
("550 5.1.1 …", "451 4.3.0 …")."""

import email
import email.policy
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER, PASSWORD = "citizen-api", "p@ss w/rd:1"  # characters that need quoting in a URL


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: str | None

    def part(self, subtype: str) -> str:
        return self.message.get_body((subtype,)).get_content()


class Inbox:
    """The server's handler: what arrived, and the RCPT replies to give."""

    def __init__(self):
        self.received: list[Received] = []
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        login = session.auth_data.login.decode() if session.authenticated else None
        tls = server.transport.get_extra_info("ssl_object") is not None  # STARTTLS or implicit
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, tls, login))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, auth_data=auth_data)


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (its own CA): (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """`with SmtpServer(cert, key) as server:` serves on 127.0.0.1:`server.port` until the block ends;
    `inbox` keeps what arrived. `mode`: "starttls" (STARTTLS required before AUTH, AUTH before mail),
    "smtps" (implicit TLS, then AUTH) or "relay" (plain, no AUTH: a local relay)."""

    def __init__(self, cert_file: Path, key_file: Path, mode: str = "starttls"):
        self.port, self.mode, self.inbox = free_port(), mode, Inbox()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        signed_in = {"authenticator": _authenticate, "auth_required": True, "auth_require_tls": True}
        options = {
            "starttls": {"tls_context": context, "require_starttls": True, **signed_in},
            # aiosmtpd counts only STARTTLS as TLS for AUTH; this whole connection is TLS.
            "smtps": {"ssl_context": context, **signed_in, "auth_require_tls": False},
            "relay": {},
        }[mode]
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)

    @property
    def url(self) -> str:
        if self.mode == "relay":
            return f"smtp://127.0.0.1:{self.port}"
        scheme = "smtps" if self.mode == "smtps" else "smtp"
        return f"{scheme}://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@127.0.0.1:{self.port}"

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
