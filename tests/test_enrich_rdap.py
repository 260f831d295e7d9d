"""RDAP: the shipped bootstrap picks servers; parsing of domain / ip network / autnum objects;
the client against the fixture RDAP server (429 back-off, garbage, truncation, 404, timeouts)."""

from __future__ import annotations

import json

import pytest

from fakeweb import SAMPLE_WEB, FakeWeb
from enrich import rdap
from enrich.ratelimit import RateLimiter

RDAP_DIR = SAMPLE_WEB / "rdap"


@pytest.mark.parametrize("domain,base", [
    ("shop-b.com", "https://rdap.verisign.com/com/v1/"),
    ("x.net", "https://rdap.verisign.com/net/v1/"),
    ("forum-d.org", "https://rdap.publicinterestregistry.org/rdap/"),
    ("promo-b.info", "https://rdap.identitydigital.services/rdap/"),
    ("shop-f.co.uk", "https://rdap.nominet.uk/uk/"),
    ("a.b.voorbeeld.nl", "https://rdap.sidn.nl/"),
    ("shop.xyz", "https://rdap.centralnic.com/"),
    # decoys: no RDAP in the snapshot -> WHOIS
    ("shop-a.se", None), ("x.ru", None), ("x.de", None), ("x.to", None), ("com.se", None),
])
def test_bootstrap_domain(domain, base):
    assert rdap.base_for_domain(domain) == base


@pytest.mark.parametrize("ip,base", [
    ("193.0.6.139", "https://rdap.db.ripe.net/"),
    ("8.8.8.8", "https://rdap.arin.net/registry/"),
    ("1.1.1.1", "https://rdap.apnic.net/"),
    ("200.160.2.3", "https://rdap.lacnic.net/rdap/"),
    ("41.0.0.1", "https://rdap.afrinic.net/rdap/"),
    ("2a00:1450:4001:82b::200e", "https://rdap.db.ripe.net/"),
    ("2606:4700::6810:84e5", "https://rdap.arin.net/registry/"),
    ("2001:db8::1", None),          # documentation range: nobody's
])
def test_bootstrap_ip(ip, base):
    assert rdap.base_for_ip(ip) == base


@pytest.mark.parametrize("asn,base", [(3333, "https://rdap.db.ripe.net/"), (13335, "https://rdap.arin.net/registry/"),
                                      (4608, "https://rdap.apnic.net/"), (28000, "https://rdap.lacnic.net/rdap/"),
                                      (4294967000, None)])
def test_bootstrap_asn(asn, base):
    assert rdap.base_for_asn(asn) == base


def load(kind, key):
    return json.loads((RDAP_DIR / kind / f"{key}.json").read_text())


@pytest.mark.parametrize("name,expected", [
    ("shop-b.com", {"registrar": "NameCheap, Inc.", "registrar_iana_id": "1068", "abuse_email": "abuse@namecheap.com",
                    "created": "2023-08-14T04:00:00Z", "expires": "2026-08-14T04:00:00Z", "redacted": 1,
                    "registrant_org": None, "registrant_email": None, "registrant_country": "IS",
                    "nameservers": ["ns1.fakecdn.net", "ns2.fakecdn.net"], "statuses": ["client transfer prohibited"]}),
    ("gallery-e.net", {"registrar": "Tucows Domains Inc.", "registrant_org": "VP Media Group",
                       "registrant_email": "vp.mediagroup@protonmail.example", "registrant_name": "Viktor Petrenko",
                       "redacted": 0, "abuse_email": "domainabuse@tucows.com"}),
    ("promo-b.info", {"registrant_org": "Sunrise Media Ltd", "registrant_email": None, "redacted": 1,
                      "registrant_country": "CY"}),
])
def test_parse_domain(name, expected):
    rec = rdap.parse_domain(load("domain", name))
    for key, value in expected.items():
        assert rec[key] == value, (key, rec[key])


@pytest.mark.parametrize("ip,name,abuse,country", [
    ("127.0.0.2", "FAKECDN-EDGE", "abuse@fakecdn.example", "US"),   # ARIN style: abuse nested under the org
    ("127.0.0.3", "BPHOST-NET", "abuse@bulletproof-host.example", "RU"),
])
def test_parse_ip_network(ip, name, abuse, country):
    net = rdap.parse_ip_network(load("ip", ip))
    assert (net["name"], net["abuse_email"], net["country"]) == (name, abuse, country)


