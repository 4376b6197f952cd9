"""What the form editor holds between round-trips: the page's fields read back into a draft, the
editing steps its buttons ask for (add, remove, move a field or an option), the draft as the JSON body
the API's FormSchema loads, and the schema's and the service's messages keyed by the editor's inputs.

Nothing here touches the database: a draft lives in the page until "Lưu". Fields and options are read
in the order the page sends them (a marker input per row), so rows moved in the page by dragging keep
their new order without being renamed.
"""

import re

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from api.console import field_errors
from services.core import areas
from services.feedback.answers import CHOICE_TYPES, FREE_TEXT_TYPES
from services.models import FIELD_TYPES, Form

TYPE_NAMES = {
    "text": _l("Short text"),
    "textarea": _l("Paragraph"),
    "choice": _l("One choice"),
    "multi_choice": _l("Several choices"),
    "phone": _l("Phone number"),
    "email": _l("E-mail address"),
    "date": _l("Date"),
    "number": _l("Number"),
    "location": _l("Place on the map"),
    "photo": _l("Photos"),
}
assert set(TYPE_NAMES) == set(FIELD_TYPES)
COUNTED_TYPES = ("number", "multi_choice", "photo")  # min/max: a value, or how many are picked
FIELD_TEXTS = ("name", "label_vi", "label_en", "help_vi", "help_en", "min", "max", "max_length")
_LIMITS = {**dict.fromkeys(COUNTED_TYPES, ("min", "max")), **dict.fromkeys(FREE_TEXT_TYPES, ("max_length",))}
MAX_FIELDS = 50  # as FormSchema allows
MAX_OPTIONS = 50
_OP = re.compile(r"(add|remove|up|down|add-option|remove-option|province|preview|save)(?:-(\d+))?(?:-(\d+))?")


def blank_field(taken: set[str]) -> dict:
    number = 1
    while f"q{number}" in taken:
        number += 1
    return {
        **dict.fromkeys(FIELD_TEXTS, ""),
        "name": f"q{number}",
        "type": "text",
        "required": False,
        "options": [],
    }


def blank_option() -> dict:
    return {"value": "", "vi": "", "en": ""}


def new() -> dict:
    return {
        "slug": "",
        "title_vi": "",
        "title_en": "",
        "category_code": "",
        "active": True,
        "national": False,
        "province": None,  # the province whose communes are listed
        "province_codes": set(),  # other whole provinces the form keeps
        "ward_codes": set(),
        "fields": [blank_field(set())],
    }


def from_page(form: MultiDict) -> dict:
    """What the admin typed, as the page shows it again (nothing checked yet)."""
    text = lambda key: form.get(key, "").strip()  # noqa: E731
    province = text("province")
    draft = {
        "slug": text("slug"),
        "title_vi": text("title_vi"),
        "title_en": text("title_en"),
        "category_code": text("category_code"),
        "active": form.get("active") == "on",
        "national": form.get("national") == "on",
        "province": int(province) if province.isdigit() else None,
        "province_codes": {int(c) for c in form.getlist("province_codes") if c.isdigit()},
        "ward_codes": {int(c) for c in form.getlist("ward_codes") if c.isdigit()},
        "fields": [],
    }
    for row in form.getlist("field")[: MAX_FIELDS + 1]:
        key = f"f-{row}-"
        field = {name: text(key + name) for name in FIELD_TEXTS}
        field["type"] = text(key + "type")
        field["required"] = form.get(key + "required") == "on"
        field["options"] = [
            {name: text(f"{key}o-{option}-{name}") for name in ("value", "vi", "en")}
            for option in form.getlist(key + "option")[: MAX_OPTIONS + 1]
        ]
        draft["fields"].append(field)
    return draft


def from_form(form: Form) -> dict:
    targets = form.targets or {}
    wards = set(targets.get("ward_codes", ()))
    provinces = list(targets.get("province_codes", ()))
    listed = provinces[0] if provinces else areas.ward(min(wards)).province_code if wards else None
    return {
        "slug": form.slug,
        "title_vi": form.title["vi"],
        "title_en": form.title["en"] or "",
        "category_code": form.category_code,
        "active": form.active,
        "national": bool(targets.get("national")),
        "province": listed,
        "province_codes": set(provinces) - {listed},
        "ward_codes": wards,
        "fields": [_field_of(spec) for spec in form.fields],
    }


def _field_of(spec: dict) -> dict:
    number = lambda key: "" if spec.get(key) is None else f"{spec[key]:g}"  # noqa: E731
    return {
        "name": spec["name"],
        "label_vi": spec["label"]["vi"],
        "label_en": spec["label"].get("en", ""),
        "help_vi": (spec.get("help") or {}).get("vi", ""),
        "help_en": (spec.get("help") or {}).get("en", ""),
        "type": spec["type"],
        "required": bool(spec.get("required")),
        "min": number("min"),
        "max": number("max"),
        "max_length": str(spec.get("max_length") or ""),
        "options": [
            {"value": o["value"], "vi": o["label"]["vi"], "en": o["label"].get("en", "")}
            for o in spec.get("options") or []
        ],
    }


