"""Analytics, advertising and site-verification ids in a page.

Sites run by the same operator often share a Google Analytics property, a Tag Manager
container, an AdSense publisher id or a Facebook pixel; site-verification tokens in
``<meta>`` tags tie sites to one webmaster account.  ``PATTERNS`` has one row per way an id
shows up (the gtag snippet, analytics.js, a noscript pixel URL, JSON config…), using the same
:class:`~crawler.extractors.rows.Pattern` rows and keyword prefilter as the payments family;
``VERIFICATION_METAS`` lists the ``<meta name>`` values read as site verification.
"""

from __future__ import annotations

import re
from typing import Iterator

from crawler.extractors.model import Identifier, Kind, Page, snippet
from crawler.extractors.rows import (MAX_CANDIDATES_PER_ROW, KeywordScanner, Pattern, norm_text, run_patterns,
                                     tag_attrs)

FAMILY = "trackers"

KINDS: tuple[Kind, ...] = (
    Kind("ga_tracking_id", FAMILY, "Google Analytics (UA) id", "strong", False,
         "Universal Analytics property `UA-<account>-<n>` in gtag.js / analytics.js / ga.js code."),
    Kind("ga4_measurement_id", FAMILY, "Google Analytics 4 id", "strong", False,
         "GA4 measurement id `G-XXXXXXXXXX` in gtag config or Firebase config."),
    Kind("gtm_container", FAMILY, "Google Tag Manager container", "strong", False, "`GTM-XXXXXX` container id."),
    Kind("google_ads_id", FAMILY, "Google Ads conversion id", "strong", False,
         "`AW-<digits>` (conversion label dropped)."),
    Kind("adsense_publisher", FAMILY, "AdSense publisher id", "strong", False,
         "`ca-pub-<16 digits>` (also `pub-…` on a google.com line of ads.txt)."),
    Kind("facebook_pixel", FAMILY, "Facebook / Meta pixel", "strong", False,
         "`fbq('init', '<15-16 digits>')` or `facebook.com/tr?id=…`."),
    Kind("yandex_metrika", FAMILY, "Yandex Metrika counter", "strong", False,
         "`ym(<id>, 'init')`, `mc.yandex.ru/watch/<id>`, `yaCounter<id>`."),
    Kind("hotjar_id", FAMILY, "Hotjar site id", "strong", False,
         "`hjid:<id>` or `static.hotjar.com/c/hotjar-<id>.js`."),
    Kind("matomo_site", FAMILY, "Matomo / Piwik site", "strong", False,
         "`<tracker host>/<site id>` from `_paq` setSiteId + tracker URL, or a `matomo.php?idsite=` pixel."),
    Kind("cloudflare_analytics_token", FAMILY, "Cloudflare Web Analytics token", "strong", False,
         "32-hex token of `data-cf-beacon`."),
    Kind("microsoft_clarity", FAMILY, "Microsoft Clarity project", "strong", False,
         "Clarity project id from `clarity.ms/tag/<id>` or the `clarity(…, \"<id>\")` snippet."),
    Kind("tiktok_pixel", FAMILY, "TikTok pixel", "strong", False, "`ttq.load('<id>')` of the TikTok pixel."),
    Kind("site_verification", FAMILY, "Site-verification token", "medium", False,
         "`<meta name=\"google-site-verification\" content=\"…\">` and similar, as `name=content`."),
)

_ANALYTICS_NEAR = re.compile(r"gtag|analytics|_gaq|\bga\(|_setaccount|tracking_?id|googletagmanager|urchin|\bga\.js"
                             r"|['\"]create['\"]|property|_uacct|[?&]tid=")
_GA4_NEAR = re.compile(r"gtag|googletagmanager|measurement_?id|send_to|ga4|analytics|['\"]config['\"]")


def _v(m: re.Match[str]) -> str:
    return m.group("v") if "v" in m.re.groupindex else m.group(0)


