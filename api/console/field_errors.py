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
    "Contains control characters.": _l("Contains a character that is not text."),
    "Empty value.": _l("Fill in this field."),
    "Not a valid URL.": _l("Give the https:// address of the official source."),
    "Not a valid phone number.": _l("Not a valid phone number."),
    "The account name is missing.": _l("The account name is missing."),
    "An account name has no spaces.": _l("An account name has no spaces."),
    "Not an e-mail address.": _l("Not an e-mail address."),
    # A feedback's actions (services/feedback/workflow.py, schemas.feedback.StatusChangeSchema).
    "Not an active officer or editor of the feedback's department.": _l(
        "Pick a colleague of the department."
    ),
    "No such active department.": _l("Pick the department that is responsible."),
    "The feedback is already with this department.": _l("The feedback is already with this department."),
    "Name the feedback this one duplicates.": _l("Give the tracking code of the feedback this one repeats."),
    "No such feedback in your department.": _l("No feedback with this tracking code in your department."),
    "This feedback cannot duplicate itself or one marked as its duplicate.": _l(
        "A feedback cannot repeat itself or one marked as repeating it."
    ),
    "Say whether the issue was resolved or unresolved.": _l("Say whether the issue was resolved."),
    "Say why it closes unresolved.": _l("Say why it closes unresolved."),
    "Closing as resolved requires an answer.": _l("Answer the citizen before closing as resolved."),
    "Each attachment must be an unused upload of yours.": _l("Upload the files again."),
    "Not a valid Vietnamese phone number.": _l("Not a valid Vietnamese phone number."),
    "Not a valid email address.": _l("Not a valid email address."),
    "2-32 upper-case letters, digits, - or _.": _l("Use 2 to 32 upper-case letters, digits, - or _."),
    "String does not match expected pattern.": _l("Not in the form the label asks for."),
    "Must be greater than or equal to 1 and less than or equal to 90.": _l("Must be between 1 and 90."),
    "An intake department belongs to a province: set province_code.": _l(
        "An intake department belongs to a province: pick one."
    ),
    # Claims and fact-checks (services/publishing/claims.py, fact_checks.py; api/console/claims.py)
    "The claim is already with this department.": _l("The claim is already with this department."),
    "A fact-checked claim stays with the department that checked it.": _l(
        "A fact-checked claim stays with the department that checked it."
    ),
    "This claim has a fact-check: change it with PATCH.": _l(
        "A colleague has just published a fact-check on this claim: reload the page to change it."
    ),
    "Route the claim to a department first.": _l("No department holds this claim yet."),
    "No such correction notice.": _l("Pick a correction notice from the list."),
    # The reports' period and department (the dashboard, services/reports/scope.py).
    "Not a valid date.": _l("Not a valid date."),
    "Must not be after `to`.": _l("The first day must not be after the last."),
    "No department with this code.": _l("Pick from the list."),
    # Accounts, API keys and webhooks (api/console/admin_*.py)
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
    # Feedback forms (schemas/forms.py, services/feedback/answers.definition_errors; forms_editor.py)
    "Not a valid number.": _l("Give a number."),
    "2-64 lower-case letters, digits or -.": _l("2 to 64 lower-case letters, digits or -."),
    "A form with this slug exists.": _l("Another form has this short name."),
    "options: a choice needs options.": _l("A choice question needs at least one option."),
    "options: only choice fields have options.": _l("Only choice questions have options."),
    "options: values must differ.": _l("Two options have the same value."),
    "min is above max.": _l("The least is above the most."),
    # Bulletins and SMS subscriptions (services/publishing/bulletins.py, services/sms/subscriptions.py)
    "No such commune.": _l("Pick a commune from the list."),
    "At most 7 days ahead.": _l("A bulletin is made at most 7 days ahead."),
    "Record a subscription only after the citizen agreed to it.": _l(
        "Tick this once the citizen has agreed: only then is the number recorded."
    ),
}
_START = {
    "Give a reason: one of": _l("Pick a reason."),
    "Must be one of": _l("Pick one of the choices."),
    "Must be at most": _l("Too far in the future."),
    "Longer than": _l("Too long."),
    "No active notice category": _l("Pick a category from the list."),
    "Beyond your department's reach": _l("Outside your department's province."),
    "Unknown province codes": _l("Pick from the list."),
    "Unknown ward codes": _l("Pick from the list."),
    "Wards ": _l("Some communes are not in the chosen province."),
    "Department code ": _l("This code is taken."),
    "Category ": _l("This code is taken."),
    "Not an upload of yours": _l("This document cannot be attached here."),
    "The PDF contains": _l("This PDF holds scripts, actions or attached files: print it to PDF again."),
    "The PDF cannot be read": _l("This PDF cannot be read; it may be damaged or password-protected."),
    "Too complex to check": _l("This PDF is too complex to check: print it to PDF again, or split it."),
    "Already past: ": _l("The expiry has passed: set a later one before publishing."),
    "Must be an https:// address": _l("Give the https:// address of the official source."),
    "Not a web address": _l("Not a web address (something like example.com/path)."),
    "Not a domain name": _l("Not a domain name (something like example.com.vn)."),
    "Give the bank and the account number": _l("Give the bank and the number, e.g. VCB 0011 0023 45678."),
    "Give a profile link or network:handle": _l("Give a profile link, or network:name (zalo:0912345678)."),
    "Contains a character that is not text": _l("Contains a character that is not text."),
    "On the allow-list": _l("A known-legitimate value (on the allow-list): only an admin may name it."),
    "Give either national or lists of places": _l("The whole country, or some places: not both."),
    "A report covers at most": _l("A report covers at most two years."),
    "Must be greater than or equal to": _l("Pick a day between 2000 and 2100."),
    "A user with email": _l("This e-mail already has an account."),
    "Role ": _l("Pick the department this person works for."),
    "At most 20 webhooks": _l("A department has at most 20 webhooks: delete one first."),
    "No active feedback category": _l("Pick a category from the list."),
    "name: lower-case": _l("Lower-case letters, digits and _, starting with a letter."),
    "name: ": _l("Another question has this key."),  # "name: where is used twice."
    # Zalo templates (services/zalo/templates.put; api/console/admin_zalo.py)
    "Unknown fields ": _l("A parameter takes a field this message does not have: pick one from its list."),
}
_LENGTH = re.compile(
    r"Length must be between (?P<min>\d+) and (?P<max>\d+)\."
    r"|Shorter than minimum length (?P<least>\d+)\.|Longer than maximum length (?P<most>\d+)\."
)

# services/directory/departments: a second intake department for a province names the first.
_INTAKE_TAKEN = re.compile(r"Province \d+ already has intake department (?P<code>\S+); .*")


def translated(message: str) -> str:
    if message in _WHOLE:
        return str(_WHOLE[message])
    if found := _INTAKE_TAKEN.fullmatch(message):
        return gettext(
            "%(code)s is the province's intake department: untick it there first.", code=found["code"]
        )
    if found := _LENGTH.fullmatch(message):
        if found["most"]:
            return gettext("At most %(max)s characters.", max=found["most"])
        if found["max"] and found["min"] == "1":
            return gettext("Required, at most %(max)s characters.", max=found["max"])
        if found["max"]:
            return gettext(
                "Write between %(min)s and %(max)s characters.", min=found["min"], max=found["max"]
            )
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
        for message in messages(value):
            text = translated(message)
            if text not in shown.setdefault(field, []):
                shown[field].append(text)
    return shown


def messages(value) -> list[str]:
    """Every message in a marshmallow-shaped value (a message, a list, nested dicts)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [m for item in value.values() for m in messages(item)]
    return [m for item in value for m in messages(item)]
