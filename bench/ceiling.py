"""The framework ceiling: a bare Flask app under the same gunicorn settings as the API.

GET /api/v1/feed answers the bytes the real feed answered (same headers, same ETag, 304 on If-None-Match);
POST /api/v1/feedback does one INSERT. Whatever the API does beyond this is our cost.
"""

import os
from pathlib import Path

from flask import Flask, Response, request
from sqlalchemy import create_engine, text

BODY = Path(os.environ["BENCH_FEED_BODY"]).read_bytes()
app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"], pool_size=int(os.environ.get("DB_POOL_SIZE", "5")))


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/api/v1/feed")
def feed():
    response = Response(BODY, mimetype="application/json")
    response.add_etag()
    response.cache_control.public = True
    response.cache_control.max_age = 30
    response.vary.update(("Accept-Language", "Authorization"))
    return response.make_conditional(request)


@app.post("/api/v1/feedback")
def feedback():
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO bench_ceiling (body) VALUES (CAST(:body AS jsonb))"),
            {"body": request.get_data(as_text=True)},
        )
    return Response(b'{"status": "received"}', status=201, mimetype="application/json")
