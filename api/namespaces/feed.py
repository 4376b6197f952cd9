import threading

from cachetools import TTLCache
from flask import Flask, current_app, jsonify, request
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import languages, query
from api.openapi import operation
from schemas.feed import FeedQuerySchema, FeedSchema
from services.identity.principals import Caller
from services.publishing import feed

ns = Namespace(
    "feed", description="The citizen app's home screen: alerts, latest notices, open consultations"
)
MAX_AGE = 30
# Built once: constructing a marshmallow schema costs more than loading with it, on the hottest path.
FEED_QUERY, FEED = FeedQuerySchema(), FeedSchema()


class AnswerCache:
    """Serialised anonymous feed answers (body, ETag) per place and language, for a few seconds.

    Every phone in a commune asks the same question at 7 a.m.; within the window the answer is
    served without touching the database. Per process, like the connection pool, and bounded in
    bytes because Accept-Language headers vary without limit.
    """

    def __init__(self, seconds: float, max_bytes: int = 32 * 1024 * 1024):
        self._answers = TTLCache(maxsize=max_bytes, ttl=seconds, getsizeof=lambda answer: len(answer[0]))
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._answers.get(key)

    def put(self, key, answer) -> None:
        with self._lock:
            self._answers[key] = answer


def init_app(app: Flask) -> None:
    """Call before any other extension adds a before_request hook (the rate limiter): a cached answer
    then costs no more than a bare Flask view."""
    if app.config["FEED_CACHE_SECONDS"] > 0:
        app.extensions["feed_cache"] = AnswerCache(app.config["FEED_CACHE_SECONDS"])
        app.before_request(_answer_from_cache)


def _cache_key(accepted: tuple[str, ...]):
    """The raw place parameters and the accepted languages: only answers to valid requests are ever
    stored under them."""
    return request.args.get("province_code"), request.args.get("ward_code"), accepted


def _answer_from_cache():
    """Answer an anonymous feed request from the cache before routing it through flask-restx,
    authentication and the limiter: at 7 a.m. nearly every request is one, most of them revalidations."""
    if request.method != "GET" or request.endpoint != "feed" or "Authorization" in request.headers:
        return None
    cached = current_app.extensions["feed_cache"].get(_cache_key(languages()))
    return _answer(*cached, public=True) if cached else None


def _answer(body: bytes, etag: str, *, public: bool):
    """The feed response for a body and its ETag; bodiless 304 when the caller's copy is current."""
    current = request.if_none_match.contains_weak(etag)
    response = current_app.response_class(
        None if current else body, status=304 if current else 200, mimetype="application/json"
    )
    response.set_etag(etag)
    if public:
        response.cache_control.public = True
    else:
        response.cache_control.private = True
    response.cache_control.max_age = MAX_AGE
    response.vary.update(("Accept-Language", "Authorization"))
    return response


@ns.route("", endpoint="feed")
class Feed(Resource):
    @operation(
        ns, action="feed.read", query=FeedQuerySchema, returns=FeedSchema, auth="optional", reads="replica"
    )
    @ns.response(304, "Not modified: the ETag in If-None-Match is current")
    def get(self):
        """Alerts, latest notices and open consultations for a place (or the calling device's place).

        Send the last `ETag` in `If-None-Match` to get 304 when nothing changed; anonymous answers
        may be cached by shared caches for 30 seconds.
        """
        principal, accepted = current_principal(), languages()
        home = feed.home(session(), principal, languages=accepted, **query(FEED_QUERY))
        rendered = jsonify(FEED.dump(home))
        rendered.add_etag()  # a strong hash of the body: equal bodies, equal ETags
        answer = rendered.get_data(), rendered.get_etag()[0]
        anonymous = principal.kind == Caller.ANONYMOUS
        if anonymous and "feed_cache" in current_app.extensions:
            current_app.extensions["feed_cache"].put(_cache_key(accepted), answer)
        return _answer(*answer, public=anonymous)
