"""Notices: who writes them, their life cycle and history, targeting, search, translations,
versions, read counting, scheduling, pushes to the targeted places and the Atom feed."""

import re
import uuid
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from services.core.markup import to_html
from services.models import Notice, Notification
from tests.conftest import Caller, assert_problem, staff_token
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import BA_DINH, DA_NANG, HA_NOI, HAI_CHAU, NOTICES, THANH_KHE, later
from tests.push_fixtures import *  # noqa: F403


def titles(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["title"] for item in response.get_json()["items"]}


# ---------------------------------------------------------------- life cycle


def test_a_policy_goes_from_draft_to_in_effect_and_keeps_its_history(client, citizen, staff, write, move):
    draft = write()
    assert draft["stage"] == "draft" and draft["published_at"] is None
    assert client.get(f"{NOTICES}/{draft['id']}").status_code == 404  # drafts are staff only
    assert staff["officer_b"].get(f"{NOTICES}/{draft['id']}").status_code == 404  # and their department's
    assert staff["viewer_a"].get(f"{NOTICES}/{draft['id']}").status_code == 200

    move(draft, "consultation", note="Lấy ý kiến 14 ngày")
    move(draft, "adopted", note="HĐND thông qua")
    final = move(draft, "in_effect")

    shown = citizen.get(f"{NOTICES}/{draft['id']}").get_json()
    assert shown["stage"] == final["stage"] == "in_effect"
    assert [(h["stage"], h["note"]) for h in shown["history"]] == [
        ("draft", None),
        ("consultation", "Lấy ý kiến 14 ngày"),
        ("adopted", "HĐND thông qua"),
        ("in_effect", None),
    ]
    assert shown["published_at"] == shown["history"][1]["at"]


def test_an_invalid_transition_is_409_naming_the_allowed_ones(staff, write, move):
    policy = write()
    response = staff["editor_a"].post(f"{NOTICES}/{policy['id']}/transitions", json={"to": "in_effect"})
    assert assert_problem(response, 409, "invalid_transition")["allowed"] == ["consultation"]

    announcement = write(kind="announcement", consultation_closes_at=None)
    response = staff["editor_a"].post(
        f"{NOTICES}/{announcement['id']}/transitions", json={"to": "consultation"}
    )
    problem = assert_problem(response, 409, "invalid_transition")
    assert problem["allowed"] == ["published"]
    assert problem["detail"] == "An announcement that is draft cannot become consultation."
    archived = move(announcement, "published", "archived")
    response = staff["editor_a"].post(f"{NOTICES}/{archived['id']}/transitions", json={"to": "published"})
    assert assert_problem(response, 409, "invalid_transition")["allowed"] == []
    response = staff["editor_a"].patch(f"{NOTICES}/{archived['id']}", json={"title": "Sửa"})
    assert assert_problem(response, 409, "notice_archived")["allowed"] == []


def test_consultation_needs_a_closing_time_in_the_future(staff, write):
    policy = write(consultation_closes_at=None)
    response = staff["editor_a"].post(f"{NOTICES}/{policy['id']}/transitions", json={"to": "consultation"})
    assert "consultation_closes_at" in assert_problem(response, 422)["errors"]


# ---------------------------------------------------------------- who writes


