"""Shapes shared by every resource: problems, pages, list queries, targets."""

from datetime import UTC, date, datetime, timedelta

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from services.core.pagination import MAX_LIMIT
from services.core.targets import Targets, target_errors

PROVINCE_CODE = validate.Range(min=1, max=99)
WARD_CODE = validate.Range(min=1, max=99999)
# Nothing the API deals in happened before 2000 (scam reports, audit queries) or is dated before 1945
# (legal documents); refusing earlier values keeps calendar-edge dates out of time-zone arithmetic.
EARLIEST_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
ONE_YEAR = timedelta(days=366)


class Instant(fields.AwareDateTime):
    """A date-time with an offset, loaded as UTC and bounded: after 2000-01-01 (after now with
    `future`) and at most `within` from now (zero: not in the future). Calendar-edge values such as
    9999-12-31T23:59:59-14:00 are a 422 like any other out-of-range value, never an overflow in
    time-zone arithmetic."""

    default_error_messages = {
        "too_late": "Must be at most {limit} from now.",
        "future": "Cannot be in the future.",
        "past": "Must be in the future.",
        "too_early": "Must be after 2000-01-01.",
    }
    # A phone's clock may run a little ahead of ours.
    CLOCK_SKEW = timedelta(minutes=5)

    def __init__(self, *, within: timedelta = ONE_YEAR, future: bool = False, **kwargs):
        self.within = within
        self.future = future
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        loaded = super()._deserialize(value, attr, data, **kwargs)
        try:
            loaded = loaded.astimezone(UTC)
        except OverflowError:  # before year 1 or after 9999 once in UTC
            loaded = datetime.min if loaded.year == 1 else datetime.max
            loaded = loaded.replace(tzinfo=UTC)
        if loaded < EARLIEST_INSTANT:
            raise self.make_error("too_early")
        if self.future and loaded <= datetime.now(UTC):
            raise self.make_error("past")
        if loaded > datetime.now(UTC) + max(self.within, self.CLOCK_SKEW):
            if not self.within:
                raise self.make_error("future")
            raise self.make_error("too_late", limit=_span(self.within))
        return loaded


def _span(delta: timedelta) -> str:
    years = round(delta.days / 365.25)
    return f"{years} year{'s' if years > 1 else ''}" if years else f"{delta.days} days"


class LegalDate(fields.Date):
    """A calendar date clear of the calendar's edges: a document's date (issued, in effect) from 1945, a
    report's day from `earliest` on; at most 2100."""

    def __init__(self, *, earliest: date = date(1945, 1, 1), **kwargs):
        super().__init__(validate=validate.Range(min=earliest, max=date(2100, 12, 31)), **kwargs)


class ProblemSchema(Schema):
    """RFC 9457 problem details, with a stable machine `code` and per-field `errors`."""

    type = fields.String(required=True, metadata={"description": "A URI naming the kind of problem."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    code = fields.String(required=True, metadata={"description": "Stable machine-readable code."})
    errors = fields.Dict(
        keys=fields.String(), values=fields.Raw(), metadata={"description": "Field name → list of messages."}
    )
    allowed = fields.List(fields.String(), metadata={"description": "Allowed values, on some 409s."})
    escalate_to = fields.Nested(
        Schema.from_dict(
            {key: fields.String(allow_none=True) for key in ("department", "name", "phone", "email")},
            name="EscalationSchema",
        ),
        metadata={"description": "Whom the citizen turns to next (409 reopen_limit_reached)."},
    )


class ListQuerySchema(Schema):
    """Keyset pagination: pass back `next_cursor` as `cursor` for the next page."""

    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(
        validate=validate.Length(max=500), metadata={"description": "Opaque; from next_cursor."}
    )


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The `{"items": [...], "next_cursor": ...}` envelope around `item_schema`."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(
                required=True, allow_none=True, metadata={"description": "null on the last page."}
            ),
        },
        name=name,
    )


class PlaceQuerySchema(Schema):
    """Where the caller is, for what reaches it (services.core.targets.reaching)."""

    class Meta:
        unknown = EXCLUDE

    province_code = fields.Integer(
        validate=PROVINCE_CODE,
        metadata={"description": "Alone: anything for the province or one of its wards.", "example": 48},
    )
    ward_code = fields.Integer(
        validate=WARD_CODE,
        metadata={"description": "What is for the ward, its province or the country.", "example": 20242},
    )


class TargetsSchema(Schema):
    """Where an item is aimed: `{"national": true}` or lists of province and ward codes."""

    national = fields.Boolean(load_default=False)
    province_codes = fields.List(fields.Integer(validate=PROVINCE_CODE), validate=validate.Length(max=34))
    ward_codes = fields.List(fields.Integer(validate=WARD_CODE), validate=validate.Length(max=500))

    @validates_schema
    def _known_places(self, data, **_kwargs):
        errors = target_errors(Targets.from_dict(data))
        if errors:
            raise ValidationError(errors)

    @post_load
    def _to_targets(self, data, **_kwargs) -> Targets:
        return Targets.from_dict(data)
