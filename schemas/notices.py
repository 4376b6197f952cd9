from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from schemas.attachments import AttachmentSchema
from schemas.common import ONE_YEAR, Instant, LegalDate, ListQuerySchema, PlaceQuerySchema, TargetsSchema
from schemas.devices import CATEGORY_CODE, LOCALE
from services.core import areas
from services.core.text import language
from services.models import NOTICE_KINDS, NOTICE_STAGES

TITLE = validate.Length(min=1, max=200)
SUMMARY = validate.Length(min=1, max=300)
# Markdown of at most 100 KB in UTF-8 (a Vietnamese letter takes 2 or 3 bytes); larger bodies are
# refused with 422 (and a request over MAX_CONTENT_LENGTH with 413).
BODY_BYTES = 100_000
MAX_ATTACHMENTS = 10


def _at_most_100_kb(text: str) -> None:
    if len(text.encode()) > BODY_BYTES:
        raise ValidationError(f"Longer than {BODY_BYTES:,} bytes (UTF-8).")


BODY = [validate.Length(min=1, max=BODY_BYTES), _at_most_100_kb]


def _not_vietnamese(tag: str) -> None:
    if language(tag) == "vi":
        raise ValidationError("Vietnamese is the notice itself, not a translation.")


class NoticeTargetsSchema(TargetsSchema):
    """Where a notice is aimed. With both provinces and wards named, each ward must lie in one of the
    provinces (a ward of another province beside them is taken for a mistake); wards alone may be
    anywhere."""

    @validates_schema
    def _wards_in_the_provinces(self, data, **_kwargs) -> None:
        provinces = set(data.get("province_codes") or ())
        if not provinces:
            return
        known = filter(None, map(areas.ward, data.get("ward_codes") or ()))  # unknown ones: TargetsSchema
        outside = [ward.code for ward in known if ward.province_code not in provinces]
        if outside:
            raise ValidationError({"ward_codes": [f"Wards {outside} are not in the targeted provinces."]})


class NoticeTextSchema(Schema):
    """A notice in another language."""

    title = fields.String(required=True, validate=TITLE)
    summary = fields.String(required=True, validate=SUMMARY)
    body = fields.String(required=True, validate=BODY)


class NoticeUpdateSchema(Schema):
    """Fields an editor may change; a change to a public notice keeps the previous version."""

    category_code = fields.String(validate=CATEGORY_CODE, metadata={"example": "land"})
    title = fields.String(validate=TITLE, metadata={"example": "Dự thảo quy định hỗ trợ tái định cư"})
    summary = fields.String(
        validate=SUMMARY, metadata={"description": "Plain text, ≤ 300 characters: lists and pushes."}
    )
    body = fields.String(validate=BODY, metadata={"description": "Markdown; offered as sanitised body_html."})
    translations = fields.Dict(
        keys=fields.String(validate=[LOCALE, _not_vietnamese]),
        values=fields.Nested(NoticeTextSchema),
        validate=validate.Length(max=3),
        metadata={"description": 'Other languages: {"en": {"title", "summary", "body"}}.'},
    )
    document_number = fields.String(
        allow_none=True, validate=validate.Length(min=1, max=64), metadata={"example": "82CV-DU"}
    )
    issued_on = LegalDate(allow_none=True)
    effective_on = LegalDate(allow_none=True)
    links = fields.List(
        fields.URL(schemes={"https"}, validate=validate.Length(max=2000)),
        validate=validate.Length(max=20),
        metadata={"description": "Official sources, https only."},
    )
    claim_url = fields.URL(
        allow_none=True,
        schemes={"http", "https"},
        validate=validate.Length(max=2000),
        metadata={"description": "Corrections only (required there): the false claim rebutted."},
    )
    attachment_ids = fields.List(
        fields.UUID(),
        validate=validate.Length(max=MAX_ATTACHMENTS),
        metadata={
            "description": "The documents shown with the notice, in order (the full text of a draft as PDF, "
            "a map): the editor's own uploads from POST /attachments, or ones the notice already has."
        },
    )
    targets = fields.Nested(
        NoticeTargetsSchema,
        metadata={"description": "With both lists, every ward must lie in one of the listed provinces."},
    )
    publish_at = Instant(
        allow_none=True,
        metadata={"description": "Scheduled publishing: public (and pushed) from then. Drafts only."},
    )
    consultation_closes_at = Instant(
        within=2 * ONE_YEAR,
        future=True,
        allow_none=True,
        metadata={"description": "Policies: end of the public consultation (future, within two years)."},
    )

    @validates_schema
    def _closes_after_publishing(self, data, **_kwargs) -> None:
        publish_at, closes = data.get("publish_at"), data.get("consultation_closes_at")
        if publish_at and closes and closes <= publish_at:
            raise ValidationError(["Must be after publish_at."], "consultation_closes_at")


