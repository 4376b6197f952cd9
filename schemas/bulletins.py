"""Shapes of the commune loudspeakers' bulletins."""

from marshmallow import Schema, fields, validate

from schemas.common import WARD_CODE, LegalDate

FORMATS = ("ogg", "mp3")


class BulletinQuerySchema(Schema):
    ward_code = fields.Integer(required=True, validate=WARD_CODE)
    date = LegalDate(metadata={"description": "The day (Việt Nam time), today by default; at most 7 ahead."})


class AudioQuerySchema(Schema):
    format = fields.String(
        load_default="ogg",
        validate=validate.OneOf(FORMATS),
        metadata={"description": "`ogg` (Opus, the app's players) or `mp3` (radio systems, old players)."},
    )


class BulletinItemSchema(Schema):
    type = fields.String(required=True, metadata={"description": "`alert` or `notice`."})
    id = fields.String(required=True)
    heading = fields.String(required=True)
    text = fields.String(required=True, metadata={"description": "The words read aloud."})
    edited = fields.Boolean(required=True, metadata={"description": "Corrected by staff."})


class BulletinSchema(Schema):
    id = fields.UUID(required=True)
    province_code = fields.Integer(required=True)
    ward_code = fields.Integer(required=True)
    day = fields.Date(required=True)
    kind = fields.String(
        required=True, metadata={"description": "`morning`, or `urgent` for a severe alert."}
    )
    alert_id = fields.UUID(required=True, allow_none=True)
    items = fields.List(fields.Nested(BulletinItemSchema), required=True)
    text = fields.String(required=True, metadata={"description": "The whole bulletin as it is read."})
    generated_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class ItemCorrectionSchema(Schema):
    text = fields.String(
        required=True,
        validate=validate.Length(min=1, max=5000),
        metadata={"description": "The item's words as they should be read (a name spelled as it sounds)."},
    )
