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
    # Feedback forms (schemas/forms.py, services/feedback/answers.definition_errors; forms_editor.py)
    "Not a valid number.": _l("Give a number."),
    "2-64 lower-case letters, digits or -.": _l("2 to 64 lower-case letters, digits or -."),
    "A form with this slug exists.": _l("Another form has this short name."),
    "options: a choice needs options.": _l("A choice question needs at least one option."),
    "options: only choice fields have options.": _l("Only choice questions have options."),
    "options: values must differ.": _l("Two options have the same value."),
    "min is above max.": _l("The least is above the most."),
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
    "No active feedback category": _l("Pick a category from the list."),
    "name: lower-case": _l("Lower-case letters, digits and _, starting with a letter."),
    "name: ": _l("Another question has this key."),  # "name: where is used twice."
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
