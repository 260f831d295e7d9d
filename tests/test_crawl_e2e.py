"""`merchintel crawl` end to end: a real process, real Scrapy, real sockets and DNS, over
the packaged sample web (one FakeWeb and one crawl for the module)."""

from __future__ import annotations

import hashlib
import http.client
import json
import sqlite3
import zlib
from collections import Counter
from urllib.parse import urlsplit

import pytest

from crawler.domains import registered_domain
from fakeweb import SAMPLE_WEB, FakeWeb
from tests.conftest import cli_env, run_cli

MAX_PAGES = 100


@pytest.fixture(scope="module")
def web():
    with FakeWeb(SAMPLE_WEB) as w:
        yield w


@pytest.fixture(scope="module")
def crawl(web, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    reports = web.render_reports(tmp / "reports.csv")
    # one malformed line, to check it is named and the rest goes on
    reports.write_text(reports.read_text() + "javascript:void(0),R-BAD,,,\n")
    env = cli_env(tmp, **web.env)
    web.reset_logs()
    r = run_cli(["crawl", str(reports), "--db", str(tmp / "m.sqlite"), "--max-pages", str(MAX_PAGES),
                 "--no-enrich", "--format", "json"], env=env, cwd=tmp)
    http_log = list(web.http_log)
    db = sqlite3.connect(tmp / "m.sqlite")
    db.row_factory = sqlite3.Row
    yield {"proc": r, "db": db, "tmp": tmp, "env": env, "reports": reports, "http_log": http_log,
           "media_hits": web.media_hits}
    db.close()


def q(crawl, sql, *params):
    return [dict(r) for r in crawl["db"].execute(sql, params).fetchall()]


def test_exit_zero_json_on_stdout_progress_on_stderr(crawl):
    r = crawl["proc"]
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["sites"] == 13 and summary["sites_crawled"] >= 9
    assert summary["site_status"]["nxdomain"] == 1
    assert "sites 13/13" in r.stderr and "crawled " in r.stderr and "identifier(s) found" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_line_is_named_and_stored(crawl):
    r = crawl["proc"]
    assert 'reports.csv line 15: "javascript:void(0)" is not an http(s) URL; skipped.' in r.stderr
    rows = q(crawl, "SELECT * FROM errors WHERE stage = 'input'")
    assert len(rows) == 1 and "line 15" in rows[0]["reason"]


def test_page_row_has_headers_meta_hash_and_cookie_names_only(crawl, web):
    (page,) = q(crawl, "SELECT * FROM pages WHERE url = ?", web.url("shop-a.se", "/"))
    assert page["server"] == "nginx/1.18.0" and page["x_powered_by"] == "PHP/7.4.33"
    assert json.loads(page["cookie_names"]) == ["PHPSESSID"]
    assert page["status"] == 200 and page["content_type"].startswith("text/html")
    assert page["title"] and page["lang"] == "sv" and page["text"]
    assert page["depth"] == 0 and page["report_id"] == "R-0001" and page["run_id"]
    assert page["fetched_at"].endswith("Z")
    # the SHA-256 is the body as served
    conn = http.client.HTTPConnection("127.0.0.2", web.http_port, timeout=5)
    conn.request("GET", "/", headers={"Host": f"shop-a.se:{web.http_port}"})
    body = conn.getresponse().read()
    assert page["sha256"] == hashlib.sha256(body).hexdigest() and page["body_bytes"] == len(body)
    # the cookie value is nowhere in the store
    dump = "\n".join(crawl["db"].iterdump())
    assert "fakeweb0123456789" not in dump


def test_text_is_capped(crawl):
    longest = crawl["db"].execute("SELECT max(length(CAST(text AS BLOB))) FROM pages").fetchone()[0]
    assert 0 < longest <= 20_000


def test_redirect_chain_and_final_domain(crawl, web):
    (page,) = q(crawl, "SELECT * FROM pages WHERE url = ?", web.url("old-shop-b.com", "/"))
    assert page["final_url"] == web.url("shop-b.com", "/")
    chain = json.loads(page["redirect_chain"])
    assert chain[0] == {"url": web.url("old-shop-b.com", "/"), "status": 301, "kind": "http"}
    (site,) = q(crawl, "SELECT * FROM sites WHERE domain = 'old-shop-b.com'")
    assert site["final_domain"] == "shop-b.com" and site["last_status"] == "ok"


def test_referrer_is_sent_first_and_stored(crawl, web):
    (report,) = q(crawl, "SELECT * FROM reports WHERE report_id = 'R-0007'")
    assert report["referrer"] == web.url("forum-d.org", "/thread/42.html")
    (page,) = q(crawl, "SELECT * FROM pages WHERE url = ?", web.url("vids-c.net", "/"))
    assert page["title"] != "Welcome"       # the landing page is what visitors without it get


def test_site_status_facts(crawl):
    status = {r["domain"]: r["last_status"] for r in q(crawl, "SELECT domain, last_status FROM sites")}
    assert status["nxdomain-shop.com"] == "nxdomain"
    assert status["down-h.net"] == "unreachable"
    assert status["shop-a.se"] == "ok"
    assert status["parked-g.com"] == "parked"
    (nx,) = q(crawl, "SELECT * FROM errors WHERE domain = 'nxdomain-shop.com'")
    assert nx["kind"] == "nxdomain" and nx["stage"] == "fetch" and "NXDOMAIN" in nx["reason"]


def test_never_media_end_to_end(crawl):
    assert crawl["media_hits"] == 0
    refused = {urlsplit(r["url"]).path + ("?" + urlsplit(r["url"]).query if urlsplit(r["url"]).query else ""):
               r["reason"] for r in q(crawl, "SELECT * FROM errors WHERE kind = 'media'")}
    # lying Content-Type (a JPEG labelled text/html, no length announced): the sniffer stops it
    lying = q(crawl, "SELECT kind, reason FROM errors WHERE url LIKE '%/view/photo-26.html'")
    assert lying and all(r["kind"] == "media" and "magic bytes" in r["reason"] for r in lying), lying
    assert "extension .jpg" in refused["/media/27-redirected.jpg"]   # 302 to an image: refused on the hop
    assert "image/jpeg" in refused["/img?id=28"]                     # stopped at headers
    requested = [e["path"] for e in crawl["http_log"]]
    media_ext = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".ico", ".svg", ".mp4", ".webm", ".mp3", ".zip",
                 ".pdf", ".woff2", ".vtt", ".css")
    assert not [p for p in requested if p.split("?")[0].lower().endswith(media_ext)]
    assert not [e for e in crawl["http_log"] if e.get("media") and e.get("complete")]


