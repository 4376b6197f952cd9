"""Syndication feeds for integrators and the people's radio system, outside the versioned API:
`/feeds/notices.atom` and `/feeds/alerts.atom` (built with feedgen).

Feeds and CAP documents are public and the same for every caller: shared caches may keep them for
MAX_AGE seconds, and readers revalidate with If-None-Match (ETag) or If-Modified-Since (Last-Modified).
"""

from datetime import datetime
from urllib.parse import urlencode

from flask import Response, current_app, request
from flask_restx import Namespace, Resource

from api import API_PREFIX
from api.database import session
from api.http import query
from api.openapi import operation
from schemas.notices import PlaceQuerySchema
from services.publishing import alert_syndication, atom, fact_checks, notice_syndication

ns = Namespace("feeds", description="Atom feeds of public notices, active alerts and fact-checks")
ns.mount_path = "/feeds"
MAX_AGE = 60
NOT_MODIFIED = "Not modified: the ETag in If-None-Match, or the time in If-Modified-Since, is current"


def public_url(path: str, **params) -> str:
    """`path` under PUBLIC_BASE_URL (never the request's Host), with the given query parameters that are
    not None, in order: one feed, one URL."""
    given = urlencode({name: value for name, value in params.items() if value is not None})
    return f"{current_app.config['PUBLIC_BASE_URL']}{path}" + (f"?{given}" if given else "")


def alert_url(alert) -> str:
    return public_url(f"{API_PREFIX}/alerts/{alert.id}")


def cap_url(alert) -> str:
    return public_url(f"{API_PREFIX}/alerts/{alert.id}/cap")


def syndicated(body: bytes, mimetype: str, updated: datetime) -> Response:
    """A public document with its validators (a strong ETag of the body, Last-Modified), or a bodiless
    304 when the caller's copy is current."""
    response = Response(body, mimetype=mimetype)
    response.add_etag()
    response.last_modified = updated
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response.make_conditional(request)


@ns.route("/alerts.atom")
class AlertsAtom(Resource):
    @operation(ns, action="feeds.read", auth="none", produces=[atom.MIMETYPE], reads="replica")
    @ns.response(304, NOT_MODIFIED)
    def get(self):
        """Active alerts, most severe first, and those cancelled in the last 48 hours, as an Atom feed
        A cancelled alert's entry is titled "Đã hủy: …" with category `cancelled`; each entry links its CAP
        document."""
        feed = alert_syndication.atom_feed(session(), public_url("/feeds/alerts.atom"), cap_url)
        return syndicated(feed.body, atom.MIMETYPE, feed.updated)


@ns.route("/notices.atom")
class NoticesAtom(Resource):
    @operation(
        ns,
        action="feeds.read",
        query=PlaceQuerySchema,
        auth="none",
        produces=[atom.MIMETYPE],
        reads="replica",
    )
    @ns.response(304, NOT_MODIFIED)
    def get(self):
        """Public notices, newest first, as an Atom feed (for a place with `province_code` / `ward_code`)
        A place's feed is a feed of its own: its id and self link carry the query."""
        place = query(PlaceQuerySchema())
        self_url = public_url(
            "/feeds/notices.atom", province_code=place.get("province_code"), ward_code=place.get("ward_code")
        )
        feed = notice_syndication.atom_feed(
            session(), self_url, lambda notice: public_url(f"{API_PREFIX}/notices/{notice.id}"), **place
        )
        return syndicated(feed.body, atom.MIMETYPE, feed.updated)


@ns.route("/fact-checks.atom")
class FactChecksAtom(Resource):
    @operation(ns, action="feeds.read", auth="none", produces=[atom.MIMETYPE], reads="replica")
    @ns.response(304, NOT_MODIFIED)
    def get(self):
        """Published fact-checks, newest first, as an Atom feed
        Each entry is titled with the rating and the claim, and links the fact-check and its ClaimReview."""
        feed = fact_checks.atom_feed(
            session(),
            public_url("/feeds/fact-checks.atom"),
            lambda fact_check: public_url(f"{API_PREFIX}/fact-checks/{fact_check.id}"),
        )
        return syndicated(feed.body, atom.MIMETYPE, feed.updated)
