"""The database-path ceiling: a bare Flask app under the same gunicorn settings as the API that, for each
GET /api/v1/feed, runs the statements the API sent for that feed (captured by bench/feed_database.py, with
their parameters) on a psycopg connection of its thread and answers the API's bytes and headers.

What the API does beyond this (the ORM, the schemas, our code) is our cost on the feed's database path.
"""

import os
import pickle
import threading
from pathlib import Path

import psycopg
from flask import Flask, Response
from sqlalchemy.engine import make_url

CAPTURED = pickle.loads(Path(os.environ["BENCH_FEED_SQL"]).read_bytes())
DSN = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql").render_as_string(hide_password=False)
app = Flask(__name__)
local = threading.local()  # one connection per gthread thread, as the API's pool holds one per thread


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/api/v1/feed")
def feed():
    if not hasattr(local, "connection"):
        # Outside a transaction, as the API's public reads run (services/core/db.py): no BEGIN, no ROLLBACK.
        local.connection = psycopg.connect(DSN, autocommit=True)
    with local.connection.cursor() as cursor:
        for sql, params in CAPTURED["statements"]:
            cursor.execute(sql, params)
            cursor.fetchall()
    return Response(CAPTURED["body"], headers=CAPTURED["headers"])