def _upper(m: re.Match[str]) -> str:
    return _v(m).upper()


def _ca_pub(m: re.Match[str]) -> str:
    return "ca-pub-" + m.group("v")


def _aw(m: re.Match[str]) -> str:
    return "AW-" + m.group("v")


# Matomo tracker host: the `var u="//host/"` of the standard snippet, setTrackerUrl, Matomo
# Cloud's cdn.matomo.cloud/<host>/matomo.js, or any …/matomo.php or piwik.js URL.
_MATOMO_HOST = re.compile(
    r"""var\s+u\s*=\s*["'](?:https?:)?//(?P<a>[A-Za-z0-9.-]+)"""
    r"""|setTrackerUrl["']\s*,\s*["'](?:https?:)?//(?P<b>[A-Za-z0-9.-]+)"""
    r"""|cdn\.matomo\.cloud/(?P<c>[A-Za-z0-9.-]+)/"""
    r"""|//(?P<d>[A-Za-z0-9.-]+\.[A-Za-z]{2,})(?::\d+)?/[^"'\s]{0,200}?(?:matomo|piwik)\.(?:php|js)""")
MATOMO_WINDOW = 3000


def _matomo_site(m: re.Match[str]) -> str | None:
    """The tracker host of the same snippet: the nearest one before setSiteId (``var u=…`` and
    setTrackerUrl come first), else the first after it (``cdn.matomo.cloud/<host>/matomo.js``),
    so two snippets on one page keep their own hosts."""
    text = m.string
    hm = None
    for hm in _MATOMO_HOST.finditer(text, max(0, m.start() - MATOMO_WINDOW), m.start()):
        pass
    if hm is None:
        hm = _MATOMO_HOST.search(text, m.end(), m.end() + MATOMO_WINDOW)
    if hm is None:
        return None
    host = next(g for g in hm.groups() if g).lower().rstrip(".")
    return f"{host}/{m.group('v')}"


def _matomo_pixel(m: re.Match[str]) -> str:
    return f"{m.group('h').lower()}/{m.group('v')}"


