"""The Zalo protocol layer against a fake Zalo over HTTP: the client (who the user is, their phone, the OA
token), the Mini App and ZNS channels, and the OA webhook's signature."""

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.outbox.channels.base import Outgoing
from services.outbox.channels.zalo import (
    LOCAL,
    NO_OA_TOKEN,
    QUOTA_BACKOFF,
    MiniAppChannel,
    ZnsChannel,
    opening,
)
from services.outbox.channels.zalo_api import (
    ZaloClient,
    ZaloError,
    ZaloSettings,
    appsecret_proof,
    verify_webhook,
)
from tests.fake_zalo import FakeZalo

TOKEN = "user-access-token-1"
PHONE = "84912345678"


@pytest.fixture(scope="module")
def server():
    fake = FakeZalo().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(server):
    """The module's fake Zalo, with a fresh state for each test."""
    server.reset()
    server.user(TOKEN, "zalo-user-1", name="Nguyễn Văn An", picture="https://s120.avatar.talk.zdn.vn/a.jpg")
    return server


@pytest.fixture
def client(fake):
    client = ZaloClient(fake.settings(timeout=0.5))
    yield client
    client.close()


class Tokens:
    """An OaTokenSource in memory: the lead's keeps the pair in the database under a row lock."""

    def __init__(self, client: ZaloClient, access: str | None, refresh: str | None):
        self.client, self.access, self.refresh = client, access, refresh
        self.lock = threading.Lock()

    def current(self) -> str:
        if self.access is None:
            raise LookupError("no OA token")
        return self.access

    def refreshed(self, stale: str) -> str:
        with self.lock:
            if self.access != stale:  # another worker refreshed meanwhile
                return self.access
            pair = self.client.refresh_oa_token(self.refresh)
            self.access, self.refresh = pair.access_token, pair.refresh_token
            return self.access


def outgoing(channel: str, target: dict, expires_at: datetime | None = None) -> Outgoing:
    payload = {"template_id": "tpl-1", "template_data": {"name": "An", "code": "PA-2026-0001"}}
    payload["expires_at"] = expires_at.isoformat() if expires_at else None
    return Outgoing(uuid.uuid4(), channel, "zalo", payload, attempts=0, target=target)


# ---------------------------------------------------------------- settings


def test_settings_need_the_app_id_and_secret():
    assert ZaloSettings.from_config({"ZALO_APP_ID": "1", "ZALO_APP_SECRET": ""}) is None
    settings = ZaloSettings.from_config(
        {
            "ZALO_APP_ID": "1",
            "ZALO_APP_SECRET": "s",
            "ZALO_ZNS_URL": "http://127.0.0.1:9/",
            "ZALO_TIMEOUT": "2",
        }
    )
    assert (settings.graph_url, settings.zns_url, settings.timeout) == (
        "https://graph.zalo.me",
        "http://127.0.0.1:9",
        2.0,
    )
    assert settings.miniapp_id is None


# ---------------------------------------------------------------- who the user is


def test_me_answers_the_zalo_user_checked_with_appsecret_proof(fake, client):
    user = client.me(TOKEN)

    assert (user.id, user.name, user.picture) == (
        "zalo-user-1",
        "Nguyễn Văn An",
        "https://s120.avatar.talk.zdn.vn/a.jpg",
    )
    (request,) = fake.of("me")
    assert request.query == {"fields": "id,name,picture"}
    assert request.headers["appsecret_proof"] == appsecret_proof(TOKEN, fake.app_secret)


def test_a_forged_token_is_invalid_and_never_repeated_in_the_error(fake, client):
    with pytest.raises(ZaloError) as raised:
        client.me("forged-token-123")

    assert raised.value.kind == "invalid_token"
    assert raised.value.code == 452
    assert "forged-token-123" not in str(raised.value)


def test_a_proof_made_with_another_apps_secret_is_refused(fake):
    other_app = ZaloClient(fake.settings(app_secret="another-apps-secret"))

    with pytest.raises(ZaloError) as raised:
        other_app.me(TOKEN)

    assert raised.value.kind == "invalid_token"
    assert "another-apps-secret" not in str(raised.value)


def test_a_graph_api_slower_than_the_timeout_is_unavailable(fake, client):
    fake.slow("me", seconds=3, times=1)

    with pytest.raises(ZaloError) as raised:
        client.me(TOKEN)

    assert raised.value.kind == "unavailable"
    assert "0.5 s" in raised.value.message


