"""The database-path ceiling: a bare Flask app under the same gunicorn settings as the API that runs the
statements the API sent for a request (captured by bench/captured.py, with their parameters) on a psycopg
connection of its thread and answers the API's status, bytes and headers:

- `GET /api/v1/feed`: the home feed's reads, outside a transaction as the API's public reads run;
- `POST /api/v1/feedback`: a submission's reads and writes in one transaction, each inserted row with new
  ids and a new tracking code (`CEIL-…`, so that the benchmark can tell its rows from the API's);
  `POST /api/v1/feedback/pipelined`: the same sent in one round trip.

What the API does beyond this (the ORM, the schemas, our code) is our cost on that path.
"""

import itertools
import os
import pickle
import threading
import uuid
from contextlib import nullcontext
from pathlib import Path

import psycopg
from flask import Flask, Response, request
from psycopg.types.json import set_json_loads
from sqlalchemy.engine import make_url

from bench.captured import CEILING_CODE, PIPELINED
from services.core.db import json_loads

CAPTURED = pickle.loads(Path(os.environ["BENCH_CAPTURED_SQL"]).read_bytes())
DSN = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql").render_as_string(hide_password=False)
app = Flask(__name__)
local = threading.local()  # connections per gthread thread, as the API's pool holds one per thread
codes = itertools.count()  # next() is atomic under the GIL


def connection(autocommit: bool) -> psycopg.Connection:
    name = "reads" if autocommit else "writes"
    if not hasattr(local, name):
        connected = psycopg.connect(DSN, autocommit=autocommit)
        set_json_loads(json_loads, connected)  # the rows' JSON parsed as the API's engine parses it
        setattr(local, name, connected)
    return getattr(local, name)


def replay(captured: dict, renewed: dict | None = None, *, pipelined: bool = False) -> Response:
    """The captured statements, every row fetched; in one transaction when rows are `renewed` (a
    submission's writes), else outside one (the public reads). `pipelined`: all sent before any answer
    is read (psycopg's pipeline mode), one round trip for the lot; the COMMIT after them is a trip of its
    own, as in the other ceilings."""
    database = connection(autocommit=renewed is None)
    with database.pipeline() if pipelined else nullcontext():
        cursors = []
        for sql, params in captured["statements"]:
            if renewed is not None:
                params = {key: _renew(value, renewed) for key, value in params.items()}
            cursors.append(database.cursor())
            cursors[-1].execute(sql, params)
        for cursor in cursors:
            if cursor.description:
                cursor.fetchall()
            cursor.close()
    if renewed is not None:
        database.commit()
    return Response(captured["body"], status=captured["status"], headers=captured["headers"])


def _renew(value, renewed: dict):
    return renewed.get(value, value) if isinstance(value, uuid.UUID | str) else value


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/api/v1/feed")
def feed():
    return replay(CAPTURED["feed"])


@app.post("/api/v1/feedback")
def feedback():
    return _submission(pipelined=False)


@app.post(PIPELINED)
def feedback_pipelined():
    return _submission(pipelined=True)


def _submission(pipelined: bool) -> Response:
    request.get_json()  # read and parsed, as any handler of a submission must
    renewed = {}
    for old in CAPTURED["intake"]["fresh"]:
        if isinstance(old, uuid.UUID):
            new = uuid.uuid4()
            renewed |= {old: new, str(old): str(new)}  # the id, and the id as text (events, audit)
        else:
            renewed[old] = f"{CEILING_CODE}{os.getpid():x}-{next(codes):x}"
    return replay(CAPTURED["intake"], renewed, pipelined=pipelined)
