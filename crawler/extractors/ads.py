"""Ad pages of listing platforms: URL shape, ad id, pagination, the fields of one ad.

A listing platform (escort, classified) serves thousands of pages cut from one template:
``/annons/48213-ny-i-stan``, ``/annons/48214-…``, each with a contact block.  These pure
functions read what an ad page says from its URL, its title and its visible text (the
evidence store keeps nothing else): the canonical URL and the platform's ad id, a URL
template shared by the ads, pagination links of listing pages, the location and price as
written, a short text fingerprint, and the word shingles the near-duplicate pass compares.

>>> url_template("https://ads.example/annons/48213-ny-i-stan?ref=top")
'/annons/{id}'
>>> ad_id("https://ads.example/annons/48213-ny-i-stan")
'48213'
>>> is_pagination("https://ads.example/stockholm?page=3")
True
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that never change what an ad page shows (tracking, sorting, referrers).
_NOISE_PARAMS = frozenset(
    "ref utm_source utm_medium utm_campaign utm_term utm_content fbclid gclid sort order from src "
    "sid session sessionid".split())
# A path segment that is (or starts with) the platform's ad id: 48213, 48213-ny-i-stan, ad48213.
_ID_SEGMENT_RE = re.compile(r"^(?:[a-z]{0,3}[-_]?)?(\d{4,12})(?:[-_.][\w\-.%]*)?$", re.IGNORECASE)
_ID_PARAMS = ("id", "ad", "aid", "annons", "ad_id", "adid", "listing")
_PAGE_PARAMS = frozenset("page p sida pg offset start pagenr".split())
_PAGE_PATH_RE = re.compile(r"/(?:page|sida|p|pg)[/-]?(\d{1,5})/?$", re.IGNORECASE)
_DIGITS_RE = re.compile(r"\d+")
_WORD_RE = re.compile(r"\w+", re.UNICODE)
# "Ort: Stockholm", "Location - Malmö", "Stad: Göteborg" (up to the end of the line or a separator).
_LOCATION_RE = re.compile(
    r"\b(?:ort|stad|plats|område|location|city|area|kommun|region|town|by)\s*[:\-–]\s*"
    r"([^\n|·•;:]{2,60}?)(?=\s*(?:\n|\||·|•|;|$|\b(?:pris|price|ålder|age|tel|ring|nummer)\b))",
    re.IGNORECASE)
_PRICE_RE = re.compile(
    r"\b(?:pris|price|priser|rates?|kostnad)\s*(?:från|from)?\s*[:\-–]?\s*"
    r"([^\n|·•;]{1,60}?(?:kr|sek|eur|€|\$|usd|nok|dkk|:-)[^\n|·•;]{0,20}?)(?=\s*(?:\n|\||·|•|;|$))",
    re.IGNORECASE)
SHINGLE_WORDS = 5
FINGERPRINT_CHARS = 16


def canonical_url(url: str) -> str:
    """The ad's key: lower-case scheme and host, no fragment, no tracking parameters, sorted query.

    >>> canonical_url("HTTPS://Ads.Example/annons/1234?utm_source=x&b=2&a=1#top")
    'https://ads.example/annons/1234?a=1&b=2'
    """
    parts = urlsplit(url.strip())
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                   if k.lower() not in _NOISE_PARAMS)
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def ad_id(url: str) -> str | None:
    """The platform's ad id when the URL carries one (last numeric path segment or ``?id=``)."""
    parts = urlsplit(url)
    for k, v in parse_qsl(parts.query):
        if k.lower() in _ID_PARAMS and v.isdigit() and 3 <= len(v) <= 12:
            return v
    segments = [s for s in parts.path.split("/") if s]
    for seg in reversed(segments[-2:]):
        m = _ID_SEGMENT_RE.match(seg)
        if m:
            return m.group(1)
    return None


def url_template(url: str) -> str:
    """The path with ids and slugs replaced: pages of one template share it.

    >>> url_template("https://x.example/ad/99881/"), url_template("https://x.example/annonser?id=5512")
    ('/ad/{id}', '/annonser?id={id}')
    """
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    out = []
    for i, seg in enumerate(segments):
        if _ID_SEGMENT_RE.match(seg):
            out.append("{id}")
        elif i == len(segments) - 1 and out and out[-1] == "{id}":
            out.append("{slug}")
        else:
            out.append(_DIGITS_RE.sub("{n}", seg.lower()))
    path = "/" + "/".join(out)
    keys = sorted(k.lower() for k, _ in parse_qsl(parts.query) if k.lower() not in _NOISE_PARAMS
                  and k.lower() not in _PAGE_PARAMS)
    if keys:
        path += "?" + "&".join(f"{k}={{id}}" if k in _ID_PARAMS else f"{k}=" for k in keys)
    return path


