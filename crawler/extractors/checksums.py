"""Checksum functions used by the extractors: pure, no I/O, never raise on any input.

Every ``*_ok``/``*_decode``/``*_canonical`` function returns a falsy value (False/None) for
input that is not well-formed instead of raising.

The primitives are maintained libraries; what is here adds only what the extractors need on
top of them (never raising, our value forms, the coin rules of each address kind):

    Keccak-256        pycryptodome (``Crypto.Hash.keccak``; C, about 2 us a hash)
    base58check,      ``base58-bech32`` (btclib's codecs, the standard library alone): the
    bech32, bech32m,  BIP-173/BIP-350 reference code's checksum, the segwit rules added here;
    CashAddr          CashAddr refusals as Bitcoin Cash Node's.  It replaced ``base58`` and
                      ``bech32m`` (the latter imports ``collections.abc.ByteString``, which
                      Python 3.17 removes; the ``bech32`` package is the 2017 reference
                      without Bech32m)
    IBAN, BIC, Luhn   ``python-stdnum`` (the SWIFT IBAN registry's per-country formats, the
                      ISO 3166 country list)

Kept here, with why: Monero's block base58 and address layout (the one package that reads
them, ``monero``, is a wallet/RPC client whose last release is from 2022 and that pulls in
requests, PyNaCl and pycryptodomex; the layout is twenty lines over ``base58-bech32``'s
base58 decoding and pycryptodome's Keccak), the segwit address rules of BIP-173/BIP-350
(witness version, program length, which checksum goes with which version: the codec
leaves them to its caller), EIP-55's case rule (a dozen lines over Keccak; eth-utils
would bring its own tree of eth-* packages for it), and the Swedish Bankgiro/Plusgiro forms
(no library knows them; their check digit is stdnum's Luhn).

Tested with the published vectors: tests/test_checksums_crypto.py (BIP-173, BIP-350, EIP-55,
CashAddr, Monero) and tests/test_payments.py (the IBAN registry's examples).
"""

from __future__ import annotations

import functools
import re

from base58_bech32 import base58 as _base58
from base58_bech32 import bech32 as _bech32
from base58_bech32 import cashaddr as _cashaddr
from base58_bech32.exceptions import Base58Bech32TypeError, Base58Bech32ValueError
from Crypto.Hash import keccak as _keccak
from stdnum import bic as _bic
from stdnum import iban as _iban
from stdnum import luhn as _luhn
from stdnum import numdb as _numdb
from stdnum.exceptions import ValidationError as _StdnumInvalid

# --- crypto checksums (crypto family: base58check, bech32/bech32m, EIP-55, cashaddr, Monero) ---


def keccak256(data: bytes) -> bytes:
    """Keccak-256 as Ethereum and Monero use it (padding byte 0x01, not SHA3's 0x06).

    >>> keccak256(b"").hex()[:16]
    'c5d2460186f7233c'
    """
    return _keccak.new(digest_bits=256, data=bytes(data)).digest()


# ---- EIP-55 (Ethereum mixed-case checksum) ----

_HEX = frozenset("0123456789abcdefABCDEF")


def eip55_checksum(address: str) -> str | None:
    """The EIP-55 form (``0x`` + checksummed case) of a 40-hex-digit address, or None.

    >>> eip55_checksum("0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359")
    '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359'
    >>> eip55_checksum("0x123") is None
    True
    """
    if not isinstance(address, str):
        return None
    body = address[2:] if address[:2] in ("0x", "0X") else address
    if len(body) != 40 or not _HEX.issuperset(body):
        return None
    body = body.lower()
    digest = keccak256(body.encode("ascii")).hex()
    return "0x" + "".join(ch.upper() if h in "89abcdef" else ch for ch, h in zip(body, digest))


def eip55_ok(address: str) -> bool:
    """True when ``address`` (``0x`` + 40 hex) is exactly its EIP-55 checksummed form.

    >>> eip55_ok("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    True
    >>> eip55_ok("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")   # last letter's case flipped
    False
    """
    if not isinstance(address, str) or not address.startswith("0x"):
        return False
    return eip55_checksum(address) == address


# ---- Base58Check (Bitcoin alphabet) ----

