"""Alerts: drafting, publishing (with its push in the same transaction), updates, cancels, expiry, who
sees what, and the push reaching FCM topics through the real firebase-admin SDK and the fake FCM."""

import unicodedata
from datetime import timedelta

import pytest
from alembic import command
from defusedxml import ElementTree as SafeET
from sqlalchemy import select, text

from api import create_app
from api.cli import alembic_config
from services.core.db import utcnow
from services.core.security import DEVICE_TOKEN_PREFIX, issue_jwt, new_token
from services.identity import audit
from services.models import Alert, Department, Device, Notification, User
from tests.conftest import TEST_SECRET, Caller, assert_problem, staff_token
from tests.push_fixtures import *  # noqa: F403

ALERTS = "/api/v1/alerts"
DA_NANG, HAI_CHAU, THANH_KHE = 48, 20242, 20209


def payload(**overrides) -> dict:
    data = {
        "category": "scam",
        "headline": "Giả danh công an gọi điện yêu cầu chuyển tiền",
        "description": "Đối tượng gọi từ số 0912 345 678, tự xưng công an, đòi chuyển tiền để 'xác minh'.",
        "instruction": "Không chuyển tiền, không cung cấp mã OTP. Báo ngay công an phường.",
        "severity": "severe",
        "urgency": "immediate",
        "certainty": "observed",
        "targets": {"ward_codes": [HAI_CHAU]},
        "source_url": "https://congan.danang.gov.vn/canh-bao-lua-dao",
        "expires_at": (utcnow() + timedelta(days=3)).isoformat(),
        "indicators": [{"type": "phone", "value": "0912 345 678", "note": "số gọi đến"}],
    }
    return {**data, **overrides}


