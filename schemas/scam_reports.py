from datetime import timedelta

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from schemas.alerts import INDICATOR_VALUE, AlertSummarySchema
from schemas.common import Instant, ListQuerySchema
from services.core.pagination import MAX_LIMIT
from services.models import DISMISS_REASONS, INDICATOR_TYPES, SCAM_CHANNELS, SCAM_REPORT_STATUSES


class ScamCheckQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    value = fields.String(required=True, validate=INDICATOR_VALUE, metadata={"example": "0912 345 678"})
    type = fields.String(
        validate=validate.OneOf(INDICATOR_TYPES),
        metadata={"description": "Guessed from the value when left out."},
    )


class ScamCheckSchema(Schema):
    """What is on record for a value. Only a published alert makes it `reported`; `no_reports` means only
    that no alert names it: never "safe". Citizens' reports are unverified and never change the verdict."""

    verdict = fields.String(
        required=True,
        validate=validate.OneOf(("reported", "no_reports")),
        metadata={
            "description": "`reported`: a published alert (active or expired) names the value, or for a "
            "site a link on it (unless the site is a shared platform or allow-listed)."
        },
    )
    type = fields.String(required=True, validate=validate.OneOf(INDICATOR_TYPES))
    normalized = fields.String(required=True, metadata={"example": "+84912345678"})
    trusted = fields.Boolean(
        required=True,
        metadata={
            "description": "On the allow-list of known-legitimate values (a government site, a bank's "
            "hotline…): citizens' reports are not counted for it."
        },
    )
    trusted_note = fields.String(
        required=True, allow_none=True, metadata={"description": "Whose it is, from the allow-list."}
    )
    alerts = fields.List(fields.Nested(AlertSummarySchema), required=True)
    links_on_this_site = fields.List(
        fields.Nested(AlertSummarySchema),
        required=True,
        metadata={
            "description": "For a shared platform (github.io, sites.google.com…) or an allow-listed site: "
            "alerts naming particular links on it, which do not make the site `reported`."
        },
    )
    unverified_citizen_reports = fields.Integer(
        required=True,
        metadata={
            "description": "Distinct devices that reported this value, unverified (staff's dismissals left "
            "out), shown from SCAM_REPORT_THRESHOLD devices on (default 3): 0 below it and for "
            "allow-listed values."
        },
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
    status = fields.String(
        dump_only=True,
        required=True,
        validate=validate.OneOf(SCAM_REPORT_STATUSES),
        metadata={"description": "new → confirmed → promoted; new or confirmed → dismissed."},
    )
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
    moderated_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    dismiss_reason = fields.String(
        dump_only=True, required=True, allow_none=True, validate=validate.OneOf(DISMISS_REASONS)
    )
    moderation_note = fields.String(dump_only=True, required=True, allow_none=True)


class ScamReportQuerySchema(ListQuerySchema):
    needs_triage = fields.Boolean()
    status = fields.String(validate=validate.OneOf(SCAM_REPORT_STATUSES))


class ScamReportModerationSchema(Schema):
    """Confirm, or dismiss with a reason; applies to the department's other reports of the same value."""

    to = fields.String(required=True, validate=validate.OneOf(("confirmed", "dismissed")))
    reason = fields.String(
        validate=validate.OneOf(DISMISS_REASONS),
        metadata={
            "description": "Required to dismiss: legitimate (the value is a real organisation's or "
            "person's), not_a_scam, insufficient_information, abusive (a false or malicious report)."
        },
    )
    note = fields.String(allow_none=True, validate=validate.Length(max=1000))

    @validates_schema
    def _reason_with_a_dismissal_only(self, data, **_kwargs) -> None:
        if data["to"] == "dismissed" and not data.get("reason"):
            raise ValidationError("Say why the report is dismissed.", "reason")
        if data["to"] != "dismissed" and data.get("reason"):
            raise ValidationError("Only a dismissal has a reason.", "reason")


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
    trusted = fields.Boolean(
        required=True, metadata={"description": "On the allow-list of known-legitimate values."}
    )


class ScamTopSchema(Schema):
    since = fields.AwareDateTime(required=True)
    items = fields.List(fields.Nested(ScamTopItemSchema), required=True)


class TrustedIndicatorSchema(Schema):
    """A known-legitimate value on the allow-list. A domain covers its subdomains and the links and e-mail
    addresses on them; a public suffix of two labels or more (gov.vn) every site registered under it."""

    id = fields.UUID(dump_only=True, required=True)
    type = fields.String(required=True, validate=validate.OneOf(INDICATOR_TYPES))
    value = fields.String(required=True, validate=INDICATOR_VALUE, metadata={"example": "gov.vn"})
    normalized = fields.String(dump_only=True, required=True)
    note = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"example": "Cổng thông tin của các cơ quan nhà nước"},
    )
    created_by_id = fields.UUID(dump_only=True, required=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True, required=True)


class TrustedIndicatorQuerySchema(ListQuerySchema):
    type = fields.String(validate=validate.OneOf(INDICATOR_TYPES))