PATTERNS: tuple[Pattern, ...] = (
    # ---- Google ----
    Pattern("ga_tracking_id", re.compile(r"UA-(?<![\w-]UA-)\d{4,10}-\d{1,4}(?![\w-])"),
            note="gtag/js?id=UA-…, ga('create', 'UA-…'), _gaq _setAccount, \"trackingId\": \"UA-…\"",
            keywords=("ua-",), near=_ANALYTICS_NEAR, before=300, after=150),
    Pattern("ga4_measurement_id", re.compile(r"G-(?<![\w-]G-)[A-Z0-9]{6,12}(?![\w-])"),
            note="gtag('config', 'G-…'), gtag/js?id=G-…, Firebase measurementId",
            keywords=("gtag", "googletagmanager", "measurementid", "measurement_id", "send_to", "analytics", "ga4"),
            near=_GA4_NEAR, before=300, after=150),
    Pattern("gtm_container", re.compile(r"GTM-(?<![\w-]GTM-)[A-Z0-9]{4,9}(?![\w-])"),
            note="googletagmanager.com/gtm.js?id=GTM-…, ns.html?id=GTM-…, (window,document,…,'GTM-…')",
            keywords=("gtm-",)),
    Pattern("google_ads_id", re.compile(r"AW-(?<![\w-]AW-)\d{9,11}(?!\d)"),
            note="gtag('config', 'AW-123456789'); send_to 'AW-…/label' (label dropped)", keywords=("aw-",)),
    Pattern("google_ads_id", re.compile(r"google_conversion_id\s*[=:]\s*[\"']?(?P<v>\d{8,11})(?!\d)"),
            note="legacy conversion.js snippet: var google_conversion_id = 123456789; (also w.google_conversion_id)",
            keywords=("pagead/",), value=_aw),
    Pattern("google_ads_id",
            re.compile(r"googlead(?:services\.com/pagead/conversion|s\.g\.doubleclick\.net/pagead/"
                       r"viewthroughconversion)/(?P<v>\d{8,11})(?!\d)"),
            note="noscript conversion / remarketing pixel googleadservices.com/pagead/conversion/<id>/?label=… "
                 "(a string only: never fetched)",
            keywords=("pagead/",), value=_aw),
    Pattern("adsense_publisher", re.compile(r"ca-pub-(?<![\w-]ca-pub-)(?P<v>\d{16})(?!\d)"),
            note="data-ad-client=\"ca-pub-…\", adsbygoogle.js?client=ca-pub-…, google-adsense-account meta",
            keywords=("ca-pub-",), value=_ca_pub),
    Pattern("adsense_publisher", re.compile(r"(?i)\bgoogle\.com\s*,\s*pub-(?P<v>\d{16})(?!\d)"),
            note="ads.txt line: google.com, pub-…, DIRECT, f08c47fec0942fa0", keywords=("google.com",), value=_ca_pub),
    # ---- Meta, TikTok, Microsoft ----
    Pattern("facebook_pixel", re.compile(r"""fbq\(\s*["']init["']\s*,\s*["']?(?P<v>\d{15,16})(?!\d)"""),
            note="fbq('init', '123456789012345')", keywords=("fbq",)),
    Pattern("facebook_pixel", re.compile(r"""addPixelId["']\s*,\s*["']?(?P<v>\d{15,16})(?!\d)"""),
            note="fbq('addPixelId', '…') and the older _fbq.push(['addPixelId', '…'])", keywords=("fbq",)),
    Pattern("facebook_pixel",
            re.compile(r"(?i)\bfacebook\.com/tr/?\?(?:[^\"'\s<>]{0,200}?&)?id=(?P<v>\d{15,16})(?!\d)"),
            note="noscript pixel URL www.facebook.com/tr?id=…&ev=PageView (a string only: never fetched)",
            keywords=("facebook.com/tr",)),
    Pattern("facebook_pixel", re.compile(r"(?i)\bconnect\.facebook\.net/signals/config/(?P<v>\d{15,16})(?!\d)"),
            note="connect.facebook.net/signals/config/<id>", keywords=("signals/config",)),
    Pattern("tiktok_pixel", re.compile(r"""\bttq\.load\(\s*["'](?P<v>[A-Z0-9]{15,25})["']"""),
            note="ttq.load('C4ABCDEFGHIJKLMNOPQR')", keywords=("ttq.load",)),
    Pattern("tiktok_pixel",
            re.compile(r"analytics\.tiktok\.com/i18n/pixel/events\.js\?(?:[^\"'\s<>]{0,200}?&)?sdkid="
                       r"(?P<v>[A-Z0-9]{15,25})(?![A-Za-z0-9])"),
            note="events.js?sdkid=<id> (the script URL ttq.load builds, pasted as a static <script src>)",
            keywords=("tiktok",), value=_upper),
    Pattern("microsoft_clarity", re.compile(r"(?i)\bclarity\.ms/tag/(?P<v>[a-z0-9]{8,12})(?![a-z0-9])"),
            note="www.clarity.ms/tag/<id>", keywords=("clarity.ms",), value=lambda m: m.group("v").lower()),
    Pattern("microsoft_clarity",
            re.compile(r"""["']clarity["']\s*,\s*["']script["']\s*,\s*["'](?P<v>[a-z0-9]{8,12})["']"""),
            note='the snippet\'s (window, document, "clarity", "script", "<id>")', keywords=("clarity",)),
    # ---- Yandex, Hotjar, Matomo, Cloudflare ----
    Pattern("yandex_metrika", re.compile(r"""(?<![\w.])ym\(\s*(?P<v>\d{5,10})\s*,\s*["']init["']"""),
            note="ym(12345678, \"init\", {…})", keywords=("ym(",)),
    Pattern("yandex_metrika", re.compile(r"(?i)\bmc\.yandex\.(?:ru|com|by|kz|ua|com\.tr)/watch/(?P<v>\d{5,10})(?!\d)"),
            note="noscript <img src=\"https://mc.yandex.ru/watch/12345678\"> (a string only: never fetched)",
            keywords=("mc.yandex",)),
    Pattern("yandex_metrika",
            re.compile(r"mc\.yandex\.(?:ru|com|by|kz|ua|com\.tr)/metrika/tag\.js\?(?:[^\"'\s<>]{0,200}?&)?id="
                       r"(?P<v>\d{5,10})(?!\d)"),
            note="the current snippet's loader URL https://mc.yandex.ru/metrika/tag.js?id=<id>", keywords=("mc.yandex",)),
    Pattern("yandex_metrika",
            re.compile(r"(?i)\b(?:informer|bs)\.yandex\.(?:ru|com|by|kz|ua|com\.tr)/informer/(?P<v>\d{5,10})/"),
            note="Metrica informer image //informer.yandex.ru/informer/<id>/3_1_… (a string only: never fetched)",
            keywords=("informer",)),
    Pattern("yandex_metrika",
            re.compile(r"(?i)\bmetrika\.yandex\.(?:ru|com|by|kz|ua|com\.tr)/stat/\?(?:[^\"'\s<>]{0,200}?&)?id="
                       r"(?P<v>\d{5,10})(?!\d)"),
            note="the informer's link metrika.yandex.ru/stat/?id=<id>&from=informer", keywords=("informer",)),
    Pattern("yandex_metrika", re.compile(r"\byaCounter(?P<v>\d{5,10})(?!\d)"),
            note="legacy: yaCounter12345678 = new Ya.Metrika(…)", keywords=("yacounter",)),
    Pattern("yandex_metrika", re.compile(r"\bYa\.Metrika2?\(\s*\{\s*id\s*:\s*(?P<v>\d{5,10})(?!\d)"),
            note="new Ya.Metrika2({id: 12345678, …})", keywords=("ya.metrika",)),
    Pattern("hotjar_id", re.compile(r"hjid\s*:\s*(?P<v>\d{5,9})(?!\d)"),
            note="h._hjSettings={hjid:1234567,hjsv:6}", keywords=("hjid",)),
    Pattern("hotjar_id", re.compile(r"(?i)\bstatic\.hotjar\.com/c/hotjar-(?P<v>\d{5,9})\.js"),
            note="static.hotjar.com/c/hotjar-1234567.js?sv=6", keywords=("hotjar-",)),
    Pattern("hotjar_id",
            re.compile(r"""hj\.contentsquare\.net/c/csq-["']\s*,\s*["']\.js["']\s*,\s*["']?(?P<v>\d{5,9})(?!\d)"""),
            note="the current snippet's last argument: …('https://static.hj.contentsquare.net/c/csq-', '.js', 1234567)",
            keywords=("contentsquare",)),
    Pattern("hotjar_id", re.compile(r"static\.hj\.contentsquare\.net/c/csq-(?P<v>\d{5,9})\.js"),
            note="static.hj.contentsquare.net/c/csq-1234567.js as a static <script src>", keywords=("contentsquare",)),
    Pattern("matomo_site", re.compile(r"""_paq\.push\(\s*\[\s*["']setSiteId["']\s*,\s*["']?(?P<v>\d{1,6})(?!\d)"""),
            note="_paq.push(['setSiteId', '3']) + the tracker host of the same snippet -> host/3",
            keywords=("setsiteid",), value=_matomo_site),
    Pattern("matomo_site",
            re.compile(r"//(?P<h>[A-Za-z0-9.-]+\.[A-Za-z]{2,})(?::\d+)?/(?:[^\"'\s?<>]{0,200}/)?(?:matomo|piwik)\.php\?"
                       r"(?:[^\"'\s<>]{0,200}?&)?idsite=(?P<v>\d{1,6})(?!\d)", re.IGNORECASE),
            note="noscript pixel //stats.shop-a.se/matomo.php?idsite=3&rec=1 (a string only: never fetched)",
            keywords=("matomo.php", "piwik.php"), value=_matomo_pixel),
    Pattern("cloudflare_analytics_token",
            re.compile(r"""data-cf-beacon\s*=\s*["']\{[^}]{0,300}?["']token["']\s*:\s*"""
                       r"""["'](?P<v>[0-9a-fA-F]{32})["']"""),
            note="<script defer src=…/beacon.min.js data-cf-beacon='{\"token\": \"<32 hex>\"}'>",
            keywords=("cf-beacon",), value=lambda m: m.group("v").lower()),
)

