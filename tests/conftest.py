"""Fixtures: a real PostgreSQL built by the migrations, one rolled-back transaction per test,
row factories, and a client for every kind of caller.

Set TEST_DATABASE_URL to use an existing server instead of a throwaway one.
"""

import os
import uuid
from dataclasses import dataclass

import pytest
from alembic import command
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import text

from api import create_app, limits
from api.cli import alembic_config
from services.core.security import API_KEY_PREFIX, DEVICE_TOKEN_PREFIX, hash_password, issue_jwt, new_token
from services.core.text import normalize
from services.models import ApiKey, Department, Device, User
from tests import postgres
from tests.fake_zalo import FakeZalo
from tests.standards import assert_valid_atom, assert_valid_cap

# `make fuzz`: schemathesis with many more examples per operation (pytest --hypothesis-profile=fuzz).
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")))

TEST_SECRET = "test-secret-key-with-at-least-32-characters"
PASSWORD = "correct horse battery"
PUBLIC_BASE_URL = "https://citizen.danang.example"
_server = {}


def _database_url() -> str:
    if "url" not in _server:
        url = os.environ.get("TEST_DATABASE_URL")
        version = "external server"
        if not url:
            url, version = postgres.start()
        _server.update(url=url, version=version)
    return _server["url"]


def pytest_report_header(config):
    url = _database_url()
    return f"database: {_server['version']} at {url.split('@')[-1]} (schema built by the Alembic migrations)"


def app_settings(database_url: str) -> dict:
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TESTING": True,
        "APP_ENV": "test",
        "FEED_CACHE_SECONDS": 0,  # every test sees its own writes; test_feed.py tests the cache
    }


@pytest.fixture(scope="session")
def database_url():
    return _database_url()


@pytest.fixture(scope="session")
def attachments_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("attachments")


@pytest.fixture(scope="session")
def fake_zalo():
    """The fake Zalo every test app calls (tests/fake_zalo.py); tests script it after `reset()`."""
    fake = FakeZalo().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def app(database_url, attachments_dir, fake_zalo):
    settings = {
        **app_settings(database_url),
        "ATTACHMENTS_DIR": str(attachments_dir),
        **fake_zalo.app_config(),
    }
    app = create_app(settings)
    engine = app.extensions["database"].engine
    assert engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        command.upgrade(alembic_config(database_url, connection), "head")
    yield app
    engine.dispose()


@pytest.fixture(scope="session")
def database(app):
    """The app's Database: its engine, session factory and the thread's scoped session."""
    return app.extensions["database"]


@pytest.fixture(autouse=True)
def transaction(database):
    """Run the test inside a transaction that is rolled back; services' commits become savepoints."""
    connection = database.engine.connect()
    outer = connection.begin()
    database.bind(connection, join_transaction_mode="create_savepoint")
    yield connection
    database.session.remove()
    outer.rollback()
    connection.close()


@pytest.fixture
def make_app(database_url, attachments_dir, transaction):
    """Build another app with its own settings, its sessions in the test's transaction."""
    engines = []

    def make(**settings):
        app = create_app({**app_settings(database_url), "ATTACHMENTS_DIR": str(attachments_dir), **settings})
        engines.append(app.extensions["database"].engine)
        app.extensions["database"].bind(transaction, join_transaction_mode="create_savepoint")
        return app

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def db(database, transaction):
    return database.session()


# ---------------------------------------------------------------- factories


@pytest.fixture
def make_department(db):
    def make(code=None, *, province_code=48, intake=False, focal=True, **extra):
        code = code or f"D{uuid.uuid4().hex[:6].upper()}"
        name = extra.pop("name", f"Phòng {code}")
        department = Department(
            code=code,
            name=name,
            name_search=normalize(name),
            province_code=province_code,
            intake=intake,
            active=True,
            focal_name="Cán bộ đầu mối" if focal else None,
            focal_phone="+84912345678" if focal else None,
            **extra,
        )
        db.add(department)
        db.commit()  # a savepoint: the test's outer transaction still rolls it back
        return department

    return make


@pytest.fixture
def make_user(db):
    def make(role="officer", department=None, *, email=None, password=PASSWORD, active=True):
        user = User(
            email=email or f"{role}-{uuid.uuid4().hex[:8]}@example.org",
            full_name=role.title(),
            password_hash=hash_password(password),
            role=role,
            department_id=department.id if department else None,
            active=active,
        )
        db.add(user)
        db.commit()  # a savepoint: the test's outer transaction still rolls it back
        return user

    return make


@pytest.fixture
def make_device(db):
    def make(province_code=48, ward_code=20242, platform="android", **extra):
        token, hashed = new_token(DEVICE_TOKEN_PREFIX)
        device = Device(
            token_hash=hashed, platform=platform, province_code=province_code, ward_code=ward_code, **extra
        )
        db.add(device)
        db.commit()  # a savepoint: the test's outer transaction still rolls it back
        device.token = token
        return device

    return make