def is_pagination(url: str) -> bool:
    """True for a listing page's next/numbered page: ``?page=3``, ``?sida=2``, ``/page/4``."""
    parts = urlsplit(url)
    for k, v in parse_qsl(parts.query):
        if k.lower() in _PAGE_PARAMS and v.isdigit():
            return True
    return bool(_PAGE_PATH_RE.search(parts.path))


def words(text: str) -> list[str]:
    """Lower-case words of a text (punctuation and case do not make two texts differ)."""
    return _WORD_RE.findall(text.lower())


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[str]:
    """Word k-shingles ("ny i stan söker en") of a text; a short text is one shingle."""
    w = words(text)
    if len(w) <= k:
        return {" ".join(w)} if w else set()
    return {" ".join(w[i:i + k]) for i in range(len(w) - k + 1)}


def fingerprint(text: str) -> str:
    """Short hash of the normalised words: the same text, however spaced or cased, the same print."""
    return hashlib.sha256(" ".join(words(text)).encode("utf-8")).hexdigest()[:FINGERPRINT_CHARS]


def shared_passage(a: str, b: str, k: int = SHINGLE_WORDS) -> str:
    """The longest run of words ``a`` and ``b`` share (at least one shingle long), for evidence.

    >>> shared_passage("Hej! Ny i stan, söker en snäll man ikväll", "ny i stan söker en snäll vän")
    'ny i stan söker en snäll'
    """
    wa, wb = words(a), words(b)
    grams_b = {tuple(wb[i:i + k]) for i in range(max(1, len(wb) - k + 1))}
    best = (0, 0)
    i = 0
    while i <= len(wa) - k:
        if tuple(wa[i:i + k]) in grams_b:
            j = i + 1
            while j <= len(wa) - k and tuple(wa[j:j + k]) in grams_b:
                j += 1
            if j - i + k - 1 > best[1] - best[0]:
                best = (i, j + k - 1)
            i = j
        else:
            i += 1
    return " ".join(wa[best[0]:best[1]])


@dataclass(frozen=True)
class AdFields:
    title: str | None
    location: str | None
    price: str | None
    fingerprint: str


def parse_ad(title: str | None, text: str | None) -> AdFields:
    """Title, location and price text as the ad writes them, and its text fingerprint.

    >>> f = parse_ad("Ny i stan", "Ort: Malmö | Pris: 1 500 kr/h | Ring 070-123 45 67")
    >>> f.location, f.price
    ('Malmö', '1 500 kr/h')
    """
    text = text or ""
    loc = _LOCATION_RE.search(text)
    price = _PRICE_RE.search(text)
    return AdFields(
        title=(title or "").strip()[:200] or None,
        location=loc.group(1).strip()[:60] if loc else None,
        price=price.group(1).strip()[:60] if price else None,
        fingerprint=fingerprint(text),
    )


def guess_ad_template(pages: Iterable[tuple[str, bool]], *, min_pages: int = 10,
                      share: float = 0.6) -> str | None:
    """The URL template of a site's ad pages, if its structure says it is a listing platform.

    ``pages`` are (url, has_contact) of one site.  The guess: at least ``min_pages`` pages of
    one template carrying an ad id, ``share`` of them with a contact (phone, messenger,
    e-mail).  A shop's product pages share a template too, but rarely each carry a phone.

    >>> guess_ad_template([(f"https://x.example/ad/{i}", True) for i in range(1000, 1012)])
    '/ad/{id}'
    >>> guess_ad_template([(f"https://shop.example/product/{i}", False) for i in range(1000, 1012)])
    """
    total: Counter[str] = Counter()
    contact: Counter[str] = Counter()
    for url, has_contact in pages:
        if ad_id(url) is None:
            continue
        t = url_template(url)
        total[t] += 1
        contact[t] += bool(has_contact)
    best = None
    for t, n in total.most_common():
        if n >= min_pages and contact[t] >= share * n:
            best = t
            break
    return best
