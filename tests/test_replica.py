"""Public reads on a real streaming replica (DATABASE_REPLICA_URL): a primary of these tests' own and
its replica made by `pg_basebackup -R` (tests/postgres.py), the schema and the demo data written on the
primary and streamed to the replica.

Which server answered is seen in the answer: with the replica's replay paused (pg_wal_replay_pause), an
alert published on the primary is missing from what the replica serves and present in what the primary
does.
"""

import logging
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from alembic import command
from sqlalchemy import create_engine, event, text
from sqlalchemy.orm import Session

from api import create_app
from api.cli import alembic_config
from services import demo
from services.core.db import utcnow
from services.models import Alert, AlertPlace
from tests import postgres
from tests.conftest import Caller, app_settings
from tests.reliability.harness import FEEDBACK as FEEDBACK_SENT
from tests.reliability.harness import register_device

FEED = "/api/v1/feed"
DA_NANG, HAI_CHAU = 48, 20242


@pytest.fixture(scope="module")
def servers():
    with postgres.primary_and_replica() as servers:
        yield servers


@pytest.fixture(scope="module")
def primary(servers):
    engine = create_engine(servers[0].url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(servers[0].url, connection), "head")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def replica(servers, primary):
    """The replica's own connection (as a superuser: it pauses and resumes replay)."""
    engine = create_engine(servers[1].url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def make_replica_app(servers, primary, tmp_path_factory):
    engines = []

    def make(max_lag: float):
        app = create_app(
            {
                **app_settings(servers[0].url),
                "DATABASE_REPLICA_URL": servers[1].url,
                "REPLICA_MAX_LAG": max_lag,
                "RATELIMIT_ENABLED": False,
                "ATTACHMENTS_DIR": str(tmp_path_factory.mktemp("replica-attachments")),
            }
        )
        database = app.extensions["database"]
        engines.extend((database.engine, database.replica.engine))
        return app

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture(scope="module")
def replica_app(make_replica_app):
    """An app that reads from the replica unless it is 10 minutes behind: a paused replica serves."""
    app = make_replica_app(max_lag=600)
    with app.extensions["database"].sessions() as db:
        demo.seed(db, passwords={role: uuid.uuid4().hex for role in demo.USERS})
    return app


@pytest.fixture
def paused(replica, primary):
    """The replica has replayed everything written so far and replays nothing more until the test ends."""
    caught_up(replica, primary)
    with replica.connect() as connection:
        connection.execute(text("SELECT pg_wal_replay_pause()"))
    yield
    with replica.connect() as connection:
        connection.execute(text("SELECT pg_wal_replay_resume()"))
    caught_up(replica, primary)


def caught_up(replica, primary, timeout=30.0) -> None:
    # Where the primary's WAL ends as inserted, not as written: the test server commits asynchronously
    # (synchronous_commit=off), so the write position can lag a commit that has returned (by up to the WAL
    # writer's 200 ms), and a replica "caught up" with it may lack that commit.
    with primary.connect() as connection:
        target = connection.execute(text("SELECT pg_current_wal_insert_lsn()")).scalar_one()
    deadline = time.monotonic() + timeout
    with replica.connect() as connection:
        while connection.execute(text("SELECT pg_last_wal_replay_lsn() < :t"), {"t": target}).scalar_one():
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.05)


def publish_alert(primary, headline: str) -> str:
    """A published alert for Đà Nẵng, committed on the primary."""
    alert_id = uuid.uuid4()
    with Session(primary) as db:
        db.add(
            Alert(
                id=alert_id,
                status="published",
                category="safety",
                headline=headline,
                description="Mô tả",
                severity="severe",
                severity_rank=2,
                urgency="immediate",
                certainty="observed",
                targets={"province_codes": [DA_NANG]},
                expires_at=utcnow() + timedelta(days=1),
                published_at=utcnow(),
            )
        )
        db.flush()
        db.add(AlertPlace(alert_id=alert_id, scope="province", code=DA_NANG))
        db.commit()
    return headline


def headlines(caller, **query) -> list[str]:
    response = caller.get(FEED, query_string=query)
    assert response.status_code == 200, response.get_json()
    return [alert["headline"] for alert in response.get_json()["alerts"]]


def new_device(app) -> Caller:
    anonymous = Caller(app.test_client())
    response = anonymous.post(
        "/api/v1/devices", json={"platform": "android", "province_code": DA_NANG, "ward_code": HAI_CHAU}
    )
    assert response.status_code == 201, response.get_json()
    return Caller(app.test_client(), response.get_json()["device_token"])


def test_an_anonymous_feed_is_read_from_the_replica_a_device_feed_from_the_primary(
    replica_app, primary, paused
):
    device = new_device(replica_app)  # written on the primary while the replica is paused
    headline = publish_alert(primary, f"Ngập sâu {uuid.uuid4().hex[:6]}")

    assert headline not in headlines(Caller(replica_app.test_client()), province_code=DA_NANG)
    assert headline in headlines(device)  # the device's own place, read on the primary
    assert replica_app.extensions["database"].replica.reason == "streaming"


@pytest.fixture
def citizen(replica_app) -> Caller:
    """A consenting citizen's device that has sent a feedback (before the replica pauses, when `paused`
    comes after this fixture)."""
    with httpx.Client(transport=httpx.WSGITransport(app=replica_app), base_url="http://api") as http:
        token = register_device("http://api", http)
        sent = http.post("/api/v1/feedback", json=FEEDBACK_SENT, headers={"Authorization": f"Bearer {token}"})
        assert sent.status_code == 201, sent.text
    return Caller(replica_app.test_client(), token)


