"""The outbox after years: claiming reads only the unfinished deliveries however many finished ones the
table holds, and the retention pass removes old finished deliveries while the reports keep their counts.
(bench/outbox_growth.py measures the same with 10,000,000 delivered rows.)"""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import sessionmaker

from bench.outbox_growth import add_delivered, add_pending
from services import outbox
from services.core.db import make_engine, utcnow
from services.models import Delivery, EventRecord
from services.outbox import retention
from services.outbox.channels.base import Outgoing, Result
from services.outbox.worker import Worker
from services.reports import deliveries
from tests.postgres import explain
from tests.reliability.harness import scratch_database

DAY = timedelta(days=1)


def scans(plan: dict):
    """Every node of an EXPLAIN (FORMAT JSON) plan that reads a relation."""
    if "Relation Name" in plan:
        yield plan["Node Type"], plan["Relation Name"], plan.get("Index Name")
    for child in plan.get("Plans", []):
        yield from scans(child)


def test_claiming_walks_only_the_unfinished_among_50000_delivered(db, transaction):
    add_delivered(transaction, 50_000)
    for n in range(200):
        db.add(Delivery(channel="fcm", address=f"device:{n}", payload={}, next_attempt_at=utcnow() - DAY))
    db.commit()
    transaction.execute(text("ANALYZE deliveries"))  # as autovacuum leaves the statistics
    worker = Worker(None, {"fcm": None, "webhook": None})

    # Planned for the values, and for any values (psycopg prepares a statement run five times); the
    # query alone and the claim that updates the rows it finds (each looked up by its key).
    for generic in (False, True):
        for statement in (worker.due(utcnow()), worker.claiming(utcnow())):
            [plan] = explain(transaction, statement, generic=generic)
            read = set(scans(plan["Plan"]))
            assert ("Index Scan", "deliveries", "ix_deliveries_due") in read, plan
            assert not [scan for scan in read if scan[0] == "Seq Scan"], plan

    assert len(worker.claim(db)) == 200


def test_a_fan_out_written_after_the_statistics_is_claimed_in_index_order_not_sorted_whole(database_url):
    """The statistics of an empty outbox, then a fan-out of 20,000 written at once (a new deployment's
    first morning; autovacuum analyzes the table only a minute or so later): the claim walks
    ix_deliveries_due in order and stops at 500. Planned on those statistics it gathered every due
    delivery and sorted them, at each claim (14 ms at 40,000, growing with the fan-out)."""
    with scratch_database(database_url, "citizen_fan_out") as url:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE deliveries"))  # empty: a new deployment, before its first alert
            add_pending(connection, 20_000)
        plans = []

        def explained(_connection, cursor, statement, parameters, _context, _executemany):
            if "SKIP LOCKED" in statement:  # the claim's
                plans.append(cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters).fetchone()[0])

        event.listen(engine, "before_cursor_execute", explained)
        worker = Worker(sessionmaker(bind=engine), {"fcm": None})
        with worker.sessions() as db:
            assert len(worker.claim(db)) == 500
        engine.dispose()
    [[plan]] = plans
    nodes = [node["Node Type"] for node in walk(plan["Plan"])]
    assert "Sort" not in nodes, plan
    assert ("Index Scan", "deliveries", "ix_deliveries_due") in set(scans(plan["Plan"])), plan


def test_a_claim_rewrites_each_row_on_its_page_adding_no_index_entries(database_url):
    """A fan-out's deliveries fill their pages half (fillfactor 50, migration 0032), so the claim's new
    version of a row (lease, attempt) goes on the row's own page: a HOT update, which writes no entry in
    the table's indexes (a claim of 500 took 16–22 ms on full pages, 9 ms so). Nearly every row: the new
    versions are a little longer (two times set), so the last row or two of a page of these short ones
    may not fit; on full pages none did."""
    with scratch_database(database_url, "citizen_claim_pages") as url:
        engine = make_engine(url)
        with engine.begin() as connection:
            add_pending(connection, 2000)
        counted = []
        stats = "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'deliveries'"

        def updates(connection, _cursor, statement, _parameters, _context, _executemany):
            if "SKIP LOCKED" in statement:  # the claim's, counted in its transaction
                counted.append(connection.connection.driver_connection.execute(stats).fetchone())

        event.listen(engine, "after_cursor_execute", updates)
        worker = Worker(sessionmaker(bind=engine), {"fcm": None})
        with worker.sessions() as db:
            assert len(worker.claim(db)) == 500
        engine.dispose()
    [(updated, hot)] = counted
    assert updated == 500
    assert hot >= 0.85 * updated