def test_budget_and_depth_hold(crawl):
    per_site = Counter(registered_domain(e["host"]) for e in crawl["http_log"])
    assert per_site and max(per_site.values()) <= MAX_PAGES
    assert crawl["db"].execute("SELECT max(depth) FROM pages").fetchone()[0] <= 2


@pytest.mark.parametrize("path, kind", [
    ("/catalogue.html", "size"),          # gzip bomb: stopped at the cap while decompressing
    ("/huge.html", "size"),
    ("/error.html", "http_status"),
    ("/maintenance.html", "http_status"),
])
def test_error_facts_on_shop_f(crawl, web, path, kind):
    rows = q(crawl, "SELECT * FROM errors WHERE url = ?", web.url("shop-f.co.uk", path))
    assert [r["kind"] for r in rows] == [kind]


def test_redirect_loops_are_stopped(crawl, web):
    kinds = {r["url"]: r["kind"] for r in q(crawl, "SELECT * FROM errors WHERE domain = 'shop-f.co.uk'")}
    assert kinds[web.url("shop-f.co.uk", "/loop-a")] == "redirect_loop"
    assert kinds[web.url("shop-f.co.uk", "/chain")] == "redirect_loop"


def test_contact_and_payment_pages_come_first(crawl, web):
    paths = [e["path"] for e in crawl["http_log"] if e["host"] == "shop-f.co.uk"]
    assert paths[0] == "/"
    # dispatched first; completion order among the few in flight varies, and without priority
    # they would come after the 60 archive pages and the misc links (position ~70)
    assert {"/contact.html", "/payment.html"} <= set(paths[1:12])


def test_same_site_scripts_are_fetched_and_extracted(crawl, web):
    scripts = q(crawl, "SELECT url, domain FROM pages WHERE resource = 'script'")
    assert scripts and all(s["domain"] in {"shop-b.com", "shop-b-members.net", "shop-a.se", "old-shop-b.com",
                                           "vids-c.net", "gallery-e.net", "shop-a-mirror.ru", "shop-f.co.uk",
                                           "forum-d.org", "promo-b.info", "parked-g.com"} for s in scripts)
    hosts = {e["host"] for e in crawl["http_log"]}
    assert "pagead2.googlesyndication.com" not in hosts   # third-party scripts are not fetched


