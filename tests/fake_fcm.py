"""A fake Firebase Cloud Messaging server on 127.0.0.1 for the push tests.

The real firebase-admin code talks to it over HTTP (the backend's `endpoint` override points every
URL the SDK calls here). It records every request and answers like FCM's HTTP v1 API:

  POST   /v1/projects/{p}/messages:send                                  {"name": "projects/p/messages/N"}
  POST   /v1/projects/{p}/registrations/{token}/topicSubscriptions?topic_name=T          {}
  DELETE /v1/projects/{p}/registrations/{token}/topicSubscriptions/{T}?allow_missing=true {}
  POST   /iid/v1:batchAdd | /iid/v1:batchRemove   (legacy Instance ID)     {"results": [{}, ...]}
  POST   /token   (Google's OAuth2 token endpoint, for `service_account()`) {"access_token": ...}

A process of its own (`flask --app wsgi worker`) reaches it with FCM_ENDPOINT=fake.url and
FIREBASE_CREDENTIALS naming the file `fake.service_account()` writes: a real service-account key whose
`token_uri` is this server, so google-auth signs its JWT grant and gets a token here.

Failures are scripted per key (a registration token, a topic, a condition, or "*" for anything):
`fake.fail("tok-1", UNREGISTERED)`, `fake.fail("w-20242", QUOTA_EXCEEDED, retry_after=120)`,
`fake.fail("p-48", UNAVAILABLE, times=2)`, `fake.slow("tok-2", seconds=1)`.
"""

import itertools
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

from tests.local_http import ServedLocally, reply_json

FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"

