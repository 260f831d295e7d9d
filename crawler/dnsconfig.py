"""The one dnspython resolver configuration shared by the crawl (host resolution, SSRF
checks) and enrichment (DNS records, Team Cymru, PTR).

``MERCHINTEL_NAMESERVERS=host:port[,host:port]`` points every query at those servers
(the tests' loopback DNS server); without it the system's resolvers are used.
"""

from __future__ import annotations

import dns.asyncresolver
import dns.nameserver
import dns.resolver

from crawler.config import Config


def _configure(res: dns.resolver.Resolver, cfg: Config) -> dns.resolver.Resolver:
    pairs = cfg.nameserver_pairs
    if pairs:
        # dnspython: per-nameserver ports via Nameserver objects.
        res.nameservers = [dns.nameserver.Do53Nameserver(host, port) for host, port in pairs]
    res.timeout = float(cfg.get("dns_timeout") or 3.0)        # per query, per server
    res.lifetime = res.timeout * max(1, len(res.nameservers)) * 2  # total, incl. one retry round
    res.cache = None  # merchintel caches in SQLite with the TTL; no hidden second cache
    return res


def make_resolver(cfg: Config) -> dns.resolver.Resolver:
    """A synchronous dnspython resolver for the configured servers."""
    configure = not bool(cfg.nameserver_pairs)
    return _configure(dns.resolver.Resolver(configure=configure), cfg)


def make_async_resolver(cfg: Config) -> dns.asyncresolver.Resolver:
    """An asyncio dnspython resolver for the configured servers (enrichment's concurrent path)."""
    configure = not bool(cfg.nameserver_pairs)
    return _configure(dns.asyncresolver.Resolver(configure=configure), cfg)
