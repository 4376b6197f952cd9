"""A staff form acts once (services/identity/submitted_forms.py), with committed rows in real sessions on
PostgreSQL (cleaned up after): the second send of a form waits for the first and is refused, a form whose
action failed can be sent again. The console's pages test it through their forms."""

import threading
import uuid

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from services.identity import submitted_forms
from services.models import User


@pytest.fixture
def engine_user(app):
    engine = app.extensions["database"].engine
    with Session(engine) as setup:
        user = User(email=f"once-{uuid.uuid4().hex[:6]}@example.org", password_hash="x", role="admin",
                    full_name="")  # fmt: skip
        setup.add(user)
        setup.commit()
        user_id = user.id
    yield engine, user_id
    with Session(engine) as cleanup:
        cleanup.execute(delete(User).where(User.id == user_id))  # its tokens go with it
        cleanup.commit()


def test_a_second_send_waits_for_the_first_and_is_refused(engine_user):
    engine, user_id = engine_user
    token, outcome = uuid.uuid4(), []
    with Session(engine) as first:
        assert submitted_forms.claim(first, token, user_id)

        def second_send():
            with Session(engine) as second:
                outcome.append(submitted_forms.claim(second, token, user_id))

        thread = threading.Thread(target=second_send)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive() and outcome == []  # held by the first's uncommitted row
        first.commit()
        thread.join()
    assert outcome == [False]


def test_a_form_whose_action_failed_can_be_sent_again(engine_user):
    engine, user_id = engine_user
    token = uuid.uuid4()
    with Session(engine) as failed:
        assert submitted_forms.claim(failed, token, user_id)
        failed.rollback()
    with Session(engine) as retried:
        assert submitted_forms.claim(retried, token, user_id)
        assert not submitted_forms.claim(retried, token, user_id)  # and the session goes on
        assert submitted_forms.claim(retried, uuid.uuid4(), user_id)
        retried.commit()
