"""Page metadata: what a page says about itself and which other sites it points to.

``extract_meta(page)`` returns::

    {"title": str|None, "description": str|None, "keywords": str|None,
     "generator": str|None, "lang": str|None, "canonical": str|None,
     "og_site_name": str|None,
     "linked_domains": [registered domains of every <a href>, <area href>, <form action>,
                        <link href>, <iframe src>/<frame src> target other than the page's own
                        site, sorted]}

The page's links themselves are read by the one link extractor, crawler/extractors/links.py.

Registered domains come from ``crawler.domains.registered_domain`` (tldextract with its
bundled suffix list, never fetched).  Tags inside comments and scripts are not read;
``mailto:``, ``tel:``, ``javascript:`` and ``data:`` targets are not links.  A JS/JSON/text
page gives the same keys, empty.

>>> m = extract_meta(Page('<html lang="sv"><title>Shop &amp; Co</title>'
...                       '<a href="/kontakt.html">k</a><a href="https://www.Other.co.uk/x#top">o</a>',
...                       "https://shop-a.se/", "html"))
>>> m["title"], m["lang"], m["linked_domains"]
('Shop & Co', 'sv', ['other.co.uk'])
"""

from __future__ import annotations

import bisect
import html as html_lib
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.domains import host_domain, registered_domain
from crawler.extractors.model import Page, hidden_spans

MAX_FIELD = 500

# "[^<>]*": an unclosed tag ends at the next "<", so "<a href=" * n stays linear.
# Matched in the page's lower-cased text (same length: positions carry over to the text,
# where attribute values keep their case); an IGNORECASE alternation is about 2x slower.
_TAG_RE = re.compile(r"<(a|area|link|form|iframe|frame|meta|base)\b([^<>]*)>")
_ATTR_RE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_WS = re.compile(r"\s+")
# Which attribute of which tag points somewhere.
_TARGET_ATTR = {"a": "href", "area": "href", "link": "href", "form": "action", "iframe": "src", "frame": "src"}
_META_NAMES = {"description": "description", "keywords": "keywords", "generator": "generator"}


def _attrs(s: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR_RE.finditer(s):
        name = m.group(1).lower()
        if name not in out:
            val = m.group(2) if m.group(2) is not None else m.group(3) if m.group(3) is not None else m.group(4)
            out[name] = html_lib.unescape(val or "")
    return out


def _clean(s: str | None) -> str | None:
    if s is None:
        return None
    s = _WS.sub(" ", html_lib.unescape(s)).strip()
    return s[:MAX_FIELD] or None


class _Base:
    """A page's base URL, split once, with fast joins for plain same-site references."""

    def __init__(self, url: str | None):
        self.url = url
        self.origin = self.dir = self.host = None
        if url:
            try:
                parts = urlsplit(url)
                if parts.scheme.lower() in ("http", "https") and parts.hostname:
                    self.origin = f"{parts.scheme}://{parts.netloc}"
                    self.dir = self.origin + (parts.path or "/").rsplit("/", 1)[0] + "/"
                    self.host = parts.hostname
            except ValueError:
                pass

    def absolute(self, ref: str) -> tuple[str, str] | None:
        """(absolute http(s) URL without fragment, its host), or None (mailto:, javascript:,
        a relative reference without a base)."""
        ref = ref.strip()
        if not ref or ref.startswith("#"):
            return None
        # "/path" and "path" without dot segments, backslashes or a scheme join by concatenation;
        # everything else goes through urljoin.
        if (self.origin and "/." not in ref and "\\" not in ref and not ref.startswith(("//", "./", "../", "?"))
                and (ref.startswith("/") or ":" not in ref.split("/", 1)[0])):
            ref = ref.split("#", 1)[0]
            return (self.origin + ref if ref.startswith("/") else self.dir + ref), self.host
        try:
            url = urljoin(self.url, ref) if self.url and not ref.lower().startswith(("http://", "https://")) else ref
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return None
        if parts.scheme.lower() not in ("http", "https") or not host:
            return None
        if parts.fragment or not parts.path:
            url = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
        return url, host


def _title(text: str, lower: str, hidden) -> str | None:
    """The first <title> outside comments/scripts (str.find: linear even when never closed)."""
    i = lower.find("<title")
    while i != -1:
        after = lower[i + 6:i + 7]
        if not hidden(i) and (after in (">", "") or after.isspace()):
            gt = lower.find(">", i)
            if gt == -1:
                return None
            end = lower.find("</title", gt)
            if end == -1:  # unclosed: up to the next tag
                end = lower.find("<", gt)
                end = len(text) if end == -1 else end
            return _clean(text[gt + 1:min(end, gt + 1 + 4 * MAX_FIELD)])
        i = lower.find("<title", i + 6)
    return None


def empty_meta(lang: str | None = None) -> dict:
    return {"title": None, "description": None, "keywords": None, "generator": None,
            "lang": lang, "canonical": None, "og_site_name": None, "linked_domains": []}


def extract_meta(page: Page) -> dict:
    """Metadata of an HTML page (see the module docstring); never raises."""
    try:
        return _extract_meta(page)
    except Exception:  # a page we cannot read has no metadata
        return empty_meta()


def _extract_meta(page: Page) -> dict:
    meta = empty_meta(page.lang)
    if not page.is_html or not page.text:
        return meta
    text = page.text
    spans = hidden_spans(text, page.lower)
    starts = [a for a, _ in spans]

    def hidden(pos: int) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and pos < spans[i][1]

    meta["title"] = _title(text, page.lower, hidden)

    base = _Base(page.url)
    own = registered_domain(page.url) if page.url else ""
    tags = [(t.start(), t.group(1), _attrs(text[t.start(2):t.end(2)]))
            for t in _TAG_RE.finditer(page.lower) if not hidden(t.start())]
    for _, tag, at in tags:
        if tag == "base" and at.get("href"):
            resolved = base.absolute(at["href"])
            base = _Base(resolved[0]) if resolved else base
            break

    domains: set[str] = set()
    for _, tag, at in tags:
        if tag == "meta":
            name = at.get("name", "").lower()
            prop = at.get("property", "").lower()
            content = at.get("content")
            if name in _META_NAMES and meta[_META_NAMES[name]] is None:
                meta[_META_NAMES[name]] = _clean(content)
            elif (prop == "og:site_name" or name == "og:site_name") and meta["og_site_name"] is None:
                meta["og_site_name"] = _clean(content)
            continue
        attr = _TARGET_ATTR.get(tag)
        if not attr or attr not in at:
            continue
        resolved = base.absolute(at[attr])
        if resolved is None:
            continue
        url, host = resolved
        if tag == "link" and "canonical" in at.get("rel", "").lower().split() and meta["canonical"] is None:
            meta["canonical"] = url
        dom = host_domain(host)  # a bare host: no second URL parse
        if dom and dom != own:
            domains.add(dom)
    meta["linked_domains"] = sorted(domains)
    return meta
