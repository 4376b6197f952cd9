"""Who may do what, as the principals say it: literal refusals, so a message cannot quietly go wrong."""

import pytest

from services.core.errors import Forbidden, Unauthorized
from services.identity.principals import ANONYMOUS, Principal


def refusal(check):
    with pytest.raises((Forbidden, Unauthorized)) as refused:
        check()
    return type(refused.value).__name__, refused.value.code, refused.value.detail


def test_an_api_key_without_the_scope_is_told_which():
    key = Principal(kind="api_key", scopes=frozenset({"alerts:read"}))
    assert refusal(lambda: key.require_staff_or_scope("notices:read")) == (
        "Forbidden",
        "missing_scope",
        "API key lacks scope notices:read.",
    )
    key.require_staff_or_scope("alerts:read")  # holding it passes


def test_roles_are_named_once_and_admins_always_pass():
    device = Principal(kind="device")
    assert refusal(device.require_admin) == ("Forbidden", "forbidden", "Staff sign-in required.")
    assert refusal(ANONYMOUS.require_staff) == ("Unauthorized", "unauthorized", "Authentication required")
    assert refusal(lambda: Principal(kind="staff").require_staff("editor")) == (
        "Forbidden",
        "forbidden",
        "Requires role: admin, editor.",
    )


def test_only_a_device_may_act_as_a_citizen():
    assert refusal(ANONYMOUS.require_device) == (
        "Unauthorized",
        "unauthorized",
        "A device token is required.",
    )
    staff = Principal(kind="staff")
    assert refusal(staff.require_device) == ("Forbidden", "forbidden", "Only a citizen device may do this.")
