"""Rendering pages built by JavaScript (``--render``): a real crawl process, real Scrapy,
real sockets and DNS, Debian's chromium driven by Playwright, over the fixture web
tests/webs/render (a shop whose identifiers exist only once its scripts ran, whose
scripts ask for media and for private addresses, and a page that hangs).

One crawl with ``--render auto`` serves most assertions; one with ``--render never`` shows
what the static crawl alone misses.  Needs Debian's chromium: without it these tests skip,
except under CI (env CI set), where a missing browser is a failure.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from crawler.distributed import QueueKeys, encode_job, site_jobs
from crawler.inputs import Report
from crawler.render import TextBrowser, decide
from fakeweb import FakeWeb
from tests.conftest import cli_env, run_cli
from tests.test_canaries import scan
from tests.test_distributed import REDIS_URL, _redis_or_skip
from tests.test_export_html import browser as chromium   # skips, or fails under CI, without it

pytestmark = pytest.mark.browser
WEB = Path(__file__).resolve().parent / "webs" / "render"


@pytest.fixture(scope="module")
def web():
    with FakeWeb(WEB, extra_servers=False) as w:
        yield w


def _crawl(web, tmp, *args):
    reports = web.render_reports(tmp / "reports.csv")
    env = cli_env(tmp, MERCHINTEL_NAMESERVERS=web.env["MERCHINTEL_NAMESERVERS"],
                  MERCHINTEL_SSRF_ALLOW="127.0.0.2/32",       # the shop only: the SSRF guard stays on
                  MERCHINTEL_RENDER_SECONDS="6", MERCHINTEL_CHROMIUM=chromium(), MERCHINTEL_RENDER="auto")
    web.reset_logs()
    r = run_cli(["crawl", str(reports), "--db", str(tmp / "m.sqlite"), "--no-enrich", "--format", "json", "-vv",
                 *args], env=env, cwd=tmp)
    db = sqlite3.connect(tmp / "m.sqlite")
    db.row_factory = sqlite3.Row
    return {"proc": r, "db": db, "tmp": tmp, "log": list(web.http_log), "media_hits": web.media_hits,
            "media_requests": web.media_requests}


@pytest.fixture(scope="module")
def crawl(web, tmp_path_factory):
    c = _crawl(web, tmp_path_factory.mktemp("render"))
    yield c
    c["db"].close()


@pytest.fixture(scope="module")
def static_crawl(web, tmp_path_factory):
    c = _crawl(web, tmp_path_factory.mktemp("norender"), "--render", "never")
    yield c
    c["db"].close()


def q(c, sql, *params):
    return [dict(r) for r in c["db"].execute(sql, params).fetchall()]


def url(web, path):
    return web.url("jsshop-r.com", path)


AFTER_SCRIPT = [   # (kind, value, where it is built, origin)
    ("btc_address", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "/", "rendered"),      # string pieces
    ("email", "cashier@jsshop-r.com", "/", "rendered"),                                 # atob
    ("telegram", "jsshop_pay", "/", "rendered"),                                        # char codes
    ("eth_address", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "/api/checkout.json", "fetched"),  # JSON
    ("phone", "+442079460958", "/", "rendered"),                                        # template over data
    ("iban", "GB82WEST12345698765432", "/", "rendered"),                                # setTimeout
    ("btc_address", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "/pay.html", "rendered"),    # checkout page
]


def test_crawl_exits_zero(crawl):
    r = crawl["proc"]
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("kind, value, path, origin", AFTER_SCRIPT)
def test_identifiers_built_by_script_are_found_with_their_origin(crawl, static_crawl, web, kind, value, path,
                                                                   origin):
    rows = q(crawl, "SELECT * FROM observations WHERE kind = ? AND value = ?", kind, value)
    assert [(r["page_url"], r["origin"], r["source"]) for r in rows] == [(url(web, path), origin, "page")]
    # and the static crawl alone does not see it
    assert not q(static_crawl, "SELECT * FROM observations WHERE kind = ? AND value = ?", kind, value)


def test_static_observations_say_static(crawl, web):
    (row,) = q(crawl, "SELECT * FROM observations WHERE value = 'info@jsshop-r.com'")
    assert row["origin"] == "static" and row["page_url"] == url(web, "/about.html")


def test_every_decision_is_recorded_with_its_reason(crawl, web):
    rows = {r["url"]: r for r in q(crawl, "SELECT * FROM renders")}
    assert rows[url(web, "/")]["decision"] == "rendered"
    assert rows[url(web, "/")]["reason"].startswith("app_shell") and "#root" in rows[url(web, "/")]["reason"]
    assert rows[url(web, "/")]["identifiers"] == 6 and rows[url(web, "/")]["requests"] >= 2
    assert rows[url(web, "/")]["aborted"] >= 6            # media asked for by script, SSRF targets
    assert rows[url(web, "/pay.html")]["reason"].startswith("checkout_without_identifier")
    assert (rows[url(web, "/about.html")]["decision"], rows[url(web, "/about.html")]["reason"][:13]) == \
        ("skipped", "static_enough")
    assert rows[url(web, "/hang.html")]["decision"] == "failed"
    assert {r["mode"] for r in rows.values()} == {"auto"}


def test_never_records_no_rendering(static_crawl):
    assert static_crawl["proc"].returncode == 0
    assert q(static_crawl, "SELECT * FROM renders") == []


def test_a_hung_page_costs_that_page_only(crawl, web):
    (err,) = q(crawl, "SELECT * FROM errors WHERE url = ?", url(web, "/hang.html"))
    assert err["stage"] == "render" and err["kind"] == "render_timeout"
    (site,) = q(crawl, "SELECT * FROM sites")
    assert site["last_status"] == "ok"
    assert {r["url"] for r in q(crawl, "SELECT url FROM pages")} >= {url(web, p) for p in
                                                                      ("/", "/pay.html", "/about.html", "/hang.html")}


def test_media_asked_for_by_script_never_reaches_the_server(crawl):
    paths = [e["path"] for e in crawl["log"]]
    assert paths and not [p for p in paths if p.startswith("/media/") or p.endswith(".css")], paths
    assert crawl["media_hits"] == 0 and crawl["media_requests"] == 0


def test_ssrf_from_script_is_refused_and_reported(crawl, web):
    port = web.http_port
    refused = {r["url"]: r for r in q(crawl, "SELECT * FROM errors WHERE kind = 'ssrf'")}
    assert set(refused) == {f"http://127.0.0.1:{port}/secret-literal", "http://169.254.169.254/latest/meta-data/",
                            f"http://internal.jsshop-r.com:{port}/secret-name"}
    assert "loopback" in refused[f"http://internal.jsshop-r.com:{port}/secret-name"]["reason"]
    assert not [e for e in crawl["log"] if "secret" in e["path"] or "meta-data" in e["path"]]


def test_the_browser_only_fetched_what_the_downloader_served(crawl):
    """Every request the server saw is one the crawl's downloader made: same User-Agent, same site."""
    assert {e["host"] for e in crawl["log"]} == {"jsshop-r.com"}
    assert len({e["user_agent"] for e in crawl["log"]}) == 1
    assert "HeadlessChrome" not in crawl["log"][0]["user_agent"]


