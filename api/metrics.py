"""GET /metrics: Prometheus text (prometheus_client) for the operators' scraper, not a JSON API (so not in
Swagger; docs/deploy.md describes it).

Counted in the process: requests by URL rule (never the raw path: ids would make a series each), method
and status, with their latency; deliveries by channel and outcome, counted by the outbox worker. Read from
the database at each scrape, a few grouped counts: the outbox backlog per channel and overdue feedback.

Under gunicorn each worker process counts apart: with PROMETHEUS_MULTIPROC_DIR set, every process writes
its counts to files there and a scrape adds them up (gunicorn.conf.py wipes the folder at start and marks
exited workers dead). An outbox worker on the same machine with the same folder is added in too.

Only the networks in METRICS_ALLOW (default loopback; the client address is the one TRUSTED_PROXIES
yields) or a caller with `Authorization: Bearer $METRICS_TOKEN` may read it; anyone else gets the same
404 as for any unknown path, so the public internet does not learn the endpoint is there.
"""

import functools
import hmac
import ipaddress
import logging
import os

from flask import Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from api.database import session
from services import outbox
from services.feedback import workflow
from services.outbox.channels.base import Result

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "citizen_http_requests",
    "Requests answered, by URL rule, method and status",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "citizen_http_request_duration_seconds",
    "Time to answer a request, by URL rule and method",
    ["endpoint", "method"],
)
DELIVERIES = Counter(
    "citizen_outbox_deliveries",
    "Outcomes the outbox worker recorded, by channel and outcome (sent, retrying, failed, gone)",
    ["channel", "outcome"],
)

# min over processes: 0 when any API process reads from the primary because the replica is down or behind.
REPLICA_USABLE = Gauge(
    "citizen_replica_usable",
    "1 while public reads go to the streaming replica, 0 while they go to the primary (DATABASE_REPLICA_URL)",
    multiprocess_mode="min",
)
REPLICA_FALLBACKS = Counter(
    "citizen_replica_fallbacks",
    "Times the replica was found down or behind by more than REPLICA_MAX_LAG, so reads went to the primary",
)


def init_app(app: Flask) -> None:
    """The endpoint; requests are counted by `count_request`, which api/logs.py calls for each."""
    app.add_url_rule("/metrics", "metrics", scrape, methods=["GET"])


METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


@functools.cache
def _series(endpoint: str, method: str, status: int):
    """The request counter and latency histogram for these labels (prometheus_client's `labels()` takes a
    lock and checks its arguments each time; the labels are few, bounded by the URL rules)."""
    return REQUESTS.labels(endpoint, method, str(status)), LATENCY.labels(endpoint, method)


def count_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    # Any token is a method to HTTP: unknown ones share a label so that clients cannot add series.
    requests, latency = _series(endpoint, method if method in METHODS else "other", status)
    requests.inc()
    latency.observe(seconds)


def replica_state(usable: bool, _reason: str) -> None:
    """The replica's verdict changed (services/core/db.Replica)."""
    REPLICA_USABLE.set(1 if usable else 0)
    if not usable:
        REPLICA_FALLBACKS.inc()


def count_delivery(delivery: outbox.Claimed, _result: Result) -> None:
    """The outbox worker's observer (api/worker.py): one outcome recorded."""
    _outcomes(delivery.channel, delivery.status).inc()


@functools.cache
def _outcomes(channel: str, outcome: str):
    return DELIVERIES.labels(channel, outcome)


def scrape() -> Response:
    if not _allowed():
        abort(404)
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    stored = CollectorRegistry()
    stored.register(DatabaseCollector())
    return Response(generate_latest(counted) + generate_latest(stored), content_type=CONTENT_TYPE_LATEST)


def _allowed() -> bool:
    token = current_app.config["METRICS_TOKEN"]
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    address = getattr(address, "ipv4_mapped", None) or address
    return any(address in network for network in current_app.config["METRICS_ALLOW"])


class DatabaseCollector:
    """What the database says at scrape time. When it cannot answer, `citizen_database_up` is 0 and the
    process's own counts are still served (they matter most then)."""

    def collect(self):
        up = GaugeMetricFamily("citizen_database_up", "1 when the database answered this scrape's queries")
        try:
            db = session()
            backlog = outbox.backlog(db)
            overdue = workflow.overdue_count(db)
        except SQLAlchemyError as error:
            log.warning("metrics: the database did not answer (%s)", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        depth = GaugeMetricFamily(
            "citizen_outbox_depth",
            "Unfinished deliveries (pending or retrying), by channel",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            "citizen_outbox_oldest_due_age_seconds",
            "How long the oldest delivery that is due has waited to be sent, by channel (0: none due)",
            labels=["channel"],
        )
        for channel in sorted({*outbox.channels(), *backlog}):
            found = backlog.get(channel, outbox.Backlog(0, 0.0))
            depth.add_metric([channel], found.depth)
            oldest.add_metric([channel], found.oldest_due_seconds)
        yield depth
        yield oldest
        yield GaugeMetricFamily("citizen_feedback_overdue", "Open feedback past its deadline", value=overdue)
