"""Demo data for `make run`: Đà Nẵng's departments with focal points, categories, forms and routing
rules, an admin, an editor and an officer of Sở Xây dựng (the walk-throughs in docs/ sign in as them), two
notices, a few known-legitimate values on the scam-check allow-list, and the city portal's API key
(docs/integrators.md files Open311 requests with it).

Everything is made through the services, as the demo admin would through the API, so the demo data
obeys the same rules (and leaves the same audit records). Idempotent: rows are looked up by code,
slug or email and created only when missing.
"""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core.db import utcnow
from services.core.targets import Targets
from services.directory import categories, departments, routing
from services.feedback import forms
from services.identity import api_keys, users
from services.identity.principals import SYSTEM, Caller, Principal
from services.models import Category, Form, Notice, RoutingRule, TrustedIndicator, User
from services.publishing import indicators, notices, trusted_indicators

PROVINCE = 48  # Thành phố Đà Nẵng

USERS = {
    # role: (email, department code, full name); admins belong to no department
    "admin": ("admin@example.org", None, "Demo admin"),
    "editor": ("editor@example.org", "SXD-DN", "Demo editor, Sở Xây dựng"),
    "officer": ("officer@example.org", "SXD-DN", "Demo officer, Sở Xây dựng"),
}

DEPARTMENTS = [
    # code, name, intake, focal point (name, phone, email)
    (
        "STTTT-DN",
        "Sở Khoa học và Công nghệ (Thông tin - Truyền thông)",
        True,
        ("Nguyễn Thị Lan", "+842363822111", "tiepnhan@example.org"),
    ),
    ("CA-DN", "Công an thành phố Đà Nẵng", False, ("Trần Văn Minh", "+842363822112", "canhbao@example.org")),
    ("SXD-DN", "Sở Xây dựng", False, ("Lê Hoàng Nam", "+842363822113", "xaydung@example.org")),
    ("SYT-DN", "Sở Y tế", False, ("Phạm Thu Hà", "+842363822114", "yte@example.org")),
    ("STP-DN", "Sở Tư pháp", False, None),
]

CATEGORIES = [
    # code, kind, name_vi, name_en, priority
    ("roads", "feedback", "Giao thông, đường sá", "Roads and traffic", "normal"),
    ("environment", "feedback", "Môi trường, rác thải", "Environment and waste", "normal"),
    ("urban-order", "feedback", "Trật tự đô thị", "Urban order", "normal"),
    ("health", "feedback", "Y tế", "Health", "urgent"),
    ("scam", "feedback", "Lừa đảo, giả mạo", "Scams and impersonation", "urgent"),
    ("land", "notice", "Đất đai", "Land", "complex"),
    ("social-welfare", "notice", "An sinh xã hội", "Social welfare", "normal"),
]


def seed(db: Session, *, passwords: dict[str, str]) -> set[str]:
    """Create whatever demo rows are missing, through the services as the demo admin; `passwords` has
    one per role of USERS. Returns the roles whose user was created now."""
    created = set()

    def ensure(role: str, **more):
        email, _, full_name = USERS[role]
        data = {"email": email, "password": passwords[role], "role": role, "full_name": full_name, **more}
        user, new = users.ensure(db, SYSTEM, data)
        if new:
            created.add(role)
        return user

    admin = Principal(kind=Caller.STAFF, user=ensure("admin"))
    _seed_reference_data(db, admin)
    _seed_feedback(db, admin)
    for role, (_, department_code, _) in USERS.items():
        if department_code:  # staff of the departments just made
            ensure(role, department_id=departments.by_code(db, department_code).id)
    _seed_notices(db, admin)
    _seed_trusted_indicators(db, admin)
    return created


# An integrator of the city's own: the portal files citizens' requests and reads their answers.
PORTAL_KEY = {
    "name": "Cổng thông tin điện tử thành phố (demo)",
    "scopes": ["feedback:read", "feedback:write"],
}


def portal_key(db: Session, known: str | None) -> tuple[str, bool]:
    """The portal's API key: `known` while it works, else a new one made by the demo admin (a key is
    shown only once, so the caller keeps it); and whether it is new."""
    if known and api_keys.by_key(db, known) is not None:
        return known, False
    admin = db.scalar(select(User).where(User.email == USERS["admin"][0]))
    _, key = api_keys.create(db, Principal(kind=Caller.STAFF, user=admin), PORTAL_KEY)
    return key, True


def _seed_reference_data(db: Session, admin: Principal) -> None:
    for code, name, intake, focal in DEPARTMENTS:
        if departments.by_code(db, code) is None:
            data = {"code": code, "name": name, "province_code": PROVINCE, "intake": intake}
            if focal:
                data["focal_point"] = dict(zip(("name", "phone", "email"), focal, strict=True))
            departments.create(db, admin, data)
    for code, kind, name_vi, name_en, priority in CATEGORIES:
        if db.scalar(select(Category.id).where(Category.code == code)) is None:
            categories.create(
                db,
                admin,
                {"code": code, "kind": kind, "name_vi": name_vi, "name_en": name_en, "priority": priority},
            )


