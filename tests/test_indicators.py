"""Indicator normalisation, pinned with literal values: what one spelling matches must not widen (a
number with letters) or narrow (a host written with its trailing dot)."""

import pytest

from services import indicators
from services.indicators import BadIndicator, Normalized


@pytest.mark.parametrize(
    "raw", ["0912 345 ABC", "0912 345 678 gọi ngay", "gọi 0912345678", "0912-345-678x", "09l2 345 678"]
)
def test_a_phone_number_with_letters_or_words_is_refused(raw):
    with pytest.raises(BadIndicator, match="Not a valid phone number."):
        indicators.normalize("phone", raw)


@pytest.mark.parametrize("raw", ["0912 345 678", "+84 912-345-678", "(091) 234.5678", "84912345678"])
def test_every_spelling_of_one_number_is_one_indicator(raw):
    assert indicators.normalize("phone", raw) == Normalized("phone", "+84912345678")


@pytest.mark.parametrize(
    ("type_", "raw", "expected"),
    [
        ("domain", "scam.com.", Normalized("domain", "scam.com", "scam.com")),
        ("domain", "WWW.Scam.COM", Normalized("domain", "scam.com", "scam.com")),
        ("url", "https://scam.com./login", Normalized("url", "scam.com/login", "scam.com")),
        (
            "url",
            "http://www.scam.com/login/?utm_source=zalo",
            Normalized("url", "scam.com/login", "scam.com"),
        ),
        ("url", "scam.com.vn/a/../dang-nhap", Normalized("url", "scam.com.vn/dang-nhap", "scam.com.vn")),
    ],
)
def test_hosts_are_one_spelling(type_, raw, expected):
    assert indicators.normalize(type_, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "phone"),
        ("https://scam.com/login", "url"),
        ("scam.com", "domain"),
        ("a@scam.com", "email"),
        ("Vietcombank 0011 0022 3344", "bank_account"),
        ("facebook.com/ho.tro.khach.hang", "social_account"),
    ],
)
def test_the_type_of_a_pasted_value_is_guessed(raw, expected):
    assert indicators.guess(raw) == expected
