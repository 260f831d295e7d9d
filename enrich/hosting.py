"""Where an address is hosted: Team Cymru's IP-to-ASN DNS interface, PTR, and whether the
address is shared infrastructure (a CDN / reverse proxy or a mass shared host).

Team Cymru answers TXT queries (asked through the configured resolver like any other)::

    4.3.2.1.origin.asn.cymru.com  TXT "13335 | 1.2.3.0/24 | US | arin | 2014-03-28"
    AS13335.asn.cymru.com          TXT "13335 | US | arin | 2010-07-14 | CLOUDFLARENET, US"

IPv6 addresses use the reversed nibbles under ``origin6.asn.cymru.com``.

A shared address links many unrelated sites, so linking must treat it as weak evidence:
``shared_reason`` says why an address (or a site's front) is shared, from the origin AS,
the PTR name, the CNAME chain or the HTTP ``Server`` header.

>>> origin_qname("192.0.2.7")
'7.2.0.192.origin.asn.cymru.com'
>>> parse_origin("13335 | 104.16.0.0/13 | US | arin | 2014-03-28")["prefix"]
'104.16.0.0/13'
>>> parse_asname("13335 | US | arin | 2010-07-14 | CLOUDFLARENET, US")["as_name"]
'CLOUDFLARENET, US'
>>> shared_reason(asn=13335)
'cdn asn:13335 Cloudflare'
>>> shared_reason(asn=64500, cnames=["shop-a.se.cdn.cloudflare.net"])
'cdn cname:cloudflare.net Cloudflare'
>>> shared_reason(asn=64500) is None
True
>>> shared_reason(asn=64500, as_name="FAKECDN - Fake CDN Inc., ZZ")
'cdn as-name:FAKECDN - Fake CDN Inc., ZZ'
>>> shared_reason(ptr="vps-3.bulletproof-host.ru") is None
True
"""

from __future__ import annotations

import ipaddress
import re
from typing import Iterable

from crawler.domains import registered_domain

# Origin ASes whose addresses front many unrelated customers. Sources: the operators' own
# published AS numbers (PeeringDB records), kept deliberately short: a wrong "shared" would
# weaken real evidence, a missing one only leaves a weak IP link a little stronger.
CDN_ASNS: dict[int, str] = {
    13335: "Cloudflare", 209242: "Cloudflare",
    20940: "Akamai", 16625: "Akamai", 21342: "Akamai", 32787: "Akamai (Prolexic)",
    54113: "Fastly",
    57724: "DDoS-Guard", 262254: "DDoS-Guard",
    19551: "Imperva Incapsula",
    30148: "Sucuri",
    60068: "CDN77",
    200325: "BunnyCDN",
    12989: "StackPath", 33438: "StackPath",
    15133: "Edgio (Edgecast)", 22822: "Edgio (Limelight)",
    199524: "G-Core Labs",
    8068: "Microsoft (Azure Front Door)",
}
# Mass shared web hosting and site builders: thousands of sites per address.
SHARED_ASNS: dict[int, str] = {
    22612: "Namecheap", 26496: "GoDaddy", 398101: "GoDaddy", 47583: "Hostinger",
    46606: "Unified Layer (Bluehost/HostGator)", 8560: "IONOS", 53831: "Squarespace",
    58182: "Wix", 62679: "Shopify",
}
# CNAME targets (suffixes) of CDNs and hosted-site platforms.
CDN_CNAME_SUFFIXES: dict[str, tuple[str, str]] = {
    "cloudflare.net": ("cdn", "Cloudflare"), "akamaiedge.net": ("cdn", "Akamai"),
    "akamai.net": ("cdn", "Akamai"), "edgekey.net": ("cdn", "Akamai"), "edgesuite.net": ("cdn", "Akamai"),
    "fastly.net": ("cdn", "Fastly"), "fastlylb.net": ("cdn", "Fastly"),
    "cloudfront.net": ("cdn", "Amazon CloudFront"), "azureedge.net": ("cdn", "Azure CDN"),
    "azurefd.net": ("cdn", "Azure Front Door"), "b-cdn.net": ("cdn", "BunnyCDN"),
    "cdn77.org": ("cdn", "CDN77"), "incapdns.net": ("cdn", "Imperva Incapsula"),
    "sucuri.net": ("cdn", "Sucuri"), "stackpathdns.com": ("cdn", "StackPath"),
    "ddos-guard.net": ("cdn", "DDoS-Guard"), "edgecastcdn.net": ("cdn", "Edgio"),
    "llnwd.net": ("cdn", "Edgio (Limelight)"), "gcdn.co": ("cdn", "G-Core Labs"),
    "myshopify.com": ("shared", "Shopify"), "wixdns.net": ("shared", "Wix"),
    "squarespace.com": ("shared", "Squarespace"), "github.io": ("shared", "GitHub Pages"),
    "netlify.app": ("shared", "Netlify"), "vercel-dns.com": ("shared", "Vercel"),
    "herokudns.com": ("shared", "Heroku"),
}
# PTR names of CDN edge addresses.
CDN_PTR = re.compile(r"(?:\.cloudfront\.net|\.akamaitechnologies\.com|\.deploy\.static\.akamaitechnologies\.com"
                     r"|\.fastly\.net|\.ddos-guard\.net|\.incapdns\.net|\.cdn77\.com)$", re.I)
