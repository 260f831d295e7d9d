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

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future

from crawler.addresses import literal_ip, parse_networks, refusal
from crawler.resolver import GuardedResolver, SSRFDNSRefused

if TYPE_CHECKING:  # pragma: no cover
    from scrapy import Request
    from scrapy.crawler import Crawler
    from typing_extensions import Self


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
