"""The department workflow: inbox, assignment, transfer, replies, status changes — each a timeline
event and an audit entry, officers confined to their own department — and the whole path walked."""

from datetime import datetime

import pytest
from sqlalchemy import select

from services.feedback import workflow
from services.models import AuditEvent, Notification, NotificationRecipient
from tests.conftest import assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import FEEDBACK, PNG, submit, upload
from tests.push_fixtures import *  # noqa: F403

pytestmark = pytest.mark.usefixtures("road_form")


def inbox(caller, department, query=""):
    response = caller.get(f"/api/v1/departments/{department.id}/feedback{query}")
    assert response.status_code == 200, response.get_json()
    return [item["tracking_code"] for item in response.get_json()["items"]]


def act(caller, feedback, action, expect=200, **body):
    response = caller.post(f"{FEEDBACK}/{feedback['id']}/{action}", json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def test_the_inbox_shows_the_departments_feedback_oldest_due_first(
    staff, citizen, department_a, department_b, make_category, sql
):
    first, second = submit(citizen), submit(citizen, answers={"where": "Cầu Rồng", "kind": "flooding"})
    sql("UPDATE feedback SET due_at = due_at - interval '30 days' WHERE id = :id", id=second["id"])
    officer = staff["officer_a"]
    assert inbox(officer, department_a) == [second["tracking_code"], first["tracking_code"]]
    assert inbox(officer, department_a, "?overdue=true") == [second["tracking_code"]]
    assert inbox(officer, department_a, "?overdue=false") == [first["tracking_code"]]
    assert inbox(officer, department_a, "?q=cau rong") == [second["tracking_code"]]
    assert inbox(officer, department_a, f"?q={first['tracking_code'].lower()}") == [first["tracking_code"]]
    assert inbox(officer, department_a, "?status=answered") == []
    assert inbox(officer, department_a, "?priority=normal&limit=1") == [second["tracking_code"]]
    assert inbox(staff["admin"], department_a) == [second["tracking_code"], first["tracking_code"]]
    assert_problem(staff["officer_b"].get(f"/api/v1/departments/{department_a.id}/feedback"), 404)
    assert_problem(citizen.get(f"/api/v1/departments/{department_a.id}/feedback"), 403)


def test_the_inbox_filters_by_category_commune_and_assignee(staff, citizen, department_a):
    first, second = submit(citizen), submit(citizen, ward_code=20209)
    officer = staff["officer_a"]
    act(staff["editor_a"], second, "assign", user_id=str(officer.principal.id))
    assert inbox(officer, department_a, "?ward_code=20209") == [second["tracking_code"]]
    assert inbox(officer, department_a, f"?assignee_id={officer.principal.id}") == [second["tracking_code"]]
    assert sorted(inbox(officer, department_a, "?category=roads")) == sorted(
        [first["tracking_code"], second["tracking_code"]]
    )
    assert inbox(officer, department_a, "?category=water") == []
    for bad in ("category=Not%20a%20code", "ward_code=0", "assignee_id=me"):
        assert_problem(officer.get(f"/api/v1/departments/{department_a.id}/feedback?{bad}"), 422)


def test_officers_see_and_act_on_their_own_departments_feedback_only(staff, citizen):
    item = submit(citizen)
    assert staff["viewer_a"].get(f"{FEEDBACK}/{item['id']}").status_code == 200
    assert_problem(staff["officer_b"].get(f"{FEEDBACK}/{item['id']}"), 404)
    assert_problem(staff["viewer_a"].post(f"{FEEDBACK}/{item['id']}/status", json={"to": "in_progress"}), 403)
    assert_problem(citizen.get(f"{FEEDBACK}/{item['id']}"), 403)


def test_assigning_to_an_officer_of_the_department(staff, citizen):
    item = submit(citizen)
    assigned = act(staff["editor_a"], item, "assign", user_id=str(staff["officer_a"].principal.id))
    assert assigned["status"] == "assigned" and assigned["assignee"]["id"] == str(
        staff["officer_a"].principal.id
    )
    body = assert_problem(
        staff["editor_a"].post(
            f"{FEEDBACK}/{item['id']}/assign", json={"user_id": str(staff["officer_b"].principal.id)}
        ),
        422,
    )
    assert "user_id" in body["errors"]


def test_a_transfer_names_the_new_department_restarts_the_deadline_and_tells_the_citizen(
    staff, citizen, department_b, feedback_category, db
):
    item = submit(citizen)
    act(staff["officer_a"], item, "assign", user_id=str(staff["officer_a"].principal.id))
    moved = act(
        staff["officer_a"],
        item,
        "transfer",
        department_id=str(department_b.id),
        reason="Thuộc thẩm quyền Sở B",
    )
    assert moved["status"] == "received" and moved["department"]["name"] == department_b.name
    assert moved["assignee"] is None and moved["needs_triage"] is False
    step = moved["timeline"][-1]
    assert step["kind"] == "transferred" and step["note"] == "Thuộc thẩm quyền Sở B"
    assert step["data"] == {"from_department": "Phòng DEPT-A", "to_department": "Phòng DEPT-B"}
    assert datetime.fromisoformat(moved["due_at"]) == workflow.due_at(
        feedback_category, datetime.fromisoformat(step["at"])
    )

    assert_problem(staff["officer_a"].get(f"{FEEDBACK}/{item['id']}"), 404)
    assert staff["officer_b"].get(f"{FEEDBACK}/{item['id']}").status_code == 200
    pushes = db.scalars(select(Notification).where(Notification.source_id == item["id"])).all()
    push = next(p for p in pushes if p.data["event"] == "transferred")
    assert push.content["vi"]["body"] == f"Đơn vị xử lý mới: {department_b.name}."
    assert push.content["en"]["title"] == f"Your report {item['tracking_code']} was transferred"
    assert (
        db.scalar(
            select(NotificationRecipient.citizen_id).where(NotificationRecipient.notification_id == push.id)
        )
        == citizen.principal.citizen_id
    )

    citizen_view = citizen.get(f"{FEEDBACK}/track?code={item['tracking_code']}").get_json()
    assert citizen_view["department"]["name"] == department_b.name
    assert citizen_view["timeline"][-1]["note"] == "Thuộc thẩm quyền Sở B"
    assert "data" not in citizen_view["timeline"][-1]  # staff names stay inside


def test_transfer_to_the_same_or_an_unknown_department_is_refused(staff, citizen, department_a):
    item = submit(citizen)
    assert_problem(
        staff["officer_a"].post(
            f"{FEEDBACK}/{item['id']}/transfer", json={"department_id": str(department_a.id), "reason": "x"}
        ),
        422,
    )
    assert_problem(
        staff["officer_a"].post(
            f"{FEEDBACK}/{item['id']}/transfer",
            json={"department_id": "00000000-0000-0000-0000-000000000000", "reason": "x"},
        ),
        422,
    )


def test_the_state_machine_refuses_transitions_naming_the_allowed_ones(staff, citizen):
    officer = staff["officer_a"]
    item = submit(citizen)
    assert act(officer, item, "status", to="in_progress")["status"] == "in_progress"
    # Closing as resolved needs an answer; unresolved needs a note.
    assert_problem(
        officer.post(f"{FEEDBACK}/{item['id']}/status", json={"to": "closed", "resolution": "resolved"}),
        422,
        "answer_required",
    )
    assert_problem(
        officer.post(f"{FEEDBACK}/{item['id']}/status", json={"to": "closed", "resolution": "unresolved"}),
        422,
    )
    # Answering needs a body.
    assert_problem(officer.post(f"{FEEDBACK}/{item['id']}/replies", json={"body": ""}), 422)
    answered = act(officer, item, "replies", expect=201, body="Đã vá ổ gà.", public=True)
    assert answered["status"] == "answered" and answered["replies"][0]["body"] == "Đã vá ổ gà."

    body = assert_problem(
        officer.post(f"{FEEDBACK}/{item['id']}/status", json={"to": "in_progress"}), 409, "invalid_transition"
    )
    assert body["allowed"] == ["answered", "closed", "reopened"]
    closed = act(officer, item, "status", to="closed", resolution="resolved", note="Xong")
    assert (closed["status"], closed["resolution"]) == ("closed", "resolved")
    body = assert_problem(officer.post(f"{FEEDBACK}/{item['id']}/replies", json={"body": "Thêm"}), 409)
    assert body["allowed"] == ["reopened"]
    assert [e["kind"] for e in closed["timeline"]] == ["submitted", "in_progress", "answered", "closed"]


def test_rejection_needs_a_reason_and_a_duplicate_names_its_original(staff, citizen):
    officer = staff["officer_a"]
    original, copy = submit(citizen), submit(citizen)
    assert_problem(officer.post(f"{FEEDBACK}/{copy['id']}/status", json={"to": "rejected"}), 422)
    assert_problem(
        officer.post(f"{FEEDBACK}/{copy['id']}/status", json={"to": "rejected", "reason": "duplicate"}), 422
    )
    rejected = act(officer, copy, "status", to="rejected", reason="duplicate", duplicate_of=original["id"])
    assert rejected["duplicate_of_id"] == original["id"] and rejected["rejection_reason"] == "duplicate"
    body = assert_problem(officer.post(f"{FEEDBACK}/{copy['id']}/status", json={"to": "in_progress"}), 409)
    assert body["allowed"] == []


def reject_as_duplicate(caller, item, original_id):
    body = {"to": "rejected", "reason": "duplicate", "duplicate_of": original_id}
    return caller.post(f"{FEEDBACK}/{item['id']}/status", json=body)


def test_a_duplicate_must_be_feedback_the_officer_sees_and_not_loop_back(staff, citizen, department_b, sql):
    """Another department's feedback answers exactly like a missing one: ids cannot be probed."""
    officer = staff["officer_a"]
    mine, theirs, other = submit(citizen), submit(citizen), submit(citizen)
    sql("UPDATE feedback SET department_id = :b WHERE id = :id", b=department_b.id, id=theirs["id"])

    hidden = assert_problem(reject_as_duplicate(officer, mine, theirs["id"]), 422, "unknown_duplicate")
    missing = reject_as_duplicate(officer, mine, "00000000-0000-4000-8000-000000000000")
    assert hidden == assert_problem(missing, 422, "unknown_duplicate")
    assert hidden["errors"] == {"duplicate_of": ["No such feedback in your department."]}
    itself = assert_problem(reject_as_duplicate(officer, mine, mine["id"]), 422, "duplicate_cycle")
    assert itself["errors"] == {
        "duplicate_of": ["This feedback cannot duplicate itself or one marked as its duplicate."]
    }

    assert reject_as_duplicate(officer, other, mine["id"]).status_code == 200  # other duplicates mine…
    assert_problem(reject_as_duplicate(officer, mine, other["id"]), 422, "duplicate_cycle")  # …not back
    stored = sql("SELECT status, duplicate_of_id FROM feedback WHERE id = :id", id=mine["id"]).one()
    assert tuple(stored) == ("received", None)
    # Admins act for every department: for them the other department's feedback is a valid original.
    by_admin = reject_as_duplicate(staff["admin"], mine, theirs["id"])
    assert by_admin.get_json()["duplicate_of_id"] == theirs["id"]


def test_done_when_submit_route_transfer_answer_with_photo_track_and_rate(
    staff,
    admin,
    citizen,
    department_a,
    department_b,
    make_department,
    feedback_category,
    db,
    fake_fcm,
    dispatcher,
    sql,
):
    """A citizen submits a form; it lands in the right department's inbox with the right deadline; an
    officer transfers it, the other department answers with a photo; the citizen sees the answer by
    tracking code and rates it."""
    roads = make_department("SXD-DN", name="Sở Xây dựng")
    rule = admin.post(
        "/api/v1/routing-rules",
        json={"category_code": "roads", "province_code": 48, "department_id": str(roads.id)},
    )
    assert rule.status_code == 201
    sql("UPDATE users SET department_id = :d WHERE id = :u", d=roads.id, u=staff["officer_a"].principal.id)
    sql("UPDATE devices SET push_token = 'fcm-phone', locale = 'en' WHERE id = :id", id=citizen.principal.id)

    # 1. The citizen submits; it lands in Sở Xây dựng's inbox, due at close of the 5th working day.
    item = submit(citizen)
    assert item["department"]["name"] == "Sở Xây dựng" and item["needs_triage"] is False
    assert datetime.fromisoformat(item["due_at"]) == workflow.due_at(
        feedback_category, datetime.fromisoformat(item["received_at"])
    )
    officer = staff["officer_a"]  # now of Sở Xây dựng
    assert inbox(officer, roads) == [item["tracking_code"]]

    # 2. Not theirs: transferred to department B.
    act(officer, item, "transfer", department_id=str(department_b.id), reason="Thuộc Sở B")
    assert inbox(staff["officer_b"], department_b) == [item["tracking_code"]]

    # 3. Department B answers with a photo.
    photo = upload(staff["officer_b"], PNG, "after.png")
    assert photo["content_type"] == "image/png"
    answered = act(
        staff["officer_b"],
        item,
        "replies",
        expect=201,
        body="Đã sửa xong.",
        attachment_ids=[photo["id"]],
        public=True,
    )
    assert answered["status"] == "answered"

    # 4. The citizen's phone was told (in English, its language) of the receipt, the transfer and the answer.
    dispatcher.run_once()
    titles = sorted(
        r.message["notification"]["title"]
        for r in fake_fcm.sent_ok()
        if r.message.get("token") == "fcm-phone"
    )
    assert titles == [
        f"We received your report {item['tracking_code']}",
        f"Your report {item['tracking_code']} has an answer",
        f"Your report {item['tracking_code']} was transferred",
    ]

    # 5. The citizen sees the answer and its photo by tracking code, and rates it.
    tracked = citizen.get(f"{FEEDBACK}/track?code={item['tracking_code']}").get_json()
    reply = tracked["replies"][0]
    assert reply["body"] == "Đã sửa xong." and reply["department"]["name"] == department_b.name
    image = citizen.get(reply["attachments"][0]["url"])
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG
    rated = act(citizen, item, "rating", score=5, comment="Nhanh")
    assert rated["rating"] == {"score": 5, "comment": "Nhanh"}
    assert [e["kind"] for e in rated["timeline"]] == ["submitted", "transferred", "answered", "rated"]


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("assign", {"user_id": "{officer_b}"}),
        ("transfer", {"department_id": "{department_b}", "reason": "x"}),
        ("replies", {"body": "Trả lời"}),
        ("status", {"to": "in_progress"}),
    ],
)
def test_an_officer_of_another_department_gets_404_and_changes_nothing(
    staff, citizen, department_b, db, action, body
):
    item = submit(citizen)
    names = {"officer_b": str(staff["officer_b"].principal.id), "department_b": str(department_b.id)}
    body = {key: value.format(**names) for key, value in body.items()}
    assert_problem(staff["officer_b"].post(f"{FEEDBACK}/{item['id']}/{action}", json=body), 404)
    after = staff["officer_a"].get(f"{FEEDBACK}/{item['id']}").get_json()
    assert (after["status"], after["department"]["id"], after["replies"]) == (
        "received",
        item["department"]["id"],
        [],
    )
    assert [e["kind"] for e in after["timeline"]] == ["submitted"]


