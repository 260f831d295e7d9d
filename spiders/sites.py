"""Per-site bookkeeping of the reported-site crawl: what the spider knows of a site while
it is in flight, its page and time budget, and the status it is stored with when done.

A site is a registered domain; every report of that domain shares its state and budget.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from crawler import never_media


@dataclass
class SiteState:
    domain: str
    report_keys: list[str] = field(default_factory=list)
    pending: int = 0
    pages: int = 0
    ok_pages: int = 0
    error_kinds: Counter = field(default_factory=Counter)
    start_errors: list[str] = field(default_factory=list)
    hostnames: set[str] = field(default_factory=set)
    final_domain: str | None = None
    parked: str | None = None    # parked, for_sale, expired, suspended, seized (start page says so)
    seen: set[str] = field(default_factory=set)
    done: bool = False
    issued: int = 0              # requests created for the site (the page budget, spider side)
    started: float | None = None  # monotonic time of the site's first request

    def issue(self, url: str) -> None:
        """A request for ``url`` now exists: it is pending, counts against the budget and is seen."""
        self.pending += 1
        self.issued += 1
        if self.started is None:
            self.started = time.monotonic()
        self.seen.add(url_key(url))

    def budget_left(self, max_pages: int, site_seconds: float) -> int:
        """Requests the site may still get: its page budget, none once its time budget is spent."""
        if site_seconds > 0 and self.started is not None and time.monotonic() - self.started >= site_seconds:
            return 0
        return max_pages - self.issued

    def status(self) -> str:
        """The site's status once finished: parked/ok/http_error from its pages, else from
        the first start-page error, else from its most common error."""
        if self.ok_pages and self.parked:
            return "parked"
        if self.ok_pages:
            return "ok"
        if self.pages:
            return "http_error"
        if self.start_errors:
            return status_from_error(self.start_errors[0])
        if self.error_kinds:
            return status_from_error(self.error_kinds.most_common(1)[0][0])
        return "unreachable"


def status_from_error(kind: str) -> str:
    """The site status a fetch error kind (crawler/failures.py) stands for.

    >>> status_from_error("dns_timeout"), status_from_error("media"), status_from_error("reset")
    ('timeout', 'media_refused', 'unreachable')
    """
    return {"nxdomain": "nxdomain", "timeout": "timeout", "dns_timeout": "timeout", "tls": "tls",
            "http_status": "http_error", "ssrf": "refused", "site_time": "timeout",
            **never_media.SITE_STATUS}.get(kind, "unreachable")


def url_key(url: str) -> str:
    """The URL as the spider dedupes it: without its fragment.

    >>> url_key("https://shop-a.se/a#top")
    'https://shop-a.se/a'
    """
    return url.split("#", 1)[0]
