"""Crypto checksums against their published test vectors.

Sources (retyped as data): BIP-173 and BIP-350 "Test vectors" sections (bitcoin/bips),
EIP-55 test cases (ethereum/EIPs), the CashAddr specification's examples (legacy <-> cashaddr
table and the hash-size table), and Monero mainnet addresses with their public keys.
"""

from __future__ import annotations

import doctest
import hashlib

import pytest
from base58_bech32 import base58, bech32

from crawler.extractors import checksums as cs

B58_ALPHABET = base58.BITCOIN_ALPHABET.decode()
BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"   # BIP-173

# ---------------------------------------------------------------- Keccak-256


@pytest.mark.parametrize("data, digest", [
    (b"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
    (b"abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"),
])
def test_keccak256_known_digests(data, digest):
    assert cs.keccak256(data).hex() == digest


@pytest.mark.parametrize("length", [0, 1, 55, 135, 136, 137, 271, 272, 500])
def test_keccak256_is_not_hashlibs_sha3_256(length):
    # Ethereum and Monero pad with 0x01; NIST's SHA3-256 (hashlib) with 0x06: never the same digest.
    data = bytes((7 * i + length) % 256 for i in range(length))
    assert len(cs.keccak256(data)) == 32
    assert cs.keccak256(data) != hashlib.sha3_256(data).digest()


# ---------------------------------------------------------------- Bech32 / Bech32m

BECH32_VALID = [  # BIP-173
    "A12UEL5L",
    "a12uel5l",
    "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
    "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    "?1ezyfcl",
]
BECH32M_VALID = [  # BIP-350
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
]
BECH32_INVALID = [  # BIP-173, with the reason given there
    ("\x20" + "1nwldj5", "HRP character out of range"),
    ("\x7f" + "1axkwrx", "HRP character out of range"),
    ("\x80" + "1eym55h", "HRP character out of range"),
    ("an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
     "overall max length exceeded"),
    ("pzry9x0s0muk", "No separator character"),
    ("1pzry9x0s0muk", "Empty HRP"),
    ("x1b4n0q5v", "Invalid data character"),
    ("li1dgmt3", "Too short checksum"),
    ("de1lg7wt" + "\xff", "Invalid character in checksum"),
    ("A1G7SGD8", "checksum calculated with uppercase form of HRP"),
    ("10a06t8", "empty HRP"),
    ("1qzzfhee", "empty HRP"),
]
BECH32M_INVALID = [  # BIP-350
    ("\x20" + "1xj0phk", "HRP character out of range"),
    ("\x7f" + "1g6xzxy", "HRP character out of range"),
    ("\x80" + "1vctc34", "HRP character out of range"),
    ("an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
     "overall max length exceeded"),
    ("qyrz8wqd2c9m", "No separator character"),
    ("1qyrz8wqd2c9m", "Empty HRP"),
    ("y1b0jsk6g", "Invalid data character"),
    ("lt1igcx5c0", "Invalid data character"),
    ("in1muywd", "Too short checksum"),
    ("mm1crxm3i", "Invalid character in checksum"),
    ("au1s5cgom", "Invalid character in checksum"),
    ("M1VUXWEZ", "checksum calculated with uppercase form of HRP"),
    ("16plkw9", "empty HRP"),
    ("1p2gdwpf", "empty HRP"),
]


@pytest.mark.parametrize("s", BECH32_VALID)
def test_bech32_valid(s):
    dec = cs.bech32_decode(s)
    assert dec is not None and dec[2] == "bech32"
    # Re-encoding gives the lower-case string back.
    assert bech32.bech32_encode(dec[0], dec[1], m=bech32.BECH32_1_CONST).decode() == s.lower()


@pytest.mark.parametrize("s", BECH32M_VALID)
def test_bech32m_valid(s):
    dec = cs.bech32_decode(s)
    assert dec is not None and dec[2] == "bech32m"
    assert bech32.bech32_encode(dec[0], dec[1], m=bech32.BECH32_M_CONST).decode() == s.lower()


@pytest.mark.parametrize("s, reason", BECH32_INVALID + BECH32M_INVALID)
def test_bech32_invalid(s, reason):
    assert cs.bech32_decode(s) is None, reason


@pytest.mark.parametrize("s", BECH32_VALID + BECH32M_VALID)
def test_bech32_one_flipped_character_fails(s):
    # Flip the last data character to another charset symbol: the checksum must catch it.
    last = s[-1].lower()
    other = BECH32_CHARSET[(BECH32_CHARSET.index(last) + 1) % 32]
    flipped = s[:-1] + (other.upper() if s[-1].isupper() else other)
    assert cs.bech32_decode(flipped) is None


SEGWIT_VALID = [  # BIP-350 (supersedes BIP-173's list): address -> scriptPubKey
    ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"),
    ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
     "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"),
    ("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
     "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"),
    ("BC1SW50QGDZ25J", "6002751e"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"),
    ("tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
     "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"),
    ("tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
     "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"),
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
     "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
]

SEGWIT_INVALID = [  # BIP-173 and BIP-350 lists, with reasons
    ("tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", "Invalid human-readable part"),
    ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "Invalid checksum"),
    ("BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", "Invalid witness version"),
    ("bc1rw5uspcuh", "Invalid program length"),
    ("bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
     "Invalid program length"),
    ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "Invalid program length for witness version 0"),
    ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", "Mixed case"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", "zero padding of more than 4 bits"),
    ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv",
     "Non-zero padding in 8-to-5 conversion"),
    ("bc1gmk9yu", "Empty data section"),
    ("tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", "Invalid human-readable part"),
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
     "Invalid checksum (Bech32 instead of Bech32m)"),
    ("tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
     "Invalid checksum (Bech32 instead of Bech32m)"),
    ("BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
     "Invalid checksum (Bech32 instead of Bech32m)"),
    ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "Invalid checksum (Bech32m instead of Bech32)"),
    ("tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
     "Invalid checksum (Bech32m instead of Bech32)"),
    ("bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "Invalid character in checksum"),
    ("BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", "Invalid witness version"),
    ("bc1pw5dgrnzv", "Invalid program length (1 byte)"),
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
     "Invalid program length (41 bytes)"),
    ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", "Mixed case"),
    ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
     "zero padding of more than 4 bits"),
    ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
     "Non-zero padding in 8-to-5 conversion"),
    # BIP-173's own v1+ examples were Bech32; BIP-350 makes them invalid.
    ("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx", "v1 in Bech32"),
    ("BC1SW50QA3JX3S", "v16 in Bech32"),
    ("bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj", "v2 in Bech32"),
]


