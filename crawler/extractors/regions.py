"""Phone default region for a page: ccTLD first, then ``<html lang>``, then a configured default."""

from __future__ import annotations

from functools import lru_cache

from crawler.domains import cctld_country, hostname

# Language -> the region whose national number format a page in that language most
# likely uses.  Only languages that are mostly one country's; "en", "es", "fr", "de",
# "pt", "ar" are spoken in many countries and are left to the ccTLD or the default.
LANG_REGION = {
    "sv": "SE", "nb": "NO", "nn": "NO", "no": "NO", "da": "DK", "fi": "FI", "is": "IS",
    "nl": "NL", "pl": "PL", "cs": "CZ", "sk": "SK", "hu": "HU", "ro": "RO", "bg": "BG",
    "el": "GR", "it": "IT", "ru": "RU", "uk": "UA", "be": "BY", "et": "EE", "lv": "LV",
    "lt": "LT", "sl": "SI", "hr": "HR", "sr": "RS", "tr": "TR", "he": "IL", "ja": "JP",
    "ko": "KR", "th": "TH", "vi": "VN", "id": "ID", "ms": "MY", "fa": "IR", "ka": "GE",
    "hy": "AM", "kk": "KZ",
}


def region_for(url: str | None, lang: str | None, default: str | None) -> str | None:
    """The phone region for a page: its ccTLD's country, else its language's, else the default.

    >>> region_for("https://shop.se/", None, None)
    'SE'
    >>> region_for("https://shop.com/", "sv", "DE")
    'SE'
    >>> region_for("https://shop.com/", None, "DE")
    'DE'
    """
    if url:
        country = _host_country(hostname(url))
        if country:
            return country
    if lang:
        region = LANG_REGION.get(lang.lower()[:2])
        if region:
            return region
    return default.upper() if default else None


@lru_cache(maxsize=65536)
def _host_country(host: str) -> str | None:
    # Every page of a site asks for the same host: the suffix lookup runs once per host.
    return cctld_country(host) if host else None