# <meta name=… content=…> names read as site verification (lower-case); value "name=content".
VERIFICATION_METAS: frozenset[str] = frozenset({
    "google-site-verification", "verify-v1",                  # Google Search Console (verify-v1: legacy)
    "msvalidate.01",                                          # Bing Webmaster Tools
    "yandex-verification",                                    # Yandex Webmaster
    "facebook-domain-verification",                           # Meta Business Manager
    "p:domain_verify", "pinterest-site-verification",          # Pinterest
    "baidu-site-verification", "360-site-verification", "sogou_site_verification", "shenma-site-verification",
    "naver-site-verification", "seznam-wmt", "norton-safeweb-site-verification", "ahrefs-site-verification",
    "majestic-site-verification", "wot-verification", "alexaverifyid", "y_key", "zoho-verification",
    "dmca-site-verification", "bitly-verification", "detectify-verification", "tiktok-developers-site-verification",
    "trustpilot-one-time-domain-verification-id", "ahrefs-site-verification",
})
_META_KEYWORDS = ("verif", "msvalidate", "seznam-wmt", "y_key")
_META = re.compile(r"(?i)<meta\b[^>]{0,2000}>")
_TOKEN = re.compile(r"[A-Za-z0-9_=+/.:-]{4,200}")

_SCANNER = KeywordScanner({k for row in PATTERNS for k in row.keywords} | set(_META_KEYWORDS))


