"""The store writer: the crawl's SQLite writes in a process of their own.

Cleaning every stored string, building the rows, ``INSERT … ON CONFLICT`` and committing
were about a fifth of the crawl process's time per page, on Scrapy's one thread.  With
``MERCHINTEL_STORE_WRITER`` (``auto``: on when the machine has 2+ cores) the pipeline
pickles each item to this process instead, which runs the same ``Store``
(crawler/store.py) on the same database, in the order the items came.

* Started with ``python -m crawler.store_writer FD``: a fresh interpreter that inherits only
  its end of the socket pair (no fork of the crawl, none of its other descriptors).
* It acknowledges after each commit (every ``MERCHINTEL_COMMIT_EVERY`` rows or every
  second).  The crawl keeps what was not yet acknowledged; if the writer dies, the crawl
  logs it, stores those items itself and goes on storing in-process — nothing sent is lost.
* An item it cannot store is reported back (the crawl logs it and counts
  ``merchintel/store_errors``) and the writer goes on, as the in-process pipeline does.
* It ignores Ctrl-C (the crawl finishes what is in flight, then says ``close``); it
  commits and exits when the crawl says ``close`` or its socket closes (the crawl is gone).
* The items are the crawl's own dataclasses; no body is in them (crawler/items.py).
"""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable

if __name__ == "__main__":
    # The writer process stores the crawl's items, which hold no numpy values: sqlite-utils
    # imports numpy only to convert such values, and that import was about 0.2 s of CPU at
    # the start of every crawl, on the cores the crawl starts on.
    sys.modules.setdefault("numpy", None)  # type: ignore[assignment]

from crawler import schema
from crawler.channel import FramedChannel, FrameReader, helper_setting, lower_priority, send_frame
from crawler.store import Store

CLOSE = "close"
# Items sent and not yet acknowledged above which the pipeline waits (a slow disk must
# not grow the crawl's memory without bound); it goes on below half of it.
MAX_UNACKED = 4000
MAX_UNSENT_BYTES = 32 << 20
# When it has stored everything that came, the writer waits this long before it looks
# again: the items of several pages then come in one read and are stored in one burst, with
# warm caches, instead of one wake-up (and one preemption on a busy machine) per item.
LINGER = 0.02


def store_writers(value: Any) -> int:
    """MERCHINTEL_STORE_WRITER: ``auto`` (1 when the machine has 2+ cores, else 0), 0/1, off/on."""
    return helper_setting(value)


def describe(item: Any) -> str:
    """An item named for a log line: its type and URL or domain."""
    where = getattr(item, "url", None) or getattr(item, "domain", None) or ""
    return f"{type(item).__name__} {where}".strip()


