"""Vietnamese text folding for search: "da nang" finds "Đà Nẵng" on SQLite and PostgreSQL alike."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize(text: str | None) -> str:
    """Casefold, strip diacritics (đ → d), collapse white space. Idempotent; NFC and NFD inputs agree."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("đ", "d")
    return _SPACES.sub(" ", unicodedata.normalize("NFC", bare)).strip()


def fold(text: str) -> str:
    """The same words however typed: NFC, casefolded, white space collapsed. Unlike normalize(),
    diacritics stay, so "tăng" and "tặng" remain different words."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()
