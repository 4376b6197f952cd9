"""The data-protection officer's side: requests under the personal data law, breaches, the access log."""

from datetime import timedelta

from marshmallow import Schema, fields, validate

from schemas.audit import AuditEventSchema
from schemas.common import Instant, ListQuerySchema
from services.models import REQUEST_OUTCOMES, REQUEST_STATUSES, REQUEST_TYPES
from services.privacy import requests

TEXT = validate.Length(min=1, max=4000)
SHORT = validate.Length(min=1, max=1000)
NOW = timedelta(0)  # Instant(within=NOW): not in the future


class NewPrivacyRequestSchema(Schema):
    """A citizen's request about their personal data."""

    type = fields.String(
        required=True,
        validate=validate.OneOf(REQUEST_TYPES),
        metadata={"description": "access | correction | deletion | restriction | objection | withdrawal"},
    )
    details = fields.String(
        load_default="",
        validate=validate.Length(max=4000),
        metadata={"description": "What the citizen asks: the data concerned, the correction, the reason."},
    )


class HistoryStepSchema(Schema):
    kind = fields.String(required=True, metadata={"example": "answered"})
    at = fields.String(required=True, metadata={"format": "date-time"})
    by = fields.String(required=True, metadata={"description": "citizen | officer"})
    note = fields.String(required=True)
    outcome = fields.String()


class PrivacyRequestSchema(NewPrivacyRequestSchema):
    """A request and its legal clock: an answer within 2 working days; the right carried out within 15
    days (20 with a processor), extendable once by at most 15 days."""

    id = fields.UUID(dump_only=True, required=True)
    citizen_id = fields.UUID(dump_only=True, required=True)
    status = fields.String(
        dump_only=True, required=True, metadata={"description": " | ".join(REQUEST_STATUSES)}
    )
    received_at = fields.AwareDateTime(dump_only=True, required=True)
    answer_due_at = fields.AwareDateTime(dump_only=True, required=True)
    complete_due_at = fields.AwareDateTime(dump_only=True, required=True)
    due_at = fields.AwareDateTime(
        dump_only=True, required=True, metadata={"description": "The deadline the request is on now."}
    )
    overdue = fields.Function(
        lambda request: requests.overdue(request), dump_only=True, required=True, metadata={"type": "boolean"}
    )
    processor_involved = fields.Boolean(dump_only=True, required=True)
    answer = fields.String(dump_only=True, required=True, allow_none=True)
    answered_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    extended_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    extension_reason = fields.String(dump_only=True, required=True, allow_none=True)
    completed_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    closed_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    outcome = fields.String(
        dump_only=True, required=True, allow_none=True, metadata={"description": " | ".join(REQUEST_OUTCOMES)}
    )
    history = fields.List(fields.Nested(HistoryStepSchema), dump_only=True, required=True)


class PrivacyRequestQuerySchema(ListQuerySchema):
    status = fields.String(
        validate=validate.OneOf(REQUEST_STATUSES),
        metadata={"description": "Default for the officer: the open ones (received, answered)."},
    )
    overdue = fields.Boolean(
        metadata={"description": "Officer: only those past (true) or within (false) their deadline."}
    )


class RequestAnswerSchema(Schema):
    answer = fields.String(required=True, validate=TEXT, metadata={"description": "What will be done, how."})
    processor_involved = fields.Boolean(
        load_default=False, metadata={"description": "A processor or third party must act: 20 days."}
    )


class RequestActSchema(Schema):
    note = fields.String(required=True, validate=TEXT, metadata={"description": "What was done."})


class RequestExtendSchema(Schema):
    reason = fields.String(required=True, validate=SHORT)
    days = fields.Integer(load_default=15, validate=validate.Range(min=1, max=requests.MAX_EXTENSION.days))


class RequestCloseSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(REQUEST_OUTCOMES))
    note = fields.String(load_default="", validate=validate.Length(max=4000))


class BreachChangesSchema(Schema):
    """What is learnt of a breach after it is registered."""

    what = fields.String(validate=TEXT, metadata={"description": "What happened."})
    detected_at = Instant(within=NOW, metadata={"description": "Starts the 72-hour clock."})
    data_affected = fields.String(validate=validate.Length(max=4000))
    people_affected = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=200_000_000))
    measures = fields.String(
        validate=validate.Length(max=4000), metadata={"description": "Taken and planned."}
    )


class BreachSchema(BreachChangesSchema):
    """A personal-data breach and its notification to the Ministry of Public Security (A05), due 72 hours
    after detection."""

    what = fields.String(required=True, validate=TEXT, metadata={"description": "What happened."})
    detected_at = Instant(required=True, within=NOW, metadata={"description": "Starts the 72-hour clock."})
    data_affected = fields.String(load_default="", validate=validate.Length(max=4000))
    people_affected = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=200_000_000)
    )
    measures = fields.String(load_default="", validate=validate.Length(max=4000))
    id = fields.UUID(dump_only=True, required=True)
    notify_due_at = fields.AwareDateTime(dump_only=True, required=True)
    notified_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    notified_how = fields.String(dump_only=True, required=True, allow_none=True)
    notified_reference = fields.String(dump_only=True, required=True, allow_none=True)
    reminders_sent = fields.Integer(dump_only=True, required=True)
    citizens_informed_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    citizens_informed = fields.Integer(dump_only=True, required=True)
    created_at = fields.AwareDateTime(dump_only=True, required=True)
    updated_at = fields.AwareDateTime(dump_only=True, required=True)


class BreachNotifiedSchema(Schema):
    """The notification sent to the authority."""

    at = Instant(required=True, within=NOW, metadata={"description": "When it was sent."})
    how = fields.String(
        required=True, validate=SHORT, metadata={"description": "Channel and form, e.g. the A05 portal."}
    )
    reference = fields.String(validate=validate.Length(max=200), metadata={"description": "Its number."})


class BreachInformSchema(Schema):
    """Tell affected citizens, on every device they have."""

    citizen_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=10_000))
    message = fields.String(
        required=True, validate=SHORT, metadata={"description": "What happened, what to do."}
    )


class AccessLogQuerySchema(ListQuerySchema):
    subject = fields.UUID(metadata={"description": "A citizen (all their feedback) or one feedback."})
    since = Instant(within=NOW, metadata={"description": "From this time on."})
    until = Instant(within=timedelta(days=1), metadata={"description": "Before this time."})


class AccessEntrySchema(AuditEventSchema):
    """One read of personal data by staff or an integrator: `feedback.contact_view`, `feedback.photo_view`."""

    class Meta:
        exclude = ("before", "after")
