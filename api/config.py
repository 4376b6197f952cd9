"""Configuration from environment variables (12-factor); a `.env` file in the working directory counts too."""

import ipaddress
import logging
import os
import secrets
import tempfile

from dotenv import load_dotenv
from limits import parse_many
from yarl import URL

from api.limits import RATE_LIMITS

log = logging.getLogger(__name__)


class ConfigError(RuntimeError):
    pass


def instance_path() -> str | None:
    """INSTANCE_PATH: the folder of the instance's own files (the SQLite database, the development
    SECRET_KEY, uploads, the demo passwords); None for Flask's default, instance/ beside the code."""
    load_dotenv(os.path.join(os.getcwd(), ".env"))
    value = os.environ.get("INSTANCE_PATH")
    return os.path.abspath(value) if value else None


def from_environment(instance_path: str) -> dict:
    load_dotenv(os.path.join(os.getcwd(), ".env"))
    env = os.environ.get
    config = {
        "APP_ENV": env("APP_ENV", "development"),
        "DATABASE_URL": env("DATABASE_URL") or f"sqlite:///{os.path.join(instance_path, 'citizen.db')}",
        # Empty: production refuses to start; development makes one in instance/secret_key (see complete).
        "SECRET_KEY": env("SECRET_KEY", ""),
        "JWT_TTL": int(env("JWT_TTL", "3600")),
        # Where the public reaches the API, e.g. https://api.danang.gov.vn: every absolute URL the API
        # writes (Atom ids and links, the CAP sender) starts with it, never with the request's Host header,
        # which any caller chooses. Required in production; http://127.0.0.1:$PORT in development.
        "PUBLIC_BASE_URL": env("PUBLIC_BASE_URL", ""),
        # JSON bodies; POST /api/v1/attachments raises it for itself to 10 MB.
        "MAX_CONTENT_LENGTH": int(env("MAX_CONTENT_LENGTH", str(1024 * 1024))),
        "ATTACHMENTS_DIR": env("ATTACHMENTS_DIR") or os.path.join(instance_path, "attachments"),
        # Uploads answer 507 rather than leave less free space than this under ATTACHMENTS_DIR.
        "ATTACHMENTS_MIN_FREE_MB": int(env("ATTACHMENTS_MIN_FREE_MB", "512")),
        # The retention schedule (services/privacy/retention.py), in days: what `flask --app wsgi retention`
        # and the worker's daily pass remove. The province sets its own; these are the defaults.
        "RETENTION_DEVICES_SILENT_DAYS": int(env("RETENTION_DEVICES_SILENT_DAYS", "730")),  # 24 months
        "RETENTION_CONTACT_DAYS": int(env("RETENTION_CONTACT_DAYS", "730")),  # 2 years after closure
        "RETENTION_LOCATION_DAYS": int(env("RETENTION_LOCATION_DAYS", "90")),  # after closure
        "RETENTION_PHOTOS_DAYS": int(env("RETENTION_PHOTOS_DAYS", "1826")),  # 5 years after closure
        "RETENTION_SCAM_REPORTS_DAYS": int(env("RETENTION_SCAM_REPORTS_DAYS", "1096")),  # 3 years
        # Finished deliveries (the outbox): reports keep their counts (services/outbox/retention.py).
        "RETENTION_DELIVERIES_DAYS": int(env("RETENTION_DELIVERIES_DAYS", "30")),
        "CORS_ORIGINS": [o.strip() for o in env("CORS_ORIGINS", "").split(",") if o.strip()],
        "DB_POOL_SIZE": int(env("DB_POOL_SIZE", "5")),
        # A PostgreSQL streaming replica (empty: none) for anonymous public reads (feed, lists, Atom, CAP,
        # public reports; docs/deploy.md), used while it is at most REPLICA_MAX_LAG seconds behind.
        "DATABASE_REPLICA_URL": env("DATABASE_REPLICA_URL", ""),
        "REPLICA_MAX_LAG": float(env("REPLICA_MAX_LAG", "5")),
        # Bounds on waiting for PostgreSQL, so a request fails with 503 instead of hanging when it is down
        # or stuck: seconds to open a connection, seconds to wait for a free pooled one, and
        # milliseconds a statement may run (0: no limit).
        "DB_CONNECT_TIMEOUT": int(env("DB_CONNECT_TIMEOUT", "5")),
        "DB_POOL_TIMEOUT": float(env("DB_POOL_TIMEOUT", "10")),
        "DB_STATEMENT_TIMEOUT": int(env("DB_STATEMENT_TIMEOUT", "15000")),
        "TRUSTED_PROXIES": int(env("TRUSTED_PROXIES", "0")),
        # Anonymous home-feed answers are kept this long per place and language (0: off), by each process
        # and by shared caches (`s-maxage`: the nginx micro-cache of deploy/nginx); phones keep them 30 s.
        "FEED_CACHE_SECONDS": float(env("FEED_CACHE_SECONDS", "5")),
        # Where rate-limit counts live: memory:// counts per process; redis://host:6379/0 shares them
        # between every process and instance (api/limits.py: while Redis is down each process counts for
        # itself). RATELIMIT_STORAGE_TIMEOUT: seconds a request waits for Redis before counting locally.
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_STORAGE_TIMEOUT": float(env("RATELIMIT_STORAGE_TIMEOUT", "0.5")),
        "RATELIMIT_ENABLED": env("RATELIMIT_ENABLED", "true").lower() in ("1", "true", "yes"),
        # Each limit of api/limits.py, e.g. RATE_LIMIT_FEEDBACK_PER_IP="60 per hour" (docs/api.md's table).
        **{f"RATE_LIMIT_{name}": env(f"RATE_LIMIT_{name}", default) for name, default in RATE_LIMITS.items()},
        # One JSON object a line (request log, worker outcomes) or plain text; empty: json in production.
        "LOG_FORMAT": env("LOG_FORMAT", ""),
        # Who may read GET /metrics: clients in these networks (after TRUSTED_PROXIES), or anyone sending
        # `Authorization: Bearer $METRICS_TOKEN` (empty: no token works).
        "METRICS_ALLOW": env("METRICS_ALLOW", "127.0.0.0/8,::1/128"),
        "METRICS_TOKEN": env("METRICS_TOKEN", ""),
        # Push (services/push): FCM when credentials are configured, else the explicit log backend.
        "PUSH_BACKEND": env("PUSH_BACKEND", ""),
        "FIREBASE_CREDENTIALS": env("FIREBASE_CREDENTIALS", ""),
        "GOOGLE_APPLICATION_CREDENTIALS": env("GOOGLE_APPLICATION_CREDENTIALS", ""),
        "FIREBASE_PROJECT_ID": env("FIREBASE_PROJECT_ID", ""),
        "FCM_ENDPOINT": env("FCM_ENDPOINT", ""),
        "FCM_DRY_RUN": env("FCM_DRY_RUN", "false").lower() in ("1", "true", "yes"),
        "FCM_TIMEOUT": float(env("FCM_TIMEOUT", "10")),
        "PUSH_MAX_ATTEMPTS": int(env("PUSH_MAX_ATTEMPTS", "8")),
        "PUSH_LEASE_SECONDS": int(env("PUSH_LEASE_SECONDS", "60")),
        "PUSH_POLL_INTERVAL": float(env("PUSH_POLL_INTERVAL", "0.2")),
        "PUSH_BACKOFF_SECONDS": float(env("PUSH_BACKOFF_SECONDS", "5")),
        # Webhooks (docs/webhooks.md): plain http URLs (development only by default), private addresses
        # (tests, internal networks), and how long a run of failed attempts disables a webhook.
        "WEBHOOK_ALLOW_HTTP": env("WEBHOOK_ALLOW_HTTP", ""),  # empty: in development only (see complete)
        "WEBHOOK_ALLOW_PRIVATE": flag(env("WEBHOOK_ALLOW_PRIVATE", "false")),
        "WEBHOOK_DISABLE_AFTER_FAILURES": int(env("WEBHOOK_DISABLE_AFTER_FAILURES", "20")),
        "WEBHOOK_DISABLE_AFTER_HOURS": float(env("WEBHOOK_DISABLE_AFTER_HOURS", "24")),
        # Staff e-mail (services/staff_mail, channel services/outbox/channels/email.py): the SMTP server
        # (smtp://user:pass@host:587 STARTTLS, smtps://host:465, smtp://host:25; empty: the log backend
        # prints each e-mail), the From address, seconds an SMTP exchange may take, and the hour (Việt
        # Nam time, 0-23) of the daily digest to focal points on working days.
        "SMTP_URL": env("SMTP_URL", ""),
        "MAIL_FROM": env("MAIL_FROM", "Citizen API <no-reply@localhost>"),
        "SMTP_TIMEOUT": float(env("SMTP_TIMEOUT", "10")),
        "MAIL_DIGEST_HOUR": hour_of_day("MAIL_DIGEST_HOUR", env("MAIL_DIGEST_HOUR", "7")),
        # Zalo (docs/zalo.md): the app (sign-in and phone numbers through the Graph API), the Mini App
        # (its notification API key), the Official Account (ZNS, its webhook's secret key). Without an
        # app id and secret the Zalo endpoints answer 503 zalo_not_configured. Each base URL may point
        # elsewhere (the tests' fake Zalo); ZALO_TIMEOUT bounds every call to Zalo, in seconds.
        "ZALO_APP_ID": env("ZALO_APP_ID", ""),
        "ZALO_APP_SECRET": env("ZALO_APP_SECRET", ""),
        "ZALO_MINIAPP_ID": env("ZALO_MINIAPP_ID", ""),
        "ZALO_MINIAPP_API_KEY": env("ZALO_MINIAPP_API_KEY", ""),
        "ZALO_OA_ID": env("ZALO_OA_ID", ""),
        "ZALO_OA_SECRET_KEY": env("ZALO_OA_SECRET_KEY", ""),
        "ZALO_GRAPH_URL": env("ZALO_GRAPH_URL", "https://graph.zalo.me"),
        "ZALO_OAUTH_URL": env("ZALO_OAUTH_URL", "https://oauth.zaloapp.com"),
        "ZALO_MINIAPP_API_URL": env("ZALO_MINIAPP_API_URL", "https://openapi.mini.zalo.me"),
        "ZALO_ZNS_URL": env("ZALO_ZNS_URL", "https://business.openapi.zalo.me"),
        "ZALO_TIMEOUT": float(env("ZALO_TIMEOUT", "5")),
        # What Zalo allows the Mini App's notifications (docs/zalo.md): how many a day (Zalo publishes
        # 1,000; set what Zalo granted the province), the share of them area messages may take (the rest
        # is kept for citizens' own messages), and the hours Zalo sends them (Việt Nam time).
        "ZALO_MINIAPP_DAILY_LIMIT": int(env("ZALO_MINIAPP_DAILY_LIMIT", "1000")),
        "ZALO_MINIAPP_AREA_SHARE": float(env("ZALO_MINIAPP_AREA_SHARE", "0.5")),
        "ZALO_MINIAPP_HOURS": env("ZALO_MINIAPP_HOURS", "06:00-22:00"),
        # SMS (docs/sms.md): `log` writes each SMS to the log (no SMSC); `smpp` sends through the SMSC of
        # SMS_SMPP_URL (smpp://system_id:password@host:2775) from SMS_SOURCE_ADDR (the brandname or short
        # code), GSM-7 unaccented or UCS-2 (SMS_ENCODING), with SMS_WINDOW submissions outstanding.
        "SMS_BACKEND": env("SMS_BACKEND", "log"),
        "SMS_SMPP_URL": env("SMS_SMPP_URL", ""),
        "SMS_SOURCE_ADDR": env("SMS_SOURCE_ADDR", ""),
        "SMS_ENCODING": env("SMS_ENCODING", "gsm7"),
        "SMS_WINDOW": int(env("SMS_WINDOW", "10")),
        "SMS_ENQUIRE_LINK_SECONDS": float(env("SMS_ENQUIRE_LINK_SECONDS", "30")),
        "SMS_TIMEOUT": float(env("SMS_TIMEOUT", "10")),
        # Which alerts go by SMS to subscribed numbers, the day's budget of segments (severe and extreme
        # alerts are never held by it), who signs each SMS, and where `DK <commune name>` looks first.
        "SMS_ALERT_SEVERITIES": [s for s in env("SMS_ALERT_SEVERITIES", "severe,extreme").split(",") if s],
        "SMS_DAILY_BUDGET": int(env("SMS_DAILY_BUDGET", "10000")),
        "SMS_SENDER": env("SMS_SENDER", ""),
        "SMS_PROVINCE_CODE": int(env("SMS_PROVINCE_CODE", "0")) or None,
        # Speech (services/core/speech.py): a command reading text on stdin and writing WAV on stdout
        # (e.g. Piper with a vi_VN model; empty: espeak-ng's Vietnamese voice), and the seconds it and the
        # encoder may each take before the audio answers 503.
        "TTS_COMMAND": env("TTS_COMMAND", ""),
        "TTS_TIMEOUT": float(env("TTS_TIMEOUT", "60")),
        # The hour (Việt Nam time) communes air their morning bulletin; the worker makes them the hour before.
        "BULLETIN_HOUR": hour_of_day("BULLETIN_HOUR", env("BULLETIN_HOUR", "6")),
        # CAP 1.2 `sender` of alerts (e.g. canhbao.danang.gov.vn); PUBLIC_BASE_URL's host name when empty.
        "CAP_SENDER": env("CAP_SENDER", ""),
        # The province's target share of feedback answered on time (0-1), drawn on the dashboard's ranking
        # and said by GET /reports/feedback (docs/reports.md).
        "REPORT_ON_TIME_TARGET": float(env("REPORT_ON_TIME_TARGET", "0.9")),
        # A claim group is due this many working days after it is first seen (docs/claims.md) …
        "CLAIM_DEADLINE_WORKING_DAYS": int(env("CLAIM_DEADLINE_WORKING_DAYS", "3")),
        # … and urgent (due 4 office hours later) when this many devices report it within CLAIM_URGENT_HOURS.
        "CLAIM_URGENT_DEVICES": int(env("CLAIM_URGENT_DEVICES", "5")),
        "CLAIM_URGENT_HOURS": float(env("CLAIM_URGENT_HOURS", "6")),
        # Scam-check shows how many distinct devices reported a value only from this many on (unverified).
        "SCAM_REPORT_THRESHOLD": int(env("SCAM_REPORT_THRESHOLD", "3")),
        # Sites whose pages belong to unrelated people, besides the public suffix list's private section
        # (github.io, blogspot.com…): a scam page on one of them does not make the whole site reported.
        "SCAM_SHARED_PLATFORMS": platforms(
            env("SCAM_SHARED_PLATFORMS", "sites.google.com,facebook.com,zalo.me")
        ),
    }
    return config


