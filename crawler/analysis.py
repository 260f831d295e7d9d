"""Page analysis: extractors, page meta, links, visible text and the parked verdict of one
decoded page — in a forked worker process when the machine has a second core.

``analyze_page`` is pure and picklable both ways; ``AnalysisWorker`` runs it in one forked
process over a socket pair (pickle, length-prefixed frames).  Bodies never reach the worker,
only decoded text, and it keeps nothing.
"""

from __future__ import annotations

import asyncio
import heapq
import multiprocessing
import os
import pickle
import signal
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from crawler import never_media
from crawler.capture import StoredText, stored_text
from crawler.channel import FramedChannel, FrameReader, helper_setting, lower_priority, send_frame
from crawler.domains import registered_domain
from crawler.extractors import extract_all, extract_meta
from crawler.extractors.links import link_bonus, page_links
from crawler.extractors.model import Page, strip_data_uris
from crawler.extractors.notices import parked_reason


# ---- page analysis (in a worker process when the machine has a second core) --------------
@dataclass
class PageAnalysis:
    """What the spider needs from a page's text; never the body itself."""
    identifiers: list[Any]
    page_meta: dict[str, Any]
    links: list[tuple[str, str, int]]   # (url, registered domain, rank bonus); media-looking URLs left out
    scripts: list[tuple[str, str]]
    refresh: str | None
    js_targets: list[str]
    linked_domains: set[str]
    text: str                                # visible text, data: URIs stripped, capped
    parked: str | None
    failed: list[str] = field(default_factory=list)   # "extractors (TypeError)": logged by the spider
    stored: StoredText | None = None         # the evidence capture's text-only HTML (want_capture)



def analyze_page(text: str, url: str, kind: str, default_region: str | None, text_cap: int,
                 want_parked: bool, max_links: int = 0, want_capture: bool = False) -> PageAnalysis:
    """Extractors, page meta, links, visible text and parked verdict of one decoded page.

    Pure and picklable both ways, so it runs the same in the crawl process or in the
    analysis worker.  ``kind`` is ``html``, ``text``, ``js`` or ``json``.  ``max_links``
    (0: all): only that many links are returned, the best ranked first-come.  ``want_capture``:
    the page's text-only HTML for its evidence capture is made too (``crawler.capture``).
    """
    page = Page(text, url=url, content_type=kind, default_region=default_region)
    failed: list[str] = []
    try:
        identifiers = extract_all(page)
    except Exception as exc:  # an extractor bug must not lose the page
        failed.append(f"extractors ({type(exc).__name__})")
        identifiers = []
    page_meta: dict[str, Any] = {}
    if kind == "html":
        try:
            page_meta = dict(extract_meta(page) or {})
        except Exception as exc:
            failed.append(f"page meta ({type(exc).__name__})")
    links: list[tuple[str, str, int]] = []
    scripts: list[tuple[str, str]] = []
    refresh: str | None = None
    linked: set[str] = set()
    js: list[str] = []
    if kind == "html" and page.tree is not None:
        raw_links, scripts, refresh, linked = page_links(page, url, js=js)
        # Ranked and screened here (in the worker when there is one), so the crawl process
        # only compares domains: never-media layer a drops media-looking URLs before any
        # request object exists; the anchor's text is read only when the URL does not rank it.
        own = registered_domain(url)   # only same-site links are followed; ranked once here
        ranked = ((u, d, link_bonus(parts, anchor)) for u, d, parts, anchor in raw_links
                  if d == own and not never_media.media_url_reason(u))
        links = heapq.nlargest(max_links, ranked, key=lambda link: link[2]) if max_links else list(ranked)
    if page_meta.get("linked_domains"):
        linked.update(page_meta["linked_domains"])
    visible = page.visible_text if kind in ("html", "text") else ""   # scripts: not visible text
    parked = _parked_reason(f"{page_meta.get('title') or ''} {visible[:5000]}") if want_parked else None
    stored = stored_text(text) if want_capture else None
    return PageAnalysis(identifiers, page_meta, links, scripts, refresh, js, linked,
                        _cap(strip_data_uris(visible), text_cap), parked, failed, stored)



def analysis_workers(value: Any) -> int:
    """MERCHINTEL_ANALYSIS_WORKERS: ``auto`` (1 when the machine has 2+ cores, else 0), 0 or 1."""
    return helper_setting(value)



