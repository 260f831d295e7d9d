"""Phones: phonenumbers-validated, E.164, national formats with the page's region, decoys out."""

from __future__ import annotations


import pytest

from crawler.extractors import phones
from crawler.extractors.model import Page
from tests import sampleweb



def values(html: str, url: str | None = None, ctype: str = "html", default: str | None = None) -> list[str]:
    return [i.value for i in phones.extract(Page(html, url, ctype, default))]


FOUND = [
    # (markup, url, expected E.164 values)
    ("<p>Ring oss: 070-123 45 67</p>", "https://shop-a.se/", ["+46701234567"]),
    ("<p>Ring oss: 070&nbsp;123&nbsp;45&nbsp;67</p>", "https://shop-a.se/", ["+46701234567"]),
    ("<p>Tel:070-1234567</p>", "https://shop-a.se/", ["+46701234567"]),
    ("<p>Mobil 0701234567</p>", "https://shop-a.se/", ["+46701234567"]),
    ("<p>Växel: <b>08-123 456 78</b></p>", "https://shop-a.se/", ["+46812345678"]),
    ("<p>Ring 070–123 45 67</p>", "https://shop-a.se/", ["+46701234567"]),  # en dash
    ("<p>(+46) 70 123 45 67</p>", None, ["+46701234567"]),
    ("<p>01.23.45.67.89</p>", "https://shop.fr/", ["+33123456789"]),
    ("<p>(08) 123 456 78</p>", "https://shop-a.se/", ["+46812345678"]),
    ("<p>+46 (0)70-123 45 67</p>", "https://shop.com/", ["+46701234567"]),
    ("<p>0046 70 123 45 67</p>", "https://shop-a.se/", ["+46701234567"]),
    ("<p>Телефон: 8 (495) 123-45-67</p>", "https://shop-a-mirror.ru/", ["+74951234567"]),
    ("<p>Call (415) 555-0132 today</p>", "https://shop.us/", ["+14155550132"]),
    ("<p>Call 020 7946 0321</p>", "https://shop-f.co.uk/", ["+442079460321"]),
    ("<p>+44 20 7946 0958.</p>", "https://shop-b.com/", ["+442079460958"]),
    ("<p>+1 415 555 0132 and +44 20 7946 0958</p>", None, ["+14155550132", "+442079460958"]),
    ("<p>070-123 45 67 / 08-123 456 78</p>", "https://shop-a.se/", ["+46701234567", "+46812345678"]),
    # a generic "No"/"nr" label after a phone word is still a phone label
    ("<p>Tel No: 020 7946 0321</p>", "https://shop-f.co.uk/", ["+442079460321"]),
    ("<p>Tel. nr 070-123 45 67</p>", "https://shop-a.se/", ["+46701234567"]),
    # region from <html lang> when the TLD says nothing
    ('<html lang="sv"><p>070-123 45 67</p></html>', "https://shop.com/", ["+46701234567"]),
    # tel: links, percent-escaped, national with region
    ('<a href="tel:+46701234567">ring</a>', "https://shop.com/", ["+46701234567"]),
    ('<a href="tel:070-123%2045%2067">ring</a>', "https://shop-a.se/", ["+46701234567"]),
    ("<a href='callto:+442079460958'>x</a>", "https://shop.com/", ["+442079460958"]),
    # JSON-LD telephone, +CC numbers inside scripts
    ('<script type="application/ld+json">{"@type":"Store","telephone": "+44 20 7946 0958"}</script>',
     "https://shop.com/", ["+442079460958"]),
    ('<script>var support = "+7 916 123-45-67";</script>', "https://shop.com/", ["+79161234567"]),
    # the same number twice is one identifier
    ("<p>070-123 45 67</p><p>+46 70 123 45 67</p>", "https://shop-a.se/", ["+46701234567"]),
]


@pytest.mark.parametrize("html,url,expected", FOUND)
def test_phones_found(html, url, expected):
    assert values(html, url) == expected


