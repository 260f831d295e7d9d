"""Phone numbers, canonical E.164 (``+46701234567``), validated by phonenumbers.

Sources, per content type:

    html   the visible text (no markup, no script/style) in national or international
           format; ``href="tel:…"`` / ``callto:`` links; JSON-LD ``"telephone": "…"``;
           international ``+CC`` numbers inside inline scripts and comments.
    text   the whole text, national or international format.
    js     only international ``+CC`` numbers (code is full of digit groups: national
    json   formats there would be mostly noise) and ``"telephone"`` values.

National formats need a region: ``page.region`` (the ccTLD, then ``<html lang>``, then
the configured default).  A Swedish ``070-123 45 67`` on a ``.se`` page is ``+46701234567``;
on a ``.com`` page without ``lang`` or default it is not a phone at all.

Ads write numbers their own way, and these count too: after a label (``Nummer: 070…``,
``ring/sms 070…``, ``Nr: 070…`` — a bare "nr"/"nummer" labels a phone, "Order nr" an id),
``0046701234567``, ``070 - 123 45 67``, right after a price (``1500 kr 070-…``), and the
page region's country code without "+" (``46 70 123 45 67``; unbroken ``46701234567`` only
right after a contact word such as ``tel/whatsapp``).

Not phones: dates and date ranges (``2024-03-15``, ``15.03.2024``), prices (``1 299 kr``,
``€ 1.299,00``), order/invoice/article numbers (``Order #100234987``, ``Art.nr 1234567``),
long digit runs (EANs, timestamps), digits inside URLs, file names and attributes, and
numbers phonenumbers does not find valid (Leniency.VALID).

WhatsApp links (``wa.me/46701234567``) are reported by the messengers family as kind
``whatsapp`` with the E.164 value; :func:`e164` is the shared normaliser.

Speed: phonenumbers' matcher costs ~50 µs a call, so it never sees the page.  One cheap
regex finds digit groups of phone length in the visible text; context rules drop dates,
prices and ids; only the short survivors (usually none or a handful a page) go to the
matcher, whose answers are cached (a footer phone repeats on every page of a site).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator
from urllib.parse import unquote

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

from crawler.extractors.model import Identifier, Kind, Page, hidden_spans, snippet

KINDS: tuple[Kind, ...] = (
    Kind("phone", "phones", "Phone number", "strong", True,
         "Valid phone number (phonenumbers), E.164; national formats read with the page's region."),
)

# A digit group of phone length: digits with the separators people type between them.
_SEPS = "-./() \t\xa0\u2009\u202f\u2010\u2011\u2012\u2013\u2212"
# Typeset pages separate groups with en dashes and non-breaking or thin spaces too.
_SEP_RE = r"[\-./() \t\xa0\u2009\u202f\u2010-\u2013\u2212]"
# Candidates: 7+ digits, at most two separators between digits, not glued to a word, path,
# amount or id (lookbehind/lookahead), and most non-phones refused inside the regex, in C:
# 13+ digit runs (EANs, timestamps), dates (2024-03-15, 15.03.2024), and unbroken runs that
# neither follow a "+" nor start with a trunk prefix 0/8 (order numbers, article numbers).
# The possessive repeat never backtracks into a shorter, wrongly bounded match.
_CAND_RE = re.compile(
    # Starts with a plain \d so re's fast first-character scan applies; the lookbehind then
    # looks at the character before that digit, and the lookaheads are written relative to it.
    r"\d(?<![\w/=_#%@&.,\-\\|*$€£¥₽№<]\d)"
    r"(?!(?!(?<=0)0[1-9])\d{12}"                                    # 13+ digit runs (not 00+CC…)
    r"|(?<=1)9\d\d[-./](?:0?[1-9]|1[0-2])[-./]"                   # 19yy-mm-
    r"|(?<=2)0\d\d[-./](?:0?[1-9]|1[0-2])[-./]"                   # 20yy-mm-
    r"|\d?[-./]\d{1,2}[-./](?:19|20)\d\d(?!\d))"                  # dd.mm.yyyy
    r"(?:(?<=\+\d)|(?<=[08])|(?!\d{6,14}(?!" + _SEP_RE + r"{0,2}\d)))"  # unbroken: + or 0/8 first
    r"(?:" + _SEP_RE + r"{0,3}\d){6,40}+"
    r"(?![\w/=_@%\\|*>]|[.,]\w)")
# "+CC …" anywhere (scripts, JSON): the literal "+" keeps the scan fast.
_INTL_RE = re.compile(r"\+\d[\d\-. ()\xa0]{6,22}\d")
_DIGIT_RUN_RE = re.compile(r"\d+")
# Dates and times inside a candidate: 2024-03-15, 15.03.2024, 3/15/24, 2024/03/15.
_DATE_RE = re.compile(
    r"(?<!\d)(?:(?:19|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-./](?:0?[1-9]|1[0-2])[-./](?:19|20)?\d\d"
    r"|(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/(?:19|20)?\d\d)(?!\d)")
# Words right before a number that make it an id, an amount or a code, not a phone.
_ID_WORDS = frozenset(
    "order ordernr ordernummer order-nr bestellnummer bestellnr invoice faktura fakturanr "
    "fakturanummer ocr sku ean gtin isbn upc art.nr artnr art.-nr artikelnr artikelnummer "
    "artikel item product produkt annons annonsnr annons-id objekt objektnr listing ad org.nr orgnr org.-nr organisationsnummer vat moms momsreg "
    "momsregnr personnummer kundnummer kundnr customer ref ref. reference id nr no no. num "
    "number nummer kod code pin postnr zip inn ogrn kpp заказ заказа счет счёт артикул инн "
    "огрн kr kr. sek eur usd gbp nok dkk pln rub руб".split())
# A generic "nr"/"no"/"nummer" is an id only after an id word ("Order no", "Ref nr"); alone
# or after a phone word ("Nummer: 070…", "Tel. nr 070…") it labels a phone, as ads write it.
_GENERIC_ID_WORDS = frozenset("nr no no. num number nummer".split())
# Currency words end a price ("1500 kr 070-…"); they label an amount only when no number
# stands before them ("kr 1 299").
_CURRENCY_WORDS = frozenset("kr kr. sek eur usd gbp nok dkk pln rub руб".split())
_PHONE_WORDS = frozenset(
    "tel tfn telefon telephone phone mobile mob mobil fax cell тел телефон whatsapp signal".split())
_ID_MARKS = ("#", "№", "€", "$", "£", "¥", "₽")
_DEL_SEPS = str.maketrans("", "", _SEPS + "+")
_PRICE_AFTER_RE = re.compile(
    r"\s?(?:kr\b|kr\.|sek|nok|dkk|eur|usd|gbp|pln|rub|руб|€|\$|£|₽|:-|,-|%|st\b|pcs|x\b)",
    re.IGNORECASE)
# Characters glued to a digit group that make it part of something else: a path, a query,
# a decimal or a thousands group, an id ("#", "№"), an amount.
_BAD_BEFORE = frozenset("/=_#%@&.,-\\|*$€£¥₽№<")
_BAD_AFTER = frozenset("/=_@%\\|*>")
# A contact word right before a number: "tel/whatsapp 4670…", "ring/sms: 4670…", "Nummer: 4670…".
_CONTACT_BEFORE_RE = re.compile(
    r"(?:tel|tfn|telefon|phone|mobil|mobile|ring|sms|whatsapp|signal|telegram|nummer|nr|call|text)"
    r"\W{0,3}$", re.IGNORECASE)
_TEL_RE = re.compile(r"(?:tel|callto):([^\"'<>]{3,60})")
_TEL_HREF_BEFORE_RE = re.compile(r"href\s*=\s*[\"']?\s*$")
_JSONLD_TEL_RE = re.compile(r"\"telephone\"\s*:\s*\"([^\"]{5,40})\"")


@lru_cache(maxsize=16384)
def _national_prefix(region: str | None) -> str | None:
    if not region:
        return None
    md = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return md.national_prefix if md is not None else None


@lru_cache(maxsize=16384)
def _match_window(window: str, region: str | None) -> tuple[tuple[int, int, str], ...]:
    """(start, end, e164) of every VALID number phonenumbers' matcher finds in a short window."""
    out = []
    try:
        for m in PhoneNumberMatcher(window, region or "ZZ", leniency=Leniency.VALID):
            raw = m.raw_string
            if _DATE_RE.search(raw):
                continue
            out.append((m.start, m.end, phonenumbers.format_number(m.number, PhoneNumberFormat.E164)))
    except Exception:  # phonenumbers on odd input: no number is the safe answer
        return ()
    return tuple(out)