def test_no_canary_and_no_browser_profile_left(crawl):
    tmp = crawl["tmp"]
    r = crawl["proc"]
    assert scan([tmp], {"stdout": r.stdout, "stderr": r.stderr}) == []
    assert not [p for p in (tmp / "tmp").iterdir() if "playwright" in p.name or "chrom" in p.name.lower()]


def test_a_request_that_escapes_the_routing_goes_nowhere(web):
    """The belt under the routing: a page with no route at all still cannot reach the web."""
    async def unrouted() -> str:
        browser = TextBrowser(chromium())
        try:
            b = await browser._ensure()
            ctx = await b.new_context()
            page = await ctx.new_page()
            try:
                await page.goto(url(web, "/about.html"), timeout=5000)
                return "reached"
            except Exception as exc:   # the dead-end proxy refuses the connection
                return str(exc)
        finally:
            await browser.close()
    web.reset_logs()
    outcome = asyncio.run(unrouted())
    assert outcome != "reached" and "ERR_PROXY_CONNECTION_FAILED" in outcome
    assert web.http_log == []


def _renderers(tmp: str | None) -> list[int]:
    """The page renderer processes of the chromium started with TMPDIR ``tmp`` (each
    TextBrowser has its own): descendants of that browser process (the zygote clears the
    environment of its children, so ancestry tells them apart from other tests' browsers)."""
    procs: dict[int, tuple[int, bytes]] = {}
    roots = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes()
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if b"--type=" not in cmd and b"chromium" in cmd and \
                    f"TMPDIR={tmp}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                roots.append(int(proc.name))
        except (OSError, ValueError, IndexError):
            continue
        procs[int(proc.name)] = (ppid, cmd)
    ours, todo = set(), list(roots)
    while todo:
        pid = todo.pop()
        ours.add(pid)
        todo += [child for child, (ppid, _) in procs.items() if ppid == pid and child not in ours]
    return [pid for pid in ours if b"--type=renderer" in procs.get(pid, (0, b""))[1]
            and b"--top-chrome-webui" not in procs[pid][1]]


