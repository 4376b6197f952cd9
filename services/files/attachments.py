"""Uploaded photos and PDFs for feedback answers, replies and notices.

The type comes from the file's content, never from its name or the client's Content-Type. Photos are
decoded and written anew (services/images.py); PDFs are kept as sent when they carry no active content
(services/pdfs.py). Until a feedback, reply or notice references it, only its uploader may fetch it;
afterwards whoever may see that feedback or read that notice (anyone, for a public notice).

What one uploader may leave unused is bounded (UNUSED_QUOTA), and uploads stop before the disk is full.
"""

import hashlib
import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.core import storage
from services.core.db import transactional, utcnow
from services.core.errors import InsufficientStorage, Invalid, NotFound, TooManyRequests
from services.files import images, pdfs
from services.identity import audit, policy
from services.identity.principals import SYSTEM, Caller, Principal
from services.models import Attachment, ClaimGroup, ClaimReport
from services.publishing import notices

# The accepted media types and the extension of the file name they are served under.
ACCEPTED = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}
MB = 1024 * 1024
MAX_BYTES = 10 * MB
# A phone may keep a draft with its photos for days on a bad network before sending it.
UNUSED_KEPT = timedelta(days=7)
# Files and bytes one uploader may hold that no feedback, reply or notice has taken yet: a citizen's
# draft has a few photos; an editor may prepare the documents of several notices.
UNUSED_QUOTA = {"device": (20, 50 * MB), "staff": (100, 500 * MB)}
# Not yet taken, so only its uploader's (and purged after UNUSED_KEPT).
_UNUSED = (
    Attachment.feedback_id.is_(None),
    Attachment.notice_id.is_(None),
    Attachment.claim_report_id.is_(None),
)


@transactional
def upload(db: Session, principal: Principal, data: bytes, *, min_free_bytes: int = 0) -> Attachment:
    """Store a photo or PDF for its uploader. `min_free_bytes`: the disk space uploads must leave."""
    policy.require(principal, "attachments.upload")
    if not data:
        raise Invalid({"file": ["The file is empty."]})
    if len(data) > MAX_BYTES:
        raise Invalid({"file": [f"Larger than {MAX_BYTES // MB} MB."]}, code="file_too_large")
    _check_quota(db, principal, len(data))
    if storage.of(db).free_bytes() - len(data) < min_free_bytes:
        raise InsufficientStorage("Uploads are paused: the server is short of disk space. Try again later.")
    data, content_type = _content(data)
    attachment = Attachment(
        id=uuid.uuid4(),
        device_id=principal.device.id if principal.device else None,
        user_id=principal.user_id,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    attachment.storage_key = f"{attachment.id.hex[:2]}/{attachment.id}"
    storage.of(db).save(attachment.storage_key, data)
    db.add(attachment)
    audit.record(db, principal, "attachment.create", attachment)
    return attachment


def _content(data: bytes) -> tuple[bytes, str]:
    """The bytes to store and their media type: a photo re-encoded, a PDF without active content."""
    if data.startswith(b"%PDF-"):
        pdfs.check(data)
        return data, "application/pdf"
    if photo := images.reencode(data):
        return photo
    raise Invalid({"file": ["Send a JPEG, PNG or WebP photo or a PDF."]}, code="unsupported_file_type")


def _check_quota(db: Session, principal: Principal, size: int) -> None:
    max_files, max_bytes = UNUSED_QUOTA[principal.kind]
    mine = (
        Attachment.device_id == principal.device.id
        if principal.device
        else Attachment.user_id == principal.user.id
    )
    files, total, oldest = db.execute(
        select(
            func.count(), func.coalesce(func.sum(Attachment.size), 0), func.min(Attachment.created_at)
        ).where(mine, *_UNUSED)
    ).one()
    if files >= max_files or total + size > max_bytes:
        raise TooManyRequests(
            f"{files} uploads ({total // MB} MB) are not yet sent with a feedback, reply or notice; at "
            f"most {max_files} files or {max_bytes // MB} MB may wait. Send them, or wait until unused "
            f"uploads are deleted {UNUSED_KEPT.days} days after upload.",
            code="upload_quota_exceeded",
            retry_after=oldest + UNUSED_KEPT - utcnow(),
        )


def fetch(db: Session, principal: Principal, attachment_id: uuid.UUID) -> tuple[Attachment, bytes]:
    """The attachment and its bytes, for its uploader or anyone who may see its feedback; else 404."""
    attachment = db.get(Attachment, attachment_id)
    if attachment is None or not _may_fetch(db, principal, attachment):
        raise NotFound("No such attachment.")
    if _citizens_photo_read_by_staff(principal, attachment):
        # The access log (services/privacy/access_log.py): a citizen's photo seen by staff.
        read = "claim.screenshot_view" if attachment.claim_report_id else "feedback.photo_view"
        audit.record(db, principal, read, attachment)
        db.commit()
    return attachment, storage.of(db).read(attachment.storage_key)


def _citizens_photo_read_by_staff(principal: Principal, attachment: Attachment) -> bool:
    return (
        principal.kind in (Caller.STAFF, Caller.API_KEY)
        and (attachment.feedback_id is not None or attachment.claim_report_id is not None)
        and attachment.reply_id is None
        and attachment.device_id is not None
    )


def _may_fetch(db: Session, principal: Principal, attachment: Attachment) -> bool:
    if principal.device is not None and attachment.device_id == principal.device.id:
        return True
    if principal.user is not None and attachment.user_id == principal.user.id:
        return True
    if attachment.notice_id is not None:
        return notices.readable(db, principal, attachment.notice_id)
    if attachment.claim_report_id is not None:
        group = db.scalar(
            select(ClaimGroup).join(ClaimReport).where(ClaimReport.id == attachment.claim_report_id)
        )
        return policy.allows(principal, "claims.read", group)
    return attachment.feedback is not None and policy.allows(principal, "feedback.track", attachment.feedback)


def purge_unused(db: Session, older_than: timedelta = UNUSED_KEPT, batch: int = 500) -> int:
    """Delete uploads that no feedback or reply took within `older_than`, rows then files; the count.

    Rows locked by a submission taking them right now are skipped. Files go after the commit, so a
    failed commit never leaves a row naming a missing file.
    """
    cutoff, purged = utcnow() - older_than, 0
    unused = select(Attachment).where(*_UNUSED, Attachment.created_at < cutoff)
    while rows := db.scalars(unused.limit(batch).with_for_update(skip_locked=True)).all():
        for attachment in rows:
            audit.record(db, SYSTEM, "attachment.delete", attachment, audit.snapshot(attachment))
            db.delete(attachment)
        db.commit()
        for attachment in rows:
            storage.of(db).delete(attachment.storage_key)
        purged += len(rows)
    return purged
