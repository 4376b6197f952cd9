"""The alert form's fields and words: what an editor typed, turned into the body the API's schema
(schemas/alerts.AlertSchema) loads, and back; the CAP values in plain words; and the schema's and the
services' field messages in the editor's language, next to the fields they are about."""

import re
from datetime import datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from services.core.deadlines import LOCAL
from services.models import Alert

CATEGORY_NAMES = {
    "scam": _l("Scam"),
    "misinformation": _l("Misinformation"),
    "safety": _l("Public safety"),
    "health": _l("Health"),
    "disaster": _l("Natural disaster"),
    "other": _l("Other"),
}
SEVERITY_NAMES = {
    "extreme": _l("Extreme: threat to life"),
    "severe": _l("Severe: serious harm"),
    "moderate": _l("Moderate: possible harm"),
    "minor": _l("Minor: little harm"),
}
URGENCY_NAMES = {
    "immediate": _l("Immediate: act now"),
    "expected": _l("Expected: act within the hour"),
    "future": _l("Future: act in the near future"),
    "past": _l("Past: no action needed any more"),
    "unknown": _l("Unknown"),
}
CERTAINTY_NAMES = {
    "observed": _l("Observed: it is happening"),
    "likely": _l("Likely: more likely than not"),
    "possible": _l("Possible: could happen"),
    "unlikely": _l("Unlikely"),
    "unknown": _l("Unknown"),
}
INDICATOR_NAMES = {
    "phone": _l("Phone number"),
    "url": _l("Link"),
    "domain": _l("Website (domain)"),
    "bank_account": _l("Bank account"),
    "social_account": _l("Social network account"),
    "email": _l("E-mail address"),
}
TEXT_FIELDS = ("category", "headline", "description", "instruction", "severity", "urgency", "certainty")
ENGLISH = ("headline", "description", "instruction")

# The schema's and the services' messages (English, for API clients) as the editor reads them.
MESSAGES = [
    (r"Missing data for required field\.|Shorter than minimum length 1\.", _l("This field is required.")),
    (r"Length must be between 1 and (?P<max>\d+)\.", _l("Required, at most %(max)s characters.")),
    (r"Longer than maximum length (?P<max>\d+)\.", _l("At most %(max)s characters.")),
    (r"Must be one of: .*", _l("Pick one of the choices.")),
    (r"Not a valid datetime\.", _l("Give a date and a time.")),
    (r"Must be in the future\.", _l("Must be in the future.")),
    (r"Must be at most .* from now\.", _l("At most a year from now.")),
    (r"Already past: .*", _l("The expiry has passed: set a later one before publishing.")),
    (
        r"Must be an https:// address .*|Not a valid URL\.",
        _l("Give the https:// address of the official source."),
    ),
    (r"Not a valid phone number\.", _l("Not a valid phone number.")),
    (r"Not a web address .*", _l("Not a web address (something like example.com/path).")),
    (r"Not a domain name .*", _l("Not a domain name (something like example.com.vn).")),
    (
        r"Give the bank and the account number.*",
        _l("Give the bank and the number, e.g. VCB 0011 0023 45678."),
    ),
    (
        r"Give a profile link or network:handle.*",
        _l("Give a profile link, or network:name (zalo:0912345678)."),
    ),
    (r"The account name is missing\.", _l("The account name is missing.")),
    (r"An account name has no spaces\.", _l("An account name has no spaces.")),
    (r"Not an e-mail address\.", _l("Not an e-mail address.")),
    (r"Empty value\.", _l("This field is required.")),
    (
        r"Contains control characters\.|Contains a character that is not text.*",
        _l("Contains characters that cannot be stored."),
    ),
    (r"On the allow-list .*", _l("A known-legitimate value (on the allow-list): only an admin may name it.")),
    (r"Give national: true or at least one .*", _l("Pick at least one province or commune.")),
    (
        r"Give either national or lists of places.*",
        _l("The whole country, or some places: not both."),
    ),
    (r"Beyond your department's reach.*", _l("Beyond your department's province: ask an admin.")),
]
MESSAGES = [(re.compile(pattern), text) for pattern, text in MESSAGES]


def translated(message: str) -> str:
    for pattern, text in MESSAGES:
        if match := pattern.fullmatch(message):
            return str(text) % match.groupdict() if match.groupdict() else str(text)
    return gettext("This value is not valid.")


