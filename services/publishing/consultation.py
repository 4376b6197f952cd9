"""Public consultation on draft policies: citizens' comments while a policy is in consultation,
moderation and replies by the drafting department, and the consultation report (JSON or CSV)."""

import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services import events
from services.core import spreadsheet
from services.core.db import transactional, utcnow
from services.core.errors import Conflict, Forbidden, Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.core.text import fold
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import COMMENT_STATUSES, Notice, NoticeComment
from services.publishing import notices

# An identical comment from the same device within this window is a double tap, not a new opinion.
DUPLICATE_WINDOW = timedelta(minutes=1)
# Staff roles that moderate and answer their department's consultations.
MODERATORS = ("officer", "editor")


@transactional
def comment(db: Session, principal: Principal, notice_id: uuid.UUID, data: dict) -> NoticeComment:
    policy.require(principal, "notices.comment")
    device = principal.device
    notice = notices.visible(db, principal, notice_id)
    now = utcnow()
    if notice.kind != "policy":
        raise Conflict("Only draft policies take comments.", code="not_a_consultation")
    if not notices.consultation_open(notice, now):
        raise Conflict("The consultation on this draft is closed.", code="consultation_closed")
    recent = db.scalars(
        select(NoticeComment.body).where(
            NoticeComment.device_id == device.id,
            NoticeComment.notice_id == notice.id,
            NoticeComment.created_at > now - DUPLICATE_WINDOW,
        )
    )
    # The same words however typed (NFC or NFD, case, spacing); diacritics count: "tăng" is not "tặng".
    if fold(data["body"]) in {fold(body) for body in recent}:
        raise Conflict("The same comment was just sent from this device.", code="duplicate_comment")
    new = NoticeComment(
        notice_id=notice.id,
        device_id=device.id,
        citizen_id=device.citizen_id,
        body=data["body"],
        section=data.get("section"),
        contact=data.get("contact"),
        status="pending",
        created_at=now,
    )
    db.add(new)
    return new


def _moderates(principal: Principal, notice: Notice) -> bool:
    """Staff of the drafting department (any role) and admins see every comment and its contact."""
    return policy.allows(principal, "notices.report", notice)


def list_comments(
    db: Session, principal: Principal, notice_id: uuid.UUID, *, status=None, cursor=None, limit=20
) -> tuple[Page, bool]:
    """Comments oldest first, and whether the caller may see their private fields."""
    notice = notices.visible(db, principal, notice_id)
    private = _moderates(principal, notice)
    if not private:
        if status not in (None, "published"):
            raise Forbidden("Only the drafting department sees unpublished comments.")
        status = "published"
    stmt = select(NoticeComment).where(NoticeComment.notice_id == notice.id)
    if status:
        stmt = stmt.where(NoticeComment.status == status)
    page = keyset_page(db, stmt, [NoticeComment.created_at, NoticeComment.id], cursor, limit)
    return page, private


def queue(
    db: Session,
    principal: Principal,
    department_id: uuid.UUID,
    *,
    notice_id=None,
    status=None,
    cursor=None,
    limit=20,
) -> Page:
    """The moderation queue: comments on one department's notices, newest first (the console's)."""
    policy.require(principal, "notices.report")
    if not policy.every_department(principal, "notices.report") and department_id != principal.department_id:
        raise NotFound("No such department.")
    stmt = select(NoticeComment).join(Notice).where(Notice.department_id == department_id)
    if notice_id:
        stmt = stmt.where(NoticeComment.notice_id == notice_id)
    if status:
        stmt = stmt.where(NoticeComment.status == status)
    return keyset_page(db, stmt, [NoticeComment.created_at, NoticeComment.id], cursor, limit, descending=True)


