from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from schemas.attachments import AttachmentSchema
from schemas.common import PROVINCE_CODE, WARD_CODE, ListQuerySchema
from schemas.departments import FocalPointSchema
from schemas.devices import CATEGORY_CODE
from schemas.forms import SLUG, LabelSchema
from services.feedback.workflow import REJECTION_REASONS
from services.models import FEEDBACK_STATUSES

PRIORITIES = ("urgent", "normal", "complex")


class LocationSchema(Schema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class ContactSchema(Schema):
    """How the department may reach the citizen; left out when anonymous."""

    name = fields.String(allow_none=True, validate=validate.Length(max=200))
    phone = fields.String(allow_none=True, validate=validate.Length(max=30))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone_verified = fields.Boolean(
        dump_only=True, metadata={"description": "The phone is the one Zalo verified for the citizen."}
    )


class SubmissionSchema(Schema):
    """A citizen's answers to a form. Send an `Idempotency-Key` header to retry safely."""

    form = fields.String(required=True, validate=SLUG, metadata={"example": "road-damage"})
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.Raw(allow_none=True),
        required=True,
        validate=validate.Length(max=50),
        metadata={"description": "Field name → answer; photos are lists of attachment ids."},
    )
    province_code = fields.Integer(required=True, validate=PROVINCE_CODE)
    ward_code = fields.Integer(allow_none=True, validate=WARD_CODE)
    location = fields.Nested(LocationSchema, allow_none=True)
    contact = fields.Nested(ContactSchema, allow_none=True)
    anonymous = fields.Boolean(load_default=False)


class HandlerSchema(Schema):
    """The department handling the feedback and whom to call there."""

    id = fields.UUID(required=True)
    name = fields.String(required=True)
    focal_point = fields.Nested(FocalPointSchema, required=True, allow_none=True)


class FormRefSchema(Schema):
    """The form and the version a feedback answered."""

    slug = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.Nested(LabelSchema, required=True)


class FeedbackReplySchema(Schema):
    id = fields.UUID(required=True)
    body = fields.String(required=True)
    public = fields.Boolean(required=True)
    department = fields.Nested(HandlerSchema, only=("id", "name"), required=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)
    created_at = fields.AwareDateTime(required=True)


class EventSchema(Schema):
    """One step on the timeline."""

    at = fields.AwareDateTime(required=True)
    kind = fields.String(required=True, metadata={"example": "transferred"})
    from_status = fields.String(required=True, allow_none=True)
    to_status = fields.String(required=True, allow_none=True)
    department = fields.Nested(HandlerSchema, only=("id", "name"), required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)


class StaffEventSchema(EventSchema):
    actor_type = fields.String(required=True)
    actor_label = fields.String(required=True)
    data = fields.Dict(required=True)


class RatingSchema(Schema):
    score = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(allow_none=True, validate=validate.Length(max=1000))


class FeedbackSummarySchema(Schema):
    id = fields.UUID(required=True)
    tracking_code = fields.String(required=True, metadata={"example": "PA-2611-7QK3M9"})
    status = fields.String(required=True, validate=validate.OneOf(FEEDBACK_STATUSES))
    priority = fields.String(required=True, validate=validate.OneOf(PRIORITIES))
    category_code = fields.String(required=True)
    form = fields.Nested(FormRefSchema, required=True, attribute="answered_form")
    department = fields.Nested(HandlerSchema, required=True)
    needs_triage = fields.Boolean(required=True)
    province_code = fields.Integer(required=True)
    ward_code = fields.Integer(required=True, allow_none=True)
    received_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True)
    answered_at = fields.AwareDateTime(required=True, allow_none=True)


class FeedbackSchema(FeedbackSummarySchema):
    """A feedback as its citizen sees it, with the timeline and the department's replies."""

    answers = fields.Dict(required=True)
    location = fields.Nested(LocationSchema, required=True, allow_none=True)
    address = fields.String(
        required=True, allow_none=True, metadata={"description": "The street address an Open311 client gave."}
    )
    media_url = fields.String(
        required=True, allow_none=True, metadata={"description": "A photo's URL an Open311 client gave."}
    )
    contact = fields.Nested(ContactSchema, required=True, allow_none=True)
    verified_via = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "How the citizen's identity was verified: `zalo`, or null (anonymous)."},
    )
    anonymous = fields.Boolean(required=True)
    closed_at = fields.AwareDateTime(required=True, allow_none=True)
    resolution = fields.String(required=True, allow_none=True)
    rejection_reason = fields.String(required=True, allow_none=True)
    rating = fields.Nested(RatingSchema, required=True, allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)
    replies = fields.List(fields.Nested(FeedbackReplySchema), required=True)
    timeline = fields.List(fields.Nested(EventSchema), required=True, attribute="citizen_timeline")


