"""The text-only renderer: Debian's chromium driven by Playwright, whose one way out is
merchintel's own downloader (docs/render.md).

* ``decide`` says whether a page is rendered (``--render never|auto|always``) and why.
* ``TextBrowser`` is the browser guard.  Every request the page makes is intercepted
  (``page.route("**/*")``) and either aborted or fulfilled with a text body that ``fetch``
  (``download_text``: a Scrapy request through the crawl's engine, so the SSRF guard,
  the never-media layers, the transport handler and the budgets all apply) returned.  The
  page's own document is fulfilled with the body the crawl already downloaded.
* Independently of the routing: images, media and fonts are refused by type and by URL
  before anything else; the browser starts with images off, remote fonts off, no
  background networking, prefetch or preconnect, WebRTC bound to the proxy, and a proxy
  that is a bound-but-never-listening loopback socket (``<-loopback>`` so even loopback
  goes to it): a request that escaped the routing would be refused at connect.  Each
  context blocks service workers and downloads and loses WebSocket, WebRTC, EventSource
  and beacons before the page's first script.  Contexts hold no disk cache (in-memory
  profiles); the browser's temporary profile directory is removed when it closes.
  Nothing is ever rendered to pixels: no screenshot, no PDF.
* The browser starts once per process, lazily, and is reused; one context per site (the
  few most recent kept); a page has a time budget, and a crash or a hang costs that page
  only (``RenderFailed``), after which the browser is started again when needed.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import tempfile
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Awaitable, Callable
from urllib.parse import urljoin, urlsplit

from playwright.async_api import Error as PlaywrightError, async_playwright
from scrapy import Request
from scrapy.http import TextResponse

from crawler import never_media
from crawler.addresses import literal_ip
from crawler.domains import registered_domain
from crawler.failures import classify_failure

# ---- the decision ---------------------------------------------------------------------
SHELL_TEXT = 200          # visible characters under which a page with scripts is a shell
MOUNT_TEXT = 1500         # ... or under which a page with a mount point and scripts is one
_MOUNT_RE = re.compile(r"""<(?:div|main|section|body)\b[^>]*\bid\s*=\s*["']?(root|app|__next|__nuxt|main-app|"""
                       r"""app-root|checkout|mount)["'\s>]""", re.IGNORECASE)
