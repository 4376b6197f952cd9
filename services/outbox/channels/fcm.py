"""The FCM channel: Firebase Cloud Messaging through firebase-admin, or the log.

A backend call answers with one `Outcome` per recipient: ok, dead (the token is gone), quota (back
off, honour Retry-After), transient (retry with backoff), auth (alert the operators, keep the token)
or fatal (the message itself is wrong). `FcmChannel` turns deliveries into messages (one per topic
send; devices multicast 500 a call) and outcomes into the outbox's `Result`s. Addresses:
`topic:NAME`, `condition:EXPRESSION`, or anything a resolver turns into {"token", "language", "quiet"}.
"""

import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass

import firebase_admin
from firebase_admin import _http_client, credentials, exceptions, messaging
from google.auth.exceptions import RefreshError
from requests.adapters import HTTPAdapter

from services.core.text import shorten
from services.outbox.channels import fcm_messages
from services.outbox.channels.base import EXPIRED, Outgoing, Result, expired, ms_since, retry_after

log = logging.getLogger("citizen.push")
operators = logging.getLogger("citizen.push.operators")

MULTICAST_LIMIT = 500  # firebase-admin: tokens per send_each_for_multicast


@dataclass(frozen=True)
class Outcome:
    kind: str  # ok | dead | quota | transient | auth | fatal
    message_id: str | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


OK = Outcome("ok")

_DEAD_TOPIC_ERRORS = {"UNREGISTERED", "NOT_FOUND", "INVALID_ARGUMENT", "SENDER_ID_MISMATCH"}
_QUOTA_TOPIC_ERRORS = {"RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"}
_AUTH_TOPIC_ERRORS = {"UNAUTHENTICATED", "PERMISSION_DENIED", "THIRD_PARTY_AUTH_ERROR", "APNS_AUTH_ERROR"}


def classify(error: Exception, *, token_send: bool) -> Outcome:
    """How the outbox should treat an exception firebase-admin raised for one message."""
    cause = getattr(error, "cause", None)
    refused = error if isinstance(error, RefreshError) else cause if isinstance(cause, RefreshError) else None
    if refused is not None:
        # Google no longer accepts our service account (the SDK may wrap this in an UnknownError).
        return Outcome("auth", error=f"RefreshError: {refused}"[:1000])
    text = f"{type(error).__name__}: {error}"[:1000]
    if isinstance(error, messaging.UnregisteredError | messaging.SenderIdMismatchError):
        return Outcome("dead", error=text)
    if (
        token_send
        and isinstance(error, exceptions.InvalidArgumentError)
        and "registration token" in str(error)
    ):
        return Outcome("dead", error=text)
    if isinstance(error, exceptions.ResourceExhaustedError):
        return Outcome("quota", error=text, retry_after=_retry_after(error))
    if isinstance(error, exceptions.UnauthenticatedError | exceptions.PermissionDeniedError):
        return Outcome("auth", error=text)
    if isinstance(
        error,
        exceptions.UnavailableError
        | exceptions.InternalError
        | exceptions.DeadlineExceededError
        | exceptions.UnknownError
        | exceptions.AbortedError,
    ):
        return Outcome("transient", error=text, retry_after=_retry_after(error))
    return Outcome("fatal", error=text)


def classify_topic_error(code: str) -> Outcome:
    if code in _DEAD_TOPIC_ERRORS:
        return Outcome("dead", error=code)
    if code in _QUOTA_TOPIC_ERRORS:
        return Outcome("quota", error=code)
    if code in _AUTH_TOPIC_ERRORS:
        return Outcome("auth", error=code)
    return Outcome("transient", error=code)


def _retry_after(error: exceptions.FirebaseError) -> float | None:
    response = getattr(error, "http_response", None)
    return retry_after(response.headers.get("Retry-After") if response is not None else None)


