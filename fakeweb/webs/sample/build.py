"""Builds this sample web: pages, media canaries, hosts/zone/routes, reports.csv and
expected.json, from one source so that what the pages say and what expected.json promises
cannot drift apart.

    python fakeweb/webs/sample/build.py

Rewrites everything here except ``whois/``, ``rdap/`` (the WHOIS/RDAP fixture data) and this
file. Every crypto address, IBAN and Bankgiro number is checked below before anything is
written: published vectors (BIP-173, BIP-350, EIP-55, bitcoin wiki, Monero General Fund) or
addresses generated here with crawler.extractors.checksums.

Longer than most modules on purpose: it is the sample web itself, site by site, each page
next to the identifiers expected.json promises for it; split, a page and its promise would
sit in different files.
"""
import base64
import csv
import io
import json
import shutil
from pathlib import Path

from crawler.extractors import checksums as C

OUT = Path(__file__).resolve().parent
CANARY = b"MERCHINTEL-CANARY-"

# ---------------------------------------------------------------- vectors, verified here
BECH32 = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"          # BIP-173
BECH32_BAD = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"
P2PKH = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"                  # bitcoin wiki
P2PKH_BAD = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"
P2SH = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
TAPROOT = "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"  # BIP-350
ETH = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"          # EIP-55
ETH_BAD = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
ETH2 = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"          # EIP-55
XMR = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
TRX = "TUQPYToeYkrT66uKegesHcCL3bCgDbHuuY"
LTC = "LLkfX1oJBCpzVoUbfc8RNpC7uQs4FW4QJ7"
DOGE = "DJePTnmWv5sL4bqMGCtaYnmbRRGxkkfEPp"
IBAN_SE = "SE4550000000058398257466"
IBAN_SE_BAD = "SE4550000000058398257467"
IBAN_GB = "GB82WEST12345698765432"
IBAN_DE = "DE89370400440532013000"


def iban_ok(s):
    s = s[4:] + s[:4]
    return int("".join(str(int(ch, 36)) for ch in s)) % 97 == 1


assert C.segwit_decode("bc", BECH32) and not C.segwit_decode("bc", BECH32_BAD)
assert C.segwit_decode("bc", TAPROOT)
assert C.base58check_decode(P2PKH) and not C.base58check_decode(P2PKH_BAD) and C.base58check_decode(P2SH)
assert C.eip55_ok(ETH) and not C.eip55_ok(ETH_BAD) and C.eip55_ok(ETH2)
assert C.monero_address_decode(XMR)
for a, v in ((TRX, 0x41), (LTC, 0x30), (DOGE, 0x1E)):
    assert C.base58check_decode(a)[0] == v, a
assert iban_ok(IBAN_SE) and not iban_ok(IBAN_SE_BAD) and iban_ok(IBAN_GB) and iban_ok(IBAN_DE)

PK_LIVE = "pk_live_51HxKq2LkW9aZbC3dEfGhIjKlMnOpQrStUvWxYz0123456789abcdefGHIJKLmnopQRSTuvwxYZ00aBcDeFgHi"
PK_TEST = "pk_test_51HxKq2LkW9aZbC3dEfGhIjKlMnOpQrStUvWxYz9876543210zyxwvuTSRQPOnmlkjIHGFEdcbaZZ00xYzWvUt"
PAYPAL_CLIENT = "AcQx7vR2kLm9PzT4wYbN8sD3fG6hJ1kE5uI0oPqWcVxZaB7nM2lK4jH9gF3dS8aQ1wE6rT5yU0iOpLkJ"
GSV = "Xy7kQ2mN9pL4vR8sT1wZ3bC6dF0gH5jKaBcD3eF4gHi"
NOISE_GA4 = "G-K2X9QW7PLM"
TG_A = "shopa_support"


def cfemail(email, key=0x5A):
    return f"{key:02x}" + "".join(f"{ord(ch) ^ key:02x}" for ch in email)


# ---------------------------------------------------------------- helpers
FILES = {}          # path -> bytes|str
ROUTES = {}
CANARIES = []       # {id, host, path, style, served}
EXPECTED = {}       # domain -> {"must": [], "may": [], "decoys": []}


def site_file(host, path, content):
    FILES[f"sites/{host}/{path.lstrip('/')}"] = content


def page(title, body, *, lang="en", head=""):
    return (f"<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n")


MAGIC = {
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00",
    "gif": b"GIF89a\x10\x00\x10\x00\x80\x00\x00",
    "webp": b"RIFF\x00\x40\x00\x00WEBPVP8 ",
    "ico": b"\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00\x20\x00",
    "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
    "webm": b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01",
    "mp3": b"ID3\x03\x00\x00\x00\x00\x00\x00",
    "ogg": b"OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00",
    "vtt": b"WEBVTT\n\n00:00.000 --> 00:02.000\n",
    "swf": b"FWS\x0a\x00\x40\x00\x00",
    "pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
    "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
}
PAD = 16 * 1024  # so a client that aborts after sniffing makes the server's later writes fail


def media(host, path, cid, style, *, served=True):
    ext = path.rsplit(".", 1)[-1].lower()
    tag = CANARY + cid.encode()
    body = MAGIC[ext] + tag + b"\n" + bytes((i * 7 + 13) % 251 for i in range(PAD)) + tag + b"\n"
    site_file(host, path, body)
    CANARIES.append({"id": cid, "host": host, "path": "/" + path.lstrip("/"), "style": style, "served": served})
    return "/" + path.lstrip("/")


def must(domain, kind, value, family, page, note=None):
    d = EXPECTED.setdefault(domain, {"must": [], "may": [], "decoys": []})
    row = {"kind": kind, "value": value, "family": family, "page": page}
    if note:
        row["note"] = note
    d["must"].append(row)


def may(domain, kind, value, family, page, note=None):
    d = EXPECTED.setdefault(domain, {"must": [], "may": [], "decoys": []})
    row = {"kind": kind, "value": value, "family": family, "page": page}
    if note:
        row["note"] = note
    d["may"].append(row)


def decoy(domain, kind, page, note, value=None, digits=None, unless_flag=None):
    d = EXPECTED.setdefault(domain, {"must": [], "may": [], "decoys": []})
    row = {"kind": kind, "page": page, "note": note}
    if value is not None:
        row["value"] = value
    if digits is not None:
        row["digits"] = digits
    if unless_flag:
        row["unless_flag"] = unless_flag
    d["decoys"].append(row)