def test_editors_write_for_their_own_department_and_admins_for_any(
    app, client, citizen, staff, write, make_user, department_a, department_b
):
    data = {"kind": "announcement", "category_code": "land", "title": "T", "summary": "S", "body": "B"}
    data["targets"] = {"national": True}
    assert_problem(client.post(NOTICES, json=data), 401)
    assert_problem(citizen.post(NOTICES, json=data), 403)
    assert_problem(staff["officer_a"].post(NOTICES, json=data), 403)
    assert_problem(staff["viewer_a"].post(NOTICES, json=data), 403)
    assert_problem(staff["editor_a"].post(NOTICES, json={**data, "department_id": str(department_b.id)}), 403)
    assert_problem(staff["admin"].post(NOTICES, json=data), 422)  # an admin names the department

    by_admin = write(caller=staff["admin"], department_id=str(department_b.id))
    assert by_admin["department"]["code"] == "DEPT-B"
    assert write()["department"] == {"id": str(department_a.id), "code": "DEPT-A", "name": "Phòng DEPT-A"}

    editor_b = Caller(app.test_client(), staff_token(make_user("editor", department_b)))
    mine = write()
    assert_problem(editor_b.patch(f"{NOTICES}/{mine['id']}", json={"title": "Khác"}), 404)
    assert_problem(editor_b.post(f"{NOTICES}/{mine['id']}/transitions", json={"to": "consultation"}), 404)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category_code": "nope"}, "category_code"),
        ({"targets": {"ward_codes": [99999]}}, "targets"),
        ({"targets": {"province_codes": [HA_NOI], "ward_codes": [HAI_CHAU]}}, "targets"),
        ({"consultation_closes_at": later(hours=-1)}, "consultation_closes_at"),
        ({"body": "x" * 100_001}, "body"),
        ({"body": "Đ" * 50_001}, "body"),  # 100,002 bytes in UTF-8
        ({"translations": {"en": {"title": "a", "summary": "b", "body": "ế" * 33_334}}}, "translations"),
        ({"links": ["http://danang.gov.vn/x"]}, "links"),
        ({"translations": {"vi-VN": {"title": "a", "summary": "b", "body": "c"}}}, "translations"),
        ({"claim_url": "https://facebook.com/fake"}, "claim_url"),
        ({"kind": "correction", "consultation_closes_at": None}, "claim_url"),
        ({"kind": "announcement", "consultation_closes_at": later(days=3)}, "consultation_closes_at"),
        ({"publish_at": "2026-12-01T08:00:00"}, "publish_at"),  # no offset
        ({"publish_at": later(days=5), "consultation_closes_at": later(days=3)}, "consultation_closes_at"),
    ],
    ids=[
        "unknown-category",
        "unknown-ward",
        "ward-outside-province",
        "closing-in-the-past",
        "body-over-100kb",
        "vietnamese-body-over-100kb",
        "translation-over-100kb",
        "http-link",
        "vi-as-translation",
        "claim-on-a-policy",
        "correction-without-claim",
        "consultation-for-announcement",
        "naive-time",
        "closing-before-publication",
    ],
)
def test_bad_input_is_422_naming_the_field(staff, categories, fields, field):
    data = {
        "kind": "policy",
        "category_code": "land",
        "title": "Dự thảo",
        "summary": "Tóm tắt",
        "body": "Nội dung",
        "targets": {"ward_codes": [HAI_CHAU]},
        **fields,
    }
    assert field in assert_problem(staff["editor_a"].post(NOTICES, json=data), 422)["errors"]


def test_a_closing_time_before_the_stored_publication_time_is_422(staff, write):
    """The schema compares the two times given together; against a stored publish_at, the service does."""
    notice = write(publish_at=later(days=5), consultation_closes_at=later(days=10))
    earlier = {"consultation_closes_at": later(days=3)}
    response = staff["editor_a"].patch(f"{NOTICES}/{notice['id']}", json=earlier)
    errors = assert_problem(response, 422)["errors"]
    assert errors == {"consultation_closes_at": ["Must be after publish_at."]}


def test_a_request_over_the_size_limit_is_413(staff, categories):
    data = {"kind": "announcement", "category_code": "land", "title": "T", "summary": "S"}
    response = staff["editor_a"].post(
        NOTICES, json={**data, "body": "x" * 2_000_000, "targets": {"national": True}}
    )
    assert_problem(response, 413, "payload_too_large")


def test_refused_edits_change_nothing_stored(admin, staff, write, move):
    notice = move(write(), "consultation")
    url = f"{NOTICES}/{notice['id']}"
    logged = len(admin.get("/api/v1/audit", query_string={"entity_id": notice["id"]}).get_json()["items"])

    for change in (
        {"consultation_closes_at": None},  # a consultation in progress keeps a closing time
        {"consultation_closes_at": later(hours=-1)},
        {"title": "Tiêu đề mới", "category_code": "nope"},
        {"title": "Tiêu đề mới", "targets": {"province_codes": [HA_NOI], "ward_codes": [HAI_CHAU]}},
        {"title": "Tiêu đề\x00 mới"},
    ):
        assert_problem(staff["editor_a"].patch(url, json=change), 422)

    shown = staff["editor_a"].get(url).get_json()
    assert {k: shown[k] for k in ("title", "consultation_closes_at", "version", "targets", "history")} == {
        k: notice[k] for k in ("title", "consultation_closes_at", "version", "targets", "history")
    }
    assert shown["consultation_open"] is True
    assert staff["editor_a"].get(f"{url}/versions").get_json()["items"] == []
    after = admin.get("/api/v1/audit", query_string={"entity_id": notice["id"]}).get_json()["items"]
    assert len(after) == logged


