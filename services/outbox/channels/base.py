"""What every channel adapter is: it sends one delivery and classifies the answer.

An adapter knows its protocol (FCM, an HTTPS webhook, SMTP, SMPP…) and nothing about feedback,
alerts or notices: the outbox hands it an `Outgoing` (where to, what, how many tries so far) and
records the `Result`. Retrying, leases, backoff and bookkeeping are the outbox's, not the adapter's.
"""

import math
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal, Protocol

# "withdrawn" is the worker's, never an adapter's: what it announced was cancelled before it went out.
Kind = Literal["sent", "retry", "failed", "gone", "withdrawn"]


@dataclass(frozen=True)
class Outgoing:
    """One delivery as an adapter sees it. `target` is what the channel's resolver made of the
    delivery's address (a webhook's URL and secret, a device's token…), so secrets are never
    copied into the outbox."""

    id: uuid.UUID
    channel: str
    address: str
    payload: dict
    attempts: int  # tries before this one
    target: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """sent; retry (after `after` seconds when the other side said so); failed for good; or the
    address is no longer valid (a token unregistered, a webhook gone)."""

    kind: Kind
    after: float | None = None
    status_code: int | None = None
    latency_ms: int | None = None
    detail: str | None = None
    # The provider's id of the message, kept when its receipts will name it (ZNS, SMS).
    provider_id: str | None = None


class Channel(Protocol):
    name: str

    def send(self, outgoing: Outgoing) -> Result: ...


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date); None when absent or
    unreadable."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


EXPIRED = Result("failed", detail="Expired before it could be delivered.")


def expired(payload: dict) -> bool:
    """Whether the message's `expires_at` (ISO, or None: never) has passed: an alert over, say."""
    expires_at = payload.get("expires_at")
    return expires_at is not None and datetime.now(UTC) > datetime.fromisoformat(expires_at)


def ms_since(started: float) -> int:
    """Milliseconds since `started` (a time.monotonic()): a Result's latency."""
    return round((time.monotonic() - started) * 1000)
