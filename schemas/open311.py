"""Open311 GeoReport v2 shapes (wiki.open311.org/GeoReport_v2): JSON as here, XML with the same names
(a list is `<services><service>…`, `<service_requests><request>…`, `<errors><error>…`)."""

from datetime import timedelta

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from schemas.common import PROVINCE_CODE, WARD_CODE, Instant
from schemas.forms import SLUG
from services.core.deadlines import LOCAL
from services.feedback.open311 import DATATYPES, MAX_PAGE

API_KEY = {"description": "An API key with the scope `feedback:write` (to file) or `feedback:read`."}
JURISDICTION = {"description": "The province's code: only its services / requests (a 404 when unknown)."}


class CommaList(fields.String):
    """A comma-separated list (`open,closed`), each item checked by `item`."""

    def __init__(self, item: validate.Validator | None = None, **kwargs):
        self.item = item
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> list[str]:
        items = [part.strip() for part in super()._deserialize(value, attr, data, **kwargs).split(",")]
        items = [part for part in items if part]
        if not items:
            raise ValidationError("Give at least one value.")
        if self.item is not None:
            for part in items:
                self.item(part)
        return items


class KeyedSchema(Schema):
    """What every Open311 call may carry besides its own parameters."""

    class Meta:
        unknown = EXCLUDE  # GeoReport clients send parameters of their own (attribute[…], account_id…)

    api_key = fields.String(validate=validate.Length(max=200), metadata=API_KEY)
    jurisdiction_id = fields.Integer(validate=PROVINCE_CODE, metadata=JURISDICTION)


class NewRequestSchema(KeyedSchema):
    """POST requests (form-urlencoded). Also `attribute[code]=value` per attribute of the service
    definition, repeated as `attribute[code][]=value` for a multivaluelist. Place it with `ward_code`, an
    `address_string` naming the ward and province, or lat/long with `jurisdiction_id`."""

    service_code = fields.String(required=True, validate=SLUG, metadata={"example": "road-damage"})
    lat = fields.Float(validate=validate.Range(min=-90, max=90))
    long = fields.Float(validate=validate.Range(min=-180, max=180))
    address_string = fields.String(validate=validate.Length(min=1, max=500))
    ward_code = fields.Integer(
        validate=WARD_CODE, metadata={"description": "Extension: the ward's code (vietnam-provinces)."}
    )
    description = fields.String(validate=validate.Length(max=5000))
    first_name = fields.String(validate=validate.Length(max=100))
    last_name = fields.String(validate=validate.Length(max=100))
    email = fields.Email(validate=validate.Length(max=254))
    phone = fields.String(
        validate=validate.Length(max=30),
        metadata={"description": "The citizen's phone: required, the department answers by it."},
    )
    media_url = fields.URL(schemes={"http", "https"}, validate=validate.Length(max=2000))
    device_id = fields.String(
        validate=validate.Length(max=100), metadata={"description": "Accepted; not stored."}
    )

    @validates_schema
    def _a_point_has_both_coordinates(self, data, **_kwargs) -> None:
        if ("lat" in data) != ("long" in data):
            raise ValidationError("Send lat and long together.", "lat" if "long" in data else "long")


class RequestsQuerySchema(KeyedSchema):
    """GET requests: newest first, at most 1,000 a page."""

    service_request_id = CommaList(
        validate=validate.Length(max=2000),
        metadata={"description": "Comma-separated ids; overrides every other filter."},
    )
    service_code = CommaList(item=SLUG, validate=validate.Length(max=2000))
    start_date = Instant(
        default_timezone=LOCAL, within=timedelta(days=366), metadata={"example": "2026-11-01T00:00:00+07:00"}
    )
    end_date = Instant(default_timezone=LOCAL, within=timedelta(days=366))
    status = CommaList(item=validate.OneOf(("open", "closed")), validate=validate.Length(max=20))
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=10_000), metadata={"description": "Extension."}
    )
    page_size = fields.Integer(
        load_default=MAX_PAGE,
        validate=validate.Range(min=1, max=MAX_PAGE),
        metadata={"description": "Extension."},
    )


class ServicesQuerySchema(KeyedSchema):
    """GET services: every active feedback form (of the jurisdiction)."""


class ServiceSchema(Schema):
    """A service: one active feedback form."""

    service_code = fields.String(required=True, metadata={"example": "road-damage"})
    service_name = fields.String(required=True)
    description = fields.String(required=True)
    metadata = fields.Boolean(required=True, metadata={"description": "It has attributes."})
    type = fields.String(required=True, validate=validate.OneOf(("realtime", "batch", "blackbox")))
    keywords = fields.String(required=True)
    group = fields.String(required=True)


class ValueSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)


class AttributeSchema(Schema):
    """One of the form's fields, in the caller's language (Accept-Language: vi, en)."""

    variable = fields.Boolean(required=True)
    code = fields.String(required=True)
    datatype = fields.String(required=True, validate=validate.OneOf(sorted(set(DATATYPES.values()))))
    required = fields.Boolean(required=True)
    datatype_description = fields.String(required=True)
    order = fields.Integer(required=True)
    description = fields.String(required=True)
    values = fields.List(fields.Nested(ValueSchema), required=True)


class ServiceDefinitionSchema(Schema):
    service_code = fields.String(required=True)
    attributes = fields.List(fields.Nested(AttributeSchema), required=True)


class ServiceRequestSchema(Schema):
    """A request (a feedback) and where it stands; times at +07:00; never contact details."""

    service_request_id = fields.String(required=True, metadata={"example": "PA-2612-7QK3M9"})
    status = fields.String(required=True, validate=validate.OneOf(("open", "closed")))
    status_notes = fields.String(required=True, metadata={"description": "Our state and the public answer."})
    service_name = fields.String(required=True)
    service_code = fields.String(required=True)
    description = fields.String(
        required=True, allow_none=True, metadata={"description": "For the department's staff and keys."}
    )
    agency_responsible = fields.String(required=True)
    service_notice = fields.String(required=True)
    requested_datetime = fields.AwareDateTime(required=True)
    updated_datetime = fields.AwareDateTime(required=True)
    expected_datetime = fields.AwareDateTime(required=True, metadata={"description": "The deadline."})
    address = fields.String(required=True)
    address_id = fields.String(required=True, allow_none=True)
    zipcode = fields.String(required=True, allow_none=True)
    lat = fields.Float(required=True, allow_none=True)
    long = fields.Float(required=True, allow_none=True)
    media_url = fields.String(required=True, allow_none=True)


class RequestCreatedSchema(Schema):
    service_request_id = fields.String(required=True)
    service_notice = fields.String(required=True)
    account_id = fields.String(required=True, allow_none=True)


class ErrorSchema(Schema):
    """One error; an error answer is a list of them."""

    code = fields.Integer(required=True, metadata={"description": "The HTTP status."})
    description = fields.String(required=True)
