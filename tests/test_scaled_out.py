"""The deployment of deploy/ scaled out on 127.0.0.1: nginx running the shipped configuration in front of
two gunicorn API instances (gunicorn.conf.py), Redis holding the rate limits, two outbox workers sending
to the fake FCM, one PostgreSQL database of its own. A limit is shared by the instances; a commune's 2,000
feed requests reach the app about once; what one instance writes the other reads at once; and killing an
instance and a worker mid-load loses no acknowledged submission and no push.

The cluster starts once for the module, on a PostgreSQL primary of its own with a streaming replica that
serves the anonymous public reads; the last tests stop the replica and kill parts of the cluster.
"""

import re
import shutil
import ssl
import subprocess
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import create_engine, text

from api import create_app
from services import demo
from tests import nginx_proxy, postgres
from tests.conftest import PASSWORD, app_settings
from tests.fake_fcm import QUOTA_EXCEEDED, FakeFcm
from tests.redis_server import redis_server  # noqa: F401 (the fixture)
from tests.reliability.harness import (
    FEEDBACK,
    Process,
    gunicorns,
    push_worker,
    scratch_database,
    wait_until,
)

WARD = 20242
FEED = f"/api/v1/feed?ward_code={WARD}"
SUBMISSION = {key: value for key, value in FEEDBACK.items() if key != "contact"}  # no consent needed
FEED_REQUESTS = 2_000
SUBMISSIONS, DEVICES = 80, 8


@dataclass
class Cluster:
    database_url: str
    proxy: nginx_proxy.Proxy
    instances: list[Process]  # each with `base`
    workers: list[Process]
    fcm: FakeFcm
    replica: postgres.Server

    def app_hits(self, request_line: str) -> int:
        """Requests the API instances answered (their gunicorn access logs), not nginx from its cache."""
        return sum(instance.log.read_text().count(f'"{request_line} ') for instance in self.instances)


@pytest.fixture(scope="module")
def servers():
    with postgres.primary_and_replica() as servers:
        yield servers


@pytest.fixture(scope="module")
def cluster(servers, redis_server, tmp_path_factory):  # noqa: F811
    primary, replica = servers
    work = tmp_path_factory.mktemp("scaled-out")
    settings = {
        "INSTANCE_PATH": work / "instance",
        "TRUSTED_PROXIES": 1,  # one nginx in front
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_STORAGE_URI": redis_server.url,
        "RATE_LIMIT_SCAM_CHECK": "3 per minute",
        # The load comes from one address and a few devices.
        "RATE_LIMIT_FEEDBACK_PER_DEVICE": "1000 per hour",
        "RATE_LIMIT_FEEDBACK_PER_IP": "1000 per hour",
        "RATE_LIMIT_DEVICE_REGISTRATION": "1000 per minute",
        # Long enough that the whole burst falls in one window of the nginx cache (s-maxage).
        "FEED_CACHE_SECONDS": 60,
        "GUNICORN_GRACEFUL_TIMEOUT": 2,
    }
    with scratch_database(primary.url, "citizen_scaled") as url, ExitStack() as stack:
        settings["DATABASE_REPLICA_URL"] = url.replace(f":{primary.port}/", f":{replica.port}/")
        seed(url)
        fcm = FakeFcm().start()
        stack.callback(fcm.stop)
        credentials = fcm.service_account(work / "service-account.json", "demo-project")
        workers = [  # starting while the instances start
            push_worker(
                url,
                work / f"worker-{number}.log",
                PUSH_BACKEND="",
                FIREBASE_CREDENTIALS=credentials,
                FCM_ENDPOINT=fcm.url,
                PUSH_LEASE_SECONDS=3,  # a killed worker's claims return to the other within seconds
                PUSH_POLL_INTERVAL=0.05,
                PUSH_BACKOFF_SECONDS=0.1,
                PUSH_MAX_ATTEMPTS=50,
                **settings,
            )
            for number in (1, 2)
        ]
        for worker in workers:
            stack.callback(worker.stop)
        instances = stack.enter_context(
            # Small: one process of four threads each. Each writes gunicorn's access log to its log file.
            gunicorns(
                2, url, work, GUNICORN_WORKERS=1, GUNICORN_THREADS=4, GUNICORN_ACCESS_LOG="-", **settings
            )
        )
        proxy = nginx_proxy.start([i.base.removeprefix("http://") for i in instances], work)
        stack.callback(proxy.stop)
        yield Cluster(url, proxy, instances, workers, fcm, replica)


