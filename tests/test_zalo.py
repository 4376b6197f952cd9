"""Zalo end to end, against the fake Zalo (tests/fake_zalo.py): a Mini App user signs in, shares their
phone with consent, submits feedback and hears back in the Mini App; a citizen without the Mini App opt-in
hears back by ZNS, which the signed OA webhook marks delivered; and what Zalo or a caller gets wrong."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, update

from api import worker as outbox_worker
from services import push, zalo
from services.core.db import utcnow
from services.identity import consents
from services.models import (
    Citizen,
    ConsentRecord,
    Delivery,
    Device,
    Notification,
    NotificationRecipient,
    ZaloMiniappSlot,
)
from services.outbox.channels.zalo import LOCAL, opening
from services.outbox.channels.zalo_api import appsecret_proof
from services.reports import deliveries
from services.zalo.allowance import Allowance
from tests.conftest import Caller, assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import FEEDBACK, submit
from tests.push_fixtures import SETTINGS
from tests.sql_plans import sent_statements

TOKEN = "mini-app-access-token"
USER = "zalo-user-1"
PHONE = "84912345678"
SIGN_IN = {
    "access_token": TOKEN,
    "province_code": 48,
    "ward_code": 20242,
    "notice_version": consents.NOTICES["zalo_sign_in"].version,
}


@pytest.fixture
def fake(fake_zalo):
    fake_zalo.reset()
    fake_zalo.user(TOKEN, USER, name="Nguyễn Thị Bình")
    fake_zalo.phone_code(TOKEN, "phone-code-1", PHONE)
    yield fake_zalo
    fake_zalo.reset()  # the session's fake: no scripted failure outlives its test


@pytest.fixture
def zalo_app(app, fake):
    return app


@pytest.fixture
def anonymous(client, fake):
    return client


@pytest.fixture
def send(zalo_app):
    """send(): one pass of the outbox worker with this app's channels (Zalo's included)."""
    database = zalo_app.extensions["database"]
    worker = outbox_worker.make(
        database.session, outbox_worker.channels(zalo_app.config, database.sessions), SETTINGS
    )
    return worker.run_once


@pytest.fixture
def templates(zalo_app, admin):
    """The templates Zalo approved, as an admin records them."""
    admin = Caller(zalo_app.test_client(), admin.token)
    params = [
        {"name": "ma_phan_anh", "field": "code", "max_length": 30},
        {"name": "noi_dung", "field": "answer", "max_length": 60},
    ]
    for channel, message, params_ in (
        ("zalo_miniapp", "feedback.created", params[:1]),
        ("zalo_miniapp", "feedback.answered", params),
        ("zns", "feedback.answered", params),
    ):
        response = admin.put(
            f"/api/v1/zalo/templates/{channel}/{message}", json={"template_id": "4201", "params": params_}
        )
        assert response.status_code == 200, response.get_json()


def sign_in(anonymous, body=SIGN_IN, expect=201) -> Caller:
    response = anonymous.post("/api/v1/devices/zalo", json=body)
    assert response.status_code == expect, response.get_json()
    return Caller(anonymous.client, response.get_json()["device_token"])


def share_phone(device: Caller, code="phone-code-1", expect=200):
    notice = device.get("/api/v1/privacy/notices").get_json()["items"][0]
    body = {"access_token": TOKEN, "code": code, "notice_version": notice["version"]}
    response = device.post("/api/v1/devices/me/phone", json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def answer(officer, feedback, text):
    response = officer.post(f"{FEEDBACK}/{feedback['id']}/replies", json={"body": text})
    assert response.status_code == 201, response.get_json()


def test_a_mini_app_user_signs_in_shares_their_phone_and_hears_back_in_the_mini_app(
    zalo_app, anonymous, fake, templates, send, staff, road_form, department_a, db
):
    device = sign_in(anonymous)
    verified = fake.of("me")[-1]
    assert verified.headers["access_token"] == TOKEN
    assert verified.headers["appsecret_proof"] == appsecret_proof(TOKEN, fake.app_secret)
    me = device.get("/api/v1/devices/me").get_json()
    assert me["platform"] == "zalo" and me["zalo"] == {
        "signed_in": True,
        "notifications": False,
        "phone": None,
    }

    assert share_phone(device) == {"signed_in": True, "notifications": False, "phone": "+84912345678"}
    ledger = db.scalars(select(ConsentRecord).order_by(ConsentRecord.recorded_at)).all()
    assert [(c.purpose, c.action, c.channel) for c in ledger] == [
        ("zalo_sign_in", "given", "zalo"),  # signing in is consenting to its notice
        ("phone", "given", "zalo"),
    ]
    allowed = device.patch("/api/v1/devices/me", json={"zalo_notifications": True})
    assert allowed.get_json()["zalo"]["notifications"] is True

    feedback = submit(device, contact=None)
    officer = Caller(zalo_app.test_client(), staff["officer_a"].token)
    seen = officer.get(f"{FEEDBACK}/{feedback['id']}").get_json()
    assert seen["verified_via"] == "zalo"
    assert seen["contact"] == {"phone": "+84912345678", "phone_verified": True}

    send()
    received = fake.miniapp_sent()
    assert len(received) == 1 and received[0].headers["x-user-id"] == USER
    assert received[0].body["templateData"] == {"ma_phan_anh": feedback["tracking_code"]}

    # Zalo sends a user one Mini App notification a day: the answer comes the next day.
    db.execute(update(ZaloMiniappSlot).values(day=ZaloMiniappSlot.day - 1))
    db.commit()
    answer(
        officer, feedback, "Ngày mai đội duy tu sẽ vá ổ gà trước số 12 đường Bạch Đằng, xin cảm ơn ông bà."
    )
    send()
    answered = fake.miniapp_sent()[-1].body["templateData"]
    assert answered["ma_phan_anh"] == feedback["tracking_code"]
    assert answered["noi_dung"].startswith("Ngày mai đội duy tu") and len(answered["noi_dung"]) <= 60
    assert answered["noi_dung"].endswith("…")  # cut at a word, never refused by Zalo
    assert fake.zns_sent() == []  # one channel per message: the best the citizen has
    channels = db.scalars(select(NotificationRecipient.channel)).all()
    assert channels == ["zalo_miniapp", "zalo_miniapp"]
    inbox = device.get("/api/v1/devices/me/notifications").get_json()["items"]
    assert [item["title"].split()[0] for item in inbox] == ["Phản", "Đã"]  # the inbox has both

    again = sign_in(anonymous)  # another phone, the same Zalo user: the same citizen and feedback
    assert [f["id"] for f in again.get("/api/v1/feedback/mine").get_json()["items"]] == [feedback["id"]]
    assert db.scalar(select(func.count()).select_from(Citizen)) == 1


def test_without_the_mini_app_opt_in_the_answer_goes_by_zns_and_the_oa_webhook_marks_it_delivered(
    zalo_app, anonymous, fake, templates, send, staff, road_form, department_a, db
):
    fake.oa_tokens("oa-access-0", "oa-refresh-0")
    result = zalo_app.test_cli_runner().invoke(args=["zalo-oa-token", "oa-refresh-0"])
    assert result.exit_code == 0, result.output
    device = sign_in(anonymous)
    share_phone(device)
    feedback = submit(device, contact=None)
    answer(Caller(zalo_app.test_client(), staff["officer_a"].token), feedback, "Đã vá xong.")
    send()

    [zns] = fake.zns_sent()
    delivery = db.scalar(select(Delivery).where(Delivery.channel == "zns"))
    assert zns.body["phone"] == PHONE and zns.body["tracking_id"] == str(delivery.id)
    assert zns.body["template_data"] == {"ma_phan_anh": feedback["tracking_code"], "noi_dung": "Đã vá xong."}
    assert delivery.status == "sent" and delivery.delivered_at is None

    event = {"event_name": "user_received_message", "message": {"msg_id": delivery.provider_id}}
    body, headers = fake.signed_event(event)
    forged = {**headers, "X-ZEvent-Signature": "mac=" + "0" * 64}
    assert_problem(anonymous.post("/webhooks/zalo", data=body, headers=forged), 401, "invalid_signature")
    db.refresh(delivery)
    assert delivery.delivered_at is None
    response = anonymous.post("/webhooks/zalo", data=body, headers=headers)
    assert response.get_json() == {"received": True, "matched": 1}
    db.refresh(delivery)
    delivered = delivery.delivered_at
    assert delivered is not None
    anonymous.post("/webhooks/zalo", data=body, headers=headers)  # Zalo calls again: nothing changes
    db.refresh(delivery)
    assert delivery.delivered_at == delivered


def test_a_stale_webhook_call_is_refused(anonymous, fake):
    body, headers = fake.signed_event({"event_name": "user_seen_message", "timestamp": "1600000000000"})
    assert_problem(anonymous.post("/webhooks/zalo", data=body, headers=headers), 401, "invalid_signature")


def test_a_forged_token_creates_nothing_and_zalo_down_answers_503_with_retry_after(anonymous, fake, db):
    before = db.scalar(select(func.count()).select_from(Device))
    body = {**SIGN_IN, "access_token": "forged"}
    assert_problem(anonymous.post("/api/v1/devices/zalo", json=body), 401, "invalid_zalo_token")
    fake.slow("me", seconds=3)
    slow = anonymous.post("/api/v1/devices/zalo", json=SIGN_IN)
    assert_problem(slow, 503, "zalo_unavailable")
    assert int(slow.headers["Retry-After"]) > 0
    assert db.scalar(select(func.count()).select_from(Device)) == before


def test_a_used_phone_code_is_refused_and_withdrawing_erases_the_number(anonymous, fake, db):
    device = sign_in(anonymous)
    share_phone(device)
    share_phone(device, expect=422)  # the code was used
    assert device.delete("/api/v1/devices/me/phone").status_code == 204
    assert db.scalar(select(Citizen.phone)) is None
    phone = select(ConsentRecord.action).where(ConsentRecord.purpose == "phone")
    assert db.scalars(phone.order_by(ConsentRecord.recorded_at)).all() == ["given", "withdrawn"]


def test_signing_in_names_the_notice_shown(anonymous, fake):
    outdated = anonymous.post("/api/v1/devices/zalo", json={**SIGN_IN, "notice_version": "2020-1"})
    assert_problem(outdated, 422, "consent_notice_outdated")
    body = {k: v for k, v in SIGN_IN.items() if k != "notice_version"}
    assert_problem(anonymous.post("/api/v1/devices/zalo", json=body), 422)


def test_without_zalo_configured_the_zalo_endpoints_answer_503(make_app):
    client = make_app(ZALO_APP_ID="", ZALO_APP_SECRET="").test_client()
    assert_problem(client.post("/api/v1/devices/zalo", json=SIGN_IN), 503, "zalo_not_configured")


def test_mini_app_notifications_need_a_zalo_sign_in(citizen):
    response = citizen.patch("/api/v1/devices/me", json={"zalo_notifications": True})
    assert_problem(response, 409, "zalo_sign_in_required")


@pytest.fixture
def allow(zalo_app, db, monkeypatch):
    """allow(daily_limit=…, area_share=…, hours=…): what Zalo allows the Mini App, for this test."""

    def set_allowance(**granted):
        given = Allowance(**{"hours": (0, 24 * 60), **granted})
        monkeypatch.setitem(zalo_app.extensions["database"].sessions.kw["info"], "zalo_miniapp", given)
        monkeypatch.setitem(db.info, "zalo_miniapp", given)

    return set_allowance


def zalo_citizen(
    db, make_device, ward_code, *, opted_in=True, province_code=48, seen=None, phone=None
) -> Citizen:
    device = make_device(
        province_code=province_code, ward_code=ward_code, platform="zalo", last_seen_at=seen or utcnow()
    )
    citizen = Citizen(
        id=device.citizen_id, zalo_user_id=f"zalo-{device.id}", zalo_notifications=opted_in, phone=phone
    )
    db.add(citizen)
    db.commit()
    return citizen


def test_an_area_alert_reaches_opted_in_mini_app_citizens_of_the_place_and_waits_out_zalo_quota(
    zalo_app, fake, send, staff, make_device, db
):
    admin = Caller(zalo_app.test_client(), staff["admin"].token)
    params = [{"name": "tieu_de", "field": "headline", "max_length": 50}]
    admin.put(
        "/api/v1/zalo/templates/zalo_miniapp/alert.published", json={"template_id": "77", "params": params}
    )
    here = [zalo_citizen(db, make_device, 20242) for _ in range(3)]
    zalo_citizen(db, make_device, 20242, opted_in=False)
    zalo_citizen(db, make_device, None, province_code=1)  # Hà Nội: not the alert's place
    editor = Caller(zalo_app.test_client(), staff["editor_a"].token)
    alert = editor.post("/api/v1/alerts", json=alert_payload()).get_json()
    assert editor.post(f"/api/v1/alerts/{alert['id']}/publish").status_code == 200

    fake.fail("miniapp", "quota", times=1, retry_after=30)
    send()
    assert len(fake.of("miniapp")) == 1  # the quota answer: the others wait without asking again
    waiting = db.scalars(select(Delivery).where(Delivery.channel == "zalo_miniapp")).all()
    assert {d.address for d in waiting} == {f"citizen:{c.id}" for c in here}
    assert {d.status for d in waiting} == {"retrying"}
    assert all(d.next_attempt_at > d.last_attempt_at + timedelta(seconds=25) for d in waiting)

    db.execute(update(Delivery).values(next_attempt_at=utcnow()))  # the quota's half minute has passed
    db.commit()
    outbox_worker.make(  # a worker started after the wait (the channel forgets its pause with it)
        zalo_app.extensions["database"].session,
        outbox_worker.channels(zalo_app.config, zalo_app.extensions["database"].sessions),
        SETTINGS,
    ).run_once()
    sent = fake.miniapp_sent()
    assert sorted(r.headers["x-user-id"] for r in sent) == sorted(c.zalo_user_id for c in here)
    assert sent[0].body["templateData"] == {"tieu_de": alert_payload()["headline"]}
    summary = deliveries.by_subject(db, "alert", [uuid.UUID(alert["id"])])[uuid.UUID(alert["id"])]
    assert summary["zalo_miniapp"] == {"sent": 3}


def test_an_area_alert_to_a_crowd_costs_the_publish_the_same_statements_as_to_a_few(
    zalo_app, staff, make_device, db, allow
):
    """The deliveries to an area's Mini App citizens are written by the database (one INSERT … SELECT):
    an alert to 2,000 of them sends the statements an alert to 3 sends, and every address is the
    citizen's own (as the channel resolves it). Written one object each, 100,000 took the publish 22 s."""
    allow(daily_limit=10_000, area_share=1)  # a province Zalo granted more than its published 1,000
    admin = Caller(zalo_app.test_client(), staff["admin"].token)
    params = [{"name": "tieu_de", "field": "headline", "max_length": 50}]
    response = admin.put(
        "/api/v1/zalo/templates/zalo_miniapp/alert.published", json={"template_id": "77", "params": params}
    )
    assert response.status_code == 200
    editor = Caller(zalo_app.test_client(), staff["editor_a"].token)
    engine = zalo_app.extensions["database"].engine

    def publish() -> tuple[dict, int]:
        alert = editor.post("/api/v1/alerts", json=alert_payload()).get_json()
        with sent_statements(engine) as sent:
            assert editor.post(f"/api/v1/alerts/{alert['id']}/publish").status_code == 200
        return alert, len(sent)

    few = [zalo_citizen(db, make_device, 20242) for _ in range(3)]
    first, statements_for_few = publish()
    assert miniapp_addresses(db, first["id"]) == {f"citizen:{c.id}" for c in few}
    crowd = [uuid.uuid4() for _ in range(2000)]
    db.execute(
        insert(Citizen), [{"id": c, "zalo_user_id": f"zalo-{c}", "zalo_notifications": True} for c in crowd]
    )
    db.execute(
        insert(Device),
        [
            {
                "token_hash": c.hex * 2,
                "platform": "zalo",
                "province_code": 48,
                "ward_code": 20242,
                "citizen_id": c,
            }
            for c in crowd
        ],
    )
    db.commit()
    alert, statements_for_crowd = publish()

    assert statements_for_crowd == statements_for_few
    notification = db.scalar(select(Notification).where(Notification.source_id == alert["id"]))
    written = db.scalars(
        select(Delivery).where(
            Delivery.payload["data"]["notification_id"].as_string() == str(notification.id),
            Delivery.channel == "zalo_miniapp",
        )
    ).all()
    # The first alert's three had their Mini App notification of the day: Zalo sends one a user a day.
    assert {d.address for d in written} == {f"citizen:{c}" for c in crowd}
    assert {d.id.version for d in written} == {4} and len({d.id for d in written}) == 2000
    assert notification.outstanding == 1 + 2000  # the ward's FCM topic, then each citizen
    resolved = zalo.resolve_miniapp(db, [d.address for d in written[:3]])
    assert all(target and target["user_id"].startswith("zalo-") for target in resolved.values())


