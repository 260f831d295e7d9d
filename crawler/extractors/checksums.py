"""Checksum functions used by the extractors: pure, no I/O, never raise on any input.

Every ``*_valid``/``*_decode`` function returns a falsy value (False/None) for input that is
not well-formed instead of raising.
"""

from __future__ import annotations

# --- crypto checksums (crypto family: base58check, bech32/bech32m, EIP-55, cashaddr, Monero) ---
#
# Written from the specifications (BIP-173, BIP-350, EIP-55, the CashAddr spec, Monero's
# base58 and CryptoNote address layout); tested with their published vectors in
# tests/test_checksums_crypto.py.

import hashlib as _hashlib

# ---- Keccak-256 (the pre-NIST padding Ethereum and Monero use; hashlib.sha3_256 differs) ----

_KECCAK_RC = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)
# Rotation offset of lane (x, y), indexed [x + 5*y].
_KECCAK_ROT = (
    0, 1, 62, 28, 27,
    36, 44, 6, 55, 20,
    3, 10, 43, 25, 39,
    41, 45, 15, 21, 8,
    18, 2, 61, 56, 14,
)
# pi: lane (x, y) moves to (y, 2x + 3y); precomputed as (source index, target index, rotation).
_KECCAK_PI = tuple(
    (x + 5 * y, y + 5 * ((2 * x + 3 * y) % 5), _KECCAK_ROT[x + 5 * y])
    for x in range(5) for y in range(5)
)
_M64 = (1 << 64) - 1


def _keccak_f1600(a: list[int]) -> None:
    """The Keccak-f[1600] permutation on 25 little-endian 64-bit lanes, in place."""
    b = [0] * 25
    for rc in _KECCAK_RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        for x in range(5):
            d = c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & _M64)
            for y in range(0, 25, 5):
                a[x + y] ^= d
        for src, dst, r in _KECCAK_PI:
            v = a[src]
            b[dst] = ((v << r) | (v >> (64 - r))) & _M64 if r else v
        for y in range(0, 25, 5):
            b0, b1, b2, b3, b4 = b[y], b[y + 1], b[y + 2], b[y + 3], b[y + 4]
            a[y] = b0 ^ (~b1 & b2)
            a[y + 1] = b1 ^ (~b2 & b3)
            a[y + 2] = b2 ^ (~b3 & b4)
            a[y + 3] = b3 ^ (~b4 & b0)
            a[y + 4] = b4 ^ (~b0 & b1)
        a[0] ^= rc