def test_a_graph_api_error_5xx_is_unavailable_with_its_retry_after(fake, client):
    fake.fail("me", "5xx", times=1, retry_after=7)

    with pytest.raises(ZaloError) as raised:
        client.me(TOKEN)

    assert (raised.value.kind, raised.value.status, raised.value.retry_after) == ("unavailable", 503, 7)
    assert client.me(TOKEN).id == "zalo-user-1"  # the next call goes through


# ---------------------------------------------------------------- the phone number


def test_a_phone_code_is_exchanged_once(fake, client):
    fake.phone_code(TOKEN, "code-1", PHONE)

    assert client.phone_number(TOKEN, "code-1") == PHONE
    (request,) = fake.of("phone")
    assert (request.headers["code"], request.headers["secret_key"]) == ("code-1", fake.app_secret)

    with pytest.raises(ZaloError) as raised:
        client.phone_number(TOKEN, "code-1")
    assert raised.value.kind == "invalid_code"


def test_a_server_outside_vietnam_gets_501_which_is_unavailable(fake, client):
    fake.phone_code(TOKEN, "code-1", PHONE)
    fake.outside_vietnam = True

    with pytest.raises(ZaloError) as raised:
        client.phone_number(TOKEN, "code-1")

    assert (raised.value.kind, raised.value.code) == ("unavailable", -501)


def test_the_phone_of_a_forged_token_is_an_invalid_token_not_a_bad_code(fake, client):
    with pytest.raises(ZaloError) as raised:
        client.phone_number("forged-token-123", "code-1")

    assert raised.value.kind == "invalid_token"


# ---------------------------------------------------------------- the OA token


def test_a_refresh_rotates_the_pair_and_spends_the_old_refresh_token(fake, client):
    fake.oa_tokens("oa-access-0", "oa-refresh-0", expires_in=90000)

    pair = client.refresh_oa_token("oa-refresh-0")

    assert pair.access_token != "oa-access-0"
    assert pair.refresh_token == fake.oa_refresh_token != "oa-refresh-0"
    assert pair.expires_in == 90000  # Zalo sends "90000"
    (request,) = fake.of("oa_token")
    assert request.form == {
        "refresh_token": "oa-refresh-0",
        "app_id": fake.app_id,
        "grant_type": "refresh_token",
    }
    assert request.headers["secret_key"] == fake.app_secret

    with pytest.raises(ZaloError) as raised:
        client.refresh_oa_token("oa-refresh-0")
    assert raised.value.kind == "invalid_token"
    assert fake.refreshes == 1


# ---------------------------------------------------------------- Mini App notifications


def miniapp(client, hours=(0, 24 * 60)) -> MiniAppChannel:
    """The Mini App channel; at any hour unless a test says otherwise (Zalo's are 06:00-22:00)."""
    return MiniAppChannel(client, hours)


@pytest.mark.parametrize(
    ("local", "opens"),
    [
        ("2026-12-05 05:59:59", "2026-12-05 06:00:00"),
        ("2026-12-05 06:00:00", "2026-12-05 06:00:00"),
        ("2026-12-05 21:59:59", "2026-12-05 21:59:59"),
        ("2026-12-05 22:00:00", "2026-12-06 06:00:00"),
        ("2026-12-31 23:30:00", "2027-01-01 06:00:00"),
        ("2026-12-06 00:00:00", "2026-12-06 06:00:00"),
    ],
)
def test_zalos_hours_open_at_six_and_close_at_ten_in_the_evening_vietnam_time(local, opens):
    at = datetime.fromisoformat(local).replace(tzinfo=LOCAL)

    assert opening((6 * 60, 22 * 60), at.astimezone(UTC)) == datetime.fromisoformat(opens).replace(
        tzinfo=LOCAL
    )


def test_outside_zalos_hours_a_mini_app_notification_waits_for_them_without_a_call(fake, client):
    now = datetime.now(LOCAL)
    minute = now.hour * 60 + now.minute
    hours = (minute + 60, minute + 61) if minute + 61 <= 24 * 60 else (0, 1)  # not now, whatever the time

    result = miniapp(client, hours).send(outgoing("zalo_miniapp", {"user_id": "zalo-user-1"}))

    assert result.kind == "retry"
    expected = (opening(hours, datetime.now(UTC)) - datetime.now(UTC)).total_seconds()
    assert result.after > 0 and abs(result.after - expected) < 5
    assert f"Held until {hours[0] // 60:02d}:{hours[0] % 60:02d}" in result.detail
    assert fake.miniapp_sent() == [] and fake.of("miniapp") == []


