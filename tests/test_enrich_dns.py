"""DNS for enrichment: answers and failures as statuses, retries on timeout only, TXT/SOA
identifiers, Team Cymru parsing and shared-infrastructure detection."""

from __future__ import annotations

import asyncio
import socket
import threading

import dns.message
import dns.rrset
import pytest

from crawler.config import load_config
from crawler.dnsconfig import make_async_resolver
from fakeweb import SAMPLE_WEB, FakeWeb
from enrich import hosting
from enrich.dns import query, query_many, rdata_text, soa_email, txt_identifiers


@pytest.mark.parametrize("txt,expected", [
    ("v=spf1 include:_spf.mailhost-a.net ~all", [("spf_include", "_spf.mailhost-a.net")]),
    ("v=spf1 ip4:192.0.2.0/24 include:spf.protection.outlook.com -include:x.example redirect=_spf.example.com",
     [("spf_include", "spf.protection.outlook.com"), ("spf_include", "x.example"), ("spf_include", "_spf.example.com")]),
    ("google-site-verification=Xy7kQ2mN9pL4vR8sT1wZ3bC6dF0gH5jK", [("txt_token", "google-site-verification=Xy7kQ2mN9pL4vR8sT1wZ3bC6dF0gH5jK")]),
    ("yandex-verification: 4b1c2d3e4f5a6b7c", [("txt_token", "yandex-verification: 4b1c2d3e4f5a6b7c")]),
    ("facebook-domain-verification=abcdef1234567890", [("txt_token", "facebook-domain-verification=abcdef1234567890")]),
    ("MS=ms12345678", [("txt_token", "MS=ms12345678")]),
    # decoys
    ("v=spf1 -all", []),
    ("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC", []),
    ("some free text mentioning include:foo.example", []),
    ("google-site-verification=", []),
    ("v=DMARC1; p=reject; rua=mailto:dmarc@shop-a.se", []),
])
def test_txt_identifiers(txt, expected):
    assert txt_identifiers(txt) == expected


@pytest.mark.parametrize("soa,email", [
    ("ns1.x.se. hostmaster.shop-a.se. 1 7200 3600 1209600 300", "hostmaster@shop-a.se"),
    ("ns1.x.se john\\.doe.example.co.uk 1 2 3 4 5", "john.doe@example.co.uk"),
    ("ns1.x.se . 1 2 3 4 5", None),
    ("ns1.x.se localhost 1 2 3 4 5", None),
    ("garbage", None),
])
def test_soa_email(soa, email):
    assert soa_email(soa) == email


@pytest.mark.parametrize("rtype,text,out", [("MX", "10 MX.Shop-B.com.", "10 mx.shop-b.com"),
                                            ("NS", "NS1.X.", "ns1.x"), ("A", "127.0.0.2", "127.0.0.2")])
def test_rdata_text(rtype, text, out):
    assert rdata_text(rtype, text) == out


@pytest.mark.parametrize("ip,qname", [
    ("192.0.2.7", "7.2.0.192.origin.asn.cymru.com"),
    ("2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.origin6.asn.cymru.com"),
])
def test_cymru_names(ip, qname):
    assert hosting.origin_qname(ip) == qname


@pytest.mark.parametrize("txt,asn,prefix,cc", [
    ("13335 | 104.16.0.0/13 | US | arin | 2014-03-28", 13335, "104.16.0.0/13", "US"),
    ("3333 1234 | 193.0.0.0/21 | NL | ripencc | 1993-09-01", 3333, "193.0.0.0/21", "NL"),
    ("64501 | 127.0.0.0/24 | RU | test | 2020-01-01", 64501, "127.0.0.0/24", "RU"),
])
def test_parse_origin(txt, asn, prefix, cc):
    o = hosting.parse_origin(txt)
    assert (o["asn"], o["prefix"], o["country"]) == (asn, prefix, cc)


@pytest.mark.parametrize("txt", ["", "hello", "NA | 1.2.3.0/24 | US", "13335 | not-a-prefix | US | arin | x"])
def test_parse_origin_decoys(txt):
    assert hosting.parse_origin(txt) is None


@pytest.mark.parametrize("kw,shared", [
    ({"asn": 13335}, "cdn asn:13335 Cloudflare"),
    ({"asn": 54113}, "cdn asn:54113 Fastly"),
    ({"asn": 57724}, "cdn asn:57724 DDoS-Guard"),
    ({"cnames": ["shop.example.com.cdn.cloudflare.net."]}, "cdn cname:cloudflare.net Cloudflare"),
    ({"cnames": ["d111111abcdef8.cloudfront.net"]}, "cdn cname:cloudfront.net Amazon CloudFront"),
    ({"ptr": "server-13-32-1-1.fra50.r.cloudfront.net"}, "cdn ptr:server-13-32-1-1.fra50.r.cloudfront.net"),
    ({"servers": ["cloudflare"]}, "cdn server:cloudflare"),
    ({"asn": 22612}, "shared asn:22612 Namecheap"),
    ({"asn": 64500, "as_name": "FAKECDN - Fake CDN Inc., ZZ"}, "cdn as-name:FAKECDN - Fake CDN Inc., ZZ"),
    # decoys: dedicated hosting, a CNAME that only mentions "cloudflare" in a label, ordinary Server headers
    ({"asn": 24940, "as_name": "HETZNER-AS, DE"}, None),
    ({"cnames": ["cloudflare.net.evil.example"]}, None),
    ({"servers": ["nginx/1.18.0", "Apache/2.4.57 (Debian)"]}, None),
    ({"ptr": "vps-3.bulletproof-host.ru"}, None),
])
def test_shared_reason(kw, shared):
    assert hosting.shared_reason(**kw) == shared


