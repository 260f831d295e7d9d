"""Alert logic on database states written directly (the way the crawl pipeline writes them).

``World`` plays crawls: each ``crawl()`` writes runs, sites, case_sites, pages, observations
and errors rows for a set of sites, then ``evaluate()`` raises alerts.  The two-epoch
crawl over a real fake web is tests/test_hop_epochs.py.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from crawler.config import load_config
from crawler.schema import (ALERTS, CASE_SITES, ERRORS, IDENTIFIERS, OBSERVATIONS, PAGES, RUNS, SITES, dumps,
                            open_db, row_key, upsert_seen)
from graph.alerts import list_alerts
from merchintel.alerting import evaluate

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
CDN_IP = "203.0.113.10"
BIG_NS = ["ns1.bigdns.example", "ns2.bigdns.example"]
BIG_REGISTRAR = "Big Registrar Inc."
WIDE_GA = "UA-1000001-1"   # a theme vendor's tracker id, on every filler site


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Site:
    """What one crawl of one registered domain saw."""
    status: str = "ok"
    final: str | None = None                 # registered domain after redirects
    final_url: str | None = None
    chain: list = field(default_factory=list)
    ids: list = field(default_factory=list)  # (kind, value) on its pages
    text: str = "Welcome to our shop."
    linked: list = field(default_factory=list)
    ips: list = field(default_factory=lambda: [CDN_IP])
    ns: list = field(default_factory=lambda: list(BIG_NS))
    registrar: str | None = BIG_REGISTRAR
    error: str | None = None                 # errors.kind for a dead site
    facts: list = field(default_factory=list)  # extra (kind, value, source) from enrichment (whois, dns)


class World:
    def __init__(self, tmp_path, **cfg):
        self.path = str(tmp_path / "w.sqlite")
        self.db = open_db(self.path)
        self.cfg = load_config({"db": self.path, "follow_hops": False, **cfg}, env={}, toml_path=None)
        self.t = T0
        self.n = 0

    def crawl(self, sites: dict[str, Site], case: str = "case-a", hours: float = 24) -> str:
        self.t += timedelta(hours=hours)
        self.n += 1
        now, run = iso(self.t), f"run{self.n}"
        db = self.db
        db[RUNS].insert({"id": run, "command": "crawl", "case_name": case, "started_at": now, "finished_at": now,
                         "status": "done"}, pk="id", replace=True)
        for dom, s in sites.items():
            final = s.final or dom
            url = f"http://{dom}/"
            final_url = s.final_url or f"http://{final}/"
            for d in {dom, final} if s.status == "ok" else {dom}:
                upsert_seen(db, CASE_SITES, {"case_name": case, "domain": d, "last_seen": now, "active": 1}, now=now)
                row = {"domain": d, "last_crawled": now, "last_status": s.status, "final_domain": final,
                       "last_run_id": run}
                if not db[SITES].count_where("domain = ?", [d]):
                    row["first_crawled"] = now
                db[SITES].upsert(row, pk="domain")
            if s.status in ("ok", "parked"):
                db[PAGES].upsert({"url": url, "domain": dom, "final_url": final_url, "redirect_chain": dumps(s.chain),
                                  "status": 200, "text": s.text, "linked_domains": dumps(s.linked), "depth": 0,
                                  "fetched_at": now, "run_id": run, "case_name": case}, pk="url")
                for kind, value in s.ids:
                    ident = f"{kind}:{value}"
                    upsert_seen(db, IDENTIFIERS, {"id": ident, "kind": kind, "value": value}, now=now)
                    upsert_seen(db, OBSERVATIONS, {
                        "key": row_key(ident, final_url), "identifier_id": ident, "kind": kind, "value": value,
                        "domain": final, "page_url": final_url, "source": "page", "case_name": case,
                        "run_id": run}, now=now)
            else:
                db[ERRORS].insert({"key": row_key(url, "fetch", s.error or s.status, run), "url": url, "domain": dom,
                                   "stage": "fetch", "kind": s.error or s.status, "reason": f"{s.status} for {dom}",
                                   "at": now, "run_id": run, "case_name": case}, pk="key", replace=True)
            if s.status == "ok":
                facts = [("ip", ip, "dns") for ip in s.ips] + [("nameserver", n, "dns") for n in s.ns]
                if s.registrar:
                    facts.append(("registrar", s.registrar, "rdap"))
                facts += s.facts
                for kind, value, source in facts:
                    ident = f"{kind}:{value}"
                    upsert_seen(db, OBSERVATIONS, {
                        "key": row_key(ident, f"{source}:{final}"), "identifier_id": ident, "kind": kind,
                        "value": value, "domain": final, "page_url": f"{source}:{final}", "source": source,
                        "run_id": f"enrich{self.n}"}, now=now)
        return run

    def evaluate(self, **kw):
        return evaluate(self.db, self.cfg, run_id=f"run{self.n}", now=iso(self.t), **kw)


def _order(t):
    return tuple("" if x is None else x for x in t)


def kinds_of(alerts):
    return sorted(((a["kind"], a["type"], a["from"], a["to"]) for a in alerts), key=_order)


WALLET = ("btc_address", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
WALLET2 = ("btc_address", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
PAYPAL = ("paypal_business", "sales@oldshop.se")
STRIPE = ("stripe_publishable_key", "pk_live_51HxAbCdEfGhIjKl")
PHONE = ("phone", "+46701234567")
TELEGRAM = ("telegram", "oldshop_support")
EMAIL = ("email", "orders@mirror-src.se")
BRIDGE_GA = ("ga4_measurement_id", "G-THEME00001")
REGISTRANT = ("registrant_email", "boss@operator.example", "whois")
PRIVACY = ("registrant_email", "contact@privacyguardian.org", "whois")


def fillers(n: int = 20) -> dict[str, Site]:
    """Unrelated sites sharing the CDN, name servers, registrar and one theme tracker id."""
    return {f"blog{i:02d}.com": Site(ids=[("ga_tracking_id", WIDE_GA), ("email", f"editor@blog{i:02d}.com")])
            for i in range(n)}


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    w.crawl(fillers(), case="background")
    w.evaluate()
    return w


def test_first_crawl_raises_nothing(world):
    world.crawl({"shop.se": Site(ids=[WALLET, PHONE]), "shop2.se": Site(ids=[WALLET, PHONE])})
    assert world.evaluate() == []


# (name, epoch-1 sites, epoch-2 sites [tracked case], epoch-2 new reports [other case], expected alerts)
SCENARIOS = [
    ("redirect",
     {"oldshop.se": Site(ids=[WALLET, PAYPAL])},
     {"oldshop.se": Site(final="newshop.nu", final_url="http://www.newshop.nu/",
                         chain=[{"url": "http://oldshop.se/", "status": 301, "kind": "http"}], ids=[WALLET, PAYPAL])},
     {},
     [("domain_hop", "redirect", "oldshop.se", "newshop.nu")]),
    ("meta refresh",
     {"oldshop.se": Site(ids=[WALLET])},
     {"oldshop.se": Site(final="newshop.de", chain=[{"url": "http://oldshop.se/", "status": 200,
                                                      "kind": "meta_refresh"}], ids=[WALLET])},
     {},
     [("domain_hop", "redirect", "oldshop.se", "newshop.de")]),
    ("moved notice",
     {"oldshop.se": Site(ids=[WALLET])},
     {"oldshop.se": Site(ids=[WALLET], text="Dear customers, we have moved to newshop.is - see you there!",
                         linked=["newshop.is"])},
     {},
     [("domain_hop", "moved_notice", "oldshop.se", "newshop.is")]),
    ("moved notice decoy: a moved warehouse and an unrelated link",
     {"oldshop.se": Site(ids=[WALLET])},
     {"oldshop.se": Site(ids=[WALLET], text="Our warehouse has moved. Reviews on trustpilot.com",
                         linked=["trustpilot.com"])},
     {},
     []),
    ("reappeared after nxdomain",
     {"oldshop.se": Site(ids=[WALLET, TELEGRAM])},
     {"oldshop.se": Site(status="nxdomain", error="nxdomain")},
     {"phoenix.to": Site(ids=[WALLET, TELEGRAM], ips=["198.51.100.7"], registrar="Njalla")},
     [("domain_hop", "reappeared", "oldshop.se", "phoenix.to"), ("site_down", "nxdomain", "oldshop.se", None)]),
    ("reappeared after a parked page",
     {"oldshop.se": Site(ids=[WALLET])},
     {"oldshop.se": Site(ids=[], text="This domain is parked free of charge. Buy this domain!")},
     {"phoenix.to": Site(ids=[WALLET])},
     [("domain_hop", "reappeared", "oldshop.se", "phoenix.to"), ("site_down", "parked", "oldshop.se", None)]),
    ("mirror",
     {"mirror-src.se": Site(ids=[PHONE, EMAIL])},
     {"mirror-src.se": Site(ids=[PHONE, EMAIL])},
     {"mirror-copy.net": Site(ids=[PHONE, ("email", "orders@mirror-copy.net")])},
     [("domain_hop", "mirror", "mirror-src.se", "mirror-copy.net")]),
    ("payment switch",
     {"payshop.se": Site(ids=[PAYPAL, STRIPE, PHONE])},
     {"payshop.se": Site(ids=[PAYPAL, WALLET2, PHONE])},
     {},
     [("payment_change", "switched", "payshop.se", None)]),
    ("payment dropped only",
     {"payshop.se": Site(ids=[PAYPAL, STRIPE])},
     {"payshop.se": Site(ids=[PAYPAL])},
     {},
     [("payment_change", "dropped", "payshop.se", None)]),
    ("a phone change is no payment change",
     {"payshop.se": Site(ids=[PAYPAL, PHONE])},
     {"payshop.se": Site(ids=[PAYPAL, ("phone", "+46709999999")])},
     {},
     []),
    ("site down for good (unreachable)",
     {"gone.se": Site(ids=[WALLET2])},
     {"gone.se": Site(status="unreachable", error="connection")},
     {},
     [("site_down", "unreachable", "gone.se", None)]),
    ("site back",
     {"flaky.se": Site(status="timeout", error="timeout")},
     {"flaky.se": Site(ids=[PHONE])},
     {},
     [("site_back", "timeout", "flaky.se", None)]),
    ("new domain in cluster through another new domain",
     {"mirror-src.se": Site(ids=[PHONE])},
     {"mirror-src.se": Site(ids=[PHONE])},
     {"mirror-copy.net": Site(ids=[PHONE, TELEGRAM]), "cluster-new.net": Site(ids=[TELEGRAM])},
     [("domain_hop", "mirror", "mirror-src.se", "mirror-copy.net"),
      ("new_domain_in_cluster", None, "mirror-src.se", "cluster-new.net")]),
    # Hops weigh shared values exactly as the clusters do (graph.links.final_stats).
    ("a tracker id bridging three separate operators raises no hop",
     {"a1.se": Site(ids=[WALLET, BRIDGE_GA]), "a2.se": Site(ids=[WALLET]),
      "b1.se": Site(ids=[WALLET2, BRIDGE_GA]), "b2.se": Site(ids=[WALLET2]),
      "c1.se": Site(ids=[PAYPAL, BRIDGE_GA]), "c2.se": Site(ids=[PAYPAL])},
     {},
     {"theme-buyer.net": Site(ids=[BRIDGE_GA, ("email", "hello@theme-buyer.net")])},
     []),
    ("the same tracker id on two sites only is a hop",
     {"a1.se": Site(ids=[WALLET, BRIDGE_GA])},
     {},
     {"copy.net": Site(ids=[BRIDGE_GA])},
     [("domain_hop", "mirror", "a1.se", "copy.net")]),
    ("a registrant e-mail puts a new domain in a tracked cluster (no hop looks at WHOIS)",
     {"src.se": Site(ids=[WALLET], facts=[REGISTRANT])},
     {},
     {"newreg.net": Site(ids=[("email", "info@newreg.net")], facts=[REGISTRANT])},
     [("new_domain_in_cluster", None, "src.se", "newreg.net")]),
    ("a WHOIS privacy-proxy e-mail ties nothing",
     {"src.se": Site(ids=[WALLET], facts=[PRIVACY])},
     {},
     {"other.net": Site(ids=[("email", "info@other.net")], facts=[PRIVACY])},
     []),
    ("a redirect into a parking service is no hop",
     {"oldshop.se": Site(ids=[WALLET])},
     {"oldshop.se": Site(final="sedoparking.com", final_url="http://sedoparking.com/lander",
                         chain=[{"url": "http://oldshop.se/", "status": 302, "kind": "http"}])},
     {},
     []),
    ("a payment change that comes with a moved notice is part of the hop",
     {"oldshop.se": Site(ids=[WALLET, PAYPAL])},
     {"oldshop.se": Site(ids=[], text="Dear customers, we have moved to newshop.is - see you there!",
                         linked=["newshop.is"])},
     {},
     [("domain_hop", "moved_notice", "oldshop.se", "newshop.is")]),
    ("decoys share only CDN address, registrar, name servers and a widespread tracker",
     {"oldshop.se": Site(ids=[WALLET, ("ga_tracking_id", WIDE_GA)])},
     {"oldshop.se": Site(status="nxdomain", error="nxdomain")},
     {"decoy-one.com": Site(ids=[("ga_tracking_id", WIDE_GA), ("email", "hi@decoy-one.com")]),
      "decoy-two.org": Site(ids=[("ga_tracking_id", WIDE_GA), ("phone", "+4932221234567")])},
     [("site_down", "nxdomain", "oldshop.se", None)]),
]


@pytest.mark.parametrize("name, epoch1, epoch2, reports2, expected", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_alert_scenarios(world, name, epoch1, epoch2, reports2, expected):
    world.crawl(epoch1)
    assert world.evaluate() == []
    got = []
    if epoch2:
        world.crawl(epoch2)
        got += world.evaluate()
    if reports2:
        world.crawl(reports2, case="case-b", hours=1)
        got += world.evaluate()
    assert kinds_of(got) == sorted(expected, key=_order)
    for a in got:            # every alert, of every type, carries its evidence
        assert a["evidence"] and all(isinstance(e, dict) and e.get("type") for e in a["evidence"]), a
    # Stored once: evaluating again raises nothing, and the table holds exactly these.
    assert world.evaluate() == []
    assert kinds_of(list_alerts(world.db)) == kinds_of(got)


def test_hop_evidence_and_jurisdiction(world):
    world.crawl({"oldshop.se": Site(ids=[WALLET, TELEGRAM])})
    world.evaluate()
    world.crawl({"oldshop.se": Site(status="nxdomain", error="nxdomain")})
    world.evaluate()
    world.crawl({"phoenix.to": Site(ids=[WALLET, TELEGRAM, ("ga_tracking_id", WIDE_GA)], registrar="Njalla")},
                case="case-b", hours=1)
    [hop] = [a for a in world.evaluate() if a["kind"] == "domain_hop"]
    shared = {(e["kind"], e["value"]) for e in hop["evidence"] if e["type"] == "shared_identifier"}
    assert shared == {WALLET, TELEGRAM}          # the widespread tracker is not evidence
    ev = next(e for e in hop["evidence"] if e.get("kind") == WALLET[0])
    assert ev["from_urls"] == ["http://oldshop.se/"] and ev["to_urls"] == ["http://phoenix.to/"]
    assert ev["from_first_seen"] < ev["to_first_seen"]
    status = next(e for e in hop["evidence"] if e["type"] == "status")
    assert status["status"] == "nxdomain" and status["since"]
    j = hop["jurisdiction"]
    assert j["from"]["cctld_country"] == "SE" and j["to"]["cctld_country"] == "TO"
    assert "cctld_country" in j["changed"] and "registrar" in j["changed"]
    assert hop["cases"] == ["case-a", "case-b"]
    assert hop["detected_at"] == iso(world.t)


def test_redirect_evidence_carries_the_chain(world):
    world.crawl({"oldshop.se": Site(ids=[WALLET])})
    world.evaluate()
    chain = [{"url": "http://oldshop.se/", "status": 302, "kind": "http"}]
    world.crawl({"oldshop.se": Site(final="newshop.ru", final_url="http://newshop.ru/shop", chain=chain,
                                    ids=[WALLET])})
    [hop] = world.evaluate()
    [ev] = [e for e in hop["evidence"] if e["type"] == "redirect_chain"]
    assert ev["chain"] == chain and ev["final_url"] == "http://newshop.ru/shop" and ev["via"] == ["http"]
    assert hop["jurisdiction"]["to"]["cctld_country"] == "RU"


def test_same_site_redirect_is_no_hop(world):
    world.crawl({"oldshop.se": Site(ids=[WALLET])})
    world.evaluate()
    world.crawl({"oldshop.se": Site(final_url="https://www.oldshop.se/",
                                    chain=[{"url": "http://oldshop.se/", "status": 301, "kind": "http"}],
                                    ids=[WALLET])})
    assert world.evaluate() == []


def test_order_does_not_duplicate_a_hop(world):
    """Mirror seen first, then the old site dies: still one hop for the pair."""
    world.crawl({"oldshop.se": Site(ids=[WALLET])})
    world.evaluate()
    world.crawl({"phoenix.to": Site(ids=[WALLET])}, case="case-b")
    assert kinds_of(world.evaluate()) == [("domain_hop", "mirror", "oldshop.se", "phoenix.to")]
    world.crawl({"oldshop.se": Site(status="nxdomain", error="nxdomain")})
    assert kinds_of(world.evaluate()) == [("site_down", "nxdomain", "oldshop.se", None)]


def test_site_down_is_raised_again_after_it_came_back(world):
    world.crawl({"flaky.se": Site(ids=[PHONE])})
    world.evaluate()
    seq = []
    for status in ("timeout", "ok", "timeout"):
        world.crawl({"flaky.se": Site(status=status, error=status, ids=[PHONE])})
        seq += kinds_of(world.evaluate())
    assert seq == [("site_down", "timeout", "flaky.se", None), ("site_back", "timeout", "flaky.se", None),
                   ("site_down", "timeout", "flaky.se", None)]
    assert world.db[ALERTS].count_where("kind IN ('site_down', 'site_back')") == 3


def test_db_path_is_accepted(world):
    world.crawl({"oldshop.se": Site(status="nxdomain")}, hours=1)
    assert evaluate(world.path, world.cfg, now=iso(world.t)) == []  # first sight of it: nothing to compare


def test_follow_hops_crawls_a_moved_target_once(tmp_path, monkeypatch):
    """The moved-notice target is handed to one child crawl with the source's case and no further following."""
    import merchintel.schedule as child
    calls = []

    class FakePopen:
        returncode = 0

        def __init__(self, cmd, env, **kw):
            calls.append((cmd, env["MERCHINTEL_FOLLOW_HOPS"], open(cmd[4]).read()))

        def communicate(self, timeout=None):
            return "", ""
    monkeypatch.setattr(child.subprocess, "Popen", FakePopen)
    w = World(tmp_path, follow_hops=True)
    w.crawl({"oldshop.se": Site(ids=[WALLET])})
    w.evaluate()
    w.crawl({"oldshop.se": Site(ids=[WALLET], text="We have moved to http://newshop.is:8080/ welcome",
                                linked=["newshop.is"])})
    assert kinds_of(w.evaluate()) == [("domain_hop", "moved_notice", "oldshop.se", "newshop.is")]
    [(cmd, follow, text)] = calls
    assert cmd[3:8] == ["crawl", cmd[4], "--case", "case-a", "--db"] and follow == "0"
    assert [r["url"] for r in csv.DictReader(io.StringIO(text))] == ["http://newshop.is:8080/"]
    w.crawl({"oldshop.se": Site(ids=[WALLET], text="We have moved to http://newshop.is:8080/ welcome",
                                linked=["newshop.is"])})
    w.evaluate()
    assert len(calls) == 1