class StoreWriter(FramedChannel):
    """The crawl's end of the store writer process."""

    def __init__(self, sock: socket.socket, proc: subprocess.Popen, loop: Any, *,
                 on_error: Callable[[str, str], None], on_lost: Callable[[list[bytes]], None]):
        super().__init__(sock)
        self.proc = proc
        self.seq = 0
        self.unacked: deque[tuple[int, bytes]] = deque()
        self.closed: asyncio.Future = loop.create_future()
        self.room: asyncio.Future | None = None
        self._on_error, self._on_lost = on_error, on_lost
        self.attach(loop)

    @classmethod
    def start(cls, path: str, run_id: str | None, case_name: str, commit_every: int, *,
              on_error: Callable[[str, str], None], on_lost: Callable[[list[bytes]], None]) -> StoreWriter:
        """Start the writer on ``path``; raises OSError when it cannot be started."""
        loop = asyncio.get_running_loop()
        parent_sock, child_sock = socket.socketpair()
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        try:
            proc = subprocess.Popen([sys.executable, "-m", "crawler.store_writer", str(child_sock.fileno())],
                                    pass_fds=(child_sock.fileno(),), env=env, stdin=subprocess.DEVNULL)
        finally:
            child_sock.close()
        parent_sock.setblocking(False)
        writer = cls(parent_sock, proc, loop, on_error=on_error, on_lost=on_lost)
        writer.send(pickle.dumps(("open", str(path), run_id, case_name, commit_every), protocol=pickle.HIGHEST_PROTOCOL))
        return writer

    def put(self, item: Any) -> None:
        data = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        self.seq += 1
        self.unacked.append((self.seq, data))
        self.send(data)

    def full(self) -> bool:
        return len(self.unacked) >= MAX_UNACKED or self.pending_bytes() >= MAX_UNSENT_BYTES

    async def wait_for_room(self) -> None:
        while self.full() and not self.gone:
            if self.room is None or self.room.done():
                self.room = asyncio.get_running_loop().create_future()
            await self.room

    def close(self) -> asyncio.Future:
        """Ask the writer to commit and exit; the future is done when it has (or is gone)."""
        if not self.gone:
            self.send(pickle.dumps(CLOSE, protocol=pickle.HIGHEST_PROTOCOL))
        return self.closed

    def on_frame(self, payload: bytes) -> None:
        msg = pickle.loads(payload)
        if msg[0] == "ack":
            done = msg[1]
            while self.unacked and self.unacked[0][0] <= done:
                self.unacked.popleft()
            if self.room is not None and not self.room.done() and len(self.unacked) < MAX_UNACKED // 2:
                self.room.set_result(None)
        elif msg[0] == "error":
            self._on_error(msg[1], msg[2])
        elif msg[0] == "closed":
            self.unacked.clear()
            self.detach()
            self._reap()
            if not self.closed.done():
                self.closed.set_result(None)

    def on_lost(self) -> None:
        """The writer is gone before it said ``closed``: what it did not acknowledge goes
        back to the pipeline, which stores it in the crawl process."""
        self._reap()
        left = [data for _, data in self.unacked]
        self.unacked.clear()
        try:
            self._on_lost(left)
        finally:
            if self.room is not None and not self.room.done():
                self.room.set_result(None)
            if not self.closed.done():
                self.closed.set_result(None)

    def _reap(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def main(fd: int) -> int:
    """The writer process: items from the socket into the store, in order."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the crawl's to handle
    lower_priority()
    sock = socket.socket(fileno=fd)
    sock.setblocking(True)
    reader = FrameReader(sock)
    try:
        first = reader.next()
    except EOFError:
        return 0
    _, path, run_id, case_name, commit_every = pickle.loads(first)
    db = schema.open_db(path)
    store = Store(db, run_id=run_id, case_name=case_name, commit_every=commit_every)
    seq = acked = 0

    def reply(*msg: Any) -> None:
        send_frame(sock, pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL))

    try:
        while True:
            if not reader.has_frame():
                time.sleep(LINGER)
            try:
                payload = reader.next(timeout=1.0 if seq > acked else None)
            except EOFError:   # the crawl is gone: keep what came
                store.commit()
                return 0
            if payload is None:    # a quiet second: commit what waits
                store.commit()
                reply("ack", seq)
                acked = seq
                continue
            item = pickle.loads(payload)
            if isinstance(item, str) and item == CLOSE:
                store.commit()
                reply("closed", seq)
                return 0
            seq += 1
            try:
                store.store_item(item)
            except Exception as exc:   # one bad item must not stop the store
                reply("error", describe(item), f"{type(exc).__name__}: {exc}"[:500])
            if store.maybe_commit():
                reply("ack", seq)
                acked = seq
    except OSError:   # the crawl's end is gone mid-answer
        store.commit()
        return 0
    finally:
        db.conn.close()


if __name__ == "__main__":
    code = main(int(sys.argv[1]))
    # Everything is committed and the database closed; the crawl waits for this process to
    # end, so it skips the interpreter's teardown (module cleanup: tens of milliseconds).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