def _script(version: int, program: bytes) -> str:
    return (bytes([version + 0x50 if version else 0, len(program)]) + program).hex()


@pytest.mark.parametrize("addr, script", SEGWIT_VALID)
def test_segwit_valid(addr, script):
    hrp = addr[:2].lower()
    dec = cs.segwit_decode(hrp, addr)
    assert dec is not None
    assert _script(*dec) == script
    version, program = dec
    values = [version, *bech32.convertbits(program, 8, 5)]
    m = bech32.BECH32_1_CONST if version == 0 else bech32.BECH32_M_CONST
    assert bech32.bech32_encode(hrp, values, m=m).decode() == addr.lower()


@pytest.mark.parametrize("addr, reason", SEGWIT_INVALID)
@pytest.mark.parametrize("hrp", ["bc", "tb"])
def test_segwit_invalid(addr, reason, hrp):
    assert cs.segwit_decode(hrp, addr) is None, reason


def test_segwit_wrong_hrp():
    assert cs.segwit_decode("ltc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4") is None


@pytest.mark.parametrize("bad", [None, 42, b"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bc1", "bc1" + "q" * 200])
def test_bech32_and_segwit_never_raise(bad):
    assert cs.bech32_decode(bad) is None
    assert cs.segwit_decode("bc", bad) is None


# ---------------------------------------------------------------- EIP-55

EIP55_VECTORS = {  # the EIP's test cases, by group
    "all caps": ["0x52908400098527886E0F7030069857D2E4169EE7",
                 "0x8617E340B3D01FA5F11F306F4090FD50E238070D"],
    "all lower": ["0xde709f2102306220921060314715629080e2fb77",
                  "0x27b1fdb04752bbc536007a920d24acb045561c26"],
    "normal": ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
               "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
               "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
               "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"],
}
EIP55_ALL = [(g, a) for g, addrs in EIP55_VECTORS.items() for a in addrs]


@pytest.mark.parametrize("group, addr", EIP55_ALL)
def test_eip55_vectors(group, addr):
    assert cs.eip55_ok(addr)
    assert cs.eip55_checksum(addr.lower()) == addr
    assert cs.eip55_checksum(addr[2:].upper()) == addr


def _flip_case_of_one_letter(addr: str) -> str:
    i = next(i for i in range(len(addr) - 1, 1, -1) if addr[i].isalpha())
    return addr[:i] + addr[i].swapcase() + addr[i + 1:]


@pytest.mark.parametrize("group, addr", EIP55_ALL)
def test_eip55_wrong_case_rejected(group, addr):
    assert not cs.eip55_ok(_flip_case_of_one_letter(addr))


