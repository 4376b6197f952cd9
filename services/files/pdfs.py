"""Uploaded PDFs are stored as sent, but only when they carry nothing that acts by itself: no
JavaScript, no automatic actions, no embedded or launched files, no form submission, no media.

Two looks at the file, because a viewer may read more of it than one parser does:

1. pypdf reads it as a viewer would (repairing a broken cross-reference table, decrypting with the
   empty password, inflating compressed object streams within pypdf's limits on decompressed size) and
   every object it lists is searched, with `#xx` escapes in names already decoded. This sees what a byte
   scan cannot: names inside compressed object streams.
2. The raw bytes are scanned for the unambiguous names among those, `#xx` escapes decoded. This sees
   objects that no cross-reference entry names but a repairing viewer may still find. The two-letter
   names (/JS, /AA) are left to the first look: three bytes turn up by chance in compressed data.

A PDF pypdf cannot read (or not without a password) is refused: what cannot be read cannot be vouched
for. So is one too large to read in reasonable time: pypdf reads some ten thousand objects a second,
and compressed object streams put a hundred thousand in a megabyte. Printing it to PDF again gives a
file that passes.

What neither look sees: an object compressed in an object stream that only an older cross-reference
section lists, when pypdf gives up on that section and a viewer does not. The file is also served as a
download in a sandbox (api/namespaces/attachments.py), so this check is a second line, not the only one.
"""

import io
import re

from pypdf import PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from services.core.errors import Invalid

# Keys and action types that run code, embed, launch or fetch files, or send form data away.
ACTIVE = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/AA",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/RichMediaExecute",
        "/XFA",
    }
)
# Annotation subtypes and action types that play media or 3D or hold a file (media and 3D may script).
# Only as a /S, /Subtype or /Type: /Screen is also a blend mode.
ACTIVE_KINDS = ACTIVE | {"/FileAttachment", "/Screen", "/Movie", "/Sound", "/Rendition", "/3D"}
# A long document exported from a word processor has a few thousand objects.
MAX_OBJECTS = 20_000
_RAW = frozenset(name[1:].encode() for name in ACTIVE - {"/JS", "/AA"})
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r /\[\]<>(){}%]+)")


def check(data: bytes) -> None:
    """Raise Invalid `pdf_active_content` when the PDF can act by itself, `pdf_unreadable` when pypdf
    cannot read it, `pdf_too_complex` when reading it would take too long."""
    found = _in_bytes(data) or _in_objects(data)
    if found:
        raise Invalid(
            {"file": [f"The PDF contains {found} (scripts, automatic actions or embedded files)."]},
            "Print the document to PDF again and send that file.",
            code="pdf_active_content",
        )


def _in_bytes(data: bytes) -> str | None:
    for match in _NAME.finditer(data):
        name = NameObject.unnumber(match.group(1))
        if name in _RAW:
            return "/" + name.decode()
    return None


def _in_objects(data: bytes) -> str | None:
    try:
        reader = PdfReader(io.BytesIO(data))
        numbered = [(n, g) for g, table in reader.xref.items() for n in table]
        numbered += [(n, 0) for n in reader.xref_objStm]
        if len(numbered) > MAX_OBJECTS:
            raise LimitReachedError(f"{len(numbered)} objects")
        pending = [reader.trailer, *(reader.get_object(IndirectObject(n, g, reader)) for n, g in numbered)]
        while pending:
            found = _active(pending.pop(), pending)
            if found:
                return found
    except LimitReachedError as error:  # ours, or pypdf's on decompressed sizes
        raise Invalid(
            {"file": [f"Too complex to check: over {MAX_OBJECTS:,} objects, or too large uncompressed."]},
            "Print the document to PDF again, or split it, and send that file.",
            code="pdf_too_complex",
        ) from error
    # A hostile file can make a parser fail in many ways (pypdf's own errors, lookups of missing keys,
    # nesting deeper than Python's stack): each means the file was not read.
    except Exception as error:
        raise Invalid(
            {"file": ["The PDF cannot be read; it may be damaged or password-protected."]},
            code="pdf_unreadable",
        ) from error
    return None


def _active(value, pending: list) -> str | None:
    """An active name in `value` itself; its nested dictionaries and arrays join `pending` (indirect
    objects are listed on their own)."""
    if isinstance(value, ArrayObject):
        pending.extend(v for v in value if isinstance(v, (DictionaryObject, ArrayObject)))
    if not isinstance(value, DictionaryObject):
        return None
    for key, item in value.items():
        if key in ACTIVE:
            return key
        if key in ("/S", "/Subtype", "/Type") and item in ACTIVE_KINDS:
            return str(item)
        # Opening at a page is fine; any other action on opening is not.
        if key == "/OpenAction":
            action = item.get_object()
            if isinstance(action, DictionaryObject) and action.get("/S") != "/GoTo":
                return key
        if isinstance(item, (DictionaryObject, ArrayObject)):
            pending.append(item)
    return None
