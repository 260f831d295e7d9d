"""The fake web's HTTP side: one ThreadingHTTPServer per 127.0.0.x address, all on the same
port, dispatching on the Host header to ``sites/<host>/`` and the behaviours in ``routes.json``.

Behaviours (keys of a route; a route is ``"HOST PATH"``, ``*`` globs allowed, e.g.
``"shop-a.se *"``; every matching route is merged, the most specific last):

    redirect: LOCATION [+ status: 301|302|303|307|308]   relative or {{url:HOST/path}}
    redirect_loop: true        endless 302 chain PATH?hop=N -> PATH?hop=N+1
    status: CODE [+ body: TEXT | file: PATH]             e.g. 404, 500, 503
    body: TEXT                 inline body (templated)
    file: PATH                 serve this site file instead of the request path
    content_type: TYPE         override the Content-Type (a lying type: JPEG bytes as text/html)
    gzip_bomb: true|BYTES      Content-Encoding: gzip, inflates to >= 200 MB of HTML
    big_page: BYTES            an HTML page of that many bytes (over the crawler's size cap)
    calendar: true             /calendar?month=N links to month N+1 forever
    slow: SECONDS              sleep first, then answer as the other keys say
    require_referer: PREFIX    serve the page only if Referer starts with PREFIX (templated);
                               else the ``else_file`` (default: a 403 page)
    headers: {NAME: VALUE}     extra response headers (Server, X-Powered-By, Set-Cookie, ...)

A response is *media* when its Content-Type is image/video/audio/archive/binary or its bytes
start with a media magic number or contain ``CANARY_PREFIX``. Media bodies go out slowly (the
first 1 KB, a pause, then small chunks) so a client that aborts after sniffing the first bytes
makes the write fail: ``web.media_hits`` counts only media bodies written in full.
"""

from __future__ import annotations

import fnmatch
import os
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from fakeweb.data import CANARY_PREFIX, WebData, _norm_name, render_template

# ``web`` below is the FakeWeb (fakeweb/__init__.py) that starts this server; it sits above.

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".php": "text/html; charset=utf-8", ".js": "application/javascript", ".mjs": "application/javascript",
    ".json": "application/json", ".webmanifest": "application/manifest+json",
    ".css": "text/css", ".txt": "text/plain; charset=utf-8", ".xml": "application/xml",
    ".csv": "text/csv", ".vtt": "text/vtt",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".ico": "image/x-icon", ".svg": "image/svg+xml", ".avif": "image/avif",
    ".mp4": "video/mp4", ".webm": "video/webm", ".mov": "video/quicktime",
    ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".wav": "audio/wav",
    ".zip": "application/zip", ".rar": "application/vnd.rar", ".7z": "application/x-7z-compressed",
    ".pdf": "application/pdf", ".swf": "application/x-shockwave-flash",
    ".woff2": "font/woff2", ".bin": "application/octet-stream",
}
TEXT_TYPES = ("text/", "application/javascript", "application/json", "application/manifest+json",
              "application/xml")
MEDIA_TYPES = ("image/", "video/", "audio/", "font/", "application/zip", "application/vnd.rar",
               "application/x-7z-compressed", "application/pdf", "application/octet-stream",
               "application/x-shockwave-flash")
# First bytes of the media/archive formats the sample web uses (and a few more).
MEDIA_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"RIFF", b"PK\x03\x04",
               b"ID3", b"OggS", b"\x1aE\xdf\xa3", b"%PDF-", b"\x00\x00\x01\x00", b"WEBVTT", b"fLaC",
               b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")
_FTYP = b"ftyp"  # MP4/MOV/AVIF: bytes 4..8

GZIP_BOMB_BYTES = 200 * 1024 * 1024
_bomb_cache: dict[int, bytes] = {}
_bomb_lock = threading.Lock()
_big_cache: dict[int, bytes] = {}