@pytest.fixture
def make_api_key(db):
    def make(scopes=("notices:read",), department=None):
        key, hashed = new_token(API_KEY_PREFIX)
        api_key = ApiKey(
            name="Cổng thông tin tỉnh",
            prefix=key[:10],
            key_hash=hashed,
            scopes=list(scopes),
            department_id=department.id if department else None,
        )
        db.add(api_key)
        db.commit()  # a savepoint: the test's outer transaction still rolls it back
        api_key.key = key
        return api_key

    return make


# ---------------------------------------------------------------- callers


@dataclass
class Caller:
    """A test client that sends one principal's bearer token with every request."""

    client: object
    token: str | None = None
    principal: object = None

    def open(self, method, url, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.client.open(url, method=method.upper(), headers=headers, **kwargs)

    def get(self, url, **kw):
        return self.open("GET", url, **kw)

    def post(self, url, **kw):
        return self.open("POST", url, **kw)

    def patch(self, url, **kw):
        return self.open("PATCH", url, **kw)

    def put(self, url, **kw):
        return self.open("PUT", url, **kw)

    def delete(self, url, **kw):
        return self.open("DELETE", url, **kw)


def staff_token(user) -> str:
    return issue_jwt(TEST_SECRET, 3600, sub=str(user.id), role=user.role, ver=user.token_version)


@pytest.fixture
def client(app):
    """Anonymous."""
    return Caller(app.test_client())


@pytest.fixture
def department_a(make_department):
    return make_department("DEPT-A", intake=True)


@pytest.fixture
def department_b(make_department):
    return make_department("DEPT-B")


@pytest.fixture
def staff(app, make_user, department_a, department_b):
    """Callers by name: admin, editor_a, officer_a, viewer_a, officer_b."""

    def caller(role, department):
        user = make_user(role, department)
        return Caller(app.test_client(), staff_token(user), user)

    return {
        "admin": caller("admin", None),
        "editor_a": caller("editor", department_a),
        "officer_a": caller("officer", department_a),
        "viewer_a": caller("viewer", department_a),
        "officer_b": caller("officer", department_b),
    }


@pytest.fixture
def admin(staff):
    return staff["admin"]


@pytest.fixture
def citizen(app, make_device):
    device = make_device()
    return Caller(app.test_client(), device.token, device)


@pytest.fixture
def integrator(app, make_api_key):
    """An API key holding every read scope."""
    api_key = make_api_key(scopes=("notices:read", "alerts:read", "feedback:read", "departments:read"))
    return Caller(app.test_client(), api_key.key, api_key)


@pytest.fixture
def integrator_without_scope(app, make_api_key):
    api_key = make_api_key(scopes=("alerts:read",))
    return Caller(app.test_client(), api_key.key, api_key)


def assert_problem(response, status, code=None):
    """The response is an RFC 9457 problem with this status (and code)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["type"]
    if code:
        assert body["code"] == code, body
    return body


@pytest.fixture
def sql(db):
    """Run raw SQL in the test's transaction (to check what is stored)."""
    return lambda statement, **params: db.execute(text(statement), params)


@pytest.fixture(autouse=True)
def rows_kept_between_requests(monkeypatch, database, db):
    """Give each request a fresh session, as in production, after committing the test's own writes.

    Otherwise a request shares the test's scoped session: its teardown closes that session (rolling back
    anything only flushed), and a request that fails rolls it back, expiring the test's objects, which then
    raise DetachedInstanceError when read. (The commits release savepoints; the test's outer transaction is
    still rolled back.)
    """
    send = Caller.open

    def open_in_fresh_session(self, method, url, **kwargs):
        db.commit()
        database.session.commit()
        database.session.remove()
        return send(self, method, url, **kwargs)

    monkeypatch.setattr(Caller, "open", open_in_fresh_session)


@pytest.fixture(autouse=True)
def standards_checked(monkeypatch):
    """Every CAP document and Atom feed any test receives is checked as other systems check them
    (tests/standards): the OASIS CAP 1.2 schema and RFC 4287's, and the rules of their readers. And the
    API is stateless: no answer under /api sets a cookie."""
    send = FlaskClient.open

    def open_and_check(self, *args, **kwargs):
        response = send(self, *args, **kwargs)
        if response.request.path.startswith("/api"):
            assert "Set-Cookie" not in response.headers, response.request.path
        if response.status_code == 200 and response.request.method == "GET":
            if response.mimetype == "application/cap+xml":
                assert_valid_cap(response.data)
            elif response.mimetype == "application/atom+xml":
                query = response.request.query_string.decode()
                url = self.application.config["PUBLIC_BASE_URL"] + response.request.path
                assert_valid_atom(response.data, f"{url}?{query}" if query else url)
        return response

    monkeypatch.setattr(FlaskClient, "open", open_and_check)


@pytest.fixture(autouse=True)
def fresh_rate_limits(app):
    """Rate-limit counters start at zero in every test (they live in process memory)."""
    limits.reset(app)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Cheap argon2 settings: verifying behaves the same, without the 0.4 s a user costs otherwise."""
    from argon2 import PasswordHasher

    from services.core import security

    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
