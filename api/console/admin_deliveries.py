"""Push and deliveries (admins): for the latest alerts and notices, their deliveries by channel and
outcome (services/reports/deliveries), and what the outbox still has to send per channel, the same
figure /metrics exports as citizen_outbox_depth (services/outbox.backlog)."""

from flask import g, render_template

from api.console import bp
from api.console.alerts import CHANNEL_NAMES, STAGE_NAMES
from api.database import session
from services import outbox
from services.identity import policy
from services.publishing import alerts, notices
from services.reports import deliveries

SHOWN = 15  # the latest of each


@bp.get("/admin/deliveries")
def admin_deliveries():
    principal, db = g.principal, session()
    policy.require(principal, "notifications.manage")
    latest_alerts = [a for a in alerts.of_department(db, principal, limit=SHOWN).items if a.status != "draft"]
    latest_notices = [n for n in notices.list_notices(db, principal, limit=SHOWN).items if n.published_at]
    backlog = outbox.backlog(db)
    return render_template(
        "console/admin_deliveries.html",
        alerts=latest_alerts,
        alert_deliveries=deliveries.by_subject(db, "alert", [a.id for a in latest_alerts]),
        notices=latest_notices,
        notice_deliveries=deliveries.by_subject(db, "notice", [n.id for n in latest_notices]),
        backlog={
            channel: backlog.get(channel, outbox.Backlog(0, 0.0))
            for channel in sorted({*outbox.channels(), *backlog})
        },
        channels=CHANNEL_NAMES,
        stage=alerts.stage,
        stages=STAGE_NAMES,
    )
