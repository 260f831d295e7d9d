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
    c. every chunk  ``BodySniffer``: each body chunk is decoded by every declared
                    Content-Encoding in the stream (zlib / brotli / zstd, a bounded piece at
                    a time; an encoding it cannot decode is refused at the headers), the
                    first decoded bytes go through ``sniff_reason`` (media/archive/binary
                    magic whatever the headers say) and every decoded piece through
                    ``chunk_reason`` (a NUL byte, control-byte density, non-text magic at any
                    offset), so a body that turns binary later is stopped where it turns.
                    ``NeverMediaBodyMiddleware`` checks whole bodies the stream did not pass.
    d. size         raw and decoded bytes past DOWNLOAD_MAXSIZE = MERCHINTEL_MAX_BODY_BYTES
                    stop the download in the stream (kind ``size``).
    e. no persistence  no HTTP cache (the crawl refuses to start with one), bodies never go
                    to logs or error rows; crawler.transport aborts a stopped download with a
                    reset; crawler.extractors.only_text keeps embedded media out of the store.

Refusals raise ``MediaRefused`` (an IgnoreRequest) or ``StopDownload(fail=True)`` with the
reason kept in ``request.meta["never_media"]`` and its kind (``media``, ``encoding``,
``size``) in ``request.meta["never_media_kind"]``; the spider stores them as ``errors``
rows of that kind (URL, kind, one-line reason: nothing of the body).