def _keccak_sponge(data: bytes, rate: int, pad: int, out_len: int) -> bytes:
    msg = bytearray(data)
    msg.append(pad)
    msg.extend(b"\x00" * (-len(msg) % rate))
    msg[-1] |= 0x80
    state = [0] * 25
    for off in range(0, len(msg), rate):
        block = msg[off:off + rate]
        for i in range(rate // 8):
            state[i] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        _keccak_f1600(state)
    return b"".join(lane.to_bytes(8, "little") for lane in state[:4])[:out_len]


def keccak256(data: bytes) -> bytes:
    """Keccak-256 as Ethereum and Monero use it (padding byte 0x01, not SHA3's 0x06).

    >>> keccak256(b"").hex()[:16]
    'c5d2460186f7233c'
    """
    return _keccak_sponge(bytes(data), 136, 0x01, 32)


def _sha3_256_via_keccak(data: bytes) -> bytes:
    """SHA3-256 through the same permutation: lets a test compare it with hashlib.sha3_256."""
    return _keccak_sponge(bytes(data), 136, 0x06, 32)


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
    return "0x" + "".join(ch.upper() if int(h, 16) >= 8 else ch for ch, h in zip(body, digest))


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


# ---- Base58 / Base58Check (Bitcoin alphabet) ----

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {ch: i for i, ch in enumerate(B58_ALPHABET)}


def b58decode(s: str) -> bytes | None:
    """Bitcoin-alphabet base58 to bytes (leading ``1`` = leading zero byte); None if not base58.

    >>> b58decode("1112").hex()
    '00000001'
    >>> b58decode("10OIl") is None     # 0, O, I and l are not in the alphabet
    True
    """
    if not isinstance(s, str) or not s:
        return None
    n = 0
    try:
        for ch in s:
            n = n * 58 + _B58_INDEX[ch]
    except KeyError:
        return None
    zeros = len(s) - len(s.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\x00" * zeros + body


def b58encode(data: bytes) -> str:
    """Bytes to Bitcoin-alphabet base58 (inverse of :func:`b58decode`).

    >>> b58encode(bytes.fromhex("00000001"))
    '1112'
    """
    data = bytes(data)
    n = int.from_bytes(data, "big")
    out = []
    while n:
        n, r = divmod(n, 58)
        out.append(B58_ALPHABET[r])
    zeros = len(data) - len(data.lstrip(b"\x00"))
    return "1" * zeros + "".join(reversed(out))


def _dsha256(data: bytes) -> bytes:
    return _hashlib.sha256(_hashlib.sha256(data).digest()).digest()


def base58check_decode(s: str) -> bytes | None:
    """Payload (version byte(s) + data) of a Base58Check string whose 4-byte double-SHA256
    checksum matches; None otherwise.

    >>> base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa").hex()[:2]
    '00'
    >>> base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb") is None
    True
    """
    raw = b58decode(s)
    if raw is None or len(raw) < 5:
        return None
    payload, check = raw[:-4], raw[-4:]
    if _dsha256(payload)[:4] != check:
        return None
    return payload


def base58check_encode(payload: bytes) -> str:
    """Base58Check of ``payload`` (version byte(s) + data).

    >>> base58check_encode(bytes.fromhex("00751e76e8199196d454941c45d1b3a323f1433bd6"))
    '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH'
    """
    payload = bytes(payload)
    return b58encode(payload + _dsha256(payload)[:4])


# ---- Bech32 / Bech32m (BIP-173, BIP-350) and segwit addresses ----

BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {ch: i for i, ch in enumerate(BECH32_CHARSET)}
BECH32_CONST = 1
BECH32M_CONST = 0x2BC830A3
_BECH32_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def bech32_polymod(values) -> int:
    """The BIP-173 BCH checksum polymod over 5-bit values: 1 for a valid Bech32 string's
    expanded HRP + data, 0x2bc830a3 for Bech32m.

    >>> bech32_polymod(bech32_hrp_expand("a") + [10, 28, 25, 31, 20, 31])  # "a12uel5l"
    1
    """
    chk = 1
    for v in values:
        top = chk >> 25
        chk = ((chk & 0x1FFFFFF) << 5) ^ v
        for i in range(5):
            if (top >> i) & 1:
                chk ^= _BECH32_GEN[i]
    return chk


def bech32_hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_decode(s: str) -> tuple[str, list[int], str] | None:
    """Split and verify a Bech32 or Bech32m string: (hrp lower-case, data without checksum,
    ``"bech32"`` or ``"bech32m"``), or None (mixed case, bad character, > 90 chars, bad checksum).

    >>> bech32_decode("A12UEL5L")
    ('a', [], 'bech32')
    >>> bech32_decode("A1G7SGD8") is None     # checksum made with the upper-case HRP
    True
    """
    if not isinstance(s, str) or len(s) > 90 or len(s) < 8:
        return None
    if any(ord(c) < 33 or ord(c) > 126 for c in s):
        return None
    if s.lower() != s and s.upper() != s:
        return None
    s = s.lower()
    pos = s.rfind("1")
    if pos < 1 or pos + 7 > len(s):
        return None
    hrp = s[:pos]
    try:
        data = [_BECH32_INDEX[c] for c in s[pos + 1:]]
    except KeyError:
        return None
    const = bech32_polymod(bech32_hrp_expand(hrp) + data)
    if const == BECH32_CONST:
        spec = "bech32"
    elif const == BECH32M_CONST:
        spec = "bech32m"
    else:
        return None
    return hrp, data[:-6], spec


def bech32_encode(hrp: str, data: list[int], spec: str = "bech32") -> str:
    """Bech32 (or Bech32m with ``spec="bech32m"``) string of ``hrp`` and 5-bit ``data``.

    >>> bech32_encode("a", [])
    'a12uel5l'
    """
    const = BECH32M_CONST if spec == "bech32m" else BECH32_CONST
    values = bech32_hrp_expand(hrp) + list(data)
    pm = bech32_polymod(values + [0] * 6) ^ const
    checksum = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32_CHARSET[d] for d in list(data) + checksum)


def convertbits(data, frombits: int, tobits: int, pad: bool = True) -> list[int] | None:
    """Regroup a sequence of ``frombits``-bit values into ``tobits``-bit values (BIP-173 rules:
    without ``pad``, leftover bits must be fewer than ``frombits`` and all zero); None if invalid.

    >>> convertbits(b"\\xff", 8, 5)
    [31, 28]
    >>> convertbits([31, 29], 5, 8, pad=False) is None     # non-zero padding bits
    True
    """
    acc = 0
    bits = 0
    ret = []
    maxv = (1 << tobits) - 1
    max_acc = (1 << (frombits + tobits - 1)) - 1
    for value in data:
        if value < 0 or value >> frombits:
            return None
        acc = ((acc << frombits) | value) & max_acc
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            ret.append((acc >> bits) & maxv)
    if pad:
        if bits:
            ret.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits or ((acc << (tobits - bits)) & maxv):
        return None
    return ret


def segwit_decode(hrp: str, addr: str) -> tuple[int, bytes] | None:
    """(witness version, program) of a segwit address with human-readable part ``hrp``
    (``bc`` Bitcoin, ``tb`` testnet, ``ltc`` Litecoin), per BIP-173 and BIP-350: v0 must be
    Bech32 with a 20- or 32-byte program, v1..v16 must be Bech32m with 2..40 bytes.

    >>> segwit_decode("bc", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")[0]
    0
    >>> segwit_decode("bc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh") is None  # v0 in Bech32m
    True
    """
    dec = bech32_decode(addr)
    if dec is None:
        return None
    got_hrp, data, spec = dec
    if got_hrp != hrp or not data or data[0] > 16:
        return None
    program = convertbits(data[1:], 5, 8, False)
    if program is None or not 2 <= len(program) <= 40:
        return None
    version = data[0]
    if version == 0 and len(program) not in (20, 32):
        return None
    if (version == 0) != (spec == "bech32"):
        return None
    return version, bytes(program)


def segwit_encode(hrp: str, version: int, program: bytes) -> str | None:
    """Segwit address for ``version`` and ``program`` (Bech32 for v0, Bech32m for v1+), or
    None when BIP-141/350 forbid the pair.

    >>> segwit_encode("bc", 0, bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6"))
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'
    >>> segwit_encode("bc", 0, b"\\x00" * 21) is None        # v0 programs are 20 or 32 bytes
    True
    """
    data = convertbits(bytes(program), 8, 5)
    if data is None:
        return None
    addr = bech32_encode(hrp, [version] + data, "bech32" if version == 0 else "bech32m")
    return addr if segwit_decode(hrp, addr) else None


# ---- CashAddr (Bitcoin Cash) ----

_CASHADDR_GEN = (0x98F2BC8E61, 0x79B76D99E2, 0xF33E5FB3C4, 0xAE2EABE2A8, 0x1E4F43E470)
# Hash sizes in bits by the low 3 bits of the version byte.
_CASHADDR_SIZES = (160, 192, 224, 256, 320, 384, 448, 512)


def cashaddr_polymod(values) -> int:
    """The CashAddr 40-bit BCH checksum polymod (0 for a valid prefix + payload).

    >>> cashaddr_polymod([ord(c) & 31 for c in "p"] + [0] + [BECH32_CHARSET.index(c) for c in "gpf8m4h7"])
    0
    """
    c = 1
    for d in values:
        c0 = c >> 35
        c = ((c & 0x07FFFFFFFF) << 5) ^ d
        for i in range(5):
            if (c0 >> i) & 1:
                c ^= _CASHADDR_GEN[i]
    return c ^ 1


def _cashaddr_prefix_expand(prefix: str) -> list[int]:
    return [ord(c) & 31 for c in prefix] + [0]


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
    if s.lower() != s and s.upper() != s:
        return None
    s = s.lower()
    if ":" in s:
        prefix, _, payload = s.rpartition(":")
    else:
        prefix, payload = default_prefix, s
    if not prefix or len(payload) < 9 or any(not ("a" <= c <= "z" or "0" <= c <= "9") for c in prefix):
        return None
    try:
        data = [_BECH32_INDEX[c] for c in payload]
    except KeyError:
        return None
    if cashaddr_polymod(_cashaddr_prefix_expand(prefix) + data) != 0:
        return None
    raw = convertbits(data[:-8], 5, 8, False)
    if not raw:
        return None
    version, hash_ = raw[0], bytes(raw[1:])
    if version & 0x80 or len(hash_) * 8 != _CASHADDR_SIZES[version & 7]:
        return None
    return prefix, (version >> 3) & 0x0F, hash_


def cashaddr_encode(prefix: str, type_: int, hash_: bytes) -> str | None:
    """CashAddr string ``prefix:payload`` for a hash of 20, 24, 28, 32, 40, 48, 56 or 64 bytes
    (type 0 = P2PKH, 1 = P2SH); None for another hash length.

    >>> cashaddr_encode("bitcoincash", 0, bytes.fromhex("76a04053bda0a88bda5177b86a15c3b29f559873"))
    'bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a'
    >>> cashaddr_encode("bitcoincash", 0, b"\\x00" * 21) is None
    True
    """
    bits = len(hash_) * 8
    if bits not in _CASHADDR_SIZES or not 0 <= type_ <= 15:
        return None
    version = (type_ << 3) | _CASHADDR_SIZES.index(bits)
    data = convertbits(bytes([version]) + bytes(hash_), 8, 5)
    pm = cashaddr_polymod(_cashaddr_prefix_expand(prefix) + data + [0] * 8)
    checksum = [(pm >> 5 * (7 - i)) & 31 for i in range(8)]
    return prefix + ":" + "".join(BECH32_CHARSET[d] for d in data + checksum)


# ---- Monero base58 and addresses ----

# Monero's base58 encodes 8-byte blocks as 11 characters; a short last block of n bytes takes
# _XMR_ENC_SIZE[n] characters.
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
    if not isinstance(s, str):
        return None
    out = bytearray()
    full, rest = divmod(len(s), 11)
    if rest and rest not in _XMR_DEC_SIZE:
        return None
    for i in range(full + (1 if rest else 0)):
        chunk = s[11 * i:11 * i + 11]
        nbytes = 8 if len(chunk) == 11 else _XMR_DEC_SIZE[len(chunk)]
        n = 0
        for ch in chunk:
            v = _B58_INDEX.get(ch)
            if v is None:
                return None
            n = n * 58 + v
        if n >> (8 * nbytes):
            return None
        out += n.to_bytes(nbytes, "big")
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
# IBAN (ISO 13616 mod-97 with per-country lengths), BIC shape (ISO 9362), and the Swedish
# Bankgiro / Plusgiro numbers, whose last digit is a Luhn (mod-10) check digit.  Tested in
# tests/test_payments.py with the IBAN registry's examples.

# IBAN length per country code, from the SWIFT IBAN registry (release 99, 2025): only codes the
# registry lists; French overseas departments and territories use FR, Åland uses FI.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

# ISO 3166-1 alpha-2 country codes (249), plus XK (Kosovo), which banks use in BICs and IBANs.
ISO_COUNTRIES = frozenset("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
ZW XK
""".split())


def iban_canonical(text: str) -> str | None:
    """The IBAN without spaces, upper-case, when its length fits its country and the mod-97
    check gives 1 (ISO 13616); None otherwise.  Spaces (print grouping) are ignored.

    >>> iban_canonical("se45 5000 0000 0583 9825 7466")
    'SE4550000000058398257466'
    >>> iban_canonical("GB82 WEST 1234 5698 7654 33") is None     # check digits broken
    True
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    s = text.replace(" ", "").replace("\u00a0", "").upper()
    if len(s) < 5 or not s.isascii() or not s.isalnum():
        return None
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not s[2:4].isdigit():
        return None
    # Move the first four characters to the end, letters become 10..35, the number mod 97 is 1.
    digits = "".join(str(int(ch, 36)) for ch in s[4:] + s[:4])
    return s if int(digits) % 97 == 1 else None


def iban_ok(text: str) -> bool:
    """True for a valid IBAN (see :func:`iban_canonical`).

    >>> iban_ok("DE89370400440532013000")
    True
    >>> iban_ok("DE89370400440532013001")
    False
    """
    return iban_canonical(text) is not None


def bic_ok(text: str) -> bool:
    """True for a BIC of ISO 9362 shape: 4 letters (institution), an ISO country code,
    2 letters/digits (location), optionally 3 more (branch); upper-case only.

    >>> bic_ok("ESSESESS") and bic_ok("DEUTDEFF500")
    True
    >>> bic_ok("ESSEQQSS")          # QQ is not a country
    False
    """
    if not isinstance(text, str) or len(text) not in (8, 11) or not text.isascii():
        return False
    return (text[:6].isalpha() and text[:6].isupper() and text[4:6] in ISO_COUNTRIES
            and text[6:].isalnum() and text[6:] == text[6:].upper())


def luhn_ok(digits: str) -> bool:
    """True when the last digit of ``digits`` is its Luhn (mod-10) check digit.

    >>> luhn_ok("79927398713")
    True
    >>> luhn_ok("79927398710")
    False
    """
    if not isinstance(digits, str) or len(digits) < 2 or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


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
