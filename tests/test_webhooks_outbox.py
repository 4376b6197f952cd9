"""Events to webhook deliveries through the outbox worker, end to end (the issue's "Done when")."""

import json

import pytest
from sqlalchemy import select, update

from api import worker as outbox_worker
from services.core.db import utcnow
from services.models import Delivery, Webhook
from services.models.outbox import ordering_scope
from services.webhooks import wiring
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import submit
from tests.push_fixtures import SETTINGS
from tests.webhook_receiver import Answer, Receiver, documented_receiver, printed

WEBHOOKS = "/api/v1/webhooks"


@pytest.fixture
def webhooks_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    wiring.install(app.config)
    return app


def drain(app, db) -> None:
    """Run the outbox worker until nothing is left to send, bringing retries forward instead of waiting."""
    worker = outbox_worker.make(lambda: db, {wiring.CHANNEL: wiring.channel(app.config)}, SETTINGS)
    for _ in range(100):
        db.execute(update(Delivery).where(Delivery.status == "retrying").values(next_attempt_at=utcnow()))
        db.commit()
        if not worker.run_once():
            return
    raise AssertionError("the outbox did not drain")


def register(editor, url, events=("feedback.created",)):
    response = editor.post(WEBHOOKS, json={"url": url, "events": list(events)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_departments_system_verifies_a_signed_feedback_created(webhooks_on, staff, citizen, road_form, db):
    editor = staff["editor_a"]
    webhook = register(editor, "http://127.0.0.1:9/")
    with documented_receiver(webhook["secret"]) as (url, lines):
        editor.patch(f"{WEBHOOKS}/{webhook['id']}", json={"url": url})
        feedback = submit(citizen)
        drain(webhooks_on, db)
        (delivery,) = db.scalars(select(Delivery).where(Delivery.address == webhook["id"]))
        assert printed(lines, f"feedback.created {delivery.payload['id']}")
    assert delivery.payload["data"]["tracking_code"] == feedback["tracking_code"]
    assert delivery.ordering_key == ordering_scope("webhook", webhook["id"], feedback["id"])  # per subject
    (logged,) = editor.get(f"{WEBHOOKS}/{webhook['id']}/deliveries").get_json()["items"]
    assert (logged["event"], logged["status"], logged["status_code"], logged["attempts"]) == (
        "feedback.created",
        "sent",
        204,
        1,
    )


def test_a_receiver_failing_three_times_then_recovering_gets_every_event_once(
    webhooks_on, staff, citizen, road_form, db
):
    answers = [Answer(503)] * 3 + [Answer(200)]
    with Receiver(*answers) as receiver:
        webhook = register(staff["editor_a"], receiver.url())
        submit(citizen)
        submit(citizen)
        drain(webhooks_on, db)
    taken = [r.headers["X-Webhook-Id"] for r in receiver.received[3:]]
    sent = db.scalars(select(Delivery).where(Delivery.address == webhook["id"]))
    assert sorted(taken) == sorted(str(d.payload["id"]) for d in sent) and len(set(taken)) == 2
    assert db.get(Webhook, webhook["id"]).failures == 0


def test_a_transfer_reaches_the_department_it_left_and_the_one_it_joined(
    webhooks_on, staff, citizen, road_form, department_b, db
):
    with Receiver(Answer(200), Answer(200)) as receiver:
        left = register(staff["editor_a"], receiver.url(), events=["feedback.transferred"])
        joined = register(staff["admin"], receiver.url(), events=["feedback.transferred"])
        staff["admin"].patch(f"{WEBHOOKS}/{joined['id']}", json={"department_id": str(department_b.id)})
        feedback = submit(citizen)
        moved = staff["officer_a"].post(
            f"/api/v1/feedback/{feedback['id']}/transfer",
            json={"department_id": str(department_b.id), "reason": "Thuộc thẩm quyền Sở B"},
        )
        assert moved.status_code == 200, moved.get_json()
        drain(webhooks_on, db)
    reached = {d.address for d in db.scalars(select(Delivery).where(Delivery.channel == wiring.CHANNEL))}
    assert reached == {left["id"], joined["id"]}
    assert [json.loads(r.body)["event"] for r in receiver.received] == ["feedback.transferred"] * 2


def test_an_always_failing_receiver_is_disabled_with_the_reason(
    webhooks_on, monkeypatch, staff, citizen, road_form, db
):
    monkeypatch.setitem(webhooks_on.config, "WEBHOOK_DISABLE_AFTER_FAILURES", 3)
    monkeypatch.setitem(webhooks_on.config, "WEBHOOK_DISABLE_AFTER_HOURS", 0)
    wiring.install(webhooks_on.config)
    with Receiver(Answer(500, body=b"down")) as receiver:
        webhook = register(staff["editor_a"], receiver.url())
        submit(citizen)
        drain(webhooks_on, db)
    shown = staff["editor_a"].get(f"{WEBHOOKS}/{webhook['id']}").get_json()
    assert shown["active"] is False
    assert shown["disabled_reason"].startswith("Disabled after 3 failed attempts in a row since ")
    assert shown["disabled_reason"].endswith("; the last: HTTP 500: down")
    (delivery,) = db.scalars(select(Delivery).where(Delivery.address == webhook["id"]))
    assert delivery.status == "gone" and len(receiver.received) == 3


def test_a_test_ping_shows_in_the_deliveries(webhooks_on, staff, db):
    with Receiver() as receiver:
        webhook = register(staff["editor_a"], receiver.url())
        response = staff["editor_a"].post(f"{WEBHOOKS}/{webhook['id']}/test")
        assert response.status_code == 202 and response.get_json()["event"] == "ping"
        drain(webhooks_on, db)
    (logged,) = staff["editor_a"].get(f"{WEBHOOKS}/{webhook['id']}/deliveries").get_json()["items"]
    assert (logged["event"], logged["status"], logged["event_id"]) == ("ping", "sent", None)
    assert len(receiver.received) == 1
