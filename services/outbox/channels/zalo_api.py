"""Zalo's HTTP APIs, protocol only: who the user is, their phone number, the OA token, Mini App
notifications, ZNS messages, and the OA webhook's signature. No domain, no model: the identity service and
the channel adapters (zalo.py) call this.

Where each shape comes from (checked with the search tool; "unverified" says where no public page was found):
- Graph `GET /v2.0/me?fields=id,name,picture`, headers `access_token`, `appsecret_proof` = hex
  HMAC-SHA256(access token, key = app secret); answer `{"id", "name", "picture": {"data": {"url"}}}`:
  zalo-php-sdk README and zalo-python-sdk (libraries.io), TypeScript `ZaloUserInfoResponse` shapes in
  public Mini App back ends. Errors come with HTTP 200 and `{"error": N, "message"}`: a forged or stale token
  answers `452 "Session key invalid…"` (a public probe log of graph.zalo.me), `-216 "Access token is
  invalid <token>"` is also seen — Zalo echoes the token, so messages are scrubbed (`_scrub`).
- Graph `GET /v2.0/me/info`, headers `access_token`, `code` (getPhoneNumber's token), `secret_key` =
  app secret → `{"error": 0, "data": {"number": "84…"}}`: miniapp.zaloplatforms.com getPhoneNumber and
  public back ends. `-501 "Personal information is limited due to IP address not inside Vietnam"` on /me and
  /me/info from a server outside Vietnam (public deployment notes). The error for a used or wrong code is
  not documented publicly: every answer that is not a token error, -501 or a rate limit is `invalid_code`.
- OA token refresh `POST oauth.zaloapp.com/v4/oa/access_token`, form `refresh_token`, `app_id`,
  `grant_type=refresh_token`, header `secret_key`; answer `{"access_token", "refresh_token", "expires_in":
  "90000"}` (a string), errors `{"error", "error_name", "error_description"}`: developers.zalo.me OA auth
  guide as quoted by public clients (n8n node, redai-zalo-sdk). The refresh token is single use (rotation).
- Mini App notifications `POST openapi.mini.zalo.me/notification/template`, headers `X-Api-Key: Bearer
  <key>`, `X-User-Id`, `X-MiniApp-Id`, body `{"templateId", "templateData"}`: stc-zmp.zadn.vn zmp-docs
  open-apis/notifications/send (limits: users who opened the Mini App in the last 7 days and opted in with
  requestSendNotification, 1000 a day, one per user a day, 06:00–22:00). Its answer and error codes are
  unverified: `{"error": 0, "data": {"msgId"?}}` is assumed, and the OA Open API's codes are assumed shared
  (-32 rate limit; -213 / -230 user not following / not interacting: refused).
- ZNS `POST business.openapi.zalo.me/message/template`, header `access_token` (the OA's), body `{"phone",
  "template_id", "template_data", "tracking_id"}` → `{"error": 0, "data": {"msg_id", "sent_time"}}`; error
  table zalo.cloud/zns/guidelines/handle-error-code (-100 unknown: retry later; -108 phone invalid; -114 user
  inactive or rejecting ZNS; -118 no such Zalo account; -124 access token invalid; -144/-147 daily quota of
  the OA/template…). -216 (the OA API's "access token is invalid") is treated like -124.
- OA webhook: `X-ZEvent-Signature: mac=<hex sha256(app_id + raw body + timestamp + OA secret key)>`, the
  timestamp being the event's `timestamp` field (milliseconds, a string): developers.zalo.me OA webhook
  guide as implemented by chatwoot (app/controllers/webhooks/zalo_controller.rb) and public verifiers.

Decisions: -501 is `unavailable` (the deployment, not the user, is refused: the API answers 503 and
operators move the egress into Vietnam, e.g. HTTPS_PROXY, which `requests` honours); a wrong
`appsecret_proof`/`secret_key` is indistinguishable from a bad user token (both 452) so it is `invalid_token`.
Nothing here logs or raises an access token, code, phone number or secret.
"""

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests

from services.outbox.channels.base import retry_after

