"""Webhooks on the event stream and the outbox (services.events and services.outbox)."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import events, outbox
from services.core.db import transactional
from services.core.errors import Conflict
from services.core.pagination import Page, keyset_page
from services.identity import audit
from services.identity.principals import Principal
from services.models import Delivery
from services.outbox.channels.webhook import WebhookChannel
from services.webhooks import hooks, registry

CHANNEL = WebhookChannel.name
# With waits doubling from 5 s up to an hour, 30 tries span about a day: past the default disabling
# rule (20 failures over 24 h), so a receiver that stays down is disabled before its deliveries give up.
MAX_ATTEMPTS = 30


def install(config) -> None:
    """Route the webhook channel through the outbox with the settings' failure run."""
    rule = hooks.DisableAfter(config["WEBHOOK_DISABLE_AFTER_FAILURES"], config["WEBHOOK_DISABLE_AFTER_HOURS"])
    outbox.route(
        CHANNEL,
        resolve=hooks.resolve,
        recorded=lambda db, outcomes: hooks.recorded(db, outcomes, rule),
        max_attempts=MAX_ATTEMPTS,
    )


def channel(config) -> WebhookChannel:
    """The adapter the worker sends webhook deliveries with."""
    return WebhookChannel(allow_private=config["WEBHOOK_ALLOW_PRIVATE"])


@events.subscriber
def to_webhooks(db: Session, event: events.Event) -> None:
    """One delivery per subscribed webhook, in the event's transaction; ordered per subject."""
    for webhook_id in hooks.subscribed(db, event):
        outbox.enqueue(
            db,
            CHANNEL,
            str(webhook_id),
            hooks.payload(event),
            event_id=event.id,
            ordering_key=event.subject_id,
        )


@transactional
def send_test(db: Session, principal: Principal, webhook_id: uuid.UUID) -> Delivery:
    """A `ping` delivery, sent by the worker like any other and listed among the deliveries."""
    webhook = registry.get(db, principal, webhook_id)
    if not webhook.active:
        raise Conflict('The webhook is disabled; switch it on with PATCH {"active": true}.')
    delivery = outbox.enqueue(db, CHANNEL, str(webhook.id), hooks.ping(webhook))
    audit.record(db, principal, "webhook.test", webhook)
    return delivery


def deliveries(db: Session, principal: Principal, webhook_id: uuid.UUID, *, cursor=None, limit=20) -> Page:
    """What was sent to the webhook, newest first: status, attempts, answer code, latency, last error."""
    webhook = registry.get(db, principal, webhook_id)
    stmt = select(Delivery).where(Delivery.channel == CHANNEL, Delivery.address == str(webhook.id))
    return keyset_page(db, stmt, [Delivery.created_at, Delivery.id], cursor, limit, descending=True)
