"""Reports for the communication office, checked against figures computed by hand from rows with
explicit times (Asia/Ho_Chi_Minh): working hours across a weekend and Tết 2027 (Thu 4 – Wed 10 Feb), a
transfer, a reopening, ratings; CSV read back with the csv module; who sees which department."""

import csv
import io
import uuid
from datetime import datetime, timedelta

import pytest

from services.core.db import utcnow
from services.core.deadlines import LOCAL
from services.models import (
    Alert,
    AlertIndicator,
    AlertPlace,
    Delivery,
    EventRecord,
    Feedback,
    FeedbackEvent,
    FeedbackReply,
    Notice,
    NoticeComment,
    NoticeHistory,
    NoticeReadCount,
    Notification,
    NotificationPlace,
    NotificationRead,
    ScamReport,
)
from tests import test_feedback_sqlite
from tests.conftest import assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import DA_NANG, FEEDBACK, HAI_CHAU, ROAD_FORM, submit

REPORTS = "/api/v1/reports"
THANH_KHE = 20209  # another ward of Đà Nẵng
PERIOD = "from=2026-11-01&to=2027-02-28"
sqlite = test_feedback_sqlite.sqlite  # the fixture: an app on a migrated SQLite file


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL)


@pytest.fixture
def make_feedback(db, road_form):
    """A feedback row as the workflow leaves it: `answers` are (time, department) replies, `steps`
    (kind, time, department) timeline events after its submission to `received_by` (default: the
    department that holds it)."""

    def make(
        department, received_at, *, answers=(), steps=(), status=None, due_at=None, received_by=None, **extra
    ):
        first = received_at + timedelta(days=7)
        feedback = Feedback(
            tracking_code=f"PA-{uuid.uuid4().hex[:10].upper()}",
            form_id=road_form.id,
            form_version_id=road_form.current_version.id,
            category_id=road_form.category_id,
            citizen_id=uuid.uuid4(),
            department_id=department.id,
            status=status or ("answered" if answers else "received"),
            priority="normal",
            answers={},
            province_code=DA_NANG,
            ward_code=extra.pop("ward_code", HAI_CHAU),
            received_at=received_at,
            created_at=received_at,
            due_at=due_at or first,
            **extra,
        )
        feedback.events.append(_event("submitted", received_at, received_by or department))
        feedback.events.extend(_event(kind, at, where) for kind, at, where in steps)
        for at, where in answers:
            feedback.replies.append(FeedbackReply(department_id=where.id, body="Đã xử lý.", created_at=at))
        db.add(feedback)
        db.commit()
        return feedback

    return make


def _event(kind, at, department) -> FeedbackEvent:
    return FeedbackEvent(kind=kind, at=at, actor_type="system", department_id=department.id)


@pytest.fixture
def feedback_rows(make_feedback, department_a, department_b):
    a, b = department_a, department_b
    # Fri 16:00 → Mon 09:00: 1.5 + 1.5 = 3 working hours; due Fri 13 Nov (5 working days): on time.
    make_feedback(a, local(2026, 11, 6, 16, 0), answers=[(local(2026, 11, 9, 9, 0), a)], rating_score=5)
    # Wed 3 Feb 2027 16:00 → Thu 11 Feb 09:00 across Tết: 1.5 + 1.5 = 3 hours; due Wed 17 Feb: on time.
    make_feedback(
        a, local(2027, 2, 3, 16, 0), answers=[(local(2027, 2, 11, 9, 0), a)], status="closed", rating_score=3
    )
    # Received by B Tue 10 Nov 10:00, transferred to A at 14:00 (A's clock starts), answered Thu 19 Nov
    # 10:00: 3.5 + 6 days × 8 + 2.5 = 54 hours; due Tue 17 Nov: late.
    make_feedback(
        a,
        local(2026, 11, 10, 10, 0),
        received_by=b,
        steps=[("transferred", local(2026, 11, 10, 14, 0), a)],
        answers=[(local(2026, 11, 19, 10, 0), a)],
        ward_code=THANH_KHE,
    )
    # Mon 16 Nov 08:00 → 10:30: 2.5 hours, on time; reopened on Tue 17, due again Wed 25 Nov: overdue now.
    make_feedback(
        a,
        local(2026, 11, 16, 8, 0),
        answers=[(local(2026, 11, 16, 10, 30), a)],
        steps=[("reopened", local(2026, 11, 17, 9, 0), a)],
        status="reopened",
        due_at=local(2026, 11, 25, 17, 30),
        rating_score=1,
    )
    # Never answered, due Mon 9 Nov: overdue, and late in the shares.
    make_feedback(a, local(2026, 11, 2, 9, 0), due_at=local(2026, 11, 9, 17, 30))
    # B: Tue 10 Nov 09:00 → 11:00, 2 hours, on time.
    make_feedback(b, local(2026, 11, 10, 9, 0), answers=[(local(2026, 11, 10, 11, 0), b)], rating_score=4)


