"""Settings checked at start-up: production refuses to start without its secrets and public URL;
development makes a private SECRET_KEY of its own instead of sharing a public one."""

import os
import re
import stat

import pytest

from api.config import ConfigError, complete, from_environment
from api.limits import RATE_LIMITS

REAL_SECRET = "a-real-secret-with-more-than-32-characters"


def settings(**overrides) -> dict:
    return {
        "APP_ENV": "development",
        "SECRET_KEY": "",
        "PUBLIC_BASE_URL": "",
        "CORS_ORIGINS": [],
        "SCAM_REPORT_THRESHOLD": 3,
        "REPORT_ON_TIME_TARGET": 0.9,
        "CLAIM_DEADLINE_WORKING_DAYS": 3,
        "CLAIM_URGENT_DEVICES": 5,
        "CLAIM_URGENT_HOURS": 6.0,
        "LOG_FORMAT": "",
        "METRICS_ALLOW": "127.0.0.0/8,::1/128",
        "ZALO_MINIAPP_DAILY_LIMIT": 1000,
        "ZALO_MINIAPP_AREA_SHARE": 0.5,
        "ZALO_MINIAPP_HOURS": "06:00-22:00",
        **{f"RATE_LIMIT_{name}": default for name, default in RATE_LIMITS.items()},
        **overrides,
    }


def test_development_makes_a_private_key_once_and_keeps_it(tmp_path, caplog):
    first = settings()
    complete(first, str(tmp_path))

    key_file = tmp_path / "secret_key"
    assert len(first["SECRET_KEY"]) >= 64
    assert key_file.read_text() == first["SECRET_KEY"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["secret_key"]
    assert f"Generated a development SECRET_KEY in {key_file}" in caplog.text

    again = settings()
    complete(again, str(tmp_path))
    assert again["SECRET_KEY"] == first["SECRET_KEY"]


def test_each_development_instance_has_its_own_key(tmp_path):
    """Not the key `make run` used to share with everyone, with which anyone could sign in as an admin."""
    keys = set()
    for name in ("one", "other"):
        (tmp_path / name).mkdir()
        config = settings()
        complete(config, str(tmp_path / name))
        keys.add(config["SECRET_KEY"])
    assert len(keys) == 2 and "dev-only-insecure-secret-key-change-me" not in keys


def test_a_damaged_key_file_stops_the_start(tmp_path):
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(ConfigError, match="holds no usable key"):
        complete(settings(), str(tmp_path))


def test_development_serves_on_127_0_0_1_at_port(monkeypatch, tmp_path):
    monkeypatch.setenv("PORT", "9000")
    config = settings(SECRET_KEY=REAL_SECRET)
    complete(config, str(tmp_path))
    assert config["PUBLIC_BASE_URL"] == "http://127.0.0.1:9000"

    monkeypatch.delenv("PORT")
    config = settings(SECRET_KEY=REAL_SECRET)
    complete(config, str(tmp_path))
    assert config["PUBLIC_BASE_URL"] == "http://127.0.0.1:8000"


def test_a_trailing_slash_is_dropped(tmp_path):
    config = settings(SECRET_KEY=REAL_SECRET, PUBLIC_BASE_URL="https://api.danang.gov.vn/citizen/")
    complete(config, str(tmp_path))
    assert config["PUBLIC_BASE_URL"] == "https://api.danang.gov.vn/citizen"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": ""}, "APP_ENV=production needs SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "APP_ENV=production needs SECRET_KEY"),
        ({"PUBLIC_BASE_URL": ""}, "APP_ENV=production needs PUBLIC_BASE_URL"),
        ({"CORS_ORIGINS": ["*"]}, "APP_ENV=production refuses CORS_ORIGINS=*"),
        ({"PUBLIC_BASE_URL": "api.danang.gov.vn"}, "PUBLIC_BASE_URL must be an http(s) URL"),
        ({"PUBLIC_BASE_URL": "ftp://api.danang.gov.vn"}, "PUBLIC_BASE_URL must be an http(s) URL"),
        ({"PUBLIC_BASE_URL": "https://api.danang.gov.vn/?x=1"}, "PUBLIC_BASE_URL must be an http(s) URL"),
        ({"PUBLIC_BASE_URL": "https://api.danang.gov.vn:99999"}, "PUBLIC_BASE_URL must be an http(s) URL"),
    ],
)
def test_production_refuses_to_start_without_real_settings(tmp_path, overrides, message):
    production = {
        "APP_ENV": "production",
        "SECRET_KEY": REAL_SECRET,
        "PUBLIC_BASE_URL": "https://api.danang.gov.vn",
    }
    config = settings(**{**production, **overrides})
    with pytest.raises(ConfigError, match=re.escape(message)):
        complete(config, str(tmp_path))
    assert os.listdir(tmp_path) == []  # no key made for production