def test_alert_rows_are_json_round_trips(world):
    world.crawl({"gone.se": Site(ids=[WALLET2])})
    world.evaluate()
    world.crawl({"gone.se": Site(status="nxdomain", error="nxdomain")})
    [a] = world.evaluate()
    [stored] = list_alerts(world.db)
    assert stored == json.loads(json.dumps(a))
    assert set(stored) >= {"kind", "type", "from", "to", "evidence", "detected_at"}


def test_one_hop_per_new_domain_from_its_best_partner(world):
    """A new domain carrying a three-site operator's wallet: one hop, from the dead member."""
    world.crawl({"op-a.se": Site(ids=[WALLET, PHONE]), "op-b.se": Site(ids=[WALLET, PHONE]),
                 "op-c.se": Site(ids=[WALLET])})
    world.evaluate()
    world.crawl({"op-a.se": Site(ids=[WALLET, PHONE]), "op-b.se": Site(ids=[WALLET, PHONE]),
                 "op-c.se": Site(status="nxdomain", error="nxdomain")})
    world.evaluate()
    world.crawl({"op-new.to": Site(ids=[WALLET, PHONE])}, case="case-b", hours=1)
    [hop] = world.evaluate()
    assert (hop["type"], hop["from"], hop["to"]) == ("reappeared", "op-c.se", "op-new.to")
    assert {"type": "also_shares_with", "domains": ["op-a.se", "op-b.se"]} in hop["evidence"]


