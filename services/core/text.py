"""Vietnamese text folding for search: "da nang" finds "Đà Nẵng" on SQLite and PostgreSQL alike."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# What no stored text may hold: lone UTF-16 surrogates (a client that cut an emoji in half), NUL and the
# other control characters but tab and line breaks (C0, DEL, C1). PostgreSQL cannot store the first two,
# and the rest reach phones' notification shades and CSV exports as garbage.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
ELLIPSIS = "…"
UNSTORABLE_MESSAGE = "Contains a character that is not text (a control character or half of an emoji)."


def normalize(text: str | None) -> str:
    """Casefold, strip diacritics (đ → d), collapse white space. Idempotent; NFC and NFD inputs agree."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("đ", "d")
    return _SPACES.sub(" ", unicodedata.normalize("NFC", bare)).strip()


def storable(text: str) -> bool:
    """Whether `text` may be stored: see _UNSTORABLE."""
    return _UNSTORABLE.search(text) is None


def fold(text: str) -> str:
    """The same words however typed: NFC, casefolded, white space collapsed. Unlike normalize(),
    diacritics stay, so "tăng" and "tặng" remain different words."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()


def language(locale: str | None) -> str:
    """The primary subtag of a BCP-47 tag, lowercased (`en-US` → `en`); Vietnamese when unknown."""
    return (locale or "vi").split("-")[0].lower()


def shorten(text: str, limit: int, *, in_bytes: bool = False, ellipsis: str = ELLIPSIS) -> str:
    """Cut `text` at a word boundary to fit `limit` characters (or UTF-8 bytes), ending with `ellipsis`."""

    def size(value: str) -> int:
        return len(value.encode()) if in_bytes else len(value)

    if size(text) <= limit:
        return text
    budget = max(0, limit - size(ellipsis))
    cut = text.encode()[:budget].decode(errors="ignore") if in_bytes else text[:budget]
    if " " in cut.strip():
        cut = cut[: cut.rstrip().rfind(" ")]
    return cut.rstrip(" ,.;:-") + ellipsis if cut else ""
