"""A hostile web server on loopback: it knows it is crawled and sends what it likes.

Used by tests/test_hostile_server.py and bench/never_media_bench.py (issue 9).

``HostileServer`` listens on 127.0.0.1 (port 0) and answers each path with a *play*: a
generator that yields the raw bytes of the response (status line, headers, body — nothing
is added), a float to sleep that long, or ``PEER`` to wait for the client's next move: a
reset (``ended = "reset"``), a graceful close (``"closed"``) or nothing within 10 s.  It writes with small socket buffers and counts
per connection the bytes the kernel accepted (``written``) and how the connection ended
(``complete``, ``reset`` or ``closed`` by the peer), so a test or the benchmark can say how
much a refused response managed to push.

Every media body carries ``CANARY_PREFIX`` (from fakeweb/data.py) many times over, so a
scan of what merchintel wrote finds any copy of it, raw, hex or base64.
"""

from __future__ import annotations

import base64
import brotli
import gzip
import random
import socket
import socketserver
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterator

from fakeweb.data import CANARY_PREFIX

try:
    from backports import zstd
except ImportError:  # pragma: no cover
    from compression import zstd  # type: ignore[no-redef]

Play = Callable[["Hit"], Iterator["bytes | float | str"]]
PEER = "peer?"


def _noise(size: int, tag: bytes) -> bytes:
    """Incompressible bytes (as real entropy-coded media is) with a canary every 4 KB."""
    rnd = random.Random(size)
    block = 4096
    return b"".join(CANARY_PREFIX + tag + b"-" + rnd.randbytes(block) for _ in range(size // block + 1))[:size]


def fake_jpeg(size: int = 2_000_000, tag: bytes = b"jpeg") -> bytes:
    """JPEG-looking bytes (SOI, APP0/JFIF, noise) full of canaries."""
    head = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + CANARY_PREFIX + tag
    return (head + _noise(size, tag))[:size - 2] + b"\xff\xd9"


def fake_png(size: int = 200_000) -> bytes:
    head = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"
    return (head + _noise(size, b"png"))[:size]


def text_page(n: int = 700) -> bytes:
    line = b"<p>Welcome to the shop. Contact sales@hostile-shop.se for prices.</p>\n"
    return (b"<!doctype html><html><head><title>Shop</title></head><body>\n" + line * (n // len(line) + 1))[:n]


def response_head(status: str = "200 OK", headers: dict[str, str] | list[tuple[str, str]] | None = None,
                  length: int | None = None) -> bytes:
    items = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    if length is not None:
        items.append(("Content-Length", str(length)))
    items.append(("Connection", "close"))
    return (f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in items) + "\r\n").encode("latin-1")


def send_body(body: bytes, headers: dict[str, str] | None = None, chunk: int = 16384) -> Play:
    """A plain response: headers with Content-Length, then the body in chunks."""
    def play(hit: Hit) -> Iterator[bytes | float]:
        yield response_head(headers=headers or {"Content-Type": "text/html"}, length=len(body))
        for i in range(0, len(body), chunk):
            yield body[i:i + chunk]
    return play


ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress, "x-gzip": gzip.compress, "deflate": zlib.compress,
    "raw-deflate": lambda b: zlib.compress(b)[2:-4], "br": brotli.compress, "zstd": zstd.compress,
    "identity, gzip": gzip.compress,
}


def encoded(body: bytes, encoding: str, ctype: str = "text/html") -> Play:
    header = "deflate" if encoding == "raw-deflate" else encoding
    data = ENCODERS[encoding](body) if encoding in ENCODERS else body
    return send_body(data, {"Content-Type": ctype, "Content-Encoding": header})


@dataclass
class Hit:
    path: str
    request: bytes
    written: int = 0
    ended: str = "open"
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0


class HostileServer:
    """``with HostileServer({"/": play, ...}) as srv: srv.url("/")``; ``srv.hits`` per request."""

    def __init__(self, routes: dict[str, Play], sndbuf: int = 16384, host: str = "127.0.0.1"):
        self.routes = dict(routes)
        self.hits: list[Hit] = []
        self.sndbuf = sndbuf
        self._lock = threading.Lock()
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                server._serve(self.request)

        class TCP(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 128

        self.tcp = TCP((host, 0), Handler)
        self.host = host
        self.port = self.tcp.server_address[1]
        self.thread = threading.Thread(target=self.tcp.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.tcp.shutdown()
        self.tcp.server_close()

    def hits_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def _serve(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.sndbuf)
        sock.settimeout(30)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            try:
                more = sock.recv(4096)
            except OSError:
                return
            if not more:
                return
            data += more
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        path = parts[1] if len(parts) > 1 else "/"
        hit = Hit(path, data)
        with self._lock:
            self.hits.append(hit)
        play = self.routes.get(path) or self.routes.get(path.split("?", 1)[0]) or self.routes.get("*")
        if play is None:
            play = send_body(b"<html><body>not here</body></html>", None)
        try:
            for piece in play(hit):
                if isinstance(piece, float):
                    time.sleep(piece)
                    continue
                if piece == PEER:
                    sock.settimeout(10)
                    try:
                        got = sock.recv(1)
                    except socket.timeout:
                        got = None
                    hit.ended = "closed" if got == b"" else "open"
                    return
                sock.sendall(piece)
                hit.written += len(piece)
            hit.ended = "complete"
        except ConnectionResetError:
            hit.ended = "reset"
        except (BrokenPipeError, OSError):
            hit.ended = "closed"
        finally:
            hit.seconds = time.monotonic() - hit.started
            try:
                sock.close()
            except OSError:
                pass


def b64_jpeg_run(size: int = 3000) -> str:
    """A long base64 run (no data: prefix) that decodes to a canary-carrying JPEG."""
    return base64.b64encode(fake_jpeg(size, b"b64")).decode("ascii")
