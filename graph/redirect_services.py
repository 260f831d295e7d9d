"""Services a redirect or a moved notice may lead to without saying who runs the site.

A shop that sends its visitors to PayPal, to a bit.ly link, to its Telegram channel or to
a parking page has not become PayPal, bit.ly, Telegram or the parking company: such a
redirect is neither a tie between two operators' sites (graph/ties.py) nor a domain hop
(graph/history.py, graph/alerts.py).  One row per registered domain, with its category;
supporting one more service is one row.

>>> is_redirect_service("bit.ly"), is_redirect_service("shop-b.com")
(True, False)
>>> service_category("checkout.stripe.com")
'processor'
"""

from __future__ import annotations

from typing import NamedTuple

from crawler.domains import registered_domain


class Service(NamedTuple):
    domain: str        # registered domain (eTLD+1)
    category: str      # platform | processor | shortener | parking | messenger
    note: str = ""


REDIRECT_SERVICES: tuple[Service, ...] = (
    # link shorteners: a /go/ or /out link that passes through one is a link, not a move
    Service("bit.ly", "shortener"), Service("bitly.com", "shortener"), Service("tinyurl.com", "shortener"),
    Service("t.co", "shortener", "X/Twitter's wrapper"), Service("goo.gl", "shortener"),
    Service("is.gd", "shortener"), Service("v.gd", "shortener"), Service("ow.ly", "shortener"),
    Service("buff.ly", "shortener"), Service("cutt.ly", "shortener"), Service("rebrand.ly", "shortener"),
    Service("shorturl.at", "shortener"), Service("rb.gy", "shortener"), Service("tiny.cc", "shortener"),
    Service("bl.ink", "shortener"), Service("s.id", "shortener"), Service("t.ly", "shortener"),
    Service("lnkd.in", "shortener"), Service("clck.ru", "shortener"), Service("adf.ly", "shortener"),
    Service("shorte.st", "shortener"), Service("linktr.ee", "shortener", "link-in-bio pages"),
    # payment processors and crypto gateways: a checkout is where the money goes, not the shop
    Service("paypal.com", "processor"), Service("paypal.me", "processor"), Service("stripe.com", "processor"),
    Service("ccbill.com", "processor"), Service("segpay.com", "processor"), Service("verotel.com", "processor"),
    Service("epoch.com", "processor"), Service("paxum.com", "processor"), Service("skrill.com", "processor"),
    Service("payeer.com", "processor"), Service("perfectmoney.com", "processor"),
    Service("webmoney.ru", "processor"), Service("coinbase.com", "processor"),
    Service("nowpayments.io", "processor"), Service("coinpayments.net", "processor"),
    Service("btcpayserver.org", "processor"), Service("cryptomus.com", "processor"),
    Service("plisio.net", "processor"), Service("paddle.com", "processor"), Service("2checkout.com", "processor"),
    Service("klarna.com", "processor"), Service("swish.nu", "processor"), Service("revolut.me", "processor"),
    Service("cash.app", "processor"),
    # messengers: "contact us on Telegram" links
    Service("t.me", "messenger"), Service("telegram.me", "messenger"), Service("telegram.org", "messenger"),
    Service("wa.me", "messenger"), Service("whatsapp.com", "messenger"), Service("signal.me", "messenger"),
    Service("signal.group", "messenger"), Service("discord.gg", "messenger"), Service("discord.com", "messenger"),
    Service("threema.id", "messenger"), Service("icq.im", "messenger"), Service("viber.com", "messenger"),
    Service("m.me", "messenger", "Facebook Messenger"),
    # platforms: social networks, marketplaces, hosting front pages
    Service("facebook.com", "platform"), Service("instagram.com", "platform"), Service("twitter.com", "platform"),
    Service("x.com", "platform"), Service("youtube.com", "platform"), Service("google.com", "platform"),
    Service("tiktok.com", "platform"), Service("vk.com", "platform"), Service("ok.ru", "platform"),
    Service("reddit.com", "platform"), Service("onlyfans.com", "platform"), Service("patreon.com", "platform"),
    Service("github.com", "platform"), Service("wordpress.com", "platform"), Service("blogspot.com", "platform"),
    Service("wix.com", "platform"), Service("shopify.com", "platform"), Service("etsy.com", "platform"),
    Service("ebay.com", "platform"), Service("amazon.com", "platform"), Service("mega.nz", "platform"),
    # parking and domain-sale services: where a dead or expired domain sends its visitors
    Service("sedo.com", "parking"), Service("sedoparking.com", "parking"), Service("bodis.com", "parking"),
    Service("parkingcrew.net", "parking"), Service("above.com", "parking"), Service("dan.com", "parking"),
    Service("afternic.com", "parking"), Service("hugedomains.com", "parking"), Service("godaddy.com", "parking"),
    Service("parklogic.com", "parking"), Service("undeveloped.com", "parking"), Service("namecheap.com", "parking"),
    Service("domainmarket.com", "parking"), Service("atom.com", "parking"),
)
_BY_DOMAIN = {s.domain: s for s in REDIRECT_SERVICES}


def service_category(url_or_domain: str | None) -> str | None:
    """The category of the service a URL or domain belongs to, or None for an ordinary site."""
    if not url_or_domain:
        return None
    dom = registered_domain(url_or_domain) or url_or_domain.lower()
    s = _BY_DOMAIN.get(dom)
    return s.category if s else None


def is_redirect_service(url_or_domain: str | None) -> bool:
    """True when a redirect to it says nothing about who runs the redirecting site."""
    return service_category(url_or_domain) is not None
