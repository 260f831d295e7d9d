"""The DNS resolver every crawl connection goes through (``TWISTED_DNS_RESOLVER``).

Each host name is resolved with dnspython (``crawler.dnsconfig.make_resolver``: the
servers of ``MERCHINTEL_NAMESERVERS`` or the system's), in the reactor's thread pool.
Every IPv4 address of the answer is checked by ``crawler.addresses.address_reason``; if any is
refused the whole name is refused (a public + a private answer is a rebinding trick), else
Twisted gets one of the checked addresses and connects to exactly that address.

Twisted's name-resolution interfaces carry no error detail (``HostnameEndpoint`` turns
every failure into "no results for hostname lookup"), so the resolver keeps the last
failure per name; ``dns_failure(host)`` tells the spider whether it was NXDOMAIN, a DNS
timeout, SERVFAIL or an SSRF refusal.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, ClassVar

import dns.exception
import dns.rdatatype
import dns.resolver
from twisted.internet import defer, threads
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

from crawler.addresses import literal_ip, parse_networks, refusal
from crawler.config import Config, default
from crawler.dnsconfig import make_resolver

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Self

POSITIVE_TTL_CAP = 300.0  # seconds; never trust an answer longer than this in one crawl
NEGATIVE_TTL = 60.0
CACHE_MAX = 4096          # names kept; a crawl keeps at most ~2 x concurrency sites in flight


class ResolveError(DNSLookupError):
    """A failed lookup; ``kind`` is nxdomain, dns_timeout, servfail, no_address or ssrf."""

    kind = "dns"

    def __init__(self, name: str, reason: str):
        super().__init__(f"{self.kind}: {reason}")
        self.name = name
        self.reason = reason


class NXDomainError(ResolveError):
    kind = "nxdomain"


class DNSTimeoutError(ResolveError):
    kind = "dns_timeout"


class ServFailError(ResolveError):
    kind = "servfail"


class NoAddressError(ResolveError):
    kind = "no_address"


class SSRFDNSRefused(ResolveError):
    kind = "ssrf"


def resolve_checked(resolver: dns.resolver.Resolver, name: str, *, allow_private: bool,
                    allow_networks: tuple = ()) -> tuple[str, float]:
    """Resolve ``name`` to one IPv4 address that passed the SSRF check, and the TTL to
    keep it; raises a ``ResolveError`` subclass.  Blocking (runs in a thread)."""
    ip = literal_ip(name)
    if ip is not None:
        if not allow_private and (reason := refusal(ip, allow_networks)):
            raise SSRFDNSRefused(name, f"{name} is a {reason}")
        return str(ip), POSITIVE_TTL_CAP
    try:
        answer = resolver.resolve(name.rstrip(".") + ".", dns.rdatatype.A, search=False)
    except dns.resolver.NXDOMAIN as exc:
        raise NXDomainError(name, f"{name} does not exist (NXDOMAIN)") from exc
    except dns.resolver.NoAnswer as exc:
        raise NoAddressError(name, f"{name} has no IPv4 address (A record)") from exc
    except dns.resolver.NoNameservers as exc:
        raise ServFailError(name, f"no name server answered for {name} (SERVFAIL or refused)") from exc
    except dns.exception.Timeout as exc:
        raise DNSTimeoutError(name, f"DNS lookup of {name} timed out") from exc
    except dns.exception.DNSException as exc:
        raise ResolveError(name, f"DNS lookup of {name} failed: {type(exc).__name__}") from exc
    addresses = [r.address for r in answer]
    if not addresses:
        raise NoAddressError(name, f"{name} has no IPv4 address (A record)")
    if not allow_private:
        for addr in addresses:
            if reason := refusal(addr, allow_networks):
                raise SSRFDNSRefused(name, f"{name} resolves to {reason}")
    ttl = float(min(answer.rrset.ttl if answer.rrset is not None else POSITIVE_TTL_CAP, POSITIVE_TTL_CAP))
    return addresses[0], ttl


@implementer(IResolverSimple)
class GuardedResolver:
    """dnspython + SSRF check, installed on the reactor by Scrapy's CrawlerProcess."""

    _current: ClassVar[GuardedResolver | None] = None

    def __init__(self, reactor: Any, cfg: Config, *, allow_private: bool, allow_networks: tuple = ()):
        self.reactor = reactor
        self.cfg = cfg
        self.allow_private = allow_private
        self.allow_networks = allow_networks
        self._dns = make_resolver(cfg)
        self._cache: dict[str, tuple[float, str | ResolveError]] = {}
        self._failures: dict[str, ResolveError] = {}
        self._lock = threading.Lock()
        self.lookups = 0

    @classmethod
    def from_settings_values(cls, reactor: Any, settings: Any) -> Self:
        cfg = Config(values={"nameservers": settings.get("MERCHINTEL_NAMESERVERS") or None,
                             "dns_timeout": settings.getfloat("MERCHINTEL_DNS_TIMEOUT", default("dns_timeout"))})
        return cls(reactor, cfg, allow_private=settings.getbool("MERCHINTEL_ALLOW_PRIVATE"),
                   allow_networks=parse_networks(settings.get("MERCHINTEL_SSRF_ALLOW")))

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> Self:
        # Scrapy passes the CrawlerProcess here; only its settings are used.
        return cls.from_settings_values(reactor, crawler.settings)

    @classmethod
    def current(cls) -> GuardedResolver | None:
        return cls._current

    def install_on_reactor(self) -> None:
        self.reactor.installResolver(self)
        GuardedResolver._current = self

    # IResolverSimple
    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred:
        key = name.rstrip(".").lower()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            value = hit[1]
            if isinstance(value, ResolveError):
                self._failures[key] = value
                return defer.fail(value)
            return defer.succeed(value)
        self.lookups += 1
        d = threads.deferToThreadPool(self.reactor, self.reactor.getThreadPool(),
                                      resolve_checked, self._dns, key, allow_private=self.allow_private,
                                      allow_networks=self.allow_networks)
        d.addCallbacks(self._ok, self._fail, callbackArgs=(key,), errbackArgs=(key,))
        return d

    def _remember(self, key: str, expires: float, value: Any) -> None:
        if len(self._cache) >= CACHE_MAX:   # bounded: long inputs must not grow memory
            now = time.monotonic()
            for k in [k for k, (exp, _) in self._cache.items() if exp <= now] or list(self._cache)[:CACHE_MAX // 2]:
                del self._cache[k]
        self._cache[key] = (expires, value)

    def _ok(self, result: tuple[str, float], key: str) -> str:
        ip, ttl = result
        self._remember(key, time.monotonic() + ttl, ip)
        self._failures.pop(key, None)
        return ip

    def _fail(self, failure: Any, key: str) -> Any:
        exc = failure.value
        if not isinstance(exc, ResolveError):
            exc = ResolveError(key, f"DNS lookup of {key} failed: {type(exc).__name__}")
        if not isinstance(exc, DNSTimeoutError):
            self._remember(key, time.monotonic() + NEGATIVE_TTL, exc)
        if len(self._failures) >= CACHE_MAX:
            self._failures.clear()
        self._failures[key] = exc
        return defer.fail(exc)

    def dns_failure(self, host: str) -> ResolveError | None:
        """The last failure resolving ``host`` (None if its last lookup succeeded)."""
        return self._failures.get(host.rstrip(".").lower())


def dns_failure(host: str) -> ResolveError | None:
    res = GuardedResolver.current()
    return res.dns_failure(host) if res is not None else None
