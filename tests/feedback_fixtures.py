"""Fixtures for the feedback tests: categories, a road-damage form offered in Đà Nẵng, and helpers to
submit and to act on feedback through the API.

Import them into a test module: `from tests.feedback_fixtures import *  # noqa: F403`.
"""

import io

import pytest

from schemas.forms import FormSchema
from services import forms
from services.models import Category
from services.principals import Principal

__all__ = [
    "DA_NANG",
    "FEEDBACK",
    "HAI_CHAU",
    "JPEG",
    "PNG",
    "ROAD_FORM",
    "feedback_category",
    "make_category",
    "make_form",
    "road_form",
    "submit",
    "upload",
]

DA_NANG = 48
HAI_CHAU = 20242  # a ward of Đà Nẵng (the `citizen` fixture's ward)
FEEDBACK = "/api/v1/feedback"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"

ROAD_FORM = {
    "slug": "road-damage",
    "title": {"vi": "Phản ánh hư hỏng đường", "en": "Report road damage"},
    "category_code": "roads",
    "targets": {"province_codes": [DA_NANG]},
    "fields": [
        {"name": "where", "label": {"vi": "Địa điểm"}, "type": "text", "required": True, "max_length": 200},
        {
            "name": "kind",
            "label": {"vi": "Loại hư hỏng"},
            "type": "choice",
            "required": True,
            "options": [
                {"value": "pothole", "label": {"vi": "Ổ gà", "en": "Pothole"}},
                {"value": "flooding", "label": {"vi": "Ngập", "en": "Flooding"}},
            ],
        },
        {"name": "details", "label": {"vi": "Mô tả"}, "type": "textarea"},
        {"name": "cars", "label": {"vi": "Số xe"}, "type": "number", "min": 0, "max": 100},
        {"name": "photos", "label": {"vi": "Ảnh"}, "type": "photo", "max": 3},
    ],
}


@pytest.fixture
def make_category(db):
    def make(code="roads", priority="normal", days=5):
        category = Category(
            code=code,
            kind="feedback",
            name_vi=f"Danh mục {code}",
            name_en=code,
            priority=priority,
            deadline_working_days=days,
            active=True,
        )
        db.add(category)
        db.commit()  # a savepoint: the test's outer transaction still rolls it back
        return category

    return make


@pytest.fixture
def feedback_category(make_category):
    return make_category("roads")


@pytest.fixture
def make_form(db, staff):
    admin = Principal(kind="staff", user=staff["admin"].principal)

    def make(**overrides):
        return forms.create(db, admin, FormSchema().load({**ROAD_FORM, **overrides}))

    return make


@pytest.fixture
def road_form(make_form, feedback_category):
    return make_form()


def submission(**overrides) -> dict:
    """A valid road-damage report (with `overrides`)."""
    return {
        "form": "road-damage",
        "answers": {"where": "Đường Bạch Đằng", "kind": "pothole", "details": "Ổ gà sâu trước số 12"},
        "province_code": DA_NANG,
        "ward_code": HAI_CHAU,
        "contact": {"name": "Nguyễn Văn A", "phone": "0912 345 678"},
        **overrides,
    }


def submit(caller, expect=201, headers=None, **overrides):
    """POST a valid road-damage report (with `overrides`) and check the status."""
    response = caller.post(FEEDBACK, json=submission(**overrides), headers=headers)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def upload(caller, data=JPEG, name="photo.jpg", expect=201):
    response = caller.post(
        "/api/v1/attachments", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )
    assert response.status_code == expect, response.get_json()
    return response.get_json()