def apply(draft: dict, op: str) -> str | None:
    """Carry out an editing step on the draft; returns the id of the control to focus afterwards."""
    found = _OP.fullmatch(op or "")
    if not found:
        return None
    step, i, j = found[1], int(found[2] or 0), int(found[3] or 0)
    fields = draft["fields"]
    if step == "add" and len(fields) < MAX_FIELDS:
        fields.append(blank_field({f["name"] for f in fields}))
        return f"f{len(fields) - 1}-label_vi"
    if i >= len(fields):
        return None
    if step == "remove":
        del fields[i]
        return "add-field"
    if step == "up" and i > 0:
        fields[i - 1], fields[i] = fields[i], fields[i - 1]
        return f"f{i - 1}-up" if i > 1 else "f0-down"
    if step == "down" and i < len(fields) - 1:
        fields[i], fields[i + 1] = fields[i + 1], fields[i]
        return f"f{i + 1}-down" if i + 1 < len(fields) - 1 else f"f{i + 1}-up"
    options = fields[i]["options"]
    if step == "add-option" and len(options) < MAX_OPTIONS:
        options.append(blank_option())
        return f"f{i}-o{len(options) - 1}-value"
    if step == "remove-option" and j < len(options):
        del options[j]
        return f"f{i}-add-option"
    return None


def body(draft: dict, *, creating: bool) -> dict:
    """The draft as a JSON body of POST /api/v1/forms (PUT without the slug), for its schema to load."""
    data = {
        "title": {"vi": draft["title_vi"], "en": draft["title_en"]},
        "category_code": draft["category_code"],
        "targets": _targets(draft),
        "active": draft["active"],
        "fields": [_spec(field) for field in draft["fields"]],
    }
    if creating:
        data["slug"] = draft["slug"]
    return data


def _targets(draft: dict) -> dict:
    """The whole country; else the wards ticked, the other provinces kept, and the listed province
    whole when none of its wards is ticked."""
    if draft["national"]:
        return {"national": True}
    provinces = set(draft["province_codes"])
    listed = draft["province"]
    if listed and not any(_province_of(code) == listed for code in draft["ward_codes"]):
        provinces.add(listed)
    return {"province_codes": sorted(provinces), "ward_codes": sorted(draft["ward_codes"])}


def _province_of(ward_code: int) -> int | None:
    ward = areas.ward(ward_code)
    return ward.province_code if ward else None


def elsewhere(draft: dict) -> list[tuple[str, int, str]]:
    """The places the draft keeps outside the listed province, as (input name, code, words)."""
    listed = draft["province"]
    provinces = [
        ("province_codes", code, areas.province(code).name)
        for code in sorted(draft["province_codes"] - {listed})
        if areas.is_province(code)
    ]
    wards = [
        ("ward_codes", code, f"{ward.name}, {areas.province(ward.province_code).name}")
        for code in sorted(draft["ward_codes"])
        if (ward := areas.ward(code)) and ward.province_code != listed
    ]
    return provinces + wards


def _spec(field: dict) -> dict:
    spec = {
        "name": field["name"],
        "label": {"vi": field["label_vi"], "en": field["label_en"]},
        "type": field["type"],
        "required": field["required"],
    }
    if field["help_vi"] or field["help_en"]:
        spec["help"] = {"vi": field["help_vi"], "en": field["help_en"]}
    options = [o for o in field["options"] if o["value"] or o["vi"] or o["en"]]  # not the empty rows
    if options or field["type"] in CHOICE_TYPES:
        spec["options"] = [{"value": o["value"], "label": {"vi": o["vi"], "en": o["en"]}} for o in options]
    limits = (
        ("min", "max")
        if field["type"] in COUNTED_TYPES
        else ("max_length",)
        if field["type"] in FREE_TEXT_TYPES
        else ()
    )
    for key in limits:
        if field[key]:
            spec[key] = _number(field[key])
    return spec


def _number(text: str) -> int | float | str:
    """A number as typed (a comma for the decimal point too); anything else goes to the schema as is."""
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


# ---------------------------------------------------------------- messages beside their inputs

# The service's problems with a field's definition (services/feedback/answers.definition_errors) start
# with the part they are about.
_PART = {"name": "name", "options": "options", "min": "min"}


def errors_by_input(errors: dict) -> dict[str, list[str]]:
    """{input id: [messages in the page's language]} from the schema's (marshmallow-shaped) or the
    service's errors: `title_vi`, `f2-label_vi`, `f2-o1-value`, `f2-options`, `targets`, `form`."""
    shown: dict[str, list[str]] = {}

    def add(key: str, value) -> None:
        for text in field_errors.by_field({key: value}).get(key, []):
            if text not in shown.setdefault(key, []):
                shown[key].append(text)

    for key, value in errors.items():
        if key == "title" and isinstance(value, dict):
            for language, inner in value.items():
                add(f"title_{language}", inner)
        elif key == "fields" and isinstance(value, dict):
            for index, inner in value.items():
                _field_errors(f"f{index}", inner, add)
        elif key in ("slug", "category_code", "fields"):
            add(key, value)
        elif key in ("targets", "national", "province_codes", "ward_codes"):
            add("targets", value)
        else:
            add("form", value)
    return shown


def _field_errors(prefix: str, errors, add) -> None:
    if isinstance(errors, list):  # the service's: "name: … is used twice."
        for problem in errors:
            part = problem.split(":")[0].split(" ")[0]
            add(f"{prefix}-{_PART.get(part, 'name')}", [problem])
        return
    for key, value in errors.items():
        if key in ("label", "help") and isinstance(value, dict):
            for language, inner in value.items():
                add(f"{prefix}-{key}_{language}", inner)
        elif key == "options" and isinstance(value, dict):
            for index, option in value.items():
                for part, inner in option.items():
                    if part == "label" and isinstance(inner, dict):
                        for language, messages in inner.items():
                            add(f"{prefix}-o{index}-{language}", messages)
                    else:
                        add(f"{prefix}-o{index}-{'value' if part == 'value' else 'vi'}", inner)
        else:
            add(f"{prefix}-{key}", value)
