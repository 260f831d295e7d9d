"""The fake web harness itself: DNS answers through dnspython, Host dispatch on several
loopback IPs, templating, routes (redirects, lying types, gzip bomb, ...), media counting,
epochs (switch), extra servers, and the packaged sample web's own consistency."""

from __future__ import annotations

import csv
import json
import re
import signal
import socket
import subprocess
import sys
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import dns.exception
import dns.flags
import dns.message
import dns.nameserver
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest

import fakeweb as fakeweb_pkg
import fakeweb.data as fakeweb_data
from fakeweb import SAMPLE_WEB, FakeWeb
from fakeweb.data import CANARY_PREFIX, render_template
from fakeweb.http import MEDIA_MAGIC, content_type_for, is_media
from tests.conftest import cli_env

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
LONG_TXT = "v=DKIM1; k=rsa; p=" + "A" * 600


def _write(root: Path, files: dict) -> Path:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, (dict, list)):
            p.write_text(json.dumps(content))
        elif isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
    return root


def tiny_web(root: Path) -> Path:
    return _write(root, {
        "hosts.json": {"a.test": "127.0.0.2", "www.a.test": "127.0.0.2", "b.test": "127.0.0.3",
                       "edge.cdn.test": "127.0.0.2"},
        "zone.json": {
            "a.test": {"MX": ["10 mail.a.test."], "TXT": ["v=spf1 include:_spf.a.test ~all", LONG_TXT],
                       "SOA": "ns1.a.test. hostmaster.a.test. 7 7200 3600 1209600 300", "TTL": 60,
                       "NS": ["ns1.a.test."], "CAA": ['0 issue "letsencrypt.org"']},
            "www.b.test": {"CNAME": "b.cdn.test."},
            "b.cdn.test": {"CNAME": "edge.cdn.test."},
            "v6.a.test": {"AAAA": ["2001:db8::1"]},
            "broken.test": {"SERVFAIL": True},
            "silent.test": {"TIMEOUT": True},
            "2.0.0.127.in-addr.arpa": {"PTR": ["edge.cdn.test."]},
        },
        "routes.json": {
            "a.test /old": {"redirect": "{{url:b.test/new.html}}", "status": 301},
            "a.test /rel": {"redirect": "/index.html"},
            "a.test /chain": {"redirect_loop": True},
            "a.test /photo.html": {"file": "pic.jpg", "content_type": "text/html; charset=utf-8"},
            "a.test /bomb.html": {"gzip_bomb": True},
            "a.test /big.html": {"big_page": 6_500_000},
            "a.test /calendar": {"calendar": True},
            "a.test /boom": {"status": 500, "body": "<h1>oops</h1>"},
            "a.test /slowly": {"slow": 0.05, "body": "<p>late</p>"},
            "a.test /gated.html": {"require_referer": "{{url:b.test/from.html}}", "else_file": "landing.html"},
            "a.test /img": {"file": "pic.jpg"},
            "b.test *": {"headers": {"Server": "nginx/1.18.0", "X-Powered-By": "PHP/8.1"}},
        },
        "sites/a.test/index.html": '<a href="{{url:b.test/x.html}}">b</a> <a href="{{url:b.test}}">B</a> port={{port}}',
        "sites/a.test/gated.html": "<p>the real shop</p>",
        "sites/a.test/landing.html": "<p>nothing to see</p>",
        "sites/a.test/app.js": "var k = 'pk_live_x'; var u = '{{url:a.test/api}}';",
        "sites/a.test/dir/index.html": "<p>dir index</p>",
        "sites/a.test/pic.jpg": JPEG + CANARY_PREFIX + b"t-1" + bytes(20000) + CANARY_PREFIX + b"t-1",
        "sites/a.test/raw.bin": b"{{port}}" + bytes(10),
        "sites/a.test/404.html": "<h1>custom 404</h1>",
        "sites/b.test/index.html": "<p>site b</p>",
        "sites/b.test/new.html": "<p>new</p>",
    })


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    with FakeWeb(tiny_web(tmp_path_factory.mktemp("tinyweb"))) as w:
        yield w


