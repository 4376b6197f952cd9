"""What the SMSC sends us, recorded before it is acknowledged: delivery receipts, and the texts phones
send to the short code (services/sms/keywords.py). The SMS channel's reader thread calls these; each
works in a session of its own and commits, so an acknowledged message is never lost with a worker."""

import time
from datetime import datetime

from services import sms
from services.sms import keywords

RECEIPT_WAIT = 10.0  # seconds


def callbacks(sessions):
    """(on_receipt, on_message) for services/outbox/channels/sms.py, on `sessions` (a sessionmaker)."""

    def on_receipt(message_id: str, status: str, when: datetime) -> None:
        # An SMSC may report a message delivered before the worker has recorded which message id the
        # SMSC gave it: wait a moment for that record, then let the SMSC deliver the receipt again later
        # (a callback that raises is answered ESME_RX_T_APPN).
        deadline = time.monotonic() + RECEIPT_WAIT
        while True:
            with sessions() as db:
                if sms.receipt(db, message_id, status, when):
                    db.commit()
                    return
            if time.monotonic() > deadline:
                raise LookupError(f"No SMS delivery has message id {message_id} yet.")
            time.sleep(0.2)

    def on_message(phone: str, text: str) -> None:
        with sessions() as db:
            keywords.received(db, phone, text)
            db.commit()

    return on_receipt, on_message