def publish_alert(zalo_app, staff) -> dict:
    editor = Caller(zalo_app.test_client(), staff["editor_a"].token)
    alert = editor.post("/api/v1/alerts", json=alert_payload()).get_json()
    assert editor.post(f"/api/v1/alerts/{alert['id']}/publish").status_code == 200
    return alert


def miniapp_addresses(db, notification_source_id: str) -> set[str]:
    notification = db.scalar(select(Notification).where(Notification.source_id == notification_source_id))
    return set(
        db.scalars(
            select(Delivery.address).where(
                Delivery.payload["data"]["notification_id"].as_string() == str(notification.id),
                Delivery.channel == "zalo_miniapp",
            )
        )
    )


@pytest.fixture
def alert_template(zalo_app, staff):
    admin = Caller(zalo_app.test_client(), staff["admin"].token)
    params = [{"name": "tieu_de", "field": "headline", "max_length": 50}]
    response = admin.put(
        "/api/v1/zalo/templates/zalo_miniapp/alert.published", json={"template_id": "77", "params": params}
    )
    assert response.status_code == 200


def test_area_alerts_take_their_share_of_zalos_day_most_recently_seen_first_none_seen_a_week_ago(
    zalo_app, staff, make_device, db, allow, alert_template, templates
):
    """Zalo sends the Mini App's notifications only to users who opened it in the last 7 days, one a
    user a day, so many a day for the app: area messages take their share of the day (here 2 of 4), the
    citizens who used the Mini App last first, and leave the rest to citizens' own messages."""
    allow(daily_limit=4, area_share=0.5)
    now = utcnow()
    latest, earlier, earliest = (
        zalo_citizen(db, make_device, 20242, seen=now - timedelta(hours=hours)) for hours in (1, 2, 3)
    )
    zalo_citizen(db, make_device, 20242, seen=now - timedelta(days=8))  # Zalo would refuse: not seen a week

    first = publish_alert(zalo_app, staff)
    second = publish_alert(zalo_app, staff)

    assert miniapp_addresses(db, first["id"]) == {f"citizen:{latest.id}", f"citizen:{earlier.id}"}
    assert miniapp_addresses(db, second["id"]) == set()  # the area messages' share of the day is spent
    slots = db.execute(select(ZaloMiniappSlot.day, ZaloMiniappSlot.citizen_id)).all()
    assert sorted(slots) == sorted([(zalo_today(), latest.id), (zalo_today(), earlier.id)])

    # The day's other half is the citizens' own: the one left out still hears back on the Mini App.
    recipients = tell_answered(db, earliest, latest)
    # The alert's citizen had today's: with no phone shared, the inbox is where it reaches them.
    assert recipients == {earliest.id: "zalo_miniapp", latest.id: None}