GTM_SNIPPET = """<script>(function(w,d,s,l,i){{w[l]=w[l]||[];w[l].push({{'gtm.start':
new Date().getTime(),event:'gtm.js'}});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
}})(window,document,'script','dataLayer','{gtm}');</script>
"""
GA4_SNIPPET = """<script async src="https://www.googletagmanager.com/gtag/js?id={ga}"></script>
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}
gtag('js', new Date()); gtag('config', '{ga}');</script>
"""
UA_SNIPPET = """<script>(function(i,s,o,g,r,a,m){{i['GoogleAnalyticsObject']=r;i[r]=i[r]||function(){{
(i[r].q=i[r].q||[]).push(arguments)}},i[r].l=1*new Date();a=s.createElement(o),
m=s.getElementsByTagName(o)[0];a.async=1;a.src=g;m.parentNode.insertBefore(a,m)
}})(window,document,'script','https://www.google-analytics.com/analytics.js','ga');
ga('create', '{ua}', 'auto'); ga('send', 'pageview');</script>
"""
FB_SNIPPET = """<script>!function(f,b,e,v,n,t,s){{if(f.fbq)return;n=f.fbq=function(){{n.callMethod?
n.callMethod.apply(n,arguments):n.queue.push(arguments)}};if(!f._fbq)f._fbq=n;n.push=n;n.loaded=!0;
n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;t.src=v;s=b.getElementsByTagName(e)[0];
s.parentNode.insertBefore(t,s)}}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '{px}'); fbq('track', 'PageView');</script>
<noscript><img height="1" width="1" style="display:none" src="https://www.facebook.com/tr?id={px}&ev=PageView&noscript=1"/></noscript>
"""
YM_SNIPPET = """<script type="text/javascript">(function(m,e,t,r,i,k,a){{m[i]=m[i]||function(){{(m[i].a=m[i].a||[]).push(arguments)}};
m[i].l=1*new Date();k=e.createElement(t),a=e.getElementsByTagName(t)[0],k.async=1,k.src=r,a.parentNode.insertBefore(k,a)}})
(window, document, "script", "https://mc.yandex.ru/metrika/tag.js", "ym");
ym({ym}, "init", {{clickmap:true, trackLinks:true, accurateTrackBounce:true}});</script>
"""

# ================================================================ shop-a.se (Swedish shop)
H = "shop-a.se"
head_a = (f'<meta name="google-site-verification" content="{GSV}">\n'
          f'<meta name="description" content="Handgjorda presenter, snabb leverans inom Sverige.">\n'
          f'<meta property="og:site_name" content="Shop A">\n'
          f'<meta property="og:image" content="{{{{url:shop-a.se}}}}{media(H, "img/og-banner.jpg", "shop-a-og-image", "og:image")}">\n'
          f'<link rel="icon" href="{media(H, "favicon.ico", "shop-a-favicon", "link rel=icon")}">\n'
          f'<link rel="canonical" href="{{{{url:shop-a.se}}}}/">\n'
          + GTM_SNIPPET.format(gtm="GTM-K7Q2XW9") + GA4_SNIPPET.format(ga=NOISE_GA4))
nav_a = """<nav>
<a href="/produkter/">Produkter</a> | <a href="/galleri.html">Galleri</a> | <a href="/nyheter/2024-03-15.html">Nyheter</a> |
<a href="/om-oss.html">Om oss</a> | <a href="/kontakt.html">Kontakt</a> | <a href="/betalning.html">Betalning</a> |
<a href="/kassa.html">Till kassan</a>
</nav>"""
logo_a = media(H, "img/logo@2x.png", "shop-a-logo-img-src", "img src")
site_file(H, "index.html", page("Shop A – Presenter", f"""
<header><img src="{logo_a}" alt="Shop A" width="120"></header>
{nav_a}
<h1>Välkommen till Shop A</h1>
<p>Nya produkter varje vecka. Kampanj t.o.m. 2024-03-15: allt från 1 299 kr.</p>
<p>Frågor? Ring oss på 070-123 45 67 (vardagar 9–17).</p>
<footer>© 2024 Shop A · Org.nr 556677-8899 · <a href="/villkor.html">Villkor</a></footer>
""", lang="sv", head=head_a))
must(H, "phone", "+46701234567", "phones", "/", "Swedish national format 070-123 45 67")
must(H, "gtm_container", "GTM-K7Q2XW9", "trackers", "/")
must(H, "ga4_measurement_id", NOISE_GA4, "trackers", "/", "widespread id shared by four sites on the CDN IP: noise for clustering")
must(H, "site_verification", f"google-site-verification={GSV}", "trackers", "/", "<meta name=google-site-verification>; value keeps the provider prefix, as in the DNS TXT record")
decoy(H, "phone", "/", "Swedish company registration number, not a phone", digits="5566778899")
decoy(H, "phone", "/", "a date", digits="20240315")
decoy(H, "email", "/", "image file name logo@2x.png", value="logo@2x.png")

site_file(H, "kontakt.html", page("Kontakt – Shop A", f"""
{nav_a}
<h1>Kontakta oss</h1>
<p>Telefon: <a href="tel:+46701234567">070-123 45 67</a><br>
Växel: 08-123 456 78<br>
E-post: <a href="/cdn-cgi/l/email-protection#{cfemail('info@shop-a.se')}"><span class="__cf_email__" data-cfemail="{cfemail('info@shop-a.se')}">[email&#160;protected]</span></a><br>
Telegram: <a href="https://t.me/{TG_A}">@{TG_A}</a></p>
<form action="/kontakt.html" method="post">
<input type="email" name="email" placeholder="namn@exempel.se">
<textarea name="msg" placeholder="Ditt meddelande"></textarea>
<button>Skicka</button></form>
<script data-cfasync="false" src="/cdn-cgi/scripts/5c5dd728/cloudflare-static/email-decode.min.js"></script>
""", lang="sv", head=GA4_SNIPPET.format(ga=NOISE_GA4)))
must(H, "email", "info@shop-a.se", "emails", "/kontakt.html", "Cloudflare-obfuscated (data-cfemail, key 0x5a)")
must(H, "telegram", TG_A, "messengers", "/kontakt.html", "t.me link; shared with shop-a-mirror.ru")
must(H, "phone", "+46812345678", "phones", "/kontakt.html", "Stockholm landline 08-123 456 78")
decoy(H, "email", "/kontakt.html", "form placeholder", value="namn@exempel.se")
site_file(H, "cdn-cgi/scripts/5c5dd728/cloudflare-static/email-decode.min.js",
          "!function(){/* Cloudflare email decoder stub */}();\n")

site_file(H, "betalning.html", page("Betalning – Shop A", f"""
{nav_a}
<h1>Betalningsalternativ</h1>
<h2>Swish</h2><p>Swisha till <strong>123 456 78 90</strong> och ange ordernumret som meddelande.</p>
<h2>Bankgiro</h2><p>Bankgiro: 5050-1055</p>
<h2>Banköverföring</h2><p>IBAN: SE45 5000 0000 0583 9825 7466<br>BIC: ESSESESS</p>
<h2>Bitcoin</h2><p>Skicka till <code>{BECH32}</code></p>
<p class="old">Vårt gamla konto SE45 5000 0000 0583 9825 7467 är stängt sedan 2023-12-31.</p>
<p>Leveranstid 2–5 dagar. Frakt 49 kr, fri frakt över 599 kr.</p>
""", lang="sv"))
must(H, "swish", "1234567890", "payments", "/betalning.html", "Swish number 123 456 78 90")
must(H, "bankgiro", "5050-1055", "payments", "/betalning.html", "Luhn-valid Bankgiro; canonical NNNN-NNNN")
must(H, "iban", IBAN_SE, "payments", "/betalning.html", "printed with spaces; canonical without")
must(H, "btc_address", BECH32, "crypto", "/betalning.html", "BIP-173 vector; shared with shop-a-mirror.ru")
must(H, "bic", "ESSESESS", "payments", "/betalning.html")
decoy(H, "iban", "/betalning.html", "IBAN with a broken check (mod 97)", value=IBAN_SE_BAD)

site_file(H, "kassa.html", page("Kassa – Shop A", f"""
{nav_a}
<h1>Kassan</h1>
<table><tr><td>Ordernr</td><td>100234987</td></tr><tr><td>Datum</td><td>2024-03-15 14:22</td></tr>
<tr><td>Summa</td><td>2 598,00 kr</td></tr></table>
<div id="pay" data-btc="{BECH32}" data-amount="0.00123"></div>
<script>var checkout = {{"payTo": "{BECH32}", "order": "100234987", "currency": "SEK"}};</script>
<p>Eller Swisha 123 456 78 90.</p>
""", lang="sv"))
decoy(H, "phone", "/kassa.html", "order number", digits="100234987")

