"""The alert form's fields and words: what an editor typed, turned into the body the API's schema
(schemas/alerts.AlertSchema) loads, and back; the CAP values in plain words; and the schema's and the
services' field messages in the editor's language, next to the fields they are about."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from api.console.field_errors import messages as field_messages
from api.console.field_errors import translated
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


def field_errors(errors: dict) -> dict[str, list[str]]:
    """marshmallow-shaped errors ({field: [messages] or nested}) keyed by the form's fields: an
    indicator's by its row (`indicator-2`), an English text's as `en_headline`, targets as one."""
    shown: dict[str, list[str]] = {}

    def add(key, messages):
        shown.setdefault(key, []).extend(translated(m) for m in field_messages(messages))

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
