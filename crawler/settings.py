"""Every Scrapy setting merchintel changes, in one place, each with a line of why.

``merchintel crawl`` builds its settings with ``build_settings(cfg)`` (the MERCHINTEL_*
table on top of the module-level defaults below); ``scrapy crawl reported`` (scrapy.cfg)
reads this module directly.  ``check_first_law(settings)`` refuses to start a crawl whose
settings would break the first law or the SSRF guard, naming the setting to fix.
"""

from __future__ import annotations

from typing import Any

import tldextract
from scrapy.downloadermiddlewares import cookies

from crawler.addresses import parse_networks
from crawler.config import default
from crawler.errors import ConfigError

BOT_NAME = "merchintel"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- the first law -------------------------------------------------------------------------
NEVER_MEDIA_MW = "crawler.never_media.NeverMediaMiddleware"
NEVER_MEDIA_BODY_MW = "crawler.never_media.NeverMediaBodyMiddleware"
SSRF_MW = "crawler.ssrf.SSRFMiddleware"
BUDGET_MW = "crawler.progress.SiteBudgetMiddleware"
RESOLVER = "crawler.resolver.GuardedResolver"
HANDLER = "crawler.transport.GuardedHTTP11DownloadHandler"
REQUIRED_MIDDLEWARES = (NEVER_MEDIA_MW, NEVER_MEDIA_BODY_MW, SSRF_MW)

DOWNLOADER_MIDDLEWARES = {
    # process_request runs in ascending order: these come after redirect (600), cookies
    # (700) and proxy (750), so every hop — with its final URL and proxy — is checked.
    NEVER_MEDIA_MW: 950,
    SSRF_MW: 955,
    BUDGET_MW: 960,       # counts only requests that will really go out
    # process_response runs in descending order: 580 comes after HttpCompression (590),
    # so the sniffer sees decompressed bytes.
    NEVER_MEDIA_BODY_MW: 580,
    # merchintel follows meta refresh itself: the refreshing page is evidence too.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
}
# Scrapy's HTTP/1.1 handler (the never-media signals) whose stopped downloads abort the
# connection with a reset and whose response headers are capped (crawler/transport.py).
DOWNLOAD_HANDLERS = {"http": HANDLER, "https": HANDLER}
METAREFRESH_ENABLED = False
HTTPCACHE_ENABLED = False            # a body cache would persist media: never
MEDIA_ALLOW_REDIRECTS = False
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
EXTENSIONS = {
    "crawler.progress.CrawlProgress": 500,
    "scrapy.extensions.telnet.TelnetConsole": None,   # no open port on an analyst's machine
}
TELNETCONSOLE_ENABLED = False
TWISTED_DNS_RESOLVER = RESOLVER      # dnspython + SSRF check at connect time
DNSCACHE_ENABLED = False             # GuardedResolver caches (TTL-capped) itself
DOWNLOAD_MAXSIZE = default("max_body_bytes")  # MERCHINTEL_MAX_BODY_BYTES; decompression honours it too
DOWNLOAD_WARNSIZE = 0                # the cap is the message; no second warning

# --- politeness and scope --------------------------------------------------------------
# Reported sites sell illegal goods; their robots.txt is not a consent the analyst needs,
# and obeying it would hide exactly the pages (checkout, contact) the report is about.
ROBOTSTXT_OBEY = False
COOKIES_ENABLED = True               # age gates set cookies; names are stored, never values
CONCURRENT_REQUESTS = default("concurrency")
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
DOWNLOAD_TIMEOUT = default("timeout")
REDIRECT_MAX_TIMES = 10
HTTPERROR_ALLOW_ALL = True           # 404/500 pages are stored with their status
RETRY_TIMES = 1
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"  # the failure is stored as an errors row; a warning is enough
# No retry of DNS failures: NXDOMAIN and SSRF refusals are answers, not glitches.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectionLost",
    "twisted.internet.error.TCPTimedOutError",
]
# Breadth-first with priorities: FIFO inside a priority, the spider sets priority by depth
# and by how contact/payment-like a link is.
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
DEPTH_LIMIT = 0                      # the spider enforces --depth itself (and counts it)
# Scrapy's own depth counting and per-request byte stats: nothing reads them (the spider
# keeps mi_depth; the crawl's counters are merchintel/*), and they cost time on every page.
SPIDER_MIDDLEWARES = {"scrapy.spidermiddlewares.depth.DepthMiddleware": None}
DOWNLOADER_STATS = False
USER_AGENT = default("user_agent")
# Scrapy runs CONCURRENT_ITEMS asyncio tasks per callback output (100 by default); the
# pipeline is synchronous SQLite, so a few workers do the same work and keep the output's
# order (links ranked contact/payment-first are scheduled in that order).
CONCURRENT_ITEMS = 4
LOG_LEVEL = "WARNING"
STATS_DUMP = False
LOGSTATS_INTERVAL = 0
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

