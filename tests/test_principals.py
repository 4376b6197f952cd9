"""Who may do what, as the policy says it: literal refusals, so a message cannot quietly go wrong."""

import pytest

from services.core.errors import Forbidden, Unauthorized
from services.identity import api_keys, policy
from services.identity.principals import ANONYMOUS, Caller, Principal
from services.models import User


def refusal(principal, action):
    with pytest.raises((Forbidden, Unauthorized)) as refused:
        policy.require(principal, action)
    return type(refused.value).__name__, refused.value.code, refused.value.detail


def test_an_api_key_without_the_scope_is_told_which():
    key = Principal(kind=Caller.API_KEY, scopes=frozenset({"alerts:read"}))
    assert refusal(key, "notices.read") == ("Forbidden", "missing_scope", "API key lacks scope notices:read.")
    policy.require(key, "alerts.read")  # holding it passes


def test_roles_are_named_once_and_admins_always_pass():
    device = Principal(kind=Caller.DEVICE)
    assert refusal(device, "users.manage") == ("Forbidden", "forbidden", "Staff sign-in required.")
    assert refusal(ANONYMOUS, "users.read") == ("Unauthorized", "unauthorized", "Authentication required")
    officer = Principal(kind=Caller.STAFF, user=User(role="officer"))
    assert refusal(officer, "notices.write") == ("Forbidden", "forbidden", "Requires role: admin, editor.")
    policy.require(Principal(kind=Caller.STAFF, user=User(role="admin")), "notices.write")


def test_only_a_device_may_act_as_a_citizen():
    assert refusal(ANONYMOUS, "feedback.mine") == (
        "Unauthorized",
        "unauthorized",
        "A device token is required.",
    )
    staff = Principal(kind=Caller.STAFF, user=User(role="admin"))
    assert refusal(staff, "feedback.mine") == ("Forbidden", "forbidden", "Only a citizen device may do this.")


def test_an_api_key_is_refused_where_no_scope_lets_it_in():
    key = Principal(kind=Caller.API_KEY, scopes=frozenset(api_keys.SCOPES))
    assert refusal(key, "users.read") == ("Forbidden", "forbidden", "Staff sign-in required.")
    assert refusal(key, "feedback.mine") == ("Forbidden", "forbidden", "Only a citizen device may do this.")


def test_the_system_may_do_everything():
    for action in policy.RULES:
        policy.require(Principal(kind=Caller.SYSTEM), action)
