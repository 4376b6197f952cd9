"""The citizen's privacy rights (docs/privacy.md): consents per purpose in an append-only ledger, data
refused without the consent that covers it, withdrawal that stops what it covered, the export (JSON and
a streamed ZIP with the photos) and erasure that leaves nothing of the person while the statistics stay."""

import io
import json
import random
import uuid
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from services.core.db import utcnow
from services.identity import consents, personal_data
from services.identity.principals import Principal
from services.models import (
    Attachment,
    Citizen,
    ConsentRecord,
    Device,
    Feedback,
    SmsSubscription,
    ZaloMiniappSlot,
)
from tests.conftest import Caller, assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import FEEDBACK, ROAD_FORM, image_file, submit, upload
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import NOTICES
from tests.test_webhooks_outbox import register, webhooks_on  # noqa: F401 (a fixture)

PRIVACY = "/api/v1/privacy"
PHONE = "+84905111222"
NAME = "Lê Thị Riêng Tư"
PLACE = {"lat": 16.061234, "lon": 108.223456}


@pytest.fixture
def stranger(app, make_device):
    """A citizen who has consented to nothing yet."""
    device = make_device(consent=False)
    return Caller(app.test_client(), device.token, device)


@pytest.fixture
def photo_form(make_form, feedback_category):
    """The road form with a `location` answer too."""
    fields = [*ROAD_FORM["fields"], {"name": "spot", "label": {"vi": "Vị trí"}, "type": "location"}]
    return make_form(fields=fields)


def version(purpose: str) -> str:
    return consents.NOTICES[purpose].version


def consent(caller, purpose: str, expect=201):
    response = caller.post(
        f"{PRIVACY}/consents", json={"purpose": purpose, "notice_version": version(purpose)}
    )
    assert response.status_code == expect, response.get_json()
    return {item["purpose"]: item for item in response.get_json()["items"]}


def state(caller) -> dict:
    return {item["purpose"]: item for item in caller.get(f"{PRIVACY}/consents").get_json()["items"]}


# ---------------------------------------------------------------- the ledger


def test_each_purpose_has_a_versioned_notice_in_vietnamese_and_english(client):
    notices = client.get(f"{PRIVACY}/notices").get_json()["items"]

    assert {n["purpose"] for n in notices} == {
        "feedback_contact",
        "phone",
        "zalo_sign_in",
        "precise_location",
        "photos",
    }
    assert all(n["version"] and n["text"]["vi"] and n["text"]["en"] for n in notices)


def test_consents_are_given_and_withdrawn_per_purpose_and_every_word_is_kept(stranger, sql):
    assert not any(item["given"] for item in state(stranger).values())

    given = consent(stranger, "precise_location")
    assert given["precise_location"]["given"] and given["precise_location"]["up_to_date"]
    assert given["precise_location"]["channel"] == "app"
    assert not given["photos"]["given"]
    assert stranger.delete(f"{PRIVACY}/consents/precise_location").status_code == 204
    assert stranger.delete(f"{PRIVACY}/consents/precise_location").status_code == 204  # idempotent
    consent(stranger, "precise_location")

    ledger = sql(
        "SELECT action, device_id, notice_version, channel FROM consent_records WHERE citizen_id = :c "
        "ORDER BY recorded_at",
        c=stranger.principal.citizen_id,
    ).all()
    assert [row.action for row in ledger] == ["given", "withdrawn", "given"]
    assert {(row.device_id, row.notice_version, row.channel) for row in ledger} == {
        (stranger.principal.id, version("precise_location"), "app")
    }
    assert state(stranger)["precise_location"]["given"]


def test_a_consent_names_the_notice_shown_and_only_a_known_purpose(stranger, client):
    outdated = stranger.post(f"{PRIVACY}/consents", json={"purpose": "photos", "notice_version": "2020-1"})
    assert_problem(outdated, 422, "consent_notice_outdated")
    assert_problem(stranger.post(f"{PRIVACY}/consents", json={"purpose": "dna", "notice_version": "1"}), 422)
    assert stranger.delete(f"{PRIVACY}/consents/dna").status_code == 404
    assert_problem(client.get(f"{PRIVACY}/consents"), 401)
    assert_problem(client.post(f"{PRIVACY}/consents", json={"purpose": "photos", "notice_version": "1"}), 401)


# ---------------------------------------------------------------- consent_required


