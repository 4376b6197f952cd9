"""Staff e-mail bookkeeping: the daily digest's one row per day."""

from datetime import date, datetime

from sqlalchemy.orm import Mapped, mapped_column

from services.models.base import Base


class MailDigest(Base):
    """The day's digest was sent (services/staff_mail/digest.py). The primary key lets one worker
    only, of any number running, insert the day's row and so send that day's digests."""

    __tablename__ = "mail_digests"

    day: Mapped[date] = mapped_column(primary_key=True)  # Asia/Ho_Chi_Minh
    sent_at: Mapped[datetime]
