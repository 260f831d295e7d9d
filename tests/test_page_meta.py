"""Page metadata: title, meta tags, lang, canonical, og:site_name, linked domains; and the
page's links as the one link extractor (crawler/extractors/links.py) lists them."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

import pytest

from crawler.extractors import extract_meta
from crawler.extractors.links import link_bonus, link_urls, page_links
from crawler.extractors.model import Page

PAGE = """<!DOCTYPE html>
<html lang="sv-SE">
<head>
<meta charset="utf-8">
<title>
  Shop A &ndash; Presenter
</title>
<meta name="Description" content="Handgjorda presenter &amp; kort">
<meta content="gåvor, presenter" name="keywords">
<meta name="generator" content="WordPress 6.4.2">
<meta property="og:site_name" content='Shop A'>
<link rel="canonical" href="/index.html">
<link rel="stylesheet" href="https://cdn.shop-cdn.net/css/site.css">
<!-- <a href="https://commented-out.example.org/">old</a> -->
<script>document.write('<a href="https://in-script.example.net/">x</a>');</script>
</head>
<body>
<a href="/kontakt.html#form">Kontakt</a>
<a href="kassa.html">Kassa</a>
<a href="https://www.shop-a.se/om-oss.html">Om oss</a>
<a href="https://partner.Other-Shop.co.uk/ref?id=1">Partner</a>
<a href="//static.cdn-example.com/x">cdn</a>
<a href="mailto:info@shop-a.se">mail</a>
<a href="tel:+46701234567">ring</a>
<a href="javascript:void(0)">js</a>
<a href=https://unquoted.example.io/path>unquoted</a>
<form action="https://www.paypal.com/cgi-bin/webscr" method="post"></form>
<iframe src="https://www.youtube.com/embed/xyz"></iframe>
</body></html>"""


@pytest.fixture(scope="module")
def meta():
    return extract_meta(Page(PAGE, "https://shop-a.se/produkter/", "html"))


@pytest.mark.parametrize("key,value", [
    ("title", "Shop A – Presenter"),
    ("description", "Handgjorda presenter & kort"),
    ("keywords", "gåvor, presenter"),
    ("generator", "WordPress 6.4.2"),
    ("lang", "sv"),
    ("canonical", "https://shop-a.se/index.html"),
    ("og_site_name", "Shop A"),
])
def test_fields(meta, key, value):
    assert meta[key] == value


def test_linked_domains(meta):
    # own site (shop-a.se, www.shop-a.se), mailto:/tel:/javascript:, comments and scripts left out
    assert meta["linked_domains"] == ["cdn-example.com", "example.io", "other-shop.co.uk", "paypal.com",
                                      "shop-cdn.net", "youtube.com"]


def test_links_come_from_the_link_extractor(meta):
    assert "links" not in meta   # one link extractor: links.py
    # page order, fragments dropped, each once; POST forms, <link>, comments and scripts not read
    assert link_urls(Page(PAGE, "https://shop-a.se/produkter/", "html")) == [
        "https://shop-a.se/kontakt.html",
        "https://shop-a.se/produkter/kassa.html",
        "https://www.shop-a.se/om-oss.html",
        "https://partner.Other-Shop.co.uk/ref?id=1",
        "https://static.cdn-example.com/x",
        "https://unquoted.example.io/path",
        "https://www.youtube.com/embed/xyz",
    ]


def test_link_urls_dedupe_and_cap():
    page = Page("".join(f'<a href="/p{i % 7}.html#x{i}">p</a>' for i in range(50)), "https://shop-a.se/", "html")
    assert link_urls(page) == [f"https://shop-a.se/p{i}.html" for i in range(7)]
    assert link_urls(page, max_links=3) == [f"https://shop-a.se/p{i}.html" for i in range(3)]


@pytest.mark.parametrize("base", ["https://shop-a.se/", "https://shop-a.se:8443/x/y.html?q=1#f", "HTTP://Shop-A.se/a",
                                  "http://[::1]:8080/p", "http://u:pw@shop-a.se/a/b", "https://shop-a.se",
                                  "http://shop-a.se/a b/"])
@pytest.mark.parametrize("ref", ["/", "/p1.html", "/a/../b", "/./x", "/x/.", "/x/..", "/.hidden", "/a?b=/../",
                                 "//other.se/x", "/\\other.se", "/x#f", "/x?y#z", "/x?", "/x?#f", "/x??", "/x#?",
                                 "/x\ty", "/x\ny", "/ü", "/a%20b", "/a//b", "/?", "/#", "/x;p?q", "/x:y", "/\x7f",
                                 "p2.html", "../up.html", "?q=2", "https://other.se/z"])
def test_links_join_as_urljoin(base, ref):
    # "/path" links join by concatenation (crawler/extractors/links.py); the URLs must be
    # urljoin's, fragment dropped, for every base and reference
    page = Page(f'<a href="{html.escape(ref)}">x</a>', base, "html")
    expected = urljoin(base, ref).split("#", 1)[0]
    assert [url for url, *_ in page_links(page, base)[0]] == [expected]


@pytest.mark.parametrize("href, anchor, bonus", [
    ("/KONTAKT", "", 10), ("/p?Action=Checkout", "", 10), ("/p1.html", "BUY NOW", 10), ("/p1.html", "Om oss", 0),
    ("/om-oss", "x", 10), ("/p1.html", "Product 1", 0), ("/Beställ", "", 10),
])
def test_link_bonus_ignores_case(href, anchor, bonus):
    page = Page(f'<a href="{href}">{anchor}</a>', "https://shop-a.se/", "html")
    (_, _, parts, element), = page_links(page, "https://shop-a.se/")[0]
    assert link_bonus(parts, element) == bonus
    assert link_bonus(urlsplit(f"https://shop-a.se{href}"), anchor) == bonus


def test_base_href():
    m = extract_meta(Page('<base href="https://mirror.shop-a.ru/a/"><a href="b.html">b</a>', "https://shop-a.se/", "html"))
    assert link_urls(Page('<base href="https://mirror.shop-a.ru/a/"><a href="b.html">b</a>', "https://shop-a.se/",
                          "html")) == ["https://mirror.shop-a.ru/a/b.html"]
    assert m["linked_domains"] == ["shop-a.ru"]


@pytest.mark.parametrize("text,ctype", [("var a = '<title>x</title>';", "js"), ('{"title": "x"}', "json"),
                                        ("", "html"), ("<<<>>>", "html")])
def test_not_html_or_empty(text, ctype):
    m = extract_meta(Page(text, "https://shop-a.se/", ctype))
    assert m["title"] is None and m["linked_domains"] == []
    assert link_urls(Page(text, "https://shop-a.se/", ctype)) == []
    assert set(m) == {"title", "description", "keywords", "generator", "lang", "canonical",
                      "og_site_name", "linked_domains"}


def test_no_url_keeps_absolute_links_only():
    page = Page('<a href="/rel">r</a><a href="https://a.example.com/">a</a>', None, "html")
    assert link_urls(page) == ["https://a.example.com/"] and extract_meta(page)["linked_domains"] == ["example.com"]


def test_data_uri_never_in_output():
    m = extract_meta(Page('<link rel="icon" href="data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="><title>t</title>',
                          "https://shop-a.se/", "html"))
    assert "iVBOR" not in repr(m)


def test_upper_case_tags_read_as_lower_case_ones_values_keep_their_case():
    lower = ('<html lang="sv"><head><title>Shop</title><meta name="Description" content="Gåvor &amp; KORT">'
             '<meta property="og:site_name" content="ShopA"><link rel="Canonical" href="https://shop-a.se/Start">'
             '<base href="https://shop-a.se/"></head><body><a href="https://Partner.CO.UK/X">p</a>'
             '<iframe src="//cdn.other.se/f"></iframe><!-- <a href="https://hidden.se/"> --></body></html>')
    upper = re.sub(r"<(/?)(html|head|title|meta|link|base|body|a|iframe)\b",
                   lambda m: f"<{m.group(1)}{m.group(2).upper()}", lower)
    assert "<META " in upper and "<A " in upper
    got = extract_meta(Page(upper, "https://shop-a.se/", "html"))
    assert got == extract_meta(Page(lower, "https://shop-a.se/", "html"))
    assert got["description"] == "Gåvor & KORT" and got["canonical"] == "https://shop-a.se/Start"
    assert got["linked_domains"] == ["other.se", "partner.co.uk"] and got["og_site_name"] == "ShopA"
