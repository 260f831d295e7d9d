"""Trackers family: the real snippets each service tells sites to paste, decoys in prose,
site-verification metas, and arbitrary input never raising."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings, strategies as st

from crawler.extractors import rows, trackers
from crawler.extractors.model import Page
from tests.formsweb import FORMS

KINDS = {k.kind: k for k in trackers.KINDS}


def found(text: str, content_type: str = "html") -> set[tuple[str, str]]:
    return {(i.kind, i.value) for i in trackers.extract(Page(text, url="https://shop-a.se/", content_type=content_type))}


MATCHES = [
    ("gtag-ga4", "html", """
<script async src="https://www.googletagmanager.com/gtag/js?id=G-K2X9QW7PLM"></script>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-K2X9QW7PLM');
  gtag('config', 'AW-987654321');
  gtag('event', 'conversion', {'send_to': 'AW-123456789/AbC-D_efG-h12_34-567'});
</script>""", [("ga4_measurement_id", "G-K2X9QW7PLM"), ("google_ads_id", "AW-987654321"),
               ("google_ads_id", "AW-123456789")]),
    ("analytics-js-ua", "html", """<script>
(function(i,s,o,g,r,a,m){i['GoogleAnalyticsObject']=r;})(window,document,'script','https://www.google-analytics.com/analytics.js','ga');
ga('create', 'UA-12345678-1', 'auto');
ga('send', 'pageview');
</script>""", [("ga_tracking_id", "UA-12345678-1")]),
    ("ga-js-legacy", "html", "<script>var _gaq = _gaq || []; _gaq.push(['_setAccount', 'UA-7654321-12']);</script>",
     [("ga_tracking_id", "UA-7654321-12")]),
    ("firebase-config-json", "json",
     '{"apiKey": "x", "projectId": "shop", "measurementId": "G-ABCDEF1234"}', [("ga4_measurement_id", "G-ABCDEF1234")]),
    ("gtm-snippet", "html", """<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0];
})(window,document,'script','dataLayer','GTM-5XHJ2Q');</script>
<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-TQZBGP7" height="0" width="0"></iframe></noscript>""",
     [("gtm_container", "GTM-5XHJ2Q"), ("gtm_container", "GTM-TQZBGP7")]),
    ("adsense", "html", """<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=ca-pub-1234567890123456"
     crossorigin="anonymous"></script><meta name="google-adsense-account" content="ca-pub-6543210987654321">""",
     [("adsense_publisher", "ca-pub-1234567890123456"), ("adsense_publisher", "ca-pub-6543210987654321")]),
    ("ads-txt", "text", "google.com, pub-1111222233334444, DIRECT, f08c47fec0942fa0\nappnexus.com, 1234, RESELLER",
     [("adsense_publisher", "ca-pub-1111222233334444")]),
    ("facebook-pixel", "html", """<script>
!function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){};}(window, document,'script',
'https://connect.facebook.net/en_US/fbevents.js');
fbq('init', '123456789012345');
fbq('track', 'PageView');
</script>
<noscript><img height="1" width="1" style="display:none"
src="https://www.facebook.com/tr?id=9876543210123456&ev=PageView&noscript=1"/></noscript>""",
     [("facebook_pixel", "123456789012345"), ("facebook_pixel", "9876543210123456")]),
    ("facebook-signals-config", "js", 'loadScript("https://connect.facebook.net/signals/config/555666777888999?v=2.9.1")',
     [("facebook_pixel", "555666777888999")]),
    ("yandex-metrika2", "js", "var c = new Ya.Metrika2({id: 44444444, clickmap: true});", [("yandex_metrika", "44444444")]),
    ("yandex-metrika", "html", """<script type="text/javascript">
   (function(m,e,t,r,i,k,a){m[i]=m[i]||function(){(m[i].a=m[i].a||[]).push(arguments)};})
   (window, document, "script", "https://mc.yandex.ru/metrika/tag.js", "ym");
   ym(87654321, "init", { clickmap:true, trackLinks:true, accurateTrackBounce:true });
</script>
<noscript><div><img src="https://mc.yandex.ru/watch/12345678" style="position:absolute; left:-9999px;" alt="" /></div></noscript>
<script>var yaCounter55555555 = new Ya.Metrika({id: 55555555});</script>""",
     [("yandex_metrika", "87654321"), ("yandex_metrika", "12345678"), ("yandex_metrika", "55555555")]),
    ("hotjar", "html", """<script>
    (function(h,o,t,j,a,r){ h.hj=h.hj||function(){(h.hj.q=h.hj.q||[]).push(arguments)};
        h._hjSettings={hjid:1234567,hjsv:6};
    })(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');
</script><script src="https://static.hotjar.com/c/hotjar-7654321.js?sv=6"></script>""",
     [("hotjar_id", "1234567"), ("hotjar_id", "7654321")]),
    ("matomo-snippet", "html", """<script>
  var _paq = window._paq = window._paq || [];
  _paq.push(['trackPageView']); _paq.push(['enableLinkTracking']);
  (function() {
    var u="//stats.shop-a.se/";
    _paq.push(['setTrackerUrl', u+'matomo.php']);
    _paq.push(['setSiteId', '3']);
  })();
</script>""", [("matomo_site", "stats.shop-a.se/3")]),
    ("matomo-cloud", "html", """<script>var _paq = window._paq || [];
_paq.push(['setTrackerUrl', 'https://shopb.matomo.cloud/matomo.php']); _paq.push(['setSiteId', 7]);
</script><script src="//cdn.matomo.cloud/shopb.matomo.cloud/matomo.js"></script>""",
     [("matomo_site", "shopb.matomo.cloud/7")]),
    ("matomo-noscript-pixel", "html",
     '<noscript><p><img src="https://Piwik.Shop-C.net/piwik.php?idsite=12&amp;rec=1" alt="" /></p></noscript>',
     [("matomo_site", "piwik.shop-c.net/12")]),
    ("cloudflare-beacon", "html",
     "<script defer src='https://static.cloudflareinsights.com/beacon.min.js' "
     "data-cf-beacon='{\"token\": \"0123456789ABCDEF0123456789abcdef\"}'></script>",
     [("cloudflare_analytics_token", "0123456789abcdef0123456789abcdef")]),
    ("cloudflare-beacon-entities", "html",
     '<script src="/beacon.min.js" data-cf-beacon="{&quot;token&quot;: &quot;fedcba9876543210fedcba9876543210&quot;, '
     '&quot;spa&quot;: true}"></script>', [("cloudflare_analytics_token", "fedcba9876543210fedcba9876543210")]),
    ("clarity-and-tiktok", "html", """<script type="text/javascript">
    (function(c,l,a,r,i,t,y){ t.src="https://www.clarity.ms/tag/"+i; })(window, document, "clarity", "script", "abcd1234ef");
    ttq.load('C4ABCDEFGHIJKLMNOPQR'); ttq.page();
</script>""", [("microsoft_clarity", "abcd1234ef"), ("tiktok_pixel", "C4ABCDEFGHIJKLMNOPQR")]),
    ("clarity-tag-url", "html", '<script async src="https://www.clarity.ms/tag/K2L3M4N5O6"></script>',
     [("microsoft_clarity", "k2l3m4n5o6")]),
    ("site-verification-metas", "html", """<head>
<meta name="google-site-verification" content="AbCdEf-123_xyzQRS" />
<meta content="0123ABCD4567EF89" name="msvalidate.01">
<meta name='yandex-verification' content='a1b2c3d4e5f60718' />
<meta name="facebook-domain-verification" content="x9y8z7w6v5u4t3s2r1q0" />
<meta name="p:domain_verify" content="0f1e2d3c4b5a69788796a5b4c3d2e1f0"/>
<META NAME="Baidu-Site-Verification" CONTENT="code-AbC123"></head>""",
     [("site_verification", "google-site-verification=AbCdEf-123_xyzQRS"),
      ("site_verification", "msvalidate.01=0123ABCD4567EF89"),
      ("site_verification", "yandex-verification=a1b2c3d4e5f60718"),
      ("site_verification", "facebook-domain-verification=x9y8z7w6v5u4t3s2r1q0"),
      ("site_verification", "p:domain_verify=0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
      ("site_verification", "baidu-site-verification=code-AbC123")]),
]


