"""WHOIS: parsing the usual registry formats (enrich.whois_parse) and the port-43
client against the fixture WHOIS server (referrals, throttling, garbage, truncation, timeouts)."""

from __future__ import annotations

import pytest

from fakeweb import SAMPLE_WEB, FakeWeb
from enrich.ratelimit import RateLimiter
from enrich.whois import WhoisClient, is_rate_limited, merge_records, parse_whois

WHOIS_DIR = SAMPLE_WEB / "whois"


def text(name: str, registry: bool = False) -> str:
    path = WHOIS_DIR / ("registry" if registry else "") / f"{name}.txt"
    return path.read_bytes().decode("utf-8", "replace")


# (fixture file, registry answer?, expected fields) — one row per registry format
FORMATS = [
    ("shop-a.se", False, {"registrar": "Loopia AB", "created": "2023-11-02T00:00:00Z", "expires": "2026-11-02T00:00:00Z",
                          "updated": "2024-03-01T00:00:00Z", "nameservers": ["ns1.bulletproof-dns.ru", "ns2.bulletproof-dns.ru"],
                          "statuses": ["active", "ok"], "redacted": 1, "registrant_org": None}),
    ("shop-nu.nu", False, {"registrar": "GleSYS AB", "registrant_org": "Nordic Leisure AB", "redacted": 0,
                           "expires": "2027-01-20T00:00:00Z", "statuses": ["active", "serverTransferProhibited"]}),
    ("shop-a-mirror.ru", False, {"registrar": "RU-CENTER-RU", "created": "2024-03-10T09:31:15Z",
                                 "expires": "2027-03-10T21:00:00Z", "redacted": 1, "registrant_name": None,
                                 "statuses": ["REGISTERED", "DELEGATED", "UNVERIFIED"],
                                 "nameservers": ["ns1.bulletproof-dns.ru", "ns2.bulletproof-dns.ru"]}),
    ("pay-gate.ru", False, {"registrar": "RU-CENTER-RU", "registrant_org": 'OOO "Vostok Payments"', "redacted": 0}),
    ("shop-f.co.uk", False, {"registrar": "Webnames Hosting Ltd t/a Cheap-Names", "created": "2024-02-12T00:00:00Z",
                             "expires": "2027-02-12T00:00:00Z", "updated": "2026-02-14T00:00:00Z",
                             "nameservers": ["ns1.uk-host.example", "ns2.uk-host.example"],
                             "registrar_url": "https://www.cheap-names.example"}),
    ("beispiel-shop.de", False, {"nameservers": ["ns1.hetzner-dns.example", "ns2.hetzner-dns.example"],
                                 "statuses": ["connect"], "updated": "2025-09-30T12:22:01Z", "registrar": None}),
    ("voorbeeld-shop.nl", False, {"registrar": "Hosting Holland B.V.", "abuse_email": "abuse@hostingholland.example",
                                  "created": "2018-04-11T00:00:00Z", "updated": "2025-10-02T00:00:00Z",
                                  "nameservers": ["ns1.hostingholland.example", "ns2.hostingholland.example"],
                                  "statuses": ["active"]}),
    ("pir-shop.org", False, {"registrar": "PDR Ltd. d/b/a PublicDomainRegistry.com", "registrar_iana_id": "303",
                             "abuse_email": "abuse-contact@publicdomainregistry.com", "registrant_org": "Charity Shop Trust",
                             "registrant_country": "NL", "registrant_name": None, "registrant_email": None,
                             "redacted": 1, "created": "2020-04-17T11:32:58Z", "expires": "2026-04-17T11:32:58Z",
                             "nameservers": ["ns1.pdr-dns.example", "ns2.pdr-dns.example"]}),
    ("shop-io.io", False, {"registrar": "Porkbun LLC", "registrar_iana_id": "1861", "abuse_email": "abuse@porkbun.com",
                           "created": "2022-07-18T16:40:51Z", "expires": "2026-07-18T16:40:51Z",
                           "registrant_country": "US", "registrant_email": None, "redacted": 1,
                           "statuses": ["clientDeleteProhibited", "clientTransferProhibited"],
                           "nameservers": ["curitiba.ns.porkbun.com", "fortaleza.ns.porkbun.com",
                                           "maceio.ns.porkbun.com"]}),
    ("shop-to.to", False, {"nameservers": ["ns1.offshore-dns.example", "ns2.offshore-dns.example"]}),
    ("shop-b-members.net", True, {"registrar": "NameCheap, Inc.", "registrar_iana_id": "1068",
                                  "created": "2024-01-09T10:12:44Z", "expires": "2027-01-09T10:12:44Z",
                                  "abuse_email": "abuse@namecheap.com", "nameservers": ["ns1.fakecdn.net", "ns2.fakecdn.net"]}),
    ("shop-b-members.net", False, {"registrar": "NAMECHEAP INC", "registrant_country": "IS", "redacted": 1,
                                   "registrant_org": None}),
    ("vids-c.net", False, {"registrant_org": "VP Media Group", "registrant_email": "vp.mediagroup@protonmail.example",
                           "registrant_country": "SC", "redacted": 0, "abuse_email": "abuse@offshore-names.example"}),
    ("shop-cc.cc", True, {"registrar": "Dynadot Inc", "registrar_iana_id": "472", "expires": "2027-03-03T03:03:03Z"}),
    ("shop-cc.cc", False, {"registrant_email": None, "registrant_org": None, "redacted": 1, "registrant_country": "US"}),
    ("example-shop.lol", False, {"registrar": "Gname.com Pte. Ltd.", "abuse_email": "complaint@gname.com",
                                 "registrant_country": "CN", "registrant_email": None}),
]


