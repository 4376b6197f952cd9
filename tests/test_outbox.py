"""The outbox on its own: a channel that plays a script of answers shows what the worker does with
each (sent, retry with or without Retry-After, failed, gone), the order kept per key, attempt limits
per channel, and that nothing is written when the writing transaction rolls back."""

import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from api.worker import aside
from services import events, outbox, push, zalo
from services.core.db import make_engine, transactional, utcnow
from services.core.targets import Targets
from services.models import (
    Citizen,
    Delivery,
    Device,
    EventRecord,
    Feedback,
    Notification,
    NotificationRecipient,
    ZaloTemplate,
)
from services.outbox.channels.base import Outgoing, Result
from services.outbox.worker import Settings, Worker
from services.push import Audience
from tests import test_alerts
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import submit
from tests.reliability.harness import scratch_database
from tests.sql_plans import sent_statements

CHANNEL = "scripted"


class Scripted:
    """A channel answering from a script per address (sent when the script is used up)."""

    name = CHANNEL

    def __init__(self):
        self.script: dict[str, list[Result]] = {}
        self.sent: list[Outgoing] = []

    def send(self, outgoing: Outgoing) -> Result:
        self.sent.append(outgoing)
        answers = self.script.get(outgoing.address)
        return answers.pop(0) if answers else Result("sent", status_code=200, latency_ms=3)


database = None  # the app's Database, for the helpers below (set for each test)


@pytest.fixture(autouse=True)
def _database(database):
    globals()["database"] = database


@pytest.fixture
def channel():
    yield Scripted()
    outbox._routes.pop(CHANNEL, None)


@pytest.fixture
def worker(channel):
    return Worker(
        database.session, {CHANNEL: channel}, Settings(max_attempts=3, backoff_base=0.01, backoff_max=0.05)
    )


def enqueue(address="https://example.org/hook", **options) -> Delivery:
    db = database.session()
    delivery = outbox.enqueue(db, CHANNEL, address, {"n": len(options)}, **options)
    db.commit()
    return delivery


def fresh(delivery: Delivery) -> Delivery:
    return database.session().get(Delivery, delivery.id, populate_existing=True)


def drain(worker: Worker) -> None:
    while worker.run_once():
        pass


def test_a_sent_delivery_records_its_answer(worker, channel):
    delivery = enqueue()
    assert worker.run_once() == 1
    done = fresh(delivery)
    assert (done.status, done.attempts, done.status_code, done.latency_ms) == ("sent", 1, 200, 3)
    assert done.completed_at and done.last_attempt_at and done.lease_until is None
    assert [o.attempts for o in channel.sent] == [0]  # tries before this one
    assert worker.run_once() == 0


def test_one_batch_of_different_answers_records_each_on_its_own_delivery(worker, channel):
    """Outcomes that share their values are written together and the rest one by one (an SMS's own
    message id, a webhook's own latency): none may take another's values."""
    answers = {
        "sms:1": Result("sent", latency_ms=11, provider_id="m-1"),
        "sms:2": Result("sent", latency_ms=12, provider_id="m-2"),
        "sms:3": Result("sent", latency_ms=12, provider_id="m-3"),
        "sms:4": Result("retry", after=60, status_code=503, detail="busy"),
        "sms:5": Result("failed", status_code=400, detail="refused"),
        "sms:6": Result("sent", status_code=200, latency_ms=3),
        "sms:7": Result("sent", status_code=200, latency_ms=3),
    }
    for address, answer in answers.items():
        channel.script[address] = [answer]
    deliveries = {address: enqueue(address) for address in answers}
    assert worker.run_once() == len(answers)
    written = {address: fresh(d) for address, d in deliveries.items()}
    assert {a: (d.status, d.latency_ms, d.provider_id) for a, d in written.items() if d.status == "sent"} == {
        "sms:1": ("sent", 11, "m-1"),
        "sms:2": ("sent", 12, "m-2"),
        "sms:3": ("sent", 12, "m-3"),
        "sms:6": ("sent", 3, None),
        "sms:7": ("sent", 3, None),
    }
    assert (written["sms:4"].status, written["sms:4"].status_code, written["sms:4"].last_error) == (
        "retrying",
        503,
        "busy",
    )
    assert written["sms:4"].completed_at is None and written["sms:4"].lease_until is None
    assert (written["sms:5"].status, written["sms:5"].last_error) == ("failed", "refused")