def test_meta_refresh_stored_under_the_target_domain(world):
    """The crawler stores a meta-refresh target page under the target's domain, with the chain
    starting on the tracked site, and leaves the site's own final_domain unchanged."""
    world.crawl({"oldshop.se": Site(ids=[WALLET])})
    world.evaluate()
    world.crawl({"oldshop.se": Site(ids=[], text="Loading…")})
    chain = [{"url": "http://oldshop.se/", "status": 200, "kind": "meta_refresh"}]
    world.db[PAGES].upsert({"url": "http://newshop.de/", "domain": "newshop.de", "final_url": "http://newshop.de/",
                            "redirect_chain": dumps(chain), "status": 200, "text": "shop", "depth": 0,
                            "fetched_at": iso(world.t), "run_id": f"run{world.n}"}, pk="url")
    [hop] = world.evaluate()
    assert (hop["type"], hop["from"], hop["to"]) == ("redirect", "oldshop.se", "newshop.de")
    assert hop["evidence"][0]["via"] == ["meta_refresh"]


def test_alerts_cli_since_kind_and_formats(world, cli):
    world.crawl({"gone.se": Site(ids=[WALLET2]), "payshop.se": Site(ids=[PAYPAL, STRIPE])})
    world.evaluate()
    world.crawl({"gone.se": Site(status="nxdomain", error="nxdomain"), "payshop.se": Site(ids=[PAYPAL, STRIPE])})
    world.evaluate()
    first = iso(world.t)
    world.crawl({"gone.se": Site(status="nxdomain", error="nxdomain"), "payshop.se": Site(ids=[PAYPAL])})
    world.evaluate()

    def run(*args):
        res = cli("alerts", "--db", world.path, *args)
        assert res.returncode == 0, res.stderr
        return res.stdout
    everything = json.loads(run("--format", "json"))
    assert [(a["kind"], a["from"], a["detected_at"]) for a in everything] == [
        ("site_down", "gone.se", first), ("payment_change", "payshop.se", iso(world.t))]
    assert [a["kind"] for a in json.loads(run("--format", "json", "--since", iso(world.t)))] == ["payment_change"]
    # A duration is "that long ago" on the injected clock.
    assert len(json.loads(run("--format", "json", "--since", "2h", "--now", iso(world.t)))) == 1
    assert len(json.loads(run("--format", "json", "--since", "30h", "--now", iso(world.t)))) == 2
    assert [a["kind"] for a in json.loads(run("--format", "json", "--kind", "site_down"))] == ["site_down"]
    table = run()
    assert "gone.se is down (nxdomain)" in table and table.splitlines()[0].split() == [
        "detected_at", "kind", "type", "from", "to", "summary"]
    bad = cli("alerts", "--db", world.path, "--since", "yesterday")
    assert bad.returncode == 1 and bad.stderr.startswith('Error: "yesterday" is not a time')


