"""Rate limits counted in a real Redis (RATELIMIT_STORAGE_URI=redis://…): shared by every process that
names it, and failing open to per-process counts while Redis is down (api/limits.py says why)."""

import pytest

from api import limits
from tests.redis_server import redis_server  # noqa: F401 (the fixture)
from tests.reliability.harness import wait_until

CHECK = "/api/v1/scam-check?value=0912345678"


@pytest.fixture
def instances(make_app, redis_server):  # noqa: F811
    """Two apps counting in the same Redis, as two API instances do, its counts at zero."""
    if not redis_server.answers():  # a test that stopped it failed before starting it again
        redis_server.start()
    apps = [
        make_app(RATELIMIT_STORAGE_URI=redis_server.url, RATE_LIMIT_SCAM_CHECK="2 per minute")
        for _ in range(2)
    ]
    limits.reset(apps[0])
    return [app.test_client() for app in apps]


def test_instances_sharing_redis_share_each_limit(instances):
    one, other = instances
    assert [one.get(CHECK).status_code for _ in range(2)] == [200, 200]
    limited = other.get(CHECK)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_while_redis_is_down_each_instance_counts_for_itself_then_they_share_again(instances, redis_server):  # noqa: F811
    one, other = instances
    assert one.get(CHECK).status_code == 200
    redis_server.stop()

    # Nobody is refused because Redis is gone, and nobody escapes the limit either: each instance counts
    # its own requests (the count in Redis is lost to it meanwhile).
    assert [one.get(CHECK).status_code for _ in range(3)] == [200, 200, 429]
    assert [other.get(CHECK).status_code for _ in range(3)] == [200, 200, 429]

    redis_server.start()  # empty: the outage's counts were never written there
    # Each instance asks whether Redis is back after 1, 2, 4… s; until then it still says 429 here.
    wait_until(lambda: one.get(CHECK).status_code == 200, timeout=20, what="one instance counting in Redis")
    wait_until(lambda: other.get(CHECK).status_code == 200, timeout=20, what="the other counting in Redis")
    assert one.get(CHECK).status_code == 429  # the third request of the minute, counted by both
