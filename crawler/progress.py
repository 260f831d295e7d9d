"""Counting a crawl: the per-site page budget, and progress lines on stderr.

``SiteBudgetMiddleware`` (downloader middleware, last in ``process_request``) lets at most
``MERCHINTEL_MAX_PAGES`` requests per site go out — pages, same-site scripts and redirect
hops alike — and refuses a redirect back to a URL already in the request's chain.  It also
holds each site to ``MERCHINTEL_SITE_SECONDS`` of wall-clock time from its first request
(a request's download timeout is cut to what is left), and once a request of a site has
timed out, later timeouts of that site are not retried (a tarpit costs one timeout per
page, not two).

``CrawlProgress`` (extension) prints ``sites 3/10 · pages 45 · identifiers 12 · errors 4 ·
refused 2`` to stderr every ``MERCHINTEL_PROGRESS_INTERVAL`` seconds (overwriting the
line on a terminal) and keeps the counters in the crawl's stats (``merchintel/…``).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler import settings as crawl_settings
from crawler.config import default
from crawler.platforms import page_budget, platform_domains
from crawler.items import FetchErrorItem, PageItem, SiteDoneItem, site_done
from crawler.transport import headers_refused

if TYPE_CHECKING:  # pragma: no cover
    from scrapy import Request
    from scrapy.crawler import Crawler
    from typing_extensions import Self


class BudgetExhausted(IgnoreRequest):
    """The site's page budget is spent: the request is dropped (not an error).

    ``kind``: ``budget`` (pages) or ``site_time`` (wall-clock; stored as an errors row)."""

    def __init__(self, message: str, kind: str = "budget"):
        super().__init__(message)
        self.kind = kind


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL already in the request's chain."""


class SiteBudgetMiddleware:
    def __init__(self, max_pages: int, site_seconds: float = 0.0):
        self.max_pages = max_pages
        self.site_seconds = site_seconds
        self.used: Counter[str] = Counter()
        self.started: dict[str, float] = {}
        self.timed_out: set[str] = set()
        self.platforms: frozenset[str] = frozenset()
        self.platform_pages = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        mw = cls(s.getint("MERCHINTEL_MAX_PAGES", default("max_pages")), s.getfloat("MERCHINTEL_SITE_SECONDS", default("site_seconds")))
        mw.platforms = platform_domains(s.get("MERCHINTEL_PLATFORMS"))
        mw.platform_pages = s.getint("MERCHINTEL_PLATFORM_PAGES", default("platform_pages"))
        crawler.signals.connect(mw.site_done, signal=site_done)
        return mw

    def site_done(self, item: SiteDoneItem, **_: Any) -> None:
        # a finished site sends no more requests
        self.used.pop(item.domain, None)
        self.started.pop(item.domain, None)
        self.timed_out.discard(item.domain)

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """Runs before RetryMiddleware's: a timeout on a site that already timed out is final."""
        if headers_refused(exception) is not None:
            request.meta["dont_retry"] = True   # a header bomb is an answer, not a glitch
            return None
        name = type(exception).__name__
        site = request.meta.get("site")
        if site is not None and ("Timeout" in name or "TimedOut" in name):
            if site in self.timed_out:
                request.meta["dont_retry"] = True
            self.timed_out.add(site)
        return None

    def process_request(self, request: Request) -> None:
        chain = request.meta.get("redirect_urls") or ()
        if request.url in chain:
            raise RedirectLoop(f"redirect loop: {request.url} redirects back to itself after "
                               f"{len(chain)} hop(s)")
        site = request.meta.get("site")
        if site is None:
            return None
        if self.site_seconds > 0:
            now = time.monotonic()
            left = self.site_seconds - (now - self.started.setdefault(site, now))
            if left <= 0:
                raise BudgetExhausted(f"time budget of {self.site_seconds:g} s spent for {site}", "site_time")
            # a slow drip cannot hold the site past its budget either
            timeout = request.meta.get("download_timeout")
            request.meta["download_timeout"] = min(timeout, left) if timeout else left
        # the spider names each request's site budget (a report may mark its site a platform)
        budget = request.meta.get("mi_budget") or page_budget(site, self.platforms, self.max_pages,
                                                              self.platform_pages)
        if self.used[site] >= budget:
            raise BudgetExhausted(f"page budget of {budget} spent for {site}")
        self.used[site] += 1
        return None


class CrawlProgress:
    """Progress on stderr; counters in stats for the final summary."""

    def __init__(self, crawler: Crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.stats = crawler.stats
        self.tty = sys.stderr.isatty()
        self._last = 0.0
        self._last_line = ""
        self.identifiers: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("MERCHINTEL_PROGRESS_INTERVAL", crawl_settings.MERCHINTEL_PROGRESS_INTERVAL)
        if interval < 0:
            raise NotConfigured("MERCHINTEL_PROGRESS_INTERVAL < 0 switches progress off")
        ext = cls(crawler, interval)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        inc = self.stats.inc_value
        if isinstance(item, PageItem):
            inc("merchintel/pages")
            for ident in item.identifiers:
                if ident.id not in self.identifiers:
                    self.identifiers.add(ident.id)
                    inc("merchintel/identifiers")
        elif isinstance(item, FetchErrorItem):
            inc("merchintel/errors")
            inc(f"merchintel/errors/{item.kind}")
            if item.stage == "refused":
                inc("merchintel/refused_urls")
        elif isinstance(item, SiteDoneItem):
            inc("merchintel/sites_done")
            inc(f"merchintel/sites/{item.status}")
        now = time.monotonic()
        if self.interval and now - self._last >= self.interval:
            self._last = now
            self.show()

    def line(self) -> str:
        g = self.stats.get_value
        spider = self.crawler.spider
        total = getattr(spider, "sites_total", 0)
        return (f"sites {g('merchintel/sites_done', 0)}/{total} · pages {g('merchintel/pages', 0)} · "
                f"identifiers {g('merchintel/identifiers', 0)} · errors {g('merchintel/errors', 0)} · "
                f"refused {g('merchintel/refused_urls', 0)}")

    def show(self, final: bool = False) -> None:
        line = self.line()
        if line == self._last_line and not final:
            return
        self._last_line = line
        if self.tty:
            sys.stderr.write("\r\x1b[K" + line + ("\n" if final else ""))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.interval:
            self.show(final=True)