def gzip_bomb(size: int = GZIP_BOMB_BYTES) -> bytes:
    """A gzip member that inflates to ``size`` bytes of HTML; built once per size, in memory."""
    with _bomb_lock:
        if size not in _bomb_cache:
            comp = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
            head = b"<!doctype html><html><head><title>Gallery</title></head><body>"
            chunk = b"<p>" + b"a" * (1024 * 1024 - 7) + b"</p>\n"
            parts, left = [comp.compress(head)], size - len(head)
            while left > 0:
                piece = chunk[:left]
                parts.append(comp.compress(piece))
                left -= len(piece)
            parts.append(comp.flush())
            _bomb_cache[size] = b"".join(parts)
        return _bomb_cache[size]


def big_page(size: int) -> bytes:
    """An HTML page of exactly ``size`` bytes (cached)."""
    if size not in _big_cache:
        head = b"<!doctype html><html><head><title>Archive</title></head><body>\n"
        tail = b"</body></html>\n"
        line = b"<p>Lorem ipsum dolor sit amet, archive entry, nothing to see here.</p>\n"
        n = max(0, size - len(head) - len(tail))
        body = (line * (n // len(line) + 1))[:n]
        _big_cache[size] = head + body + tail
    return _big_cache[size]


def content_type_for(path: str) -> str:
    return CONTENT_TYPES.get(os.path.splitext(path)[1].lower(), "application/octet-stream")


def is_text_type(ctype: str) -> bool:
    return ctype.lower().startswith(TEXT_TYPES) and not ctype.lower().startswith("text/vtt")


def is_media(ctype: str, body: bytes) -> bool:
    """Media by Content-Type, by magic number or by canary bytes."""
    if ctype.lower().startswith(MEDIA_TYPES) or ctype.lower().startswith("text/vtt"):
        return True
    if body.startswith(MEDIA_MAGIC) or body[4:8] == _FTYP:
        return True
    return CANARY_PREFIX in body


def route_for(data: WebData, host: str, path: str, query: str) -> dict:
    """The merged behaviour for a request: glob routes first, then exact ``HOST PATH``, then
    exact ``HOST PATH?QUERY`` (later wins); ``www.X`` gets X's routes, then its own."""
    merged: dict = {}

    def merge(b: dict) -> None:
        for k, v in b.items():
            if k == "headers":
                merged["headers"] = {**merged.get("headers", {}), **v}
            else:
                merged[k] = v

    full = f"{path}?{query}" if query else path
    # www.X shares X's routes (as it shares its site directory); its own routes win.
    names = [host[4:], host] if host.startswith("www.") else [host]
    for name in names:
        for g_host, g_path, b in data.route_globs:
            if fnmatch.fnmatchcase(name, g_host) and (fnmatch.fnmatchcase(path, g_path) or fnmatch.fnmatchcase(full, g_path)):
                merge(b)
        for key in (f"{name} {path}", f"{name} {full}" if query else None):
            if key and key in data.routes:
                merge(data.routes[key])
    return merged


def _host_of(header: str) -> str:
    """``Shop-A.se:8080`` -> ``shop-a.se``; ``[::1]:80`` -> ``::1``."""
    if header.startswith("["):
        return header[1:].partition("]")[0].lower()
    return _norm_name(header.rpartition(":")[0] if ":" in header else header)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakeweb/1.0"
    sys_version = ""
    timeout = 60  # idle keep-alive connections end eventually
    disable_nagle_algorithm = True  # headers and body in separate writes: no 40 ms delayed-ACK stalls

    def log_message(self, format, *args) -> None:  # the FakeWeb logs, not stderr
        pass

    def version_string(self) -> str:
        return getattr(self, "_server_header", None) or self.server_version

    def do_GET(self) -> None:
        self._handle(send_body=True)

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        self._handle(send_body=True)

    # -------------------------------------------------------------------------------------
    def _handle(self, send_body: bool) -> None:
        web: Any = self.server.web  # type: ignore[attr-defined]
        data = web.data
        port = web.http_port
        host = _host_of(self.headers.get("Host") or "")
        split = urlsplit(self.path)
        path, query = unquote(split.path) or "/", split.query
        b = route_for(data, host, path, query)
        extra = {k: render_template(str(v), port) for k, v in b.get("headers", {}).items()}
        self._server_header = extra.pop("Server", None)

        if b.get("slow"):
            time.sleep(float(b["slow"]))
        try:
            status, ctype, body, more = self._respond(data, host, path, query, b, port)
        except Exception as exc:  # a broken fixture file must show up as a 500 with its reason
            status, ctype, more = 500, "text/plain; charset=utf-8", {}
            body = f"fakeweb: {type(exc).__name__}: {exc}\n".encode("utf-8", "replace")
        extra.update(more)
        encoding = extra.get("Content-Encoding", "")
        media = is_media(ctype, body) and not encoding
        complete = self._send(status, ctype, body, extra, send_body, media)
        web.log_http({
            "host": host, "path": self.path, "method": self.command, "status": status,
            "bytes": len(body) if send_body else 0, "media": media, "complete": complete and send_body,
            "content_type": ctype, "referer": self.headers.get("Referer"),
            "user_agent": self.headers.get("User-Agent"), "ip": self.connection.getsockname()[0],
            "ts": time.time(),
        })

    def _respond(self, data: WebData, host: str, path: str, query: str, b: dict, port: int):
        """-> (status, content type, body bytes, extra headers)."""
        html = "text/html; charset=utf-8"
        root = data.site_root(host)
        if root is None and not b:
            return 404, "text/plain; charset=utf-8", b"no such site\n", {}
        if "redirect" in b:
            return int(b.get("status", 302)), html, b"", {"Location": render_template(b["redirect"], port)}
        if b.get("redirect_loop"):
            hop = int((parse_qs(query).get("hop") or ["0"])[0] or 0)
            return 302, html, b"", {"Location": f"{path}?hop={hop + 1}"}
        if b.get("gzip_bomb"):
            size = GZIP_BOMB_BYTES if b["gzip_bomb"] is True else int(b["gzip_bomb"])
            return 200, html, gzip_bomb(size), {"Content-Encoding": "gzip"}
        if b.get("big_page"):
            return 200, html, big_page(int(b["big_page"])), {}
        if b.get("calendar"):
            return 200, html, self._calendar(path, query), {}
        if "require_referer" in b:
            want = render_template(b["require_referer"], port)
            if not (self.headers.get("Referer") or "").startswith(want):
                if b.get("else_file") and root is not None:
                    return self._file(root, b["else_file"], port, b, status=200)
                return 403, html, b"<!doctype html><title>Forbidden</title><p>Forbidden.</p>\n", {}
        status = int(b.get("status", 200))
        if "body" in b:
            ctype = b.get("content_type", html)
            return status, ctype, render_template(b["body"], port).encode("utf-8"), {}
        if root is None:
            return 404, "text/plain; charset=utf-8", b"no such site\n", {}
        return self._file(root, b.get("file") or path, port, b, status=status)

    def _file(self, root: Path, rel: str, port: int, b: dict, status: int):
        html = "text/html; charset=utf-8"
        target = (root / rel.lstrip("/")).resolve()
        if root.resolve() not in (target, *target.parents):
            return 404, html, b"<!doctype html><title>Not found</title><p>Not found.</p>\n", {}
        if target.is_dir():
            if not rel.endswith("/") and "file" not in b:
                return 301, html, b"", {"Location": rel + "/"}
            target = target / "index.html"
        if not target.is_file():
            page404 = root / "404.html"
            body = page404.read_bytes() if page404.is_file() else b"<!doctype html><title>Not found</title><p>Not found.</p>\n"
            return 404, html, render_template(body.decode("utf-8", "replace"), port).encode("utf-8"), {}
        raw = target.read_bytes()
        real_type = content_type_for(target.name)
        if is_text_type(real_type):
            raw = render_template(raw.decode("utf-8"), port).encode("utf-8")
        return status, b.get("content_type", real_type), raw, {}

    @staticmethod
    def _calendar(path: str, query: str) -> bytes:
        try:
            month = int((parse_qs(query).get("month") or ["0"])[0])
        except ValueError:
            month = 0
        year, mon = 2024 + month // 12, month % 12 + 1
        return (
            f"<!doctype html><html><head><title>Events {year}-{mon:02d}</title></head><body>"
            f"<h1>Events in {year}-{mon:02d}</h1><p>No events this month.</p>"
            f'<a href="{path}?month={month - 1}">previous month</a> '
            f'<a href="{path}?month={month + 1}">next month</a></body></html>\n'
        ).encode("utf-8")

    def _send(self, status: int, ctype: str, body: bytes, extra: dict, send_body: bool, media: bool) -> bool:
        """Write the response; True when every byte went out."""
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            # Media bodies are padded far past any socket buffer pair (loopback autotunes to a
            # few MB): a client that aborted early makes a later write fail, however late its
            # RST arrives on a loaded machine, so it is never counted as served in full.
            # The padded length is not announced (no Content-Length, connection closes at the
            # end), so a client's size cap cannot decide at the headers and the never-media
            # layers that look at types and bytes are the ones tested end to end.
            padded = media and send_body and bool(body)
            length = max(len(body), MEDIA_MIN_BYTES) if padded else len(body)
            if padded:
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(length))
            for name, value in extra.items():
                for v in (value if isinstance(value, list) else [value]):
                    self.send_header(name, v)
            if not send_body or not body:
                self.end_headers()
                return True
            if not media:
                # end_headers() by hand, with the body in the same write as the headers
                self._headers_buffer.extend([b"\r\n", body])
                self.flush_headers()
                return True
            self.end_headers()
            # Media: first 1 KB, then a pause in which a sniffing client aborts; its RST makes
            # one of the next small writes fail, so an aborted body is never counted as served.
            self.wfile.write(body[:1024])
            time.sleep(0.1)
            for i in range(1024, len(body), 4096):
                self.wfile.write(body[i:i + 4096])
                time.sleep(0.002)
            pad = bytes(65536)
            for sent in range(len(body), length, len(pad)):
                self.wfile.write(pad[: min(len(pad), length - sent)])
            return True
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError, OSError):
            self.close_connection = True
            return False