# ---------------------------------------------------------------------------------------
# Against the fake web's DNS server
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def web():
    with FakeWeb(SAMPLE_WEB) as w:
        yield w


def ask(web, questions, timeout=0.3, retries=1):
    cfg = load_config({}, env=web.env, toml_path=None)
    return asyncio.run(query_many(make_async_resolver(cfg), questions, timeout=timeout, concurrency=8,
                                  retries=retries))


@pytest.mark.parametrize("qname,qtype,status,answers", [
    ("shop-a.se", "A", "ok", ["127.0.0.2"]),
    ("shop-a.se", "MX", "ok", ["10 mail.shop-a.se"]),
    ("shop-a.se", "SOA", "ok", ["ns1.bulletproof-dns.ru hostmaster.shop-a.se 2024031501 7200 3600 1209600 300"]),
    ("shop-a.se", "CAA", "ok", ['0 issue "letsencrypt.org"']),
    ("shop-a.se", "AAAA", "nodata", []),
    ("nxdomain-shop.com", "A", "nxdomain", []),
    ("broken-dns-j.com", "A", "servfail", []),
    ("timeout-dns-k.com", "A", "timeout", []),
])
def test_statuses(web, qname, qtype, status, answers):
    [r] = ask(web, [(qname, qtype)])
    assert (r.status, r.answers) == (status, answers)


def test_cname_chain_followed(web):
    [r] = ask(web, [("www.shop-b.com", "A")])
    assert r.answers == ["127.0.0.2"] and r.cname_chain == ["shop-b.com.cdn.fakecdn.net", "edge.fakecdn.net"]


def test_long_txt_is_joined(web):
    [r] = ask(web, [("default._domainkey.shop-b.com", "TXT")])
    assert r.status == "ok" and len(r.answers[0]) > 255 and r.answers[0].startswith("v=DKIM1")


@pytest.mark.parametrize("qname,expected_asks", [("timeout-dns-k.com", 2), ("broken-dns-j.com", 1),
                                                 ("nxdomain-shop.com", 1)])
def test_only_timeouts_are_retried(web, qname, expected_asks):
    web.reset_logs()
    ask(web, [(qname, "A")], retries=1)
    assert sum(1 for q, t in web.dns_log if q == qname and t == "A") == expected_asks


def test_many_at_once(web):
    questions = [(f"n{i}.example", "A") for i in range(200)] + [("shop-a.se", "A")]
    results = ask(web, questions)
    assert len(results) == 201 and results[-1].answers == ["127.0.0.2"]
    assert {r.status for r in results[:-1]} == {"nxdomain"}


@pytest.mark.parametrize("qname,qtype", [
    ("shop-a.se", "A"), ("shop-a.se", "SOA"), ("shop-a.se", "AAAA"), ("www.shop-b.com", "A"),
    ("nxdomain-shop.com", "A"), ("broken-dns-j.com", "MX"), ("default._domainkey.shop-b.com", "TXT"),
])
def test_many_at_once_gives_what_one_query_gives(web, qname, qtype):
    """query_many's workers give what a single query gives, error text included."""
    resolver = make_async_resolver(load_config({}, env=web.env, toml_path=None))
    [fast] = asyncio.run(query_many(resolver, [(qname, qtype)], timeout=1.0))
    slow = asyncio.run(query(resolver, qname, qtype, timeout=1.0))
    assert (fast.as_dict(), fast.tries) == (slow.as_dict(), slow.tries)


@pytest.mark.parametrize("qname,qtype,asks", [("default._domainkey.shop-b.com", "TXT", 2),  # 764 bytes: TC, then TCP
                                              ("shop-a.se", "TXT", 1)])
def test_truncated_answer_asked_again_over_tcp(web, qname, qtype, asks):
    web.reset_logs()
    [r] = ask(web, [(qname, qtype)])
    assert r.status == "ok" and sum(1 for q, t in web.dns_log if (q, t) == (qname, qtype)) == asks


# ---------------------------------------------------------------------------------------
# Source ports and forged replies, against a tiny DNS server of our own that records the
# client port of every query and can send forged replies before the real one
# ---------------------------------------------------------------------------------------
REAL, FORGED = "127.0.0.2", "127.0.0.66"