# HTTP Server / X-Served-By style headers stored on pages.
CDN_SERVER = re.compile(r"^(?:cloudflare|akamaighost|akamainetstorage|cloudfront|amazons3|ddos-guard"
                        r"|sucuri/cloudproxy|bunnycdn|cdn77|gcore|stackpath|netlify|vercel|varnish.*fastly"
                        r"|fastly.*)\b", re.I)

CDN_AS_NAME = re.compile(r"\bCDN|content delivery|\bcloudflare|\bakamai|\bfastly|ddos-guard", re.I)


def origin_qname(ip: str) -> str:
    """The Cymru origin TXT name of an IPv4 or IPv6 address."""
    addr = ipaddress.ip_address(ip)
    if addr.version == 4:
        return ".".join(reversed(str(addr).split("."))) + ".origin.asn.cymru.com"
    nibbles = addr.exploded.replace(":", "")
    return ".".join(reversed(nibbles)) + ".origin6.asn.cymru.com"


def asname_qname(asn: int) -> str:
    return f"AS{int(asn)}.asn.cymru.com"


def ptr_qname(ip: str) -> str:
    return ipaddress.ip_address(ip).reverse_pointer


def _fields(txt: str) -> list[str]:
    return [f.strip() for f in txt.strip().strip('"').split("|")]


def parse_origin(txt: str) -> dict | None:
    """``"ASN | prefix | CC | registry | date"`` -> dict; None if it is not that shape.

    Several origin ASes (``"13335 209242 | …"``) keep the first.
    """
    f = _fields(txt)
    if len(f) < 3 or not f[0]:
        return None
    first = f[0].split()[0]
    if not first.isdigit():
        return None
    try:
        prefix = str(ipaddress.ip_network(f[1], strict=False)) if f[1] else None
    except ValueError:
        return None
    return {"asn": int(first), "prefix": prefix, "country": (f[2] or None) and f[2].upper()[:2],
            "registry": (f[3] if len(f) > 3 else None) or None, "allocated": (f[4] if len(f) > 4 else None) or None}


def parse_asname(txt: str) -> dict | None:
    """``"ASN | CC | registry | date | AS NAME"`` -> dict; None if it is not that shape."""
    f = _fields(txt)
    if len(f) < 5 or not f[0].isdigit():
        return None
    return {"asn": int(f[0]), "country": f[1].upper()[:2] or None, "registry": f[2] or None,
            "allocated": f[3] or None, "as_name": "|".join(f[4:]).strip() or None}


def _cdn_label(name: str) -> str | None:
    """A registered domain whose own label says CDN (``fakecdn.net``, ``somecdn.io``): heuristic."""
    reg = registered_domain(name)
    label = reg.split(".", 1)[0]
    return reg if "cdn" in label else None


def shared_reason(*, asn: int | None = None, ptr: str | None = None, cnames: Iterable[str] = (),
                  servers: Iterable[str] = (), as_name: str | None = None) -> str | None:
    """Why an address/site front is shared (``"cdn asn:13335 Cloudflare"``), or None.

    Known lists first (AS numbers, CNAME suffixes, PTR names, Server headers), then two
    heuristics: an AS name saying CDN, a CNAME/PTR under a domain whose label says cdn.
    """
    if asn is not None:
        if asn in CDN_ASNS:
            return f"cdn asn:{asn} {CDN_ASNS[asn]}"
    for cname in cnames:
        cname = cname.rstrip(".").lower()
        for suffix, (kind, who) in CDN_CNAME_SUFFIXES.items():
            if cname == suffix or cname.endswith("." + suffix):
                return f"{kind} cname:{suffix} {who}"
    if ptr and CDN_PTR.search(ptr.rstrip(".")):
        return f"cdn ptr:{ptr.rstrip('.').lower()}"
    for server in servers:
        if server and CDN_SERVER.match(server.strip()):
            return f"cdn server:{server.strip()[:40]}"
    if asn is not None and asn in SHARED_ASNS:
        return f"shared asn:{asn} {SHARED_ASNS[asn]}"
    if as_name and CDN_AS_NAME.search(as_name):
        return f"cdn as-name:{as_name[:60]}"
    for name in [*cnames, *([ptr] if ptr else [])]:
        if (reg := _cdn_label(name.rstrip("."))):
            return f"cdn name:{reg}"
    return None