# What each state refuses (409 naming the allowed ones) and accepts, by the endpoints officers use.
REFUSED = {
    "answered": {"in_progress", "rejected", "transfer", "assign"},
    "closed": {"in_progress", "rejected", "closed", "replies", "transfer", "assign"},
    "rejected": {"in_progress", "rejected", "closed", "replies", "transfer", "assign"},
}
# What a refused move names as allowed, per state (written out: not read from the code under test).
ALLOWED = {
    "answered": ["answered", "closed", "reopened"],
    "closed": ["reopened"],
    "rejected": [],
}
# The status an accepted move leaves the feedback in.
BECOMES = {
    "in_progress": "in_progress",
    "rejected": "rejected",
    "closed": "closed",
    "replies": "answered",
    "transfer": "received",
    "assign": "assigned",
}
ATTEMPTS = {
    "in_progress": ("status", {"to": "in_progress"}),
    "rejected": ("status", {"to": "rejected", "reason": "spam"}),
    "closed": ("status", {"to": "closed", "resolution": "unresolved", "note": "Hết thẩm quyền"}),
    "replies": ("replies", {"body": "Trả lời"}),
    "transfer": ("transfer", {"department_id": "{department_b}", "reason": "x"}),
    "assign": ("assign", {"user_id": "{officer_a}"}),
}


