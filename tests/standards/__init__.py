"""CAP and Atom checked as other systems check them.

CAP 1.2: the OASIS XML Schema (CAP-v1.2.xsd), then what the Google Public Alerts profile and alert
hubs ask beyond it. Atom: RFC 4287's RELAX NG schema (atom.rnc, converted with rnc2rng) and the
Schematron rules embedded in it, then what a feed validator checks that a schema cannot. Both files
are copied verbatim from their standards (see NOTICE.md).
"""

import re
from datetime import datetime
from functools import cache
from pathlib import Path

import rnc2rng
from lxml import etree
from rfc3987_syntax import is_valid_syntax_iri

HERE = Path(__file__).parent
CAP = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM = "http://www.w3.org/2005/Atom"
SCHEMATRON = "http://www.ascc.net/xml/schematron"  # the namespace of the rules in RFC 4287's schema
NS = {"cap": CAP, "atom": ATOM}
# What a reader does with untrusted XML: no DTD, no entities, no network.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@cache
def cap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(HERE / "CAP-v1.2.xsd"))


@cache
def atom_grammar() -> etree._Element:
    rng = rnc2rng.dumps(rnc2rng.load(str(HERE / "atom.rnc")))
    # rnc2rng declares `namespace local = ""` as xmlns:local="", which XML forbids; nothing uses the prefix.
    return etree.fromstring(re.sub(r'\s+xmlns:local=""', "", rng).encode())


@cache
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(atom_grammar())


def assert_valid_cap(document: bytes) -> etree._Element:
    alert = etree.fromstring(document, PARSER)
    cap_schema().assertValid(alert)
    sent = _instant(alert.findtext("cap:sent", namespaces=NS))
    languages = []
    for info in alert.findall("cap:info", NS):
        languages.append(info.findtext("cap:language", namespaces=NS))
        # Google Public Alerts: every info names its sender, describes the event and links a web page.
        for name in ("senderName", "description", "web"):
            assert (info.findtext(f"cap:{name}", namespaces=NS) or "").strip(), f"info without {name}"
        assert is_valid_syntax_iri(info.findtext("cap:web", namespaces=NS))
        expires = info.findtext("cap:expires", namespaces=NS)
        assert expires is None or _instant(expires) > sent, f"sent {sent} at or after expires {expires}"
    # One info per language, told apart by their primary subtags (vi-VN and vi are one language).
    primary = [language.split("-")[0].lower() for language in languages]
    assert len(set(primary)) == len(primary), f"two info blocks in one language: {languages}"
    return alert


def assert_valid_atom(document: bytes, url: str) -> etree._Element:
    """A valid Atom feed read at `url` (its public address)."""
    feed = etree.fromstring(document, PARSER)
    atom_schema().assertValid(feed)
    for rule in atom_grammar().iter(f"{{{SCHEMATRON}}}rule"):
        for node in feed.xpath(f"/descendant-or-self::{rule.get('context')}", namespaces=NS):
            for check in rule.iter(f"{{{SCHEMATRON}}}assert"):
                assert node.xpath(f"boolean({check.get('test')})", namespaces=NS), check.text

    # What a feed validator checks beyond the schema.
    [self_link] = feed.xpath("atom:link[@rel='self']/@href", namespaces=NS)
    assert self_link == url, f"self link {self_link} read at {url}"
    ids = feed.xpath("//atom:id/text()", namespaces=NS)
    assert all(is_valid_syntax_iri(id_) for id_ in ids), ids
    entry_ids = feed.xpath("atom:entry/atom:id/text()", namespaces=NS)
    assert len(set(entry_ids)) == len(entry_ids), f"an entry id twice: {entry_ids}"
    updated = _instant(feed.findtext("atom:updated", namespaces=NS))
    for entry in feed.findall("atom:entry", NS):
        entry_updated = _instant(entry.findtext("atom:updated", namespaces=NS))
        published = entry.findtext("atom:published", namespaces=NS)
        assert published is None or _instant(published) <= entry_updated, "updated before published"
        assert entry_updated <= updated, "an entry updated after its feed"
        alternates = entry.xpath("atom:link[@rel='alternate' or not(@rel)]", namespaces=NS)
        kinds = [(link.get("type"), link.get("hreflang")) for link in alternates]
        assert len(set(kinds)) == len(kinds), "two alternate links of one type and language"
    return feed


def _instant(value: str) -> datetime:
    """An RFC 3339 date-time: with its offset."""
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, f"{value} has no offset"
    return moment