def draft(caller, **overrides) -> dict:
    response = caller.post(ALERTS, json=payload(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def published(caller, **overrides) -> dict:
    alert = draft(caller, **overrides)
    response = caller.post(f"{ALERTS}/{alert['id']}/publish")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def pushes(db, alert_id) -> list[Notification]:
    stmt = (
        select(Notification).where(Notification.source_id == str(alert_id)).order_by(Notification.created_at)
    )
    return list(db.scalars(stmt))


def test_an_editor_publishes_and_a_citizen_in_the_commune_sees_it_first(staff, citizen, sql):
    editor = staff["editor_a"]
    minor = published(editor, severity="minor", headline="Tin nhắn trúng thưởng giả")
    alert = draft(editor)
    assert alert["status"] == "draft" and alert["active"] is False and alert["msg_type"] is None
    assert alert["indicators"][0]["normalized"] == "+84912345678"

    response = editor.post(f"{ALERTS}/{alert['id']}/publish")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "published" and body["active"] and body["msg_type"] == "Alert"
    assert body["department_id"] == str(editor.principal.department_id)

    listed = citizen.get(f"{ALERTS}?ward_code={HAI_CHAU}").get_json()["items"]
    assert [a["id"] for a in listed] == [alert["id"], minor["id"]]  # most severe first
    actions = {
        row.action for row in sql("SELECT action FROM audit_events WHERE entity_id = :id", id=alert["id"])
    }
    assert actions == {"alert.create", "alert.publish"}


def test_publishing_enqueues_a_high_priority_push_until_expiry_in_the_same_transaction(staff, db):
    alert = published(staff["editor_a"])
    [notification] = pushes(db, alert["id"])
    assert notification.source_type == "alert" and notification.priority == "high"
    assert notification.collapse_key == f"alert-{alert['id']}"
    assert notification.targets == {"national": False, "province_codes": [], "ward_codes": [HAI_CHAU]}
    assert 3 * 86400 - 120 < notification.ttl_seconds <= 3 * 86400
    assert notification.content["vi"]["title"] == payload()["headline"]


def test_a_publish_that_rolls_back_enqueues_and_sends_nothing(staff, db, monkeypatch, fake_fcm, dispatcher):
    alert = draft(staff["editor_a"])

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", fail)
    assert staff["editor_a"].post(f"{ALERTS}/{alert['id']}/publish").status_code == 500
    assert pushes(db, alert["id"]) == []
    assert db.get(Alert, alert["id"]).status == "draft"
    dispatcher.run_once()
    assert fake_fcm.sends() == []


def test_the_push_reaches_the_ward_topic_with_priority_high_and_its_ttl(staff, fake_fcm, dispatcher):
    alert = published(staff["editor_a"], translations={"en": {"headline": "Fake police calls"}})
    dispatcher.run_once()
    sends = {r.target: r.message for r in fake_fcm.sends()}
    assert set(sends) == {
        "condition:'w-20242' in topics && !('lang-en' in topics)",
        "condition:'w-20242' in topics && 'lang-en' in topics",
    }
    for message in sends.values():
        assert message["android"]["priority"].lower() == "high"
        assert 3 * 86400 - 120 < int(message["android"]["ttl"].removesuffix("s")) <= 3 * 86400
        assert message["android"]["collapse_key"] == f"alert-{alert['id']}"
        assert message["data"]["type"] == "alert" and message["data"]["id"] == alert["id"]
    english = sends["condition:'w-20242' in topics && 'lang-en' in topics"]
    assert english["notification"]["title"] == "Fake police calls"

    summary = staff["editor_a"].get(f"{ALERTS}/{alert['id']}/deliveries").get_json()
    assert summary["by_status"] == {"sent": 1} and summary["delivered"] == 2
    assert_problem(staff["officer_b"].get(f"{ALERTS}/{alert['id']}/deliveries"), 404)


def test_national_and_province_alerts_go_to_their_topics(admin, fake_fcm, dispatcher):
    published(admin, targets={"national": True})
    published(admin, targets={"province_codes": [DA_NANG], "ward_codes": [HAI_CHAU]})
    dispatcher.run_once()
    assert sorted(r.target for r in fake_fcm.sends()) == ["topic:all", "topic:p-48"]


def test_an_update_references_the_original_and_pushes_again_with_the_same_collapse_key(staff, db):
    editor = staff["editor_a"]
    alert = published(editor)
    response = editor.patch(f"{ALERTS}/{alert['id']}", json={"severity": "extreme"})
    assert response.status_code == 200
    assert response.get_json()["msg_type"] == "Update" and response.get_json()["severity"] == "extreme"
    first, update = pushes(db, alert["id"])
    assert update.collapse_key == first.collapse_key
    assert update.content["vi"]["title"].startswith("Cập nhật: ")
    messages = db.get(Alert, alert["id"]).cap_messages
    assert [m["msg_type"] for m in messages] == ["Alert", "Update"]


def test_cancel_pushes_a_cancel_notice_and_a_second_cancel_conflicts(staff, db, citizen):
    editor = staff["editor_a"]
    alert = published(editor)
    response = editor.post(
        f"{ALERTS}/{alert['id']}/cancel", json={"reason": "Thông tin đã được xác minh là sai."}
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled" and response.get_json()["msg_type"] == "Cancel"
    notice = pushes(db, alert["id"])[-1]
    assert notice.content["vi"] == {
        "title": "Đã hủy: " + payload()["headline"],
        "body": "Thông tin đã được xác minh là sai.",
    }
    assert notice.collapse_key == f"alert-{alert['id']}"
    assert citizen.get(f"{ALERTS}?ward_code={HAI_CHAU}").get_json()["items"] == []

    again = editor.post(f"{ALERTS}/{alert['id']}/cancel", json={"reason": "again"})
    assert assert_problem(again, 409, "alert_already_cancelled")["allowed"] == []
    edited = editor.patch(f"{ALERTS}/{alert['id']}", json={"headline": "x"})
    assert assert_problem(edited, 409, "alert_cancelled")["allowed"] == []


def test_publishing_twice_conflicts_and_a_draft_cannot_be_cancelled(staff):
    editor = staff["editor_a"]
    alert = draft(editor)
    refused = editor.post(f"{ALERTS}/{alert['id']}/cancel", json={"reason": "x"})
    assert assert_problem(refused, 409, "alert_not_published")["allowed"] == ["published"]
    editor.post(f"{ALERTS}/{alert['id']}/publish")
    again = editor.post(f"{ALERTS}/{alert['id']}/publish")
    assert assert_problem(again, 409, "alert_already_published")["allowed"] == ["cancelled"]


def test_expired_alerts_leave_the_active_list_without_any_job(staff, citizen, db):
    alert = published(staff["editor_a"])
    db.get(Alert, alert["id"]).expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    assert citizen.get(f"{ALERTS}?ward_code={HAI_CHAU}").get_json()["items"] == []
    everything = citizen.get(f"{ALERTS}?ward_code={HAI_CHAU}&active=false").get_json()["items"]
    assert [(a["id"], a["active"]) for a in everything] == [(alert["id"], False)]


def test_places_a_ward_sees_its_own_its_provinces_and_national_alerts(admin, client):
    ward = published(admin, targets={"ward_codes": [HAI_CHAU]})
    other_ward = published(admin, targets={"ward_codes": [THANH_KHE]})
    province = published(admin, targets={"province_codes": [DA_NANG]})
    national = published(admin, targets={"national": True})
    elsewhere = published(admin, targets={"province_codes": [1]})

    def ids(url):
        return {a["id"] for a in client.get(url).get_json()["items"]}

    assert ids(f"{ALERTS}?ward_code={HAI_CHAU}") == {ward["id"], province["id"], national["id"]}
    assert ids(f"{ALERTS}?province_code={DA_NANG}") == {
        ward["id"],
        other_ward["id"],
        province["id"],
        national["id"],
    }
    assert elsewhere["id"] in ids(ALERTS)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"expires_at": (utcnow() - timedelta(hours=1)).isoformat()}, "expires_at"),
        ({"expires_at": "2030-01-01T00:00:00"}, "expires_at"),  # no offset
        ({"targets": {"ward_codes": [99999]}}, "targets"),
        ({"targets": {"province_codes": [77]}}, "targets"),
        ({"source_url": "http://congan.danang.gov.vn/x"}, "source_url"),
        ({"headline": "x" * 121}, "headline"),
        ({"description": "x" * 4001}, "description"),
        ({"category": "weather"}, "category"),
        ({"translations": {"vi": {"headline": "x"}}}, "translations"),
        (
            {"indicators": [{"type": "phone", "value": "0912 345 678"}, {"type": "phone", "value": "12"}]},
            "indicators",
        ),
        ({"indicators": [{"type": "url", "value": "not a link"}]}, "indicators"),
        ({"indicators": [{"type": "bank_account", "value": "0011002345678"}]}, "indicators"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(staff, sql, change, field):
    body = assert_problem(staff["editor_a"].post(ALERTS, json=payload(**change)), 422)
    assert field in body["errors"], body
    assert sql("SELECT count(*) FROM alerts").scalar() == 0


def test_an_unparsable_indicator_is_named_by_its_position(staff):
    change = {"indicators": [{"type": "phone", "value": "0912 345 678"}, {"type": "phone", "value": "12"}]}
    body = assert_problem(staff["editor_a"].post(ALERTS, json=payload(**change)), 422)
    assert body["errors"]["indicators"] == {"1": {"value": ["Not a valid phone number."]}}


def test_editors_write_only_for_their_own_department(staff, department_b, client):
    editor = staff["editor_a"]
    assert_problem(staff["officer_a"].post(ALERTS, json=payload()), 403)
    assert_problem(client.post(ALERTS, json=payload()), 401)
    assert_problem(
        editor.post(ALERTS, json=payload(department_id=str(department_b.id))), 403, "other_department"
    )

    theirs = draft(staff["admin"], department_id=str(department_b.id))
    assert_problem(editor.patch(f"{ALERTS}/{theirs['id']}", json={"headline": "x"}), 404)
    assert_problem(editor.post(f"{ALERTS}/{theirs['id']}/publish"), 404)
    assert_problem(editor.get(f"{ALERTS}/{theirs['id']}"), 404)  # a draft stays with its department
    assert staff["admin"].get(f"{ALERTS}/{theirs['id']}").status_code == 200


def test_drafts_are_not_public_and_published_alerts_are(
    staff, citizen, client, integrator, make_api_key, app
):
    editor = staff["editor_a"]
    alert = draft(editor)
    for caller in (citizen, client, integrator, staff["officer_b"]):
        assert_problem(caller.get(f"{ALERTS}/{alert['id']}"), 404)
        assert_problem(caller.get(f"{ALERTS}/{alert['id']}/cap"), 404)
    assert staff["viewer_a"].get(f"{ALERTS}/{alert['id']}").status_code == 200

    editor.post(f"{ALERTS}/{alert['id']}/publish")
    for caller in (citizen, client, integrator, staff["officer_b"]):
        assert caller.get(f"{ALERTS}/{alert['id']}").status_code == 200

    notices_only = Caller(app.test_client(), make_api_key(scopes=("notices:read",)).key)
    assert_problem(notices_only.get(ALERTS), 403, "missing_scope")


def test_a_draft_can_be_edited_without_a_message_and_lists_page_by_cursor(admin, client):
    alert = draft(admin)
    response = admin.patch(f"{ALERTS}/{alert['id']}", json={"headline": "Sửa tiêu đề", "indicators": []})
    assert response.status_code == 200
    assert response.get_json()["msg_type"] is None and response.get_json()["indicators"] == []
    for _ in range(3):
        published(admin)
    first = client.get(f"{ALERTS}?limit=2").get_json()
    second = client.get(f"{ALERTS}?limit=2&cursor={first['next_cursor']}").get_json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next_cursor"] is None


def test_done_when_a_citizen_in_the_targeted_commune_sees_the_alert_at_the_top_of_the_feed(
    staff, citizen, app
):
    editor = staff["editor_a"]
    published(editor, severity="minor", targets={"province_codes": [DA_NANG]})
    alert = published(editor, translations={"en": {"headline": "Fake police calls"}})
    published(editor, severity="extreme", targets={"ward_codes": [THANH_KHE]})  # another commune

    feed = citizen.get("/api/v1/feed")
    assert feed.status_code == 200, feed.get_json()
    [top, province_wide] = feed.get_json()["alerts"]
    assert top["id"] == alert["id"] and top["headline"] == alert["headline"]
    assert (top["severity"], top["urgency"], top["source_url"]) == (
        "severe",
        "immediate",
        alert["source_url"],
    )
    assert province_wide["severity"] == "minor"
    english = citizen.get("/api/v1/feed", headers={"Accept-Language": "en"}).get_json()["alerts"][0]
    assert english["headline"] == "Fake police calls"


def test_lists_put_the_most_severe_first_then_the_most_recently_sent(admin, client, db):
    older = published(admin, severity="moderate")
    newer = published(admin, severity="moderate")
    extreme = published(admin, severity="extreme")
    minor = published(admin, severity="minor")
    for alert, minutes in ((older, 10), (newer, 5)):  # CAP times are whole seconds: apart, for the test
        db.get(Alert, alert["id"]).sent_at = utcnow() - timedelta(minutes=minutes)
    db.commit()
    assert [a["id"] for a in client.get(ALERTS).get_json()["items"]] == [
        extreme["id"],
        newer["id"],
        older["id"],
        minor["id"],
    ]
    # An update is a new message: the older alert is now the more recent of the two moderate ones.
    assert admin.patch(f"{ALERTS}/{older['id']}", json={"instruction": "Gọi 113."}).status_code == 200
    assert [a["id"] for a in client.get(ALERTS).get_json()["items"]][1:3] == [older["id"], newer["id"]]


def test_every_write_is_audited(staff, sql):
    editor = staff["editor_a"]
    alert = published(editor)
    editor.patch(f"{ALERTS}/{alert['id']}", json={"severity": "extreme"})
    editor.post(f"{ALERTS}/{alert['id']}/cancel", json={"reason": "Đã xác minh"})
    rows = sql(
        "SELECT action, actor_id FROM audit_events WHERE entity_id = :id ORDER BY id", id=alert["id"]
    ).all()
    assert [row.action for row in rows] == ["alert.create", "alert.publish", "alert.update", "alert.cancel"]
    assert {str(row.actor_id) for row in rows} == {str(editor.principal.id)}


@pytest.mark.parametrize(
    "change",
    [
        {"indicators": [{"type": "phone", "value": "12"}]},
        {"expires_at": (utcnow() - timedelta(hours=1)).isoformat()},
        {"targets": {"ward_codes": [99999]}},
        {"headline": None},
        {"source_url": "http://congan.danang.gov.vn/x"},
    ],
)
def test_a_bad_change_to_a_published_alert_is_a_422_and_changes_nothing(staff, db, change):
    editor = staff["editor_a"]
    alert = published(editor)
    assert_problem(editor.patch(f"{ALERTS}/{alert['id']}", json=change), 422)
    stored = db.get(Alert, alert["id"])
    db.refresh(stored)
    assert [m["msg_type"] for m in stored.cap_messages] == ["Alert"]
    assert len(pushes(db, alert["id"])) == 1
    assert stored.headline == alert["headline"] and stored.indicators[0].normalized == "+84912345678"


def test_an_expired_alert_cannot_change_but_can_be_withdrawn_without_a_push(staff, db, client):
    editor = staff["editor_a"]
    alert = published(editor)
    db.get(Alert, alert["id"]).expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    later = (utcnow() + timedelta(days=1)).isoformat()
    refused = editor.patch(f"{ALERTS}/{alert['id']}", json={"expires_at": later})
    assert assert_problem(refused, 409, "alert_expired")["allowed"] == ["cancelled"]
    # Expired, it still answers scam-check, until it is withdrawn.
    check = "/api/v1/scam-check?value=0912345678"
    assert client.get(check).get_json()["verdict"] == "reported"
    response = editor.post(f"{ALERTS}/{alert['id']}/cancel", json={"reason": "Số này không phải lừa đảo."})
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert response.get_json()["msg_type"] == "Alert"  # no CAP Cancel after its expiry (test_cap.py)
    assert len(pushes(db, alert["id"])) == 1  # only the original Alert's
    assert client.get(check).get_json()["verdict"] == "no_reports"


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("phone", "0912 abc"),
        ("url", "ftp://scam.com/x"),
        ("domain", "not a domain"),
        ("bank_account", "VCB ------"),
        ("social_account", "some.page"),
        ("email", "ho.tro@"),
    ],
)
def test_an_indicator_of_any_type_that_does_not_parse_is_a_422_naming_it(staff, sql, type_, value):
    indicators = [{"type": "email", "value": "a@scam.vn"}, {"type": type_, "value": value}]
    body = assert_problem(staff["editor_a"].post(ALERTS, json=payload(indicators=indicators)), 422)
    assert list(body["errors"]["indicators"]) == ["1"] and body["errors"]["indicators"]["1"]["value"]
    assert sql("SELECT count(*) FROM alert_indicators").scalar() == 0


