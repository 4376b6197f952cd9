from marshmallow import Schema, fields, validate

from schemas.common import PROVINCE_CODE, WARD_CODE

PLATFORMS = ("android", "ios", "web", "zalo")
# A BCP-47 tag such as "vi", "en" or "zh-Hant-TW".
LOCALE = validate.Regexp(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", error="Not a BCP-47 language tag.")


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
    has_push_token = fields.Method("_has_push_token", dump_only=True, required=True, metadata={"type": "boolean"})
    created_at = fields.AwareDateTime(dump_only=True, required=True)

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
