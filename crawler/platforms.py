"""Which crawled sites are listing platforms by setting, and their page budget.

``MERCHINTEL_PLATFORMS`` names them; a platform's crawl may issue ``MERCHINTEL_PLATFORM_PAGES``
requests instead of ``MERCHINTEL_MAX_PAGES``.  The spider (spiders/listing.py) and the
budget middleware (crawler/progress.py) read the same two functions.
"""

from __future__ import annotations

from typing import Any

from crawler.config import default
from crawler.domains import registered_domain


def platform_domains(value: Any) -> frozenset[str]:
    """Registered domains of a ``MERCHINTEL_PLATFORMS`` value (comma-separated).

    >>> sorted(platform_domains("ads.example, www.annonser.se"))
    ['ads.example', 'annonser.se']
    """
    if not value:
        return frozenset()
    parts = value if isinstance(value, (list, tuple, set, frozenset)) else str(value).split(",")
    return frozenset(registered_domain(p.strip()) or p.strip().lower() for p in parts if p.strip())


def page_budget(domain: str, platforms: frozenset[str], max_pages: int, platform_pages: int) -> int:
    """A site's request budget: the platform budget for a listing platform, else max_pages."""
    if domain in platforms:
        return max(max_pages, platform_pages or default("platform_pages"))
    return max_pages