site_file(H, "om-oss.html", page("Om oss – Shop A", f"""
{nav_a}
<h1>Om Shop A</h1><p>Vi har sålt presenter sedan 2019. Lager i Göteborg.</p>
<div class="team" style="background-image: url('{media(H, "img/team.jpg", "shop-a-css-inline-url", "CSS url() in style attribute")}')"></div>
""", lang="sv"))
site_file(H, "produkter/index.html", page("Produkter – Shop A", f"""
{nav_a}
<h1>Produkter</h1>
<ul><li>Ljusstake – 349 kr</li><li>Presentkort – 500 kr</li><li>Vas 2024 – 1 299 kr</li></ul>
""", lang="sv"))
site_file(H, "nyheter/2024-03-15.html", page("Nyheter – Shop A", f"{nav_a}<h1>Vårkampanj 2024-03-15</h1><p>Rea!</p>", lang="sv"))
site_file(H, "villkor.html", page("Villkor – Shop A", f"{nav_a}<h1>Köpvillkor</h1><p>Ångerrätt 14 dagar.</p>", lang="sv"))
site_file(H, "galleri.html", page("Galleri – Shop A", f"""
{nav_a}
<h1>Galleri</h1>
<img src="{media(H, "galleri/1.jpg", "shop-a-gallery-img", "img src")}" alt="">
<a href="{media(H, "galleri/1-stor.jpg", "shop-a-gallery-link", "a href to .jpg")}">Visa i full storlek</a>
""", lang="sv"))
site_file(H, "404.html", page("Sidan finns inte – Shop A", f"{nav_a}<h1>404</h1><p>Sidan finns inte.</p>", lang="sv"))
ROUTES[f"{H} *"] = {"headers": {"Server": "nginx/1.18.0", "X-Powered-By": "PHP/7.4.33",
                               "Set-Cookie": "PHPSESSID=fakeweb0123456789; path=/; HttpOnly"}}

# ================================================================ shop-a-mirror.ru (same operator)
H = "shop-a-mirror.ru"
nav_r = '<nav><a href="/">Главная</a> | <a href="/about.html">О нас</a> | <a href="/contacts.html">Контакты</a> | <a href="/oplata.html">Оплата</a></nav>'
site_file(H, "index.html", page("Магазин подарков", f"""
{nav_r}
<h1>Подарки с доставкой</h1><p>Цены от 990 руб. Акция до 15.03.2024.</p>
""", lang="ru", head=YM_SNIPPET.format(ym="98765432")))
must(H, "yandex_metrika", "98765432", "trackers", "/")
site_file(H, "contacts.html", page("Контакты", f"""
{nav_r}
<h1>Контакты</h1>
<p>Телефон в Москве: +7 495 123-45-67</p>
<p>Для клиентов из Швеции: +46 70 123 45 67</p>
<p>Telegram: @{TG_A} · <a href="tg://resolve?domain={TG_A}">написать в Telegram</a></p>
<p>Почта: <a href="mailto:support@shop-a-mirror.ru">support@shop-a-mirror.ru</a></p>
""", lang="ru"))
must(H, "phone", "+74951234567", "phones", "/contacts.html")
must(H, "phone", "+46701234567", "phones", "/contacts.html", "same phone as shop-a.se in international format")
must(H, "telegram", TG_A, "messengers", "/contacts.html", "tg://resolve link and @handle; shared with shop-a.se")
must(H, "email", "support@shop-a-mirror.ru", "emails", "/contacts.html")
site_file(H, "oplata.html", page("Оплата", f"""
{nav_r}
<h1>Оплата</h1>
<p>Bitcoin (SegWit): <code>{BECH32}</code></p>
<p>Bitcoin (legacy): <code>{P2SH}</code></p>
<p>Monero: <code>{XMR}</code></p>
<p>Номер заказа 4471234567 укажите в комментарии.</p>
""", lang="ru"))
must(H, "btc_address", BECH32, "crypto", "/oplata.html", "shared with shop-a.se")
must(H, "btc_address", P2SH, "crypto", "/oplata.html", "base58 P2SH, bitcoin wiki example")
must(H, "xmr_address", XMR, "crypto", "/oplata.html", "Monero General Fund address (keccak checksum verified)")
decoy(H, "phone", "/oplata.html", "order number", digits="4471234567")
site_file(H, "about.html", page("О нас", f"{nav_r}<h1>О нас</h1><p>Мы работаем с 2019 года.</p>", lang="ru"))

# ================================================================ shop-b.com (PayPal, Stripe, CCBill)
H = "shop-b.com"
head_b = (UA_SNIPPET.format(ua="UA-48291736-1") + GA4_SNIPPET.format(ga=NOISE_GA4) + FB_SNIPPET.format(px="918273645501234")
          + f'<meta name="generator" content="WordPress 6.4.2">\n'
          + f'<link rel="apple-touch-icon" href="{media(H, "apple-touch-icon.png", "shop-b-apple-touch-icon", "link rel=apple-touch-icon")}">\n'
          + f'<meta name="twitter:image" content="{{{{url:shop-b.com}}}}{media(H, "img/card.jpg", "shop-b-twitter-image", "twitter:image")}">\n')
nav_b = ('<nav><a href="/">Home</a> | <a href="/faq.html">FAQ</a> | <a href="/blog/2024/03/15/spring-sale.html">Blog</a> | '
         '<a href="/contact-us.html">Contact us</a> | <a href="/join.html">Join now</a> | <a href="/checkout.html">Checkout</a></nav>')
