"""Several outbox workers on PostgreSQL: FOR UPDATE SKIP LOCKED shares the work without sending a
delivery twice, and a worker killed mid-batch leaves its deliveries to the others once its lease expires.

These need real commits seen by other connections, so they run in a database of their own (created
on the test server, built by the migrations, dropped at the end) instead of the per-test rolled-back
transaction; each worker has its own engine and sessionmaker, like a process on another machine.
"""

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from api import worker as outbox_worker
from api.cli import alembic_config
from services import push
from services.core.db import make_engine, utcnow
from services.core.targets import Targets
from services.models import Delivery, Device, Notification
from services.outbox import worker as worker_module
from services.outbox.channels.fcm import FcmChannel
from services.outbox.worker import Settings, Worker
from tests.push_fixtures import *  # noqa: F403

LEASE = timedelta(seconds=60)
SETTINGS = Settings(lease=LEASE, max_attempts=3, backoff_base=0.01, backoff_max=0.05, claim_size=5)
WARDS = (20242, 20209, 20195, 20197, 20200)
VI = {"vi": {"title": "Cảnh báo", "body": "Nội dung cảnh báo."}}


class Killed(BaseException):
    """The worker process dies (nothing in the dispatcher catches this)."""


@pytest.fixture(scope="module")
def workers_url(database_url):
    """A database of its own on the test server, built by the migrations; dropped afterwards."""
    name = f"citizen_push_workers_{uuid.uuid4().hex[:8]}"
    server = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(url, connection), "head")
    finally:
        engine.dispose()
    yield url
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture
def engines(workers_url):
    """make() → a new engine on the workers' database (a worker, or the test looking at the rows)."""
    made = []

    def make():
        engine = make_engine(workers_url, pool_size=5, connect_args={"options": "-c lock_timeout=5000"})
        made.append(engine)
        return engine

    yield make
    cleanup = make()
    with cleanup.begin() as connection:
        connection.execute(
            text(
                "TRUNCATE notifications, notification_places, notification_recipients, devices, deliveries,"
                " events CASCADE"
            )
        )
    for engine in made:
        engine.dispose()


@pytest.fixture
def observer(engines):
    """A sessionmaker for the test itself: writes the outbox rows and reads the outcomes."""
    return sessionmaker(bind=engines(), expire_on_commit=False)


def worker(engines, backend, name, settings=SETTINGS) -> tuple[Worker, sessionmaker]:
    sessions = sessionmaker(bind=engines(), expire_on_commit=False)
    return outbox_worker.make(sessions, {"fcm": FcmChannel(backend)}, settings, worker_id=name), sessions


def place_notifications(observer, count) -> list[uuid.UUID]:
    with observer() as db:
        ids = [
            push.enqueue(
                db, push.Audience.place(Targets(ward_codes=(WARDS[i % len(WARDS)],))), VI, source_type="alert"
            ).id
            for i in range(count)
        ]
        db.commit()
    return ids


def statuses(observer) -> Counter:
    with observer() as db:
        return Counter(db.scalars(select(Notification.status)))


@pytest.fixture
def later(monkeypatch):
    """Move the workers' clock past the lease."""

    def advance(by=LEASE + timedelta(seconds=1)):
        monkeypatch.setattr(worker_module, "utcnow", lambda: utcnow() + by)

    return advance


# ---------------------------------------------------------------- sharing the work


def test_two_workers_never_send_the_same_delivery_twice(fake_fcm, make_fcm_backend, engines, observer):
    ids = place_notifications(observer, 200)
    fake_fcm.slow("*", seconds=0.005)  # each send takes a moment, so the two workers overlap
    sent_by = Counter()
    workers = []
    for name in ("worker-a", "worker-b"):
        backend = make_fcm_backend()
        send = backend.send

        def counted(message, send=send, name=name):
            sent_by[name] += 1
            return send(message)

        backend.send = counted
        workers.append(worker(engines, backend, name)[0])
    start, errors = threading.Barrier(len(workers)), []

    def work(dispatcher):
        try:
            start.wait()
            while dispatcher.run_once():
                pass
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    per_notification = fake_fcm.sends_by_notification()
    assert set(per_notification) == {str(i) for i in ids}
    assert set(per_notification.values()) == {1}  # each delivery sent exactly once
    assert len(fake_fcm.sends()) == 200
    assert sent_by["worker-a"] > 0 and sent_by["worker-b"] > 0  # and the work was shared
    assert statuses(observer) == {"sent": 200}
    with observer() as db:
        assert set(db.scalars(select(Delivery.attempts))) == {1}


