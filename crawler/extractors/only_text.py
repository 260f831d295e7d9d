"""Only text is stored: what a page may embed that is not text, found and removed.

A hostile page carries media *inside* its text: ``data:`` URIs (with newlines, spaces or
quotes inside, upper case, in attributes, in CSS ``url( … )``, in free text), SVG images
(``data:image/svg+xml,<svg …>`` or inline ``<svg>`` markup) and long base64 runs that
decode to an image with no ``data:`` in front.  A regex that stops at whitespace misses
most of these; here each form is parsed from where it starts to where its container ends.

* ``strip_embedded(text)``: drops every ``data:`` URI (attribute value, CSS ``url()`` or
  free text), every ``<svg>…</svg>`` element and every base64 run of 48+ characters that
  decodes to binary bytes.  Runs on the raw page (``Page``) and on every stored string.
* ``clean_stored(value)``: ``strip_embedded`` plus no NUL or C0 control character other
  than tab, newline and carriage return — the form of every string the store writes.

Pure functions, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import re

__all__ = ["clean_stored", "strip_embedded", "has_control_chars", "all_stored_clean"]

# C0 controls other than \t \n \r, and DEL: never in a stored string
_CONTROL_CHARS = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r") + "\x7f"
_CONTROL_TABLE = {ord(c): None for c in _CONTROL_CHARS}
_CONTROL_BYTES = _CONTROL_CHARS.encode("ascii")

# Where something embedded may start: a data: scheme (the URL parser drops tabs/newlines
# and leading spaces, so "data:" is enough), an <svg element, a long base64-alphabet run.
# Found with str.find on the lower-cased text: a regex alternation is ~50x slower per page.
_SVG_END_RE = re.compile(r"<\s*/\s*svg\s*>", re.IGNORECASE)
_B64_RUN_RE = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
# the data part of a base64 data: URI may hold whitespace (the fetch standard strips it)
_B64_BODY_RE = re.compile(r"[A-Za-z0-9+/=_\-\s%]*")
_HEADER_RE = re.compile(r"[^,\"'<>()]{0,200},")
_CLOSERS = {'"': '"', "'": "'", "(": ")", "`": "`"}
MIN_B64_RUN = 48


def has_control_chars(value: str) -> bool:
    """True when ``value`` holds a NUL or a C0 control character other than tab/LF/CR."""
    raw = value.encode("utf-8", "surrogatepass")
    return len(raw.translate(None, _CONTROL_BYTES)) != len(raw)


def clean_stored(value: str) -> str:
    """A string fit for the store: no embedded media (see ``strip_embedded``), no NUL or
    C0 control character but tab, newline and carriage return.

    >>> clean_stored("ok\\x00\\x07 data:image/png;base64,\\n iVBORw0KGgoAAAANSUhEUgAA; done")
    'ok ; done'
    """
    raw = value.encode("utf-8", "surrogatepass")
    if len(raw.translate(None, _CONTROL_BYTES)) != len(raw):   # C speed; a regex is 10x slower
        value = value.translate(_CONTROL_TABLE)
        raw = value.encode("utf-8", "surrogatepass")
    return strip_embedded(value, raw=raw)


def all_stored_clean(values: list[str]) -> bool:
    """True when ``clean_stored`` would return every one of ``values`` unchanged, found in
    one pass over them joined by newlines: no pattern spans a newline (no ``data:``, no
    ``<svg``, no base64 run), so the joined text holds exactly the values' controls, URIs,
    svgs and runs.  False means only "look at each one"."""
    text = "\n".join(values)
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw.translate(None, _CONTROL_BYTES)) != len(raw):
        return False
    low_raw = raw.lower()
    if b"data:" in low_raw or b"<svg" in low_raw:
        return False
    return _runs_are_text(raw)


def _runs_are_text(raw: bytes) -> bool:
    """No base64 run in ``raw`` that ``strip_embedded`` would drop: each run of MIN_B64_RUN+
    alphabet characters (found on the bytes, at C speed: the alphabet is ASCII, so a byte
    run is a character run) is judged by ``_binary_run_end``, as ``strip_embedded`` does."""
    mapped = raw.translate(_RUN_MAP)
    pos, n = 0, len(raw)
    while (i := mapped.find(_RUN_BYTES, pos)) >= 0:
        j = mapped.find(b" ", i)
        j = n if j < 0 else j
        k = j
        while k < n and k - j < 2 and raw[k] == 0x3D:   # the "=" padding _B64_RUN_RE takes
            k += 1
        if _binary_run_end(raw[i:k].decode("ascii"), 0) is not None:
            return False
        pos = k
    return True


def strip_embedded(text: str, lower: str | None = None, raw: bytes | None = None) -> str:
    """``text`` without data: URIs, ``<svg>`` elements and base64 runs that decode to binary.

    >>> strip_embedded('<img src="data:image/svg+xml,<svg onload=x>\\n</svg>" alt="a b">')
    '<img src="" alt="a b">'
    >>> strip_embedded('<a href="/contact">data: see below</a>')
    '<a href="/contact"> see below</a>'
    >>> strip_embedded("key pk_live_" + "A" * 40)
    'key pk_live_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    """
    # C-speed pre-checks on the UTF-8 bytes (schemes and tag names are ASCII-case-insensitive)
    if raw is None:
        raw = text.encode("utf-8", "surrogatepass")
    low_raw = raw.lower()
    want_data, want_svg = b"data:" in low_raw, b"<svg" in low_raw
    want_runs = _RUN_BYTES in raw.translate(_RUN_MAP)
    if not (want_data or want_svg or want_runs):
        return text
    low = lower if lower is not None else text.lower()
    if len(low) != len(text):   # a character whose lower case is longer ("İ"): search the text itself
        low = text.translate(_ASCII_LOWER)
    out: list[str] = []
    last = pos = 0
    while True:
        found = []
        if want_data and (i := low.find("data:", pos)) >= 0:
            found.append((i, "data"))
        if want_svg:
            i = low.find("<svg", pos)
            while i >= 0 and not (i + 4 >= len(low) or low[i + 4] in " \t\r\n\f/>"):
                i = low.find("<svg", i + 4)
            if i >= 0:
                found.append((i, "svg"))
        if want_runs and (m := _LONG_RUN_RE.search(text, pos)):
            found.append((m.start(), "run"))
        if not found:
            break
        start, what = min(found)
        if what == "data":
            end = _data_uri_end(text, start)
        elif what == "svg":
            end = _svg_end(text, start)
        else:
            end = _binary_run_end(text, start)
            if end is None:   # a base64-looking run of text (a key, a wallet, a hash): kept
                run = _B64_RUN_RE.match(text, start)
                pos = run.end() if run else start + 1
                continue
        out.append(text[last:start])
        last = pos = max(end, start + 1)
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-"
_RUN_MAP = bytes.maketrans(_B64_ALPHABET + bytes(b for b in range(256) if b not in _B64_ALPHABET),
                           b"a" * len(_B64_ALPHABET) + b" " * (256 - len(_B64_ALPHABET)))
