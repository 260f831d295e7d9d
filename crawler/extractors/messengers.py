"""Messenger handles: Telegram, WhatsApp, Signal, Skype, ICQ, Threema.

One row per way a messenger shows up in a page (``PATTERNS``); values are canonical:
handles lower-case, phone numbers E.164, invite codes as written (they are case-sensitive).

    kind             accepted                                        not accepted
    telegram         t.me/shopa_support, telegram.me/x_admin,        t.me/share/url?…, t.me/addstickers/…,
                     tg://resolve?domain=shopa_support,              t.me/c/123/4, t.me/iv?…, handles < 5 chars,
                     "Telegram: @shopa_support" (a telegram word     a bare "@shopa_support"
                     within 40 characters before the @handle)
    telegram_invite  t.me/joinchat/AAAAAEk2…, t.me/+AbCdEf123…
    whatsapp         wa.me/46701234567, api.whatsapp.com/send?phone=  wa.me/message/…, invalid numbers
                     79161234567, whatsapp://send?phone=…,
                     "WhatsApp: +46 70 123 45 67" (E.164)
    whatsapp_group   chat.whatsapp.com/<invite code>
    signal           signal.me/#p/+46701234567, "Signal: +4670…"    numbers phonenumbers finds invalid
    signal_group     signal.group/#<code>
    skype            skype:shop.sales?call|chat|add,                 skype:?… , "Skype for Business"
                     "Skype: shop.sales", skype:live:.cid.123
    icq              icq.im/123456789, icq.com/people/123456789,     5-digit runs without a label
                     "ICQ: 123-456-789" / "ICQ#123456789"
    threema          threema.id/ECHOECHO, "Threema ID: ECHOECHO"     ids that are not 8 of [A-Z0-9*]

Speed: each row has literals (``.me/``, ``whatsapp``, ``skype``…); one Aho-Corasick pass
over the lower-cased page finds them all, and a row's regex runs only in short windows
around its literals, never over the whole page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterator
from urllib.parse import unquote

import ahocorasick_rs

from crawler.extractors.model import Identifier, Kind, Page, snippet
from crawler.extractors.phones import e164

KINDS: tuple[Kind, ...] = (
    Kind("telegram", "messengers", "Telegram handle", "strong", True,
         "Telegram username/channel (t.me, telegram.me, tg://resolve, labelled @handle), lower-case."),
    Kind("telegram_invite", "messengers", "Telegram invite link", "strong", False,
         "Private group/channel invite code (t.me/joinchat/…, t.me/+…), case kept."),
    Kind("whatsapp", "messengers", "WhatsApp number", "strong", True,
         "WhatsApp click-to-chat number (wa.me, api.whatsapp.com/send, labelled), E.164."),
    Kind("whatsapp_group", "messengers", "WhatsApp group invite", "strong", False,
         "chat.whatsapp.com group invite code, case kept."),
    Kind("signal", "messengers", "Signal number", "strong", True,
         "Signal number (signal.me/#p/+…, labelled \"Signal: +…\"), E.164."),
    Kind("signal_group", "messengers", "Signal group link", "strong", False,
         "signal.group invite fragment, case kept."),
    Kind("skype", "messengers", "Skype name", "strong", True,
         "Skype name (skype: URI, labelled \"Skype: name\"), lower-case."),
    Kind("icq", "messengers", "ICQ number", "strong", True, "ICQ UIN (icq.im, labelled \"ICQ: …\"), digits."),
    Kind("threema", "messengers", "Threema ID", "strong", True,
         "Threema ID (threema.id link, labelled \"Threema ID: …\"), 8 characters, lower-case."),
)

# t.me paths that are Telegram features, not a user or channel.
TELEGRAM_RESERVED = frozenset(
    "share joinchat addstickers addemoji addtheme addlist proxy socks setlanguage iv login c s "
    "confirmphone bg boost contact giftcode invoice m msg msg_url telegram "
    "addtheme apps username stickers premium_offer nft".split())
_TG_HANDLE = r"([A-Za-z][A-Za-z0-9_]{3,31})"


@dataclass(frozen=True)
class Pattern:
    kind: str
    literal: str | tuple[str, ...]  # any of these in the lower-cased page lets the regex run
    regex: re.Pattern
    value: Callable[[re.Match, Page], str | None]
    note: str = ""


def _handle(m: re.Match, page: Page) -> str | None:
    h = m.group(1)
    if h.lower() in TELEGRAM_RESERVED or h.endswith("_") or "__" in h:
        return None
    return h.lower()


def _as_is(m: re.Match, page: Page) -> str | None:
    return m.group(1)


def _phone_intl(m: re.Match, page: Page) -> str | None:
    digits = re.sub(r"\D", "", unquote(m.group(1)))
    if not 7 <= len(digits) <= 15:
        return None
    return e164("+" + digits)


def _phone_labelled(m: re.Match, page: Page) -> str | None:
    raw = m.group(1).strip()
    return e164(raw, page.region)


def _lower(m: re.Match, page: Page) -> str | None:
    return m.group(1).lower()


def _skype(m: re.Match, page: Page) -> str | None:
    name = m.group(1).lower().rstrip(".,;:")
    if name in ("for", "business", "me", "us", "call", "chat", "id", "name", "http", "https") or len(name) < 6:
        return None
    return name


def _icq(m: re.Match, page: Page) -> str | None:
    digits = re.sub(r"\D", "", m.group(1))
    return digits if 5 <= len(digits) <= 10 else None


def _threema(m: re.Match, page: Page) -> str | None:
    tid = m.group(1)
    # Threema IDs are eight characters, upper-case letters and digits ("*" for gateway IDs);
    # a lower-case or all-letter word is prose ("Threema ID: whatever").
    if tid.upper() != tid or tid.isalpha() and tid.lower() in ("threemaid",):
        return None
    return tid.lower()


_NOT_BEFORE_HOST = r"(?<![A-Za-z0-9.-])"
_END = r"(?![A-Za-z0-9_])"
# A label then a value: "Telegram: @x", "Skype - x", "ICQ#123". The separator allows ":", "-",
# "#", "–", "ID" and spaces, so the value must follow within a few characters.
_SEP = r"\s*(?:id|ID|Id)?\s*[:#\-–—=]?\s*"

PATTERNS: tuple[Pattern, ...] = (
    Pattern("telegram_invite", "joinchat/",
            re.compile(_NOT_BEFORE_HOST + r"(?:t|telegram)\.(?:me|dog)/joinchat/([A-Za-z0-9_-]{8,64})", re.I),
            _as_is, "invite link, old form"),
    Pattern("telegram_invite", (".me/+", ".dog/+"),
            re.compile(_NOT_BEFORE_HOST + r"(?:t|telegram)\.(?:me|dog)/\+([A-Za-z0-9_-]{8,64})", re.I),
            _as_is, "invite link, new form"),
    Pattern("telegram", (".me/", ".dog/"),
            re.compile(_NOT_BEFORE_HOST + r"(?:t|telegram)\.(?:me|dog)/(?:s/)?" + _TG_HANDLE + _END, re.I),
            _handle, "t.me/<handle>, telegram.me/<handle>, t.me/s/<channel>"),
    Pattern("telegram", "tg://",
            re.compile(r"tg://resolve\?(?:[^\"'<>\s]*?&(?:amp;)?)?domain=" + _TG_HANDLE + _END, re.I),
            _handle, "tg://resolve?domain=<handle>"),
    Pattern("telegram", ("telegram", "телеграм"),
            re.compile(r"(?:telegram|телеграм|телеграмм)[^@\n<>]{0,40}?@" + _TG_HANDLE + _END, re.I),
            _handle, "@handle next to the word Telegram"),
    Pattern("telegram", "tg",
            re.compile(r"(?<![A-Za-z0-9])tg\s*[:\-–]\s*@" + _TG_HANDLE + _END, re.I),
            _handle, "TG: @handle"),
    Pattern("whatsapp", "wa.me/",
            re.compile(_NOT_BEFORE_HOST + r"wa\.me/(\+?\d{7,15})" + r"(?![\d])", re.I),
            _phone_intl, "wa.me/<number>"),
    Pattern("whatsapp", "whatsapp",
            re.compile(r"whatsapp(?:\.com)?(?:/|://)send/?\?(?:[^\"'<>\s]*?&(?:amp;)?)?phone=((?:%2B|\+)?[\d\s%20-]{7,24})",
                       re.I),
            _phone_intl, "api.whatsapp.com/send?phone=, web.whatsapp.com, whatsapp://send?phone="),
    Pattern("whatsapp_group", "chat.whatsapp.com/",
            re.compile(_NOT_BEFORE_HOST + r"chat\.whatsapp\.com/(?:invite/)?([A-Za-z0-9]{16,32})" + _END, re.I),
            _as_is, "group invite"),
    Pattern("whatsapp", "whatsapp",
            re.compile(r"(?<![A-Za-z/.])whats\s?app" + _SEP + r"(\+[\d][\d \-().\xa0]{6,20}\d)", re.I),
            _phone_labelled, "WhatsApp: +<number>"),
    Pattern("signal", "signal.me/",
            re.compile(r"signal\.me/#p/((?:\+|%2B)\d{7,15})", re.I),
            _phone_intl, "signal.me/#p/+<number>"),
    Pattern("signal_group", "signal.group/",
            re.compile(r"signal\.group/#([A-Za-z0-9_-]{16,200})", re.I),
            _as_is, "signal.group/#<code>"),
    Pattern("signal", "signal",
            re.compile(r"(?<![A-Za-z/.])signal" + _SEP + r"(\+[\d][\d \-().\xa0]{6,20}\d)", re.I),
            _phone_labelled, "Signal: +<number>"),
    Pattern("skype", "skype:",
            re.compile(r"(?<![A-Za-z])skype:((?:live:)?[A-Za-z][A-Za-z0-9._,:-]{3,40}?)(?:\?|[\"'<>\s]|$)", re.I),
            _skype, "skype:<name>?call"),
    Pattern("skype", "skype",
            re.compile(r"(?<![A-Za-z/.])skype\s*(?:name|id)?\s*[:\-–]\s*((?:live:)?[A-Za-z][A-Za-z0-9._-]{5,31})"
                       r"(?![A-Za-z0-9_@])", re.I),
            _skype, "Skype: <name>"),
    Pattern("icq", "icq",
            re.compile(r"(?<![A-Za-z])icq\.(?:im|com/people)/(\d{5,10})(?!\d)", re.I),
            _icq, "icq.im/<uin>"),
    Pattern("icq", "icq",
            re.compile(r"(?<![A-Za-z/.])icq\s*(?:uin|#|no\.?|nr\.?)?\s*[:#\-–]?\s*(\d{3}[\- ]?\d{3}[\- ]?\d{2,4}|\d{5,10})(?![\d])",
                       re.I),
            _icq, "ICQ: <uin>"),
    Pattern("threema", "threema.id/",
            re.compile(r"threema\.id/([A-Z0-9*][A-Z0-9]{7})(?![A-Za-z0-9])", re.I),
            _threema, "threema.id/<ID>"),
    Pattern("threema", "threema",
            re.compile(r"(?<![A-Za-z/.])(?i:threema)(?i:" + _SEP + r")([A-Z0-9*][A-Z0-9]{7})(?![A-Za-z0-9])"),
            _threema, "Threema ID: <ID>"),
)


def extract(page: Page) -> Iterator[Identifier]:
    """Messenger handles of a page (see the module docstring for the accepted forms).

    >>> [i.id for i in extract(Page('<a href="https://t.me/ShopA_Support">TG</a> t.me/share/url?x', None, "html"))]
    ['telegram:shopa_support']
    """
    try:
        yield from _extract(page)
    except Exception:  # never raise on any input
        return


# Every row's literals in one Aho-Corasick automaton: one pass over the lower-cased page
# finds where any messenger is mentioned; rows run only in windows around their literals.
_LITERALS: tuple[str, ...] = tuple(dict.fromkeys(
    lit for p in PATTERNS for lit in ((p.literal,) if isinstance(p.literal, str) else p.literal)))
_AC = ahocorasick_rs.AhoCorasick(list(_LITERALS))
# A match starts at most _BACK characters before its literal ("https://telegram.me/" has the
# literal ".me/" 12 in) and ends well within _FORWARD after it (longest: a signal.group code).
_BACK, _FORWARD = 40, 300


def _windows(positions: list[int], n: int) -> list[tuple[int, int]]:
    """Merged [lo, hi) windows around sorted literal positions."""
    out: list[list[int]] = []
    for pos in positions:
        lo, hi = max(0, pos - _BACK), min(n, pos + _FORWARD)
        if out and lo <= out[-1][1]:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


def _extract(page: Page) -> Iterator[Identifier]:
    text = page.text
    if not text:
        return
    lower = page.lower
    where: dict[str, list[int]] = {}
    for idx, start, _end in _AC.find_matches_as_indexes(lower, overlapping=True):
        where.setdefault(_LITERALS[idx], []).append(start)
    if not where:
        return
    seen: set[tuple[str, str]] = set()
    n = len(text)
    for pat in PATTERNS:
        lits = (pat.literal,) if isinstance(pat.literal, str) else pat.literal
        positions = sorted(p for lit in lits for p in where.get(lit, ()))
        if not positions:
            continue
        for lo, hi in _windows(positions, n):
            for m in pat.regex.finditer(text, lo, hi):
                value = pat.value(m, page)
                if not value:
                    continue
                key = (pat.kind, value)
                if key in seen:
                    continue
                seen.add(key)
                yield Identifier(pat.kind, value, m.group(1), snippet(text, m.start(), m.end()))
