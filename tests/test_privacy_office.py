"""The data-protection officer's side of the personal data law: requests with their legal clock, the
breach register's 72-hour reminders, the access log of staff reads, and the retention job."""

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from services.core.db import utcnow
from services.core.deadlines import add_working_days
from services.models import (
    Attachment,
    AuditEvent,
    Delivery,
    Device,
    Feedback,
    Notification,
    PrivacyRequest,
    ScamReport,
    TokenRetirement,
)
from services.privacy import breaches
from tests.conftest import Caller, assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import HAI_CHAU, submit, upload
from tests.test_console import csrf_token
from tests.test_console import sign_in as sign_in_client
from tests.test_staff_email import channel, drain, smtp, tls_files, trusted  # noqa: F401 (fixtures)

REQUESTS = "/api/v1/privacy/requests"
BREACHES = "/api/v1/privacy/breaches"
ACCESS_LOG = "/api/v1/privacy/access-log"


@pytest.fixture
def dpo(staff, db):
    """officer_a, named the data-protection officer by an admin through the users API."""
    officer = staff["officer_a"]
    changed = staff["admin"].patch(f"/api/v1/users/{officer.principal.id}", json={"privacy_officer": True})
    assert changed.status_code == 200 and changed.get_json()["privacy_officer"] is True
    return officer


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


# ---------------------------------------------------------------- requests


def test_a_request_starts_its_legal_clock_and_only_its_citizen_sees_it(citizen, app, make_device, staff):
    made = citizen.post(REQUESTS, json={"type": "deletion", "details": "Xóa số điện thoại của tôi"})
    assert made.status_code == 201, made.get_json()
    item = made.get_json()
    received = when(item["received_at"])
    assert when(item["answer_due_at"]) == add_working_days(received, 2)
    assert when(item["complete_due_at"]) == received + timedelta(days=15)  # calendar days: the stricter
    assert item["due_at"] == item["answer_due_at"] and item["status"] == "received"
    assert [step["kind"] for step in item["history"]] == ["received"] and not item["overdue"]

    assert [r["id"] for r in citizen.get(REQUESTS).get_json()["items"]] == [item["id"]]
    assert citizen.get(f"{REQUESTS}/{item['id']}").get_json()["details"] == "Xóa số điện thoại của tôi"
    stranger = Caller(app.test_client(), make_device().token)
    assert_problem(stranger.get(f"{REQUESTS}/{item['id']}"), 404)
    assert stranger.get(REQUESTS).get_json()["items"] == []
    # Staff without the officer's permission see no request; nobody but a device makes one.
    assert_problem(staff["officer_a"].get(REQUESTS), 403)
    assert_problem(staff["officer_a"].get(f"{REQUESTS}/{item['id']}"), 403)
    assert_problem(staff["admin"].post(REQUESTS, json={"type": "access"}), 403)
    assert_problem(citizen.post(REQUESTS, json={"type": "forget-me"}), 422)