# --- merchintel's own (defaults from crawler/config.py SETTINGS; the rest are engine knobs) ---
MERCHINTEL_ALLOW_PRIVATE = default("allow_private")
MERCHINTEL_NAMESERVERS = default("nameservers")
MERCHINTEL_SSRF_ALLOW = default("ssrf_allow")
MERCHINTEL_DNS_TIMEOUT = default("dns_timeout")
MERCHINTEL_DB = default("db")
MERCHINTEL_CASE = default("case")
MERCHINTEL_DEPTH = default("depth")
MERCHINTEL_MAX_PAGES = default("max_pages")
MERCHINTEL_MAX_SCRIPT_BYTES = default("max_script_bytes")
MERCHINTEL_MAX_HEADER_BYTES = default("max_header_bytes")  # status line + headers of one response
MERCHINTEL_MAX_HEADERS = default("max_headers")
MERCHINTEL_SITE_SECONDS = default("site_seconds")         # wall-clock budget of one site's crawl
MERCHINTEL_TEXT_CAP = default("text_cap")
MERCHINTEL_CAPTURES = default("captures")
MERCHINTEL_DEFAULT_REGION = default("default_region")
MERCHINTEL_RUN_ID = None
MERCHINTEL_PROXY = default("proxy")
MERCHINTEL_RENDER = default("render")                     # never | auto | always (crawler/render.py)
MERCHINTEL_RENDER_SECONDS = default("render_seconds")
MERCHINTEL_RENDER_REQUESTS = default("render_requests")
MERCHINTEL_CHROMIUM = default("chromium")
MERCHINTEL_COMMIT_EVERY = 200        # rows per SQLite transaction
MERCHINTEL_ACTIVE_SITES = 0          # sites crawled at once; 0 = 2 x CONCURRENT_REQUESTS (min 8)
MERCHINTEL_PROGRESS_INTERVAL = 2.0   # seconds between progress lines on stderr
# Extraction, lxml parsing and link resolution run in this many forked worker processes
# (the reactor is single-threaded); "auto" = 1 on a machine with 2+ cores, 0 = in-process.
MERCHINTEL_ANALYSIS_WORKERS = "auto"
# The SQLite writes run in a store writer process (crawler/store_writer.py): "auto" = on
# with 2+ cores, 0 = in the crawl process.
MERCHINTEL_STORE_WRITER = "auto"


def _defaults() -> dict[str, Any]:
    return {k: v for k, v in globals().items() if k.isupper() and not k.startswith("_")
            and k not in ("NEVER_MEDIA_MW", "NEVER_MEDIA_BODY_MW", "SSRF_MW", "BUDGET_MW", "RESOLVER", "HANDLER",
                          "REQUIRED_MIDDLEWARES")}


