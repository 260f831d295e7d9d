"""WHOIS server discovery and referral chains against a loopback WHOIS server.

The answers served are real ones from tests/whois_corpus (a thin Verisign answer and the
registrar's, an IANA + Verisign answer as a client prints them, RU-CENTER's answer for a
name under spb.ru), laid out the way fakeweb/whois.py serves them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crawler.config import load_config
from fakeweb import SAMPLE_WEB, FakeWeb
from fakeweb.whois import WhoisServer
from enrich import whois as W
from enrich.ratelimit import RateLimiter
from enrich.run import lookup_registration, make_clients, whois_name

CORPUS = Path(__file__).parent / "whois_corpus"
FAST = {"MERCHINTEL_DNS_TIMEOUT": "1.0", "MERCHINTEL_WHOIS_TIMEOUT": "1.5", "MERCHINTEL_WHOIS_INTERVAL": "0"}


def corpus(name: str) -> str:
    return (CORPUS / name).read_text("utf-8")


@pytest.fixture(scope="module")
def whois_web(tmp_path_factory):
    """A web dir whose whois/ folder holds real answers; its server runs on loopback."""
    root = tmp_path_factory.mktemp("whoisweb")
    d = root / "whois"
    (d / "registry").mkdir(parents=True)
    (d / "iana").mkdir()
    shazow = corpus("net/shazow.net.txt")
    cut = shazow.index("Domain Name: shazow.net")           # Verisign's answer, then Google's (registrar)
    (d / "registry" / "shazow.net.txt").write_text(shazow[:cut], "utf-8")
    (d / "shazow.net.txt").write_text(shazow[cut:], "utf-8")
    (d / "registry" / "netspi.com.txt").write_text(corpus("com/netspi.com.txt"), "utf-8")  # IANA's text on top
    shutil.copy(CORPUS / "ru" / "iac.spb.ru.txt", d / "iac.spb.ru.txt")
    (d / "iana" / "se.txt").write_text("refer:        whois.iis.se\n\ndomain:       SE\n\nwhois:        whois.iis.se\n"
                                       "\nstatus:       ACTIVE\n", "utf-8")
    (d / "iana" / "gr.txt").write_text("domain:       GR\n\nstatus:       ACTIVE\nremarks:      Registration "
                                       "information: https://grweb.ics.forth.gr/\n", "utf-8")
    log: list = []
    srv = WhoisServer(root, log)
    srv.start()
    yield srv
    srv.stop()


def client(srv, log=None):
    return W.WhoisClient(override=("127.0.0.1", srv.port), timeout=1.0,
                         limiter=RateLimiter(min_interval=0.0, backoff_base=0.01, backoff_max=0.05), log=log)


@pytest.fixture(scope="module")
def rdap_web():
    with FakeWeb(SAMPLE_WEB) as w:   # its RDAP server answers 404 for these names: WHOIS it is
        yield w


def clients(rdap_web, srv):
    cfg = load_config({}, env={"MERCHINTEL_RDAP_URL": rdap_web.env["MERCHINTEL_RDAP_URL"],
                               "MERCHINTEL_WHOIS_SERVER": f"127.0.0.1:{srv.port}", **FAST}, toml_path=None)
    return make_clients(cfg)


def test_a_thin_registry_refers_to_the_registrar_and_the_merge_keeps_who_said_what(whois_web, rdap_web):
    rdap, wh = clients(rdap_web, whois_web)
    row = lookup_registration("shazow.net", rdap, wh)
    assert row["status"] == "ok" and row["source"] == "whois"
    chain = json.loads(row["referrals"])
    assert chain[0]["role"] == "rdap" and chain[0]["outcome"] == "not_found"   # RDAP asked first: 404
    assert [(c["server"], c["role"]) for c in chain[1:]] == [("whois.verisign-grs.com", "registry"),
                                                             ("whois.google.com", "registrar")]
    assert chain[1]["query"] == "domain shazow.net" and chain[2]["query"] == "shazow.net"
    sources = json.loads(row["field_sources"])
    # the registry's dates and delegation stand; the contacts come from the registrar's answer
    assert sources["created"] == sources["nameservers"] == sources["registrar"] == "whois.verisign-grs.com"
    assert sources["registrant_country"] == "whois.google.com" and row["registrant_country"] == "CA"
    assert row["nameservers"] == ["ruth.ns.cloudflare.com", "seth.ns.cloudflare.com"]
    assert row["registrant_org"] is None and row["redacted"] == 1     # "Contact Privacy Inc. Customer …"


def test_the_registrys_own_gtld_servers_are_never_the_domains_name_servers(whois_web, rdap_web):
    rdap, wh = clients(rdap_web, whois_web)
    row = lookup_registration("netspi.com", rdap, wh)   # the answer carries IANA's COM object above Verisign's
    assert row["status"] == "ok"
    assert row["nameservers"] == ["ns-1134.awsdns-13.org", "ns-2021.awsdns-60.co.uk", "ns-273.awsdns-34.com",
                                  "ns-659.awsdns-18.net"]
    assert row["created"] == "2004-01-03T19:15:32Z"          # not IANA's 1985-01-01 for COM
    chain = json.loads(row["referrals"])
    assert [(c["role"], c["outcome"]) for c in chain] == [("rdap", "not_found"), ("registry", "ok"),
                                                          ("registrar", "not_found")]   # Amazon's: "No match"
    # and the root's servers are dropped even where a registry lists them, except for their own domain
    text = "Domain Name: x.com\nName Server: A.GTLD-SERVERS.NET\nName Server: ns1.x.com\n"
    assert W.parse_whois("x.com", text)["nameservers"] == ["ns1.x.com"]
    assert W.parse_whois("gtld-servers.net", text)["nameservers"] == ["a.gtld-servers.net", "ns1.x.com"]


def test_a_name_under_a_second_level_registry_is_asked_as_that_registration(whois_web):
    assert W.registration_name("www.iac.spb.ru") == "iac.spb.ru"
    assert whois_name("spb.ru", ["spb.ru", "www.iac.spb.ru"]) == "iac.spb.ru"   # a site the crawl filed as spb.ru
    log: list = []
    r = client(whois_web, log).lookup(W.registration_name("www.iac.spb.ru"))
    assert r.status == "ok" and log == [("whois.nic.ru", "iac.spb.ru")]       # RU-CENTER, not TCI's spb.ru
    rec = W.parse_whois("iac.spb.ru", r.text)
    assert rec["registrar"] == "RU-CENTER" and rec["registrant_org"] == "SPb Information and Analytical Center"


def test_the_server_comes_from_the_shipped_snapshot_without_a_query(whois_web):
    m = W.server_map()
    assert m["_date"] and "IANA" in m["_source"] and len(m["servers"]) > 1000
    for tld in ("se", "dk", "jp", "xn--p1ai", "to", "ws", "io", "shop", "online"):
        assert W.snapshot_server(f"x.{tld}")[1] == "snapshot", tld
    log: list = []
    r = client(whois_web, log).lookup("x.gr")       # IANA lists no port-43 server for .gr: no query at all
    assert r.status == "error" and "RDAP only" in r.error and log == []


def test_refresh_rebuilds_the_map_from_iana_answers_and_keeps_the_hand_kept_parts(whois_web, tmp_path):
    dest = tmp_path / "whois_servers.json"
    shutil.copy(W.DATA_DIR / "whois_servers.json", dest)
    try:
        counts = W.refresh_server_map(dest, tlds=["se", "gr"], client=client(whois_web))
        new = json.loads(dest.read_text("utf-8"))
        assert counts == {"tlds": 2, "servers": 1, "no_whois": 1, "failed": 0}
        assert new["servers"]["se"] == "whois.iis.se" and "gr" in new["no_whois"]
        assert new["suffixes"]["spb.ru"] == "whois.nic.ru" and "com" in new["thin"]
        assert new["_date"] in new["_source"]
        before = dest.read_text("utf-8")
        dead = W.WhoisClient(override=("127.0.0.1", 9), timeout=0.2, limiter=RateLimiter(min_interval=0.0))
        with pytest.raises(ValueError, match="IANA queries failed"):
            W.refresh_server_map(dest, tlds=["se", "gr", "dk"], client=dead)
        assert dest.read_text("utf-8") == before            # a failed refresh leaves the snapshot as it was
    finally:
        W.server_map.cache_clear()


def test_cli_whois_json_shows_fields_source_chain_and_absent_fields(cli, whois_web, rdap_web):
    env = {"MERCHINTEL_RDAP_URL": rdap_web.env["MERCHINTEL_RDAP_URL"],
           "MERCHINTEL_WHOIS_SERVER": f"127.0.0.1:{whois_web.port}", **FAST}
    r = cli("whois", "www.iac.spb.ru", "--format", "json", **env)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["domain"] == "iac.spb.ru" and out["source"] == "whois" and out["server"] == "whois.nic.ru"
    assert out["registrar"] == "RU-CENTER" and out["expires"] == "2024-06-26T00:00:00Z"
    assert [(c["role"], c["outcome"]) for c in out["referrals"]] == [("rdap", "not_found"), ("registry", "ok")]
    assert out["referrals"][1]["server"] == "whois.nic.ru" and out["referrals"][1]["query"] == "iac.spb.ru"
    assert out["field_sources"]["registrar"] == "whois.nic.ru"
    assert {"updated", "registrant_country", "abuse_email"} <= set(out["absent"])
    assert "registrar" not in out["absent"] and "nameservers" not in out["absent"]

    r = cli("whois", "shazow.net", "--format", "table", **env)
    assert r.returncode == 0, r.stderr
    assert "whois.verisign-grs.com (registry, ok): domain shazow.net" in r.stdout
    assert "whois.google.com (registrar, ok): shazow.net" in r.stdout
