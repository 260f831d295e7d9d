"""Page-status notices in page text: parked / for-sale / expired / suspended / seized pages,
and "we have moved to …" notices naming a new domain.  Pure text classifiers, used by the
spider (a page's parked reason) and by graph/ (site states, hop alerts, ties).
"""

from __future__ import annotations

import re
from typing import Iterable

from crawler.domains import registered_domain

# (phrase as it appears on the page, reason).  From parking services (Sedo, Bodis, GoDaddy
# CashParking), hosting panels (cPanel "Account Suspended") and law-enforcement seizure banners.
PARKED_PHRASES: tuple[tuple[str, str], ...] = (
    ("this domain is parked", "parked"),
    ("domain is parked", "parked"),
    ("parked free of charge", "parked"),
    ("parked domain", "parked"),
    ("this domain may be for sale", "for_sale"),
    ("domain for sale", "for_sale"),
    ("domain is for sale", "for_sale"),
    ("buy this domain", "for_sale"),
    ("this domain has expired", "expired"),
    ("domain has expired", "expired"),
    ("account suspended", "suspended"),
    ("account has been suspended", "suspended"),
    ("this site has been suspended", "suspended"),
    ("website is suspended", "suspended"),
    ("this site has been seized", "seized"),
    ("this domain has been seized", "seized"),
    ("this website has been seized", "seized"),
    ("domain name has been seized", "seized"),
)
# Searched in the lower-cased text: an IGNORECASE alternation is about 8x slower in
# Python's re, and this runs on every site's first page.
_PARKED_RE = re.compile("|".join(re.escape(p) for p, _ in PARKED_PHRASES))
_PARKED_REASON = {p: r for p, r in PARKED_PHRASES}

# "We have moved to …" notices (a link to the new domain, no redirect).  Plain substrings
# first: SQL prefilters page text with them, the regex confirms.
MOVED_SUBSTRINGS = ("moved", "new address", "new domain", "new home", "new site", "new url", "new mirror",
                    "find us at", "visit us at", "déménagé", "umgezogen", "переехали", "flyttat")
MOVED_RE = re.compile(
    r"(?:we(?:'ve| have| are)?|site|shop|store|has|have)\s+(?:now\s+)?moved(?:\s+to)?|moved\s+to|"
    r"\bnew\s+(?:address|domain|home|site|url|mirror)\b|(?:find|visit)\s+us\s+(?:now\s+)?at|"
    r"nous avons déménagé|wir sind umgezogen|мы переехали|vi har flyttat",
    re.IGNORECASE)
_DOMAIN_IN_TEXT = re.compile(r"(?<![\w@.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?::\d+)?"
                             r"(?![\w-])", re.IGNORECASE)
MOVED_WINDOW = 120  # characters after the phrase in which the new domain must be named
_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)|\n\s*\n")


def parked_reason(text: str | None) -> str | None:
    """``parked``, ``for_sale``, ``expired``, ``suspended`` or ``seized`` if the text says so."""
    if not text:
        return None
    m = _PARKED_RE.search(text.lower())
    return _PARKED_REASON[m.group(0)] if m else None


def moved_targets(text: str | None, own_domain: str, linked: Iterable[str] | None = None) -> list[str]:
    """Registered domains a "we have moved to …" notice names, other than the site's own.

    ``linked``: registered domains the page links to; when given (non-empty), the named
    domain must be one of them (a notice is a link, not a word).

    >>> moved_targets("Shop closed. We have moved to newshop.is, see you!", "oldshop.se")
    ['newshop.is']
    >>> moved_targets("We moved the warehouse; call us.", "oldshop.se")
    []
    """
    if not text:
        return []
    linked_set = {d.lower() for d in (linked or ()) if d}
    out: list[str] = []
    for m in MOVED_RE.finditer(text):
        window = text[m.end(): m.end() + MOVED_WINDOW]
        # The new domain must be named in the same sentence ("has moved. Reviews on x.com" is not a notice).
        end = _SENTENCE_END.search(window)
        if end:
            window = window[:end.start()]
        for dm in _DOMAIN_IN_TEXT.finditer(window):
            dom = registered_domain(dm.group(1).lower())
            if not dom or "." not in dom or dom == own_domain:
                continue
            if linked_set and dom not in linked_set:
                continue
            if dom not in out:
                out.append(dom)
            break
    return out
