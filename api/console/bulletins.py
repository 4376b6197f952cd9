"""The commune loudspeakers' bulletins (/console/bulletins): a commune and a day → its morning bulletin
(made on first view, as the API's), and that day's urgent ones, each with its items, the words read and
a player; writers correct an item's words and regenerate a bulletin (services/publishing/bulletins.py,
which audits both). The players take their audio from the console itself (the cookie session cannot call
the bearer API), with the API's ETag and byte ranges (api/namespaces/bulletins.played); the console's
Content-Security-Policy (default-src 'self') lets them. Without a working voice the text is shown and
the page says the audio is not available now."""

import uuid
from datetime import date, datetime

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from api.console import admin, bp, once
from api.database import session
from api.namespaces.bulletins import played
from schemas.bulletins import FORMATS, ItemCorrectionSchema
from services.core import areas, speech
from services.core.errors import DomainError
from services.directory import departments
from services.identity import policy
from services.publishing import bulletins, urgent_bulletins

KINDS = {"morning": _l("Morning bulletin"), "urgent": _l("Urgent bulletin")}


@bp.context_processor
def bulletins_nav():
    principal = g.get("principal")
    return {"may_read_bulletins": bool(principal) and policy.allows(principal, "bulletins.read")}


@bp.get("/bulletins")
def bulletins_page():
    return _page()


@bp.post("/bulletins/<uuid:bulletin_id>/items/<int:index>")
def bulletin_item(bulletin_id: uuid.UUID, index: int):
    policy.require(g.principal, "bulletins.edit")
    text = request.form.get("text", "")
    once.claim()
    try:
        words = admin.loaded(ItemCorrectionSchema(), {"text": text})["text"]
        bulletin = bulletins.correct(session(), g.principal, bulletin_id, index, words)
    except (ValidationError, DomainError) as error:
        found = bulletins.get(session(), g.principal, bulletin_id)
        refused = {(bulletin_id, index): admin.refusal(error, field="text").get("text", [])}
        return _page(found.ward_code, found.day, refused, {(bulletin_id, index): text}, admin.status(error))
    flash(gettext("The item now reads as you wrote it; its audio is made again."), "success")
    return _back_to(bulletin, f"item-{bulletin.id}-{index}")


@bp.post("/bulletins/<uuid:bulletin_id>/regenerate")
def bulletin_regenerate(bulletin_id: uuid.UUID):
    policy.require(g.principal, "bulletins.edit")
    bulletins.get(session(), g.principal, bulletin_id)
    if not admin.confirmed():
        return admin.confirmation(
            gettext("Gather this bulletin's items again from what is published now?"),
            gettext("Yes, regenerate"),
            consequence=gettext(
                "Alerts and notices no longer current leave it, new ones join it; your corrections "
                "of the items still there are kept."
            ),  # fmt: skip
            action=url_for("console.bulletin_regenerate", bulletin_id=bulletin_id),
        )
    once.claim()
    bulletin = bulletins.regenerate(session(), g.principal, bulletin_id)
    flash(gettext("The bulletin is gathered again from what is published now."), "success")
    return _back_to(bulletin, f"bulletin-{bulletin.id}")


@bp.get("/bulletins/<uuid:bulletin_id>/regenerate")
@bp.get("/bulletins/<uuid:bulletin_id>/items/<int:index>")
def bulletin_action_page(bulletin_id: uuid.UUID, index: int = 0):
    """An action's address opened (a form sent twice comes back here): the bulletin's page."""
    return _back_to(bulletins.get(session(), g.principal, bulletin_id))


@bp.get("/bulletins/<uuid:bulletin_id>/audio.<any(ogg, mp3):fmt>")
def bulletin_audio(bulletin_id: uuid.UUID, fmt: str):
    """The bulletin read aloud, for the page's players (seekable: ETag and byte ranges)."""
    bulletin = bulletins.get(session(), g.principal, bulletin_id)
    return played(bulletins.audio(session(), bulletin.text, fmt))


def _page(ward_code=None, day=None, errors=None, typed=None, status=200):
    principal, db = g.principal, session()
    policy.require(principal, "bulletins.read")
    province = areas.province(province_for(ward_code))
    asked = request.args.get("ward_code", "")
    if ward_code is None and asked.isdigit():
        ward_code = int(asked)
    day = day or _day(request.args.get("date", "")) or datetime.now(bulletins.LOCAL).date()
    problem, shown = None, []
    if ward_code is not None:
        try:
            shown = [bulletins.morning(db, principal, ward_code, day)]
            shown += urgent_bulletins.of_day(db, principal, ward_code, shown[0].day)
        except DomainError as error:
            problem, status = admin.refusal(error, field="ward_code"), admin.status(error)
    return (
        render_template(
            "console/bulletins.html",
            province=province,
            provinces=[(p.code, p.name) for p in areas.provinces()],
            wards=areas.wards(province.code),
            ward=areas.ward(ward_code) if ward_code else None,
            day=day,
            shown=[(b, _audio_works(b)) for b in shown],
            problem=problem or {},
            errors=errors or {},
            typed=typed or {},
            kinds=KINDS,
            formats=FORMATS,
            may_edit=policy.allows(principal, "bulletins.edit"),
        ),
        status,
    )


def _audio_works(bulletin) -> str | None:
    """The audio's hash (its players' URLs change with the words), or None when the voice is not
    working now. Made here, once for these words, so the players start at once."""
    try:
        return bulletins.audio(session(), bulletin.text, FORMATS[0]).digest
    except speech.SpeechUnavailable:
        return None


def _day(asked: str) -> date | None:
    try:
        return date.fromisoformat(asked) if asked else None
    except ValueError:
        return None  # today, as the API's default


def province_for(ward_code: int | None) -> int:
    """The commune's province, else the one asked for (?province=), else the user's department's, else
    the first with departments."""
    asked = request.args.get("province", "")
    ward = areas.ward(ward_code) if ward_code else None
    if ward is None and request.args.get("ward_code", "").isdigit():
        ward = areas.ward(int(request.args["ward_code"]))
    if ward is not None:
        return ward.province_code
    if asked.isdigit() and areas.is_province(int(asked)):
        return int(asked)
    user = g.principal.user
    if user and user.department and user.department.province_code:
        return user.department.province_code
    served = departments.provinces_with_departments(session())
    return served[0] if served else areas.provinces()[0].code


def _back_to(bulletin, anchor: str | None = None):
    return redirect(
        url_for("console.bulletins_page", ward_code=bulletin.ward_code, date=bulletin.day.isoformat(),
                _anchor=anchor)
    )  # fmt: skip