def test_identifiers_and_observations_are_linked(crawl):
    orphans = crawl["db"].execute(
        "SELECT count(*) FROM observations o LEFT JOIN identifiers i ON i.id = o.identifier_id "
        "WHERE i.id IS NULL").fetchone()[0]
    assert orphans == 0
    assert crawl["db"].execute("SELECT count(*) FROM observations").fetchone()[0] > 0


def test_recrawl_is_idempotent(crawl, web):
    """Same input again: rows updated (last_seen, run_id), none duplicated, first_seen kept."""
    db = crawl["db"]
    before = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("pages", "identifiers", "observations", "sites", "reports", "case_sites")}
    first = dict(db.execute("SELECT url, first_seen FROM pages").fetchall())
    r = run_cli(["crawl", str(crawl["reports"]), "--db", str(crawl["tmp"] / "m.sqlite"), "--max-pages",
                 str(MAX_PAGES), "--no-enrich"], env=crawl["env"], cwd=crawl["tmp"])
    assert r.returncode == 0, r.stderr
    after = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in before}
    assert after == before
    again = dict(db.execute("SELECT url, first_seen FROM pages").fetchall())
    assert again == first
    assert db.execute("SELECT count(DISTINCT run_id) FROM pages").fetchone()[0] == 1   # all moved on
    assert db.execute("SELECT count(*) FROM runs WHERE status = 'done'").fetchone()[0] == 2


def test_missing_input_is_a_one_line_error(tmp_path):
    r = run_cli(["crawl", "nope.txt", "--db", str(tmp_path / "x.sqlite")], env=cli_env(tmp_path), cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr.strip() == ("Error: input nope.txt does not exist; pass a file of URLs, a CSV or - "
                                "for stdin.")


# ---- SSRF, end to end -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def ssrf_web(tmp_path_factory):
    d = tmp_path_factory.mktemp("ssrfweb")
    (d / "hosts.json").write_text(json.dumps({"good.example": "127.0.0.2", "loop.example": "127.0.0.1"}))
    (d / "routes.json").write_text(json.dumps({
        "good.example /to-literal": {"redirect": "http://127.0.0.1:{{port}}/secret", "status": 302},
        "good.example /to-name": {"redirect": "{{url:loop.example}}/secret", "status": 302},
        "good.example /lying.html": {"file": "/pic.bin", "content_type": "text/html; charset=utf-8"},
    }))
    site = d / "sites" / "good.example"
    site.mkdir(parents=True)
    (site / "index.html").write_text('<a href="/to-literal">a</a> <a href="/to-name">b</a> '
                                     '<a href="/contact.html">contact</a> <a href="/lying.html">photo</a>')
    # a small JPEG served as text/html: the first-bytes sniffer is what stops it
    (site / "pic.bin").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"MERCHINTEL-CANARY-e2e-lying" + bytes(3000))
    (site / "contact.html").write_text("<p>contact us</p>")
    (d / "sites" / "loop.example").mkdir()
    (d / "sites" / "loop.example" / "secret").write_text("internal")
    with FakeWeb(d, extra_servers=False) as w:
        yield w