def test_a_citizens_own_message_goes_by_zns_when_zalo_will_not_send_it_on_the_mini_app(
    zalo_app, staff, make_device, db, allow, templates
):
    allow(daily_limit=3, area_share=0.5)
    phone = "+84912345678"
    had_one_today = zalo_citizen(db, make_device, 20242, phone=phone)
    not_seen_for_a_week = zalo_citizen(db, make_device, 20242, phone=phone, seen=utcnow() - timedelta(days=8))
    fresh, also_fresh, last = (zalo_citizen(db, make_device, 20242, phone=p) for p in (phone, phone, None))
    db.add(ZaloMiniappSlot(day=zalo_today(), citizen_id=had_one_today.id, notification_id=uuid.uuid4()))
    db.commit()

    recipients = tell_answered(db, had_one_today, not_seen_for_a_week, fresh, also_fresh, last)

    assert recipients == {
        had_one_today.id: "zns",  # Zalo sends one Mini App notification a user a day
        not_seen_for_a_week.id: "zns",  # nor to a user who has not opened the Mini App for 7 days
        fresh.id: "zalo_miniapp",
        also_fresh.id: "zalo_miniapp",  # the day's third and last
        last.id: None,  # the day's are spent and no phone was shared: the inbox has it
    }


def test_outside_zalos_hours_mini_app_notifications_are_written_for_when_they_open(
    zalo_app, staff, make_device, db, allow, alert_template
):
    now = utcnow().astimezone(LOCAL)
    minute = now.hour * 60 + now.minute
    hours = (minute + 60, minute + 61) if minute + 61 <= 24 * 60 else (0, 1)  # not now, whatever the time
    allow(daily_limit=10, area_share=1, hours=hours)
    citizen = zalo_citizen(db, make_device, 20242)

    publish_alert(zalo_app, staff)

    (delivery,) = db.scalars(select(Delivery).where(Delivery.channel == "zalo_miniapp")).all()
    assert delivery.address == f"citizen:{citizen.id}"
    opens = opening(hours, now)
    assert opens > now and abs((delivery.next_attempt_at - opens).total_seconds()) < 2
    topic_send = db.scalar(select(Delivery).where(Delivery.channel == "fcm"))
    assert topic_send.next_attempt_at < opens  # app push goes at once
    slot = db.scalar(select(ZaloMiniappSlot).where(ZaloMiniappSlot.citizen_id == citizen.id))
    assert slot.day == opens.astimezone(LOCAL).date()  # the day it goes out on