def build_settings(cfg: Any, **extra: Any) -> dict[str, Any]:
    """The Scrapy settings of a crawl: module defaults, then the MERCHINTEL_* values of ``cfg``."""

    parse_networks(cfg.get("ssrf_allow"))  # a bad value stops here, naming the setting
    s = _defaults()
    s.update({
        "MERCHINTEL_ALLOW_PRIVATE": bool(cfg.allow_private),
        "MERCHINTEL_NAMESERVERS": cfg.nameservers,
        "MERCHINTEL_SSRF_ALLOW": cfg.get("ssrf_allow"),
        "MERCHINTEL_DNS_TIMEOUT": float(cfg.dns_timeout),
        "MERCHINTEL_DB": str(cfg.db),
        "MERCHINTEL_CASE": cfg.case,
        "MERCHINTEL_DEPTH": int(cfg.depth),
        "MERCHINTEL_MAX_PAGES": int(cfg.max_pages),
        "MERCHINTEL_PLATFORMS": cfg.get("platforms"),
        "MERCHINTEL_PLATFORM_PAGES": int(cfg.get("platform_pages") or 0),
        "MERCHINTEL_MAX_SCRIPT_BYTES": int(cfg.max_script_bytes),
        "MERCHINTEL_TEXT_CAP": int(cfg.text_cap),
        "MERCHINTEL_CAPTURES": bool(cfg.get("captures")),
        "MERCHINTEL_MAX_HEADER_BYTES": int(cfg.max_header_bytes),
        "MERCHINTEL_MAX_HEADERS": int(cfg.max_headers),
        "MERCHINTEL_SITE_SECONDS": float(cfg.site_seconds),
        "MERCHINTEL_DEFAULT_REGION": cfg.default_region,
        "MERCHINTEL_RENDER": cfg.render,
        "MERCHINTEL_RENDER_SECONDS": float(cfg.render_seconds),
        "MERCHINTEL_RENDER_REQUESTS": int(cfg.render_requests),
        "MERCHINTEL_CHROMIUM": cfg.chromium,
        "DOWNLOAD_MAXSIZE": int(cfg.max_body_bytes),
        "DOWNLOAD_TIMEOUT": float(cfg.timeout),
        "CONCURRENT_REQUESTS": int(cfg.concurrency),
        "USER_AGENT": cfg.user_agent,
    })
    if cfg.proxy:
        # HttpProxyMiddleware reads the proxy from the environment; the spider also sets
        # meta["proxy"] on every request so the choice is explicit and per request.
        s["MERCHINTEL_PROXY"] = cfg.proxy
    s.update(extra)
    return s


def check_first_law(settings: Any) -> None:
    """Refuse settings that would persist bodies or drop a never-media / SSRF layer.

    Raises ConfigError naming the setting to fix.
    """
    get = settings.get
    getbool = getattr(settings, "getbool", lambda k, d=False: bool(get(k, d)))
    if getbool("HTTPCACHE_ENABLED"):
        raise ConfigError("HTTPCACHE_ENABLED is on: a body cache would store media; set "
                          "HTTPCACHE_ENABLED = False.")
    mws = get("DOWNLOADER_MIDDLEWARES") or {}
    if hasattr(mws, "copy_to_dict"):
        mws = mws.copy_to_dict()
    for path in REQUIRED_MIDDLEWARES:
        if mws.get(path) is None:
            raise ConfigError(f"DOWNLOADER_MIDDLEWARES lacks {path}: the crawl refuses to run "
                              f"without it; put it back in DOWNLOADER_MIDDLEWARES.")
    resolver = get("TWISTED_DNS_RESOLVER")
    if resolver not in (RESOLVER,) and not (isinstance(resolver, type) and resolver.__name__ == "GuardedResolver"):
        raise ConfigError(f"TWISTED_DNS_RESOLVER is {resolver!r}: the SSRF guard needs {RESOLVER}; "
                          f"set TWISTED_DNS_RESOLVER = {RESOLVER!r}.")
    handlers = get("DOWNLOAD_HANDLERS") or {}
    if hasattr(handlers, "copy_to_dict"):
        handlers = handlers.copy_to_dict()
    for scheme in ("http", "https"):
        handler = handlers.get(scheme)
        if handler != HANDLER and not (isinstance(handler, type) and handler.__name__ == "GuardedHTTP11DownloadHandler"):
            raise ConfigError(f"DOWNLOAD_HANDLERS[{scheme!r}] is {handler!r}: only {HANDLER} sends the "
                              f"headers/bytes signals the never-media layers need, aborts refused downloads "
                              f"and caps headers; set DOWNLOAD_HANDLERS[{scheme!r}] = {HANDLER!r}.")


def make_offline() -> None:
    """Point Scrapy's cookie middleware at the bundled suffix list.

    scrapy/downloadermiddlewares/cookies.py builds ``TLDExtract(include_psl_private_domains=True)``
    at import time; its first call would download the Public Suffix List.  Replaced by an
    extractor with ``suffix_list_urls=()`` (the snapshot inside tldextract) and no disk cache.
    """

    if getattr(cookies._split_domain, "_merchintel_offline", False):
        return
    ext = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
    ext._merchintel_offline = True  # type: ignore[attr-defined]
    cookies._split_domain = ext
