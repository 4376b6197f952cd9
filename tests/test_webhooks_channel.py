"""The webhook adapter against real receivers on 127.0.0.1, and the SSRF guard it sends through."""

import hashlib
import hmac
import ipaddress
import socket
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from services.core import netguard
from services.outbox.channels.base import Outgoing, retry_after
from services.outbox.channels.webhook import WebhookChannel
from tests.webhook_receiver import Answer, Receiver

SECRET = "whsec_test"
PAYLOAD = {"id": str(uuid.uuid4()), "event": "feedback.created", "created_at": "2026-12-03T04:00:00+00:00",
           "data": {"tracking_code": "PA-2612-7QK3M9", "title": "Ổ gà trên đường Bạch Đằng"}}  # fmt: skip


def outgoing(url: str, payload: dict = PAYLOAD, secret: str = SECRET) -> Outgoing:
    return Outgoing(uuid.uuid4(), "webhook", str(uuid.uuid4()), payload, 0, {"url": url, "secret": secret})


@pytest.fixture
def channel():
    return WebhookChannel(allow_private=True)


# ---------------------------------------------------------------- the guard


@pytest.mark.parametrize(
    "address, reason",
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("100.64.0.1", "shared (CGNAT)"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("64:ff9b::a00:1", "private"),
    ],
)
def test_inside_addresses_are_refused(address, reason):
    assert netguard.refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["8.8.8.8", "113.160.1.1", "2001:4860:4860::8888"])
def test_public_addresses_pass(address):
    assert netguard.refusal(ipaddress.ip_address(address)) is None


def test_a_name_is_checked_by_what_it_resolves_to():
    with pytest.raises(netguard.Refused, match=r"localhost resolves to .*\(loopback\)"):
        netguard.resolve("localhost", 80)
    with pytest.raises(netguard.Refused, match="loopback"):
        netguard.resolve("0x7f.1", 80)  # 127.0.0.1 written the way inet_aton also reads
    assert netguard.resolve("localhost", 80, allow_private=True).is_loopback


def test_an_unknown_name_is_unresolvable():
    with pytest.raises(netguard.Unresolvable):
        netguard.resolve("no-such-host.invalid", 443)


# ---------------------------------------------------------------- sending


def test_a_delivery_is_signed_over_timestamp_and_body(channel):
    with Receiver() as receiver:
        result = channel.send(outgoing(receiver.url("/hooks/citizen?src=x")))
    assert result.kind == "sent" and result.status_code == 200 and result.latency_ms >= 0
    (request,) = receiver.received
    assert request.path == "/hooks/citizen?src=x"
    headers = request.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Webhook-Id"] == PAYLOAD["id"]
    assert headers["Host"] == f"127.0.0.1:{receiver.port}"
    signed = f"{headers['X-Webhook-Timestamp']}.".encode() + request.body
    expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Signature"] == f"sha256={expected}"
    assert request.body.decode() == (  # compact UTF-8 JSON
        f'{{"id":"{PAYLOAD["id"]}","event":"feedback.created","created_at":"2026-12-03T04:00:00+00:00",'
        '"data":{"tracking_code":"PA-2612-7QK3M9","title":"Ổ gà trên đường Bạch Đằng"}}'
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_refused_without_allow_private(host):
    with Receiver() as receiver:
        result = WebhookChannel().send(outgoing(receiver.url(host=host)))
    assert result.kind == "failed"
    assert f"{host} resolves to" in result.detail and "(loopback)" in result.detail
    assert receiver.received == []


def test_redirects_are_not_followed(channel):
    with Receiver() as elsewhere:
        redirect = Answer(302, {"Location": elsewhere.url("/inside")})
        with Receiver(redirect) as receiver:
            result = channel.send(outgoing(receiver.url()))
    assert result.kind == "failed" and result.status_code == 302
    assert result.detail == f"HTTP 302: redirect to {elsewhere.url('/inside')} not followed"
    assert len(receiver.received) == 1 and elsewhere.received == []


def test_an_endless_answer_is_read_only_up_to_the_cap(channel):
    with Receiver(Answer(200, endless=True)) as receiver:
        result = channel.send(outgoing(receiver.url()))
    assert result.kind == "sent"


def test_the_answer_after_a_capped_one_uses_a_fresh_connection(channel):
    with Receiver(
        Answer(500, {"Content-Type": "text/plain"}, endless=True), Answer(204, body=b"")
    ) as receiver:
        first = channel.send(outgoing(receiver.url()))
        second = channel.send(outgoing(receiver.url()))
    assert first.kind == "retry" and first.detail.startswith("HTTP 500: xxx")
    assert second.kind == "sent" and second.status_code == 204


@pytest.mark.parametrize(
    "answer, kind, after",
    [
        (Answer(429, {"Retry-After": "120"}), "retry", 120),
        (Answer(503, {"Retry-After": "soon"}), "retry", None),
        (Answer(500), "retry", None),
        (Answer(502), "retry", None),
        (Answer(400, body=b"missing field"), "failed", None),
        (Answer(404), "failed", None),
        (Answer(410), "failed", None),
        (Answer(201), "sent", None),
    ],
)
def test_answers_are_classified(channel, answer, kind, after):
    with Receiver(answer) as receiver:
        result = channel.send(outgoing(receiver.url()))
    assert (result.kind, result.after, result.status_code) == (kind, after, answer.status)


def test_a_4xx_detail_quotes_the_receiver(channel):
    with Receiver(Answer(400, body=b"missing field")) as receiver:
        assert channel.send(outgoing(receiver.url())).detail == "HTTP 400: missing field"


def test_a_receiver_that_is_down_is_retried(channel):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = channel.send(outgoing(f"http://127.0.0.1:{port}/hook"))
    assert result.kind == "retry" and "Connection refused" in result.detail


def test_retry_after_takes_seconds_or_a_date():
    assert retry_after("30") == 30
    assert retry_after("-5") == 0
    assert retry_after("inf") is None and retry_after("") is None and retry_after(None) is None
    later = format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)
    assert 590 <= retry_after(later) <= 600
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0


# ---------------------------------------------------------------- https to the checked address


@pytest.fixture
def certificate(tmp_path, monkeypatch):
    """A self-signed certificate for `localhost`, trusted as a CA by every new TLS client context."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return str(cert), str(key)


def test_https_goes_to_the_checked_address_with_the_host_name_for_sni_and_certificate(channel, certificate):
    with Receiver(tls=certificate) as receiver:
        result = channel.send(outgoing(receiver.url(host="localhost")))
    assert result.kind == "sent", result.detail
    assert receiver.server_names == ["localhost"]
    assert receiver.received[0].headers["Host"] == f"localhost:{receiver.port}"


def test_a_certificate_for_another_name_is_not_accepted(channel, certificate):
    with Receiver(tls=certificate) as receiver:
        result = channel.send(outgoing(receiver.url(host="127.0.0.1")))
    assert result.kind == "retry" and result.detail.endswith("hostname '127.0.0.1' doesn't match 'localhost'")
    assert receiver.received == []
