"""The first law against a hostile server (issue 9): loopback servers that know they are
crawled send encoded media, polyglots, multipart bodies, media behind redirects and
refreshes, data: URIs in every form, header bombs, endless headers, slow drips, 1000-hop
redirects, 290,000 links and huge input lines.  Each crawl is a real ``merchintel crawl``
child process; each test asserts zero canary bytes anywhere it wrote (database and its
-wal/-shm, TMPDIR, HOME, the working directory, stdout/stderr) and bounds the child's
peak RSS and wall time (generous bounds: the point is "bounded", not "fast")."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import cli_env
from fakeweb.hostile import (PEER, HostileServer, encoded, fake_jpeg, fake_png, response_head, send_body, text_page,
                           b64_jpeg_run)
from tests.test_canaries import canary_forms, scan

MB = 1024 * 1024
C0_ALLOWED = "\t\n\r"


class Crawl:
    """One finished ``merchintel crawl`` child: exit code, output, wall time, peak RSS, DB."""

    def __init__(self, tmp: Path, rc: int, out: str, err: str, seconds: float, rss: int):
        self.tmp, self.rc, self.out, self.err, self.seconds, self.rss = tmp, rc, out, err, seconds, rss
        self.db = tmp / "m.sqlite"

    def rows(self, sql: str, *args: object) -> list[tuple]:
        con = sqlite3.connect(self.db)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def canary_hits(self) -> list[str]:
        inputs = {self.tmp / "in.txt"}
        hits = scan([self.tmp], {"stdout": self.out, "stderr": self.err})
        return [h for h in hits if not any(str(i) in h for i in inputs)]

    def assert_bounded(self, seconds: float, rss_mb: int) -> None:
        print(f"crawl: {self.seconds:.1f} s, peak RSS {self.rss / MB:.0f} MB (bounds {seconds} s, {rss_mb} MB)")
        assert self.seconds < seconds, f"crawl took {self.seconds:.1f} s (bound {seconds} s)"
        assert self.rss < rss_mb * MB, f"crawl peaked at {self.rss / MB:.0f} MB RSS (bound {rss_mb} MB)"


def _hwm(pid: int) -> int:
    """Peak RSS (VmHWM) of a live process in bytes, 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except (OSError, ValueError):
        return []


