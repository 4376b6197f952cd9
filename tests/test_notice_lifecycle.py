"""Every move of the notice life cycle, written out: each stage's allowed moves succeed and leave the
notice in the new stage; every other move (a policy from consultation straight to in_effect among them)
is a 409 naming the allowed ones, and the stage stays."""

import pytest

from tests.conftest import assert_problem
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import NOTICES

POLICY_STAGES = ["draft", "consultation", "adopted", "in_effect", "archived"]
ANNOUNCEMENT_STAGES = ["draft", "published", "archived"]
POLICY_ALLOWED = {
    "draft": ["consultation"],
    "consultation": ["adopted", "archived"],
    "adopted": ["in_effect", "archived"],
    "in_effect": ["archived"],
    "archived": [],
}
ANNOUNCEMENT_ALLOWED = {"draft": ["published"], "published": ["archived"], "archived": []}
# The moves that bring a new draft to each stage.
POLICY_PATH = {
    "draft": [],
    "consultation": ["consultation"],
    "adopted": ["consultation", "adopted"],
    "in_effect": ["consultation", "adopted", "in_effect"],
    "archived": ["consultation", "archived"],
}
ANNOUNCEMENT_PATH = {"draft": [], "published": ["published"], "archived": ["published", "archived"]}

CASES = [
    ("policy", stage, to, to in POLICY_ALLOWED[stage])
    for stage in POLICY_STAGES
    for to in POLICY_STAGES + ["published"]
    if to != stage
] + [
    (kind, stage, to, to in ANNOUNCEMENT_ALLOWED[stage])
    for kind in ("announcement", "correction")
    for stage in ANNOUNCEMENT_STAGES
    for to in ANNOUNCEMENT_STAGES + ["consultation", "adopted", "in_effect"]
    if to != stage
]


def created(write, kind):
    if kind == "policy":
        return write()
    extra = {"claim_url": "https://example.org/tin-gia"} if kind == "correction" else {}
    return write(kind=kind, consultation_closes_at=None, **extra)


@pytest.mark.parametrize(("kind", "stage", "to", "allowed"), CASES)
def test_each_move_of_the_life_cycle(staff, write, move, kind, stage, to, allowed):
    path = (POLICY_PATH if kind == "policy" else ANNOUNCEMENT_PATH)[stage]
    notice = move(created(write, kind), *path)
    assert notice["stage"] == stage

    response = staff["editor_a"].post(f"{NOTICES}/{notice['id']}/transitions", json={"to": to})

    if allowed:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["stage"] == to
    else:
        expected = (POLICY_ALLOWED if kind == "policy" else ANNOUNCEMENT_ALLOWED)[stage]
        assert assert_problem(response, 409, "invalid_transition")["allowed"] == expected
    assert staff["editor_a"].get(f"{NOTICES}/{notice['id']}").get_json()["stage"] == (
        to if allowed else stage
    )