def _site_verifications(page: Page) -> Iterator[Identifier]:
    text = page.text
    for n, m in enumerate(_META.finditer(text)):
        if n >= MAX_CANDIDATES_PER_ROW:
            break
        a = tag_attrs(m.group(0))
        name = (a.get("name") or a.get("property") or "").strip().lower()
        if name not in VERIFICATION_METAS:
            continue
        content = (a.get("content") or "").strip()
        if _TOKEN.fullmatch(content):
            yield Identifier("site_verification", f"{name}={content}", m.group(0)[:200],
                             snippet(text, m.start(), m.end()))


def extract(page: Page) -> Iterator[Identifier]:
    """Tracker ids in a page (HTML, JS, JSON or text); pure, never raises.

    Accepts e.g. ``gtag('config', 'G-ABC123DEF4')`` -> ga4_measurement_id ``G-ABC123DEF4``;
    ``G-SHOCK watches`` in prose (no gtag/analytics word near it) gives nothing.
    """
    try:
        yield from _extract(page)
    except Exception:  # a malformed page must never stop a crawl; tests cover the rows themselves
        return


def _extract(page: Page) -> Iterator[Identifier]:
    if not page.text:
        return
    present = _SCANNER.present(page)
    if not present:
        return
    seen: set[tuple[str, str]] = set()
    found = list(run_patterns(PATTERNS, norm_text(page), present))
    if page.is_html and not present.isdisjoint(_META_KEYWORDS):
        found.extend(_site_verifications(page))
    for ident in found:
        key = (ident.kind, ident.value)
        if key not in seen:
            seen.add(key)
            yield ident
