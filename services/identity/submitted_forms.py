"""A staff form is carried out once: its one-time token is stored in the same transaction as what the
form does, so a second send of the same form (a double click, the back button, a retry after a slow
answer) finds the token taken, also while the first is still running (the primary key makes it wait for
the first transaction and then fail), and nothing is done twice. A failed action rolls its token back:
the corrected form can be sent again."""

import uuid
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.core.db import utcnow
from services.models import SubmittedForm

# Longer than any staff session (a form left open is sent within one), short enough to keep the table small.
KEPT = timedelta(days=7)


def claim(db: Session, token: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Take `token` in the caller's transaction; False when a form with it was already carried out."""
    db.execute(delete(SubmittedForm).where(SubmittedForm.at < utcnow() - KEPT))
    try:
        with db.begin_nested():
            db.add(SubmittedForm(token=token, user_id=user_id))
    except IntegrityError:
        return False
    return True
