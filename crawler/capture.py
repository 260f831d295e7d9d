"""Evidence captures: what a page showed, when and from where, as text only, with hashes.

A capture is one accepted page as served: the URL asked and the final one with the
redirect chain, the status and response headers, the server address connected to, the
capture time (crawler.clock), the TLS certificate for HTTPS, and the HTML as **text-only
HTML** — every reference that would make a viewer fetch something renamed to an inert
``mi-…`` attribute or function (the URL stays as text), ``data:`` URIs, ``<svg>`` and media
base64 runs dropped (crawler.extractors.only_text), scripts made inert — stored
zlib-compressed with the SHA-256 of the stored text and of the body bytes as received.

>>> text, n = text_only_html('<img src="/a.jpg" srcset="/b.jpg 2x"><p style="background:url(/c.png)">Hi</p>')
>>> text
'<img mi-src="/a.jpg" mi-srcset="/b.jpg 2x"><p style="background:mi-url(/c.png)">Hi</p>'
>>> n
3

Pure functions, no I/O and no Scrapy: the spider hands in the response's parts
(``capture_page``); the pipeline stores the ``Capture``; ``merchintel verify`` recomputes
``record_digest`` and the text and certificate hashes from the stored rows.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from crawler.domains import registered_domain
from crawler.extractors.only_text import all_stored_clean, clean_stored

# ---------------------------------------------------------------------------------------
# Text-only HTML
# ---------------------------------------------------------------------------------------
# Attributes that make a browser fetch something on its own (not on a click): renamed to
# mi-<name>, so the value stays readable and nothing loads.  ``href`` only on <link>.
FETCH_ATTRS = ("src", "srcset", "poster", "background", "lowsrc", "dynsrc", "imagesrcset", "data",
               "codebase", "archive", "manifest", "xlink:href", "ping")
_ATTR_RE = re.compile(r"(?<=[\s\"'/])(" + "|".join(re.escape(a) for a in FETCH_ATTRS) + r")(?=\s*=)", re.IGNORECASE)
# <link …> with its attributes (quotes honoured, bounded: linear on a hostile page)
_LINK_RE = re.compile(r"<link\b(?:[^>\"']|\"[^\"]{0,4000}\"|'[^']{0,4000}'){0,200}>?", re.IGNORECASE)
_HREF_RE = re.compile(r"(?<=[\s\"'/])href(?=\s*=)", re.IGNORECASE)
_SVG_RE = re.compile(r"<svg\b.*?(?:</svg\s*>|$)", re.IGNORECASE | re.DOTALL)
SVG_PLACEHOLDER = "<mi-svg-removed></mi-svg-removed>"
SCRIPT_INERT = '<script type="text/mi-inert"'   # the first type attribute wins: never run


def text_only_html(text: str) -> tuple[str, int]:
    """(text-only HTML, number of references neutralised) for a page's decoded text.

    Fetching attributes become ``mi-<name>``, ``<link href>`` becomes ``mi-href``, CSS
    ``url(``/``image-set(``/``@import`` become ``mi-url(``/``mi-image-set(``/``@mi-import``,
    inline ``<svg>`` becomes an empty ``<mi-svg-removed>``, ``<script`` gets a type no browser
    runs; then ``clean_stored`` drops data: URIs, SVG leftovers, media base64 runs and
    control characters.  The result fetches nothing when opened.

    Found with ``str.find`` on the lower-cased text (C speed) rather than one regex tried
    at every position: a 4 KB page costs tens of microseconds, not hundreds.
    """
    count = 0
    low = _lower(text)
    if "<svg" in low:
        text, n = _SVG_RE.subn(SVG_PLACEHOLDER, text)
        count += n
        low = _lower(text)
    edits: list[tuple[int, int, str]] = []    # (start, end, replacement), in any order
    if low.count("=") > MAX_EQUALS:           # a hostile flood of "=": the (linear) regex instead
        text, n = _ATTR_RE.subn(r"mi-\1", text)
        count += n
        low = _lower(text)
    else:
        pos = 0
        while (eq := low.find("=", pos)) >= 0:
            pos = eq + 1
            j = eq
            while j > 0 and low[j - 1] in _SPACE:
                j -= 1
            k = j
            while k > 0 and (low[k - 1] in _NAME_CHARS):
                k -= 1
            if k < j and k > 0 and low[k - 1] in _BEFORE_ATTR and low[k:j] in _FETCH_SET:
                edits.append((k, k, "mi-"))
    for needle in ("url(", "image-set(", "@import"):
        p = low.find(needle)
        while p >= 0:
            if needle == "@import":
                edits.append((p + 1, p + 1, "mi-"))
            elif needle == "image-set(" and low.endswith("-webkit-", 0, p):
                edits.append((p - 8, p - 8, "mi-"))
            elif p == 0 or not (low[p - 1].isalnum() or low[p - 1] in "-_"):
                edits.append((p, p, "mi-"))
            p = low.find(needle, p + len(needle))
    p = low.find("<script")
    while p >= 0:
        if p + 7 >= len(low) or low[p + 7] in _SPACE + "/>":
            edits.append((p, p + 7, SCRIPT_INERT))
        p = low.find("<script", p + 7)
    if edits:
        count += sum(1 for e in edits if e[2] != SCRIPT_INERT)
        edits.sort()
        out, last = [], 0
        for a, b, rep in edits:
            if a < last:      # overlapping edits cannot happen; never write twice
                continue
            out += (text[last:a], rep)
            last = b
        out.append(text[last:])
        text = "".join(out)
    if "<link" in low:
        def _link(m: re.Match) -> str:
            nonlocal count
            tag, n = _HREF_RE.subn("mi-href", m.group(0))
            count += n
            return tag
        text = _LINK_RE.sub(_link, text)
    return clean_stored(text), count


_SPACE = " \t\r\n\f"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz:")
_BEFORE_ATTR = frozenset(" \t\r\n\f\"'/")
_FETCH_SET = frozenset(FETCH_ATTRS)
MAX_EQUALS = 100_000
_UPPER_TO_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def _lower(text: str) -> str:
    """ASCII lower case, same length as ``text`` (tag and attribute names are ASCII)."""
    return text.translate(_UPPER_TO_LOWER)


def compress(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 6)


def decompress(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8", "surrogatepass")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class StoredText:
    """A page's text-only HTML as stored: compressed, hashed, measured.  Made where the page
    is analysed (the analysis worker when there is one), so the crawl process only stores it."""
    zlib: bytes = field(repr=False)
    sha256: str
    bytes: int
    neutralised: int


def stored_text(text: str) -> StoredText:
    """``text_only_html`` of a page's decoded text, compressed and hashed.

    >>> s = stored_text('<img src="a.jpg"><p>hi</p>')
    >>> decompress(s.zlib), s.neutralised, s.bytes
    ('<img mi-src="a.jpg"><p>hi</p>', 1, 29)
    """
    stored, neutralised = text_only_html(text)
    return StoredText(compress(stored), sha256_text(stored), len(stored.encode("utf-8", "surrogatepass")),
                      neutralised)


# ---------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------
# A certificate is *shared* (weighs nothing as a pivot, like a CDN address) when a CDN or
# a shared host issued or names it, or when it covers many unrelated registered domains
# (a multi-tenant certificate): two sites behind it need not have one operator.
SHARED_CERT_RE = re.compile(
    r"cloudflare|cloudflaressl|akamai|fastly|incapsula|imperva|sucuri|stackpath|cdn77|bunny|edgecast|"
    r"cloudfront|amazon|azureedge|azurefd|googleusercontent|netlify|vercel|github|herokuapp|wpengine|"
    r"shopify|squarespace|wix|ddos-guard|qrator|myracloud|gcore|"
    # the default certificate of a hosting panel or appliance, on every site it serves
    r"localhost|localdomain|plesk|cpanel|directadmin|ispconfig", re.IGNORECASE)
# CAs that issue certificates for free and in bulk: one of their certificates covering more
# than FREE_CA_MAX_DOMAINS registered domains is a host's shared certificate.
FREE_CA_RE = re.compile(r"let'?s ?encrypt|zerossl|google trust services|buypass|ssl\.com|cpanel|"
                        r"sectigo.*domain validation", re.IGNORECASE)
FREE_CA_MAX_DOMAINS = 3
CERT_MAX_DOMAINS = 10


@dataclass
class CertInfo:
    sha256: str
    subject: str
    issuer: str
    sans: list[str]
    not_before: str
    not_after: str
    serial: str
    der: bytes = field(repr=False, default=b"")
    shared: str | None = None      # why it is shared (CDN, multi-tenant), else None

    @property
    def san_domains(self) -> list[str]:
        """Registered domains the SANs name (wildcards folded), sorted."""
        return sorted({d for d in (registered_domain(s.lstrip("*.")) for s in self.sans) if d})


def parse_certificate(der: bytes) -> CertInfo:
    """The facts of a DER certificate: subject, issuer, SANs, validity, SHA-256, shared?"""
    cert = x509.load_der_x509_certificate(der)
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = [str(n) for n in ext.get_values_for_type(x509.DNSName)]
        sans += [str(n) for n in ext.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        sans = []
    info = CertInfo(
        sha256=hashlib.sha256(der).hexdigest(),
        subject=clean_stored(cert.subject.rfc4514_string())[:1000],
        issuer=clean_stored(cert.issuer.rfc4514_string())[:1000],
        sans=sorted({clean_stored(s.lower())[:255] for s in sans})[:500],
        not_before=cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        not_after=cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        serial=format(cert.serial_number, "x"), der=der)
    info.shared = shared_reason(info)
    return info


def shared_reason(cert: CertInfo) -> str | None:
    """Why a certificate says nothing about one operator (CDN, free CA bulk, multi-tenant), else None.

    >>> shared_reason(CertInfo("x", "CN=sni.cloudflaressl.com", "CN=E1", ["a.se"], "", "", "1"))
    'cdn: CN=sni.cloudflaressl.com'
    >>> shared_reason(CertInfo("x", "CN=shop.se", "CN=Own CA", ["shop.se", "shop2.se"], "", "", "1")) is None
    True
    """
    for what in (cert.subject, cert.issuer, *cert.sans[:50]):
        if SHARED_CERT_RE.search(what):
            return f"cdn: {what[:120]}"
    n = len(cert.san_domains)
    if n > CERT_MAX_DOMAINS:
        return f"multi-tenant: {n} registered domains"
    if n > FREE_CA_MAX_DOMAINS and FREE_CA_RE.search(cert.issuer):
        return f"free CA shared: {n} registered domains"
    return None


def der_of(certificate: Any) -> bytes | None:
    """DER bytes of what Scrapy puts in ``response.certificate`` (twisted ssl.Certificate),
    of a cryptography certificate, or of DER bytes themselves; None when there is none."""
    if certificate is None:
        return None
    if isinstance(certificate, (bytes, bytearray)):
        return bytes(certificate)
    if hasattr(certificate, "public_bytes"):
        return certificate.public_bytes(serialization.Encoding.DER)
    original = getattr(certificate, "original", None)
    if original is not None and hasattr(original, "to_cryptography"):
        return original.to_cryptography().public_bytes(serialization.Encoding.DER)
    return None


# ---------------------------------------------------------------------------------------
# Response headers
# ---------------------------------------------------------------------------------------
# Headers every server, framework or CDN sends: never part of a fingerprint.
COMMON_HEADERS = frozenset("""
date content-type content-length connection keep-alive transfer-encoding content-encoding vary
cache-control expires pragma last-modified etag accept-ranges age set-cookie location
content-language content-disposition strict-transport-security x-frame-options
x-content-type-options x-xss-protection referrer-policy content-security-policy
content-security-policy-report-only permissions-policy feature-policy alt-svc via server-timing nel
report-to reporting-endpoints link p3p timing-allow-origin cross-origin-opener-policy
cross-origin-embedder-policy cross-origin-resource-policy retry-after www-authenticate upgrade
x-ua-compatible x-dns-prefetch-control x-download-options x-permitted-cross-domain-policies
expect-ct origin-agent-cl x-robots-tag content-range trailer x-pingback
""".split())
# CDN, proxy and platform headers: shared infrastructure, never part of a fingerprint.
CDN_HEADER_RE = re.compile(
    r"^(cf-|x-amz|x-cache|x-served-by|x-timer|fastly|x-fastly|akamai|x-akamai|x-vercel|x-nf-|x-azure|"
    r"x-msedge|x-iinfo|x-cdn|x-sucuri|x-github|x-proxy|x-envoy|x-varnish|x-edge|x-request-id|"
    r"x-correlation-id|x-trace|traceparent|x-runtime|x-litespeed|x-turbo|x-ac$|x-hcdn|x-gw|access-control-)")
# Products whose Server / X-Powered-By values are too common to tell anyone apart.
COMMON_PRODUCTS = frozenset("""
nginx apache httpd microsoft-iis iis litespeed openresty cloudflare gws gse caddy envoy
tengine lighttpd cowboy gunicorn uvicorn kestrel jetty tomcat awselb akamaighost ats
php asp.net express next.js nuxt plesklin plesk wp engine wordpress vercel netlify
""".split())
_VOLATILE_RE = re.compile(r"[0-9a-f]{8,}|[0-9]{5,}|[0-9a-f-]{36}", re.IGNORECASE)
MAX_HEADER_VALUE = 2000


def clean_headers(pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """[[name, value], …] as stored: cleaned strings, values capped, Set-Cookie and Cookie
    values cut to the cookies' names (``PHPSESSID=…``): merchintel keeps cookie names, never
    their values."""
    pairs = list(pairs)
    # one pass says whether any name or value needs cleaning (most responses: none)
    clean = _as_is if all_stored_clean([s for pair in pairs for s in pair]) else clean_stored
    out = []
    for name, value in pairs:
        name = clean(name)[:200]
        if name.lower() == "set-cookie":   # a cut of a value is judged afresh
            value = clean_stored(value.split(";", 1)[0].split("=", 1)[0].strip() + "=…")
        elif name.lower() == "cookie":
            value = clean_stored("; ".join(c.split("=", 1)[0].strip() + "=…" for c in value.split(";") if c.strip()))
        else:
            value = clean(value)
        out.append([name, value[:MAX_HEADER_VALUE]])
    return out


def _as_is(value: str) -> str:
    return value


def header_fingerprint(headers: Iterable[Iterable[str]]) -> tuple[str | None, str]:
    """(fingerprint, basis) of a response's distinctive headers: names (and values with
    per-request numbers folded) of what is neither common nor a CDN's, in the order served.
    None when nothing distinctive is left.

    >>> header_fingerprint([["Server", "nginx/1.18.0"], ["Date", "x"]])
    (None, '')
    >>> fp, basis = header_fingerprint([["Server", "DarkCart/2"], ["X-Shop-Node", "n7"]])
    >>> basis
    'server: darkcart/2\\nx-shop-node: n7'
    """
    parts = []
    for name, value in headers:
        n = name.strip().lower()
        if n in COMMON_HEADERS or CDN_HEADER_RE.match(n) or n.startswith("x-mi-"):
            continue
        v = value.strip().lower()
        if n in ("server", "x-powered-by"):
            product = re.split(r"[/\s(;,]", v, 1)[0]
            if not product or product in COMMON_PRODUCTS:
                continue
        line = f"{n}: {_VOLATILE_RE.sub('#', v)[:200]}"
        if line not in parts:
            parts.append(line)
    if not parts:
        return None, ""
    basis = "\n".join(parts)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32], basis


# ---------------------------------------------------------------------------------------
# The capture
# ---------------------------------------------------------------------------------------
@dataclass
class Capture:
    url: str                    # the URL asked for (first of the chain)
    final_url: str
    redirect_chain: list[dict[str, Any]]
    status: int
    headers: list[list[str]]
    request_headers: list[list[str]]
    ip: str | None
    captured_at: str
    content_type: str | None
    body_sha256: str            # of the body bytes as received (decoded transfer, before text)
    body_bytes: int
    text_zlib: bytes = field(repr=False)
    text_sha256: str
    text_bytes: int
    neutralised: int
    cert: CertInfo | None = None
    header_fp: str | None = None
    header_basis: str = ""
    # ``finish`` pending: headers as received (not yet cleaned), fingerprint and certificate
    # not yet made from them (the crawl hands that work to the store writer)
    raw: bool = False
    cert_der: bytes | None = field(default=None, repr=False)


def finish(cap: Capture) -> Capture:
    """A capture made whole: headers cleaned (cookie values cut to names), the header
    fingerprint taken, the certificate parsed.  Nothing to do when it already is."""
    if cap.raw:
        cap.headers = clean_headers(cap.headers)
        cap.request_headers = clean_headers(cap.request_headers)
        cap.header_fp, cap.header_basis = header_fingerprint(cap.headers)
        if cap.cert_der:
            try:
                cap.cert = parse_certificate(cap.cert_der)
            except ValueError:
                cap.cert = None    # a certificate cryptography cannot read is no evidence of anything
        cap.cert_der = None
        cap.raw = False
    return cap


def capture_page(*, url: str, final_url: str, redirect_chain: list[dict[str, Any]], status: int,
                 headers: Iterable[tuple[str, str]], request_headers: Iterable[tuple[str, str]] = (),
                 ip: str | None, captured_at: str, content_type: str | None, body: bytes, text: str = "",
                 certificate_der: bytes | None = None, stored: StoredText | None = None,
                 whole: bool = True) -> Capture:
    """The capture of one page from its parts (the spider's hook gathers them); ``stored``:
    the page's ``stored_text`` when it was already made (else it is made here from ``text``).
    ``whole=False`` leaves the header and certificate work to ``finish`` (the store does it)."""
    if stored is None:
        stored = stored_text(text)
    cap = Capture(
        url=url, final_url=final_url, redirect_chain=list(redirect_chain), status=int(status),
        headers=[[n, v] for n, v in headers], request_headers=[[n, v] for n, v in request_headers], ip=ip,
        captured_at=captured_at, content_type=content_type, body_sha256=hashlib.sha256(body).hexdigest(),
        body_bytes=len(body), text_zlib=stored.zlib, text_sha256=stored.sha256, text_bytes=stored.bytes,
        neutralised=stored.neutralised, raw=True, cert_der=certificate_der or None)
    return finish(cap) if whole else cap


# The columns of a captures row that its record digest covers, in this order.
RECORD_FIELDS = ("id", "url", "final_url", "domain", "redirect_chain", "status", "headers", "request_headers",
                 "ip", "captured_at", "content_type", "body_sha256", "body_bytes", "text_sha256", "text_bytes",
                 "cert_sha256", "header_fp", "case_name", "run_id")


def record_digest(row: dict[str, Any]) -> str:
    """SHA-256 over the capture's facts (RECORD_FIELDS of the stored row, canonical JSON):
    a change to any of them after the capture shows in ``merchintel verify``."""
    facts = [row.get(k) for k in RECORD_FIELDS]
    blob = json.dumps(facts, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def capture_response(response: Any, *, asked: str, chain: list[dict[str, Any]], content_type: str | None,
                     captured_at: str, text: str = "", stored: StoredText | None = None,
                     whole: bool = True) -> Capture:
    """``capture_page`` from a Scrapy response (read by attribute: no Scrapy import here)."""
    def pairs(headers: Any) -> list[tuple[str, str]]:
        out = []
        for name, values in (headers or {}).items():
            for v in values if isinstance(values, (list, tuple)) else [values]:
                out.append((_latin1(name), _latin1(v)))
        return out
    request = getattr(response, "request", None)
    ip = getattr(response, "ip_address", None)
    return capture_page(
        url=asked, final_url=response.url, redirect_chain=chain, status=response.status,
        headers=pairs(response.headers), request_headers=pairs(getattr(request, "headers", None)),
        ip=str(ip) if ip is not None else None, captured_at=captured_at, content_type=content_type,
        body=response.body, text=text, certificate_der=der_of(getattr(response, "certificate", None)),
        stored=stored, whole=whole)


def _latin1(v: Any) -> str:
    return v.decode("latin-1") if isinstance(v, (bytes, bytearray)) else str(v)
