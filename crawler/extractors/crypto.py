"""Crypto wallet addresses: BTC, ETH, LTC, DOGE, BCH, TRX, XMR — every one checksum-validated.

A string that fails its checksum is not an identifier.  What is accepted, per kind:

    btc_address   base58check version 0x00 (``1…``) or 0x05 (``3…``); segwit ``bc1…`` per
                  BIP-173 (v0, Bech32) and BIP-350 (v1+, Bech32m).  Value: base58 as is,
                  bech32 lower-case.  Testnet (``tb1``, ``m…``/``n…``/``2…``) is not reported.
    eth_address   ``0x`` + 40 hex.  Mixed case must match EIP-55.  All-lower / all-upper case
                  carries no checksum: accepted only in a wallet-like context (see
                  ``WALLET_CONTEXT``) and flagged ``no_checksum``.  Value: lower-case.
    ltc_address   base58check 0x30 (``L…``), 0x32 (``M…``); ``ltc1…`` segwit; a ``3…`` (0x05)
                  address only when the nearest coin label says Litecoin/LTC (flag
                  ``coin_from_label``).
    doge_address  base58check 0x1e (``D…``), 0x16 (``9…``/``A…``).
    bch_address   CashAddr ``bitcoincash:q…``/``p…`` (polymod checksum); without the prefix only
                  when the nearest coin label says BCH/Bitcoin Cash; a legacy ``1…``/``3…``
                  address labelled BCH is reported converted to CashAddr (flags
                  ``legacy_format``, ``coin_from_label``).  Value: ``bitcoincash:`` + lower-case payload.
    trx_address   base58check 0x41 (``T…``, 34 characters).
    xmr_address   Monero base58 (8-byte blocks), 95 characters (``4…`` standard, ``8…``
                  subaddress) or 106 (``4…`` integrated, flag ``integrated``), Keccak checksum.

Values in prose, attributes (``data-address="bc1q…"``), JSON (``"btc":"1A1z…"``) and URIs
(``bitcoin:1A1z…?amount=0.1``) are found: the scan runs over the raw page text.  A candidate
must stand alone: the characters before and after it must not be ASCII letters or digits
(a ``%XX`` escape before it counts as a separator, for URL-encoded ``bitcoin%3A…``).

Speed: the scans run over an ASCII byte copy of the text; one regex anchored on the base58
version characters, literal prefilters (``0x``, ``bc1``, ``ltc1``, ``bch``, ``bitcoin``) before
the other scans; checksums run only on candidates, and every candidate is checked: Keccak is
pycryptodome's C code (a few microseconds a hash), so no cap lets a page of junk tokens hide a
real address behind them.  See docs/extractors-crypto.md.
"""

from __future__ import annotations

import re
from typing import Iterator

from crawler.extractors import checksums as cs
from crawler.extractors.model import Identifier, Kind, Page, snippet

KINDS: tuple[Kind, ...] = (
    Kind("btc_address", "crypto", "Bitcoin address", "strong", False,
         "Base58check P2PKH/P2SH or bech32/bech32m segwit address, checksum-validated."),
    Kind("eth_address", "crypto", "Ethereum address", "strong", False,
         "0x + 40 hex; EIP-55 mixed case validated, single-case only in a wallet context "
         "(flag no_checksum). Also used by EVM chains (BSC, Polygon, ERC-20 USDT)."),
    Kind("ltc_address", "crypto", "Litecoin address", "strong", False,
         "Base58check L…/M… (3… when labelled Litecoin) or ltc1 segwit address."),
    Kind("doge_address", "crypto", "Dogecoin address", "strong", False,
         "Base58check D… (P2PKH) or 9…/A… (P2SH) address."),
    Kind("bch_address", "crypto", "Bitcoin Cash address", "strong", False,
         "CashAddr (bitcoincash:q…/p…); legacy 1…/3… addresses labelled BCH are converted."),
    Kind("trx_address", "crypto", "TRON address", "strong", False,
         "Base58check T… address (TRC-20 USDT deposits)."),
    Kind("xmr_address", "crypto", "Monero address", "strong", False,
         "Monero standard, subaddress or integrated address, Keccak checksum validated."),
)

_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_HEXCH = frozenset("0123456789abcdefABCDEF")