NOT_PHONES = [
    # (markup, url, why) — each would be a valid number if the rule were missing, or is a
    # classic matcher false positive
    ("<p>070-123 45 67</p>", "https://shop.com/", "national format without any region"),
    ('<script>var phone = "8 916 123-45-67";</script>', "https://shop-a-mirror.ru/", "national format in code"),
    ('<div data-phone="+46701234567">x</div>', "https://shop.com/", "attribute"),
    ('<img src="/img/0701234567.jpg" alt="">', "https://shop-a.se/", "file name in attribute"),
    ("<p>bild_070-123-45-67.jpg</p>", "https://shop-a.se/", "file name in text"),
    ("<p>www.shop-a.se/p/070-123-45-67</p>", "https://shop-a.se/", "digits inside a URL"),
    ('<a href="https://shop-a.se/item/0701234567">vara</a>', "https://shop-a.se/", "URL in href"),
    ("<p>2024-03-15</p>", "https://shop-a.se/", "date"),
    ("<p>2024-03-15 – 2024-03-20</p>", "https://shop-a.se/", "date range"),
    ("<p>2024-03-15–2024-03-20</p>", "https://shop-a.se/", "date range, en dash"),
    ("<p>© 1990–2024 · 2012–2020</p>", "https://shop.us/", "year ranges"),
    ("<p>15.03.2024-20.03.2024</p>", "https://shop-a.se/", "date range, dotted"),
    ("<p>1 299 000 kr</p>", "https://shop-a.se/", "price"),
    ("<p>€ 1.299,00</p>", "https://shop.de/", "price"),
    ("<p>$1,234,567.89</p>", "https://shop.us/", "price"),
    ("<p>Order #100234987</p>", "https://shop-a.se/", "order id"),
    ("<p>Ordernummer: 0701234567</p>", "https://shop-a.se/", "order id that is a valid number"),
    ("<p>Faktura 202403157781</p>", "https://shop.com/", "invoice number"),
    ("<p>Kundnummer: 070-123 45 67</p>", "https://shop-a.se/", "customer number that is a valid number"),
    ("<p>Ref no. 020 7946 0321</p>", "https://shop-f.co.uk/", "reference that is a valid number"),
    ("<p>Org.nr 556677-8899</p>", "https://shop-a.se/", "company registration number"),
    ("<p>556677-8899</p>", "https://shop-a.se/", "company registration number, no label"),
    ("<p>4471234567</p>", "https://shop-a-mirror.ru/", "unbroken id without trunk prefix"),
    ("<p>EAN 4006381333931</p>", "https://shop-a.se/", "EAN"),
    ("<p>1700000000000</p>", "https://shop-a.se/", "timestamp"),
    ("<p>12345678901234567890</p>", "https://shop-a.se/", "long digit run"),
    ("<p>ver 1.070.123.4567</p>", "https://shop-a.se/", "version string"),
    ("<p>+46 70 123 45 6</p>", "https://shop.com/", "too short: invalid"),
    ("<!-- 070-123 45 67 -->", "https://shop-a.se/", "comment"),
]


# Numbers as ads write them: national and international forms, split by a label.
AD_FORMS = [
    ("Nummer: 070 123 45 67", "+46701234567"),
    ("Nummer:0701234567", "+46701234567"),
    ("Nr: 070-123 45 67", "+46701234567"),
    ("ring/sms 0701234567", "+46701234567"),
    ("Ring/sms: 070-123 45 67", "+46701234567"),
    ("tel/whatsapp +46701234567", "+46701234567"),
    ("tel/whatsapp 46701234567", "+46701234567"),
    ("whatsapp: 46 70 123 45 67", "+46701234567"),
    ("46 70 123 45 67", "+46701234567"),
    ("46-70-123 45 67", "+46701234567"),
    ("+46 70 123 45 67", "+46701234567"),
    ("+46 (0) 70 123 45 67", "+46701234567"),
    ("+46.70.123.45.67", "+46701234567"),
    ("0046 70 123 45 67", "+46701234567"),
    ("0046701234567", "+46701234567"),
    ("0046-70-1234567", "+46701234567"),
    ("070-123 45 67", "+46701234567"),
    ("070 123 45 67", "+46701234567"),
    ("070.123.45.67", "+46701234567"),
    ("070 12 34 567", "+46701234567"),
    ("sms 070 - 123 45 67", "+46701234567"),
    ("Pris 1500 kr 070-1234567", "+46701234567"),
    ("1500:- ring 0701234567", "+46701234567"),
    ("(sms) 0701234567", "+46701234567"),
]


