"""What the Atom feeds (RFC 4287) share: the feed's own elements and entry links, built with feedgen.

A feed's `id` and `self` link are the URL it is read at, query included, so that each filtered feed is
a feed of its own. Its `updated` is the last change that touched it, never the time of the request: a
reader (or a cache asking If-Modified-Since) sees the same value until something changes.
"""

from datetime import UTC, datetime
from typing import NamedTuple

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

MIMETYPE = "application/atom+xml"
AUTHOR = "Citizen API"
# The `updated` of a feed into which nothing was ever published.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Feed(NamedTuple):
    body: bytes
    updated: datetime


class _LinkAttributes(BaseEntryExtension):
    """feedgen 1.0 writes an entry's links with `href` only (it reads `rel` and `type` back from the
    element it has just created); this puts them back."""

    def __init__(self):
        self.links = []

    def extend_atom(self, entry):
        for element, link in zip(entry.iterfind("link"), self.links, strict=True):
            element.attrib.update({key: link[key] for key in ("rel", "type") if link.get(key)})
        return entry


def new_feed(self_url: str, title: str, subtitle: str, updated: datetime) -> FeedGenerator:
    feed = FeedGenerator()
    feed.register_extension("link_attributes", BaseExtension, _LinkAttributes, rss=False)
    feed.id(self_url)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.link(href=self_url, rel="self", type=MIMETYPE)
    feed.author(name=AUTHOR)
    feed.language("vi")
    feed.updated(updated)
    return feed


def link(entry, *links: dict) -> None:
    """Give `entry` these links ({href, rel, type}), attributes and all."""
    for attributes in links:
        entry.link(**attributes)
    entry.link_attributes.links = entry.link()