@pytest.mark.parametrize("content_type,text,expected", [m[1:] for m in MATCHES], ids=[m[0] for m in MATCHES])
def test_snippets_are_found(content_type, text, expected):
    got = found(text, content_type)
    for item in expected:
        assert item in got, f"{item} not in {got}"
    assert {k for k, _ in got} <= set(KINDS)


DECOYS = [
    ("ua-in-prose", "<p>UA-2 ratings and the UA-1234 standard, UA-2020-01 report</p>", "ga_tracking_id"),
    ("ua-shape-without-analytics", "<p>Part number UA-12345678-1 in stock</p>", "ga_tracking_id"),
    ("g-brands-in-prose", "<p>G-SHOCK and G-STAR1234 RAW on sale</p>", "ga4_measurement_id"),
    ("gtm-lowercase", "<p>our gtm-strategy and gtm-5xhj2q</p>", "gtm_container"),
    ("aw-short", "<p>AW-1234 spare part</p>", "google_ads_id"),
    ("pub-without-google-line", "<p>pub-1234567890123456 appnexus</p>", "adsense_publisher"),
    ("fbq-track-only", "<script>fbq('track', 'Purchase', {value: 123456789012345});</script>", "facebook_pixel"),
    ("matomo-without-host", "<script>_paq.push(['setSiteId', '3']);</script>", "matomo_site"),
    ("cf-beacon-short-token", "<script data-cf-beacon='{\"token\": \"abc\"}'></script>", "cloudflare_analytics_token"),
    ("meta-description", '<meta name="description" content="verification of goods">', "site_verification"),
    ("meta-empty-verification", '<meta name="google-site-verification" content="">', "site_verification"),
    ("verification-in-text", "<p>google-site-verification=abcdef in prose</p>", "site_verification"),
    ("conversion-id-placeholder", "<script>var google_conversion_id = XXXXXXXXX;</script>", "google_ads_id"),
    ("informer-on-another-host", '<img src="https://informer.counter-b.net/informer/12345678/3_1">', "yandex_metrika"),
    ("sdkid-on-another-host", '<script src="https://cdn.other.net/events.js?sdkid=C4ABCDEFGHIJKLMNOPQR"></script>',
     "tiktok_pixel"),
    ("add-pixel-id-too-short", "<script>_fbq.push(['addPixelId', '1234']);</script>", "facebook_pixel"),
    ("empty", "", None),
]


