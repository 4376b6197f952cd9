"""Outgoing requests to addresses the caller chooses (webhooks) must not reach inside our network (SSRF).

`resolve()` looks the host up once and refuses it when any address it resolves to is loopback, private,
link-local, shared (CGNAT), multicast, reserved, unspecified or a cloud metadata service, IPv4-mapped
IPv6 included. The sender then connects to the address checked here, never to a second lookup, so a
name that resolves elsewhere the next time (DNS rebinding) cannot slip through.
"""

import ipaddress
import socket

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT; not is_private in Python 3.11
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # an IPv4 address reached through a NAT64 gateway


class Refused(Exception):
    """The host may not be reached: `str()` says why, naming the address."""


class Unresolvable(Exception):
    """The host name does not resolve (now): worth trying again later."""


def refusal(address: Address) -> str | None:
    """Why `address` may not be reached ("loopback", "private"…), or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return refusal(address.ipv4_mapped)
        if address in _NAT64:
            return refusal(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address in _METADATA:
        return "cloud metadata"
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("shared (CGNAT)", isinstance(address, ipaddress.IPv4Address) and address in _SHARED),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    )
    reason = next((name for name, hit in checks if hit), None)
    if reason is None and not address.is_global:
        reason = "not public"
    return reason


def resolve(host: str, port: int, *, allow_private: bool = False) -> Address:
    """The address to connect to for `host`, after checking every address it resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Unresolvable(f"{host} does not resolve: {error}") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason:
                raise Refused(f"{host} resolves to {address} ({reason}), which may not be reached")
    return addresses[0]
