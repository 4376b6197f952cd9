"""The outbox worker as this app runs it: its channels, its chores and its settings.

`flask --app wsgi worker` (alias `push-worker`) calls `from_config`; tests build the same worker with
their own channels (a real firebase-admin backend pointed at the fake FCM server). Adding a channel
is one line in `channels()`.
"""

import functools
import logging
import threading
import time
from datetime import timedelta

from api import metrics
from services.feedback import workflow
from services.outbox.channels.base import Channel
from services.outbox.channels.email import EmailChannel
from services.outbox.channels.fcm import FcmChannel
from services.outbox.channels.fcm import from_config as fcm_backend
from services.outbox.channels.sms import SmsSettings
from services.outbox.channels.sms import make_channel as make_sms_channel
from services.outbox.channels.zalo import MiniAppChannel, ZnsChannel
from services.outbox.channels.zalo_api import ZaloClient, ZaloSettings
from services.outbox.worker import Chore, Settings, Worker
from services.privacy import breaches, retention
from services.publishing import bulletins
from services.push import topic_sync
from services.sms import inbound
from services.staff_mail import digest
from services.webhooks import wiring
from services.zalo.oa_tokens import OaTokens

OVERDUE_EVERY = 60.0  # seconds between passes looking for feedback past its deadline
BULLETINS_EVERY = 60.0  # seconds between passes making the morning's bulletins
DIGEST_EVERY = 60.0  # seconds between looks at whether today's staff digest is due
BREACHES_EVERY = 60.0  # seconds between looks for a breach whose next 72-hour reminder is due
RETENTION_EVERY = 24 * 3600.0  # the retention schedule is applied once a day (and at start)

log = logging.getLogger("citizen.outbox")


def subscribers(config) -> None:
    """Register the `@events.subscriber`s and `outbox.route`s: citizen pushes, staff e-mail, and
    webhooks with the app's failure rule."""
    import services.push.subscriber  # noqa: F401
    import services.staff_mail  # noqa: F401

    wiring.install(config)


def channels(config: dict, sessions=None) -> dict[str, Channel]:
    """Every channel this configuration sends on; Zalo's only when the province set Zalo up. `sessions`,
    a sessionmaker of the channels' own, keeps what they record outside a send's transaction: the ZNS
    OA token (services/zalo/oa_tokens.py), SMS receipts and texts from phones (services/sms/inbound.py);
    without it there is no ZNS and no SMS channel."""
    fcm = FcmChannel(fcm_backend(config))
    webhook = wiring.channel(config)
    email = EmailChannel(config["SMTP_URL"], config["MAIL_FROM"], timeout=config["SMTP_TIMEOUT"])
    found = [fcm, webhook, email]
    zalo_settings = ZaloSettings.from_config(config)
    if zalo_settings is not None:
        client = ZaloClient(zalo_settings)
        if zalo_settings.miniapp_id and zalo_settings.miniapp_api_key:
            found.append(MiniAppChannel(client, config["ZALO_MINIAPP_HOURS"]))
        if zalo_settings.oa_id and sessions is not None:
            found.append(ZnsChannel(client, OaTokens(sessions, client, zalo_settings.oa_id)))
    if sessions is not None:
        found.append(make_sms_channel(SmsSettings.from_config(config), *inbound.callbacks(sessions)))
    return {channel.name: channel for channel in found}


def settings(config: dict) -> Settings:
    return Settings(
        lease=timedelta(seconds=config["PUSH_LEASE_SECONDS"]),
        max_attempts=config["PUSH_MAX_ATTEMPTS"],
        poll_interval=config["PUSH_POLL_INTERVAL"],
        backoff_base=config["PUSH_BACKOFF_SECONDS"],
    )


def make(
    sessions,
    channels: dict[str, Channel],
    settings: Settings | None = None,
    worker_id=None,
    *,
    digest_hour: int | None = None,
    bulletin_hour: int | None = None,
    retention_schedule: retention.Schedule | None = None,
) -> Worker:
    """A worker with the chores its channels need: FCM topic subscriptions, overdue feedback, and with
    e-mail and a `digest_hour` (Việt Nam time) the staff digest on working days; with e-mail the
    breach register's reminders; with a `retention_schedule` its daily pass."""
    chores: list[Chore] = [every(OVERDUE_EVERY, workflow.announce_overdue)]
    if retention_schedule is not None:
        chores.append(every(RETENTION_EVERY, functools.partial(_retention, schedule=retention_schedule)))
    if bulletin_hour is not None:
        morning = functools.partial(bulletins.prepare_morning, hour=bulletin_hour)
        chores.append(every(BULLETINS_EVERY, aside(morning, sessions)))
    if "email" in channels and digest_hour is not None:
        chores.append(every(DIGEST_EVERY, functools.partial(digest.send, hour=digest_hour)))
    if "email" in channels:
        chores.append(every(BREACHES_EVERY, breaches.remind))
    if "fcm" in channels:
        fcm = channels["fcm"]
        chores[:0] = [
            functools.partial(topic_sync.retire_tokens, channel=fcm),
            functools.partial(topic_sync.sync_topics, channel=fcm),
        ]
    return Worker(
        sessions, channels, settings, worker_id, chores=tuple(chores), observers=(metrics.count_delivery,)
    )


def from_config(database, config: dict) -> Worker:
    """The worker of `flask --app wsgi worker`, on the app's Database."""
    return make(
        database.session,
        channels(config, database.sessions),
        settings(config),
        digest_hour=config["MAIL_DIGEST_HOUR"],
        bulletin_hour=config["BULLETIN_HOUR"],
        retention_schedule=retention.Schedule.from_config(config),
    )


def _retention(db, schedule: retention.Schedule) -> int:
    """The retention pass as a chore: the count of items removed."""
    return sum(retention.run(db, schedule).values())


def aside(chore: Chore, sessions) -> Chore:
    """`chore` on a thread of its own, in a session of its own, so no delivery waits for it: a pass of
    morning bulletins is half a minute of speech synthesis, and an alert must not queue behind it. A
    pass starts only once the one before has ended; the delivery loop counts it as nothing done."""
    idle = threading.Lock()

    def run() -> None:
        db = sessions()
        try:
            chore(db)
        except Exception:
            log.exception("worker chore %s failed; it runs again at its next pass", _name(chore))
        finally:
            db.close()  # rolls back whatever the chore left uncommitted
            idle.release()

    def start(db) -> int:
        if idle.acquire(blocking=False):
            threading.Thread(target=run, name=f"chore-{_name(chore)}", daemon=True).start()
        return 0

    return start


def _name(chore: Chore) -> str:
    return getattr(chore, "func", chore).__name__


def every(seconds: float, chore: Chore) -> Chore:
    """`chore`, run at most once per `seconds` (the first call runs it)."""
    last = [float("-inf")]

    def throttled(db) -> int:
        if time.monotonic() - last[0] < seconds:
            return 0
        last[0] = time.monotonic()
        return chore(db)

    return throttled
