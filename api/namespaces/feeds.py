"""Syndication feeds for integrators and the people's radio system, outside the versioned API:
`/feeds/notices.atom` and `/feeds/alerts.atom` (built with feedgen)."""

from flask import Response, current_app
from flask_restx import Namespace, Resource

from api import API_PREFIX
from api.http import query
from api.openapi import operation
from schemas.notices import PlaceQuerySchema
from services import alert_syndication, notice_syndication
from services.db import session

ns = Namespace("feeds", description="Atom feeds of public notices and active alerts")
ns.mount_path = "/feeds"


@ns.route("/alerts.atom")
class AlertsAtom(Resource):
    @operation(ns, auth="none", produces=["application/atom+xml"])
    def get(self):
        """Active alerts, most severe first, as an Atom feed (RFC 4287); each entry links its CAP document."""
        root = current_app.config["PUBLIC_BASE_URL"]
        feed = alert_syndication.atom_feed(
            session(), f"{root}/feeds/alerts.atom", lambda alert: f"{root}{API_PREFIX}/alerts/{alert.id}/cap"
        )
        return Response(feed, mimetype="application/atom+xml")


@ns.route("/notices.atom")
class NoticesAtom(Resource):
    @operation(ns, query=PlaceQuerySchema, auth="none", produces=["application/atom+xml"])
    def get(self):
        """Public notices, newest first, as an Atom feed (for a place with `province_code` / `ward_code`)."""
        root = current_app.config["PUBLIC_BASE_URL"]
        feed = notice_syndication.atom_feed(
            session(),
            f"{root}/feeds/notices.atom",
            lambda notice: f"{root}{API_PREFIX}/notices/{notice.id}",
            **query(PlaceQuerySchema()),
        )
        return Response(feed, mimetype="application/atom+xml")
