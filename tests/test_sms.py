"""SMS for feature phones, on the outbox (the SMPP channel itself: tests/test_sms_channel.py): texting
DK, Y and HUY to the short code, subscriptions recorded at the commune office, what goes to subscribers,
the day's budget, and a text as the last channel of a citizen's personal messages."""

import logging
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from api import worker as outbox_worker
from services.core.db import utcnow
from services.core.sms_text import segments
from services.models import Citizen, Delivery, EventRecord, NotificationRecipient, SmsOptOut, SmsSubscription
from services.reports import deliveries
from services.sms import keywords, resolve_many
from tests.conftest import Caller, assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import submit
from tests.push_fixtures import SETTINGS
from tests.test_console import sign_in as sign_in_console

PHONE, E164 = "84912345678", "+84912345678"
HAI_CHAU = 20242
SUBSCRIPTIONS = "/api/v1/sms-subscriptions"


def texts_to(db, phone=E164) -> list[str]:
    stmt = select(Delivery).where(Delivery.channel == "sms", Delivery.address == phone)
    return [d.payload["text"] for d in db.scalars(stmt.order_by(Delivery.created_at))]


def publish(editor, severity="severe", ward=HAI_CHAU) -> dict:
    body = {
        "category": "scam",
        "headline": "Giả danh công an gọi điện đòi chuyển tiền",
        "description": "Đối tượng gọi từ số lạ, tự xưng công an, đòi chuyển tiền để xác minh.",
        "instruction": "Không chuyển tiền, không đọc mã OTP. Báo ngay công an phường.",
        "severity": severity,
        "urgency": "immediate",
        "certainty": "observed",
        "targets": {"ward_codes": [ward]},
        "source_url": "https://congan.danang.gov.vn/canh-bao",
        "expires_at": (utcnow() + timedelta(days=2)).isoformat(),
    }
    alert = editor.post("/api/v1/alerts", json=body).get_json()
    response = editor.post(f"/api/v1/alerts/{alert['id']}/publish")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_phone_subscribes_by_text_with_double_opt_in_and_gets_severe_alerts_unaccented(db, staff):
    assert keywords.received(db, PHONE, "dk hai chau") == "unknown_commune"  # a xã in Hà Tĩnh too
    assert "DK 20242" in texts_to(db)[-1]
    assert keywords.received(db, PHONE, "DK 20242") == "asked"
    assert texts_to(db)[-1].startswith("Tra loi Y de nhan canh bao cua Phuong Hai Chau, Thanh pho Da Nang")
    publish(staff["editor_a"])
    assert len(texts_to(db)) == 2  # not before the phone confirmed
    assert keywords.received(db, PHONE, "y") == "confirmed"
    assert db.scalar(select(SmsSubscription.status)) == "active"

    alert = publish(staff["editor_a"])
    alert_text = texts_to(db)[-1]
    assert alert_text.startswith("Gia danh cong an goi dien doi chuyen tien")
    queued = db.scalar(select(Delivery).where(Delivery.channel == "sms").order_by(Delivery.created_at.desc()))
    expires_at = datetime.fromisoformat(queued.payload["expires_at"])
    assert expires_at == datetime.fromisoformat(alert["expires_at"])  # after it, the text is not sent
    assert "congan.danang.gov.vn" in alert_text and segments(alert_text) <= 2
    assert alert_text.isascii()
    publish(staff["editor_a"], severity="moderate")  # not a severity that goes by SMS
    assert texts_to(db)[-1] == alert_text


def test_huy_stops_everything_at_once_even_what_was_queued(db, staff):
    keywords.received(db, PHONE, "DK 20242")
    keywords.received(db, PHONE, "Y")
    publish(staff["editor_a"])
    sent_before = len(texts_to(db))
    assert keywords.received(db, PHONE, "Huy") == "stop"
    assert len(texts_to(db)) == sent_before  # no answer to HUY either
    assert resolve_many(db, [E164]) == {E164: None}  # the queued alert goes nowhere
    publish(staff["editor_a"])
    keywords.received(db, PHONE, "xin chao")  # not even the help text
    assert len(texts_to(db)) == sent_before
    assert db.scalar(select(SmsSubscription.status)) == "stopped"
    assert db.get(SmsOptOut, E164) is not None


def test_anything_else_gets_how_to_write_it(db):
    assert keywords.received(db, PHONE, "xin chao") == "help"
    assert keywords.received(db, PHONE, "DK Atlantis") == "unknown_commune"
    assert keywords.received(db, PHONE, "Y") == "help"  # nothing to confirm
    first, second, third = texts_to(db)
    assert first.startswith("Soan DK") and "Khong tim thay" in second and third.startswith("Soan DK")


def test_the_commune_office_records_a_number_with_consent_and_every_change_is_audited(staff, db):
    officer = staff["officer_a"]
    refused = officer.post(
        SUBSCRIPTIONS, json={"phone": "0912 345 678", "ward_code": HAI_CHAU, "consent": False}
    )
    assert "consent" in assert_problem(refused, 422)["errors"]
    created = officer.post(
        SUBSCRIPTIONS, json={"phone": "0912 345 678", "ward_code": HAI_CHAU, "consent": True}
    )
    assert created.status_code == 201
    body = created.get_json()
    assert (body["phone"], body["status"], body["source"]) == (E164, "active", "office")
    listed = officer.get(f"{SUBSCRIPTIONS}?ward_code={HAI_CHAU}").get_json()["items"]
    assert [s["id"] for s in listed] == [body["id"]]
    assert officer.delete(f"{SUBSCRIPTIONS}/{body['id']}").status_code == 204
    assert db.get(SmsSubscription, uuid.UUID(body["id"])).status == "stopped"
    assert_problem(staff["viewer_a"].get(SUBSCRIPTIONS), 403)
    actions = staff["admin"].get(f"/api/v1/audit?entity_id={body['id']}").get_json()["items"]
    assert sorted(a["action"] for a in actions) == ["sms_subscription.create", "sms_subscription.stop"]