# Notices: one policy in consultation and one adopted, for Đà Nẵng, found again by document number.
NOTICES = [
    # document number, department, category, stages, title, summary, body
    (
        "DT-15/2026/UBND",
        "SXD-DN",
        "land",
        ("consultation",),
        "Dự thảo quy định bồi thường, hỗ trợ, tái định cư khi Nhà nước thu hồi đất",
        "Thành phố lấy ý kiến người dân về mức hỗ trợ thuê nhà và tái định cư đến hết 30 ngày tới.",
        "## Điều 5. Hỗ trợ thuê nhà\n\n"
        "Hộ gia đình phải di chuyển chỗ ở được hỗ trợ **6 tháng** tiền thuê nhà.",
    ),
    (
        "82/2026/NQ-HĐND",
        "SYT-DN",
        "social-welfare",
        ("consultation", "adopted"),
        "Nghị quyết hỗ trợ bảo hiểm y tế cho người cao tuổi",
        "Người từ 70 tuổi chưa có thẻ bảo hiểm y tế được hỗ trợ 100% mức đóng từ năm 2027.",
        "Hội đồng nhân dân thành phố đã thông qua nghị quyết sau khi lấy ý kiến người dân.",
    ),
]


def _seed_notices(db: Session, editor: Principal) -> None:
    for number, department_code, category, stages, title, summary, body in NOTICES:
        if db.scalar(select(Notice.id).where(Notice.document_number == number)) is not None:
            continue
        department = departments.by_code(db, department_code)
        notice = notices.create(
            db,
            editor,
            {
                "kind": "policy",
                "department_id": department.id,
                "category_code": category,
                "document_number": number,
                "title": title,
                "summary": summary,
                "body": body,
                "targets": Targets(province_codes=(PROVINCE,)),
                "consultation_closes_at": utcnow() + timedelta(days=30),
            },
        )
        for stage in stages:
            notices.transition(db, editor, notice.id, {"to": stage, "push": False})


# Known-legitimate values that citizens' reports alone never mark in scam-check.
TRUSTED_INDICATORS = [
    # type, value, note
    ("domain", "gov.vn", "Cổng thông tin của các cơ quan nhà nước"),
    ("domain", "vietcombank.com.vn", "Trang web chính thức của Vietcombank"),
    ("phone", "1900 54 54 13", "Tổng đài chăm sóc khách hàng Vietcombank"),
    ("phone", "1900 55 88 18", "Tổng đài chăm sóc khách hàng Agribank"),
]


def _seed_trusted_indicators(db: Session, admin: Principal) -> None:
    for type_, value, note in TRUSTED_INDICATORS:
        normalized = indicators.normalize(type_, value, suffix_ok=True).value
        known = select(TrustedIndicator.id).where(
            TrustedIndicator.normalized == normalized, TrustedIndicator.type == type_
        )
        if db.scalar(known) is None:
            trusted_indicators.add(
                db, admin, {"type": type_, "value": value, "note": note}, shared_platforms=()
            )


# ---------------------------------------------------------------- feedback forms and routing

ROUTING = [
    # category, department (province-wide rules for Đà Nẵng)
    ("roads", "SXD-DN"),
    ("urban-order", "SXD-DN"),
    ("health", "SYT-DN"),
    ("scam", "CA-DN"),
]

_WHERE = {"name": "where", "label": {"vi": "Địa điểm", "en": "Where"}, "type": "text", "required": True}
_DETAILS = {
    "name": "details",
    "label": {"vi": "Mô tả", "en": "Details"},
    "type": "textarea",
    "required": True,
}
_PHOTOS = {"name": "photos", "label": {"vi": "Ảnh", "en": "Photos"}, "type": "photo", "max": 3}

FORMS = [
    # slug, category, title (vi, en), fields
    (
        "road-damage",
        "roads",
        ("Phản ánh hư hỏng đường", "Report road damage"),
        [
            _WHERE,
            {
                "name": "kind",
                "label": {"vi": "Loại hư hỏng", "en": "Kind of damage"},
                "type": "choice",
                "required": True,
                "options": [
                    {"value": "pothole", "label": {"vi": "Ổ gà", "en": "Pothole"}},
                    {"value": "flooding", "label": {"vi": "Ngập nước", "en": "Flooding"}},
                    {"value": "streetlight", "label": {"vi": "Đèn đường hỏng", "en": "Broken streetlight"}},
                ],
            },
            _DETAILS,
            _PHOTOS,
        ],
    ),
    (
        "waste",
        "environment",
        ("Phản ánh rác thải, ô nhiễm", "Report waste or pollution"),
        [_WHERE, _DETAILS, _PHOTOS],
    ),
]


def _seed_feedback(db: Session, admin: Principal) -> None:
    """Forms offered in Đà Nẵng and routing rules to its departments; the rest goes to intake."""
    for category, department in ROUTING:
        rule = (
            select(RoutingRule.id)
            .join(Category)
            .where(Category.code == category, RoutingRule.province_code == PROVINCE)
        )
        if db.scalar(rule) is None:
            department_id = departments.by_code(db, department).id
            routing.create(
                db,
                admin,
                {"category_code": category, "province_code": PROVINCE, "department_id": department_id},
            )
    for slug, category, (title_vi, title_en), fields in FORMS:
        if db.scalar(select(Form.id).where(Form.slug == slug)) is None:
            forms.create(
                db,
                admin,
                {
                    "slug": slug,
                    "category_code": category,
                    "title": {"vi": title_vi, "en": title_en},
                    "targets": Targets(province_codes=(PROVINCE,)),
                    "fields": fields,
                },
            )