# Every scan runs over ASCII bytes of the page (non-ASCII characters become "?", one byte per
# character, so positions are the text's): bytes regexes are faster than str ones, above all
# on pages with Cyrillic or CJK text, and an ASCII lower-case copy costs almost nothing.
#
# Base58 candidates: first character is one a wanted version byte produces
# (1 3 BTC, L M 3 LTC, D 9 A DOGE, T TRX, 4 8 XMR), then base58 only.  No \b or lookbehind:
# a leading character class lets re skip fast to candidate starts; boundaries are checked after.
_B58_RE = re.compile(rb"[13LMDT9A48][1-9A-HJ-NP-Za-km-z]{24,105}")
_ETH_RE = re.compile(rb"0x[0-9a-fA-F]{40}")
# Segwit: one case only (mixed case is invalid bech32), matched where the prefix scan saw "bc1".
_SEGWIT_RES = {
    "bc": (re.compile(rb"bc1[02-9ac-hj-np-z]{6,87}"), re.compile(rb"BC1[02-9AC-HJ-NP-Z]{6,87}")),
    "ltc": (re.compile(rb"ltc1[02-9ac-hj-np-z]{6,86}"), re.compile(rb"LTC1[02-9AC-HJ-NP-Z]{6,86}")),
}
_CASHADDR_PREFIXED_RE = re.compile(rb"bitcoincash:[02-9ac-hj-np-z]{42,112}", re.IGNORECASE)
# Bare CashAddr payload of a 20-byte hash: q/p (or z/r token-aware) + 41 more characters.
_CASHADDR_BARE_RE = re.compile(rb"[qpzr][02-9ac-hj-np-z]{41}")
_NOT_BEFORE_BARE = _ALNUM | frozenset(":%_")
_BCH_NAME_RE = re.compile(rb"bitcoin[ _-]?cash")
_B_HINT_RE = re.compile(rb"bc1|bch|bitcoin")  # literal prefix "b": a fast scan of the lower copy
_LTC1_RE = re.compile(rb"ltc1")

# Coin labels: the nearest one before an ambiguous address (within _LABEL_BEFORE characters),
# else the first after it (within _LABEL_AFTER), decides 3… (BTC/LTC/BCH), 1… (BTC/BCH)
# and bare CashAddr payloads.  "bitcoin cash" must win over "bitcoin": longest first.
_LABEL_RE = re.compile(
    r"(?<![a-z])(bitcoin[ _-]?cash|bch|litecoin|ltc|bitcoin|btc)(?![a-z])")
_LABEL_COIN = {"bch": "bch", "litecoin": "ltc", "ltc": "ltc", "bitcoin": "btc", "btc": "btc"}
_LABEL_BEFORE = 100
_LABEL_AFTER = 40

# Words that make an all-lower/all-upper 0x address wallet-like.  Long words count as
# substrings (``ethAddress``, ``wallet_address``, ``data-wallet``); short ones need
# non-letters around them (``pay`` but not ``payload``, ``eth`` but not ``method``).
WALLET_CONTEXT = re.compile(
    r"wallet|address|crypto|ethereum|metamask|erc-?20|bep-?20|usdt|usdc|"
    r"(?<![a-z])(?:eth|ether|send|pay|paying|payment|payments|deposit|donate|donation|"
    r"donations|bnb|bsc|polygon|matic|recipient|receive)(?![a-z])")
_WALLET_BEFORE = 80
_WALLET_AFTER = 40

def _standalone(text: str, start: int, end: int) -> bool:
    """True when text[start:end] is not glued to other letters or digits."""
    if start > 0 and text[start - 1] in _ALNUM:
        # URL-encoded separator (bitcoin%3A1A1z…): the two hex digits are not part of it.
        if not (start >= 3 and text[start - 3] == "%" and text[start - 2] in _HEXCH
                and text[start - 1] in _HEXCH):
            return False
    return end >= len(text) or text[end] not in _ALNUM


def _nearest_label(text: str, start: int, end: int) -> str | None:
    """Coin named closest before the address (or first after it): btc, bch, ltc or None."""
    before = text[max(0, start - _LABEL_BEFORE):start].lower()
    found = None
    for m in _LABEL_RE.finditer(before):
        found = m.group(1)
    if found is None:
        m = _LABEL_RE.search(text[end:end + _LABEL_AFTER].lower())
        found = m.group(1) if m else None
    if found is None:
        return None
    return "bch" if found.startswith("bitcoin") and "cash" in found else _LABEL_COIN.get(found)


