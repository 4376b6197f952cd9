"""The citizen's side: submitting (idempotently, within rate limits), their own list, tracking by
code, rating and reopening within their windows, and the public board without personal data."""

import re
import threading
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from schemas.forms import FormSchema
from services.core.db import utcnow
from services.feedback import forms, intake
from services.identity.principals import Principal
from services.models import (
    AuditEvent,
    Category,
    Delivery,
    Department,
    Device,
    EventRecord,
    Feedback,
    FeedbackEvent,
    Form,
    Notification,
    NotificationRecipient,
    RoutingRule,
    User,
)
from tests import notice_fixtures
from tests.conftest import Caller, assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import FEEDBACK, ROAD_FORM, submission, submit
from tests.sql_plans import copy_rows, explain, plans_without_seq_scans, sent_statements

statements = notice_fixtures.statements  # the SQL a request sends
TRACKING_CODE = r"^PA-\d{4}-[0-9A-HJKMNP-TV-Z]{6}$"


@pytest.fixture
def answered(staff, citizen, road_form):
    """A submission department A has answered."""
    item = submit(citizen)
    response = staff["officer_a"].post(f"{FEEDBACK}/{item['id']}/replies", json={"body": "Đã xử lý."})
    assert response.status_code == 201
    return item


def test_a_submission_gets_a_tracking_code_department_deadline_and_priority(citizen, road_form, department_a):
    created = submit(citizen)
    assert re.match(TRACKING_CODE, created["tracking_code"])
    assert created["status"] == "received" and created["priority"] == "normal"
    assert created["department"]["name"] == department_a.name and created["department"]["focal_point"]
    assert created["due_at"] > created["received_at"]
    assert created["contact"]["phone"] == "+84912345678"
    assert created["form"] == {"slug": "road-damage", "version": 1, "title": ROAD_FORM["title"]}


def test_a_submission_sends_the_citizen_a_receipt_with_code_and_deadline(
    citizen, road_form, department_a, db
):
    created = submit(citizen)
    receipt = db.scalar(select(Notification).where(Notification.source_id == created["id"]))
    due = datetime.fromisoformat(created["due_at"]).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert receipt.content["vi"] == {
        "title": f"Đã nhận phản ánh {created['tracking_code']}",
        "body": f"{department_a.name} sẽ trả lời trước {due:%H:%M} ngày {due:%d/%m/%Y}.",
    }
    assert receipt.data["event"] == "received" and receipt.priority == "normal"
    recipient = db.scalar(
        select(NotificationRecipient.citizen_id).where(NotificationRecipient.notification_id == receipt.id)
    )
    assert recipient == citizen.principal.citizen_id


@pytest.mark.parametrize("push_token, most", [("fcm-token", 14), (None, 15)])
def test_a_submission_is_a_fixed_handful_of_round_trips(
    make_device, road_form, department_a, app, statements, push_token, most
):
    """Issue 20: every statement is a round trip on the API's busiest write. Today: the device, the form
    (and whether the place has it), consent, routing; the staff mail's users, webhooks, the citizen's
    devices (without an app push: one citizens' row for Zalo and SMS); and the inserts of the feedback,
    its timeline, audit, event, deliveries, notification and its recipients."""
    device = make_device(push_token=push_token)
    citizen = Caller(app.test_client(), device.token, device)
    submit(citizen)
    statements.clear()
    submit(citizen)
    assert len(statements) <= most, "\n".join(s.split("\n")[0] for s in statements)


def test_no_statement_of_a_submission_reads_a_table_whole(citizen, road_form, department_a, transaction):
    """Devices, citizens, consents and feedback grow to a province's millions: an index can serve
    each of a submission's reads (EXPLAINed with sequential scans priced out)."""
    submit(citizen)
    with sent_statements(transaction) as statements:
        submit(citizen)
    plans = plans_without_seq_scans(transaction, statements)
    assert len(plans) >= 8  # the reads listed in the round-trips test above
    assert [(statement, plan) for statement, plan in plans.items() if "Seq Scan" in plan] == []


