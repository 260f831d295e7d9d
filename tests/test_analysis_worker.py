"""The page-analysis worker (crawler/analysis.py AnalysisWorker): same answers as in-process,
no orphan, a dead worker is noticed."""

from __future__ import annotations

import asyncio
import os
import signal
import time

from pathlib import Path

import pytest

from crawler.analysis import AnalysisWorker, WorkerGone, analysis_workers, analyze_page

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
    import subprocess
    import sys
    pidfile = tmp_path / "pid"
    code = ("import sys, time; sys.path.insert(0, %r)\n"
            "from crawler.analysis import AnalysisWorker\n"
            "w = AnalysisWorker.start(); open(%r, 'w').write(str(w.proc.pid)); time.sleep(60)\n"
            % (str(ROOT), str(pidfile)))
    p = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 30
        while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(pidfile.read_text())
    finally:
        p.kill()
        p.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.1)
    if _alive(child):
        os.kill(child, signal.SIGKILL)
        pytest.fail("the analysis worker outlived its crawl process")


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it has exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


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


_CRAWL = """
import sys
from crawler.config import load_config
from crawler.inputs import read_input
from crawler.clock import new_run_id
from merchintel.runner import crawl_reports, prepare_run
workers, db, ns, reports = sys.argv[1:5]
cfg = load_config({"db": db, "allow_private": True, "nameservers": ns}, env={}, toml_path=None)
name, reps, _ = read_input(reports)
rid = new_run_id()
crawl_reports(cfg, prepare_run(cfg, name, reps, [], run_id=rid), run_id=rid,
              extra_settings={"MERCHINTEL_ANALYSIS_WORKERS": int(workers)})
"""


def test_the_sample_web_crawl_is_the_same_with_and_without_the_worker(tmp_path):
    """Every stored page, observation, site and error of a real crawl: in-process == worker."""
    import sqlite3
    import subprocess
    import sys

    from fakeweb import SAMPLE_WEB, FakeWeb
    from tests.conftest import cli_env

    got = []
    with FakeWeb(SAMPLE_WEB) as web:
        reports = web.render_reports(tmp_path / "r.csv", src=SAMPLE_WEB / "reports.csv")
        for workers in ("0", "1"):
            db = tmp_path / f"w{workers}.sqlite"
            subprocess.run([sys.executable, "-c", _CRAWL, workers, str(db), web.env["MERCHINTEL_NAMESERVERS"],
                            str(reports)], env=cli_env(tmp_path), check=True, capture_output=True, timeout=240)
            c = sqlite3.connect(db)
            got.append({
                # not redirect_chain: whether a page is first reached by a link or by another
                # site's refresh depends on timing (which response comes back first), in both modes
                "pages": sorted(c.execute("SELECT url, final_url, status, title, meta_description, "
                                          "lang, canonical, og_site_name, linked_domains, text, sha256 FROM pages")),
                "observations": sorted(c.execute("SELECT kind, value, domain, page_url, raw, context, flags "
                                                 "FROM observations")),
                "sites": sorted(c.execute("SELECT domain, last_status, final_domain, hostnames FROM sites")),
                "errors": sorted(c.execute("SELECT url, stage, kind, reason FROM errors")),
            })
            c.close()
    assert got[0]["pages"] and got[0]["observations"]
    for table in got[0]:
        assert got[0][table] == got[1][table], table
