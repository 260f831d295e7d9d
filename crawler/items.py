"""What the spider hands the pipeline: plain dataclasses (Scrapy accepts them as items).

Bodies are never part of an item: a page travels as its hash, its length, its capped
visible text (data: URIs stripped) and what the extractors found; an accepted page
may also carry its evidence capture (crawler/capture.py: text-only HTML, headers, hashes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.extractors.model import Identifier


@dataclass
class PageItem:
    """One fetched page or same-site script."""

    url: str                     # the URL the spider asked for (first of the chain)
    domain: str                  # its registered domain
    final_url: str
    site: str                    # the crawl's site key (registered domain of the report)
    status: int
    resource: str = "page"       # page | script
    depth: int = 0
    redirect_chain: list[dict[str, Any]] = field(default_factory=list)
    content_type: str | None = None
    server: str | None = None
    x_powered_by: str | None = None
    cookie_names: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)   # title, lang, canonical…
    linked_domains: list[str] = field(default_factory=list)
    text: str = ""
    sha256: str = ""
    body_bytes: int = 0
    fetched_at: str = ""
    report_id: str | None = None
    identifiers: list[Identifier] = field(default_factory=list)
    referrer: str | None = None  # the Referer the request carried: the path by which the page was reached
    capture: Any = None          # crawler.capture.Capture of an accepted page (text-only), when captures are on
    render: Any = None           # RenderItem of a page --render looked at and skipped (stored with the page)

    def __repr__(self) -> str:  # Scrapy logs items at debug level: a line, not the page
        return (f"PageItem({self.url!r}, status={self.status}, resource={self.resource}, depth={self.depth}, "
                f"identifiers={len(self.identifiers)})")


@dataclass
class FetchErrorItem:
    """A failure or refusal, stored as a fact (never with a body)."""

    url: str
    domain: str
    site: str
    stage: str                   # input | fetch | refused
    kind: str                    # nxdomain, timeout, tls, connection, http_status, media, ssrf…
    reason: str
    report_id: str | None = None


# A Scrapy signal the spider sends (``send_catch_log``, synchronous) with each SiteDoneItem
# as it makes it, keyword ``item``: what only needs to know that a site is finished listens
# here, not to ``item_scraped`` — Scrapy runs every ``item_scraped`` receiver as an asyncio
# task for every item, so each receiver there costs on every page.
site_done = object()


@dataclass
class SiteDoneItem:
    """Emitted once when the last request of a site has come back (and ``site_done`` sent)."""

    domain: str                  # site key: registered domain of the reported URL
    status: str                  # ok, nxdomain, unreachable, timeout, tls, http_error, refused, media_refused…
    hostnames: list[str] = field(default_factory=list)
    final_domain: str | None = None
    report_keys: list[str] = field(default_factory=list)
    pages: int = 0


@dataclass
class RenderItem:
    """The render decision for one page and, when it was rendered, what only rendering found:
    ``found`` holds (url, origin, identifiers) with origin ``rendered`` (the DOM, under the
    page's URL) or ``fetched`` (a JSON/text body the page fetched, under that body's URL)."""

    url: str
    site: str
    mode: str
    decision: str                # rendered, skipped, failed
    reason: str
    found: list[tuple[str, str, list[Identifier]]] = field(default_factory=list)
    requests: int = 0
    aborted: int = 0
    ms: int = 0

    def __repr__(self) -> str:
        return f"RenderItem({self.url!r}, {self.decision}, {self.reason[:40]!r})"
