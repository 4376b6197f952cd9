import copy

from marshmallow import Schema, ValidationError, fields, validate

from schemas.common import Instant, ListQuerySchema, PlaceQuerySchema, TargetsSchema
from schemas.devices import LOCALE
from services.core.text import language
from services.models import (
    ALERT_CATEGORIES,
    ALERT_STATUSES,
    CERTAINTIES,
    INDICATOR_TYPES,
    SEVERITIES,
    URGENCIES,
)
from services.models.alerts import VALUE_LENGTH
from services.publishing.alert_syndication import EVENT

HEADLINE = validate.Length(min=1, max=120)
DESCRIPTION = validate.Length(min=1, max=4000)
INSTRUCTION = validate.Length(max=2000)
INDICATOR_VALUE = validate.Length(min=1, max=VALUE_LENGTH)


class IndicatorSchema(Schema):
    """Something the scam uses: stored as typed and in a normalised form that scam-check looks up."""

    type = fields.String(required=True, validate=validate.OneOf(INDICATOR_TYPES))
    value = fields.String(
        required=True,
        validate=INDICATOR_VALUE,
        metadata={
            "example": "0912 345 678",
            "description": "A phone number, link, domain, 'BANK number' (e.g. 'VCB 0011002345678'), "
            "profile link or network:handle, or e-mail address.",
        },
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=500))
    normalized = fields.String(dump_only=True, required=True, metadata={"example": "+84912345678"})
    domain = fields.String(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={"description": "Registrable domain of a link."},
    )


class AlertTextSchema(Schema):
    """The alert in another language."""

    headline = fields.String(required=True, validate=HEADLINE)
    description = fields.String(
        validate=DESCRIPTION, metadata={"description": "When left out, CAP readers get the Vietnamese one."}
    )
    instruction = fields.String(validate=INSTRUCTION)
    event = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "The kind of alert in this language (CAP `event`), e.g. '사기' for a scam: "
            "required except in English, whose names are built in.",
        },
    )


class Translations(fields.Dict):
    """Translations by language tag, keyed by the tag's primary language subtag (`en-US` and `EN` are
    `en`), the form of CAP `language` and of the push topics: one translation per language."""

    def __init__(self, **kwargs):
        keys = fields.String(validate=[validate.Length(max=35), LOCALE])
        super().__init__(keys=keys, values=fields.Nested(AlertTextSchema), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> dict:
        result, errors = {}, {}
        for tag, text in super()._deserialize(value, attr, data, **kwargs).items():
            code = language(tag)
            if code == "vi":
                errors[tag] = {"key": ["Vietnamese is the alert itself, not a translation."]}
            elif code in result:
                errors[tag] = {"key": [f"A second translation into '{code}'."]}
            elif code not in EVENT and "event" not in text:
                errors[tag] = {"value": {"event": ["Name the kind of alert in this language."]}}
            else:
                result[code] = text
        if errors:
            raise ValidationError(errors)
        return result


class AlertSchema(Schema):
    """A public alert. Active means published and not yet expired."""

    id = fields.UUID(dump_only=True, required=True)
    department_id = fields.UUID(
        allow_none=True, metadata={"description": "Admins only; editors always publish for their own."}
    )
    status = fields.String(dump_only=True, required=True, validate=validate.OneOf(ALERT_STATUSES))
    active = fields.Boolean(dump_only=True, required=True)
    msg_type = fields.String(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={"description": "CAP msgType of the latest message: Alert, Update or Cancel."},
    )
    category = fields.String(required=True, validate=validate.OneOf(ALERT_CATEGORIES))
    headline = fields.String(
        required=True, validate=HEADLINE, metadata={"example": "Giả danh công an gọi điện"}
    )
    description = fields.String(required=True, validate=DESCRIPTION)
    instruction = fields.String(validate=INSTRUCTION, metadata={"description": "What people should do."})
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    urgency = fields.String(required=True, validate=validate.OneOf(URGENCIES))
    certainty = fields.String(required=True, validate=validate.OneOf(CERTAINTIES))
    targets = fields.Nested(TargetsSchema, required=True)
    source_url = fields.URL(
        allow_none=True,
        schemes={"https"},
        validate=validate.Length(max=500),
        error_messages={"invalid": "Must be an https:// address of the official source."},
        metadata={"example": "https://congan.danang.gov.vn/canh-bao"},
    )
    expires_at = Instant(
        required=True, future=True, metadata={"description": "In the future, within a year."}
    )
    translations = Translations(
        validate=validate.Length(max=3),
        metadata={
            "description": 'Other languages: {"en": {"headline", "description", "instruction"}}, one per '
            'language; a tag such as "en-US" is stored as "en".'
        },
    )
    indicators = fields.List(fields.Nested(IndicatorSchema), validate=validate.Length(max=50))
    published_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    sent_at = fields.AwareDateTime(
        dump_only=True, required=True, metadata={"description": "When the latest message went out."}
    )
    cancelled_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    cancel_reason = fields.String(dump_only=True, required=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True, required=True)


def _all_optional(schema: type[Schema], name: str) -> type[Schema]:
    """The loadable fields of `schema`, none of them required: the body of a PATCH."""
    loadable = {}
    for key, field in schema._declared_fields.items():
        if not field.dump_only:
            loadable[key] = copy.deepcopy(field)
            loadable[key].required = False
    return Schema.from_dict(loadable, name=name)


AlertChangesSchema = _all_optional(AlertSchema, "AlertChangesSchema")


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class AlertQuerySchema(ListQuerySchema, PlaceQuerySchema):
    active = fields.Boolean(load_default=True, metadata={"description": "Only published, unexpired alerts."})
    category = fields.String(validate=validate.OneOf(ALERT_CATEGORIES))


class AlertSummarySchema(Schema):
    id = fields.UUID(required=True)
    category = fields.String(required=True)
    headline = fields.String(required=True)
    severity = fields.String(required=True)
    status = fields.String(required=True)
    active = fields.Boolean(required=True)
    published_at = fields.AwareDateTime(required=True, allow_none=True)
    expires_at = fields.AwareDateTime(required=True)
    source_url = fields.String(required=True, allow_none=True)