def test_contact_details_location_and_photos_need_their_consent(stranger, photo_form, department_a):
    refused = assert_problem(stranger.post(FEEDBACK, json=_report()), 422, "consent_required")
    assert refused["purpose"] == "feedback_contact"
    assert refused["notice_version"] == version("feedback_contact")
    photo = upload(stranger)
    everything = _report(location=PLACE, answers={**_answers(), "photos": [photo["id"]]})
    refused = assert_problem(stranger.post(FEEDBACK, json=everything), 422, "consent_required")
    assert [m["purpose"] for m in refused["missing"]] == ["feedback_contact", "precise_location", "photos"]

    consent(stranger, "feedback_contact")
    consent(stranger, "precise_location")
    refused = assert_problem(stranger.post(FEEDBACK, json=everything), 422, "consent_required")
    assert refused["purpose"] == "photos"
    consent(stranger, "photos")
    assert stranger.post(FEEDBACK, json=everything).status_code == 201


def test_an_anonymous_report_without_personal_data_needs_no_consent(stranger, road_form, department_a):
    submit(stranger, contact=None, anonymous=True)


def test_a_location_answer_is_precise_location(stranger, photo_form, department_a):
    consent(stranger, "feedback_contact")
    refused = stranger.post(FEEDBACK, json=_report(answers={**_answers(), "spot": PLACE}))
    assert assert_problem(refused, 422, "consent_required")["purpose"] == "precise_location"


def test_an_api_key_submitting_at_a_counter_is_not_asked(road_form, department_a, make_api_key, app):
    """The commune office collects the citizen's consent in person (channel `office`)."""
    key = make_api_key(scopes=("feedback:write",))
    submit(Caller(app.test_client(), key.key, key))


# ---------------------------------------------------------------- withdrawal


def test_withdrawing_location_drops_the_coordinates_of_open_feedback_only(
    citizen, photo_form, department_a, staff, db
):
    open_one = submit(citizen, location=PLACE, answers={**_answers(), "spot": PLACE})
    closed = submit(citizen, location=PLACE)
    _close(db, closed["id"])

    assert citizen.delete(f"{PRIVACY}/consents/precise_location").status_code == 204

    db.expire_all()
    kept_open, kept_closed = (
        db.get(Feedback, uuid.UUID(open_one["id"])),
        db.get(Feedback, uuid.UUID(closed["id"])),
    )
    assert (kept_open.lat, kept_open.lon, kept_open.ward_code) == (None, None, open_one["ward_code"])
    assert "spot" not in kept_open.answers and kept_open.answers["where"]
    assert (kept_closed.lat, kept_closed.lon) == (PLACE["lat"], PLACE["lon"])  # the retention job's
    refused = citizen.post(FEEDBACK, json=_report(location=PLACE))
    assert assert_problem(refused, 422, "consent_required")["purpose"] == "precise_location"


def test_withdrawing_photos_deletes_those_of_open_feedback_with_their_files(
    citizen, road_form, department_a, db, attachments_dir
):
    data = image_file("PNG", size=(9, 7), color=(1, 2, 3))
    photo = upload(citizen, data, "p.png")
    sent = submit(citizen, answers={**_answers(), "photos": [photo["id"]]})
    [key] = db.scalars(select(Attachment.storage_key).where(Attachment.id == uuid.UUID(photo["id"])))
    assert (Path(attachments_dir) / key).exists()

    assert citizen.delete(f"{PRIVACY}/consents/photos").status_code == 204

    assert db.get(Attachment, uuid.UUID(photo["id"])) is None
    assert not (Path(attachments_dir) / key).exists()
    db.expire_all()
    assert "photos" not in db.get(Feedback, uuid.UUID(sent["id"])).answers


# ---------------------------------------------------------------- export


def test_the_export_holds_everything_about_the_citizen_and_nothing_of_others(
    citizen, stranger, road_form, department_a, staff
):
    mine = submit(citizen, location=PLACE)
    consent(stranger, "feedback_contact")
    submit(stranger, contact={"name": "Người khác", "phone": "0987 000 111"})
    staff["officer_a"].post(f"{FEEDBACK}/{mine['id']}/replies", json={"body": "Đã tiếp nhận."})

    data = citizen.get(f"{PRIVACY}/me/export").get_json()

    assert [d["id"] for d in data["devices"]] == [str(citizen.principal.id)]
    assert {c["purpose"] for c in data["consents"]} == set(consents.NOTICES)
    [feedback] = data["feedback"]
    assert feedback["tracking_code"] == mine["tracking_code"]
    assert feedback["contact"]["phone"] == "+84912345678" and feedback["lat"] == PLACE["lat"]
    assert feedback["answers"]["where"] == "Đường Bạch Đằng"
    assert feedback["timeline"][0]["kind"] == "submitted"
    assert "Người khác" not in json.dumps(data, ensure_ascii=False)
    assert not any("token_hash" in d or "push_token" in d for d in data["devices"])