_LONG_RUN_RE = re.compile(r"[A-Za-z0-9+/_-]{48,}")
_RUN_BYTES = b"a" * MIN_B64_RUN


def _data_uri_end(text: str, start: int) -> int:
    """Where the data: URI starting at ``start`` ends: at the quote or parenthesis that
    opened its container (attribute value, CSS url()), else after its payload."""
    closer = None
    i = start - 1
    while i >= 0 and text[i] in " \t\r\n\f":
        i -= 1
    if i >= 0 and text[i] in _CLOSERS:   # attribute value "…" / '…', CSS url(…) / url('…')
        closer = _CLOSERS[text[i]]
    header = _HEADER_RE.match(text, start + 5)
    if closer is not None:
        end = text.find(closer, start + 5)
        return len(text) if end < 0 else end
    if header is None:
        # "data:" with no comma after it: drop the scheme word and what is glued to it
        m = re.compile(r"\S*").match(text, start + 5)
        return m.end() if m else start + 5
    head = header.group(0).lower()
    pos = header.end()
    if "svg" in head or text.startswith(("<", "%3c", "%3C"), pos):
        m = _SVG_END_RE.search(text, pos)
        if m:
            return m.end()
        gt = text.find(">", pos)
        nl = text.find("\n", pos)
        ends = [e for e in (gt + 1 if gt >= 0 else -1, nl) if e >= 0]
        return min(ends) if ends else len(text)
    if ";base64" in head:
        m = _B64_BODY_RE.match(text, pos)
        end = m.end() if m else pos
        # whitespace the run ended with is not part of it
        while end > pos and text[end - 1].isspace():
            end -= 1
        return end
    # a plain (percent-encoded) payload: to the end of the word, quotes and brackets excluded
    m = re.compile(r"[^\s\"'<>()]*").match(text, pos)
    return m.end() if m else pos


def _svg_end(text: str, start: int) -> int:
    m = _SVG_END_RE.search(text, start)
    if m:
        return m.end()
    gt = text.find(">", start)
    return len(text) if gt < 0 else gt + 1   # an unclosed <svg …>: the tag at least


# magic numbers of media an inline base64 run could start with (crawler.never_media has the
# full table; this is the part that matters here, without importing the crawl layer)
_MEDIA_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"\x1a\x45\xdf\xa3", b"OggS", b"ID3", b"fLaC",
                b"PK\x03\x04", b"%PDF", b"\x00\x00\x01\x00", b"II*\x00", b"MM\x00*", b"7z\xbc\xaf", b"Rar!",
                b"\x1f\x8b", b"wOFF", b"wOF2", b"BM", b"<svg", b"<?xml")
LONG_B64_RUN = 256    # longer binary runs go whatever they start with (PGP armour lines are 64)


def _decode(chunk: str) -> bytes | None:
    chunk = chunk.rstrip("=")
    chunk = chunk[:len(chunk) // 4 * 4]
    try:
        if "-" in chunk or "_" in chunk:
            return base64.urlsafe_b64decode(chunk)
        return base64.b64decode(chunk)
    except (binascii.Error, ValueError):
        return None


def _binary_run_end(text: str, start: int) -> int | None:
    """End of the base64 run at ``start`` when it is media: it decodes to a media magic
    number, or it is long (LONG_B64_RUN+) and decodes to binary at some alignment.  A run
    of text (a wallet, a key, a hash, a JWT) returns None and is kept."""
    m = _B64_RUN_RE.match(text, start)
    if m is None or m.end() - start < MIN_B64_RUN:
        return None
    run = m.group(0)
    head = _decode(run[:64])
    if head is not None and head.startswith(_MEDIA_MAGIC) or (head or b"")[4:8] == b"ftyp":
        return m.end()
    if len(run) >= LONG_B64_RUN:
        for shift in range(4):   # the run may start mid-stream: try every alignment
            data = _decode(run[shift:shift + 384])
            if data is not None and _is_binary(data):
                return m.end()
    return None


def _is_binary(data: bytes) -> bool:
    """Bytes no text has: a NUL, several control bytes, or bytes that are not UTF-8."""
    if b"\x00" in data:
        return True
    controls = sum(1 for b in data if b < 0x20 and b not in (9, 10, 13) or b == 0x7F)
    if controls > 2 + len(data) // 64:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False
