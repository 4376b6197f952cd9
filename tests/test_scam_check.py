"""Indicator normalisation (a table per type, hypothesis for phones) and "has this been reported?"."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.indicators import BadIndicator, guess, lookup_keys, normalize
from tests.conftest import assert_problem
from tests.test_alerts import ALERTS, published

CHECK = "/api/v1/scam-check"
# Mobile network prefixes in use in Việt Nam (after the 0 of the national form).
MOBILE_PREFIXES = ["32", "33", "34", "35", "36", "37", "38", "39", "70", "76", "77", "78", "79", "81", "82"]
MOBILE_PREFIXES += ["83", "84", "85", "86", "88", "90", "91", "93", "94", "96", "97", "98"]
SPELLINGS = [
    "0912 345 678",
    "+84912345678",
    "84-912-345-678",
    "0912.345.678",
    "(+84) 912 345 678",
    "0084912345678",
]


@pytest.mark.parametrize(
    ("type_", "raw", "normalized", "domain"),
    [
        *[("phone", spelling, "+84912345678", None) for spelling in SPELLINGS],
        ("phone", "0236 3822 222", "+842363822222", None),  # a landline in Đà Nẵng
        (
            "url",
            "https://www.Example.com.vn/Dang-Nhap/?utm_source=zalo&fbclid=x&b=2&a=1#top",
            "example.com.vn/Dang-Nhap?a=1&b=2",
            "example.com.vn",
        ),
        ("url", "HTTP://WWW.SCAM.COM", "scam.com", "scam.com"),
        # One path however it is spelled: dot segments, percent-escapes, decomposed Vietnamese.
        ("url", "https://scam.com/a/../dang-nhap/./%7Euser/", "scam.com/dang-nhap/~user", "scam.com"),
        ("url", "scam.com/%C4%90%C4%83ng-nh%E1%BA%ADp", "scam.com/Đăng-nhập", "scam.com"),
        ("url", unicodedata.normalize("NFD", "scam.com/Đăng-nhập/"), "scam.com/Đăng-nhập", "scam.com"),
        ("url", "scam.com/login?zarsrc=30&gclid=1", "scam.com/login", "scam.com"),
        ("url", "http://103.1.2.3/otp", "103.1.2.3/otp", "103.1.2.3"),
        ("url", "bücher.vn/x", "xn--bcher-kva.vn/x", "xn--bcher-kva.vn"),
        (
            "url",
            "https://hotro-vcb.github.io/nhan-qua",
            "hotro-vcb.github.io/nhan-qua",
            "hotro-vcb.github.io",
        ),
        ("domain", "WWW.Vietcombank-HoTro.com", "vietcombank-hotro.com", "vietcombank-hotro.com"),
        (
            "domain",
            "https://login.vietcombank-hotro.com.vn/x",
            "login.vietcombank-hotro.com.vn",
            "vietcombank-hotro.com.vn",
        ),
        ("bank_account", "VCB 0011 0023 45678", "VCB:0011002345678", None),
        ("bank_account", "vcb: 0011-0023-45678", "VCB:0011002345678", None),
        ("bank_account", "970436 0011002345678", "VCB:0011002345678", None),  # Vietcombank's NAPAS BIN
        ("bank_account", "970999 0011002345678", "970999:0011002345678", None),  # a BIN not in the table
        # One account however the bank is named: code, name, ticker or NAPAS BIN.
        ("bank_account", "Vietcombank 0011 0023 45678", "VCB:0011002345678", None),
        ("bank_account", "CTG 1234 5678 9", "ICB:123456789", None),
        ("bank_account", "NAB 123456789", "NAB:123456789", None),  # a bank outside the table keeps its code
        ("email", "mailto:Ho.Tro@Example.com", "ho.tro@example.com", None),
        ("email", "lua.dao@Bücher.vn", "lua.dao@xn--bcher-kva.vn", None),
        ("social_account", "zalo: 0912 345 678", "zalo:+84912345678", None),
        ("phone", "0912\n345 678", "+84912345678", None),  # pasted across a line break
        ("email", "Ho.Tro@Example.COM ", "ho.tro@example.com", None),
        ("social_account", "https://www.facebook.com/Ho.Tro.CongAn/", "facebook:ho.tro.congan", None),
        ("social_account", "https://m.facebook.com/profile.php?id=100012345", "facebook:100012345", None),
        ("social_account", "Facebook: @Ho.Tro.CongAn", "facebook:ho.tro.congan", None),
        ("social_account", "zalo.me/0912345678", "zalo:+84912345678", None),
        ("social_account", "tiktok:@LuaDao", "tiktok:luadao", None),
    ],
)
def test_normalisation(type_, raw, normalized, domain):
    result = normalize(type_, raw)
    assert (result.type, result.value, result.domain) == (type_, normalized, domain)


@pytest.mark.parametrize(
    ("type_", "raw"),
    [
        ("phone", "12"),
        ("phone", "0912 abc"),
        ("url", "ftp://scam.com/x"),
        ("url", "localhost/x"),
        ("domain", "not a domain"),
        ("bank_account", "0011002345678"),  # which bank?
        ("email", "ho.tro@"),
        ("social_account", "some.page"),
        ("phone", "   "),
        ("bank_account", "VCB ------"),  # no digits at all
        ("bank_account", "VCB 12345"),  # too short to be an account
        ("social_account", "facebook: some page"),
        ("url", "scam.com/\x00"),
        ("email", "a\x07@scam.com"),
    ],
)
def test_values_that_do_not_parse(type_, raw):
    with pytest.raises(BadIndicator):
        normalize(type_, raw)


@settings(max_examples=200, deadline=None)
@given(
    subscriber=st.builds(
        str.__add__,
        st.sampled_from(MOBILE_PREFIXES),
        st.from_regex(r"[0-9]{7}", fullmatch=True),
    ),
    prefix=st.sampled_from(["0", "+84", "84", "0084", "(+84) ", "+84 "]),
    separator=st.sampled_from(["", " ", "-", "."]),
)
def test_every_spelling_of_a_mobile_number_is_one_number(subscriber, prefix, separator):
    spelled = prefix + separator.join([subscriber[:3], subscriber[3:6], subscriber[6:]])
    expected = normalize("phone", "0" + subscriber)
    assert normalize("phone", spelled) == expected
    assert normalize("phone", expected.value) == expected  # idempotent


@pytest.mark.parametrize(
    ("raw", "type_"),
    [
        ("0912 345 678", "phone"),
        ("https://scam.com/x", "url"),
        ("scam.com/x", "url"),
        ("scam.com", "domain"),
        ("VCB 0011002345678", "bank_account"),
        ("facebook.com/some.page", "social_account"),
        ("zalo: 0912345678", "social_account"),
        ("a@b.vn", "email"),
    ],
)
def test_the_type_is_guessed(raw, type_):
    assert guess(raw) == type_


def test_a_url_is_also_looked_up_by_host_and_registrable_domain():
    assert lookup_keys(normalize("url", "https://a.scam.com.vn/x")) == [
        "a.scam.com.vn/x",
        "a.scam.com.vn",
        "scam.com.vn",
    ]


def test_scam_check_finds_a_published_number_however_it_is_written(staff, client, citizen):
    alert = published(staff["editor_a"])
    for spelling in SPELLINGS:
        for caller in (client, citizen):
            body = caller.get(CHECK, query_string={"value": spelling}).get_json()
            assert body["verdict"] == "reported", spelling
            assert body["type"] == "phone" and body["normalized"] == "+84912345678"
            assert [a["id"] for a in body["alerts"]] == [alert["id"]]
            assert body["alerts"][0]["active"] is True


def test_drafts_and_cancelled_alerts_do_not_count_and_unknown_values_are_never_called_safe(staff, client):
    editor = staff["editor_a"]
    editor.post(ALERTS, json={**_domain_alert(), "indicators": [{"type": "phone", "value": "0912 345 678"}]})
    cancelled = published(editor)
    editor.post(f"{ALERTS}/{cancelled['id']}/cancel", json={"reason": "Nhầm số"})
    body = client.get(CHECK, query_string={"value": "0912345678"}).get_json()
    assert body == {
        "verdict": "no_reports",
        "type": "phone",
        "normalized": "+84912345678",
        "alerts": [],
        "links_on_this_site": [],
        "citizen_reports": 0,
    }
    assert "safe" not in str(body)


def test_a_domain_alert_covers_every_link_on_it(staff, client):
    published(staff["editor_a"], **_domain_alert())
    body = client.get(
        CHECK, query_string={"value": "https://www.login.vcb-hotro.com/otp?utm_source=sms"}
    ).get_json()
    assert body["verdict"] == "reported" and body["type"] == "url"
    assert body["normalized"] == "login.vcb-hotro.com/otp"


def test_a_site_asked_about_shows_the_links_on_it_that_alerts_name_without_calling_the_site_reported(
    staff, client
):
    from tests.test_alerts import payload

    editor = staff["editor_a"]
    page = published(
        editor, **payload(indicators=[{"type": "url", "value": "https://sites.google.com/view/vneid"}])
    )
    published(editor, **payload(indicators=[{"type": "url", "value": "https://google.com.vn/other"}]))

    for site in ("sites.google.com", "google.com", "https://www.google.com/"):
        body = client.get(CHECK, query_string={"value": site, "type": "domain"}).get_json()
        assert body["verdict"] == "no_reports" and body["alerts"] == [], site
        assert [a["id"] for a in body["links_on_this_site"]] == [page["id"]], site
    elsewhere = client.get(CHECK, query_string={"value": "mail.google.com", "type": "domain"}).get_json()
    assert elsewhere["links_on_this_site"] == []
    # The page itself, asked about, is reported.
    exact = client.get(CHECK, query_string={"value": "sites.google.com/view/vneid"}).get_json()
    assert exact["verdict"] == "reported" and exact["links_on_this_site"] == []


def _domain_alert() -> dict:
    from tests.test_alerts import payload

    return payload(indicators=[{"type": "domain", "value": "vcb-hotro.com"}])


@pytest.mark.parametrize(
    "params",
    [
        {"value": ""},
        {"value": "x" * 2048},
        {},
        {"value": "hello world"},
        {"value": "12", "type": "phone"},
        {"value": "a", "type": "fax"},
    ],
)
def test_bad_values_are_a_422(client, params):
    body = assert_problem(client.get(CHECK, query_string=params), 422)
    assert set(body["errors"]) <= {"value", "type"}


def test_scam_check_is_rate_limited(client):
    statuses = [client.get(CHECK, query_string={"value": "0912345678"}).status_code for _ in range(30)]
    assert statuses == [200] * 30
    limited = client.get(CHECK, query_string={"value": "0912345678"})
    assert_problem(limited, 429)
    assert 0 < int(limited.headers["Retry-After"]) <= 60


def test_a_bank_account_and_an_email_are_found_however_written(staff, client):
    indicators = [
        {"type": "bank_account", "value": "Vietcombank 0011 0023 45678"},
        {"type": "email", "value": "HoTro@Scam.vn"},
        {"type": "social_account", "value": "https://www.facebook.com/Ho.Tro.CongAn/"},
    ]
    alert = published(staff["editor_a"], indicators=indicators)
    for value, type_ in [
        ("970436 0011002345678", "bank_account"),
        ("vcb: 0011-0023-45678", "bank_account"),
        ("mailto:hotro@SCAM.VN", "email"),
        ("facebook: @ho.tro.congan", "social_account"),
        ("m.facebook.com/ho.tro.congan", "social_account"),
    ]:
        body = client.get(CHECK, query_string={"value": value}).get_json()
        assert (body["verdict"], body["type"]) == ("reported", type_), value
        assert [a["id"] for a in body["alerts"]] == [alert["id"]]


def test_scam_check_looks_values_up_through_the_normalised_value_indexes(staff, citizen, client, transaction):
    """EXPLAIN every query scam-check runs on PostgreSQL (sequential scans priced out): the indicator and
    report tables are read through their indexes on `normalized`, never scanned."""
    from sqlalchemy import event

    published(staff["editor_a"])
    citizen.post("/api/v1/scam-reports", json={"type": "phone", "value": "0912 345 678"})
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "normalized IN" in statement:
            statements.append((statement, parameters))

    event.listen(transaction, "before_cursor_execute", capture)
    try:
        assert client.get(CHECK, query_string={"value": "0912 345 678"}).get_json()["verdict"] == "reported"
    finally:
        event.remove(transaction, "before_cursor_execute", capture)
    assert len(statements) == 2  # the alerts, the reports

    transaction.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plans = [
        "\n".join(row[0] for row in transaction.exec_driver_sql(f"EXPLAIN {statement}", parameters))
        for statement, parameters in statements
    ]
    assert "ix_alert_indicators_normalized" in plans[0] and "Seq Scan on alert_indicators" not in plans[0]
    assert "ix_scam_reports_normalized" in plans[1] and "Seq Scan on scam_reports" not in plans[1]