def _reach(staff, citizen, state):
    officer, item = staff["officer_a"], submit(citizen)
    if state in ("answered", "closed"):
        act(officer, item, "replies", expect=201, body="Đã xử lý.")
    if state == "closed":
        act(officer, item, "status", to="closed", resolution="resolved")
    if state == "rejected":
        act(officer, item, "status", to="rejected", reason="spam")
    return item


@pytest.mark.parametrize("state", ["received", "answered", "closed", "rejected"])
@pytest.mark.parametrize("attempt", sorted(ATTEMPTS))
def test_the_full_state_machine(staff, citizen, department_b, state, attempt):
    item = _reach(staff, citizen, state)
    names = {"officer_a": str(staff["officer_a"].principal.id), "department_b": str(department_b.id)}
    action, body = ATTEMPTS[attempt]
    body = {key: value.format(**names) for key, value in body.items()}
    response = staff["officer_a"].post(f"{FEEDBACK}/{item['id']}/{action}", json=body)
    now = staff["admin"].get(f"{FEEDBACK}/{item['id']}").get_json()
    if attempt in REFUSED.get(state, ()):
        problem = assert_problem(response, 409, "invalid_transition")
        assert problem["allowed"] == ALLOWED[state]
        assert problem["detail"] == f"A feedback that is {state} cannot become {BECOMES[attempt]}."
        assert now["status"] == state
    else:
        assert response.status_code in (200, 201), response.get_json()
        assert now["status"] == BECOMES[attempt]