def test_the_zip_export_is_streamed_one_photo_at_a_time(
    citizen, road_form, department_a, db, attachments_dir
):
    photos = [_noise(seed) for seed in range(9)]  # within the uploads' limit
    for start in range(0, len(photos), 3):
        ids = [upload(citizen, data, "p.png")["id"] for data in photos[start : start + 3]]
        submit(citizen, answers={**_answers(), "photos": ids})
    stored = [
        (Path(attachments_dir) / key).read_bytes() for key in db.scalars(select(Attachment.storage_key))
    ]

    response = citizen.get(f"{PRIVACY}/me/export?format=zip")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.is_streamed  # a generator, not a body built first
    chunks = list(response.response)
    assert len(chunks) > len(photos)  # the JSON, then each photo as it is written
    assert max(len(chunk) for chunk in chunks[1:]) < 2 * max(len(p) for p in stored)  # never the whole
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    data = json.loads(archive.read("personal-data.json"))
    files = [a["file"] for f in data["feedback"] for a in f["attachments"]]
    assert sorted(archive.read(name) for name in files) == sorted(stored)


def test_one_citizen_never_exports_another(citizen, stranger, client):
    assert_problem(client.get(f"{PRIVACY}/me/export"), 401)
    assert stranger.get(f"{PRIVACY}/me/export").get_json()["feedback"] == []


def test_the_export_holds_the_zalo_identity_and_the_sms_subscriptions_of_the_phone(citizen, db):
    db.add(Citizen(id=citizen.principal.citizen_id, zalo_user_id="zalo-77", phone=PHONE))
    db.add(SmsSubscription(phone=PHONE, province_code=48, ward_code=20242, status="active", source="office"))
    db.add(
        SmsSubscription(
            phone="+84905000999", province_code=48, ward_code=20242, status="active", source="sms"
        )
    )
    db.commit()

    data = citizen.get(f"{PRIVACY}/me/export").get_json()

    assert (data["identity"]["zalo_user_id"], data["identity"]["phone"]) == ("zalo-77", PHONE)
    assert [s["phone"] for s in data["sms_subscriptions"]] == [PHONE]


def test_exports_are_rate_limited_per_device(citizen):
    answers = [citizen.get(f"{PRIVACY}/me/export").status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]


# ---------------------------------------------------------------- erasure


@pytest.mark.usefixtures("webhooks_on")
def test_after_erasure_no_table_or_file_holds_the_person_and_the_statistics_stay(
    citizen, road_form, department_a, staff, db, sql, attachments_dir, write, move
):
    register(staff["editor_a"], "http://127.0.0.1:9/")  # the department's system gets a copy of the feedback
    data = image_file("PNG", size=(11, 13), color=(7, 77, 177))
    photo = upload(citizen, data, "p.png")
    sent = submit(
        citizen,
        contact={"name": NAME, "phone": PHONE, "email": "rieng.tu@example.vn"},
        location=PLACE,
        answers={**_answers(), "photos": [photo["id"]]},
    )
    staff["officer_a"].post(f"{FEEDBACK}/{sent['id']}/replies", json={"body": "Đã tiếp nhận, sẽ xử lý."})
    staff["officer_a"].get(f"{FEEDBACK}/{sent['id']}")  # a staff read of the contact, audited
    draft = move(write(), "consultation")
    comment = citizen.post(
        f"{NOTICES}/{draft['id']}/comments", json={"body": "Đề nghị làm rõ điều 2.", "contact": PHONE}
    )
    assert comment.status_code == 201, comment.get_json()
    db.add(Citizen(id=citizen.principal.citizen_id, zalo_user_id="zalo-8412345", phone=PHONE))
    db.add(SmsSubscription(phone=PHONE, province_code=48, ward_code=20242, status="active", source="office"))
    today = utcnow().date()  # the day's Mini App notification went to them
    db.add(ZaloMiniappSlot(day=today, citizen_id=citizen.principal.citizen_id, notification_id=uuid.uuid4()))
    db.commit()
    report = staff["admin"].get("/api/v1/reports/feedback").get_json()
    [key] = db.scalars(select(Attachment.storage_key).where(Attachment.id == uuid.UUID(photo["id"])))
    held = _tables_holding(sql, PHONE)
    assert {"feedback.contact", "citizens.phone", "sms_subscriptions.phone", "audit_events.after"} <= set(
        held
    )
    assert {"feedback.lat", "deliveries.payload"} <= set(_tables_holding(sql, str(PLACE["lat"])))

    assert citizen.delete(f"{PRIVACY}/me").status_code == 204

    db.expire_all()
    for needle in (PHONE, PHONE[3:], NAME, "rieng.tu@example.vn", str(PLACE["lat"]), str(PLACE["lon"])):
        assert _tables_holding(sql, needle) == [], needle
    assert _tables_holding(sql, str(citizen.principal.citizen_id)) == []
    assert not (Path(attachments_dir) / key).exists()
    assert not any(p.is_file() and p.read_bytes() == data for p in Path(attachments_dir).rglob("*"))
    assert staff["admin"].get("/api/v1/reports/feedback").get_json() == report
    kept = db.get(Feedback, uuid.UUID(sent["id"]))
    assert kept.citizen_id != citizen.principal.citizen_id and kept.answers["where"] == "Đường Bạch Đằng"
    assert [r.body for r in kept.replies] == ["Đã tiếp nhận, sẽ xử lý."]
    assert staff["officer_a"].get(f"{FEEDBACK}/{sent['id']}").status_code == 200
    assert_problem(citizen.get(f"{PRIVACY}/me/export"), 401)  # the token went with the device
    erased = sql("SELECT after FROM audit_events WHERE action = 'citizen.erase'").scalar_one()
    assert erased == {"feedback": 1, "files": 1, "devices": 1}


