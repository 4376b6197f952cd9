"""What the SMSC sends us, recorded before it is acknowledged: delivery receipts, and the texts phones
send to the short code (services/sms/keywords.py). The SMS channel's reader thread calls these; each
works in a session of its own and commits, so an acknowledged message is never lost with a worker."""

from datetime import datetime

from services import sms
from services.sms import keywords


def callbacks(sessions):
    """(on_receipt, on_message) for services/outbox/channels/sms.py, on `sessions` (a sessionmaker)."""

    def on_receipt(message_id: str, status: str, when: datetime) -> None:
        with sessions() as db:
            sms.receipt(db, message_id, status, when)
            db.commit()

    def on_message(phone: str, text: str) -> None:
        with sessions() as db:
            keywords.received(db, phone, text)
            db.commit()

    return on_receipt, on_message
