"""The services' and schemas' field messages (English, for API clients) as the console shows them: next
to their form field, in the page's language.

A message is matched whole or by its start; one not known here is shown with its English reason rather
than lost."""

import re

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from services.core.text import UNSTORABLE_MESSAGE

_WHOLE = {
    "Missing data for required field.": _l("Fill in this field."),
    "Field may not be null.": _l("Fill in this field."),
    "Not a valid datetime.": _l("Not a valid date and time."),
    "Not a valid integer.": _l("Pick from the list."),
    "Not a valid UUID.": _l("Pick from the list."),
    "Must be in the future.": _l("Must be in the future."),
    "Must be after publish_at.": _l("Must be after the publication time."),
    "Only policies go to consultation.": _l("Only a draft policy goes to consultation."),
    "Set a closing time after publication, in the future.": _l("Set a closing date in the future."),
    "A consultation in progress needs its closing time.": _l(
        "A consultation in progress needs its closing date."
    ),
    "Give national: true or at least one province or ward code.": _l(
        "Pick the whole province or at least one commune."
    ),
    "Say why the comment is hidden.": _l("Say why the comment is hidden."),
    "The file is empty.": _l("The file is empty."),
    "Larger than 10 MB.": _l("The file is larger than 10 MB."),
    "Send a JPEG, PNG or WebP photo or a PDF.": _l("Send a PDF document (or a JPEG, PNG or WebP photo)."),
    UNSTORABLE_MESSAGE: _l("Contains a character that is not text."),
    # Accounts, API keys and webhooks (api/console/admin_*.py)
    "Not a valid email address.": _l("Not a valid e-mail address."),
    "An admin acts for every department and belongs to none.": _l(
        "An administrator belongs to no department: leave it empty."
    ),
    "No such department.": _l("Pick a department from the list."),
    "Admins cannot deactivate or demote themselves.": _l(
        "Administrators cannot deactivate or demote themselves."
    ),
    "Not an http(s) URL with a host.": _l("Give an address starting with https:// and a host name."),
    "Webhooks are sent over https only.": _l("Webhooks are sent over https only."),
    "Put no user name or password in the URL; deliveries are signed.": _l(
        "Put no user name or password in the address; deliveries are signed."
    ),
}
_START = {
    "Must be one of": _l("Pick one of the choices."),
    "Must be at most": _l("Too far in the future."),
    "Longer than": _l("Too long."),
    "No active notice category": _l("Pick a category from the list."),
    "Beyond your department's reach": _l("Outside your department's province."),
    "Unknown province codes": _l("Pick from the list."),
    "Unknown ward codes": _l("Pick from the list."),
    "Wards ": _l("Some communes are not in the chosen province."),
    "Not an upload of yours": _l("This document cannot be attached here."),
    "The PDF contains": _l("This PDF holds scripts, actions or attached files: print it to PDF again."),
    "The PDF cannot be read": _l("This PDF cannot be read; it may be damaged or password-protected."),
    "Too complex to check": _l("This PDF is too complex to check: print it to PDF again, or split it."),
    "A user with email": _l("This e-mail already has an account."),
    "Role ": _l("Pick the department this person works for."),
    "At most 20 webhooks": _l("A department has at most 20 webhooks: delete one first."),
}
_LENGTH = re.compile(r"Length must be between (\d+) and (\d+)\.|Shorter than minimum length (\d+)\.")


def translated(message: str) -> str:
    if message in _WHOLE:
        return str(_WHOLE[message])
    if found := _LENGTH.fullmatch(message):
        if found[2]:
            return gettext("Write between %(min)s and %(max)s characters.", min=found[1], max=found[2])
        return gettext("Fill in this field.")
    for start, text in _START.items():
        if message.startswith(start):
            return str(text)
    return gettext("Not accepted: %(reason)s", reason=message)


def by_field(errors: dict, fields: dict[str, str] | None = None) -> dict[str, list[str]]:
    """{form field: [translated messages]} from marshmallow-shaped `errors`; nested ones (targets'
    ward_codes, a list's items) go to their top-level field, renamed by `fields` where the form's differs."""
    shown: dict[str, list[str]] = {}
    for key, value in errors.items():
        field = (fields or {}).get(str(key), str(key))
        for message in _messages(value):
            text = translated(message)
            if text not in shown.setdefault(field, []):
                shown[field].append(text)
    return shown


def _messages(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [m for item in value.values() for m in _messages(item)]
    return [m for item in value for m in _messages(item)]
