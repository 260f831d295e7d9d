"""ReportedSiteSpider: reported URLs -> a same-site, breadth-first, text-only crawl.

* Start: one request per distinct reported URL (its report's referrer as Referer); reports
  of the same registered domain share one site and one page budget.
* Links are taken only from ``<a>/<area href>``, GET ``<form action>``,
  ``<frame>/<iframe src>`` (pages), ``<script src>`` (scripts) and
  ``<meta http-equiv=refresh>`` and a literal JavaScript location in an inline script
  (crawler.jsredirect; read, never run) — both followed by the spider itself, even across
  sites, and recorded in the redirect chain as ``meta_refresh`` / ``js`` hops.  Never from
  img, srcset, picture/source, video, audio, track, embed, object, ``<link>`` (icons,
  preloads, manifests, stylesheets), CSS or og:/twitter:image: those contexts are simply
  not read.
* Same site = same registered domain as the page (crawler.domains, offline suffix list);
  depth-first never: priority = depth, then how contact/payment-like the link is.
* Every page and same-site script goes through ``extract_all``; bodies never leave this
  module: items carry the SHA-256, the length and the capped visible text.

Beside it: spiders/sites.py (per-site state, budget, status), spiders/hops.py (redirect
chain, client-side hops), spiders/responses.py (headers, cookie names, page kind).
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
from typing import Any, AsyncIterator, Iterable
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.exceptions import StopDownload
from scrapy.http import Response

from crawler import never_media, settings as crawl_settings
from crawler.analysis import AnalysisWorker, PageAnalysis, WorkerGone, _run_now, analysis_workers, analyze_page
from crawler.capture import capture_response
from crawler.clock import now_iso
from crawler.config import default
from crawler.domains import hostname, registered_domain
from crawler.extractors.links import link_bonus
from crawler.failures import classify_failure
from crawler.inputs import Report, read_input
from crawler.items import FetchErrorItem, PageItem, SiteDoneItem, site_done
from spiders import listing
from spiders.hops import MAX_REFRESH_HOPS, client_hops, http_chain, sent_on_from
from spiders.rendering import PageRenderer
from spiders.replay import carrier_pages
from spiders.responses import cookie_names, header, page_kind, response_text
from spiders.sites import SiteState, url_key


class ReportedSiteSpider(Spider):
    name = "reported"

    def __init__(self, reports: Iterable[Report] = (), case_name: str | None = None, input: str | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.reports = list(reports)
        if input:   # `scrapy crawl reported -a input=urls.txt` (merchintel crawl passes reports)
            _, more, problems = read_input(input)
            for p in problems:
                self.logger.warning(p.message)
            self.reports += more
        self.case_name = case_name
        self.sites: dict[str, SiteState] = {}   # sites not finished yet (finished ones are dropped)
        self.reported: set[str] = set()          # every reported registered domain
        self._done = 0
        self._active = 0          # sites started and not finished
        self.max_active = 32
        self.analyzer: AnalysisWorker | None = None   # the page-analysis worker process, if any
        self.max_pages = 50
        self.site_seconds = 0.0
        self.platforms: frozenset[str] = frozenset()
        self.platform_pages = 0
        self.render: PageRenderer | None = None

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ReportedSiteSpider:
        crawl_settings.check_first_law(crawler.settings)   # also when started by `scrapy crawl reported`
        crawl_settings.make_offline()
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        spider.max_depth = s.getint("MERCHINTEL_DEPTH", default("depth"))
        spider.max_pages = s.getint("MERCHINTEL_MAX_PAGES", default("max_pages"))
        spider.site_seconds = s.getfloat("MERCHINTEL_SITE_SECONDS", default("site_seconds"))
        spider.platforms = listing.platform_domains(s.get("MERCHINTEL_PLATFORMS"))
        spider.platform_pages = s.getint("MERCHINTEL_PLATFORM_PAGES", default("platform_pages"))
        spider.max_script_bytes = s.getint("MERCHINTEL_MAX_SCRIPT_BYTES", default("max_script_bytes"))
        spider.text_cap = s.getint("MERCHINTEL_TEXT_CAP", default("text_cap"))
        spider.captures = s.getbool("MERCHINTEL_CAPTURES", default("captures"))
        spider.default_region = s.get("MERCHINTEL_DEFAULT_REGION")
        spider.proxy = s.get("MERCHINTEL_PROXY")
        spider.case_name = spider.case_name or s.get("MERCHINTEL_CASE", default("case"))
        spider.db_path = s.get("MERCHINTEL_DB")
        spider.max_active = s.getint("MERCHINTEL_ACTIVE_SITES", crawl_settings.MERCHINTEL_ACTIVE_SITES) or \
            max(8, 2 * s.getint("CONCURRENT_REQUESTS", default("concurrency")))
        if analysis_workers(s.get("MERCHINTEL_ANALYSIS_WORKERS", crawl_settings.MERCHINTEL_ANALYSIS_WORKERS)):
            spider.analyzer = AnalysisWorker.start(spider.logger)
            crawler.signals.connect(spider._close_analyzer, signal=signals.spider_closed)
        spider.render = PageRenderer.from_crawler(crawler, spider)   # --render (spiders/rendering.py)
        for report in spider.reports:
            site = spider.sites.setdefault(report.domain, SiteState(report.domain))
            site.report_keys.append(report.key(spider.case_name))
            spider.reported.add(report.domain)
        spider.platforms |= {r.domain for r in spider.reports if r.platform}   # input column "platform"
        spider.platforms |= listing.known_platforms(spider.db_path, spider.reported)   # guessed by an earlier crawl
        return spider

    # ---- requests --------------------------------------------------------------------
    @property
    def sites_total(self) -> int:
        return len(self.reported)

    @property
    def sites_done(self) -> int:
        return self._done

    def _request(self, url: str, site: SiteState, *, depth: int, resource: str = "page",
                 report_id: str | None, chain: list[dict] | None = None, referer: str | None = None,
                 priority: int = 0) -> Request:
        meta: dict[str, Any] = {"site": site.domain, "mi_depth": depth, "resource": resource,
                                "report_id": report_id, "chain": chain or [],
                                "mi_budget": listing.page_budget(site.domain, self.platforms, self.max_pages,
                                                                 self.platform_pages)}
        if resource == "script":
            meta["download_maxsize"] = self.max_script_bytes
        if self.proxy:
            meta["proxy"] = self.proxy
        headers = {"Referer": referer} if referer else None
        site.issue(url)
        return Request(url, callback=self.parse, errback=self.on_error, meta=meta, headers=headers,
                       priority=priority, dont_filter=True)   # the spider dedupes per site itself

    async def start(self) -> AsyncIterator[Any]:
        """Start requests, site by site, keeping at most ``max_active`` sites in flight:
        memory stays flat in the number of reported sites, and a finished site is stored
        (and counted as done) while the rest of a long input is still waiting."""
        by_site: dict[str, list[Report]] = {}
        for report in self.reports:
            by_site.setdefault(report.domain, []).append(report)
        # A re-crawl replays the path to each page that carried identifiers (spiders/replay.py).
        replay = carrier_pages(getattr(self, "db_path", None), by_site)
        for domain, reports in by_site.items():
            while self._active >= self.max_active:
                await asyncio.sleep(0.02)
            site = self.sites[domain]
            self._active += 1
            # every start request of the site exists (and counts as pending) before the
            # first one can come back and finish the site
            requests = []
            for report in reports:
                if url_key(report.url) not in site.seen:
                    requests.append(self._request(report.url, site, depth=0, report_id=report.report_id,
                                                  referer=report.referrer, priority=1000))
            for url, referer, depth in replay.get(domain, ()):
                if url_key(url) not in site.seen and depth <= self.max_depth:
                    requests.append(self._request(url, site, depth=depth, report_id=reports[0].report_id,
                                                  referer=referer, priority=self._priority(url, depth)))
            for request in requests:
                yield request

    def _budget_left(self, site: SiteState) -> int:
        """Requests the site may still get: its page budget, none once its time budget is spent."""
        return site.budget_left(listing.page_budget(site.domain, self.platforms, self.max_pages, self.platform_pages),
                                self.site_seconds)

    def _priority(self, url: str, depth: int, bonus: int | None = None) -> int:
        """Shallower first; a contact/payment-like link (``link_bonus``) first within a depth."""
        if bonus is None:
            bonus = link_bonus(urlsplit(url), "")
        return (self.max_depth - depth) * 100 + bonus

    # ---- responses -------------------------------------------------------------------
    def parse(self, response: Response) -> Any:
        """The page's items and requests: a coroutine awaiting the analysis worker when it
        runs, else a list computed right here (no event-loop round trip per page)."""
        if self.analyzer is None and (self.render is None or not self.render.may_render(response)):
            return _run_now(self._parse_page(response))
        return self._parse_page(response)

    async def _parse_page(self, response: Response) -> list[Any]:
        meta = response.meta
        site = self._site(meta["site"])
        out: list[Any] = []
        try:
            out.extend(await self._parse(response, site))
        finally:
            out.extend(self._release(site))
        return out

    async def _analyze(self, text: str, url: str, kind: str, want_parked: bool, max_links: int = 0,
                       want_capture: bool = False) -> PageAnalysis:
        """``analyze_page`` in the worker process when there is one, else here."""
        args = (text, url, kind, self.default_region, self.text_cap, want_parked, max_links, want_capture)
        worker = self.analyzer
        if worker is not None:
            try:
                return await worker.analyze(args)
            except WorkerGone:
                # the worker died (killed, out of memory): go on in this process
                self.logger.warning("page analysis worker died; analysing pages in the crawl process")
                self._close_analyzer()
        return analyze_page(*args)

    def _close_analyzer(self, *_: Any, **__: Any) -> None:
        worker, self.analyzer = self.analyzer, None
        if worker is not None:
            worker.close()

    async def _parse(self, response: Response, site: SiteState) -> list[Any]:
        meta = response.meta
        depth, resource = meta["mi_depth"], meta["resource"]
        asked, chain, redirect_urls = http_chain(meta, response.url)
        for u in (asked, *redirect_urls) if asked == response.url else (asked, response.url, *redirect_urls):
            if h := hostname(u):
                site.hostnames.add(h)
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        mime = never_media.mime_of(ctype)
        text = response_text(response)
        kind = page_kind(resource, mime, text)
        want_parked = depth == 0 and resource == "page" and 200 <= response.status < 300
        # the best links the page can still add: what the budget leaves, plus those already seen
        max_links = max(0, self._budget_left(site)) + len(site.seen) + 1
        want_capture = resource == "page" and self.captures
        a = await self._analyze(text, response.url, kind, want_parked, max_links, want_capture)
        # the page's evidence capture (text-only HTML made with the analysis; headers, address,
        # certificate, hashes)
        # (its headers are cleaned and fingerprinted by the store, off Scrapy's thread)
        fetched_at = now_iso()
        capture = capture_response(response, asked=asked, chain=chain, stored=a.stored, content_type=ctype or None,
                                   captured_at=fetched_at, whole=False) if want_capture else None
        del text
        for what in a.failed:
            self.logger.warning("%s failed on %s", what, response.url)
        identifiers, page_meta, links, scripts, refresh = a.identifiers, a.page_meta, a.links, a.scripts, a.refresh
        js_targets, linked_domains = a.js_targets, a.linked_domains
        final_domain = registered_domain(response.url)
        linked_domains.discard(final_domain)
        domain = final_domain if asked == response.url else registered_domain(asked)
        item = PageItem(
            url=asked, domain=domain, final_url=response.url, site=site.domain,
            status=response.status, resource=resource, depth=depth, redirect_chain=chain,
            content_type=ctype or None,
            server=header(response, b"Server"), x_powered_by=header(response, b"X-Powered-By"),
            cookie_names=cookie_names(response), meta=page_meta,
            linked_domains=sorted(d for d in linked_domains if d),
            text=a.text,
            sha256=capture.body_sha256 if capture is not None else hashlib.sha256(response.body).hexdigest(),
            body_bytes=len(response.body),
            fetched_at=fetched_at, report_id=meta.get("report_id"), identifiers=identifiers,
            referrer=header(response.request, b"Referer") if response.request is not None else None,
            capture=capture)
        out: list[Any] = [item]
        site.pages += 1
        if 200 <= response.status < 300:
            site.ok_pages += 1
        else:
            out.append(self._error(asked, site, "fetch", "http_status", f"HTTP {response.status}",
                                   meta.get("report_id")))
        if depth == 0 and site.final_domain is None:
            site.final_domain = final_domain
        elif depth == 0 and resource == "page" and sent_on_from(chain, site.domain):
            site.final_domain = final_domain
        if want_parked and site.parked is None:
            site.parked = a.parked
        site.seen.add(url_key(response.url))
        if self.render is not None:
            out += await self.render.after_page(response, item)
        if resource != "page" or not (200 <= response.status < 400):
            return out
        if final_domain != site.domain and final_domain in self.reported:
            return out  # redirected into another reported site: that site's own crawl covers it
        report_id = meta.get("report_id")
        # Client-side hops (meta refresh, a literal JavaScript location) are followed like
        # an HTTP redirect, also across sites, through every never-media/SSRF/budget layer.
        for target, how in client_hops(response.url, refresh, js_targets):
            if len(chain) >= MAX_REFRESH_HOPS or self._budget_left(site) <= 0:
                break
            hop = {"url": response.url, "status": response.status, "kind": how, "to": target}
            if item.redirect_chain is chain:
                # The refreshing page's own row records where it sends the visitor: the
                # target's row (keyed by its URL) may be overwritten by that site's own crawl.
                item.redirect_chain = [*chain, hop]
            if url_key(target) not in site.seen and target not in {h["url"] for h in chain}:
                out.append(self._request(target, site, depth=depth, report_id=report_id,
                                         chain=[*chain, hop], referer=response.url,
                                         priority=self._priority(target, depth) + 50))
        # Links are taken lazily, best first, only while the site's page budget lasts: no
        # Request object exists for a link past it (a page of 290,000 links costs 50 at most).
        left = self._budget_left(site)
        if left <= 0:
            return out
        candidates = [(self._priority(src, depth) + 5, src, "script") for src, src_domain in scripts
                      if src_domain == final_domain and url_key(src) not in site.seen]
        if depth < self.max_depth:
            # media-looking URLs were left out by analyze_page
            platform = site.domain in self.platforms
            candidates += [(self._priority(url, listing.link_depth(url, depth, platform), bonus), url, "page")
                           for url, domain, bonus in links
                           if domain == final_domain and url not in site.seen]
        # Ranked here, not only in the scheduler: the engine starts downloads while a
        # callback's output is still being enqueued, so the order of the output counts.
        taken: set[str] = set()
        for priority, url, resource in heapq.nlargest(left + 8, candidates, key=lambda c: c[0]):
            if len(taken) >= left:
                break
            if url_key(url) in site.seen or url in taken:
                continue
            taken.add(url)
            site.seen.add(url)
            out.append(self._request(url, site, depth=depth if resource != "page" else
                                     listing.link_depth(url, depth, site.domain in self.platforms), resource=resource,
                                     report_id=report_id, referer=response.url, priority=priority))
        return out

    def on_error(self, failure: Any) -> list[Any]:
        request = failure.request
        site = self._site(request.meta["site"])
        out: list[Any] = []
        try:
            stage, kind, reason = classify_failure(failure)
            if kind != "budget":
                if h := hostname(request.url):
                    site.hostnames.add(h)
                # a refused response is stored under the hop that sent it
                url = request.url if kind in never_media.SITE_STATUS else \
                    (request.meta.get("redirect_urls") or [request.url])[0]
                out.append(self._error(url, site, stage, kind, reason, request.meta.get("report_id")))
                if request.meta.get("mi_depth") == 0 and not request.meta.get("chain"):
                    site.start_errors.append(kind)
        finally:
            # the response of a stopped download holds the first body bytes: drop it now
            if isinstance(failure.value, StopDownload):
                failure.value.response = None
            out.extend(self._release(site))
        return out

    def _error(self, url: str, site: SiteState, stage: str, kind: str, reason: str,
               report_id: str | None) -> FetchErrorItem:
        site.error_kinds[kind] += 1
        return FetchErrorItem(url=url, domain=registered_domain(url) or site.domain, site=site.domain,
                              stage=stage, kind=kind, reason=reason, report_id=report_id)

    def _site(self, key: str) -> SiteState:
        site = self.sites.get(key)
        if site is None:   # a straggler of a finished site: counted nowhere, finishes nothing
            site = SiteState(key, done=True)
        return site

    def _release(self, site: SiteState) -> list[Any]:
        site.pending -= 1
        if site.pending <= 0 and not site.done:
            return [self._finish(site)]
        return []

    def _finish(self, site: SiteState) -> SiteDoneItem:
        site.done = True
        self._active -= 1
        item = SiteDoneItem(domain=site.domain, status=site.status(), hostnames=sorted(site.hostnames),
                            final_domain=site.final_domain, report_keys=list(site.report_keys),
                            pages=site.pages)
        # memory stays flat in the number of sites: nothing of a finished site is kept
        self.sites.pop(site.domain, None)
        self._done += 1
        crawler = getattr(self, "crawler", None)
        if crawler is not None:
            crawler.signals.send_catch_log(site_done, item=item)
        return item