@pytest.mark.parametrize("addr", EIP55_VECTORS["normal"])
def test_eip55_single_case_of_mixed_vector_is_not_its_checksum(addr):
    assert not cs.eip55_ok(addr.lower())
    assert not cs.eip55_ok("0x" + addr[2:].upper())


@pytest.mark.parametrize("bad", ["0x123", "0x" + "g" * 40, "", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                                 "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", None, 42])
def test_eip55_malformed(bad):
    assert not cs.eip55_ok(bad)


# ---------------------------------------------------------------- Base58Check

BASE58CHECK_VECTORS = [
    # Bitcoin genesis coinbase address (P2PKH, version 0x00)
    ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "0062e907b15cbf27d5425399ebf6f0fb50ebb88f18"),
    # P2PKH of the hash160 in BIP-173's first vector (751e76e8…)
    ("1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", "00751e76e8199196d454941c45d1b3a323f1433bd6"),
    # CashAddr spec legacy column (P2SH, version 0x05)
    ("3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC", "0576a04053bda0a88bda5177b86a15c3b29f559873"),
    ("16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb", "00011f28e473c95f4013d7d53ec5fbc3b42df8ed10"),
]


@pytest.mark.parametrize("s, payload", BASE58CHECK_VECTORS)
def test_base58check_vectors(s, payload):
    assert cs.base58check_decode(s).hex() == payload
    assert base58.b58encode_check(bytes.fromhex(payload)).decode() == s


@pytest.mark.parametrize("s, payload", BASE58CHECK_VECTORS)
@pytest.mark.parametrize("pos", [1, 10, -1])
def test_base58check_one_changed_character_fails(s, payload, pos):
    i = pos % len(s)
    alpha = B58_ALPHABET
    changed = s[:i] + alpha[(alpha.index(s[i]) + 1) % 58] + s[i + 1:]
    assert cs.base58check_decode(changed) is None


@pytest.mark.parametrize("s", ["", "0OIl", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0", "11", "é" * 30, None, 42,
                               # base58 itself strips blanks: a token with one is not an address
                               "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa ", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n",
                               " 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"])
def test_base58check_malformed(s):
    assert cs.base58check_decode(s) is None


@pytest.mark.parametrize("data", [b"\x00", b"\x00\x00\x01", b"\xff" * 5, bytes(range(30))])
def test_base58check_keeps_leading_zero_bytes(data):
    assert cs.base58check_decode(base58.b58encode_check(data).decode()) == data


# ---------------------------------------------------------------- CashAddr

CASHADDR_LEGACY = [  # CashAddr spec: legacy address -> CashAddr
    ("1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"),
    ("1KXrWXciRDZUpQwQmuM1DbwsKDLYAYsVLR", "bitcoincash:qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy"),
    ("16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb", "bitcoincash:qqq3728yw0y47sqn6l2na30mcw6zm78dzqre909m2r"),
    ("3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC", "bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq"),
    ("3LDsS579y7sruadqu11beEJoTjdFiFCdX4", "bitcoincash:pr95sy3j9xwd2ap32xkykttr4cvcu7as4yc93ky28e"),
    ("31nwvkZwyPdgzjBJZXfDmSWsC4ZLKpYyUw", "bitcoincash:pqq3728yw0y47sqn6l2na30mcw6zm78dzq5ucqzc37"),
]

CASHADDR_SIZES = [  # CashAddr spec: hash size / type table (excerpt)
    ("bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2", 0, "F5BF48B397DAE70BE82B3CCA4793F8EB2B6CDAC9"),
    ("bchtest:pr6m7j9njldwwzlg9v7v53unlr4jkmx6eyvwc0uz5t", 1, "F5BF48B397DAE70BE82B3CCA4793F8EB2B6CDAC9"),
    ("pref:pr6m7j9njldwwzlg9v7v53unlr4jkmx6ey65nvtks5", 1, "F5BF48B397DAE70BE82B3CCA4793F8EB2B6CDAC9"),
    ("prefix:0r6m7j9njldwwzlg9v7v53unlr4jkmx6ey3qnjwsrf", 15, "F5BF48B397DAE70BE82B3CCA4793F8EB2B6CDAC9"),
    ("bitcoincash:q9adhakpwzztepkpwp5z0dq62m6u5v5xtyj7j3h2ws4mr9g0", 0,
     "7ADBF6C17084BC86C1706827B41A56F5CA32865925E946EA"),
]


