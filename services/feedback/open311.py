"""Open311 GeoReport v2 over feedback: each active form is a service, its fields the service's attributes,
and a service request is a feedback filed through services.feedback.intake like the app's (the same
checks, routing, deadline, events and audit), so this module only translates names and shapes.

Reading requests: anyone sees those on the public board (a department published an answer), without
what the citizen wrote; staff and API keys with `feedback:read` see their department's (every one for a
key issued without a department), with the citizen's description. Contact details are never shown.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core import areas, deadlines
from services.core.db import utcnow
from services.core.errors import Invalid, NotFound
from services.feedback import forms, intake, workflow
from services.identity import policy
from services.identity.principals import Principal
from services.models import Feedback, Form

# Our field types as GeoReport datatypes. A form's location comes from lat/long and its photos are
# uploads of the app's devices, so neither is an attribute.
DATATYPES = {
    "text": "string",
    "textarea": "text",
    "phone": "string",
    "email": "string",
    "number": "number",
    "date": "datetime",
    "choice": "singlevaluelist",
    "multi_choice": "multivaluelist",
}
LANGUAGES = ("vi", "en")
MAX_SPAN = timedelta(days=90)  # the spec's longest start_date..end_date
MAX_PAGE = 1000


def language(accepted: tuple[str, ...]) -> str:
    """vi or en, the first the caller accepts (vi when neither)."""
    return next((tag[:2] for tag in accepted if tag[:2] in LANGUAGES), "vi")


def _text(label: dict | None, lang: str) -> str:
    label = label or {}
    return label.get(lang) or label.get("vi") or ""


# ---------------------------------------------------------------- services


def description_field(fields: list[dict]) -> str | None:
    """The field Open311's `description` answers: the form's first long text, else its first text."""
    for kind in ("textarea", "text"):
        found = next((spec["name"] for spec in fields if spec["type"] == kind), None)
        if found:
            return found
    return None


def _attribute_specs(fields: list[dict]) -> list[dict]:
    told = description_field(fields)
    return [spec for spec in fields if spec["type"] in DATATYPES and spec["name"] != told]


def service(form: Form, lang: str) -> dict:
    category = form.category
    group = (category.name_en if lang == "en" else "") or category.name_vi
    return {
        "service_code": form.slug,
        "service_name": _text(form.title, lang),
        "description": f"{group}: {_text(form.title, lang)}",
        "metadata": bool(_attribute_specs(form.fields)),
        "type": "realtime",
        "keywords": category.code,
        "group": group,
    }


def services(db: Session, lang: str, province_code: int | None = None) -> list[dict]:
    """Every active form (offered in the province, when one is given), by slug."""
    return [service(form, lang) for form in db.scalars(forms.active(province_code).order_by(Form.slug))]


def definition(db: Session, code: str, lang: str) -> dict:
    form = _form(db, code)
    attributes = []
    for order, spec in enumerate(_attribute_specs(form.fields), start=1):
        choices = [{"key": o["value"], "name": _text(o["label"], lang)} for o in spec.get("options") or []]
        attributes.append(
            {
                "variable": True,
                "code": spec["name"],
                "datatype": DATATYPES[spec["type"]],
                "required": bool(spec.get("required")),
                "datatype_description": _text(spec.get("help"), lang),
                "order": order,
                "description": _text(spec["label"], lang),
                "values": choices,
            }
        )
    return {"service_code": form.slug, "attributes": attributes}


def _form(db: Session, code: str) -> Form:
    try:
        return forms.get(db, code)
    except NotFound:
        raise NotFound(f"No service {code}.", code="unknown_service") from None


# ---------------------------------------------------------------- filing a request


@dataclass(frozen=True)
class Place:
    province_code: int
    ward_code: int | None


def locate(data: dict) -> Place:
    """Where a request is: `ward_code`, else the ward (or at least the province) its `address_string`
    names, else the province `jurisdiction_id` with lat/long. The area data has no boundaries, so a point
    alone names no ward: a 400 says what to add."""
    province_code = data.get("jurisdiction_id")
    if data.get("ward_code") is not None:
        ward = areas.ward(data["ward_code"])
        if ward is None or (province_code is not None and ward.province_code != province_code):
            raise Invalid({"ward_code": [f"No ward {data['ward_code']} in this jurisdiction."]})
        return Place(ward.province_code, ward.code)
    if data.get("address_string"):
        found = areas.in_address(data["address_string"], province_code)
        if found is not None:
            return Place(*found)
        if province_code is None:
            raise Invalid(
                {"address_string": ["Names no province: add it, or send jurisdiction_id or ward_code."]},
                code="location_missing",
            )
        return Place(province_code, None)
    if data.get("lat") is not None and province_code is not None:
        return Place(province_code, None)
    raise Invalid(
        {
            "location": [
                "Send ward_code, or an address_string naming the ward and province; lat/long alone "
                "cannot be placed (the area data has no ward boundaries) unless jurisdiction_id names "
                "the province."
            ]
        },
        code="location_missing",
    )


def submit(db: Session, principal: Principal, data: dict, attributes: dict) -> Feedback:
    """File a service request: `data` is the loaded form body, `attributes` {code: value or [values]}."""
    form = _form(db, data["service_code"])
    policy.require(principal, "feedback.submit")  # a key without the scope learns nothing about places
    place = locate(data)
    fields = form.fields
    told = description_field(fields)
    answers, errors = _answers(fields, attributes)
    if data.get("description"):
        if told is None:
            errors["description"] = ["This service takes no description: answer its attributes."]
        else:
            answers[told] = data["description"]
    if errors:
        raise Invalid(errors)
    location = {"lat": data["lat"], "lon": data["long"]} if data.get("lat") is not None else None
    for spec in fields:
        if spec["type"] == "location" and location:
            answers[spec["name"]] = location
    name = " ".join(part for part in (data.get("first_name"), data.get("last_name")) if part)
    submission = {
        "form": form.slug,
        "answers": answers,
        "province_code": place.province_code,
        "ward_code": place.ward_code,
        "location": location,
        "contact": {"name": name or None, "phone": data.get("phone"), "email": data.get("email")},
        "address": data.get("address_string"),
        "media_url": data.get("media_url"),
    }
    try:
        feedback, _ = intake.submit(db, principal, submission)
    except Invalid as error:
        raise Invalid(_open311_names(error.extra["errors"], fields)) from None
    return feedback


def _answers(fields: list[dict], attributes: dict) -> tuple[dict, dict]:
    """Attribute values (form text) as the answers intake checks: numbers as numbers, a date-time's date."""
    kinds = {spec["name"]: spec["type"] for spec in fields}
    answers, errors = {}, {}
    for code, value in attributes.items():
        kind = kinds.get(code)
        if code in kinds and (kind not in DATATYPES or code == description_field(fields)):
            errors[f"attribute[{code}]"] = ["Not an attribute of this service (see its definition)."]
            continue
        if kind == "multi_choice":
            answers[code] = value if isinstance(value, list) else [value]
            continue
        if isinstance(value, list):
            value = value[-1] if kind else value
        if kind == "number":
            try:
                number = float(value)
                answers[code] = int(number) if number.is_integer() else number
            except (ValueError, OverflowError):
                errors[f"attribute[{code}]"] = ["Not a number."]
        elif kind == "date":
            answers[code] = value[:10]  # a GeoReport datetime; the form asks for the day
        else:
            answers[code] = value
    return answers, errors


