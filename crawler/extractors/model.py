"""What every extractor takes and gives.

An extractor is a pure function ``extract(page: Page) -> Iterator[Identifier]``: no I/O,
no Scrapy, no global state.  ``Page`` carries the text (HTML, JavaScript, JSON or plain
text) with ``data:`` URIs already removed, and computes the views the families need
(unescaped text, visible text, an lxml tree, the phone region) once, on first use.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator

import ahocorasick_rs
import lxml.html

from crawler.extractors.regions import region_for

from crawler.extractors.only_text import strip_embedded

CONTEXT_CHARS = 200

# data: URIs (inline images, fonts, archives), inline <svg> and base64 runs of media are
# dropped from the page before any extractor sees it (crawler.extractors.only_text parses
# each to the end of its attribute, CSS url() or payload), so they are never copied anywhere.


def strip_data_uris(text: str) -> str:
    """Drop every ``data:`` URI, inline ``<svg>`` and base64 run of media (in any form; see
    crawler.extractors.only_text), keeping the attribute or text around it.

    >>> strip_data_uris('<img src="data:image/png;base64,iVBORw0KGgo=">')
    '<img src="">'
    """
    return strip_embedded(text)


_WS = re.compile(r"\s+")


def snippet(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> str:
    """Up to ``width`` characters around ``text[start:end]``, whitespace folded, data: URIs gone."""
    span = end - start
    pad = max(0, (width - span) // 2)
    a, b = max(0, start - pad), min(len(text), end + pad)
    out = _WS.sub(" ", strip_data_uris(text[a:b])).strip()
    return out[:width]


# Blocks whose content a visitor never reads as text.
_HIDDEN_BLOCKS = ("script", "style", "template", "noscript")
_OPENERS_AC = ahocorasick_rs.AhoCorasick(["<!--"] + ["<" + t for t in _HIDDEN_BLOCKS])
# A tag: "<" + a letter, "/", "!" or "?" (so "a < b" in prose is kept), up to the next ">";
# never across another "<", so an unclosed "<a href=" repeated n times stays linear.
_TAG_RE = re.compile(r"<[A-Za-z/!?][^<>]*>")


def hidden_spans(text: str, lower: str | None = None) -> list[tuple[int, int]]:
    """Sorted (start, end) spans of comments and script/style/template/noscript blocks.

    str.find visits only the places an opener occurs (no per-character scan); an
    unclosed block runs to the end of the text, as browsers treat it.
    """
    lower = lower if lower is not None else lower_aligned(text)
    # One Aho-Corasick pass finds every opener (five str.find loops cost twice as much).
    hits = sorted(start for _, start, _ in _OPENERS_AC.find_matches_as_indexes(lower))
    if not hits:
        return []
    n = len(lower)
    spans: list[tuple[int, int]] = []
    done = -1
    for pos in hits:
        if pos < done:
            continue
        if lower.startswith("<!--", pos):
            end = lower.find("-->", pos + 4)
            end = n if end == -1 else end + 3
        else:
            tag = lower[pos + 1:pos + 10]
            tag = next(t for t in _HIDDEN_BLOCKS if tag.startswith(t))
            after = lower[pos + 1 + len(tag):pos + 2 + len(tag)]
            if after and (after.isalnum() or after in "-_:"):
                continue  # <scripts>, <style-x>: another tag
            close = lower.find("</" + tag, pos + 1 + len(tag))
            if close == -1:
                end = n
            else:
                gt = lower.find(">", close)
                end = n if gt == -1 else gt + 1
        spans.append((pos, end))
        done = end
    return spans


def lower_aligned(text: str) -> str:
    """``text.lower()`` with the same length, so positions in one are positions in the other."""
    low = text.lower()
    if len(low) != len(text):
        # A few characters lower-case to two ("İ" -> "i̇"): leave those as they are.
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return low


def visible_text_of(text: str, lower: str | None = None) -> str:
    """Visible text of an HTML string (see ``Page.visible_text``)."""
    low = lower if lower is not None else lower_aligned(text)
    spans = hidden_spans(text, low)
    if spans:
        parts, last = [], 0
        for a, b in spans:
            parts.append(text[last:a])
            last = b
        parts.append(text[last:])
        text = " ".join(parts)
    text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html_lib.unescape(text)
    return " ".join(text.split())  # str.split folds whitespace faster than a regex


@dataclass(frozen=True, slots=True)
class Identifier:
    """One identifier found in a page.

    kind: a short word from crawler.kinds (``phone``, ``btc_address``…);
    value: the canonical form (E.164, lower-case e-mail, checksummed form…);
    raw: the text as matched; context: <= 200 characters around it;
    flags: extra facts (``test`` for a Stripe test key, ``no_checksum`` for an
    all-lower-case Ethereum address accepted from its wallet-like context).
    """

    kind: str
    value: str
    raw: str
    context: str
    flags: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.value}"

    def __reduce__(self) -> tuple:
        # pickled as a plain constructor call (the crawl sends identifiers to and from its
        # helper processes): the dataclass default for slots runs Python code per object
        return (Identifier, (self.kind, self.value, self.raw, self.context, self.flags))

    def to_dict(self) -> dict[str, Any]:
        d = {"kind": self.kind, "value": self.value, "raw": self.raw, "context": self.context}
        if self.flags:
            d["flags"] = list(self.flags)
        return d


@dataclass(frozen=True)
class Kind:
    """A row of the identifier vocabulary (see crawler/kinds.py).

    strength: how much sharing this value says about common operation —
    ``strong`` (payment account, wallet, phone, e-mail, messenger, tracker),
    ``medium`` (SOA e-mail, TXT verification token), ``weak`` (IP, name server,
    registrar, ASN).  personal: pseudonymised by ``export --pseudonymize``.
    """

    kind: str
    family: str
    label: str
    strength: str = "strong"
    personal: bool = False
    description: str = ""


def _sniff_content_type(text: str) -> str:
    head = text.lstrip()[:200].lower()
    if head.startswith(("{", "[")):
        return "json"
    if "<" in head and (">" in head or "<html" in head):
        return "html"
    return "text"


@dataclass
class Page:
    """Text handed to the extractors.

    text: the body as text; url: its address (ccTLD, same-site logic, phone region);
    content_type: ``html``, ``js``, ``json`` or ``text`` (sniffed when None);
    default_region: phone region when neither ccTLD nor ``lang`` says one.
    """

    text: str
    url: str | None = None
    content_type: str | None = None
    default_region: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        text = self.text or ""
        # The lower-cased copy every family's prefilters use doubles as the data: check.
        low = lower_aligned(text)
        stripped = strip_embedded(text, low)
        if stripped is not text:
            text = stripped
            low = lower_aligned(text)
        self.text = text
        self.__dict__["lower"] = low  # fills the cached_property below
        if self.content_type is None:
            self.content_type = _sniff_content_type(self.text)

    @property
    def is_html(self) -> bool:
        return self.content_type == "html"

    @cached_property
    def unescaped(self) -> str:
        """Text with HTML character references decoded (``&#64;`` -> ``@``)."""
        if "&" not in self.text:
            return self.text
        return html_lib.unescape(self.text)

    @cached_property
    def tree(self):  # -> lxml.html.HtmlElement | None
        """The lxml tree of an HTML page (None for JS/JSON/text or unparsable input)."""
        if not self.is_html or not self.text.strip():
            return None
        try:
            return lxml.html.document_fromstring(self.text)
        except Exception:  # lxml raises several types for garbage; no tree is an answer too
            return None

    @cached_property
    def lower(self) -> str:
        """``text.lower()``, computed once for the families' literal prefilters."""
        return lower_aligned(self.text)

    @cached_property
    def visible_text(self) -> str:
        """Text a visitor reads: no tags, comments, script/style/template/noscript content;
        character references decoded, whitespace folded.

        A regex strip, not the lxml tree: it is several times faster, and the phone family
        (the only one that must not see markup) reads it on every page.
        >>> Page('<p>Ring <b>070</b>&nbsp;123</p><script>var x=1</script>', None, "html").visible_text
        'Ring 070 123'
        """
        if not self.is_html:
            return self.text
        return visible_text_of(self.text, self.lower)

    @cached_property
    def lang(self) -> str | None:
        """``<html lang>`` (first 2 letters lower-case), if any."""
        if not self.is_html:
            return None
        m = re.search(r"<html\b[^>]*\blang\s*=\s*[\"']?([A-Za-z]{2,3})", self.text[:5000], re.IGNORECASE)
        return m.group(1).lower() if m else None

    @cached_property
    def region(self) -> str | None:
        """Phone default region: the page's ccTLD, then its ``lang``, then default_region."""
        return region_for(self.url, self.lang, self.default_region)

    def iter_context(self, text: str, start: int, end: int) -> str:
        return snippet(text, start, end)
