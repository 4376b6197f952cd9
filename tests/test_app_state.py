"""What belongs to one app: its database and sessions, file storage, rate-limit counts, documented models
and cookie sessions. Two apps in one process share none of them; the last use of a device or key is
recorded whatever the request did."""

import io
from datetime import timedelta

import pytest
from alembic import command
from flask import Blueprint
from flask import session as cookie_session
from sqlalchemy import func, select

from api import create_app
from api.auth import current_principal
from api.cli import alembic_config
from api.database import session
from api.sessions import with_cookie_sessions
from services.core.db import utcnow
from services.core.errors import Conflict
from services.models import ApiKey, Department, Device
from tests.conftest import TEST_SECRET, Caller, assert_problem
from tests.feedback_fixtures import JPEG

DEVICE = {"platform": "android", "province_code": 48, "ward_code": 20242}
SIGN_IN = {"email": "nobody@example.org", "password": "wrong password"}


@pytest.fixture
def two_apps(tmp_path):
    """Two apps in this process, each on its own SQLite file and attachments folder."""
    apps = []
    for name in ("a", "b"):
        url = f"sqlite:///{tmp_path / name}.db"
        settings = {"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET, "APP_ENV": "test"}
        apps.append(create_app({**settings, "ATTACHMENTS_DIR": str(tmp_path / f"{name}-files")}))
        command.upgrade(alembic_config(url), "head")
    yield apps
    for app in apps:
        app.extensions["database"].engine.dispose()


def devices_in(app) -> int:
    with app.extensions["database"].sessions() as db:
        return db.scalar(select(func.count()).select_from(Device))


def test_what_one_app_writes_the_other_does_not_see(two_apps, tmp_path):
    a, b = two_apps
    registered = a.test_client().post("/api/v1/devices", json=DEVICE)
    assert registered.status_code == 201
    phone = {"Authorization": f"Bearer {registered.json['device_token']}"}

    uploaded = a.test_client().post(
        "/api/v1/attachments", headers=phone, data={"file": (io.BytesIO(JPEG), "road.jpg")}
    )

    assert uploaded.status_code == 201
    assert (devices_in(a), devices_in(b)) == (1, 0)
    assert_problem(b.test_client().get("/api/v1/devices/me", headers=phone), 401, "invalid_token")
    assert len([f for f in (tmp_path / "a-files").rglob("*") if f.is_file()]) == 1
    assert not (tmp_path / "b-files").exists()
    photo = a.test_client().get(f"/api/v1/attachments/{uploaded.json['id']}", headers=phone)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"


def test_both_apps_document_the_api_with_models_of_their_own(two_apps):
    a, b = two_apps
    documents = [app.test_client().get("/swagger.json") for app in (a, b)]

    assert [document.status_code for document in documents] == [200, 200]
    assert documents[0].json["definitions"] == documents[1].json["definitions"]
    assert "Problem" in documents[0].json["definitions"]
    models = [app.extensions["api"].models for app in (a, b)]
    assert models[0]["Problem"] is not models[1]["Problem"]


def test_rate_limits_are_counted_per_app(two_apps):
    a, b = two_apps
    first, second = a.test_client(), b.test_client()
    answers = [first.post("/api/v1/auth/token", json=SIGN_IN).status_code for _ in range(11)]

    assert answers == [401] * 10 + [429]  # sign-in: 10 a minute per address
    assert_problem(second.post("/api/v1/auth/token", json=SIGN_IN), 401, "invalid_credentials")


def test_an_app_without_limits_leaves_the_others_limited(make_app, client):
    unlimited = make_app(RATELIMIT_ENABLED=False).test_client()

    assert {unlimited.post("/api/v1/auth/token", json=SIGN_IN).status_code for _ in range(11)} == {401}
    answers = [client.post("/api/v1/auth/token", json=SIGN_IN).status_code for _ in range(11)]
    assert answers == [401] * 10 + [429]


def probe_blueprint() -> Blueprint:
    """A blueprint that keeps a visit count in Flask's cookie session, as the console will."""
    probe = Blueprint("cookie_probe", __name__, url_prefix="/probe")

    @probe.get("/visits")
    def visits():
        cookie_session["visits"] = cookie_session.get("visits", 0) + 1
        return {"visits": cookie_session["visits"]}

    return with_cookie_sessions(probe)


def test_the_api_never_sets_a_cookie_but_a_blueprint_may_keep_a_session(make_app, citizen):
    app = make_app()
    app.register_blueprint(probe_blueprint())
    browser = app.test_client()

    first = browser.get("/probe/visits")
    second = browser.get("/probe/visits")

    assert "session=" in first.headers["Set-Cookie"] and "HttpOnly" in first.headers["Set-Cookie"]
    assert second.json == {"visits": 2}
    # The same browser, cookie and all, meets a stateless API (every test's answers are checked too:
    # tests/conftest.py refuses a Set-Cookie on any /api answer).
    for response in (
        browser.get("/api/v1/feed?ward_code=20242"),
        browser.post("/api/v1/auth/token", json=SIGN_IN),
        browser.post("/api/v1/devices", json=DEVICE),
        browser.get("/swagger.json"),
    ):
        assert "Set-Cookie" not in response.headers, response.request.path


def test_a_blueprint_under_api_cannot_ask_for_cookie_sessions(make_app):
    api_side = with_cookie_sessions(Blueprint("api_side", __name__, url_prefix="/api/v1/console"))

    with pytest.raises(ValueError, match="outside /api"):
        make_app().register_blueprint(api_side)


# ---------------------------------------------------------------- last use


def half_written_request_app(make_app):
    """An app with a view that writes, looks up who is calling only then, and fails."""
    app = make_app()
    probe = Blueprint("half_written", __name__)

    @probe.post("/half-written")
    def half_written():
        db = session()
        db.add(Department(code="HALF", name="Half written", name_search="half written", province_code=48))
        db.flush()
        current_principal()
        raise Conflict("Stopped half way.", code="stopped")

    app.register_blueprint(probe)
    return app


def stored(database, model, key):
    """The row as stored now (requests replace the test's session: read it anew)."""
    return database.session().get(model, key, populate_existing=True)


def test_a_failed_request_leaves_no_half_written_row_and_the_device_is_seen(make_app, make_device, database):
    device = make_device(last_seen_at=utcnow() - timedelta(hours=2))
    app = half_written_request_app(make_app)

    failed = Caller(app.test_client(), device.token).post("/half-written")

    assert_problem(failed, 409, "stopped")
    assert database.session().scalar(select(Department).where(Department.code == "HALF")) is None
    assert utcnow() - stored(database, Device, device.id).last_seen_at < timedelta(minutes=1)


def test_a_device_seen_within_the_hour_is_not_written_again(citizen, db, database):
    earlier = utcnow() - timedelta(minutes=10)
    citizen.principal.last_seen_at = earlier
    db.commit()

    assert citizen.get("/api/v1/devices/me").status_code == 200

    assert stored(database, Device, citizen.principal.id).last_seen_at == earlier


def test_an_api_key_records_its_use_even_when_its_request_fails(integrator, database):
    assert integrator.principal.last_used_at is None

    assert_problem(integrator.post("/api/v1/notices", json={}), 403)

    assert utcnow() - stored(database, ApiKey, integrator.principal.id).last_used_at < timedelta(minutes=1)