def test_an_anonymous_submission_carries_no_contact(citizen, road_form, department_a):
    body = assert_problem(
        citizen.post(
            FEEDBACK,
            json={
                "form": "road-damage",
                "answers": {"where": "x", "kind": "pothole"},
                "province_code": 48,
                "anonymous": True,
                "contact": {"name": "A"},
            },
        ),
        422,
    )
    assert "contact" in body["errors"]
    assert submit(citizen, anonymous=True, contact=None)["contact"] is None


def test_a_retry_with_the_same_idempotency_key_returns_the_first_submission(
    citizen, road_form, department_a, db
):
    key = {"Idempotency-Key": "retry-1"}
    first, retried = submit(citizen, headers=key), submit(citizen, headers=key)
    assert retried["id"] == first["id"] and retried["tracking_code"] == first["tracking_code"]
    assert db.scalar(select(func.count()).select_from(Feedback)) == 1
    assert db.scalar(select(func.count()).select_from(Notification)) == 1  # one receipt, not two
    changed = citizen.post(
        FEEDBACK,
        json={"form": "road-damage", "answers": {"where": "khác", "kind": "pothole"}, "province_code": 48},
        headers=key,
    )
    assert_problem(changed, 409, "idempotency_key_reused")
    assert submit(citizen, headers={"Idempotency-Key": "retry-2"})["id"] != first["id"]


def test_another_device_with_the_same_key_and_body_gets_a_submission_of_its_own(
    app, citizen, road_form, department_a, make_device
):
    """Keys are per device: a stranger replaying a citizen's key must not receive their name and phone."""
    stranger = Caller(app.test_client(), make_device().token)
    key = {"Idempotency-Key": "retry-1"}
    first = submit(citizen, headers=key)

    response = stranger.post(
        FEEDBACK, json=submission(contact={"name": "Trần Thị B", "phone": "0987 654 321"}), headers=key
    )

    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    theirs = response.get_json()
    assert theirs["id"] != first["id"] and theirs["tracking_code"] != first["tracking_code"]
    assert theirs["contact"] == {"name": "Trần Thị B", "phone": "+84987654321"}


def test_two_concurrent_requests_with_the_same_key_create_one_row(app):
    """Two sessions race on PostgreSQL (committed rows, cleaned up after): the unique (device, key)
    constraint lets one insert win; the other answers with the winner's submission."""
    engine = app.extensions["database"].engine
    with Session(engine, expire_on_commit=False) as setup:
        department = Department(
            code=f"RACE-{uuid.uuid4().hex[:6]}",
            name="Race",
            name_search="race",
            province_code=1,
            active=True,
            intake=False,
        )
        category = Category(
            code=f"race-{uuid.uuid4().hex[:6]}",
            kind="feedback",
            name_vi="Race",
            name_en="",
            priority="normal",
            deadline_working_days=5,
            active=True,
        )
        admin = User(
            email=f"race-{uuid.uuid4().hex[:6]}@example.org", password_hash="x", role="admin", full_name=""
        )
        device = Device(token_hash=uuid.uuid4().hex, platform="android", province_code=1)
        setup.add_all([department, category, admin, device])
        setup.flush()
        setup.add(RoutingRule(category_id=category.id, department_id=department.id))
        setup.commit()
        form = forms.create(
            setup,
            Principal(kind="staff", user=admin),
            FormSchema().load(
                {
                    **ROAD_FORM,
                    "slug": f"race-{uuid.uuid4().hex[:6]}",
                    "category_code": category.code,
                    "targets": {"national": True},
                }
            ),
        )
    body = {"form": form.slug, "answers": {"where": "x", "kind": "pothole"}, "province_code": 1}
    barrier, results = threading.Barrier(2), []

    def send():
        with Session(engine, expire_on_commit=False) as db:
            principal = Principal(kind="device", device=db.get(Device, device.id))
            barrier.wait()
            results.append(intake.submit(db, principal, dict(body), "same-key")[0].id)

    try:
        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == 2 and results[0] == results[1]
        with Session(engine) as check:
            assert (
                check.scalar(
                    select(func.count()).select_from(Feedback).where(Feedback.device_id == device.id)
                )
                == 1
            )
    finally:
        with Session(engine) as cleanup:
            ids = cleanup.scalars(select(Feedback.id).where(Feedback.device_id == device.id)).all()
            subjects = [str(i) for i in ids]
            # The form's audit entries (its version's too) are the admin's; the submissions' are the device's.
            cleanup.execute(
                delete(AuditEvent).where(
                    AuditEvent.entity_id.in_(subjects) | (AuditEvent.actor_id == str(admin.id))
                )
            )
            announced = select(EventRecord.id).where(EventRecord.subject_id.in_(subjects))
            cleanup.execute(delete(Delivery).where(Delivery.event_id.in_(announced)))
            cleanup.execute(delete(EventRecord).where(EventRecord.subject_id.in_(subjects)))
            cleanup.execute(delete(FeedbackEvent).where(FeedbackEvent.feedback_id.in_(ids)))
            cleanup.execute(delete(Notification).where(Notification.source_id.in_([str(i) for i in ids])))
            cleanup.execute(delete(Feedback).where(Feedback.id.in_(ids)))
            cleanup.execute(delete(Form).where(Form.id == form.id))
            cleanup.execute(delete(RoutingRule).where(RoutingRule.category_id == category.id))
            for model, row in (
                (Device, device),
                (User, admin),
                (Category, category),
                (Department, department),
            ):
                cleanup.execute(delete(model).where(model.id == row.id))
            cleanup.commit()