site_file(H, "index.html", page("Shop B – Premium", f"""
{nav_b}
<h1>Premium downloads</h1><p>Plans from $29.95/month. Offer ends 03/15/2024.</p>
<p>Questions? Call +44 20 7946 0958.</p>
""", head=head_b))
must(H, "ga_tracking_id", "UA-48291736-1", "trackers", "/")
must(H, "ga4_measurement_id", NOISE_GA4, "trackers", "/", "noise: shared by four sites")
must(H, "facebook_pixel", "918273645501234", "trackers", "/")
must(H, "phone", "+442079460958", "phones", "/")
site_file(H, "checkout.html", page("Checkout – Shop B", f"""
{nav_b}
<h1>Checkout</h1>
<form action="https://www.paypal.com/cgi-bin/webscr" method="post" target="_top">
<input type="hidden" name="cmd" value="_s-xclick">
<input type="hidden" name="hosted_button_id" value="8XKQWM2D4J5LN">
<input type="image" src="https://www.paypalobjects.com/en_US/i/btn/btn_buynowCC_LG.gif" name="submit" alt="PayPal">
</form>
<form action="https://www.paypal.com/cgi-bin/webscr" method="post">
<input type="hidden" name="cmd" value="_xclick">
<input type="hidden" name="business" value="Payments@Shop-B.com">
<input type="hidden" name="item_name" value="VIP 30 days">
<input type="hidden" name="amount" value="29.95">
<input type="hidden" name="currency_code" value="USD">
<input type="submit" value="Pay with PayPal">
</form>
<div id="paypal-button-container"></div>
<script src="https://www.paypal.com/sdk/js?client-id={PAYPAL_CLIENT}&currency=USD"></script>
<script src="https://js.stripe.com/v3/"></script>
<script src="/static/js/checkout.js"></script>
<script>
  // staging build, do not ship: var stripeTest = Stripe('{PK_TEST}');
  var order = {{"id": "ORD-2024-031500123", "total": "29.95"}};
</script>
""", head=GA4_SNIPPET.format(ga=NOISE_GA4)))
site_file(H, "static/js/checkout.js", f"""// checkout.js – card payments
(function () {{
  var stripe = Stripe('{PK_LIVE}');
  var elements = stripe.elements();
  var card = elements.create('card');
  card.mount('#card-element');
}})();
""")
must(H, "paypal_button_id", "8XKQWM2D4J5LN", "payments", "/checkout.html", "hosted_button_id in a _s-xclick form")
must(H, "paypal_business", "payments@shop-b.com", "payments", "/checkout.html", "business field of a _xclick form, lowercased; shared with shop-b-members.net")
may(H, "email", "payments@shop-b.com", "emails", "/checkout.html", "the PayPal business address is an e-mail too")
must(H, "paypal_client_id", PAYPAL_CLIENT, "payments", "/checkout.html", "PayPal JS SDK client-id")
must(H, "stripe_publishable_key", PK_LIVE, "payments", "/static/js/checkout.js", "in an EXTERNAL same-site .js file; shared with shop-b-members.net")
decoy(H, "stripe_publishable_key", "/checkout.html", "test key in a comment", value=PK_TEST, unless_flag="test")
site_file(H, "join.html", page("Join – Shop B", f"""
{nav_b}
<h1>Become a member</h1>
<p><a href="https://bill.ccbill.com/jpost/signup.cgi?clientAccnum=951492&amp;clientSubacc=0001&amp;formName=211cc&amp;language=English&amp;allowedTypes=0000000003:840">Join with card (CCBill)</a></p>
<form action="https://bill.ccbill.com/jpost/signup.cgi" method="post">
<input type="hidden" name="clientAccnum" value="951492">
<input type="hidden" name="clientSubacc" value="0001">
<input type="hidden" name="formName" value="211cc">
<button>Join now</button></form>
""", head=GA4_SNIPPET.format(ga=NOISE_GA4)))
must(H, "ccbill_account", "951492/0001", "payments", "/join.html", "clientAccnum/clientSubacc; shared with shop-b-members.net")
site_file(H, "contact-us.html", page("Contact – Shop B", f"""
{nav_b}
<h1>Contact us</h1>
<p>Email: <a href="mailto:sales@shop-b.com?subject=Order">sales@shop-b.com</a></p>
<p>WhatsApp: <a href="https://wa.me/14155550132?text=Hi">chat with us</a></p>
<form><input type="email" placeholder="you@example.com"><input name="order" placeholder="Order #"></form>
""", head=GA4_SNIPPET.format(ga=NOISE_GA4)))
must(H, "email", "sales@shop-b.com", "emails", "/contact-us.html")
must(H, "whatsapp", "+14155550132", "messengers", "/contact-us.html", "wa.me link")
decoy(H, "email", "/contact-us.html", "placeholder address", value="you@example.com")
site_file(H, "faq.html", page("FAQ – Shop B", f"""
{nav_b}
<h1>FAQ</h1><p>Billing appears as CCB*SHOPB. Refunds within 14 days. Support hours 09:00-17:00 GMT.
Price $29.95 (EUR 27,50). Invoice 2024-0315-7781.</p>
"""))
decoy(H, "phone", "/faq.html", "invoice number", digits="202403157781")
site_file(H, "blog/2024/03/15/spring-sale.html", page("Spring sale – Shop B", f"{nav_b}<h1>Spring sale</h1><p>Posted 2024-03-15.</p>"))
site_file(H, "404.html", page("Not found – Shop B", f"{nav_b}<h1>Page not found</h1>"))
ROUTES[f"{H} *"] = {"headers": {"Server": "Apache/2.4.57 (Debian)", "X-Powered-By": "PHP/8.1.2",
                               "Set-Cookie": "wordpress_test_cookie=WP%20Cookie%20check; path=/"}}

# ================================================================ shop-b-members.net (same operator as shop-b.com)
H = "shop-b-members.net"
nav_m = '<nav><a href="/">Members</a> | <a href="/support.html">Support</a> | <a href="/join.html">Join</a></nav>'
site_file(H, "index.html", page("Members area", f"{nav_m}<h1>Members area</h1><p>Over 10 000 members since 2021.</p>"))
site_file(H, "join.html", page("Join – Members", f"""
{nav_m}
<h1>Join</h1>
<a class="btn" href="https://bill.ccbill.com/jpost/signup.cgi?clientAccnum=951492&clientSubacc=0001&formName=211cc">Join via CCBill</a>
<form action="https://www.paypal.com/cgi-bin/webscr" method="post">
<input type="hidden" name="cmd" value="_xclick-subscriptions">
<input type="hidden" name="business" value="payments@shop-b.com">
<input type="hidden" name="a3" value="29.95"><input type="hidden" name="p3" value="1"><input type="hidden" name="t3" value="M">
<input type="submit" value="Subscribe"></form>
<div id="card-element"></div>
<script src="/static/app.js"></script>
"""))
site_file(H, "static/app.js", f"""window.APP_CONFIG = {{"stripeKey": "{PK_LIVE}", "plan": "vip-monthly", "price": 2995}};
var stripe = Stripe(window.APP_CONFIG.stripeKey);
""")
must(H, "ccbill_account", "951492/0001", "payments", "/join.html", "shared with shop-b.com")
must(H, "paypal_business", "payments@shop-b.com", "payments", "/join.html", "shared with shop-b.com")
may(H, "email", "payments@shop-b.com", "emails", "/join.html", "the PayPal business address is an e-mail too")
must(H, "stripe_publishable_key", PK_LIVE, "payments", "/static/app.js", "JSON-like config in an external .js; shared with shop-b.com")
site_file(H, "support.html", page("Support – Members", f"""
{nav_m}<h1>Support</h1><p>Write to <a href="mailto:support@shop-b-members.net">support@shop-b-members.net</a>.</p>
"""))
must(H, "email", "support@shop-b-members.net", "emails", "/support.html")

# ================================================================ old-shop-b.com: cross-domain 301
ROUTES["old-shop-b.com *"] = {"redirect": "{{url:shop-b.com}}/", "status": 301}
EXPECTED.setdefault("old-shop-b.com", {"must": [], "may": [], "decoys": []})["redirects_to"] = "shop-b.com"

# ================================================================ promo-b.info: meta refresh
H = "promo-b.info"
site_file(H, "index.html", page("Redirecting…",
    "<p>Redirecting to our shop… <a href=\"{{url:shop-b.com}}/join.html\">continue</a></p>",
    head='<meta http-equiv="refresh" content="0; url={{url:shop-b.com}}/join.html">\n'))
EXPECTED.setdefault(H, {"must": [], "may": [], "decoys": []})["meta_refresh_to"] = "shop-b.com"