def test_the_officer_answers_extends_acts_and_closes_each_step_recorded_and_pushed(citizen, dpo, db):
    item = citizen.post(REQUESTS, json={"type": "withdrawal", "details": "Rút lại đồng ý"}).get_json()
    steps = f"{REQUESTS}/{item['id']}"
    received = when(item["received_at"])

    # Not yet answered: it cannot be carried out, nor closed as fulfilled.
    assert_problem(dpo.post(f"{steps}/act", json={"note": "x"}), 409, "invalid_transition")
    answered = dpo.post(f"{steps}/answer", json={"answer": "Sẽ dừng xử lý.", "processor_involved": True})
    assert answered.status_code == 200, answered.get_json()
    answered = answered.get_json()
    assert when(answered["complete_due_at"]) == received + timedelta(days=20)  # a processor: 20 days
    assert answered["due_at"] == answered["complete_due_at"] and answered["status"] == "answered"

    extended = dpo.post(f"{steps}/extend", json={"reason": "Đối tác xử lý cần thêm thời gian", "days": 10})
    assert when(extended.get_json()["complete_due_at"]) == received + timedelta(days=30)
    again = dpo.post(f"{steps}/extend", json={"reason": "Lần nữa"})
    assert_problem(again, 409, "privacy_request_extended")  # once only
    assert_problem(dpo.post(f"{steps}/extend", json={"reason": "x", "days": 16}), 422)
    assert_problem(dpo.post(f"{steps}/close", json={"outcome": "fulfilled"}), 409, "invalid_transition")

    assert dpo.post(f"{steps}/act", json={"note": "Đã dừng gửi SMS"}).get_json()["status"] == "completed"
    closed = dpo.post(f"{steps}/close", json={"outcome": "fulfilled", "note": "Xong"}).get_json()
    assert (closed["status"], closed["outcome"]) == ("closed", "fulfilled")

    mine = citizen.get(steps).get_json()  # the citizen follows every step, without the officer's name
    assert [(s["kind"], s["by"]) for s in mine["history"]] == [
        ("received", "citizen"),
        ("answered", "officer"),
        ("extended", "officer"),
        ("completed", "officer"),
        ("closed", "officer"),
    ]
    assert mine["extension_reason"] == "Đối tác xử lý cần thêm thời gian"
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == item["id"]).order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "privacy_request.create",
        "privacy_request.answered",
        "privacy_request.extended",
        "privacy_request.completed",
        "privacy_request.closed",
    ]
    pushed = db.scalars(
        select(Notification).where(Notification.source_id == item["id"]).order_by(Notification.created_at)
    ).all()
    assert [n.content["vi"]["title"] for n in pushed] == [
        "Yêu cầu về dữ liệu cá nhân đã được trả lời",
        "Yêu cầu về dữ liệu cá nhân được gia hạn",
        "Yêu cầu về dữ liệu cá nhân đã được thực hiện",
        "Yêu cầu về dữ liệu cá nhân đã đóng",
    ]


def test_the_inbox_shows_overdue_requests_first(citizen, dpo, db):
    late = citizen.post(REQUESTS, json={"type": "access"}).get_json()
    fresh = citizen.post(REQUESTS, json={"type": "correction", "details": "Sai tên"}).get_json()
    row = db.get(PrivacyRequest, uuid.UUID(late["id"]))
    row.received_at -= timedelta(days=5)
    row.due_at = row.answer_due_at = add_working_days(row.received_at, 2)
    db.commit()

    inbox = dpo.get(REQUESTS).get_json()["items"]
    assert [(r["id"], r["overdue"]) for r in inbox] == [(late["id"], True), (fresh["id"], False)]
    assert [r["id"] for r in dpo.get(f"{REQUESTS}?overdue=true").get_json()["items"]] == [late["id"]]
    assert [r["id"] for r in dpo.get(f"{REQUESTS}?overdue=false").get_json()["items"]] == [fresh["id"]]
    dpo.post(f"{REQUESTS}/{late['id']}/close", json={"outcome": "refused", "note": "Không đủ căn cứ"})
    assert [r["id"] for r in dpo.get(REQUESTS).get_json()["items"]] == [fresh["id"]]
    assert [r["id"] for r in dpo.get(f"{REQUESTS}?status=closed").get_json()["items"]] == [late["id"]]


def test_requests_are_rate_limited_per_device(make_app, make_device):
    strict = make_app(RATE_LIMIT_PRIVACY_REQUESTS_PER_DEVICE="2 per day")
    phone = Caller(strict.test_client(), make_device().token)
    answers = [phone.post(REQUESTS, json={"type": "access"}).status_code for _ in range(3)]
    assert answers == [201, 201, 429]


# ---------------------------------------------------------------- breaches


def officer_mail(db, address):
    stmt = select(Delivery).where(Delivery.channel == "email", Delivery.address == address)
    return [d.payload["subject"] for d in db.scalars(stmt.order_by(Delivery.created_at))]


