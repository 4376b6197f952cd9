from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.limits import DEVICE_REGISTRATION, DEVICE_UPDATES_PER_DEVICE, calling_device, limiter
from api.namespaces.zalo import client as zalo_client
from api.openapi import operation
from schemas.common import ListQuerySchema, page_of
from schemas.devices import DeviceRegisteredSchema, DeviceSchema, DeviceUpdateSchema, ZaloIdentitySchema
from schemas.notifications import InboxItemSchema
from schemas.zalo import PhoneShareSchema, ZaloSignInSchema
from services import notifications
from services.identity import devices, zalo

InboxPage = page_of(InboxItemSchema)
ns = Namespace(
    "devices", description="Citizen devices: register once, then authenticate with the device token"
)


def registered(device, token: str) -> dict:
    """A new device as its registration answers it: with its bearer token, shown this once."""
    return {**DeviceRegisteredSchema().dump(device), "device_token": token}


@ns.route("")
class Devices(Resource):
    @operation(
        ns,
        action="devices.register",
        body=DeviceSchema,
        returns=DeviceRegisteredSchema,
        status=201,
        auth="optional",
    )
    @limiter.limit(DEVICE_REGISTRATION)
    def post(self):
        """Register a device; the response carries its bearer token, shown only once.

        Sent with an existing device's token, the new device joins the same citizen, so personal
        messages reach both.
        """
        device, token = devices.register(session(), current_principal(), body(DeviceSchema()))
        return registered(device, token), 201


@ns.route("/zalo")
class ZaloSignIn(Resource):
    @operation(
        ns,
        action="devices.zalo",
        body=ZaloSignInSchema,
        returns=DeviceRegisteredSchema,
        status=201,
        auth="optional",
        problems={
            401: "Zalo did not accept the access token (`invalid_zalo_token`).",
            503: "Zalo is not configured (`zalo_not_configured`) or cannot be reached (`zalo_unavailable`).",
        },
    )
    @limiter.limit(DEVICE_REGISTRATION)
    def post(self):
        """Sign in from the Zalo Mini App: Zalo verifies the access token, and the answer is a new device
        token of the citizen that Zalo user is (the same citizen at every sign-in).

        Sent with an existing device's token (the native app), that device's citizen becomes the Zalo
        user's, with its feedback and inbox.
        """
        data = body(ZaloSignInSchema())
        device, token = zalo.sign_in(session(), current_principal(), zalo_client(), data)
        return registered(device, token), 201


@ns.route("/me/phone")
class Phone(Resource):
    @operation(
        ns,
        action="devices.self",
        body=PhoneShareSchema,
        returns=ZaloIdentitySchema,
        conflicts=True,
        problems={503: "Zalo is not configured or cannot be reached."},
    )
    @limiter.limit(DEVICE_UPDATES_PER_DEVICE, key_func=calling_device)
    def post(self):
        """Share the phone number Zalo verified (zmp-sdk getPhoneNumber's code), consenting on the notice
        of GET /api/v1/privacy/notices (purpose `phone`)."""
        zalo.share_phone(session(), current_principal(), zalo_client(), body(PhoneShareSchema()))
        return ZaloIdentitySchema().dump(current_principal().device.zalo_identity)

    @operation(ns, action="devices.self", status=204, conflicts=True)
    def delete(self):
        """Withdraw the consent: the phone number is erased; ZNS and SMS stop."""
        zalo.withdraw_phone(session(), current_principal())
        return "", 204


@ns.route("/me")
class Me(Resource):
    @operation(ns, returns=DeviceSchema, action="devices.self")
    def get(self):
        """The calling device."""
        return DeviceSchema().dump(current_principal().device)

    @operation(ns, body=DeviceUpdateSchema, returns=DeviceSchema, action="devices.self")
    @limiter.limit(DEVICE_UPDATES_PER_DEVICE, key_func=calling_device)
    def patch(self):
        """Change the device's place, language or push token, or (signed in with Zalo) allow Mini App
        notifications."""
        device = devices.update(session(), current_principal(), body(DeviceUpdateSchema()))
        return DeviceSchema().dump(device)

    @operation(ns, status=204, action="devices.self")  # no limit: it works once per device
    def delete(self):
        """Forget this device and its token. The citizen's last device takes the citizen with it: their
        personal data is erased as by DELETE /api/v1/privacy/me."""
        devices.delete(session(), current_principal())
        return "", 204


@ns.route("/me/notifications")
class Inbox(Resource):
    @operation(ns, query=ListQuerySchema, returns=InboxPage, action="notifications.inbox")
    def get(self):
        """What was pushed to this device: personal messages and those for its place, newest first."""
        page = notifications.inbox(session(), current_principal(), **query(ListQuerySchema()))
        return InboxPage().dump(page)


@ns.route("/me/notifications/<uuid:notification_id>/read")
class InboxRead(Resource):
    @operation(ns, status=204, action="notifications.inbox")
    @limiter.limit(DEVICE_UPDATES_PER_DEVICE, key_func=calling_device)
    def post(self, notification_id):
        """Mark a notification read in this device's inbox."""
        notifications.mark_read(session(), current_principal(), notification_id)
        return "", 204
