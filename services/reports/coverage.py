"""Communication coverage: which departments have a focal point, and whether each policy was
communicated "from collecting opinions on the draft to implementation" (the province plan's targets,
both 100 %).

Per policy: its steps (consultation, adopted, in effect, archived) with when, and whether a push went out
for each; comments received, replied, and replied within the deadline — before the policy was adopted,
since the drafting body answers the opinions in the dossier it submits for adoption (until then every reply
counts as in time); pushes made and sent; the audience: devices with a push token in the places the pushes
were for (as the devices stand now: where a device was when a push went out is not recorded); readers,
the distinct citizens (a citizen's devices share one id) who opened one of the pushes in an app inbox;
and views of the notice (reads counted by day, not by reader).
"""

import uuid
from collections import Counter, defaultdict

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from services.models import (
    Department,
    Device,
    Notice,
    NoticeComment,
    NoticeHistory,
    NoticeReadCount,
    Notification,
    NotificationPlace,
    NotificationRead,
)
from services.reports import figures
from services.reports.scope import Scope

POLICY_STAGES = ("draft", "consultation", "adopted", "in_effect", "archived")
STEPS = POLICY_STAGES[1:]  # the stages a policy enters, each announced
SENT = ("sent", "logged")  # a notification every delivery of which is done (logged: no FCM credentials)


# The lists of rows in the report (its CSV has one table: services/reports/table.py).
SECTIONS = ("focal_points", "policies_by_department", "steps_communicated", "trails")


def report(db: Session, scope: Scope) -> dict:
    departments = _departments(db, scope)
    with_focal = len(departments) - len(without_focal_point(departments))
    policies = _policies(db, scope)
    trails = _trails(db, policies)
    in_effect = [t for t in trails if t["stage"] == "in_effect"]
    consulted = sum(t["consultation_opened_at"] is not None for t in in_effect)
    stepped = [t for t in trails if t["steps"]]
    throughout = sum(all(step["communicated"] for step in t["steps"]) for t in stepped)
    by_department = defaultdict(Counter)
    for policy in policies:
        by_department[policy.department_id][policy.stage] += 1
    named = {d.id: d for d in departments} | {p.department_id: p.department for p in policies}
    return {
        "from": scope.first_day,
        "to": scope.last_day,
        "departments": len(departments),
        "departments_with_focal_point": with_focal,
        "focal_point_share": figures.share(with_focal, len(departments)),
        "focal_points": [
            {
                "key": d.code,
                "name": d.name,
                "has_focal_point": d.focal_point is not None,
                "focal_point": _focal(d),
            }
            for d in sorted(departments, key=lambda d: d.code)
        ],
        "policies": len(policies),
        "policies_by_stage": _by_stage(Counter(p.stage for p in policies)),
        "policies_by_department": [
            {"key": named[id_].code, "name": named[id_].name, "by_stage": _by_stage(stages)}
            for id_, stages in sorted(by_department.items(), key=lambda pair: named[pair[0]].code)
        ],
        "in_effect": len(in_effect),
        "in_effect_consulted": consulted,
        "in_effect_consulted_share": figures.share(consulted, len(in_effect)),
        "steps_communicated": _steps_communicated(trails),
        "policies_communicated_throughout": throughout,
        "communicated_throughout_share": figures.share(throughout, len(stepped)),
        "trails": trails,
    }


def focal_point_coverage(db: Session, scope: Scope) -> dict:
    """The report's focal-point figures alone (the console's department list shows them), with the
    active departments that still lack one."""
    departments = _departments(db, scope)
    missing = without_focal_point(departments)
    with_focal = len(departments) - len(missing)
    return {
        "departments": len(departments),
        "departments_with_focal_point": with_focal,
        "focal_point_share": figures.share(with_focal, len(departments)),
        "without": sorted(missing, key=lambda d: d.code),
    }


def without_focal_point(departments: list[Department]) -> list[Department]:
    """The one definition of a department short of the 100 % target."""
    return [d for d in departments if d.focal_point is None]


def _steps_communicated(trails: list[dict]) -> list[dict]:
    """Per step, the policies that reached it and those of them a push announced it for."""
    reached, communicated = Counter(), Counter()
    for trail in trails:
        for step in trail["steps"]:
            reached[step["stage"]] += 1
            communicated[step["stage"]] += step["communicated"]
    return [
        {
            "stage": stage,
            "policies": reached[stage],
            "communicated": communicated[stage],
            "communicated_share": figures.share(communicated[stage], reached[stage]),
        }
        for stage in STEPS
    ]


def _by_stage(counts: Counter) -> dict:
    return {stage: counts[stage] for stage in POLICY_STAGES}


def _departments(db: Session, scope: Scope) -> list[Department]:
    stmt = select(Department).where(Department.active, scope.departments(Department.id))
    if scope.province_code is not None:
        stmt = stmt.where(Department.province_code == scope.province_code)
    return list(db.scalars(stmt))


