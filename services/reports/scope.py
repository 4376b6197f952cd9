"""What a report covers: a period of whole days in Asia/Ho_Chi_Minh, a province, and the departments the
caller may see (policy "reports.read": admins and viewers all, other staff their own department)."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core.deadlines import LOCAL
from services.core.errors import Forbidden, Invalid
from services.core.targets import place
from services.identity import policy
from services.identity.principals import Principal
from services.models import Department

DEFAULT_DAYS = 90  # a report without dates covers the last 90 days, today included
MAX_DAYS = 731  # "at most two years", a leap day included


@dataclass(frozen=True)
class Scope:
    first_day: date
    last_day: date
    province_code: int | None = None
    department_ids: tuple[uuid.UUID, ...] | None = None  # None: every department

    @property
    def start(self) -> datetime:
        """The period's first moment, in UTC."""
        return datetime.combine(self.first_day, time(0), LOCAL).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The moment after the period (midnight after its last day), in UTC."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), LOCAL).astimezone(UTC)

    def departments(self, column):
        """SQL condition: `column` (a department id) is one the report covers."""
        return column.in_(self.department_ids) if self.department_ids is not None else column.is_not(None)


def today() -> date:
    return datetime.now(LOCAL).date()


def last_days(days: int = DEFAULT_DAYS) -> Scope:
    last = today()
    return Scope(last - timedelta(days=days - 1), last)


def resolve(db: Session, principal: Principal, args: dict) -> Scope:
    """The scope asked for (`first_day`, `last_day`, `province_code`, `department` code), checked: 422
    for dates in the wrong order, a range over two years, an unknown department or area; 403 for another
    department than the caller's own."""
    policy.require(principal, "reports.read")
    last = args.get("last_day") or today()
    first = args.get("first_day") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise Invalid({"from": ["Must not be after `to`."]}, code="report_range_reversed")
    if (last - first).days + 1 > MAX_DAYS:
        raise Invalid({"to": [f"A report covers at most {MAX_DAYS} days."]}, code="report_range_too_long")
    province_code = args.get("province_code")
    if province_code is not None:
        province_code, _ = place(province_code, None)
    department_ids = None
    if args.get("department"):
        department = db.scalar(select(Department).where(Department.code == args["department"]))
        if department is None:
            raise Invalid({"department": ["No department with this code."]}, code="unknown_department")
        if not policy.reaches(principal, "reports.read", department):
            raise Forbidden("Reports of another department are not yours to read.", code="other_department")
        department_ids = (department.id,)
    elif not policy.every_department(principal, "reports.read"):
        department_ids = (principal.department_id,)
    return Scope(first, last, province_code, department_ids)