def test_deliveries_are_for_staff_only(staff, citizen, client):
    alert = published(staff["editor_a"])
    assert_problem(client.get(f"{ALERTS}/{alert['id']}/deliveries"), 401)
    assert_problem(citizen.get(f"{ALERTS}/{alert['id']}/deliveries"), 403)
    summary = staff["admin"].get(f"{ALERTS}/{alert['id']}/deliveries").get_json()
    assert summary["by_status"] == {"pending": 1} and summary["first_sent_at"] is None


@pytest.fixture
def sqlite_app(tmp_path):
    """The embedded default: an app on a new SQLite file built by the migrations."""
    url = f"sqlite:///{tmp_path / 'citizen.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET, "APP_ENV": "test"})
    command.upgrade(alembic_config(url), "head")
    yield app
    app.extensions["database"].engine.dispose()


def test_the_whole_alert_flow_works_on_sqlite(sqlite_app):
    """Draft, publish, list, feed, scam-check, report, top, promote, update, cancel, CAP and Atom on
    SQLite, and scam-check's lookups use the indexes there too."""
    with sqlite_app.app_context():
        db = sqlite_app.extensions["database"].session()
        department = Department(
            code="CA", name="Công an", name_search="cong an", province_code=DA_NANG, intake=True, active=True
        )
        db.add(department)
        db.flush()
        editor = User(
            email="e@example.org",
            full_name="E",
            password_hash="x",
            role="editor",
            department_id=department.id,
            active=True,
        )
        token, hashed = new_token(DEVICE_TOKEN_PREFIX)
        db.add_all(
            [editor, Device(token_hash=hashed, platform="android", province_code=DA_NANG, ward_code=HAI_CHAU)]
        )
        db.commit()
        jwt = issue_jwt(TEST_SECRET, 3600, sub=str(editor.id), role="editor")
    http = sqlite_app.test_client()

    def as_editor(method, url, **kwargs):
        return http.open(url, method=method, headers={"Authorization": f"Bearer {jwt}"}, **kwargs)

    def as_citizen(method, url, **kwargs):
        return http.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)

    alert = as_editor("POST", ALERTS, json=payload()).get_json()
    assert as_editor("POST", f"{ALERTS}/{alert['id']}/publish").get_json()["msg_type"] == "Alert"
    minor = as_editor("POST", ALERTS, json=payload(severity="minor")).get_json()
    as_editor("POST", f"{ALERTS}/{minor['id']}/publish")
    first = http.get(f"{ALERTS}?ward_code={HAI_CHAU}&limit=1").get_json()
    second = http.get(f"{ALERTS}?ward_code={HAI_CHAU}&cursor={first['next_cursor']}").get_json()
    assert [a["id"] for a in first["items"] + second["items"]] == [alert["id"], minor["id"]]
    assert as_citizen("GET", "/api/v1/feed").get_json()["alerts"][0]["id"] == alert["id"]

    check = http.get("/api/v1/scam-check", query_string={"value": "84-912-345-678"}).get_json()
    assert (check["verdict"], check["normalized"]) == ("reported", "+84912345678")
    report = as_citizen("POST", "/api/v1/scam-reports", json={"type": "phone", "value": "0987 654 321"})
    assert report.status_code == 201 and report.get_json()["department_id"] == str(department.id)
    [top] = as_editor("GET", "/api/v1/scam-reports/top").get_json()["items"]
    assert (top["normalized"], top["devices"]) == ("+84987654321", 1)
    promoted = as_editor("POST", f"/api/v1/scam-reports/{top['latest_report_id']}/promote").get_json()
    assert promoted["status"] == "draft" and promoted["indicators"][0]["normalized"] == "+84987654321"

    assert as_editor("PATCH", f"{ALERTS}/{alert['id']}", json={"severity": "extreme"}).status_code == 200
    assert as_editor("POST", f"{ALERTS}/{alert['id']}/cancel", json={"reason": "Nhầm"}).status_code == 200
    cap = SafeET.fromstring(http.get(f"{ALERTS}/{alert['id']}/cap").data)
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2", "atom": "http://www.w3.org/2005/Atom"}
    assert cap.findtext("cap:msgType", namespaces=ns) == "Cancel"
    assert len(cap.findtext("cap:references", namespaces=ns).split(" ")) == 2
    assert cap.findtext("cap:info/cap:expires", namespaces=ns).endswith("+07:00")
    atom = SafeET.fromstring(http.get("/feeds/alerts.atom").data)
    entries = atom.findall("atom:entry", ns)
    assert [e.findtext("atom:id", namespaces=ns) for e in entries] == [
        f"urn:uuid:{alert['id']}",  # cancelled, kept for 48 hours so that readers see the Cancel
        f"urn:uuid:{minor['id']}",
    ]
    assert entries[0].findtext("atom:title", namespaces=ns).startswith("Đã hủy: ")

    with sqlite_app.extensions["database"].engine.connect() as connection:
        for table in ("alert_indicators", "scam_reports"):
            query = f"EXPLAIN QUERY PLAN SELECT id FROM {table} WHERE normalized IN ('a', 'b')"
            plan = " ".join(row[3] for row in connection.execute(text(query)))
            assert f"USING INDEX ix_{table}_normalized" in plan