def test_closing_as_resolved_after_a_reopening_needs_a_fresh_answer(staff, citizen, db):
    officer, item = staff["officer_a"], submit(citizen)
    act(officer, item, "replies", expect=201, body="Đã vá.")
    act(citizen, item, "reopen", reason="Vẫn còn ổ gà")
    assert_problem(
        officer.post(f"{FEEDBACK}/{item['id']}/status", json={"to": "closed", "resolution": "resolved"}),
        422,
        "answer_required",
    )
    act(officer, item, "replies", expect=201, body="Đã vá lại.")
    closed = act(officer, item, "status", to="closed", resolution="resolved")
    assert closed["resolution"] == "resolved"
    pushes = db.scalars(select(Notification).where(Notification.source_id == item["id"])).all()
    assert sorted(p.data["event"] for p in pushes) == ["answered", "answered", "closed", "received"]
    closing = next(p for p in pushes if p.data["event"] == "closed")
    assert closing.content["vi"]["body"] == "Vấn đề đã được giải quyết."
    assert closing.content["en"]["title"] == f"Your report {item['tracking_code']} was closed"


def test_every_step_is_a_timeline_event_and_an_audit_entry(staff, citizen, db):
    officer, item = staff["officer_a"], submit(citizen)
    act(officer, item, "assign", user_id=str(officer.principal.id))
    act(officer, item, "replies", expect=201, body="Đã vá.")
    act(citizen, item, "reopen", reason="Chưa xong")
    act(officer, item, "replies", expect=201, body="Đã vá lại.")
    act(citizen, item, "rating", score=4)
    closed = act(officer, item, "status", to="closed", resolution="resolved")
    kinds = ["submitted", "assigned", "answered", "reopened", "answered", "rated", "closed"]
    assert [e["kind"] for e in closed["timeline"]] == kinds
    assert all(e["at"] and e["actor_type"] in ("device", "user") for e in closed["timeline"])
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == item["id"]).order_by(AuditEvent.id)
    ).all()
    # Each officer's answer showed the citizen's contact details: a view, recorded as such.
    assert actions.count("feedback.contact_view") == 4
    assert [action for action in actions if action != "feedback.contact_view"] == [
        "feedback.create",
        "feedback.assign",
        "feedback.reply",
        "feedback.reopen",
        "feedback.reply",
        "feedback.rate",
        "feedback.status",
    ]