def seed(url: str) -> None:
    """`flask seed-demo`'s data (Đà Nẵng's departments and forms), loaded here: a process of its own would
    cost more than the rest of the start."""
    database = create_app(app_settings(url)).extensions["database"]
    with database.sessions() as db:
        demo.seed(db, passwords=dict.fromkeys(demo.USERS, PASSWORD))
    database.engine.dispose()


def register(base: str, number: int) -> str:
    """A phone in the ward with an FCM token; returns its bearer token."""
    device = {"platform": "android", "province_code": 48, "ward_code": WARD, "push_token": f"fcm-{number}"}
    response = httpx.post(f"{base}/api/v1/devices", json=device)
    assert response.status_code == 201, response.text
    return response.json()["device_token"]


def test_the_shipped_site_files_are_valid_nginx_once_the_certificate_is_in_place(tmp_path):
    """deploy/nginx/citizen-api/ as an operator fills it in: here only the certificate's and the cache's
    paths change (`nginx -t` reads the certificate and makes the cache folder)."""
    shutil.copytree(nginx_proxy.SHIPPED.parent / "citizen-api", tmp_path / "citizen-api")
    certificate, key = nginx_proxy.self_signed(tmp_path)
    https, cache = tmp_path / "citizen-api" / "https.conf", tmp_path / "citizen-api" / "cache-path.conf"
    https.write_text(
        re.sub(
            r"(ssl_certificate_key|ssl_certificate) \S+;",
            lambda m: f"{m[1]} {key if 'key' in m[1] else certificate};",
            https.read_text(),
        )
    )
    cache.write_text(cache.read_text().replace("/var/cache/nginx/citizen-api", str(tmp_path / "cache")))
    (tmp_path / "nginx.conf").write_text(f"events {{}}\nhttp {{ include {nginx_proxy.SHIPPED}; }}\n")
    checked = subprocess.run(
        [
            nginx_proxy.BINARY,
            "-t",
            "-c",
            tmp_path / "nginx.conf",
            "-g",
            f"pid {tmp_path}/pid; error_log stderr;",
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_tls_and_the_redirect_to_it(cluster):
    trusted = ssl.create_default_context(cafile=cluster.proxy.certificate)
    secure = httpx.get(f"{cluster.proxy.https}/healthz", verify=trusted)
    assert secure.status_code == 200 and secure.http_version in ("HTTP/1.1", "HTTP/2")
    plain = httpx.get(f"{cluster.proxy.redirect}{FEED}")
    assert plain.status_code == 301 and plain.headers["Location"] == f"https://127.0.0.1{FEED}"


def test_a_body_larger_than_the_app_takes_is_refused_by_nginx_as_the_app_refuses_it(cluster):
    before = cluster.app_hits("POST /api/v1/feedback")
    big = httpx.post(
        f"{cluster.proxy.base}/api/v1/feedback",
        content=b"{" + b" " * (1024 * 1024) + b"}",  # over MAX_CONTENT_LENGTH (1 MiB)
        headers={"Content-Type": "application/json"},
    )
    assert big.status_code == 413 and big.headers["Content-Type"] == "application/problem+json"
    assert big.json()["code"] == "payload_too_large"
    assert cluster.app_hits("POST /api/v1/feedback") == before


def test_a_rate_limit_is_shared_by_the_instances_and_the_proxy_passes_the_clients_address(cluster):
    one, other = (instance.base for instance in cluster.instances)
    check = "/api/v1/scam-check?value=0905123456"
    assert [httpx.get(one + check).status_code for _ in range(3)] == [200, 200, 200]
    assert httpx.get(other + check).status_code == 429
    # Through nginx the client is the same 127.0.0.1 (the address nginx saw, the last X-Forwarded-For
    # entry), whatever address the client claims for itself.
    claimed = httpx.get(cluster.proxy.base + check, headers={"X-Forwarded-For": "203.0.113.7"})
    assert claimed.status_code == 429 and claimed.headers["Content-Type"] == "application/problem+json"


def test_two_thousand_feed_requests_of_a_ward_reach_the_app_about_once(cluster):
    before = cluster.app_hits(f"GET {FEED}")
    with (
        httpx.Client(base_url=cluster.proxy.base, limits=httpx.Limits(max_connections=32)) as client,
        ThreadPoolExecutor(32) as pool,
    ):
        answers = list(pool.map(lambda _: client.get(FEED), range(FEED_REQUESTS)))
    hits = cluster.app_hits(f"GET {FEED}") - before
    print(f"{FEED_REQUESTS:,} anonymous feed requests through nginx: {hits} reached the app")

    assert {answer.status_code for answer in answers} == {200}
    assert len({answer.content for answer in answers}) == 1
    assert 1 <= hits <= 3, hits
    assert Counter(answer.headers["X-Cache-Status"] for answer in answers)["HIT"] >= FEED_REQUESTS - 3
    # The body a phone gets is the app's own, headers included: its ETag revalidates at nginx.
    etag = answers[0].headers["ETag"].removeprefix("W/")  # nginx's gzip makes it weak
    again = httpx.get(cluster.proxy.base + FEED, headers={"If-None-Match": etag})
    assert again.status_code == 304 and cluster.app_hits(f"GET {FEED}") - before == hits

    # A device's own feed is personal: never from the cache, never into it.
    phone = {"Authorization": f"Bearer {register(cluster.proxy.base, 0)}"}
    mine = [httpx.get(cluster.proxy.base + FEED, headers=phone) for _ in range(2)]
    assert [answer.headers["X-Cache-Status"] for answer in mine] == ["BYPASS", "BYPASS"]
    # (gunicorn logs a request once it has answered it: the line may follow the answer by a moment.)
    wait_until(lambda: cluster.app_hits(f"GET {FEED}") - before == hits + 2, timeout=10, what="both logged")


def test_feedback_sent_through_one_instance_is_tracked_through_the_other_at_once(cluster):
    one, other = (instance.base for instance in cluster.instances)
    phone = {"Authorization": f"Bearer {register(one, 1)}"}
    sent = httpx.post(f"{one}/api/v1/feedback", json=SUBMISSION, headers=phone)
    assert sent.status_code == 201, sent.text
    code = sent.json()["tracking_code"]
    tracked = httpx.get(f"{other}/api/v1/feedback/track", params={"code": code}, headers=phone)
    assert tracked.status_code == 200 and tracked.json()["id"] == sent.json()["id"]


def test_stopping_the_replica_moves_public_reads_to_the_primary_without_an_error(cluster):
    """Straight to the instances (nginx would answer from its cache): anonymous notice lists, which the
    replica serves, before and after it crashes."""
    lists = [f"{instance.base}/api/v1/notices?province_code=48" for instance in cluster.instances]

    def replica_in_use(expected: str) -> bool:
        for url in lists:
            httpx.get(url)  # a read is what makes a process look at the replica again
        metrics = [httpx.get(f"{instance.base}/metrics").text for instance in cluster.instances]
        return all(f"citizen_replica_usable {expected}" in text for text in metrics)

    wait_until(lambda: replica_in_use("1.0"), timeout=10, what="both instances to read from the replica")
    cluster.replica.stop("immediate")
    answers = Counter(httpx.get(url).status_code for url in lists * 10)
    assert answers == {200: 20}
    wait_until(lambda: replica_in_use("0.0"), timeout=10, what="both instances to give up the replica")


def test_killing_an_instance_and_a_worker_mid_load_loses_no_submission_and_no_push(cluster):
    base = cluster.proxy.base
    phones = [register(base, 100 + number) for number in range(DEVICES)]
    keys = [uuid.uuid4().hex for _ in range(SUBMISSIONS)]
    acknowledged: dict[str, dict] = {}  # Idempotency-Key → the 201's body
    retries = Counter()  # answers lost to the kill, by what the client saw
    lock = threading.Lock()

    def submit(number: int) -> int:
        """Send one submission until it is acknowledged, as the app does: the same Idempotency-Key on
        every retry of an answer lost to the killed instance (503 from nginx, or a dropped connection)."""
        headers = {"Authorization": f"Bearer {phones[number % DEVICES]}", "Idempotency-Key": keys[number]}
        body = {**SUBMISSION, "answers": {**SUBMISSION["answers"], "details": f"Phản ánh số {number}"}}
        for _ in range(20):
            try:
                response = client.post(f"{base}/api/v1/feedback", json=body, headers=headers)
            except httpx.TransportError as error:
                response = error
            with lock:
                if isinstance(response, httpx.Response) and response.status_code == 201:
                    acknowledged[keys[number]] = response.json()
                    return 201
                retries[getattr(response, "status_code", type(response).__name__)] += 1
            if isinstance(response, httpx.Response) and response.status_code not in (502, 503):
                return response.status_code
            time.sleep(0.2)
        return 0

    # FCM refuses everything until a worker is killed, so that nothing it sent was accepted unrecorded:
    # a worker killed between FCM's 200 and its commit sends that batch again (delivery is at least once,
    # docs/deploy.md); here every push must arrive exactly once.
    cluster.fcm.fail("*", QUOTA_EXCEEDED)  # 429: refused at once (503s the SDK retries itself)
    with httpx.Client(timeout=30) as client, ThreadPoolExecutor(8) as pool:
        statuses = pool.map(submit, range(SUBMISSIONS))
        wait_until(lambda: len(acknowledged) >= SUBMISSIONS // 4, timeout=60, what="a quarter acknowledged")
        cluster.instances[0].kill()
        at_kill = len(acknowledged)
        wait_until(
            lambda: any(r.status == 429 for r in cluster.fcm.sends()), timeout=60, what="a worker refused"
        )
        cluster.workers[0].kill()
        cluster.fcm.heal()
        statuses = list(statuses)

    print(f"instance killed after {at_kill} of {SUBMISSIONS} acknowledged; answers retried: {dict(retries)}")
    assert statuses == [201] * SUBMISSIONS
    assert at_kill < SUBMISSIONS  # the kill landed mid-load
    engine = create_engine(cluster.database_url)
    try:
        with engine.connect() as db:
            rows = db.execute(
                text(
                    "SELECT id, tracking_code, idempotency_key FROM feedback WHERE idempotency_key = ANY(:k)"
                ),
                {"k": keys},
            ).all()
            assert len(rows) == SUBMISSIONS  # one each, retried or not
            stored = {row.idempotency_key: (str(row.id), row.tracking_code) for row in rows}
            assert {key: (body["id"], body["tracking_code"]) for key, body in acknowledged.items()} == stored
            receipts = dict(
                db.execute(
                    text("SELECT id::text, source_id FROM notifications WHERE source_type = 'feedback'")
                ).all()
            )

            def pushes() -> Counter:
                return Counter(
                    db.execute(text("SELECT status FROM deliveries WHERE channel = 'fcm'")).scalars()
                )

            wait_until(lambda: set(pushes()) == {"sent"}, timeout=60, what="every push sent", every=0.5)
            sent = pushes()["sent"]
    finally:
        engine.dispose()
    # Every push FCM accepted once, and among them each acknowledged submission's receipt to its phone.
    accepted = Counter(
        (r.message["data"]["notification_id"], r.message["token"]) for r in cluster.fcm.sent_ok()
    )
    assert len(accepted) == sent and set(accepted.values()) == {1}
    received = {receipts.get(notification) for notification, _ in accepted}
    assert {body["id"] for body in acknowledged.values()} <= received
