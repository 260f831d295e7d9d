"""E-mail addresses, canonical lower-case (``info@shop-a.se``).

Accepted:

    plain            info@shop-a.se in text, attributes, scripts, JSON
    mailto:          href="mailto:Orders@Shop-F.co.uk?subject=…" (percent-escapes decoded)
    entities         info&#64;shop-a.se, info&#x40;shop-a.se, info&commat;shop-a.se
    obfuscations     info [at] shop-a [dot] se, info(at)shop-a.se, info {at} shop-a.se,
                     info at shop-a dot se  (a bare " at " only together with a " dot ")
    Cloudflare       data-cfemail="<hex>" and /cdn-cgi/l/email-protection#<hex>: the first
                     byte is the XOR key of the rest

Not e-mails: file names (``logo@2x.png``), package pins (``bootstrap@5.3.0``), URL user
info (``https://key@o1.ingest.sentry.io``), domains without a public suffix, and
placeholder addresses (``you@example.com``, ``user@domain.com``, ``name@email.com``,
``your@email``, ``namn@exempel.se``, anything in a ``placeholder=""`` attribute).

Speed: everything starts from a literal: ``@`` (``str.find``), and ``mailto:``,
``cfemail``, ``email-protection#``, ``at]``, `` dot ``… found in one Aho-Corasick pass over
the lower-cased page; regexes only run at or around those positions.
"""

from __future__ import annotations

import html as html_lib
import re
from functools import lru_cache
from typing import Iterator
from urllib.parse import unquote

import ahocorasick_rs

from crawler.domains import public_suffix
from crawler.extractors.model import Identifier, Kind, Page, snippet

KINDS: tuple[Kind, ...] = (
    Kind("email", "emails", "E-mail address", "strong", True,
         "E-mail address (plain, mailto:, entity-encoded, [at]/[dot] obfuscated, Cloudflare "
         "data-cfemail decoded), lower-case; placeholders excluded."),
)

# Local parts: the characters addresses use in practice.  RFC 5322 allows more (/ = ? & % '),
# but on a page those glue paths, query strings and quotes to the address ("?email=info@…").
_LOCAL_BEFORE_RE = re.compile(r"[A-Za-z0-9_+.-]{1,64}$")
_LOCAL_OK_RE = re.compile(r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*")
_DOMAIN_AFTER_RE = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])")
_MAILTO_RE = re.compile(r"mailto:([^\"'<>\s?#]{3,254})", re.IGNORECASE)
_CFEMAIL_ATTR_RE = re.compile(r"data-cfemail\s*=\s*[\"']?([0-9a-fA-F]{4,512})")
_CF_LINK_RE = re.compile(r"/cdn-cgi/l/email-protection#([0-9a-fA-F]{4,512})")
_AT_ENTITY_RE = re.compile(r"&#0*64;|&#x0*40;|&commat;", re.IGNORECASE)

# Obfuscated forms, matched on a lower-cased window.  AT: bracketed "at" (or a bare " at "
# only when the domain also uses a word " dot ", else "meet us at shop.se" would be one).
_O_LOCAL = r"(?<![a-z0-9._%+-])([a-z0-9][a-z0-9._%+-]{0,63})"
_O_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_O_DOT = r"(?:\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\}|<\s*dot\s*>)\s*|\s+dot\s+|\.)"
_O_WORD_DOT = r"(?:\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\)|\{\s*dot\s*\})\s*|\s+dot\s+)"
_OBFUSCATED_RES = (
    re.compile(_O_LOCAL + r"\s*(?:\[\s*at\s*\]|\(\s*at\s*\)|\{\s*at\s*\}|<\s*at\s*>|\[\s*@\s*\]|\(\s*@\s*\))\s*"
               r"(" + _O_LABEL + r"(?:" + _O_DOT + _O_LABEL + r")+)"),
    re.compile(_O_LOCAL + r"\s+at\s+(" + _O_LABEL + r"(?:" + _O_DOT + _O_LABEL + r")*"
               + _O_WORD_DOT + _O_LABEL + r")"),
)
_O_DOT_SPLIT_RE = re.compile(_O_DOT)
# Every obfuscated form has one of these (a bare " at " only counts with a " dot ").
_OBF_MARKERS = ("at]", "at)", "at}", "at>", "@]", "@)", " dot ")
_AC_LITERALS = ("mailto:", "cfemail", "email-protection#") + _OBF_MARKERS
_AC = ahocorasick_rs.AhoCorasick(list(_AC_LITERALS))