def test_a_mini_app_notification_is_sent_with_the_api_key_and_ids(fake, client):
    result = miniapp(client).send(outgoing("zalo_miniapp", {"user_id": "zalo-user-1"}))

    assert result.kind == "sent"
    (request,) = fake.miniapp_sent()
    assert result.detail == request.answer["data"]["msgId"]
    assert request.headers["x-api-key"] == f"Bearer {fake.miniapp_api_key}"
    assert (request.headers["x-miniapp-id"], request.headers["x-user-id"]) == (fake.miniapp_id, "zalo-user-1")
    assert request.body == {"templateId": "tpl-1", "templateData": {"name": "An", "code": "PA-2026-0001"}}


@pytest.mark.parametrize(("kind", "retry_after", "after"), [("429", 30, 30), ("quota", None, QUOTA_BACKOFF)])
def test_a_mini_app_quota_answer_is_retried_later_never_at_once(fake, client, kind, retry_after, after):
    fake.fail("miniapp", kind, times=1, retry_after=retry_after)

    result = miniapp(client).send(outgoing("zalo_miniapp", {"user_id": "zalo-user-1"}))

    assert (result.kind, result.after) == ("retry", after)
    assert fake.miniapp_sent() == []


def test_a_user_who_cannot_receive_mini_app_notifications_is_gone(fake, client):
    fake.fail("miniapp", "refused", times=1)

    result = miniapp(client).send(outgoing("zalo_miniapp", {"user_id": "zalo-user-1"}))

    assert result.kind == "gone"
    assert "-230" in result.detail


def test_a_mini_app_down_is_retried(fake, client):
    fake.fail("miniapp", "5xx", times=1)

    assert miniapp(client).send(outgoing("zalo_miniapp", {"user_id": "zalo-user-1"})).kind == "retry"


@pytest.mark.parametrize("channel", ["zalo_miniapp", "zns"])
def test_a_message_past_its_expiry_fails_without_a_call(fake, client, channel):
    """An alert over by the time Zalo's hours opened, or a quota or an outage passed, is not sent."""
    fake.oa_tokens("oa-access-0", "oa-refresh-0")
    over = datetime.now(UTC) - timedelta(minutes=1)
    if channel == "zns":
        sender, target = ZnsChannel(client, Tokens(client, "oa-access-0", "oa-refresh-0")), {"phone": PHONE}
    else:
        sender, target = miniapp(client), {"user_id": "zalo-user-1"}

    result = sender.send(outgoing(channel, target, expires_at=over))

    assert (result.kind, result.detail) == ("failed", "Expired before it could be delivered.")
    assert fake.miniapp_sent() == [] and fake.zns_sent() == []
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert sender.send(outgoing(channel, target, expires_at=later)).kind == "sent"


# ---------------------------------------------------------------- ZNS


def test_a_zns_message_carries_the_delivery_id_as_tracking_id(fake, client):
    fake.oa_tokens("oa-access-0", "oa-refresh-0")
    delivery = outgoing("zns", {"phone": PHONE})

    result = ZnsChannel(client, Tokens(client, "oa-access-0", "oa-refresh-0")).send(delivery)

    assert result.kind == "sent"
    (request,) = fake.zns_sent()
    assert result.detail == request.answer["data"]["msg_id"]
    assert request.headers["access_token"] == "oa-access-0"
    assert request.body == {
        "phone": PHONE,
        "template_id": "tpl-1",
        "template_data": {"name": "An", "code": "PA-2026-0001"},
        "tracking_id": str(delivery.id),
    }


def test_an_expired_oa_token_is_refreshed_once_and_the_message_sent(fake, client):
    fake.oa_tokens("oa-access-0", "oa-refresh-0")
    fake.expire_oa_token()
    tokens = Tokens(client, "oa-access-0", "oa-refresh-0")

    result = ZnsChannel(client, tokens).send(outgoing("zns", {"phone": PHONE}))

    assert result.kind == "sent"
    assert fake.refreshes == 1
    assert [r.answer["error"] for r in fake.of("zns")] == [-216, 0]
    assert tokens.refresh == fake.oa_refresh_token  # the rotated refresh token is kept


