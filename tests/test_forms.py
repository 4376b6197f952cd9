"""Province-defined forms: admins write them (with versions once answered), citizens find the forms
offered where they are, and answers are checked against the version they answer."""

import copy

from tests.conftest import assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import DA_NANG, HAI_CHAU, ROAD_FORM, submit, upload

THANH_KHE = 20209  # another ward of Đà Nẵng

FORMS = "/api/v1/forms"


def test_an_admin_creates_a_form_and_citizens_find_it_where_it_is_offered(admin, client, feedback_category):
    response = admin.post(FORMS, json=ROAD_FORM)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["version"] == 1 and created["category_code"] == "roads"
    assert created["fields"][1]["options"][0] == {
        "value": "pothole",
        "label": {"vi": "Ổ gà", "en": "Pothole"},
    }

    assert [f["slug"] for f in client.get(f"{FORMS}?province_code={DA_NANG}").get_json()["items"]] == [
        "road-damage"
    ]
    assert [f["slug"] for f in client.get(f"{FORMS}?ward_code={HAI_CHAU}").get_json()["items"]] == [
        "road-damage"
    ]
    assert client.get(f"{FORMS}?province_code=1").get_json()["items"] == []  # Hà Nội
    assert client.get(f"{FORMS}/road-damage").get_json()["title"]["vi"] == "Phản ánh hư hỏng đường"
    assert_problem(client.get(f"{FORMS}/no-such-form"), 404)


def test_a_form_for_one_ward_is_found_as_notices_and_alerts_are(admin, client, feedback_category):
    """One "reaches this place" rule: a ward sees its own, a province alone sees its wards' too."""
    admin.post(FORMS, json={**ROAD_FORM, "targets": {"ward_codes": [HAI_CHAU]}})

    def slugs(query):
        return [f["slug"] for f in client.get(f"{FORMS}?{query}").get_json()["items"]]

    assert slugs(f"ward_code={HAI_CHAU}") == slugs(f"province_code={DA_NANG}") == ["road-damage"]
    assert slugs(f"ward_code={THANH_KHE}") == []
    assert_problem(client.get(f"{FORMS}?province_code=1&ward_code={HAI_CHAU}"), 422, "unknown_area")


def test_only_admins_write_forms_and_a_taken_slug_conflicts(staff, client, feedback_category):
    assert_problem(staff["editor_a"].post(FORMS, json=ROAD_FORM), 403)
    assert_problem(client.post(FORMS, json=ROAD_FORM), 401)
    assert staff["admin"].post(FORMS, json=ROAD_FORM).status_code == 201
    assert_problem(staff["admin"].post(FORMS, json=ROAD_FORM), 409, "form_slug_taken")


def test_a_bad_field_list_or_category_is_refused_naming_each_problem(admin, feedback_category):
    form = copy.deepcopy(ROAD_FORM)
    form["fields"][0]["name"] = "kind"  # twice
    form["fields"][2]["options"] = [{"value": "x", "label": {"vi": "x"}}]  # options on a textarea
    del form["fields"][1]["options"]  # a choice without options
    errors = assert_problem(admin.post(FORMS, json=form), 422)["errors"]["fields"]
    assert errors == {
        "1": ["name: kind is used twice.", "options: a choice needs options."],
        "2": ["options: only choice fields have options."],
    }

    assert_problem(admin.post(FORMS, json={**ROAD_FORM, "category_code": "nope"}), 422, "unknown_category")
    assert_problem(admin.post(FORMS, json={**ROAD_FORM, "fields": [{"name": "x", "type": "blob"}]}), 422)


def test_a_form_takes_only_an_active_feedback_category(admin, feedback_category, sql):
    land = {"code": "land", "kind": "notice", "name_vi": "Đất đai"}
    assert admin.post("/api/v1/categories", json=land).status_code == 201
    body = assert_problem(
        admin.post(FORMS, json={**ROAD_FORM, "category_code": "land"}), 422, "unknown_category"
    )
    assert body["errors"] == {"category_code": ["No active feedback category land."]}
    sql("UPDATE categories SET active = false WHERE code = 'roads'")
    assert_problem(admin.post(FORMS, json=ROAD_FORM), 422, "unknown_category")
    assert sql("SELECT count(*) FROM forms").scalar() == 0


def test_editing_an_unanswered_form_keeps_its_version_an_answered_one_gets_a_new_one(
    admin, citizen, road_form, department_a, db
):
    edited = {k: v for k, v in ROAD_FORM.items() if k != "slug"}
    edited["title"] = {"vi": "Hư hỏng đường sá"}
    response = admin.put(f"{FORMS}/road-damage", json=edited)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["version"] == 1

    first = submit(citizen)
    assert first["form"]["title"]["vi"] == "Hư hỏng đường sá"

    edited["fields"] = ROAD_FORM["fields"][:1]  # only "where" now
    second_version = admin.put(f"{FORMS}/road-damage", json=edited).get_json()
    assert second_version["version"] == 2 and len(second_version["fields"]) == 1

    # The earlier submission keeps the version it answered; new ones answer version 2.
    from services.models import Feedback, FormVersion

    stored = db.get(Feedback, first["id"])
    assert db.get(FormVersion, stored.form_version_id).version == 1
    later = submit(citizen, answers={"where": "Cầu Rồng"})
    assert db.get(Feedback, later["id"]).form_version.version == 2
    assert_problem(admin.put(f"{FORMS}/no-such-form", json=edited), 404)