MEDIA_MIN_BYTES = 32 * 1024 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, addr, web):
        self.web = web
        super().__init__(addr, _Handler)

    def handle_error(self, request, client_address) -> None:  # a client hanging up is normal
        pass


class HTTPServers:
    """The same port on every loopback address of the web; ``bind_ips`` adds more later."""

    def __init__(self, web: Any):
        self.web = web
        self.port = 0
        self.servers: dict[str, _Server] = {}
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        ips = sorted(self.web.data.loopback_ips() - {"127.0.0.1"})
        last: OSError | None = None
        for _ in range(50):
            servers: dict[str, _Server] = {}
            try:
                first = self._make(("127.0.0.1", 0))
                servers["127.0.0.1"] = first
                port = first.server_address[1]
                for ip in ips:
                    servers[ip] = self._make((ip, port))
            except OSError as exc:  # that port is taken on one of the addresses: try another
                last = exc
                for s in servers.values():
                    s.server_close()
                continue
            self.port, self.servers = port, servers
            for s in servers.values():
                self._serve(s)
            return
        raise OSError(f"fakeweb: no free port shared by {len(ips) + 1} loopback addresses ({last}); "
                      "free some ports and retry.")

    def _make(self, addr: tuple[str, int]) -> _Server:
        return _Server(addr, self.web)   # fakeweb/tls.py makes TLS servers instead

    def _serve(self, server: _Server) -> None:
        t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                             name=f"fakeweb-http-{server.server_address[0]}", daemon=True)
        t.start()
        self.threads.append(t)

    def bind_ips(self, ips: set[str]) -> None:
        for ip in sorted(set(ips) - set(self.servers)):
            try:
                server = self._make((ip, self.port))
            except OSError as exc:
                raise OSError(f"fakeweb: cannot listen on {ip}:{self.port} ({exc}); "
                              "another process holds that address and port.") from exc
            self.servers[ip] = server
            self._serve(server)

    def stop(self) -> None:
        for s in self.servers.values():
            s._BaseServer__shutdown_request = True  # type: ignore[attr-defined]  # all at once
        for s in self.servers.values():
            s.shutdown()
            s.server_close()
        for t in self.threads:
            t.join(timeout=2)
        self.servers, self.threads = {}, []


def decode_gzip_prefix(body: bytes, limit: int = 1 << 16) -> bytes:
    """At most ``limit`` inflated bytes of a gzip body (tests peek at the bomb safely)."""
    d = zlib.decompressobj(31)
    return d.decompress(body, limit)