FIGURES_A = {
    "key": "DEPT-A",
    "name": "Phòng DEPT-A",
    "received": 5,
    "answered": 4,
    "answered_on_time": 3,
    "answered_late": 1,
    "overdue": 2,
    "on_time_share": 0.6,  # 3 on time of 5 due (4 answered + 1 unanswered overdue)
    "late_share": 0.4,
    "median_hours_to_answer": 3.0,  # of 2.5, 3, 3, 54
    "p90_hours_to_answer": 54.0,  # nearest rank: the 4th of 4
    "reopened": 1,
    "reopen_rate": 0.25,
    "rated": 3,
    "average_rating": 3.0,
    "rank": 2,
    "transfers_in": 1,
    "transfers_out": 0,
}
FIGURES_B = {
    "key": "DEPT-B",
    "name": "Phòng DEPT-B",
    "received": 1,
    "answered": 1,
    "answered_on_time": 1,
    "answered_late": 0,
    "overdue": 0,
    "on_time_share": 1.0,
    "late_share": 0.0,
    "median_hours_to_answer": 2.0,
    "p90_hours_to_answer": 2.0,
    "reopened": 0,
    "reopen_rate": 0.0,
    "rated": 1,
    "average_rating": 4.0,
    "rank": 1,
    "transfers_in": 0,
    "transfers_out": 1,
}


def test_feedback_report_per_department_matches_the_hand_computed_figures(admin, feedback_rows):
    report = admin.get(f"{REPORTS}/feedback?{PERIOD}").get_json()
    assert (report["from"], report["to"]) == ("2026-11-01", "2027-02-28")
    assert report["departments"] == [FIGURES_B, FIGURES_A]  # ranked on the on-time share


def test_the_feedback_report_says_the_provinces_on_time_target(make_app, staff):
    assert staff["admin"].get(f"{REPORTS}/feedback").get_json()["on_time_target"] == 0.9
    app = make_app(REPORT_ON_TIME_TARGET=0.95)
    token = staff["admin"].token
    report = app.test_client().get(f"{REPORTS}/feedback", headers={"Authorization": f"Bearer {token}"})
    assert report.get_json()["on_time_target"] == 0.95


def test_feedback_report_per_category_commune_and_week(admin, feedback_rows):
    report = admin.get(f"{REPORTS}/feedback?{PERIOD}").get_json()
    [roads] = report["categories"]
    assert (roads["key"], roads["name"], roads["received"], roads["answered"]) == (
        "roads",
        "Danh mục roads",
        6,
        5,
    )
    assert roads["on_time_share"] == round(4 / 6, 4)
    communes = {row["key"]: row for row in report["communes"]}
    assert communes[str(HAI_CHAU)]["name"] == "Phường Hải Châu" and communes[str(HAI_CHAU)]["received"] == 5
    assert communes[str(THANH_KHE)]["answered_late"] == 1
    weeks = [(row["key"], row["name"], row["received"], row["on_time_share"]) for row in report["weeks"]]
    assert weeks == [
        ("2026-W45", "2026-11-02", 2, 0.5),  # Fri 6 Nov on time, Mon 2 Nov never answered
        ("2026-W46", "2026-11-09", 2, 0.5),  # the transferred one late, B's on time
        ("2026-W47", "2026-11-16", 1, 1.0),
        ("2027-W05", "2027-02-01", 1, 1.0),  # across Tết
    ]


