"""Consent per purpose, recorded in an append-only ledger (table `consent_records`).

Each purpose has a privacy notice the citizen is shown before agreeing: what is collected, why, and
their rights. A consent names the notice version it was given on; a newer version needs a new consent
(Law 91/2025/QH15: consent is informed, explicit and provable; silence is not consent). Withdrawing stops
what the consent covered at once (services/identity/personal_data.withdraw).
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core.db import transactional, utcnow
from services.core.errors import DomainError, Invalid, NotFound
from services.identity import policy
from services.identity.principals import Principal
from services.models import ConsentRecord


class ConsentRequired(DomainError):
    """Data collected for a purpose the citizen has not (or no longer) consented to on the current
    notice: the app shows that notice and asks."""

    status = 422
    code = "consent_required"
    title = "Consent required"


@dataclass(frozen=True)
class PrivacyNotice:
    purpose: str
    version: str
    text: dict[str, str]  # language → what the citizen reads before agreeing


NOTICES = {
    notice.purpose: notice
    for notice in (
        PrivacyNotice(
            "feedback_contact",
            "2026-12-1",
            {
                "vi": (
                    "Khi bạn ghi họ tên, số điện thoại hoặc thư điện tử vào phản ánh, cơ quan xử lý phản ánh "
                    "dùng chúng để liên hệ và trả lời bạn, và chỉ cơ quan đó xem được. Bạn có thể xem, tải "
                    "về hoặc xóa dữ liệu của mình và rút lại đồng ý bất cứ lúc nào; khi đó thông tin liên hệ "
                    "trên các phản ánh đang xử lý bị xóa."
                ),
                "en": (
                    "When you add your name, phone number or e-mail to feedback, the department handling it "
                    "uses them to reach you and answer, and only that department sees them. You may see, "
                    "download or erase your data and withdraw at any time; the contact details on feedback "
                    "still open are then erased."
                ),
            },
        ),
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
        PrivacyNotice(
            "zalo_sign_in",
            "2026-12-1",
            {
                "vi": (
                    "Khi đăng nhập bằng Zalo, ứng dụng lưu mã người dùng Zalo của bạn (không lưu mật khẩu "
                    "hay mã truy cập) để nhận ra bạn trên các thiết bị và gửi phản hồi về phản ánh của bạn. "
                    "Bạn có thể rút lại đồng ý hoặc xóa dữ liệu của mình bất cứ lúc nào."
                ),
                "en": (
                    "Signing in with Zalo, the app keeps your Zalo user id (never a password or access "
                    "token) to know you across devices and bring you the answers to your feedback. You may "
                    "withdraw or erase your data at any time."
                ),
            },
        ),
        PrivacyNotice(
            "precise_location",
            "2026-12-1",
            {
                "vi": (
                    "Vị trí chính xác (tọa độ) là dữ liệu cá nhân nhạy cảm. Ứng dụng gửi tọa độ kèm phản ánh "
                    "để cơ quan tìm đến đúng nơi cần xử lý; chỉ cơ quan đó xem được. Khi bạn rút lại đồng ý, "
                    "tọa độ trên các phản ánh đang xử lý bị xóa, chỉ giữ xã/phường."
                ),
                "en": (
                    "A precise location (coordinates) is sensitive personal data. The app sends it with "
                    "feedback so the department finds the place to act on; only that department sees it. "
                    "When you withdraw, the coordinates of your feedback still open are erased; the commune "
                    "stays."
                ),
            },
        ),
        PrivacyNotice(
            "photos",
            "2026-12-1",
            {
                "vi": (
                    "Ảnh bạn gửi kèm phản ánh có thể cho thấy người, biển số xe hoặc nhà cửa. Chỉ cơ quan xử "
                    "lý phản ánh xem được ảnh (trừ khi cơ quan công khai câu trả lời). Khi bạn rút lại đồng "
                    "ý, ảnh trên các phản ánh đang xử lý bị xóa."
                ),
                "en": (
                    "Photos you send with feedback may show people, number plates or homes. Only the "
                    "department handling the feedback sees them (unless it publishes its answer). When you "
                    "withdraw, the photos of your feedback still open are deleted."
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
    last = latest(db, citizen_id).get(purpose)
    return last is not None and last.action == "given"


def latest(db: Session, citizen_id: uuid.UUID) -> dict[str, ConsentRecord]:
    """The citizen's latest record per purpose."""
    words: dict[str, ConsentRecord] = {}
    stmt = select(ConsentRecord).where(ConsentRecord.citizen_id == citizen_id)
    for entry in db.scalars(stmt.order_by(ConsentRecord.recorded_at, ConsentRecord.id)):
        words[entry.purpose] = entry
    return words


def state(db: Session, principal: Principal) -> list[dict]:
    """The calling citizen's current word per purpose: given on which notice version (and whether that is
    still the current one), withdrawn, or never asked."""
    policy.require(principal, "privacy.self")
    words = latest(db, principal.device.citizen_id)
    items = []
    for purpose, current in NOTICES.items():
        entry = words.get(purpose)
        given_now = entry is not None and entry.action == "given"
        items.append(
            {
                "purpose": purpose,
                "given": given_now,
                "notice_version": entry.notice_version if entry else None,
                "current_version": current.version,
                "up_to_date": given_now and entry.notice_version == current.version,
                "recorded_at": entry.recorded_at if entry else None,
                "channel": entry.channel if entry else None,
            }
        )
    return items


def require(db: Session, citizen_id: uuid.UUID, purposes: list[str]) -> None:
    """Refuse (422 consent_required) unless the citizen consents to each purpose on its current notice;
    the problem names the first purpose missing and its notice version, and lists every one missing."""
    words = latest(db, citizen_id)
    missing = [
        {"purpose": purpose, "notice_version": NOTICES[purpose].version}
        for purpose in purposes
        if (entry := words.get(purpose)) is None
        or entry.action != "given"
        or entry.notice_version != NOTICES[purpose].version
    ]
    if missing:
        first = missing[0]
        raise ConsentRequired(
            f"Show the privacy notice for `{first['purpose']}` (version {first['notice_version']}) and "
            "record the citizen's consent (POST /api/v1/privacy/consents) before sending this.",
            purpose=first["purpose"],
            notice_version=first["notice_version"],
            missing=missing,
        )


def known(purpose: str) -> None:
    if purpose not in NOTICES:
        raise NotFound(f"No privacy notice for purpose `{purpose}`.")


@transactional
def give(db: Session, principal: Principal, data: dict) -> ConsentRecord:
    """The device's citizen consents to a purpose after reading `notice_version` of its notice (in the app).
    The phone is shared through Zalo (POST /devices/me/phone), which records its own consent."""
    policy.require(principal, "privacy.self")
    known(data["purpose"])
    current = notice(data["purpose"], data["notice_version"])
    device = principal.device
    return record(db, device.citizen_id, current.purpose, "given", channel="app", device_id=device.id)
