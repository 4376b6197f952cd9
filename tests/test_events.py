"""Events: every action announces its event once, in its own transaction, with its subject and the
department it belongs to; the event is kept with the same id; unknown names are a programming error."""

import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from services import events
from services.core.db import utcnow
from services.feedback import workflow
from services.models import EventRecord, Feedback
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import FEEDBACK, submit
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import NOTICES
from tests.scam_fixtures import report
from tests.test_alerts import ALERTS, published
from tests.test_claims import CLAIMS

SOURCES = [{"url": "https://danang.gov.vn/thong-bao/1"}]

pytestmark = pytest.mark.usefixtures("road_form")


@pytest.fixture
def heard():
    """The events emitted during the test, as a subscriber sees them."""
    seen: list[events.Event] = []

    def record(db, event):
        seen.append(event)

    events.subscriber(record)
    yield seen
    events._subscribers.remove(record)


def post(caller, url, expect=200, **body):
    response = caller.post(url, json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def answered(t):
    item = submit(t.citizen)
    post(t.officer, f"{FEEDBACK}/{item['id']}/replies", 201, body="Đã xử lý.")
    return item


def _overdue(t) -> str:
    item = submit(t.citizen)
    db = t.db
    past = utcnow() - timedelta(days=1)
    db.execute(update(Feedback).where(Feedback.id == uuid.UUID(item["id"])).values(due_at=past))
    db.commit()
    assert workflow.announce_overdue(db) == 1
    assert workflow.announce_overdue(db) == 0  # once per feedback
    return item["id"]


def _patched(t) -> str:
    response = t.editor.patch(f"{ALERTS}/{published(t.editor)['id']}", json={"severity": "extreme"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


def _replied(t) -> str:
    notice = t.move(t.write(), "consultation")
    sent = post(t.citizen, f"{NOTICES}/{notice['id']}/comments", 201, body="Đề nghị tăng mức hỗ trợ.")
    post(t.officer, f"{NOTICES}/{notice['id']}/comments/{sent['id']}/reply", body="Tiếp thu.")
    return sent["id"]


def _feedback(t, action: str, **body) -> str:
    return post(t.officer, f"{FEEDBACK}/{submit(t.citizen)['id']}/{action}", **body)["id"]


def _citizen(t, action: str, **body) -> str:
    return post(t.citizen, f"{FEEDBACK}/{answered(t)['id']}/{action}", **body)["id"]


def _fact_checked(t) -> str:
    group_id = post(t.citizen, CLAIMS, 201, text="Tin đồn thu hồi đất", platform="other")["group_id"]
    body = {
        "claim_reviewed": "Thu hồi đất",
        "rating": "false",
        "explanation": "Không có.",
        "sources": SOURCES,
    }
    return post(t.officer, f"/api/v1/claim-groups/{group_id}/fact-check", 201, **body)["id"]


def _fact_check_edited(t) -> str:
    fact_check_id = _fact_checked(t)
    response = t.officer.patch(f"/api/v1/fact-checks/{fact_check_id}", json={"explanation": "Không hề có."})
    assert response.status_code == 200, response.get_json()
    return fact_check_id


def _claim_passed_on(t) -> str:
    group_id = post(t.citizen, CLAIMS, 201, text="Tin đồn thu hồi đất", platform="other")["group_id"]
    body = {"department_id": str(t.b), "reason": "Đất đai do Sở B kiểm chứng"}
    return post(t.officer, f"/api/v1/claim-groups/{group_id}/transfer", **body)["id"]


# Each action returns (the subject's id, the department the event belongs to: "a", "b" or None).
ACTIONS = {
    "feedback.created": lambda t: (submit(t.citizen)["id"], "a"),
    "feedback.assigned": lambda t: (_feedback(t, "assign", user_id=str(t.officer.principal.id)), "a"),
    "feedback.transferred": lambda t: (_feedback(t, "transfer", department_id=str(t.b), reason="Sai"), "b"),
    "feedback.answered": lambda t: (answered(t)["id"], "a"),
    "feedback.status_changed": lambda t: (_feedback(t, "status", to="in_progress"), "a"),
    "feedback.reopened": lambda t: (_citizen(t, "reopen", reason="Ổ gà vẫn còn"), "a"),
    "feedback.rated": lambda t: (_citizen(t, "rating", score=4), "a"),
    "feedback.overdue": lambda t: (_overdue(t), "a"),
    "alert.published": lambda t: (published(t.editor)["id"], "a"),
    "alert.updated": lambda t: (_patched(t), "a"),
    "alert.cancelled": lambda t: (
        post(t.editor, f"{ALERTS}/{published(t.editor)['id']}/cancel", reason="Tin sai.")["id"],
        "a",
    ),
    "notice.published": lambda t: (t.move(t.write(), "consultation")["id"], "a"),
    "notice.stage_changed": lambda t: (t.move(t.write(), "consultation", "adopted")["id"], "a"),
    "consultation.comment_replied": lambda t: (_replied(t), "a"),
    "scam_report.created": lambda t: (report(t.citizen)["id"], "a"),  # routed to A (its intake)
    # Without a routing rule for misinformation, claims go to the intake department (A).
    "claim.reported": lambda t: (
        post(t.citizen, CLAIMS, 201, text="Tin đồn thu hồi đất", platform="other")["id"],
        "a",
    ),
    "fact_check.published": lambda t: (_fact_checked(t), "a"),
    "fact_check.updated": lambda t: (_fact_check_edited(t), "a"),
    "claim_group.transferred": lambda t: (_claim_passed_on(t), "b"),  # also_concerns: A
    # A commune's bulletin belongs to no department.
    "bulletin.ready": lambda t: (t.officer.get("/api/v1/bulletins?ward_code=20242").get_json()["id"], None),
}


def test_every_event_name_has_an_action_here():
    assert set(ACTIONS) == set(events.NAMES)


@pytest.mark.parametrize("name", events.NAMES)
def test_the_action_emits_its_event_once_with_subject_and_department(
    name, heard, staff, citizen, department_a, department_b, write, move, db
):
    t = SimpleNamespace(
        citizen=citizen,
        officer=staff["officer_a"],
        editor=staff["editor_a"],
        b=department_b.id,
        write=write,
        move=move,
        db=db,
    )
    subject_id, department = ACTIONS[name](t)
    department_id = {"a": department_a.id, "b": department_b.id, None: None}[department]

    [event] = [e for e in heard if e.name == name and e.subject_id == subject_id]
    assert event.subject is not None and str(event.subject.id) == subject_id
    assert event.department_id == department_id
    stored = db.get(EventRecord, event.id)
    assert (stored.name, stored.subject_id, stored.department_id) == (name, subject_id, department_id)
    assert stored.subject_type == event.subject_type == events.subject_type(event.subject)


def test_a_transfer_says_from_and_to_which_department(heard, staff, citizen, department_b):
    item = submit(citizen)
    post(
        staff["officer_a"],
        f"{FEEDBACK}/{item['id']}/transfer",
        department_id=str(department_b.id),
        reason="Sai",
    )
    [event] = [e for e in heard if e.name == "feedback.transferred"]
    assert event.data["to_department"] == department_b.name and event.data["from_department"]


def test_an_unknown_event_name_is_a_programming_error(db, citizen):
    stored = select(func.count()).select_from(EventRecord)
    before = db.scalar(stored)
    with pytest.raises(ValueError, match="unknown event"):
        events.emit(db, "feedback.exploded", citizen.principal)
    assert db.scalar(stored) == before