def run_crawl(tmp: Path, urls: list[str] | None = None, *args: str, input_path: Path | None = None,
              timeout: float = 240, **env: str) -> Crawl:
    """``merchintel crawl`` as a child process.  Its peak RSS is the largest VmHWM of the crawl
    process or of a process it forked (the analysis worker), polled from /proc: wait4's
    ru_maxrss would count the test process's own memory, shared until the child's exec."""
    if input_path is None:
        input_path = tmp / "in.txt"
        input_path.write_text("".join(u + "\n" for u in urls or ()), encoding="utf-8")
    cmd = [sys.executable, "-m", "merchintel.cli", "crawl", str(input_path), "--db", str(tmp / "m.sqlite"),
           "--no-enrich", "--ssrf-allow", "127.0.0.0/8", "-vv", "--format", "json", *args]
    out_f, err_f = tmp / "home" / "stdout.txt", tmp / "home" / "stderr.txt"
    environment = cli_env(tmp, MERCHINTEL_PROGRESS_INTERVAL="0", **env)
    with open(out_f, "wb") as out, open(err_f, "wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, env=environment, cwd=tmp, stdout=out, stderr=err)
        killer = threading.Timer(timeout, lambda: os.kill(proc.pid, signal.SIGKILL))
        killer.start()
        peak = [0]
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                for pid in [proc.pid, *_children(proc.pid)]:
                    peak[0] = max(peak[0], _hwm(pid))
                done.wait(0.05)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        try:
            _, status, _usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
            done.set()
            poller.join()
        seconds = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    text_out = out_f.read_text("utf-8", "replace")
    text_err = err_f.read_text("utf-8", "replace")
    out_f.unlink()
    err_f.unlink()
    return Crawl(tmp, proc.returncode, text_out, text_err, seconds, peak[0])


def all_strings(db: Path) -> list[tuple[str, str, str]]:
    """(table, column, value) of every text value stored in the database."""
    con = sqlite3.connect(db)
    try:
        out = []
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            cols = [r[1] for r in con.execute(f"PRAGMA table_info([{table}])")]
            for row in con.execute(f"SELECT * FROM [{table}]"):
                out += [(table, c, v) for c, v in zip(cols, row) if isinstance(v, str)]
        return out
    finally:
        con.close()


# ---- the shared crawl: one site per refusal class, each its own server on 127.0.0.N ----------
def _multipart() -> bytes:
    return (b"--XB\r\nContent-Type: text/html\r\n\r\n" + text_page(300) + b"\r\n--XB\r\nContent-Type: image/jpeg\r\n\r\n"
            + fake_jpeg(300_000, b"multipart") + b"\r\n--XB--\r\n")


def _late_png() -> bytes:
    # 70,000 bytes of text, then PNG: the magic is in a later chunk, at an odd offset
    return text_page(70_001) + fake_png(400_000)


def _ascii_then_magic() -> bytes:
    # the 7z magic at an odd offset, followed by canary bytes without NULs or many controls
    return text_page(1_234) + b"7z\xbc\xaf\x27\x1c" + (b"MERCHINTEL-CANARY-7z " * 70_000)


def _data_uri_page() -> bytes:
    jpeg_b64 = b64_jpeg_run(3000)
    svg = "<svg xmlns='http://www.w3.org/2000/svg'><text>MERCHINTEL-CANARY-svg-inline</text></svg>"
    html = f"""<!doctype html><html><head><title>Shop data</title>
<meta name="description" content="data:image/svg+xml,<svg><text>MERCHINTEL-CANARY-meta</text></svg>">
</head><body>
<p>Order from sales@hostile-shop.se data:image/jpeg;base64,
{jpeg_b64} thanks</p>
<p>Mail orders@hostile-shop.se see data: image/png;base64, {jpeg_b64}</p>
<p>contact billing@hostile-shop.se data:image/svg+xml,<svg onload='x'><text>MERCHINTEL-CANARY-svg</text></svg></p>
<p>ring help@hostile-shop.se "data:text/plain;charset=utf-8,MERCHINTEL-CANARY-quoted with spaces"</p>
<p>DATA:image/gif;base64,R0lGODlh{jpeg_b64[8:200]}</p>
<div style="background:url( 'data:image/png;base64,{jpeg_b64}' )">styled</div>
{svg}
<p>raw base64 run: {jpeg_b64}</p>
<p>control \x01bytes\x02 here\x07 and \x0b info@hostile-shop.se</p>
<a href="/x.jpg%3Fa">a</a> <a href="/video.mp4.">v</a> <a href="/clip.MP4%20">c</a>
</body></html>"""
    return html.encode("utf-8")


def _chunked_forever(hit) -> object:
    yield response_head(headers={"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
    piece = b"<p>" + b"endless text " * 1000 + b"</p>\n"
    while True:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"


def _redirect(to: str):
    def play(hit):
        yield response_head("302 Found", {"Location": to, "Content-Type": "text/html"}, length=0)
    return play


def _probe(hit):
    # a polyglot that stops writing and watches how the crawler leaves: reset or FIN
    body = text_page(700) + fake_jpeg(8000, b"probe")
    yield response_head(headers={"Content-Type": "text/html"}, length=len(body) + 1_000_000)
    yield body
    yield PEER


SHARED_SITES: dict[str, dict] = {
    "reset-probe": {"/": _probe},
    "enc-gzip": {"/": encoded(fake_jpeg(2_000_749), "gzip")},
    "enc-x-gzip": {"/": encoded(fake_jpeg(1_000_000), "x-gzip")},
    "enc-deflate": {"/": encoded(fake_jpeg(1_000_000), "deflate")},
    "enc-raw-deflate": {"/": encoded(fake_jpeg(1_000_000), "raw-deflate")},
    "enc-br": {"/": encoded(fake_jpeg(1_000_000), "br")},
    "enc-zstd": {"/": encoded(fake_jpeg(1_000_000), "zstd")},
    "enc-identity-gzip": {"/": encoded(fake_jpeg(1_000_000), "identity, gzip")},
    "enc-unknown": {"/": encoded(fake_jpeg(1_000_000), "x-unknown")},
    "enc-stacked": {"/": encoded(fake_jpeg(1_000_000), "gzip, gzip, gzip")},
    "enc-polyglot-gzip": {"/": encoded(text_page(700) + fake_jpeg(1_000_000), "gzip")},
    "polyglot": {"/": send_body(text_page(700) + fake_jpeg(1_000_000))},
    "polyglot-late": {"/": send_body(_late_png())},
    "magic-odd": {"/": send_body(_ascii_then_magic())},
    "multipart-in-html": {"/": send_body(_multipart())},
    "multipart-type": {"/": send_body(_multipart(), {"Content-Type": "multipart/mixed; boundary=XB"})},
    "redirect-to-media": {"/": _redirect("/gallery"), "/gallery": send_body(fake_jpeg(1_000_000))},
    "refresh-to-media": {"/": send_body(b'<html><head><meta http-equiv="refresh" content="0; url=/next">'
                                        b'</head><body>moved</body></html>'),
                         "/next": send_body(fake_jpeg(1_000_000))},
    "js-to-media": {"/": send_body(b'<html><body><script>window.location.href = "/js-next";</script>'
                                   b'</body></html>'),
                    "/js-next": encoded(fake_jpeg(1_000_000), "br")},
    "data-uris": {"/": send_body(_data_uri_page())},
    "too-large": {"/": send_body(text_page(3_000_000))},
    "endless-chunked": {"/": _chunked_forever},
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One crawl over every class of SHARED_SITES, each its own site on 127.0.0.N."""
    tmp = tmp_path_factory.mktemp("hostile")
    servers = {name: HostileServer(routes, host=f"127.0.0.{10 + i}")
               for i, (name, routes) in enumerate(SHARED_SITES.items())}
    for srv in servers.values():
        srv.__enter__()
    try:
        crawl = run_crawl(tmp, [srv.url("/") for srv in servers.values()], "--max-pages", "20",
                          "--timeout", "10", MERCHINTEL_MAX_BODY_BYTES="2000000")
        yield crawl, servers
    finally:
        for srv in servers.values():
            srv.__exit__()


def site_status(crawl: Crawl, srv: HostileServer) -> str:
    rows = crawl.rows("SELECT last_status FROM sites WHERE domain = ?", srv.host)
    return rows[0][0] if rows else "(none)"


def errors_of(crawl: Crawl, srv: HostileServer) -> list[tuple[str, str, str]]:
    return crawl.rows("SELECT url, kind, reason FROM errors WHERE domain = ? ORDER BY url", srv.host)


def test_the_shared_hostile_crawl_ran_and_stayed_bounded(shared):
    crawl, servers = shared
    assert crawl.rc == 0, crawl.err[-3000:]
    assert len(crawl.rows("SELECT domain FROM sites")) >= len(servers)
    crawl.assert_bounded(seconds=150, rss_mb=700)


def test_zero_canary_bytes_anywhere_the_hostile_crawl_wrote(shared):
    crawl, _ = shared
    assert crawl.canary_hits() == []


@pytest.mark.parametrize("name", ["enc-gzip", "enc-x-gzip", "enc-deflate", "enc-raw-deflate", "enc-br", "enc-zstd",
                                  "enc-identity-gzip", "enc-polyglot-gzip"])
def test_encoded_media_is_decoded_and_refused_in_the_stream(shared, name):
    """Decode-then-sniff: the JPEG inside gzip/deflate/br/zstd is refused at the first
    decoded chunk; the server gets a reset long before its body is written."""
    crawl, servers = shared
    srv = servers[name]
    assert site_status(crawl, srv) == "media_refused", errors_of(crawl, srv)
    (hit,) = srv.hits_for("/")
    assert hit.ended in ("reset", "closed"), hit
    assert hit.written < 600_000, f"server wrote {hit.written} bytes before the crawler stopped it"
    assert not crawl.rows("SELECT url FROM pages WHERE domain = ?", srv.host)


@pytest.mark.parametrize("name, kind", [("enc-unknown", "encoding"), ("enc-stacked", "encoding")])
def test_an_encoding_that_cannot_be_decoded_is_refused_at_the_headers(shared, name, kind):
    crawl, servers = shared
    srv = servers[name]
    assert site_status(crawl, srv) == "encoding_refused"
    assert [k for _, k, _ in errors_of(crawl, srv)] == [kind]
    (hit,) = srv.hits_for("/")
    assert hit.ended in ("reset", "closed") and hit.written < 300_000, hit


@pytest.mark.parametrize("name", ["polyglot", "polyglot-late", "magic-odd", "multipart-in-html"])
def test_a_body_that_turns_binary_later_is_refused_and_nothing_of_it_is_stored(shared, name):
    crawl, servers = shared
    srv = servers[name]
    assert site_status(crawl, srv) == "media_refused", errors_of(crawl, srv)
    assert not crawl.rows("SELECT url FROM pages WHERE domain = ?", srv.host)
    (hit,) = srv.hits_for("/")
    assert hit.ended in ("reset", "closed"), hit


def test_a_refused_download_is_aborted_with_a_reset_not_a_graceful_close(shared):
    crawl, servers = shared
    srv = servers["reset-probe"]
    assert site_status(crawl, srv) == "media_refused"
    (hit,) = srv.hits_for("/")
    assert hit.ended == "reset", hit.ended


def test_a_refused_response_is_stored_as_url_kind_and_reason_only(shared):
    crawl, servers = shared
    srv = servers["polyglot"]
    ((url, kind, reason),) = errors_of(crawl, srv)
    assert url == srv.url("/") and kind == "media"
    assert reason.startswith("never-media: ") and len(reason) < 200 and "JFIF" not in reason


def test_a_multipart_type_is_refused_at_the_headers(shared):
    crawl, servers = shared
    assert site_status(crawl, servers["multipart-type"]) == "media_refused"


@pytest.mark.parametrize("name, path", [("redirect-to-media", "/gallery"), ("refresh-to-media", "/next"),
                                        ("js-to-media", "/js-next")])
def test_media_after_a_redirect_or_a_refresh_is_refused(shared, name, path):
    crawl, servers = shared
    srv = servers[name]
    kinds = {(u.rsplit(":", 1)[-1].split("/", 1)[-1], k) for u, k, _ in errors_of(crawl, srv)}
    assert ("" + path.lstrip("/"), "media") in {(u, k) for u, k in kinds}, kinds
    for hit in srv.hits_for(path):
        assert hit.ended in ("reset", "closed"), hit


def test_extension_tricks_are_never_requested(shared):
    crawl, servers = shared
    srv = servers["data-uris"]
    asked = {h.path for h in srv.hits}
    assert asked == {"/"}, asked


def test_a_size_capped_site_is_too_large_and_an_endless_body_is_size(shared):
    crawl, servers = shared
    assert site_status(crawl, servers["too-large"]) == "too_large"
    assert [k for _, k, _ in errors_of(crawl, servers["too-large"])] == ["size"]
    assert site_status(crawl, servers["endless-chunked"]) == "too_large"
    assert [k for _, k, _ in errors_of(crawl, servers["endless-chunked"])] == ["size"]
    (hit,) = servers["endless-chunked"].hits_for("/")
    assert hit.ended in ("reset", "closed") and hit.written < 4_000_000


def test_only_text_is_stored(shared):
    """No NUL or C0 control byte but tab/newline/CR, no data: URI in any form, no inline
    <svg>, no long base64 run that decodes to media, in any string of any table."""
    crawl, servers = shared
    srv = servers["data-uris"]
    assert crawl.rows("SELECT url FROM pages WHERE domain = ?", srv.host), "the data: URI page was not stored"
    emails = {v for (v,) in crawl.rows("SELECT value FROM observations WHERE domain = ?", srv.host)}
    assert "sales@hostile-shop.se" in emails and "info@hostile-shop.se" in emails
    for table, col, value in all_strings(crawl.db):
        assert not any(ord(c) < 32 and c not in C0_ALLOWED for c in value), (table, col, value[:200])
        low = value.lower()
        assert "data:image" not in low and "data: image" not in low and "<svg" not in low, (table, col, value[:300])
        assert "/9j/4" not in value, (table, col, value[:300])       # base64 of a JPEG's first bytes
        assert "canary" not in low, (table, col, value[:300])


def test_the_raw_database_files_hold_no_canary_in_any_form(shared):
    """The DB file and its -wal/-shm, byte by byte: raw, hex, UTF-16 and base64 forms."""
    crawl, _ = shared
    files = sorted(crawl.tmp.glob("m.sqlite*"))
    assert crawl.db in files
    forms = canary_forms()
    for path in files:
        data = path.read_bytes()
        assert [label for label, form in forms.items() if form in data] == [], path


def test_a_deleted_row_leaves_no_bytes_in_the_database_file(tmp_path):
    """PRAGMA secure_delete = ON: a page deleted later is overwritten, not left in free pages."""
    from crawler import schema
    db = schema.open_db(tmp_path / "d.sqlite")
    assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1
    secret = "MERCHINTEL-CANARY-deleted-row " * 200
    db.conn.execute("INSERT INTO pages (url, text) VALUES (?, ?)", ["http://shop-a.se/x", secret])
    db.conn.commit()
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"MERCHINTEL-CANARY-deleted-row" in (tmp_path / "d.sqlite").read_bytes()   # the scan sees it
    db.conn.execute("DELETE FROM pages")
    db.conn.commit()
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    for path in tmp_path.glob("d.sqlite*"):
        assert b"MERCHINTEL-CANARY-deleted-row" not in path.read_bytes(), path


# ---- crawls of their own: the classes that cost the crawler time or memory ---------------------
def _links_page(n: int) -> bytes:
    return (b"<!doctype html><html><body><h1>Catalogue</h1>"
            + b"".join(b"<a href=/%x>.</a>\n" % i for i in range(n)) + b"</body></html>")


def test_a_page_of_290000_links_costs_the_budget_not_the_machine(tmp_path):
    page = _links_page(290_000)          # ~ 5 MB of same-site links
    assert len(page) > 4_500_000
    item = send_body(b"<html><body>item, mail sales@hostile-shop.se</body></html>")
    with HostileServer({"/": send_body(page), "*": item}) as srv:
        crawl = run_crawl(tmp_path, [srv.url("/")], "--max-pages", "50", "--depth", "1",
                          MERCHINTEL_MAX_BODY_BYTES="8000000")
        asked = len(srv.hits)
    assert crawl.rc == 0, crawl.err[-2000:]
    assert asked <= 50, f"{asked} requests for a budget of 50"
    assert crawl.rows("SELECT count(*) FROM pages")[0][0] == asked
    crawl.assert_bounded(seconds=120, rss_mb=900)
    assert crawl.canary_hits() == []


def _header_bomb(hit):
    yield b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
    line = b"X-Bomb: " + b"b" * 1000 + b"\r\n"
    for _ in range(90_000):               # 90 MB of headers
        yield line * 16
    yield b"\r\n<html>never</html>"


def _endless_header_line(hit):
    yield b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Endless: "
    while True:
        yield b"e" * 16384


def _many_small_headers(hit):
    yield b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
    for i in range(10_000):
        yield b"".join(b"X-H%d-%d: 1\r\n" % (i, j) for j in range(100))
    yield b"\r\n<html>never</html>"


@pytest.mark.parametrize("play, what", [(_header_bomb, "larger than"), (_endless_header_line, "line longer"),
                                        (_many_small_headers, "more than")])
def test_header_bombs_are_cut_at_the_cap_and_the_connection_reset(tmp_path, play, what):
    with HostileServer({"/": play}) as srv:
        crawl = run_crawl(tmp_path, [srv.url("/")], "--timeout", "30")
        (hit,) = srv.hits
    assert crawl.rc == 0, crawl.err[-2000:]
    ((kind, reason),) = crawl.rows("SELECT kind, reason FROM errors")
    assert kind == "headers" and what in reason, reason
    assert crawl.rows("SELECT last_status FROM sites")[0][0] == "headers_refused"
    assert hit.ended in ("reset", "closed") and hit.written < 2_000_000, hit
    crawl.assert_bounded(seconds=60, rss_mb=400)


def _drip(hit):
    yield response_head(headers={"Content-Type": "text/html"}, length=100_000)
    while True:
        yield b"<"
        yield 0.5


def test_a_slow_drip_costs_one_timeout_per_page_and_the_site_has_a_time_budget(tmp_path):
    """A tarpit answers 1 byte every 0.5 s.  The first timeout of the site is retried once;
    later ones are not; and the site's wall-clock budget ends the rest."""
    start = send_body(b"<html><body>" + b"".join(b'<a href="/t%d.html">t</a>' % i for i in range(8))
                      + b"</body></html>")
    with HostileServer({"/": start, "*": _drip}) as srv:
        crawl = run_crawl(tmp_path, [srv.url("/")], "--timeout", "2", "--concurrency", "2",
                          MERCHINTEL_SITE_SECONDS="7")
        tarpit_hits = [h for h in srv.hits if h.path != "/"]
    assert crawl.rc == 0, crawl.err[-2000:]
    asked = sorted(h.path for h in tarpit_hits)
    assert len(asked) - len(set(asked)) <= 1, f"timeouts retried: {asked}"
    kinds = [k for (k,) in crawl.rows("SELECT kind FROM errors")]
    assert "timeout" in kinds and "site_time" in kinds, kinds
    crawl.assert_bounded(seconds=45, rss_mb=400)


def test_a_thousand_hop_redirect_chain_stops_early(tmp_path):
    def hop(hit):
        n = int(hit.path.rsplit("/", 1)[1])
        yield response_head("302 Found", {"Location": f"/r/{n + 1}", "Content-Type": "text/html"}, length=0)

    routes = {f"/r/{i}": hop for i in range(1001)}
    with HostileServer(routes) as srv:
        crawl = run_crawl(tmp_path, [srv.url("/r/0")])
        asked = len(srv.hits)
    assert crawl.rc == 0, crawl.err[-2000:]
    assert asked <= 12, asked
    crawl.assert_bounded(seconds=60, rss_mb=400)


def test_a_300_mb_input_line_is_named_and_skipped_with_bounded_memory(tmp_path):
    page = send_body(b"<html><body>ok sales@hostile-shop.se</body></html>")
    with HostileServer({"*": page}) as srv:
        big = tmp_path / "huge.txt"
        with open(big, "wb") as out:   # written in pieces: this process stays small too
            out.write(srv.url("/a").encode() + b"?")
            for _ in range(300):
                out.write(b"q" * MB)
            out.write(b"\n" + srv.url("/b").encode() + b"\n")
        crawl = run_crawl(tmp_path, None, input_path=big)
        asked = [h.path for h in srv.hits]
    big.unlink()
    assert crawl.rc == 0, crawl.err[-2000:]
    assert "huge.txt line 1: a line of 314572" in crawl.err and "MERCHINTEL_MAX_LINE_BYTES); skipped." in crawl.err
    assert asked == ["/b"]
    assert (tmp_path / "m.sqlite").stat().st_size < 5 * MB
    assert max(len(u) for (u,) in crawl.rows("SELECT url FROM reports")) < 100
    crawl.assert_bounded(seconds=120, rss_mb=400)


def test_a_db_in_a_missing_directory_is_an_error_line(tmp_path, cli):
    (tmp_path / "in.txt").write_text("http://127.0.0.1:9/\n")
    r = cli("crawl", "in.txt", "--db", str(tmp_path / "no" / "such" / "m.sqlite"), "--no-enrich")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1].startswith("Error: the directory of database ")
    assert "create " in r.stderr and not (tmp_path / "no").exists()
