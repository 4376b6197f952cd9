"""Push notifications through the real firebase-admin SDK, talking HTTP to a fake FCM on 127.0.0.1.

Nothing of firebase-admin is mocked: the backend's endpoint override points the SDK's send, topic
subscription and legacy Instance ID URLs at tests/fake_fcm.py, which records every request and
answers like FCM (or with scripted errors). The dispatcher works in the test's session.
"""

import json
import logging
import uuid
from datetime import timedelta

import google.oauth2.credentials
import pytest
from firebase_admin import credentials, messaging
from sqlalchemy import func, insert, select, update

from services import notifications, push
from services.core.db import transactional, utcnow
from services.core.security import DEVICE_TOKEN_PREFIX, new_token
from services.core.targets import Targets
from services.models import Delivery, Device, Notification, TokenRetirement
from services.outbox.channels import fcm_messages as push_messages
from services.outbox.channels.fcm_messages import ELLIPSIS, TOKEN_PAYLOAD_LIMIT, TOPIC_PAYLOAD_LIMIT
from tests import fake_fcm as fcm
from tests.conftest import Caller, staff_token
from tests.push_fixtures import *  # noqa: F403
from tests.push_fixtures import PROJECT, SETTINGS, make_worker
from tests.sql_plans import copy_rows, explain, plans_without_seq_scans, sent_statements

pytestmark = pytest.mark.usefixtures("no_google_traffic", "fresh_rate_limits")

DEVICES = "/api/v1/devices"
NOTIFICATIONS = "/api/v1/notifications"
INBOX = "/api/v1/devices/me/notifications"
DA_NANG, HAI_CHAU, THANH_KHE = 48, 20242, 20209
HA_NOI, BA_DINH = 1, 4
VI = {"vi": {"title": "Cảnh báo lừa đảo", "body": "Không chuyển tiền cho người lạ gọi điện tự xưng công an."}}
PLACE_TOPICS = {"all", "p-48", "w-20242", "lang-vi"}


@pytest.fixture
def admin(app, make_user):
    """Just the admin (conftest's `admin` makes every staff caller, with a password hash each)."""
    user = make_user("admin")
    return Caller(app.test_client(), staff_token(user), user)


@pytest.fixture(autouse=True)
def app_database(database):
    """The app's Database, for `session()` below."""
    _app_database[:] = [database]
    return database


# ---------------------------------------------------------------- helpers


_app_database = []


def session():
    """The test's current session (requests replace it, so never keep one across a request)."""
    return _app_database[0].session()


def fresh(model, key):
    return session().get(model, key, populate_existing=True)


def add_device(push_token, province_code=DA_NANG, ward_code=HAI_CHAU, **extra) -> Device:
    """A device row with a push token, committed (its topics already in step unless told otherwise)."""
    token, hashed = new_token(DEVICE_TOKEN_PREFIX)
    device = Device(
        token_hash=hashed,
        platform=extra.pop("platform", "android"),
        province_code=province_code,
        ward_code=ward_code,
        push_token=push_token,
        **extra,
    )
    db = session()
    db.add(device)
    db.commit()
    device.token = token
    return device


def device_caller(app, token) -> Caller:
    return Caller(app.test_client(), token)