def _run_now(coro: Any) -> Any:
    """The result of a coroutine that never suspends (page analysis without a worker)."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("page analysis suspended without an analysis worker")



class WorkerGone(Exception):
    """The analysis worker process is gone; pages are analysed in the crawl process."""



class AnalysisWorker(FramedChannel):
    """One forked process running ``analyze_page`` for the crawl, over a socket pair.

    Scrapy's reactor is single-threaded; extraction, lxml parsing and link resolution are
    most of merchintel's own work per page, so on a second core they overlap with the
    downloads.  The crawl's end is a ``FramedChannel`` (no thread, no blocking); answers
    come back in order.  Bodies never reach the worker — only the decoded text — and it
    keeps nothing.
    """

    def __init__(self, sock: socket.socket, proc: Any):
        super().__init__(sock)
        self.proc = proc
        self.waiting: deque[asyncio.Future] = deque()

    @classmethod
    def start(cls, logger: Any = None) -> AnalysisWorker | None:
        """Fork the worker now (before the reactor runs: no other thread exists to be
        forked); None when it cannot start."""
        try:
            parent_sock, child_sock = socket.socketpair()
            proc = multiprocessing.get_context("fork").Process(
                target=_analysis_worker_main, args=(child_sock, parent_sock, os.getpid()), name="merchintel-analysis",
                daemon=True)
            proc.start()
            child_sock.close()
            parent_sock.setblocking(False)
            return cls(parent_sock, proc)
        except Exception as exc:   # no fork on this platform, no memory…: analyse in-process
            if logger is not None:
                logger.warning("page analysis worker not started (%s); analysing pages in the crawl process",
                               type(exc).__name__)
            return None

    async def analyze(self, args: tuple) -> PageAnalysis:
        if self.gone:
            raise WorkerGone()
        loop = asyncio.get_running_loop()
        self.attach(loop)
        fut = loop.create_future()
        self.waiting.append(fut)
        self.send(pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL))
        kind, value = await fut
        if kind == "error":
            raise RuntimeError(f"page analysis failed: {value}")
        return value

    def on_frame(self, payload: bytes) -> None:
        answer = pickle.loads(payload)
        fut = self.waiting.popleft()
        if not fut.done():
            fut.set_result(answer)

    def on_lost(self) -> None:
        while self.waiting:
            fut = self.waiting.popleft()
            if not fut.done():
                fut.set_exception(WorkerGone())

    def close(self) -> None:
        """Stop the worker (its end of the socket sees EOF) and reap it."""
        self.detach()
        try:
            self.sock.close()
        except OSError:
            pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(timeout=5)



def _analysis_worker_main(sock: socket.socket, parent_sock: socket.socket, parent: int) -> None:
    # the crawl's end, inherited by the fork: closed, so the crawl closing it is our EOF
    parent_sock.close()
    # Ctrl-C in a terminal reaches the whole process group; it is the crawl's to handle (it
    # finishes what is in flight, which needs this worker).  The worker ends when the crawl
    # closes its socket, or by itself when the crawl process is gone (SIGKILL): no orphan.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lower_priority()
    try:
        signal.set_wakeup_fd(-1)   # the parent's event loop fd is not this process's
    except (ValueError, OSError):
        pass

    def watchdog() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watchdog, name="merchintel-parent-watch", daemon=True).start()
    sock.setblocking(True)
    reader = FrameReader(sock)
    while True:
        try:
            payload = reader.next()
        except EOFError:
            os._exit(0)
        try:
            answer: tuple[str, Any] = ("ok", analyze_page(*pickle.loads(payload)))
        except Exception as exc:
            answer = ("error", type(exc).__name__)
        try:
            send_frame(sock, pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            os._exit(0)



# ---- helpers ---------------------------------------------------------------------------
def _parked_reason(text: str) -> str | None:
    """The parked/for-sale/seized detector of crawler/extractors/notices.py."""
    try:
        return parked_reason(text)
    except Exception:
        return None



def _cap(text: str, cap: int) -> str:
    if cap <= 0:
        return ""
    data = text.encode("utf-8")
    if len(data) <= cap:
        return text
    return data[:cap].decode("utf-8", "ignore")