def flag(value: str) -> bool:
    return value.lower() in ("1", "true", "yes")


def hour_of_day(name: str, value: str) -> int:
    if not (value.strip().isdigit() and 0 <= int(value) <= 23):
        raise ConfigError(f"{name} must be an hour from 0 to 23 (Việt Nam time), not {value!r}.")
    return int(value)


def hours(name: str, value) -> tuple[int, int]:
    """ "06:00-22:00" (Việt Nam time; the end may be 24:00) as minutes of the day: (360, 1320)."""
    if not isinstance(value, str):
        return tuple(value)
    try:
        start, end = (int(h) * 60 + int(m) for h, m in (t.strip().split(":") for t in value.split("-")))
    except ValueError:
        start = end = -1
    if not 0 <= start < end <= 24 * 60:
        raise ConfigError(f"{name} must read like 06:00-22:00 (Việt Nam time), not {value!r}.")
    return start, end


def platforms(names: str) -> tuple[str, ...]:
    """Comma-separated host names, as scam-check compares them (lower case, without `www.`)."""
    return tuple(name.strip().lower().removeprefix("www.") for name in names.split(",") if name.strip())


def networks(name: str, value) -> tuple:
    """A comma-separated list of CIDR networks (a single address is its own network)."""
    if not isinstance(value, str):
        return tuple(value)
    try:
        return tuple(ipaddress.ip_network(item.strip()) for item in value.split(",") if item.strip())
    except ValueError as error:
        raise ConfigError(f"{name} must list networks such as 10.0.0.0/8,::1/128: {error}") from None


