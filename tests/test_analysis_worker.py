"""The page-analysis worker (crawler/analysis.py AnalysisWorker): same answers as in-process,
no orphan, a dead worker is noticed."""

from __future__ import annotations

import asyncio
import os
import signal

from pathlib import Path

import pytest

from crawler.analysis import AnalysisWorker, WorkerGone, analysis_workers, analyze_page
from tests.crawl_modes import kill_parent_and_wait_for_helper, sample_crawls

SHOP = """<!doctype html><html lang="sv"><head><title>Shop A</title>
<meta name="description" content="Köp här"><meta http-equiv="refresh" content="5; url=/next.html">
<script src="/app.js"></script><script>window.location.href = "https://shop-a.ru/";</script></head>
<body><a href="/contact.html">Kontakt</a> <a href="/p1.html">Produkt</a> <a href="http://other.se/x">x</a>
<p>Mail sales@shop-a.se, BTC 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2</p><img src="/a.jpg"></body></html>"""

ROOT = Path(__file__).resolve().parent.parent

PAGES = [
    (SHOP, "http://shop-a.se/", "html", True),
    ("<html><body><h1>This domain is for sale</h1></body></html>", "http://parked.se/", "html", True),
    ('var cfg = {"email": "ops@shop-b.com", "gtm": "GTM-ABC1234"};', "http://shop-b.com/app.js", "js", False),
    ("plain text, call +46 70 123 45 67", "http://shop-c.se/info.txt", "text", False),
    ("", "http://empty.se/", "html", True),
]


def _key(a):
    return (sorted((i.kind, i.value) for i in a.identifiers), a.page_meta, a.links, a.scripts, a.refresh,
            a.js_targets, sorted(a.linked_domains), a.text, a.parked, a.failed)


@pytest.mark.parametrize("value,want", [("auto", 1 if (os.cpu_count() or 1) >= 2 else 0), (None, analysis_workers("auto")),
                                        ("0", 0), (0, 0), (1, 1), ("1", 1), (4, 1)])
def test_worker_count(value, want):
    assert analysis_workers(value) == want


def test_worker_answers_like_in_process_and_exits_on_close():
    worker = AnalysisWorker.start()
    assert worker is not None
    try:
        async def run():
            # all in flight at once: answers come back in order, each to its own page
            return await asyncio.gather(*(worker.analyze((t, u, k, None, 20_000, p)) for t, u, k, p in PAGES))
        got = asyncio.run(run())
    finally:
        worker.close()
    want = [analyze_page(t, u, k, None, 20_000, p) for t, u, k, p in PAGES]
    assert [_key(a) for a in got] == [_key(a) for a in want]
    first = got[0]
    assert first.js_targets == ["https://shop-a.ru/"] and first.refresh == "http://shop-a.se/next.html"
    # only same-site links come back (the only ones followed); other.se is a linked domain
    assert [u.rsplit("/", 1)[1] for u, *_ in first.links] == ["contact.html", "p1.html"]
    assert "other.se" in first.linked_domains
    assert got[1].parked and not got[0].parked
    assert not worker.proc.is_alive()


def test_a_killed_worker_is_noticed():
    worker = AnalysisWorker.start()
    assert worker is not None
    try:
        os.kill(worker.proc.pid, signal.SIGKILL)
        worker.proc.join(5)

        async def run():
            return await worker.analyze(PAGES[0][:3] + (None, 100, False))
        with pytest.raises(WorkerGone):
            asyncio.run(run())
    finally:
        worker.close()


def test_the_worker_leaves_when_its_parent_is_gone(tmp_path):
    """A crawl killed with SIGKILL leaves no worker behind."""
    pidfile = tmp_path / "pid"
    code = ("import sys, time; sys.path.insert(0, %r)\n"
            "from crawler.analysis import AnalysisWorker\n"
            "w = AnalysisWorker.start(); open(%r, 'w').write(str(w.proc.pid)); time.sleep(60)\n"
            % (str(ROOT), str(pidfile)))
    kill_parent_and_wait_for_helper(code, pidfile, "analysis worker")


@pytest.mark.parametrize("steps,want", [(0, "done"), (1, RuntimeError)])
def test_run_now(steps, want):
    from crawler.analysis import _run_now

    class Suspend:
        def __await__(self):
            yield

    async def coro():
        for _ in range(steps):
            await Suspend()
        return "done"
    if want is RuntimeError:
        with pytest.raises(RuntimeError):
            _run_now(coro())
    else:
        assert _run_now(coro()) == want


def test_the_sample_web_crawl_is_the_same_with_and_without_the_worker(tmp_path):
    """Every stored page, observation, site and error of a real crawl: in-process == worker."""
    got = sample_crawls(tmp_path, "MERCHINTEL_ANALYSIS_WORKERS", ("0", "1"), {
        # not redirect_chain: whether a page is first reached by a link or by another
        # site's refresh depends on timing (which response comes back first), in both modes
        "pages": "SELECT url, final_url, status, title, meta_description, lang, canonical, og_site_name, "
                 "linked_domains, text, sha256 FROM pages",
        "observations": "SELECT kind, value, domain, page_url, raw, context, flags FROM observations",
        "sites": "SELECT domain, last_status, final_domain, hostnames FROM sites",
        "errors": "SELECT url, stage, kind, reason FROM errors",
    })
    assert got[0]["pages"] and got[0]["observations"]
    for table in got[0]:
        assert got[0][table] == got[1][table], table
