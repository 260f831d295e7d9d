"""crawler.extractors.crypto: wallet addresses found in markup, JSON, JS and prose; decoys not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from crawler.extractors import crypto
from crawler.extractors.model import Page

BTC_P2PKH = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
BTC_P2SH = "3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC"       # CashAddr spec legacy P2SH column
BTC_P2SH_2 = "3LDsS579y7sruadqu11beEJoTjdFiFCdX4"
BECH32_V0 = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"  # BIP-173
TAPROOT = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"  # BIP-350
ETH_MIXED = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55
ETH_LOWER = "0xde709f2102306220921060314715629080e2fb77"  # EIP-55 "all lower" group
ETH_CAPS = "0x52908400098527886E0F7030069857D2E4169EE7"   # EIP-55 "all caps" group
LTC_L = "LaMT348PWRnrqeeWArpwQPbuanpXDZGEUz"
LTC_M = "MJaRnao1s62a2zAKSkmG582KbLKianqb7v"   # version 0x32 over BIP-173's hash160 751e76e8…
LTC_BECH32 = "ltc1qx88q7zjd74lxwgkjmmwlqv5pd3vujuehexfttt"
DOGE_D = "DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L"
DOGE_A = "A37YDYSwz3438rFtm1SLVcQHyD7JeueC9H"   # version 0x16 over hash160 751e76e8…
TRX = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
XMR = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
XMR_INTEGRATED = ("4KEMxkrvHF13ZMEVyrUNuUMzgQ1WHjkWL5T6Xk7QaTszggbtPbRPEkZQau9yACYEmUCHPNrU2MBdn"
                  "Jf4s4xLK5AyVTr66Q8LFefPwwfA1t")
XMR_SUB = "85cqdW5fHGvUQzGXzrRUHf6P6AJjJrYxa25v351wNJCrS3p1g8wL1gk35HjxyQGGJPY3SygtnFxKjHtVcA7rAM1JBHukQod"
BCH = "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"    # CashAddr spec
BCH_LEGACY = "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu"                  # the same hash, legacy form
BCH_P2SH = "bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq"
BCH_TOKEN = "bitcoincash:zpm2qsznhks23z7629mms6s4cwef74vcwvrqekrq9w"  # token-aware form of BCH


def found(text: str, content_type: str | None = None) -> set[tuple]:
    return {(i.kind, i.value, i.flags) for i in crypto.extract(Page(text, content_type=content_type))}


FOUND = [
    # --- BTC in every place a page keeps it
    ("attribute", f'<button class="copy" data-address="{BECH32_V0}">Copy</button>',
     {("btc_address", BECH32_V0, ())}),
    ("json", f'{{"btc":"{BTC_P2PKH}","note":"pay within 30 min"}}', {("btc_address", BTC_P2PKH, ())}),
    ("uri with amount", f'<a href="bitcoin:{BTC_P2PKH}?amount=0.0042&label=order">Pay</a>',
     {("btc_address", BTC_P2PKH, ())}),
    ("qr uri upper-case bech32", f'<img alt="qr" data-uri="bitcoin:{BECH32_V0.upper()}?amount=1">',
     {("btc_address", BECH32_V0, ())}),
    ("url-encoded uri", f"/qr?data=bitcoin%3A{BTC_P2PKH}%3Famount%3D0.1", {("btc_address", BTC_P2PKH, ())}),
    ("url-encoded bech32", f"/qr?data=bitcoin%3A{BECH32_V0}", {("btc_address", BECH32_V0, ())}),
    ("prose taproot", f"Send only BTC to {TAPROOT}. Thanks!", {("btc_address", TAPROOT, ())}),
    ("js string", f"const ADDR = '{BTC_P2SH}'; showQR(ADDR);", {("btc_address", BTC_P2SH, ())}),
    ("explorer link", f'<a href="https://blockstream.info/address/{BECH32_V0}">tx</a>',
     {("btc_address", BECH32_V0, ())}),
    ("table cell", f"<td>{BTC_P2PKH}</td>", {("btc_address", BTC_P2PKH, ())}),
    # --- ETH: checksummed anywhere, single case only with wallet words
    ("eth eip55 in code", f'var x = "{ETH_MIXED}";', {("eth_address", ETH_MIXED.lower(), ())}),
    ("eth lower, wallet words", f"Send USDT (ERC20) to {ETH_LOWER}",
     {("eth_address", ETH_LOWER, ("no_checksum",))}),
    ("eth lower, json key", f'{{"address": "{ETH_LOWER}"}}', {("eth_address", ETH_LOWER, ("no_checksum",))}),
    ("eth caps, attribute", f'<span data-wallet="{ETH_CAPS}"></span>',
     {("eth_address", ETH_CAPS.lower(), ("no_checksum",))}),
    ("eth lower, label after", f"{ETH_LOWER} (ethereum)", {("eth_address", ETH_LOWER, ("no_checksum",))}),
    ("eth uri", f'<a href="ethereum:{ETH_MIXED}?value=1e18">', {("eth_address", ETH_MIXED.lower(), ())}),
    # --- LTC, DOGE, TRX, XMR
    ("ltc L", f"LTC: {LTC_L}", {("ltc_address", LTC_L, ())}),
    ("ltc M", f'"litecoin":"{LTC_M}"', {("ltc_address", LTC_M, ())}),
    ("ltc bech32", f"<code>{LTC_BECH32}</code>", {("ltc_address", LTC_BECH32, ())}),
    ("ltc P2SH by label", f"Litecoin: {BTC_P2SH}", {("ltc_address", BTC_P2SH, ("coin_from_label",))}),
    ("ltc json key", f'{{"ltc": "{BTC_P2SH}"}}', {("ltc_address", BTC_P2SH, ("coin_from_label",))}),
    ("doge D", f"Dogecoin {DOGE_D}", {("doge_address", DOGE_D, ())}),
    ("doge A", f"<p>{DOGE_A}</p>", {("doge_address", DOGE_A, ())}),
    ("trx", f"USDT TRC20: {TRX}", {("trx_address", TRX, ())}),
    ("xmr standard", f"Monero: {XMR}", {("xmr_address", XMR, ())}),
    ("xmr integrated", f"<pre>{XMR_INTEGRATED}</pre>", {("xmr_address", XMR_INTEGRATED, ("integrated",))}),
    ("xmr subaddress", f'data-xmr="{XMR_SUB}"', {("xmr_address", XMR_SUB, ())}),
    # --- BCH
    ("bch cashaddr", f"<p>{BCH}</p>", {("bch_address", BCH, ())}),
    ("bch cashaddr upper", f"<p>{BCH.upper()}</p>", {("bch_address", BCH, ())}),
    ("bch p2sh", f'"{BCH_P2SH}"', {("bch_address", BCH_P2SH, ())}),
    ("bch token-aware", f"{BCH_TOKEN}", {("bch_address", BCH, ("token_aware",))}),
    ("bch bare in bch context", f"BCH: {BCH.split(':')[1]}", {("bch_address", BCH, ())}),
    ("bch bare, bitcoin cash", f"Bitcoin Cash address {BCH.split(':')[1]}", {("bch_address", BCH, ())}),
    ("bch legacy labelled", f"BCH {BCH_LEGACY}", {("bch_address", BCH, ("legacy_format", "coin_from_label"))}),
    # --- several on one page: each labelled address gets its own coin
    ("btc and ltc list", f"BTC: {BTC_P2SH}<br>LTC: {BTC_P2SH_2}",
     {("btc_address", BTC_P2SH, ()), ("ltc_address", BTC_P2SH_2, ("coin_from_label",))}),
    ("payment box", f'<div class="pay"><p>Bitcoin</p><input value="{BECH32_V0}" readonly>'
                    f'<p>Ethereum</p><input value="{ETH_MIXED}" readonly>'
                    f'<p>Monero</p><textarea>{XMR}</textarea></div>',
     {("btc_address", BECH32_V0, ()), ("eth_address", ETH_MIXED.lower(), ()), ("xmr_address", XMR, ())}),
]


@pytest.mark.parametrize("name, text, expected", FOUND, ids=[f[0] for f in FOUND])
def test_found(name, text, expected):
    assert found(text) == expected


def _flip(s: str, i: int) -> str:
    alpha = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    return s[:i] + alpha[(alpha.index(s[i]) + 1) % 58] + s[i + 1:]


DECOYS = [
    ("btc broken checksum", f"Send BTC to {_flip(BTC_P2PKH, 20)}"),
    ("p2sh broken checksum", f"BTC: {_flip(BTC_P2SH, 33)}"),
    ("bech32 broken checksum", f"BTC: {BECH32_V0[:-1]}5"),
    ("bech32 mixed case", f"BTC: {BECH32_V0[:10].upper()}{BECH32_V0[10:]}"),
    ("bech32 mixed case 2", "BTC: tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7"),
    ("bip173 v1 in bech32 (invalid since bip350)",
     "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx"),
    ("v0 in bech32m", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh"),
    ("testnet bech32 not reported", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7"),
    ("testnet base58 not reported", "Send tBTC to mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r"),
    ("glued into a longer token", f"id=x{BTC_P2PKH}"),
    ("glued after", f"{BTC_P2PKH}0"),
    ("inside a base64 blob", f"aGVsbG8{BTC_P2PKH}d29ybGQ="),
    ("sha256 in js", 'const integrity = "sha256-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";'
                     ' var h="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";'),
    ("eth tx id", f"Ethereum tx 0x{'5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060'}"),
    ("eth lower in code", f'function f(){{ return keccak("{ETH_LOWER}") }}'),
    ("eth caps in code", f"const K = {ETH_CAPS}; for (let i = 0; i < n; i++) {{}}"),
    ("eth wrong mixed case", f"Send ETH to {ETH_MIXED[:-1]}D"),
    ("eth too long", f"wallet 0x{'ab' * 21}"),
    ("eth 0X prefix", f"wallet 0X{ETH_LOWER[2:]}"),
    ("eth payload is not pay", f'var payload = "{ETH_LOWER}";'),
    ("bch bare without bch context", f"ref {BCH.split(':')[1]}"),
    ("bch cashaddr broken", f"{BCH[:-1]}b"),
    ("xmr broken", f"Monero: {_flip(XMR, 60)}"),
    ("xmr truncated", f"Monero: {XMR[:-1]}"),
    ("trx broken", f"USDT TRC20: {_flip(TRX, 10)}"),
    ("doge broken", f"Dogecoin {_flip(DOGE_D, 30)}"),
    ("css and dates", '<div class="col-md-4 mt-3" style="width:1234px">2024-01-13 10:00 1234567890123456789012345</div>'),
    ("long decimal", "order 1234567891234567891234567891234"),
]


@pytest.mark.parametrize("name, text", DECOYS, ids=[d[0] for d in DECOYS])
def test_decoys_not_found(name, text):
    assert found(text) == set()


def test_p2sh_is_reported_once():
    # '3…' is BTC by default; a Litecoin label makes it LTC instead, never both.
    assert found(f"pay {BTC_P2SH}") == {("btc_address", BTC_P2SH, ())}
    assert found(f"litecoin {BTC_P2SH}") == {("ltc_address", BTC_P2SH, ("coin_from_label",))}


def test_identifier_fields():
    text = "<p>" + "x " * 300 + f'Donate: <code>{BECH32_V0.upper()}</code>' + " y" * 300 + "</p>"
    (ident,) = crypto.extract(Page(text))
    assert ident.kind == "btc_address"
    assert ident.value == BECH32_V0
    assert ident.raw == BECH32_V0.upper()
    assert ident.raw in ident.context and len(ident.context) <= 200


def test_positions_survive_unicode_case_mapping():
    # "İ".lower() is two characters: prefilter positions must still point into the text.
    text = "İstanbul İİİ " + BECH32_V0 + " BCH " + BCH.split(":")[1] + " ltc " + LTC_BECH32
    assert found(text) == {("btc_address", BECH32_V0, ()), ("bch_address", BCH, ()),
                           ("ltc_address", LTC_BECH32, ())}


def test_repeats_reported_once():
    text = f"{BTC_P2PKH} {BTC_P2PKH} bitcoin:{BTC_P2PKH}"
    assert len(list(crypto.extract(Page(text)))) == 1


def test_kinds_cover_every_emitted_kind():
    names = {k.kind for k in crypto.KINDS}
    for _, _, expected in FOUND:
        assert {e[0] for e in expected} <= names
    assert all(k.family == "crypto" and k.strength == "strong" for k in crypto.KINDS)


def test_js_and_json_pages():
    js = f'Stripe.init(); window.payTo = {{btc: "{BECH32_V0}", eth: "{ETH_LOWER}"}};'
    assert found(js, "js") == {("btc_address", BECH32_V0, ()), ("eth_address", ETH_LOWER, ("no_checksum",))}
    assert found(f'[{{"coin":"XMR","wallet":"{XMR}"}}]', "json") == {("xmr_address", XMR, ())}


@pytest.mark.parametrize("text", [
    "", "0x", "0x" * 5000, "bc1" * 5000, "BC1" + "Q" * 10000, "bitcoincash:" * 3000,
    "1" * 100000, "A" * 50000 + "!", "bch " * 5000 + "q" * 42, "\x00\udcff\u202e" * 1000,
    "%" + "3A" * 10000, "ltc1" + "q" * 200, "4" + "z" * 105, "é" * 1000 + BTC_P2PKH,
])
def test_odd_input_never_raises(text):
    # _scan is the extractor without extract()'s safety net: an exception here is a bug.
    list(crypto._scan(text))


PIECES = list("13LMDTA48bc0xqpltBCH:%_-\"'<> \n") + [BTC_P2PKH, BECH32_V0, ETH_LOWER, "bitcoincash:",
                                                     BCH.split(":")[1], "bch", XMR[:50], "ltc1"]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(st.sampled_from(PIECES), max_size=60).map("".join)))
def test_arbitrary_text_never_raises(text):
    for ident in crypto._scan(text):
        assert ident.kind in {k.kind for k in crypto.KINDS}
        assert ident.raw in text


def test_module_docstring_examples():
    import doctest
    result = doctest.testmod(crypto)
    assert result.attempted >= 6 and result.failed == 0


@pytest.mark.parametrize("junk_tokens", [3000, 0])
def test_a_page_of_junk_hex_does_not_hide_a_wallet_behind_it(junk_tokens):
    # A hostile page: thousands of mixed-case 0x tokens that fail EIP-55, and Monero-shaped
    # tokens that fail their Keccak checksum, then the real addresses.  Every candidate is
    # checked (a per-page cap on Keccak checks would stop before the real ones).
    eth_junk = [t for t in (f"0x{i:034d}aBcDeF" for i in range(junk_tokens)) if not crypto.cs.eip55_ok(t)]
    xmr_junk = [XMR[:-6] + f"{i:06d}".replace("0", "A") for i in range(junk_tokens)]
    assert len(eth_junk) >= junk_tokens * 0.9
    assert not any(crypto.cs.monero_address_decode(t) for t in xmr_junk)
    page = " ".join(eth_junk + xmr_junk) + f" pay to {ETH_MIXED} or {XMR}"
    assert found(page) == {("eth_address", ETH_MIXED.lower(), ()), ("xmr_address", XMR, ())}