@lru_cache(maxsize=16384)
def e164(raw: str, region: str | None = None) -> str | None:
    """E.164 of one written number if phonenumbers finds it valid, else None.

    >>> e164("+46 70-123 45 67"), e164("070-123 45 67", "SE"), e164("070-123 45 67")
    ('+46701234567', '+46701234567', None)
    """
    raw = raw.strip()
    if not raw or len(raw) > 40:
        return None
    try:
        num = phonenumbers.parse(raw, region if not raw.startswith("+") else None)
    except Exception:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    return phonenumbers.format_number(num, PhoneNumberFormat.E164)


def _labelled_id(before: str) -> bool:
    """True when the text before a number labels it as an id, an amount or a code."""
    tail = before.rstrip(" \t\xa0")
    if tail.endswith(_ID_MARKS):
        return True
    words = tail.rstrip(":.#-–=").lower().split()
    if not words:
        return False
    last = words[-1].lstrip("(\"'")
    if last not in _ID_WORDS:
        return False
    if last in _GENERIC_ID_WORDS:
        return len(words) > 1 and words[-2].rstrip(":.") in _ID_WORDS
    if last in _CURRENCY_WORDS and len(words) > 1 and any(c.isdigit() for c in words[-2]):
        return False
    return True


def _plausible(cand: str, before: str, after: str, region: str | None) -> bool:
    """Cheap context rules deciding whether a digit group may be a phone at all."""
    # Cheapest first: the characters touching the group, then the digit count.
    if before:
        ch = before[-1]
        if ch.isalnum() or ch in _BAD_BEFORE:
            return False
    if after:
        ch = after[0]
        if ch.isalnum() or ch in _BAD_AFTER:
            return False
        if ch in ".," and len(after) > 1 and after[1].isalnum():
            return False  # 1.234.567,89 / file.0701234567.jpg / 070.1234567.png
    digits = len(cand.translate(_DEL_SEPS))
    if digits < 7 or digits > 30:
        return False
    if _PRICE_AFTER_RE.match(after) or _labelled_id(before):
        return False
    if _DATE_RE.fullmatch(cand.strip()):
        return False
    body = cand.lstrip("(")
    international = body.startswith("+") or body.startswith("00")
    runs = _DIGIT_RUN_RE.findall(cand)
    longest = max(len(r) for r in runs)
    if longest > 15 or (longest >= 13 and not body.startswith(("+", "00"))):
        return False  # EANs, timestamps, card-like runs
    if international:
        return True
    if not region:
        return False  # a national format needs a region
    prefix = _national_prefix(region)
    strict = prefix not in (None, "", "1")
    if len(runs) == 1:
        # Unbroken national digits are ids far more often than phones: only with the trunk
        # prefix (0701234567, 84951234567) in regions that have one.
        return strict and body.startswith(prefix)
    if strict and not cand.startswith("(") and not body.startswith(prefix):
        return False  # 556677-8899 (company number), 4471 234 567 (order id)
    return True