# ---------------------------------------------------------------- from the attacker's side


def audit_actions(sql, alert_id) -> list[str]:
    rows = sql("SELECT action FROM audit_events WHERE entity_id = :id ORDER BY id", id=alert_id)
    return [row.action for row in rows]


def test_a_patch_that_changes_nothing_sends_and_records_nothing(staff, db, sql):
    editor = staff["editor_a"]
    indicators = [
        {"type": "phone", "value": "0912 345 678", "note": "số gọi đến"},
        {"type": "url", "value": "https://scam.vn/otp"},
    ]
    alert = published(editor, targets={"ward_codes": [HAI_CHAU, THANH_KHE]}, indicators=indicators)
    headline = alert["headline"]
    same = {
        **{key: alert[key] for key in ("category", "description", "instruction", "severity", "urgency")},
        **{key: alert[key] for key in ("certainty", "source_url", "expires_at", "translations")},
        "department_id": alert["department_id"],
        "headline": unicodedata.normalize("NFD", headline),  # the same text, decomposed
        "targets": {"ward_codes": [THANH_KHE, HAI_CHAU, THANH_KHE]},  # other order, twice
        "indicators": [  # other order, other spelling of the same number and link
            {"type": "url", "value": "https://SCAM.vn/otp?utm_source=zalo"},
            {"type": "phone", "value": "+84 912-345-678", "note": "số gọi đến"},
        ],
    }
    assert unicodedata.normalize("NFD", headline) != headline
    for change in (same, {}, {"severity": "severe"}, {"targets": {"ward_codes": [THANH_KHE, HAI_CHAU]}}):
        response = editor.patch(f"{ALERTS}/{alert['id']}", json=change)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert (body["msg_type"], body["sent_at"], body["headline"]) == ("Alert", alert["sent_at"], headline)
        assert [i["value"] for i in body["indicators"]] == ["0912 345 678", "https://scam.vn/otp"]

    assert [m["msg_type"] for m in db.get(Alert, alert["id"]).cap_messages] == ["Alert"]
    assert len(pushes(db, alert["id"])) == 1
    assert audit_actions(sql, alert["id"]) == ["alert.create", "alert.publish"]

    # One real change among the same values is an Update, pushed once.
    response = editor.patch(f"{ALERTS}/{alert['id']}", json={**same, "severity": "extreme"})
    assert response.get_json()["msg_type"] == "Update" and response.get_json()["severity"] == "extreme"
    assert len(pushes(db, alert["id"])) == 2
    assert audit_actions(sql, alert["id"]) == ["alert.create", "alert.publish", "alert.update"]


