"""The first law, layer by layer: each layer tested on its own, the Scrapy way (a crawler
from settings, the component from the crawler, requests/responses through it)."""

from __future__ import annotations

import gzip
import tracemalloc

import pytest
from scrapy import Request, signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Headers, HtmlResponse, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.errors import ConfigError
from crawler.extractors.model import Page
from crawler.never_media import (MediaRefused, NeverMediaBodyMiddleware, NeverMediaMiddleware,
                                 content_type_reason, media_url_reason, sniff_reason)
from crawler.settings import build_settings, check_first_law, make_offline
from crawler.extractors.links import page_links as _links


def crawler_for(**overrides):
    from crawler.config import load_config
    cfg = load_config({}, env={}, toml_path=None)
    return get_crawler(settings_dict=build_settings(cfg, **overrides))


# ---- layer a: by URL --------------------------------------------------------------------
@pytest.mark.parametrize("url, group", [
    ("http://shop-a.se/img/photo.JPG", "image"),
    ("http://shop-a.se/img/photo.jpg?w=200", "image"),
    ("http://shop-a.se/a/b.webp#x", "image"),
    ("http://shop-a.se/favicon.ico", "image"),
    ("http://shop-a.se/logo.svg", "image"),
    ("http://shop-a.se/clip.mp4", "video"),
    ("http://shop-a.se/stream/index.m3u8", "video"),
    ("http://shop-a.se/seg-001.ts", "video"),
    ("http://shop-a.se/song.mp3", "audio"),
    ("http://shop-a.se/pack.zip", "archive"),
    ("http://shop-a.se/pack.tar.gz", "archive"),
    ("http://shop-a.se/setup.exe", "binary"),
    ("http://shop-a.se/font.woff2", "font"),
    ("http://shop-a.se/price-list.pdf", "document"),
    ("http://shop-a.se/photo.jpg;jsessionid=1", "image"),
    ("http://shop-a.se/p%2Ephoto.PNG", "image"),
    ("http://shop-a.se/download.php?file=clip.mp4", "video"),
    ("http://shop-a.se/img.php?src=/x/a.jpg&w=3", "image"),
    ("http://shop-a.se/x.jpg%3Fa", "image"),            # an encoded "?" a lax server splits on
    ("http://shop-a.se/video.mp4.", "video"),           # a trailing dot many servers ignore
    ("http://shop-a.se/video.mp4%2E%2E", "video"),
    ("http://shop-a.se/clip.MP4%20", "video"),
    ("http://shop-a.se/x.png%23frag", "image"),
])
def test_media_urls_are_refused(url, group):
    reason = media_url_reason(url)
    assert reason and reason.startswith(group) or (reason and group in reason)


@pytest.mark.parametrize("url", [
    "http://shop-a.se/", "http://shop-a.se/contact.html", "http://shop-a.se/order.php?id=5",
    "http://shop-a.se/app.js", "http://shop-a.se/data.json", "http://shop-a.se/jpg/",
    "http://shop-a.se/gallery-jpg", "http://shop-a.se/page?ref=mp4-review", "http://shop-a.se/v1.2/join",
    "http://shop-a.se/search?q=zip+code",
])
def test_text_urls_pass(url):
    assert media_url_reason(url) is None


@pytest.mark.parametrize("url", ["data:image/png;base64,iVBORw0KGgo=", "ftp://shop-a.se/x.html",
                                 "file:///etc/passwd", "javascript:alert(1)"])
def test_non_http_schemes_are_refused(url):
    assert media_url_reason(url) is not None


def test_middleware_refuses_in_process_request_and_counts():
    crawler = crawler_for()
    mw = build_from_crawler(NeverMediaMiddleware, crawler)
    crawler.stats.open_spider()
    with pytest.raises(MediaRefused, match="image extension .png"):
        mw.process_request(Request("http://shop-a.se/big.png"))
    assert isinstance(MediaRefused("x"), IgnoreRequest)   # Scrapy sends it to the errback
    assert mw.process_request(Request("http://shop-a.se/contact.html")) is None
    assert crawler.stats.get_value("merchintel/never_media/url") == 1