def complete(config: dict, instance_path: str) -> None:
    """Refuse to start in production without real settings, or with settings that make no sense; in
    development fill in what is missing."""
    if config["SCAM_REPORT_THRESHOLD"] < 1:
        raise ConfigError("SCAM_REPORT_THRESHOLD must be 1 or more.")
    if (
        config["CLAIM_DEADLINE_WORKING_DAYS"] < 1
        or config["CLAIM_URGENT_DEVICES"] < 1
        or config["CLAIM_URGENT_HOURS"] <= 0
    ):
        raise ConfigError(
            "CLAIM_DEADLINE_WORKING_DAYS and CLAIM_URGENT_DEVICES are 1 or more; CLAIM_URGENT_HOURS over 0."
        )
    if config["ZALO_MINIAPP_DAILY_LIMIT"] < 0 or not 0 <= config["ZALO_MINIAPP_AREA_SHARE"] <= 1:
        raise ConfigError("ZALO_MINIAPP_DAILY_LIMIT is 0 or more; ZALO_MINIAPP_AREA_SHARE from 0 to 1.")
    config["ZALO_MINIAPP_HOURS"] = hours("ZALO_MINIAPP_HOURS", config["ZALO_MINIAPP_HOURS"])
    if not 0 < config["REPORT_ON_TIME_TARGET"] <= 1:
        raise ConfigError("REPORT_ON_TIME_TARGET is a share: more than 0, at most 1 (0.9 for 90 %).")
    if config["APP_ENV"] == "production":
        if len(config["SECRET_KEY"]) < 32:
            raise ConfigError("APP_ENV=production needs SECRET_KEY set to a random value of 32+ characters.")
        if not config["PUBLIC_BASE_URL"]:
            raise ConfigError("APP_ENV=production needs PUBLIC_BASE_URL, e.g. https://api.danang.gov.vn.")
        if "*" in config["CORS_ORIGINS"]:
            raise ConfigError("APP_ENV=production refuses CORS_ORIGINS=*; list the mini app's origins.")
    for name in (f"RATE_LIMIT_{limit}" for limit in RATE_LIMITS):
        try:
            parse_many(config[name])
        except ValueError:
            example = "'10 per minute;100 per hour'"
            raise ConfigError(f"{name} must read like {example}, not {config[name]!r}.") from None
    if config.get("RATELIMIT_STORAGE_URI", "").split(":", 1)[0] in ("redis", "rediss", "redis+unix"):
        # redis-py waits for ever by default: a Redis that hangs would hang every limited request.
        timeout = config.get("RATELIMIT_STORAGE_TIMEOUT", 0.5)
        config.setdefault(
            "RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": timeout, "socket_timeout": timeout}
        )
    config["LOG_FORMAT"] = config["LOG_FORMAT"] or ("json" if config["APP_ENV"] == "production" else "text")
    if config["LOG_FORMAT"] not in ("json", "text"):
        raise ConfigError(f"LOG_FORMAT must be json or text, not {config['LOG_FORMAT']!r}.")
    config["METRICS_ALLOW"] = networks("METRICS_ALLOW", config["METRICS_ALLOW"])
    allow_http = config.get("WEBHOOK_ALLOW_HTTP", "")
    if isinstance(allow_http, str):
        config["WEBHOOK_ALLOW_HTTP"] = flag(allow_http) if allow_http else config["APP_ENV"] == "development"
    config["SECRET_KEY"] = config["SECRET_KEY"] or _development_secret_key(instance_path)
    config["PUBLIC_BASE_URL"] = _base_url(
        config["PUBLIC_BASE_URL"] or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
    )


def _base_url(value: str) -> str:
    try:
        url = URL(value)
        valid = url.scheme in ("http", "https") and url.host and not (url.query_string or url.fragment)
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(f"PUBLIC_BASE_URL must be an http(s) URL without query or fragment, not {value!r}.")
    return str(url).rstrip("/")


def _development_secret_key(instance_path: str) -> str:
    """A random key made on first start and kept in instance/secret_key (git-ignored, owner-only), so
    development tokens survive restarts and nobody else's key signs them."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        descriptor, draft = tempfile.mkstemp(dir=instance_path)  # mode 0600
        with open(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)  # atomic and never overwrites: processes starting together share one key
            log.warning("Generated a development SECRET_KEY in %s (set SECRET_KEY to use another).", path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    with open(path) as file:
        key = file.read().strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable key; delete it to make a new one, or set SECRET_KEY.")
    return key