def test_a_new_note_or_an_added_indicator_is_a_change(staff, db):
    editor = staff["editor_a"]
    alert = published(editor)
    note = [{"type": "phone", "value": "0912 345 678", "note": "số nhắn tin"}]
    assert (
        editor.patch(f"{ALERTS}/{alert['id']}", json={"indicators": note}).get_json()["msg_type"] == "Update"
    )
    more = [*note, {"type": "phone", "value": "0987 654 321"}]
    assert (
        editor.patch(f"{ALERTS}/{alert['id']}", json={"indicators": more}).get_json()["msg_type"] == "Update"
    )
    assert len(pushes(db, alert["id"])) == 3


def test_publishing_a_cancelled_alert_says_cancelled_not_published(staff, db):
    editor = staff["editor_a"]
    alert = published(editor)
    editor.post(f"{ALERTS}/{alert['id']}/cancel", json={"reason": "Nhầm"})
    body = assert_problem(editor.post(f"{ALERTS}/{alert['id']}/publish"), 409, "alert_cancelled")
    assert body["detail"] == "An alert that is cancelled cannot become published: issue a new alert."
    assert body["allowed"] == []
    assert db.get(Alert, alert["id"]).status == "cancelled"
    assert [p.data["msg_type"] for p in pushes(db, alert["id"])] == ["Alert", "Cancel"]


