from marshmallow import Schema, fields

from schemas.claims import FactCheckSchema
from schemas.notices import NoticeSummarySchema, PlaceQuerySchema

FeedQuerySchema = PlaceQuerySchema


class FeedAlertSchema(Schema):
    """An active alert on the home screen (the alerts API has the full CAP-shaped alert)."""

    id = fields.UUID(required=True)
    category = fields.String(required=True)
    headline = fields.String(required=True)
    severity = fields.String(required=True)
    urgency = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True, allow_none=True)
    source_url = fields.String(required=True, allow_none=True)
    published_at = fields.AwareDateTime(required=True)


class FeedSchema(Schema):
    """The app's home screen for one place."""

    province_code = fields.Integer(required=True)
    ward_code = fields.Integer(required=True, allow_none=True)
    alerts = fields.List(fields.Nested(FeedAlertSchema), required=True)
    latest_notices = fields.List(
        fields.Nested(NoticeSummarySchema), required=True, metadata={"description": "Newest first."}
    )
    open_consultations = fields.List(
        fields.Nested(NoticeSummarySchema), required=True, metadata={"description": "Closing soonest first."}
    )
    fact_checks = fields.List(
        fields.Nested(FactCheckSchema),
        required=True,
        metadata={
            "description": "Newest first: fact-checks on claims reported in the place (docs/claims.md)."
        },
    )