def _open311_names(errors: dict, fields: list[dict]) -> dict:
    """Intake's field names as the request's parameters."""
    told = description_field(fields)
    located = {spec["name"] for spec in fields if spec["type"] == "location"}
    names = {
        "form": "service_code",
        "province_code": "jurisdiction_id",
        "ward_code": "ward_code",
        "location": "lat/long",
    }
    renamed = {}
    for key, messages in errors.items():
        if key == "answers" and isinstance(messages, dict):
            for code, found in messages.items():
                name = "lat/long" if code in located else f"attribute[{code}]"
                renamed["description" if code == told else name] = found
        elif key == "contact" and isinstance(messages, dict):
            for part, found in messages.items():
                renamed["first_name/last_name" if part == "name" else part] = found
        else:
            renamed[names.get(key, key)] = messages
    return renamed


# ---------------------------------------------------------------- reading requests


def _visible(principal: Principal):
    """SQL: the feedback the caller may read here: what is on the public board, and its department's."""
    published = Feedback.public.is_(True)
    if not policy.allows(principal, "feedback.read"):
        return published
    if principal.every_department:
        return Feedback.id.is_not(None)
    return published | (Feedback.department_id == principal.department_id)


def reads_details(principal: Principal, feedback: Feedback) -> bool:
    """Whether the caller sees what the citizen wrote (its department's staff and keys)."""
    return policy.allows(principal, "feedback.read", feedback)


