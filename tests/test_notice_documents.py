"""Documents attached to notices (the full text of a draft as PDF, a map): chosen by the editor from
their own uploads, shown in order, public when the notice is, kept with earlier versions."""

from sqlalchemy import select

from services.files import attachments
from services.models import Attachment
from tests.conftest import assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import FEEDBACK, PDF, PNG, submit, upload
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import NOTICES


def ids(notice: dict) -> list[str]:
    return [document["id"] for document in notice["attachments"]]


def test_a_draft_shows_its_documents_in_order_and_the_public_gets_them_once_it_is_public(
    staff, client, write, move
):
    editor = staff["editor_a"]
    text, plan = upload(editor, PDF, "du-thao.pdf"), upload(editor, PNG, "ban-do.png")
    draft = write(attachment_ids=[text["id"], plan["id"]])
    assert ids(draft) == [text["id"], plan["id"]]
    assert [d["content_type"] for d in draft["attachments"]] == ["application/pdf", "image/png"]
    assert_problem(client.get(text["url"]), 404)  # a draft's documents are the department's

    move(draft, "consultation")
    shown = client.get(f"{NOTICES}/{draft['id']}").get_json()
    assert ids(shown) == [text["id"], plan["id"]]
    document = client.get(text["url"])
    assert (document.status_code, document.mimetype, document.data) == (200, "application/pdf", PDF)


def test_an_edit_changes_what_is_shown_and_the_earlier_version_keeps_its_documents(
    staff, client, write, move, app
):
    editor = staff["editor_a"]
    first, second = upload(editor, PDF, "v1.pdf"), upload(editor, PDF, "v2.pdf")
    notice = move(write(attachment_ids=[first["id"]]), "consultation")

    edited = editor.patch(f"{NOTICES}/{notice['id']}", json={"attachment_ids": [second["id"]]}).get_json()

    assert ids(edited) == [second["id"]] and edited["version"] == 2
    [earlier] = client.get(f"{NOTICES}/{notice['id']}/versions").get_json()["items"]
    assert ids(earlier) == [first["id"]]
    assert client.get(first["url"]).status_code == 200
    # A notice's documents are never purged as unused uploads, however old.
    with app.app_context():
        from api.database import session

        for document in session().scalars(select(Attachment)):
            document.created_at = document.created_at.replace(year=2020)
        session().commit()
        assert attachments.purge_unused(session()) == 0


def test_only_the_editors_own_unused_uploads_or_the_notices_own_documents_may_be_listed(
    staff, citizen, write, road_form, department_a
):
    editor = staff["editor_a"]
    mine = upload(editor, PDF, "mine.pdf")
    notice = write(attachment_ids=[mine["id"]])
    used_by_feedback = upload(citizen)
    submit(citizen, answers={"where": "x", "kind": "pothole", "photos": [used_by_feedback["id"]]})
    unusable = [
        [upload(staff["officer_b"], PDF, "theirs.pdf")["id"]],  # someone else's upload
        [upload(citizen)["id"]],  # a citizen's photo
        [used_by_feedback["id"]],  # used by a feedback
        ["00000000-0000-4000-8000-000000000000"],  # no such upload
        [mine["id"], mine["id"]],  # twice
    ]
    for attachment_ids in unusable:
        response = editor.patch(f"{NOTICES}/{notice['id']}", json={"attachment_ids": attachment_ids})
        assert "attachment_ids" in assert_problem(response, 422)["errors"], attachment_ids
    assert ids(editor.get(f"{NOTICES}/{notice['id']}").get_json()) == [mine["id"]]  # unchanged

    # Another notice cannot show this notice's document, nor can an answer to a feedback.
    response = editor.post(NOTICES, json={**_minimal(), "attachment_ids": [mine["id"]]})
    assert "attachment_ids" in assert_problem(response, 422)["errors"]
    item = submit(citizen)
    reply = editor.post(
        f"{FEEDBACK}/{item['id']}/replies", json={"body": "Xem", "attachment_ids": [mine["id"]]}
    )
    assert "attachment_ids" in assert_problem(reply, 422)["errors"]


def _minimal() -> dict:
    return {
        "kind": "announcement",
        "category_code": "land",
        "title": "Thông báo",
        "summary": "Tóm tắt",
        "body": "Nội dung",
        "targets": {"province_codes": [48]},
        "consultation_closes_at": None,
    }