TAG_CONTEXT_PAGE = """<html><head>
<link rel="icon" href="/icon-link.html"><link rel="apple-touch-icon" href="/touch.html">
<link rel="preload" as="image" href="/preload.html"><link rel="manifest" href="/manifest.json">
<link rel="stylesheet" href="/style.html">
<meta property="og:image" content="/og.html"><meta name="twitter:image" content="/tw.html">
<style>body { background: url('/css-bg.html') }</style>
<script src="/app.js"></script>
<meta http-equiv="refresh" content="5; url=/refreshed.html">
</head><body style="background-image:url(/inline-bg.html)">
<img src="/img.html" srcset="/srcset-1.html 1x, /srcset-2.html 2x">
<picture><source srcset="/source.html"><img src="/pic-img.html"></picture>
<video src="/video.html" poster="/poster.html"><source src="/vsource.html"><track src="/track.html"></video>
<audio src="/audio.html"></audio><embed src="/embed.html"><object data="/object.html"></object>
<input type="image" src="/input-image.html">
<a href="/contact.html">Contact</a><area href="/area.html" alt="map">
<iframe src="/frame.html"></iframe><form action="/search.html" method="get"></form>
<form action="/post-only.html" method="post"></form>
<a href="data:image/png;base64,AAAA">inline</a><a href="mailto:x@y.se">mail</a>
</body></html>"""


def test_links_are_taken_only_from_allowed_tag_contexts():
    page = Page(TAG_CONTEXT_PAGE, url="http://shop-a.se/", content_type="html")
    links, scripts, refresh, domains = _links(page, "http://shop-a.se/")
    paths = sorted(u.rsplit("/", 1)[1] for u, *_ in links)
    assert paths == ["area.html", "contact.html", "frame.html", "search.html"]
    assert scripts == [("http://shop-a.se/app.js", "shop-a.se")]
    assert refresh == "http://shop-a.se/refreshed.html"
    assert domains == {"shop-a.se"}


# ---- layer b: Content-Type at headers ---------------------------------------------------
@pytest.mark.parametrize("ctype", [b"image/jpeg", b"IMAGE/PNG", b"video/mp4", b"audio/mpeg", b"application/zip",
                                   b"application/octet-stream", b"application/pdf", b"image/svg+xml",
                                   b"font/woff2", b"text/css", b"text/vtt", b"multipart/x-mixed-replace"])
def test_non_text_types_are_stopped(ctype):
    assert content_type_reason(ctype)


@pytest.mark.parametrize("ctype", [b"text/html", b"text/html; charset=iso-8859-1", b"application/xhtml+xml",
                                   b"text/plain", b"application/javascript", b"text/javascript",
                                   b"application/json", b"application/ld+json", None, b""])
def test_text_types_pass_headers(ctype):
    assert content_type_reason(ctype) is None


def _signal(crawler, signal, **kwargs):
    """Send a signal the way Scrapy's HTTP handler does; the StopDownload raised, if any."""
    for _handler, result in crawler.signals.send_catch_log(signal=signal, spider=None, **kwargs):
        if hasattr(result, "value") and isinstance(result.value, StopDownload):
            return result.value
    return None


def test_headers_signal_stops_media_before_the_body():
    crawler = crawler_for()
    mw = build_from_crawler(NeverMediaMiddleware, crawler)  # noqa: F841 (signals hold weak refs)
    req = Request("http://shop-a.se/page.html")
    stop = _signal(crawler, signals.headers_received, headers=Headers({"Content-Type": "image/jpeg"}),
                   body_length=5000, request=req)
    assert stop is not None and stop.fail is True
    assert "image/jpeg" in req.meta["never_media"]
    ok = Request("http://shop-a.se/ok.html")
    assert _signal(crawler, signals.headers_received, headers=Headers({"Content-Type": "text/html"}),
                   body_length=10, request=ok) is None


