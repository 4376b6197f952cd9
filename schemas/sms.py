"""Shapes of SMS subscriptions, which staff record at the commune office and list."""

from marshmallow import Schema, fields, validate

from schemas.common import WARD_CODE, ListQuerySchema

STATUSES = ("pending", "active", "stopped")


class SmsSubscriptionSchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    phone = fields.String(
        required=True, validate=validate.Length(min=3, max=30), metadata={"example": "0912 345 678"}
    )
    ward_code = fields.Integer(required=True, validate=WARD_CODE)
    province_code = fields.Integer(dump_only=True, required=True)
    consent = fields.Boolean(
        required=True,
        load_only=True,
        metadata={
            "description": "The citizen agreed, at the office, to receive the commune's alerts by SMS."
        },
    )
    status = fields.String(dump_only=True, required=True, validate=validate.OneOf(STATUSES))
    source = fields.String(
        dump_only=True,
        required=True,
        metadata={"description": "`office` (recorded by staff) or `sms` (texted DK, confirmed with Y)."},
    )
    created_at = fields.AwareDateTime(dump_only=True, required=True)
    confirmed_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    stopped_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)


class SmsSubscriptionQuerySchema(ListQuerySchema):
    ward_code = fields.Integer(validate=WARD_CODE)
    phone = fields.String(validate=validate.Length(max=30))
    status = fields.String(validate=validate.OneOf(STATUSES))