def base58check_decode(s: str) -> bytes | None:
    """Payload (version byte(s) + data) of a Base58Check string whose 4-byte double-SHA256
    checksum matches; None otherwise (blanks around it are refused, not stripped).

    >>> base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa").hex()[:2]
    '00'
    >>> base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb") is None
    True
    """
    if not isinstance(s, str) or not s.isascii() or not s.isalnum():
        return None
    try:
        payload = _base58.b58decode_check(s)
    except (Base58Bech32ValueError, Base58Bech32TypeError):
        return None
    return payload or None


# ---- Bech32 / Bech32m (BIP-173, BIP-350) and segwit addresses ----

BECH32_MAX_LENGTH = 90   # BIP-173's limit (the codec's default, 1023, is for Lightning invoices)


def bech32_decode(s: str) -> tuple[str, list[int], str] | None:
    """Split and verify a Bech32 or Bech32m string: (hrp lower-case, data without checksum,
    ``"bech32"`` or ``"bech32m"``), or None (mixed case, bad character, > 90 chars, bad checksum).

    >>> bech32_decode("A12UEL5L")
    ('a', [], 'bech32')
    >>> bech32_decode("A1G7SGD8") is None     # checksum made with the upper-case HRP
    True
    """
    if not isinstance(s, str):
        return None
    try:
        hrp, data, m = _bech32.bech32_decode(s, limit=BECH32_MAX_LENGTH)
    except (Base58Bech32ValueError, Base58Bech32TypeError):
        return None
    return hrp, data, "bech32m" if m == _bech32.BECH32_M_CONST else "bech32"


def segwit_decode(hrp: str, addr: str) -> tuple[int, bytes] | None:
    """(witness version, program) of a segwit address with human-readable part ``hrp``
    (``bc`` Bitcoin, ``tb`` testnet, ``ltc`` Litecoin), per BIP-173 and BIP-350: v0 must be
    Bech32 with a 20- or 32-byte program, v1..v16 must be Bech32m with 2..40 bytes.

    >>> segwit_decode("bc", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")[0]
    0
    >>> segwit_decode("bc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh") is None  # v0 in Bech32m
    True
    """
    decoded = bech32_decode(addr)
    if decoded is None or decoded[0] != hrp or not decoded[1]:   # no data: no witness version
        return None
    version, values = decoded[1][0], decoded[1][1:]
    try:
        program = bytes(_bech32.convertbits(values, 5, 8, False))
    except Base58Bech32ValueError:   # padding of 5 bits or more, or not zero
        return None
    if version > 16 or not 2 <= len(program) <= 40 or (version == 0 and len(program) not in (20, 32)):
        return None
    if decoded[2] != ("bech32" if version == 0 else "bech32m"):   # BIP-350: v0 Bech32, v1+ Bech32m
        return None
    return version, program


# ---- CashAddr (Bitcoin Cash) ----

def cashaddr_decode(s: str, default_prefix: str = "bitcoincash") -> tuple[str, int, bytes] | None:
    """(prefix, type, hash) of a CashAddr string, or None.  A string without ``prefix:`` is
    checked against ``default_prefix``.  Type is the version byte's type bits (0 = P2PKH,
    1 = P2SH, 2/3 = token-aware); the hash length must match the version byte's size bits.

    >>> cashaddr_decode("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a")[:2]
    ('bitcoincash', 0)
    >>> cashaddr_decode("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6b") is None
    True
    """
    if not isinstance(s, str) or len(s) > 200:
        return None
    try:
        if ":" in s:
            return _cashaddr.cashaddr_decode(s)
        return _cashaddr.cashaddr_decode(s, prefix=default_prefix)
    except (Base58Bech32ValueError, Base58Bech32TypeError, ValueError, TypeError):
        return None


def cashaddr_encode(prefix: str, type_: int, hash_: bytes) -> str | None:
    """CashAddr string ``prefix:payload`` for a hash of 20, 24, 28, 32, 40, 48, 56 or 64 bytes
    (type 0 = P2PKH, 1 = P2SH); None for another hash length.

    >>> cashaddr_encode("bitcoincash", 0, bytes.fromhex("76a04053bda0a88bda5177b86a15c3b29f559873"))
    'bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a'
    >>> cashaddr_encode("bitcoincash", 0, b"\\x00" * 21) is None
    True
    """
    try:
        return _cashaddr.cashaddr_encode(prefix, type_, bytes(hash_)).decode("ascii")
    except (Base58Bech32ValueError, Base58Bech32TypeError, ValueError, TypeError):
        return None


