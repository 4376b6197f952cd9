import uuid

from flask import Response, request
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.openapi import operation
from schemas.attachments import AttachmentSchema
from services import attachments
from services.db import session
from services.errors import Invalid

ns = Namespace("attachments", description="Photos and PDFs for feedback, replies and notices")
# Multipart framing around a full-size file.
_MULTIPART_OVERHEAD = 64 * 1024


@ns.route("")
class Attachments(Resource):
    @operation(
        ns,
        returns=AttachmentSchema,
        status=201,
        problems={413: "Larger than 10 MB", 422: "Not a JPEG, PNG, WebP or PDF, or no `file` part"},
    )
    @ns.doc(
        consumes=["multipart/form-data"],
        params={"file": {"in": "formData", "type": "file", "required": True, "description": "≤ 10 MB"}},
    )
    def post(self):
        """Upload a photo (JPEG, PNG, WebP) or a PDF of at most 10 MB, by a device or an officer
        Send it as the multipart part `file`; its type is read from the content. Reference the returned id
        from a `photo` answer or a reply."""
        # Only this route takes large bodies; the app-wide MAX_CONTENT_LENGTH stays small for JSON.
        request.max_content_length = attachments.MAX_BYTES + _MULTIPART_OVERHEAD
        upload = request.files.get("file")
        if upload is None:
            raise Invalid({"file": ["Send the file as the multipart part `file`."]})
        attachment = attachments.upload(session(), current_principal(), upload.read())
        return AttachmentSchema().dump(attachment), 201


@ns.route("/<uuid:attachment_id>")
class Attachment(Resource):
    @operation(ns, produces=list(attachments.ACCEPTED), auth="optional")
    def get(self, attachment_id: uuid.UUID):
        """The file itself, sent as its own type
        For its uploader, those who may see its feedback, or readers of its notice (anyone, once the notice
        is public)."""
        attachment, data = attachments.fetch(session(), current_principal(), attachment_id)
        return Response(data, mimetype=attachment.content_type, headers={"Cache-Control": "private"})
