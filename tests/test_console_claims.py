"""False information in the console: a browser journey from three phones reporting one viral post to the
officer's fact-check reaching them all, and, with the flask test client, who sees a claim, what the
fact-check and transfer forms refuse and keep, and what they store."""

import re
import uuid

from sqlalchemy import func, select

from services.models import (
    AuditEvent,
    ClaimGroup,
    EventRecord,
    FactCheck,
    Notification,
    NotificationRecipient,
)
from tests import test_claims
from tests.browser import *  # noqa: F403
from tests.browser import assert_accessible, assert_fits, screenshot
from tests.browser import sign_in as sign_in_browser
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import upload
from tests.scam_fixtures import *  # noqa: F403
from tests.test_claims import (
    CHECK,
    FACT_CHECK,
    POST,
    TEXT,
    claim,
)
from tests.test_console import sign_in
from tests.test_console_notices import tokens

misinformation_to_b = test_claims.misinformation_to_b  # the fixture: claims from Đà Nẵng go to B
SOURCE = "https://danang.gov.vn/thong-bao/cap-giay-chung-nhan"


def signed_in(app, caller):
    browser = app.test_client()
    sign_in(browser, caller.principal.email)
    return browser


def fact_check_form(browser, group_id, **fields) -> dict:
    return {
        **tokens(browser, f"/console/claims/{group_id}"),
        "claim_reviewed": FACT_CHECK["claim_reviewed"],
        "rating": "false",
        "explanation": FACT_CHECK["explanation"],
        "source_url": [SOURCE, "", ""],
        "source_title": ["Thông báo của UBND", "", ""],
        "correction_notice_id": "",
        **fields,
    }


def test_three_phones_report_one_post_and_the_officers_fact_check_reaches_them_all(
    page, devices, staff, db, client, misinformation_to_b
):
    first, second, third = devices(3)
    claim(first, link=f"{POST}?utm_source=zalo&utm_medium=share", text=TEXT, platform="zalo_group")
    claim(second, link="http://facebook.com/groups/phuongxyz/posts/8812/?fbclid=IwAR0xyz")
    claim(
        third, text=TEXT.replace("tất cả các hộ", "các hộ").replace(", ai", ". Ai"), platform="word_of_mouth"
    )

    sign_in_browser(page, staff["officer_b"].principal, path="/console/claims")
    page.get_by_role("link", name="Tin sai sự thật").first.wait_for()
    groups = page.locator("ol.claims > li")
    assert groups.count() == 1
    assert "3 thiết bị đã báo" in groups.first.inner_text()
    assert "3 lượt báo trong 24 giờ qua" in groups.first.inner_text()
    assert "Chưa kiểm chứng" in groups.first.inner_text()
    assert_accessible(page)
    assert_fits(page)
    screenshot(page, "claims")

    groups.first.get_by_role("link").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="3 lượt báo").is_visible()
    page.get_by_label("Nội dung tin, như được lan truyền").fill(FACT_CHECK["claim_reviewed"])
    page.get_by_label("Sai sự thật").check()
    page.get_by_label("Giải thích cho người dân").fill(FACT_CHECK["explanation"])
    page.get_by_label("Đường dẫn 1", exact=True).fill(SOURCE)
    page.get_by_label("Tên đường dẫn 1 (không bắt buộc)").fill("Thông báo của UBND")
    assert_accessible(page)
    screenshot(page, "claim-fact-check", full_page=True)
    assert_fits(page)
    page.get_by_role("button", name="Đăng kết quả kiểm chứng").click()
    page.wait_for_load_state()

    assert "Đã đăng kết quả kiểm chứng" in page.get_by_role("status").inner_text()
    assert page.get_by_role("heading", name="Kết quả kiểm chứng đã đăng").is_visible()
    fact_check = db.scalar(select(FactCheck))
    assert (fact_check.rating, fact_check.sources[0]["url"]) == ("false", SOURCE)
    push = db.scalar(select(Notification).where(Notification.source_id == str(fact_check.id)))
    told = set(
        db.scalars(
            select(NotificationRecipient.citizen_id).where(NotificationRecipient.notification_id == push.id)
        )
    )
    assert told == {caller.principal.citizen_id for caller in (first, second, third)}
    checked = client.get(CHECK, query_string={"url": f"{POST}?gclid=abc"})
    assert checked.status_code == 200, checked.get_json()
    found = checked.get_json()["items"]
    assert [f["id"] for f in found] == [str(fact_check.id)]


