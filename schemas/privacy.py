"""Shapes of the citizen's privacy rights: the notices, the consents per purpose, the export."""

from marshmallow import Schema, fields, validate

from services.identity.consents import NOTICES

PURPOSES = tuple(NOTICES)


class PrivacyNoticeSchema(Schema):
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))
    version = fields.String(required=True)
    text = fields.Dict(
        keys=fields.String(), values=fields.String(), required=True, metadata={"description": "By language."}
    )


class PrivacyNoticesSchema(Schema):
    items = fields.List(fields.Nested(PrivacyNoticeSchema), required=True)


class ConsentGivenSchema(Schema):
    """The citizen agreed to `purpose` after reading `notice_version` of its notice."""

    purpose = fields.String(
        required=True,
        validate=validate.OneOf(PURPOSES),
        metadata={"description": "One of GET /api/v1/privacy/notices.", "example": "precise_location"},
    )
    notice_version = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "The version of the notice shown.", "example": "2026-12-1"},
    )


class ConsentStateSchema(Schema):
    purpose = fields.String(required=True)
    given = fields.Boolean(required=True, metadata={"description": "The citizen's latest word is a consent."})
    notice_version = fields.String(
        allow_none=True, required=True, metadata={"description": "The notice version of the latest word."}
    )
    current_version = fields.String(required=True, metadata={"description": "The notice's current version."})
    up_to_date = fields.Boolean(
        required=True, metadata={"description": "Given on the current notice: what the app may collect."}
    )
    recorded_at = fields.DateTime(allow_none=True, required=True)
    channel = fields.String(
        allow_none=True, required=True, metadata={"description": "app, zalo, sms, office"}
    )


class ConsentsSchema(Schema):
    items = fields.List(fields.Nested(ConsentStateSchema), required=True)


class ExportQuerySchema(Schema):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "zip")),
        metadata={"description": "json, or zip: that JSON and the photos."},
    )


_ROWS = fields.List(fields.Dict(), required=True)


class PersonalDataSchema(Schema):
    """Everything held about the citizen, each row with every column it has (secrets left out)."""

    citizen_id = fields.String(required=True)
    exported_at = fields.String(required=True)
    identity = fields.Dict(
        allow_none=True, required=True, metadata={"description": "Signed in with Zalo: Zalo id and phone."}
    )
    devices = _ROWS
    consents = _ROWS
    feedback = fields.List(
        fields.Dict(), required=True, metadata={"description": "With answers, timeline, replies, photos."}
    )
    comments = _ROWS
    scam_reports = _ROWS
    notifications = _ROWS
    sms_subscriptions = _ROWS
