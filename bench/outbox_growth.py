"""Outbox growth: the worker's claim (services/outbox/worker.Worker.due, `SELECT … FOR UPDATE SKIP LOCKED`
of 500 due deliveries) with 10,000 delivered rows and with BENCH_DELIVERED (default 10,000,000), a few
thousand pending either way, on a PostgreSQL server of its own. The delivered rows are made in bulk SQL
(generate_series). Reports the median claim time at each size, their ratio, and EXPLAIN (ANALYZE, BUFFERS)
of the claim at each size. `python -m bench.outbox_growth` runs it alone (BENCH_DELIVERED=100000 for a
quick look)."""

import os
import statistics
import time

from sqlalchemy import text

from services.core.db import make_engine, utcnow
from services.outbox.worker import Worker
from tests.postgres import Server, explain
from tests.reliability.harness import migrate

SMALL = 10_000
LARGE = int(os.environ.get("BENCH_DELIVERED", "10000000"))
PENDING = 5_000
CLAIMS = 200  # timed claims at each size
CHUNK = 1_000_000  # delivered rows per INSERT (a transaction each)

_DELIVERED = text(
    """
    INSERT INTO deliveries (id, channel, address, payload, rank, status, attempts, next_attempt_at,
                            created_at, last_attempt_at, completed_at)
    SELECT gen_random_uuid(), 'fcm', 'device:' || g, '{}', 0, 'sent', 1, at, at, at, at
    FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g,
         LATERAL (SELECT now() - (g % 43200) * interval '1 minute' AS at) AS spread
    """
)
_PENDING = text(
    """
    INSERT INTO deliveries (id, channel, address, payload, rank, status, attempts, next_attempt_at,
                            created_at)
    SELECT gen_random_uuid(), 'fcm', 'device:p' || g, '{}', 0, 'pending', 0, now() - interval '1 minute',
           now()
    FROM generate_series(1, :rows) AS g
    """
)


def add_delivered(connection, rows: int, first: int = 1) -> None:
    """`rows` delivered (sent) FCM deliveries, finished over the last 30 days."""
    connection.execute(_DELIVERED, {"first": first, "last": first + rows - 1})


def run() -> dict:
    server = Server({"shared_buffers": "512MB", "maintenance_work_mem": "256MB"}).start()
    engine = make_engine(server.url)
    worker = Worker(None, {"fcm": None, "webhook": None})
    try:
        migrate(server.url)
        with engine.begin() as connection:
            add_delivered(connection, SMALL)
            connection.execute(_PENDING, {"rows": PENDING})
        small = _measure(engine, worker)
        started = time.monotonic()
        for first in range(SMALL + 1, LARGE + 1, CHUNK):
            with engine.begin() as connection:
                add_delivered(connection, min(CHUNK, LARGE + 1 - first), first)
        loaded = time.monotonic() - started
        large = _measure(engine, worker)
        with engine.connect() as connection:
            size = connection.execute(
                text("SELECT pg_size_pretty(pg_total_relation_size('deliveries'))")
            ).scalar()
            due_size = connection.execute(
                text("SELECT pg_size_pretty(pg_relation_size('ix_deliveries_due'))")
            ).scalar()
    finally:
        engine.dispose()
        server.remove()
    return {"small": small, "large": large, "loaded": loaded, "size": size, "due_size": due_size}


def _measure(engine, worker: Worker) -> dict:
    """Median claim time (ms) over CLAIMS claims, each rolled back so all find the same rows, as the
    worker sees it and as the server spent it (EXPLAIN ANALYZE's execution time, free of the client's
    noise), and the claim's EXPLAIN (ANALYZE, BUFFERS) planned as psycopg runs it."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE deliveries"))  # as autovacuum leaves it
    times = []
    with engine.connect() as connection:
        for _ in range(CLAIMS):
            started = time.perf_counter()
            claimed = connection.execute(worker.due(utcnow())).all()
            times.append((time.perf_counter() - started) * 1000)
            connection.rollback()
        assert len(claimed) == worker.settings.claim_size
        executed = []
        for _ in range(CLAIMS):
            [analyzed] = explain(connection, worker.due(utcnow()), "ANALYZE, FORMAT JSON")
            executed.append(analyzed["Execution Time"])
            connection.rollback()
        plan = explain(connection, worker.due(utcnow()), "ANALYZE, BUFFERS")
        connection.rollback()
    return {"ms": statistics.median(times), "server_ms": statistics.median(executed), "plan": plan}


def lines(result: dict) -> list[str]:
    small, large = result["small"], result["large"]
    ratio = large["ms"] / small["ms"]
    server_ratio = large["server_ms"] / small["server_ms"]
    flat = server_ratio <= 1.5
    verdict = "flat: the claim never reads delivered rows" if flat else "GROWS with the delivered rows"
    return [
        f"{LARGE - SMALL:,} delivered rows added in {result['loaded']:.0f} s (bulk SQL); the table with its "
        f"indexes is then {result['size']}, the claim's partial index `ix_deliveries_due` "
        f"{result['due_size']}.",
        "",
        "| delivered rows | pending | claim p50, worker's view (500 rows, FOR UPDATE SKIP LOCKED) "
        "| claim p50, server's execution time |",
        "|---|---|---|---|",
        f"| {SMALL:,} | {PENDING:,} | {small['ms']:.2f} ms | {small['server_ms']:.3f} ms |",
        f"| {LARGE:,} | {PENDING:,} | {large['ms']:.2f} ms | {large['server_ms']:.3f} ms |",
        f"| ratio | | {ratio:.2f} | {server_ratio:.2f} |",
        "",
        f"Claim time at {LARGE:,} ÷ at {SMALL:,} delivered rows: **{server_ratio:.2f}** on the server, "
        f"{ratio:.2f} as the worker sees it "
        f"({verdict}).",
        *(
            line
            for size, measured in ((SMALL, small), (LARGE, large))
            for line in (
                f"\n<details><summary>EXPLAIN (ANALYZE, BUFFERS), claim, {size:,} delivered</summary>\n",
                f"```\n{measured['plan']}\n```",
                "</details>",
            )
        ),
    ]


if __name__ == "__main__":
    print("\n".join(lines(run())))
