"""A fake Zalo on 127.0.0.1 for the Zalo tests: one server for the four hosts' paths
(`fake.settings()` points every base URL of the client here). It answers like Zalo does
(services/outbox/channels/zalo_api.py says where each shape comes from), with HTTP 200 and
`{"error": N, "message"}` for Zalo's own errors:

  GET  /v2.0/me?fields=id,name,picture  headers access_token, appsecret_proof
       → {"id", "name", "picture": {"data": {"url"}}}
  GET  /v2.0/me/info  headers access_token, code, secret_key → {"error": 0, "data": {"number"}}
  POST /v4/oa/access_token  form refresh_token, app_id, grant_type; header secret_key → a new token pair
  POST /notification/template  X-Api-Key: Bearer, X-MiniApp-Id, X-User-Id → {"error": 0, "data": {"msgId"}}
  POST /message/template  header access_token (the OA's) → {"error": 0, "data": {"msg_id", "sent_time"}}

State is scripted: `fake.user(token, "zalo-1", name="An")`, `fake.phone_code(token, "code-1", "84912345678")`
(one use), `fake.outside_vietnam = True` (-501), `fake.oa_tokens("oa-1", "refresh-1")` (refreshing rotates
the pair, `fake.refreshes` counts), `fake.expire_oa_token()` (ZNS answers -216). Failures per endpoint
(me, phone, oa_token, miniapp, zns): `fake.fail("zns", "quota", times=1)`, `fake.fail("miniapp", "429",
retry_after=30)`, `fake.fail("me", "5xx")`, `fake.slow("me", seconds=2)`. `fake.signed_event(event)` builds an
OA webhook call signed as Zalo signs it.
"""

import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from services.outbox.channels.zalo_api import ZaloSettings, appsecret_proof, webhook_mac
from tests.local_http import ServedLocally, reply_json

ENDPOINTS = {
    ("GET", "/v2.0/me"): "me",
    ("GET", "/v2.0/me/info"): "phone",
    ("POST", "/v4/oa/access_token"): "oa_token",
    ("POST", "/notification/template"): "miniapp",
    ("POST", "/message/template"): "zns",
}
SESSION_INVALID = {
    "error": 452,
    "message": "Session key invalid. This could be because the session key has an incorrect format, "
    "or because the user has revoked this session",
}
OUTSIDE_VIETNAM = {
    "error": -501,
    "message": "Personal information is limited due to IP address not inside Vietnam: 127.0.0.1",
}
# Not documented publicly: what a used or unknown phone code answers (any code but a token error will do).
CODE_INVALID = {"error": -1000, "message": "Invalid code"}
OA_TOKEN_INVALID = {"error": -216, "message": "Access token is invalid"}
RATE_LIMITED = {"error": -32, "message": "Request exceeds the rate limit"}
# per endpoint: (Zalo's quota answer, Zalo's "the recipient cannot receive" answer, a bad-parameter answer)
QUOTA = {
    "zns": {"error": -144, "message": "OA has exceeded the daily quota of ZNS"},
    "miniapp": RATE_LIMITED,
    "me": RATE_LIMITED,
    "phone": RATE_LIMITED,
    "oa_token": RATE_LIMITED,
}
REFUSED = {
    "zns": {"error": -118, "message": "Zalo account not existed"},
    "miniapp": {"error": -230, "message": "User has not interacted with the app in the last 7 days"},
}
INVALID_PARAMETER = {"error": -132, "message": "Template parameter is invalid"}
KINDS = ("quota", "429", "5xx", "refused", "invalid_request", "expired_token")


@dataclass
class Request:
    """One request the fake received."""

    endpoint: str  # me | phone | oa_token | miniapp | zns | unknown
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    form: dict[str, str]
    body: dict | None
    status: int = 200
    answer: dict | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and (self.answer or {}).get("error", 0) == 0


@dataclass
class _Rule:
    kind: str | None  # one of KINDS, or None for a slow success
    times: int | None
    retry_after: str | None = None
    delay: float = 0.0


ALL_DAY = "00:00-24:00"


