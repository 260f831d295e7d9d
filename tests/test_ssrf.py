"""The SSRF guard: address rules, IP literals, the middleware, and the dnspython resolver
against a real DNS server (the fake web's) — checked at resolution, handed to Twisted."""

from __future__ import annotations

import json

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.config import Config
from crawler.dnsconfig import make_resolver
from crawler.errors import ConfigError
from fakeweb import FakeWeb
from crawler.resolver import NXDomainError, SSRFDNSRefused, resolve_checked
from crawler.addresses import address_reason, literal_ip, parse_networks, refusal
from crawler.ssrf import SSRFMiddleware, SSRFRefused


@pytest.mark.parametrize("ip, category", [
    ("127.0.0.1", "loopback"), ("127.5.6.7", "loopback"), ("10.1.2.3", "private"),
    ("172.16.0.1", "private"), ("172.31.255.254", "private"), ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"), ("100.64.0.1", "CGNAT"), ("100.127.255.254", "CGNAT"),
    ("224.0.0.251", "multicast"), ("240.0.0.1", "reserved"), ("0.0.0.0", "unspecified"),
    ("255.255.255.255", "reserved"), ("::1", "loopback"), ("fe80::1", "link-local"), ("fc00::1", "private"),
    ("ff02::1", "multicast"), ("::", "unspecified"),
    ("::ffff:127.0.0.1", "IPv4-mapped loopback"), ("::ffff:10.0.0.1", "IPv4-mapped private"),
    ("::ffff:169.254.169.254", "IPv4-mapped link-local"), ("64:ff9b::7f00:1", "NAT64 loopback"),
    ("2002:7f00:1::", "6to4 loopback"), ("::127.0.0.1", "IPv4-compatible loopback"),
    ("192.0.2.10", "private"), ("198.18.0.1", "private"),
])
def test_private_addresses_are_refused(ip, category):
    reason = address_reason(ip)
    assert reason is not None and reason.startswith(category), reason


@pytest.mark.parametrize("ip", ["93.184.216.34", "8.8.8.8", "100.63.255.255", "100.128.0.1", "172.32.0.1",
                                "11.0.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::"])
def test_public_addresses_pass(ip):
    assert address_reason(ip) is None


@pytest.mark.parametrize("host, ip", [
    ("127.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
    ("2130706433", "127.0.0.1"), ("017700000001", "127.0.0.1"), ("[::1]", "::1"), ("::ffff:127.0.0.1", "::ffff:7f00:1"),
    ("10.0.0.1.", "10.0.0.1"),
])
def test_ip_literals_in_every_form(host, ip):
    assert str(literal_ip(host)) == ip


@pytest.mark.parametrize("host", ["shop-a.se", "1.2.3.4.example", "123abc", "deadbeef", "0x.example", ""])
def test_names_are_not_literals(host):
    assert literal_ip(host) is None


def test_allow_networks_are_explicit():
    nets = parse_networks("127.0.0.2/32, 10.8.0.0/16")
    assert refusal("127.0.0.2", nets) is None and refusal("10.8.3.4", nets) is None
    assert refusal("127.0.0.1", nets) is not None and refusal("10.9.0.1", nets) is not None
    assert refusal("::ffff:127.0.0.2", nets) is None
    with pytest.raises(ConfigError, match="MERCHINTEL_SSRF_ALLOW"):
        parse_networks("10.0.0.0/33")


def _mw(**settings):
    crawler = get_crawler(settings_dict={"MERCHINTEL_ALLOW_PRIVATE": False, **settings})
    crawler.stats.open_spider()
    return crawler, build_from_crawler(SSRFMiddleware, crawler)


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://[::1]:8080/", "http://[::ffff:127.0.0.1]/",
                                 "http://169.254.169.254/latest/meta-data/", "http://0x7f.1/", "http://2130706433/",
                                 "http://100.64.1.1/", "http://[fd00::5]/"])
def test_middleware_refuses_private_literals(url):
    crawler, mw = _mw()
    with pytest.raises(SSRFRefused):
        mw.process_request(Request(url))
    assert crawler.stats.get_value("merchintel/ssrf_refused") == 1