def _scan_visible(vt: str, region: str | None) -> Iterator[tuple[int, int, str]]:
    for m in _CAND_RE.finditer(vt):
        start, end = m.span()
        while start > 0 and vt[start - 1] in "+(" and end - start < 40:
            start -= 1
        cand = vt[start:end]
        before = vt[max(0, start - 40):start]
        after = vt[end:end + 8]
        if not _plausible(cand, before, after, region):
            continue
        for a, b, value in _match_window(cand, region):
            yield start + a, start + b, value


@lru_cache(maxsize=256)
def _bare_cc_re(region: str) -> re.Pattern[str] | None:
    """The region's country code written without "+"/"00" ("46 70 123 45 67"), as ads do."""
    cc = phonenumbers.country_code_for_region(region)
    if not cc:
        return None
    return re.compile(
        str(cc) + r"(?<![\w+/=_#%@&.,\-\\|*$€£¥₽№<]" + str(cc) + r")"
        r"(" + _SEP_RE + r"{0,2}(?:\(0\)" + _SEP_RE + r"?)?)[1-9](?:" + _SEP_RE + r"{0,2}\d){5,12}+"
        r"(?![\w/=_@%\\|*>]|[.,]\w)")


def _scan_bare_cc(vt: str, region: str | None) -> Iterator[tuple[int, int, str]]:
    """Numbers written with the page region's country code but no "+" ("46 70 123 45 67",
    "tel/whatsapp 46701234567").  Unbroken ones only right after a phone or contact word:
    an 11-digit run starting 46 is an id as often as a phone."""
    if not region:
        return
    pattern = _bare_cc_re(region)
    if pattern is None:
        return
    for m in pattern.finditer(vt):
        start, end = m.span()
        cand = m.group()
        before = vt[max(0, start - 40):start]
        after = vt[end:end + 8]
        if _PRICE_AFTER_RE.match(after) or _labelled_id(before) or _DATE_RE.search(cand):
            continue
        if not m.group(1) and not _CONTACT_BEFORE_RE.search(before):
            continue
        value = e164("+" + cand.replace("(0)", ""))
        if value and phonenumbers.region_code_for_number(phonenumbers.parse(value)) == region:
            yield start, end, value