class NoticeCreateSchema(NoticeUpdateSchema):
    kind = fields.String(required=True, validate=validate.OneOf(NOTICE_KINDS))
    department_id = fields.UUID(
        metadata={
            "description": "The issuing department: an editor's own (the default); required for admins."
        }
    )
    category_code = fields.String(required=True, validate=CATEGORY_CODE, metadata={"example": "land"})
    title = fields.String(required=True, validate=TITLE)
    summary = fields.String(required=True, validate=SUMMARY)
    body = fields.String(required=True, validate=BODY)
    targets = fields.Nested(NoticeTargetsSchema, required=True)


class DepartmentRefSchema(Schema):
    id = fields.UUID(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)


class HistoryEntrySchema(Schema):
    stage = fields.String(required=True, validate=validate.OneOf(NOTICE_STAGES))
    at = fields.AwareDateTime(required=True)
    note = fields.String(required=True, allow_none=True)


class NoticeSummarySchema(Schema):
    """A notice in lists and the feed, in the caller's language (Accept-Language) or Vietnamese.

    Text fields are plain text: show them as text, never as HTML."""

    id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(NOTICE_KINDS))
    stage = fields.String(required=True, validate=validate.OneOf(NOTICE_STAGES))
    category_code = fields.String(required=True)
    department = fields.Nested(DepartmentRefSchema, required=True)
    language = fields.String(required=True, metadata={"description": "Language of title/summary/body."})
    title = fields.String(required=True)
    summary = fields.String(required=True)
    document_number = fields.String(required=True, allow_none=True)
    issued_on = fields.Date(required=True, allow_none=True)
    effective_on = fields.Date(required=True, allow_none=True)
    targets = fields.Nested(TargetsSchema, required=True)
    published_at = fields.AwareDateTime(
        required=True, allow_none=True, metadata={"description": "null for drafts."}
    )
    consultation_closes_at = fields.AwareDateTime(required=True, allow_none=True)
    consultation_open = fields.Boolean(required=True, metadata={"description": "Comments accepted now."})


class NoticeSchema(NoticeSummarySchema):
    """One notice with its body, links, translations and life-cycle history."""

    body = fields.String(required=True, metadata={"description": "Markdown as written."})
    body_html = fields.String(required=True, metadata={"description": "Sanitised HTML of body."})
    languages = fields.List(fields.String(), required=True, metadata={"description": "vi plus translations."})
    translations = fields.Dict(keys=fields.String(), values=fields.Nested(NoticeTextSchema), required=True)
    links = fields.List(fields.String(), required=True)
    claim_url = fields.String(required=True, allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)
    publish_at = fields.AwareDateTime(required=True, allow_none=True)
    version = fields.Integer(required=True, metadata={"description": "Earlier ones: /versions."})
    history = fields.List(fields.Nested(HistoryEntrySchema), required=True)
    read_count = fields.Integer(required=True, metadata={"description": "Reads by citizens and integrators."})
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class NoticeVersionSchema(Schema):
    """The content of a public notice before an edit replaced it."""

    version = fields.Integer(required=True)
    replaced_at = fields.AwareDateTime(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    body = fields.String(required=True)
    body_html = fields.String(required=True)
    translations = fields.Dict(keys=fields.String(), values=fields.Nested(NoticeTextSchema), required=True)
    document_number = fields.String(required=True, allow_none=True)
    issued_on = fields.Date(required=True, allow_none=True)
    effective_on = fields.Date(required=True, allow_none=True)
    links = fields.List(fields.String(), required=True)
    claim_url = fields.String(required=True, allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), required=True)


class TransitionSchema(Schema):
    to = fields.String(
        required=True, validate=validate.OneOf(NOTICE_STAGES), metadata={"example": "consultation"}
    )
    note = fields.String(
        validate=validate.Length(max=1000), metadata={"description": "Shown in the history."}
    )
    push = fields.Boolean(
        load_default=True, metadata={"description": "false publishes without a push to the targeted places."}
    )


class NoticeQuerySchema(ListQuerySchema, PlaceQuerySchema):
    category = fields.String(validate=CATEGORY_CODE)
    kind = fields.String(validate=validate.OneOf(NOTICE_KINDS))
    stage = fields.String(
        validate=validate.OneOf(NOTICE_STAGES), metadata={"description": "Default: every stage but archived."}
    )
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={"description": "Title, summary or body; diacritics optional."},
    )