def http(web: FakeWeb, host: str, path: str = "/", *, ip: str = "127.0.0.1", method: str = "GET",
         headers: dict | None = None) -> tuple[int, dict, bytes]:
    with socket.create_connection((ip, web.http_port), timeout=10) as s:
        head = {"Host": f"{host}:{web.http_port}", "Connection": "close", **(headers or {})}
        req = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n"
        s.sendall(req.encode())
        data = b""
        while chunk := s.recv(1 << 20):
            data += chunk
    top, _, body = data.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs: dict = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs.setdefault(k.strip().lower(), v.strip())
    return status, hdrs, body


def resolver(web: FakeWeb, lifetime: float = 2.0) -> dns.resolver.Resolver:
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", web.dns_port)]
    r.timeout = r.lifetime = lifetime
    r.cache = None
    return r


# ------------------------------------------------------------------------------------ DNS
@pytest.mark.parametrize("qname, qtype, expected", [
    ("a.test", "A", {"127.0.0.2"}),
    ("A.TEST.", "A", {"127.0.0.2"}),                       # case-insensitive
    ("b.test", "A", {"127.0.0.3"}),
    ("a.test", "MX", {"10 mail.a.test."}),
    ("a.test", "NS", {"ns1.a.test."}),
    ("a.test", "SOA", {"ns1.a.test. hostmaster.a.test. 7 7200 3600 1209600 300"}),
    ("a.test", "CAA", {'0 issue "letsencrypt.org"'}),
    ("v6.a.test", "AAAA", {"2001:db8::1"}),
    ("2.0.0.127.in-addr.arpa", "PTR", {"edge.cdn.test."}),
    ("www.b.test", "A", {"127.0.0.2"}),                    # CNAME chain, two hops
])
def test_dns_answers(web, qname, qtype, expected):
    answer = resolver(web).resolve(qname, qtype)
    assert {r.to_text().lower() for r in answer} == {e.lower() for e in expected}


def test_dns_txt_long_strings_split_and_ttl(web):
    answer = resolver(web).resolve("a.test", "TXT")
    texts = {b"".join(r.strings).decode() for r in answer}
    assert texts == {"v=spf1 include:_spf.a.test ~all", LONG_TXT}
    assert any(len(r.strings) > 1 and all(len(s) <= 255 for s in r.strings) for r in answer)
    assert answer.rrset.ttl == 60


def test_dns_udp_truncates_then_tcp_answers(web):
    q = dns.message.make_query("a.test", "TXT")  # no EDNS: 512-byte UDP limit
    udp = dns.query.udp(q, "127.0.0.1", port=web.dns_port, timeout=2)
    assert udp.flags & dns.flags.TC and not udp.answer
    tcp = dns.query.tcp(q, "127.0.0.1", port=web.dns_port, timeout=2)
    assert not tcp.flags & dns.flags.TC and tcp.answer


def test_dns_cname_chain_records(web):
    msg = resolver(web).resolve("www.b.test", "A").response
    kinds = [(rr.name.to_text(), dns.rdatatype.to_text(rr.rdtype)) for rr in msg.answer]
    assert kinds == [("www.b.test.", "CNAME"), ("b.cdn.test.", "CNAME"), ("edge.cdn.test.", "A")]


@pytest.mark.parametrize("qname, qtype, rcode, has_soa", [
    ("nope.test", "A", dns.rcode.NXDOMAIN, True),        # unknown name
    ("gone.a.test", "MX", dns.rcode.NXDOMAIN, True),
    ("a.test", "AAAA", dns.rcode.NOERROR, True),          # NODATA: name exists, type does not
    ("cdn.test", "A", dns.rcode.NOERROR, True),           # empty non-terminal
    ("broken.test", "A", dns.rcode.SERVFAIL, False),
])
def test_dns_negative_answers(web, qname, qtype, rcode, has_soa):
    reply = dns.query.udp(dns.message.make_query(qname, qtype), "127.0.0.1", port=web.dns_port, timeout=2)
    assert reply.rcode() == rcode
    assert not reply.answer
    assert any(rr.rdtype == dns.rdatatype.SOA for rr in reply.authority) == has_soa