def test_a_breach_raises_the_72_hour_reminders_until_the_authority_is_notified(dpo, staff, db):
    detected = utcnow() - timedelta(hours=1)
    made = dpo.post(
        BREACHES,
        json={
            "what": "Lộ danh sách số điện thoại người phản ánh",
            "detected_at": detected.isoformat(),
            "data_affected": "Số điện thoại, họ tên",
            "people_affected": 120,
            "measures": "Đã thu hồi quyền truy cập",
        },
    )
    assert made.status_code == 201, made.get_json()
    breach = made.get_json()
    assert when(breach["notify_due_at"]) == detected + timedelta(hours=72)
    address = dpo.principal.email

    assert breaches.remind(db, now=detected + timedelta(hours=2)) == 0  # nothing due yet
    assert breaches.remind(db, now=detected + timedelta(hours=24, minutes=1)) == 1
    assert breaches.remind(db, now=detected + timedelta(hours=25)) == 0  # once per reminder
    assert officer_mail(db, address) == ["Sự cố dữ liệu cá nhân: còn 48 giờ để thông báo Bộ Công an"]
    # A worker that was down from hour 30 to hour 80 sends only the overdue one.
    assert breaches.remind(db, now=detected + timedelta(hours=80)) == 1
    assert officer_mail(db, address)[-1] == "Sự cố dữ liệu cá nhân: đã quá hạn thông báo Bộ Công an"
    assert breaches.remind(db, now=detected + timedelta(hours=200)) == 0
    # The admin, not the named officer, gets nothing; a plain officer may not see the register.
    assert officer_mail(db, staff["admin"].principal.email) == []
    assert_problem(staff["officer_b"].get(BREACHES), 403)

    notified = dpo.post(
        f"{BREACHES}/{breach['id']}/notified",
        json={"at": utcnow().isoformat(), "how": "Cổng A05, mẫu số 03", "reference": "A05-2026-17"},
    )
    assert notified.get_json()["notified_how"] == "Cổng A05, mẫu số 03"
    assert_problem(dpo.post(f"{BREACHES}/{breach['id']}/notified", json=notified.get_json() and {
        "at": utcnow().isoformat(), "how": "x"}), 409, "breach_notified")  # fmt: skip


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_the_worker_mails_the_reminder_to_the_officer(dpo, db, smtp):  # noqa: F811 (the fixture)
    """The chore as the worker runs it (api/worker.make with e-mail), through a real SMTP server."""
    detected = utcnow() - timedelta(hours=49)
    dpo.post(BREACHES, json={"what": "Lộ dữ liệu phản ánh", "detected_at": detected.isoformat()})
    drain(db, {"email": channel(smtp.url)})
    (received,) = smtp.inbox.to(dpo.principal.email)
    assert received.message["Subject"] == "Sự cố dữ liệu cá nhân: còn 23 giờ để thông báo Bộ Công an"
    assert "Lộ dữ liệu phản ánh" in received.part("plain")


def test_a_notified_breach_sends_no_reminder_and_a_corrected_detection_moves_the_clock(dpo, db):
    detected = utcnow() - timedelta(hours=3)
    breach = dpo.post(
        BREACHES, json={"what": "Email gửi nhầm", "detected_at": detected.isoformat()}
    ).get_json()
    earlier = detected - timedelta(hours=10)
    changed = dpo.patch(f"{BREACHES}/{breach['id']}", json={"detected_at": earlier.isoformat()}).get_json()
    assert when(changed["notify_due_at"]) == earlier + timedelta(hours=72)
    dpo.post(f"{BREACHES}/{breach['id']}/notified", json={"at": utcnow().isoformat(), "how": "Công văn"})
    assert breaches.remind(db, now=earlier + timedelta(hours=70)) == 0
    assert [b["id"] for b in dpo.get(BREACHES).get_json()["items"]] == [breach["id"]]


def test_without_a_named_officer_the_admins_are_reminded(staff, db):
    detected = utcnow() - timedelta(hours=30)
    staff["admin"].post(BREACHES, json={"what": "Mất máy tính xách tay", "detected_at": detected.isoformat()})
    assert breaches.remind(db) == 1
    assert officer_mail(db, staff["admin"].principal.email) == [
        "Sự cố dữ liệu cá nhân: còn 42 giờ để thông báo Bộ Công an"
    ]


def test_affected_citizens_are_told_on_their_devices(dpo, citizen, db):
    breach = dpo.post(BREACHES, json={"what": "Lộ dữ liệu", "detected_at": utcnow().isoformat()}).get_json()
    told = dpo.post(
        f"{BREACHES}/{breach['id']}/inform",
        json={"citizen_ids": [str(citizen.principal.citizen_id)], "message": "Hãy đổi mật khẩu Zalo."},
    )
    assert told.status_code == 200 and told.get_json()["citizens_informed"] == 1
    (inbox,) = citizen.get("/api/v1/devices/me/notifications").get_json()["items"]
    assert (inbox["title"], inbox["body"]) == ("Thông báo sự cố dữ liệu cá nhân", "Hãy đổi mật khẩu Zalo.")