# ---- Monero base58 and addresses ----

# Monero's base58 encodes 8-byte blocks as 11 characters (each block a base58 integer, decoded
# by ``base58``); a short last block of n bytes takes _XMR_ENC_SIZE[n] characters.
_XMR_ENC_SIZE = (0, 2, 3, 5, 6, 7, 9, 10, 11)
_XMR_DEC_SIZE = {size: n for n, size in enumerate(_XMR_ENC_SIZE)}

# Network byte (a one-byte varint) -> address type, Monero mainnet.
MONERO_PREFIXES = {18: "standard", 19: "integrated", 42: "subaddress"}


def monero_b58decode(s: str) -> bytes | None:
    """Monero block base58 (11 chars per 8 bytes) to bytes; None if malformed or a block overflows.

    >>> monero_b58decode("11111111111").hex()
    '0000000000000000'
    >>> monero_b58decode("zzzzzzzzzzz") is None    # more than 8 bytes' worth
    True
    """
    if not isinstance(s, str) or not s.isascii() or not s.isalnum():
        return None
    full, rest = divmod(len(s), 11)
    if rest and rest not in _XMR_DEC_SIZE:
        return None
    out = bytearray()
    try:
        for i in range(0, len(s), 11):
            chunk = s[i:i + 11]
            nbytes = 8 if len(chunk) == 11 else _XMR_DEC_SIZE[len(chunk)]
            n = int.from_bytes(_base58.b58decode(chunk), "big")
            if n >> (8 * nbytes):
                return None
            out += n.to_bytes(nbytes, "big")
    except Base58Bech32ValueError:  # 0, O, I, l: not base58
        return None
    return bytes(out)


def monero_address_decode(s: str) -> tuple[str, bytes, bytes, bytes] | None:
    """(type, public spend key, public view key, payment id) of a Monero mainnet address whose
    Keccak-256 checksum matches: standard (``4…``, 95 chars), subaddress (``8…``, 95 chars) or
    integrated (``4…``, 106 chars, 8-byte payment id); None otherwise.

    >>> monero_address_decode("49Xgwx3RfyV3ZMEVyrUNuUMzgQ1WHjkWL5T6Xk7QaTszggbtPbRPEkZQau9yACYEmUCHPNrU2MBdnJf4s4xLK5AyLDP5ucd")[0]
    'standard'
    >>> monero_address_decode("49Xgwx3RfyV3ZMEVyrUNuUMzgQ1WHjkWL5T6Xk7QaTszggbtPbRPEkZQau9yACYEmUCHPNrU2MBdnJf4s4xLK5AyLDP5ucD") is None
    True
    """
    if not isinstance(s, str) or len(s) not in (95, 106):
        return None
    raw = monero_b58decode(s)
    if raw is None or len(raw) not in (69, 77):
        return None
    body, check = raw[:-4], raw[-4:]
    kind = MONERO_PREFIXES.get(body[0])
    if kind is None or keccak256(body)[:4] != check:
        return None
    if (kind == "integrated") != (len(raw) == 77):
        return None
    return kind, body[1:33], body[33:65], body[65:]


# --- bank and payment checksums (payments family) ---
#
# IBAN (ISO 13616 mod-97 and the registry's per-country format), BIC (ISO 9362 shape and country), and the Swedish Bankgiro / Plusgiro numbers, whose
# last digit is a Luhn (mod-10) check digit.  Tested in tests/test_payments.py with the IBAN
# registry's examples.

_IBAN_DB = _numdb.get("iban")
_BBAN_PART = re.compile(r"(\d+)!([nac])")   # the registry's notation: 4!n = four digits


