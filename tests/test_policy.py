"""One authorization policy: every operation names its action, every grantable scope lets a key do
something, and each scope is honoured — granted and withheld, with and without a department, and never
on another department's objects (404)."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from services.identity import api_keys, policy
from services.identity.principals import Caller as Kind
from services.identity.principals import Principal
from services.models import ApiKey, AuditEvent, Feedback
from tests.conftest import Caller, assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import FEEDBACK, submission, submit
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import NOTICES
from tests.test_alerts import ALERTS, payload

DOCS = Path(__file__).parent.parent / "docs" / "api.md"
METHODS = ("get", "post", "put", "patch", "delete")

pytestmark = pytest.mark.usefixtures("road_form", "categories")


@pytest.fixture
def key(app, make_api_key):
    """key(*scopes, department=None) -> a caller sending a new API key."""

    def make(*scopes, department=None):
        api_key = make_api_key(scopes=scopes, department=department)
        return Caller(app.test_client(), api_key.key, api_key)

    return make


def operations(swagger: dict):
    for path, item in swagger["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def test_every_operation_declares_who_may_call_it(client):
    swagger = client.get("/swagger.json").get_json()
    undeclared = [name for name, op in operations(swagger) if op.get("x-action") not in policy.RULES]
    assert undeclared == []
    for name, op in operations(swagger):
        assert f"(`{op['x-action']}`)" in op["description"], name  # the reader sees who, too
        assert op.get("x-scope") == policy.RULES[op["x-action"]].scope, name


def test_every_grantable_scope_is_enforced_by_some_operation_or_service(client):
    swagger = client.get("/swagger.json").get_json()
    enforced = {op["x-scope"] for _, op in operations(swagger) if "x-scope" in op}
    # webhooks:manage is asked by the webhooks service (built beside this one) through "webhooks.manage".
    enforced |= {policy.RULES["webhooks.manage"].scope}
    assert set(api_keys.SCOPES) - enforced == set()
    assert {rule.scope for rule in policy.RULES.values() if rule.scope} <= set(api_keys.SCOPES)


def test_the_docs_show_the_policy_as_the_module_states_it():
    text = DOCS.read_text()
    shown = re.search(r"<!-- policy -->\n(.*?)\n<!-- /policy -->", text, re.S)
    assert shown, "docs/api.md lacks the policy table between <!-- policy --> markers"
    assert shown.group(1) == policy.table(), (
        "regenerate with: python -c 'from services.identity import policy; print(policy.table())'"
    )


# ---------------------------------------------------------------- feedback:read


def test_feedback_read_lets_a_departments_key_read_its_inbox_feedback_and_timeline(
    key, citizen, department_a, department_b
):
    item = submit(citizen)  # routed to department A
    reader = key("feedback:read", department=department_a)
    inbox = reader.get(f"/api/v1/departments/{department_a.id}/feedback")
    assert [i["tracking_code"] for i in inbox.get_json()["items"]] == [item["tracking_code"]]
    one = reader.get(f"{FEEDBACK}/{item['id']}")
    assert one.status_code == 200 and one.get_json()["timeline"][0]["kind"] == "submitted"
    assert reader.get(f"{FEEDBACK}/track?code={item['tracking_code']}").status_code == 200

    other = key("feedback:read", department=department_b)
    assert_problem(other.get(f"{FEEDBACK}/{item['id']}"), 404)
    assert_problem(other.get(f"/api/v1/departments/{department_a.id}/feedback"), 404)
    assert_problem(other.get(f"{FEEDBACK}/track?code={item['tracking_code']}"), 404)


def test_feedback_read_without_a_department_reads_every_department(key, citizen, department_a, department_b):
    item = submit(citizen)
    reader = key("feedback:read")
    assert reader.get(f"{FEEDBACK}/{item['id']}").status_code == 200
    assert reader.get(f"/api/v1/departments/{department_b.id}/feedback").status_code == 200


@pytest.mark.parametrize("department", [True, False])
def test_a_key_without_feedback_read_gets_403_missing_scope(key, citizen, department_a, department):
    item = submit(citizen)
    stranger = key("notices:read", "feedback:write", department=department_a if department else None)
    assert_problem(stranger.get(f"{FEEDBACK}/{item['id']}"), 403, "missing_scope")
    assert_problem(stranger.get(f"/api/v1/departments/{department_a.id}/feedback"), 403, "missing_scope")


# ---------------------------------------------------------------- feedback:write

CLOSE = {"to": "closed", "resolution": "resolved"}


def test_feedback_write_lets_a_key_act_on_its_departments_feedback_recorded_as_the_key(
    key, citizen, department_a, department_b, staff, db
):
    item = submit(citizen)
    writer = key("feedback:write", department=department_a)
    moved = writer.post(f"{FEEDBACK}/{item['id']}/status", json={"to": "in_progress"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["timeline"][-1]["actor_type"] == "api_key"
    officer = str(staff["officer_a"].principal.id)
    assert writer.post(f"{FEEDBACK}/{item['id']}/assign", json={"user_id": officer}).status_code == 200
    other = key("feedback:write", department=department_b)
    assert_problem(
        other.post(f"{FEEDBACK}/{item['id']}/status", json={"to": "closed", "resolution": "resolved"}), 404
    )
    transferred = writer.post(
        f"{FEEDBACK}/{item['id']}/transfer",
        json={"department_id": str(department_b.id), "reason": "Không đúng thẩm quyền"},
    )
    assert transferred.status_code == 200, transferred.get_json()
    assert_problem(
        writer.post(f"{FEEDBACK}/{item['id']}/status", json={"to": "closed", "resolution": "resolved"}), 404
    )  # out of reach
    replied = other.post(f"{FEEDBACK}/{item['id']}/replies", json={"body": "Đã sửa xong ổ gà."})
    assert replied.status_code == 201, replied.get_json()

    events = db.scalars(select(AuditEvent).where(AuditEvent.entity_id == item["id"])).all()
    by_key = {(e.actor_id, e.action) for e in events if e.actor_type == "api_key"}
    mine, theirs = str(writer.principal.id), str(other.principal.id)
    assert by_key == {
        (mine, "feedback.status"),
        (mine, "feedback.assign"),
        (mine, "feedback.transfer"),
        (theirs, "feedback.reply"),
    }


def test_feedback_write_lets_a_key_submit_for_a_citizen_it_names(key, db):
    writer = key("feedback:write")
    created = writer.post(FEEDBACK, json=submission())
    assert created.status_code == 201, created.get_json()
    stored = db.get(Feedback, created.get_json()["id"])
    assert stored.device_id is None and stored.contact["phone"] == "+84912345678"
    nameless = writer.post(FEEDBACK, json=submission(contact=None))
    assert_problem(nameless, 422)
    assert "phone" in nameless.get_json()["errors"]["contact"]


@pytest.mark.parametrize("department", [True, False])
def test_a_key_without_feedback_write_may_neither_submit_nor_act(key, citizen, department_a, department):
    item = submit(citizen)
    reader = key("feedback:read", department=department_a if department else None)
    assert_problem(reader.post(FEEDBACK, json=submission()), 403, "missing_scope")
    assert_problem(
        reader.post(f"{FEEDBACK}/{item['id']}/status", json={"to": "in_progress"}), 403, "missing_scope"
    )


# ---------------------------------------------------------------- notices:write


def notice_body(**fields) -> dict:
    return {
        "kind": "announcement",
        "category_code": "land",
        "title": "Thông báo lịch cắt nước",
        "summary": "Cắt nước khu vực Hải Châu.",
        "body": "Từ 8h đến 12h.",
        "targets": {"ward_codes": [20242]},
        **fields,
    }


def test_notices_write_lets_a_departments_key_draft_edit_and_publish(key, department_a, department_b, db):
    writer = key("notices:write", "notices:read", department=department_a)
    draft = writer.post(NOTICES, json=notice_body())
    assert draft.status_code == 201, draft.get_json()
    notice = draft.get_json()
    assert notice["department"]["id"] == str(department_a.id)
    assert writer.get(f"{NOTICES}/{notice['id']}").status_code == 200  # its own draft
    assert writer.patch(f"{NOTICES}/{notice['id']}", json={"title": "Lịch cắt nước mới"}).status_code == 200
    published = writer.post(f"{NOTICES}/{notice['id']}/transitions", json={"to": "published"})
    assert published.status_code == 200, published.get_json()
    actors = db.scalars(select(AuditEvent.actor_type).where(AuditEvent.entity_id == notice["id"])).all()
    assert set(actors) == {"api_key"}

    other = key("notices:write", department=department_b)
    assert_problem(other.patch(f"{NOTICES}/{notice['id']}", json={"title": "x"}), 404)
    assert_problem(other.post(NOTICES, json=notice_body(department_id=str(department_a.id))), 403)


def test_notices_write_without_a_department_names_the_issuing_one(key, department_b):
    writer = key("notices:write")
    assert_problem(writer.post(NOTICES, json=notice_body()), 422)
    created = writer.post(NOTICES, json=notice_body(department_id=str(department_b.id)))
    assert created.status_code == 201, created.get_json()


@pytest.mark.parametrize("department", [True, False])
def test_a_key_without_notices_write_may_not_draft(key, department_a, write, department):
    notice = write()
    reader = key("notices:read", department=department_a if department else None)
    assert_problem(reader.post(NOTICES, json=notice_body()), 403, "missing_scope")
    assert_problem(reader.patch(f"{NOTICES}/{notice['id']}", json={"title": "x"}), 403, "missing_scope")


# ---------------------------------------------------------------- alerts:write


def test_alerts_write_lets_a_departments_key_draft_publish_and_cancel(key, department_a, department_b):
    writer = key("alerts:write", "alerts:read", department=department_a)
    created = writer.post(ALERTS, json=payload())
    assert created.status_code == 201, created.get_json()
    alert = created.get_json()
    assert writer.patch(f"{ALERTS}/{alert['id']}", json={"headline": "Cảnh báo mới"}).status_code == 200
    assert writer.post(f"{ALERTS}/{alert['id']}/publish").status_code == 200
    cancelled = writer.post(f"{ALERTS}/{alert['id']}/cancel", json={"reason": "Nhầm lẫn"})
    assert cancelled.status_code == 200, cancelled.get_json()

    other = key("alerts:write", department=department_b)
    assert_problem(other.post(f"{ALERTS}/{alert['id']}/publish"), 404)


def test_alerts_write_without_a_department_acts_for_every_department(key, staff):
    alert = staff["editor_a"].post(ALERTS, json=payload()).get_json()
    writer = key("alerts:write")
    assert writer.post(f"{ALERTS}/{alert['id']}/publish").status_code == 200


@pytest.mark.parametrize("department", [True, False])
def test_a_key_without_alerts_write_may_not_draft(key, department_a, staff, department):
    alert = staff["editor_a"].post(ALERTS, json=payload()).get_json()
    reader = key("alerts:read", department=department_a if department else None)
    assert_problem(reader.post(ALERTS, json=payload()), 403, "missing_scope")
    assert_problem(reader.post(f"{ALERTS}/{alert['id']}/publish"), 403, "missing_scope")


# ---------------------------------------------------------------- read scopes


@pytest.mark.parametrize("department", [True, False])
def test_departments_read_granted_and_withheld(key, department_a, department):
    where = department_a if department else None
    assert (
        key("departments:read", department=where).get(f"/api/v1/departments/{department_a.id}").status_code
        == 200
    )
    assert_problem(key("notices:read", department=where).get("/api/v1/departments"), 403, "missing_scope")


@pytest.mark.parametrize("department", [True, False])
@pytest.mark.parametrize(("scope", "path"), [("notices:read", NOTICES), ("alerts:read", ALERTS)])
def test_public_read_scopes_granted_and_withheld(key, department_a, department, scope, path):
    where = department_a if department else None
    assert key(scope, department=where).get(path).status_code == 200
    assert_problem(key("departments:read", department=where).get(path), 403, "missing_scope")


# ---------------------------------------------------------------- webhooks:manage (the rule others call)


def test_webhooks_manage_admins_any_editors_and_keys_their_own_department(staff, department_a, department_b):
    admin = Principal(kind=Kind.STAFF, user=staff["admin"].principal)
    editor = Principal(kind=Kind.STAFF, user=staff["editor_a"].principal)
    officer = Principal(kind=Kind.STAFF, user=staff["officer_a"].principal)
    assert policy.allows(admin, "webhooks.manage", department_b)
    assert policy.allows(editor, "webhooks.manage", department_a)
    assert not policy.allows(editor, "webhooks.manage", department_b)
    assert not policy.allows(officer, "webhooks.manage", department_a)

    def key_for(department, *scopes):
        api_key = ApiKey(department_id=department.id if department else None)
        return Principal(kind=Kind.API_KEY, api_key=api_key, scopes=frozenset(scopes))

    assert policy.allows(key_for(department_a, "webhooks:manage"), "webhooks.manage", department_a)
    assert not policy.allows(key_for(department_a, "webhooks:manage"), "webhooks.manage", department_b)
    assert policy.allows(key_for(None, "webhooks:manage"), "webhooks.manage", department_b)
    for withheld in (key_for(department_a, "feedback:write"), key_for(None, "feedback:write")):
        assert not policy.allows(withheld, "webhooks.manage", department_a)