def test_the_days_budget_holds_back_what_is_not_severe_and_says_so(make_app, staff, db):
    app = make_app(SMS_DAILY_BUDGET=1, SMS_ALERT_SEVERITIES=["moderate", "severe", "extreme"])
    editor = Caller(app.test_client(), staff["editor_a"].token)
    for phone in ("84912345678", "84987654321"):
        db.add(
            SmsSubscription(
                phone=f"+{phone}", province_code=48, ward_code=HAI_CHAU, status="active", source="office"
            )
        )
    db.commit()
    moderate = publish(editor, severity="moderate")
    severe = publish(editor, severity="severe")
    summary = deliveries.by_subject(db, "alert", [uuid.UUID(moderate["id"]), uuid.UUID(severe["id"])])
    assert summary[uuid.UUID(moderate["id"])]["sms"] == {"held": 2}
    assert summary[uuid.UUID(severe["id"])]["sms"] == {"pending": 2}  # never held by the budget


def test_a_citizen_with_only_a_shared_phone_gets_personal_updates_by_sms(
    citizen, road_form, department_a, db
):
    db.add(Citizen(id=citizen.principal.citizen_id, zalo_user_id="zalo-9", phone=E164))
    db.commit()
    created = submit(citizen)
    assert texts_to(db)[-1].startswith(f"Da nhan phan anh {created['tracking_code']}")
    channel = db.scalar(select(NotificationRecipient.channel))
    assert channel == "sms"


@pytest.mark.parametrize("word", ["HUY", "huy", "Hủy", "STOP"])
def test_every_way_of_writing_stop_is_honoured(db, word):
    keywords.received(db, PHONE, "DK 20242")
    assert keywords.received(db, PHONE, word) == "stop"


def subscribe(db, *phones: str) -> None:
    """Numbers the commune office recorded for Hải Châu's alerts."""
    for phone in phones:
        db.add(
            SmsSubscription(
                phone=phone, province_code=48, ward_code=HAI_CHAU, status="active", source="office"
            )
        )
    db.commit()


def app_worker(app, database):
    """The outbox worker with the app's channels (SMS through the log backend)."""
    return outbox_worker.make(
        database.session, outbox_worker.channels(app.config, database.sessions), SETTINGS
    )


def test_a_cancelled_alerts_texts_not_yet_sent_are_withdrawn_and_the_console_says_so(
    app, database, db, staff, caplog
):
    """A false alarm cancelled while its texts still stream to a commune's subscribers: the rest never
    go out (feature phones would get the alarm and no cancellation), and the console counts them."""
    subscribe(db, *(f"+8491234560{n}" for n in range(3)))
    editor = staff["editor_a"]
    alert = publish(editor)
    cancelled = editor.post(f"/api/v1/alerts/{alert['id']}/cancel", json={"reason": "Báo nhầm, xin bỏ qua."})
    assert cancelled.status_code == 200

    worker = app_worker(app, database)
    with caplog.at_level(logging.INFO, logger="citizen.sms"):
        worker.run_once()

    def outcomes(event_name: str) -> set[tuple[str, str]]:
        event = select(EventRecord.id).where(
            EventRecord.subject_id == alert["id"], EventRecord.name == event_name
        )
        found = db.execute(
            select(Delivery.channel, Delivery.status).where(Delivery.event_id == event.scalar_subquery())
        )
        return set(found.all())

    assert outcomes("alert.published") == {("sms", "withdrawn"), ("fcm", "withdrawn")}
    assert outcomes("alert.cancelled") == {("fcm", "sent")}  # the cancellation goes to the ward's phones
    assert not [r for r in caplog.records if "sms (log backend) to" in r.getMessage()]  # no text went out
    summary = deliveries.by_subject(db, "alert", [uuid.UUID(alert["id"])])[uuid.UUID(alert["id"])]
    assert summary["sms"] == {"withdrawn": 3}
    console = app.test_client()
    sign_in_console(console, staff["admin"].principal.email)
    page = console.get("/console/alerts").get_data(as_text=True)
    assert "Tin nhắn SMS: đã gửi 0, đã thu hồi 3 (hủy trước khi gửi đi)" in " ".join(page.split())


def test_the_numbers_an_alert_reached_are_told_by_sms_when_it_is_cancelled(app, database, db, staff):
    """A false alarm a feature phone got ("flee") is corrected on the same phone; numbers it never
    reached (subscribed since, or the alert's text withdrawn before it went) get nothing."""
    reached = [f"+8491234561{n}" for n in range(2)]
    subscribe(db, *reached)
    editor = staff["editor_a"]
    alert = publish(editor)
    app_worker(app, database).run_once()  # the alert's texts go out
    later = "+84912345619"
    subscribe(db, later)

    cancelled = editor.post(
        f"/api/v1/alerts/{alert['id']}/cancel", json={"reason": "Thông tin sai, xin bỏ qua."}
    )
    assert cancelled.status_code == 200

    for phone in reached:
        assert (
            texts_to(db, phone)[-1]
            == "Da huy: Gia danh cong an goi dien doi chuyen tien Thong tin sai, xin bo qua."
        )
    assert texts_to(db, later) == []
