"""Staff e-mail end to end: events become e-mails that the outbox worker sends through smtplib to a
real SMTP server on 127.0.0.1 (tests/smtp_server.py: STARTTLS with a self-signed certificate, AUTH)."""

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from api import worker as outbox_worker
from services.core.db import utcnow
from services.core.deadlines import LOCAL, is_working_day
from services.models import Delivery, EventRecord, Feedback, MailDigest
from services.outbox.channels.email import EmailChannel
from services.outbox.channels.fcm import FcmChannel, LogBackend
from services.staff_mail import digest
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import FEEDBACK, submit
from tests.push_fixtures import SETTINGS
from tests.smtp_server import SmtpServer, certificate

# The smtps server takes AUTH without STARTTLS (TLS from the start), which aiosmtpd warns of.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

FOCAL_A = "daumoi.a@danang.example"
FOCAL_B = "daumoi.b@danang.example"
SENDER = "Phản ánh Đà Nẵng <phananh@danang.example>"
ME = "/api/v1/users/me"
# A Monday in Việt Nam, 08:00; the Saturday before it.
MONDAY_8 = datetime(2026, 12, 7, 8, 0, tzinfo=LOCAL)
SATURDAY_8 = datetime(2026, 12, 5, 8, 0, tzinfo=LOCAL)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    return certificate(tmp_path_factory.mktemp("smtp"))


