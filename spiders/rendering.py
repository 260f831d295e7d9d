"""The spider's side of rendering (``--render``, docs/render.md): after a page's static
analysis, decide whether to render it (``crawler.render.decide``), render it in the
process's one ``TextBrowser`` with every request going through the crawl's own engine
(``crawler.render.download_text``), and turn what only rendering found into items.

The DOM after the scripts ran is analysed like a page (text and attributes); every JSON or
text body the page fetched is analysed with its own URL as context.  Identifiers the static
page already had are not repeated.  A failed rendering is one errors row (stage
``render``) and one renders row; the crawl goes on.  ``ReportedSiteSpider`` and the Redis
worker's ``DistributedSiteSpider`` (a subclass) share this hook.
"""

from __future__ import annotations

import functools
from typing import Any

from scrapy import signals
from scrapy.http import Response, TextResponse

from crawler import never_media
from crawler.analysis import analyze_page
from crawler.config import default
from crawler.domains import registered_domain
from crawler.items import FetchErrorItem, PageItem, RenderItem
from crawler.render import RenderFailed, TextBrowser, decide, download_text, own_scripts

_BROWSER: TextBrowser | None = None   # one per process, started on first use


def process_browser(executable: str, user_agent: str | None) -> TextBrowser:
    """The process's browser (created once; a process runs one crawl, whose end closes it)."""
    global _BROWSER
    if _BROWSER is None:
        _BROWSER = TextBrowser(executable, user_agent=user_agent)
    return _BROWSER


async def close_process_browser(*_: Any, **__: Any) -> None:
    global _BROWSER
    browser, _BROWSER = _BROWSER, None
    if browser is not None:
        await browser.close()


class PageRenderer:
    def __init__(self, spider: Any, crawler: Any, mode: str):
        s = crawler.settings
        self.spider, self.crawler, self.mode = spider, crawler, mode
        self.seconds = s.getfloat("MERCHINTEL_RENDER_SECONDS", default("render_seconds"))
        self.max_requests = s.getint("MERCHINTEL_RENDER_REQUESTS", default("render_requests"))
        self.max_bytes = s.getint("MERCHINTEL_MAX_SCRIPT_BYTES", default("max_script_bytes"))
        self.executable = s.get("MERCHINTEL_CHROMIUM") or default("chromium")
        self.user_agent = s.get("USER_AGENT")

    @classmethod
    def from_crawler(cls, crawler: Any, spider: Any) -> PageRenderer | None:
        mode = (crawler.settings.get("MERCHINTEL_RENDER") or default("render")).lower()
        if mode == "never":
            return None
        crawler.signals.connect(_on_engine_stopped, signal=signals.engine_stopped)
        return cls(spider, crawler, mode)

    def may_render(self, response: Response) -> bool:
        """False when no analysis can make the page worth rendering (a cheap look at the
        static HTML): the spider then parses it without an event-loop round trip."""
        if self.mode == "always":
            return True
        if response.meta.get("resource") != "page" or not isinstance(response, TextResponse):
            return False
        if never_media.mime_of(response.headers.get(b"Content-Type") or b"") not in never_media.HTML_TYPES:
            return False
        return self._scripts(response) > 0

    @staticmethod
    def _scripts(response: Response) -> int:
        """``own_scripts`` of the page, counted once (kept in the response's meta)."""
        count = response.meta.get("mi_own_scripts")
        if count is None:
            count = response.meta["mi_own_scripts"] = own_scripts(response.text, response.url)
        return count

    async def after_page(self, response: Response, item: PageItem) -> list[Any]:
        """The render items of a crawled page (none for scripts, errors, non-HTML); a page
        looked at and not rendered gets its decision on ``item.render`` instead."""
        if item.resource != "page" or not 200 <= item.status < 300:
            return []
        if never_media.mime_of(item.content_type or "") not in never_media.HTML_TYPES:
            return []
        html = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
        render, reason = decide(self.mode, response.url, html, item.text, len(item.identifiers),
                                scripts=self._scripts(response))
        base = {"url": response.url, "site": item.site, "mode": self.mode}
        if not render:
            # the decision rides on the page's item: no second item through Scrapy per page
            item.render = RenderItem(**base, decision="skipped", reason=reason)
            return []
        meta = {"site": item.site, "report_id": item.report_id}
        if self.spider.proxy:
            meta["proxy"] = self.spider.proxy
        fetch = functools.partial(_fetch, self.crawler, meta, self.max_bytes)
        browser = process_browser(self.executable, self.user_agent)
        try:
            r = await browser.render(response.url, html, item.content_type or "", item.site, fetch,
                                     seconds=self.seconds, max_requests=self.max_requests)
        except RenderFailed as exc:
            return [RenderItem(**base, decision="failed", reason=f"{reason}; {exc.reason}"),
                    self._error(response.url, item, "render", exc.kind, exc.reason)]
        static = {i.id for i in item.identifiers}
        found = []
        # fetched bodies first: an identifier the page fetched and then showed is a fetched one
        for url, origin, text, kind in [*((f.url, "fetched", f.text, f.kind) for f in r.fetched),
                                        (response.url, "rendered", r.dom, "html")]:
            a = analyze_page(text, url, kind, self.spider.default_region, 0, False, 1)
            new = [i for i in a.identifiers if i.id not in static]
            static.update(i.id for i in new)
            found.append((url, origin, new))
        out: list[Any] = [RenderItem(**base, decision="rendered", reason=reason, found=found,
                                     requests=r.served, aborted=r.aborted, ms=r.ms)]
        out += [self._error(url, item, stage, kind, why) for url, stage, kind, why in r.refused]
        return out

    def _error(self, url: str, item: PageItem, stage: str, kind: str, reason: str) -> FetchErrorItem:
        return FetchErrorItem(url=url, domain=registered_domain(url) or item.site, site=item.site, stage=stage,
                              kind=kind, reason=reason, report_id=item.report_id)


async def _fetch(crawler: Any, meta: dict, max_bytes: int, url: str, method: str, headers: dict,
                 body: bytes | None) -> tuple[int, str, str]:
    return await download_text(crawler, url, method, headers, body, meta=meta, max_bytes=max_bytes)


async def _on_engine_stopped(*_: Any, **__: Any) -> None:
    await close_process_browser()