# ---- layer c: first bytes ----------------------------------------------------------------
MEDIA_HEADS = {
    "jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01MERCHINTEL-CANARY-x",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "gif": b"GIF89a\x01\x00\x01\x00\x80\x00\x00",
    "webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "bmp": b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00",
    "ico": b"\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00",
    "tiff": b"II*\x00\x08\x00\x00\x00\x00\x00",
    "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00",
    "webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01",
    "ogg": b"OggS\x00\x02\x00\x00\x00\x00\x00\x00",
    "mp3-id3": b"ID3\x03\x00\x00\x00\x00\x0f\x76",
    "mp3-frame": b"\xff\xfb\x90\x64\x00\x00\x00\x00\x00\x00",
    "aac": b"\xff\xf1\x50\x80\x02\x1f\xfc\x21",
    "wav": b"RIFF\x24\x08\x00\x00WAVEfmt ",
    "flac": b"fLaC\x00\x00\x00\x22\x10\x00",
    "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
    "rar": b"Rar!\x1a\x07\x01\x00",
    "7z": b"7z\xbc\xaf\x27\x1c\x00\x04",
    "gzip": b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3",
    "elf": b"\x7fELF\x02\x01\x01\x00\x00",
    "pe": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",
    "svg": b"<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'>",
    "binary": b"\x00\x01\x02\x03garbage\x00\x00more",
}


@pytest.mark.parametrize("name", sorted(MEDIA_HEADS))
def test_sniffer_refuses_media_magic(name):
    assert sniff_reason(MEDIA_HEADS[name]) is not None


@pytest.mark.parametrize("head", [
    b"<!doctype html><html><body>hi</body></html>",
    b"MZ Auto, Stockholm - begagnade bilar och finansiering",      # starts like a PE file
    b"BMW 320d till salu, ring 070-123 45 67 idag",                 # starts like a BMP
    b"ID3 tags explained: a page about metadata",                   # starts like an MP3
    b"FORM-ular: kontakta oss via formularet nedan",
    b"CWS Consulting AB, org.nr 556677-8899",                       # starts like Flash
    b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>\x00",                      # UTF-16 LE page with BOM
    b'{"wallet": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}',
    b"var key = 'pk_live_abc';",
    b"\xef\xbb\xbf<html lang=sv>",
])
def test_sniffer_lets_text_through(head):
    assert sniff_reason(head, declared_type="text/html") is None


def test_gzip_magic_is_expected_when_content_encoded():
    assert sniff_reason(MEDIA_HEADS["gzip"], encoded=True) is None
    assert sniff_reason(MEDIA_HEADS["gzip"]) is not None


def test_first_bytes_signal_stops_a_lying_content_type():
    crawler = crawler_for()
    mw = build_from_crawler(NeverMediaMiddleware, crawler)  # noqa: F841 (signals hold weak refs)
    req = Request("http://shop-a.se/gallery.html")
    assert _signal(crawler, signals.headers_received, headers=Headers({"Content-Type": "text/html"}),
                   body_length=1000, request=req) is None
    # a chunk shorter than the sniff window waits for more bytes
    assert _signal(crawler, signals.bytes_received, data=b"\xff\xd8", request=req) is None
    stop = _signal(crawler, signals.bytes_received, data=MEDIA_HEADS["jpeg"][2:], request=req)
    assert stop is not None and stop.fail is True and "JPEG" in req.meta["never_media"]
    html = Request("http://shop-a.se/ok.html")
    _signal(crawler, signals.headers_received, headers=Headers({"Content-Type": "text/html"}),
            body_length=1000, request=html)
    assert _signal(crawler, signals.bytes_received, data=b"<html><body>" * 4, request=html) is None


