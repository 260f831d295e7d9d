"""The store writer (crawler/store_writer.py): the crawl's rows written in a process of their
own — the same rows as in-process, nothing lost when it dies, errors reported, no orphan."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from scrapy.settings import Settings

from crawler import schema
from crawler.items import FetchErrorItem, PageItem, SiteDoneItem
from crawler.pipelines import StorePipeline
from crawler.store_writer import StoreWriter, store_writers
from tests.crawl_modes import kill_parent_and_wait_for_helper, sample_crawls

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("value,want", [("auto", 1 if (os.cpu_count() or 1) >= 2 else 0), (None, store_writers("auto")),
                                        ("0", 0), (0, 0), (1, 1), ("1", 1), (3, 1), ("off", 0), ("on", 1)])
def test_writer_setting(value, want):
    assert store_writers(value) == want


def _page(i: int, **kw) -> PageItem:
    fields = {"url": f"http://shop{i % 3}.se/p{i}.html", "domain": f"shop{i % 3}.se", "site": f"shop{i % 3}.se",
              "final_url": f"http://shop{i % 3}.se/p{i}.html", "status": 200, "text": f"page {i}", **kw}
    return PageItem(**fields)


class _Crawler:
    def __init__(self, db: Path, writer: int):
        self.settings = Settings({"MERCHINTEL_DB": str(db), "MERCHINTEL_RUN_ID": "run-1", "MERCHINTEL_CASE": "c",
                                  "MERCHINTEL_STORE_WRITER": writer})
        self.stats = None


def _rows(db: Path) -> dict[str, list]:
    c = sqlite3.connect(db)
    try:
        return {"pages": sorted(c.execute("SELECT url, domain, status, text, run_id, case_name FROM pages")),
                "errors": sorted(c.execute("SELECT url, kind, reason FROM errors")),
                "sites": sorted(c.execute("SELECT domain, last_status FROM sites"))}
    finally:
        c.close()


def _items(n: int) -> list:
    out: list = [_page(i) for i in range(n)]
    out.append(FetchErrorItem(url="http://gone.se/", domain="gone.se", site="gone.se", stage="fetch",
                              kind="nxdomain", reason="no such name"))
    out += [SiteDoneItem(domain=f"shop{i}.se", status="ok", hostnames=[f"shop{i}.se"]) for i in range(3)]
    return out


def _run_pipeline(db: Path, writer: int, items: list, *, kill_after: int | None = None) -> StorePipeline:
    pipe = StorePipeline(_Crawler(db, writer))
    lost = pipe._writer_lost
    pipe.fell_back = False

    def writer_lost(unacked: list) -> None:   # the writer died: the crawl stores in-process
        pipe.fell_back = True
        lost(unacked)
    pipe._writer_lost = writer_lost

    async def run() -> None:
        pipe.open_spider()
        assert (pipe.writer is not None) == bool(writer)
        for n, item in enumerate(items):
            if n == kill_after:
                os.kill(pipe.writer.proc.pid, signal.SIGKILL)
                deadline = time.monotonic() + 10
                while pipe.writer is not None and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)   # the pipeline notices on the event loop
                assert pipe.writer is None, "the pipeline did not notice its writer died"
            out = pipe.process_item(item)
            if asyncio.iscoroutine(out):
                pipe.waited = getattr(pipe, "waited", 0) + 1
                await out
        await pipe.close_spider()
    asyncio.run(run())
    return pipe


def test_the_writer_stores_what_the_crawl_process_would(tmp_path):
    items = _items(300)
    _run_pipeline(tmp_path / "in.sqlite", 0, _items(300))
    assert not _run_pipeline(tmp_path / "out.sqlite", 1, items).fell_back, "the writer died; the crawl stored"
    want, got = _rows(tmp_path / "in.sqlite"), _rows(tmp_path / "out.sqlite")
    assert len(want["pages"]) == 300 and want["errors"] and len(want["sites"]) == 3
    assert got == want
    # the item goes on through Scrapy without its text (as in-process)
    assert all(i.text == "" for i in items if isinstance(i, PageItem))


def test_a_writer_that_falls_behind_holds_the_crawl_back(tmp_path, monkeypatch):
    """More items unacknowledged than the bound and process_item waits for a commit."""
    from crawler import store_writer
    monkeypatch.setattr(store_writer, "MAX_UNACKED", 5)
    _run_pipeline(tmp_path / "in.sqlite", 0, _items(20))
    pipe = _run_pipeline(tmp_path / "slow.sqlite", 1, _items(20))
    assert getattr(pipe, "waited", 0) >= 1
    assert _rows(tmp_path / "slow.sqlite") == _rows(tmp_path / "in.sqlite")


def test_a_killed_writer_loses_nothing(tmp_path, caplog):
    """SIGKILL mid-crawl: what it had not committed is stored by the crawl process, and so
    is everything after."""
    import logging
    caplog.set_level(logging.WARNING, logger="crawler.pipelines")
    _run_pipeline(tmp_path / "in.sqlite", 0, _items(400))
    _run_pipeline(tmp_path / "killed.sqlite", 1, _items(400), kill_after=250)
    assert _rows(tmp_path / "killed.sqlite") == _rows(tmp_path / "in.sqlite")
    assert any("store writer stopped" in r.getMessage() for r in caplog.records)


def test_an_item_the_writer_cannot_store_is_reported_and_the_rest_stored(tmp_path):
    db = tmp_path / "e.sqlite"
    schema.open_db(db).conn.close()
    errors: list[tuple[str, str]] = []
    lost: list[list[bytes]] = []

    async def run() -> None:
        w = StoreWriter.start(str(db), "run-1", "c", 200, on_error=lambda what, why: errors.append((what, why)),
                              on_lost=lost.append)
        w.put(_page(1))
        w.put(_page(2, status={"no"}))        # sqlite cannot bind a set: an error, not the end
        w.put(_page(3))
        await w.close()
        assert w.proc.returncode == 0
    asyncio.run(run())
    assert not lost
    assert [u for (u, *_) in _rows(db)["pages"]] == ["http://shop0.se/p3.html", "http://shop1.se/p1.html"]
    assert len(errors) == 1 and errors[0][0] == "PageItem http://shop2.se/p2.html" and "Error" in errors[0][1]


def test_the_writer_commits_and_leaves_when_its_crawl_is_killed(tmp_path):
    """A crawl killed with SIGKILL leaves no writer behind, and what it had sent is stored."""
    db, pidfile = tmp_path / "k.sqlite", tmp_path / "pid"
    code = (f"import asyncio, sys, time; sys.path.insert(0, {str(ROOT)!r})\n"
            "from tests.test_store_writer import _Crawler, _page\n"
            "from crawler.pipelines import StorePipeline\n"
            f"pipe = StorePipeline(_Crawler({str(db)!r}, 1))\n"
            "async def run():\n"
            "    pipe.open_spider()\n"
            "    for i in range(50): pipe.process_item(_page(i))\n"
            "    await asyncio.sleep(0.5)\n"
            f"    open({str(pidfile)!r}, 'w').write(str(pipe.writer.proc.pid))\n"
            "    await asyncio.sleep(60)\n"
            "asyncio.run(run())\n")
    kill_parent_and_wait_for_helper(code, pidfile, "store writer", cwd=ROOT)
    assert len(_rows(db)["pages"]) == 50


def test_the_sample_web_crawl_is_the_same_with_and_without_the_writer(tmp_path):
    """Every stored page, observation, capture, site and error of a real crawl."""
    got = sample_crawls(tmp_path, "MERCHINTEL_STORE_WRITER", ("0", "1"), {
        # not redirect_chain: which page reaches another first depends on timing
        "pages": "SELECT url, final_url, status, title, linked_domains, text, sha256 FROM pages",
        "observations": "SELECT kind, value, domain, raw, context, flags FROM observations",
        # distinct: a page reached twice in a run (a link and a redirect racing) is captured
        # twice, in either mode, depending on timing
        "captures": "SELECT DISTINCT url, final_url, status, body_sha256, text_sha256, header_fp FROM captures",
        "sites": "SELECT domain, last_status, final_domain, hostnames FROM sites",
        "errors": "SELECT url, stage, kind, reason FROM errors",
    })
    assert got[0]["pages"] and got[0]["observations"] and got[0]["captures"]
    for table in got[0]:
        assert got[0][table] == got[1][table], table


def test_the_frame_reader_says_when_a_whole_frame_waits():
    """The writer lingers only when no whole frame is read yet (crawler/channel.py)."""
    import socket

    from crawler.channel import FRAME, FrameReader, send_frame
    a, b = socket.socketpair()
    try:
        reader = FrameReader(b)
        assert not reader.has_frame()
        a.sendall(FRAME.pack(5) + b"ab")
        reader.buf += b.recv(100)
        assert not reader.has_frame()           # a frame's head and part of its body
        a.sendall(b"cde")
        send_frame(a, b"next")
        assert reader.next() == b"abcde"
        assert reader.next() == b"next" and not reader.has_frame()
        send_frame(a, b"x")
        reader.buf += b.recv(100)
        assert reader.has_frame() and reader.next() == b"x"
    finally:
        a.close()
        b.close()