@pytest.fixture
def trusted(tls_files, monkeypatch):
    """The client trusts the test server's self-signed certificate (and only it)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files[0]))
    return tls_files


@pytest.fixture
def smtp(trusted):
    with SmtpServer(*trusted) as server:
        yield server


@pytest.fixture
def focal_points(db, department_a, department_b):
    department_a.focal_email, department_b.focal_email = FOCAL_A, FOCAL_B
    db.commit()


def channel(url: str) -> EmailChannel:
    return EmailChannel(url, SENDER, timeout=5)


def drain(db, channels: dict, **options) -> None:
    """Run the outbox worker until nothing is left to send, bringing retries forward."""
    worker = outbox_worker.make(lambda: db, channels, SETTINGS, **options)
    for _ in range(20):
        db.execute(update(Delivery).where(Delivery.status == "retrying").values(next_attempt_at=utcnow()))
        db.commit()
        if not worker.run_once():
            return
    raise AssertionError("the outbox did not drain")


def mail(db, address: str) -> list[Delivery]:
    query = select(Delivery).where(Delivery.channel == "email", Delivery.address == address)
    return list(db.scalars(query.order_by(Delivery.created_at)))


def test_the_focal_point_receives_the_new_feedback_email_through_the_worker(
    smtp, focal_points, citizen, road_form, db
):
    feedback = submit(citizen)
    drain(db, {"email": channel(smtp.url)})

    (received,) = smtp.inbox.to(FOCAL_A)
    message, code = received.message, feedback["tracking_code"]
    assert received.tls and received.login == "citizen-api"
    assert message["Subject"] == f"[{code}] Phản ánh mới: Danh mục roads"
    assert message["From"] == SENDER
    (delivery,) = mail(db, FOCAL_A)
    assert message["Message-ID"] == f"<{delivery.id}@danang.example>"
    text = received.part("plain")
    due = datetime.fromisoformat(feedback["due_at"]).astimezone(LOCAL)
    assert "Phòng DEPT-A vừa nhận một phản ánh mới" in text
    assert f"Mã phản ánh: {code}" in text
    assert "Lĩnh vực: Danh mục roads" in text
    assert "Địa điểm: Phường Hải Châu, Thành phố Đà Nẵng" in text
    assert f"Hạn xử lý: 17:30 ngày {due:%d/%m/%Y} (5 ngày làm việc)" in text
    link = f"https://citizen.danang.example/console/feedback/{feedback['id']}"
    assert f"Xem và xử lý: {link}" in text
    assert f'href="{link}"' in received.part("html")
    assert delivery.status == "sent" and delivery.status_code == 250


def test_a_transfer_tells_the_receiving_focal_point_and_assigning_tells_the_officer(
    smtp, focal_points, staff, department_b, make_user, citizen, road_form, db
):
    feedback = submit(citizen)
    moved = staff["officer_a"].post(
        f"{FEEDBACK}/{feedback['id']}/transfer",
        json={"department_id": str(department_b.id), "reason": "Thuộc thẩm quyền Phòng B"},
    )
    assert moved.status_code == 200, moved.get_json()
    officer = staff["officer_b"]
    given = staff["admin"].post(
        f"{FEEDBACK}/{feedback['id']}/assign", json={"user_id": str(officer.principal.id)}
    )
    assert given.status_code == 200, given.get_json()
    drain(db, {"email": channel(smtp.url)})

    (transferred,) = smtp.inbox.to(FOCAL_B)
    assert transferred.message["Subject"].startswith(
        f"[{feedback['tracking_code']}] Phản ánh được chuyển đến"
    )
    assert "Phòng DEPT-A đã chuyển phản ánh này đến Phòng DEPT-B." in transferred.part("plain")
    (assigned,) = smtp.inbox.to(officer.principal.email)
    assert "Phản ánh được giao cho bạn" in assigned.message["Subject"]
    assert len(smtp.inbox.to(FOCAL_A)) == 1  # only the first receipt


def test_overdue_is_announced_once_per_deadline_and_mailed_as_a_reminder(
    app, smtp, focal_points, staff, department_b, citizen, road_form, db
):
    feedback = submit(citizen)
    row = db.get(Feedback, uuid.UUID(feedback["id"]))

    def sweep() -> str:
        row.due_at = utcnow() - timedelta(minutes=1)
        db.commit()
        result = app.test_cli_runner().invoke(args=["sweep-overdue"])
        assert result.exit_code == 0, result.output
        return result.output

    assert sweep() == "1 feedback newly overdue.\n"
    assert sweep() == "0 feedback newly overdue.\n"  # once per deadline
    moved = staff["officer_a"].post(
        f"{FEEDBACK}/{feedback['id']}/transfer",
        json={"department_id": str(department_b.id), "reason": "Thuộc thẩm quyền Phòng B"},
    )
    assert moved.status_code == 200
    db.refresh(row)
    assert row.overdue_at is None  # a new deadline, announced again once it passes
    assert sweep() == "1 feedback newly overdue.\n"
    drain(db, {"email": channel(smtp.url)})

    events = db.scalars(select(EventRecord).where(EventRecord.name == "feedback.overdue")).all()
    assert len(events) == 2
    (reminder_a,) = [r for r in smtp.inbox.to(FOCAL_A) if "quá hạn" in r.message["Subject"]]
    (reminder_b,) = [r for r in smtp.inbox.to(FOCAL_B) if "quá hạn" in r.message["Subject"]]
    assert "Phản ánh này của Phòng DEPT-B đã quá hạn" in reminder_b.part("plain")


def test_the_daily_digest_is_sent_once_on_working_days_from_the_hour(
    smtp, focal_points, citizen, road_form, db
):
    new, due_today, late = (submit(citizen) for _ in range(3))
    now = MONDAY_8.astimezone(UTC)
    rows = {
        key: db.get(Feedback, uuid.UUID(item["id"]))
        for key, item in (("new", new), ("due", due_today), ("late", late))
    }
    rows["new"].received_at, rows["new"].due_at = now - timedelta(hours=2), now + timedelta(days=5)
    rows["due"].received_at, rows["due"].due_at = (
        now - timedelta(days=5),
        MONDAY_8.replace(hour=17, minute=30),
    )
    rows["late"].received_at, rows["late"].due_at = now - timedelta(days=9), now - timedelta(days=2)
    # The digest runs on this test's clock, the worker's overdue chore on the real one: once the real day
    # passed these deadlines, the chore mailed its own "overdue" e-mails. Announced already, they send none.
    for row in rows.values():
        row.overdue_at = now
    db.commit()
    # The receipts are not what this test reads.
    db.execute(update(Delivery).values(status="sent", completed_at=utcnow()))

    assert digest.send(db, 7, now=SATURDAY_8.astimezone(UTC)) == 0  # not a working day
    assert digest.send(db, 9, now=now) == 0  # before the hour
    assert digest.send(db, 7, now=now) == 1
    assert digest.send(db, 7, now=now + timedelta(hours=3)) == 0  # another worker, later that day
    drain(db, {"email": channel(smtp.url)})

    (received,) = smtp.inbox.to(FOCAL_A)
    assert received.message["Subject"] == "Tổng hợp phản ánh ngày 07/12/2026: Phòng DEPT-A"
    text = received.part("plain")
    assert "Mới nhận (1)" in text and "Đến hạn hôm nay (1)" in text and "Quá hạn (1)" in text
    sections = text.split("Đến hạn hôm nay")
    assert new["tracking_code"] in sections[0]
    assert due_today["tracking_code"] in sections[1].split("Quá hạn")[0]
    assert late["tracking_code"] in sections[1].split("Quá hạn")[1]
    assert f"/console/feedback/{late['id']}" in text


def test_two_workers_racing_for_the_day_s_digest_send_it_once(database):
    """Outside the test's transaction: two workers' sessions, the first holding the day's row
    uncommitted while the second tries (it waits for the first, then finds the row)."""
    now = MONDAY_8.astimezone(UTC)
    first, second = Session(database.engine), Session(database.engine)
    try:
        assert digest.claim(first, MONDAY_8.date(), now)
        with ThreadPoolExecutor(1) as pool:
            racing = pool.submit(digest.send, second, 7, now)
            first.commit()
            assert racing.result(timeout=30) == 0
    finally:
        second.rollback()
        first.execute(delete(MailDigest).where(MailDigest.day == MONDAY_8.date()))
        first.commit()
        first.close()
        second.close()


def test_the_worker_sends_the_digest_as_one_of_its_chores(smtp, focal_points, citizen, road_form, db):
    submit(citizen)  # new today: a working day's digest lists it
    drain(db, {"email": channel(smtp.url)}, digest_hour=0)
    digests = [r for r in smtp.inbox.to(FOCAL_A) if r.message["Subject"].startswith("Tổng hợp phản ánh")]
    assert len(digests) == (1 if is_working_day(utcnow().astimezone(LOCAL).date()) else 0)


def test_a_user_who_turned_email_off_gets_none(
    smtp, focal_points, staff, department_a, citizen, road_form, db
):
    officer = staff["officer_a"]
    department_a.focal_email = officer.principal.email.upper()  # the focal point is the officer
    db.commit()
    assert officer.get(ME).get_json()["email_notifications"] is True
    answer = officer.patch(ME, json={"email_notifications": False, "language": "en"})
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["email_notifications"], answer.get_json()["language"]) == (False, "en")

    feedback = submit(citizen)
    staff["editor_a"].post(f"{FEEDBACK}/{feedback['id']}/assign", json={"user_id": str(officer.principal.id)})
    drain(db, {"email": channel(smtp.url)})
    assert mail(db, officer.principal.email) == [] and smtp.inbox.received == []

    officer.patch(ME, json={"email_notifications": True})
    submit(citizen)
    drain(db, {"email": channel(smtp.url)})
    (received,) = smtp.inbox.to(officer.principal.email)
    assert received.message["Subject"].endswith("New feedback: roads")  # in the language they chose


def test_an_officer_taking_a_feedback_themselves_gets_no_email_about_it(smtp, staff, citizen, road_form, db):
    officer = staff["officer_a"]
    feedback = submit(citizen)
    took = officer.post(f"{FEEDBACK}/{feedback['id']}/assign", json={"user_id": str(officer.principal.id)})
    assert took.status_code == 200
    assert mail(db, officer.principal.email) == []  # given by the editor, it is mailed (the tests above)


def test_email_preferences_are_the_callers_own(client, citizen, staff):
    assert client.patch(ME, json={"email_notifications": False}).status_code == 401
    assert citizen.patch(ME, json={"email_notifications": False}).status_code == 403
    refused = staff["viewer_a"].patch(ME, json={"language": "fr"})
    assert refused.status_code == 422 and "language" in refused.get_json()["errors"]
    assert staff["viewer_a"].patch(ME, json={"email_notifications": False}).status_code == 200
    assert staff["officer_a"].get(ME).get_json()["email_notifications"] is True


def test_smtp_down_keeps_the_email_for_later_and_blocks_nothing_else(
    trusted, focal_points, citizen, road_form, db
):
    citizen.principal.push_token = "fcm-token-of-the-citizen"
    db.commit()
    server = SmtpServer(*trusted)  # not listening yet
    channels = {"email": channel(server.url), "fcm": FcmChannel(LogBackend())}
    feedback = submit(citizen)  # the submission does not wait for the mail server

    outbox_worker.make(lambda: db, channels, SETTINGS).run_once()
    (waiting,) = mail(db, FOCAL_A)
    assert waiting.status == "retrying" and "Connection refused" in waiting.last_error
    (push,) = db.scalars(select(Delivery).where(Delivery.channel == "fcm"))
    assert push.status == "sent"

    with server:
        drain(db, channels)
    db.refresh(waiting)
    assert waiting.status == "sent" and waiting.attempts == 2
    (received,) = server.inbox.to(FOCAL_A)
    assert feedback["tracking_code"] in received.message["Subject"]


def test_a_5xx_for_the_recipient_fails_the_email_and_a_4xx_retries_it(
    smtp, focal_points, staff, citizen, road_form, db
):
    smtp.inbox.refuse[FOCAL_A] = "550 5.1.1 Mailbox does not exist"
    officer = staff["officer_a"]
    smtp.inbox.refuse[officer.principal.email] = "451 4.3.0 Mailbox busy, try later"
    feedback = submit(citizen)
    staff["editor_a"].post(f"{FEEDBACK}/{feedback['id']}/assign", json={"user_id": str(officer.principal.id)})
    outbox_worker.make(lambda: db, {"email": channel(smtp.url)}, SETTINGS).run_once()

    (refused,) = mail(db, FOCAL_A)
    assert (refused.status, refused.status_code) == ("failed", 550)
    assert "Mailbox does not exist" in refused.last_error
    (busy,) = mail(db, officer.principal.email)
    assert (busy.status, busy.status_code) == ("retrying", 451)
    del smtp.inbox.refuse[officer.principal.email]
    drain(db, {"email": channel(smtp.url)})
    db.refresh(busy)
    assert busy.status == "sent" and len(smtp.inbox.to(officer.principal.email)) == 1


def test_a_server_refusing_our_sender_is_a_settings_problem_retried_not_a_lost_email(
    smtp, focal_points, citizen, road_form, db
):
    submit(citizen)
    no_credentials = channel(f"smtp://127.0.0.1:{smtp.port}")  # the server wants AUTH before MAIL FROM
    outbox_worker.make(lambda: db, {"email": no_credentials}, SETTINGS).run_once()
    (waiting,) = mail(db, FOCAL_A)
    assert (waiting.status, waiting.status_code) == ("retrying", 530)
    drain(db, {"email": channel(smtp.url)})  # the settings fixed
    assert len(smtp.inbox.to(FOCAL_A)) == 1


def test_without_smtp_url_each_email_is_logged(focal_points, citizen, road_form, db, caplog):
    feedback = submit(citizen)
    with caplog.at_level(logging.INFO, logger="citizen.mail"):
        drain(db, {"email": channel("")})
    assert f"mail (log backend) to {FOCAL_A}: [{feedback['tracking_code']}] Phản ánh mới" in caplog.text
    assert [d.status for d in mail(db, FOCAL_A)] == ["sent"]


@pytest.mark.parametrize(("mode", "tls", "login"), [("smtps", True, "citizen-api"), ("relay", False, None)])
def test_implicit_tls_and_a_plain_local_relay_work_too(
    trusted, mode, tls, login, focal_points, citizen, road_form, db
):
    with SmtpServer(*trusted, mode=mode) as server:
        submit(citizen)
        drain(db, {"email": channel(server.url)})
    (received,) = server.inbox.to(FOCAL_A)
    assert (received.tls, received.login) == (tls, login)


@pytest.mark.parametrize(
    "url", ["http://mail.example", "smtp://", "smtp://host:port", "smtp://user:mật-khẩu@host:587"]
)
def test_an_smtp_url_that_cannot_work_stops_the_worker_at_start(url):
    with pytest.raises(ValueError, match="SMTP_URL"):
        channel(url)