def test_dns_resolver_exceptions(web):
    r = resolver(web, lifetime=0.5)
    with pytest.raises(dns.resolver.NXDOMAIN):
        r.resolve("nope.test", "A")
    with pytest.raises(dns.resolver.NoAnswer):
        r.resolve("a.test", "AAAA")
    with pytest.raises(dns.resolver.NoNameservers):
        r.resolve("broken.test", "A")
    with pytest.raises(dns.exception.Timeout):
        dns.query.udp(dns.message.make_query("silent.test", "A"), "127.0.0.1", port=web.dns_port, timeout=0.3)


def test_dns_log_records_questions(web):
    resolver(web).resolve("A.Test", "MX")
    assert ("a.test", "MX") in web.dns_log


# ----------------------------------------------------------------------------------- HTTP
def test_same_port_on_every_ip_and_host_dispatch(web):
    assert {"127.0.0.1", "127.0.0.2", "127.0.0.3"} <= set(web._http.servers)
    status_a, _, body_a = http(web, "a.test", ip="127.0.0.2")
    status_b, _, body_b = http(web, "b.test", ip="127.0.0.3")
    assert (status_a, status_b) == (200, 200)
    assert b"site b" in body_b and b"site b" not in body_a
    # dispatch is on the Host header, not on the address the request came to
    assert http(web, "b.test", ip="127.0.0.2")[2] == body_b
    assert http(web, "www.a.test", ip="127.0.0.2")[2] == body_a          # www. shares the site
    assert http(web, "A.TEST.", ip="127.0.0.2")[2] == body_a
    status, _, body = http(web, "unknown.test", ip="127.0.0.2")
    assert (status, body) == (404, b"no such site\n")


def test_templating_in_text_not_in_binary(web):
    port = web.http_port
    body = http(web, "a.test")[2].decode()
    assert f'href="http://b.test:{port}/x.html"' in body and f'href="http://b.test:{port}"' in body
    assert f"port={port}" in body and "{{" not in body
    assert f"http://a.test:{port}/api" in http(web, "a.test", "/app.js")[2].decode()
    assert http(web, "a.test", "/raw.bin")[2].startswith(b"{{port}}")


@pytest.mark.parametrize("text, expected", [
    ("{{url:shop-a.se}}/", "http://shop-a.se:8080/"),
    ("{{url:shop-a.se/contact.html}}", "http://shop-a.se:8080/contact.html"),
    ("x{{port}}y", "x8080y"),
    ("{{ url:shop-a.se }}", "{{ url:shop-a.se }}"),  # not a token: left alone
    ("{{uri:shop-a.se}}", "{{uri:shop-a.se}}"),
])
def test_render_template(text, expected):
    assert render_template(text, 8080) == expected


@pytest.mark.parametrize("path, status, location", [
    ("/old", 301, "http://b.test:{port}/new.html"),
    ("/rel", 302, "/index.html"),
    ("/chain", 302, "/chain?hop=1"),
    ("/chain?hop=7", 302, "/chain?hop=8"),
    ("/dir", 301, "/dir/"),
])
def test_redirects(web, path, status, location):
    got_status, headers, _ = http(web, "a.test", path)
    assert got_status == status
    assert headers["location"] == location.format(port=web.http_port)


@pytest.mark.parametrize("path, status, ctype, snippet", [
    ("/", 200, "text/html; charset=utf-8", b"port="),
    ("/dir/", 200, "text/html; charset=utf-8", b"dir index"),
    ("/app.js", 200, "application/javascript", b"pk_live_x"),
    ("/missing.html", 404, "text/html; charset=utf-8", b"custom 404"),
    ("/boom", 500, "text/html; charset=utf-8", b"oops"),
    ("/slowly", 200, "text/html; charset=utf-8", b"late"),
    ("/photo.html", 200, "text/html; charset=utf-8", JPEG),      # lying Content-Type
    ("/img", 200, "image/jpeg", JPEG),                            # image without an extension
])
def test_status_and_content_type(web, path, status, ctype, snippet):
    got_status, headers, body = http(web, "a.test", path)
    assert (got_status, headers["content-type"]) == (status, ctype)
    assert snippet in body