def test_a_period_a_department_and_a_province_narrow_the_feedback_report(admin, feedback_rows):
    november = admin.get(f"{REPORTS}/feedback?from=2026-11-01&to=2026-11-30").get_json()
    a = next(row for row in november["departments"] if row["key"] == "DEPT-A")
    assert (a["received"], a["rated"], a["average_rating"]) == (4, 2, 3.0)  # not the one of February
    only_b = admin.get(f"{REPORTS}/feedback?{PERIOD}&department=DEPT-B").get_json()
    assert only_b["departments"] == [FIGURES_B]
    elsewhere = admin.get(f"{REPORTS}/feedback?{PERIOD}&province_code=1").get_json()
    assert elsewhere["categories"] == [] and all(row["received"] == 0 for row in elsewhere["departments"])


def test_feedback_report_as_csv_reads_back_with_vietnamese_intact(admin, feedback_rows):
    for response in (
        admin.get(f"{REPORTS}/feedback?{PERIOD}&format=csv"),
        admin.get(f"{REPORTS}/feedback?{PERIOD}", headers={"Accept": "text/csv"}),
    ):
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert "feedback-2026-11-01-2027-02-28.csv" in response.headers["Content-Disposition"]
        raw = response.get_data()
        assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows[0]["section"] == "summary" and rows[0]["from"] == "2026-11-01"
        a = next(r for r in rows if r["section"] == "departments" and r["key"] == "DEPT-A")
        assert (a["name"], a["on_time_share"], a["p90_hours_to_answer"], a["rank"]) == (
            "Phòng DEPT-A",
            "0.6",
            "54.0",
            "2",
        )
        ward = next(r for r in rows if r["section"] == "communes" and r["key"] == str(HAI_CHAU))
        assert ward["name"] == "Phường Hải Châu"
        assert {r["section"] for r in rows} == {"summary", "departments", "categories", "communes", "weeks"}


# ---------------------------------------------------------------- who sees what


def test_department_staff_see_their_own_department_only(staff, feedback_rows):
    own = staff["officer_a"].get(f"{REPORTS}/feedback?{PERIOD}").get_json()
    assert [row["key"] for row in own["departments"]] == ["DEPT-A"]
    assert own["departments"][0]["received"] == 5
    assert_problem(
        staff["officer_a"].get(f"{REPORTS}/feedback?{PERIOD}&department=DEPT-B"), 403, "other_department"
    )
    assert_problem(staff["officer_b"].get(f"{REPORTS}/coverage?department=DEPT-A"), 403, "other_department")


def test_viewers_see_every_department(staff, feedback_rows):
    report = staff["viewer_a"].get(f"{REPORTS}/feedback?{PERIOD}").get_json()
    assert [row["key"] for row in report["departments"]][:2] == ["DEPT-B", "DEPT-A"]
    assert staff["viewer_a"].get(f"{REPORTS}/alerts?department=DEPT-B").status_code == 200


@pytest.mark.parametrize("report", ["coverage", "feedback", "alerts"])
def test_reports_are_for_staff(report, client, citizen, integrator):
    assert_problem(client.get(f"{REPORTS}/{report}"), 401)
    assert_problem(citizen.get(f"{REPORTS}/{report}"), 403)
    assert_problem(integrator.get(f"{REPORTS}/{report}"), 403)  # no API-key scope means KPIs


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("from=2026-12-01&to=2026-11-30", "report_range_reversed"),
        ("from=2026-01-01&to=2028-01-02", "report_range_too_long"),  # 732 days
        ("department=NO-SUCH", "unknown_department"),
        ("province_code=99", "unknown_area"),
        ("from=0001-01-01", "validation_failed"),
        ("format=xlsx", "validation_failed"),
    ],
)
def test_bad_report_queries_are_422(admin, query, code):
    body = assert_problem(admin.get(f"{REPORTS}/feedback?{query}"), 422, code)
    assert body["errors"]


