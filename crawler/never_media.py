"""The first law, in layers: never download, store, log or render media.

    a. by URL       ``media_url_reason(url)``: a path (or a query value) ending in a media,
                    archive, binary, font or document extension is never requested.  The
                    spider adds the tag-context layer: it only takes links from ``<a href>``,
                    ``<area href>``, GET ``<form action>``, ``<frame>/<iframe src>``,
                    ``<script src>`` and ``<meta http-equiv=refresh>`` — never from img,
                    srcset, picture/source, video, audio, track, embed, object, CSS
                    ``url()``, ``<link>`` (icons, preloads, manifests) or og:/twitter:image.
                    Checked in ``process_request`` of the last downloader middleware, so
                    redirect targets are checked too.
    b. at headers   ``content_type_reason(value)``: a response whose Content-Type is not an
                    allowed text type is stopped at the headers_received signal, before a
                    body byte is read.
    c. first bytes  ``sniff_reason(head)``: the first bytes of every body are checked for
                    media/archive/binary magic whatever the headers say (bytes_received
                    signal, and again after gzip/deflate/br decoding in
                    ``NeverMediaBodyMiddleware``).
    d. size         DOWNLOAD_MAXSIZE = MERCHINTEL_MAX_BODY_BYTES; Scrapy applies it while
                    receiving and while decompressing (HttpCompressionMiddleware).
    e. no persistence  no HTTP cache (the crawl refuses to start with one), bodies never go
                    to logs or error rows, data: URIs stripped before storing.

Refusals raise ``MediaRefused`` (an IgnoreRequest) or ``StopDownload(fail=True)`` with the
reason kept in ``request.meta["never_media"]``; the spider stores them as ``errors`` rows
of kind ``media``.
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, StopDownload

if TYPE_CHECKING:  # pragma: no cover
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

META_REASON = "never_media"
# request -> the first bytes the streaming sniffer passed (unencoded bodies only)
_SNIFFED: "weakref.WeakKeyDictionary[Any, bytes]" = weakref.WeakKeyDictionary()

# -- layer a: extensions ----------------------------------------------------------------
# Grouped so the docs and the tests can show why each one is here.  ".ts" is MPEG transport
# stream video far more often than TypeScript served to browsers: when in doubt, don't fetch.
MEDIA_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image": ("jpg", "jpeg", "jpe", "jfif", "pjpeg", "pjp", "png", "apng", "gif", "webp", "bmp",
              "dib", "ico", "cur", "tif", "tiff", "svg", "svgz", "heic", "heif", "avif", "jxl",
              "jp2", "j2k", "psd", "raw", "cr2", "nef", "arw", "dng", "xcf", "eps"),
    "video": ("mp4", "m4v", "mov", "qt", "avi", "wmv", "asf", "flv", "f4v", "mkv", "webm", "mpg",
              "mpeg", "mpe", "m2v", "m2ts", "mts", "ts", "3gp", "3g2", "ogv", "vob", "m3u8", "mpd",
              "rm", "rmvb", "divx", "swf"),
    "audio": ("mp3", "wav", "ogg", "oga", "opus", "flac", "aac", "m4a", "m4b", "wma", "mid", "midi",
              "amr", "aif", "aiff", "ape", "mka", "ra"),
    "archive": ("zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "tbz", "tbz2", "xz", "txz", "zst",
                "lz", "lzma", "z", "cab", "iso", "img", "dmg", "cpio", "arj", "lzh", "ace", "sit"),
    "binary": ("exe", "msi", "dll", "so", "bin", "apk", "aab", "ipa", "deb", "rpm", "jar", "war",
               "class", "pkg", "app", "com", "scr", "wasm", "dat", "torrent"),
    "font": ("woff", "woff2", "ttf", "otf", "eot"),
    # Documents embed images; merchintel reads HTML, JS and JSON only.
    "document": ("pdf", "ps", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp",
                 "rtf", "epub", "mobi", "djvu", "xps"),
}
EXTENSION_GROUP = {ext: group for group, exts in MEDIA_EXTENSIONS.items() for ext in exts}
_EXT_RE = re.compile(r"\.([a-z0-9]{1,6})$")


def _ext_of(path: str) -> str | None:
    last = unquote(path).rstrip("/").rsplit("/", 1)[-1].lower()
    # "photo.jpg;jsessionid=…" and "photo.jpg:large" (a Twitter-style size suffix)
    last = last.split(";", 1)[0].split(":", 1)[0]
    m = _EXT_RE.search(last)
    return m.group(1) if m else None


def media_url_reason(url: str) -> str | None:
    """Why this URL must not be requested, or None.

    >>> media_url_reason("http://shop-a.se/img/photo.JPG?w=200")
    'image extension .jpg'
    >>> media_url_reason("http://shop-a.se/contact.html") is None
    True
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "unparsable URL"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return f"scheme {scheme or '(none)'} is not http(s)"
    ext = _ext_of(parts.path)
    if ext in EXTENSION_GROUP:
        return f"{EXTENSION_GROUP[ext]} extension .{ext}"
    # "/download.php?file=clip.mp4", "/img.php?src=a.jpg": the script serves what it names.
    for _, value in parse_qsl(parts.query, keep_blank_values=False):
        ext = _ext_of(value.split("?", 1)[0].split("#", 1)[0])
        if ext in EXTENSION_GROUP:
            return f"query names a file with {EXTENSION_GROUP[ext]} extension .{ext}"
    return None