# name: (HTTP status, google.rpc status, FcmError errorCode or None, message)
ERRORS = {
    "UNREGISTERED": (404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found."),
    "INVALID_TOKEN": (
        400,
        "INVALID_ARGUMENT",
        "INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token",
    ),
    "SENDER_ID_MISMATCH": (403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", "SenderId mismatch"),
    "QUOTA_EXCEEDED": (429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", "Quota exceeded for quota metric."),
    "THIRD_PARTY_AUTH_ERROR": (
        401,
        "UNAUTHENTICATED",
        "THIRD_PARTY_AUTH_ERROR",
        "Auth error from APNS or Web Push Service",
    ),
    "UNAUTHENTICATED": (401, "UNAUTHENTICATED", None, "Request had invalid authentication credentials."),
    "INVALID_ARGUMENT": (
        400,
        "INVALID_ARGUMENT",
        "INVALID_ARGUMENT",
        "Invalid value at 'message.data[0].value'",
    ),
    "INTERNAL": (500, "INTERNAL", "INTERNAL", "Internal error encountered."),
    "UNAVAILABLE": (503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable."),
}
UNREGISTERED = "UNREGISTERED"
INVALID_TOKEN = "INVALID_TOKEN"
SENDER_ID_MISMATCH = "SENDER_ID_MISMATCH"
QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
THIRD_PARTY_AUTH_ERROR = "THIRD_PARTY_AUTH_ERROR"
UNAUTHENTICATED = "UNAUTHENTICATED"
INVALID_ARGUMENT = "INVALID_ARGUMENT"
INTERNAL = "INTERNAL"
UNAVAILABLE = "UNAVAILABLE"

_SEND = re.compile(r"^/v1/projects/(?P<project>[^/]+)/messages:send$")
_SUBSCRIBE = re.compile(
    r"^/v1/projects/(?P<project>[^/]+)/registrations/(?P<token>[^/]+)/topicSubscriptions$"
)
_UNSUBSCRIBE = re.compile(
    r"^/v1/projects/(?P<project>[^/]+)/registrations/(?P<token>[^/]+)/topicSubscriptions/(?P<topic>[^/]+)$"
)
_IID = re.compile(r"^/iid/v1:(?P<op>batchAdd|batchRemove)$")
_TOKEN = "/token"


@dataclass
class Request:
    """One request the fake received, as the SDK sent it."""

    method: str
    path: str
    query: dict[str, str]
    body: dict | None
    headers: dict[str, str]  # lower-case names
    kind: str  # send | subscribe | unsubscribe | iid-add | iid-remove | token | unknown
    token: str | None = None
    topic: str | None = None
    status: int = 200
    name: str | None = None  # the message name answered to an accepted send
    at: float = field(default_factory=time.monotonic)  # when it arrived (the benchmarks time sends)

    @property
    def message(self) -> dict:
        return (self.body or {}).get("message", {})

    @property
    def target(self) -> str | None:
        """`topic:NAME`, `condition:EXPR` or `token:TOKEN` for a send."""
        for kind in ("topic", "condition", "token"):
            if kind in self.message:
                return f"{kind}:{self.message[kind]}"
        return None


@dataclass
class _Rule:
    error: str | None  # a key of ERRORS, or None for a slow success
    times: int | None  # None: for ever
    retry_after: str | None = None
    delay: float = 0.0


@dataclass
class FakeFcm(ServedLocally):
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()
        self._rules: dict[str, list[_Rule]] = {}
        self._ids = itertools.count(1)
        self._serve(_handler(self), "fake-fcm")

    def service_account(self, path, project: str) -> str:
        """Write a service-account JSON (a throwaway RSA key) whose token endpoint is this server."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        account = {
            "type": "service_account",
            "project_id": project,
            "private_key_id": "fake",
            "private_key": pem,
            "client_email": f"push@{project}.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": f"{self.url}{_TOKEN}",
        }
        with open(path, "w") as file:
            json.dump(account, file)
        return str(path)

    # ---------------------------------------------------------------- scripting

    def fail(self, key: str, error: str, *, times: int | None = None, retry_after=None) -> None:
        """Answer requests for `key` (token, topic, condition or "*") with `error`, `times` times."""
        assert error in ERRORS, error
        with self._lock:
            rule = _Rule(error, times, None if retry_after is None else str(retry_after))
            self._rules.setdefault(key, []).append(rule)

    def slow(self, key: str, seconds: float, *, times: int | None = None) -> None:
        """Answer requests for `key` successfully, but only after `seconds`."""
        with self._lock:
            self._rules.setdefault(key, []).append(_Rule(None, times, delay=seconds))

    def heal(self) -> None:
        """Answer normally again: the scripted failures and delays end, what was received is kept."""
        with self._lock:
            self._rules.clear()

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.requests.clear()

    def _rule_for(self, keys) -> _Rule | None:
        with self._lock:
            for key in [*keys, "*"]:
                rules = self._rules.get(key)
                if not rules:
                    continue
                rule = rules[0]
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        rules.pop(0)
                return rule
        return None

    # ---------------------------------------------------------------- what was received

    def of_kind(self, *kinds: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.kind in kinds]

    def sends(self) -> list[Request]:
        return self.of_kind("send")

    def sent_ok(self) -> list[Request]:
        return [r for r in self.sends() if r.status == 200]

    def subscriptions(self) -> set[tuple[str, str]]:
        """(token, topic) pairs subscribed successfully."""
        return {(r.token, r.topic) for r in self.of_kind("subscribe") if r.status == 200}

    def unsubscriptions(self) -> set[tuple[str, str]]:
        return {(r.token, r.topic) for r in self.of_kind("unsubscribe") if r.status == 200}

    def sends_by_notification(self) -> Counter:
        """Accepted sends per notification id (from the message's data)."""
        return Counter(r.message.get("data", {}).get("notification_id") for r in self.sent_ok())

    # ---------------------------------------------------------------- answering

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _answer(self, handler, method: str) -> None:
        parts = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if len(raw) < length:  # the client died mid-request (a killed worker): FCM accepts nothing
            handler.close_connection = True
            return None
        form = handler.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded")
        body = None if form or not raw else json.loads(raw)  # the token request is a form
        request = Request(
            method, parts.path, query, body, {k.lower(): v for k, v in handler.headers.items()}, "unknown"
        )
        keys: list[str] = []
        project = None
        if method == "POST" and parts.path == _TOKEN:
            request.kind = "token"
            self._record(request)
            return reply_json(
                handler, 200, {"access_token": "fake-token", "expires_in": 3600, "token_type": "Bearer"}
            )
        if method == "POST" and (m := _SEND.match(parts.path)):
            project = m["project"]
            request.kind = "send"
            message = (body or {}).get("message", {})
            keys = [message[k] for k in ("token", "topic", "condition") if k in message]
        elif method == "POST" and (m := _SUBSCRIBE.match(parts.path)):
            request.kind, request.token, request.topic = (
                "subscribe",
                unquote(m["token"]),
                query.get("topic_name"),
            )
            keys = [request.token, request.topic]
        elif method == "DELETE" and (m := _UNSUBSCRIBE.match(parts.path)):
            request.kind, request.token, request.topic = (
                "unsubscribe",
                unquote(m["token"]),
                unquote(m["topic"]),
            )
            keys = [request.token, request.topic]
        elif method == "POST" and (m := _IID.match(parts.path)):
            request.kind = "iid-add" if m["op"] == "batchAdd" else "iid-remove"
            request.topic = (body or {}).get("to", "").removeprefix("/topics/")
            tokens = (body or {}).get("registration_tokens", [])
            self._record(request)
            results = []
            for token in tokens:
                rule = self._rule_for([token, request.topic])
                results.append({"error": "NOT_FOUND"} if rule and rule.error == UNREGISTERED else {})
            return reply_json(handler, 200, {"results": results})
        else:
            request.status = 404
            self._record(request)
            return reply_json(
                handler, 404, {"error": {"code": 404, "message": "No such method", "status": "NOT_FOUND"}}
            )

        rule = self._rule_for(keys)
        if rule is not None and rule.error is not None:
            status, rpc_status, fcm_code, text = ERRORS[rule.error]
            request.status = status
            self._record(request)
            error = {"code": status, "message": text, "status": rpc_status}
            if fcm_code:
                error["details"] = [{"@type": FCM_ERROR, "errorCode": fcm_code}]
            headers = {"Retry-After": rule.retry_after} if rule.retry_after is not None else {}
            return reply_json(handler, status, {"error": error}, headers)
        self._record(request)
        if rule is not None and rule.delay:
            time.sleep(rule.delay)
        if request.kind == "send":
            with self._lock:
                request.name = f"projects/{project}/messages/{next(self._ids)}"
            return reply_json(handler, 200, {"name": request.name})
        return reply_json(handler, 200, {})


def _handler(fake: FakeFcm):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

        def do_POST(self):
            fake._answer(self, "POST")

        def do_DELETE(self):
            fake._answer(self, "DELETE")

        def do_GET(self):
            fake._answer(self, "GET")

        def log_message(self, *args):
            pass

    return Handler