@pytest.mark.parametrize("name,registry,expected", FORMATS, ids=[f"{n}{'-registry' if r else ''}" for n, r, _ in FORMATS])
def test_parse_registry_formats(name, registry, expected):
    rec = parse_whois(name, text(name, registry))
    assert rec["status"] == "ok", rec["error"]
    for key, value in expected.items():
        assert rec[key] == value, (key, rec[key])


@pytest.mark.parametrize("domain,body,status", [
    ("nxdomain-shop.com", 'No match for "NXDOMAIN-SHOP.COM".\r\n>>> Last update of whois database: x <<<', "not_found"),
    ("gone.se", 'domain "gone.se" not found.\n', "not_found"),
    ("gone.de", "Domain: gone.de\nStatus: free\n", "not_found"),
    ("gone.ru", "No entries found for the selected source(s).\n", "not_found"),
    ("x.io", "\x00\x17<html><body>502 Bad Gateway</body></html>", "error"),
    ("x.com", "", "error"),
    ("x.com", "%% some banner only\n%% nothing else\n", "error"),
])
def test_not_found_and_garbage_are_statuses_not_crashes(domain, body, status):
    assert parse_whois(domain, body)["status"] == status


def test_truncated_answer_keeps_what_arrived():
    full = text("truncated.nl")
    rec = parse_whois("truncated.nl", full[:160])  # what the fixture server sends
    assert rec["status"] == "ok" and rec["statuses"] == ["active"]
    assert rec["nameservers"] == []  # cut before the name servers: not invented


@pytest.mark.parametrize("reply,limited", [
    ("%% Your query rate limit has been exceeded.\r\n%% Too many queries from your IP; try again later.\r\n", True),
    ("WHOIS LIMIT EXCEEDED - SEE WWW.PIR.ORG/WHOIS FOR DETAILS\n", True),
    ("%ERROR:201: access denied for 192.0.2.1\n", True),
    # decoys: real records that merely mention limits
    (text("shop-f.co.uk"), False),
    ("Domain Name: x.com\nRegistrar: Y\nNOTICE: high-volume queries exceeding limits are refused\n", False),
])
def test_rate_limit_replies_are_told_from_records(reply, limited):
    assert is_rate_limited(reply) is limited


def test_merge_thin_registry_and_registrar():
    registry = parse_whois("vids-c.net", text("vids-c.net", registry=True))
    registrar = parse_whois("vids-c.net", text("vids-c.net"))
    merged = merge_records(registry, registrar)
    assert merged["created"] == "2023-05-02T00:00:00Z"           # registry's dates stand
    assert merged["registrant_email"] == "vp.mediagroup@protonmail.example"  # registrar's contacts on top
    assert registry["registrant_email"] is None


# ---------------------------------------------------------------------------------------
# The client against the fixture WHOIS server
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def web():
    with FakeWeb(SAMPLE_WEB) as w:
        yield w


def whois_server(web):
    return next(s for s in web.extra_servers if getattr(s, "name", "") == "whois")


