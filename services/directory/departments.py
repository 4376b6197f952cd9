"""Departments and their focal points. Admins write; all staff read."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core import areas
from services.core.db import transactional
from services.core.errors import Conflict, Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.core.phones import to_e164
from services.core.text import normalize
from services.identity import audit, policy, users
from services.identity.principals import Principal
from services.models import Department

_FOCAL_FIELDS = {"name": "focal_name", "phone": "focal_phone", "email": "focal_email"}


def get(db: Session, principal: Principal, department_id: uuid.UUID) -> Department:
    policy.require(principal, "departments.read")
    return _get(db, department_id)


def _get(db: Session, department_id: uuid.UUID) -> Department:
    department = db.get(Department, department_id)
    if department is None:
        raise NotFound("No such department.")
    return department


def by_code(db: Session, code: str) -> Department | None:
    return db.scalar(select(Department).where(Department.code == code))


def provinces_with_departments(db: Session) -> list[int]:
    """The provinces that have an active department, in code order."""
    stmt = select(Department.province_code).where(Department.active, Department.province_code.is_not(None))
    return sorted(set(db.scalars(stmt)))


def list_departments(
    db: Session, principal: Principal, *, province_code=None, active=None, q=None, cursor=None, limit=20
) -> Page:
    policy.require(principal, "departments.read")
    stmt = select(Department)
    if province_code is not None:
        stmt = stmt.where(Department.province_code == province_code)
    if active is not None:
        stmt = stmt.where(Department.active == active)
    if q:
        stmt = stmt.where(Department.name_search.contains(normalize(q), autoescape=True))
    return keyset_page(db, stmt, [Department.code], cursor, limit)


@transactional
def create(db: Session, principal: Principal, data: dict) -> Department:
    policy.require(principal, "departments.manage")
    if by_code(db, data["code"]) is not None:
        raise Conflict(f"Department code {data['code']} is taken.", code="department_code_taken")
    department = Department(id=uuid.uuid4(), active=True, intake=False)
    _apply(db, department, {"active": True, "intake": False, **data})
    db.add(department)
    audit.record(db, principal, "department.create", department)
    return department


@transactional
def update(db: Session, principal: Principal, department_id: uuid.UUID, data: dict) -> Department:
    policy.require(principal, "departments.manage")
    department = _get(db, department_id)
    before = audit.snapshot(department)
    if "code" in data and data["code"] != department.code and by_code(db, data["code"]) is not None:
        raise Conflict(f"Department code {data['code']} is taken.", code="department_code_taken")
    deactivated = department.active and data.get("active") is False
    _apply(db, department, data)
    if deactivated:
        users.end_department_tokens(db, department.id)
    audit.record(db, principal, "department.update", department, before)
    return department


def _apply(db: Session, department: Department, data: dict) -> None:
    """Validate `data` against the stored state and copy it onto `department`."""
    errors = {}
    province_code = data.get("province_code", department.province_code)
    if "province_code" in data and province_code is not None:
        errors.update(areas.place_errors(province_code, None))
    if "parent_id" in data and data["parent_id"] is not None:
        errors.update(_parent_errors(db, department, data["parent_id"]))
    focal = data.get("focal_point", ...)
    if focal is not ... and focal and focal.get("phone"):
        # A focal point answers citizens in Việt Nam: a foreign number is a typo, not a choice.
        phone = to_e164(focal["phone"])
        if phone is None or not phone.startswith("+84"):
            errors["focal_point"] = {"phone": ["Not a valid Vietnamese phone number."]}
        focal = {**focal, "phone": phone}
    intake = data.get("intake", department.intake)
    if intake and province_code is None:
        errors["intake"] = ["An intake department belongs to a province: set province_code."]
    if errors:
        raise Invalid(errors)
    if intake:
        _claim_intake(db, department, province_code)

    for key in ("code", "name", "province_code", "parent_id", "active", "intake"):
        if key in data:
            setattr(department, key, data[key])
    if focal is not ...:
        for key, column in _FOCAL_FIELDS.items():
            setattr(department, column, (focal or {}).get(key))
    department.name_search = normalize(department.name)


def _parent_errors(db: Session, department: Department, parent_id: uuid.UUID) -> dict:
    parent = db.get(Department, parent_id)
    if parent is None:
        return {"parent_id": ["No such department."]}
    ancestor = parent
    while ancestor is not None:
        if ancestor.id == department.id:
            return {"parent_id": ["A department cannot sit under itself or its own sub-department."]}
        ancestor = db.get(Department, ancestor.parent_id) if ancestor.parent_id else None
    return {}


def _claim_intake(db: Session, department: Department, province_code: int) -> None:
    holder = db.scalar(
        select(Department).where(
            Department.intake.is_(True),
            Department.province_code == province_code,
            Department.id != department.id,
        )
    )
    if holder is not None:
        raise Conflict(
            f"Province {province_code} already has intake department {holder.code}; unset it there first.",
            code="intake_taken",
        )