def test_a_chore_set_aside_keeps_no_delivery_waiting(channel, caplog):
    """The morning bulletins' speech synthesis runs beside the deliveries: an alert sent meanwhile
    goes at once, and a new pass starts only when the last one has ended."""
    passes, release = [], threading.Event()

    def slow(db):
        passes.append(db)
        if len(passes) == 1:
            assert release.wait(10)
        else:
            raise RuntimeError("the speech engine is missing")

    worker = Worker(database.session, {CHANNEL: channel}, chores=(aside(slow, database.sessions),))
    first = enqueue("hook:first")
    assert worker.run_once() == 1 and fresh(first).status == "sent"
    second = enqueue("hook:second")
    assert worker.run_once() == 1 and fresh(second).status == "sent"
    assert len(passes) == 1  # still running: not started twice
    assert passes[0] is not database.session()  # a session of its own, not the loop's

    release.set()
    wait_for(lambda: worker.run_once() is not None and len(passes) >= 2)
    wait_for(lambda: "the speech engine is missing" in caplog.text)  # logged, and the worker goes on
    third = enqueue("hook:third")
    assert worker.run_once() == 1 and fresh(third).status == "sent"


def wait_for(predicate) -> None:
    deadline = time.monotonic() + 5
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_retry_after_wins_over_the_backoff(worker, channel):
    channel.script["https://example.org/hook"] = [
        Result("retry", after=120, status_code=429, detail="slow down")
    ]
    delivery = enqueue()
    before = utcnow()
    worker.run_once()
    after = utcnow()

    waiting = fresh(delivery)
    assert waiting.status == "retrying" and waiting.status_code == 429 and waiting.last_error == "slow down"
    assert before + timedelta(seconds=120) <= waiting.next_attempt_at <= after + timedelta(seconds=120)
    assert worker.run_once() == 0 and len(channel.sent) == 1  # not due yet


def test_the_backoff_grows_with_jitter_up_to_its_ceiling(worker):
    waits = [worker.backoff(attempts, Result("retry")) for attempts in (1, 2, 3, 20) for _ in range(20)]
    assert all(0.005 <= w <= 0.01 for w in waits[:20]) and all(0.01 <= w <= 0.02 for w in waits[20:40])
    assert max(waits[60:]) <= 0.05 and len(set(waits)) > 40  # capped, and jittered


def test_retries_stop_at_max_attempts_and_the_delivery_fails(worker, channel):
    down = Result("retry", after=0, status_code=503, detail="down")
    channel.script["https://example.org/hook"] = [down] * 5
    delivery = enqueue()
    drain(worker)
    failed = fresh(delivery)
    assert failed.status == "failed" and failed.attempts == 3 and len(channel.sent) == 3
    assert failed.last_error == "Gave up after 3 attempts: down" and failed.completed_at


def test_a_channel_may_allow_fewer_attempts_than_the_worker(worker, channel):
    outbox.route(CHANNEL, max_attempts=1)
    channel.script["https://example.org/hook"] = [Result("retry", detail="down")]
    delivery = enqueue()
    worker.run_once()
    assert fresh(delivery).status == "failed" and len(channel.sent) == 1


def test_a_failed_answer_is_final(worker, channel):
    channel.script["https://example.org/hook"] = [Result("failed", status_code=410, detail="refused")]
    delivery = enqueue()
    drain(worker)
    assert (fresh(delivery).status, fresh(delivery).last_error) == ("failed", "refused")
    assert len(channel.sent) == 1


def test_a_gone_address_ends_the_delivery_and_the_hook_hears_of_it(worker, channel):
    heard = []
    outbox.route(CHANNEL, recorded=lambda db, outcomes: heard.extend((d.status, r.kind) for d, r in outcomes))
    channel.script["https://example.org/hook"] = [Result("gone", status_code=404, detail="no such hook")]
    delivery = enqueue()
    worker.run_once()
    assert fresh(delivery).status == "gone" and heard == [("gone", "gone")]