@pytest.mark.parametrize("text,expected", AD_FORMS)
def test_ad_forms(text, expected):
    assert values(f"<p>{text}</p>", "https://annonser.se/") == [expected]
    # a .com platform with the region given by the case's default region
    assert values(f"<div>{text}</div>", "https://ads.com/", default="SE") == [expected]


AD_DECOYS = [
    ("Annons-ID: 70123456", "ad id"),
    ("Annonsnr 0701234567", "ad number that is a valid number"),
    ("Ad no. 0701234567", "ad number after an id word"),
    ("46701234567", "unbroken country-code run without a contact word"),
    ("Pris: 2 000 kr/h", "price"),
    ("1 500 kr · 2 500 kr", "prices"),
    ("Publicerad 2026-11-03 14:22", "date and time"),
    ("123 45 Stockholm", "postcode"),
    ("Postnummer 11122", "postcode, labelled"),
    ("Order #46701234567", "order number"),
    ("Ordernummer 46 70 123 45 67", "order number in phone shape"),
    ("Visningar: 4670123", "view counter"),
]


@pytest.mark.parametrize("text,why", AD_DECOYS)
def test_ad_decoys(text, why):
    assert values(f"<p>{text}</p>", "https://annonser.se/") == [], why


@pytest.mark.parametrize("html,url,why", NOT_PHONES)
def test_not_phones(html, url, why):
    assert values(html, url) == [], why


def test_national_needs_region_default_supplies_it():
    html = "<p>070-123 45 67</p>"
    assert values(html, "https://shop.com/") == []
    assert values(html, "https://shop.com/", default="SE") == ["+46701234567"]
    # the ccTLD wins over the configured default
    assert values("<p>020 7946 0321</p>", "https://shop.co.uk/", default="SE") == ["+442079460321"]


@pytest.mark.parametrize("ctype,text,expected", [
    ("text", "Ring 070-123 45 67 eller 08-123 456 78", ["+46701234567", "+46812345678"]),
    ("js", 'const a = "070-123 45 67", b = "+46 70 123 45 68";', ["+46701234568"]),
    ("json", '{"phone": "+44 20 7946 0958", "zip": "11122", "ts": 1700000000000}', ["+442079460958"]),
])
def test_content_types(ctype, text, expected):
    assert values(text, "https://shop-a.se/", ctype) == expected


def test_identifier_fields():
    html = "<div><p>Kundtjänst: 070-123 45 67 (vardagar)</p></div>"
    [ident] = phones.extract(Page(html, "https://shop-a.se/", "html"))
    assert ident.kind == "phone" and ident.raw == "070-123 45 67"
    assert "Kundtjänst" in ident.context and len(ident.context) <= 200
    assert "<p>" not in ident.context


def test_e164_helper():
    assert phones.e164("+46 70-123 45 67") == "+46701234567"
    assert phones.e164("070-123 45 67", "SE") == "+46701234567"
    assert phones.e164("070-123 45 67") is None
    assert phones.e164("+46 70") is None


@pytest.mark.parametrize("domain,path,rows", list(sampleweb.pages_with("phone")))
def test_sample_web_phones(domain, path, rows):
    """The sample web's expected.json: every phone on its page, no decoy digits."""
    text, url = sampleweb.page(domain, path)
    found = values(text, url)
    for row in rows["must"]:
        assert row["value"] in found, row
    for row in rows["decoys"]:
        assert not any(row["digits"] in v for v in found), row