@pytest.mark.parametrize(
    ("body", "code", "errors"),
    [
        (
            {"to": "closed"},
            "validation_failed",
            {"resolution": ["Say whether the issue was resolved or unresolved."]},
        ),
        (
            {"to": "closed", "resolution": "resolved"},
            "answer_required",
            {"resolution": ["Closing as resolved requires an answer."]},
        ),
        (
            {"to": "closed", "resolution": "unresolved"},
            "validation_failed",
            {"note": ["Say why it closes unresolved."]},
        ),
        (
            {"to": "rejected"},
            "validation_failed",
            {
                "reason": [
                    "Give a reason: one of spam, duplicate, out_of_scope, abusive, insufficient_information."
                ]
            },
        ),
        (
            {"to": "rejected", "reason": "duplicate"},
            "validation_failed",
            {"duplicate_of": ["Name the feedback this one duplicates."]},
        ),
    ],
)
def test_closing_and_rejecting_say_what_is_missing_and_change_nothing(staff, citizen, body, code, errors):
    item = submit(citizen)
    response = staff["officer_a"].post(f"{FEEDBACK}/{item['id']}/status", json=body)
    assert assert_problem(response, 422, code)["errors"] == errors
    after = staff["officer_a"].get(f"{FEEDBACK}/{item['id']}").get_json()
    assert (after["status"], after["closed_at"], after["resolution"]) == ("received", None, None)