def tell_answered(db, *citizens: Citizen) -> dict[uuid.UUID, str | None]:
    """Tell these citizens their feedback was answered: the channel each is reached on (None: the inbox)."""
    notification = push.enqueue(
        db,
        push.Audience.citizens(*(c.id for c in citizens)),
        {"vi": {"title": "Đã trả lời", "body": "Phản ánh của bạn đã được trả lời."}},
        source_type="feedback",
        message="feedback.answered",
        values={"code": "PA-2612-0001", "answer": "Đã vá ổ gà."},
    )
    db.commit()
    reached = select(NotificationRecipient.citizen_id, NotificationRecipient.channel).where(
        NotificationRecipient.notification_id == notification.id
    )
    return dict(db.execute(reached).all())


def test_an_alert_over_before_zalos_hours_open_goes_on_no_mini_app(
    zalo_app, staff, make_device, db, allow, alert_template
):
    now = utcnow().astimezone(LOCAL)
    minute = now.hour * 60 + now.minute
    opens = (minute + 60) % (24 * 60)  # an hour from now, tomorrow if that is past midnight
    hours = (opens, opens + 1)
    allow(daily_limit=10, area_share=1, hours=hours)
    zalo_citizen(db, make_device, 20242)
    editor = Caller(zalo_app.test_client(), staff["editor_a"].token)
    payload = {**alert_payload(), "expires_at": (now + timedelta(minutes=30)).isoformat()}
    alert = editor.post("/api/v1/alerts", json=payload).get_json()

    assert editor.post(f"/api/v1/alerts/{alert['id']}/publish").status_code == 200

    assert miniapp_addresses(db, alert["id"]) == set()
    assert db.scalar(select(func.count()).select_from(ZaloMiniappSlot)) == 0  # the citizen's day is kept
    assert db.scalar(select(func.count()).where(Delivery.channel == "fcm")) == 1  # app push goes at once