def client(web, timeout=0.5, log=None):
    srv = whois_server(web)
    return WhoisClient(override=("127.0.0.1", srv.port), timeout=timeout,
                       limiter=RateLimiter(min_interval=0.0, backoff_base=0.01, backoff_max=0.05), log=log)


def test_thin_registry_refers_to_the_registrar(web):
    log: list = []
    r = client(web, log=log).lookup("shop-b-members.net")
    assert r.status == "ok"
    assert log == [("whois.verisign-grs.com", "domain shop-b-members.net"), ("whois.namecheap.com", "shop-b-members.net")]
    assert "Registrant Email" in r.text


def test_thick_registry_is_not_followed(web):
    log: list = []
    r = client(web, log=log).lookup("shop-io.io")  # has a Registrar WHOIS Server line, but .io is thick
    assert r.status == "ok" and [s for s, _ in log] == ["whois.nic.io"]


def test_unknown_tld_goes_through_iana_referral(web, monkeypatch):
    """A TLD newer than the shipped snapshot (here: .lol taken out of it) is asked at whois.iana.org."""
    import enrich.whois as w

    snapshot = dict(w.server_map(), servers={k: v for k, v in w.server_map()["servers"].items() if k != "lol"})
    monkeypatch.setattr(w, "server_map", lambda: snapshot)
    log: list = []
    r = client(web, log=log).lookup("example-shop.lol")
    assert r.status == "ok"
    assert log == [("whois.iana.org", "lol"), ("whois.nic.lol", "example-shop.lol")]


def test_org_is_thick_no_referral(web):
    log: list = []
    r = client(web, log=log).lookup("pir-shop.org")  # "Registrar WHOIS Server: http://…" must not be followed
    assert r.status == "ok" and [s for s, _ in log] == ["whois.publicinterestregistry.org"]


def test_denic_query_syntax(web):
    log: list = []
    r = client(web, log=log).lookup("beispiel-shop.de")
    assert r.status == "ok" and log == [("whois.denic.de", "-T dn,ace beispiel-shop.de")]


def test_throttled_once_then_answered(web):
    log: list = []
    r = client(web, log=log).lookup("ratelimit-once.se")
    assert r.status == "ok" and "One.com" in r.text and len(log) == 2


def test_always_throttled_gives_rate_limited(web):
    log: list = []
    r = client(web, log=log).lookup("always-limited.se")
    assert r.status == "rate_limited" and len(log) == 3 and "rate limiting" in r.error


@pytest.mark.parametrize("name,needle", [("slow-whois.se", "timeout"), ("dropped.de", "")])
def test_silent_or_dropping_server_is_an_error(web, name, needle):
    r = client(web, timeout=0.3).lookup(name)
    assert r.status == "error" and needle in (r.error or "")


def test_registrar_timeout_keeps_the_registry_answer(web):
    r = client(web, timeout=0.3).lookup("slow-registrar.com")
    assert r.status == "ok" and "Slow Registrar LLC" in r.text and "timeout" in (r.error or "")


def test_size_cap():
    import socket
    import threading

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve():
        conn, _ = srv.accept()
        conn.recv(100)
        try:
            conn.sendall(b"Domain Name: X.COM\r\n" + b"A" * 200_000)
        except OSError:
            pass
        conn.close()

    threading.Thread(target=serve, daemon=True).start()
    c = WhoisClient(override=srv.getsockname(), timeout=1, limiter=RateLimiter(min_interval=0), max_bytes=10_000)
    text_, error = c.raw("whois.x", "x.com")
    srv.close()
    assert error is None and len(text_) == 10_000


def test_whois_server_names_resolve_through_the_configured_dns(web):
    """Without MERCHINTEL_WHOIS_SERVER the server's name goes to our resolver, not the OS's."""
    from crawler.config import load_config
    from enrich.run import make_clients

    cfg = load_config({}, env={"MERCHINTEL_NAMESERVERS": web.env["MERCHINTEL_NAMESERVERS"],
                               "MERCHINTEL_WHOIS_TIMEOUT": "0.5", "MERCHINTEL_WHOIS_INTERVAL": "0"}, toml_path=None)
    _rdap, whois = make_clients(cfg)
    web.reset_logs()
    r = whois.lookup("shop-a.se")   # whois.iis.se is not in the fake web's zone: NXDOMAIN there
    assert r.status == "error" and "cannot resolve WHOIS server whois.iis.se" in r.error
    assert ("whois.iis.se", "A") in web.dns_log