def test_two_years_and_a_leap_day_is_the_longest_period(admin):
    assert admin.get(f"{REPORTS}/alerts?from=2026-01-01&to=2028-01-01").status_code == 200  # 731 days


# ---------------------------------------------------------------- coverage


@pytest.fixture
def policies(db, department_a, department_b, make_department, make_device, feedback_category):
    make_department("DEPT-C", name="Sở Tư pháp", focal=False)
    in_effect = _policy(db, department_a, "Nghị quyết hỗ trợ học phí", "in_effect")
    for stage, at in (
        ("consultation", local(2026, 11, 2, 8, 0)),
        ("adopted", local(2026, 11, 20, 10, 0)),
        ("in_effect", local(2026, 12, 1, 0, 0)),
    ):
        db.add(NoticeHistory(notice_id=in_effect.id, stage=stage, at=at))
    for replied_at in (local(2026, 11, 10, 9, 0), local(2026, 11, 25, 9, 0), None):  # in time, late, none
        db.add(
            NoticeComment(
                notice_id=in_effect.id,
                citizen_id=uuid.uuid4(),
                body="Ý kiến",
                status="published",
                reply="Cảm ơn" if replied_at else None,
                replied_at=replied_at,
                created_at=local(2026, 11, 5, 9, 0),
            )
        )
    # Pushes for the consultation (sent) and for taking effect (not yet sent); none for the adoption.
    pushes = [_push(db, in_effect, "consultation", "sent"), _push(db, in_effect, "in_effect", "pending")]
    reader, other_reader = (
        make_device(push_token="fcm-1"),
        make_device(push_token="fcm-2", ward_code=THANH_KHE),
    )
    second_phone = make_device(push_token="fcm-4", citizen_id=reader.citizen_id)  # the same citizen's
    make_device(province_code=1, ward_code=None, push_token="fcm-3")  # Hà Nội: not in the pushes' place
    make_device()  # no push token
    db.add_all(
        [
            NotificationRead(notification_id=pushes[0].id, device_id=reader.id),
            NotificationRead(notification_id=pushes[1].id, device_id=reader.id),
            NotificationRead(notification_id=pushes[1].id, device_id=other_reader.id),
            NotificationRead(notification_id=pushes[1].id, device_id=second_phone.id),
            NoticeReadCount(notice_id=in_effect.id, day=local(2026, 12, 1).date(), shard=0, count=5),
            NoticeReadCount(notice_id=in_effect.id, day=local(2026, 12, 1).date(), shard=3, count=7),
        ]
    )
    drafted = _policy(db, department_b, "Dự thảo quy định về đô thị", "consultation")
    db.add(NoticeHistory(notice_id=drafted.id, stage="consultation", at=local(2026, 11, 28, 8, 0)))
    db.commit()
    return in_effect, drafted


def _policy(db, department, title, stage) -> Notice:
    notice = Notice(
        kind="policy",
        stage=stage,
        category_code="roads",
        department_id=department.id,
        title=title,
        summary=title,
        body=title,
        content_search=title.lower(),
        targets={"province_codes": [DA_NANG]},
        consultation_closes_at=local(2026, 11, 16, 17, 0),
        created_at=local(2026, 10, 30, 9, 0),
    )
    db.add(notice)
    db.flush()
    return notice


def _push(db, notice, stage, status) -> Notification:
    notification = Notification(
        source_type="notice",
        source_id=str(notice.id),
        audience="place",
        content={"vi": {"title": notice.title, "body": ""}},
        data={"screen": "notice", "stage": stage},
        status=status,
    )
    db.add(notification)
    db.flush()
    db.add(NotificationPlace(notification_id=notification.id, scope="province", code=DA_NANG))
    return notification


