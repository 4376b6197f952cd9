"""Push dispatch benchmark: a personal fan-out to 100,000 devices (one outbox delivery each) through the
real outbox worker (`flask --app wsgi worker`, FCM channel) to the fake FCM server, against a plain loop
of firebase-admin `send_each_for_multicast` calls sending the same messages to the same server; then
publish-to-FCM latency of a topic alert."""

import copy
import itertools
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from services import push
from services.core.db import make_engine
from services.models import Delivery, Notification
from services.outbox.worker import Settings
from tests.fake_fcm import FakeFcm
from tests.reliability.harness import ROOT, push_worker, wait_until

PROJECT = "bench-project"
CITIZENS = 1000
CLAIM = Settings().claim_size  # deliveries a claim takes: one multicast's


def add_devices(url: str, count: int) -> list:
    """`count` devices with push tokens, spread over 1,000 citizens (no topic sync pending)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("""
                INSERT INTO devices (id, token_hash, platform, locale, province_code, ward_code,
                    push_token, last_seen_at, citizen_id, categories, subscribed_topics, topics_dirty,
                    created_at, updated_at)
                SELECT gen_random_uuid(), md5('device' || i) || md5('token' || i), 'android', 'vi', 48,
                    20242, 'bench-token-' || i, now(),
                    md5('citizen' || (i % CAST(:citizens AS integer)))::uuid, '[]', '[]', false, now(), now()
                FROM generate_series(1, CAST(:count AS integer)) AS i
            """),
            {"count": count, "citizens": CITIZENS},
        )
        citizens = list(
            connection.scalars(
                text("SELECT DISTINCT citizen_id FROM devices WHERE push_token LIKE 'bench-token-%'")
            )
        )
    engine.dispose()
    return citizens


def fan_out(url: str, fake: FakeFcm, credentials: str, log_dir: Path, devices: int) -> dict:
    citizens = add_devices(url, devices)
    engine = make_engine(url)
    sessions = sessionmaker(bind=engine)
    with sessions() as db:
        started = time.perf_counter()
        notification = push.enqueue(
            db,
            push.Audience.citizens(*citizens),
            {"vi": {"title": "Trả lời", "body": "Đã xử lý."}},
            source_type="feedback",
            ttl=timedelta(hours=1),
        )
        db.commit()
        enqueue_seconds = time.perf_counter() - started
        notification_id = notification.id
        # A device's delivery of this fan-out (the bench's alerts left topic deliveries too).
        payload = db.scalar(select(Delivery.payload).where(Delivery.address.startswith(push.DEVICE)).limit(1))
    payload_file = log_dir / "fan-out-payload.json"
    payload_file.write_text(json.dumps(payload))

    def plain_loop() -> tuple[float, int, dict]:
        """The loop's rate, peak RSS (KiB) and message."""
        fake.clear()
        loop = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.multicast_loop",
                fake.url,
                credentials,
                str(devices),
                str(payload_file),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=1800,
        )
        return _rate(fake, devices), int(loop.stdout.split()[-1]), _message(fake)

    # The loop runs before and after the worker, which is judged against their mean: a run each, minutes
    # apart, read 0.78 and 0.95 on this shared machine as its speed drifted.
    before = plain_loop()
    fake.clear()
    worker = push_worker(url, log_dir / "push-worker.log", **fcm_env(fake, credentials))

    def done():
        with sessions() as db:
            return db.scalar(select(Notification.status).where(Notification.id == notification_id)) == "sent"

    wait_until(done, timeout=1800, what="the fan-out", every=0.5)
    dispatcher = _rate(fake, devices)
    sent_by_worker = _message(fake)
    rss = worker.peak_rss_kib()[worker.popen.pid]
    batches = batch_times(worker.log)
    latencies = topic_latency(url, fake, sessions)
    worker.stop()
    engine.dispose()
    after = plain_loop()
    assert before[2] == after[2] == sent_by_worker, "the loop must send what the worker sends"
    return {
        "devices": devices,
        "dispatcher_mps": dispatcher,
        "plain_mps": statistics.mean((before[0], after[0])),
        "plain_runs_mps": (before[0], after[0]),
        "dispatcher_peak_rss_mib": rss / 1024,
        "plain_peak_rss_mib": max(before[1], after[1]) / 1024,
        "latencies": latencies,
        "enqueue_seconds": enqueue_seconds,
        **batches,
    }


def batch_times(log: Path) -> dict:
    """From the worker's log (a JSON line per batch of sent deliveries): the mean milliseconds its full
    claims took to send, and from one batch's line to the next (claim, device tokens, send, record,
    commit), whose mean sets the worker's rate. Their difference is what the worker does besides sending,
    which the plain loop does not."""
    # The FCM channel's: in a full run the worker first sends the e-mail the intake section left queued.
    batches = [
        line
        for line in _json_lines(log)
        if line.get("count") == CLAIM and line.get("outcome") == "sent" and line.get("channel") == "fcm"
    ]
    if len(batches) < 3:  # a fan-out shrunk by BENCH_DEVICES: too few claims to tell
        return {}
    stamps = [datetime.strptime(line["time"], "%Y-%m-%d %H:%M:%S,%f") for line in batches]
    # The first batch also waited for the worker to start, so it opens no interval.
    cycles = [(later - earlier).total_seconds() * 1000 for earlier, later in itertools.pairwise(stamps[1:])]
    return {
        "batch_send_ms": statistics.mean(line["duration_ms"] for line in batches[2:]),
        "batch_cycle_ms": statistics.mean(cycles),
    }


def _json_lines(log: Path):
    for line in log.read_text().splitlines():
        try:
            yield json.loads(line)
        except ValueError:  # a line not in JSON (a warning from a library), or one still being written
            continue


def fcm_env(fake: FakeFcm, credentials: str) -> dict:
    return {"PUSH_BACKEND": "", "FIREBASE_CREDENTIALS": credentials, "FCM_ENDPOINT": fake.url}


def _message(fake: FakeFcm) -> dict:
    """The first message to a device the fake accepted, without its token and APNs expiry (now + TTL)."""
    body = copy.deepcopy(next(r.body for r in fake.sent_ok() if "token" in r.body["message"]))
    body["message"].pop("token")
    body["message"]["apns"]["headers"].pop("apns-expiration")
    return body


def _rate(fake: FakeFcm, expected: int) -> float:
    """Accepted messages per second, from the first to the last send the fake received."""
    sent = fake.sent_ok()
    assert len(sent) >= expected, f"{len(sent)} of {expected} sent"
    return len(sent) / (sent[-1].at - sent[0].at)


def topic_latency(url: str, fake: FakeFcm, sessions, alerts: int = 5) -> list[float]:
    """Seconds from an alert's publish (the API's transaction committed) to its FCM topic request,
    with the worker idle-polling. Published by enqueueing as the alert service does, in one transaction."""
    from services.core.targets import Targets

    latencies = []
    for _ in range(alerts):
        fake.clear()
        time.sleep(1)  # the worker is idle, between polls
        with sessions() as db:
            push.enqueue(
                db,
                push.Audience.place(Targets(ward_codes=(20242,))),
                {"vi": {"title": "Cảnh báo", "body": "Lừa đảo."}},
                source_type="alert",
                priority="high",
            )
            db.commit()
        published = time.monotonic()
        first = wait_until(lambda: fake.sends(), timeout=30, what="the topic send", every=0.001)[0]
        latencies.append(first.at - published)
    return latencies


def summary(latencies: list[float]) -> str:
    return f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