@pytest.mark.parametrize(
    ("targets", "beyond"),
    [
        ({"national": True}, "the whole country"),
        ({"province_codes": [1]}, "province 1"),  # Hà Nội
        ({"ward_codes": [HAI_CHAU, 4]}, "ward 4"),  # a ward of Hà Nội beside one of Đà Nẵng
        ({"province_codes": [DA_NANG, 1]}, "province 1"),
    ],
)
def test_an_editor_cannot_aim_an_alert_beyond_their_province(staff, sql, targets, beyond):
    body = assert_problem(
        staff["editor_a"].post(ALERTS, json=payload(targets=targets)), 403, "target_out_of_reach"
    )
    assert body["errors"] == {"targets": [f"Beyond your department's reach: {beyond}."]}
    assert sql("SELECT count(*) FROM alerts").scalar() == 0


def test_an_editor_aims_anywhere_in_their_province_and_an_admin_anywhere(staff):
    wards = draft(staff["editor_a"], targets={"province_codes": [DA_NANG], "ward_codes": [HAI_CHAU]})
    assert wards["targets"] == {"national": False, "province_codes": [DA_NANG], "ward_codes": [HAI_CHAU]}
    national = published(staff["admin"], targets={"national": True})
    assert national["targets"] == {"national": True, "province_codes": [], "ward_codes": []}