def test_mine_lists_the_citizens_feedback_from_all_their_devices_only(
    app, citizen, road_form, department_a, make_device
):
    second_phone = Caller(app.test_client(), make_device(citizen_id=citizen.principal.citizen_id).token)
    stranger = Caller(app.test_client(), make_device().token)
    first, second = submit(citizen), submit(second_phone)
    submit(stranger)
    mine = citizen.get(f"{FEEDBACK}/mine").get_json()["items"]
    assert [item["id"] for item in mine] == [second["id"], first["id"]]
    tracked = second_phone.get(f"{FEEDBACK}/track?code={first['tracking_code']}").get_json()
    assert (tracked["id"], tracked["tracking_code"]) == (first["id"], first["tracking_code"])


def test_tracking_is_for_the_owner_and_the_owning_department_only(
    app, staff, citizen, client, road_form, make_device
):
    submit(citizen)  # another of theirs, which must not come back instead
    submitted = submit(citizen)
    code = submitted["tracking_code"]
    assert citizen.get(f"{FEEDBACK}/track?code={code.lower()}").get_json()["id"] == submitted["id"]
    assert staff["officer_a"].get(f"{FEEDBACK}/track?code={code}").get_json()["id"] == submitted["id"]
    assert_problem(staff["officer_b"].get(f"{FEEDBACK}/track?code={code}"), 404)
    assert_problem(Caller(app.test_client(), make_device().token).get(f"{FEEDBACK}/track?code={code}"), 404)
    assert_problem(client.get(f"{FEEDBACK}/track?code={code}"), 401)


def test_tracking_takes_the_code_as_a_query_parameter(citizen, client, road_form):
    """The code is `?code=`: under /feedback/{id}/… a path segment would be taken for an id."""
    code = submit(citizen)["tracking_code"]
    tracked = citizen.get(f"{FEEDBACK}/track", query_string={"code": f" {code} "}).get_json()
    assert tracked["tracking_code"] == code
    problem = assert_problem(citizen.get(f"{FEEDBACK}/track"), 422, "validation_failed")
    assert problem["errors"] == {"code": ["Missing data for required field."]}
    assert_problem(citizen.get(f"{FEEDBACK}/track", query_string={"code": "PA-" + "X" * 40}), 422)
    assert_problem(citizen.get(f"{FEEDBACK}/track/{code}"), 404)  # the old path is gone, not an alias
    assert_problem(client.get(f"{FEEDBACK}/track"), 401)  # who asks comes before what is asked


