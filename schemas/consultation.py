from marshmallow import Schema, fields, validate

from schemas.common import ListQuerySchema
from services.models import COMMENT_STATUSES, NOTICE_STAGES

COMMENT = validate.Length(min=1, max=5000)


class CommentCreateSchema(Schema):
    body = fields.String(required=True, validate=COMMENT, metadata={"description": "Plain text."})
    section = fields.String(
        allow_none=True, validate=validate.Length(min=1, max=100), metadata={"example": "Điều 5"}
    )
    contact = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Phone or email for the drafting department; never shown publicly."},
    )


class CommentSchema(Schema):
    """A consultation comment; `contact`, `hidden_reason` and `moderated_at` only for the department."""

    id = fields.UUID(required=True)
    notice_id = fields.UUID(required=True)
    section = fields.String(required=True, allow_none=True)
    body = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(COMMENT_STATUSES))
    created_at = fields.AwareDateTime(required=True)
    reply = fields.String(required=True, allow_none=True)
    replied_at = fields.AwareDateTime(required=True, allow_none=True)
    contact = fields.String(allow_none=True)
    hidden_reason = fields.String(allow_none=True)
    moderated_at = fields.AwareDateTime(allow_none=True)


# What the public never sees of a comment.
PRIVATE_FIELDS = ("contact", "hidden_reason", "moderated_at")


class CommentQuerySchema(ListQuerySchema):
    status = fields.String(
        validate=validate.OneOf(COMMENT_STATUSES),
        metadata={"description": "Department staff only; the public sees published comments."},
    )


class ModerationSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("published", "hidden")))
    reason = fields.String(
        validate=validate.Length(min=1, max=500), metadata={"description": "Required to hide."}
    )


class ReplySchema(Schema):
    body = fields.String(
        required=True, validate=COMMENT, metadata={"description": "Published with the comment."}
    )


class ReportCommentSchema(Schema):
    id = fields.UUID(required=True)
    created_at = fields.AwareDateTime(required=True)
    section = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(COMMENT_STATUSES))
    body = fields.String(required=True)
    reply = fields.String(required=True, allow_none=True)
    replied_at = fields.AwareDateTime(required=True, allow_none=True)
    hidden_reason = fields.String(required=True, allow_none=True)


class ConsultationReportSchema(Schema):
    """What the drafting department reports on a consultation (also as CSV with Accept: text/csv)."""

    notice_id = fields.UUID(required=True)
    title = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(NOTICE_STAGES))
    consultation_closes_at = fields.AwareDateTime(required=True, allow_none=True)
    total = fields.Integer(required=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    by_section = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": 'Comments per section; "" for those without one.'},
    )
    replied = fields.Integer(required=True)
    replied_share = fields.Float(required=True, metadata={"description": "replied / total, 0 when none."})
    comments = fields.List(fields.Nested(ReportCommentSchema), required=True)
