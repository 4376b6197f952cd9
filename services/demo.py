"""Demo data for `make run`: Đà Nẵng's departments with focal points, categories and an admin.

Idempotent: rows are looked up by code or email and created only when missing.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import users
from services.categories import DEFAULT_DEADLINE_DAYS
from services.db import transactional
from services.models import Category, Department
from services.principals import SYSTEM
from services.text import normalize

ADMIN_EMAIL = "admin@example.org"
PROVINCE = 48  # Thành phố Đà Nẵng

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


def seed(db: Session, *, admin_password: str) -> bool:
    """Create whatever demo rows are missing. True when the admin was created now."""
    _seed_reference_data(db)
    _, created = users.ensure(
        db,
        SYSTEM,
        {"email": ADMIN_EMAIL, "password": admin_password, "role": "admin", "full_name": "Demo admin"},
    )
    return created


@transactional
def _seed_reference_data(db: Session) -> None:
    for code, name, intake, focal in DEPARTMENTS:
        if db.scalar(select(Department.id).where(Department.code == code)) is None:
            focal_name, focal_phone, focal_email = focal or (None, None, None)
            db.add(
                Department(
                    code=code,
                    name=name,
                    name_search=normalize(name),
                    province_code=PROVINCE,
                    intake=intake,
                    active=True,
                    focal_name=focal_name,
                    focal_phone=focal_phone,
                    focal_email=focal_email,
                )
            )
    for code, kind, name_vi, name_en, priority in CATEGORIES:
        if db.scalar(select(Category.id).where(Category.code == code)) is None:
            db.add(
                Category(
                    code=code,
                    kind=kind,
                    name_vi=name_vi,
                    name_en=name_en,
                    priority=priority,
                    deadline_working_days=DEFAULT_DEADLINE_DAYS[priority],
                    active=True,
                )
            )