@pytest.mark.parametrize("url", ["http://93.184.216.34/", "http://shop-a.se/", "http://[2606:4700::1111]/"])
def test_middleware_leaves_public_and_names_to_the_resolver(url):
    _, mw = _mw()
    assert mw.process_request(Request(url)) is None


def test_allow_private_lifts_the_middleware_check():
    _, mw = _mw(MERCHINTEL_ALLOW_PRIVATE=True)
    assert mw.process_request(Request("http://127.0.0.1/")) is None


def test_a_redirect_to_a_private_ip_is_refused_on_the_next_hop():
    """RedirectMiddleware builds the next hop; it goes through process_request again."""
    crawler, mw = _mw()
    redirect = build_from_crawler(RedirectMiddleware, crawler)
    first = Request("http://93.184.216.34/")
    assert mw.process_request(first) is None
    hop = redirect.process_response(first, Response(first.url, status=302,
                                                    headers={"Location": "http://10.0.0.5/admin"}))
    assert isinstance(hop, Request) and hop.url == "http://10.0.0.5/admin"
    with pytest.raises(SSRFRefused, match="private address 10.0.0.5"):
        mw.process_request(hop)


# ---- the resolver, against a real DNS server -------------------------------------------
@pytest.fixture(scope="module")
def dnsweb(tmp_path_factory):
    d = tmp_path_factory.mktemp("ssrfweb")
    (d / "hosts.json").write_text(json.dumps({
        "loop.example": "127.0.0.1", "lan.example": "10.1.2.3", "meta.example": "169.254.169.254",
        "public.example": "93.184.216.34", "rebind.example": ["93.184.216.34", "127.0.0.1"],
        "cgnat.example": "100.64.0.9",
    }))
    (d / "sites").mkdir()
    with FakeWeb(d, extra_servers=False) as web:
        yield web


def _resolver(web):
    return make_resolver(Config(values={"nameservers": f"127.0.0.1:{web.dns_port}", "dns_timeout": 2.0}))


@pytest.mark.parametrize("name, why", [
    ("loop.example", "loopback"), ("lan.example", "private"), ("meta.example", "link-local"),
    ("rebind.example", "loopback"), ("cgnat.example", "CGNAT"), ("127.0.0.1", "loopback"),
])
def test_resolver_refuses_names_that_resolve_private(dnsweb, name, why):
    with pytest.raises(SSRFDNSRefused, match=why) as exc:
        resolve_checked(_resolver(dnsweb), name, allow_private=False)
    assert exc.value.kind == "ssrf"


def test_resolver_hands_back_the_checked_address(dnsweb):
    ip, ttl = resolve_checked(_resolver(dnsweb), "public.example", allow_private=False)
    assert ip == "93.184.216.34" and 0 < ttl <= 300
    assert resolve_checked(_resolver(dnsweb), "loop.example", allow_private=True)[0] == "127.0.0.1"
    nets = parse_networks("10.1.2.0/24")
    assert resolve_checked(_resolver(dnsweb), "lan.example", allow_private=False, allow_networks=nets)[0] == "10.1.2.3"


def test_nxdomain_is_its_own_error(dnsweb):
    with pytest.raises(NXDomainError, match="NXDOMAIN") as exc:
        resolve_checked(_resolver(dnsweb), "nosuch.example", allow_private=True)
    assert exc.value.kind == "nxdomain"
    assert ("nosuch.example", "A") in [(q.lower().rstrip("."), t) for q, t in dnsweb.dns_log]


def test_resolver_cache_is_bounded():
    import time as _time

    from crawler.resolver import CACHE_MAX, GuardedResolver
    res = GuardedResolver(None, Config(values={"nameservers": "127.0.0.1:53", "dns_timeout": 1.0}),
                          allow_private=False)
    for i in range(CACHE_MAX * 2 + 10):
        res._remember(f"site{i}.example", _time.monotonic() + 300, "93.184.216.34")
    assert len(res._cache) <= CACHE_MAX
    assert "site" + str(CACHE_MAX * 2 + 9) + ".example" in res._cache   # the newest is kept
