"""Webhook deliveries per second through the outbox worker (`flask --app wsgi worker`: claim, resolve,
the address check, signing, POST, recording each outcome) to a local receiver in its own process, against
a plain loop of `requests.post` sending the same bodies to the same receiver."""

import json
import secrets
import statistics
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from services import outbox
from services.core.db import make_engine, utcnow
from services.models import Delivery, Webhook
from services.webhooks.wiring import CHANNEL
from tests.reliability.harness import ROOT, push_worker, wait_until

DELIVERIES = 3000
JSON = {"Content-Type": "application/json"}
ROUNDS = 3  # alternated, as the other comparisons: one pair alone swung 0.74–1.30 on this machine


def run(url: str, log_dir: Path, rounds: int = ROUNDS) -> dict:
    """`rounds` of (worker, plain loop), each on DELIVERIES fresh deliveries; the median of each."""
    receiver = subprocess.Popen(
        [sys.executable, "-m", "bench.webhook_receiver"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    engine = make_engine(url)
    sessions = sessionmaker(bind=engine)

    def done():
        with sessions() as db:
            unsent = select(func.count()).where(Delivery.channel == CHANNEL, Delivery.status != "sent")
            left = db.scalar(unsent)
        return left == 0

    ours, plain = [], []
    try:
        base = f"http://127.0.0.1:{receiver.stdout.readline().strip()}"
        for n in range(rounds):
            httpx.delete(base + "/stats")
            bodies = _enqueue(url, base + "/hook")
            worker = push_worker(url, log_dir / f"webhook-worker-{n}.log", WEBHOOK_ALLOW_PRIVATE="true")
            wait_until(done, timeout=600, what="the webhook deliveries", every=0.2)
            worker.stop()
            ours.append(_rate(base))
            httpx.delete(base + "/stats")
            for body in bodies:
                requests.post(base + "/hook", data=body, headers=JSON, timeout=5)
            plain.append(_rate(base))
    finally:
        engine.dispose()
        receiver.terminate()
        receiver.wait()
    ratios = sorted(o / p for o, p in zip(ours, plain, strict=True))
    return {
        "deliveries": DELIVERIES,
        "rounds": rounds,
        "worker_dps": statistics.median(ours),
        "plain_dps": statistics.median(plain),
        "ratio_range": (ratios[0], ratios[-1]),
    }


def _enqueue(url: str, hook: str) -> list[bytes]:
    """One webhook and DELIVERIES feedback-sized deliveries to it; the bodies as the receiver gets them."""
    engine = make_engine(url)
    bodies = []
    with sessionmaker(bind=engine)() as db:
        webhook = Webhook(url=hook, events=["feedback.created"], secret=secrets.token_urlsafe(32))
        db.add(webhook)
        db.flush()
        for n in range(DELIVERIES):
            payload = {
                "id": str(uuid.uuid4()),
                "event": "feedback.created",
                "created_at": utcnow().isoformat(),
                "data": {"tracking_code": f"PA-2612-{n:06d}", "status": "received", "body": "Ổ gà " * 40},
            }
            outbox.enqueue(db, CHANNEL, str(webhook.id), payload, ordering_key=payload["id"])
            bodies.append(json.dumps(payload, ensure_ascii=False).encode())
        db.commit()
    engine.dispose()
    return bodies


def _rate(base: str) -> float:
    """Deliveries per second the receiver took, from the first to the last."""
    stats = httpx.get(base + "/stats").json()
    assert stats["count"] >= DELIVERIES, stats
    return stats["count"] / (stats["last"] - stats["first"])
