"""Length-prefixed pickle frames between the crawl process and a helper process.

The crawl process's end (``FramedChannel``) never blocks and never starts a thread (a
thread would fight Scrapy's reactor for the GIL): frames are written from the event loop
as the socket takes them and read by an event-loop reader.  The helper's end
(``FrameReader``, ``send_frame``) is plain blocking code.  The page-analysis worker
(crawler/analysis.py) and the store writer (crawler/store_writer.py) both talk this way.
Only the crawl's own objects travel: decoded text, items, acknowledgements — never a body.
"""

from __future__ import annotations

import os
import select
import socket
import struct
from typing import Any

FRAME = struct.Struct("!I")
# Helpers run this much nicer than the crawl: Scrapy's one thread is what the whole crawl
# waits on, so when the cores are busy it goes first; the helpers have queues.
HELPER_NICE = 10


def helper_setting(value: Any) -> int:
    """A helper process's setting: ``auto`` (1 when the machine has 2+ cores, else 0),
    0/1, off/on."""
    if value in (None, "", "auto"):
        return 1 if (os.cpu_count() or 1) >= 2 else 0
    if isinstance(value, str) and value.strip().lower() in ("off", "false", "no", "on", "true", "yes"):
        return int(value.strip().lower() in ("on", "true", "yes"))
    return min(1, max(0, int(value)))


def lower_priority(step: int = HELPER_NICE) -> None:
    """Called by a helper process on itself (a no-op where the OS refuses)."""
    try:
        os.nice(step)
    except (OSError, AttributeError):
        pass


class FramedChannel:
    """The crawl process's end: ``send`` frames, ``on_frame`` for each frame read,
    ``on_lost`` once when the other end is gone (EOF or a socket error)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.fd = sock.fileno()
        self.loop: Any = None
        self.out = bytearray()
        self.inbuf = bytearray()
        self.writing = False
        self.scheduled = False
        self.gone = False

    def attach(self, loop: Any) -> None:
        """Start reading on ``loop`` (the running asyncio loop of the crawl)."""
        if self.loop is None:
            self.loop = loop
            loop.add_reader(self.fd, self._on_readable)

    def send(self, data: bytes) -> None:
        """Queue one frame; the socket gets what this turn of the event loop queued in one
        write, at the end of the turn (several pages' frames, one system call)."""
        self.out += FRAME.pack(len(data))
        self.out += data
        if self.loop is None:
            self._flush()
        elif not self.scheduled and not self.writing:
            self.scheduled = True
            self.loop.call_soon(self._flush_queued)

    def _flush_queued(self) -> None:
        self.scheduled = False
        if not self.writing:
            self._flush()

    def pending_bytes(self) -> int:
        """Bytes written by the crawl that the socket has not taken yet."""
        return len(self.out)

    def on_frame(self, payload: bytes) -> None:  # pragma: no cover - subclasses say what a frame means
        raise NotImplementedError

    def on_lost(self) -> None:  # pragma: no cover - subclasses say what losing the other end means
        raise NotImplementedError

    def _flush(self) -> None:
        if self.gone:
            return
        try:
            n = self.sock.send(self.out) if self.out else 0
        except (BlockingIOError, InterruptedError):
            n = 0
        except OSError:
            self._lost()
            return
        del self.out[:n]
        if self.out and not self.writing:
            self.loop.add_writer(self.fd, self._flush)
            self.writing = True
        elif not self.out and self.writing:
            self.loop.remove_writer(self.fd)
            self.writing = False

    def _on_readable(self) -> None:
        try:
            data = self.sock.recv(1 << 20)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._lost()
            return
        buf = self.inbuf
        buf += data
        while len(buf) >= 4 and not self.gone:
            (n,) = FRAME.unpack_from(buf)
            if len(buf) < 4 + n:
                break
            payload = bytes(buf[4:4 + n])
            del buf[:4 + n]
            self.on_frame(payload)

    def _lost(self) -> None:
        if self.gone:
            return
        self.detach()
        self.on_lost()

    def detach(self) -> None:
        """Stop reading and writing (what is still unsent stays unsent)."""
        self.gone = True
        if self.loop is not None:
            self.loop.remove_reader(self.fd)
            if self.writing:
                self.loop.remove_writer(self.fd)
                self.writing = False


class FrameReader:
    """The helper's end: whole frames from a blocking socket."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buf = bytearray()

    def has_frame(self) -> bool:
        """A whole frame is already read (``next`` returns it without waiting)."""
        return len(self.buf) >= 4 and len(self.buf) >= 4 + FRAME.unpack_from(self.buf)[0]

    def next(self, timeout: float | None = None) -> bytes | None:
        """The next frame; None when ``timeout`` seconds pass without one; EOFError when
        the crawl's end is closed."""
        buf = self.buf
        while True:
            if len(buf) >= 4:
                (n,) = FRAME.unpack_from(buf)
                if len(buf) >= 4 + n:
                    payload = bytes(buf[4:4 + n])
                    del buf[:4 + n]
                    return payload
            if timeout is not None and not select.select([self.sock], [], [], timeout)[0]:
                return None
            try:
                data = self.sock.recv(1 << 20)
            except OSError:
                data = b""
            if not data:
                raise EOFError
            buf += data


def send_frame(sock: socket.socket, data: bytes) -> None:
    """One frame from the helper's blocking end."""
    sock.sendall(FRAME.pack(len(data)) + data)