def _ssrf_crawl(web, tmp_path, **env):
    urls = [web.url("good.example", "/"), web.url("loop.example", "/"), f"http://127.0.0.1:{web.http_port}/",
            f"http://[::ffff:127.0.0.1]:{web.http_port}/"]
    (tmp_path / "in.txt").write_text("\n".join(urls) + "\n")
    e = cli_env(tmp_path, MERCHINTEL_NAMESERVERS=web.env["MERCHINTEL_NAMESERVERS"], **env)
    web.reset_logs()
    r = run_cli(["crawl", "in.txt", "--db", "s.sqlite", "--no-enrich"], env=e, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    db = sqlite3.connect(tmp_path / "s.sqlite")
    errors = db.execute("SELECT url, kind, stage, reason FROM errors").fetchall()
    status = dict(db.execute("SELECT domain, last_status FROM sites").fetchall())
    db.close()
    return errors, status, list(web.http_log)


def test_ssrf_guard_is_on_by_default(ssrf_web, tmp_path):
    errors, status, log = _ssrf_crawl(ssrf_web, tmp_path)
    assert log == []                                  # nothing reached the server
    assert {k for _, k, _, _ in errors} == {"ssrf"}
    assert all(stage == "refused" for _, _, stage, _ in errors)
    assert set(status.values()) == {"refused"}
    reasons = " ".join(r for *_, r in errors)
    assert "loopback" in reasons and "IPv4-mapped" in reasons


def test_ssrf_guard_holds_on_redirect_hops(ssrf_web, tmp_path):
    """127.0.0.2 explicitly allowed: the site is crawled, its redirects into loopback are not."""
    errors, status, log = _ssrf_crawl(ssrf_web, tmp_path, MERCHINTEL_SSRF_ALLOW="127.0.0.2/32")
    assert status["good.example"] == "ok"
    assert {e["host"] for e in log} == {"good.example"}
    assert "/secret" not in [e["path"] for e in log]
    by_url = {u: k for u, k, _, _ in errors}
    assert by_url[ssrf_web.url("good.example", "/to-literal")] == "ssrf"
    assert by_url[ssrf_web.url("good.example", "/to-name")] == "ssrf"
    assert by_url[ssrf_web.url("loop.example", "/")] == "ssrf"


def test_allow_private_lifts_the_guard(ssrf_web, tmp_path):
    errors, status, log = _ssrf_crawl(ssrf_web, tmp_path, MERCHINTEL_ALLOW_PRIVATE="1")
    assert status["good.example"] == "ok" and status["loop.example"] in ("ok", "http_error")
    assert "/secret" in [e["path"] for e in log]
    assert not [e for e in errors if e[1] == "ssrf"]
    # and the JPEG that says it is HTML is stopped by the sniffer (no length announced)
    (lying,) = [e for e in errors if e[0].endswith("/lying.html")]
    assert lying[1] == "media" and "JPEG image magic bytes" in lying[3], lying
    assert ssrf_web.media_hits == 0


def test_with_a_proxy_the_target_is_still_checked(ssrf_web, tmp_path):
    """The fake web's HTTP server also answers absolute-URI (proxy) requests: everything goes
    through it, and the target names are resolved and checked before each request leaves."""
    proxy = f"http://127.0.0.2:{ssrf_web.http_port}"
    errors, status, log = _ssrf_crawl(ssrf_web, tmp_path, MERCHINTEL_PROXY=proxy,
                                      MERCHINTEL_SSRF_ALLOW="127.0.0.2/32")
    assert status["good.example"] == "ok"
    assert log and all(e["path"].startswith("http://good.example:") for e in log)   # proxied, absolute URIs
    by_url = {u: k for u, k, _, _ in errors}
    assert by_url[ssrf_web.url("loop.example", "/")] == "ssrf"
    assert by_url[ssrf_web.url("good.example", "/to-name")] == "ssrf"
    assert by_url[ssrf_web.url("good.example", "/to-literal")] == "ssrf"


@pytest.mark.parametrize("args, stdin, code, expected", [
    (["-"], "javascript:void(0)\n", 0, 'Error: stdin line 1: "javascript:void(0)" is not an http(s) URL; skipped.'),
    (["empty.txt"], None, 1, "Error: empty.txt: no URL in the input; put one URL a line (or a CSV with a url column)."),
    (["-", "--ssrf-allow", "10.0.0.0/99"], "http://shop-a.se/\n", 1,
     "Error: MERCHINTEL_SSRF_ALLOW=\"10.0.0.0/99\": '10.0.0.0/99' is not a network; use CIDRs like "
     "10.8.0.0/16,127.0.0.2."),
])
def test_input_and_setting_errors_exit_codes(tmp_path, args, stdin, code, expected):
    (tmp_path / "empty.txt").write_text("# nothing but a comment\n\n")
    r = run_cli(["crawl", *args, "--db", "x.sqlite", "--no-enrich"], env=cli_env(tmp_path), cwd=tmp_path,
                input=stdin)
    assert r.returncode == code, r.stderr
    assert r.stderr.splitlines()[0] == expected


def test_every_accepted_page_has_an_evidence_capture(crawl):
    pages = {r["url"]: r for r in q(crawl, "SELECT url, sha256, status FROM pages WHERE resource = 'page'")}
    caps = q(crawl, "SELECT url, ip, body_sha256, text_sha256, text_zlib, record_sha256 FROM captures")
    assert pages and {c["url"] for c in caps} == set(pages)
    for c in caps:
        assert c["body_sha256"] == pages[c["url"]]["sha256"] and c["ip"].startswith("127.")
        text = zlib.decompress(c["text_zlib"])
        assert hashlib.sha256(text).hexdigest() == c["text_sha256"]
        assert b"data:" not in text.lower() and b"<svg" not in text.lower()
    r = run_cli(["verify", "--db", str(crawl["tmp"] / "m.sqlite")], env=crawl["env"], cwd=crawl["tmp"])
    assert r.returncode == 0 and f"checked {len(caps)} capture(s)" in r.stderr