class AssigneeSchema(Schema):
    id = fields.UUID(required=True)
    full_name = fields.String(required=True)


class FeedbackStaffSchema(FeedbackSchema):
    """A feedback as its department sees it: also who works on it and who did each step."""

    assignee = fields.Nested(AssigneeSchema, required=True, allow_none=True)
    duplicate_of_id = fields.UUID(required=True, allow_none=True)
    timeline = fields.List(fields.Nested(StaffEventSchema), required=True, attribute="events")
    personal_answers = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Answers the department marked as personal: erased with the citizen."},
    )


class PublicReplySchema(Schema):
    body = fields.String(required=True)
    department = fields.Nested(HandlerSchema, only=("id", "name"), required=True)
    created_at = fields.AwareDateTime(required=True)


class PublicFeedbackSchema(Schema):
    """An answered feedback on the public board: no answers, contact or other personal data."""

    tracking_code = fields.String(required=True)
    category_code = fields.String(required=True)
    form = fields.Nested(FormRefSchema, required=True, attribute="answered_form")
    status = fields.String(required=True)
    province_code = fields.Integer(required=True)
    ward_code = fields.Integer(required=True, allow_none=True)
    department = fields.Nested(HandlerSchema, only=("id", "name"), required=True)
    received_at = fields.AwareDateTime(required=True)
    answered_at = fields.AwareDateTime(required=True)
    replies = fields.List(fields.Nested(PublicReplySchema), required=True, attribute="public_replies")
    rating = fields.Integer(required=True, allow_none=True, attribute="rating_score")


class AssignSchema(Schema):
    user_id = fields.UUID(required=True, metadata={"description": "An officer or editor of the department."})


class TransferSchema(Schema):
    """ "Not responsible": name the department that is; the citizen sees it."""

    department_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class NoteSchema(Schema):
    """An internal note: on the department's timeline only; the citizen sees nothing."""

    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class PersonalAnswersSchema(Schema):
    """Which of the feedback's answers hold personal data (names of people, a family's situation)."""

    names = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(max=50),
        metadata={"description": "Answer names, e.g. `details`; replaces the earlier marking."},
    )


class NewReplySchema(Schema):
    """The department's answer; it moves the feedback to answered and notifies the citizen."""

    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    attachment_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=10))
    public = fields.Boolean(load_default=False, metadata={"description": "Show on the public board."})


class StatusChangeSchema(Schema):
    """in_progress; rejected with `reason` (duplicate needs `duplicate_of`); closed with `resolution`."""

    to = fields.String(required=True, validate=validate.OneOf(("in_progress", "rejected", "closed")))
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))
    reason = fields.String(validate=validate.OneOf(REJECTION_REASONS))
    duplicate_of = fields.UUID()
    resolution = fields.String(validate=validate.OneOf(("resolved", "unresolved")))

    @validates_schema
    def _what_each_move_needs(self, data, **_kwargs) -> None:
        """What the body must say; whether the feedback may move (and be closed as resolved) is the
        workflow's call, on the stored feedback."""
        errors = {}
        if data["to"] == "rejected" and not data.get("reason"):
            errors["reason"] = [f"Give a reason: one of {', '.join(REJECTION_REASONS)}."]
        elif data["to"] == "rejected" and data["reason"] == "duplicate" and not data.get("duplicate_of"):
            errors["duplicate_of"] = ["Name the feedback this one duplicates."]
        if data["to"] == "closed" and not data.get("resolution"):
            errors["resolution"] = ["Say whether the issue was resolved or unresolved."]
        elif data["to"] == "closed" and data["resolution"] == "unresolved" and not data.get("note"):
            errors["note"] = ["Say why it closes unresolved."]
        if errors:
            raise ValidationError(errors)


class ReopenSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class InboxQuerySchema(ListQuerySchema):
    status = fields.String(validate=validate.OneOf(FEEDBACK_STATUSES))
    overdue = fields.Boolean()
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    category = fields.String(validate=CATEGORY_CODE, metadata={"description": "A category's code."})
    ward_code = fields.Integer(validate=WARD_CODE, metadata={"description": "The commune or ward."})
    assignee_id = fields.UUID(metadata={"description": "Assigned to this officer."})
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "Words from the answers (diacritics optional), or a whole tracking code."},
    )


class PublicBoardQuerySchema(ListQuerySchema):
    province_code = fields.Integer(validate=PROVINCE_CODE)
    category = fields.String(validate=CATEGORY_CODE)


class TrackQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE  # like every query string: unknown parameters are ignored

    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "The tracking code, in any case.", "example": "PA-2611-7QK3M9"},
    )
