"""Registered domains, offline.

tldextract's default extractor downloads the Public Suffix List on first use; merchintel
never fetches anything it does not crawl, so every call goes through one extractor built
with ``suffix_list_urls=()`` (the snapshot bundled inside tldextract's package) and no
disk cache.  The snapshot's date is that of the installed tldextract release.

>>> registered_domain("http://shop.example.co.uk:8080/x")
'example.co.uk'
>>> registered_domain("http://127.0.0.1/")
'127.0.0.1'
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from urllib.parse import urlsplit

import tldextract

OFFLINE_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                        include_psl_private_domains=False)


def hostname(url_or_host: str) -> str:
    """Lower-case host of a URL (or of a bare host), without port or trailing dot."""
    text = url_or_host.strip()
    if "://" in text:
        host = urlsplit(text).hostname or ""
    else:
        host = text.split("/", 1)[0]
        if host.startswith("["):
            host = host[1:].split("]", 1)[0]
        elif host.count(":") == 1:
            host = host.split(":", 1)[0]
    return host.rstrip(".").lower()


@lru_cache(maxsize=65536)
def _registered(host: str) -> str:
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    ext = OFFLINE_EXTRACT(host)
    if ext.domain and ext.suffix:
        return f"{ext.domain}.{ext.suffix}"
    return host


def registered_domain(url_or_host: str) -> str:
    """Registered domain (eTLD+1) of a URL or host; an IP or a bare name is returned as is."""
    host = hostname(url_or_host)
    return _registered(host) if host else ""


@lru_cache(maxsize=65536)
def host_domain(host: str) -> str:
    """``registered_domain`` of a host, remembered: a page's links name few hosts, and the
    link extractors ask for each of them on every page."""
    return registered_domain(host)


def public_suffix(url_or_host: str) -> str:
    """The public suffix (``se``, ``co.uk``) of a URL or host; '' for an IP."""
    host = hostname(url_or_host)
    try:
        ipaddress.ip_address(host)
        return ""
    except ValueError:
        return OFFLINE_EXTRACT(host).suffix


def cctld_country(url_or_host: str) -> str | None:
    """ISO country code of a country-code TLD (``.se`` -> ``SE``, ``.uk`` -> ``GB``), else None."""
    suffix = public_suffix(url_or_host)
    if not suffix:
        return None
    tld = suffix.rsplit(".", 1)[-1]
    if len(tld) != 2 or not tld.isalpha():
        return None
    if tld in _CCTLD_EXCEPTIONS:
        return _CCTLD_EXCEPTIONS[tld]
    return tld.upper()


# ccTLDs whose letters are not the ISO 3166 code of the country they belong to.
_CCTLD_EXCEPTIONS: dict[str, str | None] = {"uk": "GB", "su": "RU", "ac": "SH", "eu": None}


def same_site(url_a: str, url_b: str) -> bool:
    return registered_domain(url_a) == registered_domain(url_b) != ""
