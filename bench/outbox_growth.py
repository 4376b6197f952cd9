"""Outbox growth: the worker's claim (services/outbox/worker.Worker.due, `SELECT … FOR UPDATE SKIP LOCKED`
of 500 due deliveries) with 10,000 delivered rows and with BENCH_DELIVERED (default 10,000,000), a few
thousand pending either way, on a PostgreSQL server of its own. The delivered rows are made in bulk SQL
(generate_series). Reports the median claim time at each size, their ratio, and EXPLAIN (ANALYZE, BUFFERS)
of the claim at each size. `python -m bench.outbox_growth` runs it alone (BENCH_DELIVERED=100000 for a
quick look)."""

import os
import statistics
import time
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.core.db import make_engine, utcnow
from services.outbox import retention
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


def add_pending(connection, rows: int) -> None:
    """`rows` FCM deliveries due since a minute ago, as a fan-out writes them."""
    connection.execute(_PENDING, {"rows": rows})


def run() -> dict:
    server = Server({"shared_buffers": "512MB", "maintenance_work_mem": "256MB"}).start()
    engine = make_engine(server.url)
    worker = Worker(None, {"fcm": None, "webhook": None})
    try:
        migrate(server.url)
        with engine.begin() as connection:
            add_delivered(connection, SMALL)
            add_pending(connection, PENDING)
        small = _measure(engine, worker)
        started = time.monotonic()
        for first in range(SMALL + 1, LARGE + 1, CHUNK):
            with engine.begin() as connection:
                add_delivered(connection, min(CHUNK, LARGE + 1 - first), first)
        loaded = time.monotonic() - started
        large = _measure(engine, worker)
        pruned = _prune(engine)
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
    return {
        "small": small,
        "large": large,
        "loaded": loaded,
        "size": size,
        "due_size": due_size,
        "pruned": pruned,
    }


def _measure(engine, worker: Worker) -> dict:
    """The claim, CLAIMS times, each rolled back so all find the same rows: its median time as the
    worker sees it and as the server spent it (EXPLAIN ANALYZE's execution time, without the client's
    share), the pages its index scan read (the work itself, which no neighbour on a shared machine
    changes), and its EXPLAIN (ANALYZE, BUFFERS), planned as psycopg runs it."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE deliveries"))  # as autovacuum leaves it
    times, executed = [], []
    with engine.connect() as connection:
        for _ in range(CLAIMS):
            started = time.perf_counter()
            claimed = connection.execute(worker.due(utcnow())).all()
            times.append((time.perf_counter() - started) * 1000)
            connection.rollback()
        assert len(claimed) == worker.settings.claim_size
        for _ in range(CLAIMS):
            [analyzed] = explain(connection, worker.due(utcnow()), "ANALYZE, BUFFERS, FORMAT JSON")
            executed.append(analyzed["Execution Time"])
            connection.rollback()
        [scan] = [node for node in _nodes(analyzed["Plan"]) if node.get("Index Name") == "ix_deliveries_due"]
        plan = explain(connection, worker.due(utcnow()), "ANALYZE, BUFFERS")
        connection.rollback()
    return {
        "ms": statistics.median(times),
        "server_ms": statistics.median(executed),
        "pages": scan["Shared Hit Blocks"] + scan["Shared Read Blocks"],
        "plan": plan,
    }


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _prune(engine) -> tuple[int, float]:
    """The retention pass's share of a day: the deliveries finished between 30 and 29 days ago (about a
    thirtieth of the table), and the seconds it took to remove them."""
    with Session(engine) as db:
        started = time.monotonic()
        removed = retention.prune(db, utcnow() - timedelta(days=29))
        return removed, time.monotonic() - started


def lines(result: dict) -> list[str]:
    small, large = result["small"], result["large"]
    ratio, server_ratio = large["ms"] / small["ms"], large["server_ms"] / small["server_ms"]
    flat = large["pages"] <= small["pages"] + 2  # the same index pages and pending rows' pages
    verdict = "flat: the claim reads no delivered row" if flat else "GROWS with the delivered rows"
    removed, seconds = result["pruned"]
    return [
        f"{LARGE - SMALL:,} delivered rows added in {result['loaded']:.0f} s (bulk SQL); the table with its "
        f"indexes is then {result['size']}, the claim's partial index `ix_deliveries_due` "
        f"{result['due_size']}.",
        "",
        "| delivered rows | pending | claim p50, worker's view (500 rows, FOR UPDATE SKIP LOCKED) "
        "| claim p50, server's execution time | pages its index scan read |",
        "|---|---|---|---|---|",
        *(
            f"| {size:,} | {PENDING:,} | {m['ms']:.2f} ms | {m['server_ms']:.3f} ms | {m['pages']} |"
            for size, m in ((SMALL, small), (LARGE, large))
        ),
        f"| ratio | | {ratio:.2f} | {server_ratio:.2f} | {large['pages'] / small['pages']:.2f} |",
        "",
        f"Claim time at {LARGE:,} ÷ at {SMALL:,} delivered rows: **{server_ratio:.2f}** on the server, "
        f"{ratio:.2f} as the worker sees it; the index scan read {small['pages']} and {large['pages']} pages "
        f"({verdict}). Sub-millisecond times on a shared machine move with the neighbours; the pages do not.",
        "",
        f"The retention pass removed a day's share, {removed:,} deliveries finished 29 to 30 days ago, from "
        f"the {LARGE:,} in {seconds:.0f} s ({removed / max(seconds, 0.001):,.0f} a second, "
        f"{retention.BATCH:,} a transaction, their counts tallied).",
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
