import uuid

from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.openapi import operation
from schemas.common import page_of
from schemas.notifications import AnnouncementSchema, NotificationQuerySchema, NotificationSchema
from services import notifications

ns = Namespace(
    "notifications", description="Push notifications: ad-hoc announcements and delivery records (admin)"
)
NotificationPage = page_of(NotificationSchema)


@ns.route("")
class Notifications(Resource):
    @operation(ns, query=NotificationQuerySchema, returns=NotificationPage, action="notifications.manage")
    def get(self):
        """Every push, newest first, with its outcome (status, FCM message names, errors, attempts)."""
        args = query(NotificationQuerySchema())
        return NotificationPage().dump(notifications.list_for_admin(session(), current_principal(), **args))

    @operation(
        ns, body=AnnouncementSchema, returns=NotificationSchema, status=202, action="notifications.manage"
    )
    def post(self):
        """Push a one-off announcement to a place; the push worker sends it within seconds."""
        notification = notifications.announce(session(), current_principal(), body(AnnouncementSchema()))
        return NotificationSchema().dump(notification), 202


@ns.route("/<uuid:notification_id>")
class Notification(Resource):
    @operation(ns, returns=NotificationSchema, action="notifications.manage")
    def get(self, notification_id: uuid.UUID):
        """One push and its outcome."""
        return NotificationSchema().dump(
            notifications.get_for_admin(session(), current_principal(), notification_id)
        )
