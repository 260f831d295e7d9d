"""Which crawled sites are listing platforms by setting, and their page budget.

``MERCHINTEL_PLATFORMS`` names them; a platform's crawl may issue ``MERCHINTEL_PLATFORM_PAGES``
requests instead of ``MERCHINTEL_MAX_PAGES``.  A site that an earlier crawl showed to be a
platform by its structure (its ``ads`` rows, guessed) gets the platform budget on every
later crawl into the same store (``known_platforms``).  The spider (spiders/listing.py) and the
budget middleware (crawler/progress.py) read the same two functions.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Iterable

from crawler.config import default
from crawler.domains import registered_domain
from crawler.schema import ADS


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


def known_platforms(db_path: str | Path | None, domains: Iterable[str]) -> frozenset[str]:
    """Those of ``domains`` that the store at ``db_path`` already holds ads of (an earlier
    crawl guessed or was told they are listing platforms); empty without a store."""
    wanted = sorted(set(domains))
    if not db_path or not wanted or not Path(db_path).exists():
        return frozenset()
    try:
        db = sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return frozenset()
    try:
        found: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            found.update(d for (d,) in db.execute(
                f"SELECT DISTINCT domain FROM [{ADS}] WHERE domain IN ({','.join('?' * len(chunk))})", chunk))
        return frozenset(found)
    except sqlite3.Error:   # an older store without the ads table
        return frozenset()
    finally:
        db.close()
