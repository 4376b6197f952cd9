"""The templates Zalo approved for our messages (admins, as the API's "zalo.templates"): the list on both
channels, a form to record one (its channel, the message it carries, Zalo's template id, and each
parameter's source field and length limit, from services/zalo/templates.fields_of) and deleting one after
confirmation. Without JavaScript, "Chọn" re-renders the form with the chosen message's fields; console.js
refreshes them as the message changes."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from api.console import bp, once
from api.console.admin import confirmation, confirmed, loaded, refusal, status
from api.database import session
from schemas.zalo import TEMPLATE_CHANNELS, ZaloTemplateSchema
from services.core.errors import DomainError
from services.identity import policy
from services.outbox import texts
from services.outbox.channels.zalo import clock
from services.zalo import allowance, templates

CHANNEL_NAMES = {
    "zns": _l("ZNS message to the phone number"),
    "zalo_miniapp": _l("Mini App notification"),
}
# Every key of services/outbox/texts.py, in plain words.
MESSAGE_NAMES = {
    "feedback.created": _l("Feedback received"),
    "feedback.transferred": _l("The feedback was transferred"),
    "feedback.answered": _l("The feedback has an answer"),
    "feedback.closed.resolved": _l("The feedback is closed, resolved"),
    "feedback.closed.unresolved": _l("The feedback is closed, unresolved"),
    "alert.published": _l("A new alert"),
    "alert.updated": _l("An alert is updated"),
    "alert.cancelled": _l("An alert is cancelled"),
    "notice.published": _l("A new notice"),
    "notice.consultation": _l("A draft open for comments"),
    "notice.adopted": _l("A policy is adopted"),
    "notice.in_effect": _l("A policy comes into effect"),
    "consultation.comment_replied": _l("A consultation comment is answered"),
    "privacy.request_answered": _l("A personal data request is answered"),
    "privacy.request_extended": _l("A personal data request is extended"),
    "privacy.request_completed": _l("A personal data request is carried out"),
    "privacy.request_closed": _l("A personal data request is closed"),
    "privacy.breach": _l("A personal data incident"),
    "fact_check.published": _l("A fact-check on a claim the citizen reported or asked about"),
}
# The placeholders of the texts and the rendered title and body (templates.fields_of).
FIELD_NAMES = {
    "code": _l("Tracking code"),
    "department": _l("Department"),
    "due_date": _l("Date due"),
    "due_time": _l("Time due"),
    "answer": _l("The answer"),
    "headline": _l("The alert's headline"),
    "description": _l("Description"),
    "reason": _l("Reason"),
    "title": _l("The message's title"),
    "summary": _l("Summary"),
    "reply": _l("The reply"),
    "body": _l("The message's text"),
    "message": _l("The message"),
    "rating": _l("The fact-check's rating"),
    "claim": _l("The claim as stated"),
}
BLANK_ROWS = 2  # empty parameter rows offered below the filled ones, at least MIN_ROWS in all
MIN_ROWS = 4
PAGE = "console.admin_zalo_templates"


@bp.get("/admin/zalo-templates")
def admin_zalo_templates():
    """The list and an empty form; ?channel=&message= opens a recorded template's form to change it."""
    listed = templates.list_all(session(), g.principal)
    values = {
        "channel": "zns",
        "message": "feedback.created",
        "template_id": "",
        "active": True,
        "params": [],
    }
    wanted = (request.args.get("channel"), request.args.get("message"))
    for template in listed:
        if (template.channel, template.message) == wanted:
            values = {**ZaloTemplateSchema().dump(template), "active": template.active}
    return _page(listed, values)


@bp.post("/admin/zalo-templates")
def admin_zalo_template_put():
    policy.require(g.principal, "zalo.templates")
    values = _typed()
    if "choose" in request.form:  # "Chọn": the chosen message's fields, nothing stored
        return _page(templates.list_all(session(), g.principal), values)
    once.claim()
    try:
        if values["channel"] not in TEMPLATE_CHANNELS:
            raise ValidationError({"channel": [f"Must be one of: {', '.join(TEMPLATE_CHANNELS)}."]})
        data = loaded(ZaloTemplateSchema(), {k: values[k] for k in ("template_id", "params", "active")})
        templates.put(session(), g.principal, values["channel"], values["message"], data)
    except (ValidationError, DomainError) as error:
        listed = templates.list_all(session(), g.principal)
        return _page(listed, values, refusal(error, field="params"), status(error))
    flash(gettext("The template is recorded: the next messages use it."), "success")
    return redirect(url_for(PAGE))


@bp.post("/admin/zalo-templates/<any(zalo_miniapp, zns):channel>/<string:message>/delete")
def admin_zalo_template_delete(channel: str, message: str):
    policy.require(g.principal, "zalo.templates")
    if not confirmed():
        return confirmation(
            gettext("Delete the template?"),
            gettext("Yes, delete"),
            consequence=gettext(
                "This message is no longer sent on this channel until a template is recorded again."
            ),
            back=url_for(PAGE),
        )
    once.claim()
    templates.delete(session(), g.principal, channel, message)
    flash(gettext("The template is deleted."), "success")
    return redirect(url_for(PAGE))


@bp.get("/admin/zalo-templates/<any(zalo_miniapp, zns):channel>/<string:message>/delete")
def admin_zalo_template_delete_page(channel: str, message: str):
    return redirect(url_for(PAGE))


def _typed() -> dict:
    """The form as typed: its parameter rows without the empty ones, and a row's empty cells left out
    (so the schema says which are missing)."""
    form = request.form
    cells = (form.getlist("param_name"), form.getlist("param_field"), form.getlist("param_max_length"))
    rows = zip(*cells, strict=False)  # a tampered form's extra cells are dropped
    params = []
    for name, field, max_length in rows:
        row = {"name": name.strip(), "field": field, "max_length": max_length.strip()}
        if row["name"] or row["max_length"]:
            params.append({k: v for k, v in row.items() if v})
    return {
        "channel": form.get("channel", ""),
        "message": form.get("message", "") if texts.has(form.get("message", "")) else "feedback.created",
        "template_id": form.get("template_id", "").strip(),
        "active": form.get("active") == "yes",
        "params": params,
    }


def _page(listed, values: dict, errors=None, code=200):
    rows = list(values["params"])
    rows += [{}] * max(BLANK_ROWS, MIN_ROWS - len(rows))
    return render_template(
        "console/admin_zalo_templates.html",
        templates=listed,
        values=values,
        rows=rows,
        errors=errors or {},
        channels=CHANNEL_NAMES,
        messages=MESSAGE_NAMES,
        field_names=FIELD_NAMES,
        fields_of={key: templates.fields_of(key) for key in MESSAGE_NAMES},
        miniapp=_miniapp_today(),
    ), code


def _miniapp_today() -> dict:
    """What Zalo allows the Mini App's notifications, and how many today has given out."""
    granted = allowance.of(session())
    return {
        "given": allowance.given_today(session()),
        "limit": granted.daily_limit,
        "area": granted.area_limit,
        "opens": clock(granted.hours[0]),
        "closes": clock(granted.hours[1]),
    }