# ================================================================ vids-c.net (Verotel, SegPay, ETH/TRX; referer-gated)
H = "vids-c.net"
nav_c = '<nav><a href="/members/join.html">Join</a> | <a href="/pay.html">Payment options</a> | <a href="/contact.html">Contact</a></nav>'
site_file(H, "index.html", page("VIDS C", f"""
{nav_c}
<h1>Exclusive clips</h1><p>New every day. 30 days for $29.95.</p>
<video src="{media(H, "clips/teaser.mp4", "vids-c-video-src", "video src")}" poster="{media(H, "clips/teaser-poster.jpg", "vids-c-video-poster", "video poster")}" controls></video>
""", head=GA4_SNIPPET.format(ga="G-4HT7VQ2NZC")))
site_file(H, "landing.html", page("Welcome", "<h1>Welcome</h1><p>This site is under construction.</p>"))
ROUTES[f"{H} /"] = {"require_referer": "{{url:forum-d.org/thread/42.html}}", "else_file": "landing.html"}
ROUTES[f"{H} /index.html"] = {"require_referer": "{{url:forum-d.org/thread/42.html}}", "else_file": "landing.html"}
must(H, "ga4_measurement_id", "G-4HT7VQ2NZC", "trackers", "/", "only visible with the report's Referer")
site_file(H, "pay.html", page("Payment – VIDS C", f"""
{nav_c}
<h1>Payment options</h1>
<p><a href="https://secure.verotel.com/startorder?version=3.5&amp;shopID=123456&amp;priceAmount=29.95&amp;priceCurrency=USD&amp;description=VIP+30+days&amp;signature=9f2c1b7e0a4d">Pay by card (Verotel)</a></p>
<p><a href="https://secure2.segpay.com/billing/poset.cgi?x-eticketid=148911:22">Pay by card (SegPay)</a></p>
<h2>Crypto</h2>
<p>ETH / USDT (ERC-20): <code>{ETH}</code></p>
<p>USDT (TRC-20): <code>{TRX}</code></p>
<p>BTC: <code>{P2PKH}</code></p>
"""))
must(H, "verotel_shop_id", "123456", "payments", "/pay.html", "shopID in a startorder link")
must(H, "segpay_eticket", "148911:22", "payments", "/pay.html", "x-eticketid in a poset.cgi link")
must(H, "eth_address", ETH.lower(), "crypto", "/pay.html", "EIP-55 vector, lowercase canonical; shared with gallery-e.net")
must(H, "trx_address", TRX, "crypto", "/pay.html", "base58check 0x41, generated and verified")
must(H, "btc_address", P2PKH, "crypto", "/pay.html", "base58 P2PKH, bitcoin wiki example")
site_file(H, "members/join.html", page("Join – VIDS C", f"""
{nav_c}
<h1>Join</h1>
<form action="https://secure.verotel.com/startorder" method="get">
<input type="hidden" name="version" value="3.5"><input type="hidden" name="shopID" value="123456">
<input type="hidden" name="priceAmount" value="29.95"><button>Join</button></form>
"""))
site_file(H, "contact.html", page("Contact – VIDS C", f"""
{nav_c}
<h1>Contact</h1>
<p>Admin: <a href="https://telegram.me/vidsc_admin">Telegram</a> · <a href="https://api.whatsapp.com/send?phone=79161234567">WhatsApp</a></p>
<p>Mail: admin@vids-c.net</p>
"""))
must(H, "telegram", "vidsc_admin", "messengers", "/contact.html", "telegram.me link")
must(H, "whatsapp", "+79161234567", "messengers", "/contact.html", "api.whatsapp.com/send?phone=")
must(H, "email", "admin@vids-c.net", "emails", "/contact.html", "plain text")
EXPECTED[H]["require_referer"] = "{{url:forum-d.org/thread/42.html}}"

# ================================================================ forum-d.org (links to vids-c.net and dead hosts)
H = "forum-d.org"
site_file(H, "index.html", page("Forum D", f"""
<h1>Forum D</h1>
<ul><li><a href="/thread/42.html">Best clip sites 2024</a></li><li><a href="/thread/43.html">Off topic</a></li></ul>
<p>Contact the moderators: <a href="mailto:mod@forum-d.org">mod@forum-d.org</a></p>
""", head=GA4_SNIPPET.format(ga=NOISE_GA4)))
site_file(H, "thread/42.html", page("Best clip sites 2024 – Forum D", f"""
<h1>Best clip sites 2024</h1>
<div class="post"><p>Try <a href="{{{{url:vids-c.net}}}}/">vids-c.net</a>, works with crypto.</p>
<p>Old ones are gone: <a href="http://gone-shop.com:{{{{port}}}}/">gone-shop.com</a>, <a href="http://dead-link.net:{{{{port}}}}/shop">dead-link.net</a></p>
<p class="sig">Tips welcome: {ETH_BAD}</p></div>
<div class="post"><p>Also <a href="/thread/43.html">see the off-topic thread</a>. Posted 2024-03-15 18:44.</p></div>
<p><a href="/">Forum D</a> · Moderators: <a href="mailto:mod@forum-d.org">mod@forum-d.org</a></p>
""", head=GA4_SNIPPET.format(ga=NOISE_GA4)))
site_file(H, "thread/43.html", page("Off topic – Forum D", "<h1>Off topic</h1><p>Nothing here.</p><a href=\"/\">back</a>"))
must(H, "email", "mod@forum-d.org", "emails", "/thread/42.html")
must(H, "ga4_measurement_id", NOISE_GA4, "trackers", "/thread/42.html", "noise")
decoy(H, "eth_address", "/thread/42.html", "mixed-case address whose EIP-55 checksum fails", value=ETH_BAD.lower())
EXPECTED[H]["nxdomain_links"] = ["gone-shop.com", "dead-link.net"]