def test_an_editor_cannot_widen_an_alert_by_patch_nor_send_an_admins_national_one(staff, db):
    editor, admin = staff["editor_a"], staff["admin"]
    mine = published(editor)
    widen = editor.patch(f"{ALERTS}/{mine['id']}", json={"targets": {"national": True}})
    assert_problem(widen, 403, "target_out_of_reach")
    assert db.get(Alert, mine["id"]).targets["national"] is False and len(pushes(db, mine["id"])) == 1
    draft_ = draft(editor)
    assert_problem(editor.patch(f"{ALERTS}/{draft_['id']}", json={"targets": {"province_codes": [1]}}), 403)

    # An admin's national draft for the editor's department: the editor may not send it, nor an Update
    # of it once the admin has; withdrawing it is always allowed.
    department = str(editor.principal.department_id)
    national = draft(admin, department_id=department, targets={"national": True})
    assert_problem(editor.post(f"{ALERTS}/{national['id']}/publish"), 403, "target_out_of_reach")
    assert db.get(Alert, national["id"]).status == "draft"
    assert admin.post(f"{ALERTS}/{national['id']}/publish").status_code == 200
    update = editor.patch(f"{ALERTS}/{national['id']}", json={"headline": "Cập nhật cả nước"})
    assert_problem(update, 403, "target_out_of_reach")
    assert len(pushes(db, national["id"])) == 1
    cancelled = editor.post(f"{ALERTS}/{national['id']}/cancel", json={"reason": "Đã xử lý"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"


def test_an_editor_of_a_department_without_a_province_reaches_nowhere(app, make_department, make_user):
    central = make_department("TW", province_code=None)
    editor = Caller(app.test_client(), staff_token(make_user("editor", central)))
    body = assert_problem(editor.post(ALERTS, json=payload()), 403, "target_out_of_reach")
    assert body["errors"] == {"targets": ["Beyond your department's reach: ward 20242."]}