def test_a_reported_address_that_already_forwards_is_a_hop_at_once(world):
    chain = [{"url": "http://oldshop.se/", "status": 301, "kind": "http"}]
    world.crawl({"oldshop.se": Site(final="newshop.nu", chain=chain, ids=[WALLET]),
                 "brandnew.se": Site(status="nxdomain", error="nxdomain")})
    assert kinds_of(world.evaluate()) == [("domain_hop", "redirect", "oldshop.se", "newshop.nu")]


def test_alerts_carry_the_stored_cluster_id(world):
    """Hops, cluster arrivals and site alerts name the cluster `merchintel clusters` shows."""
    from graph.clusters import cluster_of, compute_clusters
    world.crawl({"mirror-src.se": Site(ids=[PHONE, WALLET2]), "payshop.se": Site(ids=[PAYPAL, STRIPE])})
    world.evaluate()
    world.crawl({"mirror-copy.net": Site(ids=[PHONE]), "cluster-new.net": Site(ids=[("email", "x@cluster-new.net")],
                                                                             facts=[REGISTRANT]),
                 "mirror-src.se": Site(ids=[PHONE, WALLET2], facts=[REGISTRANT]),
                 "payshop.se": Site(ids=[PAYPAL])}, case="case-b")
    got = {a["to"] or a["from"]: a for a in world.evaluate()}
    assert set(got) == {"mirror-copy.net", "cluster-new.net", "payshop.se"}
    cid = cluster_of(world.db, "mirror-src.se")
    assert cid and cid.startswith("C-")
    assert got["mirror-copy.net"]["cluster"] == got["cluster-new.net"]["cluster"] == cid
    assert got["payshop.se"]["kind"] == "payment_change" and got["payshop.se"]["cluster"] is None
    arrival = got["cluster-new.net"]
    assert arrival["kind"] == "new_domain_in_cluster" and arrival["from"] == "mirror-src.se"
    [hop] = [e for e in arrival["evidence"] if e["type"] == "cluster_path"]
    assert (hop["domain"], hop["next"], hop["kind"]) == ("cluster-new.net", "mirror-src.se", "registrant_email")
    [cl] = [e for e in arrival["evidence"] if e["type"] == "cluster"]
    assert cl["id"] == cid and cl["domains"] == ["cluster-new.net", "mirror-copy.net", "mirror-src.se"]
    # A later `merchintel clusters` keeps the id, and the stored alerts say the same.
    assert {c["id"] for c in compute_clusters(world.db) if "mirror-src.se" in c["domains"]} == {cid}
    stored = {a["to"] or a["from"]: a["cluster"] for a in list_alerts(world.db)}
    assert stored == {k: a["cluster"] for k, a in got.items()}


