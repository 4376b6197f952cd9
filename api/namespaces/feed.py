from flask import jsonify, request
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.http import languages, query
from api.openapi import operation
from schemas.feed import FeedQuerySchema, FeedSchema
from services import feed
from services.db import session

ns = Namespace(
    "feed", description="The citizen app's home screen: alerts, latest notices, open consultations"
)
MAX_AGE = 30


@ns.route("")
class Feed(Resource):
    @operation(ns, query=FeedQuerySchema, returns=FeedSchema, auth="optional")
    @ns.response(304, "Not modified: the ETag in If-None-Match is current")
    def get(self):
        """Alerts, latest notices and open consultations for a place (or the calling device's place).

        Send the last `ETag` in `If-None-Match` to get 304 when nothing changed; anonymous answers
        may be cached by shared caches for 30 seconds.
        """
        principal = current_principal()
        home = feed.home(session(), principal, languages=languages(), **query(FeedQuerySchema()))
        response = jsonify(FeedSchema().dump(home))
        response.add_etag()  # a strong hash of the body: equal bodies, equal ETags
        if principal.kind == "anonymous":
            response.cache_control.public = True
        else:
            response.cache_control.private = True
        response.cache_control.max_age = MAX_AGE
        response.vary.update(("Accept-Language", "Authorization"))
        return response.make_conditional(request)
