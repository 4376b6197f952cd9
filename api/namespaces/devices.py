from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.http import body
from api.openapi import operation
from schemas.devices import DeviceRegisteredSchema, DeviceSchema, DeviceUpdateSchema
from services import devices
from services.db import session

ns = Namespace("devices", description="Citizen devices: register once, then authenticate with the device token")


@ns.route("")
class Devices(Resource):
    @operation(ns, body=DeviceSchema, returns=DeviceRegisteredSchema, status=201, auth="none")
    def post(self):
        """Register a device; the response carries its bearer token, shown only once."""
        device, token = devices.register(session(), body(DeviceSchema()))
        result = DeviceRegisteredSchema().dump(device)
        result["device_token"] = token
        return result, 201


@ns.route("/me")
class Me(Resource):
    @operation(ns, returns=DeviceSchema)
    def get(self):
        """The calling device."""
        return DeviceSchema().dump(current_principal().require_device())

    @operation(ns, body=DeviceUpdateSchema, returns=DeviceSchema)
    def patch(self):
        """Change the device's place, language or push token."""
        device = devices.update(session(), current_principal(), body(DeviceUpdateSchema()))
        return DeviceSchema().dump(device)

    @operation(ns, status=204)
    def delete(self):
        """Forget this device and its token."""
        devices.delete(session(), current_principal())
        return "", 204
