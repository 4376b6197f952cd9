"""The receiver of docs/webhooks.md, run exactly as written, verifies real signed deliveries."""

import uuid

import pytest

from services.core.db import utcnow
from services.outbox.channels.base import Outgoing
from services.outbox.channels.webhook import WebhookChannel
from services.webhooks import hooks
from tests.webhook_receiver import documented_receiver, printed

WEBHOOKS = "/api/v1/webhooks"


@pytest.fixture
def permissive(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)


def send(db, webhook_id: str):
    payload = {"id": str(uuid.uuid4()), "event": "ping", "created_at": utcnow().isoformat(), "data": {}}
    outgoing = Outgoing(uuid.uuid4(), "webhook", webhook_id, payload, 0, hooks.resolve(db, webhook_id))
    return payload["id"], WebhookChannel(allow_private=True).send(outgoing)


def test_the_documented_receiver_accepts_a_signed_delivery_and_refuses_a_wrongly_signed_one(
    permissive, staff, db
):
    editor = staff["editor_a"]
    webhook = editor.post(WEBHOOKS, json={"url": "http://127.0.0.1:9/", "events": ["feedback.created"]})
    webhook = webhook.get_json()
    with documented_receiver(webhook["secret"]) as (url, lines):
        assert editor.patch(f"{WEBHOOKS}/{webhook['id']}", json={"url": url}).status_code == 200
        delivery_id, result = send(db, webhook["id"])
        assert (result.kind, result.status_code) == ("sent", 204)
        assert printed(lines, f"ping {delivery_id}")

        editor.post(f"{WEBHOOKS}/{webhook['id']}/rotate-secret")  # the receiver still has the old secret
        delivery_id, result = send(db, webhook["id"])
        assert (result.kind, result.status_code, result.detail) == ("failed", 401, "HTTP 401")
        assert f"ping {delivery_id}" not in lines()