def field_errors(errors: dict) -> dict[str, list[str]]:
    """marshmallow-shaped errors ({field: [messages] or nested}) keyed by the form's fields: an
    indicator's by its row (`indicator-2`), an English text's as `en_headline`, targets as one."""
    shown: dict[str, list[str]] = {}

    def add(key, messages):
        shown.setdefault(key, []).extend(translated(m) for m in _messages(messages))

    for field, messages in errors.items():
        if field == "indicators" and isinstance(messages, dict):
            for index, row in messages.items():
                add(f"indicator-{index}", row)
        elif field == "translations" and isinstance(messages, dict):
            for text in messages.values():
                for key, inner in (text.get("value", text) if isinstance(text, dict) else {}).items():
                    add(f"en_{key}", inner)
        elif field in (*TEXT_FIELDS, "source_url", "expires_at", "indicators", "targets"):
            add(field, messages)
        else:
            add("form", messages)
    return shown


def _messages(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [m for inner in value.values() for m in _messages(inner)]
    return [m for inner in value for m in _messages(inner)]


# ---------------------------------------------------------------- the form's values


def from_form(form: MultiDict) -> dict:
    """What the editor typed, as the form shows it again."""
    values = {key: form.get(key, "").strip() for key in (*TEXT_FIELDS, "source_url", "expires_at")}
    values["national"] = form.get("national") == "on"
    values["province_codes"] = {int(c) for c in form.getlist("province_codes") if c.isdigit()}
    values["ward_codes"] = {int(c) for c in form.getlist("ward_codes") if c.isdigit()}
    for key in ENGLISH:
        values[f"en_{key}"] = form.get(f"en_{key}", "").strip()
    rows = zip(
        form.getlist("indicator_type"),
        form.getlist("indicator_value"),
        form.getlist("indicator_note"),
        strict=False,
    )
    values["indicators"] = [
        {"type": type_, "value": value.strip(), "note": note.strip()}
        for type_, value, note in rows
        if value.strip() or note.strip()  # the empty row the page offers
    ]
    return values


def from_alert(alert: Alert) -> dict:
    values = {key: getattr(alert, key) or "" for key in (*TEXT_FIELDS, "source_url")}
    values["expires_at"] = f"{alert.expires_at.astimezone(LOCAL):%Y-%m-%dT%H:%M}"
    targets = alert.targets or {}
    values["national"] = bool(targets.get("national"))
    values["province_codes"] = set(targets.get("province_codes", ()))
    values["ward_codes"] = set(targets.get("ward_codes", ()))
    english = (alert.translations or {}).get("en", {})
    for key in ENGLISH:
        values[f"en_{key}"] = english.get(key) or ""
    values["indicators"] = [
        {"type": i.type, "value": i.value, "note": i.note or ""} for i in alert.indicators
    ]
    return values


def body(values: dict) -> dict:
    """The values as a JSON body of POST /api/v1/alerts, for its schema to load."""
    data = {key: values[key] for key in TEXT_FIELDS}
    data["source_url"] = values["source_url"] or None
    data["expires_at"] = _instant(values["expires_at"])
    data["targets"] = {
        "national": values["national"],
        "province_codes": sorted(values["province_codes"]),
        "ward_codes": sorted(values["ward_codes"]),
    }
    english = {key: values[f"en_{key}"] for key in ENGLISH if values[f"en_{key}"]}
    data["translations"] = {"en": {"headline": "", **english}} if english else {}
    data["indicators"] = [
        {"type": row["type"], "value": row["value"], "note": row["note"] or None}
        for row in values["indicators"]
    ]
    return data


def _instant(local: str) -> str:
    """A datetime-local field is Việt Nam time; anything else goes to the schema as typed (its error)."""
    try:
        return datetime.fromisoformat(local).replace(tzinfo=LOCAL).isoformat()
    except ValueError:
        return local


def sketch(values: dict) -> Alert:
    """An unsaved alert of what was typed so far, for the previews (never added to the session)."""
    english = {key: values[f"en_{key}"] for key in ENGLISH if values[f"en_{key}"]}
    try:
        expires_at = datetime.fromisoformat(values["expires_at"]).replace(tzinfo=LOCAL)
    except ValueError:
        expires_at = None
    return Alert(
        status="draft",
        category=values["category"] or "other",
        headline=values["headline"],
        description=values["description"],
        instruction=values["instruction"],
        severity=values["severity"] or "moderate",
        urgency=values["urgency"] or "unknown",
        certainty=values["certainty"] or "unknown",
        source_url=values["source_url"] or None,
        expires_at=expires_at,
        translations={"en": english} if english.get("headline") else {},
        cap_messages=[],
    )
