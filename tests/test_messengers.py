"""Messengers: one row per way a handle shows up, canonical values, generic paths and prose out."""

from __future__ import annotations


import pytest

from crawler.extractors import messengers
from crawler.extractors.model import Page
from tests import sampleweb



def ids(text: str, url: str | None = "https://shop.com/", ctype: str = "html") -> list[str]:
    return [i.id for i in messengers.extract(Page(text, url, ctype))]


FOUND = [
    # Telegram
    ('<a href="https://t.me/ShopA_Support">TG</a>', ["telegram:shopa_support"]),
    ('<a href="https://telegram.me/vidsc_admin">TG</a>', ["telegram:vidsc_admin"]),
    ("<p>t.me/s/news_channel_x</p>", ["telegram:news_channel_x"]),
    ('<a href="tg://resolve?domain=shopa_support">app</a>', ["telegram:shopa_support"]),
    ("<p>Telegram: @ShopA_Support</p>", ["telegram:shopa_support"]),
    ("<p>Пишите в телеграм @shopa_support</p>", ["telegram:shopa_support"]),
    ("<p>TG: @vidsc_admin</p>", ["telegram:vidsc_admin"]),
    ("<p>https://t.me/joinchat/AAAAAEk2Lq3Zx9Yw</p>", ["telegram_invite:AAAAAEk2Lq3Zx9Yw"]),
    ('<a href="https://t.me/+AbCdEf123456">join</a>', ["telegram_invite:AbCdEf123456"]),
    # WhatsApp
    ('<a href="https://wa.me/14155550132">chat</a>', ["whatsapp:+14155550132"]),
    ('<a href="https://wa.me/+46701234567?text=hej">chat</a>', ["whatsapp:+46701234567"]),
    ('<a href="https://api.whatsapp.com/send?phone=79161234567&amp;text=hi">wa</a>', ["whatsapp:+79161234567"]),
    ('<a href="whatsapp://send?phone=%2B46701234567">wa</a>', ["whatsapp:+46701234567"]),
    ("<p>WhatsApp: +1 415 555 0132</p>", ["whatsapp:+14155550132"]),
    ('<a href="https://chat.whatsapp.com/AbCdEfGhIjKlMnOpQr12">group</a>',
     ["whatsapp_group:AbCdEfGhIjKlMnOpQr12"]),
    # Signal
    ('<a href="https://signal.me/#p/+46701234567">Signal</a>', ["signal:+46701234567"]),
    ("<p>Signal: +46 70 123 45 67</p>", ["signal:+46701234567"]),
    ('<a href="https://signal.group/#CjQKIAbcdefghijklmnop">grp</a>', ["signal_group:CjQKIAbcdefghijklmnop"]),
    # Skype, ICQ, Threema
    ('<a href="skype:Shop.Sales?call">call</a>', ["skype:shop.sales"]),
    ("<p>Skype: shop.sales</p>", ["skype:shop.sales"]),
    ('<a href="skype:live:.cid.1234abcd?chat">x</a>', ["skype:live:.cid.1234abcd"]),
    ('<a href="https://icq.im/123456789">ICQ</a>', ["icq:123456789"]),
    ("<p>ICQ: 123-456-789</p>", ["icq:123456789"]),
    ("<p>ICQ#55512345</p>", ["icq:55512345"]),
    ('<a href="https://threema.id/ECHOECHO">Threema</a>', ["threema:echoecho"]),
    ("<p>Threema ID: ABCD1234</p>", ["threema:abcd1234"]),
    # JSON / JS
    ('{"telegram": "https://t.me/shopa_support", "wa": "https://wa.me/46701234567"}',
     ["telegram:shopa_support", "whatsapp:+46701234567"]),
]


@pytest.mark.parametrize("text,expected", FOUND)
def test_messengers_found(text, expected):
    assert sorted(ids(text)) == sorted(expected)


NOT_HANDLES = [
    ('<a href="https://t.me/share/url?url=https://shop.com">Share</a>', "share button"),
    ("<p>https://t.me/addstickers/CoolPack</p>", "sticker pack"),
    ("<p>https://t.me/c/1234567/89</p>", "private post link"),
    ("<p>https://t.me/iv?url=x&rhash=y</p>", "instant view"),
    ("<p>t.me/abc</p>", "too short for a username"),
    ("<p>Follow @shopa_support</p>", "@handle without a telegram word"),
    ("<p>hot.me/abcdef, at.me/abcdef</p>", "other .me hosts"),
    ('<a href="https://wa.me/message/ABCDEF123">x</a>', "business short link, not a number"),
    ('<a href="https://wa.me/123">x</a>', "not a phone number"),
    ('<a href="https://wa.me/46000000000">x</a>', "invalid number"),
    ("<p>Signal: strong</p>", "prose"),
    ("<p>Skype for Business</p>", "prose"),
    ("<p>We use Skype: yes</p>", "too short to be a Skype name"),
    ("<p>ICQ: 12</p>", "too short"),
    ("<p>Threema ID: whatever</p>", "not an id"),
    ("<p>threema.id/ABC</p>", "short id"),
    ("<p>signal.me/#p/+4670</p>", "invalid number"),
]


@pytest.mark.parametrize("text,why", NOT_HANDLES)
def test_not_handles(text, why):
    assert ids(text) == [], why


def test_identifier_fields():
    [ident] = messengers.extract(Page('<p>Support: <a href="https://t.me/ShopA_Support">chat</a></p>',
                                      "https://shop-a.se/", "html"))
    assert ident.kind == "telegram" and ident.value == "shopa_support" and ident.raw == "ShopA_Support"
    assert "t.me/ShopA_Support" in ident.context and len(ident.context) <= 200


def test_kinds_cover_every_pattern():
    kinds = {k.kind for k in messengers.KINDS}
    assert {p.kind for p in messengers.PATTERNS} <= kinds


def _sample_rows():
    kinds = {k.kind for k in messengers.KINDS}
    for domain, exp in sampleweb.expected_domains().items():
        for row in exp.get("must", []):
            if row["kind"] in kinds:
                yield pytest.param(domain, row, id=f"{domain}{row['page']}:{row['kind']}")


@pytest.mark.parametrize("domain,row", list(_sample_rows()))
def test_sample_web_messengers(domain, row):
    text, url = sampleweb.page(domain, row["page"])
    assert f"{row['kind']}:{row['value']}" in ids(text, url)