def _scan_intl(text: str, lower: str, in_script: bool) -> Iterator[tuple[int, int, str]]:
    """``+CC`` numbers in code/JSON: outside tags (attributes) and, for HTML, only in scripts."""
    spans = None
    for m in _INTL_RE.finditer(text):
        start, end = m.span()
        if start and (text[start - 1].isalnum() or text[start - 1] in "/=_.%&"):
            continue
        if end < len(text) and (text[end].isalnum() or text[end] in "/_@%"):
            continue
        if in_script:
            if spans is None:
                spans = hidden_spans(text, lower)
            if not any(a <= start < b for a, b in spans):
                continue
        cand = m.group()
        if _DATE_RE.search(cand):
            continue
        for a, b, value in _match_window(cand, None):
            yield start + a, start + b, value


def _scan_tel_links(text: str, lower: str, region: str | None) -> Iterator[tuple[int, int, str]]:
    for scheme in ("tel:", "callto:"):
        start = lower.find(scheme)
        while start != -1:
            m = _TEL_RE.match(lower, start)
            # hotel:, intel: are not links; the scheme must open an href value.
            if (m and not (start and lower[start - 1].isalnum())
                    and _TEL_HREF_BEFORE_RE.search(lower, max(0, start - 20), start)):
                raw = unquote(text[m.start(1):m.end(1)]).split("?")[0].split(";")[0]
                value = e164(raw.replace("\xa0", " "), region)
                if value:
                    yield m.start(1), m.end(1), value
            start = lower.find(scheme, start + len(scheme))


def _scan_jsonld(text: str, lower: str, region: str | None) -> Iterator[tuple[int, int, str]]:
    if '"telephone"' not in lower:
        return
    for m in _JSONLD_TEL_RE.finditer(text):
        value = e164(m.group(1), region)
        if value:
            yield m.start(1), m.end(1), value


def extract(page: Page) -> Iterator[Identifier]:
    """Valid phone numbers of a page (see the module docstring for sources and exclusions).

    >>> [i.value for i in extract(Page("<p>Ring 070-123 45 67</p>", "https://shop.se/", "html"))]
    ['+46701234567']
    >>> list(extract(Page("<p>Order 100234987 · 2024-03-15</p>", "https://shop.se/", "html")))
    []
    """
    try:
        yield from _extract(page)
    except Exception:  # never raise on any input
        return


def _extract(page: Page) -> Iterator[Identifier]:
    text = page.text
    if not text:
        return
    region = page.region
    seen: set[str] = set()

    def emit(value: str, source: str, a: int, b: int) -> Identifier | None:
        if value in seen:
            return None
        seen.add(value)
        return Identifier("phone", value, source[a:b], snippet(source, a, b))

    ctype = page.content_type
    lower = page.lower
    if ctype in ("html", "text"):
        vt = page.visible_text
        for a, b, v in _scan_visible(vt, region):
            ident = emit(v, vt, a, b)
            if ident:
                yield ident
        for a, b, v in _scan_bare_cc(vt, region):
            ident = emit(v, vt, a, b)
            if ident:
                yield ident
    if ctype == "html":
        for a, b, v in _scan_tel_links(text, lower, region):
            ident = emit(v, text, a, b)
            if ident:
                yield ident
    if ctype in ("html", "js", "json"):
        for a, b, v in _scan_jsonld(text, lower, region):
            ident = emit(v, text, a, b)
            if ident:
                yield ident
        if "+" in text:
            for a, b, v in _scan_intl(text, lower, in_script=(ctype == "html")):
                ident = emit(v, text, a, b)
                if ident:
                    yield ident