def test_decompressed_body_is_sniffed_after_httpcompression():
    crawler = crawler_for()
    mw = build_from_crawler(NeverMediaBodyMiddleware, crawler)
    compression = build_from_crawler(HttpCompressionMiddleware, crawler)
    req = Request("http://shop-a.se/x.html")
    gz = Response("http://shop-a.se/x.html", body=gzip.compress(MEDIA_HEADS["jpeg"] + b"\x00" * 100),
                  headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
    decoded = compression.process_response(req, gz)
    with pytest.raises(MediaRefused, match="JPEG"):
        mw.process_response(req, decoded)
    page = HtmlResponse("http://shop-a.se/x.html", body=b"<html>ok</html>", headers={"Content-Type": "text/html"})
    assert mw.process_response(req, page) is page


def test_body_sniffed_on_the_stream_is_not_sniffed_twice_but_a_redirect_hop_is():
    """The body middleware skips bytes the streaming sniffer already passed for this very
    request; a redirected request (meta copied) and any body that does not start with
    those bytes are sniffed again."""
    from crawler import never_media

    crawler = crawler_for()
    stream = build_from_crawler(NeverMediaMiddleware, crawler)  # noqa: F841 (signals hold weak refs)
    body_mw = build_from_crawler(NeverMediaBodyMiddleware, crawler)
    first = b"<html><body>" * 8
    req = Request("http://shop-a.se/start.html")
    _signal(crawler, signals.headers_received, headers=Headers({"Content-Type": "text/html"}),
            body_length=len(first), request=req)
    assert _signal(crawler, signals.bytes_received, data=first, request=req) is None
    calls = []
    real = never_media.body_reason

    def counting(*args, **kwargs):
        calls.append(args[0][:12])
        return real(*args, **kwargs)

    never_media.body_reason = counting
    try:
        page = HtmlResponse(req.url, body=first, headers={"Content-Type": "text/html"})
        assert body_mw.process_response(req, page) is page
        assert calls == []                      # passed on the stream: not sniffed again
        # the next hop of a redirect carries the same meta, never the stream's verdict
        hop = req.replace(url="http://shop-a.se/next.html")
        short_jpeg = HtmlResponse(hop.url, body=MEDIA_HEADS["jpeg"][:6], headers={"Content-Type": "text/html"})
        with pytest.raises(MediaRefused, match="JPEG"):
            body_mw.process_response(hop, short_jpeg)
        # a second response for the first request (verdict used once) is sniffed
        again = HtmlResponse(req.url, body=MEDIA_HEADS["png"] + b"\x00" * 50, headers={"Content-Type": "text/html"})
        with pytest.raises(MediaRefused, match="PNG"):
            body_mw.process_response(req, again)
    finally:
        never_media.body_reason = real
    assert len(calls) == 2


# ---- layer d: the size cap also holds while decompressing ------------------------------
def test_gzip_bomb_stops_at_the_cap_with_bounded_memory():
    from fakeweb.http import gzip_bomb

    bomb = gzip_bomb(64 * 1024 * 1024)           # inflates to 64 MB; ~64 KB on the wire
    crawler = crawler_for(DOWNLOAD_MAXSIZE=1_000_000)
    compression = build_from_crawler(HttpCompressionMiddleware, crawler)
    req = Request("http://shop-a.se/bomb.html")
    resp = Response(req.url, body=bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
    tracemalloc.start()
    try:
        with pytest.raises(IgnoreRequest, match="DOWNLOAD_MAXSIZE"):
            compression.process_response(req, resp)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, f"decompression peaked at {peak} bytes"


# ---- layer e: settings that would persist bodies or drop a layer refuse to start --------
@pytest.mark.parametrize("override, setting", [
    ({"HTTPCACHE_ENABLED": True}, "HTTPCACHE_ENABLED"),
    ({"DOWNLOADER_MIDDLEWARES": {"crawler.never_media.NeverMediaMiddleware": None}}, "NeverMediaMiddleware"),
    ({"DOWNLOADER_MIDDLEWARES": {"crawler.never_media.NeverMediaBodyMiddleware": None}}, "NeverMediaBodyMiddleware"),
    ({"DOWNLOADER_MIDDLEWARES": {"crawler.ssrf.SSRFMiddleware": None}}, "SSRFMiddleware"),
    ({"TWISTED_DNS_RESOLVER": "scrapy.resolver.CachingThreadedResolver"}, "TWISTED_DNS_RESOLVER"),
    ({"DOWNLOAD_HANDLERS": {"https": "scrapy.core.downloader.handlers._httpx.HttpxDownloadHandler"}},
     "DOWNLOAD_HANDLERS"),
    # Scrapy's own handler lacks the reset-on-stop and the header caps
    ({"DOWNLOAD_HANDLERS": {"http": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"}},
     "DOWNLOAD_HANDLERS"),
])
def test_first_law_settings_refuse_to_start(override, setting):
    from crawler.config import load_config
    settings = build_settings(load_config({}, env={}, toml_path=None))
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(settings.get(key), dict):
            settings[key] = {**settings[key], **value}
        else:
            settings[key] = value
    with pytest.raises(ConfigError, match=setting) as exc:
        check_first_law(settings)
    assert "\n" not in str(exc.value)


def test_default_settings_pass_and_keep_no_cache():
    from crawler.config import load_config
    settings = build_settings(load_config({}, env={}, toml_path=None))
    check_first_law(settings)
    assert settings["HTTPCACHE_ENABLED"] is False and settings["TELNETCONSOLE_ENABLED"] is False
    assert settings["METAREFRESH_ENABLED"] is False


def test_spider_refuses_to_start_without_a_layer():
    from spiders.reported import ReportedSiteSpider
    crawler = crawler_for(**{"HTTPCACHE_ENABLED": True})  # the body cache, switched on
    with pytest.raises(ConfigError, match="HTTPCACHE_ENABLED"):
        ReportedSiteSpider.from_crawler(crawler)


def test_cookie_middleware_suffix_list_is_offline():
    """Scrapy's cookies middleware builds a TLDExtract that would download the PSL; pytest-socket
    blocks that here, so this passes only if the bundled snapshot is used."""
    from scrapy.downloadermiddlewares import cookies
    make_offline()
    assert cookies._is_public_domain("co.uk") and cookies._is_public_domain("se")
    assert not cookies._is_public_domain("shop-a.se")
    assert cookies._split_domain.suffix_list_urls == ()


@pytest.mark.parametrize("content, target", [
    ("0; URL='https://shop-b.com/'", "https://shop-b.com/"),
    ("5;url=/x.html", "/x.html"),
    ('0;URL="/y"', "/y"),
    ("  3 , url = http://a.se/b ", "http://a.se/b"),
    ("0; /z", "/z"),
    ("30", None),          # a plain reload is not a hop
    ("", None),
])
def test_meta_refresh_targets(content, target):
    from crawler.extractors.links import meta_refresh_target
    assert meta_refresh_target(content) == target


# ---- issue 9: decode-then-sniff in the stream, every chunk --------------------------------
import brotli  # noqa: E402
import zlib  # noqa: E402

from crawler.never_media import BodySniffer, body_reason, chunk_reason, encoding_reason  # noqa: E402

try:
    from backports import zstd
except ImportError:  # pragma: no cover
    from compression import zstd

ENCODE = {"gzip": gzip.compress, "x-gzip": gzip.compress, "deflate": zlib.compress,
          "br": brotli.compress, "zstd": zstd.compress}
NOISE = __import__("random").Random(9).randbytes(200_000)   # incompressible, like entropy-coded media
JPEG = MEDIA_HEADS["jpeg"] + NOISE
HTML = b"<!doctype html><html><body>" + "<p>Smörgås, ring 070-123 45 67</p>".encode() * 4000 + b"</body></html>"


def _stream(sniffer, data, chunk=16384):
    """Feed like the HTTP handler: the refusal and how many raw bytes were fed until then."""
    for i in range(0, len(data), chunk):
        if refusal := sniffer.feed(data[i:i + chunk]):
            return refusal, i + chunk
    return sniffer.finish(), len(data)


@pytest.mark.parametrize("encoding", sorted(ENCODE))
def test_encoded_media_is_refused_at_the_first_decoded_chunk(encoding):
    data = ENCODE[encoding](JPEG)
    refusal, fed = _stream(BodySniffer([encoding], "text/html", max_bytes=5_000_000), data)
    assert refusal == ("media", "JPEG image magic bytes"), refusal
    assert fed <= 16384 < len(data)


@pytest.mark.parametrize("encoding", sorted(ENCODE))
def test_encoded_text_passes_whole(encoding):
    refusal, fed = _stream(BodySniffer([encoding], "text/html", max_bytes=5_000_000), ENCODE[encoding](HTML))
    assert refusal is None


def test_stacked_encodings_are_decoded_in_reverse_order():
    data = brotli.compress(gzip.compress(b"<html>" + b"x" * 100 + MEDIA_HEADS["png"] + NOISE))
    refusal, _ = _stream(BodySniffer(["gzip", "br"], "text/html"), data)
    assert refusal and refusal[0] == "media"


def test_raw_deflate_and_a_second_gzip_member_are_decoded():
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    data = raw.compress(JPEG) + raw.flush()
    assert _stream(BodySniffer(["deflate"]), data)[0][0] == "media"
    two = gzip.compress(HTML[:5000]) + gzip.compress(b"<p>" + MEDIA_HEADS["gif"] + NOISE)
    assert _stream(BodySniffer(["gzip"]), two)[0][0] == "media"


def test_a_gzip_bomb_stops_at_the_cap_in_the_stream_with_bounded_memory():
    from fakeweb.http import gzip_bomb

    bomb = gzip_bomb(64 * 1024 * 1024)
    tracemalloc.start()
    try:
        refusal, _ = _stream(BodySniffer(["gzip"], "text/html", max_bytes=1_000_000), bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refusal[0] == "size" and "1000000" in refusal[1]
    assert peak < 4 * 1024 * 1024, peak


def test_garbage_under_a_declared_encoding_is_refused_not_trusted():
    refusal, _ = _stream(BodySniffer(["gzip"]), b"\x1f\x8b\x08\x00" + NOISE)
    assert refusal[0] == "encoding"
    refusal, _ = _stream(BodySniffer(["gzip"]), gzip.compress(HTML[:3000]) + b"PK\x03\x04 trailing")
    assert refusal[0] == "encoding"


@pytest.mark.parametrize("values, names, refused", [
    ([b"gzip"], ["gzip"], False),
    ([b"identity, gzip"], ["gzip"], False),
    ([b"GZIP", b"br"], ["gzip", "br"], False),
    ([b"identity"], [], False),
    ([b"x-unknown"], ["x-unknown"], True),
    ([b"compress"], ["compress"], True),
    ([b"gzip, gzip, gzip"], ["gzip", "gzip", "gzip"], True),
])
def test_encodings_that_cannot_be_decoded_in_the_stream_are_refused(values, names, refused):
    got, reason = encoding_reason(values)
    assert got == names and bool(reason) == refused


def test_an_unknown_encoding_is_stopped_at_the_headers():
    crawler = crawler_for()
    mw = build_from_crawler(NeverMediaMiddleware, crawler)  # noqa: F841 (signals hold weak refs)
    req = Request("http://shop-a.se/x.html")
    stop = _signal(crawler, signals.headers_received,
                   headers=Headers({"Content-Type": "text/html", "Content-Encoding": "x-unknown"}),
                   body_length=1_000_000, request=req)
    assert stop is not None and req.meta["never_media_kind"] == "encoding"


@pytest.mark.parametrize("offset", [700, 4095, 16383, 16384, 70_001])
def test_media_after_text_is_refused_at_any_offset(offset):
    body = (b"<html><body>" + b"<p>text</p>" * 10_000)[:offset] + MEDIA_HEADS["png"] + NOISE
    refusal, fed = _stream(BodySniffer([], "text/html"), body)
    assert refusal and refusal[0] == "media"
    assert fed <= offset + 2 * 16384


@pytest.mark.parametrize("tail", [
    b"7z\xbc\xaf\x27\x1c" + b"MERCHINTEL-CANARY-x " * 50,      # non-text magic, no NUL after it
    b"\xff\xd8\xff\xe0" + b"JFIF-looking text " * 50,
    bytes(range(1, 32)) * 20,                                    # control-byte soup
    b"GIF89a\x01\x00\x01\x00\x80",
])
def test_chunk_reason_finds_binary_where_a_body_turns(tail):
    assert chunk_reason(b"<p>hello</p>" * 50 + tail) is not None


@pytest.mark.parametrize("text", [
    "<p>Smörgås, räksmörgås, ring 070-123 45 67</p>".encode() * 100,
    "<p>Größe: 10 €, ÿ ö ü</p>".encode("latin-1", "replace") * 100,     # a latin-1 page
    b'{"wallet": "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "n": [1,2,3]}' * 50,
    b"<p>GIF89a is a format; %PDF-1.7 too; PK and MZ are letters</p>" * 50,
    b"<pre>\x1b[1mansi\x1b[0m\x0c form feed \x08 one backspace</pre>" * 3,
])
def test_chunk_reason_lets_text_through(text):
    assert chunk_reason(text) is None


def test_a_utf16_page_passes_and_utf16_binary_does_not():
    page = "\ufeff<html><body>Hej, ring 070-123 45 67</body></html>".encode("utf-16-le") * 50
    assert body_reason(b"\xff\xfe" + page[2:], declared_type="text/html") is None
    assert body_reason(b"\xff\xfe" + page[2:200] + NOISE[:4000], declared_type="text/html") is not None