def test_an_address_the_resolver_no_longer_knows_is_gone_without_sending(worker, channel):
    outbox.route(
        CHANNEL, resolve=lambda db, address: None if address.endswith("deleted") else {"secret": "s"}
    )
    gone, kept = enqueue("hook:deleted"), enqueue("hook:kept")
    worker.run_once()
    assert fresh(gone).status == "gone" and fresh(kept).status == "sent"
    assert [(o.address, o.target) for o in channel.sent] == [("hook:kept", {"secret": "s"})]


def test_deliveries_with_the_same_key_go_one_after_the_other(worker, channel):
    channel.script["hook:a"] = [Result("retry", after=0, detail="busy")]
    first = enqueue("hook:a", ordering_key="feedback-1")
    second = enqueue("hook:a", ordering_key="feedback-1")
    third = enqueue("hook:a", ordering_key="feedback-1")
    elsewhere = enqueue("hook:b", ordering_key="feedback-1")  # another address: its own order
    unordered = enqueue("hook:a")

    worker.run_once()
    assert {o.id for o in channel.sent} == {first.id, elsewhere.id, unordered.id}
    drain(worker)
    assert [o.id for o in channel.sent if o.address == "hook:a" and o.id != unordered.id] == [
        first.id,
        first.id,
        second.id,
        third.id,
    ]
    assert {fresh(d).status for d in (first, second, third)} == {"sent"}


def test_a_held_back_delivery_waits_for_its_time(worker, channel):
    later = enqueue(send_at=utcnow() + timedelta(hours=1))
    assert worker.run_once() == 0 and fresh(later).status == "pending"


def test_a_rolled_back_event_leaves_no_event_notification_or_delivery(db, citizen, road_form):
    item = submit(citizen)
    counts = [select(func.count()).select_from(t) for t in (EventRecord, Notification, Delivery)]
    before = [db.scalar(c) for c in counts]

    @transactional
    def announce_then_fail(db):
        events.emit(db, "feedback.created", db.get(Feedback, item["id"]))  # the citizen push subscribes
        assert db.scalar(counts[2]) > before[2] or db.scalar(counts[1]) > before[1]
        raise RuntimeError("the change could not be saved")

    with pytest.raises(RuntimeError):
        announce_then_fail(database.session())
    assert [db.scalar(c) for c in counts] == before


sqlite_app = test_alerts.sqlite_app  # the fixture: an app on a migrated SQLite file


def test_on_sqlite_the_worker_claims_sends_and_records_in_order(sqlite_app, channel):
    """`make run`'s database: the claim's one statement (UPDATE … FROM its due rows … RETURNING) runs on
    SQLite too; a delivery waits for the earlier one of its key, and every outcome is written."""
    channel.script["a"] = [Result("retry", after=0, detail="busy")]
    with sqlite_app.app_context():
        db = sqlite_app.extensions["database"].session()
        for address, n in (("a", 1), ("a", 2), ("b", 1)):
            outbox.enqueue(db, CHANNEL, address, {"n": n}, ordering_key="subject")
        db.commit()
        worker = Worker(lambda: db, {CHANNEL: channel}, Settings(backoff_base=0))

        assert worker.run_once() == 2  # a's second waits for its first
        while worker.run_once():
            pass

        sent = [(o.address, o.payload["n"], o.attempts) for o in channel.sent]
        assert sent == [("a", 1, 0), ("b", 1, 0), ("a", 1, 1), ("a", 2, 0)]
        rows = db.execute(
            select(Delivery.address, Delivery.status, Delivery.attempts).order_by(Delivery.created_at)
        )
        assert rows.all() == [("a", "sent", 2), ("a", "sent", 1), ("b", "sent", 1)]


