import uuid

from flask import request
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.limits import (
    FEEDBACK_FOLLOW_UPS_PER_DEVICE,
    FEEDBACK_PER_DEVICE,
    FEEDBACK_PER_IP,
    calling_device,
    limiter,
)
from api.openapi import operation
from schemas.common import ListQuerySchema, page_of
from schemas.feedback import (
    AssignSchema,
    FeedbackSchema,
    FeedbackStaffSchema,
    FeedbackSummarySchema,
    NewReplySchema,
    NoteSchema,
    PersonalAnswersSchema,
    PublicBoardQuerySchema,
    PublicFeedbackSchema,
    RatingSchema,
    ReopenSchema,
    StatusChangeSchema,
    SubmissionSchema,
    TrackQuerySchema,
    TransferSchema,
)
from services.feedback import intake, workflow

ns = Namespace("feedback", description="Citizens' feedback: submission, tracking, the department workflow")
FeedbackPage = page_of(FeedbackSummarySchema)
PublicFeedbackPage = page_of(PublicFeedbackSchema)
# Built once for the submission path (a busy one after an alert): building a schema and its nested
# schemas costs a tenth of a submission.
SUBMISSION, FEEDBACK = SubmissionSchema(), FeedbackSchema()


REPLAYED = "Idempotent-Replayed"


def for_staff(item, schema=FeedbackStaffSchema) -> dict:
    """A feedback as staff or an API key get it: the citizen's contact details only for those the policy
    lets see them, each such answer recorded in the audit log (as the console does)."""
    shown = schema().dump(item)
    shown["contact"] = workflow.contact(session(), current_principal(), item)
    return shown


def new_submission(response) -> bool:
    """Only submissions that created something count toward a device's limit, not retries of one."""
    return response.status_code == 201 and REPLAYED not in response.headers


@ns.route("")
class FeedbackSubmissions(Resource):
    @operation(ns, body=SubmissionSchema, returns=FeedbackSchema, status=201, action="feedback.submit")
    @ns.doc(
        params={
            "Idempotency-Key": {
                "in": "header",
                "type": "string",
                "maxLength": intake.IDEMPOTENCY_KEY_LENGTH,
                "description": (
                    "Retries with the same key return the first submission and create nothing; such an "
                    "answer carries `Idempotent-Replayed: true` and does not count toward the rate limit."
                ),
            }
        }
    )
    @limiter.limit(FEEDBACK_PER_DEVICE, key_func=calling_device, deduct_when=new_submission)
    @limiter.limit(FEEDBACK_PER_IP)
    def post(self):
        """Submit a form's answers; routed to the responsible department with a working-day deadline."""
        key = request.headers.get("Idempotency-Key")
        item, created = intake.submit(session(), current_principal(), body(SUBMISSION), key)
        return FEEDBACK.dump(item), 201, {} if created else {REPLAYED: "true"}


@ns.route("/mine")
class FeedbackMine(Resource):
    @operation(ns, query=ListQuerySchema, returns=FeedbackPage, action="feedback.mine")
    def get(self):
        """The calling citizen's feedback (from any of their devices), newest first."""
        return FeedbackPage().dump(intake.mine(session(), current_principal(), **query(ListQuerySchema())))


@ns.route("/public")
class FeedbackPublicBoard(Resource):
    @operation(
        ns, action="feedback.board", query=PublicBoardQuerySchema, returns=PublicFeedbackPage, auth="none"
    )
    def get(self):
        """Answered feedback its department published, without personal data; newest answer first."""
        page = intake.public_board(session(), **query(PublicBoardQuerySchema()))
        return PublicFeedbackPage().dump(page)


# A query parameter, not a path segment: /track/{code} beside /{feedback_id}/rating made two templated
# paths match the same URL (/feedback/track/rating), which OpenAPI tools cannot route.
@ns.route("/track")
class FeedbackTrack(Resource):
    @operation(ns, action="feedback.track", query=TrackQuerySchema, returns=FeedbackSchema)
    def get(self):
        """A feedback by tracking code, for the citizen who sent it or the staff of its department."""
        code = query(TrackQuerySchema())["code"]
        item = intake.track(session(), current_principal(), code)
        return FEEDBACK.dump(item) if current_principal().device else for_staff(item, FeedbackSchema)


