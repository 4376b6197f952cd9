"""Load without loss (`make soak`: minutes, not part of `make test`): 20,000 feedback submissions from
concurrent clients against gunicorn on PostgreSQL, 5% of them sent again with the same Idempotency-Key.
Exactly one row per submission, no tracking code twice, every 201 body matching its row.
SOAK_SUBMISSIONS changes the count.
"""

import os
import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.postgres import Server
from tests.reliability.harness import FEEDBACK, flask, gunicorn, migrate, register_device

pytestmark = pytest.mark.soak
SUBMISSIONS = int(os.environ.get("SOAK_SUBMISSIONS", "20000"))
CLIENTS = 16


def test_twenty_thousand_submissions_with_retries_make_exactly_one_row_each(tmp_path):
    server = Server().start()
    migrate(server.url)
    flask(server.url, "seed-demo")
    keys = [uuid.uuid4().hex for _ in range(SUBMISSIONS)]
    retried = set(random.sample(keys, SUBMISSIONS // 20))
    with gunicorn(server.url, tmp_path) as api:
        base = api.base
        tokens = [register_device(base) for _ in range(CLIENTS)]

        def send(job: tuple[int, str]) -> list[tuple[str, int, dict]]:
            index, key = job
            headers = {"Authorization": f"Bearer {tokens[index % CLIENTS]}", "Idempotency-Key": key}
            with_details = {**FEEDBACK, "answers": {**FEEDBACK["answers"], "details": f"Phản ánh số {index}"}}
            answers = []
            for _ in range(2 if key in retried else 1):
                response = client.post(f"{base}/api/v1/feedback", json=with_details, headers=headers)
                answers.append((key, response.status_code, response.json()))
            return answers

        with (
            httpx.Client(timeout=30, limits=httpx.Limits(max_connections=CLIENTS)) as client,
            ThreadPoolExecutor(CLIENTS) as pool,
        ):
            results = [a for answers in pool.map(send, enumerate(keys)) for a in answers]

    engine = create_engine(server.url)
    with engine.connect() as connection:
        rows = {
            row.idempotency_key: row
            for row in connection.execute(text("SELECT id, tracking_code, idempotency_key FROM feedback"))
        }
        codes = connection.scalar(text("SELECT count(DISTINCT tracking_code) FROM feedback"))
    engine.dispose()
    server.remove()

    assert {status for _, status, _ in results} == {201}
    assert len(results) == SUBMISSIONS + len(retried)
    assert len(rows) == SUBMISSIONS == codes
    for key, _, body in results:
        assert (body["id"], body["tracking_code"]) == (str(rows[key].id), rows[key].tracking_code)