# -- layer b: Content-Type ------------------------------------------------------------------
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/vnd.wap.xhtml+xml"})
SCRIPT_TYPES = frozenset({"application/javascript", "text/javascript", "application/x-javascript",
                          "application/ecmascript", "text/ecmascript", "application/json",
                          "application/ld+json", "text/json", "application/x-json"})
# text/xml and application/xml: XHTML served as XML, order/status endpoints; read as text.
OTHER_TEXT_TYPES = frozenset({"text/plain", "text/xml", "application/xml"})
ALLOWED_TYPES = HTML_TYPES | SCRIPT_TYPES | OTHER_TEXT_TYPES


def mime_of(value: bytes | str | None) -> str:
    """``b'text/HTML; charset=utf-8'`` -> ``'text/html'``; missing -> ''."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value.split(";", 1)[0].strip().lower()


def content_type_reason(value: bytes | str | None) -> str | None:
    """Why a response with this Content-Type is stopped at the headers, or None.

    A missing Content-Type is let through to the byte sniffer (layer c), which then also
    refuses bodies that look binary.

    >>> content_type_reason(b"image/jpeg")
    'Content-Type image/jpeg is not an allowed text type'
    >>> content_type_reason(b"text/html; charset=utf-8") is None
    True
    """
    mime = mime_of(value)
    if not mime:
        return None
    if mime in ALLOWED_TYPES:
        return None
    return f"Content-Type {mime} is not an allowed text type"


# -- layer c: magic bytes ------------------------------------------------------------------
# (offset, magic, label). Sources: the file(1) magic database and each format's spec.
MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "JPEG image"),
    (0, b"\x89PNG\r\n\x1a\n", "PNG image"),
    (0, b"GIF87a", "GIF image"),
    (0, b"GIF89a", "GIF image"),
    (0, b"RIFF", "RIFF media (WebP/WAV/AVI)"),
    (0, b"II*\x00", "TIFF image"),
    (0, b"MM\x00*", "TIFF image"),
    (0, b"\x00\x00\x01\x00", "ICO image"),
    (0, b"\x00\x00\x02\x00", "CUR image"),
    (0, b"8BPS", "PSD image"),
    (0, b"\x00\x00\x00\x0cjP  ", "JPEG 2000 image"),
    (0, b"\x00\x00\x00\x0cJXL ", "JPEG XL image"),
    (0, b"\xff\x0a", "JPEG XL image"),
    (4, b"ftyp", "MP4/QuickTime/HEIF (ftyp)"),
    (0, b"\x1a\x45\xdf\xa3", "WebM/Matroska"),
    (0, b"OggS", "Ogg media"),
    (0, b"ID3", "MP3 audio (ID3)"),
    (0, b"fLaC", "FLAC audio"),
    (0, b"MThd", "MIDI audio"),
    (0, b"FORM", "AIFF/IFF media"),
    (0, b"#!AMR", "AMR audio"),
    (0, b"FLV\x01", "Flash video"),
    (0, b"FWS", "Flash"),
    (0, b"CWS", "Flash"),
    (0, b"ZWS", "Flash"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "ASF/WMV media"),
    (0, b"\x00\x00\x01\xba", "MPEG program stream"),
    (0, b"\x00\x00\x01\xb3", "MPEG video"),
    (0, b"PK\x03\x04", "ZIP archive"),
    (0, b"PK\x05\x06", "ZIP archive"),
    (0, b"PK\x07\x08", "ZIP archive"),
    (0, b"Rar!\x1a\x07", "RAR archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (0, b"\x1f\x8b", "gzip data"),
    (0, b"BZh", "bzip2 data"),
    (0, b"\xfd7zXZ\x00", "xz data"),
    (0, b"\x28\xb5\x2f\xfd", "zstd data"),
    (0, b"MSCF", "CAB archive"),
    (0, b"LZIP", "lzip data"),
    (257, b"ustar", "tar archive"),
    (0, b"%PDF-", "PDF document"),
    (0, b"%!PS", "PostScript document"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "MS Office (OLE) document"),
    (0, b"\x7fELF", "ELF binary"),
    (0, b"MZ", "Windows executable"),
    (0, b"\xfe\xed\xfa\xce", "Mach-O binary"),
    (0, b"\xfe\xed\xfa\xcf", "Mach-O binary"),
    (0, b"\xce\xfa\xed\xfe", "Mach-O binary"),
    (0, b"\xcf\xfa\xed\xfe", "Mach-O binary"),
    (0, b"\xca\xfe\xba\xbe", "Mach-O/Java class"),
    (0, b"\x00asm", "WebAssembly"),
    (0, b"wOFF", "WOFF font"),
    (0, b"wOF2", "WOFF2 font"),
    (0, b"\x00\x01\x00\x00\x00", "TrueType font"),
    (0, b"OTTO", "OpenType font"),
    (0, b"SQLite format 3\x00", "SQLite database"),
)
SNIFF_BYTES = 512  # the longest offset+magic above (tar at 257) fits; first chunks are bigger
MIN_SNIFF = 16     # wait for this many bytes (or the end of the body) before deciding

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_SVG_RE = re.compile(rb"^(?:\s|<\?xml[^>]*>|<!--.*?-->|<!doctype[^>]*>)*<svg[\s>]", re.IGNORECASE | re.DOTALL)
_BITRATES_OK = set(range(1, 15))
# Magics made of printable letters a text page could start with: only binary when a
# control or high byte follows within 12 bytes (a PE header is "MZ\x90\x00…").
_ASCII_MAGIC = frozenset({b"FORM", b"FWS", b"CWS", b"ZWS", b"BZh", b"MZ", b"ID3", b"OTTO",
                          b"8BPS", b"MThd", b"LZIP", b"MSCF"})


def _binary_follows(head: bytes, start: int) -> bool:
    return any(b < 0x09 or b >= 0x80 for b in head[start:start + 12])


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header (MP3 without ID3) or an AAC ADTS header."""
    if len(head) < 4 or head[0] != 0xFF:
        return False
    b1, b2 = head[1], head[2]
    if b1 & 0xF6 == 0xF0:  # ADTS: sync 0xFFF, layer 00
        return (b2 >> 2) & 0x0F < 13
    if b1 & 0xE0 != 0xE0:
        return False
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    if version == 1 or layer == 0:
        return False
    return (b2 >> 4) in _BITRATES_OK and (b2 >> 2) & 3 != 3


