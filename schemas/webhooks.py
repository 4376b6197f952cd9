from marshmallow import Schema, fields, validate

from schemas.common import ListQuerySchema
from services.outbox.channels.webhook import USER_AGENT

URL = validate.Length(min=1, max=2000)


def event_names(**options) -> fields.List:
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(min=1, max=50),
        metadata={"description": "Events to receive, e.g. feedback.created (docs/webhooks.md lists them)."},
        **options,
    )


DESCRIPTION = validate.Length(max=500)


class WebhookSchema(Schema):
    """A receiver of signed event deliveries. Its secret is shown only when created or rotated."""

    id = fields.UUID(dump_only=True, required=True)
    url = fields.String(
        required=True,
        validate=URL,
        metadata={"description": "https URL; it must resolve to public addresses only.", "example": "https://"
                  "hethong.so-xd.danang.gov.vn/citizen-events"},
    )  # fmt: skip
    events = event_names(required=True)
    department_id = fields.UUID(
        allow_none=True,
        metadata={
            "description": "Whose feedback events it receives; null (admins only): every department's."
        },
    )
    description = fields.String(validate=DESCRIPTION, load_default="")
    active = fields.Boolean(
        dump_only=True, required=True, metadata={"description": "false once disabled; PATCH active: true"}
    )
    disabled_reason = fields.String(dump_only=True, required=True, allow_none=True)
    disabled_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    failures = fields.Integer(
        dump_only=True, required=True, metadata={"description": "Failed attempts in a row."}
    )
    failing_since = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    created_by = fields.String(dump_only=True, required=True)
    created_at = fields.AwareDateTime(dump_only=True, required=True)
    updated_at = fields.AwareDateTime(dump_only=True, required=True)


class WebhookWithSecretSchema(WebhookSchema):
    secret = fields.String(
        dump_only=True,
        required=True,
        metadata={"description": f"Signs every delivery (X-Signature); shown only in this response. "
                  f"Deliveries come with User-Agent {USER_AGENT}."},
    )  # fmt: skip


class WebhookChangesSchema(Schema):
    """What PATCH may change; `active: true` switches a disabled webhook on again."""

    url = fields.String(validate=URL)
    events = event_names()
    description = fields.String(validate=DESCRIPTION)
    active = fields.Boolean()


WebhookQuerySchema = ListQuerySchema


class WebhookDeliverySchema(Schema):
    """One delivery to a webhook and what became of it."""

    id = fields.UUID(required=True)
    event = fields.Function(
        lambda delivery: delivery.payload["event"], required=True, metadata={"type": "string"}
    )
    event_id = fields.UUID(
        required=True, allow_none=True, metadata={"description": "X-Webhook-Id; null for a ping."}
    )
    status = fields.String(
        required=True, validate=validate.OneOf(("pending", "retrying", "sent", "failed", "gone"))
    )
    attempts = fields.Integer(required=True)
    status_code = fields.Integer(
        required=True, allow_none=True, metadata={"description": "The receiver's last HTTP status."}
    )
    latency_ms = fields.Integer(required=True, allow_none=True)
    last_error = fields.String(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    last_attempt_at = fields.AwareDateTime(required=True, allow_none=True)
    next_attempt_at = fields.AwareDateTime(required=True, allow_none=True)
    completed_at = fields.AwareDateTime(required=True, allow_none=True)
