import uuid

from flask import Response, current_app, request
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.limits import UPLOADS_PER_IP, calling_device, limiter, uploads_per_uploader
from api.openapi import operation
from schemas.attachments import AttachmentSchema
from services.core.errors import Invalid
from services.files import attachments

ns = Namespace("attachments", description="Photos and PDFs for feedback, replies and notices")
# The largest body an upload route takes: a full-size file in its multipart framing (also the console's).
UPLOAD_BODY_LIMIT = attachments.MAX_BYTES + 64 * 1024
# An uploaded file is never a page of this site: the browser must not guess another type, run scripts,
# load anything or share an origin with the API, whatever the bytes hold.
_SERVED_AS_FILE = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
    "Cache-Control": "private",
}


@ns.route("")
class Attachments(Resource):
    @operation(
        ns,
        action="attachments.upload",
        returns=AttachmentSchema,
        status=201,
        problems={
            413: "Larger than 10 MB",
            422: "Not a JPEG, PNG, WebP or PDF, no `file` part, a damaged or too large image, or a PDF "
            "with active content",
            429: "Too many uploads, or too many not yet used (`upload_quota_exceeded`)",
            507: "The server is short of disk space (`storage_full`)",
        },
    )
    @ns.doc(
        consumes=["multipart/form-data"],
        params={"file": {"in": "formData", "type": "file", "required": True, "description": "≤ 10 MB"}},
    )
    @limiter.limit(uploads_per_uploader, key_func=calling_device, deduct_when=lambda r: r.status_code == 201)
    @limiter.limit(UPLOADS_PER_IP)
    def post(self):
        """Upload a photo (JPEG, PNG, WebP; at most 40 megapixels) or a PDF of at most 10 MB
        By a device or an officer, as the multipart part `file`; its type is read from the content. A photo
        is stored re-encoded, upright and without its metadata (the returned size is that file's); a PDF with
        scripts, automatic actions or embedded files is refused. Reference the returned id from a `photo`
        answer or a reply."""
        # Only this route takes large bodies; the app-wide MAX_CONTENT_LENGTH stays small for JSON.
        request.max_content_length = UPLOAD_BODY_LIMIT
        upload = request.files.get("file")
        if upload is None:
            raise Invalid({"file": ["Send the file as the multipart part `file`."]})
        min_free = current_app.config["ATTACHMENTS_MIN_FREE_MB"] * attachments.MB
        attachment = attachments.upload(
            session(), current_principal(), upload.read(), min_free_bytes=min_free
        )
        return AttachmentSchema().dump(attachment), 201


@ns.route("/<uuid:attachment_id>")
class Attachment(Resource):
    @operation(ns, action="attachments.read", produces=list(attachments.ACCEPTED), auth="optional")
    def get(self, attachment_id: uuid.UUID):
        """The file itself, sent as its own type
        For its uploader, those who may see its feedback, or readers of its notice (anyone, once the notice
        is public). Photos are shown inline, PDFs downloaded."""
        return served(*attachments.fetch(session(), current_principal(), attachment_id))


def served(attachment, data: bytes) -> Response:
    """An attachment's bytes as a file no page can run (also the console's, api/console/feedback.py)."""
    disposition = "attachment" if attachment.content_type == "application/pdf" else "inline"
    name = f"{attachment.id}.{attachments.ACCEPTED[attachment.content_type]}"
    return Response(
        data,
        mimetype=attachment.content_type,
        headers={**_SERVED_AS_FILE, "Content-Disposition": f'{disposition}; filename="{name}"'},
    )
