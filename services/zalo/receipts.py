"""The Official Account's webhook: Zalo tells us a ZNS message reached the phone, then that it was read.

Zalo signs each call (services/outbox/channels/zalo_api.verify_webhook); an unsigned, forged or stale one
is refused before anything is read. Zalo may call again with the same event: a receipt already recorded
keeps its first time, so a repeat changes nothing.
"""

import uuid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.core.db import transactional, utcnow
from services.core.errors import Unauthorized
from services.models import Delivery
from services.outbox.channels.zalo_api import ZaloError, ZaloSettings, verify_webhook
from services.zalo import ZNS

RECEIPTS = {"user_received_message": "delivered_at", "user_seen_message": "seen_at"}


@transactional
def receive(db: Session, settings: ZaloSettings | None, body: bytes, signature: str | None) -> int:
    """Record the receipt an OA webhook call carries; the number of deliveries it was about."""
    if settings is None or not settings.oa_secret_key:
        raise Unauthorized("This province has no Official Account set up.", code="invalid_signature")
    try:
        event = verify_webhook(settings, body, signature or "")
    except ZaloError as error:
        raise Unauthorized(f"Not a call signed by Zalo: {error.message}", code="invalid_signature") from None
    column = RECEIPTS.get(event.get("event_name"))
    if column is None:
        return 0  # another OA event (a follower's message…): not ours to act on
    message = event.get("message") or {}
    ids = [str(i) for i in (message.get("msg_ids") or [message.get("msg_id")]) if i]
    tracking = _uuid(message.get("tracking_id"))
    stmt = select(Delivery).where(
        Delivery.channel == ZNS,
        or_(Delivery.provider_id.in_(ids), Delivery.id == tracking)
        if tracking
        else Delivery.provider_id.in_(ids),
    )
    deliveries = list(db.scalars(stmt))
    for delivery in deliveries:
        if getattr(delivery, column) is None:
            setattr(delivery, column, utcnow())
        if column == "seen_at" and delivery.delivered_at is None:
            delivery.delivered_at = delivery.seen_at  # read, so it arrived
    return len(deliveries)


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
