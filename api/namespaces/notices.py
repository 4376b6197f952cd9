import uuid

from flask import Response, request
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, languages, query
from api.limits import COMMENTS_PER_DEVICE, COMMENTS_PER_IP, calling_device, limiter
from api.namespaces.bulletins import AUDIO, SPEECH_DOWN, played
from api.openapi import operation
from schemas.bulletins import AudioQuerySchema
from schemas.common import ListQuerySchema, page_of
from schemas.consultation import (
    PRIVATE_FIELDS,
    CommentCreateSchema,
    CommentQuerySchema,
    CommentSchema,
    ConsultationReportSchema,
    ModerationSchema,
    ReplySchema,
)
from schemas.notices import (
    NoticeCreateSchema,
    NoticeQuerySchema,
    NoticeSchema,
    NoticeSummarySchema,
    NoticeUpdateSchema,
    NoticeVersionSchema,
    TransitionSchema,
)
from services.publishing import bulletins, consultation, notices

ns = Namespace("notices", description="Policy notices, their life cycle, and public consultation on drafts")
NoticePage = page_of(NoticeSummarySchema)
NoticeVersionPage = page_of(NoticeVersionSchema)
CommentPage = page_of(CommentSchema)
CSV = "text/csv"


@ns.route("")
class Notices(Resource):
    @operation(
        ns,
        action="notices.read",
        query=NoticeQuerySchema,
        returns=NoticePage,
        auth="optional",
        reads="replica",
    )
    def get(self):
        """Public notices for a place (ward → ward, province and national), newest first.

        Staff also see their department's drafts; API keys need `notices:read`.
        """
        args = query(NoticeQuerySchema())
        page = notices.list_notices(session(), current_principal(), languages=languages(), **args)
        return NoticePage().dump(page)

    @operation(ns, body=NoticeCreateSchema, returns=NoticeSchema, status=201, action="notices.write")
    def post(self):
        """Write a draft notice (editor of the issuing department, or admin)."""
        notice = notices.create(session(), current_principal(), body(NoticeCreateSchema()))
        return NoticeSchema().dump(notice), 201


@ns.route("/<uuid:notice_id>")
class Notice(Resource):
    @operation(ns, action="notices.read", returns=NoticeSchema, auth="optional", reads="replica")
    def get(self, notice_id: uuid.UUID):
        """One notice in the caller's language (Accept-Language, else Vietnamese); counts a read."""
        return NoticeSchema().dump(notices.read(session(), current_principal(), notice_id, languages()))

    @operation(ns, body=NoticeUpdateSchema, returns=NoticeSchema, action="notices.write")
    def patch(self, notice_id: uuid.UUID):
        """Edit a notice (editor of its department, or admin); a public one keeps its previous version."""
        data = body(NoticeUpdateSchema())
        return NoticeSchema().dump(notices.update(session(), current_principal(), notice_id, data))


@ns.route("/<uuid:notice_id>/audio")
class NoticeAudio(Resource):
    @operation(
        ns,
        query=AudioQuerySchema,
        action="notices.read",
        auth="optional",
        produces=AUDIO,
        problems=SPEECH_DOWN,
    )
    def get(self, notice_id: uuid.UUID):
        """The notice read aloud in Vietnamese: its title, summary and text."""
        fmt = query(AudioQuerySchema())["format"]
        notice = notices.visible(session(), current_principal(), notice_id)
        return played(bulletins.audio(session(), bulletins.notice_words(notice), fmt))


@ns.route("/<uuid:notice_id>/transitions")
class Transitions(Resource):
    @operation(ns, body=TransitionSchema, returns=NoticeSchema, action="notices.write")
    def post(self, notice_id: uuid.UUID):
        """Move to the next stage; 409 `invalid_transition` lists the `allowed` ones. Pushes by default."""
        data = body(TransitionSchema())
        return NoticeSchema().dump(notices.transition(session(), current_principal(), notice_id, data))


@ns.route("/<uuid:notice_id>/versions")
class Versions(Resource):
    @operation(
        ns,
        action="notices.read",
        query=ListQuerySchema,
        returns=NoticeVersionPage,
        auth="optional",
        reads="replica",
    )
    def get(self, notice_id: uuid.UUID):
        """Earlier versions of a public notice, newest first."""
        page = notices.versions(session(), current_principal(), notice_id, **query(ListQuerySchema()))
        return NoticeVersionPage().dump(page)


@ns.route("/<uuid:notice_id>/comments")
class Comments(Resource):
    @operation(
        ns,
        action="notices.read",
        query=CommentQuerySchema,
        returns=CommentPage,
        auth="optional",
        reads="replica",
    )
    def get(self, notice_id: uuid.UUID):
        """Published comments with their replies, oldest first; the drafting department sees all."""
        args = query(CommentQuerySchema())
        page, private = consultation.list_comments(session(), current_principal(), notice_id, **args)
        return CommentPage(exclude=() if private else [f"items.{f}" for f in PRIVATE_FIELDS]).dump(page)

    @operation(ns, body=CommentCreateSchema, returns=CommentSchema, status=201, action="notices.comment")
    @limiter.limit(COMMENTS_PER_DEVICE, key_func=calling_device, deduct_when=lambda r: r.status_code == 201)
    @limiter.limit(COMMENTS_PER_IP)
    def post(self, notice_id: uuid.UUID):
        """Comment on a policy in consultation (else 409 `consultation_closed`); arrives pending."""
        created = consultation.comment(session(), current_principal(), notice_id, body(CommentCreateSchema()))
        return CommentSchema(exclude=PRIVATE_FIELDS).dump(created), 201


@ns.route("/<uuid:notice_id>/comments/<uuid:comment_id>")
class Comment(Resource):
    @operation(ns, body=ModerationSchema, returns=CommentSchema, action="notices.moderate")
    def patch(self, notice_id: uuid.UUID, comment_id: uuid.UUID):
        """Publish or hide (with a reason) a comment (officer or editor of the department, or admin)."""
        data = body(ModerationSchema())
        return CommentSchema().dump(
            consultation.moderate(session(), current_principal(), notice_id, comment_id, data)
        )


@ns.route("/<uuid:notice_id>/comments/<uuid:comment_id>/reply")
class Reply(Resource):
    @operation(ns, body=ReplySchema, returns=CommentSchema, action="notices.moderate")
    def post(self, notice_id: uuid.UUID, comment_id: uuid.UUID):
        """Answer a comment: it becomes public with the answer, and the citizen gets a push."""
        data = body(ReplySchema())
        return CommentSchema().dump(
            consultation.reply(session(), current_principal(), notice_id, comment_id, data)
        )


@ns.route("/<uuid:notice_id>/consultation-report")
class Report(Resource):
    @operation(
        ns, returns=ConsultationReportSchema, action="notices.report", produces=["application/json", CSV]
    )
    def get(self, notice_id: uuid.UUID):
        """The consultation report (department staff, admin); `Accept: text/csv` gives CSV for Excel."""
        report = consultation.report(session(), current_principal(), notice_id)
        if request.accept_mimetypes.best_match(["application/json", CSV]) == CSV:
            return report_download(notice_id, report)
        return ConsultationReportSchema().dump(report)


def report_download(notice_id: uuid.UUID, report: dict) -> Response:
    """The consultation report as a CSV file for Excel (also the console's download)."""
    return Response(
        consultation.report_csv(report),
        mimetype=CSV,
        headers={"Content-Disposition": f'attachment; filename="consultation-{notice_id}.csv"'},
    )