def test_rating_once_answered(citizen, road_form, answered, app, make_device):
    unanswered = submit(citizen)
    assert_problem(
        citizen.post(f"{FEEDBACK}/{unanswered['id']}/rating", json={"score": 4}), 409, "not_answered"
    )
    assert_problem(citizen.post(f"{FEEDBACK}/{answered['id']}/rating", json={"score": 6}), 422)
    stranger = Caller(app.test_client(), make_device().token)
    assert_problem(stranger.post(f"{FEEDBACK}/{answered['id']}/rating", json={"score": 1}), 404)
    rated = citizen.post(
        f"{FEEDBACK}/{answered['id']}/rating", json={"score": 2, "comment": "Chưa rõ"}
    ).get_json()
    assert rated["rating"] == {"score": 2, "comment": "Chưa rõ"}


def test_reopening_within_seven_days_of_the_answer_sends_it_back_with_a_new_deadline(
    citizen, staff, answered, sql
):
    reopened = citizen.post(f"{FEEDBACK}/{answered['id']}/reopen", json={"reason": "Ổ gà vẫn còn"})
    assert reopened.status_code == 200, reopened.get_json()
    body = reopened.get_json()
    assert body["status"] == "reopened" and body["timeline"][-1]["note"] == "Ổ gà vẫn còn"
    assert body["due_at"] >= answered["due_at"]
    # Back in the department's hands: it answers again.
    again = staff["officer_a"].post(f"{FEEDBACK}/{answered['id']}/replies", json={"body": "Đã vá lại."})
    assert again.get_json()["status"] == "answered"
    assert_problem(citizen.post(f"{FEEDBACK}/{answered['id']}/status", json={"to": "closed"}), 403)


def test_reopening_after_seven_days_or_before_an_answer_is_refused(citizen, answered, sql, road_form):
    sql(
        "UPDATE feedback SET answered_at = :at WHERE id = :id",
        at=utcnow() - timedelta(days=8),
        id=answered["id"],
    )
    assert_problem(
        citizen.post(f"{FEEDBACK}/{answered['id']}/reopen", json={"reason": "x"}), 409, "reopen_window_closed"
    )
    fresh = submit(citizen)
    body = assert_problem(
        citizen.post(f"{FEEDBACK}/{fresh['id']}/reopen", json={"reason": "x"}), 409, "invalid_transition"
    )
    assert "reopened" not in body["allowed"]


def reopen_twice(citizen, officer, feedback) -> None:
    """Reopened, answered and closed again, twice."""
    url = f"{FEEDBACK}/{feedback['id']}"
    for reason in ("Ổ gà vẫn còn", "Vá rồi lại vỡ"):
        assert citizen.post(f"{url}/reopen", json={"reason": reason}).status_code == 200
        officer.post(f"{url}/replies", json={"body": "Đã vá lại."})
        closed = officer.post(f"{url}/status", json={"to": "closed", "resolution": "resolved"})
        assert closed.get_json()["status"] == "closed"


def test_a_citizen_reopens_twice_and_is_then_told_whom_to_turn_to(citizen, staff, answered, sql):
    url = f"{FEEDBACK}/{answered['id']}"
    reopen_twice(citizen, staff["officer_a"], answered)
    due_at = sql("SELECT due_at FROM feedback WHERE id = :id", id=answered["id"]).scalar()

    third = citizen.post(f"{url}/reopen", json={"reason": "Vẫn chưa xong"})
    body = assert_problem(third, 409, "reopen_limit_reached")
    assert body["detail"] == (
        "This feedback was reopened 2 times already. "
        "To take it further, contact Phòng DEPT-A: Cán bộ đầu mối, +84912345678."
    )
    assert body["escalate_to"] == {
        "department": "Phòng DEPT-A",
        "name": "Cán bộ đầu mối",
        "phone": "+84912345678",
        "email": None,
    }
    shown = citizen.get(f"{FEEDBACK}/track?code={answered['tracking_code']}").get_json()
    assert shown["status"] == "closed" and [e["kind"] for e in shown["timeline"]].count("reopened") == 2
    assert sql("SELECT due_at FROM feedback WHERE id = :id", id=answered["id"]).scalar() == due_at


