"""Shapes of Zalo sign-in, phone sharing and the templates Zalo approved."""

from marshmallow import Schema, fields, validate

from schemas.common import PROVINCE_CODE, WARD_CODE
from schemas.devices import LOCALE

TEMPLATE_CHANNELS = ("zalo_miniapp", "zns")
ACCESS_TOKEN = fields.String(
    required=True,
    load_only=True,
    validate=validate.Length(min=1, max=2048),
    metadata={"description": "The Mini App's user access token (zmp-sdk getAccessToken); never stored."},
)


class ZaloSignInSchema(Schema):
    """A Mini App user signs in: Zalo verifies the token; the answer is a device token like POST /devices."""

    access_token = ACCESS_TOKEN
    province_code = fields.Integer(required=True, validate=PROVINCE_CODE)
    ward_code = fields.Integer(allow_none=True, validate=WARD_CODE)
    locale = fields.String(load_default="vi", validate=[validate.Length(max=35), LOCALE])
    notice_version = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=32),
        metadata={
            "description": "The version of the `zalo_sign_in` notice (GET /api/v1/privacy/notices) shown: "
            "signing in is consenting to it."
        },
    )


class PhoneShareSchema(Schema):
    """The citizen agreed, on the privacy notice `notice_version`, to share the phone Zalo verified."""

    access_token = ACCESS_TOKEN
    code = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=512),
        metadata={"description": "The one-time code of zmp-sdk getPhoneNumber."},
    )
    notice_version = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "The version of the `phone` notice (GET /api/v1/privacy/notices) shown."},
    )


class TemplateParamSchema(Schema):
    name = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9_]{1,64}$"),
        metadata={
            "description": "The parameter's name in the template Zalo approved.",
            "example": "ma_ho_so",
        },
    )
    field = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={
            "description": "Our field it takes (GET /api/v1/zalo/templates/messages).",
            "example": "code",
        },
    )
    max_length = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=2000),
        metadata={"description": "Zalo's limit for the parameter, in characters; longer values are cut."},
    )


class ZaloTemplateSchema(Schema):
    channel = fields.String(dump_only=True, required=True, validate=validate.OneOf(TEMPLATE_CHANNELS))
    message = fields.String(dump_only=True, required=True)
    template_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    params = fields.List(
        fields.Nested(TemplateParamSchema), required=True, validate=validate.Length(min=1, max=20)
    )
    active = fields.Boolean(load_default=True)
    updated_at = fields.AwareDateTime(dump_only=True, required=True)


class ZaloTemplatesSchema(Schema):
    items = fields.List(fields.Nested(ZaloTemplateSchema), required=True)


class TemplateMessageSchema(Schema):
    message = fields.String(required=True)
    fields_ = fields.List(fields.String(), required=True, data_key="fields")


class TemplateMessagesSchema(Schema):
    items = fields.List(fields.Nested(TemplateMessageSchema), required=True)


class ZaloWebhookAnswerSchema(Schema):
    received = fields.Boolean(required=True)
    matched = fields.Integer(required=True, metadata={"description": "Deliveries the event was about."})