Longer than most modules on purpose: the first law's layers are read and reviewed together,
in order, as one argument that no media byte gets through.
"""

from __future__ import annotations

import codecs
import re
import weakref
import zlib
from typing import TYPE_CHECKING, Any, Iterable, Iterator
from urllib.parse import parse_qsl, unquote, urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, StopDownload

if TYPE_CHECKING:  # pragma: no cover
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

META_REASON = "never_media"
META_KIND = "never_media_kind"   # media, encoding, size: the errors row's kind
# errors kind of a refusal -> the site's status when its start page was refused that way
SITE_STATUS = {"media": "media_refused", "encoding": "encoding_refused", "size": "too_large",
               "headers": "headers_refused"}
# request -> the stream sniffer that passed every decoded byte of its body so far
_SNIFFED: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()

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
    # "photo.jpg;jsessionid=…" and "photo.jpg:large" (a Twitter-style size suffix);
    # "x.jpg%3Fa" (an encoded "?" a lax server splits on) and "video.mp4." (a trailing dot
    # many servers ignore) name the same file as "x.jpg" and "video.mp4".
    for sep in (";", ":", "?", "#"):
        last = last.split(sep, 1)[0]
    last = last.rstrip(". \t\x00")
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



# -- layer c, continued: every chunk, not only the first bytes ------------------------------
# A polyglot sends a page of text first and the media after it, so each decoded chunk is
# checked where the body may turn binary: a NUL byte, a density of C0 control bytes no text
# has, or the magic of a format with bytes text never holds (at any offset).
_C0 = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1B)) + b"\x7f"
_TEXT_BYTES = set(b"\t\n\x0c\r") | set(range(0x20, 0x7F))
# (magic, label, needs binary after it): formats whose magic has a byte outside printable
# ASCII can be searched anywhere; all-ASCII ones ("GIF89a", "%PDF-") count only when binary
# bytes follow them.  Magics with a NUL need no search: the NUL rule catches them.
ANYWHERE_MAGIC: tuple[tuple[bytes, str, bool], ...] = tuple(
    (magic, label, all(b in _TEXT_BYTES for b in magic))
    for _offset, magic, label in MAGIC
    if len(magic) >= 3 and b"\x00" not in magic) + (
    (b"\x1f\x8b\x08", "gzip data", False), (b"\xff\xd8\xff", "JPEG image", False))
CONTROL_ALLOWANCE = 4          # control bytes a chunk may hold at all (a stray \x1a, \x08)…
CONTROL_DENSITY = 256          # …plus one per this many bytes; random binary has ~1 in 10
MAGIC_TAIL = 24                # bytes of the previous chunk kept so magic split across chunks is seen


def chunk_reason(data: bytes, offset: int = 0) -> str | None:
    """Why a decoded body chunk (at ``offset`` in the body) is not text, or None.

    >>> chunk_reason(b"<p>Hej</p>" * 70 + b"\\xff\\xd8\\xff\\xe0\\x00\\x10JFIF", 512)
    'binary data (NUL byte at byte 1216)'
    >>> chunk_reason("<p>Smörgås, ring 070-123 45 67</p>".encode()) is None
    True
    """
    nul = data.find(b"\x00")
    if nul >= 0:
        return f"binary data (NUL byte at byte {offset + nul})"
    controls = len(data) - len(data.translate(None, _C0))
    if controls > CONTROL_ALLOWANCE + len(data) // CONTROL_DENSITY:
        return f"binary data ({controls} control bytes in {len(data)} bytes at byte {offset})"
    if data.isascii() and not controls:
        return None   # plain ASCII text: no binary magic can be in it
    for magic, label, ascii_magic in ANYWHERE_MAGIC:
        at = data.find(magic)
        while at >= 0:
            if not ascii_magic or _binary_follows(data, at + len(magic)):
                return f"{label} magic bytes at byte {offset + at}"
            at = data.find(magic, at + 1)
    return None


def _wide_reason(text: str, offset: int) -> str | None:
    """``chunk_reason`` for a UTF-16/32 body, on the decoded characters."""
    bad = sum(1 for c in text if (c < " " and c not in "\t\n\x0c\r\x1b") or c == "\ufffd")
    if bad > CONTROL_ALLOWANCE + len(text) // CONTROL_DENSITY:
        return f"binary data ({bad} control or undecodable characters near byte {offset})"
    return None


# -- Content-Encoding, decoded in the stream ----------------------------------------------
try:  # the same libraries Scrapy's HttpCompressionMiddleware decodes with
    import brotli
except ImportError:  # pragma: no cover - Scrapy depends on one of the two
    try:
        import brotlicffi as brotli  # type: ignore[no-redef]
    except ImportError:
        brotli = None
try:
    from backports import zstd
except ImportError:  # pragma: no cover - Python 3.14 has it in the standard library
    try:
        from compression import zstd  # type: ignore[no-redef]
    except ImportError:
        zstd = None

DECODE_PIECE = 65536           # decoded bytes produced per step: a bomb never inflates at once
MAX_STACKED_ENCODINGS = 2      # "gzip, br" is seen in the wild; "gzip, gzip, gzip, …" is a bomb
ENCODINGS = ("gzip", "x-gzip", "deflate", "br", "zstd")


def accepted_encodings() -> tuple[str, ...]:
    """The Content-Encodings the crawler can decode in the stream (others are refused)."""
    return tuple(e for e in ENCODINGS if (e != "br" or brotli is not None) and (e != "zstd" or zstd is not None))


def encoding_reason(values: list[bytes] | list[str]) -> tuple[list[str], str | None]:
    """(the body's encodings, outermost last; why it is refused or None).

    >>> encoding_reason([b"identity, gzip"])
    (['gzip'], None)
    >>> encoding_reason([b"x-unknown"])[1]
    'Content-Encoding x-unknown cannot be decoded in the stream'
    """
    names = []
    for value in values:
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        names += [e.strip().lower() for e in value.split(",") if e.strip() and e.strip().lower() != "identity"]
    accepted = accepted_encodings()
    for name in names:
        if name not in accepted:
            return names, f"Content-Encoding {name[:40]} cannot be decoded in the stream"
    if len(names) > MAX_STACKED_ENCODINGS:
        return names, f"{len(names)} stacked Content-Encodings (at most {MAX_STACKED_ENCODINGS})"
    return names, None


class _Decoder:
    """One streaming decoder; ``feed`` yields decoded pieces of at most DECODE_PIECE bytes."""

    def __init__(self, name: str):
        self.name = name
        self.first = True
        self.done = False
        self.obj = self._new()

    def _new(self) -> Any:
        if self.name in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.name == "deflate":
            return zlib.decompressobj()
        if self.name == "br":
            return brotli.Decompressor()
        return zstd.ZstdDecompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.done:
            if data:
                raise DecodeError("data after the end of the encoded stream")
            return
        if self.name == "br":
            yield from self._feed_brotli(data)
        elif self.name == "zstd":
            yield from self._feed_zstd(data)
        else:
            yield from self._feed_zlib(data)

    def _next_member(self, rest: bytes, magic: bytes) -> bytes:
        """After the end of a gzip member / zstd frame: the next one, or nothing at all."""
        if not rest:
            self.done = True
            return b""
        if not rest.startswith(magic[:len(rest)]):
            raise DecodeError("data after the end of the encoded stream")
        self.obj = self._new()
        return rest

    def _feed_zlib(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                out = self.obj.decompress(data, DECODE_PIECE)
            except zlib.error:
                if self.name == "deflate" and self.first:
                    # raw deflate without the zlib header (sent by some servers)
                    self.obj, self.first = zlib.decompressobj(-zlib.MAX_WBITS), False
                    continue
                raise
            self.first = False
            if out:
                yield out
            if self.obj.eof:
                data = self._next_member(self.obj.unused_data, b"\x1f\x8b" if self.name != "deflate" else b"")
                if self.name == "deflate" and data:
                    raise DecodeError("data after the end of the deflate stream")
            else:
                data = self.obj.unconsumed_tail

    def _feed_zstd(self, data: bytes) -> Iterator[bytes]:
        while True:
            out = self.obj.decompress(data, DECODE_PIECE)
            data = b""
            if out:
                yield out
            if self.obj.eof:
                data = self._next_member(self.obj.unused_data, b"\x28\xb5\x2f\xfd")
                if not data:
                    return
            elif self.obj.needs_input or not out:
                return

    def _feed_brotli(self, data: bytes) -> Iterator[bytes]:
        out = self.obj.process(data, output_buffer_limit=DECODE_PIECE)
        while out:
            yield out
            if self.obj.is_finished():
                return
            out = self.obj.process(b"", output_buffer_limit=DECODE_PIECE)


class DecodeError(ValueError):
    """A Content-Encoding stream that does not decode."""


def _through(decoder: _Decoder, pieces: Iterable[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield from decoder.feed(piece)


class BodySniffer:
    """Decode-then-sniff for one response, chunk by chunk, as the body arrives.

    ``feed(raw_chunk)`` returns ``(kind, reason)`` of a refusal or None: the raw bytes are
    decoded by every declared Content-Encoding (streaming zlib / brotli / zstd, a bounded
    piece at a time), the first decoded bytes go through ``sniff_reason`` and every decoded
    piece through ``chunk_reason``.  ``max_bytes`` caps raw and decoded bytes alike (kind
    ``size``).  Nothing is kept but a few bytes of the last piece.
    """

    def __init__(self, encodings: list[str], declared_type: str = "", charset: str = "", max_bytes: int = 0):
        self.decoders = [_Decoder(e) for e in reversed(encodings)]
        self.encoded = bool(encodings)
        self.declared_type = declared_type
        self.charset = charset
        self.max_bytes = max_bytes
        self.raw = 0
        self.decoded = 0
        self.head = bytearray()
        self.head_done = False
        self.tail = b""
        self.wide: Any = None        # an incremental UTF-16/32 decoder once a BOM/charset says so

    def feed(self, data: bytes) -> tuple[str, str] | None:
        self.raw += len(data)
        if self.max_bytes and self.raw > self.max_bytes:
            return "size", f"body larger than the size cap of {self.max_bytes} bytes"
        pieces: Iterable[bytes] = (data,)
        for decoder in self.decoders:   # lazily: a bomb is stopped at the cap, piece by piece
            pieces = _through(decoder, pieces)
        try:
            for piece in pieces:
                if refusal := self._check(piece):
                    return refusal
        except Exception as exc:   # zlib.error, brotli.error, ZstdError, DecodeError
            names = ", ".join(d.name for d in reversed(self.decoders))
            return "encoding", f"Content-Encoding {names} does not decode ({type(exc).__name__})"
        return None

    def finish(self) -> tuple[str, str] | None:
        """At the end of the body: the first bytes, if fewer than MIN_SNIFF arrived."""
        if not self.head_done and self.head:
            if reason := sniff_reason(bytes(self.head), declared_type=self.declared_type):
                return "media", reason
        return None

    def _check(self, piece: bytes) -> tuple[str, str] | None:
        offset = self.decoded
        self.decoded += len(piece)
        if self.max_bytes and self.decoded > self.max_bytes:
            return "size", f"decoded body larger than the size cap of {self.max_bytes} bytes"
        if not self.head_done:
            self.head += piece[:SNIFF_BYTES - len(self.head)]
            if len(self.head) >= MIN_SNIFF:
                self.head_done = True
                head = bytes(self.head)
                if reason := sniff_reason(head, declared_type=self.declared_type):
                    return "media", reason
                self.wide = _wide_decoder(head, self.declared_type, self.charset)
                self.head = bytearray()
        if self.wide is not None:
            reason = _wide_reason(self.wide.decode(piece), offset)
        else:
            reason = chunk_reason(self.tail + piece, offset - len(self.tail))
        if reason:
            if not self.head_done:   # fewer than MIN_SNIFF bytes so far: name the format if one matches
                reason = sniff_reason(bytes(self.head), declared_type=self.declared_type) or reason
            return "media", reason
        self.tail = piece[-MAGIC_TAIL:]
        return None


def _wide_decoder(head: bytes, declared_type: str, charset: str) -> Any:
    name = None
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        name = "utf-32"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        name = "utf-16"
    elif any(w in charset for w in ("utf-16", "utf-32", "ucs-2", "ucs2")):
        name = "utf-32" if "32" in charset else "utf-16"
    return codecs.getincrementaldecoder(name)("replace") if name else None


def charset_of(value: bytes | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    for part in value.split(";")[1:]:
        k, _, v = part.partition("=")
        if k.strip().lower() == "charset":
            return v.strip().strip("\"'").lower()
    return ""


def body_reason(body: bytes, *, declared_type: str = "", charset: str = "") -> str | None:
    """``BodySniffer`` over a whole (already decoded) body: why it is not text, or None."""
    if reason := sniff_reason(body[:SNIFF_BYTES], declared_type=declared_type):
        return reason
    sniffer = BodySniffer([], declared_type, charset)
    for i in range(0, max(len(body), 1), DECODE_PIECE):
        if refusal := sniffer.feed(body[i:i + DECODE_PIECE]):
            return refusal[1]
    refusal = sniffer.finish()
    return refusal[1] if refusal else None


class MediaRefused(IgnoreRequest):
    """A request or response refused by the never-media layers (reason in the message)."""

    def __init__(self, reason: str, url: str = "", kind: str = "media"):
        super().__init__(f"never-media: {reason}")
        self.reason = reason
        self.url = url
        self.kind = kind


def refuse(request: Request, kind: str, reason: str) -> None:
    """Note why (and as what kind) a response was refused, for the errback to store."""
    request.meta[META_REASON] = reason
    request.meta[META_KIND] = kind


class NeverMediaMiddleware:
    """Layers a, b, c: refuse media by URL before a request goes out; stop at headers or
    at any body chunk.  Runs last in ``process_request`` (priority 950), after the redirect,
    proxy and cookie middlewares, so every hop is checked.

    A stop raises ``StopDownload``; merchintel's download handler (crawler.transport) then
    aborts the connection with a reset, so the server can push no more than what already
    sits in the kernel's buffers."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_bytes = crawler.settings.getint("DOWNLOAD_MAXSIZE", 0)
        # request -> BodySniffer; weak so nothing lingers.
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
            refuse(request, "media", reason)
            raise MediaRefused(reason, request.url)
        return None

    def on_headers(self, headers: Any, body_length: int, request: Request, spider: Any) -> None:
        ctype = headers.get(b"Content-Type")
        if reason := content_type_reason(ctype):
            # stop at headers, not bytes_received: a body chunk would already be in memory
            refuse(request, "media", reason)
            self._refuse_stat("headers")
            raise StopDownload(fail=True)
        encodings, reason = encoding_reason(headers.getlist(b"Content-Encoding"))
        if reason:
            # an encoding nothing here can decode is never read: its bytes cannot be sniffed
            refuse(request, "encoding", reason)
            self._refuse_stat("encoding")
            raise StopDownload(fail=True)
        max_bytes = request.meta.get("download_maxsize", self.max_bytes) or 0
        self._state[request] = BodySniffer(encodings, mime_of(ctype), charset_of(ctype), max_bytes)

    def on_bytes(self, data: bytes, request: Request, spider: Any) -> None:
        sniffer = self._state.get(request)
        if sniffer is None:
            return  # decided already (or a handler that sends no headers signal)
        if refusal := sniffer.feed(data):
            del self._state[request]
            kind, reason = refusal
            refuse(request, kind, reason)
            self._refuse_stat("size" if kind == "size" else "sniff")
            if self.stats is not None:   # what a refused body cost: bench/never_media_bench.py
                self.stats.inc_value("merchintel/never_media/read_bytes", sniffer.raw)
                self.stats.max_value("merchintel/never_media/read_bytes_max", sniffer.raw)
            raise StopDownload(fail=True)
        # Every decoded byte so far passed: the body middleware need not sniff them again.
        # Keyed by the request object, not its meta, which a redirect copies to the next hop.
        _SNIFFED[request] = sniffer


class NeverMediaBodyMiddleware:
    """Layer c on the whole body: ``process_response`` runs below HttpCompressionMiddleware
    (priority 580 < 590), so it sees the decompressed body.  A body the stream sniffer
    already passed in full (same decoded length) is not read again; bodies too short for
    the stream sniffer, or from a handler that sends no signals, are checked here, and
    media is refused with ``MediaRefused``."""

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
        sniffer = _SNIFFED.pop(request, None)
        if not reason and not (sniffer is not None and sniffer.head_done and sniffer.decoded == len(response.body)):
            reason = body_reason(response.body, declared_type=mime_of(ctype), charset=charset_of(ctype))
        if reason:
            refuse(request, "media", reason)
            if self.stats is not None:
                self.stats.inc_value("merchintel/never_media/body")
            raise MediaRefused(reason, request.url)
        return response
