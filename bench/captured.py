"""The statements one request to the API sends, with their parameters, and its answer: what
bench/sql_ceiling.py replays. Captured in a process of its own, with the API's environment:

    python -m bench.captured FILE FEED_PATH

writes {"feed": ..., "intake": ...}: an anonymous home feed for FEED_PATH and a feedback submission by a
device that consented to be contacted (tests/reliability/harness.py's FEEDBACK).
"""

import pickle
import subprocess
import sys
from pathlib import Path

from tests import sql_plans
from tests.reliability.harness import BIN, FEEDBACK, ROOT, environment, register_device

KEPT_HEADERS = ("Content-Type", "ETag", "Cache-Control", "Vary")
# How a replayed submission's tracking code starts, so that its rows are told from the API's.
CEILING_CODE = "CEIL-"
# Where the ceiling takes a submission's statements in one round trip: what writing fewer, bigger
# statements could at best save.
PIPELINED = "/api/v1/feedback/pipelined"


def run(url: str, work: Path, feed_path: str) -> Path:
    """Capture into a file in `work` from a process of the API's own, the feed cache off; the file's path."""
    file = work / "captured-sql.pickle"
    subprocess.run(
        [BIN / "python", "-m", "bench.captured", file, feed_path],
        cwd=ROOT,
        env=environment(url, FEED_CACHE_SECONDS="0"),
        stdout=subprocess.DEVNULL,  # the app's request log
        check=True,
        timeout=120,
    )
    return file


def capture(app, send) -> dict:
    """The statements `send(client)` makes the app send the second time (the first connects and warms
    SQLAlchemy's caches), and the second answer's status, bytes and headers."""
    client = app.test_client()
    send(client)
    with sql_plans.sent_statements(app.extensions["database"].engine) as sent:
        answer = send(client)
    assert answer.status_code in (200, 201), answer.text
    headers = [(name, value) for name, value in answer.headers.items() if name in KEPT_HEADERS]
    return {
        "statements": list(sent),
        "status": answer.status_code,
        "body": answer.get_data(),
        "headers": headers,
        "fresh": _fresh(sent),
    }


def _fresh(statements) -> list:
    """The values a replay must renew to insert new rows: the ids of the inserted rows and the tracking
    code (unique), as the statements carry them."""
    fresh = []
    for sql, params in statements:
        if sql.lstrip().startswith("INSERT") and isinstance(params, dict):
            fresh += [params[key] for key in ("id", "tracking_code") if key in params]
    return fresh


def _main(file: Path, feed_path: str) -> None:
    import httpx

    from api import create_app  # the API in this process, with the environment it was run with

    app = create_app()
    http = httpx.Client(transport=httpx.WSGITransport(app=app))
    token = register_device("http://api", http)
    submission = {"json": FEEDBACK, "headers": {"Authorization": f"Bearer {token}"}}
    captured = {
        "feed": capture(app, lambda client: client.get(feed_path)),
        "intake": capture(app, lambda client: client.post("/api/v1/feedback", **submission)),
    }
    file.write_bytes(pickle.dumps(captured))


if __name__ == "__main__":
    _main(Path(sys.argv[1]), sys.argv[2])
