"""services.core.db.insert_now: a new row written at once, its object then as if loaded from the database."""

from sqlalchemy import inspect, select

from services.core.db import insert_now
from services.models import Feedback, FeedbackEvent
from tests import notice_fixtures
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import submit

statements = notice_fixtures.statements  # the SQL a request sends


def test_a_row_written_at_once_has_its_defaults_and_serial_id_and_leaves_nothing_to_flush(
    citizen, road_form, department_a, db, statements
):
    feedback = db.get(Feedback, submit(citizen)["id"])
    step = insert_now(db, FeedbackEvent(feedback_id=feedback.id, kind="note", actor_type="system"))

    assert inspect(step).persistent and step in db and not db.new and not db.dirty
    stored = db.execute(select(FeedbackEvent.__table__).where(FeedbackEvent.id == step.id)).one()
    # The Python defaults were applied, and the id the database drew was read back.
    assert stored.actor_label == step.actor_label == "" and stored.data == step.data == {}
    assert stored.at == step.at and stored.id == step.id > 0
    assert [
        e.kind for e in db.scalars(select(FeedbackEvent).where(FeedbackEvent.feedback_id == feedback.id))
    ] == [
        "submitted",
        "note",
    ]
    statements.clear()
    db.flush()
    assert statements == []  # written once: the unit of work has nothing of it left to write


def test_a_relationship_not_given_is_read_when_first_used(citizen, road_form, department_a, db):
    feedback = db.get(Feedback, submit(citizen)["id"])
    step = insert_now(
        db,
        FeedbackEvent(
            feedback_id=feedback.id, kind="note", actor_type="system", department_id=department_a.id
        ),
    )
    assert step.department.name == department_a.name
