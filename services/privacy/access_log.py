"""The access log: staff (and integrators') reads of a citizen's personal data, for the data-protection
officer. Each read is an audit event (services/identity/audit.py) of one of READS, written in the
transaction of the read, so the log needs no table of its own:

- `feedback.contact_view`: a feedback's contact details shown (services/feedback/workflow.contact);
- `feedback.photo_view`: a photo or PDF the citizen attached to their feedback served to staff
  (services/files/attachments.fetch);
- `claim.screenshot_view`: a screenshot the citizen sent with a claim served to staff (the same).
"""

import uuid

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from services.core.pagination import Page, keyset_page
from services.identity import policy
from services.identity.principals import Principal
from services.models import Attachment, AuditEvent, ClaimReport, Feedback

READS = ("feedback.contact_view", "feedback.photo_view", "claim.screenshot_view")


def entries(
    db: Session,
    principal: Principal,
    *,
    subject: uuid.UUID | None = None,
    since=None,
    until=None,
    cursor=None,
    limit=20,
) -> Page:
    """Reads of personal data, newest first; `subject`: a citizen (their every feedback) or one feedback;
    `since`/`until`: times, until excluded."""
    policy.require(principal, "privacy.access_log")
    stmt = select(AuditEvent).where(AuditEvent.action.in_(READS))
    if subject is not None:
        feedback = select(Feedback.id).where(or_(Feedback.id == subject, Feedback.citizen_id == subject))
        feedback_ids = [str(i) for i in db.scalars(feedback)]
        claims = select(ClaimReport.id).where(ClaimReport.citizen_id == subject)
        photos = select(Attachment.id).where(
            or_(Attachment.feedback_id.in_(feedback), Attachment.claim_report_id.in_(claims))
        )
        photo_ids = [str(i) for i in db.scalars(photos)]
        stmt = stmt.where(
            or_(
                and_(AuditEvent.entity == Feedback.__tablename__, AuditEvent.entity_id.in_(feedback_ids)),
                and_(AuditEvent.entity == Attachment.__tablename__, AuditEvent.entity_id.in_(photo_ids)),
            )
        )
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    return keyset_page(db, stmt, [AuditEvent.id], cursor, limit, descending=True)