def test_a_rejection_and_a_closing_are_dated_and_their_reasons_kept_in_the_timeline(staff, citizen):
    rejected = act(staff["officer_a"], submit(citizen), "status", to="rejected", reason="spam")
    closed = act(
        staff["officer_a"],
        submit(citizen),
        "status",
        to="closed",
        resolution="unresolved",
        note="Ngoài thẩm quyền",
    )
    assert rejected["closed_at"] is not None and rejected["rejection_reason"] == "spam"
    assert closed["closed_at"] is not None and closed["resolution"] == "unresolved"
    assert [(e["kind"], e["data"]) for e in rejected["timeline"][1:]] == [("rejected", {"reason": "spam"})]
    assert [(e["kind"], e["data"]) for e in closed["timeline"][1:]] == [
        ("closed", {"resolution": "unresolved"})
    ]
    progress = act(staff["officer_a"], submit(citizen), "status", to="in_progress")
    assert [(e["kind"], e["data"]) for e in progress["timeline"][1:]] == [("in_progress", {})]


def test_a_reply_takes_only_the_officers_own_unused_uploads(staff, citizen):
    item = submit(citizen)
    theirs = upload(staff["editor_a"])["id"]
    response = staff["officer_a"].post(
        f"{FEEDBACK}/{item['id']}/replies", json={"body": "Ảnh hiện trường", "attachment_ids": [theirs]}
    )
    assert assert_problem(response, 422)["errors"] == {
        "attachment_ids": ["Each attachment must be an unused upload of yours."]
    }
    mine = upload(staff["officer_a"])["id"]
    answered = act(
        staff["officer_a"], item, "replies", expect=201, body="Ảnh hiện trường", attachment_ids=[mine]
    )
    assert [a["id"] for a in answered["replies"][0]["attachments"]] == [mine]


def test_each_step_records_who_moved_it_from_where_to_where_and_in_which_department(
    staff, citizen, department_a, department_b, db
):
    officer, item = staff["officer_a"], submit(citizen)
    act(officer, item, "transfer", department_id=str(department_b.id), reason="Thuộc thẩm quyền Sở B")
    shown = staff["admin"].get(f"{FEEDBACK}/{item['id']}").get_json()
    steps = [
        (
            e["kind"],
            e["from_status"],
            e["to_status"],
            e["department"]["id"],
            e["actor_type"],
            e["actor_label"],
        )
        for e in shown["timeline"]
    ]
    assert steps == [
        ("submitted", None, "received", str(department_a.id), "device", ""),
        ("transferred", "received", "received", str(department_b.id), "user", officer.principal.email),
    ]
    assert all(e["at"] for e in shown["timeline"])
    audit = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_id == item["id"], AuditEvent.action != "feedback.contact_view")
        .order_by(AuditEvent.id)
    ).all()
    assert [(a.action, (a.before or {}).get("department_id")) for a in audit] == [
        ("feedback.create", None),
        ("feedback.transfer", str(department_a.id)),
    ]


def test_a_citizens_push_reads_right_in_both_languages(staff, citizen, db):
    item = submit(citizen)
    act(staff["officer_a"], item, "replies", expect=201, body="Đã vá ổ gà.")
    pushes = db.scalars(select(Notification).where(Notification.source_id == item["id"])).all()
    [answered] = [p for p in pushes if p.data["event"] == "answered"]
    code = item["tracking_code"]
    assert answered.source_type == "feedback"
    assert answered.content == {
        "vi": {"title": f"Phản ánh {code} đã có trả lời", "body": "Đã vá ổ gà."},
        "en": {"title": f"Your report {code} has an answer", "body": "Đã vá ổ gà."},
    }
