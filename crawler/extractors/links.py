"""Where an HTML page points: its links, scripts, meta refresh and JavaScript location
targets, resolved against the page's base URL, and how a link ranks for the crawl.

The one link extractor of merchintel: the spider's analysis (crawler/analysis.py) and
``merchintel extract``'s ``links`` (``link_urls``) read pages through it.  Tag contexts read: ``<a href>``,
``<area href>``, ``<frame src>``, ``<iframe src>``, ``<form action>`` (GET only),
``<script src>`` (and the literal location target of an inline script), ``<meta
http-equiv=refresh>``; ``#``, ``data:``, ``javascript:``, ``mailto:`` and ``tel:`` targets
are not links.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from crawler.domains import host_domain
from crawler.extractors.model import Page
from crawler.jsredirect import js_location_target


# Links whose URL or anchor text says contact/payment/join/checkout/about/order go first.
PRIORITY_WORDS = re.compile(
    r"contact|kontakt|impressum|imprint|about|om-?oss|uber-?uns|pay|betal|checkout|kassa|cart|"
    r"basket|order|bestall|beställ|buy|purchase|join|member|signup|sign-up|register|subscri|vip|"
    r"price|pricing|billing|donat|wallet|bitcoin|crypto|support|faq|telegram|whatsapp|shop|store")
# (lower case, searched in lower-cased text: an IGNORECASE alternation is about 8x slower)

MAX_LINKS = 500   # links ``link_urls`` lists



META_REFRESH_RE = re.compile(r"^\s*\d*(?:\.\d+)?\s*[;,]\s*(?:url\s*=\s*)?(['\"]?)(.+?)\1\s*$",
                             re.IGNORECASE | re.DOTALL)



# Inline <script type=…> values that are JavaScript (JSON-LD, templates are not).
JS_SCRIPT_TYPES = frozenset({"", "text/javascript", "application/javascript", "application/x-javascript",
                             "text/ecmascript", "application/ecmascript", "text/jscript", "module"})



def meta_refresh_target(content: str) -> str | None:
    """The URL of a ``<meta http-equiv=refresh content=…>``, or None for a plain reload.

    >>> meta_refresh_target("0; URL='https://shop-b.com/'")
    'https://shop-b.com/'
    >>> meta_refresh_target("30") is None
    True
    """
    m = META_REFRESH_RE.match(content)
    if not m:
        return None
    target = m.group(2).strip()
    return target or None



def page_links(page: Page, page_url: str, js: list[str] | None = None
           ) -> tuple[list[tuple[str, str, Any, Any]], list[tuple[str, str]], str | None, set[str]]:
    """(page links, script URLs, meta refresh target, linked domains).

    With ``js`` (a list), the literal JavaScript location targets of inline scripts
    (crawler.jsredirect), resolved against the base URL, are appended to it.

    A page link is ``(url, registered domain, SplitResult, anchor)`` where anchor is the
    ``<a>`` element (its text is read only when the URL alone does not rank the link) or a
    string; a script is ``(url, registered domain)``.  Only the tag contexts listed in the
    module docstring are read.
    """
    tree = page.tree
    base = page_url
    for el in tree.iter("base"):
        if el.get("href"):
            base = urljoin(page_url, el.get("href").strip())
            break
    origin = _origin(base)
    links: list[tuple[str, str, Any, Any]] = []
    scripts: list[tuple[str, str]] = []
    domains: set[str] = set()
    refresh: str | None = None

    def resolve(raw: str | None) -> tuple[str, str, Any] | None:
        if not raw:
            return None
        raw = raw.strip()
        if not raw or raw.startswith(("#", "data:", "javascript:", "mailto:", "tel:")):
            return None
        try:
            # "/path" (printable ASCII, no dot segment, backslash, authority or empty query)
            # joins by concatenation, as urljoin would join it; everything else goes through urljoin
            if origin and raw[0] == "/" and raw[1:2] != "/" and "/." not in raw and "\\" not in raw \
                    and not raw.endswith("?") and "?#" not in raw and raw.isascii() and raw.isprintable():
                url = origin + raw
            else:
                url = urljoin(base, raw)
            if "#" in url:
                url = url.split("#", 1)[0]
            parts = urlsplit(url)     # parsed once, used for scheme, domain and ranking
            host = parts.hostname
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not host:
            return None
        domain = host_domain(host)
        domains.add(domain)
        return url, domain, parts

    for el in tree.iter("a", "area", "frame", "iframe", "form", "script", "meta"):
        tag = el.tag
        if tag in ("a", "area", "frame", "iframe", "form"):
            if tag == "form" and (el.get("method") or "get").strip().lower() != "get":
                continue
            attr = {"a": "href", "area": "href", "form": "action"}.get(tag, "src")
            if r := resolve(el.get(attr)):
                links.append((*r, el if tag == "a" else (el.get("alt") or "")))
        elif tag == "script":
            src = el.get("src")
            if src:
                if r := resolve(src):
                    scripts.append((r[0], r[1]))
            elif js is not None and el.text and "location" in el.text \
                    and (el.get("type") or "").strip().lower() in JS_SCRIPT_TYPES:
                if target := js_location_target(el.text):
                    try:   # like a meta refresh target: followed, not counted as a linked domain
                        js.append(urljoin(base, target))
                    except ValueError:
                        pass
        elif tag == "meta" and (el.get("http-equiv") or "").strip().lower() == "refresh" and refresh is None:
            target = meta_refresh_target(el.get("content") or "")
            if target:
                refresh = urljoin(base, target)
    return links, scripts, refresh, domains


def _origin(url: str) -> str | None:
    """``scheme://netloc`` of an http(s) URL whose path is absolute, else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or not parts.path.startswith("/") \
            or not (parts.scheme + "://" + parts.netloc + parts.path).isprintable():
        return None
    return f"{parts.scheme}://{parts.netloc}"


def link_urls(page: Page, max_links: int = MAX_LINKS) -> list[str]:
    """The page links of ``page_links`` as absolute URLs, same-site and off-site, in page
    order, each once, at most ``max_links`` (what ``merchintel extract`` lists).

    >>> link_urls(Page('<a href="/k.html#f">k</a><a href="mailto:a@b.se">m</a><a href="/k.html">k</a>'
    ...                '<iframe src="https://other.co.uk/x"></iframe>', "https://shop-a.se/", "html"))
    ['https://shop-a.se/k.html', 'https://other.co.uk/x']
    """
    if not page.is_html or page.tree is None:
        return []
    urls: dict[str, None] = {}
    for url, *_ in page_links(page, page.url or "")[0]:
        if len(urls) >= max_links:
            break
        urls.setdefault(url)
    return list(urls)


def link_bonus(parts: Any, anchor: Any) -> int:
    """10 for a contact / payment / join / checkout / about / order-like link (by its path
    and query, else its anchor text), else 0. The host says nothing: "shop-f.co.uk"."""
    if PRIORITY_WORDS.search(f"{parts.path}?{parts.query}".lower()) \
            or PRIORITY_WORDS.search(_anchor_text(anchor).lower()):
        return 10
    return 0



def _anchor_text(anchor: Any) -> str:
    if isinstance(anchor, str):
        return anchor
    try:
        return anchor.text_content()[:200]
    except Exception:
        return ""