def test_coverage_report_matches_the_hand_computed_figures(admin, policies):
    in_effect, drafted = policies
    report = admin.get(f"{REPORTS}/coverage?from=2026-11-01&to=2026-12-31").get_json()
    assert (report["departments"], report["departments_with_focal_point"]) == (3, 2)
    assert report["focal_point_share"] == 0.6667
    without = next(d for d in report["focal_points"] if d["key"] == "DEPT-C")
    assert without == {
        "key": "DEPT-C",
        "name": "Sở Tư pháp",
        "has_focal_point": False,
        "focal_point": {"name": None, "phone": None, "email": None},
    }
    assert report["policies"] == 2
    assert report["policies_by_stage"] == {
        "draft": 0,
        "consultation": 1,
        "adopted": 0,
        "in_effect": 1,
        "archived": 0,
    }
    assert [(d["key"], d["by_stage"]["in_effect"]) for d in report["policies_by_department"]] == [
        ("DEPT-A", 1),
        ("DEPT-B", 0),
    ]
    assert (report["in_effect"], report["in_effect_consulted"], report["in_effect_consulted_share"]) == (
        1,
        1,
        1.0,
    )
    trail = next(t for t in report["trails"] if t["id"] == str(in_effect.id))
    assert trail["consultation_opened_at"] == "2026-11-02T01:00:00+00:00"
    assert trail["adopted_at"] == "2026-11-20T03:00:00+00:00"
    assert (trail["comments_received"], trail["comments_replied"], trail["comments_replied_in_time"]) == (
        3,
        2,
        1,
    )
    assert (trail["replied_share"], trail["replied_in_time_share"]) == (0.6667, 0.3333)
    assert [(s["stage"], s["pushes"], s["communicated"]) for s in trail["steps"]] == [
        ("consultation", 1, True),
        ("adopted", 0, False),
        ("in_effect", 1, True),
    ]
    assert (trail["pushes"], trail["pushes_sent"]) == (2, 1)
    # Three devices with a token in Đà Nẵng; two citizens opened a push (one on both phones); the notice
    # was read 12 times.
    assert (trail["devices_targeted"], trail["readers"], trail["views"]) == (3, 2, 12)
    # Per step: the draft's consultation went out without a push, and so did the adoption.
    assert [tuple(s.values()) for s in report["steps_communicated"]] == [
        ("consultation", 2, 1, 0.5),
        ("adopted", 1, 0, 0.0),
        ("in_effect", 1, 1, 1.0),
        ("archived", 0, 0, None),
    ]
    assert (report["policies_communicated_throughout"], report["communicated_throughout_share"]) == (0, 0.0)


