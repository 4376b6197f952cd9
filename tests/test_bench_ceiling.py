"""The benchmark's same-SQL ceiling (bench/sql_ceiling.py) replays what the API sent, whole: each replayed
submission is a new feedback with its timeline event, audit entry, event, notification and delivery (also
when its statements go in one round trip), and the feed answers the API's bytes. A replay that failed or
wrote half a submission would make section 4 of bench/RESULTS.md measure less than the API must do."""

import importlib
import pickle

from sqlalchemy import create_engine, text

from bench import captured
from tests.reliability.harness import FEEDBACK, flask, scratch_database

FEED = "/api/v1/feed?ward_code=20242"


def test_the_ceiling_replays_whole_submissions_and_the_feed(database_url, tmp_path, monkeypatch):
    with scratch_database(database_url, "citizen_bench_ceiling") as url:
        flask(url, "seed-demo")
        file = captured.run(url, tmp_path, FEED)
        statements = pickle.loads(file.read_bytes())
        assert len(statements["intake"]["statements"]) >= 10  # reads and writes, not one INSERT
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("BENCH_CAPTURED_SQL", str(file))
        ceiling = importlib.reload(importlib.import_module("bench.sql_ceiling")).app.test_client()

        paths = ["/api/v1/feedback", captured.PIPELINED] * 2
        answers = [ceiling.post(path, json=FEEDBACK) for path in paths]
        assert [answer.status_code for answer in answers] == [201] * 4
        assert answers[0].data == statements["intake"]["body"]
        feed = ceiling.get(FEED)
        assert (feed.status_code, feed.data) == (200, statements["feed"]["body"])

        engine = create_engine(url)
        with engine.connect() as connection:
            replayed = connection.execute(
                text("""
                    SELECT f.tracking_code,
                           (SELECT count(*) FROM feedback_events e WHERE e.feedback_id = f.id),
                           (SELECT count(*) FROM audit_events a WHERE a.entity_id = f.id::text),
                           (SELECT count(*) FROM events v WHERE v.subject_id = f.id::text),
                           (SELECT count(*) FROM notifications n WHERE n.source_id = f.id::text),
                           (SELECT count(*) FROM deliveries d JOIN events v ON v.id = d.event_id
                             WHERE v.subject_id = f.id::text)
                    FROM feedback f WHERE f.tracking_code LIKE :ceiling ORDER BY f.received_at
                """),
                {"ceiling": captured.CEILING_CODE + "%"},
            ).all()
        engine.dispose()
        assert len({code for code, *_ in replayed}) == 4
        assert [tuple(counts) for _, *counts in replayed] == [(1, 1, 1, 1, 1)] * 4
