"""Claims citizens report, grouped per viral post, routed like feedback of category `misinformation`, and
the fact-checks departments publish: told to every citizen who reported or asked, found by the check,
and served as schema.org ClaimReview JSON-LD and in the Atom feed."""

import threading
import uuid

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from services.core import deadlines
from services.core.db import utcnow
from services.identity import personal_data
from services.identity.principals import SYSTEM, Principal
from services.identity.principals import Caller as Calling
from services.models import (
    AuditEvent,
    ClaimGroup,
    ClaimInterest,
    ClaimReport,
    Delivery,
    Device,
    EventRecord,
    FactCheckVersion,
    Notification,
    NotificationRecipient,
    RoutingRule,
)
from services.publishing import claims
from tests.conftest import Caller, assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import PDF, upload
from tests.scam_fixtures import *  # noqa: F403
from tests.standards import schemaorg

CLAIMS = "/api/v1/claims"
CHECK = "/api/v1/claims/check"
GROUPS = "/api/v1/claim-groups"
FACT_CHECKS = "/api/v1/fact-checks"
POST = "https://www.facebook.com/groups/phuongxyz/posts/8812"
TEXT = "Phường sẽ thu hồi đất của tất cả các hộ chưa có sổ đỏ trước ngày 1/1, ai chưa làm giấy tờ sẽ mất đất"
FACT_CHECK = {
    "claim_reviewed": "Phường sẽ thu hồi đất của các hộ chưa có sổ đỏ trước ngày 1/1",
    "rating": "false",
    "explanation": "Không có quyết định thu hồi đất nào như vậy; việc cấp sổ đỏ vẫn tiếp tục bình thường.",
    "sources": [
        {"url": "https://danang.gov.vn/thong-bao/cap-giay-chung-nhan", "title": "Thông báo của UBND"}
    ],
}


