import threading

from cachetools import TTLCache
from flask import current_app, jsonify, request
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
# Built once: constructing a marshmallow schema costs more than loading with it, on the hottest path.
FEED_QUERY, FEED = FeedQuerySchema(), FeedSchema()


class AnswerCache:
    """Serialised anonymous feed answers (body, ETag) per place and language, for a few seconds.

    Every phone in a commune asks the same question at 7 a.m.; within the window the answer is
    served without touching the database. Per process, like the connection pool.
    """

    def __init__(self, seconds: float):
        self._answers = TTLCache(maxsize=10_000, ttl=seconds)
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._answers.get(key)

    def put(self, key, answer) -> None:
        with self._lock:
            self._answers[key] = answer


def init_app(app) -> None:
    if app.config["FEED_CACHE_SECONDS"] > 0:
        app.extensions["feed_cache"] = AnswerCache(app.config["FEED_CACHE_SECONDS"])


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
        place, accepted = query(FEED_QUERY), languages()
        cache = current_app.extensions.get("feed_cache") if principal.kind == "anonymous" else None
        key = (place.get("province_code"), place.get("ward_code"), tuple(accepted))
        cached = cache.get(key) if cache else None
        if cached:
            body, etag = cached
            # A phone revalidating its copy needs no body at all.
            revalidated = etag in request.if_none_match
            response = current_app.response_class(None if revalidated else body, mimetype="application/json")
            response.set_etag(etag)
            if revalidated:
                response.status_code = 304
        else:
            home = feed.home(session(), principal, languages=accepted, **place)
            response = jsonify(FEED.dump(home))
            response.add_etag()  # a strong hash of the body: equal bodies, equal ETags
            if cache:
                cache.put(key, (response.get_data(), response.get_etag()[0]))
        if principal.kind == "anonymous":
            response.cache_control.public = True
        else:
            response.cache_control.private = True
        response.cache_control.max_age = MAX_AGE
        response.vary.update(("Accept-Language", "Authorization"))
        return response if response.status_code == 304 else response.make_conditional(request)
