"""Uploaded photos and PDFs for feedback answers, replies and notices.

The type comes from the file's first bytes (the `filetype` package), never from its name or the
client's Content-Type. Until a feedback, reply or notice references it, only its uploader may fetch
it; afterwards whoever may see that feedback or read that notice (anyone, for a public notice).
"""

import hashlib
import uuid
from datetime import timedelta

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session

from services import audit, notices, storage
from services.db import transactional, utcnow
from services.errors import Invalid, NotFound
from services.feedback import may_see
from services.models import Attachment
from services.principals import SYSTEM, Principal
from services.workflow import WRITERS

ACCEPTED = ("image/jpeg", "image/png", "image/webp", "application/pdf")
MAX_BYTES = 10 * 1024 * 1024
# A phone may keep a draft with its photos for days on a bad network before sending it.
UNUSED_KEPT = timedelta(days=7)


@transactional
def upload(db: Session, principal: Principal, data: bytes) -> Attachment:
    if principal.kind != "device":
        principal.require_staff(*WRITERS)
    if not data:
        raise Invalid({"file": ["The file is empty."]})
    if len(data) > MAX_BYTES:
        raise Invalid({"file": [f"Larger than {MAX_BYTES // (1024 * 1024)} MB."]}, code="file_too_large")
    content_type = filetype.guess_mime(data)
    if content_type not in ACCEPTED:
        raise Invalid({"file": ["Send a JPEG, PNG or WebP photo or a PDF."]}, code="unsupported_file_type")
    attachment = Attachment(
        id=uuid.uuid4(),
        device_id=principal.device.id if principal.device else None,
        user_id=principal.user.id if principal.user else None,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    attachment.storage_key = f"{attachment.id.hex[:2]}/{attachment.id}"
    storage.current().save(attachment.storage_key, data)
    db.add(attachment)
    audit.record(db, principal, "attachment.create", attachment)
    return attachment


def fetch(db: Session, principal: Principal, attachment_id: uuid.UUID) -> tuple[Attachment, bytes]:
    """The attachment and its bytes, for its uploader or anyone who may see its feedback; else 404."""
    attachment = db.get(Attachment, attachment_id)
    if attachment is None or not _may_fetch(db, principal, attachment):
        raise NotFound("No such attachment.")
    return attachment, storage.current().read(attachment.storage_key)


def _may_fetch(db: Session, principal: Principal, attachment: Attachment) -> bool:
    if principal.device is not None and attachment.device_id == principal.device.id:
        return True
    if principal.user is not None and attachment.user_id == principal.user.id:
        return True
    if attachment.notice_id is not None:
        return notices.readable(db, principal, attachment.notice_id)
    return attachment.feedback is not None and may_see(principal, attachment.feedback)


def purge_unused(db: Session, older_than: timedelta = UNUSED_KEPT, batch: int = 500) -> int:
    """Delete uploads that no feedback or reply took within `older_than`, rows then files; the count.

    Rows locked by a submission taking them right now are skipped. Files go after the commit, so a
    failed commit never leaves a row naming a missing file.
    """
    cutoff, purged = utcnow() - older_than, 0
    unused = select(Attachment).where(
        Attachment.feedback_id.is_(None), Attachment.notice_id.is_(None), Attachment.created_at < cutoff
    )
    while rows := db.scalars(unused.limit(batch).with_for_update(skip_locked=True)).all():
        for attachment in rows:
            audit.record(db, SYSTEM, "attachment.delete", attachment, audit.snapshot(attachment))
            db.delete(attachment)
        db.commit()
        for attachment in rows:
            storage.current().delete(attachment.storage_key)
        purged += len(rows)
    return purged