def test_site_wide_headers(web):
    _, headers, _ = http(web, "b.test", "/new.html")
    assert headers["server"] == "nginx/1.18.0" and headers["x-powered-by"] == "PHP/8.1"
    assert http(web, "a.test")[1]["server"] != "nginx/1.18.0"


def test_gzip_bomb(web):
    status, headers, body = http(web, "a.test", "/bomb.html")
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert headers["content-type"].startswith("text/html")
    assert len(body) < 1_000_000
    d = zlib.decompressobj(31)
    inflated = len(d.decompress(body, 1 << 16))
    assert d.unconsumed_tail  # much more to come
    while d.unconsumed_tail:
        inflated += len(d.decompress(d.unconsumed_tail, 16 << 20))
    assert inflated >= 200 * 1024 * 1024


def test_big_page_and_calendar(web):
    _, headers, body = http(web, "a.test", "/big.html")
    assert int(headers["content-length"]) == len(body) > 6_000_000
    body = http(web, "a.test", "/calendar?month=41")[2].decode()
    assert 'href="/calendar?month=42"' in body and 'href="/calendar?month=40"' in body


def test_require_referer(web):
    assert b"nothing to see" in http(web, "a.test", "/gated.html")[2]
    wrong = {"Referer": web.url("a.test", "/")}
    assert b"nothing to see" in http(web, "a.test", "/gated.html", headers=wrong)[2]
    right = {"Referer": web.url("b.test", "/from.html")}
    assert b"the real shop" in http(web, "a.test", "/gated.html", headers=right)[2]