# Top-level "domains" that are file names or code, never mail domains.
_FILE_TLDS = frozenset(
    "png jpg jpeg gif webp svg avif bmp ico tif tiff heic js mjs css map json xml html htm php "
    "asp aspx jsp txt pdf zip gz rar 7z tar mp4 m4v mov avi mkv webm mp3 m4a ogg wav flac woff "
    "woff2 ttf otf eot min bak sql csv doc docx xls xlsx exe dmg apk swf".split())
# Placeholders: documentation domains, template domains, template local parts.
_PLACEHOLDER_DOMAIN_LABELS = frozenset(
    "example exempel eksempel esimerkki beispiel exemple ejemplo esempio exemplo voorbeeld "
    "przyklad priklad primer пример domain yourdomain mydomain yoursite mysite yourcompany "
    "company website yourwebsite sitename test invalid localhost".split())
_PLACEHOLDER_DOMAINS = frozenset(
    "email.com e-mail.com mail.com.example yourmail.com youremail.com".split())
_PLACEHOLDER_LOCALS = frozenset(
    "you your yourname your.name yourmail youremail your.email name firstname first.last "
    "firstname.lastname name.surname user username someone somebody john.doe jane.doe "
    "johndoe janedoe max.mustermann namn navn nimi nombre nom me email e-mail mail "
    "address test".split())


@lru_cache(maxsize=65536)
def _suffix(domain: str) -> str:
    return public_suffix(domain)


def _placeholder(local: str, domain: str) -> bool:
    """True for documentation and form-template addresses."""
    if domain in _PLACEHOLDER_DOMAINS:
        return True
    labels = domain.split(".")
    # The registrable label (first one left of the suffix) is what template domains vary.
    if any(lab in _PLACEHOLDER_DOMAIN_LABELS for lab in labels[:-1]):
        return True
    if labels[-1] in ("example", "invalid", "test", "localhost", "local"):
        return True
    if local in _PLACEHOLDER_LOCALS and (len(labels) <= 2 and labels[0] in
                                         ("email", "mail", "domain", "company", "site", "web")):
        return True
    return False


def normalise(local: str, domain: str) -> str | None:
    """``local@domain`` lower-cased if it is a usable address, else None.

    >>> normalise("Orders", "Shop-F.co.uk"), normalise("logo", "2x.png"), normalise("you", "example.com")
    ('orders@shop-f.co.uk', None, None)
    """
    local, domain = local.strip().lower(), domain.strip().lower().rstrip(".")
    if not local or not domain or len(local) > 64 or len(domain) > 253:
        return None
    if not _LOCAL_OK_RE.fullmatch(local):
        return None
    if "." not in domain or ".." in domain:
        return None
    tld = domain.rsplit(".", 1)[1]
    if tld in _FILE_TLDS or not tld.isalpha():
        return None
    if _placeholder(local, domain):
        return None
    suffix = _suffix(domain)
    if not suffix or suffix == domain:
        return None
    return f"{local}@{domain}"


def _split_address(addr: str) -> tuple[str, str] | None:
    if addr.count("@") != 1:
        return None
    local, domain = addr.split("@")
    return local, domain


