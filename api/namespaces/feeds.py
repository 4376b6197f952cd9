"""Syndication feeds for integrators and the people's radio system, outside the versioned API:
`/feeds/notices.atom` and `/feeds/alerts.atom` (built with feedgen)."""

from flask_restx import Namespace

ns = Namespace("feeds", description="Atom feeds of public notices and active alerts")
ns.mount_path = "/feeds"