def counts(db: Session, principal: Principal, notice_ids) -> dict[uuid.UUID, dict[str, int]]:
    """{notice id: {status: comments}} for those of the notices whose comments the caller may see."""
    stmt = (
        select(NoticeComment.notice_id, NoticeComment.status, func.count())
        .join(Notice)
        .where(NoticeComment.notice_id.in_(list(notice_ids)))
        .group_by(NoticeComment.notice_id, NoticeComment.status)
    )
    if not policy.every_department(principal, "notices.report"):
        stmt = stmt.where(Notice.department_id == principal.department_id)
    found: dict[uuid.UUID, dict[str, int]] = {}
    for notice_id, status, count in db.execute(stmt):
        found.setdefault(notice_id, {})[status] = count
    return found


def _comment(db: Session, principal: Principal, notice_id: uuid.UUID, comment_id: uuid.UUID) -> NoticeComment:
    notice = notices.own(db, principal, notice_id, "notices.moderate")
    found = db.get(NoticeComment, comment_id)
    if found is None or found.notice_id != notice.id:
        raise NotFound("No such comment.")
    return found


@transactional
def moderate(
    db: Session, principal: Principal, notice_id: uuid.UUID, comment_id: uuid.UUID, data: dict
) -> NoticeComment:
    """Publish a comment, or hide it with a reason."""
    found = _comment(db, principal, notice_id, comment_id)
    hidden = data["status"] == "hidden"
    if hidden and not data.get("reason"):
        raise Invalid({"reason": ["Say why the comment is hidden."]})
    before = audit.snapshot(found)
    found.status = data["status"]
    found.hidden_reason = data["reason"] if hidden else None
    found.moderated_at = utcnow()
    found.moderated_by_id = principal.user.id
    audit.record(db, principal, "notice_comment.moderate", found, before)
    return found


@transactional
def reply(
    db: Session, principal: Principal, notice_id: uuid.UUID, comment_id: uuid.UUID, data: dict
) -> NoticeComment:
    """Answer a comment: the comment becomes public with its answer, and the citizen's devices are
    told (the first time; a corrected answer replaces the text quietly)."""
    found = _comment(db, principal, notice_id, comment_id)
    if found.status == "hidden":
        raise Conflict("Publish the comment before answering it.", code="comment_hidden")
    before = audit.snapshot(found)
    first = found.reply is None
    now = utcnow()
    found.reply = data["body"]
    found.replied_at = now
    found.replied_by_id = principal.user.id
    if found.status == "pending":
        found.status, found.moderated_at, found.moderated_by_id = "published", now, principal.user.id
    events.emit(
        db, "consultation.comment_replied", found, {"notice_id": str(found.notice_id), "first": first}
    )
    audit.record(db, principal, "notice_comment.reply", found, before)
    return found


def report(db: Session, principal: Principal, notice_id: uuid.UUID) -> dict:
    """Counts by status and section, the replied share, and every comment with its reply."""
    notice = notices.own(db, principal, notice_id, "notices.report")
    comments = list(
        db.scalars(
            select(NoticeComment)
            .where(NoticeComment.notice_id == notice.id)
            .order_by(NoticeComment.created_at, NoticeComment.id)
        )
    )
    statuses = Counter(c.status for c in comments)
    replied = sum(c.reply is not None for c in comments)
    return {
        "notice_id": notice.id,
        "title": notice.title,
        "stage": notice.stage,
        "consultation_closes_at": notice.consultation_closes_at,
        "total": len(comments),
        "by_status": {status: statuses[status] for status in COMMENT_STATUSES},
        "by_section": dict(Counter(c.section or "" for c in comments)),
        "replied": replied,
        "replied_share": round(replied / len(comments), 4) if comments else 0.0,
        "comments": comments,
    }


CSV_COLUMNS = ("id", "created_at", "section", "status", "comment", "reply", "replied_at", "hidden_reason")


def report_csv(summary: dict) -> bytes:
    """The report's comments as CSV for Excel (services/core/spreadsheet.py)."""
    return spreadsheet.csv_bytes(
        CSV_COLUMNS,
        (
            (
                c.id,
                spreadsheet.local_time(c.created_at),
                c.section,
                c.status,
                c.body,
                c.reply,
                spreadsheet.local_time(c.replied_at),
                c.hidden_reason,
            )
            for c in summary["comments"]
        ),
    )