def test_past_the_limit_the_escalation_names_the_provinces_intake_office(
    citizen, staff, answered, department_b, sql
):
    """Handled by department B, the feedback's escalation still goes to the province's intake office
    (department A); without a focal point there, to B's."""
    reopen_twice(citizen, staff["officer_a"], answered)
    sql("UPDATE feedback SET department_id = :b WHERE id = :id", b=department_b.id, id=answered["id"])
    url = f"{FEEDBACK}/{answered['id']}/reopen"
    detail = assert_problem(citizen.post(url, json={"reason": "x"}), 409, "reopen_limit_reached")["detail"]
    assert detail.endswith("contact Phòng DEPT-A: Cán bộ đầu mối, +84912345678.")
    sql("UPDATE departments SET focal_name = NULL, focal_phone = NULL WHERE code = 'DEPT-A'")
    detail = assert_problem(citizen.post(url, json={"reason": "x"}), 409, "reopen_limit_reached")["detail"]
    assert detail.endswith("contact Phòng DEPT-B: Cán bộ đầu mối, +84912345678.")


def test_feedback_for_a_retired_category_is_refused_and_its_form_leaves_the_list(
    citizen, client, road_form, sql
):
    sql("UPDATE categories SET active = false WHERE code = 'roads'")
    body = assert_problem(citizen.post(FEEDBACK, json=submission()), 422, "category_retired")
    assert body["errors"] == {
        "form": ["Form road-damage is for a retired category: it takes no new feedback."]
    }
    assert sql("SELECT count(*) FROM feedback").scalar() == 0
    assert client.get("/api/v1/forms?province_code=48").get_json()["items"] == []


def test_the_public_board_shows_published_answers_without_personal_data(client, staff, citizen, road_form):
    private, published = submit(citizen), submit(citizen)
    officer = staff["officer_a"]
    officer.post(f"{FEEDBACK}/{private['id']}/replies", json={"body": "Riêng"})
    officer.post(f"{FEEDBACK}/{published['id']}/replies", json={"body": "Công khai", "public": True})
    officer.post(f"{FEEDBACK}/{published['id']}/replies", json={"body": "Nội bộ"})
    items = client.get(f"{FEEDBACK}/public?province_code=48&category=roads").get_json()["items"]
    assert [i["tracking_code"] for i in items] == [published["tracking_code"]]
    assert [r["body"] for r in items[0]["replies"]] == ["Công khai"]
    assert not {"answers", "contact", "location", "timeline"} & set(items[0])
    assert client.get(f"{FEEDBACK}/public?province_code=1").get_json()["items"] == []


def test_the_public_board_reads_the_public_feedback_alone_newest_answer_first(
    client, staff, citizen, road_form, transaction
):
    """Years of feedback, a few of them public: the board's first page once read and sorted every one
    (98 ms at 300,000). It reads the newest entries of ix_feedback_public_board."""
    published = submit(citizen)
    staff["officer_a"].post(
        f"{FEEDBACK}/{published['id']}/replies", json={"body": "Công khai", "public": True}
    )
    copy_rows(transaction, "feedback", 5000, public="false", tracking_code="tracking_code || copy")
    with sent_statements(transaction) as sent:
        items = client.get(f"{FEEDBACK}/public").get_json()["items"]
    assert [item["tracking_code"] for item in items] == [published["tracking_code"]]
    statement, parameters = next((s, p) for s, p in sent if "FROM feedback" in s and "ORDER BY" in s)
    plan = explain(transaction, statement, parameters)
    assert "Seq Scan on feedback" not in plan, plan
    assert "Index Scan Backward using ix_feedback_public_board" in plan, plan


