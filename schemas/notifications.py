from marshmallow import Schema, fields, validate

from schemas.common import ListQuerySchema, TargetsSchema
from schemas.devices import LOCALE
from services.models import NOTIFICATION_STATUSES

TITLE = validate.Length(min=1, max=120)
BODY = validate.Length(min=1, max=1000)


class TextSchema(Schema):
    title = fields.String(required=True, validate=TITLE)
    body = fields.String(required=True, validate=BODY)


class AnnouncementSchema(Schema):
    """A one-off message to a place, pushed to its FCM topics and kept in devices' inboxes."""

    targets = fields.Nested(TargetsSchema, required=True)
    title = fields.String(required=True, validate=TITLE, metadata={"example": "Tạm ngừng cấp nước"})
    body = fields.String(required=True, validate=BODY)
    translations = fields.Dict(
        keys=fields.String(validate=LOCALE),
        values=fields.Nested(TextSchema),
        validate=validate.Length(max=3),
        metadata={"description": 'Other languages: {"en": {"title", "body"}}.'},
    )
    data = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        values=fields.String(validate=validate.Length(max=200)),
        validate=validate.Length(max=10),
        metadata={"description": "Deep-link data for the app (string values)."},
    )
    priority = fields.String(load_default="normal", validate=validate.OneOf(("high", "normal")))


class NotificationSchema(Schema):
    """An outbox row and its delivery record."""

    id = fields.UUID(required=True)
    source_type = fields.String(required=True, metadata={"example": "alert"})
    source_id = fields.String(required=True, allow_none=True)
    audience = fields.String(required=True, metadata={"description": "place | citizens"})
    targets = fields.Dict(required=True, allow_none=True)
    content = fields.Dict(required=True)
    data = fields.Dict(required=True)
    priority = fields.String(required=True)
    ttl_seconds = fields.Integer(required=True, allow_none=True)
    collapse_key = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(NOTIFICATION_STATUSES))
    success_count = fields.Integer(required=True, metadata={"description": "FCM sends accepted."})
    failure_count = fields.Integer(
        required=True, metadata={"description": "Recipients that failed for good."}
    )
    message_ids = fields.List(fields.String(), required=True, metadata={"description": "FCM message names."})
    last_error = fields.String(required=True, allow_none=True)
    send_at = fields.AwareDateTime(
        required=True, metadata={"description": "Not sent (nor in inboxes) before."}
    )
    outstanding = fields.Integer(required=True, metadata={"description": "Deliveries not finished yet."})
    created_at = fields.AwareDateTime(required=True)
    first_sent_at = fields.AwareDateTime(required=True, allow_none=True)
    completed_at = fields.AwareDateTime(required=True, allow_none=True)


class NotificationQuerySchema(ListQuerySchema):
    status = fields.String(validate=validate.OneOf(NOTIFICATION_STATUSES))
    source = fields.String(validate=validate.Length(max=32), metadata={"example": "announcement"})


class InboxItemSchema(Schema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    type = fields.String(
        required=True, metadata={"description": "alert | notice | feedback | announcement …"}
    )
    source_id = fields.String(required=True, allow_none=True)
    data = fields.Dict(required=True)
    priority = fields.String(required=True)
    sent_at = fields.AwareDateTime(required=True)
    read = fields.Boolean(required=True)


class DeliverySummarySchema(Schema):
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    delivered = fields.Integer(required=True)
    failed_recipients = fields.Integer(required=True)
    first_sent_at = fields.AwareDateTime(required=True, allow_none=True)
    last_sent_at = fields.AwareDateTime(required=True, allow_none=True)