_SCRIPT_RE = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_SRC_RE = re.compile(r"""\bsrc\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_TYPE_RE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
# inline snippets that only load analytics: they build no page
_ANALYTICS_RE = re.compile(r"gtag\(|dataLayer|fbq\(|_paq|\bym\(|hj\(|_gaq|ga\(['\"]create|googletag", re.IGNORECASE)
_CHECKOUT_RE = re.compile(r"checkout|payment|pay\b|pay[-_.]|kass[ae]|betal|zahlung|paiement|pago|contact|"
                          r"kontakt|order|cart|basket|wallet|donat|deposit|buy|purchase", re.IGNORECASE)


def own_scripts(html: str, url: str) -> int:
    """Scripts that can build the page: same-site ``<script src>`` bundles and inline code
    other than analytics snippets (third-party tags and JSON/template blocks do not count).

    >>> own_scripts('<script src="/a.js"></script><script src="https://cdn.other.net/x.js"></script>'
    ...             '<script>gtag("config", "G-1")</script><script>render()</script>', "http://s.se/")
    2
    """
    site = registered_domain(url)
    count = 0
    for attrs, body in _SCRIPT_RE.findall(html):
        kind = (_TYPE_RE.search(attrs) or [None, ""])[1].lower()
        if kind and "javascript" not in kind and kind != "module":
            continue   # JSON data, templates
        src = _SRC_RE.search(attrs)
        if src:
            count += registered_domain(urljoin(url, src.group(1))) == site
        elif body.strip() and not _ANALYTICS_RE.search(body):
            count += 1
    return count


def decide(mode: str, url: str, html: str, visible_text: str, identifiers: int, *,
           scripts: int | None = None) -> tuple[bool, str]:
    """(render?, reason) for one HTML page (``scripts``: ``own_scripts`` if already counted).

    >>> decide("auto", "http://s.test/", '<div id="root"></div><script src="/a.js"></script>', "", 0)
    (True, 'app_shell: 0 characters of text, mount point #root, 1 script(s)')
    >>> decide("auto", "http://s.test/pay.html", "<p>Pay here</p><script>x()</script>", "Pay here " * 30, 0)
    (True, 'checkout_without_identifier: a payment/contact page whose static text has no identifier')
    >>> decide("auto", "http://s.test/", "<p>hello</p>", "hello " * 400, 3)[0]
    False
    >>> decide("never", "http://s.test/", "", "", 0), decide("always", "http://s.test/", "", "", 0)
    ((False, 'mode_never'), (True, 'mode_always'))
    """
    if mode == "never":
        return False, "mode_never"
    if mode == "always":
        return True, "mode_always"
    if scripts is None:
        scripts = own_scripts(html, url)
    if not scripts:
        return False, "no_script: no same-site or inline script would build anything"
    text_len = len(visible_text.strip())
    mount = _MOUNT_RE.search(html)
    if text_len < SHELL_TEXT or (mount and text_len < MOUNT_TEXT):
        where = f"mount point #{mount.group(1)}" if mount else "no mount point"
        return True, f"app_shell: {text_len} characters of text, {where}, {scripts} script(s)"
    if not identifiers and _CHECKOUT_RE.search(urlsplit(url).path + " " + visible_text[:300]):
        return True, "checkout_without_identifier: a payment/contact page whose static text has no identifier"
    return False, f"static_enough: {text_len} characters of text, {identifiers} identifier(s)"


# ---- the browser's second layer -------------------------------------------------------
BLOCKED_TYPES = frozenset({"image", "media", "font", "stylesheet", "texttrack", "manifest", "websocket",
                           "eventsource", "ping", "beacon", "other", "object", "imageset", "cspreport"})
FETCHED_TYPES = frozenset({"xhr", "fetch", "script"})   # bodies the page fetched: fed to the extractors
LAUNCH_ARGS = (
    "--blink-settings=imagesEnabled=false",
    "--disable-remote-fonts",
    "--autoplay-policy=user-gesture-required",
    "--mute-audio",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-pings",
    "--dns-prefetch-disable",
    "--disable-features=NetworkPrediction,NetworkServiceInProcess2,Prerender2,PreloadMediaEngagementData,"
    "MediaEngagementBypassAutoplayPolicies,WebRtcHideLocalIpsWithMdns,InterestFeedContentSuggestions,"
    "OptimizationHints,AutofillServerCommunication,SpeculationRulesPrefetchProxy",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--disk-cache-size=1",
    "--media-cache-size=1",
    "--disable-gpu",
    "--disable-breakpad",             # no crash dumps: a renderer's memory never lands on disk
    "--disable-crash-reporter",
    "--proxy-bypass-list=<-loopback>",
)
NO_NETWORK_APIS = """
(() => {
  for (const name of ["WebSocket", "WebTransport", "RTCPeerConnection", "webkitRTCPeerConnection",
                      "RTCDataChannel", "EventSource", "SharedWorker"]) {
    try { delete window[name]; } catch (e) {}
    try { Object.defineProperty(window, name, {value: undefined, configurable: false}); } catch (e) {}
  }
  try { navigator.sendBeacon = () => false; } catch (e) {}
  try { Object.defineProperty(navigator, "serviceWorker", {value: undefined}); } catch (e) {}
})();
"""


class RenderFailed(Exception):
    """Rendering of one page was given up: ``kind`` render_timeout, render_crash, render_error."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class FetchRefused(Exception):
    """The downloader refused or failed a request of the page (a fact for the errors table)."""

    def __init__(self, stage: str, kind: str, reason: str):
        super().__init__(reason)
        self.stage, self.kind, self.reason = stage, kind, reason


@dataclass
class Fetched:
    url: str
    kind: str        # js, json, text, html
    text: str


@dataclass
class Rendered:
    """What one rendering gave: the DOM as HTML, the text bodies fetched, what was refused."""

    dom: str = ""
    fetched: list[Fetched] = field(default_factory=list)
    refused: list[tuple[str, str, str, str]] = field(default_factory=list)   # (url, stage, kind, reason)
    served: int = 0
    aborted: int = 0
    ms: int = 0


# fetch(url, method, headers, body) -> (status, content type, text) or FetchRefused
Fetch = Callable[[str, str, dict, bytes | None], Awaitable[tuple[int, str, str]]]


class TextBrowser:
    """One chromium per process (started on first use), one context per site."""

    def __init__(self, executable: str, *, user_agent: str | None = None, contexts: int = 4, parallel: int = 2):
        self.executable = executable
        self.parallel = parallel          # pages rendered at once (each holds a renderer process)
        self._slots: asyncio.Semaphore | None = None
        self._in_use: Counter[str] = Counter()
        self.user_agent = user_agent
        self.max_contexts = contexts
        self._pw: Any = None
        self._browser: Any = None
        self._contexts: OrderedDict[str, Any] = OrderedDict()
        self._start_lock: asyncio.Lock | None = None
        self._dead_end: socket.socket | None = None
        self._tmp: str | None = None
        self.launches = 0

    async def _ensure(self) -> Any:
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            await self._stop_browser()
            if self._dead_end is None:
                # bound, never listening: a connection to it is refused, and no one else can take the port
                self._dead_end = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                self._dead_end.bind(("127.0.0.1", 0))
            port = self._dead_end.getsockname()[1]
            if self._pw is None:
                self._pw = await async_playwright().start()
            if self._tmp is None:
                # chromium's own temporary files (its singleton socket: a path of at most 107
                # bytes) go to a private directory with a short path, removed at close
                base = tempfile.gettempdir()
                self._tmp = tempfile.mkdtemp(prefix="mi-chromium-", dir=base if len(base) <= 40 else "/tmp")
            self._browser = await self._pw.chromium.launch(
                executable_path=self.executable, headless=True, env={**os.environ, "TMPDIR": self._tmp},
                args=[*LAUNCH_ARGS, f"--proxy-server=http://127.0.0.1:{port}"])
            self.launches += 1
            return self._browser

    async def _context(self, site: str) -> Any:
        ctx = self._contexts.get(site)
        if ctx is not None:
            self._contexts.move_to_end(site)
            return ctx
        if not os.access(self.executable, os.X_OK):
            raise RenderFailed("render_error", f"no chromium at {self.executable}; install Debian's chromium "
                                               f"(apt-get install chromium), set MERCHINTEL_CHROMIUM or use --render never")
        browser = await self._ensure()
        ctx = await browser.new_context(service_workers="block", accept_downloads=False,
                                        user_agent=self.user_agent, java_script_enabled=True)
        await ctx.add_init_script(NO_NETWORK_APIS)
        await ctx.route("**/*", _abort)          # popups and anything not routed by its page
        if hasattr(ctx, "route_web_socket"):
            await ctx.route_web_socket("**/*", _close_ws)
        self._contexts[site] = ctx
        idle = [key for key in self._contexts if not self._in_use[key] and key != site]
        for key in idle[:max(0, len(self._contexts) - self.max_contexts)]:
            await self.close_site(key)
        return ctx

    async def close_site(self, site: str) -> None:
        ctx = self._contexts.pop(site, None)
        if ctx is not None:
            await _quietly(asyncio.wait_for(ctx.close(), 10))

    async def render(self, url: str, body: str, content_type: str, site: str, fetch: Fetch, *,
                     seconds: float, max_requests: int, settle: float = 0.6) -> Rendered:
        """Render ``url`` whose document is ``body``; every other request goes to ``fetch``."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.parallel)
        async with self._slots:
            self._in_use[site] += 1
            try:
                return await self._render(url, body, content_type, site, fetch, seconds=seconds,
                                          max_requests=max_requests, settle=settle)
            finally:
                self._in_use[site] -= 1

    async def _render(self, url: str, body: str, content_type: str, site: str, fetch: Fetch, *,
                      seconds: float, max_requests: int, settle: float) -> Rendered:
        out = Rendered()
        started = time.monotonic()
        try:
            ctx = await asyncio.wait_for(self._context(site), timeout=max(seconds, 10.0))
        except (PlaywrightError, asyncio.TimeoutError, OSError) as exc:
            await self._stop_browser()
            raise RenderFailed("render_error", f"browser did not start: {type(exc).__name__}: {str(exc)[:150]}")
        session = _Session(url, body, content_type, fetch, max_requests, out)
        page = None
        try:
            try:   # a context whose renderer is gone may never give a page: bounded too
                page = await asyncio.wait_for(ctx.new_page(), timeout=max(seconds, 10.0))
                page.on("crash", lambda *_: session.crashed.set())
                await asyncio.wait_for(page.route("**/*", session.handle), timeout=max(seconds, 10.0))
            except asyncio.TimeoutError:
                page = None
                await self.close_site(site)
                raise RenderFailed("render_error", "the browser did not open a page in time")
            work = asyncio.ensure_future(self._load(page, url, session, settle))
            crashed = asyncio.ensure_future(session.crashed.wait())
            done, _ = await asyncio.wait({work, crashed}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
            if work in done:
                crashed.cancel()
                out.dom = work.result()
            else:
                work.cancel()
                crashed.cancel()
                try:
                    await asyncio.wait_for(page.close(), 5)
                except Exception:   # a renderer that does not let go: its context goes with it
                    await self.close_site(site)
                page = None
                if session.crashed.is_set():
                    await self.close_site(site)   # the next page of the site gets a fresh context
                    raise RenderFailed("render_crash", "the page's renderer crashed")
                raise RenderFailed("render_timeout", f"rendering took longer than {seconds:g} s")
        except PlaywrightError as exc:
            if self._browser is None or not self._browser.is_connected():
                await self._stop_browser()
                raise RenderFailed("render_crash", f"the browser went away: {str(exc)[:150]}")
            if session.crashed.is_set() or "target crashed" in str(exc).lower():
                # the page's call failed before its crash event came: the same crash
                page = None
                await self.close_site(site)
                raise RenderFailed("render_crash", "the page's renderer crashed")
            raise RenderFailed("render_error", f"{str(exc).splitlines()[0][:200] if str(exc) else 'error'}")
        finally:
            if page is not None:
                await _quietly(asyncio.wait_for(page.close(), 5))
            out.ms = int((time.monotonic() - started) * 1000)
        return out

    async def _load(self, page: Any, url: str, session: _Session, settle: float) -> str:
        await page.goto(url, wait_until="load")
        # let timers and late fetches run: done once nothing was in flight for ``settle`` s
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < settle:
            await asyncio.sleep(0.05)
            if session.inflight:
                quiet_since = time.monotonic()
        return await page.content()

    async def _stop_browser(self) -> None:
        self._contexts.clear()
        browser, self._browser = self._browser, None
        if browser is not None:
            await _quietly(asyncio.wait_for(browser.close(), 10))

    async def close(self) -> None:
        await self._stop_browser()
        pw, self._pw = self._pw, None
        if pw is not None:
            await _quietly(asyncio.wait_for(pw.stop(), 10))
        if self._dead_end is not None:
            self._dead_end.close()
            self._dead_end = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


class _Session:
    """The routing of one page: the one way out of the browser."""

    def __init__(self, url: str, body: str, content_type: str, fetch: Fetch, max_requests: int, out: Rendered):
        self.url, self.body, self.content_type = url, body, content_type
        self.fetch, self.max_requests, self.out = fetch, max_requests, out
        self.site = registered_domain(url)
        self.document_served = False
        self.inflight = 0
        self.crashed = asyncio.Event()

    def _abort_reason(self, request: Any) -> str | None:
        rtype, url = request.resource_type, request.url
        if rtype in BLOCKED_TYPES:
            return f"resource type {rtype}"
        if reason := never_media.media_url_reason(url):
            return reason
        if urlsplit(url).scheme not in ("http", "https"):
            return "not http(s)"
        if request.is_navigation_request():
            return None if request.frame.parent_frame is None and not self.document_served else "navigation"
        host = urlsplit(url).hostname or ""
        if literal_ip(host) is None and registered_domain(url) != self.site:
            return "another site"
        if self.out.served >= self.max_requests:
            return "request cap of the page"
        return None

    async def handle(self, route: Any, request: Any) -> None:
        reason = self._abort_reason(request)
        if reason is not None:
            self.out.aborted += 1
            if reason == "another site" or reason.startswith("request cap"):
                self.out.refused.append((request.url, "refused", "render_blocked", f"render: {reason}"))
            await _quietly(route.abort("blockedbyclient"))
            return
        if request.is_navigation_request():
            self.document_served = True
            # the body is decoded text: it goes back as UTF-8 whatever charset the server named
            await _quietly(route.fulfill(status=200, content_type=_utf8(self.content_type, "text/html"),
                                         body=self.body))
            return
        self.inflight += 1
        try:
            headers = {k: v for k, v in request.headers.items()
                       if k.lower() in ("accept", "content-type", "x-requested-with")}
            headers["Referer"] = self.url
            status, ctype, text = await self.fetch(request.url, request.method, headers, request.post_data_buffer)
        except FetchRefused as exc:
            self.out.aborted += 1
            self.out.refused.append((request.url, exc.stage, exc.kind, exc.reason))
            await _quietly(route.abort("blockedbyclient"))
            return
        finally:
            self.inflight -= 1
        self.out.served += 1
        if request.resource_type in FETCHED_TYPES:
            mime = never_media.mime_of(ctype)
            kind = "json" if "json" in mime else "js" if mime in never_media.SCRIPT_TYPES else \
                "html" if mime in never_media.HTML_TYPES else "text"
            self.out.fetched.append(Fetched(request.url, kind, text))
        await _quietly(route.fulfill(status=status, content_type=_utf8(ctype, "text/plain"), body=text))


def _utf8(content_type: str, fallback: str) -> str:
    """The MIME type of ``content_type`` with charset=utf-8 (bodies are handed over decoded)."""
    return f"{never_media.mime_of(content_type) or fallback}; charset=utf-8"


async def _abort(route: Any, request: Any = None) -> None:
    await _quietly(route.abort("blockedbyclient"))


def _close_ws(ws: Any) -> Any:
    return ws.close()


async def _quietly(aw: Any) -> None:
    try:
        await aw
    except Exception:   # a page or context that is already gone
        pass


# ---- the downloader side ----------------------------------------------------------------
async def download_text(crawler: Any, url: str, method: str, headers: dict, body: bytes | None, *,
                        meta: dict[str, Any], max_bytes: int) -> tuple[int, str, str]:
    """One request of a rendered page, downloaded by the crawl's engine (downloader
    middlewares, SSRF guard, never-media layers, transport handler, site budget); only a
    text response comes back, else ``FetchRefused``."""
    request = Request(url, method=method if method in ("GET", "POST", "HEAD") else "GET", headers=headers,
                      body=body or None, dont_filter=True, priority=500,
                      meta={**meta, "resource": "render", "download_maxsize": max_bytes})
    try:
        response = await crawler.engine.download_async(request)
    except Exception as exc:
        stage, kind, reason = classify_failure(SimpleNamespace(value=exc, request=request))
        raise FetchRefused(stage, kind, reason) from None
    ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
    mime = never_media.mime_of(ctype)
    if not isinstance(response, TextResponse) or (mime and mime not in never_media.ALLOWED_TYPES
                                                  and "json" not in mime):
        raise FetchRefused("refused", "render_not_text", f"render: not a text response ({mime or 'no type'})")
    return response.status, ctype, response.text