def test_submissions_are_rate_limited_per_device(app, citizen, road_form, department_a):
    allowed = int(app.config["RATE_LIMIT_FEEDBACK_PER_DEVICE"].split(" ")[0])
    for _ in range(allowed):
        submit(citizen)
    limited = citizen.post(FEEDBACK, json={"form": "road-damage", "answers": {}, "province_code": 48})
    assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0


def test_retries_of_one_submission_do_not_use_up_the_device_limit(app, citizen, road_form, department_a):
    allowed = int(app.config["RATE_LIMIT_FEEDBACK_PER_DEVICE"].split(" ")[0])
    key = {"Idempotency-Key": "flaky-network"}
    first = citizen.post(FEEDBACK, json=submission(), headers=key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    for _ in range(allowed):  # the phone never saw the answer and keeps trying
        retried = citizen.post(FEEDBACK, json=submission(), headers=key)
        assert retried.status_code == 201 and retried.headers["Idempotent-Replayed"] == "true"
        assert retried.get_json()["id"] == first.get_json()["id"]
    for _ in range(allowed - 1):
        submit(citizen)  # the rest of the hour's allowance is still there
    assert_problem(citizen.post(FEEDBACK, json=submission()), 429, "rate_limited")


def test_an_overlong_idempotency_key_is_refused_and_nothing_is_stored(citizen, road_form, department_a, db):
    body = assert_problem(
        citizen.post(
            FEEDBACK,
            json={"form": "road-damage", "answers": {"where": "x", "kind": "pothole"}, "province_code": 48},
            headers={"Idempotency-Key": "k" * (intake.IDEMPOTENCY_KEY_LENGTH + 1)},
        ),
        422,
    )
    assert "Idempotency-Key" in body["errors"]
    assert db.scalar(select(func.count()).select_from(Feedback)) == 0


def test_a_tracking_code_drawn_twice_is_redrawn(citizen, road_form, department_a, monkeypatch):
    codes = iter(["PA-2612-AAAAAA", "PA-2612-AAAAAA", "PA-2612-BBBBBB"])
    monkeypatch.setattr(intake, "tracking_code", lambda: next(codes))
    assert submit(citizen)["tracking_code"] == "PA-2612-AAAAAA"
    assert submit(citizen)["tracking_code"] == "PA-2612-BBBBBB"


def test_tracking_codes_are_random_not_a_sequence():
    codes = {intake.tracking_code() for _ in range(200)}
    assert len(codes) == 200 and all(re.match(TRACKING_CODE, code) for code in codes)
    assert len({code[-6:-5] for code in codes}) > 10  # not a counter: the leading random character varies


def test_submissions_are_rate_limited_per_address_whichever_device_sends_them(
    app, road_form, department_a, make_device
):
    allowed = int(app.config["RATE_LIMIT_FEEDBACK_PER_IP"].split(" ")[0])
    phones = [Caller(app.test_client(), make_device().token) for _ in range(3)]
    bad = {"form": "road-damage", "answers": {}, "province_code": 48}  # every attempt counts, even a 422
    for n in range(allowed):
        assert phones[n % 3].post(FEEDBACK, json=bad).status_code == 422
    # No device has a success to its name: this is the address's limit.
    limited = phones[1].post(FEEDBACK, json=bad)
    assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0


def test_a_reopening_restarts_the_deadline_from_the_moment_of_reopening(citizen, answered, feedback_category):
    from datetime import datetime

    from services.feedback import workflow

    reopened = citizen.post(f"{FEEDBACK}/{answered['id']}/reopen", json={"reason": "Chưa xong"}).get_json()
    at = datetime.fromisoformat(reopened["timeline"][-1]["at"])
    assert datetime.fromisoformat(reopened["due_at"]) == workflow.due_at(feedback_category, at)
