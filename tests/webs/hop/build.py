"""Writes the two-epoch hop web (epoch1/, epoch2/, reports*.csv, expected.json) beside this file.

    .venv/bin/python tests/webs/hop/build.py

The web is generated because it is mostly repetition (18 filler blogs sharing one theme
tracker id); the output is checked in so a reader can browse it.  What happens between the
epochs is the point of tests/test_hop_epochs.py:

    redir-shop.se   301 -> redir-shop.nu                     domain_hop/redirect
    meta-shop.se    meta refresh -> meta-shop.de             domain_hop/redirect
    js-shop.se      window.location -> js-shop.ru            domain_hop/redirect (JS)
    moved-shop.se   "We have moved to" link -> moved-shop.is domain_hop/moved_notice (target crawled once)
    dead-shop.se    parked page; phoenix-shop.to carries its wallet, Telegram and e-mail
                                                             site_down/parked + domain_hop/reappeared
    gone-shop.se    NXDOMAIN for good                        site_down/nxdomain
    pay-shop.se     Stripe dropped, Bitcoin added            payment_change/switched
    mirror-src.se   alive; mirror-copy.net carries its phone and e-mail
                                                             domain_hop/mirror
    cluster-new.net shares a Telegram handle with mirror-copy.net only
                                                             new_domain_in_cluster
    flaky-shop.se   503 in epoch 1, fine in epoch 2          site_back
    decoy-one.com, decoy-two.org: new, same CDN address, name servers and theme tracker id
                    as the tracked shops, nothing else       no alert
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
CDN = "127.0.0.2"
NS = ["ns1.bigdns-hosting.example.", "ns2.bigdns-hosting.example."]
BIG_REGISTRAR = "BigReg Domains Inc."
THEME_GA = "UA-31415926-1"            # the theme vendor's Analytics id: on every filler blog
WALLET_DEAD = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
WALLET_PAY = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
WALLET_REDIR = "0x52908400098527886E0F7030069857D2E4169EE7"
WALLET_META = "0x8617E340B3D01FA5F11F306F4090FD50E238070D"
WALLET_JS = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
WALLET_MOVED = "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"

GA_SCRIPT = ("<script>(function(i,s,o,g,r){i['GoogleAnalyticsObject']=r;})(window,document,'script',"
             "'https://www.google-analytics.com/analytics.js','ga');\nga('create', '" + THEME_GA + "', 'auto');"
             "\nga('send', 'pageview');</script>")


def page(title: str, body: str, head: str = "", lang: str = "en") -> str:
    return (f"<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n"
            f"{head}</head>\n<body>\n{body}\n</body>\n</html>\n")


def shop(name: str, *, email: str, phone: str | None = None, telegram: str | None = None,
         wallet: str | None = None, paypal: str | None = None, stripe: str | None = None, banner: str = "",
         theme: bool = False) -> str:
    parts = [banner, f"<h1>{name}</h1>", "<p>Exclusive products, discreet shipping worldwide.</p>"]
    contact = [f'E-mail: <a href="mailto:{email}">{email}</a>']
    if phone:
        contact.append(f'Phone / WhatsApp: <a href="tel:{phone.replace(" ", "")}">{phone}</a>')
    if telegram:
        contact.append(f'Telegram: <a href="https://t.me/{telegram}">@{telegram}</a>')
    parts.append("<p>" + " · ".join(contact) + "</p>")
    if wallet:
        coin = "Bitcoin" if not wallet.startswith("0x") else "Ethereum"
        parts.append(f"<h2>Pay with {coin}</h2><p>Send the exact amount to <code>{wallet}</code> and mail us the "
                     f"transaction id.</p>")
    if paypal:
        parts.append('<form action="https://www.paypal.com/cgi-bin/webscr" method="post">'
                     '<input type="hidden" name="cmd" value="_xclick">'
                     f'<input type="hidden" name="business" value="{paypal}">'
                     '<input type="hidden" name="item_name" value="Membership">'
                     '<input type="submit" value="Pay with PayPal"></form>')
    head = GA_SCRIPT + "\n" if theme else ""
    if stripe:
        head += f"<script src=\"https://js.stripe.com/v3/\"></script>\n<script>var stripe = Stripe('{stripe}');</script>\n"
    return page(name, "\n".join(p for p in parts if p), head)


# Tracked shops (case-a): content per epoch.  None = the site has no page in that epoch.
STRIPE_KEY = "pk_live_51HqLyjWDarjtT1zdp7dcXfhtAXrWvNkoP6Ce8XTnSB7xAVc8Yo3LfvTrKvu9QbcGrADd2k6XxT5"


def build(out: Path = HERE) -> None:
    for d in ("epoch1", "epoch2"):
        shutil.rmtree(out / d, ignore_errors=True)
    e1: dict[str, str] = {}
    e2: dict[str, str] = {}
    routes1: dict[str, dict] = {}
    routes2: dict[str, dict] = {}
    hosts1: dict[str, str] = {}
    hosts2: dict[str, str] = {}

    def both(host: str, html1: str | None, html2: str | None, ip1: str = CDN, ip2: str | None = CDN) -> None:
        if html1 is not None or ip1:
            hosts1[host] = ip1
        if ip2:
            hosts2[host] = ip2
        if html1 is not None:
            e1[host] = html1
        if html2 is not None:
            e2[host] = html2

    redir = shop("Redir Shop", email="sales@redir-shop.se", telegram="redirshop_help", wallet=WALLET_REDIR)
    both("redir-shop.se", redir, None)
    routes2["redir-shop.se *"] = {"redirect": "{{url:redir-shop.nu}}/", "status": 301}
    both("redir-shop.nu", None, redir.replace("sales@redir-shop.se", "sales@redir-shop.nu"), ip1="", ip2="127.0.0.3")

    meta = shop("Meta Shop", email="orders@meta-shop.se", telegram="metashop_orders", wallet=WALLET_META)
    both("meta-shop.se", meta,
         page("Meta Shop", "<p>Loading the shop…</p>",
              '<meta http-equiv="refresh" content="0; url={{url:meta-shop.de}}/">\n'))
    both("meta-shop.de", None, meta, ip1="", ip2="127.0.0.4")

    js = shop("JS Shop", email="hello@js-shop.se", telegram="jsshop_hello", wallet=WALLET_JS)
    both("js-shop.se", js,
         page("JS Shop", "<p>Redirecting…</p>",
              '<script>window.location.href = "{{url:js-shop.ru}}/";</script>\n'))
    both("js-shop.ru", None, js, ip1="", ip2="127.0.0.5")

    moved = dict(email="team@moved-shop.se", telegram="movedshop_team", wallet=WALLET_MOVED)
    both("moved-shop.se", shop("Moved Shop", **moved),
         shop("Moved Shop", **moved, banner='<p class="notice">Dear customers, we have moved to '
                                            '<a href="{{url:moved-shop.is}}/">{{url:moved-shop.is}}/</a> '
                                            '- please update your bookmarks.</p>'))
    both("moved-shop.is", None, shop("Moved Shop", **moved), ip1="", ip2="127.0.0.6")

    dead = dict(email="vip@dead-shop.se", telegram="deadshop_vip", wallet=WALLET_DEAD, theme=True)
    both("dead-shop.se", shop("Dead Shop", **dead),
         page("dead-shop.se", "<h1>dead-shop.se</h1><p>This domain is parked free of charge. "
                              "Buy this domain today!</p>"), ip2="127.0.0.7")
    both("phoenix-shop.to", None, shop("Phoenix Shop", **dead), ip1="", ip2="127.0.0.8")

    both("gone-shop.se", shop("Gone Shop", email="info@gone-shop.se", phone="+46 70 555 01 23", theme=True), None,
         ip2=None)

    both("pay-shop.se",
         shop("Pay Shop", email="billing@pay-shop.se", paypal="billing@pay-shop.se", stripe=STRIPE_KEY),
         shop("Pay Shop", email="billing@pay-shop.se", paypal="billing@pay-shop.se", wallet=WALLET_PAY))

    mirror_src = dict(email="orders@mirror-src.se", phone="+46 70 123 45 67")
    both("mirror-src.se", shop("Mirror Source", **mirror_src), shop("Mirror Source", **mirror_src))
    both("mirror-copy.net", None, shop("Mirror Copy", **mirror_src, telegram="mirrorcopy_desk"), ip1="")
    both("cluster-new.net", None, shop("Cluster New", email="desk@cluster-new.net", telegram="mirrorcopy_desk"),
         ip1="")

    flaky = shop("Flaky Shop", email="care@flaky-shop.se", phone="+46 8 123 456 78")
    both("flaky-shop.se", flaky, flaky)
    routes1["flaky-shop.se *"] = {"status": 503, "body": "<h1>503 Service Unavailable</h1>"}

    for name, tld, mail in (("decoy-one", "com", "hello@decoy-one.com"), ("decoy-two", "org", "team@decoy-two.org")):
        both(f"{name}.{tld}", None, shop(name.title(), email=mail, theme=True), ip1="")

    for i in range(18):
        host = f"blog{i:02d}-theme.com"
        html = page(f"Blog {i}", f"<h1>Blog {i}</h1><p>Gardening notes. Write to "
                                 f'<a href="mailto:editor@{host}">editor@{host}</a>.</p>', GA_SCRIPT + "\n")
        both(host, html, html)

    for epoch, hosts, sites, routes in (("epoch1", hosts1, e1, routes1), ("epoch2", hosts2, e2, routes2)):
        root = out / epoch
        full_hosts = {"_comment": f"hop web {epoch}: name -> loopback IP; {CDN} is the shared 'CDN' address"}
        for h, ip in sorted(hosts.items()):
            if ip:
                full_hosts[h] = ip
                full_hosts[f"www.{h}"] = ip
        (root / "sites").mkdir(parents=True)
        (root / "hosts.json").write_text(json.dumps(full_hosts, indent=2) + "\n")
        zone = {"_comment": "every site behind the same big DNS host"}
        zone.update({h: {"NS": NS} for h in sorted(hosts) if hosts[h]})
        (root / "zone.json").write_text(json.dumps(zone, indent=2) + "\n")
        (root / "routes.json").write_text(json.dumps({"_comment": f"hop web {epoch}", **routes}, indent=2) + "\n")
        for h, html in sorted(sites.items()):
            (root / "sites" / h).mkdir()
            (root / "sites" / h / "index.html").write_text(html)
        # WHOIS: one big registrar for everyone (decoys included), a privacy-minded one for the phoenix.
        (root / "whois").mkdir()
        for h in sorted(x for x, ip in hosts.items() if ip):
            registrar = "Njalla Okta LLC" if h == "phoenix-shop.to" else BIG_REGISTRAR
            (root / "whois" / f"{h}.txt").write_text(
                f"Domain Name: {h}\nRegistrar: {registrar}\nCreation Date: 2026-01-01T00:00:00Z\n"
                + "".join(f"Name Server: {n.rstrip('.').upper()}\n" for n in NS) + "DNSSEC: unsigned\n")

    tracked = ["redir-shop.se", "meta-shop.se", "js-shop.se", "moved-shop.se", "dead-shop.se", "gone-shop.se",
               "pay-shop.se", "mirror-src.se", "flaky-shop.se"]
    fillers = [f"blog{i:02d}-theme.com" for i in range(18)]
    new2 = ["phoenix-shop.to", "mirror-copy.net", "cluster-new.net", "decoy-one.com", "decoy-two.org"]

    def csv(hosts: list[str], prefix: str) -> str:
        rows = ["url,report_id,reported_at,source,referrer"]
        rows += [f"{{{{url:{h}}}}}/,{prefix}-{i + 1:03d},2026-11-01T08:00:00Z,hotline," for i, h in enumerate(hosts)]
        return "\n".join(rows) + "\n"
    (out / "reports-epoch1.csv").write_text(csv(tracked, "A"))
    (out / "fillers-epoch1.csv").write_text(csv(fillers, "F"))
    (out / "reports-epoch2.csv").write_text(csv(new2, "B"))
    expected = [
        {"kind": "domain_hop", "type": "redirect", "from": "redir-shop.se", "to": "redir-shop.nu"},
        {"kind": "domain_hop", "type": "redirect", "from": "meta-shop.se", "to": "meta-shop.de"},
        {"kind": "domain_hop", "type": "redirect", "from": "js-shop.se", "to": "js-shop.ru"},
        {"kind": "domain_hop", "type": "moved_notice", "from": "moved-shop.se", "to": "moved-shop.is"},
        {"kind": "domain_hop", "type": "reappeared", "from": "dead-shop.se", "to": "phoenix-shop.to"},
        {"kind": "domain_hop", "type": "mirror", "from": "mirror-src.se", "to": "mirror-copy.net"},
        {"kind": "new_domain_in_cluster", "type": None, "from": "mirror-src.se", "to": "cluster-new.net"},
        {"kind": "site_down", "type": "parked", "from": "dead-shop.se", "to": None},
        {"kind": "site_down", "type": "nxdomain", "from": "gone-shop.se", "to": None},
        {"kind": "payment_change", "type": "switched", "from": "pay-shop.se", "to": None},
        {"kind": "site_back", "type": "http_error", "from": "flaky-shop.se", "to": None},
    ]
    (out / "expected.json").write_text(json.dumps({
        "_comment": "alerts the two-epoch crawl must raise, and no other (tests/test_hop_epochs.py)",
        "alerts": expected, "no_alert_domains": ["decoy-one.com", "decoy-two.org"],
        "payment_change": {"pay-shop.se": {"added_kinds": ["btc_address"], "dropped_kinds": ["stripe_publishable_key"]}},
    }, indent=2) + "\n")


if __name__ == "__main__":
    build()