def test_a_renderer_that_dies_is_render_crash_and_the_next_page_renders():
    """A page's renderer killed mid-render (as the OOM killer would) gives up that page as
    ``render_crash``; the browser renders the next page."""
    import os
    import signal

    from crawler.render import FetchRefused, RenderFailed

    async def fetch(url, method, headers, body):
        raise FetchRefused("fetch", "test", "no fetches in this test")

    async def go():
        browser = TextBrowser(chromium())
        try:
            hung = "<p>x</p><script>setTimeout(() => { for (;;) {} }, 100)</script>"
            task = asyncio.ensure_future(browser.render("http://crash.test/", hung, "text/html", "crash.test", fetch,
                                                        seconds=30, max_requests=5))
            pids: list[int] = []
            for _ in range(300):
                await asyncio.sleep(0.05)
                pids = _renderers(browser._tmp)
                if pids:
                    break
            assert pids, "no renderer appeared"
            await asyncio.sleep(1.0)   # past load: the script's loop holds the renderer
            assert not task.done()
            # every page renderer of this browser, looked for again until the page is given
            # up: chromium keeps a spare renderer, and the page's own may start after it
            for _ in range(10):
                for pid in _renderers(browser._tmp):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                await asyncio.wait({task}, timeout=2)
                if task.done():
                    break
            assert task.done(), "killing the renderers did not end the rendering"
            with pytest.raises(RenderFailed) as failed:
                task.result()
            ok = await asyncio.wait_for(browser.render("http://crash.test/next.html", "<p id=t>next page</p>",
                                                       "text/html", "crash.test", fetch, seconds=20,
                                                       max_requests=5), 60)
            return failed.value, ok
        finally:
            await browser.close()

    failure, ok = asyncio.run(go())
    assert failure.kind == "render_crash" and "renderer crashed" in failure.reason, (failure.kind, failure.reason)
    assert "next page" in ok.dom


@pytest.mark.parametrize("mode, path, html, text, idents, render, reason", [
    ("never", "/", "<div id=root></div><script>build()</script>", "", 0, False, "mode_never"),
    ("always", "/", "<p>x</p>", "x " * 900, 3, True, "mode_always"),
    ("auto", "/", "<p>hello</p>", "", 0, False, "no_script"),
    ("auto", "/", "<script src=https://www.googletagmanager.com/gtag/js></script><script>gtag('js')</script>",
     "", 0, False, "no_script"),                                         # analytics only
    ("auto", "/", "<script type=application/json>{}</script>", "", 0, False, "no_script"),
    ("auto", "/", "<script src=//cdn.shop.se/app.js></script>", "", 0, True, "app_shell"),   # same site
    ("auto", "/", "<div id='app'></div><script src=a.js></script>", "Loading", 0, True, "app_shell"),
    ("auto", "/", "<main id=__next></main><script>build()</script>", "t" * 900, 2, True, "app_shell"),
    ("auto", "/", "<p>text</p><script>build()</script>", "t" * 900, 0, False, "static_enough"),
    ("auto", "/kontakt", "<p>text</p><script>build()</script>", "t" * 900, 0, True, "checkout_without_identifier"),
    ("auto", "/checkout", "<p>text</p><script>build()</script>", "t" * 900, 1, False, "static_enough"),
    ("auto", "/", "<p>text</p><script>build()</script>", "Payment " + "t" * 900, 0, True, "checkout_without_identifier"),
])
def test_decide(mode, path, html, text, idents, render, reason):
    got = decide(mode, "http://shop.se" + path, html, text, idents)
    assert got[0] is render and got[1].split(":")[0] == reason


@pytest.mark.redis
def test_the_redis_worker_renders_too(web, tmp_path):
    """The worker's spider shares the hook: one site job, ``worker --render auto``."""
    server = _redis_or_skip()
    queue = f"mi-render-{tmp_path.name[-8:]}"
    try:
        # the payment page links nowhere: one page, rendered (no hung page to wait for)
        job = site_jobs([Report(url(web, "/pay.html"), 1, report_id="R-W")], case="c", input_name="t")[0]
        server.lpush(QueueKeys(queue).sites, encode_job(job))
        env = cli_env(tmp_path, MERCHINTEL_NAMESERVERS=web.env["MERCHINTEL_NAMESERVERS"],
                      MERCHINTEL_SSRF_ALLOW="127.0.0.2/32", MERCHINTEL_RENDER_SECONDS="6",
                      MERCHINTEL_CHROMIUM=chromium())
        web.reset_logs()
        r = run_cli(["worker", "--queue", queue, "--db", str(tmp_path / "w.sqlite"), "--redis-url", REDIS_URL,
                     "--idle-exit", "1", "--render", "auto"], env=env, cwd=tmp_path, timeout=120)
        assert r.returncode == 0, r.stderr[-2000:]
    finally:
        keys = list(server.scan_iter(match=f"{queue}:*"))
        if keys:
            server.delete(*keys)
    db = sqlite3.connect(tmp_path / "w.sqlite")
    # page observations only: the capture's pivots (certificate, headers) have no origin in the page
    origins = dict(db.execute("SELECT value, origin FROM observations WHERE source != 'capture'").fetchall())
    renders = db.execute("SELECT url, decision, reason FROM renders").fetchall()
    assert origins == {"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy": "rendered"}, (origins, renders)
    assert [(u, d) for u, d, _ in renders] == [(url(web, "/pay.html"), "rendered")]
    db.close()