class FcmBackend:
    """firebase-admin against FCM, or against `endpoint` (a compatible gateway, or the tests' fake)."""

    name = "fcm"

    def __init__(
        self, credential, project_id: str, *, endpoint: str | None = None, dry_run=False, timeout=10
    ):
        app_name = f"citizen-api-{uuid.uuid4().hex[:8]}"
        self.app = firebase_admin.initialize_app(
            credential, {"projectId": project_id, "httpTimeout": timeout}, name=app_name
        )
        self.dry_run = dry_run
        _leave_429_to_the_outbox(messaging._get_messaging_service(self.app))
        if endpoint:
            self._point_at(endpoint.rstrip("/"), project_id)

    def _point_at(self, endpoint: str, project_id: str) -> None:
        # The SDK fixes its URLs when the messaging service is created: the send URL and the
        # per-token topic subscription URL on the instance, the legacy Instance ID URL on the class.
        service = messaging._get_messaging_service(self.app)
        service._fcm_url = f"{endpoint}/v1/projects/{project_id}/messages:send"
        service._fcm_topic_url = f"{endpoint}/v1/projects/{project_id}/registrations"
        messaging._MessagingService.IID_URL = endpoint

    def close(self) -> None:
        firebase_admin.delete_app(self.app)

    def send(self, message: messaging.Message) -> Outcome:
        try:
            return Outcome("ok", message_id=messaging.send(message, dry_run=self.dry_run, app=self.app))
        except (exceptions.FirebaseError, RefreshError) as error:
            return classify(error, token_send=False)

    def send_multicast(self, message: messaging.MulticastMessage) -> list[Outcome]:
        try:
            batch = messaging.send_each_for_multicast(message, dry_run=self.dry_run, app=self.app)
        except exceptions.FirebaseError as error:  # the whole call failed (e.g. credentials refused)
            return [classify(error, token_send=False)] * len(message.tokens)
        return [
            Outcome("ok", message_id=r.message_id) if r.success else classify(r.exception, token_send=True)
            for r in batch.responses
        ]

    def subscribe(self, tokens: list[str], topic: str) -> list[Outcome]:
        return self._topic_call(messaging.subscribe_to_topic, tokens, topic)

    def unsubscribe(self, tokens: list[str], topic: str) -> list[Outcome]:
        return self._topic_call(messaging.unsubscribe_from_topic, tokens, topic)

    def _topic_call(self, call, tokens, topic) -> list[Outcome]:
        try:
            response = call(tokens, topic, app=self.app)
        except exceptions.FirebaseError as error:
            return [classify(error, token_send=False)] * len(tokens)
        outcomes = [OK] * len(tokens)
        for info in response.errors:
            outcomes[info.index] = classify_topic_error(info.reason)
        return outcomes


def _leave_429_to_the_outbox(service) -> None:
    """Keep the SDK's own retries of 500/503, but never let it sleep on a Retry-After.

    firebase-admin's urllib3 retry config also retries a 429 (or 503) that carries Retry-After,
    sleeping that long inside the call: a quota answer of "Retry-After: 120" would hold the worker
    for up to 4 x 120 s. The outbox honours Retry-After itself by rescheduling the delivery.
    """
    retries = _http_client.DEFAULT_RETRY_CONFIG.new(respect_retry_after_header=False)
    session = service._client.session
    for prefix in list(session.adapters):
        session.mount(prefix, HTTPAdapter(pool_connections=100, pool_maxsize=100, max_retries=retries))


class LogBackend:
    """No Firebase credentials configured: every message is written to the log, never silently dropped.

    One INFO line per message on `citizen.push`: whom it goes to, the title, the start of the body and
    the item it links to, so a developer watching `make run` sees each push as it would arrive.
    """

    name = "log"

    def send(self, message: messaging.Message) -> Outcome:
        audience = f"topic {message.topic}" if message.topic else f"condition {message.condition}"
        log.info("push (log backend) to %s: %s", audience, _describe(message))
        return Outcome("ok", message_id=f"logged/{uuid.uuid4()}")

    def send_multicast(self, message: messaging.MulticastMessage) -> list[Outcome]:
        log.info("push (log backend) to %d device(s): %s", len(message.tokens), _describe(message))
        return [Outcome("ok", message_id=f"logged/{uuid.uuid4()}") for _ in message.tokens]

    def subscribe(self, tokens: list[str], topic: str) -> list[Outcome]:
        log.info("push (log backend): subscribe %d token(s) to %s", len(tokens), topic)
        return [OK] * len(tokens)

    def unsubscribe(self, tokens: list[str], topic: str) -> list[Outcome]:
        log.info("push (log backend): unsubscribe %d token(s) from %s", len(tokens), topic)
        return [OK] * len(tokens)

    def close(self) -> None:
        pass


def _describe(message) -> str:
    """`title — start of the body [type id]` on one line."""
    notification, data = message.notification, message.data or {}
    text = [" ".join((part or "").split()) for part in (notification.title, notification.body)]
    text[1] = shorten(text[1], 160, in_bytes=True)
    link = " ".join(filter(None, (data.get("type"), data.get("id"))))
    return f"{' — '.join(filter(None, text))} [{link}]"


