"""E-mails: plain, mailto:, entities, obfuscations, Cloudflare; placeholders and file names out."""

from __future__ import annotations


import pytest

from crawler.extractors import emails
from crawler.extractors.model import Page
from tests import sampleweb



def cf_encode(addr: str, key: int) -> str:
    """Cloudflare's scheme, written independently of the decoder under test."""
    return f"{key:02x}" + "".join(f"{b ^ key:02x}" for b in addr.encode())


def values(text: str, ctype: str = "html") -> list[str]:
    return [i.value for i in emails.extract(Page(text, "https://shop-a.se/", ctype))]


FOUND = [
    ("<p>Mail: admin@vids-c.net</p>", ["admin@vids-c.net"]),
    ('<a href="mailto:Orders@Shop-F.co.uk?subject=Order">Mail us</a>', ["orders@shop-f.co.uk"]),
    ('<a href="mailto:info%40shop-a.se">x</a>', ["info@shop-a.se"]),
    ('<a href="MAILTO:a@shop-a.se,b@shop-a.se">x</a>', ["a@shop-a.se", "b@shop-a.se"]),
    ("<p>info&#64;shop-a.se</p>", ["info@shop-a.se"]),
    ("<p>info&#x40;shop-a.se</p>", ["info@shop-a.se"]),
    ("<p>info&commat;shop-a.se</p>", ["info@shop-a.se"]),
    ("<p>info [at] shop-a [dot] se</p>", ["info@shop-a.se"]),
    ("<p>info(at)shop-a.se</p>", ["info@shop-a.se"]),
    ("<p>info {at} shop-a {dot} se</p>", ["info@shop-a.se"]),
    ("<p>Write to sales at shop-b dot com</p>", ["sales@shop-b.com"]),
    ("<p>INFO [AT] SHOP-A [DOT] SE</p>", ["info@shop-a.se"]),
    (f'<span class="__cf_email__" data-cfemail="{cf_encode("info@shop-a.se", 0x5a)}">[email&#160;protected]</span>',
     ["info@shop-a.se"]),
    (f'<a href="/cdn-cgi/l/email-protection#{cf_encode("sales@shop-b.com", 0x13)}">x</a>', ["sales@shop-b.com"]),
    ('<script>var cfg = {"contact": "support@shop-b-members.net"};</script>', ["support@shop-b-members.net"]),
    ('<input type="hidden" name="business" value="payments@shop-b.com">', ["payments@shop-b.com"]),
    ("<p>first.last+tag@mail.shop-a.co.uk</p>", ["first.last+tag@mail.shop-a.co.uk"]),
    ('<a href="/newsletter?email=info@shop-a.se&amp;x=1">x</a>', ["info@shop-a.se"]),
    ("<script>var c='sales@shop-b.com';</script>", ["sales@shop-b.com"]),
    ("<p>a@shop-a.se, A@SHOP-A.SE</p>", ["a@shop-a.se"]),
]


@pytest.mark.parametrize("text,expected", FOUND)
def test_emails_found(text, expected):
    assert values(text) == expected


NOT_EMAILS = [
    ('<img srcset="/img/logo@2x.png 2x, /img/logo@3x.webp 3x">', "retina file names"),
    ("<p>logo@2x.png</p>", "file name in text"),
    ('<a href="/dl/pack@v2.zip">x</a> <a href="/v/intro@hd.mov">y</a>', "file names whose extension is also a TLD"),
    ('<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.0/dist/js/bootstrap.min.js"></script>',
     "package pin"),
    ('<script>Sentry.init({dsn: "https://abc123def@o123.ingest.sentry.io/456"});</script>', "URL user info"),
    ("<p>you@example.com</p>", "documentation domain"),
    ("<p>test@example.org, x@example.net</p>", "documentation domains"),
    ("<p>user@domain.com</p>", "template"),
    ("<p>name@email.com</p>", "template"),
    ("<p>you@yourdomain.com</p>", "template"),
    ("<p>your@email</p>", "no domain"),
    ("<p>namn@exempel.se</p>", "Swedish example domain"),
    ('<input type="email" placeholder="namn@foretag.se">', "placeholder attribute"),
    ("<p>admin@localhost</p>", "no public suffix"),
    ("<p>x@shop.local</p>", "not a public suffix"),
    ("<style>@media (max-width: 600px) { a { color: red } }</style>", "CSS at-rule"),
    ("<p>Follow @shop_a on X</p>", "social handle"),
    ("<p>Meet us at shop-a.se today</p>", "bare ' at ' without ' dot '"),
    ('<span data-cfemail="zz12">x</span>', "broken Cloudflare hex"),
]


@pytest.mark.parametrize("text,why", NOT_EMAILS)
def test_not_emails(text, why):
    assert values(text) == [], why


def test_identifier_fields():
    [ident] = emails.extract(Page("<p>Kontakt: Info@Shop-A.se</p>", "https://shop-a.se/", "html"))
    assert (ident.kind, ident.value, ident.raw) == ("email", "info@shop-a.se", "Info@Shop-A.se")
    assert "Kontakt" in ident.context and len(ident.context) <= 200


@pytest.mark.parametrize("addr,key", [("info@shop-a.se", 0x5a), ("x.y@z-shop.co.uk", 0x01), ("å@shop.se", 0xfe)])
def test_cf_decode_roundtrip(addr, key):
    assert emails.cf_decode(cf_encode(addr, key)) == addr


def test_json_and_js():
    assert values('{"email":"Sales@Shop-B.com","img":"a@2x.png"}', "json") == ["sales@shop-b.com"]
    assert values('x = "info [at] shop-a [dot] se"', "js") == []  # obfuscations are prose, not code


@pytest.mark.parametrize("domain,path,rows", list(sampleweb.pages_with("email")))
def test_sample_web_emails(domain, path, rows):
    text, url = sampleweb.page(domain, path)
    found = [i.value for i in emails.extract(Page(text, url, "html"))]
    for row in rows["must"]:
        assert row["value"] in found, row
    for row in rows["decoys"]:
        assert row["value"] not in found, row