@dataclass
class FakeZalo(ServedLocally):
    app_id: str = "fake-app"
    app_secret: str = "fake-app-secret"
    miniapp_id: str = "fake-miniapp"
    miniapp_api_key: str = "fake-miniapp-key"
    oa_id: str = "fake-oa"
    oa_secret_key: str = "fake-oa-secret"
    outside_vietnam: bool = False
    refreshes: int = 0
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._rules: dict[str, list[_Rule]] = {}
        self._users: dict[str, dict] = {}  # user access token -> {"id", "name", "picture"}
        self._codes: dict[tuple[str, str], str] = {}  # (access token, code) -> number
        self._oa_access: set[str] = set()  # OA access tokens ZNS accepts
        self._oa_refresh: str | None = None
        self._expires_in = 90000
        self._ids = itertools.count(1)
        self._serve(_handler(self), "fake-zalo")

    def settings(self, **overrides) -> ZaloSettings:
        """Settings for a client of this fake: its credentials, every base URL here."""
        values = {
            "app_id": self.app_id,
            "app_secret": self.app_secret,
            "miniapp_id": self.miniapp_id,
            "miniapp_api_key": self.miniapp_api_key,
            "oa_id": self.oa_id,
            "oa_secret_key": self.oa_secret_key,
            "graph_url": self.url,
            "oauth_url": self.url,
            "miniapp_api_url": self.url,
            "zns_url": self.url,
        }
        return ZaloSettings(**{**values, **overrides})

    def app_config(self) -> dict:
        """An app's settings (api/config.py) for Zalo through this fake."""
        return {
            "ZALO_APP_ID": self.app_id,
            "ZALO_APP_SECRET": self.app_secret,
            "ZALO_MINIAPP_ID": self.miniapp_id,
            "ZALO_MINIAPP_API_KEY": self.miniapp_api_key,
            "ZALO_OA_ID": self.oa_id,
            "ZALO_OA_SECRET_KEY": self.oa_secret_key,
            "ZALO_GRAPH_URL": self.url,
            "ZALO_OAUTH_URL": self.url,
            "ZALO_MINIAPP_API_URL": self.url,
            "ZALO_ZNS_URL": self.url,
            "ZALO_TIMEOUT": 1.0,
            # Any hour (the fake answers whenever a test runs): tests of Zalo's hours set their own.
            "ZALO_MINIAPP_HOURS": ALL_DAY,
        }

    # ---------------------------------------------------------------- scripting

    def user(self, access_token: str, user_id: str, *, name: str | None = None, picture: str | None = None):
        with self._lock:
            self._users[access_token] = {"id": user_id, "name": name, "picture": picture}

    def phone_code(self, access_token: str, code: str, number: str) -> None:
        with self._lock:
            self._codes[(access_token, code)] = number

    def oa_tokens(self, access: str, refresh: str, *, expires_in: int = 90000) -> None:
        with self._lock:
            self._oa_access = {access}
            self._oa_refresh = refresh
            self._expires_in = expires_in

    @property
    def oa_refresh_token(self) -> str | None:
        """The one refresh token Zalo accepts now."""
        return self._oa_refresh

    def expire_oa_token(self) -> None:
        """Every OA access token given so far is now invalid (ZNS answers -216)."""
        with self._lock:
            self._oa_access.clear()

    def fail(self, endpoint: str, kind: str, *, times: int | None = None, retry_after=None) -> None:
        """Answer `endpoint` with `kind` (quota: Zalo's quota code; 429: HTTP 429; 5xx: HTTP 503; refused;
        invalid_request; expired_token: -216), `times` times or for ever."""
        assert kind in KINDS and endpoint in ENDPOINTS.values(), (endpoint, kind)
        with self._lock:
            rule = _Rule(kind, times, None if retry_after is None else str(retry_after))
            self._rules.setdefault(endpoint, []).append(rule)

    def slow(self, endpoint: str, seconds: float, *, times: int | None = None) -> None:
        with self._lock:
            self._rules.setdefault(endpoint, []).append(_Rule(None, times, delay=seconds))

    def reset(self) -> None:
        """Forget users, codes, tokens, scripted failures and requests."""
        with self._lock:
            self._rules.clear()
            self._users.clear()
            self._codes.clear()
            self._oa_access.clear()
            self._oa_refresh = None
            self.requests.clear()
            self.outside_vietnam = False
            self.refreshes = 0

    def _rule_for(self, endpoint: str) -> _Rule | None:
        with self._lock:
            rules = self._rules.get(endpoint)
            if not rules:
                return None
            rule = rules[0]
            if rule.times is not None:
                rule.times -= 1
                if rule.times <= 0:
                    rules.pop(0)
            return rule

    # ---------------------------------------------------------------- what was received

    def of(self, endpoint: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    def zns_sent(self) -> list[Request]:
        """ZNS messages accepted."""
        return [r for r in self.of("zns") if r.ok]

    def miniapp_sent(self) -> list[Request]:
        """Mini App notifications accepted."""
        return [r for r in self.of("miniapp") if r.ok]

    def signed_event(self, event: dict) -> tuple[bytes, dict[str, str]]:
        """An OA webhook call as Zalo makes it: the event (app_id and a millisecond timestamp added when
        missing) and its `X-ZEvent-Signature`."""
        event = {"app_id": self.app_id, "timestamp": str(int(time.time() * 1000)), **event}
        body = json.dumps(event, ensure_ascii=False).encode()
        mac = webhook_mac(self.app_id, body, str(event["timestamp"]), self.oa_secret_key)
        return body, {"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={mac}"}

    # ---------------------------------------------------------------- answering

    def _answer(self, handler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        form, body = {}, None
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        elif raw:
            body = json.loads(raw)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        endpoint = ENDPOINTS.get((method, parts.path), "unknown")
        request = Request(endpoint, method, parts.path, query, headers, form, body)
        with self._lock:
            self.requests.append(request)
        if endpoint == "unknown":
            return _reply(handler, request, 404, {"error": 404, "message": "Not found"})
        rule = self._rule_for(endpoint)
        if rule is not None and rule.delay:
            time.sleep(rule.delay)
        if rule is not None and rule.kind is not None:
            return self._scripted(handler, request, rule)
        answer = getattr(self, f"_{endpoint}")(request)
        return _reply(handler, request, 200, answer)

    def _scripted(self, handler, request: Request, rule: _Rule) -> None:
        extra = {"Retry-After": rule.retry_after} if rule.retry_after is not None else {}
        if rule.kind == "429":
            return _reply(handler, request, 429, {"error": 429, "message": "Too many requests"}, extra)
        if rule.kind == "5xx":
            return _reply(handler, request, 503, {"error": 503, "message": "Service unavailable"}, extra)
        answer = {
            "quota": QUOTA[request.endpoint],
            "refused": REFUSED.get(request.endpoint, INVALID_PARAMETER),
            "invalid_request": INVALID_PARAMETER,
            "expired_token": OA_TOKEN_INVALID,
        }[rule.kind]
        return _reply(handler, request, 200, answer, extra)

    def _me(self, request: Request) -> dict:
        token = request.headers.get("access_token", "")
        user = self._users.get(token)
        if user is None or not _same(
            request.headers.get("appsecret_proof"), appsecret_proof(token, self.app_secret)
        ):
            return SESSION_INVALID
        if self.outside_vietnam:
            return OUTSIDE_VIETNAM
        picture = {"data": {"url": user["picture"]}} if user["picture"] else None
        return {"id": user["id"], "name": user["name"], "picture": picture, "error": 0, "message": "Success"}

    def _phone(self, request: Request) -> dict:
        token = request.headers.get("access_token", "")
        if token not in self._users or not _same(request.headers.get("secret_key"), self.app_secret):
            return SESSION_INVALID
        if self.outside_vietnam:
            return OUTSIDE_VIETNAM
        with self._lock:
            number = self._codes.pop((token, request.headers.get("code", "")), None)  # one use
        if number is None:
            return CODE_INVALID
        return {"data": {"number": number}, "error": 0, "message": "Success"}

    def _oa_token(self, request: Request) -> dict:
        form = request.form
        if (
            not _same(request.headers.get("secret_key"), self.app_secret)
            or form.get("app_id") != self.app_id
            or form.get("grant_type") != "refresh_token"
        ):
            return {
                "error": -14002,
                "error_name": "Invalid app",
                "error_description": "Invalid app or secret",
            }
        with self._lock:
            if not self._oa_refresh or form.get("refresh_token") != self._oa_refresh:
                return {
                    "error": -14014,
                    "error_name": "Invalid refresh token",
                    "error_description": "Refresh token is invalid or has been used",
                }
            self.refreshes += 1
            n = next(self._ids)
            access, self._oa_refresh = f"oa-access-{n}", f"oa-refresh-{n}"
            self._oa_access.add(access)
            return {
                "access_token": access,
                "refresh_token": self._oa_refresh,
                "expires_in": str(self._expires_in),
            }

    def _miniapp(self, request: Request) -> dict:
        headers = request.headers
        if not (
            _same(headers.get("x-api-key"), f"Bearer {self.miniapp_api_key}")
            and headers.get("x-miniapp-id") == self.miniapp_id
            and headers.get("x-user-id")
        ):
            return {"error": -401, "message": "Invalid API key, Mini App id or user id"}
        if not (request.body or {}).get("templateId"):
            return INVALID_PARAMETER
        return {"error": 0, "message": "Success", "data": {"msgId": f"mini-{next(self._ids)}"}}

    def _zns(self, request: Request) -> dict:
        if request.headers.get("access_token") not in self._oa_access:
            return OA_TOKEN_INVALID
        body = request.body or {}
        if not (
            body.get("phone") and body.get("template_id") and isinstance(body.get("template_data"), dict)
        ):
            return INVALID_PARAMETER
        data = {"msg_id": f"zns-{next(self._ids)}", "sent_time": str(int(time.time() * 1000))}
        return {"error": 0, "message": "Success", "data": data}


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _reply(handler, request: Request, status: int, payload: dict, headers: dict | None = None) -> None:
    request.status, request.answer = status, payload
    reply_json(handler, status, payload, headers)


def _handler(fake: FakeZalo):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self):
            fake._answer(self, "GET")

        def do_POST(self):
            fake._answer(self, "POST")

        def log_message(self, *args):
            pass

    return Handler
