"""The e-mail channel: SMTP through the standard library's smtplib, or the log.

A delivery's address is the recipient's e-mail address; its payload is {"subject", "text", "html"}
(plain text and a simple HTML alternative, UTF-8). The Message-ID is made from the delivery's id, so
a message sent twice (a worker died mid-batch) carries the same id and mail clients show it once.

`SMTP_URL` says where and how:
  smtps://user:pass@host:465   implicit TLS
  smtp://user:pass@host:587    STARTTLS, then AUTH
  smtp://host:25               a local relay: STARTTLS when the server offers it, else plain
Credentials are never sent over an unencrypted connection. Certificates are verified against the
system's trust store (`SSL_CERT_FILE` names another bundle).

Classification: a 2xx is `sent`; a 5xx reply about the recipient or the message (no such mailbox,
the message refused) is `failed`; a 4xx reply, a refused sender, a connection, TLS or sign-in
failure, or a timeout is `retry` (the outbox's backoff). One connection serves a claimed batch.
"""

import logging
import smtplib
import ssl
import time
from dataclasses import replace
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import formatdate, parseaddr
from urllib.parse import unquote, urlsplit

from services.outbox.channels.base import Outgoing, Result, ms_since

log = logging.getLogger("citizen.mail")

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
# Python 3.11's email package drops the space between two RFC 2047 encoded words where it folds a
# header ("chuyển đến" arrives as "chuyểnđến"): headers are not folded below RFC 5322's line limit.
POLICY = default_policy.clone(max_line_length=998)


def message(outgoing: Outgoing, sender: str) -> EmailMessage:
    payload = outgoing.payload
    mail = EmailMessage(policy=POLICY)
    mail["From"] = sender
    mail["To"] = outgoing.address
    mail["Subject"] = payload["subject"]
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = f"<{outgoing.id}@{_domain(sender)}>"
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    mail.set_content(payload["text"])
    if payload.get("html"):
        mail.add_alternative(payload["html"], subtype="html")
    return mail


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


class EmailChannel:
    """Sends deliveries over SMTP (`smtp_url`), or writes them to the log when `smtp_url` is empty."""

    name = "email"

    def __init__(self, smtp_url: str, sender: str, *, timeout: float = 10):
        self.sender = sender
        self.timeout = timeout
        self.server = _server(smtp_url) if smtp_url else None
        if self.server is None:
            log.warning("mail backend: log (SMTP_URL is empty); e-mails are logged, not sent")

    def send(self, outgoing: Outgoing) -> Result:
        return self.send_batch([outgoing])[0]

    def send_batch(self, batch: list[Outgoing]) -> list[Result]:
        if self.server is None:
            return [self._log(outgoing) for outgoing in batch]
        try:
            connection = self._connect()
        except (smtplib.SMTPException, OSError) as error:
            return [Result("retry", detail=f"Cannot reach the SMTP server: {_describe(error)}")] * len(batch)
        results = []
        try:
            for outgoing in batch:
                results.append(self._send(connection, outgoing))
                if not _usable(connection):
                    break
        finally:
            _close(connection)
        lost = Result("retry", detail="The SMTP server closed the connection.")
        return results + [lost] * (len(batch) - len(results))

    def _connect(self) -> smtplib.SMTP:
        scheme, host, port, user, password = self.server
        context = ssl.create_default_context()
        if scheme == "smtps":
            connection = smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        else:
            connection = smtplib.SMTP(host, port, timeout=self.timeout)
        try:
            connection.ehlo()
            if scheme == "smtp" and (connection.has_extn("starttls") or user):
                connection.starttls(context=context)  # with credentials, no STARTTLS is an error
                connection.ehlo()
            if user:
                connection.login(user, password)
        except BaseException:
            _close(connection)
            raise
        return connection

    def _send(self, connection: smtplib.SMTP, outgoing: Outgoing) -> Result:
        """One message, one recipient: a refusal raises (send_message returns refusals only when some
        of several recipients were refused)."""
        started = time.monotonic()
        try:
            connection.send_message(message(outgoing, self.sender))
        except (smtplib.SMTPException, OSError) as error:
            return replace(_classify(error), latency_ms=ms_since(started))
        return Result("sent", status_code=250, latency_ms=ms_since(started))

    def _log(self, outgoing: Outgoing) -> Result:
        first_line = next(iter(outgoing.payload["text"].strip().splitlines()), "")
        log.info(
            "mail (log backend) to %s: %s — %s", outgoing.address, outgoing.payload["subject"], first_line
        )
        return Result("sent", detail="logged")


def _server(url: str) -> tuple[str, str, int, str | None, str | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = -1
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or port == -1:
        raise ValueError(
            f"SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465, not {url!r}."
        )
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if not f"{user or ''}{password or ''}".isascii():
        raise ValueError("SMTP_URL: smtplib signs in with ASCII user names and passwords only.")
    return parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme], user, password


def _classify(error: Exception) -> Result:
    """A 5xx reply about this recipient or message is final; everything else may pass on a later try:
    a refused sender (MAIL FROM: sign-in required, our domain not allowed) is the server's settings."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, said = next(iter(error.recipients.values()))
    elif isinstance(error, smtplib.SMTPResponseException):
        code, said = error.smtp_code, error.smtp_error
    else:
        return Result("retry", detail=_describe(error))
    final = 500 <= code < 600 and not isinstance(error, smtplib.SMTPSenderRefused)
    return Result("failed" if final else "retry", status_code=code, detail=_reply(code, said))


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _reply(error.smtp_code, error.smtp_error)
    return f"{type(error).__name__}: {error}"


def _reply(code: int, said: bytes | str) -> str:
    return f"SMTP {code}: " + (said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said))


def _usable(connection: smtplib.SMTP) -> bool:
    return connection.sock is not None


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()
