"""Registering webhooks: who may, which URLs and events, the secret shown once, the failure run that
disables a webhook and PATCH active that switches it on again."""

import contextlib
import hashlib
import hmac
import threading
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from api.config import complete, from_environment
from services.core.db import utcnow
from services.core.errors import Invalid
from services.identity.principals import Principal
from services.models import AuditEvent, Department, User, Webhook
from services.outbox.channels.base import Outgoing
from services.outbox.channels.webhook import WebhookChannel
from services.webhooks import hooks, registry
from tests.conftest import Caller, assert_problem, staff_token
from tests.webhook_receiver import Answer, Receiver

WEBHOOKS = "/api/v1/webhooks"
RECEIVER = "http://127.0.0.1:9/citizen-events"  # registration does not call it
NEW = {
    "url": RECEIVER,
    "events": ["feedback.created", "feedback.answered"],
    "description": "Hệ thống một cửa",
}


@pytest.fixture
def permissive(app, monkeypatch):
    """As with WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE set: receivers on 127.0.0.1."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)


@pytest.fixture
def editor_b(app, make_user, department_b):
    user = make_user("editor", department_b)
    return Caller(app.test_client(), staff_token(user), user)


def created(caller, **changes):
    response = caller.post(WEBHOOKS, json={**NEW, **changes})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_admin_registers_a_webhook_without_department_and_sees_the_secret_once(permissive, admin):
    webhook = created(admin)
    assert webhook["department_id"] is None and webhook["url"] == RECEIVER
    assert webhook["events"] == ["feedback.answered", "feedback.created"]
    assert webhook["active"] is True and webhook["failures"] == 0 and webhook["disabled_reason"] is None
    assert webhook["secret"].startswith("whsec_") and len(webhook["secret"]) > 40
    assert webhook["created_by"] == admin.principal.email
    shown = admin.get(f"{WEBHOOKS}/{webhook['id']}").get_json()
    assert "secret" not in shown and shown["description"] == "Hệ thống một cửa"
    assert all("secret" not in item for item in admin.get(WEBHOOKS).get_json()["items"])


def test_the_secret_stays_out_of_the_audit_log(permissive, admin, db):
    webhook = created(admin)
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.entity_id == webhook["id"]))
    assert event.action == "webhook.create" and "secret" not in event.after
    assert event.after["url"] == RECEIVER


def test_an_editor_registers_for_their_own_department_only(permissive, staff, department_a, department_b):
    editor = staff["editor_a"]
    assert created(editor)["department_id"] == str(department_a.id)
    assert created(editor, department_id=str(department_a.id))["department_id"] == str(department_a.id)
    response = editor.post(WEBHOOKS, json={**NEW, "department_id": str(department_b.id)})
    assert_problem(response, 403, "other_department")


def test_departments_see_only_their_own_webhooks(permissive, staff, editor_b, admin):
    mine = created(staff["editor_a"])
    theirs = created(editor_b)
    province = created(admin)
    assert [w["id"] for w in staff["editor_a"].get(WEBHOOKS).get_json()["items"]] == [mine["id"]]
    for method in ("get", "patch", "delete"):
        response = getattr(editor_b, method)(f"{WEBHOOKS}/{mine['id']}", json={"description": "x"})
        assert_problem(response, 404, "not_found")
    assert_problem(editor_b.post(f"{WEBHOOKS}/{mine['id']}/rotate-secret"), 404)
    assert_problem(editor_b.get(f"{WEBHOOKS}/{province['id']}"), 404)
    everything = {w["id"] for w in admin.get(WEBHOOKS).get_json()["items"]}
    assert everything == {mine["id"], theirs["id"], province["id"]}


@pytest.mark.parametrize("caller", ["officer_a", "viewer_a", "officer_b"])
def test_other_staff_may_not(permissive, staff, caller):
    assert_problem(staff[caller].post(WEBHOOKS, json=NEW), 403, "forbidden")
    assert_problem(staff[caller].get(WEBHOOKS), 403, "forbidden")


def test_citizens_and_anonymous_callers_may_not(permissive, citizen, client):
    assert_problem(citizen.post(WEBHOOKS, json=NEW), 403)
    assert_problem(client.post(WEBHOOKS, json=NEW), 401)


def test_a_key_with_webhooks_manage_registers_for_its_department(
    permissive, app, make_api_key, department_a, department_b, staff
):
    key = make_api_key(scopes=("webhooks:manage",), department=department_a)
    system = Caller(app.test_client(), key.key, key)
    webhook = created(system)
    assert webhook["department_id"] == str(department_a.id) and webhook["created_by"] == key.name
    assert_problem(system.post(WEBHOOKS, json={**NEW, "department_id": str(department_b.id)}), 403)
    assert [w["id"] for w in staff["editor_a"].get(WEBHOOKS).get_json()["items"]] == [webhook["id"]]


def test_a_key_without_the_scope_is_refused(permissive, integrator):
    assert_problem(integrator.post(WEBHOOKS, json=NEW), 403, "missing_scope")
    assert_problem(integrator.get(WEBHOOKS), 403, "missing_scope")


@pytest.mark.parametrize(
    "url, code",
    [
        ("https://hook:secret@127.0.0.1/x", "url_has_credentials"),
        ("https://user@127.0.0.1/x", "url_has_credentials"),
        ("ftp://127.0.0.1/x", "invalid_url"),
        ("https:///no-host", "invalid_url"),
        ("https://127.0.0.1:99999/x", "invalid_url"),
        ("https://127.0.0.1/a b", "invalid_url"),
        ("https://no-such-host.invalid/x", "url_unresolvable"),
    ],
)
def test_urls_that_cannot_be_webhooks(permissive, admin, url, code):
    body = assert_problem(admin.post(WEBHOOKS, json={**NEW, "url": url}), 422, code)
    assert list(body["errors"]) == ["url"]


def test_plain_http_only_where_allowed(admin):
    assert_problem(admin.post(WEBHOOKS, json={**NEW, "url": "http://hooks.example/x"}), 422, "url_not_https")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "169.254.169.254", "10.0.0.7"])
def test_inside_addresses_are_refused_without_allow_private(app, monkeypatch, admin, host):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    body = assert_problem(
        admin.post(WEBHOOKS, json={**NEW, "url": f"https://{host}/x"}), 422, "url_not_public"
    )
    assert "which may not be reached" in body["errors"]["url"][0]


def test_unknown_events_are_named(permissive, admin):
    response = admin.post(WEBHOOKS, json={**NEW, "events": ["feedback.created", "feedback.deleted", "x"]})
    body = assert_problem(response, 422, "unknown_event")
    assert body["errors"]["events"][0].startswith(
        "Unknown events: feedback.deleted, x. Known: feedback.created"
    )


def test_twenty_webhooks_per_department(permissive, staff, admin, department_a):
    for _ in range(20):
        created(staff["editor_a"])
    response = admin.post(WEBHOOKS, json={**NEW, "department_id": str(department_a.id)})
    assert_problem(response, 422, "webhook_limit_reached")
    created(admin)  # the province's own count apart


def test_two_creates_at_once_cannot_pass_the_limit_together(app):
    """Committed rows in two sessions racing on PostgreSQL (cleaned up after): with 19 webhooks, two
    creates at the same moment leave 20, the other is refused."""
    engine = app.extensions["database"].engine
    with Session(engine, expire_on_commit=False) as setup:
        department = Department(code=f"HOOK-{uuid.uuid4().hex[:6]}", name="Race", name_search="race",
                                province_code=48, active=True, intake=False)  # fmt: skip
        admin = User(email=f"race-{uuid.uuid4().hex[:6]}@example.org", password_hash="x", role="admin",
                     full_name="")  # fmt: skip
        setup.add_all([department, admin])
        setup.commit()
    rules = registry.UrlRules(allow_http=True, allow_private=True)
    data = {"url": "http://127.0.0.1:9/", "events": ["feedback.created"], "department_id": department.id}
    barrier, counted, outcomes = threading.Barrier(2), threading.Barrier(2, timeout=2), []

    def hold_after_counting(conn, cursor, statement, *args):
        # Each waits for the other to have counted too: without the lock both count 19. With it the
        # second cannot count before the first commits, so the first stops waiting after 2 s.
        if statement.startswith("SELECT count(*)") and "FROM webhooks" in statement:
            with contextlib.suppress(threading.BrokenBarrierError):
                counted.wait()

    def create():
        with Session(engine) as db:
            barrier.wait()
            try:
                registry.create(db, Principal(kind="staff", user=db.get(User, admin.id)), dict(data), rules)
                outcomes.append("created")
            except Invalid as refused:
                outcomes.append(refused.code)

    try:
        with Session(engine) as db:
            for _ in range(registry.MAX_PER_DEPARTMENT - 1):
                registry.create(db, Principal(kind="staff", user=db.get(User, admin.id)), dict(data), rules)
        event.listen(engine, "after_cursor_execute", hold_after_counting)
        threads = [threading.Thread(target=create) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        event.remove(engine, "after_cursor_execute", hold_after_counting)
        assert sorted(outcomes) == ["created", "webhook_limit_reached"]
        with Session(engine) as check:
            mine = select(func.count()).select_from(Webhook).where(Webhook.department_id == department.id)
            assert check.scalar(mine) == registry.MAX_PER_DEPARTMENT
    finally:
        with Session(engine) as cleanup:
            hooks_ = select(Webhook.id).where(Webhook.department_id == department.id)
            cleanup.execute(delete(AuditEvent).where(AuditEvent.entity_id.in_(
                [str(i) for i in cleanup.scalars(hooks_)])))  # fmt: skip
            cleanup.execute(delete(Webhook).where(Webhook.department_id == department.id))
            cleanup.execute(delete(User).where(User.id == admin.id))
            cleanup.execute(delete(Department).where(Department.id == department.id))
            cleanup.commit()


def test_patch_changes_url_events_and_description(permissive, staff):
    webhook = created(staff["editor_a"])
    response = staff["editor_a"].patch(
        f"{WEBHOOKS}/{webhook['id']}", json={"url": "http://127.0.0.1:8/v2", "events": ["alert.published"]}
    )
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert (changed["url"], changed["events"], changed["description"]) == (
        "http://127.0.0.1:8/v2",
        ["alert.published"],
        "Hệ thống một cửa",
    )
    url = {"url": "https://u:p@127.0.0.1/"}
    assert_problem(
        staff["editor_a"].patch(f"{WEBHOOKS}/{webhook['id']}", json=url), 422, "url_has_credentials"
    )


def test_delete(permissive, staff, db):
    webhook = created(staff["editor_a"])
    assert staff["editor_a"].delete(f"{WEBHOOKS}/{webhook['id']}").status_code == 204
    assert_problem(staff["editor_a"].get(f"{WEBHOOKS}/{webhook['id']}"), 404)
    assert hooks.resolve(db, webhook["id"]) is None  # deliveries still waiting end as gone
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.entity_id == webhook["id"]).order_by(
        AuditEvent.id.desc()).limit(1)) == "webhook.delete"  # fmt: skip


# ---------------------------------------------------------------- signing, rotating, failing


def deliver(db, webhook_id: str, url_secret=None) -> object:
    """One attempt as the outbox makes it: resolve the address at send time, send, record."""
    target = hooks.resolve(db, webhook_id)
    payload = {"id": str(uuid.uuid4()), "event": "ping", "created_at": utcnow().isoformat(), "data": {}}
    result = WebhookChannel(allow_private=True).send(
        Outgoing(uuid.uuid4(), "webhook", webhook_id, payload, 0, target)
    )
    hooks.recorded(db, [(SimpleNamespace(address=webhook_id), result)], hooks.DisableAfter())
    db.commit()
    return result


def signed_with(secret: str, request) -> bool:
    signed = f"{request.headers['X-Webhook-Timestamp']}.".encode() + request.body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request.headers["X-Signature"])


def test_rotate_secret_changes_the_signature(permissive, staff, db):
    with Receiver() as receiver:
        webhook = created(staff["editor_a"], url=receiver.url())
        deliver(db, webhook["id"])
        response = staff["editor_a"].post(f"{WEBHOOKS}/{webhook['id']}/rotate-secret")
        assert response.status_code == 200
        rotated = response.get_json()["secret"]
        deliver(db, webhook["id"])
    before, after = receiver.received
    assert rotated != webhook["secret"]
    assert signed_with(webhook["secret"], before) and not signed_with(webhook["secret"], after)
    assert signed_with(rotated, after)
    assert "secret" not in staff["editor_a"].get(f"{WEBHOOKS}/{webhook['id']}").get_json()


def test_an_always_failing_receiver_disables_the_webhook_with_the_reason(permissive, staff, admin, db):
    with Receiver(Answer(500, body=b"database down")) as receiver:
        webhook = created(staff["editor_a"], url=receiver.url())
        for _ in range(20):
            deliver(db, webhook["id"])
        shown = staff["editor_a"].get(f"{WEBHOOKS}/{webhook['id']}").get_json()
        assert shown["active"] is True and shown["failures"] == 20  # 20 attempts, but not yet over 24 h

        db.get(Webhook, uuid.UUID(webhook["id"])).failing_since = utcnow() - timedelta(hours=24, minutes=1)
        db.commit()
        assert deliver(db, webhook["id"]).kind == "retry"
        for caller in (staff["editor_a"], admin):
            shown = caller.get(f"{WEBHOOKS}/{webhook['id']}").get_json()
            assert shown["active"] is False and shown["failures"] == 21 and shown["disabled_at"]
            assert shown["disabled_reason"].startswith("Disabled after 21 failed attempts in a row since ")
            assert shown["disabled_reason"].endswith("; the last: HTTP 500: database down")
        assert hooks.resolve(db, webhook["id"]) is None  # what still waits ends as gone; nothing is sent
        assert len(receiver.received) == 21

        response = staff["editor_a"].patch(f"{WEBHOOKS}/{webhook['id']}", json={"active": True})
        again = response.get_json()
        assert again["active"] is True and again["failures"] == 0
        assert again["disabled_reason"] is None and again["failing_since"] is None
        assert hooks.resolve(db, webhook["id"])["url"] == receiver.url()
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == webhook["id"]))
    assert list(actions) == ["webhook.create", "webhook.disable", "webhook.update"]


def test_a_success_ends_the_failure_run(permissive, staff, db):
    with Receiver(Answer(503), Answer(503), Answer(503), Answer(200)) as receiver:
        webhook = created(staff["editor_a"], url=receiver.url())
        kinds = [deliver(db, webhook["id"]).kind for _ in range(3)]
        assert staff["editor_a"].get(f"{WEBHOOKS}/{webhook['id']}").get_json()["failures"] == 3
        kinds.append(deliver(db, webhook["id"]).kind)
    assert kinds == ["retry", "retry", "retry", "sent"]
    shown = staff["editor_a"].get(f"{WEBHOOKS}/{webhook['id']}").get_json()
    assert shown["failures"] == 0 and shown["failing_since"] is None


def test_switching_off_by_hand(permissive, staff, db):
    webhook = created(staff["editor_a"])
    shown = staff["editor_a"].patch(f"{WEBHOOKS}/{webhook['id']}", json={"active": False}).get_json()
    assert shown["active"] is False
    assert shown["disabled_reason"] == f"Switched off by {staff['editor_a'].principal.email}."
    assert hooks.resolve(db, webhook["id"]) is None


# ---------------------------------------------------------------- which webhooks an event reaches


def test_an_event_reaches_the_departments_webhooks_and_the_province_wide_ones(
    permissive, staff, editor_b, admin, db, department_a, department_b
):
    mine = created(staff["editor_a"], events=["feedback.created", "alert.published"])
    created(staff["editor_a"], events=["feedback.answered"])  # not subscribed
    theirs = created(editor_b, events=["feedback.created"])
    province = created(admin, events=["feedback.created", "scam_report.created"])
    off = created(admin, events=["feedback.created"])
    admin.patch(f"{WEBHOOKS}/{off['id']}", json={"active": False})

    def reached(name, department):
        event = SimpleNamespace(name=name, departments=(department.id,) if department else ())
        return {str(webhook_id) for webhook_id in hooks.subscribed(db, event)}

    assert reached("feedback.created", department_a) == {mine["id"], province["id"]}
    assert reached("feedback.created", department_b) == {theirs["id"], province["id"]}
    assert reached("alert.published", department_a) == {mine["id"]}
    assert reached("scam_report.created", None) == {province["id"]}


def test_webhook_settings_follow_the_environment(tmp_path):
    def settings(**extra):
        config = {**from_environment(str(tmp_path)), "APP_ENV": "development", "SECRET_KEY": "k" * 40,
                  "PUBLIC_BASE_URL": "", "CORS_ORIGINS": [], "WEBHOOK_ALLOW_HTTP": "", **extra}  # fmt: skip
        complete(config, str(tmp_path))
        return config["WEBHOOK_ALLOW_HTTP"]

    assert settings() is True
    assert settings(APP_ENV="production", PUBLIC_BASE_URL="https://api.danang.gov.vn") is False
    assert settings(APP_ENV="test", WEBHOOK_ALLOW_HTTP="true") is True
    assert settings(WEBHOOK_ALLOW_HTTP="false") is False