def test_another_departments_officer_gets_the_404_page_and_a_citizen_is_sent_to_sign_in(
    app, citizen, staff, misinformation_to_b
):
    group_id = claim(citizen, link=POST)["group_id"]
    other = signed_in(app, staff["officer_a"])
    assert other.get(f"/console/claims/{group_id}").status_code == 404
    assert "8812" not in other.get("/console/claims").get_data(as_text=True)
    anonymous = app.test_client()
    response = anonymous.get(f"/console/claims/{group_id}")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    response = app.test_client().get("/console/claims", headers={"Authorization": f"Bearer {citizen.token}"})
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_an_admin_sees_every_department_and_filters_by_one(
    app, citizen, staff, misinformation_to_b, department_a
):
    claim(citizen, link=POST)
    admin = signed_in(app, staff["admin"])
    everything = admin.get("/console/claims").get_data(as_text=True)
    assert "8812" in everything and misinformation_to_b.name in everything
    assert "8812" not in admin.get(f"/console/claims?department={department_a.id}").get_data(as_text=True)
    assert "8812" in admin.get(f"/console/claims?department={misinformation_to_b.id}").get_data(as_text=True)


def test_an_invalid_fact_check_comes_back_with_what_was_typed_and_stores_nothing(
    app, db, citizen, staff, misinformation_to_b
):
    group_id = claim(citizen, link=POST)["group_id"]
    officer = signed_in(app, staff["officer_b"])
    typed = "Một lời giải thích dài đã gõ."
    response = officer.post(
        f"/console/claims/{group_id}/fact-check",
        data=fact_check_form(
            officer, group_id, explanation=typed, rating="", source_url=["không phải link", "", ""]
        ),
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert typed in text and 'value="không phải link"' in text
    assert re.search(r'id="rating-error" class="error">.*Vui lòng nhập mục này', text)
    assert re.search(r'id="source_url-error" class="error">.*địa chỉ https:// của nguồn chính thức', text)
    assert db.scalar(select(func.count()).select_from(FactCheck)) == 0


def test_a_fact_check_changed_from_the_console_keeps_its_version_and_tells_webhooks(
    app, db, citizen, staff, misinformation_to_b
):
    group_id = claim(citizen, link=POST)["group_id"]
    officer = signed_in(app, staff["officer_b"])
    officer.post(f"/console/claims/{group_id}/fact-check", data=fact_check_form(officer, group_id))
    response = officer.post(
        f"/console/claims/{group_id}/fact-check",
        data=fact_check_form(officer, group_id, explanation="Không có quyết định nào; xem thêm nguồn 2."),
        follow_redirects=True,
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Các phiên bản trước" in text and "phiên bản 2" in text
    fact_check = db.scalar(select(FactCheck))
    assert fact_check.version == 2 and len(fact_check.versions) == 1
    audited = db.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(fact_check.id))).all()
    assert set(audited) == {"fact_check.publish", "fact_check.update"}
    [updated] = db.scalars(select(EventRecord).where(EventRecord.name == "fact_check.updated")).all()
    assert updated.data["rating_changed"] is False


def test_a_claim_is_passed_on_to_the_department_responsible(
    app, db, citizen, staff, misinformation_to_b, department_a
):
    group_id = claim(citizen, link=POST)["group_id"]
    officer = signed_in(app, staff["officer_b"])
    refused = officer.post(
        f"/console/claims/{group_id}/transfer",
        data={
            **tokens(officer, f"/console/claims/{group_id}"),
            "department_id": str(department_a.id),
            "reason": "",
        },
    )
    assert refused.status_code == 422 and 'id="reason-error"' in refused.get_data(as_text=True)
    response = officer.post(
        f"/console/claims/{group_id}/transfer",
        data={
            **tokens(officer, f"/console/claims/{group_id}"),
            "department_id": str(department_a.id),
            "reason": "Tin về đất đai do Sở A kiểm chứng",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/claims")
    assert db.get(ClaimGroup, uuid.UUID(group_id)).department_id == department_a.id
    assert officer.get(f"/console/claims/{group_id}").status_code == 404
    assert signed_in(app, staff["officer_a"]).get(f"/console/claims/{group_id}").status_code == 200
    [event] = db.scalars(select(EventRecord).where(EventRecord.name == "claim_group.transferred")).all()
    assert event.data["reason"] == "Tin về đất đai do Sở A kiểm chứng"
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "claim_group.transfer")) is not None


def test_the_screenshots_are_shown_to_the_department_and_each_view_is_logged(
    app, db, citizen, staff, misinformation_to_b
):
    shot = upload(citizen)
    group_id = claim(citizen, text=TEXT, screenshot_id=shot["id"])["group_id"]
    officer = signed_in(app, staff["officer_b"])
    page = officer.get(f"/console/claims/{group_id}").get_data(as_text=True)
    assert f'src="/console/attachments/{shot["id"]}"' in page
    assert officer.get(f"/console/attachments/{shot['id']}").status_code == 200
    [read] = db.scalars(select(AuditEvent).where(AuditEvent.action == "claim.screenshot_view")).all()
    assert read.entity_id == shot["id"]
    assert signed_in(app, staff["officer_a"]).get(f"/console/attachments/{shot['id']}").status_code == 404
