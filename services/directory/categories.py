"""Categories of feedback, notices and alerts, with the response priority and working-day deadline."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core.db import transactional
from services.core.errors import Conflict, NotFound
from services.core.pagination import Page, keyset_page
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import Category

# Working days to answer, by priority, when the admin does not say. Urgent items are due within
# hours; the feedback workflow counts those (the day figure is its upper bound).
DEFAULT_DEADLINE_DAYS = {"urgent": 1, "normal": 5, "complex": 15}


def list_categories(db: Session, *, kind=None, cursor=None, limit=20) -> Page:
    stmt = select(Category).where(Category.active.is_(True))
    if kind:
        stmt = stmt.where(Category.kind == kind)
    return keyset_page(db, stmt, [Category.code], cursor, limit)


def every(db: Session) -> list[Category]:
    """All categories, the retired ones too (the admins' list), by kind and code."""
    return list(db.scalars(select(Category).order_by(Category.kind, Category.code)))


def get(db: Session, code: str) -> Category:
    category = db.scalar(select(Category).where(Category.code == code))
    if category is None:
        raise NotFound(f"No category {code}.")
    return category


def active(db: Session, code: str, kind: str) -> Category | None:
    """The category if it is active and of `kind` (a notice cannot take a feedback category)."""
    return db.scalar(
        select(Category).where(Category.code == code, Category.kind == kind, Category.active.is_(True))
    )


@transactional
def create(db: Session, principal: Principal, data: dict) -> Category:
    policy.require(principal, "categories.manage")
    if db.scalar(select(Category.id).where(Category.code == data["code"])) is not None:
        raise Conflict(f"Category {data['code']} exists.", code="category_code_taken")
    priority = data.get("priority", "normal")
    category = Category(
        **{
            "name_en": "",
            **data,
            "priority": priority,
            "deadline_working_days": data.get("deadline_working_days") or DEFAULT_DEADLINE_DAYS[priority],
            "active": True,
        }
    )
    db.add(category)
    audit.record(db, principal, "category.create", category)
    return category


@transactional
def update(db: Session, principal: Principal, code: str, data: dict) -> Category:
    policy.require(principal, "categories.manage")
    category = get(db, code)
    before = audit.snapshot(category)
    for key, value in data.items():
        setattr(category, key, value)
    audit.record(db, principal, "category.update", category, before)
    return category