def test_every_bad_or_missing_answer_is_named_in_one_422(citizen, road_form, department_a, make_device, app):
    from tests.conftest import Caller

    other = Caller(app.test_client(), make_device().token)
    foreign_photo = upload(other)["id"]
    body = assert_problem(
        citizen.post(
            "/api/v1/feedback",
            json={
                "form": "road-damage",
                "answers": {
                    "kind": "earthquake",
                    "details": 42,
                    "cars": "many",
                    "photos": [foreign_photo],
                    "colour": "red",
                },
                "province_code": DA_NANG,
                "ward_code": HAI_CHAU,
            },
        ),
        422,
    )
    assert set(body["errors"]["answers"]) == {"where", "kind", "details", "cars", "photos", "colour"}
    assert body["errors"]["answers"]["where"] == ["Missing answer."]
    assert body["errors"]["answers"]["kind"] == ["Not one of the options."]


def test_answers_are_checked_by_type(citizen, make_form, feedback_category, department_a):
    make_form(
        slug="everything",
        fields=[
            {"name": "phone", "label": {"vi": "SĐT"}, "type": "phone"},
            {"name": "email", "label": {"vi": "Email"}, "type": "email"},
            {"name": "day", "label": {"vi": "Ngày"}, "type": "date"},
            {"name": "spot", "label": {"vi": "Vị trí"}, "type": "location"},
            {
                "name": "tags",
                "label": {"vi": "Nhãn"},
                "type": "multi_choice",
                "max": 1,
                "options": [{"value": "a", "label": {"vi": "A"}}, {"value": "b", "label": {"vi": "B"}}],
            },
        ],
    )
    bad = {
        "phone": "12",
        "email": "not-mail",
        "day": "31/12/2026",
        "spot": {"lat": 99, "lon": 1},
        "tags": ["a", "b"],
    }
    errors = assert_problem(
        citizen.post(
            "/api/v1/feedback", json={"form": "everything", "answers": bad, "province_code": DA_NANG}
        ),
        422,
    )["errors"]["answers"]
    assert set(errors) == set(bad)

    good = {
        "phone": "0912345678",
        "email": "a@example.org",
        "day": "2026-12-31",
        "spot": {"lat": 16.06, "lon": 108.2},
        "tags": ["b"],
    }
    stored = submit(citizen, form="everything", answers=good, contact=None)["answers"]
    assert stored["phone"] == "+84912345678" and stored["tags"] == ["b"]


def test_an_unknown_form_or_a_place_the_form_is_not_offered_in_is_refused(citizen, road_form, department_a):
    assert_problem(
        citizen.post("/api/v1/feedback", json={"form": "nope", "answers": {}, "province_code": 48}),
        422,
        "unknown_form",
    )
    body = assert_problem(
        citizen.post(
            "/api/v1/feedback",
            json={"form": "road-damage", "answers": {"where": "x", "kind": "pothole"}, "province_code": 1},
        ),
        422,
    )
    assert "form" in body["errors"]
    # A ward that does not exist is named as such, not asked about the form's places (no 500).
    body = assert_problem(
        citizen.post(
            "/api/v1/feedback",
            json={
                "form": "road-damage",
                "answers": {"where": "x", "kind": "pothole"},
                "province_code": 1,
                "ward_code": 1,
            },
        ),
        422,
    )
    assert "ward_code" in body["errors"]


def test_numbers_too_large_for_a_float_are_a_422_not_a_500(
    citizen, make_form, feedback_category, department_a, db
):
    from sqlalchemy import func, select

    from services.models import Feedback

    make_form(
        slug="numbers",
        fields=[
            {"name": "count", "label": {"vi": "Số"}, "type": "number"},
            {"name": "spot", "label": {"vi": "Vị trí"}, "type": "location"},
        ],
    )
    huge = "9" * 400  # valid JSON, an int Python cannot turn into a float
    response = citizen.post(
        "/api/v1/feedback",
        data=f'{{"form": "numbers", "province_code": 48, "answers": {{"count": {huge}, '
        f'"spot": {{"lat": {huge}, "lon": 1}}}}}}',
        content_type="application/json",
    )
    assert set(assert_problem(response, 422)["errors"]["answers"]) == {"count", "spot"}
    assert db.scalar(select(func.count()).select_from(Feedback)) == 0
