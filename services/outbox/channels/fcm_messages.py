"""Build firebase-admin messages from a delivery's payload: localized text, deep-link data, priority,
time to live, collapse key, quiet hours, and FCM's payload size limits.

The payload (written by the citizen push, services/push): {"content": {lang: {title, body}}, "data":
{str: str}, "priority": "high" | "normal", "ttl_seconds", "collapse_key", "expires_at" (ISO, or None)}.
"""

import json
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from firebase_admin import messaging

from services.core.text import ELLIPSIS, language, shorten

# FCM's payload limits; topic messages are held to the lower one. Sizes are measured on the whole
# encoded message, target included (a little more than FCM counts), so what passes here passes there.
TOKEN_PAYLOAD_LIMIT = 4096
TOPIC_PAYLOAD_LIMIT = 2048


@dataclass(frozen=True)
class Text:
    title: str
    body: str


def text_for(content: dict, locale: str | None) -> Text:
    """The content in the device's language, falling back to Vietnamese."""
    wanted = language(locale)
    chosen = next((value for key, value in content.items() if language(key) == wanted), content["vi"])
    return Text(chosen["title"], chosen["body"])


def _parts(payload: dict, text: Text, quiet: bool) -> dict:
    return {
        "notification": messaging.Notification(title=text.title, body=text.body),
        "data": payload["data"],
        "android": _android(payload, quiet),
        "apns": _apns(payload, quiet),
    }


def _size(payload, text: Text, quiet: bool, target: dict) -> int:
    with warnings.catch_warnings():  # Message.token is deprecated in favour of fid (see multicast)
        warnings.simplefilter("ignore", DeprecationWarning)
        probe = messaging.Message(**target, **_parts(payload, text, quiet))
    encoded = messaging._MessagingService.encode_message(probe)
    return len(json.dumps(encoded, ensure_ascii=False).encode())


def fitted_text(
    payload: dict, locale: str | None, limit: int, quiet: bool = False, target: dict | None = None
) -> Text:
    """The device-language text, its body (then title) cut until the message fits `limit` bytes.

    `target` is what the message is addressed to ({"topic": ...}, {"condition": ...} or the
    longest {"token": ...}): it is part of the message measured.
    """
    text = text_for(payload["content"], locale)
    target = target or {"topic": "size-probe"}
    while (overflow := _size(payload, text, quiet, target) - limit) > 0:
        body_bytes = len(text.body.encode())
        if body_bytes:
            text = Text(
                text.title, shorten(text.body, body_bytes - overflow - len(ELLIPSIS.encode()), in_bytes=True)
            )
        elif text.title:
            title_bytes = len(text.title.encode())
            text = Text(
                shorten(text.title, title_bytes - overflow - len(ELLIPSIS.encode()), in_bytes=True), ""
            )
        else:
            raise ValueError("The notification's data alone exceeds FCM's payload limit.")
    return text


def _android(payload: dict, quiet: bool) -> messaging.AndroidConfig:
    high = payload["priority"] == "high"
    ttl = payload.get("ttl_seconds")
    return messaging.AndroidConfig(
        priority="high" if high else "normal",
        ttl=timedelta(seconds=ttl) if ttl else None,
        collapse_key=payload.get("collapse_key"),
        notification=messaging.AndroidNotification(
            default_sound=not quiet,
            priority="low" if quiet else "high" if high else "default",
        ),
    )


def _apns(payload: dict, quiet: bool) -> messaging.APNSConfig:
    headers = {"apns-priority": "10" if payload["priority"] == "high" else "5"}
    if payload.get("collapse_key"):
        headers["apns-collapse-id"] = payload["collapse_key"]
    if payload.get("ttl_seconds"):
        expires = datetime.now(UTC) + timedelta(seconds=payload["ttl_seconds"])
        headers["apns-expiration"] = str(int(expires.timestamp()))
    aps = messaging.Aps(sound=None if quiet else "default")
    return messaging.APNSConfig(headers=headers, payload=messaging.APNSPayload(aps=aps))


def topic_message(payload: dict, target: str, locale: str) -> messaging.Message:
    """One message to `topic:NAME` or `condition:EXPRESSION`."""
    kind, _, value = target.partition(":")
    text = fitted_text(payload, locale, TOPIC_PAYLOAD_LIMIT, target={kind: value})
    return messaging.Message(**{kind: value}, **_parts(payload, text, quiet=False))


def multicast(payload: dict, tokens: list[str], locale: str, quiet: bool) -> messaging.MulticastMessage:
    """One message to up to 500 devices that share a language and quiet-hours state."""
    longest = {"token": max(tokens, key=len)}
    text = fitted_text(payload, locale, TOKEN_PAYLOAD_LIMIT, quiet, target=longest)
    # The apps hand us FCM registration tokens; the SDK marks `tokens` deprecated in favour of
    # Firebase installation IDs, which our clients do not send.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return messaging.MulticastMessage(tokens=tokens, **_parts(payload, text, quiet))
