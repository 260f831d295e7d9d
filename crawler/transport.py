"""merchintel's HTTP/1.1 download handler: Scrapy's, with two guards against a hostile server.

* **Abort, don't drain.**  When a never-media layer stops a download (``StopDownload`` at the
  headers or at a body chunk) or a download times out, Scrapy stops the response's
  transport; here that stop is an ``abortConnection()`` — the socket closes with a TCP reset
  at once, no graceful close that waits — so the server can push no more than what already
  sits in the kernel's buffers.
* **Bounded headers.**  Twisted reads response headers without a limit (90 MB of headers
  were taken).  ``MERCHINTEL_MAX_HEADER_BYTES`` caps the bytes of the status line and
  headers, ``MERCHINTEL_MAX_HEADERS`` their number; past either, the connection is
  aborted and the request fails with ``HeadersRefused`` (an errors row of kind ``headers``).

The handler is a subclass of Scrapy's ``HTTP11DownloadHandler`` (it keeps the
``headers_received``/``bytes_received`` signals the never-media layers listen to); only the
connection factory differs.  ``check_first_law`` refuses a crawl without it.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader.handlers.http11 import (HTTP11DownloadHandler, _LenientHTTP11ClientFactory,
                                                    _LenientHTTP11ClientProtocol, _LenientHTTPClientParser)
from twisted.web._newclient import TransportProxyProducer

from crawler.config import default

if TYPE_CHECKING:  # pragma: no cover
    from scrapy.crawler import Crawler

# Header caps: crawler/config.py SETTINGS (64 KB; browsers allow 256 KB, a shop page's headers are ~1-4 KB).
DEFAULT_MAX_HEADER_BYTES = default("max_header_bytes")
DEFAULT_MAX_HEADERS = default("max_headers")
RECEIVE_BUFFER = 16_384             # SO_RCVBUF of a crawl connection (the kernel doubles it)


def _socket_of(transport: Any) -> socket.socket | None:
    """The TCP socket under a (TLS) transport, or None."""
    for _ in range(4):
        if transport is None:
            return None
        try:
            handle = transport.getHandle()
        except Exception:
            handle = None
        if isinstance(handle, socket.socket):
            return handle
        transport = getattr(transport, "transport", None)
    return None


class HeadersRefused(Exception):
    """A response whose headers pass the caps on bytes or count; the connection is aborted."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def headers_refused(exc: BaseException | None) -> HeadersRefused | None:
    """The ``HeadersRefused`` behind a download error (Scrapy wraps twisted's ResponseFailed)."""
    seen = 0
    todo = [exc]
    while todo and seen < 20:
        e = todo.pop()
        seen += 1
        if e is None:
            continue
        if isinstance(e, HeadersRefused):
            return e
        todo.append(e.__cause__ or e.__context__)
        todo += [getattr(r, "value", None) for r in getattr(e, "reasons", None) or ()]
    return None


class _AbortingProxy(TransportProxyProducer):
    """The transport a response holds: stopping it aborts the connection (TCP reset)."""

    def stopProducing(self) -> None:
        producer = self._producer
        if producer is not None:
            abort = getattr(producer, "abortConnection", None)
            if abort is not None:
                abort()
            else:  # pragma: no cover - every Twisted TCP/TLS transport has it
                producer.stopProducing()


class _CappedParser(_LenientHTTPClientParser):
    """Scrapy's lenient parser, counting the bytes and lines of the status line and headers."""

    def lineReceived(self, line: bytes) -> None:
        self._mi_bytes = getattr(self, "_mi_bytes", 0) + len(line) + 2
        self._mi_lines = getattr(self, "_mi_lines", 0) + 1
        max_bytes, max_lines = self._mi_caps
        if self._mi_bytes > max_bytes:
            self._mi_refuse(f"response headers larger than {max_bytes} bytes")
        if self._mi_lines > max_lines + 1:    # + the status line
            self._mi_refuse(f"more than {max_lines} response headers")
        super().lineReceived(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        # a header line longer than LineReceiver.MAX_LENGTH (16 KB): also an abort, not a close
        self._mi_refuse(f"a response header line longer than {self.MAX_LENGTH} bytes")

    def _mi_refuse(self, reason: str) -> None:
        transport = self.transport
        if transport is not None:
            transport.stopProducing()    # _AbortingProxy: reset now
        raise HeadersRefused(reason)


class _GuardedProtocol(_LenientHTTP11ClientProtocol):
    caps = (DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADERS)

    def connectionMade(self) -> None:
        super().connectionMade()
        sock = _socket_of(self.transport)
        if sock is not None:
            try:
                # A small, fixed receive buffer (Linux doubles it): what a server can push
                # ahead of the sniffer is bounded by it, not by receive-window autotuning
                # (megabytes on a fast link).  Text pages do not need a larger window.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
            except OSError:
                pass

    def request(self, request: Any) -> Any:
        d = super().request(request)
        parser = self._parser
        if parser is not None:
            parser.__class__ = _CappedParser
            parser._mi_caps = self.caps
        if self._transportProxy is not None:
            self._transportProxy.__class__ = _AbortingProxy
        return d


class _GuardedFactory(_LenientHTTP11ClientFactory):
    caps = (DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADERS)

    def buildProtocol(self, addr: Any) -> Any:
        protocol = _GuardedProtocol(self._quiescentCallback)
        protocol.caps = self.caps
        return protocol


class GuardedHTTP11DownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler whose connections abort (reset) when a download is stopped
    and refuse oversized headers."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        s = crawler.settings
        caps = (s.getint("MERCHINTEL_MAX_HEADER_BYTES", DEFAULT_MAX_HEADER_BYTES),
                s.getint("MERCHINTEL_MAX_HEADERS", DEFAULT_MAX_HEADERS))
        self._pool._factory = type("_CappedFactory", (_GuardedFactory,), {"caps": caps})