def test_parse_survives_odd_objects():
    for data in ({}, {"entities": "x", "events": [None, 3], "nameservers": [1, {"ldhName": None}]},
                 {"entities": [{"roles": ["registrar"], "vcardArray": ["vcard", "oops"]}]}):
        rec = rdap.parse_domain(data)
        assert rec["registrar"] is None and rec["nameservers"] == []


@pytest.mark.parametrize("value,iso", [("2019-03-01T12:00:00Z", "2019-03-01T12:00:00Z"),
                                       ("2019-03-01T14:00:00+02:00", "2019-03-01T12:00:00Z"),
                                       ("26-Aug-1999", "1999-08-26T00:00:00Z"), ("not a date", None), (None, None)])
def test_iso_date(value, iso):
    assert rdap.iso_date(value) == iso


@pytest.fixture(scope="module")
def web():
    with FakeWeb(SAMPLE_WEB) as w:
        yield w


def client(web, timeout=2.0, log=None):
    return rdap.RDAPClient(base_override=web.env["MERCHINTEL_RDAP_URL"], timeout=timeout,
                           limiter=RateLimiter(min_interval=0, backoff_base=0.01, backoff_max=0.05), log=log)


@pytest.mark.parametrize("name,status,asked", [
    ("shop-b.com", "ok", 1),
    ("throttled-rdap.com", "ok", 2),             # 429 once, Retry-After 0, then the record
    ("always-limited-rdap.com", "rate_limited", 3),
    ("garbage-rdap.com", "error", 1),
    ("truncated-rdap.com", "error", 1),
    ("server-error-rdap.com", "error", 1),
    ("shop-a.se", "not_found", 1),
])
def test_client_statuses(web, name, status, asked):
    log: list = []
    r = client(web, log=log).get("domain", name)
    assert r.status == status and len(log) == asked


def test_client_timeout(web):
    r = client(web, timeout=0.3).get("domain", "slow-rdap.com")
    assert r.status == "error" and "timeout" in r.error


def test_client_without_server_returns_none():
    assert rdap.RDAPClient().get("domain", "shop-a.se") is None  # no RDAP for .se in the snapshot: WHOIS


def test_ip_and_autnum_paths(web):
    log: list = []
    c = client(web, log=log)
    assert c.get("ip", "127.0.0.4").status == "ok" and c.get("autnum", 64502).status == "ok"
    assert [u.rsplit("/", 2)[-2:] for u in log] == [["ip", "127.0.0.4"], ["autnum", "64502"]]


@pytest.fixture
def tls_rdap(web):
    """An HTTPS RDAP server on 127.0.0.1 whose certificate names rdap.registry.test, and the
    fake DNS telling that name's address; yields (client TLS context, port)."""
    import http.server
    import ssl
    import threading

    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("rdap.registry.test").configure_cert(server_ctx)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"objectClassName": "domain", "ldhName": "shop-b.com",
                               "requested": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/rdap+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = server_ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    web.data.zone["rdap.registry.test"] = {"A": ["127.0.0.1"]}
    web.data.zone["other.registry.test"] = {"A": ["127.0.0.1"]}
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    try:
        yield client_ctx, httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        web.data.zone.pop("rdap.registry.test", None)
        web.data.zone.pop("other.registry.test", None)


def test_https_rdap_through_the_configured_resolver_still_checks_the_certificate(web, tls_rdap):
    from crawler.config import load_config
    from enrich.run import _resolver_for

    ctx, port = tls_rdap
    resolve = _resolver_for(load_config({}, env=web.env, toml_path=None))
    fast = RateLimiter(min_interval=0, backoff_base=0.01, backoff_max=0.05)
    good = rdap.RDAPClient(base_override=f"https://rdap.registry.test:{port}/", timeout=3, limiter=fast,
                           resolve=resolve)
    good.opener = rdap._resolving_opener(resolve, context=ctx)
    r = good.get("domain", "shop-b.com")
    assert r.status == "ok" and r.data["requested"] == "/domain/shop-b.com", r.error
    # same address, a name the certificate does not carry: refused by TLS, stored as an error
    wrong = rdap.RDAPClient(base_override=f"https://other.registry.test:{port}/", timeout=3, limiter=fast,
                            resolve=resolve)
    wrong.opener = rdap._resolving_opener(resolve, context=ctx)
    r = wrong.get("domain", "shop-b.com")
    assert r.status == "error" and "certificate" in r.error.lower(), r.error
