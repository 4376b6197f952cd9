"""Form fields and the answers to them: a form's field list is checked when an admin saves it, and a
citizen's answers are checked against the version they answer, every bad or missing answer named at once.
"""

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import date

from marshmallow import ValidationError, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core.phones import to_e164
from services.core.text import normalize
from services.models import Attachment, Device

CHOICE_TYPES = ("choice", "multi_choice")
FREE_TEXT_TYPES = ("text", "textarea")
DEFAULT_MAX_LENGTH = {"text": 500, "textarea": 5000}
MAX_PHOTOS = 5
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_email = validate.Email()


def definition_errors(fields: list[dict]) -> dict:
    """Errors in a form's field list, by field index (as marshmallow reports list items)."""
    errors, seen = {}, set()
    for index, spec in enumerate(fields):
        problems = []
        if not _NAME.match(spec["name"]):
            problems.append("name: lower-case letters, digits and _, starting with a letter.")
        if spec["name"] in seen:
            problems.append(f"name: {spec['name']} is used twice.")
        seen.add(spec["name"])
        options = [o["value"] for o in spec.get("options") or []]
        if spec["type"] in CHOICE_TYPES and not options:
            problems.append("options: a choice needs options.")
        if spec["type"] not in CHOICE_TYPES and options:
            problems.append("options: only choice fields have options.")
        if len(set(options)) != len(options):
            problems.append("options: values must differ.")
        low, high = spec.get("min"), spec.get("max")
        if low is not None and high is not None and low > high:
            problems.append("min is above max.")
        if problems:
            errors[index] = problems
    return errors


@dataclass
class CheckedAnswers:
    answers: dict
    search: str
    attachments: list[Attachment] = field(default_factory=list)


def check(db: Session, fields: list[dict], answers: dict, device: Device) -> tuple[CheckedAnswers, dict]:
    """Clean answers and {field name: [messages]} for every bad, missing or unknown answer."""
    errors: dict[str, list[str]] = {}
    clean, texts, photos = {}, [], []
    specs = {spec["name"]: spec for spec in fields}
    for name in answers:
        if name not in specs:
            errors[name] = ["Not a field of this form."]
    for name, spec in specs.items():
        value = answers.get(name)
        if value is None or value == "" or value == []:
            if spec.get("required"):
                errors[name] = ["Missing answer."]
            continue
        try:
            clean[name] = _ANSWER_CHECKS[spec["type"]](spec, value)
        except ValidationError as error:
            errors[name] = error.messages if isinstance(error.messages, list) else [str(error.messages)]
            continue
        if spec["type"] in FREE_TEXT_TYPES:
            texts.append(clean[name])
        elif spec["type"] == "photo":
            photos.append((name, clean[name]))
    attachments = []
    for name, ids in photos:
        found, problem = _own_photos(db, ids, device)
        if problem:
            errors[name] = [problem]
        attachments.extend(found)
    return CheckedAnswers(clean, normalize(" ".join(texts)), attachments), errors


def _own_photos(db: Session, ids: list[str], device: Device) -> tuple[list[Attachment], str | None]:
    rows = db.scalars(select(Attachment).where(Attachment.id.in_([uuid.UUID(i) for i in ids]))).all()
    usable = [a for a in rows if a.free_for(device) and a.content_type.startswith("image/")]
    if len(usable) != len(ids):
        return usable, "Each photo must be an unused image this device uploaded."
    return usable, None


def _fail(message: str):
    raise ValidationError(message)


def _text(spec: dict, value) -> str:
    if not isinstance(value, str):
        _fail("Not text.")
    value = value.strip()
    limit = spec.get("max_length") or DEFAULT_MAX_LENGTH[spec["type"]]
    if len(value) > limit:
        _fail(f"Longer than {limit} characters.")
    if "\x00" in value:
        _fail("Contains a NUL character.")
    return value


def _choice(spec: dict, value) -> str:
    if value not in [o["value"] for o in spec["options"]]:
        _fail("Not one of the options.")
    return value


def _multi_choice(spec: dict, value) -> list:
    options = [o["value"] for o in spec["options"]]
    if (
        not isinstance(value, list)
        or any(v not in options for v in value)
        or len(set(map(str, value))) != len(value)
    ):
        _fail("Not a list of distinct options.")
    _bounded(spec, len(value), "choices")
    return value


def _phone(_spec: dict, value) -> str:
    phone = to_e164(value) if isinstance(value, str) else None
    if phone is None:
        _fail("Not a valid phone number.")
    return phone


def _email_address(_spec: dict, value) -> str:
    if not isinstance(value, str):
        _fail("Not an email address.")
    return _email(value.strip())


def _date(_spec: dict, value) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        _fail("Not a date (YYYY-MM-DD).")


def _finite(value) -> bool:
    """A JSON number that fits a float (a 400-digit integer does not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _number(spec: dict, value) -> float | int:
    if not _finite(value):
        _fail("Not a number.")
    _bounded(spec, value, "")
    return value


def _bounded(spec: dict, value, what: str) -> None:
    low, high = spec.get("min"), spec.get("max")
    if low is not None and value < low:
        _fail(f"At least {low:g} {what}".strip() + ".")
    if high is not None and value > high:
        _fail(f"At most {high:g} {what}".strip() + ".")


def _location(_spec: dict, value) -> dict:
    if not isinstance(value, dict) or set(value) != {"lat", "lon"}:
        _fail('Not a location {"lat", "lon"}.')
    lat, lon = value["lat"], value["lon"]
    if not (_finite(lat) and _finite(lon)):
        _fail("lat and lon must be numbers.")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        _fail("lat or lon out of range.")
    return {"lat": lat, "lon": lon}


def _photo(spec: dict, value) -> list[str]:
    ids = value if isinstance(value, list) else [value]
    limit = int(spec.get("max") or MAX_PHOTOS)
    try:
        ids = [str(uuid.UUID(i)) for i in ids]
    except (TypeError, ValueError, AttributeError):
        _fail("Not attachment ids.")
    if len(ids) > limit or len(set(ids)) != len(ids):
        _fail(f"At most {limit} distinct photos.")
    return ids


_ANSWER_CHECKS = {
    "text": _text,
    "textarea": _text,
    "choice": _choice,
    "multi_choice": _multi_choice,
    "phone": _phone,
    "email": _email_address,
    "date": _date,
    "number": _number,
    "location": _location,
    "photo": _photo,
}
