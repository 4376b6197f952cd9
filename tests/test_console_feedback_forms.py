"""The feedback page's actions without a browser: what each role is offered and may post, the errors
beside their fields, the citizen's push shown before acting, and the contact details with their audit."""

import io
import re
import uuid

import pytest
from sqlalchemy import select

from services.models import AuditEvent, Feedback, FeedbackReply
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import PNG, submit
from tests.test_console import sign_in

pytestmark = pytest.mark.usefixtures("road_form")


@pytest.fixture
def item(citizen):
    return submit(citizen)


def signed_in(app, user):
    browser = app.test_client()
    sign_in(browser, user.email)
    return browser


def page_of(browser, item) -> str:
    response = browser.get(f"/console/feedback/{item['id']}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def tokens(browser, item) -> dict:
    """The CSRF token of the page's forms and a one-time token of one of them (a made-up one when the
    page has no form)."""
    html = browser.get(f"/console/feedback/{item['id']}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)[1]
    once = re.search(r'name="once" value="([^"]+)"', html)
    return {"csrf_token": csrf, "once": once[1] if once else str(uuid.uuid4())}


def act(browser, item, action, **form):
    return browser.post(f"/console/feedback/{item['id']}/{action}", data={**tokens(browser, item), **form})


def forms(html: str) -> list[str]:
    return re.findall(r'action="/console/feedback/[^/"]+/(\w+)"', html)


def test_an_officer_is_offered_the_actions_of_the_state_and_no_others(app, staff, item, db):
    officer = signed_in(app, staff["officer_a"].principal)
    every = ["assign", "transfer", "reply", "note", "in_progress", "reject", "close"]
    assert forms(page_of(officer, item)) == every
    assert act(officer, item, "in_progress").status_code == 302
    assert "in_progress" not in forms(page_of(officer, item))
    answered = act(officer, item, "reply", body="Đã sửa xong ổ gà.")
    assert answered.status_code == 302
    assert forms(page_of(officer, item)) == ["reply", "note", "close"]


def test_a_viewer_gets_no_forms_and_a_post_is_refused(app, staff, item, db):
    viewer = signed_in(app, staff["viewer_a"].principal)
    html = page_of(viewer, item)
    assert forms(html) == [] and '<button type="submit">Trả lời' not in html
    refused = act(viewer, item, "reply", body="Xin chào")
    assert refused.status_code == 403
    assert db.scalar(select(FeedbackReply).where(FeedbackReply.feedback_id == item["id"])) is None


@pytest.mark.parametrize("action", ["assign", "transfer", "reply", "note", "in_progress", "reject", "close"])
def test_each_action_is_refused_without_its_csrf_token(app, staff, item, db, action):
    officer = signed_in(app, staff["officer_a"].principal)
    refused = officer.post(f"/console/feedback/{item['id']}/{action}", data={"body": "x", "note": "x"})
    assert refused.status_code == 400 and "Biểu mẫu đã hết hạn" in refused.get_data(as_text=True)
    assert db.get(Feedback, item["id"]).status == "received"


def test_another_departments_feedback_is_the_not_found_page_for_reading_and_acting(app, staff, item):
    other = signed_in(app, staff["officer_b"].principal)
    assert other.get(f"/console/feedback/{item['id']}").status_code == 404
    assert act(other, item, "in_progress").status_code == 404
    assert other.get(f"/console/feedback/{item['id']}/preview/reply?body=x").status_code == 404


def test_a_reject_without_reason_or_original_keeps_what_was_typed_and_says_what_is_missing(
    app, staff, item, db
):
    officer = signed_in(app, staff["officer_a"].principal)
    missing = act(officer, item, "reject", note="Đã có phản ánh trước")
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert re.search(r'<small class="error" id="reject-reason-error">Chọn lý do.</small>', html)
    assert '<details id="action-reject" open>' in html and ">Đã có phản ánh trước</textarea>" in html

    duplicate = act(officer, item, "reject", reason="duplicate", note="Trùng")
    html = duplicate.get_data(as_text=True)
    assert duplicate.status_code == 422 and 'id="reject-duplicate_of-error"' in html
    assert '<option value="duplicate" selected>' in html

    unknown = act(officer, item, "reject", reason="duplicate", duplicate_of="PA-0000-NOSUCH")
    assert "Không có phản ánh nào có mã này trong đơn vị của bạn." in unknown.get_data(as_text=True)
    assert db.get(Feedback, item["id"]).status == "received"


def test_a_duplicate_names_its_original_by_tracking_code(app, staff, citizen, item, db):
    original = submit(citizen)
    officer = signed_in(app, staff["officer_a"].principal)
    done = act(officer, item, "reject", reason="duplicate", duplicate_of=original["tracking_code"].lower())
    assert done.status_code == 302
    stored = db.get(Feedback, item["id"])
    assert (stored.status, str(stored.duplicate_of_id)) == ("rejected", original["id"])
    assert forms(page_of(officer, item)) == ["note"]


def test_closing_unresolved_needs_a_note_and_resolved_needs_an_answer(app, staff, item, db):
    officer = signed_in(app, staff["officer_a"].principal)
    unresolved = act(officer, item, "close", resolution="unresolved")
    assert unresolved.status_code == 422
    assert "Nêu lý do đóng khi chưa giải quyết được." in unresolved.get_data(as_text=True)
    resolved = act(officer, item, "close", resolution="resolved")
    assert resolved.status_code == 422
    assert "Hãy trả lời người dân trước khi đóng là đã giải quyết." in resolved.get_data(as_text=True)
    assert db.get(Feedback, item["id"]).status == "received"


def post_reply(browser, item, *files, sent=None, **form):
    uploads = [(io.BytesIO(data), name) for name, data in files]
    return browser.post(
        f"/console/feedback/{item['id']}/reply",
        data={**(sent or tokens(browser, item)), **form, "files": uploads},
        content_type="multipart/form-data",
    )


def test_a_reply_with_a_photo_reaches_the_citizens_tracking(app, staff, citizen, item):
    officer = signed_in(app, staff["officer_a"].principal)
    done = post_reply(officer, item, ("after.png", PNG), body="Đã vá ổ gà.")
    assert done.status_code == 302 and done.headers["Location"] == f"/console/feedback/{item['id']}"
    tracked = citizen.get(f"/api/v1/feedback/track?code={item['tracking_code']}").get_json()
    [answer] = tracked["replies"]
    assert answer["body"] == "Đã vá ổ gà." and answer["attachments"][0]["content_type"] == "image/png"


def test_a_refused_reply_stores_nothing_and_keeps_the_photos_already_uploaded(app, staff, item, db):
    officer = signed_in(app, staff["officer_a"].principal)
    too_long = post_reply(officer, item, ("after.png", PNG), body="x" * 5001)
    assert too_long.status_code == 422 and 'id="reply-body-error"' in too_long.get_data(as_text=True)
    assert 'name="attachment_ids"' not in too_long.get_data(as_text=True)  # not even uploaded

    refused = post_reply(officer, item, ("after.png", PNG), ("notes.txt", b"not a photo"), body="Đã vá")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Vui lòng gửi tài liệu PDF (hoặc ảnh JPEG, PNG, WebP)." in html and ">Đã vá</textarea>" in html
    assert db.get(Feedback, item["id"]).replies == []
    kept = re.findall(r'name="attachment_ids" value="([^"]+)"', html)
    assert len(kept) == 1 and "1 tệp đã tải lên sẽ gửi kèm câu trả lời." in html

    again = post_reply(officer, item, body="Đã vá", attachment_ids=kept)
    assert again.status_code == 302
    assert [str(a.id) for a in db.get(Feedback, item["id"]).replies[0].attachments] == kept


def test_more_than_a_reply_may_carry_is_refused_with_a_page_that_says_so(app, staff, item, db):
    officer = signed_in(app, staff["officer_a"].principal)
    huge = post_reply(officer, item, ("big.png", b"0" * (51 * 1024 * 1024)), body="Đã vá")
    assert huge.status_code == 413
    assert "tối đa 5 tệp, mỗi tệp 10 MB" in huge.get_data(as_text=True)
    assert db.get(Feedback, item["id"]).replies == []


def test_an_internal_note_stays_out_of_the_citizens_tracking(app, staff, citizen, item, db):
    officer = signed_in(app, staff["officer_a"].principal)
    html = page_of(officer, item)
    assert "Người dân không thấy gì: ghi chú nội bộ chỉ lưu trong đơn vị." in html
    assert act(officer, item, "note", body="Gọi lại cho người dân chiều nay").status_code == 302
    assert "Gọi lại cho người dân chiều nay" in page_of(officer, item)
    tracked = citizen.get(f"/api/v1/feedback/track?code={item['tracking_code']}").get_json()
    assert [step["kind"] for step in tracked["timeline"]] == ["submitted"] and tracked["status"] == "received"


def test_each_form_shows_the_push_the_citizen_will_get(app, staff, department_b, item):
    officer = signed_in(app, staff["officer_a"].principal)
    html = page_of(officer, item)
    code = item["tracking_code"]
    assert f"Phản ánh {code} đã có trả lời" in html and "(câu trả lời của bạn)" in html
    assert f"Phản ánh {code} đã được chuyển" in html
    preview = officer.get(f"/console/feedback/{item['id']}/preview/transfer?department_id={department_b.id}")
    assert f"Đơn vị xử lý mới: {department_b.name}." in preview.get_data(as_text=True)
    preview = officer.get(f"/console/feedback/{item['id']}/preview/reply?body=Đã+vá+xong")
    assert "Đã vá xong" in preview.get_data(as_text=True)
    preview = officer.get(f"/console/feedback/{item['id']}/preview/close?resolution=unresolved")
    assert "chưa được giải quyết" in preview.get_data(as_text=True)


def contact_views(db) -> list[tuple[str, str]]:
    stmt = select(AuditEvent).where(AuditEvent.action == "feedback.contact_view").order_by(AuditEvent.id)
    return [(e.actor_id, e.entity_id) for e in db.scalars(stmt)]


def test_contact_details_are_shown_to_officers_and_each_view_is_audited(app, staff, item, db):
    def views():
        return contact_views(db)

    officer = staff["officer_a"].principal
    assert "+84912345678" in page_of(signed_in(app, officer), item)
    assert views() == [(str(officer.id), item["id"])]

    viewer = signed_in(app, staff["viewer_a"].principal)
    html = page_of(viewer, item)
    assert "+84912345678" not in html and "Nguyễn Văn A" not in html
    assert views() == [(str(officer.id), item["id"])]


def test_a_citizen_verified_through_zalo_and_their_verified_phone_are_said_in_words(app, staff, item, db):
    feedback = db.get(Feedback, uuid.UUID(item["id"]))
    officer = signed_in(app, staff["officer_a"].principal)
    html = page_of(officer, item)
    assert "Đã xác thực qua Zalo" not in html and "đã xác thực" not in html
    feedback.verified_via = "zalo"
    feedback.contact = {**feedback.contact, "phone_verified": True}
    db.commit()
    html = page_of(officer, item)
    assert "Đã xác thực qua Zalo" in html
    phone = re.search(r'<dd><a href="tel:\+84912345678">.*?</dd>', html, re.S)[0]
    assert "đã xác thực" in phone  # in words, not a colour
    viewer = page_of(signed_in(app, staff["viewer_a"].principal), item)
    assert "Đã xác thực qua Zalo" in viewer and "+84912345678" not in viewer


def test_the_inbox_badge_counts_the_new_feedback_no_one_has_taken(app, staff, citizen, item):
    submit(citizen)
    officer = signed_in(app, staff["officer_a"].principal)
    html = officer.get("/console/feedback").get_data(as_text=True)
    assert '<span class="badge" aria-hidden="true">2</span>' in html
    assert "(2 phản ánh mới chưa giao xử lý)" in html
    act(officer, item, "assign", user_id=str(staff["officer_a"].principal.id))
    assert "(1 phản ánh mới chưa giao xử lý)" in page_of(officer, item)
    other = signed_in(app, staff["officer_b"].principal).get("/console/feedback").get_data(as_text=True)
    assert 'class="badge"' not in other


def test_the_api_shows_contact_details_under_the_same_rule_and_audits_them(staff, integrator, item, db):
    officer, viewer = staff["officer_a"], staff["viewer_a"]
    assert viewer.get(f"/api/v1/feedback/{item['id']}").get_json()["contact"] is None
    tracked = viewer.get(f"/api/v1/feedback/track?code={item['tracking_code']}").get_json()
    assert tracked["contact"] is None and contact_views(db) == []
    shown = officer.get(f"/api/v1/feedback/{item['id']}").get_json()["contact"]
    assert shown == {"name": "Nguyễn Văn A", "phone": "+84912345678"}
    assert contact_views(db) == [(str(officer.principal.id), item["id"])]


def test_the_api_takes_internal_notes_too(staff, citizen, item):
    noted = staff["officer_a"].post(f"/api/v1/feedback/{item['id']}/notes", json={"body": "Chờ vật tư"})
    assert noted.status_code == 201
    assert [(e["kind"], e["note"]) for e in noted.get_json()["timeline"]][-1] == ("noted", "Chờ vật tư")
    assert noted.get_json()["status"] == "received"
    refused = staff["viewer_a"].post(f"/api/v1/feedback/{item['id']}/notes", json={"body": "x"})
    assert refused.status_code == 403
    tracked = citizen.get(f"/api/v1/feedback/track?code={item['tracking_code']}").get_json()
    assert "Chờ vật tư" not in str(tracked)


def test_a_reply_sent_twice_is_stored_once(app, staff, citizen, item, db):
    officer = signed_in(app, staff["officer_a"].principal)
    form = tokens(officer, item)
    first = post_reply(officer, item, ("after.png", PNG), sent=form, body="Đã vá ổ gà.")
    again = post_reply(officer, item, ("after.png", PNG), sent=form, body="Đã vá ổ gà.")
    assert first.status_code == again.status_code == 302
    assert len(db.get(Feedback, item["id"]).replies) == 1
    shown = officer.get(again.headers["Location"]).get_data(as_text=True)
    assert "Biểu mẫu này đã được gửi" in shown
    tracked = citizen.get(f"/api/v1/feedback/track?code={item['tracking_code']}").get_json()
    assert len(tracked["replies"]) == 1


def test_a_form_without_its_one_time_token_is_refused(app, staff, item, db):
    officer = signed_in(app, staff["officer_a"].principal)
    refused = act(officer, item, "in_progress", once="")
    assert refused.status_code == 400
    assert db.get(Feedback, item["id"]).status == "received"
