"""Consent per purpose, recorded in an append-only ledger (table `consent_records`).

Each purpose has a privacy notice the citizen is shown before agreeing: what is collected, why, and
their rights. A consent names the notice version it was given on; a newer version needs a new consent.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core.db import utcnow
from services.core.errors import Invalid
from services.models import ConsentRecord


@dataclass(frozen=True)
class PrivacyNotice:
    purpose: str
    version: str
    text: dict[str, str]  # language → what the citizen reads before agreeing


NOTICES = {
    notice.purpose: notice
    for notice in (
        PrivacyNotice(
            "phone",
            "2026-12-1",
            {
                "vi": (
                    "Ứng dụng nhận số điện thoại Zalo đã xác thực của bạn để cơ quan trả lời phản ánh có "
                    "thể liên hệ và để gửi thông báo về phản ánh của bạn qua tin nhắn Zalo (ZNS) hoặc SMS "
                    "khi bạn không nhận được thông báo trong ứng dụng. Số điện thoại chỉ được cơ quan xử lý "
                    "phản ánh của bạn xem. Bạn có thể rút lại đồng ý bất cứ lúc nào; khi đó số điện thoại "
                    "bị xóa."
                ),
                "en": (
                    "The app receives your phone number, verified by Zalo, so that the department answering "
                    "your feedback can reach you, and to send you updates on your feedback by Zalo message "
                    "(ZNS) or SMS when an app notification cannot reach you. Only the department handling "
                    "your feedback sees it. You may withdraw at any time; the number is then erased."
                ),
            },
        ),
    )
}


def notice(purpose: str, version: str) -> PrivacyNotice:
    """The current notice for `purpose`, checking that the citizen was shown that very version."""
    current = NOTICES[purpose]
    if version != current.version:
        raise Invalid(
            {"notice_version": [f"The current notice is version {current.version}; show it and ask again."]},
            code="consent_notice_outdated",
        )
    return current


def record(
    db: Session,
    citizen_id: uuid.UUID,
    purpose: str,
    action: str,
    *,
    channel: str,
    device_id: uuid.UUID | None = None,
    version: str | None = None,
) -> ConsentRecord:
    entry = ConsentRecord(
        citizen_id=citizen_id,
        device_id=device_id,
        purpose=purpose,
        notice_version=version or NOTICES[purpose].version,
        action=action,
        channel=channel,
        recorded_at=utcnow(),
    )
    db.add(entry)
    return entry


def given(db: Session, citizen_id: uuid.UUID, purpose: str) -> bool:
    """Whether the citizen's latest word on `purpose` is a consent (on any notice version)."""
    last = db.scalar(
        select(ConsentRecord.action)
        .where(ConsentRecord.citizen_id == citizen_id, ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.recorded_at.desc())
        .limit(1)
    )
    return last == "given"