def wallet_context(text: str, start: int, end: int) -> bool:
    """True when wallet-like words stand within 80 characters before / 40 after the span.

    >>> s = 'Send USDT (ERC20) to 0xde709f2102306220921060314715629080e2fb77'
    >>> wallet_context(s, s.index("0x"), len(s))
    True
    >>> s = 'const H = "0xde709f2102306220921060314715629080e2fb77";'
    >>> wallet_context(s, s.index("0x"), s.index("0x") + 42)
    False
    """
    window = (text[max(0, start - _WALLET_BEFORE):start] + " " + text[end:end + _WALLET_AFTER]).lower()
    return WALLET_CONTEXT.search(window) is not None


def _ident(kind: str, value: str, text: str, start: int, end: int,
           flags: tuple[str, ...] = ()) -> Identifier:
    return Identifier(kind, value, text[start:end], snippet(text, start, end), flags)


def _base58(text: str, raw: bytes) -> Iterator[Identifier]:
    """Base58check (BTC/LTC/DOGE/TRX/BCH legacy) and Monero candidates."""
    for m in _B58_RE.finditer(raw):
        start, end = m.span()
        tok = text[start:end]
        if start and text[start - 1] == "%" and tok[0] in _HEXCH and tok[1] in _HEXCH:
            # URL-encoded separator (bitcoin%3A1A1z…): the escape's hex digits are not the address.
            start += 2
            tok = tok[2:]
        if not _standalone(text, start, end):
            continue
        n = len(tok)
        if n in (95, 106):
            if tok[0] in "48":
                dec = cs.monero_address_decode(tok)
                if dec is not None:
                    flags = ("integrated",) if dec[0] == "integrated" else ()
                    yield _ident("xmr_address", tok, text, start, end, flags)
            continue
        if n > 35:
            continue
        payload = cs.base58check_decode(tok)
        if payload is None or len(payload) != 21:
            continue
        version = payload[0]
        if version in (0x00, 0x05):
            label = _nearest_label(text, start, end)
            # The same bytes are valid on BTC, BCH (and LTC for 3…): the nearest coin label
            # decides, and the flag says so.
            if label == "bch":
                value = cs.cashaddr_encode("bitcoincash", 0 if version == 0 else 1, payload[1:])
                yield _ident("bch_address", value, text, start, end,
                             ("legacy_format", "coin_from_label"))
            elif version == 0x05 and label == "ltc":
                yield _ident("ltc_address", tok, text, start, end, ("coin_from_label",))
            else:
                yield _ident("btc_address", tok, text, start, end)
        elif version in (0x30, 0x32):
            yield _ident("ltc_address", tok, text, start, end)
        elif version in (0x1E, 0x16):
            yield _ident("doge_address", tok, text, start, end)
        elif version == 0x41:
            yield _ident("trx_address", tok, text, start, end)


def _segwit(text: str, raw: bytes, positions: list[int], hrp: str, kind: str) -> Iterator[Identifier]:
    """Segwit candidates at each position where the lower-cased text has ``<hrp>1``."""
    lower_rx, upper_rx = _SEGWIT_RES[hrp]
    end = -1
    for pos in positions:
        if pos < end:
            continue
        m = (lower_rx if text[pos].islower() else upper_rx).match(raw, pos)
        if not m:
            continue
        start, end = m.span()
        tok = text[start:end]
        if (_standalone(text, start, end) and len(tok) <= 90
                and cs.segwit_decode(hrp, tok) is not None):
            yield _ident(kind, tok.lower(), text, start, end)


def _eth(text: str, raw: bytes) -> Iterator[Identifier]:
    for m in _ETH_RE.finditer(raw):
        start, end = m.span()
        if not _standalone(text, start, end):
            continue
        tok = text[start:end]
        body = tok[2:]
        if body == body.lower() or body == body.upper():
            # No case mix, no checksum to check: only a wallet-like neighbourhood makes it one.
            if wallet_context(text, start, end):
                yield _ident("eth_address", tok.lower(), text, start, end, ("no_checksum",))
        elif cs.eip55_ok(tok):
            yield _ident("eth_address", tok.lower(), text, start, end)