@ns.route("/<uuid:feedback_id>")
class FeedbackItem(Resource):
    @operation(ns, returns=FeedbackStaffSchema, action="feedback.read")
    def get(self, feedback_id: uuid.UUID):
        """One feedback of the caller's department with its full timeline."""
        return for_staff(workflow.get(session(), current_principal(), feedback_id))


@ns.route("/<uuid:feedback_id>/assign")
class FeedbackAssign(Resource):
    @operation(ns, body=AssignSchema, returns=FeedbackStaffSchema, action="feedback.write")
    def post(self, feedback_id: uuid.UUID):
        """Give the feedback to an officer of its department."""
        data = body(AssignSchema())
        return for_staff(workflow.assign(session(), current_principal(), feedback_id, data["user_id"]))


@ns.route("/<uuid:feedback_id>/transfer")
class FeedbackTransfer(Resource):
    @operation(ns, body=TransferSchema, returns=FeedbackStaffSchema, action="feedback.write")
    def post(self, feedback_id: uuid.UUID):
        """ "Not responsible": hand it to the department that is (fresh deadline; the citizen is told)."""
        item = workflow.transfer(session(), current_principal(), feedback_id, body(TransferSchema()))
        return for_staff(item)


@ns.route("/<uuid:feedback_id>/replies")
class FeedbackReplies(Resource):
    @operation(ns, body=NewReplySchema, returns=FeedbackStaffSchema, status=201, action="feedback.write")
    def post(self, feedback_id: uuid.UUID):
        """Answer the citizen (with photos or documents); the feedback becomes answered."""
        item = workflow.reply(session(), current_principal(), feedback_id, body(NewReplySchema()))
        return for_staff(item), 201


@ns.route("/<uuid:feedback_id>/notes")
class FeedbackNotes(Resource):
    @operation(ns, body=NoteSchema, returns=FeedbackStaffSchema, status=201, action="feedback.write")
    def post(self, feedback_id: uuid.UUID):
        """An internal note on the timeline: the status stays, nothing is sent, the citizen never sees it."""
        item = workflow.note(session(), current_principal(), feedback_id, body(NoteSchema()))
        return for_staff(item), 201


@ns.route("/<uuid:feedback_id>/personal-answers")
class FeedbackPersonalAnswers(Resource):
    @operation(ns, body=PersonalAnswersSchema, returns=FeedbackStaffSchema, action="feedback.write")
    def put(self, feedback_id: uuid.UUID):
        """Mark which free-text answers hold personal data: they are erased with the citizen's data
        (docs/privacy.md)."""
        names = body(PersonalAnswersSchema())["names"]
        return for_staff(workflow.mark_personal(session(), current_principal(), feedback_id, names))


@ns.route("/<uuid:feedback_id>/status")
class FeedbackStatus(Resource):
    @operation(ns, body=StatusChangeSchema, returns=FeedbackStaffSchema, action="feedback.write")
    def post(self, feedback_id: uuid.UUID):
        """Move to in_progress, rejected or closed; a refused transition names the allowed ones (409)."""
        item = workflow.change_status(session(), current_principal(), feedback_id, body(StatusChangeSchema()))
        return for_staff(item)


@ns.route("/<uuid:feedback_id>/rating")
class FeedbackRating(Resource):
    @operation(ns, body=RatingSchema, returns=FeedbackSchema, action="feedback.follow_up")
    @limiter.limit(FEEDBACK_FOLLOW_UPS_PER_DEVICE, key_func=calling_device)
    def post(self, feedback_id: uuid.UUID):
        """Rate the answer, 1 to 5 (the citizen who sent it, once it is answered)."""
        item = intake.rate(session(), current_principal(), feedback_id, body(RatingSchema()))
        return FEEDBACK.dump(item)


@ns.route("/<uuid:feedback_id>/reopen")
class FeedbackReopen(Resource):
    @operation(ns, body=ReopenSchema, returns=FeedbackSchema, action="feedback.follow_up")
    @limiter.limit(FEEDBACK_FOLLOW_UPS_PER_DEVICE, key_func=calling_device)
    def post(self, feedback_id: uuid.UUID):
        """Not satisfied, within 7 days of the answer: back to the department with a fresh deadline."""
        item = intake.reopen(session(), current_principal(), feedback_id, body(ReopenSchema()))
        return FEEDBACK.dump(item)
