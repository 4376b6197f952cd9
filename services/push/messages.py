"""Build firebase-admin messages from an outbox row: localized text, deep-link data, priority,
time to live, collapse key, quiet hours, and FCM's payload size limits."""

import json
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from firebase_admin import messaging

from services.push.topics import language

# FCM's payload limits; topic messages are held to the lower one. Sizes are measured on the whole
# encoded message, target included (a little more than FCM counts), so what passes here passes there.
TOKEN_PAYLOAD_LIMIT = 4096
TOPIC_PAYLOAD_LIMIT = 2048
ELLIPSIS = "…"


@dataclass(frozen=True)
class Text:
    title: str
    body: str


def text_for(content: dict, locale: str | None) -> Text:
    """The content in the device's language, falling back to Vietnamese."""
    wanted = language(locale)
    chosen = next((value for key, value in content.items() if language(key) == wanted), content["vi"])
    return Text(chosen["title"], chosen["body"])


def shorten(text: str, limit_bytes: int) -> str:
    """Cut `text` at a word boundary to fit `limit_bytes` of UTF-8, ending with an ellipsis."""
    if len(text.encode()) <= limit_bytes:
        return text
    budget = max(0, limit_bytes - len(ELLIPSIS.encode()))
    cut = text.encode()[:budget].decode(errors="ignore")
    if " " in cut.strip():
        cut = cut[: cut.rstrip().rfind(" ")]
    return cut.rstrip(" ,.;:-") + ELLIPSIS if cut else ""


def _parts(notification, text: Text, quiet: bool) -> dict:
    return {
        "notification": messaging.Notification(title=text.title, body=text.body),
        "data": _data(notification),
        "android": _android(notification, quiet),
        "apns": _apns(notification, quiet),
    }


def _size(notification, text: Text, quiet: bool, target: dict) -> int:
    with warnings.catch_warnings():  # Message.token is deprecated in favour of fid (see multicast)
        warnings.simplefilter("ignore", DeprecationWarning)
        probe = messaging.Message(**target, **_parts(notification, text, quiet))
    encoded = messaging._MessagingService.encode_message(probe)
    return len(json.dumps(encoded, ensure_ascii=False).encode())


def fitted_text(
    notification, locale: str | None, limit: int, quiet: bool = False, target: dict | None = None
) -> Text:
    """The device-language text, its body (then title) cut until the message fits `limit` bytes.

    `target` is what the message is addressed to ({"topic": ...}, {"condition": ...} or the
    longest {"token": ...}): it is part of the message measured.
    """
    text = text_for(notification.content, locale)
    target = target or {"topic": "size-probe"}
    while (overflow := _size(notification, text, quiet, target) - limit) > 0:
        body_bytes = len(text.body.encode())
        if body_bytes:
            text = Text(text.title, shorten(text.body, body_bytes - overflow - len(ELLIPSIS.encode())))
        elif text.title:
            title_bytes = len(text.title.encode())
            text = Text(shorten(text.title, title_bytes - overflow - len(ELLIPSIS.encode())), "")
        else:
            raise ValueError("The notification's data alone exceeds FCM's payload limit.")
    return text


def _data(notification) -> dict[str, str]:
    """Deep-link data: every value a string, as FCM requires."""
    data = {str(k): str(v) for k, v in (notification.data or {}).items()}
    data.update(type=notification.source_type, notification_id=str(notification.id))
    if notification.source_id:
        data["id"] = notification.source_id
    return data


def _android(notification, quiet: bool) -> messaging.AndroidConfig:
    high = notification.priority == "high"
    return messaging.AndroidConfig(
        priority="high" if high else "normal",
        ttl=timedelta(seconds=notification.ttl_seconds) if notification.ttl_seconds else None,
        collapse_key=notification.collapse_key,
        notification=messaging.AndroidNotification(
            default_sound=not quiet,
            priority="low" if quiet else "high" if high else "default",
        ),
    )


def _apns(notification, quiet: bool) -> messaging.APNSConfig:
    headers = {"apns-priority": "10" if notification.priority == "high" else "5"}
    if notification.collapse_key:
        headers["apns-collapse-id"] = notification.collapse_key
    if notification.ttl_seconds:
        expires = datetime.now(UTC) + timedelta(seconds=notification.ttl_seconds)
        headers["apns-expiration"] = str(int(expires.timestamp()))
    aps = messaging.Aps(sound=None if quiet else "default")
    return messaging.APNSConfig(headers=headers, payload=messaging.APNSPayload(aps=aps))


def topic_message(notification, target: str, locale: str) -> messaging.Message:
    """One message to `topic:NAME` or `condition:EXPRESSION`."""
    kind, _, value = target.partition(":")
    text = fitted_text(notification, locale, TOPIC_PAYLOAD_LIMIT, target={kind: value})
    return messaging.Message(**{kind: value}, **_parts(notification, text, quiet=False))


def multicast(notification, tokens: list[str], locale: str, quiet: bool) -> messaging.MulticastMessage:
    """One message to up to 500 devices that share a language and quiet-hours state."""
    longest = {"token": max(tokens, key=len)}
    text = fitted_text(notification, locale, TOKEN_PAYLOAD_LIMIT, quiet, target=longest)
    # The apps hand us FCM registration tokens; the SDK marks `tokens` deprecated in favour of
    # Firebase installation IDs, which our clients do not send.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return messaging.MulticastMessage(tokens=tokens, **_parts(notification, text, quiet))
