"""Configuration from environment variables (12-factor); a `.env` file in the working directory counts too."""

import os

from dotenv import load_dotenv

DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key-change-me"


class ConfigError(RuntimeError):
    pass


def from_environment(instance_path: str) -> dict:
    load_dotenv(os.path.join(os.getcwd(), ".env"))
    env = os.environ.get
    config = {
        "APP_ENV": env("APP_ENV", "development"),
        "DATABASE_URL": env("DATABASE_URL") or f"sqlite:///{os.path.join(instance_path, 'citizen.db')}",
        "SECRET_KEY": env("SECRET_KEY", DEFAULT_SECRET_KEY),
        "JWT_TTL": int(env("JWT_TTL", "3600")),
        # JSON bodies; POST /api/v1/attachments raises it for itself to 10 MB.
        "MAX_CONTENT_LENGTH": int(env("MAX_CONTENT_LENGTH", str(1024 * 1024))),
        "ATTACHMENTS_DIR": env("ATTACHMENTS_DIR") or os.path.join(instance_path, "attachments"),
        # Uploads answer 507 rather than leave less free space than this under ATTACHMENTS_DIR.
        "ATTACHMENTS_MIN_FREE_MB": int(env("ATTACHMENTS_MIN_FREE_MB", "512")),
        "CORS_ORIGINS": [o.strip() for o in env("CORS_ORIGINS", "").split(",") if o.strip()],
        "DB_POOL_SIZE": int(env("DB_POOL_SIZE", "5")),
        # Bounds on waiting for PostgreSQL, so a request fails with 503 instead of hanging when it is down
        # or stuck: seconds to open a connection, seconds to wait for a free pooled one, and
        # milliseconds a statement may run (0: no limit).
        "DB_CONNECT_TIMEOUT": int(env("DB_CONNECT_TIMEOUT", "5")),
        "DB_POOL_TIMEOUT": float(env("DB_POOL_TIMEOUT", "10")),
        "DB_STATEMENT_TIMEOUT": int(env("DB_STATEMENT_TIMEOUT", "15000")),
        "TRUSTED_PROXIES": int(env("TRUSTED_PROXIES", "0")),
        # Anonymous home-feed answers are kept this long per place and language (0: off); the feed is
        # the hottest endpoint and public caches may keep it 30 s anyway.
        "FEED_CACHE_SECONDS": float(env("FEED_CACHE_SECONDS", "5")),
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env("RATELIMIT_ENABLED", "true").lower() in ("1", "true", "yes"),
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
        # CAP 1.2 `sender` of alerts (e.g. canhbao.danang.gov.vn); the API's host name when empty.
        "CAP_SENDER": env("CAP_SENDER", ""),
    }
    return config


def check(config: dict) -> None:
    """Refuse to start in production with development defaults."""
    if config["APP_ENV"] == "production":
        if config["SECRET_KEY"] == DEFAULT_SECRET_KEY or len(config["SECRET_KEY"]) < 32:
            raise ConfigError("APP_ENV=production needs SECRET_KEY set to a random value of 32+ characters.")
        if "*" in config["CORS_ORIGINS"]:
            raise ConfigError("APP_ENV=production refuses CORS_ORIGINS=*; list the mini app's origins.")