def test_erasure_is_idempotent(citizen, road_form, department_a, db):
    submit(citizen, location=PLACE)
    principal = Principal(kind="device", device=citizen.principal)
    citizen_id = citizen.principal.citizen_id
    personal_data.erase(db, citizen_id, principal)
    db.commit()
    rows = db.scalars(select(Feedback)).all()

    personal_data.erase(db, citizen_id, principal)
    db.commit()

    assert db.scalars(select(Feedback)).all() == rows
    assert db.scalar(select(ConsentRecord).where(ConsentRecord.citizen_id == citizen_id)) is None


def test_forgetting_the_last_device_erases_the_citizen_but_not_while_another_remains(
    app, citizen, road_form, department_a, db
):
    sent = submit(citizen, location=PLACE)
    second = Caller(
        app.test_client(),
        citizen.post("/api/v1/devices", json={"platform": "ios", "province_code": 48}).get_json()[
            "device_token"
        ],
    )

    assert citizen.delete("/api/v1/devices/me").status_code == 204
    db.expire_all()
    assert db.get(Feedback, uuid.UUID(sent["id"])).lat == PLACE["lat"]  # the other phone is still theirs
    assert second.get(f"{PRIVACY}/me/export").get_json()["feedback"][0]["id"] == sent["id"]

    assert second.delete("/api/v1/devices/me").status_code == 204
    db.expire_all()
    kept = db.get(Feedback, uuid.UUID(sent["id"]))
    assert (kept.lat, kept.contact, kept.citizen_id == citizen.principal.citizen_id) == (None, None, False)
    assert db.scalar(select(Device).where(Device.citizen_id == citizen.principal.citizen_id)) is None


# ---------------------------------------------------------------- helpers


def _answers() -> dict:
    return {"where": "Đường Bạch Đằng", "kind": "pothole", "details": "Ổ gà sâu"}


def _report(**overrides) -> dict:
    return {
        "form": "road-damage",
        "answers": _answers(),
        "province_code": 48,
        "ward_code": 20242,
        "contact": {"name": "Nguyễn Văn A", "phone": "0912 345 678"},
        **overrides,
    }


def _noise(seed: int) -> bytes:
    """A photo that does not compress: each is tens of kilobytes."""
    pixels = random.Random(seed).randbytes(120 * 120 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (120, 120), pixels).save(out, "PNG")
    return out.getvalue()


def _close(db, feedback_id: str) -> None:
    feedback = db.get(Feedback, uuid.UUID(feedback_id))
    feedback.status = "closed"
    db.commit()


def _tables_holding(sql, needle: str) -> list[str]:
    """Every table.column whose text (text, JSON, numbers, ids, as text) holds `needle`."""
    columns = sql(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name <> 'alembic_version' AND data_type IN "
        "('text', 'character varying', 'json', 'jsonb', 'double precision', 'uuid', 'numeric', 'real')"
    ).all()
    return [
        f"{table}.{column}"
        for table, column in columns
        if sql(f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE :n LIMIT 1', n=f"%{needle}%").first()
    ]


def test_free_text_the_department_marks_as_personal_is_erased_with_the_citizen(
    citizen, staff, road_form, department_a, db
):
    created = submit(
        citizen, answers={"where": "Kiệt 12 Bạch Đằng", "kind": "pothole", "details": "Nhà bà Lê Thị Hoa"}
    )
    officer = staff["officer_a"]
    url = f"{FEEDBACK}/{created['id']}/personal-answers"
    assert "names" in assert_problem(officer.put(url, json={"names": ["nobody"]}), 422)["errors"]
    marked = officer.put(url, json={"names": ["details"]})
    assert marked.status_code == 200 and marked.get_json()["personal_answers"] == ["details"]
    assert_problem(staff["viewer_a"].put(url, json={"names": []}), 403)

    assert citizen.delete(f"{PRIVACY}/me").status_code == 204
    kept = db.get(Feedback, uuid.UUID(created["id"]))
    db.refresh(kept)
    assert kept.answers == {"where": "Kiệt 12 Bạch Đằng", "kind": "pothole"}  # the report itself stays