# Error codes by what they mean to us (see the module docstring for where each comes from).
TOKEN_ERRORS = {452, -216, -124}  # the user's (Graph) or the OA's (ZNS) token is invalid or expired
OUTSIDE_VIETNAM = -501
RATE_LIMITED = {-32}  # OA Open API "exceeded the request limit" (assumed shared by the other APIs)
ZNS_DAILY_QUOTA = {-144, -147}  # the day's quota of the OA, of the template
ZNS_QUOTA = {*ZNS_DAILY_QUOTA, -115}  # and out of balance
ZNS_REFUSED = {-108, -114, -118, -119, -139}  # phone invalid, user inactive/rejecting, no account…
ZNS_RETRY_LATER = {-100}  # "unknown error, please try again later"
MINIAPP_REFUSED = {-213, -230}


class ZaloError(Exception):
    """Every failure the client sees, classified by `kind`:

    invalid_token     Graph: a forged, expired or other app's user token; OAuth: refresh token refused
    invalid_code      the phone-number code is used, expired or wrong
    expired_oa_token  ZNS: the OA access token is invalid or expired (-124, -216): refresh and retry once
    quota             rate limit or daily quota (HTTP 429 or Zalo's code): retry after `retry_after`
    unavailable       5xx, timeout, connection refused, an unreadable answer, -501 (outside Vietnam)
    refused           the recipient cannot get it (not opted in, blocked, no Zalo account): no retry helps
    invalid_request   Zalo refused what we sent (a template parameter, a template id, our API key)
    invalid_signature, stale   webhook verification (verify_webhook)
    """

    def __init__(
        self,
        kind: str,
        message: str,
        *,
        code: int | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(f"{kind}: {message}" + (f" (Zalo error {code})" if code is not None else ""))
        self.kind = kind
        self.message = message
        self.code = code
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class ZaloSettings:
    app_id: str
    app_secret: str
    miniapp_id: str | None = None
    miniapp_api_key: str | None = None
    oa_id: str | None = None
    oa_secret_key: str | None = None
    graph_url: str = "https://graph.zalo.me"
    oauth_url: str = "https://oauth.zaloapp.com"
    miniapp_api_url: str = "https://openapi.mini.zalo.me"
    zns_url: str = "https://business.openapi.zalo.me"
    timeout: float = 5.0

    @classmethod
    def from_config(cls, config: Mapping) -> "ZaloSettings | None":
        """None unless ZALO_APP_ID and ZALO_APP_SECRET are set; empty values count as unset."""
        if not (config.get("ZALO_APP_ID") and config.get("ZALO_APP_SECRET")):
            return None
        urls = {
            field: config.get(key) or getattr(cls, field)
            for field, key in (
                ("graph_url", "ZALO_GRAPH_URL"),
                ("oauth_url", "ZALO_OAUTH_URL"),
                ("miniapp_api_url", "ZALO_MINIAPP_API_URL"),
                ("zns_url", "ZALO_ZNS_URL"),
            )
        }
        return cls(
            app_id=str(config["ZALO_APP_ID"]),
            app_secret=config["ZALO_APP_SECRET"],
            miniapp_id=config.get("ZALO_MINIAPP_ID") or None,
            miniapp_api_key=config.get("ZALO_MINIAPP_API_KEY") or None,
            oa_id=config.get("ZALO_OA_ID") or None,
            oa_secret_key=config.get("ZALO_OA_SECRET_KEY") or None,
            timeout=float(config.get("ZALO_TIMEOUT") or cls.timeout),
            **{field: url.rstrip("/") for field, url in urls.items()},
        )


@dataclass(frozen=True)
class ZaloUser:
    id: str
    name: str | None
    picture: str | None


@dataclass(frozen=True)
class OaTokens:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds


def appsecret_proof(access_token: str, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def webhook_mac(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()).hexdigest()


def verify_webhook(
    settings: ZaloSettings,
    body: bytes,
    header_value: str | None,
    *,
    now: datetime | None = None,
    max_age: timedelta = timedelta(minutes=5),
) -> dict:
    """The OA event in `body` if `X-ZEvent-Signature` (`header_value`) signs it and its `timestamp` is within
    `max_age` of `now`; ZaloError(kind="invalid_signature" | "stale") otherwise."""
    try:
        event = json.loads(body)
        timestamp = str(event["timestamp"])
        sent_at = datetime.fromtimestamp(int(timestamp) / 1000, UTC)
    except (ValueError, TypeError, KeyError, OverflowError, OSError):
        raise ZaloError("invalid_signature", "not a signed Zalo event (no JSON body or timestamp)") from None
    if not settings.oa_secret_key:
        raise ZaloError("invalid_signature", "ZALO_OA_SECRET_KEY is not set: no event can be verified")
    expected = "mac=" + webhook_mac(settings.app_id, body, timestamp, settings.oa_secret_key)
    if not hmac.compare_digest(expected.encode(), (header_value or "").strip().encode()):
        raise ZaloError("invalid_signature", "X-ZEvent-Signature does not match the body")
    if abs((now or datetime.now(UTC)) - sent_at) > max_age:
        raise ZaloError("stale", f"event timestamp {sent_at.isoformat()} is more than {max_age} away")
    return event


class ZaloClient:
    """One `requests.Session` for every Zalo host; every call within `settings.timeout` seconds."""

    def __init__(self, settings: ZaloSettings):
        self.settings = settings
        self.session = requests.Session()

    def close(self) -> None:
        self.session.close()

    def me(self, access_token: str) -> ZaloUser:
        answer = self._call(
            "GET",
            f"{self.settings.graph_url}/v2.0/me",
            params={"fields": "id,name,picture"},
            headers={
                "access_token": access_token,
                "appsecret_proof": appsecret_proof(access_token, self.settings.app_secret),
            },
            secrets=(access_token,),
            classify=_graph_error,
        )
        if not answer.get("id"):
            raise ZaloError("unavailable", "the Graph API answered without a user id")
        picture = answer.get("picture")
        url = picture.get("data", {}).get("url") if isinstance(picture, dict) else picture
        return ZaloUser(id=str(answer["id"]), name=answer.get("name") or None, picture=url or None)

    def phone_number(self, access_token: str, code: str) -> str:
        """The number the user agreed to share ("84…"), exchanged once for getPhoneNumber's `code`."""
        answer = self._call(
            "GET",
            f"{self.settings.graph_url}/v2.0/me/info",
            headers={"access_token": access_token, "code": code, "secret_key": self.settings.app_secret},
            secrets=(access_token, code),
            classify=_phone_error,
        )
        number = (answer.get("data") or {}).get("number")
        if not number:
            raise ZaloError("invalid_code", "the Graph API answered without a phone number")
        return str(number)

    def refresh_oa_token(self, refresh_token: str) -> OaTokens:
        """A new OA token pair; the refresh token given is spent (Zalo rotates it)."""
        answer = self._call(
            "POST",
            f"{self.settings.oauth_url}/v4/oa/access_token",
            data={
                "refresh_token": refresh_token,
                "app_id": self.settings.app_id,
                "grant_type": "refresh_token",
            },
            headers={"secret_key": self.settings.app_secret},
            secrets=(refresh_token,),
            classify=_oauth_error,
        )
        try:
            return OaTokens(answer["access_token"], answer["refresh_token"], int(answer.get("expires_in", 0)))
        except (KeyError, TypeError, ValueError):
            raise ZaloError("unavailable", "the OAuth server answered without a token pair") from None

    def send_miniapp(self, user_id: str, template_id: str, template_data: dict) -> str | None:
        """Zalo's message id when its answer has one."""
        if not (self.settings.miniapp_id and self.settings.miniapp_api_key):
            raise ZaloError("invalid_request", "ZALO_MINIAPP_ID and ZALO_MINIAPP_API_KEY are not set")
        answer = self._call(
            "POST",
            f"{self.settings.miniapp_api_url}/notification/template",
            json={"templateId": template_id, "templateData": template_data},
            headers={
                "X-Api-Key": f"Bearer {self.settings.miniapp_api_key}",
                "X-MiniApp-Id": self.settings.miniapp_id,
                "X-User-Id": user_id,
            },
            secrets=(),
            classify=_miniapp_error,
        )
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        message_id = data.get("msgId") or data.get("msg_id")
        return str(message_id) if message_id else None

    def send_zns(
        self, oa_access_token: str, phone: str, template_id: str, template_data: dict, tracking_id: str
    ) -> str:
        """ZNS's `data.msg_id`; `tracking_id` comes back in the OA webhook's delivery events."""
        answer = self._call(
            "POST",
            f"{self.settings.zns_url}/message/template",
            json={
                "phone": phone,
                "template_id": template_id,
                "template_data": template_data,
                "tracking_id": tracking_id,
            },
            headers={"access_token": oa_access_token},
            secrets=(oa_access_token, phone),
            classify=_zns_error,
        )
        message_id = (answer.get("data") or {}).get("msg_id")
        if not message_id:
            raise ZaloError("unavailable", "ZNS accepted the message without a msg_id")
        return str(message_id)

    def _call(
        self, method: str, url: str, *, secrets: tuple[str, ...], classify: Callable, **options
    ) -> dict:
        """The answer's JSON when Zalo says it worked; a classified ZaloError otherwise."""
        secrets = (*secrets, self.settings.app_secret, self.settings.miniapp_api_key or "")
        try:
            response = self.session.request(method, url, timeout=self.settings.timeout, **options)
        except requests.Timeout:
            raise ZaloError("unavailable", f"no answer within {self.settings.timeout} s") from None
        except requests.RequestException as error:
            raise ZaloError("unavailable", _scrub(f"{type(error).__name__}: {error}", secrets)) from None
        status = response.status_code
        after = retry_after(response.headers.get("Retry-After"))
        if status == 429:
            raise ZaloError("quota", f"HTTP 429 {_said(response, secrets)}", status=status, retry_after=after)
        if status >= 500:
            raise ZaloError(
                "unavailable", f"HTTP {status} {_said(response, secrets)}", status=status, retry_after=after
            )
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            kind = "invalid_request" if status >= 400 else "unavailable"
            raise ZaloError(
                kind, f"HTTP {status}, not a JSON object: {_said(response, secrets)}", status=status
            )
        code = _code(answer.get("error"))
        if status >= 400 or code:
            message = _scrub(_message(answer) or f"HTTP {status}", secrets)
            raise ZaloError(classify(code, status), message, code=code, status=status, retry_after=after)
        return answer


def _graph_error(code: int | None, status: int) -> str:
    if code == OUTSIDE_VIETNAM:
        return "unavailable"
    if code in RATE_LIMITED:
        return "quota"
    return "invalid_token"


def _phone_error(code: int | None, status: int) -> str:
    kind = _graph_error(code, status)
    if kind == "invalid_token" and code not in TOKEN_ERRORS:
        return "invalid_code"
    return kind


def _oauth_error(code: int | None, status: int) -> str:
    return "quota" if code in RATE_LIMITED else "invalid_token"


def _miniapp_error(code: int | None, status: int) -> str:
    if code in RATE_LIMITED:
        return "quota"
    if code in MINIAPP_REFUSED:
        return "refused"
    return "invalid_request"


def _zns_error(code: int | None, status: int) -> str:
    if code in TOKEN_ERRORS or status == 401:
        return "expired_oa_token"
    if code in RATE_LIMITED or code in ZNS_QUOTA:
        return "quota"
    if code in ZNS_REFUSED:
        return "refused"
    if code in ZNS_RETRY_LATER:
        return "unavailable"
    return "invalid_request"


def _code(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _message(answer: dict) -> str:
    for key in ("message", "error_description", "error_name", "error_reason"):
        if isinstance(answer.get(key), str) and answer[key].strip():
            return answer[key].strip()
    return ""


def _said(response: requests.Response, secrets) -> str:
    return _scrub(" ".join(response.text[:200].split()), secrets)


def _scrub(text: str, secrets) -> str:
    """`text` without any of `secrets` (Zalo echoes tokens in its messages) nor long digit runs (phones)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "…")
    return re.sub(r"\d{9,}", "…", text)[:300]
