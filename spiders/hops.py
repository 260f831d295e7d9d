"""The redirect chain of a fetched page: the HTTP redirects Scrapy followed, and the
client-side hops (``<meta http-equiv=refresh>``, a literal JavaScript location) the spider
follows itself, like an HTTP redirect, also across sites.

A hop is a dict ``{"url", "status", "kind"}`` (kind ``http``, ``meta_refresh`` or ``js``);
a client-side hop also says where it leads (``"to"``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.domains import registered_domain
from spiders.sites import url_key

MAX_REFRESH_HOPS = 10
CLIENT_HOPS = ("meta_refresh", "js")


def http_chain(meta: dict[str, Any], url: str) -> tuple[str, list[dict], list[str]]:
    """(the URL first asked for, the chain so far with this fetch's HTTP redirects
    appended, those redirects' URLs) of a response to ``url`` with request ``meta``."""
    redirect_urls = list(meta.get("redirect_urls") or ())
    asked = redirect_urls[0] if redirect_urls else url
    chain = list(meta.get("chain") or ())
    reasons = list(meta.get("redirect_reasons") or ())
    for i, hop in enumerate(redirect_urls):
        status = reasons[i] if i < len(reasons) else None
        chain.append({"url": hop, "status": status if isinstance(status, int) else None, "kind": "http"})
    return asked, chain, redirect_urls


def sent_on_from(chain: list[dict], domain: str) -> bool:
    """A start page of ``domain`` sent the visitor on by meta refresh / JavaScript: where
    the visitor lands is the site's final domain, as for an HTTP redirect."""
    return any(h.get("kind") in CLIENT_HOPS for h in chain) and registered_domain(chain[0]["url"]) == domain


def client_hops(url: str, refresh: str | None, js_targets: list[str]) -> list[tuple[str, str]]:
    """(absolute http(s) target, hop kind) of a page at ``url``: its meta refresh, then its
    first JavaScript location; a hop back to the page itself is none.

    >>> client_hops("https://a.se/x", "/y", ["https://b.se/", "https://c.se/"])
    [('https://a.se/y', 'meta_refresh'), ('https://b.se/', 'js')]
    >>> client_hops("https://a.se/x", "x#top", ["mailto:a@a.se"])
    []
    """
    hops = ([(refresh, "meta_refresh")] if refresh else []) + [(t, "js") for t in js_targets[:1]]
    out = []
    for target, how in hops:
        target = urljoin(url, target)
        if urlsplit(target).scheme in ("http", "https") and url_key(target) != url_key(url):
            out.append((target, how))
    return out