def register(client, headers=None, **fields) -> dict:
    body = {"platform": "android", "province_code": DA_NANG, "ward_code": HAI_CHAU, "locale": "vi", **fields}
    response = client.post(DEVICES, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def to_place(targets: Targets, content=None, **options) -> Notification:
    db = session()
    notification = push.enqueue(
        db, push.Audience.place(targets), content or VI, source_type="alert", **options
    )
    db.commit()
    return notification


def to_citizens(*citizen_ids, content=None, **options) -> Notification:
    db = session()
    notification = push.enqueue(
        db,
        push.Audience.citizens(*citizen_ids),
        content or {"vi": {"title": "Phản ánh của bạn đã có trả lời", "body": "Sở Xây dựng đã trả lời."}},
        source_type="feedback",
        source_id="PA-2611-7QK3M9",
        **options,
    )
    db.commit()
    return notification


def announce(admin, **fields):
    body = {
        "targets": {"ward_codes": [HAI_CHAU]},
        "title": "Tạm ngừng cấp nước",
        "body": "Sáng mai.",
        **fields,
    }
    response = admin.post(NOTIFICATIONS, json=body)
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def deliveries(notification) -> list[Delivery]:
    """The notification's deliveries in the outbox, fresh from the database."""
    rows = session().scalars(select(Delivery).execution_options(populate_existing=True))
    return [d for d in rows if d.payload["data"]["notification_id"] == str(notification.id)]


def drain(worker) -> None:
    while worker.run_once():
        pass


def tokens_sent(fake) -> list[str]:
    return [r.message["token"] for r in fake.sent_ok() if "token" in r.message]


def admin_item(admin, notification_id):
    response = admin.get(f"{NOTIFICATIONS}/{notification_id}")
    assert response.status_code == 200
    return response.get_json()


# ---------------------------------------------------------------- devices and topics


def test_registering_a_device_subscribes_its_token_to_its_ward_province_and_language_topics(
    app, client, fake_fcm, dispatcher
):
    registered = register(client, push_token="fcm-token-1")
    assert registered["topics"] == [] and registered["has_push_token"] is True

    dispatcher.run_once()

    assert fake_fcm.subscriptions() == {("fcm-token-1", t) for t in PLACE_TOPICS}
    for request in fake_fcm.of_kind("subscribe"):
        assert request.method == "POST"
        assert request.path == f"/v1/projects/{PROJECT}/registrations/fcm-token-1/topicSubscriptions"
        assert request.headers["authorization"] == "Bearer test-token"
    me = device_caller(app, registered["device_token"]).get(f"{DEVICES}/me").get_json()
    assert set(me["topics"]) == PLACE_TOPICS

    fake_fcm.clear()
    dispatcher.run_once()
    assert fake_fcm.requests == []  # in step: nothing more to do


def test_a_device_that_moves_leaves_its_old_place_topics_and_joins_the_new(app, client, fake_fcm, dispatcher):
    registered = register(client, push_token="fcm-token-1")
    dispatcher.run_once()
    fake_fcm.clear()

    phone = device_caller(app, registered["device_token"])
    response = phone.patch(f"{DEVICES}/me", json={"province_code": HA_NOI, "ward_code": BA_DINH})
    assert response.status_code == 200
    dispatcher.run_once()

    assert fake_fcm.unsubscriptions() == {("fcm-token-1", "p-48"), ("fcm-token-1", "w-20242")}
    assert fake_fcm.subscriptions() == {("fcm-token-1", "p-01"), ("fcm-token-1", "w-00004")}
    for request in fake_fcm.of_kind("unsubscribe"):
        assert request.method == "DELETE" and request.query == {"allow_missing": "true"}
    assert set(phone.get(f"{DEVICES}/me").get_json()["topics"]) == {"all", "lang-vi", "p-01", "w-00004"}

    # A move within the province changes only the ward topic.
    fake_fcm.clear()
    phone.patch(f"{DEVICES}/me", json={"ward_code": 8})
    dispatcher.run_once()
    assert fake_fcm.unsubscriptions() == {("fcm-token-1", "w-00004")}
    assert fake_fcm.subscriptions() == {("fcm-token-1", "w-00008")}


def test_a_new_push_token_retires_the_old_token_from_its_topics(app, client, fake_fcm, dispatcher):
    registered = register(client, push_token="old-token")
    dispatcher.run_once()
    fake_fcm.clear()

    phone = device_caller(app, registered["device_token"])
    assert phone.patch(f"{DEVICES}/me", json={"push_token": "new-token"}).status_code == 200
    dispatcher.run_once()

    assert fake_fcm.unsubscriptions() == {("old-token", t) for t in PLACE_TOPICS}
    assert fake_fcm.subscriptions() == {("new-token", t) for t in PLACE_TOPICS}
    assert session().scalar(select(func.count()).select_from(TokenRetirement)) == 0

    # Forgetting the device takes its token out of its topics too.
    fake_fcm.clear()
    assert phone.delete(f"{DEVICES}/me").status_code == 204
    dispatcher.run_once()
    assert fake_fcm.unsubscriptions() == {("new-token", t) for t in PLACE_TOPICS}
    assert fake_fcm.subscriptions() == set()


def test_a_token_fcm_calls_unregistered_while_subscribing_is_dropped(fake_fcm, dispatcher):
    device = add_device("dead-token", topics_dirty=True)
    fake_fcm.fail("dead-token", fcm.UNREGISTERED)

    dispatcher.run_once()

    device = fresh(Device, device.id)
    assert device.push_token is None and device.subscribed_topics == [] and device.topics_dirty is False
    fake_fcm.clear()
    dispatcher.run_once()
    assert fake_fcm.requests == []


def test_every_statement_of_a_worker_pass_reads_its_table_through_an_index(fake_fcm, dispatcher, transaction):
    """A worker passes every 0.2 s when idle and once a batch in a fan-out, over tables that grow to a
    province's millions of devices and deliveries: an index can serve each of its statements (EXPLAINed
    with sequential scans priced out). The topic chore's `topics_dirty IS TRUE` matched no index's
    predicate, and every pass read the whole devices table."""
    device = add_device("fcm-token-1", topics_dirty=True)
    to_citizens(device.citizen_id)
    with sent_statements(transaction) as statements:
        dispatcher.run_once()
    assert tokens_sent(fake_fcm) == ["fcm-token-1"]  # the pass claimed, sent and recorded

    plans = plans_without_seq_scans(transaction, statements)
    tables = ("devices", "deliveries", "feedback", "token_retirements")
    read = {table for table in tables if any(f" {table} " in f"{statement} " for statement in plans)}
    assert read == set(tables)
    assert [(statement, plan) for statement, plan in plans.items() if "Seq Scan" in plan] == []


# ---------------------------------------------------------------- place messages: topics


@pytest.mark.parametrize(
    ("targets", "topic"),
    [
        ({"ward_codes": [HAI_CHAU]}, "w-20242"),
        ({"province_codes": [DA_NANG]}, "p-48"),
        ({"province_codes": [DA_NANG], "ward_codes": [HAI_CHAU, THANH_KHE]}, "p-48"),
        ({"national": True}, "all"),
    ],
    ids=["ward", "province", "province-with-its-wards", "national"],
)
def test_an_announcement_is_exactly_one_fcm_request_to_its_place_topic(
    admin, fake_fcm, dispatcher, targets, topic
):
    created = announce(admin, targets=targets)
    assert created["status"] == "pending"

    dispatcher.run_once()

    [request] = fake_fcm.requests
    assert request.kind == "send" and request.path == f"/v1/projects/{PROJECT}/messages:send"
    assert request.message["topic"] == topic
    assert "condition" not in request.message and "token" not in request.message
    assert request.message["notification"] == {"title": "Tạm ngừng cấp nước", "body": "Sáng mai."}
    assert request.message["data"]["type"] == "announcement"
    assert request.message["data"]["notification_id"] == created["id"]
    shown = admin_item(admin, created["id"])
    assert shown["status"] == "sent" and shown["message_ids"] == [f"projects/{PROJECT}/messages/1"]


def test_translations_become_language_conditions_of_at_most_five_topics(admin, fake_fcm, dispatcher):
    wards = [20195, 20197, 20200, 20209, 20224, HAI_CHAU]  # six wards of Đà Nẵng
    announce(
        admin,
        targets={"ward_codes": wards},
        translations={"en": {"title": "Water cut", "body": "Tomorrow morning."}},
    )

    dispatcher.run_once()

    sends = fake_fcm.sent_ok()
    conditions = [r.message["condition"] for r in sends]
    assert all(c.count("' in topics") <= 5 for c in conditions), conditions
    english = [r for r in sends if "&& 'lang-en' in topics" in r.message["condition"]]
    vietnamese = [r for r in sends if "!('lang-en' in topics)" in r.message["condition"]]
    assert len(english) + len(vietnamese) == len(sends)
    assert {r.message["notification"]["title"] for r in english} == {"Water cut"}
    assert {r.message["notification"]["title"] for r in vietnamese} == {"Tạm ngừng cấp nước"}
    # Every ward is reached once in each language.
    for group in (english, vietnamese):
        named = [w for r in group for w in wards if f"'w-{w:05d}' in topics" in r.message["condition"]]
        assert sorted(named) == sorted(wards)


def test_a_high_priority_message_carries_android_priority_its_ttl_apns_priority_and_collapse_key(
    fake_fcm, dispatcher
):
    to_place(
        Targets(ward_codes=(HAI_CHAU,)),
        priority="high",
        ttl=timedelta(hours=2),
        collapse_key="alert-1234",
        data={"alert_id": "1234"},
    )
    to_place(Targets(ward_codes=(THANH_KHE,)))  # normal priority

    dispatcher.run_once()

    by_topic = {r.message["topic"]: r.message for r in fake_fcm.sent_ok()}
    high, normal = by_topic["w-20242"], by_topic["w-20209"]
    assert high["android"]["priority"].lower() == "high"
    assert high["android"]["ttl"] == "7200s"
    assert high["android"]["collapse_key"] == "alert-1234"
    assert high["apns"]["headers"]["apns-priority"] == "10"
    assert high["apns"]["headers"]["apns-collapse-id"] == "alert-1234"
    assert high["data"]["alert_id"] == "1234" and high["data"]["type"] == "alert"
    assert normal["android"]["priority"].lower() == "normal"
    assert normal["apns"]["headers"]["apns-priority"] == "5"
    assert "ttl" not in normal["android"]


# ---------------------------------------------------------------- personal messages: multicast


def test_a_personal_message_reaches_both_devices_of_a_citizen(app, client, fake_fcm, dispatcher):
    first = register(client, push_token="phone-token")
    second = register(
        client,
        push_token="tablet-token",
        locale="en",
        headers={"Authorization": f"Bearer {first['device_token']}"},
    )
    stranger = add_device("stranger-token")
    citizen_id = fresh(Device, uuid.UUID(first["id"])).citizen_id
    assert fresh(Device, uuid.UUID(second["id"])).citizen_id == citizen_id
    dispatcher.run_once()  # topic subscriptions
    fake_fcm.clear()

    notification = to_citizens(
        citizen_id,
        content={
            "vi": {"title": "Phản ánh đã có trả lời", "body": "Xem trả lời."},
            "en": {"title": "Your report was answered", "body": "See the answer."},
        },
    )
    dispatcher.run_once()

    by_token = {r.message["token"]: r.message for r in fake_fcm.sent_ok()}
    assert set(by_token) == {"phone-token", "tablet-token"}
    assert stranger.push_token not in by_token
    assert by_token["phone-token"]["notification"]["title"] == "Phản ánh đã có trả lời"
    assert by_token["tablet-token"]["notification"]["title"] == "Your report was answered"
    assert by_token["phone-token"]["data"] == {
        "type": "feedback",
        "id": "PA-2611-7QK3M9",
        "notification_id": str(notification.id),
    }
    done = fresh(Notification, notification.id)
    assert done.status == "sent" and done.success_count == 2 and len(done.message_ids) == 2


def test_personal_fan_out_above_500_tokens_is_sent_in_batches_of_at_most_500(
    fake_fcm, fcm_backend, dispatcher
):
    count = 1203
    db = session()
    citizens = [uuid.uuid4() for _ in range(count)]
    db.execute(
        insert(Device),
        [
            {
                "token_hash": uuid.uuid4().hex + uuid.uuid4().hex,
                "platform": "android",
                "province_code": DA_NANG,
                "ward_code": HAI_CHAU,
                "push_token": f"bulk-token-{i:04d}",
                "citizen_id": citizen,
                "subscribed_topics": sorted(PLACE_TOPICS),
            }
            for i, citizen in enumerate(citizens)
        ],
    )
    db.commit()
    notification = to_citizens(*citizens)

    batches, committed_before = [], []
    send_multicast = fcm_backend.send_multicast

    def observed(message):  # watch the real backend's calls (and what was committed sent before each)
        batches.append(len(message.tokens))
        done = select(func.count()).select_from(Delivery).where(Delivery.status == "sent")
        committed_before.append(session().scalar(done))
        return send_multicast(message)

    fcm_backend.send_multicast = observed
    drain(dispatcher)

    assert batches == [500, 500, 203]
    assert committed_before == [0, 500, 1000]
    sent = tokens_sent(fake_fcm)
    assert len(sent) == count and set(sent) == {f"bulk-token-{i:04d}" for i in range(count)}
    done = fresh(Notification, notification.id)
    assert done.status == "sent" and done.success_count == count and done.failure_count == 0
    assert {(d.status, d.attempts) for d in deliveries(notification)} == {("sent", 1)}


@pytest.mark.parametrize("error", [fcm.UNREGISTERED, fcm.INVALID_TOKEN, fcm.SENDER_ID_MISMATCH])
def test_a_dead_token_is_removed_from_its_device_and_never_retried(fake_fcm, dispatcher, error):
    citizen_id = uuid.uuid4()
    alive = add_device("alive-token", citizen_id=citizen_id, subscribed_topics=sorted(PLACE_TOPICS))
    dead = add_device("dead-token", citizen_id=citizen_id, subscribed_topics=sorted(PLACE_TOPICS))
    fake_fcm.fail("dead-token", error)
    notification = to_citizens(citizen_id)

    dispatcher.run_once()

    dead, alive = fresh(Device, dead.id), fresh(Device, alive.id)
    assert dead.push_token is None and dead.subscribed_topics == []
    assert alive.push_token == "alive-token"
    done = fresh(Notification, notification.id)
    assert done.status == "sent" and done.success_count == 1 and done.failure_count == 1
    assert sorted((d.status, d.attempts) for d in deliveries(notification)) == [("gone", 1), ("sent", 1)]

    fake_fcm.clear()
    to_citizens(citizen_id)
    dispatcher.run_once()
    dispatcher.run_once()
    assert tokens_sent(fake_fcm) == ["alive-token"]
    assert all(r.message.get("token") != "dead-token" for r in fake_fcm.requests)


# ---------------------------------------------------------------- failures: backoff, retry limits, auth


def test_429_with_retry_after_reschedules_the_notification_after_that_delay(fake_fcm, dispatcher):
    fake_fcm.fail("w-20242", fcm.QUOTA_EXCEEDED, retry_after=120)
    notification = to_place(Targets(ward_codes=(HAI_CHAU,)))

    before = utcnow()
    dispatcher.run_once()
    after = utcnow()

    assert len(fake_fcm.sends()) == 1  # the SDK did not retry the 429 itself
    assert fresh(Notification, notification.id).status == "retrying"
    [waiting] = deliveries(notification)
    assert waiting.status == "retrying" and waiting.attempts == 1
    assert "QuotaExceeded" in waiting.last_error
    assert before + timedelta(seconds=120) <= waiting.next_attempt_at <= after + timedelta(seconds=120)
    assert waiting.lease_until is None

    dispatcher.run_once()  # not due yet
    assert len(fake_fcm.sends()) == 1


def test_429_in_a_personal_fan_out_retries_only_the_devices_that_were_refused(fake_fcm, dispatcher):
    citizen_id = uuid.uuid4()
    add_device("token-ok", citizen_id=citizen_id)
    add_device("token-throttled", citizen_id=citizen_id)
    fake_fcm.fail("token-throttled", fcm.QUOTA_EXCEEDED, times=1, retry_after=1)
    notification = to_citizens(citizen_id)

    dispatcher.run_once()
    waiting = fresh(Notification, notification.id)
    assert waiting.status == "retrying" and waiting.success_count == 1
    assert sorted(d.status for d in deliveries(notification)) == ["retrying", "sent"]

    session().execute(update(Delivery).values(next_attempt_at=utcnow()))  # the Retry-After has passed
    session().commit()
    dispatcher.run_once()

    assert sorted(tokens_sent(fake_fcm)) == ["token-ok", "token-throttled"]  # each accepted once
    done = fresh(Notification, notification.id)
    assert done.status == "sent" and done.success_count == 2
    assert sorted(d.attempts for d in deliveries(notification)) == [1, 2]


def test_a_few_5xx_answers_are_retried_by_the_sdk_and_the_message_is_sent(fake_fcm, dispatcher):
    fake_fcm.fail("w-20242", fcm.UNAVAILABLE, times=1)
    fake_fcm.fail("w-20242", fcm.INTERNAL, times=1)
    notification = to_place(Targets(ward_codes=(HAI_CHAU,)))

    dispatcher.run_once()

    assert [r.status for r in fake_fcm.sends()] == [503, 500, 200]
    assert fresh(Notification, notification.id).status == "sent"
    assert [d.attempts for d in deliveries(notification)] == [1]


def test_503_persisting_past_max_attempts_fails_the_notification_with_its_error(fake_fcm, dispatcher):
    fake_fcm.fail("w-20242", fcm.UNAVAILABLE, times=5)  # the first try and the SDK's four retries
    notification = to_place(Targets(ward_codes=(HAI_CHAU,)))
    # Earlier passes already used all attempts but the last.
    session().execute(update(Delivery).values(attempts=SETTINGS.max_attempts - 1))
    session().commit()

    dispatcher.run_once()

    assert [r.status for r in fake_fcm.sends()] == [503] * 5
    [delivery] = deliveries(notification)
    assert delivery.status == "failed" and delivery.attempts == SETTINGS.max_attempts
    failed = fresh(Notification, notification.id)
    assert failed.status == "failed"
    assert failed.last_error.startswith(f"Gave up after {SETTINGS.max_attempts} attempts")
    assert "UnavailableError" in failed.last_error
    assert failed.completed_at is not None

    dispatcher.run_once()
    assert len(fake_fcm.sends()) == 5  # failed for good: never claimed again


def test_a_timeout_is_retried_on_the_next_attempt(fake_fcm, make_fcm_backend, database):
    backend = make_fcm_backend(timeout=0.3)
    worker = make_worker(database, backend)
    fake_fcm.slow("w-20242", seconds=1.5, times=2)  # the first try and the SDK's one read retry
    notification = to_place(Targets(ward_codes=(HAI_CHAU,)))

    worker.run_once()
    waiting = fresh(Notification, notification.id)
    # urllib3 retried the read once, then requests gave up: firebase-admin calls that UnavailableError.
    assert waiting.status == "retrying" and "Read timed out" in waiting.last_error
    assert len(fake_fcm.sends()) == 2

    session().execute(update(Delivery).values(next_attempt_at=utcnow()))
    session().commit()
    worker.run_once()
    assert fresh(Notification, notification.id).status == "sent"


def test_third_party_auth_error_keeps_the_token_and_alerts_the_operators(fake_fcm, dispatcher, caplog):
    device = add_device("ios-token", platform="ios")
    fake_fcm.fail("ios-token", fcm.THIRD_PARTY_AUTH_ERROR)
    notification = to_citizens(device.citizen_id)

    with caplog.at_level(logging.CRITICAL, logger="citizen.push.operators"):
        dispatcher.run_once()

    assert fresh(Device, device.id).push_token == "ios-token"
    waiting = fresh(Notification, notification.id)
    assert waiting.status == "retrying" and "ThirdPartyAuthError" in waiting.last_error
    alerts = [r for r in caplog.records if r.name == "citizen.push.operators"]
    assert (
        alerts and alerts[0].levelno == logging.CRITICAL and "ThirdPartyAuthError" in alerts[0].getMessage()
    )


class _UnrefreshableCredential(credentials.Base):
    """A plain static token: when Google refuses it, google-auth cannot refresh it."""

    def get_credential(self):
        return google.oauth2.credentials.Credentials(token="test-token")


def test_refused_credentials_alert_the_operators_instead_of_crashing_the_worker(
    fake_fcm, make_fcm_backend, caplog, database
):
    worker = make_worker(database, make_fcm_backend(credential=_UnrefreshableCredential()))
    fake_fcm.fail("*", fcm.UNAUTHENTICATED)
    place = to_place(Targets(ward_codes=(HAI_CHAU,)))
    personal = to_citizens(add_device("some-token").citizen_id)

    with caplog.at_level(logging.CRITICAL, logger="citizen.push.operators"):
        worker.run_once()

    for notification in (place, personal):
        waiting = fresh(Notification, notification.id)
        assert waiting.status == "retrying" and "RefreshError" in waiting.last_error, waiting.last_error
    assert len([r for r in caplog.records if r.name == "citizen.push.operators"]) == 2
    assert fresh(Device, session().scalar(select(Device.id))).push_token == "some-token"


# ---------------------------------------------------------------- the endpoint override


def test_the_endpoint_override_reaches_every_url_the_sdk_calls(fake_fcm, fcm_backend, no_google_traffic):
    assert fcm_backend.send(messaging.Message(topic="w-20242")).ok
    assert fcm_backend.send_multicast(push_messages.multicast(_payload(), ["tok-1"], "vi", False))[0].ok
    assert fcm_backend.subscribe(["tok-1"], "p-48")[0].ok
    assert fcm_backend.unsubscribe(["tok-1"], "p-48")[0].ok
    with pytest.warns(DeprecationWarning):
        added = messaging.subscribe_to_topic_legacy(["tok-1", "tok-2"], "w-20242", app=fcm_backend.app)
    with pytest.warns(DeprecationWarning):
        removed = messaging.unsubscribe_from_topic_legacy(["tok-1"], "w-20242", app=fcm_backend.app)
    assert added.success_count == 2 and removed.success_count == 1

    base = f"/v1/projects/{PROJECT}"
    assert [(r.kind, r.method, r.path) for r in fake_fcm.requests] == [
        ("send", "POST", f"{base}/messages:send"),
        ("send", "POST", f"{base}/messages:send"),
        ("subscribe", "POST", f"{base}/registrations/tok-1/topicSubscriptions"),
        ("unsubscribe", "DELETE", f"{base}/registrations/tok-1/topicSubscriptions/p-48"),
        ("iid-add", "POST", "/iid/v1:batchAdd"),
        ("iid-remove", "POST", "/iid/v1:batchRemove"),
    ]
    assert fake_fcm.requests[4].body == {"to": "/topics/w-20242", "registration_tokens": ["tok-1", "tok-2"]}
    assert all(r.headers["authorization"] == "Bearer test-token" for r in fake_fcm.requests)
    assert no_google_traffic == []  # nothing tried to reach fcm.googleapis.com, iid.googleapis.com or oauth2


def _payload() -> dict:
    return {"content": VI, "data": {"type": "test"}, "priority": "normal", "ttl_seconds": None}


# ---------------------------------------------------------------- what admins and citizens see


def test_the_notification_list_shows_each_outcome(admin, fake_fcm, dispatcher):
    dead_owner = uuid.uuid4()
    add_device("alive-token", citizen_id=dead_owner)
    add_device("dead-token", citizen_id=dead_owner)
    fake_fcm.fail("dead-token", fcm.UNREGISTERED)
    fake_fcm.fail("w-20209", fcm.QUOTA_EXCEEDED, retry_after=300)
    fake_fcm.fail("w-20224", fcm.INVALID_ARGUMENT)
    sent = to_place(Targets(ward_codes=(HAI_CHAU,)))
    throttled = to_place(Targets(ward_codes=(THANH_KHE,)))
    refused = to_place(Targets(ward_codes=(20224,)))
    personal = to_citizens(dead_owner)

    dispatcher.run_once()

    response = admin.get(NOTIFICATIONS)
    assert response.status_code == 200
    items = {item["id"]: item for item in response.get_json()["items"]}
    shown_sent = items[str(sent.id)]
    assert shown_sent["status"] == "sent" and shown_sent["success_count"] == 1
    [accepted] = [r for r in fake_fcm.sent_ok() if r.target == "topic:w-20242"]
    assert shown_sent["message_ids"] == [accepted.name]
    assert shown_sent["first_sent_at"] and shown_sent["completed_at"]
    assert items[str(throttled.id)]["status"] == "retrying"
    assert "QuotaExceeded" in items[str(throttled.id)]["last_error"]
    assert items[str(refused.id)]["status"] == "failed"
    assert "InvalidArgumentError" in items[str(refused.id)]["last_error"]
    shown_personal = items[str(personal.id)]
    assert shown_personal["status"] == "sent" and shown_personal["audience"] == "citizens"
    assert shown_personal["success_count"] == 1 and shown_personal["failure_count"] == 1

    failed = admin.get(f"{NOTIFICATIONS}?status=failed").get_json()["items"]
    assert [item["id"] for item in failed] == [str(refused.id)]


def test_the_device_inbox_lists_delivered_place_and_personal_messages_and_marks_them_read(
    app, admin, fake_fcm, dispatcher
):
    phone = add_device("inbox-token")
    neighbour_ward = to_place(Targets(ward_codes=(THANH_KHE,)))
    province = to_place(Targets(province_codes=(DA_NANG,)))
    mine = to_citizens(phone.citizen_id)
    announced = announce(admin)  # to Hải Châu
    not_yet = to_place(Targets(ward_codes=(HAI_CHAU,)), send_at=utcnow() + timedelta(hours=1))
    dispatcher.run_once()

    me = device_caller(app, phone.token)
    response = me.get(INBOX)
    assert response.status_code == 200
    items = response.get_json()["items"]
    ids = [item["id"] for item in items]
    assert set(ids) == {str(province.id), str(mine.id), announced["id"]}
    assert str(neighbour_ward.id) not in ids and str(not_yet.id) not in ids
    assert all(item["read"] is False for item in items)
    assert next(i for i in items if i["id"] == str(mine.id))["title"] == "Phản ánh của bạn đã có trả lời"

    assert me.post(f"{INBOX}/{mine.id}/read").status_code == 204
    assert me.post(f"{INBOX}/{mine.id}/read").status_code == 204  # idempotent
    read = {item["id"]: item["read"] for item in me.get(INBOX).get_json()["items"]}
    assert read == {str(province.id): False, str(mine.id): True, announced["id"]: False}
    assert me.post(f"{INBOX}/{neighbour_ward.id}/read").status_code == 404


def test_the_inbox_pages_through_place_and_personal_messages_newest_first(app, fake_fcm, dispatcher):
    phone, other = add_device("inbox-token"), add_device("other-token")
    mine = []
    for n in range(7):
        mine.append(
            to_citizens(phone.citizen_id) if n % 3 == 0 else to_place(Targets(ward_codes=(HAI_CHAU,)))
        )
        to_citizens(other.citizen_id)  # for others, in between
        to_place(Targets(ward_codes=(THANH_KHE,)))
    drain(dispatcher)

    me, seen, cursor = device_caller(app, phone.token), [], None
    while True:
        page = me.get(INBOX, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [str(notification.id) for notification in reversed(mine)]


def test_a_new_device_s_inbox_reads_no_other_citizen_s_notifications(app, fake_fcm, dispatcher, transaction):
    """Every new device opens an inbox holding less than a page. Walking every notification newest first
    to fill it read all the personal ones of other citizens (230 ms at 1,000,000); the page is taken
    from the place notifications' own index and the citizen's recipients' rows."""
    other = add_device("other-token")
    to_citizens(other.citizen_id)
    to_place(Targets(ward_codes=(THANH_KHE,)))
    drain(dispatcher)
    copy_rows(transaction, "notifications", 5000)
    phone = add_device("new-token")
    with sent_statements(transaction) as sent:
        assert device_caller(app, phone.token).get(INBOX).get_json()["items"] == []
    statement, parameters = next((s, p) for s, p in sent if "FROM notifications" in s)
    plan = explain(transaction, statement, parameters)
    assert "ix_notifications_created" not in plan and "Seq Scan on notifications" not in plan, plan


def test_the_delivery_summary_of_an_alert_counts_its_pushes_by_outcome(fake_fcm, dispatcher):
    citizen_id = uuid.uuid4()
    add_device("alive-token", citizen_id=citizen_id)
    add_device("dead-token", citizen_id=citizen_id)
    fake_fcm.fail("dead-token", fcm.UNREGISTERED)
    about = {"source_id": "ALERT-1", "priority": "high"}
    place = to_place(Targets(ward_codes=(HAI_CHAU,)), **about)
    db = session()
    personal = push.enqueue(db, push.Audience.citizens(citizen_id), VI, source_type="alert", **about)
    expired = push.enqueue(
        db,
        push.Audience.place(Targets(ward_codes=(THANH_KHE,))),
        VI,
        source_type="alert",
        source_id="ALERT-1",
        ttl=timedelta(0),
    )
    to_place(Targets(ward_codes=(HAI_CHAU,)), source_id="ALERT-2")  # another alert
    db.commit()

    dispatcher.run_once()

    summary = notifications.delivery_summary(session(), "alert", "ALERT-1")
    place, personal, expired = (fresh(Notification, n.id) for n in (place, personal, expired))
    assert summary["by_status"] == {"sent": 2, "failed": 1}
    assert summary["delivered"] == 2 and summary["failed_recipients"] == 1
    assert summary["first_sent_at"] == min(place.first_sent_at, personal.first_sent_at)
    assert summary["last_sent_at"] == max(place.completed_at, personal.completed_at) < expired.completed_at


# ---------------------------------------------------------------- the outbox


def test_a_rolled_back_transaction_writes_and_sends_nothing(fake_fcm, dispatcher):
    device = add_device("some-token")

    @transactional
    def publish_then_fail(db):
        push.enqueue(db, push.Audience.place(Targets(ward_codes=(HAI_CHAU,))), VI, source_type="alert")
        push.enqueue(db, push.Audience.citizens(device.citizen_id), VI, source_type="feedback")
        raise RuntimeError("the alert could not be saved")

    with pytest.raises(RuntimeError):
        publish_then_fail(session())

    assert session().scalar(select(func.count()).select_from(Notification)) == 0
    dispatcher.run_once()
    assert fake_fcm.sends() == []


def test_an_expired_notice_is_failed_not_sent(fake_fcm, dispatcher):
    notification = to_place(Targets(ward_codes=(HAI_CHAU,)), ttl=timedelta(minutes=10))
    # The worker was down for an hour.
    for delivery in deliveries(notification):
        delivery.payload = {**delivery.payload, "expires_at": (utcnow() - timedelta(minutes=50)).isoformat()}
    session().commit()

    dispatcher.run_once()

    assert fake_fcm.sends() == []
    failed = fresh(Notification, notification.id)
    assert failed.status == "failed" and "Expired" in failed.last_error


def test_a_notification_whose_workers_keep_dying_is_failed_not_claimed_forever(fake_fcm, dispatcher):
    notification = to_place(Targets(ward_codes=(HAI_CHAU,)))
    # Every earlier claim ended with its worker killed mid-send.
    session().execute(update(Delivery).values(attempts=dispatcher.settings.max_attempts))
    session().commit()

    dispatcher.run_once()

    assert fake_fcm.sends() == []
    abandoned = fresh(Notification, notification.id)
    assert abandoned.status == "failed" and "Abandoned" in abandoned.last_error


# ---------------------------------------------------------------- payload limits


LONG_BODY = " ".join(
    ["Ủy ban nhân dân thành phố Đà Nẵng thông báo tạm ngừng cung cấp nước sạch để sửa chữa đường ống"] * 60
)[:5000]


@pytest.mark.parametrize("audience", ["topic", "token"])
def test_a_long_vietnamese_body_is_cut_at_a_word_boundary_to_fit_fcm_limits(fake_fcm, dispatcher, audience):
    assert len(LONG_BODY) == 5000
    content = {"vi": {"title": "Thông báo tạm ngừng cấp nước", "body": LONG_BODY}}
    if audience == "topic":
        to_place(Targets(ward_codes=(HAI_CHAU,)), content=content, priority="high", ttl=timedelta(hours=1))
        limit = TOPIC_PAYLOAD_LIMIT
    else:
        device = add_device("x" * 163)  # FCM registration tokens are long
        to_citizens(device.citizen_id, content=content, priority="high", ttl=timedelta(hours=1))
        limit = TOKEN_PAYLOAD_LIMIT

    dispatcher.run_once()

    [request] = fake_fcm.sent_ok()
    size = len(json.dumps(request.message, ensure_ascii=False).encode())
    assert size <= limit
    body = request.message["notification"]["body"]
    assert body.endswith(ELLIPSIS)
    kept = body.removesuffix(ELLIPSIS)
    assert LONG_BODY.startswith(kept) and LONG_BODY[len(kept)] == " "  # whole words only
    assert size > limit - 200  # and not cut much more than needed
    assert request.message["notification"]["title"] == "Thông báo tạm ngừng cấp nước"
