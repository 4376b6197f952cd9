"""The urgent bulletins a commune had on a day (services/publishing/bulletins.py makes them when a severe
or extreme alert is published), for the console's bulletin page beside the morning one."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.identity import policy
from services.identity.principals import Principal
from services.models import Bulletin


def of_day(db: Session, principal: Principal, ward_code: int, day: date) -> list[Bulletin]:
    """Newest first."""
    policy.require(principal, "bulletins.read")
    return list(
        db.scalars(
            select(Bulletin)
            .where(Bulletin.ward_code == ward_code, Bulletin.day == day, Bulletin.kind == "urgent")
            .order_by(Bulletin.generated_at.desc(), Bulletin.id)
        )
    )