def test_two_workers_meeting_an_expired_token_refresh_it_once(fake, client):
    fake.oa_tokens("oa-access-0", "oa-refresh-0")
    fake.expire_oa_token()
    tokens = Tokens(client, "oa-access-0", "oa-refresh-0")
    channel = ZnsChannel(client, tokens)
    results = []
    workers = [
        threading.Thread(target=lambda: results.append(channel.send(outgoing("zns", {"phone": PHONE}))))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert [r.kind for r in results] == ["sent", "sent"]
    assert fake.refreshes == 1
    assert tokens.refresh == fake.oa_refresh_token


def test_a_second_216_after_the_refresh_is_a_retry_not_a_loop(fake, client):
    fake.oa_tokens("oa-access-0", "oa-refresh-0")
    fake.fail("zns", "expired_token", times=2)

    result = ZnsChannel(client, Tokens(client, "oa-access-0", "oa-refresh-0")).send(
        outgoing("zns", {"phone": PHONE})
    )

    assert result.kind == "retry"
    assert "-216" in result.detail
    assert (fake.refreshes, len(fake.of("zns"))) == (1, 2)


def test_without_an_oa_token_zns_waits_and_says_how_to_set_it(fake, client):
    result = ZnsChannel(client, Tokens(client, None, None)).send(outgoing("zns", {"phone": PHONE}))

    assert (result.kind, result.detail) == ("retry", NO_OA_TOKEN)
    assert "zalo-oa-token" in result.detail
    assert fake.of("zns") == []


def test_a_refused_refresh_token_is_a_retry_saying_to_set_a_new_one(fake, client):
    fake.oa_tokens("oa-access-0", "another-refresh-token")
    fake.expire_oa_token()

    result = ZnsChannel(client, Tokens(client, "oa-access-0", "spent")).send(
        outgoing("zns", {"phone": PHONE})
    )

    assert result.kind == "retry"
    assert "zalo-oa-token" in result.detail
    assert "spent" not in result.detail


def test_zns_to_a_phone_without_zalo_is_gone_and_the_phone_never_in_the_detail(fake, client):
    fake.oa_tokens("oa-access-0", "oa-refresh-0")
    fake.fail("zns", "refused", times=1)

    result = ZnsChannel(client, Tokens(client, "oa-access-0", "oa-refresh-0")).send(
        outgoing("zns", {"phone": PHONE})
    )

    assert result.kind == "gone"
    assert PHONE not in result.detail


def test_a_zns_message_over_the_days_quota_waits_for_the_next_morning(fake, client):
    """-144: the OA's ZNS for the day are spent. Retried a minute later, it would be tried 8 times and
    given up within the hour; it waits for the next day's quota, and for 06:00 rather than midnight."""
    fake.oa_tokens("oa-access-0", "oa-refresh-0")
    fake.fail("zns", "quota", times=1)

    result = ZnsChannel(client, Tokens(client, "oa-access-0", "oa-refresh-0")).send(
        outgoing("zns", {"phone": PHONE})
    )

    assert result.kind == "retry" and "-144" in result.detail
    due = (datetime.now(UTC) + timedelta(seconds=result.after)).astimezone(LOCAL)
    tomorrow = datetime.now(LOCAL).date() + timedelta(days=1)
    assert (due.date(), due.hour, due.minute) == (tomorrow, 6, 0)


def test_a_template_parameter_zalo_rejects_fails_for_good(fake, client):
    fake.oa_tokens("oa-access-0", "oa-refresh-0")
    fake.fail("zns", "invalid_request", times=1)

    result = ZnsChannel(client, Tokens(client, "oa-access-0", "oa-refresh-0")).send(
        outgoing("zns", {"phone": PHONE})
    )

    assert result.kind == "failed"


# ---------------------------------------------------------------- the OA webhook


def test_a_signed_event_is_verified_and_returned(fake):
    body, headers = fake.signed_event(
        {"event_name": "user_received_message", "message": {"tracking_id": "d-1"}}
    )

    event = verify_webhook(fake.settings(), body, headers["X-ZEvent-Signature"])

    assert event["event_name"] == "user_received_message"
    assert event["message"]["tracking_id"] == "d-1"


def test_a_changed_body_or_another_secret_is_an_invalid_signature(fake):
    body, headers = fake.signed_event({"event_name": "user_seen_message"})
    changed = body.replace(b"user_seen_message", b"user_received_message")

    for settings, sent in ((fake.settings(), changed), (fake.settings(oa_secret_key="other"), body)):
        with pytest.raises(ZaloError) as raised:
            verify_webhook(settings, sent, headers["X-ZEvent-Signature"])
        assert raised.value.kind == "invalid_signature"
    with pytest.raises(ZaloError):
        verify_webhook(fake.settings(), body, None)


def test_an_old_event_is_stale_even_when_signed(fake):
    sent_at = datetime.now(UTC) - timedelta(minutes=6)
    body, headers = fake.signed_event(
        {"event_name": "user_seen_message", "timestamp": str(int(sent_at.timestamp() * 1000))}
    )

    with pytest.raises(ZaloError) as raised:
        verify_webhook(fake.settings(), body, headers["X-ZEvent-Signature"])

    assert raised.value.kind == "stale"
    assert verify_webhook(fake.settings(), body, headers["X-ZEvent-Signature"], now=sent_at)["timestamp"]
    assert json.loads(body)["app_id"] == fake.app_id
