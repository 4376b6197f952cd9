"""SMS text: Vietnamese unaccented into the GSM-7 alphabet, segment counts, and a message composed to fit.

Two encodings (3GPP TS 23.038): "gsm7", the default alphabet (160 characters in one SMS, 153 a part when
concatenated; a character of the extension table, such as € [ ] { }, takes two), and "ucs2" (UTF-16: 70
in one SMS, 67 a part). Vietnamese goes out unaccented in GSM-7 by convention (brandname SMS): Unicode
diacritics would make every message UCS-2 and cost two and a half times as many segments.

A part never ends between an escape and its extension character, nor between the two halves of a
surrogate pair: the channel splits where `chunks` does, so the count here is the count sent.
"""

import unicodedata

from services.core.text import shorten

# TS 23.038's default alphabet, in code order (the escape 0x1B left out: it is not a character).
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
ESCAPE = 0x1B
# The extension table (after an escape), without its form feed, which phones do not show.
GSM7_EXTENSION = {
    "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D, "]": 0x3E, "|": 0x40, "€": 0x65
}  # fmt: skip
_BASIC_CODES = {char: code for code, char in enumerate(GSM7_BASIC) if code != ESCAPE}
_EXTENSION_CHARS = {code: char for char, code in GSM7_EXTENSION.items()}
ENCODINGS = {"gsm7": (160, 153), "ucs2": (70, 67)}  # characters in one SMS, in each part of several
ELLIPSIS = "..."  # "…" is not in GSM-7

# What has a close GSM-7 spelling (before the compatibility decomposition, which would lose some of it).
_CLOSE = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′´`", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−•·‧∙", "-"),
        **dict.fromkeys("\t\u00a0\u2007\u202f", " "),
        **dict.fromkeys("\u2028\u2029", "\n"),
        "…": ELLIPSIS,
        "đ": "d",
        "Đ": "D",
        "₫": "d",  # 50.000₫ → 50.000d, as Vietnamese SMS write it
        "°": "o",  # 35°C → 35oC
        "×": "x",
        "÷": "/",
        "⁄": "/",
        "\r": "",  # CR LF → LF
    }
)


def unaccented(text: str) -> str:
    """`text` in GSM-7 characters only: diacritics stripped (đ → d), typographic quotes, dashes and the
    ellipsis in ASCII, other characters decomposed to a GSM-7 spelling where they have one (ﬁ → fi,
    full-width digits) and dropped where they have none (emoji); spaces collapsed, empty lines dropped.
    Idempotent."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_CLOSE)).translate(_CLOSE)
    kept = "".join(
        char
        for char in decomposed
        if not unicodedata.combining(char) and (char in _BASIC_CODES or char in GSM7_EXTENSION)
    )
    lines = (" ".join(line.split()) for line in kept.split("\n"))
    return "\n".join(line for line in lines if line)


def as_sent(text: str, encoding: str) -> str:
    """The text an SMS in `encoding` carries: unaccented for GSM-7, as written for UCS-2."""
    _limits(encoding)
    return unaccented(text) if encoding == "gsm7" else text


def chunks(text: str, encoding: str) -> list[str]:
    """`text` (as sent) cut into the parts of one SMS: one part when it fits a single message, else
    parts of at most 153 septets (GSM-7) or 67 UTF-16 units (UCS-2)."""
    single, part = _limits(encoding)
    sizes = [_size(char, encoding) for char in text]
    if sum(sizes) <= single:
        return [text]
    parts, start, used = [], 0, 0
    for index, size in enumerate(sizes):
        if used + size > part:
            parts.append(text[start:index])
            start, used = index, 0
        used += size
    return [*parts, text[start:]]


def segments(text: str, encoding: str = "gsm7") -> int:
    """How many SMS `text` takes once prepared for `encoding` (see as_sent)."""
    return len(chunks(as_sent(text, encoding), encoding))


def compose(parts: list[str], *, max_segments: int = 2, encoding: str = "gsm7") -> str:
    """`parts` (the body: headline, what to do …; then a short link; then the sender) joined by spaces
    to fit `max_segments`. The body is cut first, at a word boundary, ending "..."; when no body fits,
    it is left out, then the link; the sender is kept whole unless it alone is too long."""
    parts = [as_sent(part, encoding) for part in parts if part and part.strip()]
    parts = [part for part in parts if part]
    if not parts:
        return ""
    sender = parts[-1:] if len(parts) > 1 else []
    link = parts[-2:-1] if len(parts) > 2 else []
    body = " ".join(parts[: len(parts) - len(sender) - len(link)])

    def fits(*pieces: str) -> bool:
        return segments(" ".join(piece for piece in pieces if piece), encoding) <= max_segments

    if fits(body, *link, *sender):
        return " ".join(piece for piece in (body, *link, *sender) if piece)
    cut = _longest(body, lambda candidate: fits(candidate, *link, *sender))
    if cut:
        return " ".join((cut, *link, *sender))
    for rest in ([*link, *sender], sender):
        if rest and fits(*rest):
            return " ".join(rest)
    return _longest(" ".join(parts), fits)


def _longest(text: str, fits) -> str:
    """The longest cut of `text` (at a word boundary, with "...") that fits; "" when none does."""
    low, high, best = 1, len(text), ""
    while low <= high:
        limit = (low + high) // 2
        candidate = shorten(text, limit, ellipsis=ELLIPSIS)
        if candidate and fits(candidate):
            best, low = candidate, limit + 1
        else:
            high = limit - 1
    return best


def encode_gsm7(text: str) -> bytes:
    """GSM-7 as SMPP carries it with data_coding 0: one septet an octet, an extension character as the
    escape and its code. ValueError for a character outside the alphabet (unaccented() first)."""
    out = bytearray()
    for char in text:
        if char in _BASIC_CODES:
            out.append(_BASIC_CODES[char])
        elif char in GSM7_EXTENSION:
            out += bytes((ESCAPE, GSM7_EXTENSION[char]))
        else:
            raise ValueError(f"{char!r} is not in the GSM-7 alphabet")
    return bytes(out)


def decode_gsm7(data: bytes) -> str:
    """The text of unpacked GSM-7 septets; an unknown extension code reads as a space (TS 23.038)."""
    chars, escaped = [], False
    for code in data:
        if escaped:
            chars.append(_EXTENSION_CHARS.get(code, " "))
            escaped = False
        elif code == ESCAPE:
            escaped = True
        else:
            chars.append(GSM7_BASIC[code & 0x7F])
    return "".join(chars)


def _size(char: str, encoding: str) -> int:
    if encoding == "gsm7":
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def _limits(encoding: str) -> tuple[int, int]:
    try:
        return ENCODINGS[encoding]
    except KeyError:
        raise ValueError(f"SMS encoding must be gsm7 or ucs2, not {encoding!r}") from None
