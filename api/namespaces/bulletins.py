"""Bulletins for the commune loudspeakers (docs/bulletins.md), and the spoken audio they and the app's
"listen" button play."""

import uuid

from flask import Response, request
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.openapi import operation
from schemas.bulletins import AudioQuerySchema, BulletinQuerySchema, BulletinSchema, ItemCorrectionSchema
from services.core import speech
from services.publishing import bulletins

ns = Namespace("bulletins", description="What each commune's loudspeakers air, as text and as speech")
AUDIO = list(speech.MEDIA_TYPES.values())
SPEECH_DOWN = {503: "The voice is not working now (`speech_unavailable`); the text still is. Retry-After."}


def played(audio: bulletins.Audio) -> Response:
    """Audio a player can seek in: ETag (the words' hash), byte ranges, cached by the client."""
    response = Response(audio.data, mimetype=audio.media_type)
    response.set_etag(audio.digest)
    response.cache_control.public, response.cache_control.max_age = True, 3600
    return response.make_conditional(request, accept_ranges=True, complete_length=len(audio.data))


@ns.route("")
class Bulletins(Resource):
    @operation(ns, query=BulletinQuerySchema, returns=BulletinSchema, action="bulletins.read")
    def get(self):
        """A commune's morning bulletin for a day (today by default), made now if it was not yet."""
        args = query(BulletinQuerySchema())
        found = bulletins.morning(session(), current_principal(), args["ward_code"], args.get("date"))
        return BulletinSchema().dump(found)


@ns.route("/<uuid:bulletin_id>")
class Bulletin(Resource):
    @operation(ns, returns=BulletinSchema, action="bulletins.read")
    def get(self, bulletin_id: uuid.UUID):
        """One bulletin, morning or urgent."""
        return BulletinSchema().dump(bulletins.get(session(), current_principal(), bulletin_id))


@ns.route("/<uuid:bulletin_id>/audio")
class BulletinAudio(Resource):
    @operation(ns, query=AudioQuerySchema, action="bulletins.read", produces=AUDIO, problems=SPEECH_DOWN)
    def get(self, bulletin_id: uuid.UUID):
        """The bulletin read aloud (Ogg/Opus or MP3, loudness-normalised); players may ask for byte ranges."""
        fmt = query(AudioQuerySchema())["format"]
        bulletin = bulletins.get(session(), current_principal(), bulletin_id)
        return played(bulletins.audio(session(), bulletin.text, fmt))


@ns.route("/<uuid:bulletin_id>/items/<int:index>")
class BulletinItem(Resource):
    @operation(ns, body=ItemCorrectionSchema, returns=BulletinSchema, action="bulletins.edit")
    def patch(self, bulletin_id: uuid.UUID, index: int):
        """Correct how one item is read (a name, a number) before it airs."""
        text = body(ItemCorrectionSchema())["text"]
        return BulletinSchema().dump(
            bulletins.correct(session(), current_principal(), bulletin_id, index, text)
        )


@ns.route("/<uuid:bulletin_id>/regenerate")
class BulletinRegeneration(Resource):
    @operation(ns, returns=BulletinSchema, action="bulletins.edit")
    def post(self, bulletin_id: uuid.UUID):
        """Gather the items again from what is published now, keeping staff's corrections."""
        return BulletinSchema().dump(bulletins.regenerate(session(), current_principal(), bulletin_id))
