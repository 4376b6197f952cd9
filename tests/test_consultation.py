"""Public consultation: citizens comment on drafts in consultation, the drafting department
moderates and replies (the reply is pushed to the citizen's devices), and the consultation report
comes as JSON or as CSV that opens in Excel."""

import csv
import io
import unicodedata

import pytest
from alembic import command

from api import create_app
from api.cli import alembic_config
from services.models import Category, Department, User
from tests.conftest import TEST_SECRET, Caller, assert_problem, staff_token
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import HAI_CHAU, NOTICES, every_page, later
from tests.push_fixtures import *  # noqa: F403


@pytest.fixture
def consultation(write, move):
    return move(write(), "consultation")


def comments_url(notice) -> str:
    return f"{NOTICES}/{notice['id']}/comments"


def comment(caller, notice, body="Đề nghị tăng mức hỗ trợ thuê nhà.", **fields) -> dict:
    response = caller.post(comments_url(notice), json={"body": body, **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_comments_arrive_pending_and_are_public_once_published_without_contact(
    client, citizen, staff, consultation
):
    sent = comment(citizen, consultation, section="Điều 5", contact="0905123456")
    assert sent["status"] == "pending" and "contact" not in sent
    assert client.get(comments_url(consultation)).get_json()["items"] == []

    staff_view = staff["officer_a"].get(f"{comments_url(consultation)}?status=pending").get_json()["items"]
    assert [(c["id"], c["contact"], c["section"]) for c in staff_view] == [
        (sent["id"], "0905123456", "Điều 5")
    ]

    moderated = staff["officer_a"].patch(
        f"{comments_url(consultation)}/{sent['id']}", json={"status": "published"}
    )
    assert moderated.status_code == 200 and moderated.get_json()["status"] == "published"
    [public] = client.get(comments_url(consultation)).get_json()["items"]
    assert public["body"] == sent["body"] and public["reply"] is None
    assert {"contact", "hidden_reason", "moderated_at"}.isdisjoint(public)


def test_hiding_needs_a_reason_and_keeps_the_comment_from_the_public(client, citizen, staff, consultation):
    sent = comment(citizen, consultation, body="Nội dung quảng cáo")
    url = f"{comments_url(consultation)}/{sent['id']}"
    assert "reason" in assert_problem(staff["officer_a"].patch(url, json={"status": "hidden"}), 422)["errors"]

    hidden = staff["officer_a"].patch(url, json={"status": "hidden", "reason": "Quảng cáo"}).get_json()
    assert (hidden["status"], hidden["hidden_reason"]) == ("hidden", "Quảng cáo")
    assert client.get(comments_url(consultation)).get_json()["items"] == []
    assert_problem(staff["officer_a"].post(f"{url}/reply", json={"body": "…"}), 409, "comment_hidden")


def test_only_the_drafting_department_moderates_and_sees_unpublished_comments(
    client, citizen, staff, consultation
):
    sent = comment(citizen, consultation)
    url = f"{comments_url(consultation)}/{sent['id']}"
    assert_problem(staff["officer_b"].patch(url, json={"status": "published"}), 404)
    assert_problem(staff["officer_b"].post(f"{url}/reply", json={"body": "Trả lời"}), 404)
    assert_problem(staff["viewer_a"].patch(url, json={"status": "published"}), 403)
    assert_problem(citizen.patch(url, json={"status": "published"}), 403)
    assert_problem(client.get(f"{comments_url(consultation)}?status=pending"), 403)
    assert staff["officer_b"].get(comments_url(consultation)).get_json()["items"] == []
    assert len(staff["viewer_a"].get(comments_url(consultation)).get_json()["items"]) == 1


def test_only_devices_comment(client, staff, consultation):
    assert_problem(client.post(comments_url(consultation), json={"body": "x"}), 401)
    assert_problem(staff["officer_a"].post(comments_url(consultation), json={"body": "x"}), 403)


def test_comments_are_refused_outside_an_open_consultation(citizen, staff, write, move, consultation, sql):
    assert_problem(citizen.post(comments_url(write()), json={"body": "x"}), 404)  # a draft is not public

    sql(
        "UPDATE notices SET consultation_closes_at = now() - interval '1 minute' WHERE id = :id",
        id=consultation["id"],
    )
    assert_problem(
        citizen.post(comments_url(consultation), json={"body": "Muộn"}), 409, "consultation_closed"
    )

    adopted = move(move(write(), "consultation"), "adopted")
    assert_problem(citizen.post(comments_url(adopted), json={"body": "Muộn"}), 409, "consultation_closed")
    announcement = move(write(kind="announcement", consultation_closes_at=None), "published")
    assert_problem(citizen.post(comments_url(announcement), json={"body": "x"}), 409, "not_a_consultation")


def test_one_device_may_comment_often_but_not_the_same_text_twice_within_a_minute(
    citizen, app, make_device, consultation, sql
):
    comment(citizen, consultation, body="Ý kiến 1")
    comment(citizen, consultation, body="Ý kiến 2")
    assert_problem(
        citizen.post(comments_url(consultation), json={"body": "Ý kiến 1"}), 409, "duplicate_comment"
    )
    neighbour = Caller(app.test_client(), make_device().token)
    comment(neighbour, consultation, body="Ý kiến 1")

    sql("UPDATE notice_comments SET created_at = created_at - interval '2 minutes'")
    comment(citizen, consultation, body="Ý kiến 1")


def test_the_same_comment_typed_differently_is_still_a_double_tap(citizen, consultation, sql):
    typed = "Đề nghị tăng mức hỗ trợ thuê nhà."
    comment(citizen, consultation, body=typed)
    decomposed = unicodedata.normalize("NFD", typed)  # as some keyboards send it
    assert decomposed != typed
    for again in (decomposed, "  Đề nghị   tăng mức\nhỗ trợ thuê nhà. ", "ĐỀ NGHỊ TĂNG MỨC HỖ TRỢ THUÊ NHÀ."):
        assert_problem(
            citizen.post(comments_url(consultation), json={"body": again}), 409, "duplicate_comment"
        )
    # Other diacritics are other words: "tặng" (give) is not "tăng" (raise).
    comment(citizen, consultation, body="Đề nghị tặng mức hỗ trợ thuê nhà.")
    assert sql("SELECT count(*) FROM notice_comments").scalar() == 2


def test_a_reply_publishes_the_comment_with_its_answer_and_pushes_to_the_citizen(
    app, client, staff, consultation, make_device, fake_fcm, dispatcher
):
    phone = make_device(push_token="phone-token")
    tablet = Caller(app.test_client()).post(
        "/api/v1/devices",
        json={"platform": "ios", "province_code": 48, "ward_code": HAI_CHAU, "push_token": "tablet-token"},
        headers={"Authorization": f"Bearer {phone.token}"},
    )
    assert tablet.status_code == 201
    make_device(push_token="stranger-token")
    sent = comment(Caller(app.test_client(), phone.token), consultation)
    dispatcher.run_once()  # topic subscriptions
    fake_fcm.clear()

    url = f"{comments_url(consultation)}/{sent['id']}/reply"
    replied = staff["officer_a"].post(url, json={"body": "Ban soạn thảo đã tiếp thu, nâng mức hỗ trợ."})
    assert replied.status_code == 200
    [public] = client.get(comments_url(consultation)).get_json()["items"]
    assert (public["status"], public["reply"]) == ("published", "Ban soạn thảo đã tiếp thu, nâng mức hỗ trợ.")
    assert public["replied_at"]

    dispatcher.run_once()
    by_token = {r.message["token"]: r.message for r in fake_fcm.sent_ok()}
    assert set(by_token) == {"phone-token", "tablet-token"}
    assert by_token["phone-token"]["notification"]["title"] == "Cơ quan soạn thảo đã trả lời góp ý của bạn"
    assert by_token["phone-token"]["data"]["notice_id"] == consultation["id"]

    fake_fcm.clear()  # a corrected answer replaces the text without a second push
    staff["officer_a"].post(url, json={"body": "Sửa: nâng mức hỗ trợ 20%."})
    dispatcher.run_once()
    assert fake_fcm.sent_ok() == []
    assert (
        client.get(comments_url(consultation)).get_json()["items"][0]["reply"] == "Sửa: nâng mức hỗ trợ 20%."
    )


def test_the_consultation_report_counts_and_lists_every_comment(
    app, staff, citizen, make_device, consultation
):
    first = comment(citizen, consultation, section="Điều 5")
    second = comment(citizen, consultation, body='=HYPERLINK("http://evil")', section="Điều 5")
    comment(Caller(app.test_client(), make_device().token), consultation, body="Ý kiến chung")
    base = comments_url(consultation)
    staff["officer_a"].post(f"{base}/{first['id']}/reply", json={"body": "Tiếp thu."})
    staff["officer_a"].patch(f"{base}/{second['id']}", json={"status": "hidden", "reason": "Liên kết lạ"})

    url = f"{NOTICES}/{consultation['id']}/consultation-report"
    report = staff["viewer_a"].get(url).get_json()
    assert report["total"] == 3
    assert report["by_status"] == {"pending": 1, "published": 1, "hidden": 1}
    assert report["by_section"] == {"Điều 5": 2, "": 1}
    assert (report["replied"], report["replied_share"]) == (1, 0.3333)
    assert [c["reply"] for c in report["comments"]] == ["Tiếp thu.", None, None]
    assert_problem(staff["officer_b"].get(url), 404)
    assert_problem(citizen.get(url), 403)


def test_the_report_as_csv_opens_as_utf8_in_excel(staff, citizen, consultation):
    sent = comment(citizen, consultation, body="=1+1 Đề nghị giữ nguyên", section="Điều 5")
    staff["officer_a"].post(f"{comments_url(consultation)}/{sent['id']}/reply", json={"body": "Đã ghi nhận"})

    response = staff["officer_a"].get(
        f"{NOTICES}/{consultation['id']}/consultation-report", headers={"Accept": "text/csv"}
    )
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    header, row = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header == [
        "id",
        "created_at",
        "section",
        "status",
        "comment",
        "reply",
        "replied_at",
        "hidden_reason",
    ]
    record = dict(zip(header, row, strict=True))
    assert record["comment"] == "'=1+1 Đề nghị giữ nguyên"  # a formula made inert
    assert (record["section"], record["reply"], record["status"]) == ("Điều 5", "Đã ghi nhận", "published")
    assert record["created_at"].endswith("+07:00")


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://evil","x")'],
)
def test_no_cell_of_the_csv_report_starts_a_formula(app, staff, make_device, consultation, text):
    sent = comment(Caller(app.test_client(), make_device().token), consultation, body=text, section=text)
    base = f"{comments_url(consultation)}/{sent['id']}"
    staff["officer_a"].post(f"{base}/reply", json={"body": text})
    staff["officer_a"].patch(base, json={"status": "hidden", "reason": text})

    response = staff["officer_a"].get(
        f"{NOTICES}/{consultation['id']}/consultation-report", headers={"Accept": "text/csv"}
    )
    [_header, row] = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
    columns = ["id", "created_at", "section", "status", "comment", "reply", "replied_at", "why"]
    cells = dict(zip(columns, row, strict=True))
    for column in ("section", "comment", "reply", "why"):
        assert cells[column] == "'" + text, column  # shown as typed, never run
    assert response.get_json(silent=True) is None


def test_every_moderation_and_reply_is_in_the_audit_log(admin, citizen, staff, consultation):
    sent = comment(citizen, consultation)
    url = f"{comments_url(consultation)}/{sent['id']}"
    staff["officer_a"].patch(url, json={"status": "hidden", "reason": "Trùng lặp"})
    staff["officer_a"].patch(url, json={"status": "published"})
    staff["officer_a"].post(f"{url}/reply", json={"body": "Tiếp thu."})

    events = admin.get("/api/v1/audit", query_string={"entity_id": sent["id"]}).get_json()["items"]
    assert [(e["action"], e["entity"]) for e in events] == [
        ("notice_comment.reply", "notice_comments"),
        ("notice_comment.moderate", "notice_comments"),
        ("notice_comment.moderate", "notice_comments"),
    ]
    assert {e["actor_id"] for e in events} == {str(staff["officer_a"].principal.id)}
    assert (events[0]["before"]["reply"], events[0]["after"]["reply"]) == (None, "Tiếp thu.")
    assert events[2]["after"]["hidden_reason"] == "Trùng lặp"


def test_a_device_commenting_too_often_is_told_when_to_come_back(app, citizen, consultation):
    allowed = int(app.config["RATE_LIMIT_COMMENTS_PER_DEVICE"].split(" ")[0])
    for n in range(allowed):
        comment(citizen, consultation, body=f"Ý kiến {n}")
    limited = citizen.post(comments_url(consultation), json={"body": "Thêm một ý kiến"})
    assert_problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0


def test_comments_come_in_keyset_pages_oldest_first(app, client, staff, make_device, consultation):
    for n in range(5):
        sent = comment(Caller(app.test_client(), make_device().token), consultation, body=f"Ý kiến {n}")
        staff["officer_a"].patch(f"{comments_url(consultation)}/{sent['id']}", json={"status": "published"})

    seen = [c["body"] for c in every_page(client, comments_url(consultation))]
    assert seen == [f"Ý kiến {n}" for n in range(5)]
    assert_problem(client.get(comments_url(consultation), query_string={"cursor": "bm9wZQ"}), 422)


def test_a_citizen_in_the_commune_follows_a_policy_from_consultation_to_in_effect(
    client, citizen, staff, write, move
):
    """Done when: drafted, consulted with a comment answered, adopted, in effect, served by the feed."""
    feed_url = "/api/v1/feed"
    policy = move(write(), "consultation", note="Mời góp ý đến hết tháng")
    home = citizen.get(feed_url)
    assert [n["id"] for n in home.get_json()["open_consultations"]] == [policy["id"]]
    etag = home.headers["ETag"]

    mine = comment(citizen, policy, section="Điều 3")
    staff["officer_a"].post(
        f"{comments_url(policy)}/{mine['id']}/reply", json={"body": "Tiếp thu, sửa Điều 3."}
    )
    assert citizen.get(feed_url, headers={"If-None-Match": etag}).status_code == 304

    move(policy, "adopted", "in_effect")
    followed = citizen.get(f"{NOTICES}/{policy['id']}").get_json()
    assert [h["stage"] for h in followed["history"]] == ["draft", "consultation", "adopted", "in_effect"]
    [answered] = citizen.get(comments_url(policy)).get_json()["items"]
    assert answered["reply"] == "Tiếp thu, sửa Điều 3."
    fresh = citizen.get(feed_url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.get_json()["open_consultations"] == []
    assert fresh.get_json()["latest_notices"][0]["stage"] == "in_effect"


# ---------------------------------------------------------------- SQLite


@pytest.fixture
def sqlite(tmp_path):
    """An app on a new SQLite file built by the migrations (the embedded default), with a department,
    a notice category, an editor and an officer; gives the app and the staff's Authorization headers."""
    url = f"sqlite:///{tmp_path / 'citizen.db'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET, "APP_ENV": "test"})
    command.upgrade(alembic_config(url), "head")
    db = app.extensions["database"].session()
    department = Department(code="SXD", name="Sở Xây dựng", name_search="so xay dung", province_code=48)
    db.add(department)
    land = {"kind": "notice", "name_vi": "Đất đai", "name_en": "Land", "priority": "normal"}
    db.add(Category(code="land", deadline_working_days=5, active=True, **land))
    db.flush()
    users = {
        role: User(
            email=f"{role}@example.org",
            full_name=role,
            password_hash="-",
            role=role,
            department_id=department.id,
        )
        for role in ("editor", "officer")
    }
    db.add_all(users.values())
    db.commit()
    headers = {role: {"Authorization": f"Bearer {staff_token(user)}"} for role, user in users.items()}
    app.extensions["database"].session.remove()
    yield app, headers
    app.extensions["database"].engine.dispose()


def test_on_sqlite_a_citizen_follows_a_policy_comments_and_the_feed_revalidates(sqlite):
    """The life cycle, targeting, search, translations, read counting, feed ETag/304, comments,
    replies, the CSV report and keyset pages on the embedded database, not only on PostgreSQL."""
    app, staff = sqlite
    http = app.test_client()

    def create(**fields) -> str:
        data = {"category_code": "land", "summary": "Lấy ý kiến về mức hỗ trợ.", "body": "B", **fields}
        response = http.post(NOTICES, headers=staff["editor"], json=data)
        assert response.status_code == 201, response.get_json()
        return f"{NOTICES}/{response.get_json()['id']}"

    english = {"title": "Resettlement support", "summary": "Have your say.", "body": "<script>x</script>"}
    url = create(
        kind="policy",
        title="Dự thảo hỗ trợ tái định cư",
        body="[bấm](javascript:alert(1)) <img src=x onerror=alert(1)>",
        targets={"ward_codes": [HAI_CHAU]},
        translations={"en": english},
        consultation_closes_at=later(days=14),
    )
    assert http.get(url).status_code == 404
    move = http.post(f"{url}/transitions", headers=staff["editor"], json={"to": "consultation"})
    assert move.status_code == 200, move.get_json()

    assert [n["title"] for n in http.get(f"{NOTICES}?ward_code={HAI_CHAU}&q=ho tro").get_json()["items"]] == [
        "Dự thảo hỗ trợ tái định cư"
    ]
    assert http.get(f"{NOTICES}?ward_code=4").get_json()["items"] == []  # a ward of Hà Nội
    shown = http.get(url, headers={"Accept-Language": "en-US"}).get_json()
    assert (shown["title"], shown["body_html"]) == (
        english["title"],
        "<p>&lt;script&gt;x&lt;/script&gt;</p>\n",
    )
    assert "href" not in http.get(url).get_json()["body_html"]  # the link was dropped, shown as text
    assert http.get(url).get_json()["read_count"] == 3

    device = http.post(
        "/api/v1/devices", json={"platform": "android", "province_code": 48, "ward_code": HAI_CHAU}
    )
    citizen = {"Authorization": f"Bearer {device.get_json()['device_token']}"}
    home = http.get("/api/v1/feed", headers=citizen)
    assert [n["title"] for n in home.get_json()["open_consultations"]] == ["Dự thảo hỗ trợ tái định cư"]
    etag = home.headers["ETag"]
    assert http.get("/api/v1/feed", headers={**citizen, "If-None-Match": etag}).status_code == 304

    sent = http.post(
        f"{url}/comments", headers=citizen, json={"body": "=1+1 Tăng mức hỗ trợ", "contact": "0905"}
    )
    assert sent.status_code == 201
    again = http.post(f"{url}/comments", headers=citizen, json={"body": "=1+1 Tăng mức hỗ trợ"})
    assert_problem(again, 409, "duplicate_comment")
    comment_url = f"{url}/comments/{sent.get_json()['id']}"
    reply = http.post(f"{comment_url}/reply", headers=staff["officer"], json={"body": "Tiếp thu."})
    assert reply.status_code == 200
    [public] = http.get(f"{url}/comments").get_json()["items"]
    assert (public["reply"], "contact" in public) == ("Tiếp thu.", False)
    csv_report = http.get(f"{url}/consultation-report", headers={**staff["officer"], "Accept": "text/csv"})
    assert csv_report.get_data().startswith(b"\xef\xbb\xbf") and "'=1+1" in csv_report.get_data(as_text=True)

    for stage in ("adopted", "in_effect"):
        assert http.post(f"{url}/transitions", headers=staff["editor"], json={"to": stage}).status_code == 200
    assert [h["stage"] for h in http.get(url).get_json()["history"]] == [
        "draft",
        "consultation",
        "adopted",
        "in_effect",
    ]
    assert_problem(
        http.post(f"{url}/comments", headers=citizen, json={"body": "Muộn"}), 409, "consultation_closed"
    )
    fresh = http.get("/api/v1/feed", headers={**citizen, "If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.get_json()["open_consultations"] == []

    for n in range(3):
        announced = create(kind="announcement", title=f"Thông báo {n}", targets={"province_codes": [48]})
        http.post(f"{announced}/transitions", headers=staff["editor"], json={"to": "published"})
    seen = [n["title"] for n in every_page(http, NOTICES)]
    assert seen == ["Thông báo 2", "Thông báo 1", "Thông báo 0", "Dự thảo hỗ trợ tái định cư"]