# ================================================================ gallery-e.net (every media reference style)
H = "gallery-e.net"
G = lambda path, cid, style, served=True: media(H, path, cid, style, served=served)
png_data = MAGIC["png"] + CANARY + b"gallery-e-29-data-uri\n"
CANARIES.append({"id": "gallery-e-29-data-uri", "host": H, "path": None, "style": "data: URI (base64 in the page)", "served": False})
site_file(H, "static/site.css", f"""body {{ font-family: sans-serif; }}
.banner {{ background: #000 url("{G('media/15-css-file.jpg', 'gallery-e-15-css-file-url', 'CSS url() in an external stylesheet')}") no-repeat; }}
""")
site_file(H, "manifest.json", json.dumps({
    "name": "Gallery E", "short_name": "GalleryE", "start_url": "/",
    "icons": [{"src": G("media/21-icon-192.png", "gallery-e-21-manifest-icon", "manifest.json icons"), "sizes": "192x192", "type": "image/png"},
              {"src": G("media/22-icon-512.png", "gallery-e-22-manifest-icon", "manifest.json icons"), "sizes": "512x512", "type": "image/png"}],
}, indent=2) + "\n")
head_e = f"""<link rel="stylesheet" href="/static/site.css">
<link rel="icon" type="image/png" href="{G('media/16-favicon.png', 'gallery-e-16-link-icon', 'link rel=icon')}">
<link rel="apple-touch-icon" href="{G('media/17-touch.png', 'gallery-e-17-apple-touch-icon', 'link rel=apple-touch-icon')}">
<link rel="preload" as="image" href="{G('media/18-hero.jpg', 'gallery-e-18-preload-image', 'link rel=preload as=image')}">
<link rel="manifest" href="/manifest.json">
<meta property="og:image" content="{{{{url:gallery-e.net}}}}{G('media/19-og.jpg', 'gallery-e-19-og-image', 'og:image')}">
<meta name="twitter:image" content="{G('media/20-twitter.jpg', 'gallery-e-20-twitter-image', 'twitter:image')}">
<style>.hero {{ background-image: url({G('media/14-style-tag.png', 'gallery-e-14-style-tag-url', 'CSS url() in <style>')}); }}</style>
""" + GA4_SNIPPET.format(ga=NOISE_GA4)
ROUTES[f"{H} /view/photo-26.html"] = {"file": G("media/26-lying.jpg", "gallery-e-26-lying-content-type", "a .html URL answering JPEG bytes labelled text/html"), "content_type": "text/html; charset=utf-8"}
ROUTES[f"{H} /full"] = {"redirect": "/media/27-redirected.jpg", "status": 302}
G("media/27-redirected.jpg", "gallery-e-27-redirect-to-image", "302 from /full?id=27 to an image")
ROUTES[f"{H} /full?id=27"] = {"redirect": "/media/27-redirected.jpg", "status": 302}
ROUTES[f"{H} /p/28"] = {"redirect": "/img?id=28", "status": 302}
ROUTES[f"{H} /img"] = {"file": G("media/28-no-extension.jpg", "gallery-e-28-image-without-extension", "302 to /img?id=28, an image/jpeg URL without an extension"), "content_type": "image/jpeg"}
site_file(H, "index.html", page("Gallery E", f"""
<nav><a href="/donate.html">Donate</a> | <a href="/contact.html">Contact</a> | <a href="/about.html">About</a></nav>
<h1>Gallery E</h1>
<div class="hero"></div><div class="banner"></div>
<img src="{G('media/01-img.jpg', 'gallery-e-01-img-src', 'img src')}" alt="one">
<img srcset="{G('media/02-small.jpg', 'gallery-e-02-img-srcset', 'img srcset')} 1x, {G('media/03-large.jpg', 'gallery-e-03-img-srcset-2x', 'img srcset')} 2x" alt="two">
<picture>
  <source srcset="{G('media/04-pic.webp', 'gallery-e-04-picture-source-srcset', 'picture > source srcset')}" type="image/webp">
  <img src="{G('media/05-pic.jpg', 'gallery-e-05-picture-img', 'picture > img src')}" alt="three">
</picture>
<video src="{G('media/06-clip.mp4', 'gallery-e-06-video-src', 'video src')}" poster="{G('media/07-poster.jpg', 'gallery-e-07-video-poster', 'video poster')}"></video>
<video controls><source src="{G('media/08-clip.webm', 'gallery-e-08-video-source', 'video > source src')}" type="video/webm">
  <track src="{G('media/10-subs.vtt', 'gallery-e-10-track', 'track src')}" kind="subtitles" srclang="en"></video>
<audio src="{G('media/09-song.mp3', 'gallery-e-09-audio-src', 'audio src')}"></audio>
<audio><source src="{G('media/09b-song.ogg', 'gallery-e-09b-audio-source', 'audio > source src')}" type="audio/ogg"></audio>
<embed src="{G('media/11-player.swf', 'gallery-e-11-embed', 'embed src')}" type="application/x-shockwave-flash">
<object data="{G('media/12-book.pdf', 'gallery-e-12-object-data', 'object data')}" type="application/pdf"></object>
<div style="background: url(&quot;{G('media/13-inline.jpg', 'gallery-e-13-inline-style-url', 'CSS url() in style attribute')}&quot;)">inline</div>
<img class="lazyload" data-src="{G('media/30-lazy.jpg', 'gallery-e-30-data-src', 'img data-src (lazy loading)')}" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="">
<img src="data:image/png;base64,{base64.b64encode(png_data).decode()}" alt="inline">
<h2>Downloads</h2>
<ul>
<li><a href="{G('gallery/photo.jpg', 'gallery-e-23-a-href-jpg', 'a href to .jpg')}">photo.jpg (full size)</a></li>
<li><a href="{G('download/pack.zip', 'gallery-e-24-a-href-zip', 'a href to .zip')}">Download the pack (.zip)</a></li>
<li><a href="{G('clips/preview.mp4', 'gallery-e-25-a-href-mp4', 'a href to .mp4')}">Preview (.mp4)</a></li>
<li><a href="/view/photo-26.html">View photo 26</a></li>
<li><a href="/full?id=27">Full resolution 27</a></li>
<li><a href="/p/28">Photo 28</a></li>
</ul>
""", head=head_e))
must(H, "ga4_measurement_id", NOISE_GA4, "trackers", "/", "noise")
site_file(H, "donate.html", page("Donate – Gallery E", f"""
<h1>Support us</h1>
<p>ETH: {ETH}</p>
<p>LTC: {LTC}</p>
<p>DOGE: {DOGE}</p>
<p>BTC (Taproot): {TAPROOT}</p>
<p>Old addresses, do not use: {P2PKH_BAD} · {BECH32_BAD}</p>
<p>Wire: IBAN DE89 3704 0044 0532 0130 00 (not {IBAN_SE_BAD})</p>
"""))
must(H, "eth_address", ETH.lower(), "crypto", "/donate.html", "shared with vids-c.net")
must(H, "ltc_address", LTC, "crypto", "/donate.html", "base58check 0x30, generated and verified")
must(H, "doge_address", DOGE, "crypto", "/donate.html", "base58check 0x1e, generated and verified")
must(H, "btc_address", TAPROOT, "crypto", "/donate.html", "BIP-350 bech32m vector")
must(H, "iban", IBAN_DE, "payments", "/donate.html")
decoy(H, "btc_address", "/donate.html", "base58 checksum broken", value=P2PKH_BAD)
decoy(H, "btc_address", "/donate.html", "bech32 checksum broken", value=BECH32_BAD)
decoy(H, "iban", "/donate.html", "mod-97 check broken", value=IBAN_SE_BAD)
site_file(H, "contact.html", page("Contact – Gallery E", """
<h1>Contact</h1><p>webmaster (at) gallery-e.net or <a href="mailto:webmaster@gallery-e.net">mail us</a></p>
"""))
must(H, "email", "webmaster@gallery-e.net", "emails", "/contact.html")
site_file(H, "about.html", page("About – Gallery E", "<h1>About</h1><p>Since 2022.</p>"))

# ================================================================ shop-f.co.uk (crawler traps; contact last)
H = "shop-f.co.uk"
archive_links = "\n".join(f'<li><a href="/archive/{i}.html">Archive {2020 + i // 12}-{i % 12 + 1:02d}</a></li>' for i in range(60))
site_file(H, "index.html", page("Shop F – UK", f"""
<h1>Shop F</h1>
<ul class="archive">
{archive_links}
</ul>
<ul class="misc">
<li><a href="/calendar?month=0">Events calendar</a></li>
<li><a href="/catalogue.html">Full catalogue</a></li>
<li><a href="/loop-a">Special offers</a></li>
<li><a href="/chain">Deals</a></li>
<li><a href="/old-page.html">Old page</a></li>
<li><a href="/error.html">Stock</a></li>
<li><a href="/maintenance.html">Outlet</a></li>
<li><a href="/huge.html">Price list</a></li>
<li><a href="/slow.html">Reviews</a></li>
</ul>
<footer><a href="/contact.html">Contact</a> · <a href="/payment.html">Payment</a></footer>
""", head='<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-4716283946503921" crossorigin="anonymous"></script>\n'
         '<script>(function(h,o,t,j,a,r){h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};h._hjSettings={hjid:3456789,hjsv:6};})(window,document,"https://static.hotjar.com/c/hotjar-",".js?sv=");</script>\n'))
