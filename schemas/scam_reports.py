from datetime import timedelta

from marshmallow import EXCLUDE, Schema, fields, validate

from schemas.alerts import INDICATOR_VALUE, AlertSummarySchema
from schemas.common import Instant, ListQuerySchema
from services.models import INDICATOR_TYPES, SCAM_CHANNELS
from services.pagination import MAX_LIMIT


class ScamCheckQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    value = fields.String(required=True, validate=INDICATOR_VALUE, metadata={"example": "0912 345 678"})
    type = fields.String(
        validate=validate.OneOf(INDICATOR_TYPES),
        metadata={"description": "Guessed from the value when left out."},
    )


class ScamCheckSchema(Schema):
    """What is on record for a value. `no_reports` means only that nothing is known: never "safe"."""

    verdict = fields.String(required=True, validate=validate.OneOf(("reported", "no_reports")))
    type = fields.String(required=True, validate=validate.OneOf(INDICATOR_TYPES))
    normalized = fields.String(required=True, metadata={"example": "+84912345678"})
    alerts = fields.List(fields.Nested(AlertSummarySchema), required=True)
    links_on_this_site = fields.List(
        fields.Nested(AlertSummarySchema),
        required=True,
        metadata={
            "description": "For a domain: alerts naming particular links on it (or its subdomains) but not "
            "the site itself, which may be a shared platform. Does not make the verdict `reported`."
        },
    )
    citizen_reports = fields.Integer(
        required=True, metadata={"description": "Distinct devices that reported this value."}
    )


class ScamReportSchema(Schema):
    """A citizen's report of a scam attempt."""

    id = fields.UUID(dump_only=True, required=True)
    type = fields.String(required=True, validate=validate.OneOf(INDICATOR_TYPES))
    value = fields.String(required=True, validate=INDICATOR_VALUE, metadata={"example": "0912 345 678"})
    description = fields.String(validate=validate.Length(max=4000))
    happened_at = Instant(within=timedelta(0), allow_none=True, metadata={"description": "In the past."})
    channel = fields.String(allow_none=True, validate=validate.OneOf(SCAM_CHANNELS))
    amount_lost_vnd = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=10**15))
    normalized = fields.String(dump_only=True, required=True)
    status = fields.String(dump_only=True, required=True, metadata={"description": "new | promoted"})
    department_id = fields.UUID(dump_only=True, required=True, allow_none=True)
    needs_triage = fields.Boolean(
        dump_only=True,
        required=True,
        metadata={
            "description": "No routing rule matched: the intake department (or, without one, an admin) "
            "triages it."
        },
    )
    province_code = fields.Integer(dump_only=True, required=True)
    ward_code = fields.Integer(dump_only=True, required=True, allow_none=True)
    alert_id = fields.UUID(dump_only=True, required=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True, required=True)


class ScamReportQuerySchema(ListQuerySchema):
    needs_triage = fields.Boolean()


class ScamTopQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    since = Instant(within=timedelta(0), metadata={"description": "Default: a week ago."})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_LIMIT))


class ScamTopItemSchema(Schema):
    type = fields.String(required=True)
    normalized = fields.String(required=True)
    devices = fields.Integer(required=True, metadata={"description": "Distinct reporting devices."})
    reports = fields.Integer(required=True)
    amount_lost_vnd = fields.Integer(required=True, allow_none=True)
    first_reported_at = fields.AwareDateTime(required=True)
    last_reported_at = fields.AwareDateTime(required=True)
    latest_report_id = fields.UUID(required=True, metadata={"description": "Promote this one to an alert."})
    alerted = fields.Boolean(required=True, metadata={"description": "A published alert already names it."})


class ScamTopSchema(Schema):
    since = fields.AwareDateTime(required=True)
    items = fields.List(fields.Nested(ScamTopItemSchema), required=True)