def _cashaddr_ident(text: str, start: int, end: int, tok: str) -> Identifier | None:
    dec = cs.cashaddr_decode(tok, default_prefix="bitcoincash")
    if dec is None:
        return None
    prefix, type_, hash_ = dec
    if prefix != "bitcoincash" or type_ > 3:
        return None
    # Token-aware forms (z…/r…) pay the same hash as q…/p…: store the plain form so they link.
    flags = ("token_aware",) if type_ >= 2 else ()
    value = cs.cashaddr_encode("bitcoincash", type_ & 1, hash_)
    return _ident("bch_address", value, text, start, end, flags) if value else None


def _cashaddr(text: str, raw: bytes, prefixed: list[int], bch_labels: list[int]) -> Iterator[Identifier]:
    """``bitcoincash:`` addresses at their positions; bare payloads only near a BCH label."""
    for pos in prefixed:
        m = _CASHADDR_PREFIXED_RE.match(raw, pos)
        if m and _standalone(text, *m.span()):
            ident = _cashaddr_ident(text, m.start(), m.end(), text[m.start():m.end()])
            if ident:
                yield ident
    done = -1
    for label in bch_labels:
        # A payload the label can decide sits within _LABEL_BEFORE after / _LABEL_AFTER before it.
        lo = max(done, label - _LABEL_AFTER - 45)
        hi = min(len(text), label + _LABEL_BEFORE + 60)
        for m in _CASHADDR_BARE_RE.finditer(raw, lo, hi):
            start, end = m.span()
            if ((start and text[start - 1] in _NOT_BEFORE_BARE)
                    or (end < len(text) and text[end] in _ALNUM)
                    or _nearest_label(text, start, end) != "bch"):
                continue
            ident = _cashaddr_ident(text, start, end, text[start:end])
            if ident:
                yield ident
        done = max(done, hi)


def _scan(text: str) -> Iterator[Identifier]:
    # ASCII bytes, one per character ("?" for the rest), and their ASCII lower-case copy (str.lower
    # would be slow on non-ASCII text and can change the length: "İ" -> "i̇").  The literal
    # prefilters are re searches with a literal prefix over ``low``: each absent literal costs
    # one fast pass, far less than a character-class scan.
    raw = text.encode("ascii", "replace")
    low = raw.lower()
    bc1: list[int] = []
    prefixed: list[int] = []
    bch_labels: list[int] = []
    for m in _B_HINT_RE.finditer(low):
        pos, word = m.start(), m.group()
        if word == b"bc1":
            bc1.append(pos)
        elif word == b"bch":
            bch_labels.append(pos)
        elif _BCH_NAME_RE.match(low, pos):
            bch_labels.append(pos)
            if low.startswith(b"bitcoincash:", pos):
                prefixed.append(pos)
    parts = [_base58(text, raw), _eth(text, raw)]
    if bc1:
        parts.append(_segwit(text, raw, bc1, "bc", "btc_address"))
    ltc1 = [m.start() for m in _LTC1_RE.finditer(low)]
    if ltc1:
        parts.append(_segwit(text, raw, ltc1, "ltc", "ltc_address"))
    if prefixed or bch_labels:
        parts.append(_cashaddr(text, raw, prefixed, bch_labels))
    seen: set[tuple[str, str]] = set()
    for part in parts:
        for ident in part:
            key = (ident.kind, ident.value)
            if key not in seen:
                seen.add(key)
                yield ident


def extract_text(text: str) -> Iterator[Identifier]:
    """Checksum-valid wallet addresses in HTML, JavaScript, JSON or plain text.

    >>> [i.id for i in extract_text('<a href="bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa?amount=0.1">')]
    ['btc_address:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa']
    >>> list(extract_text('tx 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb'))   # one character off: no
    []
    """
    if not isinstance(text, str) or not text:
        return
    try:
        yield from _scan(text)
    except Exception:  # never raise on any input; a failed page yields what it yielded so far
        return


def extract(page: Page) -> Iterator[Identifier]:
    """Wallet addresses in ``page.text`` (see the module docstring for what is accepted).

    >>> [i.id for i in extract(Page('<div data-address="bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4">'))]
    ['btc_address:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4']
    >>> list(extract(Page('<div data-address="bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5">')))
    []
    """
    return extract_text(page.text)