def test_every_staff_write_on_a_notice_is_in_the_audit_log(admin, staff, write, move):
    notice = write()
    staff["editor_a"].patch(f"{NOTICES}/{notice['id']}", json={"title": "Bản sửa"})
    move(notice, "consultation", note="Mời góp ý")

    events = admin.get("/api/v1/audit", query_string={"entity_id": notice["id"]}).get_json()["items"]
    assert [e["action"] for e in events] == ["notice.transition", "notice.update", "notice.create"]
    assert {e["actor_id"] for e in events} == {str(staff["editor_a"].principal.id)}
    transition, update, _create = events
    assert (update["before"]["title"], update["after"]["title"]) == (notice["title"], "Bản sửa")
    assert (transition["before"]["stage"], transition["after"]["stage"]) == ("draft", "consultation")


def test_an_unknown_department_is_422(staff, categories):
    data = {"kind": "announcement", "category_code": "land", "title": "T", "summary": "S", "body": "B"}
    response = staff["admin"].post(
        NOTICES, json={**data, "targets": {"national": True}, "department_id": str(uuid.uuid4())}
    )
    assert "department_id" in assert_problem(response, 422)["errors"]


def test_wards_of_the_targeted_province_or_wards_alone_anywhere_are_accepted(admin, write):
    assert write(targets={"province_codes": [DA_NANG], "ward_codes": [HAI_CHAU]})["targets"][
        "ward_codes"
    ] == [HAI_CHAU]
    both = write(admin, targets={"ward_codes": [HAI_CHAU, BA_DINH]})  # an editor's reach is Đà Nẵng
    assert both["targets"]["ward_codes"] == [BA_DINH, HAI_CHAU]


@pytest.mark.parametrize(
    ("targets", "beyond"),
    [
        ({"national": True}, "the whole country"),
        ({"province_codes": [HA_NOI]}, "province 1"),
        ({"ward_codes": [HAI_CHAU, BA_DINH]}, "ward 4"),
    ],
)
def test_an_editor_cannot_aim_a_notice_beyond_their_province(staff, write, sql, targets, beyond):
    notice = write(targets={"ward_codes": [HAI_CHAU]})
    data = {"kind": "announcement", "category_code": "land", "title": "T", "summary": "S", "body": "B"}
    created = staff["editor_a"].post(NOTICES, json={**data, "targets": targets})
    body = assert_problem(created, 403, "target_out_of_reach")
    assert body["errors"] == {"targets": [f"Beyond your department's reach: {beyond}."]}
    edited = staff["editor_a"].patch(f"{NOTICES}/{notice['id']}", json={"title": "Sửa", "targets": targets})
    assert_problem(edited, 403, "target_out_of_reach")
    assert sql("SELECT title, targets FROM notices").one() == (
        notice["title"],
        {"national": False, "province_codes": [], "ward_codes": [HAI_CHAU]},
    )


def test_an_editor_cannot_publish_an_admins_national_notice_but_may_archive_it(admin, staff, write, move, db):
    notice = write(admin, kind="announcement", consultation_closes_at=None, targets={"national": True})
    refused = staff["editor_a"].post(f"{NOTICES}/{notice['id']}/transitions", json={"to": "published"})
    assert_problem(refused, 403, "target_out_of_reach")
    assert db.scalar(select(func.count()).select_from(Notification)) == 0
    published = move(notice, "published", caller=admin)
    # A quiet edit of the text keeps the admin's reach; archiving withdraws it.
    edited = staff["editor_a"].patch(f"{NOTICES}/{notice['id']}", json={"title": "Bản sửa"})
    assert edited.status_code == 200 and edited.get_json()["targets"]["national"] is True
    assert move(published, "archived")["stage"] == "archived"