def _policies(db: Session, scope: Scope) -> list[Notice]:
    """The policies of the departments in scope that existed in the period and were not archived
    before it began, oldest first."""
    archived_before = select(NoticeHistory.notice_id).where(
        NoticeHistory.stage == "archived", NoticeHistory.at < scope.start
    )
    stmt = (
        select(Notice)
        .join(Department, Department.id == Notice.department_id)
        .where(
            Notice.kind == "policy",
            scope.departments(Notice.department_id),
            Notice.created_at < scope.end,
            Notice.id.not_in(archived_before),
        )
        .order_by(Notice.created_at, Notice.id)
    )
    if scope.province_code is not None:
        stmt = stmt.where(Department.province_code == scope.province_code)
    return list(db.scalars(stmt))


def _trails(db: Session, policies: list[Notice]) -> list[dict]:
    ids = [p.id for p in policies]
    keys = [str(id_) for id_ in ids]
    steps = defaultdict(dict)
    for notice_id, stage, at in db.execute(
        select(NoticeHistory.notice_id, NoticeHistory.stage, NoticeHistory.at)
        .where(NoticeHistory.notice_id.in_(ids))
        .order_by(NoticeHistory.id)
    ):
        steps[notice_id].setdefault(stage, at)  # the first time it entered the stage
    comments = defaultdict(list)
    for comment in db.execute(
        select(NoticeComment.notice_id, NoticeComment.replied_at).where(NoticeComment.notice_id.in_(ids))
    ):
        comments[comment.notice_id].append(comment.replied_at)
    pushes = defaultdict(list)
    for notification in db.scalars(
        select(Notification).where(Notification.source_type == "notice", Notification.source_id.in_(keys))
    ):
        pushes[uuid.UUID(notification.source_id)].append(notification)
    devices, readers, views = _audience(db, keys, ids)
    trails = []
    for policy in policies:
        entered = steps[policy.id]
        adopted_at = entered.get("adopted")
        replies = [at for at in comments[policy.id] if at is not None]
        in_time = [at for at in replies if adopted_at is None or at <= adopted_at]
        by_stage = Counter(n.data.get("stage") for n in pushes[policy.id])
        trails.append(
            {
                "id": policy.id,
                "title": policy.title,
                "document_number": policy.document_number,
                "department": policy.department.code,
                "stage": policy.stage,
                "consultation_opened_at": entered.get("consultation"),
                "consultation_closes_at": policy.consultation_closes_at,
                "comments_received": len(comments[policy.id]),
                "comments_replied": len(replies),
                "comments_replied_in_time": len(in_time),
                "replied_share": figures.share(len(replies), len(comments[policy.id])),
                "replied_in_time_share": figures.share(len(in_time), len(comments[policy.id])),
                "adopted_at": adopted_at,
                "in_effect_at": entered.get("in_effect"),
                "steps": [
                    {
                        "stage": stage,
                        "at": entered[stage],
                        "pushes": by_stage[stage],
                        "communicated": bool(by_stage[stage]),
                    }
                    for stage in STEPS
                    if stage in entered
                ],
                "pushes": len(pushes[policy.id]),
                "pushes_sent": sum(n.status in SENT for n in pushes[policy.id]),
                "devices_targeted": devices.get(str(policy.id), 0),
                "readers": readers.get(str(policy.id), 0),
                "views": views.get(policy.id, 0),
            }
        )
    return trails


def _audience(db: Session, keys: list[str], ids: list[uuid.UUID]) -> tuple[dict, dict, dict]:
    """Per policy: devices with a push token in the places its pushes were for, distinct citizens (a
    citizen's devices share one id) who opened one of them in an inbox, and views of the notice."""
    in_place = or_(
        NotificationPlace.scope == "national",
        and_(NotificationPlace.scope == "province", NotificationPlace.code == Device.province_code),
        and_(NotificationPlace.scope == "ward", NotificationPlace.code == Device.ward_code),
    )
    ours = and_(Notification.source_type == "notice", Notification.source_id.in_(keys))
    devices = db.execute(
        select(Notification.source_id, func.count(Device.id.distinct()))
        .join(NotificationPlace, NotificationPlace.notification_id == Notification.id)
        .join(Device, in_place)
        .where(ours, Device.push_token.is_not(None))
        .group_by(Notification.source_id)
    )
    readers = db.execute(
        select(Notification.source_id, func.count(Device.citizen_id.distinct()))
        .join(NotificationRead, NotificationRead.notification_id == Notification.id)
        .join(Device, Device.id == NotificationRead.device_id)
        .where(ours)
        .group_by(Notification.source_id)
    )
    views = db.execute(
        select(NoticeReadCount.notice_id, func.sum(NoticeReadCount.count))
        .where(NoticeReadCount.notice_id.in_(ids))
        .group_by(NoticeReadCount.notice_id)
    )
    return dict(devices.all()), dict(readers.all()), {k: int(v) for k, v in views}


def _focal(department: Department) -> dict:
    return {"name": department.focal_name, "phone": department.focal_phone, "email": department.focal_email}
