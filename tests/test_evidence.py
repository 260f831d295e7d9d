"""Evidence captures end to end: one real crawl of a small web built here (HTTPS sites with
certificates made at test time, a page full of media references), then the commands on
its store: evidence, verify (and tampering), export --format warc read back by warcio,
purge, the export audit, and the certificate pivots in the links.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import zlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from warcio.archiveiterator import ArchiveIterator

from crawler import capture, schema
from crawler.capture import (SVG_PLACEHOLDER, CertInfo, capture_page, header_fingerprint, parse_certificate,
                             record_digest, shared_reason, text_only_html)
from crawler.extractors.only_text import has_control_chars
from exports.warc import sha256_b32
from fakeweb import FakeWeb
from fakeweb.data import CANARY_PREFIX
from fakeweb.tls import self_signed
from graph.links import site_links
from tests.conftest import cli_env, run_cli

PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
MEDIA_PAGE = f"""<!doctype html><html><head><title>Galleri</title>
<link rel="icon" href="/favicon.ico"><link rel=stylesheet href='/s.css'>
<style>body{{background:url(/img/bg.jpg)}} @import "/x.css"; .a{{background-image:URL( "data:image/png;base64,{PNG_B64}" )}}</style>
</head><body background="/img/body.gif">
<img src="/img/canary.jpg" srcset="/img/c-2x.jpg 2x, /img/c-3x.jpg 3x" alt="x">
<img src="data:image/png;base64,{PNG_B64}">
<img SRC = "DATA:image/svg+xml,<svg onload=alert(1)></svg>">
<video poster="/img/poster.png" src="/v/clip.mp4"><source src="/v/clip.webm"></video>
<object data="/f/doc.pdf"></object><picture><source srcset="/img/p.avif"></picture>
<svg width="10" height="10"><image href="/img/in-svg.png"/><circle r="4"/></svg>
<div style="background: url('/img/div.png')">ctrl\x01\x02\x07here</div>
<p>raw {PNG_B64}{PNG_B64}</p>
<script src="/js/app.js"></script><script>var i=new Image();i.src="/img/js.png"</script>
<p>Ring +46 70 123 45 67</p><a href="/om.html">Om</a></body></html>
"""
HOSTS = {"cert-x.se": "127.0.0.41", "cert-y.net": "127.0.0.42", "cdn-p.org": "127.0.0.43",
         "cdn-q.com": "127.0.0.44", "media-r.se": "127.0.0.45"}
HTTPS = ("cert-x.se", "cert-y.net", "cdn-p.org", "cdn-q.com")


def _page(title: str, body: str = "") -> str:
    return (f"<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1>{body}"
            f'<a href="/kontakt.html">Kontakt</a></body></html>')


@pytest.fixture(scope="module")
def ev(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("evidence")
    web_dir = tmp / "web"
    for host in HOSTS:
        site = web_dir / "sites" / host
        site.mkdir(parents=True)
        (site / "index.html").write_text(MEDIA_PAGE if host == "media-r.se" else _page(host), "utf-8")
        (site / "kontakt.html").write_text(_page("Kontakt", "<p>info@example.org</p>"), "utf-8")
        (site / "om.html").write_text(_page("Om"), "utf-8")
    (web_dir / "sites" / "media-r.se" / "img").mkdir()
    (web_dir / "sites" / "media-r.se" / "img" / "canary.jpg").write_bytes(b"\xff\xd8\xff\xe0" + CANARY_PREFIX)
    (web_dir / "hosts.json").write_text(json.dumps(HOSTS), "utf-8")
    (web_dir / "routes.json").write_text(json.dumps({
        "cert-x.se *": {"headers": {"X-Shop-Engine": "darkcart/2.3", "X-Node": "n7"}},
        "cert-y.net *": {"headers": {"X-Shop-Engine": "darkcart/2.3", "X-Node": "n7"}}}), "utf-8")
    shared = self_signed(["cert-x.se", "*.cert-x.se", "cert-y.net"])
    cdn = self_signed(["cdn-p.org", "cdn-q.com"], subject_cn="sni.cloudflaressl.com", issuer_org="Cloudflare, Inc.")
    certs = {"cert-x.se": shared, "cert-y.net": shared, "cdn-p.org": cdn, "cdn-q.com": cdn}
    with FakeWeb(web_dir, extra_servers=False) as web:
        web.start_tls(certs)
        urls = [web.https_url(h) for h in HTTPS] + [web.url("media-r.se")]
        (tmp / "urls.txt").write_text("\n".join(urls) + "\n", "utf-8")
        env = cli_env(tmp, **web.env)
        db = tmp / "m.sqlite"
        r = run_cli(["crawl", str(tmp / "urls.txt"), "--db", str(db), "--no-enrich", "--case", "op1"],
                    env=env, cwd=tmp)
        assert r.returncode == 0, r.stderr[-2000:]
        media_hits = web.media_hits
        tls_port = web.https_port
    yield {"db": db, "env": env, "tmp": tmp, "media_hits": media_hits, "tls_port": tls_port, "certs": certs}


def rows(ev, sql, *params):
    # a fresh connection per query: it sees what the command processes committed since
    conn = sqlite3.connect(ev["db"])
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def cli(ev, *args, db=None, **env):
    return run_cli([*args, "--db", str(db or ev["db"])], env={**ev["env"], **env}, cwd=ev["tmp"])


def text_of(row) -> str:
    return zlib.decompress(row["text_zlib"]).decode("utf-8")


# ---- the capture record --------------------------------------------------------------------
def test_https_pages_are_captured_with_address_certificate_and_headers(ev):
    caps = rows(ev, "SELECT * FROM captures WHERE domain = 'cert-x.se' ORDER BY final_url")
    assert {c["final_url"] for c in caps} >= {f"https://cert-x.se:{ev['tls_port']}/",
                                              f"https://cert-x.se:{ev['tls_port']}/kontakt.html"}
    cert = parse_certificate(schema_der(ev["certs"]["cert-x.se"][0]))
    for c in caps:
        assert c["status"] == 200 and c["ip"] == HOSTS["cert-x.se"]     # self-signed accepted, address known
        assert c["cert_sha256"] == cert.sha256
        assert ["X-Shop-Engine", "darkcart/2.3"] in json.loads(c["headers"])
        assert c["captured_at"].endswith("Z") and c["case_name"] == "op1"
    stored = rows(ev, "SELECT * FROM certificates WHERE sha256 = ?", cert.sha256)[0]
    assert json.loads(stored["sans"]) == ["*.cert-x.se", "cert-x.se", "cert-y.net"]
    assert stored["shared"] is None and "CN=cert-x.se" in stored["subject"]
    assert stored["not_before"] < stored["not_after"]
    cdn = rows(ev, "SELECT shared FROM certificates WHERE subject LIKE '%cloudflaressl%'")
    assert cdn and cdn[0]["shared"].startswith("cdn")


def schema_der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)


def test_body_hash_matches_the_page_row_and_text_hash_the_stored_text(ev):
    for c in rows(ev, "SELECT c.*, p.sha256 AS page_sha FROM captures c JOIN pages p ON p.url = c.url"):
        assert c["body_sha256"] == c["page_sha"]
        assert hashlib.sha256(zlib.decompress(c["text_zlib"])).hexdigest() == c["text_sha256"]
        assert record_digest(c) == c["record_sha256"]


def test_canary_no_media_in_captures(ev):
    assert ev["media_hits"] == 0
    page = rows(ev, "SELECT * FROM captures WHERE domain = 'media-r.se' AND final_url LIKE '%/'")[0]
    text = text_of(page)
    low = text.lower()
    assert "data:" not in low and "<svg" not in low and PNG_B64[:40] not in text
    assert not has_control_chars(text)
    assert " src=" not in low and " srcset=" not in low and " poster=" not in low
    assert not re.search(r"(?<![\w-])url\s*\(", low) and "@import" not in low
    assert 'mi-src="/img/canary.jpg"' in text and "/img/c-2x.jpg 2x" in text and "mi-url(/img/bg.jpg)" in text
    assert "mi-href=\"/favicon.ico\"" in text and '<a href="/om.html">' in text and SVG_PLACEHOLDER in text
    assert 'mi-data="/f/doc.pdf"' in text and '<script type="text/mi-inert"' in text
    assert page["neutralised"] >= 12
    everything = b"".join(zlib.decompress(r["text_zlib"]) for r in rows(ev, "SELECT text_zlib FROM captures"))
    assert b"\xff\xd8\xff" not in everything and b"data:" not in everything.lower()


# ---- commands ------------------------------------------------------------------------------
def test_evidence_command_lists_a_sites_captures(ev):
    r = cli(ev, "evidence", "cert-x.se", "--format", "json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert {g["domain"] for g in got} == {"cert-x.se"} and all(len(g["text_sha256"]) == 64 for g in got)
    missing = cli(ev, "evidence", "nowhere.example")
    assert missing.returncode == 1 and "no capture" in missing.stderr


def test_verify_passes_then_catches_tampering(ev, tmp_path):
    ok = cli(ev, "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 mismatch" in ok.stderr
    db = tmp_path / "t.sqlite"
    shutil.copy(ev["db"], db)
    conn = sqlite3.connect(db)
    a, b, c = [r[0] for r in conn.execute("SELECT id FROM captures ORDER BY id LIMIT 3")]
    text = zlib.decompress(conn.execute("SELECT text_zlib FROM captures WHERE id = ?", [a]).fetchone()[0])
    conn.execute("UPDATE captures SET text_zlib = ? WHERE id = ?", [zlib.compress(text + b"<p>added</p>"), a])
    conn.execute("UPDATE captures SET ip = '198.51.100.9' WHERE id = ?", [b])
    conn.execute("UPDATE captures SET text_zlib = ?, text_sha256 = ? WHERE id = ?",
                 [zlib.compress(b"<img src='data:image/png;base64,AAAA'>"),
                  hashlib.sha256(b"<img src='data:image/png;base64,AAAA'>").hexdigest(), c])
    conn.execute("UPDATE certificates SET der = X'3000' WHERE rowid = (SELECT MIN(rowid) FROM certificates)")
    conn.commit()
    conn.close()
    bad = cli(ev, "verify", "--format", "json", db=db)
    assert bad.returncode == 1
    found = {(m["id"], m["what"].split(" ")[0]) for m in json.loads(bad.stdout)["mismatches"]}
    assert (a, "text_sha256") in found and (b, "record_sha256") in found and (c, "text") in found
    assert any(what == "fingerprint" for _, what in found)


def test_warc_export_reads_back_with_every_digest(ev, tmp_path):
    out = tmp_path / "case.warc.gz"
    r = cli(ev, "export", "--format", "warc", "-o", str(out), "--case", "op1")
    assert r.returncode == 0, r.stderr
    caps = {c["final_url"]: c for c in rows(ev, "SELECT * FROM captures WHERE case_name = 'op1'")}
    types, responses = [], 0
    with out.open("rb") as fh:
        for rec in ArchiveIterator(fh, check_digests="raise"):
            types.append(rec.rec_type)
            assert rec.rec_headers.protocol == "WARC/1.1"
            if rec.rec_type == "response":
                payload = rec.content_stream().read()
                cap = caps[rec.rec_headers.get_header("WARC-Target-URI")]
                assert hashlib.sha256(payload).hexdigest() == cap["text_sha256"]
                assert rec.rec_headers.get_header("WARC-Original-Payload-Digest") == sha256_b32(cap["body_sha256"])
                assert rec.rec_headers.get_header("WARC-Transformed").startswith("text-only")
                assert rec.rec_headers.get_header("WARC-IP-Address") == cap["ip"]
                assert b"data:" not in payload.lower() and b"<svg" not in payload.lower()
                responses += 1
            elif rec.rec_type == "metadata":
                meta = json.loads(rec.content_stream().read())
                assert meta["record_sha256"] == caps[meta["final_url"]]["record_sha256"]
    assert responses == len(caps) > 0
    assert types.count("request") == types.count("metadata") == len(caps) and types[0] == "warcinfo"
    refused = cli(ev, "export", "--format", "warc", "-o", str(tmp_path / "x.warc.gz"), "--pseudonymize", "k")
    assert refused.returncode == 1 and refused.stderr.startswith("Error: ") and not (tmp_path / "x.warc.gz").exists()
    audit = rows(ev, "SELECT * FROM export_audit WHERE format = 'warc'")
    assert audit[-1]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert audit[-1]["case_name"] == "op1" and audit[-1]["bytes"] == out.stat().st_size


def test_every_export_writes_an_audit_row(ev, tmp_path):
    for fmt, out in (("json", tmp_path / "g.json"), ("csv", tmp_path / "csv")):
        r = cli(ev, "export", "--format", fmt, "-o", str(out))
        assert r.returncode == 0, r.stderr
    got = rows(ev, "SELECT format, output, sha256 FROM export_audit WHERE format IN ('json', 'csv')")
    assert {g["format"] for g in got} == {"json", "csv"}
    js = next(g for g in got if g["format"] == "json")
    assert js["sha256"] == hashlib.sha256((tmp_path / "g.json").read_bytes()).hexdigest()
    assert len(json.loads(next(g for g in got if g["format"] == "csv")["output"])) >= 2


def test_purge_removes_old_captures_and_what_only_they_support(ev, tmp_path):
    db = tmp_path / "p.sqlite"
    shutil.copy(ev["db"], db)
    keep = cli(ev, "purge", "--older-than", "365d", db=db)
    assert keep.returncode == 0, keep.stderr
    assert "removed 0 capture" in keep.stderr
    bad = cli(ev, "purge", "--older-than", "soon", db=db)
    assert bad.returncode != 0 and bad.stderr.startswith("Error: ") and "365d" in bad.stderr
    size = db.stat().st_size
    r = cli(ev, "purge", "--older-than", "365d", "--case", "op1", db=db, MERCHINTEL_NOW="+400d")
    assert r.returncode == 0, r.stderr
    conn = sqlite3.connect(db)
    count = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    assert count("SELECT COUNT(*) FROM captures") == 0
    assert count("SELECT COUNT(*) FROM certificates") == 0
    assert count("SELECT COUNT(*) FROM observations WHERE source = 'capture'") == 0
    assert count("SELECT COUNT(*) FROM identifiers WHERE kind IN ('tls_cert', 'tls_sans', 'header_fp')") == 0
    assert count("SELECT COUNT(*) FROM observations WHERE kind = 'phone'") > 0    # page evidence stays
    assert count("PRAGMA freelist_count") == 0 and db.stat().st_size < size     # vacuumed
    conn.close()


# ---- pivots ----------------------------------------------------------------------------------
def test_a_shared_certificate_links_two_sites_a_cdn_certificate_does_not(ev):
    db = schema.open_db(ev["db"], readonly=True)
    x = {r["domain"]: r for r in site_links(db, "cert-x.se")}
    assert x["cert-y.net"]["linked"]
    assert {s["kind"] for s in x["cert-y.net"]["shared"]} >= {"tls_cert", "tls_sans", "header_fp"}
    p = {r["domain"]: r for r in site_links(db, "cdn-p.org")}
    assert "cdn-q.com" not in p or not p["cdn-q.com"]["linked"]
    assert all(s["weight"] == 0 for s in p.get("cdn-q.com", {}).get("shared", []) if s["kind"].startswith("tls"))


def test_capture_pivots_are_observed_once_per_site_and_crawl(ev):
    """Each page keeps its own certificate and header fingerprint in its capture; the pivot
    is one observation per site (the first page that showed it)."""
    db = schema.open_db(ev["db"], readonly=True)
    per_site = db.execute("SELECT domain, run_id, identifier_id, count(*) FROM observations WHERE source = 'capture' "
                          "GROUP BY domain, run_id, identifier_id").fetchall()
    assert per_site and all(n == 1 for *_, n in per_site)
    pages = db.execute("SELECT domain, count(*) FROM captures WHERE header_fp IS NOT NULL GROUP BY domain "
                       "HAVING count(*) > 1").fetchall()
    assert pages, "the test web needs a site with several captured pages"


# ---- the pure parts, table-driven ---------------------------------------------------------------
@pytest.mark.parametrize("html, present, absent", [
    ('<img src="/a.jpg">', ['mi-src="/a.jpg"'], [" src="]),
    ("<img srcset='/a.jpg 1x,/b.jpg 2x'>", ["mi-srcset='/a.jpg 1x,/b.jpg 2x'"], [" srcset="]),
    ('<video poster=/p.png>', ["mi-poster=/p.png"], [" poster="]),
    ('<link rel="preload" as="image" href="/h.jpg" imagesrcset="/h2.jpg 2x">', ['mi-href="/h.jpg"', "mi-imagesrcset"],
     [" href=", " imagesrcset="]),
    ('<a href="/x.jpg">x</a>', ['<a href="/x.jpg">'], ["mi-href"]),
    ("<p style='background:url( /b.png )'>", ["mi-url( /b.png )"], ["background:url("]),
    ("<style>@import url(/x.css); .a{background:image-set('/a.png' 1x)}</style>",
     ["@mi-import mi-url(/x.css)", "mi-image-set("], ["@import", " image-set("]),
    ('<svg><script>x</script><image href="/i.png"/></svg><p>after</p>', [SVG_PLACEHOLDER, "<p>after</p>"], ["<svg", "/i.png"]),
    ('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">', ['mi-src=""'], ["data:", "R0lGOD"]),
    ("<script src=/a.js></script>", ['<script type="text/mi-inert" mi-src=/a.js>'], ["<script src"]),
    ("ok\x00\x1b[31m text", ["ok[31m text"], ["\x00", "\x1b"]),
    ("<p>curl(x) and the src is here</p>", ["curl(x) and the src is here"], ["mi-"]),
])
def test_text_only_html(html, present, absent):
    text, n = text_only_html(html)
    for p in present:
        assert p in text
    for a in absent:
        assert a not in text
    assert (n > 0) == ("mi-" in text or SVG_PLACEHOLDER in text)


@pytest.mark.parametrize("headers, expect", [
    ([["Server", "nginx/1.18.0"], ["Date", "Mon"], ["Content-Type", "text/html"]], None),
    ([["Server", "cloudflare"], ["CF-RAY", "8a1b2c3d4e5f-ARN"], ["X-Cache", "HIT"]], None),
    ([["X-Powered-By", "PHP/8.1"], ["X-Request-Id", "abc"]], None),
    ([["Server", "DarkCart/2.3"]], "server: darkcart/2.3"),
    ([["X-Shop-Engine", "dc"], ["X-Build", "20260101123456"]], "x-shop-engine: dc\nx-build: #"),
])
def test_header_fingerprint(headers, expect):
    fp, basis = header_fingerprint(headers)
    assert basis == (expect or "")
    assert (fp is None) == (expect is None)
    if expect:
        assert header_fingerprint([[n.upper(), v] for n, v in headers])[0] == fp   # names fold case


@pytest.mark.parametrize("subject, issuer, sans, shared", [
    ("CN=shop.se", "CN=shop.se", ["shop.se", "shop2.net"], None),
    ("CN=sni.cloudflaressl.com", "O=Cloudflare\\, Inc.", ["a.se", "b.se"], "cdn"),
    ("CN=a.se", "O=Let's Encrypt,CN=R3", [f"s{i}.se" for i in range(5)], "free CA shared"),
    ("CN=a.se", "O=Let's Encrypt,CN=R3", ["a.se", "b.se"], None),
    ("CN=a.se", "CN=Own", [f"s{i}.se" for i in range(12)], "multi-tenant"),
    ("CN=localhost.localdomain", "CN=localhost.localdomain", ["localhost.localdomain"], "cdn"),
])
def test_shared_certificates(subject, issuer, sans, shared):
    got = shared_reason(CertInfo("x", subject, issuer, sans, "", "", "1"))
    assert (got or "").split(":")[0] == (shared or "")


_JPEG_RUN = "/9j/4AAQSkZJRgABAQ" + "AAAQABAAD" * 8


@pytest.mark.parametrize("headers", [
    [("Server", "DarkCart/2"), ("Content-Type", "text/html")],
    [("Server", "x"), ("Link", "<data:image/png;base64,AAAA>; rel=icon")],
    [("X-Img", _JPEG_RUN), ("Server", "nginx")],
    [("X-A\x01", "v"), ("Set-Cookie", _JPEG_RUN + "=1; path=/")],
    [("Set-Cookie", "data:x=1"), ("Cookie", "a=1; <svg>=2")],
])
def test_headers_are_stored_as_cleaning_each_gives(headers):
    # clean_headers skips cleaning when one pass finds nothing to clean: the same result
    from crawler.extractors.only_text import clean_stored
    expected = []
    for name, value in headers:
        name = clean_stored(name)[:200]
        if name.lower() == "set-cookie":
            value = value.split(";", 1)[0].split("=", 1)[0].strip() + "=…"
        elif name.lower() == "cookie":
            value = "; ".join(c.split("=", 1)[0].strip() + "=…" for c in value.split(";") if c.strip())
        expected.append([name, clean_stored(value)[:capture.MAX_HEADER_VALUE]])
    assert capture.clean_headers(headers) == expected
    assert not any("data:" in v.lower() or "/9j/" in v or "<svg" in v.lower() or has_control_chars(v)
                   for pair in capture.clean_headers(headers) for v in pair)


def test_capture_page_hashes_body_as_received_and_cuts_cookie_values():
    cert_pem, _ = self_signed(["a.se"])
    cap = capture_page(url="http://a.se/", final_url="https://a.se/", redirect_chain=[], status=200,
                       headers=[("Set-Cookie", "sid=SECRET; path=/"), ("Server", "x\x00y")], ip="127.0.0.1",
                       request_headers=[("Cookie", "sid=SECRET; lang=sv")],
                       captured_at="2026-01-01T00:00:00Z", content_type="text/html", body=b"<p>\xe9</p>",
                       text="<p>é</p>", certificate_der=schema_der(cert_pem))
    assert cap.body_sha256 == hashlib.sha256(b"<p>\xe9</p>").hexdigest() and cap.body_bytes == 8
    assert cap.headers == [["Set-Cookie", "sid=…"], ["Server", "xy"]]
    assert cap.request_headers == [["Cookie", "sid=…; lang=…"]]
    assert cap.cert.san_domains == ["a.se"] and cap.cert.sha256 == hashlib.sha256(cap.cert.der).hexdigest()
    bad = capture_page(url="u", final_url="u", redirect_chain=[], status=200, headers=[], ip=None,
                       captured_at="t", content_type=None, body=b"", text="", certificate_der=b"not a cert")
    assert bad.cert is None


def test_a_capture_left_raw_by_the_crawl_is_made_whole_by_the_store_the_same_way(tmp_path):
    """The crawl leaves header cleaning, fingerprint and certificate to the store
    (``whole=False``; the store writer calls ``finish``): the same capture as made at once."""
    from crawler.capture import finish
    cert_pem, _ = self_signed(["a.se", "b.se"])
    parts = dict(url="http://a.se/", final_url="https://a.se/", redirect_chain=[], status=200,
                 headers=[("Set-Cookie", "sid=SECRET; path=/"), ("Server", "DarkCart/2"), ("X-Shop", "n\x007")],
                 ip="127.0.0.1", request_headers=[("Cookie", "sid=SECRET")], captured_at="2026-01-01T00:00:00Z",
                 content_type="text/html", body=b"<p>x</p>", text="<p>x</p>", certificate_der=schema_der(cert_pem))
    raw = capture_page(**parts, whole=False)
    assert raw.raw and raw.cert is None and raw.header_fp is None and "SECRET" in str(raw.headers)
    whole = capture_page(**parts)
    assert not whole.raw and whole.header_fp and whole.cert.san_domains == ["a.se", "b.se"]
    assert finish(raw) == whole and finish(whole) == whole
    # and through the store: the row is the one the whole capture gives
    from crawler.items import PageItem
    from crawler.store import Store
    got = []
    for cap in (capture_page(**parts, whole=False), whole):
        db = schema.open_db(tmp_path / f"{len(got)}.sqlite")
        store = Store(db, run_id="r", case_name="c")
        store.page(PageItem(url="http://a.se/", domain="a.se", final_url="https://a.se/", site="a.se", status=200,
                            capture=cap))
        store.commit()
        got.append([dict(r) for r in db.query("SELECT headers, request_headers, header_fp, cert_sha256, "
                                              "record_sha256 FROM captures")])
        db.conn.close()
    assert got[0] == got[1] and "SECRET" not in str(got[0])


def test_an_older_database_opens_and_gets_the_evidence_tables(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE pages (url TEXT PRIMARY KEY, sha256 TEXT)")
    conn.execute("INSERT INTO pages VALUES ('http://a.se/', 'ab')")
    conn.commit()
    conn.close()
    db = schema.open_db(path)
    names = set(db.table_names())
    assert {"captures", "certificates", "export_audit"} <= names
    applied = {r[0] for r in db.execute("SELECT name FROM _migrations")}
    assert {"create:captures", "create:certificates", "create:export_audit"} <= applied
    assert db.execute("SELECT sha256 FROM pages").fetchone()[0] == "ab"
    assert {c.name for c in db["captures"].columns} == {c.name for c in schema.TABLES_BY_NAME["captures"].columns}


def test_a_flood_of_equals_signs_takes_the_regex_path_with_the_same_result(monkeypatch):
    page = MEDIA_PAGE + "<p>" + "a=b " * 50 + "</p>"
    normal = capture.text_only_html(page)[0]
    monkeypatch.setattr(capture, "MAX_EQUALS", 10)
    flooded = capture.text_only_html(page)[0]
    assert flooded == normal and 'mi-src="/img/canary.jpg"' in flooded
