"""The SSRF guard: merchintel never connects to loopback, private or reserved addresses
unless ``MERCHINTEL_ALLOW_PRIVATE=1`` / ``--allow-private`` says so.

Two places enforce it, so it holds on every hop at connect time:

* ``crawler.resolver.GuardedResolver`` (Scrapy's ``TWISTED_DNS_RESOLVER``) resolves each
  host name with dnspython, checks *every* address of the answer and hands Twisted one of
  the checked addresses — the connect uses exactly what was checked, so a DNS answer that
  changes between check and connect cannot slip through (no second lookup happens);
* ``SSRFMiddleware`` (downloader middleware, last in ``process_request``) refuses URLs
  whose host is an IP literal (those never reach a resolver), and, when a proxy is
  configured, resolves the target host through the same resolver before the request goes
  to the proxy.  Limitation: the proxy does its own DNS lookup, which may differ.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:  # pragma: no cover
    from scrapy import Request
    from scrapy.crawler import Crawler
    from typing_extensions import Self

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
    from crawler.errors import ConfigError

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


class SSRFRefused(IgnoreRequest):
    """A request refused because its target is not a public address."""

    def __init__(self, reason: str, url: str = ""):
        super().__init__(f"ssrf: {reason}")
        self.reason = reason
        self.url = url


class SSRFMiddleware:
    """Refuse IP-literal URLs that point at private space; with a proxy, resolve and
    check the target host before the request leaves (priority 955, after HttpProxy)."""

    def __init__(self, crawler: Crawler, allow_private: bool, allow_networks: tuple = ()):
        self.crawler = crawler
        self.allow_private = allow_private
        self.allow_networks = allow_networks

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        return cls(crawler, s.getbool("MERCHINTEL_ALLOW_PRIVATE"), parse_networks(s.get("MERCHINTEL_SSRF_ALLOW")))

    def process_request(self, request: Request) -> Any:
        if self.allow_private:
            return None
        host = urlsplit(request.url).hostname or ""
        ip = literal_ip(host)
        if ip is not None:
            if reason := refusal(ip, self.allow_networks):
                self._stat()
                raise SSRFRefused(reason, request.url)
            return None
        if request.meta.get("proxy"):
            return self._check_through_resolver(request, host)
        return None

    async def _check_through_resolver(self, request: Request, host: str) -> None:
        from crawler.resolver import GuardedResolver, SSRFDNSRefused
        from scrapy.utils.defer import maybe_deferred_to_future

        resolver = GuardedResolver.current()
        if resolver is None:
            raise SSRFRefused(f"no guarded resolver installed to check {host} before proxying",
                              request.url)
        try:
            await maybe_deferred_to_future(resolver.getHostByName(host))
        except SSRFDNSRefused as exc:
            self._stat()
            raise SSRFRefused(exc.reason, request.url) from exc
        return None

    def _stat(self) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("merchintel/ssrf_refused")
