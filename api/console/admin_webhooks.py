"""Webhooks (admins for every department, editors for their own, as the API's "webhooks.manage"): a new
webhook and a rotated secret shown once (admin.shown_once), each webhook's delivery log with its failures
and why it was disabled, switching it on again and a test ping, sent by the outbox worker like any
delivery (services/webhooks/wiring.send_test)."""

import uuid

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from api.console import bp, once
from api.console.admin import confirmation, confirmed, refusal, shown_once
from api.console.choices import active_departments
from api.database import session
from api.http import text_errors
from api.namespaces.webhooks import url_rules
from schemas.webhooks import WebhookSchema
from services import events
from services.core.errors import DomainError
from services.webhooks import registry, wiring

EVENT_NAMES = {
    "feedback.created": _l("New feedback"),
    "feedback.assigned": _l("Feedback assigned to an officer"),
    "feedback.transferred": _l("Feedback transferred to another department"),
    "feedback.answered": _l("Feedback answered"),
    "feedback.status_changed": _l("Feedback changes status"),
    "feedback.reopened": _l("Feedback reopened by the citizen"),
    "feedback.rated": _l("The citizen rates the answer"),
    "feedback.overdue": _l("Feedback past its deadline"),
    "alert.published": _l("Alert published"),
    "alert.updated": _l("Alert updated"),
    "alert.cancelled": _l("Alert cancelled"),
    "notice.published": _l("Notice published"),
    "notice.stage_changed": _l("A policy moves to its next stage"),
    "consultation.comment_replied": _l("A consultation comment is answered"),
    "scam_report.created": _l("A citizen reports a scam"),
    "bulletin.ready": _l("A commune's loudspeaker bulletin is ready"),
    "claim.reported": _l("A citizen reports a claim seen online"),
    "claim_group.transferred": _l("A reported claim is passed on to another department"),
    "fact_check.published": _l("Fact-check published"),
    "fact_check.updated": _l("Fact-check changed"),
}
STATUS_NAMES = {
    "pending": _l("Waiting"),
    "retrying": _l("Retrying"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "gone": _l("Not sent (webhook off)"),
}
PAGE_SIZE = 20


@bp.get("/admin/webhooks")
def admin_webhooks():
    page = registry.list_webhooks(
        session(), g.principal, cursor=request.args.get("cursor") or None, limit=PAGE_SIZE
    )
    return _list(page, {"events": []})


@bp.post("/admin/webhooks")
def admin_webhook_new():
    registry.managed_department(g.principal)  # the policy's refusal before anything else
    values = {
        "url": request.form.get("url", "").strip(),
        "events": request.form.getlist("events"),
        "description": request.form.get("description", "").strip(),
        "department_id": request.form.get("department_id") or None,
    }
    once.claim()
    try:
        if errors := text_errors(values):
            raise ValidationError(errors)
        webhook = registry.create(session(), g.principal, WebhookSchema().load(values), url_rules())
    except (ValidationError, DomainError) as error:
        page = registry.list_webhooks(session(), g.principal, limit=PAGE_SIZE)
        return _list(page, values, refusal(error, field="department_id"), 422)
    return shown_once("console/admin_webhook_secret.html", webhook=webhook, created=True)


@bp.get("/admin/webhooks/<uuid:webhook_id>")
def admin_webhook(webhook_id: uuid.UUID):
    db = session()
    webhook = registry.get(db, g.principal, webhook_id)
    cursor = request.args.get("cursor") or None
    log = wiring.deliveries(db, g.principal, webhook_id, cursor=cursor, limit=PAGE_SIZE)
    return render_template(
        "console/admin_webhook.html",
        webhook=webhook,
        log=log,
        query={"webhook_id": webhook_id},
        event_names=EVENT_NAMES,
        statuses=STATUS_NAMES,
    )


@bp.post("/admin/webhooks/<uuid:webhook_id>/rotate")
def admin_webhook_rotate(webhook_id: uuid.UUID):
    registry.get(session(), g.principal, webhook_id)
    if not confirmed():
        return confirmation(
            gettext("Make a new signing secret?"),
            gettext("Yes, make a new secret"),
            consequence=gettext(
                "The old secret stops signing at once: the receiver must check with the new one, shown "
                "once on the next page."
            ),  # fmt: skip
            back=url_for("console.admin_webhook", webhook_id=webhook_id),
        )
    once.claim()
    webhook = registry.rotate_secret(session(), g.principal, webhook_id)
    return shown_once("console/admin_webhook_secret.html", webhook=webhook, created=False)


@bp.post("/admin/webhooks/<uuid:webhook_id>/enable")
def admin_webhook_enable(webhook_id: uuid.UUID):
    once.claim()
    registry.update(session(), g.principal, webhook_id, {"active": True}, url_rules())
    flash(gettext("The webhook is switched on again; its count of failures starts from zero."), "success")
    return redirect(url_for("console.admin_webhook", webhook_id=webhook_id))


@bp.post("/admin/webhooks/<uuid:webhook_id>/test")
def admin_webhook_test(webhook_id: uuid.UUID):
    once.claim()
    wiring.send_test(session(), g.principal, webhook_id)
    flash(gettext("A test ping is on its way: it appears in the log below once sent."), "success")
    return redirect(url_for("console.admin_webhook", webhook_id=webhook_id))


@bp.get("/admin/webhooks/<uuid:webhook_id>/<any(rotate, enable, test):action>")
def admin_webhook_action_page(webhook_id: uuid.UUID, action: str):
    return redirect(url_for("console.admin_webhook", webhook_id=webhook_id))


def _list(page, values: dict, errors=None, status=200):
    principal = g.principal
    every = registry.managed_department(principal) is registry.ALL
    return render_template(
        "console/admin_webhooks.html",
        page=page,
        query={},
        values=values,
        errors=errors or {},
        event_names={name: EVENT_NAMES.get(name, name) for name in events.NAMES},
        departments=active_departments(session(), principal) if every else [],
    ), status