class _PortServer:
    """Answers every A query with REAL from 127.0.0.1; ``forge`` names what is sent first:
    a forged reply (answer FORGED) from another socket, for another question, with another
    id, or a correct one (the control: it must win)."""

    def __init__(self, forge: str | None = None) -> None:
        self.forge = forge
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a second source port
        self.other.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.client_ports: list[int] = []
        self.forged_sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> "_PortServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()
        self.other.close()

    @staticmethod
    def _reply(query: dns.message.Message, address: str, *, qname=None, qid=None) -> bytes:
        if qname is not None:  # the same id, for another question
            query = dns.message.make_query(qname, "A")
            query.id = qid
        r = dns.message.make_response(query)
        if qid is not None:
            r.id = qid
        r.answer.append(dns.rrset.from_text(query.question[0].name, 300, "IN", "A", address))
        return r.to_wire()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            self.client_ports.append(addr[1])
            q = dns.message.from_wire(data)
            others = [p for p in self.client_ports if p != addr[1]]
            forged = {
                "other source port": lambda: self.other.sendto(self._reply(q, FORGED), addr),
                "other name": lambda: self.sock.sendto(self._reply(q, FORGED, qname="decoy.example", qid=q.id), addr),
                "other type": lambda: self.sock.sendto(self._reply_other_type(q), addr),
                "other id": lambda: self.sock.sendto(self._reply(q, FORGED, qid=(q.id + 1) % 65536), addr),
                "garbage": lambda: self.sock.sendto(data[:2] + b"\x81\x80not dns", addr),
                # right id, source and question, but to another socket of the client's pool
                "other client socket": lambda: others and self.sock.sendto(self._reply(q, FORGED),
                                                                            (addr[0], others[-1])),
                "correct (control)": lambda: self.sock.sendto(self._reply(q, FORGED), addr),
            }
            if self.forge is not None and forged[self.forge]():
                self.forged_sent += 1
            self.sock.sendto(self._reply(q, REAL), addr)

    @staticmethod
    def _reply_other_type(query: dns.message.Message) -> bytes:
        other = dns.message.make_query(query.question[0].name, "MX")
        other.id = query.id
        r = dns.message.make_response(other)
        r.answer.append(dns.rrset.from_text(query.question[0].name, 300, "IN", "MX", "10 forged.example."))
        return r.to_wire()


def _ask_server(server: _PortServer, names: list[str], concurrency: int = 8) -> list:
    """Ask ``names`` (A) through the enrichment path (dnspython's resolver) at ``server``."""
    cfg = load_config({}, env={"MERCHINTEL_NAMESERVERS": f"127.0.0.1:{server.port}"}, toml_path=None)
    return asyncio.run(query_many(make_async_resolver(cfg), [(n, "A") for n in names], timeout=2.0,
                                  concurrency=concurrency))


@pytest.mark.parametrize("queries,concurrency,min_ports,max_ports", [
    (64, 8, 48, 64),   # a socket of its own per query, on a port the OS picks at random
    (64, 1, 48, 64),   # one query at a time still changes port
    (1, 1, 1, 1),      # decoy for the counting: one query, one port
])
def test_queries_come_from_many_source_ports(queries, concurrency, min_ports, max_ports):
    with _PortServer() as server:
        results = _ask_server(server, [f"n{i}.example" for i in range(queries)], concurrency)
    assert [r.answers for r in results] == [[REAL]] * queries
    assert len(server.client_ports) == queries and min_ports <= len(set(server.client_ports)) <= max_ports


@pytest.mark.parametrize("forge,expected", [
    ("other source port", REAL),   # right id and question, wrong source: ignored
    ("other name", REAL),          # right id and source, another question: ignored
    ("other type", REAL),
    ("other id", REAL),
    ("garbage", REAL),
    ("other client socket", REAL), # the reply must come back to the socket its query left from
    ("correct (control)", FORGED), # a reply that matches everything is taken: the check above can fail
])
def test_forged_replies_are_ignored(forge, expected):
    names = [f"victim{i}.example" for i in range(8)]
    with _PortServer(forge) as server:
        results = _ask_server(server, names)
    assert [r.answers for r in results] == [[expected]] * len(names)
    assert server.forged_sent >= (len(names) if forge != "other client socket" else 1)


@pytest.mark.parametrize("fast", [True, False])
def test_dead_nameserver_times_out(fast):
    """Nothing listens on the port: a timeout (the ICMP refusal is not seen, as on dnspython's sockets)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    cfg = load_config({}, env={"MERCHINTEL_NAMESERVERS": f"127.0.0.1:{port}"}, toml_path=None)
    resolver = make_async_resolver(cfg)
    if fast:
        results = asyncio.run(query_many(resolver, [("a.example", "A"), ("b.example", "MX")], timeout=0.3,
                                         retries=0))
    else:
        results = [asyncio.run(query(resolver, q, t, timeout=0.3, retries=0)) for q, t in
                   [("a.example", "A"), ("b.example", "MX")]]
    assert [r.status for r in results] == ["timeout", "timeout"]


@pytest.mark.parametrize("module", ["enrich.dns", "enrich.hosting", "enrich.rdap", "enrich.whois", "enrich.cache",
                                    "enrich.contacts", "enrich.facts", "enrich.ratelimit"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0
