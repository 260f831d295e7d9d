"""Crawl -> enrich -> link -> alert -> export, end to end over the packaged sample web.

Two real `merchintel crawl` processes (enrichment on) over one FakeWeb: the first crawls
three of the reported sites, which become tracked; the second crawls every other report,
as a new batch would arrive.  Then `clusters`, `links`, `alerts` and `export` run as real
processes on the same database.  The truth is the sample web's expected.json: its
operator clusters, its redirects, and its noise (a CDN address and a GA4 id on four
unrelated sites) that must tie nothing and raise no hop.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from itertools import combinations

import networkx as nx
import pytest

from crawler.domains import registered_domain
from fakeweb import SAMPLE_WEB, FakeWeb
from tests.conftest import cli_env, run_cli

EXPECTED = json.loads((SAMPLE_WEB / "expected.json").read_text("utf-8"))
CLUSTERS = {frozenset(c) for c in EXPECTED["clusters"]}
NOISE = EXPECTED["noise"]
NOISE_VALUES = {(n["kind"], n["value"]) for n in NOISE}
NOISE_DOMAINS = {d for n in NOISE for d in n["domains"]}
# A site counts as tracked when the first crawl took it: one operator's site, one that
# carries only noise, and the other half of a later redirect target's operator.
FIRST_BATCH = ("shop-a.se", "forum-d.org", "shop-b-members.net")
# Registered domains the sample web sends elsewhere (HTTP 3xx, meta refresh).
REDIRECTS = {(d, v[k]) for d, v in EXPECTED["domains"].items() for k in ("redirects_to", "meta_refresh_to")
             if v.get(k)}
FAST = {"MERCHINTEL_DNS_TIMEOUT": "1.0", "MERCHINTEL_WHOIS_TIMEOUT": "1.5", "MERCHINTEL_WHOIS_INTERVAL": "0"}


def same_operator(a: str, b: str) -> bool:
    return any(a in c and b in c for c in CLUSTERS)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pipeline")
    db = tmp / "m.sqlite"
    with FakeWeb(SAMPLE_WEB) as web:
        rows = list(csv.DictReader(web.render_reports(tmp / "all.csv").open(encoding="utf-8")))
        batches = [[r for r in rows if registered_domain(r["url"]) in FIRST_BATCH],
                   [r for r in rows if registered_domain(r["url"]) not in FIRST_BATCH]]
        env = cli_env(tmp, **web.env, **FAST)
        crawls = []
        for i, batch in enumerate(batches):
            path = tmp / f"batch{i}.csv"
            with path.open("w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(batch)
            crawls.append(run_cli(["crawl", str(path), "--db", str(db), "--case", f"batch{i}", "--format", "json"],
                                  env=env, cwd=tmp))
            assert crawls[-1].returncode == 0, crawls[-1].stderr[-3000:]
        media_hits = web.media_hits

    def cli(*args: str):
        r = run_cli([*args, "--db", str(db)], env=env, cwd=tmp)
        assert r.returncode == 0, r.stderr[-3000:]
        return r
    out = {"tmp": tmp, "db": db, "crawls": crawls, "media_hits": media_hits, "batches": batches, "cli": cli,
           "alerts": json.loads(cli("alerts", "--format", "json").stdout),
           "clusters": json.loads(cli("clusters", "--format", "json").stdout)}
    yield out


def test_crawls_enrich_under_their_own_run(pipeline):
    assert pipeline["media_hits"] == 0
    for r in pipeline["crawls"]:
        assert "Traceback" not in r.stderr and "skipping" not in r.stderr and "failed (" not in r.stderr
    con = sqlite3.connect(pipeline["db"])
    try:
        runs = [r[0] for r in con.execute("SELECT id FROM runs WHERE command = 'crawl' ORDER BY started_at")]
        other_runs = con.execute("SELECT count(*) FROM runs WHERE command != 'crawl'").fetchone()[0]
        facts = dict(con.execute("SELECT run_id, count(*) FROM observations WHERE source IN ('dns', 'whois', 'rdap') "
                                 "GROUP BY run_id").fetchall())
        first_run_sites = {r[0] for r in con.execute("SELECT DISTINCT domain FROM observations WHERE run_id = ? AND "
                                                     "source IN ('dns', 'whois', 'rdap')", [runs[0]])}
    finally:
        con.close()
    assert len(runs) == 2 and other_runs == 0
    # DNS/WHOIS/RDAP facts are filed under the crawl that asked for them, nothing else.
    assert set(facts) == set(runs) and all(facts.values())
    assert first_run_sites == set(FIRST_BATCH)


def test_clusters_are_the_operators_of_the_sample_web(pipeline):
    found = pipeline["clusters"]
    assert {frozenset(c["domains"]) for c in found} == CLUSTERS
    for c in found:
        assert c["id"].startswith("C-") and c["score"] >= 0.5
        assert not NOISE_VALUES & {(e["kind"], e["value"]) for e in c["evidence"]}, c
    clustered = {d for c in found for d in c["domains"]}
    # Sites that share only the CDN address and the widespread GA4 id with others are in no cluster.
    noise_only = {d for d in NOISE_DOMAINS if not any(d in c for c in CLUSTERS)}
    assert noise_only and not noise_only & clustered


@pytest.mark.parametrize("domain", sorted(NOISE_DOMAINS))
def test_links_of_noise_sites(pipeline, domain):
    rows = json.loads(pipeline["cli"]("links", domain, "--format", "json").stdout)
    by_other = {r["domain"]: r for r in rows}
    for other in NOISE_DOMAINS - {domain}:
        shared = {(s["kind"], s["value"]) for s in by_other.get(other, {}).get("shared", [])}
        if same_operator(domain, other):
            assert by_other[other]["linked"], (domain, other)
            continue
        # The GA4 id is listed, weighing under the threshold; the CDN address weighs nothing.
        assert ("ga4_measurement_id", "G-K2X9QW7PLM") in shared and ("ip", "127.0.0.2") not in shared
        assert not by_other[other]["linked"] and by_other[other]["score"] < 0.5


def test_alerts_raise_the_hops_and_no_noise_hop(pipeline):
    alerts = pipeline["alerts"]
    first = set(FIRST_BATCH)
    second = {registered_domain(r["url"]) for r in pipeline["batches"][1]}
    assert {a["kind"] for a in alerts} == {"domain_hop"}
    hops = {(a["from"], a["to"]): a for a in alerts}
    assert len(hops) == len(alerts)
    for (src, dst), a in hops.items():
        assert (src, dst) in REDIRECTS or (same_operator(src, dst) and src in first and dst in second), a
        assert a["type"] == ("redirect" if (src, dst) in REDIRECTS else "mirror"), a
        assert not (src in NOISE_DOMAINS and dst in NOISE_DOMAINS and not same_operator(src, dst)), a
        shared = {(e["kind"], e["value"]) for e in a["evidence"] if e["type"] == "shared_identifier"}
        assert not shared & NOISE_VALUES, a
    # Every new site that is a redirect target or joins a tracked operator got its (one) hop;
    # the 3xx redirect is always recorded by the crawler (meta refresh: see docs/crawl.md).
    must = {d for d in second for c in CLUSTERS if d in c and c & first} | \
           {dst for src, dst in REDIRECTS if src in second}
    # (a site that only redirects is in its operator's cluster by that redirect: its hop is from it)
    assert {d for pair in hops for d in pair} & second == must
    assert {k for k in REDIRECTS if EXPECTED["domains"][k[0]].get("redirects_to")} <= set(hops)
    mirror = hops[("shop-a.se", "shop-a-mirror.ru")]
    assert {e["kind"] for e in mirror["evidence"] if e["type"] == "shared_identifier"} >= {"btc_address", "phone"}
    # Each alert names the cluster `merchintel clusters` prints for its new domain.
    cluster_of = {d: c["id"] for c in pipeline["clusters"] for d in c["domains"]}
    for a in alerts:
        assert a["cluster"] == cluster_of.get(a["to"]) and a["cluster"], a


def test_exports_read_the_crawled_store(pipeline):
    tmp, cli = pipeline["tmp"], pipeline["cli"]
    con = sqlite3.connect(pipeline["db"])
    try:
        sites = {r[0] for r in con.execute("SELECT domain FROM sites")}
    finally:
        con.close()
    cli("export", "--format", "json", "-o", str(tmp / "g.json"))
    cli("export", "--format", "gexf", "-o", str(tmp / "g.gexf"))
    g_json = nx.node_link_graph(json.loads((tmp / "g.json").read_text("utf-8")), edges="edges")
    g_gexf = nx.read_gexf(tmp / "g.gexf")
    for g in (g_json, g_gexf):
        assert {f"domain:{d}" for d in sites} <= set(g.nodes)
        links = {frozenset((u, v)) for u, v, k in g.edges(data="kind") if k in ("link", "redirect", "moved_to")}
        # The exported domain–domain edges (shared values, redirects) stay inside the operator
        # clusters and hold each one together; the redirects are edges of their own kind.
        inside = {frozenset((f"domain:{a}", f"domain:{b}")) for c in CLUSTERS for a, b in combinations(c, 2)}
        assert links <= inside
        for c in CLUSTERS:
            sub = nx.Graph([tuple(e) for e in links if set(e) <= {f"domain:{d}" for d in c}])
            assert set(sub.nodes) == {f"domain:{d}" for d in c} and nx.is_connected(sub)
        assert {frozenset((f"domain:{a}", f"domain:{b}")) for a, b in REDIRECTS} == \
            {frozenset((u, v)) for u, v, k in g.edges(data="kind") if k == "redirect"}
        assert ("ip:127.0.0.2" in g) and all(g.has_edge(f"domain:{d}", "ip:127.0.0.2") for d in NOISE_DOMAINS)
    assert set(g_json.nodes) == set(g_gexf.nodes)
    assert g_json.number_of_edges() == g_gexf.number_of_edges()