def test_production_starts_with_them(tmp_path):
    config = settings(
        APP_ENV="production", SECRET_KEY=REAL_SECRET, PUBLIC_BASE_URL="https://api.danang.gov.vn"
    )
    complete(config, str(tmp_path))
    assert (config["SECRET_KEY"], config["PUBLIC_BASE_URL"]) == (REAL_SECRET, "https://api.danang.gov.vn")


@pytest.mark.parametrize(("app_env", "expected"), [("production", "json"), ("development", "text")])
def test_logs_are_json_in_production_and_text_in_development(tmp_path, app_env, expected):
    config = settings(APP_ENV=app_env, SECRET_KEY=REAL_SECRET, PUBLIC_BASE_URL="https://api.example.org")
    complete(config, str(tmp_path))
    assert config["LOG_FORMAT"] == expected


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("LOG_FORMAT", "xml"),
        ("METRICS_ALLOW", "10.0.0.0/8,intranet"),
        ("RATE_LIMIT_FEEDBACK_PER_IP", "sixty an hour"),
        ("REPORT_ON_TIME_TARGET", 90),  # a share, not per cent
        ("CLAIM_DEADLINE_WORKING_DAYS", 0),
        ("CLAIM_URGENT_HOURS", 0.0),
        ("ZALO_MINIAPP_AREA_SHARE", 50),  # a share, not per cent
        ("ZALO_MINIAPP_DAILY_LIMIT", -1),
        ("ZALO_MINIAPP_HOURS", "22:00-06:00"),  # Zalo's hours are one stretch of a day
        ("ZALO_MINIAPP_HOURS", "6-22"),
        ("ZALO_MINIAPP_HOURS", "06:00-24:30"),
    ],
)
def test_a_setting_that_makes_no_sense_stops_the_start(tmp_path, setting, value):
    with pytest.raises(ConfigError, match=setting):
        complete(settings(**{setting: value}), str(tmp_path))


@pytest.mark.parametrize(("hours", "minutes"), [("06:00-22:00", (360, 1320)), ("00:00 - 24:00", (0, 1440))])
def test_zalos_hours_are_read_as_minutes_of_the_day(tmp_path, hours, minutes):
    config = settings(ZALO_MINIAPP_HOURS=hours)
    complete(config, str(tmp_path))
    assert config["ZALO_MINIAPP_HOURS"] == minutes


@pytest.mark.parametrize("hour", ["-1", "24", "7am"])
def test_the_digest_hour_is_an_hour_of_the_day(tmp_path, monkeypatch, hour):
    monkeypatch.setenv("MAIL_DIGEST_HOUR", hour)
    with pytest.raises(ConfigError, match="MAIL_DIGEST_HOUR"):
        from_environment(str(tmp_path))


def test_a_redis_for_rate_limits_is_waited_for_at_most_its_timeout(tmp_path):
    shared = settings(RATELIMIT_STORAGE_URI="redis://10.0.0.5:6379/0", RATELIMIT_STORAGE_TIMEOUT=0.25)
    complete(shared, str(tmp_path))
    assert shared["RATELIMIT_STORAGE_OPTIONS"] == {"socket_connect_timeout": 0.25, "socket_timeout": 0.25}

    local = settings(RATELIMIT_STORAGE_URI="memory://")
    complete(local, str(tmp_path))
    assert "RATELIMIT_STORAGE_OPTIONS" not in local  # memory:// takes no socket options
