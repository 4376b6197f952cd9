"""SMS subscriptions (/console/sms-subscriptions, writers, as the API's "sms.subscriptions"): the
numbers that get their commune's alerts by SMS, filtered by commune, number and status; a number recorded
at the commune office with the citizen's consent (active at once: the citizen is there), and a
subscription stopped after a confirmation (services/sms/subscriptions.py, which audits each change).
The officers at commune offices do this, not only admins: a nav entry of its own for those the policy
lets, rather than the admin menu."""

import uuid

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from api.console import admin, bp, once
from api.console.bulletins import province_for
from api.database import session
from schemas.sms import STATUSES, SmsSubscriptionSchema
from services.core import areas
from services.core.errors import DomainError
from services.identity import policy
from services.sms import subscriptions

STATUS_NAMES = {"pending": _l("Waiting for Y"), "active": _l("Receiving"), "stopped": _l("Stopped")}
SOURCE_NAMES = {"office": _l("recorded at the commune office"), "sms": _l("texted DK")}
PAGE_SIZE = 20


@bp.context_processor
def sms_nav():
    principal = g.get("principal")
    return {"may_record_sms": bool(principal) and policy.allows(principal, "sms.subscriptions")}


EMPTY = {"phone": "", "ward_code": "", "consent": False}


@bp.get("/sms-subscriptions")
def sms_subscriptions():
    return _page(EMPTY)


@bp.post("/sms-subscriptions")
def sms_subscription_new():
    policy.require(g.principal, "sms.subscriptions")
    values = {
        "phone": request.form.get("phone", "").strip(),
        "ward_code": request.form.get("ward_code", ""),
        "consent": request.form.get("consent") == "yes",
    }
    once.claim()
    try:
        given = {k: v for k, v in values.items() if v != ""}
        found = subscriptions.record(session(), g.principal, admin.loaded(SmsSubscriptionSchema(), given))
    except (ValidationError, DomainError) as error:
        return _page(values, admin.refusal(error, field="phone"), admin.status(error))
    flash(gettext("%(phone)s now gets the alerts of %(commune)s by SMS.", phone=found.phone,
                  commune=areas.ward(found.ward_code).name), "success")  # fmt: skip
    return redirect(url_for("console.sms_subscriptions", ward_code=found.ward_code))


@bp.post("/sms-subscriptions/<uuid:subscription_id>/stop")
def sms_subscription_stop(subscription_id: uuid.UUID):
    policy.require(g.principal, "sms.subscriptions")
    if not admin.confirmed():
        return admin.confirmation(
            gettext("Stop sending the commune's alerts to this number?"),
            gettext("Yes, stop"),
            consequence=gettext("The citizen may subscribe again by texting DK or at the commune office."),
            action=url_for("console.sms_subscription_stop", subscription_id=subscription_id),
            back=url_for("console.sms_subscriptions"),
        )
    once.claim()
    subscriptions.stop(session(), g.principal, subscription_id)
    flash(gettext("The subscription is stopped: no more alerts go to this number."), "success")
    return redirect(url_for("console.sms_subscriptions"))


@bp.get("/sms-subscriptions/<uuid:subscription_id>/stop")
def sms_subscription_stop_page(subscription_id: uuid.UUID):
    return redirect(url_for("console.sms_subscriptions"))


def _page(values: dict, errors: dict | None = None, status: int = 200):
    principal = g.principal
    policy.require(principal, "sms.subscriptions")
    asked = request.args
    query = {
        "ward_code": int(asked["ward_code"]) if asked.get("ward_code", "").isdigit() else None,
        "phone": asked.get("phone", "").strip()[:30] or None,
        "status": asked["status"] if asked.get("status") in STATUSES else None,
    }
    page = subscriptions.list_all(
        session(), principal, **query, cursor=asked.get("cursor") or None, limit=PAGE_SIZE
    )
    typed = str(values["ward_code"])
    province = areas.province(province_for(int(typed) if typed.isdigit() else query["ward_code"]))
    return (
        render_template(
            "console/sms_subscriptions.html",
            page=page,
            query={k: v for k, v in {**query, "province": province.code}.items() if v},
            filters=query,
            values=values,
            errors=errors or {},
            province=province,
            provinces=[(p.code, p.name) for p in areas.provinces()],
            wards=areas.wards(province.code),
            ward_name=lambda code: areas.ward(code).name if areas.ward(code) else code,
            statuses=STATUS_NAMES,
            sources=SOURCE_NAMES,
        ),
        status,
    )
