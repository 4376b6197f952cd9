"""The citizen's privacy rights (docs/privacy.md): the notices they agree to, their consents per purpose,
the export of everything held about them, and erasure."""

from flask import Response, stream_with_context
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.limits import CONSENTS_PER_DEVICE, EXPORTS_PER_DEVICE, calling_device, limiter
from api.openapi import operation
from schemas.privacy import (
    PURPOSES,
    ConsentGivenSchema,
    ConsentsSchema,
    ExportQuerySchema,
    PersonalDataSchema,
    PrivacyNoticesSchema,
)
from services.core import storage
from services.identity import consents, personal_data

ns = Namespace("privacy", description="The citizen's privacy: notices, consents, export and erasure")
PURPOSE = f"<any({', '.join(PURPOSES)}):purpose>"
CONSENT_PROBLEMS = {422: "A notice version that is not the current one (`consent_notice_outdated`)."}


@ns.route("/notices")
class PrivacyNotices(Resource):
    @operation(ns, returns=PrivacyNoticesSchema, action="privacy.notices", auth="none")
    def get(self):
        """What the citizen reads before agreeing, per purpose, with the version to send back."""
        items = [vars(notice) for notice in consents.NOTICES.values()]
        return PrivacyNoticesSchema().dump({"items": items})


@ns.route("/consents")
class Consents(Resource):
    @operation(ns, returns=ConsentsSchema, action="privacy.self")
    def get(self):
        """The calling citizen's current word per purpose: whether they consent, on which notice version."""
        return ConsentsSchema().dump({"items": consents.state(session(), current_principal())})

    @operation(
        ns,
        body=ConsentGivenSchema,
        returns=ConsentsSchema,
        status=201,
        action="privacy.self",
        problems=CONSENT_PROBLEMS,
    )
    @limiter.limit(CONSENTS_PER_DEVICE, key_func=calling_device)
    def post(self):
        """Consent to a purpose after showing its notice; recorded with the time, this device, the notice
        version and the channel (app). The answer is the citizen's state after it."""
        consents.give(session(), current_principal(), body(ConsentGivenSchema()))
        return ConsentsSchema().dump({"items": consents.state(session(), current_principal())}), 201


@ns.route(f"/consents/{PURPOSE}")
@ns.param("purpose", "A purpose of GET /api/v1/privacy/notices")
class Consent(Resource):
    @operation(ns, status=204, action="privacy.self")
    @limiter.limit(CONSENTS_PER_DEVICE, key_func=calling_device)
    def delete(self, purpose: str):
        """Withdraw a consent; what it covered stops now: the phone is erased, feedback still open loses its
        contact details, coordinates (the commune stays) or photos (deleted). Idempotent."""
        personal_data.withdraw(session(), current_principal(), purpose)
        return "", 204


@ns.route("/me/export")
class MyDataExport(Resource):
    @operation(
        ns,
        query=ExportQuerySchema,
        returns=PersonalDataSchema,
        action="privacy.self",
        produces=["application/json", "application/zip"],
    )
    @limiter.limit(EXPORTS_PER_DEVICE, key_func=calling_device)
    def get(self):
        """Everything held about the calling citizen: identity, devices, consents, feedback with answers,
        timeline, replies and photos, comments, scam reports, notifications, SMS subscriptions of their
        phone. `format=zip`: a ZIP of that JSON and the photos, streamed as it is written."""
        fmt = query(ExportQuerySchema())["format"]
        db = session()
        data, photos = personal_data.export(db, current_principal())
        if fmt == "json":
            return PersonalDataSchema().dump(data)
        stream = personal_data.zip_stream(storage.of(db), data, photos)
        return Response(
            stream_with_context(stream),
            mimetype="application/zip",
            headers={
                "Content-Disposition": 'attachment; filename="personal-data.zip"',
                "Cache-Control": "no-store",
            },
        )


@ns.route("/me")
class MyData(Resource):
    @operation(ns, status=204, action="privacy.self")  # no limit: it works once (the device goes with it)
    def delete(self):
        """Erase the calling citizen: contact details, coordinates, photos (files deleted), every device and
        its tokens, the Zalo id and phone, SMS subscriptions of that phone, notification recipients. Their
        feedback stays for the statistics, with the department's answers and the audit trail, under a
        pseudonym; comments on drafts keep their text without an author. The device token stops working."""
        personal_data.forget(session(), current_principal())
        return "", 204