def test_the_public_ranking_is_read_from_the_replica(replica_app, primary, citizen, paused):
    ranking = "/api/v1/reports/public/departments"
    anonymous = Caller(replica_app.test_client())
    shown = anonymous.get(ranking).get_json()["departments"]
    assert shown
    # On the primary only (the replica is paused): every feedback leaves the last 90 days.
    moved = text("UPDATE feedback SET received_at = received_at + make_interval(days => :days)")
    with primary.begin() as connection:
        connection.execute(moved, {"days": -400})
    try:
        assert anonymous.get(ranking).get_json()["departments"] == shown
        assert citizen.get(ranking).get_json()["departments"] == []  # a caller with a token: the primary
    finally:
        with primary.begin() as connection:
            connection.execute(moved, {"days": 400})


def test_a_device_reads_back_the_feedback_it_just_sent(replica_app, paused):
    device = new_device(replica_app)
    created = device.post(
        "/api/v1/feedback",
        json={
            "form": "waste",
            "province_code": DA_NANG,
            "ward_code": HAI_CHAU,
            "answers": {"where": "Đường Bạch Đằng", "details": "Rác tồn đọng ba ngày"},
        },
    )
    assert created.status_code == 201, created.get_json()

    tracked = device.get("/api/v1/feedback/track", query_string={"code": created.get_json()["tracking_code"]})
    assert tracked.status_code == 200, tracked.get_json()
    assert tracked.get_json()["id"] == created.get_json()["id"]
    mine = device.get("/api/v1/feedback/mine").get_json()["items"]
    assert [item["id"] for item in mine] == [created.get_json()["id"]]


def test_a_replica_behind_by_more_than_replica_max_lag_leaves_reads_to_the_primary(
    make_replica_app, primary, paused, caplog
):
    app = make_replica_app(max_lag=1)
    anonymous = Caller(app.test_client())
    headline = publish_alert(primary, f"Sạt lở {uuid.uuid4().hex[:6]}")

    # The replica falls further behind with each write it does not replay; within a second or two of
    # passing REPLICA_MAX_LAG (looked at once a second), reads move to the primary, and stay there.
    deadline = time.monotonic() + 30
    with caplog.at_level(logging.INFO, logger="citizen.replica"):
        while headline not in headlines(anonymous, province_code=DA_NANG):
            assert time.monotonic() < deadline, "reads never left the lagging replica"
            publish_alert(primary, "Một cảnh báo khác")
            time.sleep(0.2)
        for _ in range(3):
            assert headline in headlines(anonymous, province_code=DA_NANG)
    assert "behind the primary" in app.extensions["database"].replica.reason
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "reads go to the primary" in warnings[0].getMessage()


def test_a_stopped_replica_moves_reads_to_the_primary_without_an_error(
    servers, replica_app, primary, replica, caplog
):
    anonymous = Caller(replica_app.test_client())
    assert headlines(anonymous, province_code=DA_NANG) is not None  # the pool holds a replica connection
    servers[1].stop("immediate")
    try:
        headline = publish_alert(primary, f"Bão số 9 {uuid.uuid4().hex[:6]}")
        with caplog.at_level(logging.WARNING, logger="citizen.replica"):
            for _ in range(3):
                assert headline in headlines(anonymous, province_code=DA_NANG)
        assert "replica not used" in caplog.text
        assert replica_app.extensions["database"].replica.usable() is False
    finally:
        servers[1].start()
    caught_up(replica, primary)


def _autocommit_of_selects(app, caller, path: str) -> set[bool]:
    """Whether the connections that ran the request's SELECTs were in autocommit: psycopg sends BEGIN
    before a statement (and the session ROLLBACK after the request) only on a connection that is not."""
    database = app.extensions["database"]
    seen = []

    def record(connection, _cursor, statement, *_):
        # The replica's lag probe (once a second, on its own connection) is not the request's read.
        if statement.lstrip().startswith("SELECT") and "pg_last_wal" not in statement:
            seen.append(connection.connection.dbapi_connection.autocommit)

    engines = [database.engine] + ([database.replica.engine] if database.replica else [])
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        assert caller.get(path).status_code == 200
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
    assert seen, "the request read nothing"
    return set(seen)


def test_public_reads_run_outside_a_transaction_on_the_replica_and_on_the_primary(
    replica_app, servers, tmp_path
):
    without_replica = create_app(
        {**app_settings(servers[0].url), "RATELIMIT_ENABLED": False, "ATTACHMENTS_DIR": str(tmp_path)}
    )
    try:
        for app in (replica_app, without_replica):
            anonymous = Caller(app.test_client())
            assert _autocommit_of_selects(app, anonymous, f"{FEED}?ward_code={HAI_CHAU}") == {True}
            # A caller with a token may write in the same request: its reads stay in the transaction.
            assert _autocommit_of_selects(app, new_device(app), FEED) == {False}
            # An anonymous read that writes (a notice's read count) reads its own write back.
            notice = anonymous.get("/api/v1/notices", query_string={"province_code": DA_NANG})
            url = f"/api/v1/notices/{notice.get_json()['items'][0]['id']}"
            first = anonymous.get(url).get_json()["read_count"]
            assert anonymous.get(url).get_json()["read_count"] == first + 1
    finally:
        without_replica.extensions["database"].engine.dispose()
