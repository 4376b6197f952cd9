"""Fixtures for the push tests: the fake FCM server, a real firebase-admin backend pointed at it,
and the outbox worker (with the FCM channel and its chores) working in the test's session.

Import the fixtures into a test module: `from tests.push_fixtures import *  # noqa: F403`.
"""

import socket
from datetime import timedelta

import google.oauth2.credentials
import pytest
from firebase_admin import credentials, messaging

from api import worker as outbox_worker
from services.outbox.channels.fcm import FcmBackend, FcmChannel
from services.outbox.worker import Settings
from tests.fake_fcm import FakeFcm

__all__ = [
    "PROJECT",
    "SETTINGS",
    "StaticCredential",
    "dispatcher",
    "fake_fcm",
    "fcm_backend",
    "make_fcm_backend",
    "make_worker",
    "no_google_traffic",
]

PROJECT = "demo-project"
# Small backoffs so a retried delivery is due again at once; max_attempts small enough to reach.
SETTINGS = Settings(lease=timedelta(seconds=60), max_attempts=3, backoff_base=0.01, backoff_max=0.05)


class _StaticToken(google.oauth2.credentials.Credentials):
    """An OAuth2 access token that never expires and "refreshes" without the network.

    google-auth refreshes credentials once when a response is 401 (FCM answers
    THIRD_PARTY_AUTH_ERROR with 401), so the token must survive a refresh.
    """

    def __init__(self):
        super().__init__(token="test-token")

    def refresh(self, request):
        self.token = "test-token"


class StaticCredential(credentials.Base):
    """A firebase-admin credential with a static token: no service account, no network."""

    def get_credential(self):
        return _StaticToken()


@pytest.fixture
def fake_fcm():
    fake = FakeFcm().start()
    yield fake
    fake.stop()


@pytest.fixture
def make_fcm_backend(fake_fcm):
    """make(credential=None, **options): an FcmBackend pointed at the fake, closed after the test."""
    made = []
    legacy_iid_url = messaging._MessagingService.IID_URL

    def make(credential=None, **options):
        backend = FcmBackend(credential or StaticCredential(), PROJECT, endpoint=fake_fcm.url, **options)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()
    messaging._MessagingService.IID_URL = legacy_iid_url


@pytest.fixture
def fcm_backend(make_fcm_backend):
    return make_fcm_backend()


def make_worker(database, backend, settings=SETTINGS, worker_id="test-worker"):
    """The outbox worker on the test's (scoped) session, its FCM channel on `backend`."""
    return outbox_worker.make(database.session, {"fcm": FcmChannel(backend)}, settings, worker_id)


@pytest.fixture
def dispatcher(database, fcm_backend):
    """The outbox worker on the test's (scoped) session, sending through real firebase-admin to the fake."""
    return make_worker(database, fcm_backend)


@pytest.fixture
def no_google_traffic(monkeypatch):
    """Refuse (and record) any name lookup of a Google host: nothing may leave for *.googleapis.com."""
    attempts = []
    lookup = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.endswith(("googleapis.com", "google.com")):
            attempts.append(name)
            raise OSError(f"test: no network to {name}")
        return lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    return attempts
