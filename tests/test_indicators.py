"""Indicator normalisation, pinned with literal values: what one spelling matches must not widen (a
number with letters) or narrow (a host written with its trailing dot)."""

import pytest

from services.publishing import indicators
from services.publishing.indicators import BadIndicator, Normalized


@pytest.mark.parametrize(
    "raw", ["0912 345 ABC", "0912 345 678 gọi ngay", "gọi 0912345678", "0912-345-678x", "09l2 345 678"]
)
def test_a_phone_number_with_letters_or_words_is_refused(raw):
    with pytest.raises(BadIndicator, match=r"^Not a valid phone number\.$"):
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


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("VCB 0011 0023 45678", "VCB:0011002345678"),
        ("Vietcombank: 0011-0023-45678", "VCB:0011002345678"),
        ("970436 0011002345678", "VCB:0011002345678"),
        ("ctg 1234.5678.90", "ICB:1234567890"),
        ("MBBank/0123456", "MB:0123456"),
        ("ABBANK 12345678901234567890", "ABBANK:12345678901234567890"),  # unknown banks keep their code
    ],
)
def test_one_bank_account_however_written(raw, value):
    assert indicators.normalize("bank_account", raw) == Normalized("bank_account", value)


@pytest.mark.parametrize(
    "raw", ["VCB 12345", "VCB 123456789012345678901", "0011002345678", "VCB", "VCB 0011 abc 45678"]
)
def test_a_bank_account_needs_a_bank_and_6_to_20_digits(raw):
    with pytest.raises(
        BadIndicator, match=r"^Give the bank and the account number, e.g. 'VCB 0011 0023 45678'.$"
    ):
        indicators.normalize("bank_account", raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("https://www.facebook.com/Ho.Tro.Khach.Hang/", "facebook:ho.tro.khach.hang"),
        ("facebook.com/Ho.Tro.Khach.Hang/posts/123", "facebook:ho.tro.khach.hang"),
        ("https://m.facebook.com/profile.php?id=100012345678&ref=x", "facebook:100012345678"),
        ("fb.com/somepage", "facebook:somepage"),
        ("Facebook: @Some.Page", "facebook:some.page"),
        ("tiktok:@lua.dao", "tiktok:lua.dao"),
        ("https://t.me/HoTroVNeID", "telegram:hotrovneid"),
        ("zalo: 0912 345 678", "zalo:+84912345678"),
        ("https://zalo.me/0912345678", "zalo:+84912345678"),
        ("zalo:congty.abc", "zalo:congty.abc"),
        ("x.com/fake_police", "x:fake_police"),
    ],
)
def test_one_social_account_however_written(raw, value):
    assert indicators.normalize("social_account", raw) == Normalized("social_account", value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            "example.com/page",
            "Give a profile link or network:handle; networks: "
            "facebook, instagram, telegram, tiktok, x, youtube, zalo.",
        ),
        (
            "myspace: someone",
            "Give a profile link or network:handle; networks: "
            "facebook, instagram, telegram, tiktok, x, youtube, zalo.",
        ),
        ("facebook.com/profile.php", "The account name is missing."),
        ("facebook: @", "The account name is missing."),
        ("facebook: " + "a" * 201, "The account name is missing."),
        ("facebook: two words", "An account name has no spaces."),
    ],
)
def test_a_social_account_needs_a_known_network_and_one_handle(raw, message):
    with pytest.raises(BadIndicator) as refused:
        indicators.normalize("social_account", raw)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("Ho.Tro@VietcomBank-Support.com", "ho.tro@vietcombank-support.com"),
        ("mailto:abc@example.com.vn", "abc@example.com.vn"),
        ("MAILTO:abc@example.com", "abc@example.com"),
        ("hỗ.trợ@bộcôngan.vn", "hỗ.trợ@xn--bcngan-jxa6332d.vn"),
    ],
)
def test_one_email_address_however_written(raw, value):
    assert indicators.normalize("email", raw) == Normalized("email", value)


@pytest.mark.parametrize(
    "raw",
    ["abc", "abc@", "@example.com", "a b@example.com", "abc@localhost", "a@b@c.com", "a@.com"]
    + ["a@example.invalid", "a@" + "x" * 64 + ".com"],  # not under a public suffix; a label too long
)
def test_what_is_not_an_email_address(raw):
    with pytest.raises(BadIndicator, match="^Not an e-mail address.$"):
        indicators.normalize("email", raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a@scam.com/x", "url"),  # a slash: not an address
        ("scam.com?ref=1", "url"),
        ("http://scam.com", "url"),
        ("012", "phone"),  # phone-like: refused later as "Not a valid phone number."
        ("0912 345 678", "phone"),
    ],
)
def test_what_a_value_looks_like(raw, expected):
    assert indicators.guess(raw) == expected


@pytest.mark.parametrize("raw", ["hello world", "just.a sentence", "no-dot-here", "localhost/x", "0912 ABC"])
def test_a_value_of_no_known_kind_asks_for_its_type(raw):
    with pytest.raises(BadIndicator) as refused:
        indicators.guess(raw)
    assert str(refused.value) == "Could not tell what kind of value this is: give its type."


@pytest.mark.parametrize(
    ("type_", "raw", "message"),
    [
        ("url", "ftp://scam.com/a", "Not a web address (expected something like example.com/path)."),
        ("url", "localhost/login", "Not a web address (expected something like example.com/path)."),
        ("domain", "scam", "Not a domain name (expected something like example.com.vn)."),
        ("domain", "scam.com:99999", "Not a domain name (expected something like example.com.vn)."),
        ("phone", "", "Empty value."),
        ("phone", "0912\x07345678", "Contains control characters."),
    ],
)
def test_refusals_say_what_was_expected(type_, raw, message):
    with pytest.raises(BadIndicator) as refused:
        indicators.normalize(type_, raw)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("raw", "keys"),
    [
        ("https://login.scam.com.vn/a?b=1", ["login.scam.com.vn/a?b=1", "login.scam.com.vn", "scam.com.vn"]),
        ("scam.com/a", ["scam.com/a", "scam.com"]),
        ("scam.com?x=1", ["scam.com?x=1", "scam.com"]),
        (
            "HTTP://Xn--Bcngan-Jxa6332d.VN/ĐĂNG-NHẬP/",
            ["xn--bcngan-jxa6332d.vn/ĐĂNG-NHẬP", "xn--bcngan-jxa6332d.vn"],
        ),
    ],
)
def test_a_link_is_reported_by_its_page_its_host_and_its_site(raw, keys):
    assert indicators.lookup_keys(indicators.normalize("url", raw)) == keys


def test_the_domains_above_a_host_and_an_address_alone():
    assert indicators.hosts_above("a.dichvucong.gov.vn") == [
        "a.dichvucong.gov.vn",
        "dichvucong.gov.vn",
        "gov.vn",
    ]
    assert indicators.hosts_above("103.1.2.3") == ["103.1.2.3"]
    assert indicators.on_site("a.b.scam.com/x", "scam.com") and not indicators.on_site(
        "notscam.com/x", "scam.com"
    )