def test_head_requests(web):
    status, headers, body = http(web, "a.test", "/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


def test_http_log(web):
    http(web, "a.test", "/dir/", ip="127.0.0.2", headers={"Referer": "http://x/"})
    entry = [e for e in web.requests_to("a.test") if e["path"] == "/dir/"][-1]
    assert entry["status"] == 200 and entry["ip"] == "127.0.0.2" and entry["referer"] == "http://x/"
    assert entry["bytes"] > 0 and entry["media"] is False and "ts" in entry


def test_media_counting(web):
    web.reset_logs()
    http(web, "a.test", "/")
    http(web, "a.test", "/", method="HEAD")
    assert (web.media_hits, web.media_requests) == (0, 0)
    http(web, "a.test", "/pic.jpg", method="HEAD")             # headers only: no body served
    assert web.media_hits == 0
    http(web, "a.test", "/photo.html")                          # lying type, read in full
    assert web.media_hits == 1
    # a client that sniffs the first bytes and hangs up: requested, never served in full
    with socket.create_connection(("127.0.0.2", web.http_port), timeout=5) as s:
        s.sendall(b"GET /pic.jpg HTTP/1.1\r\nHost: a.test\r\n\r\n")
        assert s.recv(4096)
    deadline = time.monotonic() + 5
    while web.media_requests < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (web.media_hits, web.media_requests) == (1, 3)


@pytest.mark.parametrize("ctype, body, media", [
    ("image/jpeg", b"", True),
    ("video/mp4", b"x", True),
    ("application/zip", b"", True),
    ("text/html; charset=utf-8", JPEG, True),            # magic wins over the label
    ("text/html", b"<p>" + CANARY_PREFIX + b"x", True),
    ("application/octet-stream", b"\x00\x00\x00\x18ftypmp42", True),
    ("text/html; charset=utf-8", b"<p>hello</p>", False),
    ("application/javascript", b"var a = 'image/jpeg';", False),
    ("application/json", b'{"src": "photo.jpg"}', False),
])
def test_is_media(ctype, body, media):
    assert is_media(ctype, body) is media


@pytest.mark.parametrize("name, ctype", [
    ("a.html", "text/html; charset=utf-8"), ("a.js", "application/javascript"), ("a.json", "application/json"),
    ("a.JPG", "image/jpeg"), ("a.png", "image/png"), ("a.mp4", "video/mp4"), ("a.zip", "application/zip"),
    ("a.unknownext", "application/octet-stream"),
])
def test_content_type_for(name, ctype):
    assert content_type_for(name) == ctype


# ------------------------------------------------------------------ life cycle, epochs, extras
def test_start_stop_idempotent(tmp_path):
    web = FakeWeb(tiny_web(tmp_path / "w"))
    web.start()
    port = web.http_port
    assert web.start() is web and web.http_port == port
    assert web.url("a.test", "x.html") == f"http://a.test:{port}/x.html"
    assert web.env["MERCHINTEL_NAMESERVERS"] == f"127.0.0.1:{web.dns_port}"
    assert web.env["MERCHINTEL_ALLOW_PRIVATE"] == "1"
    web.stop()
    web.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_switch_keeps_ports_binds_new_ips(tmp_path):
    one = tiny_web(tmp_path / "one")
    two = _write(tmp_path / "two", {
        "hosts.json": {"a.test": "127.0.0.9", "c.test": "127.0.0.10"},
        "zone.json": {"a.test": {"MX": ["20 mx.elsewhere.test."]}},
        "sites/a.test/index.html": "<p>epoch two</p>",
        "sites/c.test/index.html": "<p>site c</p>",
    })
    with FakeWeb(one) as web:
        ports = (web.http_port, web.dns_port)
        web.switch(two)
        assert (web.http_port, web.dns_port) == ports
        assert b"epoch two" in http(web, "a.test", ip="127.0.0.9")[2]
        assert b"site c" in http(web, "c.test", ip="127.0.0.10")[2]
        assert http(web, "b.test")[0] == 404
        r = resolver(web)
        assert [x.to_text() for x in r.resolve("a.test", "A")] == ["127.0.0.9"]
        assert [x.to_text() for x in r.resolve("a.test", "MX")] == ["20 mx.elsewhere.test."]
        with pytest.raises(dns.resolver.NXDOMAIN):
            r.resolve("b.test", "A")
        web.switch(one)
        assert b"port=" in http(web, "a.test", ip="127.0.0.9")[2]  # old IPs stay bound


class _Recorder:
    def __init__(self, web_dir, log):
        self.web_dir, self.log, self.events = web_dir, log, []
        self.env = {"MERCHINTEL_WHOIS_SERVER": "127.0.0.1:4343"}

    def start(self):
        self.events.append("start")

    def stop(self):
        self.events.append("stop")

    def switch(self, web_dir):
        self.events.append(("switch", Path(web_dir).name))


def test_extra_servers(tmp_path, monkeypatch):
    made: list[_Recorder] = []

    def factory(web_dir, log):
        made.append(_Recorder(web_dir, log))
        return made[-1]

    assert len(fakeweb_data.EXTRA_SERVERS) == 2  # the real WHOIS and RDAP fixture servers registered on import
    monkeypatch.setattr(fakeweb_pkg, "EXTRA_SERVERS", [factory, lambda web_dir, log: None])
    root = tiny_web(tmp_path / "w")
    other = tiny_web(tmp_path / "w2")
    with FakeWeb(root) as web:
        assert len(made) == 1 and made[0].events == ["start"] and made[0].web_dir == root.resolve()
        assert web.env["MERCHINTEL_WHOIS_SERVER"] == "127.0.0.1:4343"
        web.switch(other)
    assert made[0].events == ["start", ("switch", "w2"), "stop"]
    with FakeWeb(root, extra_servers=False) as web:
        assert "MERCHINTEL_WHOIS_SERVER" not in web.env
    assert len(made) == 1


def test_missing_hosts_json(tmp_path):
    with pytest.raises(FileNotFoundError, match="hosts.json"):
        FakeWeb(tmp_path)


def test_main_prints_env_and_urls(tmp_path):
    root = tiny_web(tmp_path / "w")
    proc = subprocess.Popen([sys.executable, "-m", "fakeweb", str(root)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=cli_env(tmp_path))
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if "Ctrl-C" in line:
                break
        exports = dict(re.findall(r"^export (MERCHINTEL_\w+)=(\S+)$", "\n".join(lines), re.M))
        assert exports["MERCHINTEL_ALLOW_PRIVATE"] == "1"
        host, port = exports["MERCHINTEL_NAMESERVERS"].split(":")
        reply = dns.query.udp(dns.message.make_query("b.test", "A"), host, port=int(port), timeout=2)
        assert reply.answer[0][0].to_text() == "127.0.0.3"
        assert any(re.match(r"# http://a\.test:\d+/$", line) for line in lines)
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0


# ------------------------------------------------------------------------- the sample web
@pytest.fixture(scope="module")
def sample():
    with FakeWeb(SAMPLE_WEB) as w:
        yield w


def _expected() -> dict:
    return json.loads((SAMPLE_WEB / "expected.json").read_text())


def test_sample_media_files_carry_canaries():
    canaries = _expected()["media_canaries"]
    served = [c for c in canaries if c["served"] or c["path"]]
    assert len({c["id"] for c in canaries}) == len(canaries) >= 30
    for c in served:
        body = (SAMPLE_WEB / "sites" / c["host"] / c["path"].lstrip("/")).read_bytes()
        assert body.startswith(MEDIA_MAGIC) or body[4:8] == b"ftyp" or body.startswith(b"FWS"), c["id"]
        assert body.count(CANARY_PREFIX + c["id"].encode()) == 2, c["id"]  # after the magic and at the end
    media_files = {p for p in (SAMPLE_WEB / "sites").rglob("*") if p.is_file() and CANARY_PREFIX in p.read_bytes()}
    assert len(media_files) == len(served)
    for p in (SAMPLE_WEB / "sites").rglob("*"):  # no text page carries a raw canary
        if p.is_file() and not is_media(content_type_for(p.name), b""):
            assert CANARY_PREFIX not in p.read_bytes(), p


def test_sample_canary_styles_cover_issue_3a():
    styles = " ".join(c["style"] for c in _expected()["media_canaries"])
    for needle in ("img src", "srcset", "picture > source", "video", "audio", "track", "embed", "object data",
                   "CSS url() in style attribute", "CSS url() in <style>", "link rel=icon", "apple-touch-icon",
                   "preload as=image", "og:image", "twitter:image", "manifest.json", "a href to .jpg",
                   "a href to .zip", "a href to .mp4", "text/html", "302", "data: URI"):
        assert needle in styles, needle


def test_sample_every_media_style_is_served_as_media(sample):
    sample.reset_logs()
    for c in _expected()["media_canaries"]:
        if c["path"]:
            status, headers, body = http(sample, c["host"], c["path"], method="HEAD")
            assert status == 200 and is_media(headers["content-type"], b""), c
    status, headers, body = http(sample, "gallery-e.net", "/view/photo-26.html")
    assert headers["content-type"].startswith("text/html") and body.startswith(b"\xff\xd8\xff")
    status, headers, _ = http(sample, "gallery-e.net", "/full?id=27")
    assert status == 302 and headers["location"].endswith(".jpg")
    assert sample.media_hits == 1


def test_sample_reports_render_to_known_hosts(sample, tmp_path):
    path = sample.render_reports(tmp_path / "reports.csv")
    rows = list(csv.DictReader(path.open()))
    assert rows and "{{" not in path.read_text()
    assert set(rows[0]) == {"url", "report_id", "reported_at", "source", "referrer"}
    expected = _expected()["domains"]
    for row in rows:
        parts = urlsplit(row["url"])
        assert parts.port == sample.http_port
        assert parts.hostname in expected, row["url"]
        status = expected[parts.hostname].get("status", "ok")
        if status == "nxdomain":
            assert parts.hostname not in sample.data.hosts and parts.hostname not in sample.data.zone
        elif status in ("ok", "parked"):
            want = 301 if expected[parts.hostname].get("redirects_to") else 200
            got = http(sample, parts.hostname, parts.path or "/", headers={"Referer": row["referrer"]} if row["referrer"] else None)[0]
            assert got == want, row


def test_sample_expected_pages_serve_their_identifiers(sample):
    expected = _expected()["domains"]
    for domain, spec in expected.items():
        referer = spec.get("require_referer")
        headers = {"Referer": sample.render(referer)} if referer else None
        for row in spec["must"] + spec["may"] + spec["decoys"]:
            status, _, body = http(sample, domain, row["page"], headers=headers)
            assert status == 200, (domain, row)
            assert body and CANARY_PREFIX not in body


def test_sample_referer_gate(sample):
    body_without = http(sample, "vids-c.net", "/")[2]
    body_with = http(sample, "vids-c.net", "/", headers={"Referer": sample.url("forum-d.org", "/thread/42.html")})[2]
    assert b"/pay.html" in body_with and b"/pay.html" not in body_without


def test_sample_shared_identifiers_span_domains():
    data = _expected()
    for shared in data["shared"]:
        assert len(shared["domains"]) >= 2
        for domain in shared["domains"]:
            values = {(r["kind"], r["value"]) for r in data["domains"][domain]["must"]}
            assert (shared["kind"], shared["value"]) in values, (domain, shared)


def test_sample_dns(sample):
    r = resolver(sample)
    assert {x.to_text() for x in r.resolve("shop-a.se", "A")} == {"127.0.0.2"}
    txt = {b"".join(x.strings).decode() for x in r.resolve("shop-a.se", "TXT")}
    assert any(t.startswith("google-site-verification=") for t in txt)
    assert [x.to_text() for x in r.resolve("www.shop-b.com", "A")] == ["127.0.0.2"]
    for name in ("nxdomain-shop.com", "gone-shop.com"):
        with pytest.raises(dns.resolver.NXDOMAIN):
            r.resolve(name, "A")
    # the refused site resolves, but nothing listens on its address
    (down_ip,) = [x.to_text() for x in r.resolve("down-h.net", "A")]
    with pytest.raises(OSError):
        socket.create_connection((down_ip, sample.http_port), timeout=2).close()


_SKIP_LINKS = ("/calendar", "/chain", "/loop-", "/catalogue.html", "/huge.html", "/slow.html", "/full", "/p/28",
               "/view/")


def test_sample_links_resolve(sample):
    """Walk every same-site <a href> from the reported URLs: nothing is broken by accident."""
    from lxml import html as lxml_html

    expected = sample.expected()["domains"]
    intended = {"/old-page.html": 404, "/error.html": 500, "/maintenance.html": 503}
    seen: set[tuple[str, str]] = set()
    queue = []
    for row in sample.reports():
        parts = urlsplit(row["url"])
        if expected[parts.hostname].get("status") in ("ok", "parked"):
            queue.append((parts.hostname, parts.path or "/", row["referrer"]))
    while queue:
        host, path, referer = queue.pop()
        if (host, path) in seen:
            continue
        seen.add((host, path))
        status, headers, body = http(sample, host, path, headers={"Referer": referer} if referer else None)
        want = intended.get(path, 301 if expected.get(host, {}).get("redirects_to") else 200)
        assert status == want, (host, path, status)
        if status != 200 or not headers["content-type"].startswith("text/html"):
            continue
        for href in lxml_html.fromstring(body).xpath("//a/@href"):
            parts = urlsplit(href)
            if parts.scheme not in ("", "http") or (parts.hostname or host) != host:
                continue
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            if target.startswith(_SKIP_LINKS) or is_media(content_type_for(parts.path), b"") or "cdn-cgi" in target:
                continue
            queue.append((host, target, sample.url(host, path)))
    assert len(seen) > 90  # 60 archive pages + the shops' pages


def test_sample_expected_matches_extractors():
    """expected.json agrees with the extractor families on every page it names."""
    from crawler.extractors import extract_all
    from crawler.extractors.model import Page

    for domain, spec in _expected()["domains"].items():
        found: dict[tuple[str, str], set] = {}
        for row in spec["must"] + spec["may"] + spec["decoys"]:
            rel = row["page"].lstrip("/") or "index.html"
            rel = rel + "index.html" if rel.endswith("/") else rel
            text = render_template((SAMPLE_WEB / "sites" / domain / rel).read_text(), 8080)
            ctype = "js" if rel.endswith(".js") else "html"
            for ident in extract_all(Page(text, f"http://{domain}:8080{row['page']}", ctype)):
                found.setdefault((ident.kind, ident.value), set()).update(ident.flags or ())
        for row in spec["must"]:
            assert (row["kind"], row["value"]) in found, (domain, row)
        for row in spec["decoys"]:
            for (kind, value), flags in found.items():
                if kind != row["kind"]:
                    continue
                if "value" in row and value == row["value"]:
                    assert row.get("unless_flag") in flags, (domain, row, flags)
                if "digits" in row:
                    assert row["digits"] not in re.sub(r"\D", "", value), (domain, row, value)