def test_on_sqlite_the_deliveries_the_database_writes_are_addressed_as_python_addresses_them(sqlite_app):
    """The embedded default writes bulk deliveries too (push.enqueue's INSERT … SELECT): ids are UUIDs
    and each address is the one the channel resolves, a device's or a Mini App citizen's."""
    with sqlite_app.app_context():
        db = sqlite_app.extensions["database"].session()
        citizen = Citizen(id=uuid.uuid4(), zalo_user_id="zalo-1", zalo_notifications=True)
        phone = Device(token_hash="a" * 64, platform="android", province_code=48, ward_code=20242)
        phone.citizen_id, phone.push_token = citizen.id, "fcm-token-1"
        mini_app = Device(token_hash="b" * 64, platform="zalo", province_code=48, ward_code=20242)
        mini_app.citizen_id = citizen.id
        params = [{"name": "tieu_de", "field": "title", "max_length": 50}]
        template = ZaloTemplate(
            channel=zalo.MINIAPP, message="alert.published", template_id="77", params=params
        )
        db.add_all([citizen, phone, mini_app, template])
        db.flush()
        content = {"vi": {"title": "Bão", "body": "Sơ tán."}}
        area = Audience.place(Targets(ward_codes=(20242,)))
        push.enqueue(db, area, content, source_type="alert", message="alert.published", values={})
        push.enqueue(db, Audience.citizens(citizen.id), content, source_type="feedback")
        db.commit()

        written = {d.channel: d for d in db.scalars(select(Delivery).where(Delivery.channel != "fcm"))}
        devices = db.scalars(select(Delivery).where(Delivery.address.startswith(push.DEVICE))).all()
        assert [d.address for d in devices] == [f"device:{phone.id}"]
        assert push.resolve_many(db, [devices[0].address])[devices[0].address]["token"] == "fcm-token-1"
        mini_app_delivery = written[zalo.MINIAPP]
        assert mini_app_delivery.address == f"citizen:{citizen.id}"
        assert zalo.resolve_miniapp(db, [mini_app_delivery.address]) == {
            mini_app_delivery.address: {"user_id": "zalo-1"}
        }
        assert {devices[0].id.version, mini_app_delivery.id.version} == {4}


def test_a_message_to_more_citizens_than_a_statement_takes_parameters_is_written_in_a_few(database_url):
    """A fact-check told to the 70,000 citizens who asked about a viral claim (PostgreSQL binds at most
    65,535 parameters a statement, which one per citizen had exceeded): each reached on the channel they
    have, in the same few statements as a message to one, and each in the inbox's recipients. In a
    database of its own: the shared one's tables would keep the pages of the rolled-back rows, and the
    plans of later tests would see them."""
    with scratch_database(database_url, "citizen_crowd") as url:
        engine = make_engine(url)
        with Session(engine) as db:
            _message_to_a_crowd(db)
        engine.dispose()


def _message_to_a_crowd(db: Session) -> None:
    db.execute(
        text("""
            INSERT INTO devices (id, token_hash, platform, locale, province_code, ward_code, push_token,
                last_seen_at, citizen_id, categories, subscribed_topics, topics_dirty, created_at, updated_at)
            SELECT gen_random_uuid(), md5('crowd-device' || i) || md5('crowd' || i), 'android', 'vi', 48,
                20242, CASE WHEN i % 2 = 0 THEN 'crowd-token-' || i END, now(), md5('crowd' || i)::uuid,
                '[]', '[]', false, now(), now()
            FROM generate_series(1, 70000) AS i
        """)
    )
    db.execute(  # those without a push token shared their phone
        text("""
            INSERT INTO citizens (id, phone, zalo_notifications, created_at)
            SELECT md5('crowd' || i)::uuid, '+8490' || lpad(i::text, 7, '0'), false, now()
            FROM generate_series(1, 70000) AS i WHERE i % 2 = 1
        """)
    )
    crowd = db.scalars(text("SELECT md5('crowd' || i)::uuid FROM generate_series(1, 70000) AS i")).all()
    content = {"vi": {"title": "Sự cố dữ liệu", "body": "Thông báo về dữ liệu của bạn."}}
    with sent_statements(db.connection()) as sent:
        notification = push.enqueue(db, Audience.citizens(*crowd), content, source_type="breach")
        db.flush()

    assert len(sent) <= 10  # devices, citizens, the SMS day and count, then one INSERT each
    written = db.execute(
        select(Delivery.channel, Delivery.status, func.count())
        .where(Delivery.payload["data"]["notification_id"].as_string() == str(notification.id))
        .group_by(Delivery.channel, Delivery.status)
    ).all()
    # The SMS are held: more than the day's budget of segments, for a message that is not an alert.
    assert sorted(written) == [("fcm", "pending", 35000), ("sms", "held", 35000)]
    assert notification.outstanding == 35000
    recipients = db.execute(
        select(NotificationRecipient.channel, func.count())
        .where(NotificationRecipient.notification_id == notification.id)
        .group_by(NotificationRecipient.channel)
    ).all()
    assert sorted(recipients) == [("fcm", 35000), ("sms", 35000)]
