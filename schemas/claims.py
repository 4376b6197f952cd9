from marshmallow import EXCLUDE, Schema, fields, validate

from schemas.common import ListQuerySchema
from services.models import CLAIM_GROUP_STATUSES, CLAIM_PLATFORMS, RATINGS
from services.models.claims import LINK_LENGTH

LINK = validate.Length(min=1, max=LINK_LENGTH)
RATING_DESCRIPTION = (
    "false, misleading, missing_context, true, unverifiable. ClaimReview maps it to ratingValue 1–4 "
    "(false 1 … true 4; unverifiable: no number, only the name)."
)


class SourceSchema(Schema):
    url = fields.Url(
        required=True, validate=LINK, metadata={"example": "https://danang.gov.vn/thong-bao/123"}
    )
    title = fields.String(
        validate=validate.Length(max=300), metadata={"example": "Thông báo của UBND phường"}
    )


class FactCheckSchema(Schema):
    """A department's published answer to a claim."""

    id = fields.UUID(dump_only=True, required=True)
    group_id = fields.UUID(dump_only=True, required=True)
    department_id = fields.UUID(dump_only=True, required=True)
    department_name = fields.String(dump_only=True, required=True, attribute="department.name")
    claim_reviewed = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "The claim as stated.", "example": "Xã sẽ thu hồi đất của hộ chưa có sổ đỏ"},
    )
    rating = fields.String(
        required=True, validate=validate.OneOf(RATINGS), metadata={"description": RATING_DESCRIPTION}
    )
    explanation = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    sources = fields.List(
        fields.Nested(SourceSchema),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "The official sources (notices, documents): at least one link."},
    )
    correction_notice_id = fields.UUID(
        allow_none=True, metadata={"description": "A notice of kind `correction` issued on the claim."}
    )
    version = fields.Integer(
        dump_only=True, required=True, metadata={"description": "1, then +1 per change."}
    )
    published_at = fields.AwareDateTime(dump_only=True, required=True)
    updated_at = fields.AwareDateTime(dump_only=True, required=True)


class ClaimReportSchema(Schema):
    """A citizen's report of a claim: its text and/or the link where it was seen (at least one)."""

    id = fields.UUID(dump_only=True, required=True)
    group_id = fields.UUID(dump_only=True, required=True)
    text = fields.String(
        validate=validate.Length(max=4000),
        metadata={"example": "Xã sẽ thu hồi đất của các hộ chưa có sổ đỏ trước ngày 1/1"},
    )
    link = fields.String(
        allow_none=True, validate=LINK, metadata={"example": "https://www.facebook.com/groups/x/posts/1"}
    )
    platform = fields.String(required=True, validate=validate.OneOf(CLAIM_PLATFORMS))
    screenshot_id = fields.UUID(
        load_only=True,
        allow_none=True,
        metadata={"description": "An image this device uploaded (POST /attachments), not yet used."},
    )
    ward_code = fields.Integer(allow_none=True, metadata={"description": "Default: the device's ward."})
    province_code = fields.Integer(dump_only=True, required=True)
    created_at = fields.AwareDateTime(dump_only=True, required=True)
    fact_check = fields.Nested(
        FactCheckSchema,
        dump_only=True,
        required=True,
        allow_none=True,
        attribute="group.fact_check",
        metadata={"description": "The claim was checked already: here is the answer."},
    )


class ClaimGroupSchema(Schema):
    """One claim as it spreads: its reports, grouped by link or near-identical text."""

    id = fields.UUID(required=True)
    text = fields.String(required=True, metadata={"description": "The first report's words (or its link)."})
    status = fields.String(required=True, validate=validate.OneOf(CLAIM_GROUP_STATUSES))
    department_id = fields.UUID(required=True, allow_none=True)
    needs_triage = fields.Boolean(required=True)
    province_code = fields.Integer(required=True)
    ward_code = fields.Integer(required=True, allow_none=True)
    devices = fields.Integer(required=True, metadata={"description": "Distinct reporting devices."})
    urgent = fields.Boolean(
        required=True, metadata={"description": "Many devices reported it within hours: due sooner."}
    )
    first_seen_at = fields.AwareDateTime(required=True)
    last_reported_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True)
    fact_checked_at = fields.AwareDateTime(required=True, allow_none=True)
    fact_check_id = fields.UUID(required=True, allow_none=True, attribute="fact_check.id")


class ClaimTransferSchema(Schema):
    """ "Not ours to check": name the department that is responsible, and why."""

    department_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ClaimGroupReportSchema(Schema):
    id = fields.UUID(required=True, attribute="report.id")
    text = fields.String(required=True, attribute="report.text")
    link = fields.String(required=True, allow_none=True, attribute="report.link")
    platform = fields.String(required=True, attribute="report.platform")
    ward_code = fields.Integer(required=True, allow_none=True, attribute="report.ward_code")
    created_at = fields.AwareDateTime(required=True, attribute="report.created_at")
    screenshot_ids = fields.List(
        fields.UUID(), required=True, metadata={"description": "GET /attachments/{id} shows each."}
    )


class GrowthSchema(Schema):
    date = fields.Date(required=True, metadata={"description": "Local day (Asia/Ho_Chi_Minh)."})
    reports = fields.Integer(required=True)


class ClaimGroupDetailSchema(Schema):
    group = fields.Nested(ClaimGroupSchema, required=True)
    reports = fields.List(
        fields.Nested(ClaimGroupReportSchema), required=True, metadata={"description": "Oldest first."}
    )
    growth = fields.List(
        fields.Nested(GrowthSchema), required=True, metadata={"description": "Reports per day."}
    )


class ClaimGroupQuerySchema(ListQuerySchema):
    status = fields.String(validate=validate.OneOf(CLAIM_GROUP_STATUSES))
    department_id = fields.UUID(
        metadata={"description": "Those who see every department: only this one's groups."}
    )
    overdue = fields.Boolean(metadata={"description": "Open and past its deadline."})


class ClaimCheckQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    url = fields.String(validate=LINK, metadata={"example": "https://www.facebook.com/groups/x/posts/1"})
    q = fields.String(validate=validate.Length(min=1, max=2000), metadata={"example": "thu hồi đất sổ đỏ"})


class ClaimCheckSchema(Schema):
    items = fields.List(
        fields.Nested(FactCheckSchema),
        required=True,
        metadata={"description": "Published fact-checks, newest first; empty when nothing was checked."},
    )


class ClaimReviewSchema(Schema):
    """schema.org ClaimReview JSON-LD (application/ld+json); other properties as schema.org defines them."""

    class Meta:
        unknown = EXCLUDE

    context = fields.String(required=True, data_key="@context")
    type = fields.String(required=True, data_key="@type")
    url = fields.String(required=True)
    claimReviewed = fields.String(required=True)  # noqa: N815 - schema.org's name
    reviewRating = fields.Dict(required=True)  # noqa: N815
    itemReviewed = fields.Dict(required=True)  # noqa: N815
    author = fields.Dict(required=True)
    datePublished = fields.String(required=True)  # noqa: N815