@pytest.mark.parametrize("text,kind", [d[1:] for d in DECOYS], ids=[d[0] for d in DECOYS])
def test_decoys_do_not_match(text, kind):
    got = found(text)
    if kind is None:
        assert not got
    else:
        assert not [g for g in got if g[0] == kind], got


def test_strengths():
    assert KINDS["site_verification"].strength == "medium"
    assert all(k.strength == "strong" for name, k in KINDS.items() if name != "site_verification")


def test_every_row_kind_is_declared_and_documented():
    for row in trackers.PATTERNS:
        assert row.kind in KINDS and row.note and row.keywords


FRAGMENTS = st.sampled_from([
    "gtag('config', '", "G-", "UA-", "GTM-", "AW-", "ca-pub-", "fbq('init', '", "ym(", ", 'init'", "hjid:",
    "_paq.push(['setSiteId', '", "var u=\"//", "matomo.php?idsite=", "data-cf-beacon='{\"token\": \"",
    "<meta name=\"google-site-verification\" content=\"", "\">", "'", "\"", "<", ">", "&quot;", "1234567890", "A",
    "\\/", "İ", "\x00",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=40), st.sampled_from(["html", "js", "json", "text"]))
def test_arbitrary_markup_never_raises(parts, content_type):
    page = Page("".join(parts), content_type=content_type)
    for ident in trackers._extract(page):      # the unguarded generator: a bug would surface here
        assert ident.kind in KINDS and ident.value and len(ident.context) <= 200


@pytest.mark.parametrize("row", trackers.PATTERNS, ids=lambda r: f"{r.kind}:{r.note[:30]}")
def test_every_row_has_a_matching_test_row(row):
    r = random.Random(3)
    markup = [(m[1], m[2]) for m in MATCHES] + [(f.content_type, f.render(r)[0]) for f in FORMS]
    hits = []
    for content_type, text in markup:
        page = Page(text, content_type=content_type)
        hits += list(rows.run_patterns([row], rows.norm_text(page), trackers._SCANNER.present(page)))
    assert hits, f"no test markup exercises {row}"
