"""Indicator normalisation (a table per type, hypothesis for phones) and "has this been reported?"."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.publishing.indicators import (
    BadIndicator,
    guess,
    lookup_keys,
    normalize,
    on_shared_platform,
    trust_keys,
)
from tests.conftest import Caller, assert_problem
from tests.scam_fixtures import *  # noqa: F403
from tests.scam_fixtures import CHECK, TRUSTED, check, report, trust
from tests.sql_plans import copy_rows, plans_without_seq_scans, sent_statements
from tests.test_alerts import ALERTS, published

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
        "trusted": False,
        "trusted_note": None,
        "alerts": [],
        "links_on_this_site": [],
        "unverified_citizen_reports": 0,
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
    published(staff["editor_a"])
    staff["admin"].post(TRUSTED, json={"type": "phone", "value": "1900 545413", "note": "Vietcombank"})
    citizen.post("/api/v1/scam-reports", json={"type": "phone", "value": "0912 345 678"})
    with sent_statements(transaction) as sent:
        assert client.get(CHECK, query_string={"value": "0912 345 678"}).get_json()["verdict"] == "reported"
    statements = [(statement, parameters) for statement, parameters in sent if "normalized IN" in statement]
    assert len(statements) == 3  # the allow-list, the alerts, the reports

    # Near-empty tables leave the plan to chance (another index, filtered, costs the same), so each holds
    # 2,000 more values than the one asked about, all for the same alert, and the planner knows it.
    for table in ("trusted_indicators", "alert_indicators", "scam_reports"):
        copy_rows(transaction, table, 2000, normalized="normalized || '-' || copy")
    plans = list(plans_without_seq_scans(transaction, statements).values())
    assert "uq_trusted_indicators_normalized" in plans[0] and "Seq Scan on trusted" not in plans[0]
    assert "ix_alert_indicators_normalized" in plans[1] and "Seq Scan on alert_indicators" not in plans[1]
    assert "ix_scam_reports_normalized" in plans[2] and "Seq Scan on scam_reports" not in plans[2]


# ---------------------------------------------------------------- trust: what citizens alone cannot do


def test_one_or_two_devices_reporting_a_bank_hotline_neither_mark_it_nor_show_a_count(devices, client):
    first, second, third = devices(3)
    for attacker in (first, second):
        report(attacker, value="024 3824 3524", description="Tổng đài lừa đảo!")
    body = check(client, "(024) 3824-3524")
    assert (body["verdict"], body["unverified_citizen_reports"], body["alerts"]) == ("no_reports", 0, [])
    # A third device shows a count, unverified; the verdict waits for an official alert.
    report(third, value="+84 24 3824 3524")
    body = check(client, "02438243524")
    assert (body["verdict"], body["unverified_citizen_reports"], body["trusted"]) == ("no_reports", 3, False)


def test_only_a_published_alert_makes_a_reported_value_reported(devices, staff, client):
    for citizen in devices(3):
        report(citizen, value="0987 654 321")
    alert = published(staff["editor_a"], indicators=[{"type": "phone", "value": "0987654321"}])
    body = check(client, "0987 654 321")
    assert body["verdict"] == "reported" and body["unverified_citizen_reports"] == 3
    assert [a["id"] for a in body["alerts"]] == [alert["id"]]


def test_an_allow_listed_number_is_never_marked_by_citizens(devices, admin, client):
    trust(admin, "phone", "1900 54 54 13", note="Tổng đài chăm sóc khách hàng Vietcombank")
    for attacker in devices(4):
        report(attacker, value="1900545413", description="Lừa đảo, đừng nghe!")
    body = check(client, "1900 545413")
    assert body == {
        "verdict": "no_reports",
        "type": "phone",
        "normalized": "+841900545413",
        "trusted": True,
        "trusted_note": "Tổng đài chăm sóc khách hàng Vietcombank",
        "alerts": [],
        "links_on_this_site": [],
        "unverified_citizen_reports": 0,
    }


def test_a_trusted_domain_suffix_covers_every_site_link_and_address_under_it(devices, admin, client):
    trust(admin, "domain", "gov.vn", note="Cơ quan nhà nước")
    crowd = devices(3)
    for value in ("https://dichvucong.gov.vn/p/home/dvc-trang-chu.html", "tiepdan@danang.gov.vn"):
        for attacker in crowd:
            report(attacker, type="url" if "/" in value else "email", value=value)
        body = check(client, value)
        assert (body["trusted"], body["trusted_note"], body["unverified_citizen_reports"]) == (
            True,
            "Cơ quan nhà nước",
            0,
        )
    assert check(client, "www.Dichvucong.gov.vn", type="domain")["trusted"] is True
    # A look-alike is not under gov.vn: its reports count.
    for attacker in crowd:
        report(attacker, type="domain", value="dichvucong.gov.vn.xac-minh.top")
    lookalike = check(client, "dichvucong.gov.vn.xac-minh.top", type="domain")
    assert (lookalike["trusted"], lookalike["unverified_citizen_reports"]) == (False, 3)


def test_a_bare_domain_is_reported_when_an_alert_names_a_link_on_it(staff, client):
    alert = published(
        staff["editor_a"], indicators=[{"type": "url", "value": "https://vneid-kich-hoat.top/login"}]
    )
    for site in ("vneid-kich-hoat.top", "https://www.vneid-kich-hoat.top/"):
        body = check(client, site, type="domain")
        assert body["verdict"] == "reported", site
        assert [a["id"] for a in body["alerts"]] == [alert["id"]] and body["links_on_this_site"] == []


def test_links_on_a_shared_platform_do_not_make_the_platform_reported(staff, client):
    alert = published(
        staff["editor_a"], indicators=[{"type": "url", "value": "https://hotro-vcb.github.io/nhan-qua"}]
    )
    platform = check(client, "github.io", type="domain")
    assert (platform["verdict"], platform["alerts"]) == ("no_reports", [])
    assert [a["id"] for a in platform["links_on_this_site"]] == [alert["id"]]
    # The scammer's own site on the platform is reported.
    own = check(client, "hotro-vcb.github.io", type="domain")
    assert own["verdict"] == "reported" and [a["id"] for a in own["alerts"]] == [alert["id"]]


def test_a_link_on_an_allow_listed_site_does_not_make_the_site_reported(staff, admin, client):
    trust(admin, "domain", "vietcombank.com.vn", note="Vietcombank")
    link = "https://vietcombank.com.vn/redirect?to=vcb-qua-tang.top"
    alert = published(admin, indicators=[{"type": "url", "value": link}])
    site = check(client, "vietcombank.com.vn", type="domain")
    assert (site["verdict"], site["trusted"], site["alerts"]) == ("no_reports", True, [])
    assert [a["id"] for a in site["links_on_this_site"]] == [alert["id"]]
    # The link itself is what the alert names: reported, on a trusted site.
    assert (check(client, link)["verdict"], check(client, link)["trusted"]) == ("reported", True)


def test_the_threshold_and_the_shared_platforms_are_configured(make_app, monkeypatch, staff, devices, client):
    monkeypatch.setenv("SCAM_REPORT_THRESHOLD", "2")
    monkeypatch.setenv("SCAM_SHARED_PLATFORMS", " WWW.Linktr.ee ,sites.google.com")
    configured = Caller(make_app().test_client())
    published(staff["editor_a"], indicators=[{"type": "url", "value": "https://linktr.ee/vcb-hotro"}])
    for citizen in devices(2):
        report(citizen, value="0987 654 321")
    assert check(configured, "0987654321")["unverified_citizen_reports"] == 2
    assert check(configured, "linktr.ee", type="domain")["verdict"] == "no_reports"
    # The default app (`client`): from 3 devices on, and linktr.ee is a site of its own.
    assert check(client, "0987654321")["unverified_citizen_reports"] == 0
    assert check(client, "linktr.ee", type="domain")["verdict"] == "reported"


@pytest.mark.parametrize(
    ("value", "keys"),
    [
        (
            ("url", "https://a.dichvucong.gov.vn/x"),
            [
                ("url", "a.dichvucong.gov.vn/x"),
                ("domain", "a.dichvucong.gov.vn"),
                ("domain", "dichvucong.gov.vn"),
                ("domain", "gov.vn"),
            ],
        ),
        (
            ("email", "tiepdan@danang.gov.vn"),
            [("email", "tiepdan@danang.gov.vn"), ("domain", "danang.gov.vn"), ("domain", "gov.vn")],
        ),
        # Trust never reaches through a private suffix: github.io's subdomains belong to its users.
        (
            ("url", "hotro-vcb.github.io/x"),
            [("url", "hotro-vcb.github.io/x"), ("domain", "hotro-vcb.github.io")],
        ),
        (("phone", "1900 545413"), [("phone", "+841900545413")]),
    ],
)
def test_the_allow_list_entries_that_would_cover_a_value(value, keys):
    assert trust_keys(normalize(*value)) == keys


@pytest.mark.parametrize(
    ("url", "site", "shared"),
    [
        ("sites.google.com/view/vneid", "google.com", True),
        ("sites.google.com/view/vneid", "sites.google.com", True),
        ("hotro-vcb.github.io/x", "github.io", True),
        ("hotro-vcb.github.io/x", "hotro-vcb.github.io", False),
        ("m.facebook.com/story", "facebook.com", True),
        ("vneid-kich-hoat.top/login", "vneid-kich-hoat.top", False),
    ],
)
def test_a_link_on_a_shared_platform_says_nothing_about_the_site(url, site, shared):
    assert on_shared_platform(url, site, ("sites.google.com", "facebook.com", "zalo.me")) is shared


def test_a_public_suffix_is_a_domain_only_on_the_allow_list():
    assert normalize("domain", "GOV.VN", suffix_ok=True).value == "gov.vn"
    for raw, suffix_ok in (("gov.vn", False), ("vn", True), ("com", True)):
        with pytest.raises(BadIndicator):
            normalize("domain", raw, suffix_ok=suffix_ok)