def from_config(config: dict):
    """`fcm` with credentials (FIREBASE_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS), else `log`."""
    path = config.get("FIREBASE_CREDENTIALS")
    use_adc = config.get("GOOGLE_APPLICATION_CREDENTIALS")
    if config.get("PUSH_BACKEND") == "log" or not (path or use_adc):
        log.warning("push backend: log (no Firebase credentials configured); messages are logged, not sent")
        return LogBackend()
    credential = credentials.Certificate(path) if path else credentials.ApplicationDefault()
    project_id = config.get("FIREBASE_PROJECT_ID") or getattr(credential, "project_id", None)
    return FcmBackend(
        credential,
        project_id,
        endpoint=config.get("FCM_ENDPOINT"),
        dry_run=config.get("FCM_DRY_RUN", False),
        timeout=config.get("FCM_TIMEOUT", 10),
    )


class FcmChannel:
    """Deliveries in, `Result`s out; `backend` is an FcmBackend or the LogBackend."""

    name = "fcm"

    def __init__(self, backend):
        self.backend = backend

    def close(self) -> None:
        self.backend.close()

    def subscribe(self, tokens: list[str], topic: str) -> list[Outcome]:
        return self.backend.subscribe(tokens, topic)

    def unsubscribe(self, tokens: list[str], topic: str) -> list[Outcome]:
        return self.backend.unsubscribe(tokens, topic)

    def send(self, outgoing: Outgoing) -> Result:
        return self.send_batch([outgoing])[0]

    def send_batch(self, batch: list[Outgoing]) -> list[Result]:
        """Topic sends one by one; devices grouped by message, language and quiet hours, 500 a call."""
        results: dict[uuid.UUID, Result] = {}
        groups = defaultdict(list)
        for outgoing in batch:
            payload = outgoing.payload
            if expired(payload):
                results[outgoing.id] = EXPIRED
            elif "token" in outgoing.target:
                key = (
                    payload["data"].get("notification_id"),
                    outgoing.target["language"],
                    outgoing.target["quiet"],
                )
                groups[key].append(outgoing)
            else:
                results[outgoing.id] = self._to_topic(outgoing)
        for (_, language, quiet), members in groups.items():
            for start in range(0, len(members), MULTICAST_LIMIT):
                chunk = members[start : start + MULTICAST_LIMIT]
                results.update(
                    zip([o.id for o in chunk], self._multicast(chunk, language, quiet), strict=True)
                )
        return [results[o.id] for o in batch]

    def _to_topic(self, outgoing: Outgoing) -> Result:
        try:
            message = fcm_messages.topic_message(
                outgoing.payload, outgoing.address, outgoing.payload["language"]
            )
        except ValueError as error:  # a message firebase-admin refuses to build: retrying cannot help
            return Result("failed", detail=str(error))
        started = time.monotonic()
        outcome = self.backend.send(message)
        return self._results([outcome], ms_since(started))[0]

    def _multicast(self, chunk: list[Outgoing], language: str, quiet: bool) -> list[Result]:
        tokens = [o.target["token"] for o in chunk]
        try:
            message = fcm_messages.multicast(chunk[0].payload, tokens, language, quiet)
        except ValueError as error:
            return [Result("failed", detail=str(error))] * len(chunk)
        started = time.monotonic()
        outcomes = self.backend.send_multicast(message)
        return self._results(outcomes, ms_since(started))

    def _results(self, outcomes: list[Outcome], latency_ms: int) -> list[Result]:
        """One `Result` per outcome, with the call's time (a multicast's recipients share it); a refused
        credential is told to the operators once per call."""
        refused = next((o for o in outcomes if o.kind == "auth"), None)
        if refused:
            operators.critical("FCM refused our credentials or APNs auth: %s", refused.error)
        return [_result(outcome, latency_ms) for outcome in outcomes]


def _result(outcome: Outcome, latency_ms: int) -> Result:
    if outcome.ok:
        return Result("sent", latency_ms=latency_ms, detail=outcome.message_id)
    if outcome.kind == "dead":
        return Result("gone", latency_ms=latency_ms, detail=outcome.error)
    if outcome.kind == "fatal":
        return Result("failed", latency_ms=latency_ms, detail=outcome.error)
    return Result("retry", after=outcome.retry_after, latency_ms=latency_ms, detail=outcome.error)