def _at_sign_hits(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, value) for every ``local@domain`` around each ``@`` of the text."""
    pos = text.find("@")
    n = len(text)
    while pos != -1:
        dm = _DOMAIN_AFTER_RE.match(text, pos + 1)
        # The top-level label decides most cases cheaply: logo@2x.png, bootstrap@5.3.0.
        if dm and dm.group().rsplit(".", 1)[1].lower() not in _FILE_TLDS:
            lm = _LOCAL_BEFORE_RE.search(text, max(0, pos - 64), pos)
            if lm:
                start = lm.start()
                local = lm.group().lstrip(".")
                start += len(lm.group()) - len(local)
                if local and not _userinfo(text, start) and not _in_placeholder_attr(text, start):
                    value = normalise(local, dm.group())
                    if value:
                        yield start, dm.end(), value
        pos = text.find("@", pos + 1)


def _userinfo(text: str, start: int) -> bool:
    """True when the local part is the user info of a URL (``https://key@host``)."""
    head = text[max(0, start - 120):start]
    cut = max(head.rfind(c) for c in " \t\n\"'<>(),;")
    return "://" in head[cut + 1:] or head.endswith("//")


def _in_placeholder_attr(text: str, start: int) -> bool:
    """True when the position is inside a ``placeholder="…"`` attribute value."""
    head = text[max(0, start - 200):start]
    lt, gt = head.rfind("<"), head.rfind(">")
    if lt <= gt:
        return False
    tag = head[lt:].lower()
    i = tag.rfind("placeholder")
    if i == -1:
        return False
    rest = tag[i + len("placeholder"):].lstrip()
    if not rest.startswith("="):
        return False
    rest = rest[1:].lstrip()
    if rest[:1] in ("'", '"'):
        return rest[0] not in rest[1:]  # quote still open: we are inside it
    return " " not in rest


def cf_decode(hexstr: str) -> str | None:
    """Decode Cloudflare's email protection (first byte = XOR key of the rest).

    >>> cf_decode("5a33343c351a2932352a773b74293f")
    'info@shop-a.se'
    """
    try:
        data = bytes.fromhex(hexstr)
    except ValueError:
        return None
    if len(data) < 2:
        return None
    key = data[0]
    try:
        return bytes(b ^ key for b in data[1:]).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _merged(positions: list[int], back: int, forward: int, n: int) -> list[tuple[int, int]]:
    """[lo, hi) windows around sorted positions, overlapping ones merged."""
    out: list[list[int]] = []
    for pos in positions:
        lo, hi = max(0, pos - back), min(n, pos + forward)
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


def _cloudflare(text: str, attr_pos: list[int], link_pos: list[int]) -> Iterator[tuple[int, int, str]]:
    for rx, positions in ((_CFEMAIL_ATTR_RE, attr_pos), (_CF_LINK_RE, link_pos)):
        for lo, hi in _merged(positions, 20, 1100, len(text)):
            for m in rx.finditer(text, lo, hi):
                yield from _decoded(m, cf_decode(m.group(1)))


def _decoded(m: re.Match, addr: str | None) -> Iterator[tuple[int, int, str]]:
    parts = _split_address(unquote(addr)) if addr else None
    if parts:
        value = normalise(*parts)
        if value:
            yield m.start(1), m.end(1), value


def _mailto(text: str, positions: list[int]) -> Iterator[tuple[int, int, str]]:
    for pos in positions:
        m = _MAILTO_RE.match(text, pos)
        if not m:
            continue
        raw = html_lib.unescape(unquote(m.group(1)))
        for addr in raw.split(","):
            parts = _split_address(addr.strip())
            if parts:
                value = normalise(*parts)
                if value:
                    yield m.start(1), m.end(1), value


def _obfuscated(lower: str, positions: list[int]) -> Iterator[tuple[int, int, str]]:
    # Windows around every marker, merged, so a page full of markers is scanned once.
    for lo, hi in _merged(positions, 70, 120, len(lower)):
        for rx in _OBFUSCATED_RES:
            for m in rx.finditer(lower, lo, hi):
                domain = _O_DOT_SPLIT_RE.sub(".", m.group(2))
                value = normalise(m.group(1), domain)
                if value:
                    yield m.start(), m.end(), value


def extract(page: Page) -> Iterator[Identifier]:
    """E-mail addresses of a page (see the module docstring for the accepted forms).

    >>> [i.value for i in extract(Page('<a href="mailto:Info@Shop-A.se">mail</a> logo@2x.png', None, "html"))]
    ['info@shop-a.se']
    """
    try:
        yield from _extract(page)
    except Exception:  # never raise on any input
        return


def _extract(page: Page) -> Iterator[Identifier]:
    text = page.text
    if not text:
        return
    lower = page.lower
    # One Aho-Corasick pass over the lower-cased page finds every literal the forms start from.
    where: dict[str, list[int]] = {}
    for idx, start, _end in _AC.find_matches_as_indexes(lower, overlapping=True):
        where.setdefault(_AC_LITERALS[idx], []).append(start)
    seen: set[str] = set()
    sources: list[tuple[str, Iterator[tuple[int, int, str]]]] = []
    if "mailto:" in where:
        sources.append((text, _mailto(text, where["mailto:"])))
    if "cfemail" in where or "email-protection#" in where:
        sources.append((text, _cloudflare(text, where.get("cfemail", []), where.get("email-protection#", []))))
    if "@" in text:
        sources.append((text, _at_sign_hits(text)))
    if "&" in text and _AT_ENTITY_RE.search(text):
        un = html_lib.unescape(text)
        sources.append((un, _at_sign_hits(un)))
    if page.content_type in ("html", "text"):
        marks = sorted(p for mk in _OBF_MARKERS for p in where.get(mk, ()))
        if marks:
            sources.append((text, _obfuscated(lower, marks)))
    for source, hits in sources:
        for a, b, value in hits:
            if value in seen:
                continue
            seen.add(value)
            yield Identifier("email", value, source[a:b], snippet(source, a, b))