def test_a_mini_app_notification_held_for_the_morning_is_withdrawn_when_its_alert_is_cancelled(
    zalo_app, staff, make_device, db, allow, alert_template, fake, send
):
    now = utcnow().astimezone(LOCAL)
    minute = now.hour * 60 + now.minute
    hours = (minute + 60, minute + 61) if minute + 61 <= 24 * 60 else (0, 1)  # Zalo's hours: not now
    allow(daily_limit=10, area_share=1, hours=hours)
    citizen = zalo_citizen(db, make_device, 20242)
    alert = publish_alert(zalo_app, staff)
    editor = Caller(zalo_app.test_client(), staff["editor_a"].token)
    cancelled = editor.post(f"/api/v1/alerts/{alert['id']}/cancel", json={"reason": "Báo nhầm."})
    assert cancelled.status_code == 200

    db.execute(update(Delivery).values(next_attempt_at=utcnow()))  # the morning has come
    db.commit()
    send()

    (held,) = db.scalars(select(Delivery).where(Delivery.channel == "zalo_miniapp")).all()
    assert (held.address, held.status) == (f"citizen:{citizen.id}", "withdrawn")
    assert fake.of("miniapp") == []  # neither the false alarm nor, a second that day, its cancellation


def test_a_cancellation_goes_on_the_mini_app_only_to_the_citizens_the_alert_reached_there(
    zalo_app, staff, make_device, db, allow, alert_template, fake, send
):
    """The Mini App's few notifications a day are not spent telling of a cancelled alarm people never got
    there (app push tells the whole place): a citizen who joined after the alert gets none."""
    allow(daily_limit=10, area_share=1)
    admin = Caller(zalo_app.test_client(), staff["admin"].token)
    params = [{"name": "tieu_de", "field": "headline", "max_length": 50}]
    recorded = admin.put(
        "/api/v1/zalo/templates/zalo_miniapp/alert.cancelled", json={"template_id": "78", "params": params}
    )
    assert recorded.status_code == 200
    heard = zalo_citizen(db, make_device, 20242)
    alert = publish_alert(zalo_app, staff)
    send()
    assert [r.headers["x-user-id"] for r in fake.miniapp_sent()] == [heard.zalo_user_id]
    zalo_citizen(db, make_device, 20242)  # opened the Mini App for the first time after the alert
    db.execute(update(ZaloMiniappSlot).values(day=ZaloMiniappSlot.day - 1))  # the cancellation: next day
    db.commit()

    editor = Caller(zalo_app.test_client(), staff["editor_a"].token)
    cancelled = editor.post(f"/api/v1/alerts/{alert['id']}/cancel", json={"reason": "Báo nhầm."})
    assert cancelled.status_code == 200

    cancellation = db.scalars(
        select(Notification).where(Notification.source_id == alert["id"]).order_by(Notification.created_at)
    ).all()[-1]
    told = db.scalars(
        select(Delivery.address).where(
            Delivery.payload["data"]["notification_id"].as_string() == str(cancellation.id),
            Delivery.channel == "zalo_miniapp",
        )
    ).all()
    assert told == [f"citizen:{heard.id}"]


def zalo_today():
    return utcnow().astimezone(LOCAL).date()


def alert_payload() -> dict:
    return {
        "category": "scam",
        "headline": "Giả danh công an gọi điện yêu cầu chuyển tiền",
        "description": "Đối tượng tự xưng công an, đòi chuyển tiền để 'xác minh'.",
        "instruction": "Không chuyển tiền. Báo ngay công an phường.",
        "severity": "severe",
        "urgency": "immediate",
        "certainty": "observed",
        "targets": {"ward_codes": [20242]},
        "expires_at": (utcnow() + timedelta(days=3)).isoformat(),
    }