def test_rows_one_worker_is_claiming_are_skipped_by_the_other(fcm_backend, engines, observer):
    ids = place_notifications(observer, 10)
    first, first_sessions = worker(engines, fcm_backend, "worker-a")
    second, second_sessions = worker(engines, fcm_backend, "worker-b")

    # Worker A is in the middle of its claim: its rows are locked, not yet leased.
    holding = first_sessions()
    locked = set(
        holding.scalars(select(Delivery.id).order_by(Delivery.id).limit(5).with_for_update(skip_locked=True))
    )
    # B does not wait for A (lock_timeout would fail it).
    claimed = {d.id for d in second.claim(second_sessions())}
    holding.rollback()
    holding.close()

    assert len(locked) == 5 and len(claimed) == 5 and len(ids) == 10
    with observer() as db:
        assert locked.isdisjoint(claimed) and locked | claimed == set(db.scalars(select(Delivery.id)))
    assert {d.id for d in first.claim(first_sessions())} == locked  # what B left
    assert first.claim(first_sessions()) == []


# ---------------------------------------------------------------- a worker killed mid-batch


def test_a_killed_workers_claimed_rows_are_sent_by_another_only_after_the_lease(
    fake_fcm, make_fcm_backend, engines, observer, later
):
    ids = place_notifications(observer, 4)
    doomed, doomed_sessions = worker(engines, make_fcm_backend(), "worker-a")
    survivor, _ = worker(engines, make_fcm_backend(), "worker-b")

    session = doomed_sessions()
    assert len(doomed.claim(session)) == len(ids)
    session.close()  # killed before sending anything

    assert survivor.run_once() == 0  # leased: nothing to claim
    assert fake_fcm.sends() == []
    assert statuses(observer) == {"pending": 4}

    later()
    assert survivor.run_once() == 4
    per_notification = fake_fcm.sends_by_notification()
    assert set(per_notification) == {str(i) for i in ids} and set(per_notification.values()) == {1}
    assert statuses(observer) == {"sent": 4}
    with observer() as db:
        assert set(db.scalars(select(Delivery.attempts))) == {2}  # the killed claim counted


def test_a_worker_killed_mid_fan_out_resends_only_its_uncommitted_batch_after_the_lease(
    fake_fcm, make_fcm_backend, engines, observer, later
):
    citizen_id = uuid.uuid4()
    with observer() as db:
        db.execute(
            insert(Device),
            [
                {
                    "token_hash": uuid.uuid4().hex * 2,
                    "platform": "android",
                    "province_code": 48,
                    "ward_code": 20242,
                    "push_token": f"token-{i:03d}",
                    "citizen_id": citizen_id,
                }
                for i in range(600)
            ],
        )
        notification_id = push.enqueue(db, push.Audience.citizens(citizen_id), VI, source_type="feedback").id
        db.commit()

    dying = make_fcm_backend()
    send_multicast, calls = dying.send_multicast, []

    def dies_on_the_second_batch(message):
        calls.append(len(message.tokens))
        if len(calls) == 2:
            raise Killed
        return send_multicast(message)

    dying.send_multicast = dies_on_the_second_batch
    batches = Settings(lease=LEASE, max_attempts=3, claim_size=500)  # one claim, one multicast of 500
    doomed, doomed_sessions = worker(engines, dying, "worker-a", batches)
    session = doomed_sessions()
    doomed.sessions = lambda: session
    doomed.run_once()
    with pytest.raises(Killed):
        doomed.run_once()
    session.close()  # the process is gone; its connection with it
    assert calls == [500, 100]
    assert len(fake_fcm.sends()) == 500

    survivor, _ = worker(engines, make_fcm_backend(), "worker-b", batches)
    assert survivor.run_once() == 0  # the killed worker's lease still holds
    assert len(fake_fcm.sends()) == 500

    later()
    survivor.run_once()

    sent = Counter(r.message["token"] for r in fake_fcm.sent_ok())
    assert len(sent) == 600 and set(sent.values()) == {1}  # the committed batch was not sent again
    with observer() as db:
        done = db.get(Notification, notification_id)
        assert done.status == "sent" and done.success_count == 600
        assert Counter(db.scalars(select(Delivery.attempts))) == {1: 500, 2: 100}
        assert db.scalar(select(func.count()).select_from(Device).where(Device.push_token.is_(None))) == 0