def iban_length(country: str) -> int | None:
    """The IBAN length of a country code in the SWIFT IBAN registry (as python-stdnum ships
    it), or None for a code the registry does not list.

    >>> iban_length("SE"), iban_length("NO"), iban_length("US")
    (24, 15, None)
    """
    if not isinstance(country, str) or len(country) != 2 or not country.isalpha() or not country.isupper():
        return None
    return _registry_iban_length(country)


@functools.lru_cache(maxsize=1024)   # a function of two letters; walking the registry is not free
def _registry_iban_length(country: str) -> int | None:
    info = _IBAN_DB.info(country)[0][1]
    if "bban" not in info:
        return None
    return 4 + sum(int(n) for n, _ in _BBAN_PART.findall(info["bban"]))


def iban_canonical(text: str) -> str | None:
    """The IBAN without spaces, upper-case, when stdnum finds it valid (the country's length
    and format in the registry, mod-97 gives 1); None otherwise.  Spaces (print grouping) are
    ignored; dashes and dots (which stdnum would drop) are not.  stdnum's national checks are
    off: its Belgian one refuses the registry's own example (bank code 539 is not in its list).

    >>> iban_canonical("se45 5000 0000 0583 9825 7466")
    'SE4550000000058398257466'
    >>> iban_canonical("GB82 WEST 1234 5698 7654 33") is None     # check digits broken
    True
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    s = text.replace(" ", "").replace("\u00a0", "").upper()
    if len(s) < 5 or not s.isascii() or not s.isalnum() or iban_length(s[:2]) != len(s):
        return None
    try:
        return _iban.validate(s, check_country=False)
    except _StdnumInvalid:
        return None


def iban_ok(text: str) -> bool:
    """True for a valid IBAN (see :func:`iban_canonical`).

    >>> iban_ok("DE89370400440532013000")
    True
    >>> iban_ok("DE89370400440532013001")
    False
    """
    return iban_canonical(text) is not None


def bic_ok(text: str) -> bool:
    """True for a BIC that stdnum accepts (4 letters, an ISO 3166 country code or XK, 2
    letters/digits, optionally 3 more), written as one upper-case word: stdnum would also take
    ``essesess`` or ``ESSE SE SS``, which in running text are other words.

    >>> bic_ok("ESSESESS") and bic_ok("DEUTDEFF500")
    True
    >>> bic_ok("ESSEQQSS")          # QQ is not a country
    False
    """
    if not isinstance(text, str) or len(text) not in (8, 11) or not text.isascii():
        return False
    return text.isalnum() and text.isupper() and _bic.is_valid(text)


def luhn_ok(digits: str) -> bool:
    """True when the last digit of ``digits`` (two or more ASCII digits) is its Luhn check digit.

    >>> luhn_ok("79927398713")
    True
    >>> luhn_ok("79927398710")
    False
    """
    if not isinstance(digits, str) or len(digits) < 2 or not digits.isascii() or not digits.isdigit():
        return False
    return _luhn.is_valid(digits)


def bankgiro_canonical(text: str) -> str | None:
    """A Swedish Bankgiro number (7 or 8 digits, last one a Luhn check digit) as ``NNN-NNNN``
    or ``NNNN-NNNN``; spaces and dashes in the input are ignored.  None when invalid.

    >>> bankgiro_canonical("5050 1055")
    '5050-1055'
    >>> bankgiro_canonical("5050-1056") is None
    True
    """
    if not isinstance(text, str):
        return None
    d = "".join(ch for ch in text if ch not in " -\u2010\u2011\u2013")
    if len(d) not in (7, 8) or not luhn_ok(d):
        return None
    return d[:-4] + "-" + d[-4:]


def plusgiro_canonical(text: str) -> str | None:
    """A Swedish Plusgiro number (2 to 8 digits, last one a Luhn check digit) as digits,
    a dash, the check digit (``4405065-1``); spaces and dashes in the input are ignored.

    >>> plusgiro_canonical("90 20 03-3")
    '902003-3'
    >>> plusgiro_canonical("90 20 03-4") is None
    True
    """
    if not isinstance(text, str):
        return None
    d = "".join(ch for ch in text if ch not in " -\u2010\u2011\u2013")
    if not 2 <= len(d) <= 8 or not luhn_ok(d):
        return None
    return d[:-1] + "-" + d[-1]
