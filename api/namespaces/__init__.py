"""One flask-restx Namespace per resource, mounted under /api/v1 by api.create_app."""

from api.namespaces import (
    api_keys,
    areas,
    audit,
    auth,
    categories,
    departments,
    devices,
    feeds,
    notifications,
    users,
)

NAMESPACES = [
    auth.ns,
    users.ns,
    devices.ns,
    api_keys.ns,
    areas.ns,
    departments.ns,
    categories.ns,
    notifications.ns,
    audit.ns,
    feeds.ns,
]