# ---------------------------------------------------------------- access log


def test_staff_reads_of_contact_details_and_photos_are_in_the_access_log(citizen, staff, dpo, road_form):
    photo = upload(citizen)
    item = submit(citizen, answers={"where": "x", "kind": "pothole", "photos": [photo["id"]]})
    other = submit(citizen)
    reader = staff["editor_a"]
    assert reader.get(f"/api/v1/feedback/{item['id']}").get_json()["contact"]["phone"] == "+84912345678"
    assert reader.get(photo["url"]).status_code == 200
    assert citizen.get(photo["url"]).status_code == 200  # the citizen's own look is no staff read

    by_feedback = dpo.get(f"{ACCESS_LOG}?subject={item['id']}").get_json()["items"]
    assert [(e["action"], e["actor_label"]) for e in by_feedback] == [
        ("feedback.photo_view", reader.principal.email),
        ("feedback.contact_view", reader.principal.email),
    ]
    assert "before" not in by_feedback[0] and "after" not in by_feedback[0]
    by_citizen = dpo.get(f"{ACCESS_LOG}?subject={citizen.principal.citizen_id}").get_json()["items"]
    assert len(by_citizen) == 2
    assert dpo.get(f"{ACCESS_LOG}?subject={other['id']}").get_json()["items"] == []
    assert dpo.get(f"{ACCESS_LOG}?subject={uuid.uuid4()}").get_json()["items"] == []
    later = (utcnow() + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert dpo.get(ACCESS_LOG, query_string={"since": later}).get_json()["items"] == []
    assert_problem(reader.get(ACCESS_LOG), 403)


# ---------------------------------------------------------------- retention

DAY = timedelta(days=1)


def closed(db, item: dict, ago: timedelta, **columns) -> Feedback:
    """The feedback, closed `ago` (and with `columns` set: what Open311 clients send)."""
    feedback = db.get(Feedback, uuid.UUID(item["id"]))
    feedback.status, feedback.resolution, feedback.closed_at = "closed", "resolved", utcnow() - ago
    for name, value in columns.items():
        setattr(feedback, name, value)
    db.commit()
    return feedback


def scam_report(db, device, ago: timedelta) -> ScamReport:
    report = ScamReport(
        reporter_device_id=device.id,
        province_code=48,
        type="phone",
        value="0900000000",
        normalized="+84900000000",
        description="Kẻ gian gọi tôi, xưng là công an, tôi là Nguyễn Văn A ở số 12 Bạch Đằng",
        created_at=utcnow() - ago,
    )
    db.add(report)
    db.commit()
    return report


def test_the_retention_job_removes_what_the_schedule_says_and_nothing_else(
    app, db, citizen, make_device, make_form, road_form, attachments_dir
):
    """Each rule with one item just past its limit and one just within it (defaults: devices 24 months,
    contact 2 years, location 90 days, photos 5 years after closure; scam reports 3 years)."""
    silent = make_device(
        last_seen_at=utcnow() - 731 * DAY, push_token="silent-token", subscribed_topics=["p-48"]
    )
    quiet = make_device(last_seen_at=utcnow() - 729 * DAY)
    here = {"lat": 16.0678, "lon": 108.2208}
    old_contact = closed(db, submit(citizen), 731 * DAY)
    kept_contact = closed(db, submit(citizen), 729 * DAY)
    never_closed = submit(citizen, location=here)
    old_place = closed(db, submit(citizen, location=here), 91 * DAY, address="12 Bạch Đằng")
    kept_place = closed(db, submit(citizen, location=here), 89 * DAY)
    photos = [upload(citizen), upload(citizen)]
    old_photo = closed(
        db,
        submit(citizen, answers={"where": "x", "kind": "pothole", "photos": [photos[0]["id"]]}),
        1827 * DAY,
    )
    kept_photo = closed(
        db,
        submit(citizen, answers={"where": "x", "kind": "pothole", "photos": [photos[1]["id"]]}),
        1825 * DAY,
    )
    old_report, kept_report = scam_report(db, quiet, 1097 * DAY), scam_report(db, quiet, 1095 * DAY)
    # A form asking for a phone and a place in its answers; an Open311 client's link to its photo.
    make_form(
        slug="call-back",
        fields=[
            {"name": "phone", "label": {"vi": "Số gọi lại"}, "type": "phone"},
            {"name": "spot", "label": {"vi": "Vị trí"}, "type": "location"},
            {"name": "what", "label": {"vi": "Nội dung"}, "type": "text", "required": True},
        ],
    )
    asked = {"phone": "0912345678", "spot": here, "what": "Đèn đường hỏng"}
    old_answers = closed(db, submit(citizen, form="call-back", answers=asked, contact=None), 731 * DAY)
    linked = closed(db, submit(citizen), 1827 * DAY, media_url="https://open311.example/photo.jpg")
    files = {a.id: attachments_dir / a.storage_key for a in db.scalars(select(Attachment))}
    assert all(path.exists() for path in files.values())

    result = app.test_cli_runner().invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "devices_silent: 1 removed",
        # the one closed just over 2 years ago, the phone answer, and the three closed 5 years ago
        "contact: 5 removed",
        "location: 2 removed",  # coordinates and an address; a location answer
        "photos: 2 removed",  # a stored photo; an Open311 link
        "scam_reports: 1 removed",
        "deliveries: 0 removed",
    ]
    db.expire_all()
    assert db.get(Device, silent.id) is None and db.get(Device, quiet.id) is not None
    (retired,) = db.scalars(select(TokenRetirement)).all()  # its token leaves its topics
    assert (retired.push_token, retired.topics) == ("silent-token", ["p-48"])
    assert (old_contact.contact, kept_contact.contact["phone"]) == (None, "+84912345678")
    assert db.get(Feedback, uuid.UUID(never_closed["id"])).lat == here["lat"]
    assert (old_place.lat, old_place.lon, old_place.address) == (None, None, None)
    assert (
        old_place.ward_code == HAI_CHAU and old_place.answers["where"] == "Đường Bạch Đằng"
    )  # the commune stays
    assert kept_place.lat == here["lat"]
    left = {a.id for a in db.scalars(select(Attachment))}
    assert left == {uuid.UUID(photos[1]["id"])} and "photos" not in old_photo.answers
    assert not files[uuid.UUID(photos[0]["id"])].exists() and files[uuid.UUID(photos[1]["id"])].exists()
    assert kept_photo.answers["photos"] == [photos[1]["id"]]
    assert (old_report.description, kept_report.description != "") == ("", True)
    assert old_answers.answers == {"what": "Đèn đường hỏng"} and linked.media_url is None
    runs = db.scalars(select(AuditEvent.after).where(AuditEvent.action == "retention.photos")).all()
    assert [run["removed"] for run in runs] == [2]

    again = app.test_cli_runner().invoke(args=["retention"])  # nothing left to remove
    assert all(line.endswith(": 0 removed") for line in again.output.splitlines())


# ---------------------------------------------------------------- naming the officer in the console


def test_an_admin_names_the_officer_in_the_console_and_can_take_it_back(app, staff, db):
    browser = app.test_client()
    sign_in_client(browser, staff["admin"].principal.email)
    officer = staff["officer_b"]
    page = f"/console/admin/users/{officer.principal.id}"

    def save(**ticked):
        form = {
            "once": str(uuid.uuid4()),
            "full_name": "Cán bộ B",
            "role": "officer",
            "department_id": str(officer.principal.department_id),
            **ticked,
            "csrf_token": csrf_token(browser, page),
        }
        return browser.post(page, data=form, headers={"Referer": f"http://localhost{page}"})

    assert "Người phụ trách bảo vệ dữ liệu cá nhân" in browser.get(page).get_data(as_text=True)
    assert save(privacy_officer="yes").status_code == 302
    assert officer.get(BREACHES).status_code == 200
    assert 'name="privacy_officer" value="yes" checked' in browser.get(page).get_data(as_text=True)
    assert save().status_code == 302  # an unticked box
    assert_problem(officer.get(BREACHES), 403)