def test_coverage_report_as_csv_flattens_nested_parts(admin, policies):
    response = admin.get(f"{REPORTS}/coverage?from=2026-11-01&to=2026-12-31&format=csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    summary = rows[0]
    assert (summary["section"], summary["policies_by_stage.in_effect"], summary["focal_point_share"]) == (
        "summary",
        "1",
        "0.6667",
    )
    focal = next(r for r in rows if r["section"] == "focal_points" and r["key"] == "DEPT-A")
    assert focal["focal_point.name"] == "Cán bộ đầu mối"
    assert focal["focal_point.phone"] == "'+84912345678"  # made inert: Excel would read +… as a formula
    trail = next(r for r in rows if r["section"] == "trails" and r["department"] == "DEPT-A")
    assert trail["title"] == "Nghị quyết hỗ trợ học phí"
    assert (
        trail["steps"].split(" | ")[1]
        == "stage=adopted, at=2026-11-20T10:00:00+07:00, pushes=0, communicated=false"
    )


def test_department_staff_get_coverage_of_their_department(staff, policies):
    report = staff["editor_a"].get(f"{REPORTS}/coverage?from=2026-11-01&to=2026-12-31").get_json()
    assert [d["key"] for d in report["focal_points"]] == ["DEPT-A"]
    assert [t["department"] for t in report["trails"]] == ["DEPT-A"]


# ---------------------------------------------------------------- alerts


@pytest.fixture
def alert_rows(db, department_a, department_b):
    scam = _alert(db, department_a, "scam", "severe", local(2026, 11, 10, 12, 0))
    db.add(
        AlertIndicator(
            alert_id=scam.id, position=0, type="phone", value="0912 345 678", normalized="0912345678"
        )
    )
    # First reported 18 hours before the alert; a later report and one of another number do not count.
    for at, number in (
        (local(2026, 11, 9, 18, 0), "0912345678"),
        (local(2026, 11, 10, 8, 0), "0912345678"),
        (local(2026, 11, 11, 8, 0), "0912345678"),
        (local(2026, 11, 1, 8, 0), "0987654321"),
    ):
        db.add(
            ScamReport(
                reporter_device_id=uuid.uuid4(),
                province_code=DA_NANG,
                type="phone",
                value=number,
                normalized=number,
                created_at=at,
            )
        )
    _alert(db, department_b, "safety", "moderate", local(2026, 11, 15, 7, 0))
    _alert(db, department_a, "scam", "severe", None)  # a draft: not in the report
    event = EventRecord(name="alert.published", subject_type="alert", subject_id=str(scam.id))
    db.add(event)
    db.flush()
    for channel, status in (("fcm", "sent"), ("fcm", "sent"), ("fcm", "failed"), ("webhook", "sent")):
        db.add(
            Delivery(
                channel=channel, address="topic:p-48", event_id=event.id, status=status, completed_at=utcnow()
            )
        )
    db.commit()
    return scam


def _alert(db, department, category, severity, published_at) -> Alert:
    alert = Alert(
        department_id=department.id,
        status="published" if published_at else "draft",
        category=category,
        headline=f"Cảnh báo {category}",
        description="Mô tả",
        severity=severity,
        severity_rank=2,
        urgency="immediate",
        certainty="observed",
        targets={"province_codes": [DA_NANG]},
        expires_at=utcnow() + timedelta(days=30),
        published_at=published_at,
    )
    db.add(alert)
    db.flush()
    db.add(AlertPlace(alert_id=alert.id, scope="province", code=DA_NANG))
    return alert


def test_alerts_report_matches_the_hand_computed_figures(admin, alert_rows):
    report = admin.get(f"{REPORTS}/alerts?from=2026-11-01&to=2026-11-30").get_json()
    assert report["alerts"] == 2
    assert report["by_category_severity"] == [
        {"category": "scam", "severity": "severe", "alerts": 1},
        {"category": "safety", "severity": "moderate", "alerts": 1},
    ]
    [lead] = report["reported_indicators"]
    assert (lead["indicator"], lead["first_reported_at"], lead["hours"]) == (
        "0912 345 678",
        "2026-11-09T11:00:00+00:00",
        18.0,
    )
    assert (report["median_hours_report_to_alert"], report["p90_hours_report_to_alert"]) == (18.0, 18.0)
    assert report["deliveries"] == [
        {"channel": "fcm", "status": "sent", "deliveries": 2},
        {"channel": "fcm", "status": "failed", "deliveries": 1},
        {"channel": "webhook", "status": "sent", "deliveries": 1},
    ]
    # Every week the period touches, by Monday; Sunday 1 and 15 November belong to the weeks before.
    assert report["scam_reports"] == 4
    assert [tuple(w.values()) for w in report["weeks"]] == [
        ("2026-W44", "2026-10-26", 1, 0, None),
        ("2026-W45", "2026-11-02", 0, 0, None),
        ("2026-W46", "2026-11-09", 3, 2, 18.0),
        ("2026-W47", "2026-11-16", 0, 0, None),
        ("2026-W48", "2026-11-23", 0, 0, None),
        ("2026-W49", "2026-11-30", 0, 0, None),
    ]
    only_b = admin.get(f"{REPORTS}/alerts?from=2026-11-01&to=2026-11-30&department=DEPT-B").get_json()
    assert (only_b["alerts"], only_b["deliveries"], only_b["scam_reports"]) == (1, [], 0)
    elsewhere = admin.get(f"{REPORTS}/alerts?from=2026-11-01&to=2026-11-30&province_code=1").get_json()
    assert elsewhere["alerts"] == 0


# ---------------------------------------------------------------- public ranking


@pytest.fixture
def recent_feedback(make_feedback, department_a, department_b):
    """Feedback of the last 90 days, whatever today is: answers a minute after receipt are on time, a
    month after late (5 working days never span a month, Tết included)."""
    now = utcnow()
    a, b = department_a, department_b
    make_feedback(
        a, now - timedelta(days=10), answers=[(now - timedelta(days=10, minutes=-1), a)], rating_score=5
    )
    make_feedback(a, now - timedelta(days=40), answers=[(now - timedelta(days=5), a)], rating_score=2)
    make_feedback(a, now - timedelta(days=30), due_at=now - timedelta(days=1))  # overdue, unanswered
    make_feedback(a, now - timedelta(days=100), answers=[(now - timedelta(days=99), a)])  # too old
    make_feedback(b, now - timedelta(days=3), answers=[(now - timedelta(days=3, minutes=-1), b)])


def test_the_public_ranking_is_anonymous_and_cacheable(client, recent_feedback):
    response = client.get(f"{REPORTS}/public/departments")
    assert response.status_code == 200
    assert response.cache_control.public and response.cache_control.max_age == 600
    ranking = response.get_json()["departments"]
    assert ranking == [
        {
            "rank": 1,
            "key": "DEPT-B",
            "name": "Phòng DEPT-B",
            "received": 1,
            "answered": 1,
            "on_time_share": 1.0,
            "average_rating": None,
        },
        {
            "rank": 2,
            "key": "DEPT-A",
            "name": "Phòng DEPT-A",
            "received": 3,
            "answered": 2,
            "on_time_share": round(1 / 3, 4),  # one on time, one late, one unanswered past its deadline
            "average_rating": 3.5,
        },
    ]
    again = client.get(f"{REPORTS}/public/departments", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()


# ---------------------------------------------------------------- SQLite, the embedded default


def test_reports_on_sqlite(sqlite):
    app, _, who, rows = sqlite
    citizen, admin = who["citizen"], who["admin"]
    assert admin.post("/api/v1/forms", json=ROAD_FORM).status_code == 201
    sent = submit(citizen)  # no rule: the intake office takes it, then hands it to Sở Xây dựng
    who["intake"].post(
        f"{FEEDBACK}/{sent['id']}/transfer",
        json={"department_id": str(rows["roads"].id), "reason": "Đường sá"},
    )
    who["roads"].post(f"{FEEDBACK}/{sent['id']}/replies", json={"body": "Đã vá."})
    citizen.post(f"{FEEDBACK}/{sent['id']}/rating", json={"score": 4})

    departments = admin.get(f"{REPORTS}/feedback").get_json()["departments"]
    figures = {row["key"]: row for row in departments}
    roads, intake = figures["SXD"], figures["VP"]
    assert (roads["rank"], roads["received"], roads["answered_on_time"], roads["average_rating"]) == (
        1,
        1,
        1,
        4.0,
    )
    assert (roads["transfers_in"], intake["transfers_out"], intake["received"]) == (1, 1, 0)
    public = app.test_client().get(f"{REPORTS}/public/departments").get_json()["departments"]
    assert [(row["key"], row["on_time_share"]) for row in public] == [("SXD", 1.0)]
    for report in ("coverage", "alerts"):
        response = admin.get(f"{REPORTS}/{report}?format=csv&province_code={DA_NANG}")
        assert response.status_code == 200 and response.get_data().startswith(b"\xef\xbb\xbf")
