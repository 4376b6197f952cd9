"""Scam indicators (phone numbers, URLs, domains, bank accounts, social accounts, e-mail addresses)
in one canonical form, so "0912 345 678" and "+84 912-345-678" are one number.

Alerts, citizen reports and the "has this been reported?" check all store and look up `Normalized.value`
(indexed), never the raw text. The public suffix list is tldextract's bundled snapshot: nothing is
fetched at run time.
"""

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import tldextract
from yarl import URL

from services.core.phones import to_e164

# suffix_list_urls=() and no cache: the snapshot shipped in the package, never the network.
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)

# Click trackers: the same link shared from Facebook, Zalo or an ad must be one URL.
_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|ttclid|twclid|igshid|mc_cid|mc_eid|"
    r"zarsrc|gidzl|_hsenc|_hsmi|si|ref_src)$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS = re.compile(r"^[+()\d\s.\-]+$")
_BANK = re.compile(r"^\s*(?P<bank>[A-Za-z][A-Za-z0-9]{1,15}|970\d{3})\b[\s:/\-]*(?P<number>[\d\s.\-]{6,30})$")
_SOCIAL_PREFIX = re.compile(r"^(?P<network>[a-z]+)\s*[:/]\s*@?(?P<handle>\S.*)$", re.IGNORECASE)
# Banks by the code VietQR uses, with their NAPAS BINs, stock tickers and names as people write them,
# so that "Vietcombank 0011…", "VCB 0011…" and "970436 0011…" are one account. Other banks keep the
# code as given (upper-cased).
_BANKS = {
    "VCB": ("970436", "VIETCOMBANK"),
    "ICB": ("970415", "VIETINBANK", "CTG"),
    "BIDV": ("970418",),
    "VBA": ("970405", "AGRIBANK"),
    "TCB": ("970407", "TECHCOMBANK"),
    "MB": ("970422", "MBBANK", "MBB"),
    "ACB": ("970416",),
    "VPB": ("970432", "VPBANK"),
    "STB": ("970403", "SACOMBANK"),
    "TPB": ("970423", "TPBANK"),
    "VIB": ("970441",),
    "SHB": ("970443",),
    "HDB": ("970437", "HDBANK"),
}
_BANK_CODES = {alias: code for code, aliases in _BANKS.items() for alias in (code, *aliases)}
# Host → network, for profile links pasted as social accounts.
_NETWORKS = {
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "fb.me": "facebook",
    "zalo.me": "zalo",
    "tiktok.com": "tiktok",
    "t.me": "telegram",
    "telegram.me": "telegram",
    "instagram.com": "instagram",
    "x.com": "x",
    "twitter.com": "x",
    "youtube.com": "youtube",
}
NETWORKS = frozenset(_NETWORKS.values())