def sniff_reason(head: bytes, *, declared_type: str = "", encoded: bool = False) -> str | None:
    """Why a body starting with ``head`` must be dropped, or None.

    ``encoded``: the bytes are a Content-Encoding stream (gzip magic is then expected).
    ``declared_type``: the Content-Type's MIME; without one, binary-looking bytes (NUL
    bytes without a UTF-16/32 byte order mark) are refused too.

    >>> sniff_reason(b"\\xff\\xd8\\xff\\xe0\\x00\\x10JFIF")
    'JPEG image magic bytes'
    >>> sniff_reason(b"<!doctype html><title>x</title>") is None
    True
    """
    head = head[:SNIFF_BYTES]
    if encoded:
        return None
    for offset, magic, label in MAGIC:
        if head[offset:offset + len(magic)] == magic:
            if magic in _ASCII_MAGIC and not _binary_follows(head, len(magic)):
                continue  # "MZ Auto, Stockholm" is a text page, not a Windows executable
            return f"{label} magic bytes"
    if head[:2] == b"BM" and len(head) >= 10 and head[6:10] == b"\x00\x00\x00\x00":
        return "BMP image magic bytes"
    if _mpeg_audio_frame(head) and not head.startswith(_BOMS):
        return "MPEG audio magic bytes"
    if len(head) >= 189 and head[0] == 0x47 and head[188] == 0x47:
        return "MPEG transport stream magic bytes"
    if _SVG_RE.match(head.lstrip(b"\xef\xbb\xbf")):
        return "SVG image"
    if b"\x00" in head and not head.startswith(_BOMS) and "16" not in declared_type \
            and "32" not in declared_type:
        return "binary data (NUL bytes)"
    return None


