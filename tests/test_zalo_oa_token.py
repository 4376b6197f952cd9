"""The Official Account's token pair kept in the database (services/zalo/oa_tokens.py) by workers that
each have their own connection, as `flask --app wsgi worker` processes do: an expired token met by two
workers at once is refreshed once, and the rotated refresh token is the one kept."""

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from services.core.db import make_engine, utcnow
from services.models import ZaloOaToken
from services.outbox.channels.base import Outgoing
from services.outbox.channels.zalo import ZnsChannel
from services.outbox.channels.zalo_api import ZaloClient
from services.zalo import oa_tokens
from tests.reliability.harness import scratch_database


@pytest.fixture
def sessions(database_url):
    with scratch_database(database_url, "citizen_zalo_oa") as url:
        engine = make_engine(url)
        yield sessionmaker(bind=engine, expire_on_commit=False)
        engine.dispose()


@pytest.fixture
def fake(fake_zalo):
    fake_zalo.reset()
    fake_zalo.oa_tokens("oa-access-0", "oa-refresh-0")
    yield fake_zalo
    fake_zalo.reset()


def worker(fake, sessions) -> ZnsChannel:
    """One worker's ZNS channel: its own Zalo client, its own database sessions."""
    client = ZaloClient(fake.settings(timeout=5))
    return ZnsChannel(client, oa_tokens.OaTokens(sessions, client, fake.oa_id))


def message() -> Outgoing:
    payload = {"template_id": "4201", "template_data": {"ma_phan_anh": "PA-2612-7QK3M9"}}
    return Outgoing(uuid.uuid4(), "zns", f"citizen:{uuid.uuid4()}", payload, 0, {"phone": "84912345678"})


def test_two_workers_meeting_an_expired_token_refresh_it_once_and_keep_the_rotated_refresh_token(
    fake, sessions
):
    with sessions() as db:
        oa_tokens.store(db, ZaloClient(fake.settings()), fake.oa_id, "oa-refresh-0")
    refreshes = fake.refreshes
    fake.expire_oa_token()  # every ZNS send with the stored token now answers -216
    fake.slow("oa_token", seconds=0.5)  # the refresh takes long enough for both workers to meet it
    workers, results, start = [worker(fake, sessions) for _ in range(2)], [], threading.Barrier(2)

    def send(channel):
        start.wait()
        results.append(channel.send(message()))

    threads = [threading.Thread(target=send, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.kind for r in results] == ["sent", "sent"], results
    assert fake.refreshes == refreshes + 1
    with sessions() as db:
        kept = db.get(ZaloOaToken, fake.oa_id)
    assert kept.refresh_token == fake.oa_refresh_token  # the rotated one: the next refresh works
    assert len(fake.zns_sent()) == 2


def test_a_token_close_to_its_expiry_is_refreshed_before_sending(fake, sessions):
    with sessions() as db:
        oa_tokens.store(db, ZaloClient(fake.settings()), fake.oa_id, "oa-refresh-0")
        db.execute(update(ZaloOaToken).values(expires_at=utcnow() + timedelta(minutes=1)))
        db.commit()
    refreshes = fake.refreshes

    assert worker(fake, sessions).send(message()).kind == "sent"
    assert fake.refreshes == refreshes + 1
    with sessions() as db:
        assert db.get(ZaloOaToken, fake.oa_id).expires_at > utcnow() + timedelta(hours=1)


def test_without_a_stored_token_zns_waits_and_says_how_to_set_one(fake, sessions):
    result = worker(fake, sessions).send(message())
    assert result.kind == "retry" and "zalo-oa-token" in result.detail
