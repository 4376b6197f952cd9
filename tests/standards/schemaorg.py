"""schema.org JSON-LD checked the way a consumer reads it: expanded with pyld (against the vendored
context, no network), then every node's type and every property checked against the vocabulary — the
property exists, its domain includes the node's type, its range includes each value's type.

The vocabulary below is a hand-written extract (see NOTICE.md): only the types and properties that
ClaimReview documents use. A property missing here fails the check, so adding one means looking it up.
"""

import json
from datetime import date, datetime
from functools import cache
from pathlib import Path

from pyld import jsonld

SCHEMA = "https://schema.org/"
CONTEXT = Path(__file__).with_name("schemaorg-context.jsonld")

# type → its rdfs:subClassOf
PARENTS = {
    "Thing": (),
    "CreativeWork": ("Thing",),
    "Review": ("CreativeWork",),
    "ClaimReview": ("Review",),
    "Claim": ("CreativeWork",),
    "Intangible": ("Thing",),
    "Rating": ("Intangible",),
    "Organization": ("Thing",),
    "GovernmentOrganization": ("Organization",),
    "Person": ("Thing",),
}
# property → (domainIncludes, rangeIncludes)
PROPERTIES = {
    "name": (("Thing",), ("Text",)),
    "alternateName": (("Thing",), ("Text",)),
    "url": (("Thing",), ("URL",)),
    "claimReviewed": (("ClaimReview",), ("Text",)),
    "reviewRating": (("Review",), ("Rating",)),
    "reviewBody": (("Review",), ("Text",)),
    "itemReviewed": (("AggregateRating", "Review"), ("Thing",)),
    "author": (("CreativeWork", "Rating"), ("Organization", "Person")),
    "datePublished": (("CreativeWork",), ("Date", "DateTime")),
    "dateModified": (("CreativeWork", "DataFeed"), ("Date", "DateTime")),
    "inLanguage": (("CreativeWork",), ("Language", "Text")),
    "ratingValue": (("Rating",), ("Number", "Text")),
    "bestRating": (("Rating",), ("Number", "Text")),
    "worstRating": (("Rating",), ("Number", "Text")),
    "appearance": (("Claim",), ("CreativeWork",)),
    "firstAppearance": (("Claim",), ("CreativeWork",)),
}
# What Google's fact-check markup and the aggregators require of a ClaimReview.
REQUIRED = {
    "ClaimReview": ("claimReviewed", "reviewRating", "url", "author", "itemReviewed", "datePublished"),
    "Rating": ("alternateName",),
}


@cache
def _context() -> dict:
    return json.loads(CONTEXT.read_text())


def _loader(url: str, options=None) -> dict:
    if url.rstrip("/") in ("https://schema.org", "http://schema.org"):
        return {"contextUrl": None, "documentUrl": url, "document": _context()}
    raise AssertionError(f"the document asks for a context the tests do not have: {url}")


def _ancestors(type_: str) -> set[str]:
    seen = {type_}
    for parent in PARENTS[type_]:
        seen |= _ancestors(parent)
    return seen


def _term(iri: str) -> str:
    assert iri.startswith(SCHEMA), f"{iri} is not a schema.org term"
    return iri.removeprefix(SCHEMA)


def _is_literal(value: dict, kinds: tuple[str, ...]) -> bool:
    raw, typed = value.get("@value"), value.get("@type")
    checks = {
        "Text": isinstance(raw, str) and typed is None,
        "Number": isinstance(raw, int | float) and not isinstance(raw, bool),
        "Date": typed == f"{SCHEMA}Date" and _parses(date.fromisoformat, raw),
        "DateTime": typed == f"{SCHEMA}DateTime" and _parses(datetime.fromisoformat, raw),
        "Language": isinstance(raw, str),
    }
    return any(checks.get(kind, False) for kind in kinds)


def _parses(parse, raw) -> bool:
    try:
        parse(raw)
    except (TypeError, ValueError):
        return False
    return True


def _check_node(node: dict, path: str) -> None:
    [type_iri] = node["@type"]
    type_ = _term(type_iri)
    assert type_ in PARENTS, f"{path}: unknown type {type_}"
    kinds = _ancestors(type_)
    present = {_term(key) for key in node if not key.startswith("@")}
    for required in REQUIRED.get(type_, ()):
        assert required in present, f"{path}: {type_} without {required}"
    for key, values in node.items():
        if key.startswith("@"):
            continue
        name = _term(key)
        assert name in PROPERTIES, f"{path}: {name} is not a schema.org property here"
        domain, range_ = PROPERTIES[name]
        assert kinds & set(domain), f"{path}: {name} is not a property of {type_}"
        for value in values:
            where = f"{path}.{name}"
            if "@id" in value and len(value) == 1:
                assert "URL" in range_ and value["@id"].startswith(("http://", "https://")), (
                    f"{where}: not a URL"
                )
            elif "@value" in value:
                assert _is_literal(value, range_), f"{where}: {value} is not one of {range_}"
            else:
                value_type = _term(value["@type"][0])
                assert _ancestors(value_type) & set(range_), f"{where}: a {value_type} is not one of {range_}"
                _check_node(value, where)


def assert_valid(document: dict) -> list[dict]:
    """Expand `document` and check it against the vocabulary; the expanded form, for further checks."""
    expanded = jsonld.expand(document, {"documentLoader": _loader})
    assert expanded, "nothing expands: not schema.org JSON-LD"
    for node in expanded:
        _check_node(node, node["@type"][0].removeprefix(SCHEMA))
    return expanded