def requests(
    db: Session,
    principal: Principal,
    *,
    service_request_id: list[str] | None = None,
    service_code: list[str] | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    status: list[str] | None = None,
    province_code: int | None = None,
    page: int = 1,
    page_size: int = MAX_PAGE,
) -> list[Feedback]:
    """Requests newest first: by id (which overrides the other filters), or received within at most 90
    days (the last 90 by default), of some services, open or closed."""
    stmt = select(Feedback).where(_visible(principal))
    if service_request_id:
        stmt = stmt.where(Feedback.tracking_code.in_([code.strip().upper() for code in service_request_id]))
    else:
        end = end_date or (start_date + MAX_SPAN if start_date else utcnow())
        start = start_date or end - MAX_SPAN
        if start > end:
            raise Invalid({"start_date": ["Is after end_date."]}, code="bad_date_range")
        if end - start > MAX_SPAN:
            raise Invalid({"end_date": ["At most 90 days after start_date."]}, code="bad_date_range")
        stmt = stmt.where(Feedback.received_at >= start, Feedback.received_at <= end)
        if service_code:
            stmt = stmt.join(Feedback.form).where(Form.slug.in_(service_code))
        if status and set(status) != {"open", "closed"}:
            stmt = stmt.where(workflow.IS_OPEN if status == ["open"] else ~workflow.IS_OPEN)
        if province_code is not None:
            stmt = stmt.where(Feedback.province_code == province_code)
    # Offset paging (the spec's page/page_size extension) stays cheap: a page never looks past 90 days.
    stmt = stmt.order_by(Feedback.received_at.desc(), Feedback.id).limit(page_size)
    return list(db.scalars(stmt.offset((page - 1) * page_size)))


def request(db: Session, principal: Principal, service_request_id: str) -> Feedback:
    feedback = db.scalar(
        select(Feedback).where(
            Feedback.tracking_code == service_request_id.strip().upper(), _visible(principal)
        )
    )
    if feedback is None:
        raise NotFound(f"No request {service_request_id}.")
    return feedback


# Our states in words, for status_notes.
STATES = {
    "received": ("Đã tiếp nhận", "Received"),
    "assigned": ("Đã giao cán bộ xử lý", "Assigned to an officer"),
    "in_progress": ("Đang xử lý", "In progress"),
    "reopened": ("Người dân yêu cầu xử lý lại", "Reopened by the citizen"),
    "answered": ("Đã trả lời", "Answered"),
    "closed": ("Đã đóng", "Closed"),
    "rejected": ("Không xử lý", "Rejected"),
}


def as_request(feedback: Feedback, principal: Principal, lang: str) -> dict:
    """A feedback as a GeoReport service request: never the citizen's contact details, and what they
    wrote only for those who may read it."""
    state = STATES[feedback.status][LANGUAGES.index(lang)]
    answer = next((reply.body for reply in reversed(feedback.replies) if reply.public), None)
    told = description_field(feedback.form_version.fields)
    description = feedback.answers.get(told) if told and reads_details(principal, feedback) else None
    ward = areas.ward(feedback.ward_code) if feedback.ward_code else None
    place = ", ".join(a.name for a in (ward, areas.province(feedback.province_code)) if a)
    return {
        "service_request_id": feedback.tracking_code,
        "status": "open" if feedback.status in workflow.OPEN else "closed",
        "status_notes": f"{state} ({feedback.status})" + (f": {answer}" if answer else ""),
        "service_name": _text(feedback.form_version.title, lang),
        "service_code": feedback.form.slug,
        "description": description,
        "agency_responsible": feedback.department.name,
        "service_notice": notice(feedback, lang),
        "requested_datetime": local(feedback.received_at),
        "updated_datetime": local(feedback.updated_at),
        "expected_datetime": local(feedback.due_at),
        "address": feedback.address or place,  # the client's own words, else the ward and province
        "address_id": None,
        "zipcode": None,
        "lat": feedback.lat,
        "long": feedback.lon,
        "media_url": feedback.media_url,
    }


def notice(feedback: Feedback, lang: str) -> str:
    """What the citizen is told on filing: the tracking code and the deadline (local time)."""
    due = local(feedback.due_at).strftime("%H:%M %d/%m/%Y")
    if lang == "en":
        return f"Tracking code {feedback.tracking_code}; {feedback.department.name} answers by {due}."
    return f"Mã theo dõi {feedback.tracking_code}; {feedback.department.name} trả lời trước {due}."


def local(moment: datetime) -> datetime:
    """A stored UTC time at the +07:00 offset GeoReport clients show."""
    return moment.astimezone(deadlines.LOCAL)
