"""The feature phone's journey through the real worker and the SMPP channel against the fake SMSC, on a
database of its own (the channel's reader thread records what the SMSC sends in sessions of its own, as
`flask --app wsgi worker` does): a phone texts DK and Y, an editor publishes a severe scam alert for its
commune, the phone gets it unaccented in at most two SMS, the receipt marks it delivered, and HUY stops
everything after it."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from api import create_app
from api import worker as outbox_worker
from services import demo
from services.core.sms_text import segments
from services.models import Delivery, SmsOptOut, SmsSubscription
from tests.conftest import TEST_SECRET
from tests.fake_smsc import FakeSmsc
from tests.reliability.harness import scratch_database, wait_until

PHONE = "84912345678"
PASSWORDS = {role: f"{role}-password-1" for role in demo.USERS}


@pytest.fixture
def smsc():
    fake = FakeSmsc().start()
    fake.receipts = True  # the operator reports each message delivered
    yield fake
    fake.stop()


@pytest.fixture
def deployment(database_url, smsc, tmp_path):
    """The app and its worker on a database of their own, with the demo data, sending SMS to the fake."""
    with scratch_database(database_url, "citizen_sms_journey") as url:
        settings = smsc.settings()
        app = create_app(
            {
                "DATABASE_URL": url,
                "SECRET_KEY": TEST_SECRET,
                "APP_ENV": "test",
                "ATTACHMENTS_DIR": str(tmp_path),
                "SMS_BACKEND": "smpp",
                "SMS_SMPP_URL": f"smpp://{settings.system_id}:{settings.password}@127.0.0.1:{settings.port}",
                "SMS_SOURCE_ADDR": "UBNDDN",
                "SMS_SENDER": "UBND TP Da Nang",
                "ZALO_APP_ID": "",
            }
        )
        database = app.extensions["database"]
        with database.sessions() as db:
            demo.seed(db, passwords=PASSWORDS)
            db.commit()
        worker = outbox_worker.from_config(database, app.config)
        worker.listen()  # bound: texts from phones flow before anything is sent
        yield app, worker
        for channel in worker.channels.values():
            getattr(channel, "close", lambda: None)()
        database.engine.dispose()


def texts(smsc, worker, count: int) -> list[str]:
    """What the phone shows once it has `count` messages (the worker sending meanwhile)."""

    def arrived():
        worker.run_once()
        shown = smsc.messages_to(PHONE)
        return shown if len(shown) >= count else None

    return wait_until(arrived, timeout=30, what=f"{count} SMS to the phone")


def publish_severe_alert(app) -> None:
    client = app.test_client()
    token = client.post(
        "/api/v1/auth/token", json={"email": demo.USERS["editor"][0], "password": PASSWORDS["editor"]}
    ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "category": "scam",
        "headline": "Giả danh công an gọi điện đòi chuyển tiền",
        "description": "Đối tượng gọi từ số lạ, tự xưng công an phường, đòi chuyển tiền để xác minh.",
        "instruction": "Không chuyển tiền, không đọc mã OTP cho bất kỳ ai. Báo ngay công an phường.",
        "severity": "severe",
        "urgency": "immediate",
        "certainty": "observed",
        "targets": {"ward_codes": [20242]},
        "source_url": "https://congan.danang.gov.vn/canh-bao",
        "expires_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
    }
    alert = client.post("/api/v1/alerts", json=body, headers=headers).get_json()
    assert "id" in alert, alert
    assert client.post(f"/api/v1/alerts/{alert['id']}/publish", headers=headers).status_code == 200


def test_a_feature_phone_subscribes_by_text_gets_a_severe_alert_and_huy_stops_it(deployment, smsc):
    app, worker = deployment
    sessions = app.extensions["database"].sessions

    smsc.mo(PHONE, "DK 20242")
    [question] = texts(smsc, worker, 1)
    assert question.startswith("Tra loi Y de nhan canh bao cua Phuong Hai Chau")
    smsc.mo(PHONE, "Y")
    confirmed = texts(smsc, worker, 2)[-1]
    assert confirmed.startswith("Da dang ky nhan canh bao cua Phuong Hai Chau")

    publish_severe_alert(app)
    alert = texts(smsc, worker, 3)[-1]
    assert alert.startswith("Gia danh cong an goi dien doi chuyen tien") and alert.endswith("UBND TP Da Nang")
    assert alert.isascii() and segments(alert) <= 2
    parts = [s for s in smsc.submitted if s.destination == PHONE][2:]
    assert 1 <= len(parts) <= 2  # one or two SMS on the phone

    def delivered():
        with sessions() as db:
            stmt = select(Delivery.delivered_at).where(
                Delivery.channel == "sms", Delivery.payload["kind"].as_string() == "severe"
            )
            return db.scalar(stmt)

    assert wait_until(delivered, timeout=30, what="the receipt of the alert")

    smsc.mo(PHONE, "HUY")

    def stopped():
        with sessions() as db:
            return db.get(SmsOptOut, f"+{PHONE}") is not None

    wait_until(stopped, timeout=30, what="HUY recorded")
    publish_severe_alert(app)
    for _ in range(5):
        worker.run_once()
    assert len(smsc.messages_to(PHONE)) == 3  # nothing after HUY, not even an answer to it
    with sessions() as db:
        assert db.scalar(select(SmsSubscription.status)) == "stopped"
