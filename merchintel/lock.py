"""One run at a time per database: an advisory lock file beside it.

``run-due`` and ``watch`` hold ``<db>.lock`` while they work.  The lock is an ``flock`` on
that file, so the kernel drops it when the holder dies however it dies; the holder's pid
is written inside only to tell the next run who holds it.  A file left by a dead pid is
therefore simply taken over.

>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> with RunLock(os.path.join(d, "m.sqlite")) as lock:
...     lock.pid == os.getpid()
True
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from crawler.errors import LockHeld


def lock_path(db_path: str | Path) -> Path:
    p = Path(db_path)
    return p.with_name(p.name + ".lock")


def holder_pid(db_path: str | Path) -> int | None:
    """Pid written in the lock file, or None (no file, or unreadable)."""
    try:
        text = lock_path(db_path).read_text().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


class RunLock:
    """Exclusive, non-blocking lock for the database at ``db_path``.

    Raises LockHeld("another run holds the lock on merchintel.sqlite (pid 4121); …") when a
    live process holds it.
    """

    def __init__(self, db_path: str | Path):
        self.db_path = Path(db_path)
        self.path = lock_path(db_path)
        self.fd: int | None = None
        self.pid = os.getpid()

    def acquire(self) -> "RunLock":
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid = holder_pid(self.db_path)
            who = f"pid {pid}" if pid else "pid unknown"
            raise LockHeld(f"another run holds the lock on {self.db_path.name} ({who}); "
                           f"wait for it or pass --db.") from None
        # We hold the flock: whatever pid the file names (a dead run's) is stale; write ours.
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{self.pid}\n".encode(), 0)
        os.fsync(fd)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
