"""PostgreSQL stopped and restarted under load: the API answers 503 problem+json while it is down (within
the configured timeouts, never a hang or a 500), recovers by itself, and loses no acknowledged write.

The server is one of this test's own (stopping the suite's would break every other test); the API runs
under gunicorn with the production configuration.
"""

import threading
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from tests.postgres import Server
from tests.reliability.harness import FEEDBACK, flask, gunicorn, migrate, register_device, wait_until

CONNECT_TIMEOUT = 2  # DB_CONNECT_TIMEOUT given to the API
# What a client waits before calling a request hung: the connect bound, a pool wait and a margin.
CLIENT_TIMEOUT = 20


@pytest.fixture
def server():
    server = Server().start()
    migrate(server.url)
    flask(server.url, "seed-demo")
    yield server
    server.remove()


class Load:
    """Clients submitting feedback, each with a fresh Idempotency-Key, until stopped."""

    def __init__(self, base: str, token: str, clients: int = 4):
        self.base, self.token = base, token
        self.results: list[tuple[str, int, str, dict]] = []  # key, status, content type, body
        self.hangs: list[str] = []
        self.dropped: list[tuple[str, str]] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run) for _ in range(clients)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=CLIENT_TIMEOUT * 2)

    def submit(self, client: httpx.Client, key: str) -> httpx.Response:
        return client.post(
            f"{self.base}/api/v1/feedback",
            json=FEEDBACK,
            headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key},
        )

    def _run(self):
        with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
            for _ in range(5000):  # bounded; the test stops the load long before
                if self.stopping.is_set():
                    return
                key = uuid.uuid4().hex
                try:
                    response = self.submit(client, key)
                except httpx.TimeoutException:
                    self.hangs.append(key)
                    continue
                except httpx.TransportError as error:  # a dropped connection: no answer at all
                    self.dropped.append((key, repr(error)))
                    continue
                with self.lock:
                    self.results.append(
                        (key, response.status_code, response.headers.get("content-type"), response.json())
                    )

    def count(self, status: int) -> int:
        with self.lock:
            return sum(1 for _, s, _, _ in self.results if s == status)


def test_database_outage_gives_503_then_recovers_without_losing_acknowledged_writes(server, tmp_path):
    with gunicorn(
        server.url,
        tmp_path,
        GUNICORN_WORKERS=2,
        GUNICORN_THREADS=2,
        DB_CONNECT_TIMEOUT=CONNECT_TIMEOUT,
        DB_POOL_TIMEOUT=5,
        DB_STATEMENT_TIMEOUT=5000,
    ) as api:
        base = api.base
        token = register_device(base)
        with Load(base, token) as load:
            wait_until(lambda: load.count(201) >= 40, timeout=60, what="submissions before the outage")
            server.stop()
            wait_until(lambda: load.count(503) >= 20, timeout=60, what="503s during the outage")
            assert httpx.get(f"{base}/readyz", timeout=CLIENT_TIMEOUT).status_code == 503
            during = load.count(201)
            server.start()
            wait_until(lambda: load.count(201) >= during + 40, timeout=60, what="recovery")
        assert httpx.get(f"{base}/readyz", timeout=CLIENT_TIMEOUT).status_code == 200

        assert load.hangs == [] and load.dropped == []
        assert {status for _, status, _, _ in load.results} == {201, 503}
        for _, status, content_type, problem in load.results:
            if status == 503:
                assert content_type == "application/problem+json"
                assert problem["code"] == "database_unavailable" and "traceback" not in str(problem).lower()

        # A client retries what failed with the same key: each gets its one submission.
        with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
            retried = [load.submit(client, key) for key, status, _, _ in load.results if status == 503]
        assert {r.status_code for r in retried} == {201}

    acknowledged = {body["tracking_code"] for _, status, _, body in load.results if status == 201}
    acknowledged |= {r.json()["tracking_code"] for r in retried}
    engine = create_engine(server.url)
    with engine.connect() as connection:
        stored = set(connection.scalars(text("SELECT tracking_code FROM feedback")))
        rows = connection.scalar(select(func.count()).select_from(text("feedback")))
    engine.dispose()
    assert acknowledged <= stored  # no acknowledged write lost
    assert rows == len(stored) == len({key for key, _, _, _ in load.results})  # one row per key