def walk(plan: dict):
    """Every node of an EXPLAIN (FORMAT JSON) plan."""
    yield plan
    for child in plan.get("Plans", []):
        yield from walk(child)


class Answered:
    """A webhook receiver that takes everything."""

    name = "webhook"

    def send(self, outgoing: Outgoing) -> Result:
        return Result("sent", status_code=204, latency_ms=1)


def subplans(plan: dict):
    """The subplans (a correlated EXISTS) of an EXPLAIN (FORMAT JSON) plan."""
    for child in plan.get("Plans", []):
        if child.get("Parent Relationship") == "SubPlan":
            yield child
        else:
            yield from subplans(child)


@pytest.mark.parametrize("analyzed", ["never", "drained", "queued"])
def test_a_webhook_s_backlog_is_claimed_without_reading_it_for_each_candidate(database_url, analyzed):
    """Two backlogs of 3,000 deliveries to one webhook, each keyed by its subject, with the statistics of
    a new database, of the outbox drained in between (as autovacuum leaves them after a quiet night) or
    of the second backlog: whether an earlier one of a key is unfinished is asked of the ordering index
    alone, never of the webhook's whole backlog on the address index or the claim's (200 ms to 4 s a
    claim of 500 when it was)."""
    with scratch_database(database_url, "citizen_backlog") as url:
        engine = make_engine(url)
        sessions = sessionmaker(bind=engine)
        hook, worker = str(uuid.uuid4()), Worker(sessions, {"webhook": Answered()})

        def backlog():
            with sessions() as db:
                for n in range(3000):
                    outbox.enqueue(db, "webhook", hook, {"n": n}, ordering_key=f"feedback-{uuid.uuid4()}")
                db.commit()

        def analyze(when):
            if analyzed == when:
                with engine.begin() as connection:
                    connection.execute(text("ANALYZE deliveries"))

        backlog()
        while worker.run_once():
            pass
        analyze("drained")
        backlog()
        analyze("queued")
        with engine.connect() as connection, connection.begin():
            for generic in (False, True):
                [plan] = explain(connection, worker.due(utcnow()), generic=generic)
                [earlier] = subplans(plan["Plan"])
                assert {index for _, _, index in scans(earlier)} == {"ix_deliveries_ordering"}, plan
        engine.dispose()


def test_the_retention_pass_removes_old_finished_deliveries_and_the_reports_keep_their_counts(db):
    now = utcnow()
    alert_id = uuid.uuid4()
    event = EventRecord(name="alert.published", subject_type="alert", subject_id=str(alert_id), data={})
    db.add(event)
    db.flush()

    def delivery(status, finished_days_ago=None, *, event_id=event.id, channel="fcm"):
        finished = now - finished_days_ago * DAY if finished_days_ago is not None else None
        created = (finished or now) - DAY
        row = Delivery(
            channel=channel,
            address=f"topic:{uuid.uuid4().hex[:6]}",
            payload={},
            event_id=event_id,
            status=status,
            created_at=created,
            next_attempt_at=created,
            completed_at=finished,
        )
        db.add(row)
        return row

    old = [delivery("sent", 40), delivery("sent", 35), delivery("sent", 31), delivery("failed", 31)]
    old += [delivery("gone", 31, channel="webhook"), delivery("held", 60, event_id=None)]
    kept = [delivery("sent", 29), delivery("pending"), delivery("retrying")]
    kept[1].created_at = kept[2].created_at = now - 90 * DAY  # unfinished: kept however old
    db.commit()
    before = deliveries.by_subject(db, "alert", [alert_id])
    assert before[alert_id]["fcm"] == {"sent": 4, "failed": 1, "pending": 1, "retrying": 1}

    assert retention.prune(db, now - 30 * DAY, batch=2) == len(old)  # three batches, one event's tallies
    assert retention.prune(db, now - 30 * DAY, batch=2) == 0

    left = set(db.scalars(select(Delivery.id).where(Delivery.id.in_([d.id for d in old + kept]))))
    assert left == {d.id for d in kept}
    assert deliveries.by_subject(db, "alert", [alert_id]) == before
