"""Attachments: the type is read from the bytes, the size is capped at 10 MB, and a file is served
only to its uploader and to those who may see the feedback that references it.

tests/test_upload_abuse.py has the hostile files, the limits and the quota."""

import io

import pytest
from sqlalchemy import select

from services.models import AuditEvent
from tests.conftest import Caller, assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import FEEDBACK, JPEG, PDF, PNG, image_file, submit, upload

WEBP = image_file("WEBP")
MB = 1024 * 1024


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (JPEG, "a.jpg", "image/jpeg"),
        (PNG, "a.jpg", "image/png"),
        (WEBP, "a.webp", "image/webp"),
        (PDF, "a.pdf", "application/pdf"),
    ],
)
def test_the_type_comes_from_the_content_not_the_name(citizen, data, name, content_type):
    created = upload(citizen, data, name)
    fetched = citizen.get(created["url"])
    assert created["content_type"] == content_type and fetched.status_code == 200
    assert fetched.mimetype == content_type and len(fetched.data) == created["size"]


def test_other_files_are_refused(citizen, staff):
    body = upload(citizen, b"<html><script>alert(1)</script></html>", "photo.jpg", expect=422)
    assert body["code"] == "unsupported_file_type"
    assert upload(citizen, b"", "empty.jpg", expect=422)["errors"]["file"]
    missing = citizen.post("/api/v1/attachments", data={}, content_type="multipart/form-data")
    assert_problem(missing, 422)
    # A viewer may not upload at all: refused before the body is looked at.
    assert_problem(
        staff["viewer_a"].post("/api/v1/attachments", data={}, content_type="multipart/form-data"), 403
    )


def test_ten_megabytes_is_the_limit_for_attachments_only(citizen):
    upload(citizen, JPEG + b"\x00" * (10 * MB - len(JPEG)), "big.jpg")
    assert upload(citizen, JPEG + b"\x00" * (10 * MB + 1 - len(JPEG)), "big.jpg", expect=422)["code"] == (
        "file_too_large"
    )
    assert_problem(
        citizen.post(
            "/api/v1/attachments",
            data={"file": (io.BytesIO(b"\x00" * (11 * MB)), "x.jpg")},
            content_type="multipart/form-data",
        ),
        413,
    )
    # JSON bodies keep the app-wide 1 MiB limit.
    assert_problem(citizen.post(FEEDBACK, json={"form": "x" * (2 * 1024 * 1024)}), 413)


def test_a_file_is_served_to_its_uploader_and_those_who_may_see_its_feedback(
    app, staff, citizen, client, road_form, make_device
):
    stranger = Caller(app.test_client(), make_device().token)
    photo = upload(citizen)
    assert_problem(stranger.get(photo["url"]), 404)
    assert_problem(staff["officer_a"].get(photo["url"]), 404)  # not referenced yet: the uploader's only
    assert_problem(client.get(photo["url"]), 404)

    item = submit(citizen, answers={"where": "x", "kind": "pothole", "photos": [photo["id"]]})
    assert [a["id"] for a in item["attachments"]] == [photo["id"]]
    assert staff["officer_a"].get(photo["url"]).status_code == 200
    assert staff["admin"].get(photo["url"]).status_code == 200
    assert_problem(staff["officer_b"].get(photo["url"]), 404)
    assert_problem(stranger.get(photo["url"]), 404)


def test_a_photo_is_used_once_and_only_by_its_own_device(
    app, citizen, road_form, department_a, make_device, staff
):
    def refused(attachment):
        answers = {"where": "x", "kind": "pothole", "photos": [attachment["id"]]}
        body = submit(citizen, expect=422, answers=answers)
        assert body["status"] == 422 and "photos" in body["errors"]["answers"]

    photo = upload(citizen)
    submit(citizen, answers={"where": "x", "kind": "pothole", "photos": [photo["id"]]})
    refused(photo)  # used already
    refused(upload(citizen, PDF, "a.pdf"))  # not a photo

    # A reply's attachments must be the officer's own unused uploads.
    item = submit(citizen)
    citizens_file = upload(citizen, PDF, "b.pdf")
    refused = staff["officer_a"].post(
        f"{FEEDBACK}/{item['id']}/replies", json={"body": "x", "attachment_ids": [citizens_file["id"]]}
    )
    assert "attachment_ids" in assert_problem(refused, 422)["errors"]


def test_uploads_no_feedback_used_within_a_week_are_purged_with_their_files(
    app, citizen, road_form, department_a, sql, db, attachments_dir
):
    used, abandoned, recent = upload(citizen), upload(citizen, PNG, "b.png"), upload(citizen, PDF, "c.pdf")
    submit(citizen, answers={"where": "x", "kind": "pothole", "photos": [used["id"]]})
    sql(
        "UPDATE attachments SET created_at = created_at - interval '8 days' WHERE id IN (:a, :b)",
        a=used["id"],
        b=abandoned["id"],
    )
    abandoned_file = next(path for path in attachments_dir.rglob("*") if path.name == abandoned["id"])

    result = app.test_cli_runner().invoke(args=["purge-uploads"])

    assert result.exit_code == 0 and "Deleted 1 unused uploads" in result.output
    assert_problem(citizen.get(abandoned["url"]), 404)
    assert not abandoned_file.exists()
    assert citizen.get(used["url"]).status_code == 200 and citizen.get(recent["url"]).status_code == 200
    deleted = db.scalar(select(AuditEvent).where(AuditEvent.action == "attachment.delete"))
    assert deleted.entity_id == abandoned["id"] and deleted.actor_type == "system"