class BadIndicator(ValueError):
    """A value that does not parse as its type; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class Normalized:
    type: str
    value: str  # the lookup key
    domain: str | None = None  # URLs and domains: the registrable domain (e.g. example.com.vn)


def normalize(type_: str, raw: str, *, suffix_ok: bool = False) -> Normalized:
    """`suffix_ok` (the allow-list): a domain may also be a public suffix of two labels or more, such as
    gov.vn, standing for every site registered under it."""
    if any(unicodedata.category(char) == "Cc" and not char.isspace() for char in raw or ""):
        raise BadIndicator("Contains control characters.")
    raw = " ".join((raw or "").split())  # a value pasted across lines is one value
    if not raw:
        raise BadIndicator("Empty value.")
    if type_ == "domain":
        return _domain(raw, suffix_ok=suffix_ok)
    return _NORMALIZERS[type_](raw)


def guess(raw: str) -> str:
    """The most likely type of a pasted value; BadIndicator when nothing fits."""
    raw = raw.strip()
    if _EMAIL.match(raw) and "/" not in raw:
        return "email"
    if _PHONE_CHARS.match(raw) and to_e164(raw):
        return "phone"
    prefixed = _SOCIAL_PREFIX.match(raw)
    if prefixed and prefixed["network"].lower() in NETWORKS:
        return "social_account"
    if _BANK.match(raw):
        return "bank_account"
    if _PHONE_CHARS.match(raw):
        return "phone"  # so that the error says it is not a valid number
    if " " not in raw and "." in raw:
        parts = _url_parts(raw)
        if parts is not None:
            host, path, query = parts
            if _network(host):
                return "social_account"
            return "url" if path or query or "://" in raw else "domain"
    raise BadIndicator("Could not tell what kind of value this is: give its type.")


def _phone(raw: str) -> Normalized:
    number = to_e164(raw) if _PHONE_CHARS.match(raw) else None
    if number is None:
        raise BadIndicator("Not a valid phone number.")
    return Normalized("phone", number)


def _url_parts(raw: str, *, suffix_ok: bool = False) -> tuple[str, str, str] | None:
    """(host without www., canonical path without trailing /, query without trackers), or None."""
    text = raw if "://" in raw else f"//{raw}"
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018 - raises ValueError on a bad port
        host = host.encode("idna").decode("ascii").lower()
    except (ValueError, UnicodeError):
        return None
    if parts.scheme not in ("", "http", "https") or not _is_public_host(host, suffix_ok=suffix_ok):
        return None
    host = host.removeprefix("www.")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k.lower())))
    return host, _canonical_path(parts.path), query


def _canonical_path(path: str) -> str:
    """Dot segments resolved and percent-escapes decoded (RFC 3986 §6.2.2), in NFC: `/a/../Đăng-nhập`,
    `/%C4%90%C4%83ng-nh%E1%BA%ADp` and `/Đăng-nhập/` are one path, shown readably."""
    return unicodedata.normalize("NFC", URL(f"http://h{path}").path).rstrip("/")


def _is_public_host(host: str, *, suffix_ok: bool = False) -> bool:
    """An IP address, or a name registered under a public suffix (example.com.vn), which includes the
    shared platforms of the list's private section (github.io: a site of its own, its subdomains
    belonging to its users). `suffix_ok`: also a public suffix of two labels or more (gov.vn)."""
    if _is_ip(host):
        return True
    extracted = _extract(host)
    if extracted.domain:
        return bool(extracted.suffix)
    return extracted.is_private or (suffix_ok and "." in extracted.suffix)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _registrable(host: str) -> str:
    return _extract(host).top_domain_under_public_suffix or host


def _url(raw: str) -> Normalized:
    parts = _url_parts(raw)
    if parts is None:
        raise BadIndicator("Not a web address (expected something like example.com/path).")
    host, path, query = parts
    return Normalized("url", host + path + (f"?{query}" if query else ""), _registrable(host))


def _domain(raw: str, *, suffix_ok: bool = False) -> Normalized:
    parts = _url_parts(raw, suffix_ok=suffix_ok)
    if parts is None:
        raise BadIndicator("Not a domain name (expected something like example.com.vn).")
    host = parts[0]
    return Normalized("domain", host, _registrable(host))


def _bank_account(raw: str) -> Normalized:
    match = _BANK.match(raw)
    digits = re.sub(r"\D", "", match["number"]) if match else ""
    if not 6 <= len(digits) <= 20:
        raise BadIndicator("Give the bank and the account number, e.g. 'VCB 0011 0023 45678'.")
    bank = match["bank"].upper()
    return Normalized("bank_account", f"{_BANK_CODES.get(bank, bank)}:{digits}")


def _network(host: str) -> str | None:
    return _NETWORKS.get(_registrable(host))


def _social_account(raw: str) -> Normalized:
    """`network:handle`: a profile link (facebook.com/some.page) or `facebook: some.page`."""
    prefixed = _SOCIAL_PREFIX.match(raw)
    if prefixed and prefixed["network"].lower() in NETWORKS:
        network, handle = prefixed["network"].lower(), prefixed["handle"]
    else:
        parts = _url_parts(raw)
        network = _network(parts[0]) if parts else None
        if network is None:
            raise BadIndicator(
                f"Give a profile link or network:handle; networks: {', '.join(sorted(NETWORKS))}."
            )
        path, query = parts[1], dict(parse_qsl(parts[2]))
        # facebook.com/profile.php?id=1000… names the account by number.
        handle = query.get("id") if path.endswith("profile.php") else path.strip("/").split("/")[0]
    handle = (handle or "").lstrip("@").strip().lower()
    if network == "zalo":  # Zalo accounts are phone numbers
        handle = to_e164(handle) or handle
    if not handle or len(handle) > 200:
        raise BadIndicator("The account name is missing.")
    if re.search(r"\s", handle):
        raise BadIndicator("An account name has no spaces.")
    return Normalized("social_account", f"{network}:{handle}")


def _email(raw: str) -> Normalized:
    """Lower-cased, without a `mailto:`, the domain in punycode (as URLs' hosts are)."""
    raw = re.sub(r"^mailto:", "", raw, flags=re.IGNORECASE)
    if not _EMAIL.match(raw):
        raise BadIndicator("Not an e-mail address.")
    local, _, domain = raw.lower().rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise BadIndicator("Not an e-mail address.") from None
    if not _is_public_host(domain):
        raise BadIndicator("Not an e-mail address.")
    return Normalized("email", f"{local}@{domain}")


_NORMALIZERS = {
    "phone": _phone,
    "url": _url,
    "domain": _domain,
    "bank_account": _bank_account,
    "social_account": _social_account,
    "email": _email,
}


def lookup_keys(normalized: Normalized) -> list[str]:
    """Stored values that mean "this has been reported": the value itself, and for a URL also its host
    and registrable domain (an alert naming the domain covers every page on it)."""
    keys = [normalized.value]
    if normalized.type == "url":
        keys += [host_of(normalized.value), normalized.domain]
    return list(dict.fromkeys(k for k in keys if k))


def host_of(url: str) -> str:
    """The host of a normalised URL (`host/path?query`)."""
    return url.split("/")[0].split("?")[0]


def on_site(url: str, host: str) -> bool:
    """Whether a normalised URL is on `host` or one of its subdomains."""
    return host_of(url) == host or host_of(url).endswith(f".{host}")


def hosts_above(host: str) -> list[str]:
    """`host` and the domains above it down to two labels, most specific first: a.dichvucong.gov.vn,
    dichvucong.gov.vn, gov.vn. An IP address is only itself."""
    if _is_ip(host):
        return [host]
    labels = host.split(".")
    return [".".join(labels[start:]) for start in range(len(labels) - 1)]


def private_suffix(host: str) -> bool:
    """A suffix of the public suffix list's private section (github.io, blogspot.com): its subdomains
    are the sites of unrelated people."""
    extracted = _extract(host)
    return extracted.is_private and not extracted.domain


def shared_platform(host: str, listed: Iterable[str]) -> bool:
    """Whether pages on `host` belong to unrelated people: a private suffix of the public suffix list, or
    one of `listed` (SCAM_SHARED_PLATFORMS, e.g. sites.google.com, facebook.com) or a subdomain of one."""
    return private_suffix(host) or any(on_site(host, platform) for platform in listed)


def on_shared_platform(url: str, site: str, listed: Iterable[str]) -> bool:
    """Whether a link on `site` is on a shared platform at or below `site`, so that it says nothing about
    the site: sites.google.com/view/x on google.com, x.github.io/y on github.io (not on x.github.io)."""
    return any(shared_platform(host, listed) for host in hosts_above(host_of(url)) if on_site(host, site))


def trust_keys(normalized: Normalized) -> list[tuple[str, str]]:
    """(type, value) of the allow-list entries that would cover `normalized`, most specific first: the
    value itself and, for a link, site or e-mail address, the domains above its host — but none above a
    private suffix such as github.io, whose subdomains belong to unrelated people."""
    keys = [(normalized.type, normalized.value)]
    host = _host(normalized)
    for name in hosts_above(host) if host else ():
        if private_suffix(name):
            break
        keys.append(("domain", name))
    return list(dict.fromkeys(keys))


def _host(normalized: Normalized) -> str | None:
    """The host a link, site or e-mail address is on."""
    if normalized.type == "url":
        return host_of(normalized.value)
    if normalized.type == "domain":
        return normalized.value
    if normalized.type == "email":
        return normalized.value.rpartition("@")[2]
    return None
