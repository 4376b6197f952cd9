"""The outbox worker as it runs in production (`flask --app wsgi push-worker`, the alias of `worker`;
real firebase-admin with a service-account credential) against the fake FCM server: an outage of
429s, 503s and timeouts that then clears, and a worker killed with SIGKILL mid-batch. Every
notification ends `sent`; a message reaches a device twice only where FCM may have accepted it before
the failure (a timed-out request, the batch of a killed worker), and those duplicates are counted.
"""

import uuid
from collections import Counter

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import sessionmaker

from services import push
from services.core.db import make_engine
from services.core.targets import Targets
from services.models import Device, Notification
from services.outbox.channels.fcm import MULTICAST_LIMIT
from tests.fake_fcm import QUOTA_EXCEEDED, UNAVAILABLE, FakeFcm
from tests.reliability.harness import push_worker, scratch_database, wait_until

PROJECT = "demo-project"
CITIZENS, DEVICES_EACH = 10, 200  # one personal message to 2,000 devices: four batches of 500
PLACES = (20242, 20209, 20195, 20197, 20200)
VI = {"vi": {"title": "Thông báo", "body": "Nội dung."}}


@pytest.fixture
def outbox(database_url):
    """A migrated database of its own holding 2,000 devices, one personal and five place notifications."""
    with scratch_database(database_url, "citizen_push_faults") as url:
        engine = make_engine(url)
        citizens = [uuid.uuid4() for _ in range(CITIZENS)]
        with sessionmaker(bind=engine)() as db:
            db.execute(
                insert(Device),
                [
                    {
                        "token_hash": uuid.uuid4().hex * 2,
                        "platform": "android",
                        "province_code": 48,
                        "ward_code": 20242,
                        "push_token": f"token-{c}-{i}",
                        "citizen_id": citizen,
                    }
                    for c, citizen in enumerate(citizens)
                    for i in range(DEVICES_EACH)
                ],
            )
            push.enqueue(db, push.Audience.citizens(*citizens), VI, source_type="feedback")
            for ward in PLACES:
                push.enqueue(db, push.Audience.place(Targets(ward_codes=(ward,))), VI, source_type="alert")
            db.commit()
        yield url, sessionmaker(bind=engine)
        engine.dispose()


@pytest.fixture
def fake_fcm():
    fake = FakeFcm().start()
    yield fake
    fake.stop()


@pytest.fixture
def start_worker(outbox, fake_fcm, tmp_path):
    """start() → a push-worker process sending to the fake; all are stopped after the test."""
    url, _ = outbox
    credentials = fake_fcm.service_account(tmp_path / "service-account.json", PROJECT)
    workers = []

    def start():
        worker = push_worker(
            url,
            tmp_path / f"worker-{len(workers)}.log",
            PUSH_BACKEND="",
            FIREBASE_CREDENTIALS=credentials,
            FCM_ENDPOINT=fake_fcm.url,
            FCM_TIMEOUT=0.5,
            PUSH_LEASE_SECONDS=3,
            PUSH_POLL_INTERVAL=0.05,
            PUSH_BACKOFF_SECONDS=0.1,
            PUSH_MAX_ATTEMPTS=50,  # generous: the scripted outage must not exhaust them
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def statuses(sessions) -> Counter:
    with sessions() as db:
        return Counter(db.scalars(select(Notification.status)))


def all_sent(sessions) -> bool:
    return statuses(sessions) == {"sent": 1 + len(PLACES)}


def duplicates(fake: FakeFcm) -> int:
    """Accepted sends beyond the first, per device token and per (notification, topic)."""
    sent = Counter((r.message.get("data", {}).get("notification_id"), r.target) for r in fake.sent_ok())
    assert len(sent) == CITIZENS * DEVICES_EACH + len(PLACES)  # everyone got it at least once
    return sum(count - 1 for count in sent.values())


def read_timeouts(worker_log) -> int:
    """Sends the worker gave up waiting for, as urllib3 logs each one (the scripted slow answers, and any
    other answer a loaded machine delays past FCM_TIMEOUT)."""
    return worker_log.read_text().count("Read timed out")


def test_push_outage_of_429_503_and_timeouts_ends_with_everything_sent(
    outbox, fake_fcm, start_worker, tmp_path
):
    _, sessions = outbox
    fake_fcm.fail("*", QUOTA_EXCEEDED, times=300, retry_after=1)
    fake_fcm.fail("*", UNAVAILABLE, times=300)
    timeouts = 20
    fake_fcm.slow("*", seconds=1.5, times=timeouts)  # longer than FCM_TIMEOUT

    start_worker()
    wait_until(lambda: all_sent(sessions), timeout=90, what="every notification sent", every=0.5)

    failed = [r for r in fake_fcm.sends() if r.status != 200]
    assert {r.status for r in failed} == {429, 503} and len(failed) == 600  # the outage really happened
    # Only what FCM accepted but the worker never heard back about is sent again.
    assert read_timeouts(tmp_path / "worker-0.log") >= timeouts
    assert duplicates(fake_fcm) <= read_timeouts(tmp_path / "worker-0.log")
    with sessions() as db:
        assert db.scalar(select(func.sum(Notification.success_count))) >= CITIZENS * DEVICES_EACH + len(
            PLACES
        )


def test_push_worker_killed_mid_batch_and_restarted_sends_every_row(outbox, fake_fcm, start_worker, tmp_path):
    _, sessions = outbox
    fake_fcm.slow("*", seconds=0.01)  # a batch takes a moment, so the kill lands inside one
    worker = start_worker()
    wait_until(lambda: len(fake_fcm.sends()) >= MULTICAST_LIMIT + 100, timeout=60, what="the second batch")
    worker.kill()
    assert not all_sent(sessions)

    start_worker()  # claims the killed worker's rows once their lease (3 s) expires
    wait_until(lambda: all_sent(sessions), timeout=90, what="every notification sent", every=0.5)

    # At most the batch in flight when the worker died, and what a loaded machine answered too late
    # (FCM_TIMEOUT is short here: the worker retries a send it gave up waiting for).
    late = sum(read_timeouts(tmp_path / f"worker-{n}.log") for n in range(2))
    resent = duplicates(fake_fcm)
    assert resent <= MULTICAST_LIMIT + late, (resent, late)
