"""Which department answers feedback of a category from a place.

Admins write rules (category, province?, ward?) → department. The most specific rule wins (ward, then
province, then category-wide); with no match the province's intake department takes the item and flags
it for triage, so nothing is ever left without an owner (after FixMyStreet's bodies and contacts).
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core import areas
from services.core.db import transactional
from services.core.errors import Conflict, Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.directory import categories
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import Category, Department, RoutingRule


@dataclass(frozen=True)
class Route:
    department: Department
    needs_triage: bool


def route(db: Session, category: Category, province_code: int, ward_code: int | None) -> Route:
    """The department responsible for `category` at (province, ward)."""
    rules = db.scalars(
        select(RoutingRule)
        .join(RoutingRule.department)
        .where(RoutingRule.category_id == category.id, Department.active.is_(True))
    ).all()
    matching = [
        rule
        for rule in rules
        if (rule.ward_code is None or rule.ward_code == ward_code)
        and (rule.province_code is None or rule.province_code == province_code)
    ]
    if matching:
        best = max(matching, key=lambda r: (r.ward_code is not None, r.province_code is not None))
        return Route(best.department, needs_triage=False)
    return Route(intake_department(db, province_code), needs_triage=True)


def route_category(db: Session, code: str, province_code: int, ward_code: int | None) -> Route | None:
    """route() by category code for other intakes (scam reports): a missing category goes to intake;
    None when the province has no intake department either."""
    category = db.scalar(select(Category).where(Category.code == code))
    try:
        if category is None:
            return Route(intake_department(db, province_code), needs_triage=True)
        return route(db, category, province_code, ward_code)
    except Invalid:
        return None


def intake_department(db: Session, province_code: int) -> Department:
    department = db.scalar(
        select(Department).where(
            Department.intake.is_(True),
            Department.province_code == province_code,
            Department.active.is_(True),
        )
    )
    if department is None:
        raise Invalid(
            {"province_code": [f"Province {province_code} has no intake department to receive feedback."]},
            code="province_not_served",
        )
    return department


def intake_departments(db: Session) -> dict[int, Department]:
    """Each province's active intake department, the fallback when no rule matches."""
    found = db.scalars(select(Department).where(Department.intake.is_(True), Department.active.is_(True)))
    return {department.province_code: department for department in found}


def every_rule(db: Session, principal: Principal) -> list[RoutingRule]:
    """All rules, by category, then the widest place first (the admins' table)."""
    policy.require(principal, "routing_rules.read")
    rules = db.scalars(select(RoutingRule).join(RoutingRule.category)).all()
    return sorted(rules, key=lambda r: (r.category.code, r.province_code or 0, r.ward_code or 0))


def list_rules(
    db: Session, principal: Principal, *, category=None, province_code=None, cursor=None, limit=20
) -> Page:
    policy.require(principal, "routing_rules.read")
    stmt = select(RoutingRule)
    if category:
        stmt = stmt.join(RoutingRule.category).where(Category.code == category)
    if province_code is not None:
        stmt = stmt.where(RoutingRule.province_code == province_code)
    return keyset_page(db, stmt, [RoutingRule.id], cursor, limit)


@transactional
def create(db: Session, principal: Principal, data: dict) -> RoutingRule:
    policy.require(principal, "routing_rules.manage")
    province_code, ward_code = data.get("province_code"), data.get("ward_code")
    if ward_code is not None and province_code is None and areas.ward(ward_code) is not None:
        province_code = areas.ward(ward_code).province_code
    category = feedback_category(db, data["category_code"])
    errors = areas.place_errors(province_code, ward_code)
    department = db.get(Department, data["department_id"])
    if department is None or not department.active:
        errors["department_id"] = ["No such active department."]
    if errors:
        raise Invalid(errors)
    taken = db.scalar(
        select(RoutingRule.id).where(
            RoutingRule.category_id == category.id,
            _is(RoutingRule.province_code, province_code),
            _is(RoutingRule.ward_code, ward_code),
        )
    )
    if taken is not None:
        raise Conflict("A rule for this category and place exists; delete it first.", code="rule_exists")
    rule = RoutingRule(
        category=category, province_code=province_code, ward_code=ward_code, department=department
    )
    db.add(rule)
    audit.record(db, principal, "routing_rule.create", rule)
    return rule


@transactional
def update(db: Session, principal: Principal, rule_id: uuid.UUID, data: dict) -> RoutingRule:
    """Hand a rule's category and place to another department (the place itself is the rule's key: to
    change it, delete the rule and add another)."""
    policy.require(principal, "routing_rules.manage")
    rule = db.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound("No such routing rule.")
    department = db.get(Department, data["department_id"])
    if department is None or not department.active:
        raise Invalid({"department_id": ["No such active department."]})
    before = audit.snapshot(rule)
    rule.department = department
    audit.record(db, principal, "routing_rule.update", rule, before)
    return rule


def _is(column, value):
    return column.is_(None) if value is None else column == value


@transactional
def delete(db: Session, principal: Principal, rule_id: uuid.UUID) -> None:
    policy.require(principal, "routing_rules.manage")
    rule = db.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound("No such routing rule.")
    before = audit.snapshot(rule)
    audit.record(db, principal, "routing_rule.delete", rule, before)
    db.delete(rule)


def feedback_category(db: Session, code: str) -> Category:
    """An active feedback category, or a 422."""
    category = categories.active(db, code, "feedback")
    if category is None:
        raise Invalid({"category_code": [f"No active feedback category {code}."]}, code="unknown_category")
    return category
