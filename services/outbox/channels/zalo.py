"""Zalo's two channels: Mini App notifications (`zalo_miniapp`) and ZNS template messages (`zns`).

Both take `payload = {"template_id", "template_data", "expires_at"?}` (past it, nothing is sent); the
Mini App's target is `{"user_id"}` (the Zalo user id of a citizen who opted in), ZNS's is
`{"phone": "84…"}` and its `tracking_id` is the delivery's id, which the OA webhook's delivery events
carry back. Zalo's answers (zalo_api.ZaloError kinds) become results: quota → retry after Retry-After or
QUOTA_BACKOFF (never at once; ZNS's spent daily quota: the next morning), unavailable → retry, refused →
gone (the recipient withdrew or cannot receive), anything else → failed.

ZNS needs the Official Account's access token, which expires and whose refresh token rotates: `tokens`
(an `OaTokenSource`) gives the current one and refreshes it once across workers. On -216/-124 the channel
asks for a refreshed token and sends again, once.
"""

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from services.outbox.channels.base import EXPIRED, Outgoing, Result, expired, ms_since
from services.outbox.channels.zalo_api import ZNS_DAILY_QUOTA, ZaloClient, ZaloError

QUOTA_BACKOFF = 60.0  # seconds, when a quota answer says nothing of when to come back
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# When Zalo sends Mini App notifications, in minutes of the day (Việt Nam time): 06:00 to 22:00.
MINIAPP_HOURS = (6 * 60, 22 * 60)
NO_OA_TOKEN = "The Zalo OA token is not set: run `flask --app wsgi zalo-oa-token REFRESH_TOKEN`."
OA_TOKEN_REFUSED = (
    "Zalo refused the OA refresh token; set a new one with `flask --app wsgi zalo-oa-token REFRESH_TOKEN`"
)


class OaTokenSource(Protocol):
    def current(self) -> str:
        """The OA access token in use; LookupError when none was ever set."""

    def refreshed(self, stale: str) -> str:
        """A token other than `stale`: refreshed now (one refresh at a time across workers, the rotated
        refresh token kept), or the one another worker refreshed meanwhile. May raise LookupError or a
        ZaloError from the refresh."""


def opening(hours: tuple[int, int], at: datetime) -> datetime:
    """`at` when it falls within `hours` (minutes of the day, Việt Nam time), else when they next open."""
    local = at.astimezone(LOCAL)
    start, end = hours
    if start <= local.hour * 60 + local.minute < end:
        return at
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if local.hour * 60 + local.minute >= end:
        day += timedelta(days=1)  # Việt Nam keeps no daylight saving time: a day is 24 hours
    return (day + timedelta(minutes=start)).astimezone(UTC)


class MiniAppChannel:
    """Mini App notifications, one call per citizen, within Zalo's sending hours (`hours`): a delivery
    due outside them waits for them to open without a call. Zalo's quota is the app's, not a citizen's:
    after a quota answer nothing is sent until it has passed, so an alert to a whole province waits out
    the quota instead of spending a call per citizen to hear it again."""

    name = "zalo_miniapp"

    def __init__(self, client: ZaloClient, hours: tuple[int, int] = MINIAPP_HOURS):
        self.client = client
        self.hours = hours
        self.paused_until = 0.0  # time.monotonic() until which Zalo asked us to hold back

    def send(self, outgoing: Outgoing) -> Result:
        return self.send_batch([outgoing])[0]

    def send_batch(self, batch: list[Outgoing]) -> list[Result]:
        return [self._send(outgoing) for outgoing in batch]

    def _send(self, outgoing: Outgoing) -> Result:
        if expired(outgoing.payload):
            return EXPIRED
        now = datetime.now(UTC)
        opens = opening(self.hours, now)
        if opens > now:
            detail = f"Held until {opens.astimezone(LOCAL):%H:%M}: Zalo sends Mini App notifications "
            detail += f"{clock(self.hours[0])}–{clock(self.hours[1])} (Việt Nam time)."
            return Result("retry", after=(opens - now).total_seconds(), detail=detail)
        wait = self.paused_until - time.monotonic()
        if wait > 0:
            return Result("retry", after=wait, detail="Holding back: Zalo's quota for the Mini App is spent.")
        payload = outgoing.payload
        started = time.monotonic()
        try:
            message_id = self.client.send_miniapp(
                outgoing.target["user_id"], payload["template_id"], payload["template_data"]
            )
        except ZaloError as error:
            result = result_of(error, ms_since(started))
            if error.kind == "quota":
                self.paused_until = time.monotonic() + result.after
            return result
        return Result("sent", latency_ms=ms_since(started), detail=message_id or "accepted")


class ZnsChannel:
    name = "zns"

    def __init__(self, client: ZaloClient, tokens: OaTokenSource):
        self.client = client
        self.tokens = tokens

    def send(self, outgoing: Outgoing) -> Result:
        if expired(outgoing.payload):
            return EXPIRED
        phone, payload = outgoing.target["phone"], outgoing.payload
        message = (phone, payload["template_id"], payload["template_data"], str(outgoing.id))
        started = time.monotonic()
        try:
            token = self.tokens.current()
            try:
                message_id = self.client.send_zns(token, *message)
            except ZaloError as error:
                if error.kind != "expired_oa_token":
                    raise
                message_id = self.client.send_zns(self.tokens.refreshed(token), *message)  # once only
        except LookupError:
            return Result("retry", latency_ms=ms_since(started), detail=NO_OA_TOKEN)
        except ZaloError as error:
            return result_of(error, ms_since(started))
        return Result("sent", latency_ms=ms_since(started), detail=message_id, provider_id=message_id)


def _next_morning() -> float:
    """Seconds until 06:00 of the next day, Việt Nam time: the day's quota is spent, the next day's opens
    at midnight, and a message waiting for it goes out when people are up, not at midnight."""
    now = datetime.now(UTC)
    midnight = now.astimezone(LOCAL).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return (opening(MINIAPP_HOURS, midnight) - now).total_seconds()


def clock(minutes: int) -> str:
    """Minutes of the day as 06:00."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def result_of(error: ZaloError, latency_ms: int) -> Result:
    """The outbox's result for a classified Zalo failure."""
    detail = str(error)
    if error.kind == "quota":
        after = error.retry_after or (_next_morning() if error.code in ZNS_DAILY_QUOTA else QUOTA_BACKOFF)
        return Result("retry", after=after, status_code=error.status, latency_ms=latency_ms, detail=detail)
    if error.kind in ("unavailable", "expired_oa_token"):
        after = error.retry_after
        return Result("retry", after=after, status_code=error.status, latency_ms=latency_ms, detail=detail)
    if error.kind == "invalid_token":  # only the OA refresh token can be refused on a send
        return Result("retry", latency_ms=latency_ms, detail=f"{OA_TOKEN_REFUSED}: {detail}")
    if error.kind == "refused":
        return Result("gone", status_code=error.status, latency_ms=latency_ms, detail=detail)
    return Result("failed", status_code=error.status, latency_ms=latency_ms, detail=detail)