def add_page(world: World, dom: str, url: str, ids: list, *, depth: int = 1) -> None:
    """Another page of ``dom`` fetched by the world's last crawl, carrying ``ids``."""
    now, run = iso(world.t), f"run{world.n}"
    world.db[PAGES].upsert({"url": url, "domain": dom, "final_url": url, "redirect_chain": "[]", "status": 200,
                            "text": "Pay here.", "depth": depth, "fetched_at": now, "run_id": run}, pk="url")
    for kind, value in ids:
        ident = f"{kind}:{value}"
        upsert_seen(world.db, IDENTIFIERS, {"id": ident, "kind": kind, "value": value}, now=now)
        upsert_seen(world.db, OBSERVATIONS, {
            "key": row_key(ident, url), "identifier_id": ident, "kind": kind, "value": value, "domain": dom,
            "page_url": url, "source": "page", "case_name": "case-a", "run_id": run}, now=now)


def test_an_identifier_is_dropped_only_when_its_page_was_fetched_again_without_it(world):
    from graph.history import site_history
    pay = "http://payshop.se/pay.html"
    world.crawl({"payshop.se": Site(ids=[PAYPAL])})
    add_page(world, "payshop.se", pay, [STRIPE])
    world.evaluate()
    # The next crawl does not reach pay.html (a path not taken): nothing changed.
    world.crawl({"payshop.se": Site(ids=[PAYPAL])})
    assert world.evaluate() == []
    last = site_history(world.db, "payshop.se")[-1]
    assert last["unconfirmed"] == [f"{STRIPE[0]}:{STRIPE[1]}"] and len(site_history(world.db, "payshop.se")) == 1
    # The one after fetches pay.html again, and the key is gone from it: now it is dropped.
    world.crawl({"payshop.se": Site(ids=[PAYPAL])})
    add_page(world, "payshop.se", pay, [])
    [alert] = world.evaluate()
    assert (alert["kind"], alert["type"]) == ("payment_change", "dropped")
    [ev] = alert["evidence"]
    assert ev["change"] == "dropped" and ev["urls"] == [pay]
    assert f"-payment {STRIPE[0]}:{STRIPE[1]}" in site_history(world.db, "payshop.se")[-1]["changes"]


def test_a_moved_sites_payment_change_is_evidence_of_its_hop(world):
    world.crawl({"oldshop.se": Site(ids=[WALLET, PAYPAL])})
    world.evaluate()
    world.crawl({"oldshop.se": Site(ids=[], text="We have moved to newshop.is, see you there.", linked=["newshop.is"])})
    [hop] = world.evaluate()
    dropped = {(e["kind"], e["value"]) for e in hop["evidence"] if e["type"] == "payment" and e["change"] == "dropped"}
    assert dropped == {WALLET, PAYPAL}


def test_a_redirect_hop_without_a_stored_chain_still_carries_evidence(world):
    world.crawl({"oldshop.se": Site(ids=[WALLET])})
    world.evaluate()
    world.crawl({"oldshop.se": Site(final="newshop.nu", chain=[])})   # the chain row was overwritten
    [hop] = world.evaluate()
    assert hop["type"] == "redirect" and hop["evidence"]
    assert hop["evidence"][0] == {"type": "final_domain", "domain": "oldshop.se", "final_domain": "newshop.nu",
                                  "at": iso(world.t), "run_id": f"run{world.n}"}