def test_a_notice_takes_only_an_active_notice_category(admin, staff, write, sql):
    roads = {"code": "roads", "kind": "feedback", "name_vi": "Giao thông"}
    assert admin.post("/api/v1/categories", json=roads).status_code == 201
    data = {
        "kind": "announcement",
        "title": "T",
        "summary": "S",
        "body": "B",
        "targets": {"ward_codes": [HAI_CHAU]},
    }
    body = assert_problem(staff["editor_a"].post(NOTICES, json={**data, "category_code": "roads"}), 422)
    assert body["errors"] == {"category_code": ["No active notice category roads."]}
    notice = write()
    edited = staff["editor_a"].patch(f"{NOTICES}/{notice['id']}", json={"category_code": "roads"})
    assert assert_problem(edited, 422)["errors"] == {"category_code": ["No active notice category roads."]}

    sql("UPDATE categories SET active = false WHERE code = 'social-welfare'")
    retired = staff["editor_a"].patch(f"{NOTICES}/{notice['id']}", json={"category_code": "social-welfare"})
    assert "category_code" in assert_problem(retired, 422)["errors"]
    assert sql("SELECT category_code FROM notices").scalar() == "land"


def test_html_and_script_never_reach_a_client_unescaped(client, write, move):
    notice = write(
        kind="announcement",
        consultation_closes_at=None,
        title="<script>alert(1)</script> Thông báo",
        body="# Tiêu đề\n\n<script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
        "[bấm](javascript:alert(1)) [nguồn](https://danang.gov.vn)",
    )
    move(notice, "published")

    shown = client.get(f"{NOTICES}/{notice['id']}").get_json()
    html = shown["body_html"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html  # typed HTML is shown as text
    assert '<a href="https://danang.gov.vn" rel="noopener noreferrer nofollow">nguồn</a>' in html
    assert "<h1>Tiêu đề</h1>" in html
    assert shown["title"] == "<script>alert(1)</script> Thông báo"  # plain text in JSON, never HTML
    atom = client.get("/feeds/notices.atom").get_data(as_text=True)
    assert "<script>" not in atom and "&lt;script&gt;alert(1)&lt;/script&gt; Thông báo" in atom


class _Html(HTMLParser):
    """Every tag and attribute of an HTML fragment."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


SAFE_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code"}
SAFE_TAGS |= {"ul", "ol", "li", "strong", "em", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}


def assert_no_script(html: str) -> None:
    """Only allowlisted tags, no event handler or style, and links and images to web, mail or phone
    addresses only: nothing a browser would run."""
    for tag, attrs in _Html(html).tags:
        assert tag in SAFE_TAGS, html
        assert set(attrs) <= {"href", "title", "src", "alt", "rel", "start"}, html
        for key in ("href", "src"):
            if key in attrs:
                # A browser drops tabs and newlines anywhere in a URL and spaces around it.
                url = re.sub(r"[\t\n\r]", "", attrs[key]).strip().lower()
                scheme = re.match(r"([a-z][a-z0-9+.-]*):", url)
                assert scheme is None or scheme[1] in ("https", "http", "mailto", "tel"), html


NASTY_MARKDOWN = [
    "[bấm](javascript:alert(1))",
    "[bấm](JaVaScRiPt:alert(1))",
    "[bấm](java&#x09;script:alert(1))",
    "[bấm](&#106;avascript:alert(1))",
    "[bấm]( javascript:alert(1))",
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "[bấm](vbscript:msgbox(1))",
    "[bấm](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![ảnh](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![ảnh](javascript:alert(1))",
    '![ảnh](https://x.vn/a.png "onerror=alert(1)")',
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    '<a href="javascript:alert(1)">bấm</a>',
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "```html\n<script>alert(1)</script>\n```",
]


@pytest.mark.parametrize("markdown", NASTY_MARKDOWN)
def test_no_markdown_renders_anything_a_browser_would_run(markdown):
    html = to_html(markdown)
    assert_no_script(html)
    assert "<script" not in html


def test_every_body_html_served_is_sanitised(client, staff, write, move):
    nasty = "\n\n".join(NASTY_MARKDOWN)
    notice = move(
        write(translations={"en": {"title": "T", "summary": "S", "body": nasty}}, body=nasty), "consultation"
    )
    staff["editor_a"].patch(f"{NOTICES}/{notice['id']}", json={"body": "Đã sửa"})  # keeps a version

    vietnamese = client.get(f"{NOTICES}/{notice['id']}").get_json()
    english = client.get(f"{NOTICES}/{notice['id']}", headers={"Accept-Language": "en"}).get_json()
    [earlier] = client.get(f"{NOTICES}/{notice['id']}/versions").get_json()["items"]
    assert english["language"] == "en" and earlier["body"] == nasty
    for html in (english["body_html"], earlier["body_html"]):
        assert_no_script(html)
        assert "&lt;script&gt;" in html  # typed HTML is shown as text
    assert vietnamese["body_html"] == "<p>Đã sửa</p>\n"


# ---------------------------------------------------------------- reading


@pytest.fixture
def places(staff, write, move):
    """One public notice per kind of place (written by an admin: national and Hà Nội are beyond an
    editor's reach)."""
    for title, targets in [
        ("Hải Châu", {"ward_codes": [HAI_CHAU]}),
        ("Thanh Khê", {"ward_codes": [THANH_KHE]}),
        ("Đà Nẵng", {"province_codes": [DA_NANG]}),
        ("Cả nước", {"national": True}),
        ("Hà Nội", {"province_codes": [HA_NOI]}),
    ]:
        notice = write(
            staff["admin"], kind="announcement", consultation_closes_at=None, title=title, targets=targets
        )
        move(notice, "published", caller=staff["admin"])


def test_a_ward_sees_its_ward_its_province_and_national_notices_only(client, places):
    assert titles(client.get(f"{NOTICES}?ward_code={HAI_CHAU}")) == {"Hải Châu", "Đà Nẵng", "Cả nước"}
    assert titles(client.get(f"{NOTICES}?province_code={DA_NANG}&ward_code={THANH_KHE}")) == {
        "Thanh Khê",
        "Đà Nẵng",
        "Cả nước",
    }
    assert titles(client.get(f"{NOTICES}?province_code={DA_NANG}")) == {
        "Hải Châu",
        "Thanh Khê",
        "Đà Nẵng",
        "Cả nước",
    }
    assert titles(client.get(f"{NOTICES}?ward_code={BA_DINH}")) == {"Hà Nội", "Cả nước"}
    assert len(titles(client.get(NOTICES))) == 5


def test_a_place_that_does_not_exist_is_422(client):
    assert_problem(client.get(f"{NOTICES}?ward_code=99999"), 422, "unknown_area")
    assert_problem(client.get(f"{NOTICES}?province_code={HA_NOI}&ward_code={HAI_CHAU}"), 422, "unknown_area")


def test_search_ignores_diacritics_and_finds_title_summary_and_body(client, write, move):
    move(
        write(
            kind="announcement", consultation_closes_at=None, title="Đường Nguyễn Văn Linh", summary="Cấm xe"
        ),
        "published",
    )
    move(
        write(
            kind="announcement", consultation_closes_at=None, title="Khác", body="Hỗ trợ học phí cho học sinh"
        ),
        "published",
    )
    move(
        write(kind="announcement", consultation_closes_at=None, title="Điện lực", summary="Cắt điện 100%_x"),
        "published",
    )

    assert titles(client.get(f"{NOTICES}?q=duong nguyen van linh")) == {"Đường Nguyễn Văn Linh"}
    assert titles(client.get(f"{NOTICES}?q=ĐƯỜNG")) == {"Đường Nguyễn Văn Linh"}
    assert titles(client.get(f"{NOTICES}?q=dien luc")) == {"Điện lực"}
    assert titles(client.get(f"{NOTICES}?q=hoc phi")) == {"Khác"}
    assert titles(client.get(f"{NOTICES}?q=100%25_")) == {"Điện lực"}  # LIKE wildcards are literal
    assert titles(client.get(f"{NOTICES}?q=cam xe")) == {"Đường Nguyễn Văn Linh"}


def test_filters_by_kind_stage_and_category(client, write, move):
    move(write(title="Chính sách"), "consultation")
    move(
        write(
            kind="announcement",
            consultation_closes_at=None,
            title="Thông báo",
            category_code="social-welfare",
        ),
        "published",
    )
    move(write(kind="announcement", consultation_closes_at=None, title="Cũ"), "published", "archived")

    assert titles(client.get(f"{NOTICES}?kind=policy")) == {"Chính sách"}
    assert titles(client.get(f"{NOTICES}?stage=consultation")) == {"Chính sách"}
    assert titles(client.get(f"{NOTICES}?category=social-welfare")) == {"Thông báo"}
    assert titles(client.get(NOTICES)) == {"Chính sách", "Thông báo"}  # archived only when asked
    assert titles(client.get(f"{NOTICES}?stage=archived")) == {"Cũ"}


def test_accept_language_picks_the_translation_falling_back_to_vietnamese(
    client, make_device, app, write, move
):
    english = {"title": "Resettlement support", "summary": "Have your say.", "body": "**More** support."}
    notice = move(write(translations={"en": english}), "consultation")
    url = f"{NOTICES}/{notice['id']}"

    shown = client.get(url, headers={"Accept-Language": "en-US,en;q=0.9"}).get_json()
    assert (shown["language"], shown["title"], shown["summary"]) == (
        "en",
        english["title"],
        english["summary"],
    )
    assert shown["body_html"] == "<p><strong>More</strong> support.</p>\n"
    assert shown["languages"] == ["vi", "en"]
    assert client.get(url, headers={"Accept-Language": "fr, vi;q=0.5"}).get_json()["language"] == "vi"
    assert client.get(url, headers={"Accept-Language": "en;q=0, fr"}).get_json()["language"] == "vi"
    assert client.get(url).get_json()["title"] == notice["title"]
    assert titles(client.get(NOTICES, headers={"Accept-Language": "en"})) == {english["title"]}

    device = make_device(locale="en")
    assert Caller(app.test_client(), device.token).get(url).get_json()["title"] == english["title"]


def test_editing_a_public_notice_keeps_the_previous_version(client, staff, write, move):
    notice = write()
    staff["editor_a"].patch(f"{NOTICES}/{notice['id']}", json={"title": "Bản nháp 2"})  # drafts: no versions
    move(notice, "consultation")

    edited = (
        staff["editor_a"]
        .patch(
            f"{NOTICES}/{notice['id']}",
            json={"title": "Dự thảo (sửa đổi)", "links": ["https://danang.gov.vn/dt"]},
        )
        .get_json()
    )
    assert edited["version"] == 2 and edited["title"] == "Dự thảo (sửa đổi)"
    staff["editor_a"].patch(f"{NOTICES}/{notice['id']}", json={"consultation_closes_at": later(days=20)})

    versions = client.get(f"{NOTICES}/{notice['id']}/versions").get_json()
    assert [(v["version"], v["title"], v["links"]) for v in versions["items"]] == [(1, "Bản nháp 2", [])]
    assert client.get(f"{NOTICES}/{notice['id']}").get_json()["version"] == 2


def test_pages_neither_skip_nor_repeat_while_new_notices_arrive(client, write, move):
    for n in range(5):
        move(write(kind="announcement", consultation_closes_at=None, title=f"Cũ {n}"), "published")

    first = client.get(f"{NOTICES}?limit=2").get_json()
    move(write(kind="announcement", consultation_closes_at=None, title="Mới"), "published")
    seen = [item["title"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(f"{NOTICES}?limit=2&cursor={cursor}").get_json()
        seen += [item["title"] for item in page["items"]]
        cursor = page["next_cursor"]

    assert seen == [f"Cũ {n}" for n in (4, 3, 2, 1, 0)]
    assert client.get(f"{NOTICES}?limit=1").get_json()["items"][0]["title"] == "Mới"


def test_reads_are_counted_without_writing_or_locking_the_notice_row(
    client, citizen, integrator, staff, write, move, db, statements
):
    notice = move(write(), "consultation")
    before = db.scalar(select(Notice.updated_at).where(Notice.id == uuid.UUID(notice["id"])))

    statements.clear()
    for caller in (client, client, citizen, integrator, staff["editor_a"]):  # staff reads are not counted
        caller.get(f"{NOTICES}/{notice['id']}")
    sent = [s.lstrip().upper() for s in statements]
    assert sum(s.startswith("INSERT INTO NOTICE_READ_COUNTS") for s in sent) == 4
    assert not any(s.startswith(("UPDATE NOTICES ", "DELETE FROM NOTICES ")) for s in sent)
    assert not any(" FOR " in s.upper() for s in statements)  # no SELECT … FOR UPDATE / SHARE either

    assert client.get(f"{NOTICES}/{notice['id']}").get_json()["read_count"] == 5
    assert db.scalar(select(Notice.updated_at).where(Notice.id == uuid.UUID(notice["id"]))) == before


def test_integrators_read_with_notices_read_scope(integrator, integrator_without_scope, write, move):
    notice = move(write(), "consultation")
    assert integrator.get(f"{NOTICES}/{notice['id']}").status_code == 200
    assert titles(integrator.get(NOTICES)) == {notice["title"]}
    assert_problem(integrator_without_scope.get(NOTICES), 403, "missing_scope")
    assert_problem(integrator_without_scope.get(f"{NOTICES}/{notice['id']}"), 403, "missing_scope")


def test_a_scheduled_notice_is_public_and_pushed_from_its_publish_at(client, write, move, sql, db):
    at = later(days=2)
    notice = move(write(publish_at=at), "consultation")
    assert notice["published_at"] == notice["history"][-1]["at"]
    assert client.get(f"{NOTICES}/{notice['id']}").status_code == 404
    assert titles(client.get(NOTICES)) == set()
    push = db.scalar(select(Notification).where(Notification.source_id == notice["id"]))
    assert push.send_at.isoformat() == notice["published_at"]

    sql("UPDATE notices SET listed_at = listed_at - interval '3 days' WHERE id = :id", id=notice["id"])
    assert client.get(f"{NOTICES}/{notice['id']}").status_code == 200


# ---------------------------------------------------------------- pushes


def test_publishing_and_each_stage_change_push_to_the_targeted_place_topic(
    write, move, fake_fcm, dispatcher, db
):
    notice = write(translations={"en": {"title": "Resettlement", "summary": "Have your say.", "body": "…"}})
    move(notice, "consultation")
    dispatcher.run_once()

    sends = {r.message["condition"]: r.message for r in fake_fcm.sent_ok()}
    assert set(sends) == {
        "'w-20242' in topics && !('lang-en' in topics)",
        "'w-20242' in topics && 'lang-en' in topics",
    }
    vietnamese = sends["'w-20242' in topics && !('lang-en' in topics)"]
    assert vietnamese["notification"] == {
        "title": f"Lấy ý kiến dự thảo: {notice['title']}",
        "body": notice["summary"],
    }
    assert vietnamese["data"]["type"] == "notice" and vietnamese["data"]["id"] == notice["id"]
    assert vietnamese["android"]["priority"].lower() == "normal"
    assert vietnamese["android"]["collapse_key"] == f"notice-{notice['id']}"
    english = sends["'w-20242' in topics && 'lang-en' in topics"]
    assert english["notification"]["title"] == "Draft open for comments: Resettlement"

    fake_fcm.clear()
    move(notice, "adopted")
    move(notice, "in_effect", push=False)
    move(notice, "archived")
    dispatcher.run_once()
    prefixes = {r.message["notification"]["title"].split(":")[0] for r in fake_fcm.sent_ok()}
    assert prefixes == {"Đã thông qua", "Adopted"}  # in effect without push, archived never pushed
    assert db.scalar(select(func.count()).select_from(Notification)) == 2


def test_a_national_announcement_goes_to_the_all_topic(admin, write, move, fake_fcm, dispatcher):
    notice = write(admin, kind="announcement", consultation_closes_at=None, targets={"national": True})
    move(notice, "published", caller=admin)
    dispatcher.run_once()

    [request] = fake_fcm.sent_ok()
    assert request.message["topic"] == "all"
    assert request.message["notification"]["title"] == notice["title"]


# ---------------------------------------------------------------- Atom


def test_the_atom_feed_lists_public_notices_newest_first(client, admin, write, move):
    write(kind="announcement", consultation_closes_at=None, title="Bản nháp")
    move(write(kind="announcement", consultation_closes_at=None, title="Thứ nhất"), "published")
    elsewhere = write(
        admin,
        kind="announcement",
        consultation_closes_at=None,
        title="Thứ hai",
        targets={"province_codes": [HA_NOI]},
    )
    move(elsewhere, "published", caller=admin)

    response = client.get("/feeds/notices.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    text = response.get_data(as_text=True)
    assert "Bản nháp" not in text and text.index("Thứ hai") < text.index("Thứ nhất")
    local = client.get(f"/feeds/notices.atom?ward_code={HAI_CHAU}").get_data(as_text=True)
    assert "Thứ nhất" in local and "Thứ hai" not in local


def test_changing_the_targets_moves_the_notice_between_places(client, staff, write, move):
    notice = move(write(kind="announcement", consultation_closes_at=None, title="Di dời"), "published")
    staff["editor_a"].patch(
        f"{NOTICES}/{notice['id']}", json={"targets": {"ward_codes": [HAI_CHAU, THANH_KHE]}}
    )
    assert titles(client.get(f"{NOTICES}?ward_code={THANH_KHE}")) == {"Di dời"}

    staff["editor_a"].patch(f"{NOTICES}/{notice['id']}", json={"targets": {"ward_codes": [THANH_KHE]}})
    assert titles(client.get(f"{NOTICES}?ward_code={HAI_CHAU}")) == set()
    assert titles(client.get(f"{NOTICES}?ward_code={THANH_KHE}")) == {"Di dời"}
