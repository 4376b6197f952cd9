"""Webhooks: a signed JSON POST to a URL the receiver registered.

The body is the delivery's payload (`{id, event, created_at, data}`), sent as compact UTF-8 JSON. Headers:
`X-Webhook-Id` (the payload's id: the event's, the same in every retry, so receivers drop duplicates by it),
`X-Webhook-Timestamp` (Unix seconds) and `X-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`
keyed with the webhook's secret, which arrives in `outgoing.target` ({"url", "secret"}), resolved at send
time so that no secret is copied into the outbox.

Against SSRF the host is resolved and checked once (services/core/netguard.py) and the connection goes to
that very address, with the URL's host name kept for the `Host` header, TLS SNI and the certificate check:
a name that resolves to a private address on a second lookup (DNS rebinding) is never looked up twice.
Redirects are not followed; at most `max_response_bytes` of the answer are read, within `timeout` seconds.
"""

import hashlib
import hmac
import json
import time
from urllib.parse import urlsplit

import urllib3

from services.core import netguard
from services.outbox.channels.base import Outgoing, Result, ms_since, retry_after

USER_AGENT = "CitizenAPI-Webhooks/1"


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookChannel:
    name = "webhook"
    _MAX_POOLS = 64  # connection pools kept (one per receiver address), so keep-alive spares a handshake

    def __init__(self, timeout: float = 5, max_response_bytes: int = 65536, allow_private: bool = False):
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.allow_private = allow_private
        self._pools: dict[tuple, urllib3.HTTPConnectionPool] = {}

    def send(self, outgoing: Outgoing) -> Result:
        url = urlsplit(outgoing.target["url"])
        try:
            port = url.port or (443 if url.scheme == "https" else 80)
        except ValueError:
            port = None
        if url.scheme not in ("http", "https") or not url.hostname or port is None:
            return Result("failed", detail=f"Not a URL a webhook can be sent to: {outgoing.target['url']!r}.")
        try:
            address = netguard.resolve(url.hostname, port, allow_private=self.allow_private)
        except netguard.Refused as error:
            return Result("failed", detail=f"Refused: {error}.")
        except netguard.Unresolvable as error:
            return Result("retry", detail=str(error))
        body = body_of(outgoing.payload)
        timestamp = int(time.time())
        headers = {
            "Host": url.netloc.rpartition("@")[2],
            "Content-Type": "application/json",
            "Accept-Encoding": "identity",  # what is read is capped, so no decompression bombs either
            "User-Agent": USER_AGENT,
            "X-Webhook-Id": str(outgoing.payload["id"]),
            "X-Webhook-Timestamp": str(timestamp),
            "X-Signature": signature(outgoing.target["secret"], timestamp, body),
        }
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        started = time.monotonic()
        try:
            response = self._pool(url.scheme, address, port, url.hostname).urlopen(
                "POST", path, body=body, headers=headers, redirect=False, retries=False,
                preload_content=False, assert_same_host=False,
            )  # fmt: skip
            answer = self._read(response, started + self.timeout)
        except urllib3.exceptions.HTTPError as error:
            return Result("retry", latency_ms=ms_since(started), detail=f"{type(error).__name__}: {error}")
        return _classify(response, answer, ms_since(started))

    def _read(self, response: urllib3.HTTPResponse, deadline: float) -> bytes:
        """At most `max_response_bytes` of the answer, read until the deadline; a connection whose
        answer was not read to its end is closed rather than reused."""
        answer = b""
        while len(answer) <= self.max_response_bytes and time.monotonic() < deadline:
            chunk = response.read1(self.max_response_bytes + 1 - len(answer))
            if not chunk:
                response.release_conn()
                return answer
            answer += chunk
        response.close()
        return answer[: self.max_response_bytes]

    def _pool(self, scheme: str, address, port: int, hostname: str) -> urllib3.HTTPConnectionPool:
        key = (scheme, address, port, hostname)
        pool = self._pools.get(key)
        if pool is None:
            if len(self._pools) >= self._MAX_POOLS:
                self._pools.pop(next(iter(self._pools))).close()
            options = {"timeout": urllib3.Timeout(total=self.timeout), "retries": False, "maxsize": 4}
            if scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    str(address), port, server_hostname=hostname, assert_hostname=hostname, **options
                )
            else:
                pool = urllib3.HTTPConnectionPool(str(address), port, **options)
            self._pools[key] = pool
        return pool


def _classify(response: urllib3.HTTPResponse, answer: bytes, latency_ms: int) -> Result:
    status = response.status
    if 200 <= status < 300:
        return Result("sent", status_code=status, latency_ms=latency_ms)
    said = answer[:200].decode("utf-8", "replace").strip()
    detail = f"HTTP {status}: {said}" if said else f"HTTP {status}"
    if status == 429 or status >= 500:
        after = retry_after(response.headers.get("Retry-After"))
        return Result("retry", after=after, status_code=status, latency_ms=latency_ms, detail=detail)
    if 300 <= status < 400:
        detail = f"HTTP {status}: redirect to {response.headers.get('Location', '?')} not followed"
    return Result("failed", status_code=status, latency_ms=latency_ms, detail=detail)