@pytest.mark.parametrize("legacy, cashaddr", CASHADDR_LEGACY)
def test_cashaddr_spec_legacy_table(legacy, cashaddr):
    payload = cs.base58check_decode(legacy)
    prefix, type_, hash_ = cs.cashaddr_decode(cashaddr)
    assert prefix == "bitcoincash"
    assert type_ == (0 if payload[0] == 0x00 else 1)
    assert hash_ == payload[1:]
    assert cs.cashaddr_encode("bitcoincash", type_, hash_) == cashaddr
    # Without the prefix the default is assumed; upper case is the same address.
    assert cs.cashaddr_decode(cashaddr.split(":")[1]) == (prefix, type_, hash_)
    assert cs.cashaddr_decode(cashaddr.upper()) == (prefix, type_, hash_)


@pytest.mark.parametrize("addr, type_, hash_hex", CASHADDR_SIZES)
def test_cashaddr_spec_size_table(addr, type_, hash_hex):
    prefix = addr.split(":")[0]
    assert cs.cashaddr_decode(addr) == (prefix, type_, bytes.fromhex(hash_hex))
    assert cs.cashaddr_encode(prefix, type_, bytes.fromhex(hash_hex)) == addr


@pytest.mark.parametrize("bad", [
    "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6b",   # last character changed
    "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gDx6a",   # mixed case
    "bchtest:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",       # checksum is for another prefix
    "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6",    # truncated
    "bitcoincash:", "", "bitcoincash:bpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a",
    None, 42, "bitcoincash:" + "q" * 300,
])
def test_cashaddr_invalid(bad):
    assert cs.cashaddr_decode(bad) is None


# ---------------------------------------------------------------- Monero

MONERO_VECTORS = [
    # Monero general fund donation address (standard)
    ("44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
     "standard", None, None, ""),
    # A published wallet vector: primary address, its integrated address and a subaddress,
    # with the public spend/view keys and payment id listed beside them.
    ("49Xgwx3RfyV3ZMEVyrUNuUMzgQ1WHjkWL5T6Xk7QaTszggbtPbRPEkZQau9yACYEmUCHPNrU2MBdnJf4s4xLK5AyLDP5ucd",
     "standard", "d0a42991d6f8640f4aae2bd58e509f7d848a3daea4fce11a9ab57f925eef4ded",
     "3f741b80e6c1e28d0098a194d32e0f437428861bc03c8d698f6c3926eecdf2aa", ""),
    ("4KEMxkrvHF13ZMEVyrUNuUMzgQ1WHjkWL5T6Xk7QaTszggbtPbRPEkZQau9yACYEmUCHPNrU2MBdnJf4s4xLK5AyVTr66Q8LFefPwwfA1t",
     "integrated", "d0a42991d6f8640f4aae2bd58e509f7d848a3daea4fce11a9ab57f925eef4ded",
     "3f741b80e6c1e28d0098a194d32e0f437428861bc03c8d698f6c3926eecdf2aa", "2b1a3c54591708cb"),
    ("85cqdW5fHGvUQzGXzrRUHf6P6AJjJrYxa25v351wNJCrS3p1g8wL1gk35HjxyQGGJPY3SygtnFxKjHtVcA7rAM1JBHukQod",
     "subaddress", None, None, ""),
]


@pytest.mark.parametrize("addr, kind, spend, view, pid", MONERO_VECTORS)
def test_monero_vectors(addr, kind, spend, view, pid):
    dec = cs.monero_address_decode(addr)
    assert dec is not None and dec[0] == kind
    if spend:
        assert dec[1].hex() == spend and dec[2].hex() == view
    assert dec[3].hex() == pid


@pytest.mark.parametrize("addr", [v[0] for v in MONERO_VECTORS])
@pytest.mark.parametrize("pos", [5, 50, -2])
def test_monero_one_changed_character_fails(addr, pos):
    i = pos % len(addr)
    alpha = B58_ALPHABET
    changed = addr[:i] + alpha[(alpha.index(addr[i]) + 1) % 58] + addr[i + 1:]
    assert cs.monero_address_decode(changed) is None


@pytest.mark.parametrize("bad", ["", "4" * 95, "4" + "z" * 94, MONERO_VECTORS[0][0][:-1],
                                 MONERO_VECTORS[0][0] + "1"])
def test_monero_malformed(bad):
    assert cs.monero_address_decode(bad) is None


# ---------------------------------------------------------------- docstrings

CRYPTO_FUNCTIONS = ["keccak256", "eip55_checksum", "eip55_ok", "base58check_decode", "bech32_decode",
                    "segwit_decode", "cashaddr_decode", "cashaddr_encode", "monero_b58decode",
                    "monero_address_decode"]


@pytest.mark.parametrize("name", CRYPTO_FUNCTIONS)
def test_docstring_examples(name):
    fn = getattr(cs, name)
    assert ">>>" in (fn.__doc__ or ""), f"{name} documents no example"
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for t in finder.find(fn, name, globs=vars(cs)):
        runner.run(t)
    assert runner.failures == 0
