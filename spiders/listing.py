"""Listing platforms in the crawl: their own page budget, pagination without link depth.

A site named in ``MERCHINTEL_PLATFORMS`` is a listing platform: its crawl may issue
``MERCHINTEL_PLATFORM_PAGES`` requests (thousands) instead of ``MERCHINTEL_MAX_PAGES``,
and a pagination link of one of its listing pages (``?page=3``, ``/sida/4``) keeps the
depth of the page it is on, so every listing page's ads stay within the link depth.
The spider (spiders/reported.py) calls these (the budget is crawler/platforms.py's, shared
with the budget middleware); graph/ads.py turns the
stored ad pages into ``ad`` rows after the crawl.
"""

from __future__ import annotations

from crawler.extractors.ads import is_pagination
from crawler.platforms import known_platforms, page_budget, platform_domains

__all__ = ["known_platforms", "link_depth", "page_budget", "platform_domains"]


def link_depth(url: str, depth: int, platform: bool) -> int:
    """Depth of a page linked from a page at ``depth``: pagination on a platform keeps it."""
    return depth if platform and is_pagination(url) else depth + 1