class MediaRefused(IgnoreRequest):
    """A request or response refused by the never-media layers (reason in the message)."""

    def __init__(self, reason: str, url: str = ""):
        super().__init__(f"never-media: {reason}")
        self.reason = reason
        self.url = url


class NeverMediaMiddleware:
    """Layers a, b, c: refuse media by URL before a request goes out; stop at headers or
    at the first bytes.  Runs last in ``process_request`` (priority 950), after the redirect,
    proxy and cookie middlewares, so every hop is checked."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        # request -> [encoded?, declared mime, prefix buffer]; weak so nothing lingers.
        self._state: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = cls(crawler)
        crawler.signals.connect(mw.on_headers, signal=signals.headers_received)
        crawler.signals.connect(mw.on_bytes, signal=signals.bytes_received)
        return mw

    def _refuse_stat(self, layer: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"merchintel/never_media/{layer}")

    def process_request(self, request: Request) -> None:
        if request.url.startswith("data:"):
            self._refuse_stat("url")
            raise MediaRefused("data: URI", "data:")
        if reason := media_url_reason(request.url):
            self._refuse_stat("url")
            request.meta[META_REASON] = reason
            raise MediaRefused(reason, request.url)
        return None

    def on_headers(self, headers: Any, body_length: int, request: Request, spider: Any) -> None:
        ctype = headers.get(b"Content-Type")
        if reason := content_type_reason(ctype):
            # stop at headers, not bytes_received: a body chunk would already be in memory
            request.meta[META_REASON] = reason
            self._refuse_stat("headers")
            raise StopDownload(fail=True)
        encodings = [e.strip().lower() for e in b",".join(headers.getlist(b"Content-Encoding")).split(b",")
                     if e.strip() and e.strip().lower() != b"identity"]
        self._state[request] = [bool(encodings), mime_of(ctype), bytearray()]

    def on_bytes(self, data: bytes, request: Request, spider: Any) -> None:
        state = self._state.get(request)
        if state is None:
            return  # decided already (or a handler that sends no headers signal)
        encoded, mime, buf = state
        buf += data[: SNIFF_BYTES - len(buf)]
        if len(buf) < MIN_SNIFF:
            return
        del self._state[request]
        if reason := sniff_reason(bytes(buf), declared_type=mime, encoded=encoded):
            request.meta[META_REASON] = reason
            self._refuse_stat("sniff")
            raise StopDownload(fail=True)
        if not encoded:
            # these are the body's own first bytes (nothing will decode them): the body
            # middleware need not sniff them again. Keyed by the request object, not its
            # meta, which a redirect copies to the next hop.
            _SNIFFED[request] = bytes(buf)


class NeverMediaBodyMiddleware:
    """Layer c after decoding: ``process_response`` runs below HttpCompressionMiddleware
    (priority 580 < 590), so it sees the decompressed body of gzip/deflate/br responses and
    bodies too short for the streaming sniffer; refuses media with ``MediaRefused``."""

    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status in (301, 302, 303, 307, 308) and response.headers.get(b"Location"):
            return response
        ctype = response.headers.get(b"Content-Type")
        reason = content_type_reason(ctype)
        sniffed = _SNIFFED.pop(request, None)
        if not reason and not (sniffed and response.body.startswith(sniffed)):
            reason = sniff_reason(response.body[:SNIFF_BYTES], declared_type=mime_of(ctype))
        if reason:
            request.meta[META_REASON] = reason
            if self.stats is not None:
                self.stats.inc_value("merchintel/never_media/body")
            raise MediaRefused(reason, request.url)
        return response
