"""Which addresses merchintel refuses to connect to, and how hosts and allow-lists are read
(foundation: used by the SSRF middleware, the guarded resolver and the input reader).
"""

from __future__ import annotations

import ipaddress
import socket

from crawler.errors import ConfigError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SIXTOFOUR = ipaddress.ip_network("2002::/16")


def _v4_inside(ip: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4)."""
    if ip.ipv4_mapped is not None:
        return "IPv4-mapped", ip.ipv4_mapped
    if ip in NAT64:
        return "NAT64", ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return "6to4", ip.sixtofour
    packed = ip.packed
    if packed[:12] == bytes(12) and int(ip) > 1:  # ::a.b.c.d (deprecated IPv4-compatible)
        return "IPv4-compatible", ipaddress.IPv4Address(packed[12:])
    return None


def address_reason(ip: str | IPAddress) -> str | None:
    """Why connecting to this address is refused, or None for a public address.

    >>> address_reason("10.1.2.3")
    'private address 10.1.2.3'
    >>> address_reason("::ffff:127.0.0.1")
    'IPv4-mapped loopback address 127.0.0.1 (::ffff:7f00:1)'
    >>> address_reason("93.184.216.34") is None
    True
    """
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _v4_inside(ip)
        if inner is not None:
            how, v4 = inner
            reason = address_reason(v4)
            if reason:
                category, _, _ = reason.rpartition(" ")
                return f"{how} {category} {v4} ({ip.compressed})"
            if how != "IPv4-compatible":
                return None  # the connection goes to that public IPv4 address
    for test, name in ((lambda a: a.is_unspecified, "unspecified address"),
                       (lambda a: a.is_loopback, "loopback address"),
                       (lambda a: a.is_link_local, "link-local address"),
                       (lambda a: a in CGNAT, "CGNAT address"),
                       (lambda a: a.is_multicast, "multicast address"),
                       (lambda a: a.is_reserved, "reserved address"),
                       (lambda a: a.is_private, "private address"),
                       (lambda a: not a.is_global, "non-global address")):
        if isinstance(ip, ipaddress.IPv6Address) and name == "CGNAT address":
            continue
        if test(ip):
            return f"{name} {ip.compressed}"
    return None


def parse_networks(value: str | None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``MERCHINTEL_SSRF_ALLOW``: comma-separated CIDRs (or single addresses).

    >>> parse_networks("10.8.0.0/16, 127.0.0.2")
    (IPv4Network('10.8.0.0/16'), IPv4Network('127.0.0.2/32'))
    """
    nets = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ConfigError(f'MERCHINTEL_SSRF_ALLOW="{value}": {part!r} is not a network; '
                              f'use CIDRs like 10.8.0.0/16,127.0.0.2.') from exc
    return tuple(nets)


def refusal(ip: str | IPAddress, allow_networks: tuple = ()) -> str | None:
    """``address_reason`` unless ``ip`` sits in one of the explicitly allowed networks."""
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip.split("%", 1)[0])
    if allow_networks:
        candidates = [ip]
        if isinstance(ip, ipaddress.IPv6Address) and (inner := _v4_inside(ip)):
            candidates.append(inner[1])
        if any(c in net for c in candidates for net in allow_networks if c.version == net.version):
            return None
    return address_reason(ip)


def literal_ip(host: str) -> IPAddress | None:
    """The address an IP-literal host names, including the forms browsers and
    inet_aton accept (``127.1``, ``0x7f.0.0.1``, ``2130706433``); None for a name.

    >>> literal_ip("0x7f.1")
    IPv4Address('127.0.0.1')
    >>> literal_ip("shop-a.se") is None
    True
    """
    host = host.strip("[]").rstrip(".")
    if not host:
        return None
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    # Only digits, dots and hex prefixes: what inet_aton accepts is an address, not a name.
    lowered = host.lower()
    if all(c in "0123456789abcdefx." for c in lowered) and any(c.isdigit() for c in lowered) \
            and all(p.isdigit() or p.startswith("0x") for p in lowered.split(".") if p):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(lowered))
        except OSError:
            return None
    return None
