from marshmallow import Schema, fields, validate

from schemas.common import PROVINCE_CODE, WARD_CODE

PLATFORMS = ("android", "ios", "web", "zalo")
HH_MM = validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error="Use HH:MM (24-hour, Việt Nam time).")
CATEGORY_CODE = validate.Regexp(r"^[a-z0-9][a-z0-9_-]{1,63}$")
# A BCP-47 tag such as "vi", "en" or "zh-Hant-TW".
LOCALE = validate.Regexp(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", error="Not a BCP-47 language tag.")


class QuietHoursSchema(Schema):
    """Normal-priority personal messages arrive silently in this window; alerts always ring."""

    start = fields.String(required=True, validate=HH_MM, metadata={"example": "22:00"})
    end = fields.String(required=True, validate=HH_MM, metadata={"example": "06:00"})


class ZaloIdentitySchema(Schema):
    """What the citizen's Zalo sign-in brought."""

    signed_in = fields.Boolean(required=True)
    notifications = fields.Boolean(
        required=True, metadata={"description": "Mini App notifications allowed (PATCH zalo_notifications)."}
    )
    phone = fields.String(
        required=True, allow_none=True, metadata={"description": "The phone shared with consent (E.164)."}
    )


class DeviceSchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS))
    locale = fields.String(load_default="vi", validate=[validate.Length(max=35), LOCALE])
    province_code = fields.Integer(required=True, validate=PROVINCE_CODE)
    ward_code = fields.Integer(allow_none=True, validate=WARD_CODE)
    push_token = fields.String(
        allow_none=True,
        load_only=True,
        validate=validate.Length(min=1, max=4096),
        metadata={"description": "FCM registration token."},
    )
    categories = fields.List(
        fields.String(validate=CATEGORY_CODE),
        validate=validate.Length(max=30),
        metadata={"description": "Category codes the citizen follows (FCM topics cat-<code>)."},
    )
    quiet_hours = fields.Nested(QuietHoursSchema, allow_none=True)
    has_push_token = fields.Method(
        "_has_push_token", dump_only=True, required=True, metadata={"type": "boolean"}
    )
    topics = fields.List(
        fields.String(),
        attribute="subscribed_topics",
        dump_only=True,
        required=True,
        metadata={
            "description": "FCM topics the push token is subscribed to (kept in step by the push worker)."
        },
    )
    created_at = fields.AwareDateTime(dump_only=True, required=True)
    zalo = fields.Nested(ZaloIdentitySchema, dump_only=True, required=True, attribute="zalo_identity")

    def _has_push_token(self, device) -> bool:
        return device.push_token is not None


class DeviceRegisteredSchema(DeviceSchema):
    device_token = fields.String(
        dump_only=True, required=True, metadata={"description": "Bearer token; shown only in this response."}
    )


class DeviceUpdateSchema(Schema):
    locale = fields.String(validate=[validate.Length(max=35), LOCALE])
    province_code = fields.Integer(validate=PROVINCE_CODE)
    ward_code = fields.Integer(allow_none=True, validate=WARD_CODE)
    push_token = fields.String(allow_none=True, validate=validate.Length(min=1, max=4096))
    categories = fields.List(fields.String(validate=CATEGORY_CODE), validate=validate.Length(max=30))
    quiet_hours = fields.Nested(QuietHoursSchema, allow_none=True)
    zalo_notifications = fields.Boolean(
        metadata={"description": "Mini App notifications allowed (after zmp-sdk requestSendNotification)."}
    )