must(H, "adsense_publisher", "ca-pub-4716283946503921", "trackers", "/", "adsbygoogle.js?client=")
must(H, "hotjar_id", "3456789", "trackers", "/", "_hjSettings hjid")
ROUTES[f"{H} /archive/*"] = {"body": "<!doctype html><html><head><title>Archive</title></head><body><h1>Archive</h1><p>Nothing for this month.</p><a href=\"/\">home</a></body></html>\n"}
ROUTES[f"{H} /calendar"] = {"calendar": True}
ROUTES[f"{H} /catalogue.html"] = {"gzip_bomb": True}
ROUTES[f"{H} /loop-a"] = {"redirect": "/loop-b", "status": 302}
ROUTES[f"{H} /loop-b"] = {"redirect": "/loop-a", "status": 302}
ROUTES[f"{H} /chain"] = {"redirect_loop": True}
ROUTES[f"{H} /error.html"] = {"status": 500, "body": "<!doctype html><title>500</title><h1>Internal Server Error</h1>\n"}
ROUTES[f"{H} /maintenance.html"] = {"status": 503, "body": "<!doctype html><title>503</title><h1>Down for maintenance</h1>\n", "headers": {"Retry-After": "3600"}}
ROUTES[f"{H} /huge.html"] = {"big_page": 6500000}
ROUTES[f"{H} /slow.html"] = {"slow": 1.5, "body": "<!doctype html><title>Reviews</title><h1>Reviews</h1><p>5 stars.</p>\n"}
site_file(H, "404.html", page("Not found – Shop F", "<h1>Not found</h1>"))
site_file(H, "contact.html", page("Contact – Shop F", """
<h1>Contact</h1>
<p>Phone: 020 7946 0321 (Mon–Fri). Email: <a href="mailto:Orders@Shop-F.co.uk">Orders@Shop-F.co.uk</a></p>
<p>Order #4471234567 shipped 2024-03-15; total £1,299.00.</p>
"""))
must(H, "phone", "+442079460321", "phones", "/contact.html", "UK national format; contact link is last on the home page after 60 archive links: link priority")
must(H, "email", "orders@shop-f.co.uk", "emails", "/contact.html", "mixed case, lowercased")
decoy(H, "phone", "/contact.html", "order number", digits="4471234567")
site_file(H, "payment.html", page("Payment – Shop F", f"""
<h1>Payment</h1><p>Bank transfer: IBAN GB82 WEST 1234 5698 7654 32, BIC WESTGB2L.</p>
<p>Reference: your order number. Prices include VAT (20%).</p>
"""))
must(H, "iban", IBAN_GB, "payments", "/payment.html", "reached only if payment/contact links are crawled before 60 archive links")
must(H, "bic", "WESTGB2L", "payments", "/payment.html")
EXPECTED[H]["traps"] = ["/calendar?month=N (infinite)", "/catalogue.html (gzip bomb, 200 MB inflated)",
                        "/loop-a <-> /loop-b (redirect loop)", "/chain (endless redirect chain)",
                        "/old-page.html (404)", "/error.html (500)", "/maintenance.html (503)",
                        "/huge.html (6.5 MB page)", "/slow.html (1.5 s)", "/archive/0..59.html (budget eaters)"]

# ================================================================ parked-g.com
H = "parked-g.com"
site_file(H, "index.html", page("parked-g.com – this domain is for sale", """
<h1>parked-g.com</h1><p>This domain may be for sale. Buy this domain.</p>
<p>Related searches: <a href="/?q=shop">Shop</a> <a href="/?q=gifts">Gifts</a></p>
""", head='<meta name="robots" content="noindex">\n'))
EXPECTED.setdefault(H, {"must": [], "may": [], "decoys": []})["status"] = "parked"

# ================================================================ status of the other reported names
EXPECTED.setdefault("nxdomain-shop.com", {"must": [], "may": [], "decoys": []})["status"] = "nxdomain"
EXPECTED.setdefault("down-h.net", {"must": [], "may": [], "decoys": []})["status"] = "unreachable"
for ok in ("shop-a.se", "shop-a-mirror.ru", "shop-b.com", "shop-b-members.net", "vids-c.net", "forum-d.org", "gallery-e.net", "shop-f.co.uk", "old-shop-b.com", "promo-b.info"):
    EXPECTED[ok].setdefault("status", "ok")

# ================================================================ hosts, zone, reports
hosts = {
    "_comment": "name -> loopback IP; the HTTP server listens on each IP (same port). 127.0.0.2 is the shared 'CDN' address.",
    "shop-a.se": "127.0.0.2", "www.shop-a.se": "127.0.0.2",
    "shop-a-mirror.ru": "127.0.0.3", "www.shop-a-mirror.ru": "127.0.0.3",
    "shop-b.com": "127.0.0.2",
    "shop-b-members.net": "127.0.0.4", "old-shop-b.com": "127.0.0.4", "promo-b.info": "127.0.0.4",
    "vids-c.net": "127.0.0.5", "www.vids-c.net": "127.0.0.5",
    "forum-d.org": "127.0.0.2", "gallery-e.net": "127.0.0.2", "www.gallery-e.net": "127.0.0.2",
    "shop-f.co.uk": "127.0.0.6", "www.shop-f.co.uk": "127.0.0.6",
    "parked-g.com": "127.0.0.7",
    "edge.fakecdn.net": "127.0.0.2",
    "mail.shop-a.se": "127.0.0.8", "mx.shop-b.com": "127.0.0.8",
}
SOA_A = "ns1.bulletproof-dns.ru. hostmaster.shop-a.se. 2024031501 7200 3600 1209600 300"
zone = {
    "_comment": "extra DNS records; names absent from hosts.json and here get NXDOMAIN (nxdomain-shop.com, gone-shop.com, dead-link.net)",
    "shop-a.se": {"MX": ["10 mail.shop-a.se."], "NS": ["ns1.bulletproof-dns.ru.", "ns2.bulletproof-dns.ru."],
                  "SOA": SOA_A,
                  "TXT": ["v=spf1 include:_spf.mailhost-a.net ~all", f"google-site-verification={GSV}"],
                  "CAA": ["0 issue \"letsencrypt.org\""], "TTL": 3600},
    "shop-a-mirror.ru": {"NS": ["ns1.bulletproof-dns.ru.", "ns2.bulletproof-dns.ru."],
                         "SOA": "ns1.bulletproof-dns.ru. hostmaster.shop-a.se. 2024031502 7200 3600 1209600 300",
                         "TXT": ["v=spf1 include:_spf.mailhost-a.net ~all"]},
    "mail.shop-a.se": {"AAAA": ["2001:db8::25"]},
    "shop-b.com": {"MX": ["10 mx.shop-b.com.", "20 mx2.mailhost-b.example."], "NS": ["ns1.fakecdn.net.", "ns2.fakecdn.net."],
                   "SOA": "ns1.fakecdn.net. dns.fakecdn.net. 2024010101 7200 3600 1209600 300",
                   "TXT": ["v=spf1 include:_spf.google.com ~all"], "CAA": ["0 issue \"digicert.com\"", "0 iodef \"mailto:security@shop-b.com\""]},
    "www.shop-b.com": {"CNAME": "shop-b.com.cdn.fakecdn.net."},
    "shop-b.com.cdn.fakecdn.net": {"CNAME": "edge.fakecdn.net."},
    "default._domainkey.shop-b.com": {"TXT": ["v=DKIM1; k=rsa; p=" + base64.b64encode(bytes(range(256)) * 2).decode()]},
    "shop-b-members.net": {"NS": ["ns1.fakecdn.net.", "ns2.fakecdn.net."], "MX": ["10 mx.shop-b.com."]},
    "vids-c.net": {"NS": ["ns1.offshore-dns.example.", "ns2.offshore-dns.example."], "TXT": ["v=spf1 -all"]},
    "gallery-e.net": {"NS": ["ns1.fakecdn.net.", "ns2.fakecdn.net."]},
    "down-h.net": {"A": ["127.0.0.250"], "_note": "resolves, but nothing listens there: connection refused"},
    "broken-dns-j.com": {"SERVFAIL": True},
    "timeout-dns-k.com": {"TIMEOUT": True},
    "2.0.0.127.in-addr.arpa": {"PTR": ["edge.fakecdn.net."]},
    "3.0.0.127.in-addr.arpa": {"PTR": ["vps-3.bulletproof-host.ru."]},
    "2.0.0.127.origin.asn.cymru.com": {"TXT": ["64500 | 127.0.0.0/24 | ZZ | test | 2020-01-01"]},
    "3.0.0.127.origin.asn.cymru.com": {"TXT": ["64501 | 127.0.0.0/24 | RU | test | 2020-01-01"]},
    "4.0.0.127.origin.asn.cymru.com": {"TXT": ["64502 | 127.0.0.0/24 | NL | test | 2020-01-01"]},
    "5.0.0.127.origin.asn.cymru.com": {"TXT": ["64501 | 127.0.0.0/24 | RU | test | 2020-01-01"]},
    "6.0.0.127.origin.asn.cymru.com": {"TXT": ["64503 | 127.0.0.0/24 | GB | test | 2020-01-01"]},
    "7.0.0.127.origin.asn.cymru.com": {"TXT": ["64504 | 127.0.0.0/24 | US | test | 2020-01-01"]},
    "as64500.asn.cymru.com": {"TXT": ["64500 | ZZ | test | 2020-01-01 | FAKECDN - Fake CDN Inc., ZZ"]},
    "as64501.asn.cymru.com": {"TXT": ["64501 | RU | test | 2020-01-01 | BPHOST - Bulletproof Hosting Ltd, RU"]},
    "as64502.asn.cymru.com": {"TXT": ["64502 | NL | test | 2020-01-01 | NLHOST - Example Hosting B.V., NL"]},
    "as64503.asn.cymru.com": {"TXT": ["64503 | GB | test | 2020-01-01 | UKHOST - Example Hosting Ltd, GB"]},
    "as64504.asn.cymru.com": {"TXT": ["64504 | US | test | 2020-01-01 | PARKING - Example Parking LLC, US"]},
}
REPORTS = [
    ("{{url:shop-a.se}}/", "R-0001", "2024-03-16T09:12:00Z", "hotline", ""),
    ("{{url:shop-a-mirror.ru}}/", "R-0002", "2024-03-16T09:15:00Z", "hotline", ""),
    ("{{url:shop-b.com}}/", "R-0003", "2024-03-17T11:02:00Z", "bank", ""),
    ("{{url:shop-b-members.net}}/", "R-0004", "2024-03-17T11:05:00Z", "bank", ""),
    ("{{url:old-shop-b.com}}/", "R-0005", "2024-03-17T11:06:00Z", "bank", ""),
    ("{{url:promo-b.info}}/", "R-0006", "2024-03-18T08:00:00Z", "public", ""),
    ("{{url:vids-c.net}}/", "R-0007", "2024-03-18T08:30:00Z", "police", "{{url:forum-d.org}}/thread/42.html"),
    ("{{url:forum-d.org}}/thread/42.html", "R-0008", "2024-03-18T08:31:00Z", "police", ""),
    ("{{url:gallery-e.net}}/", "R-0009", "2024-03-19T10:00:00Z", "hotline", ""),
    ("{{url:shop-f.co.uk}}/", "R-0010", "2024-03-19T10:30:00Z", "public", ""),
    ("{{url:parked-g.com}}/", "R-0011", "2024-03-20T07:45:00Z", "public", ""),
    ("{{url:nxdomain-shop.com}}/", "R-0012", "2024-03-20T07:50:00Z", "hotline", ""),
    ("{{url:down-h.net}}/", "R-0013", "2024-03-20T07:55:00Z", "hotline", ""),
]

