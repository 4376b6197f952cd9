import math
import threading

import orjson
from cachetools import TTLCache
from flask import Flask, current_app, request
from flask_restx import Namespace, Resource
from werkzeug.http import generate_etag, quote_etag

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
FEED_QUERY = FeedQuerySchema()


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


def _cache_key():
    """The raw place parameters and Accept-Language header, unparsed (parsing costs more than the rest of
    a cached answer): only answers to valid requests are ever stored under them, and the byte bound holds
    however many spellings of a language list arrive."""
    args = request.args
    return args.get("province_code"), args.get("ward_code"), request.headers.get("Accept-Language")


def _answer_from_cache():
    """Answer an anonymous feed request from the cache before routing it through flask-restx,
    authentication and the limiter: at 7 a.m. nearly every request is one, most of them revalidations."""
    if request.method != "GET" or request.endpoint != "feed" or "Authorization" in request.headers:
        return None
    cached = current_app.extensions["feed_cache"].get(_cache_key())
    return _answer(*cached, public=True) if cached else None


def _answer(body: bytes, etag: str, *, public: bool):
    """The feed response for a body and its ETag; bodiless 304 when the caller's copy is current. The
    headers are written out rather than set through Werkzeug's Cache-Control and Vary objects, which
    parse and re-serialise on every change: this is the hottest path there is."""
    current = request.if_none_match.contains_weak(etag)
    if public:
        # Shared caches (the nginx micro-cache, a CDN) refresh it as often as this process's own cache.
        shared = math.ceil(current_app.config["FEED_CACHE_SECONDS"])
        lifetimes = f"public, max-age={MAX_AGE}, s-maxage={shared}"
    else:
        lifetimes = f"private, max-age={MAX_AGE}"
    headers = (
        ("Content-Type", "application/json"),
        ("ETag", quote_etag(etag)),
        ("Cache-Control", lifetimes),
        ("Vary", "Accept-Language, Authorization"),
    )
    return current_app.response_class(
        None if current else body, status=304 if current else 200, headers=headers
    )


@ns.route("", endpoint="feed")
class Feed(Resource):
    @operation(
        ns, action="feed.read", query=FeedQuerySchema, returns=FeedSchema, auth="optional", reads="replica"
    )
    @ns.response(304, "Not modified: the ETag in If-None-Match is current")
    def get(self):
        """Alerts, latest notices and open consultations for a place (or the calling device's place).

        Send the last `ETag` in `If-None-Match` to get 304 when nothing changed; anonymous answers
        may be kept 30 seconds by the phone, and by shared caches for FEED_CACHE_SECONDS (`s-maxage`).
        """
        principal, accepted = current_principal(), languages()
        home = feed.home(session(), principal, languages=accepted, **query(FEED_QUERY))
        # orjson writes the dates, times and ids as FeedSchema dumps them (services.publishing.feed builds
        # its entries in the schemas' shapes): the bytes Flask's JSON wrote (keys sorted, so phones' ETags
        # hold across the upgrade) for a fraction of the CPU json.dumps spent calling back into Python for
        # each of those values. Stored text holds no lone surrogate (services.core.text refuses it), the
        # one thing orjson would not write.
        body = orjson.dumps(home, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
        answer = body, generate_etag(body)  # a strong hash of the body: equal bodies, equal ETags
        anonymous = principal.kind == Caller.ANONYMOUS
        if anonymous and "feed_cache" in current_app.extensions:
            current_app.extensions["feed_cache"].put(_cache_key(), answer)
        return _answer(*answer, public=anonymous)
