"""Fixtures for the feedback tests: categories, a road-damage form offered in Đà Nẵng, and helpers to
submit and to act on feedback through the API.

Import them into a test module: `from tests.feedback_fixtures import *  # noqa: F403`.
"""

import io

import pytest
from PIL import Image
from pypdf import PdfWriter

from schemas.forms import FormSchema
from services.feedback import forms
from services.identity import consents
from services.identity.principals import Principal
from services.models import Category

__all__ = [
    "DA_NANG",
    "FEEDBACK",
    "HAI_CHAU",
    "JPEG",
    "PNG",
    "ROAD_FORM",
    "consenting",
    "make_device",
    "feedback_category",
    "image_file",
    "make_category",
    "make_form",
    "pdf_file",
    "road_form",
    "submit",
    "upload",
]

DA_NANG = 48
HAI_CHAU = 20242  # a ward of Đà Nẵng (the `citizen` fixture's ward)
FEEDBACK = "/api/v1/feedback"


def image_file(kind: str = "JPEG", size=(8, 8), color=(200, 30, 30), **options) -> bytes:
    """A real image written by Pillow (`options` go to its save)."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, kind, **options)
    return out.getvalue()


def pdf_file(writer: PdfWriter | None = None) -> bytes:
    """A real one-page PDF written by pypdf (or what `writer` holds)."""
    if writer is None:
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# Stored as sent: a plain photo written anew by the API comes out byte for byte the same.
JPEG = image_file("JPEG", quality=85)
PNG = image_file("PNG")
PDF = pdf_file()

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


def consenting(db, device):
    """`device`'s citizen consents, in the app, to every purpose on its current notice."""
    for purpose in consents.NOTICES:
        consents.record(db, device.citizen_id, purpose, "given", channel="app", device_id=device.id)
    db.commit()  # a savepoint: the test's outer transaction still rolls it back
    return device


@pytest.fixture
def make_device(make_device, db):
    """conftest's make_device, whose citizen has consented to every purpose (contact details, location,
    photos…) unless `consent=False`."""

    def make(*args, consent=True, **kwargs):
        device = make_device(*args, **kwargs)
        return consenting(db, device) if consent else device

    return make


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