shared = [
    {"kind": "btc_address", "value": BECH32, "domains": ["shop-a.se", "shop-a-mirror.ru"]},
    {"kind": "telegram", "value": TG_A, "domains": ["shop-a.se", "shop-a-mirror.ru"]},
    {"kind": "phone", "value": "+46701234567", "domains": ["shop-a.se", "shop-a-mirror.ru"]},
    {"kind": "ccbill_account", "value": "951492/0001", "domains": ["shop-b.com", "shop-b-members.net"]},
    {"kind": "paypal_business", "value": "payments@shop-b.com", "domains": ["shop-b.com", "shop-b-members.net"]},
    {"kind": "stripe_publishable_key", "value": PK_LIVE, "domains": ["shop-b.com", "shop-b-members.net"]},
    {"kind": "eth_address", "value": ETH.lower(), "domains": ["vids-c.net", "gallery-e.net"]},
]
noise = [{"kind": "ga4_measurement_id", "value": NOISE_GA4,
          "domains": ["shop-a.se", "shop-b.com", "forum-d.org", "gallery-e.net"],
          "note": "one widespread tracker id on four unrelated sites that also share the CDN IP 127.0.0.2: must not merge them"},
         {"kind": "ip", "value": "127.0.0.2", "domains": ["shop-a.se", "shop-b.com", "forum-d.org", "gallery-e.net"],
          "note": "shared CDN address (PTR edge.fakecdn.net)"}]
expected = {
    "_about": ("What a correct crawl of this sample web (reports.csv rendered with web.render_reports(), "
               "default depth 2 / 50 pages, referrer honoured) must find. Per registered domain: 'must' = "
               "identifiers {kind, value} that must be stored (canonical values: E.164 phones, lowercase "
               "emails, lowercase ETH, lowercase bech32, IBAN without spaces, CCBill account/subaccount); "
               "'may' = present on the pages but optional (kind or canonical form not settled); 'decoys' = "
               "must NOT be stored: with 'value' no identifier of that kind has that value, with 'digits' no "
               "identifier of that kind has a value whose digits contain them, with 'unless_flag' the value "
               "may appear only carrying that flag. 'family' names the extractor module. 'page' is where it is."),
    "domains": EXPECTED,
    # old-shop-b.com (301) and promo-b.info (meta refresh) only send their visitors to shop-b.com:
    # a redirect ties them to its operator (graph/ties.py)
    "clusters": [["shop-a.se", "shop-a-mirror.ru"], ["shop-b.com", "shop-b-members.net", "old-shop-b.com", "promo-b.info"],
                 ["vids-c.net", "gallery-e.net"]],
    "shared": shared,
    "noise": noise,
    "media_canaries": CANARIES,
    "canary_prefix": CANARY.decode(),
}

# ---------------------------------------------------------------- write
if OUT.exists():
    keep = {"whois", "rdap", Path(__file__).name}
    for child in OUT.iterdir():
        if child.name in keep:
            continue
        shutil.rmtree(child) if child.is_dir() else child.unlink()
OUT.mkdir(parents=True, exist_ok=True)
for rel, content in FILES.items():
    p = OUT / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        assert CANARY.decode() not in content, rel
        p.write_text(content, "utf-8")
(OUT / "hosts.json").write_text(json.dumps(hosts, indent=2) + "\n")
(OUT / "zone.json").write_text(json.dumps(zone, indent=2) + "\n")
(OUT / "routes.json").write_text(json.dumps({"_comment": "special behaviours keyed 'HOST PATH'; see docs/fakeweb.md", **ROUTES}, indent=2) + "\n")
(OUT / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n")
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["url", "report_id", "reported_at", "source", "referrer"])
w.writerows(REPORTS)
(OUT / "reports.csv").write_text(buf.getvalue())
print(len(FILES), "files;", len(CANARIES), "canaries")