def claim(caller, **body) -> dict:
    response = caller.post(CLAIMS, json={"platform": "facebook", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def misinformation_to_b(db, make_category, department_b):
    """Claims from Đà Nẵng go to department B (the officer_b of `staff`)."""
    category = make_category("misinformation", days=3)
    db.add(RoutingRule(category_id=category.id, province_code=48, department_id=department_b.id))
    db.commit()
    return department_b


def test_a_viral_post_reported_three_ways_is_checked_once_and_every_reporter_is_told(
    staff, devices, client, db, misinformation_to_b
):
    first, second, third = devices(3)
    one = claim(first, link=f"{POST}?utm_source=zalo&utm_medium=share", text=TEXT, platform="zalo_group")
    two = claim(second, link="http://facebook.com/groups/phuongxyz/posts/8812/?fbclid=IwAR0xyz")
    three = claim(
        third, text=TEXT.replace("tất cả các hộ", "các hộ").replace(", ai", ". Ai"), platform="word_of_mouth"
    )
    assert one["group_id"] == two["group_id"] == three["group_id"] and three["fact_check"] is None

    listed = staff["officer_b"].get(GROUPS).get_json()["items"]
    assert [(g["id"], g["devices"], g["status"], g["needs_triage"]) for g in listed] == [
        (one["group_id"], 3, "open", False)
    ]
    assert staff["officer_a"].get(GROUPS).get_json()["items"] == []
    details = staff["officer_b"].get(f"{GROUPS}/{one['group_id']}").get_json()
    assert [r["id"] for r in details["reports"]] == [one["id"], two["id"], three["id"]]
    assert [day["reports"] for day in details["growth"]] == [3]

    published = staff["officer_b"].post(f"{GROUPS}/{one['group_id']}/fact-check", json=FACT_CHECK)
    assert published.status_code == 201, published.get_json()
    fact_check = published.get_json()
    assert fact_check["version"] == 1 and fact_check["department_id"] == str(misinformation_to_b.id)

    push = db.scalar(select(Notification).where(Notification.source_id == fact_check["id"]))
    told = set(
        db.scalars(
            select(NotificationRecipient.citizen_id).where(NotificationRecipient.notification_id == push.id)
        )
    )
    assert told == {caller.principal.citizen_id for caller in (first, second, third)}
    assert push.content["vi"] == {
        "title": "Kết quả kiểm chứng: Sai sự thật",
        "body": f"{misinformation_to_b.name}: {FACT_CHECK['claim_reviewed']}",
    }

    found = client.get(CHECK, query_string={"url": f"{POST}?gclid=abc"}).get_json()["items"]
    assert [f["id"] for f in found] == [fact_check["id"]]
    assert [f["id"] for f in client.get(CHECK, query_string={"q": TEXT}).get_json()["items"]] == [
        fact_check["id"]
    ]

    review = client.get(f"{FACT_CHECKS}/{fact_check['id']}/claim-review")
    assert review.status_code == 200 and review.mimetype == "application/ld+json"
    document = review.get_json()
    assert document["@type"] == "ClaimReview" and document["reviewRating"]["ratingValue"] == 1
    assert document["itemReviewed"]["firstAppearance"]["url"] == f"{POST}?utm_source=zalo&utm_medium=share"
    assert document["author"] == {"@type": "GovernmentOrganization", "name": misinformation_to_b.name}
    schemaorg.assert_valid(document)


def test_a_report_of_a_checked_claim_is_answered_at_once(staff, devices, misinformation_to_b):
    first, later = devices(2)
    group_id = claim(first, link=POST)["group_id"]
    staff["officer_b"].post(f"{GROUPS}/{group_id}/fact-check", json=FACT_CHECK)
    answered = claim(later, link=f"{POST}/")
    assert answered["group_id"] == group_id and answered["fact_check"]["rating"] == "false"


def test_the_check_never_gives_a_verdict_on_what_was_not_checked_and_remembers_who_asked(
    staff, devices, db, misinformation_to_b
):
    reporter, asker = devices(2)
    group_id = claim(reporter, link=POST)["group_id"]
    assert asker.get(CHECK, query_string={"url": POST}).get_json() == {"items": []}
    assert asker.get(CHECK, query_string={"url": "https://example.com/never-reported"}).get_json() == {
        "items": []
    }
    fact_check = staff["officer_b"].post(f"{GROUPS}/{group_id}/fact-check", json=FACT_CHECK).get_json()
    push = db.scalar(select(Notification).where(Notification.source_id == fact_check["id"]))
    told = set(
        db.scalars(
            select(NotificationRecipient.citizen_id).where(NotificationRecipient.notification_id == push.id)
        )
    )
    assert told == {reporter.principal.citizen_id, asker.principal.citizen_id}


def test_different_claims_and_other_provinces_stay_apart(devices, misinformation_to_b):
    [here] = devices(1)
    [there] = devices(1, province_code=1, ward_code=4)
    a = claim(here, text=TEXT)
    b = claim(here, text="Nước máy ở phường bị nhiễm độc, không được uống trong tuần này")
    c = claim(there, text=TEXT)
    assert len({a["group_id"], b["group_id"], c["group_id"]}) == 3


def test_many_devices_within_hours_make_a_claim_urgent(devices, db, misinformation_to_b, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLAIM_URGENT_DEVICES", 3)
    callers = devices(3)
    group_id = [claim(caller, link=POST) for caller in callers][0]["group_id"]
    group = db.get(ClaimGroup, uuid.UUID(group_id))
    db.refresh(group)
    assert group.urgent and group.due_at <= deadlines.add_working_hours(utcnow(), claims.URGENT_WORKING_HOURS)


def test_bad_input(staff, citizen, client, devices, misinformation_to_b):
    assert_problem(citizen.post(CLAIMS, json={"platform": "facebook"}), 422)
    assert_problem(citizen.post(CLAIMS, json={"platform": "facebook", "text": "   "}), 422)
    assert_problem(citizen.post(CLAIMS, json={"platform": "pigeon", "text": TEXT}), 422)
    assert_problem(
        citizen.post(CLAIMS, json={"platform": "other", "text": TEXT, "ward_code": 4}), 422
    )  # Hà Nội
    assert_problem(citizen.post(CLAIMS, json={"platform": "facebook", "link": "not a link"}), 422)
    pdf = upload(citizen, PDF, "a.pdf")
    refused = citizen.post(CLAIMS, json={"platform": "facebook", "text": TEXT, "screenshot_id": pdf["id"]})
    assert "screenshot_id" in assert_problem(refused, 422)["errors"]
    assert_problem(client.post(CLAIMS, json={"platform": "facebook", "text": TEXT}), 401)
    assert_problem(client.get(CHECK), 422)

    group_id = claim(citizen, link=POST)["group_id"]
    officer = staff["officer_b"]
    for missing in ("sources", "rating"):
        body = {k: v for k, v in FACT_CHECK.items() if k != missing}
        assert (
            missing
            in assert_problem(officer.post(f"{GROUPS}/{group_id}/fact-check", json=body), 422)["errors"]
        )
    no_source = officer.post(f"{GROUPS}/{group_id}/fact-check", json={**FACT_CHECK, "sources": []})
    assert_problem(no_source, 422)
    assert_problem(staff["officer_a"].post(f"{GROUPS}/{group_id}/fact-check", json=FACT_CHECK), 404)
    assert_problem(staff["viewer_a"].post(f"{GROUPS}/{group_id}/fact-check", json=FACT_CHECK), 403)


def test_a_screenshot_is_kept_with_the_report_for_the_department(
    app, staff, citizen, db, make_device, misinformation_to_b
):
    device = make_device(consent=False)
    unconsented = Caller(app.test_client(), device.token, device)
    unused = upload(unconsented)
    refused = unconsented.post(
        CLAIMS, json={"platform": "facebook", "text": TEXT, "screenshot_id": unused["id"]}
    )
    assert assert_problem(refused, 422)["code"] == "consent_required"
    shot = upload(citizen)
    report = claim(citizen, text=TEXT, screenshot_id=shot["id"])
    details = staff["officer_b"].get(f"{GROUPS}/{report['group_id']}").get_json()
    assert details["reports"][0]["screenshot_ids"] == [shot["id"]]
    assert staff["officer_b"].get(f"/api/v1/attachments/{shot['id']}").status_code == 200
    [read] = db.scalars(select(AuditEvent).where(AuditEvent.action == "claim.screenshot_view")).all()
    assert read.entity_id == shot["id"]
    logged = (
        staff["admin"].get(f"/api/v1/privacy/access-log?subject={citizen.principal.citizen_id}").get_json()
    )
    assert [entry["action"] for entry in logged["items"]] == ["claim.screenshot_view"]
    assert_problem(staff["officer_a"].get(f"/api/v1/attachments/{shot['id']}"), 404)


def test_a_change_keeps_the_earlier_version(staff, citizen, db, misinformation_to_b):
    group_id = claim(citizen, link=POST)["group_id"]
    fact_check = staff["officer_b"].post(f"{GROUPS}/{group_id}/fact-check", json=FACT_CHECK).get_json()
    changed = staff["officer_b"].patch(f"{FACT_CHECKS}/{fact_check['id']}", json={"rating": "misleading"})
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    [kept] = db.scalars(select(FactCheckVersion)).all()
    assert kept.version == 1 and kept.content["rating"] == "false"
    assert_problem(
        staff["officer_a"].patch(f"{FACT_CHECKS}/{fact_check['id']}", json={"rating": "true"}), 404
    )
    again = staff["officer_b"].post(f"{GROUPS}/{group_id}/fact-check", json=FACT_CHECK)
    assert assert_problem(again, 409)["code"] == "already_fact_checked"


def test_the_commune_feed_and_the_atom_feed_carry_fact_checks(staff, citizen, client, misinformation_to_b):
    group_id = claim(citizen, link=POST)["group_id"]
    fact_check = staff["officer_b"].post(f"{GROUPS}/{group_id}/fact-check", json=FACT_CHECK).get_json()
    feed = citizen.get("/api/v1/feed").get_json()
    assert [f["id"] for f in feed["fact_checks"]] == [fact_check["id"]]
    atom = client.get("/feeds/fact-checks.atom")
    assert atom.status_code == 200 and fact_check["id"] in atom.get_data(as_text=True)


def test_claim_review_json_ld_is_schema_org_for_every_rating(staff, devices, client, misinformation_to_b):
    """ratingValue 1 (false) … 4 (true) of 1–4; `unverifiable` carries only its name."""
    for rating, value in (
        ("false", 1),
        ("misleading", 2),
        ("missing_context", 3),
        ("true", 4),
        ("unverifiable", None),
    ):
        [reporter] = devices(1)
        group_id = claim(reporter, text=f"{rating} {uuid.uuid4()}", platform="tiktok")["group_id"]
        body = {**FACT_CHECK, "rating": rating}
        fact_check = staff["officer_b"].post(f"{GROUPS}/{group_id}/fact-check", json=body).get_json()
        document = client.get(f"{FACT_CHECKS}/{fact_check['id']}/claim-review").get_json()
        schemaorg.assert_valid(document)
        assert document["reviewRating"].get("ratingValue") == value
        assert "appearance" not in document["itemReviewed"]  # told by word of mouth: no link


def test_the_schema_org_check_refuses_what_is_not_schema_org():
    good = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://example.org/1",
        "claimReviewed": "x",
        "reviewRating": {"@type": "Rating", "alternateName": "Sai"},
        "itemReviewed": {"@type": "Claim"},
        "author": {"@type": "GovernmentOrganization", "name": "UBND"},
        "datePublished": "2026-12-03",
    }
    schemaorg.assert_valid(good)
    for bad in (
        {"reviewRating": None},
        {"author": {"@type": "Rating", "alternateName": "x"}},
        {"datePublished": "yesterday"},
        {"claimReviewd": "typo"},
        {"itemReviewed": {"@type": "Claim", "reviewRating": {"@type": "Rating", "alternateName": "x"}}},
    ):
        with pytest.raises(AssertionError):
            schemaorg.assert_valid({k: v for k, v in {**good, **bad}.items() if v is not None})


def test_the_claims_report_counts_reports_time_to_fact_check_and_answers_within_the_deadline(
    staff, devices, misinformation_to_b
):
    reporters = devices(3)
    checked = claim(reporters[0], link=POST)["group_id"]
    claim(reporters[1], link=POST)
    claim(reporters[2], text="Nước máy ở phường bị nhiễm độc, không được uống trong tuần này")
    staff["officer_b"].post(f"{GROUPS}/{checked}/fact-check", json=FACT_CHECK)
    report = staff["admin"].get("/api/v1/reports/claims").get_json()
    assert (report["claims_reported"], report["claim_groups"], report["fact_checked"]) == (3, 2, 1)
    assert report["answered_within_deadline"] == 1.0  # the open group is not yet due
    assert report["median_hours_first_report_to_fact_check"] is not None
    [department] = report["departments"]
    assert (department["key"], department["claims_reported"], department["fact_checked"]) == ("DEPT-B", 3, 1)
    assert sum(week["claims_reported"] for week in report["weeks"]) == 3
    assert staff["officer_a"].get("/api/v1/reports/claims").get_json()["claims_reported"] == 0
    csv = staff["officer_b"].get("/api/v1/reports/claims?format=csv")
    assert csv.status_code == 200 and "DEPT-B" in csv.get_data(as_text=True)


def test_webhooks_carry_reports_fact_checks_and_transfers_to_the_department(
    app, monkeypatch, staff, citizen, db, misinformation_to_b, department_a
):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)
    names = ["claim.reported", "fact_check.published", "fact_check.updated", "claim_group.transferred"]
    body = {"url": "http://127.0.0.1:9/", "events": names}
    hook = staff["admin"].post(
        "/api/v1/webhooks", json={**body, "department_id": str(misinformation_to_b.id)}
    )
    assert hook.status_code == 201, hook.get_json()
    report = claim(citizen, link=POST)
    fact_check = (
        staff["officer_b"].post(f"{GROUPS}/{report['group_id']}/fact-check", json=FACT_CHECK).get_json()
    )
    staff["officer_b"].patch(f"{FACT_CHECKS}/{fact_check['id']}", json={"explanation": "Không có."})
    passed_on = claim(citizen, link=f"{POST}-khac")["group_id"]
    to_a = {"department_id": str(department_a.id), "reason": "Sở A kiểm chứng"}
    assert staff["officer_b"].post(f"{GROUPS}/{passed_on}/transfer", json=to_a).status_code == 200
    sent = db.scalars(select(Delivery).where(Delivery.address == hook.get_json()["id"]))
    payloads = {}
    for delivery in sent:
        payloads.setdefault(delivery.payload["event"], []).append(delivery.payload["data"])
    assert report["id"] in {data["id"] for data in payloads.pop("claim.reported")}
    payloads = {name: data for name, [data] in payloads.items()}
    assert payloads["fact_check.published"]["id"] == fact_check["id"]
    assert (payloads["fact_check.updated"]["id"], payloads["fact_check.updated"]["version"]) == (
        fact_check["id"],
        2,
    )
    # B's webhook hears that the claim left it (the group as the API shows it, now A's).
    assert payloads["claim_group.transferred"]["department_id"] == str(department_a.id)


def test_erasure_keeps_the_report_and_forgets_the_reporter(devices, db, misinformation_to_b):
    reporter, asker = devices(2)
    report = claim(reporter, link=POST)
    asker.get(CHECK, query_string={"url": POST})
    exported = [
        personal_data.export(db, Principal(Calling.DEVICE, device=c.principal)) for c in (reporter, asker)
    ]
    assert exported[0][0]["claim_reports"][0]["id"] == report["id"]
    assert exported[1][0]["claims_asked_about"][0]["group_id"] == report["group_id"]
    for caller in (reporter, asker):
        personal_data.erase(db, caller.principal.citizen_id, SYSTEM)
    kept = db.get(ClaimReport, uuid.UUID(report["id"]))
    assert kept is not None and kept.citizen_id != reporter.principal.citizen_id
    assert db.scalars(select(ClaimInterest)).all() == []


def test_two_reports_of_one_post_at_the_same_moment_make_one_group(app):
    """Two phones report the same link at once, each through its own connection (committed rows,
    cleaned up after): the per-province lock lets the second see the group the first made."""
    engine = app.extensions["database"].engine
    province = 1  # no other test reports claims there
    with Session(engine, expire_on_commit=False) as setup:
        phones = [
            Device(token_hash=uuid.uuid4().hex, platform="android", province_code=province) for _ in "ab"
        ]
        setup.add_all(phones)
        setup.commit()
    barrier, groups, failures = threading.Barrier(2), [], []

    def report(device_id):
        with Session(engine, expire_on_commit=False) as db:
            principal = Principal(Calling.DEVICE, device=db.get(Device, device_id))
            barrier.wait()
            try:
                groups.append(claims.report(db, principal, {"link": POST, "platform": "facebook"}).group_id)
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(error)

    try:
        threads = [threading.Thread(target=report, args=(phone.id,)) for phone in phones]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures and len(groups) == 2 and groups[0] == groups[1]
        with Session(engine) as check:
            assert check.scalar(select(func.count()).where(ClaimGroup.province_code == province)) == 1
            assert check.get(ClaimGroup, groups[0]).devices == 2
    finally:
        with Session(engine) as cleanup:
            ids = [phone.id for phone in phones]
            group_ids = cleanup.scalars(
                select(ClaimGroup.id).where(ClaimGroup.province_code == province)
            ).all()
            report_ids = cleanup.scalars(select(ClaimReport.id).where(ClaimReport.device_id.in_(ids))).all()
            cleanup.execute(
                delete(EventRecord).where(EventRecord.subject_id.in_([str(r) for r in report_ids]))
            )
            cleanup.execute(delete(ClaimReport).where(ClaimReport.device_id.in_(ids)))
            cleanup.execute(delete(ClaimGroup).where(ClaimGroup.id.in_(group_ids)))
            cleanup.execute(delete(Device).where(Device.id.in_(ids)))
            cleanup.commit()


def test_an_officer_passes_a_claim_on_and_a_checked_one_stays(
    staff, devices, db, misinformation_to_b, department_a
):
    reporter, other = devices(2)
    group_id = claim(reporter, link=POST)["group_id"]
    transfer = f"{GROUPS}/{group_id}/transfer"
    to_a = {"department_id": str(department_a.id), "reason": "Tin về đất đai: Sở A kiểm chứng"}
    assert_problem(staff["officer_a"].post(transfer, json=to_a), 404)  # not A's yet
    assert_problem(staff["viewer_a"].post(transfer, json=to_a), 403)
    same = staff["officer_b"].post(transfer, json={**to_a, "department_id": str(misinformation_to_b.id)})
    assert_problem(same, 422)
    moved = staff["officer_b"].post(transfer, json=to_a)
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["department_id"], moved.get_json()["needs_triage"]) == (
        str(department_a.id),
        False,
    )
    assert staff["officer_b"].get(f"{GROUPS}/{group_id}").status_code == 404
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "claim_group.transfer")).before[
        "department_id"
    ] == str(misinformation_to_b.id)

    checked = claim(other, link=f"{POST}-2")["group_id"]
    staff["officer_b"].post(f"{GROUPS}/{checked}/fact-check", json=FACT_CHECK)
    assert_problem(staff["officer_b"].post(f"{GROUPS}/{checked}/transfer", json=to_a), 409, "claim_checked")


def test_a_changed_fact_check_tells_the_citizens_again_only_when_its_rating_changes(
    staff, devices, db, misinformation_to_b
):
    [reporter] = devices(1)
    group_id = claim(reporter, link=POST)["group_id"]
    fact_check = staff["officer_b"].post(f"{GROUPS}/{group_id}/fact-check", json=FACT_CHECK).get_json()
    edit = f"{FACT_CHECKS}/{fact_check['id']}"

    def pushes() -> int:
        return db.scalar(select(func.count()).where(Notification.source_id == fact_check["id"]))

    assert pushes() == 1
    sourced = {"sources": [*FACT_CHECK["sources"], {"url": "https://danang.gov.vn/van-ban/2"}]}
    assert staff["officer_b"].patch(edit, json=sourced).status_code == 200
    assert pushes() == 1  # another source is no news to the citizen
    assert staff["officer_b"].patch(edit, json={"rating": "misleading"}).status_code == 200
    assert pushes() == 2
    titles = db.scalars(select(Notification.content).where(Notification.source_id == fact_check["id"]))
    assert sorted(content["vi"]["title"] for content in titles) == [
        "Kết quả kiểm chứng: Gây hiểu lầm",
        "Kết quả kiểm chứng: Sai sự thật",
    ]
