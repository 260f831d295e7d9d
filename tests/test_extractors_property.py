"""Every extractor family on arbitrary text and markup: no exception, well-formed output,
bounded time (hypothesis deadline), and no blow-up on adversarial inputs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extractors import FAMILIES, Identifier, Page, extract_all, extract_meta
from crawler.extractors.links import link_urls
from crawler.extractors.model import CONTEXT_CHARS

FAMILY_NAMES = [f.__name__.rsplit(".", 1)[-1] for f in FAMILIES]

# Pieces real pages are made of, and pieces of every family's identifiers, so generated
# markup reaches the deep paths (checksums, phone matcher, Cloudflare decoding…).
FRAGMENTS = [
    "<html lang=\"sv\">", "<html lang=ru>", "</html>", "<head>", "<title>", "</title>", "<body>", "<p>", "</p>",
    "<div class=\"x\">", "</div>", "<a href=\"", "\">", "</a>", "<script>", "</script>", "<style>", "</style>",
    "<!--", "-->", "<meta name=\"description\" content=\"", "<link rel=canonical href=", "<form action='",
    "<iframe src=", "<base href=\"", "<input placeholder=\"", "<img srcset=\"a@2x.png 2x\">", "<br>",
    "&nbsp;", "&#64;", "&#x40;", "&commat;", "&amp;", "&#", ";", "\"", "'", "=", "<", ">", "/", " ", "\n",
    "070-123 45 67", "08-123 456 78", "+46 70 123 45 67", "+44 20 7946 0958", "(415) 555-0132", "0046",
    "tel:", "callto:", "2024-03-15", "15.03.2024", "1 299 kr", "Order #", "Org.nr 556677-8899", "EAN ",
    "\"telephone\": \"", "+", "(", ")", "-", ".", "0", "7", "1234567890123456789",
    "info@shop-a.se", "@", "mailto:", "%40", "[at]", "(at)", " at ", "[dot]", " dot ", "data-cfemail=\"",
    "5a33343c351a2932352a773b74293f", "/cdn-cgi/l/email-protection#", "ff", "you@example.com",
    "https://t.me/", "shopa_support", "t.me/joinchat/", "t.me/+", "tg://resolve?domain=", "Telegram: @",
    "wa.me/", "api.whatsapp.com/send?phone=", "chat.whatsapp.com/", "signal.me/#p/+", "Signal: +",
    "signal.group/#", "skype:", "?call", "Skype: ", "icq.im/", "ICQ: ", "threema.id/", "Threema ID: ",
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bc1", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x", "bitcoincash:", "ltc1", "wallet ",
    "pk_live_", "pk_test_", "buy.stripe.com/", "paypal", "hosted_button_id", "business", "SE45 5000 0000 0583 9825 7466",
    "GTM-", "UA-", "G-", "ca-pub-", "fbq('init', '", "ym(", "hjid:", "data:image/png;base64,iVBOR",
]
URLS = [None, "https://shop-a.se/", "http://shop.com/x", "https://shop-f.co.uk/c.html", "http://127.0.0.2:8080/",
        "not a url", "https://xn--80ak6aa92e.xn--p1ai/"]
CTYPES = ["html", "js", "json", "text", None]

markup = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=120).map("".join)
anything = st.one_of(st.text(max_size=3000), markup)
SETTINGS = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


def _kinds(family) -> set[str]:
    return {k.kind for k in family.KINDS}


def _check(idents, kinds: set[str]) -> None:
    for ident in idents:
        assert isinstance(ident, Identifier)
        assert ident.kind in kinds, ident
        assert ident.value and isinstance(ident.value, str)
        assert isinstance(ident.raw, str) and isinstance(ident.context, str)
        assert len(ident.context) <= CONTEXT_CHARS
        assert "base64,iVBOR" not in ident.context  # data: URIs are never copied


@pytest.mark.parametrize("family", FAMILIES, ids=FAMILY_NAMES)
@SETTINGS
@given(text=anything, url=st.sampled_from(URLS), ctype=st.sampled_from(CTYPES))
def test_family_on_anything(family, text, url, ctype):
    page = Page(text, url, ctype, "SE")
    _check(list(family.extract(page)), _kinds(family))
    # extract() swallows errors so one bad page cannot stop a crawl; the inner function
    # (where a family has one) must not need that guard on these inputs.
    inner = getattr(family, "_extract", None)
    if inner is not None:
        _check(list(inner(Page(text, url, ctype, "SE"))), _kinds(family))


@SETTINGS
@given(text=anything, url=st.sampled_from(URLS), ctype=st.sampled_from(CTYPES))
def test_extract_all_and_meta_on_anything(text, url, ctype):
    page = Page(text, url, ctype)
    idents = extract_all(page)
    _check(idents, set().union(*(_kinds(f) for f in FAMILIES)))
    assert len({(i.kind, i.value) for i in idents}) == len(idents)
    from crawler.extractors import page_meta
    meta = page_meta._extract_meta(Page(text, url, ctype))  # unguarded: must not raise either
    assert meta == extract_meta(page)
    assert all(isinstance(d, str) and d for d in meta["linked_domains"])
    assert all(u.startswith(("http://", "https://")) for u in link_urls(page))


# Inputs built to make a careless regex backtrack or a per-candidate step run away.
ADVERSARIAL = {
    "digits_and_separators": "070-123 45 67 " * 20000,
    "digit_soup": "1-2 3.4/5(6)7 " * 30000,
    "at_signs": "@" * 200000,
    "local_parts": ("a" * 60 + "@") * 5000,
    "domains": "x@" + "a." * 100000,
    "obfuscation_markers": "info [at] shop [dot] " * 20000,
    "telegram_words": "telegram @ " * 30000,
    "unclosed_script": "<script>" + "var a = '+46 70 123 45 67';" * 10000,
    "tags": "<a href=" * 50000,
    "entities": "&#64;" * 50000,
    "plus_digits": "+1" * 100000,
    "base58": "1" * 300000,
    "hex": "0x" + "a" * 300000,
    "tel_links": "<a href=\"tel:" * 30000,
    "mailto": "mailto:" * 40000 + "a@b",
    "telegram_links": "t.me/" * 50000,
    "comments_and_scripts": "<!--<script><style>" * 20000,
    "cfemail": "data-cfemail=\"" + "ab" * 100000,
    "dotted_domains": ("@" + "ab." * 300) * 300,
    "title": "<title>" * 50000,
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_inputs_finish(name):
    text = ADVERSARIAL[name]
    for ctype in ("html", "text"):
        page = Page(text, "https://shop-a.se/", ctype)
        extract_all(page)
        extract_meta(page)
