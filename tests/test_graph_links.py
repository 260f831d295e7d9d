"""Linking on a noisy fixture with known operators, and the helpers alerts use."""

import networkx as nx
import pytest

from crawler.schema import open_db
from graph.clusters import compute_clusters
from graph.links import (all_links, domains_sharing, shared_strong_identifiers, site_links,
                         strong_identifier_domains)
from tests.linkweb import Writer, make_linkweb, precision_recall


@pytest.fixture(scope="module")
def noisy(tmp_path_factory):
    path = tmp_path_factory.mktemp("linkweb") / "m.sqlite"
    truth = make_linkweb(path, n_sites=240, seed=7)
    return open_db(path, readonly=True), truth


def _predicted(clusters, truth):
    pred = {d: d for d in truth}
    for c in clusters:
        for d in c["domains"]:
            pred[d] = c["id"]
    return pred


def test_noise_is_heavy_enough_to_fool_naive_linking(noisy):
    """Linking on any shared value merges nearly everything: the fixture is a real test."""
    db, truth = noisy
    g = nx.Graph()
    g.add_nodes_from(truth)
    g.add_edges_from(all_links(db))
    naive = {d: i for i, comp in enumerate(nx.connected_components(g)) for d in comp}
    precision, _ = precision_recall(truth, naive)
    assert precision < 0.2
    cdn = db.execute("SELECT COUNT(DISTINCT domain) FROM observations WHERE kind='ip' "
                     "AND flags LIKE '%cdn%'").fetchone()[0]
    assert cdn > len(truth) / 2


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_clusters_recover_operators_with_precision_and_recall_at_least_0_9(tmp_path, seed):
    truth = make_linkweb(tmp_path / "m.sqlite", n_sites=240, seed=seed)
    db = open_db(tmp_path / "m.sqlite", readonly=True)
    clusters = compute_clusters(db, persist=False, with_paths=False)
    precision, recall = precision_recall(truth, _predicted(clusters, truth))
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)


def test_noise_values_never_appear_as_cluster_evidence(noisy):
    db, truth = noisy
    evidence = {(e["kind"], e["value"]) for c in compute_clusters(db, persist=False, with_paths=False)
                for e in c["evidence"]}
    decoys = {("ga_tracking_id", "UA-11111111-1"), ("ip", "203.0.113.10"),
              ("registrant_email", "contact@privacyguardian.org"), ("spf_include", "_spf.bigmail.example"),
              ("registrant_org", "Domain Admin")}
    assert not evidence & decoys
    assert not any(k in ("nameserver", "registrar", "asn", "mx") for k, _ in evidence)


@pytest.fixture
def small(tmp_path):
    w = Writer(tmp_path / "m.sqlite")
    for d in ("a.se", "b.se", "c.se", "d.se", "e.se"):
        w.site(d)
        w.observe(d, "ip", "203.0.113.10", source="dns", flags=["cdn"])
        w.observe(d, "nameserver", "ns1.bigdns.net", source="dns")
    w.observe("a.se", "btc_address", "bc1qwallet", first="2026-01-02T00:00:00Z", last="2026-02-01T00:00:00Z")
    w.observe("b.se", "btc_address", "bc1qwallet", source="script")
    w.observe("a.se", "phone", "+46701234567")
    w.observe("b.se", "phone", "+46701234567")
    w.observe("b.se", "soa_email", "admin@ops.example", source="dns")
    w.observe("c.se", "soa_email", "admin@ops.example", source="dns")
    w.observe("d.se", "ip", "198.51.100.9", source="dns")       # weak only: d–e are not linked
    w.observe("e.se", "ip", "198.51.100.9", source="dns")
    w.close()
    return open_db(tmp_path / "m.sqlite", readonly=True)


def test_shared_strong_identifiers(small):
    assert sorted(shared_strong_identifiers(small, "a.se", "b.se")) == [
        ("btc_address", "bc1qwallet"), ("phone", "+46701234567")]
    assert shared_strong_identifiers(small, "b.se", "c.se") == []      # soa_email is medium
    assert shared_strong_identifiers(small, "d.se", "e.se") == []      # ip is weak
    assert shared_strong_identifiers(small, "a.se", "c.se") == []


@pytest.mark.parametrize("domain,min_strength,expected", [
    ("a.se", "strong", ["b.se"]),
    ("b.se", "strong", ["a.se"]),
    ("b.se", "medium", ["a.se", "c.se"]),
    ("d.se", "strong", []),
    ("d.se", "weak", ["e.se", "a.se", "b.se", "c.se"]),   # the small host's IP first, then the shared NS
])
def test_domains_sharing(small, domain, min_strength, expected):
    got = domains_sharing(small, domain, min_strength)
    assert [o for o, _, _ in got] == expected
    for other, shared, score in got:
        assert shared and 0 < score <= 1
        assert ("ip", "203.0.113.10") not in shared


def test_domains_sharing_best_first(small):
    got = domains_sharing(small, "b.se", "medium")
    assert got[0][0] == "a.se" and got[0][2] > got[1][2]
    assert got[0][1][0][0] in ("btc_address", "phone")


def test_site_links_and_strong_identifier_domains(small):
    rows = site_links(small, "b.se")
    assert [r["domain"] for r in rows][:2] == ["a.se", "c.se"]
    assert rows[0]["linked"] and rows[0]["score"] == 1.0
    assert strong_identifier_domains(small, "btc_address", "bc1qwallet") == ["a.se", "b.se"]
    assert site_links(small, "nosuch.se") == []


def test_site_links_from_a_graph_equal_those_from_the_database(small):
    from graph.build import build_graph
    g = build_graph(small)
    for d in ("a.se", "b.se", "d.se"):
        assert site_links(g, d) == site_links(small, d)


def _bridge_store(path, tracker_sites, extra=()):
    """Three operators, each two sites tied by its own wallet; forum.org alone; a tracker id
    on ``tracker_sites``; everyone behind one CDN address."""
    w = Writer(path)
    ops = {"shop-a.se": "A", "mirror-a.ru": "A", "shop-b.com": "B", "members-b.net": "B",
           "vids-c.net": "C", "gallery-c.net": "C", "forum.org": "D"}
    for d, op in ops.items():
        w.site(d)
        w.observe(d, "ip", "127.0.0.2", source="dns", flags=["cdn"])
        if op != "D":
            w.observe(d, "btc_address", f"bc1qwallet{op.lower()}")
    for d in tracker_sites:
        w.observe(d, "ga4_measurement_id", "G-K2X9QW7PLM")
    for d, kind, value in extra:
        w.observe(d, kind, value)
    w.close()
    return open_db(path, readonly=True)


@pytest.mark.parametrize("tracker_sites,expected", [
    # the sample web's noise: one tracker on sites of three separate operators and a loner
    (("shop-a.se", "shop-b.com", "gallery-c.net", "forum.org"),
     [["gallery-c.net", "vids-c.net"], ["members-b.net", "shop-b.com"], ["mirror-a.ru", "shop-a.se"]]),
    # two operators sharing one tracker id: could be one operator; linked (documented)
    (("shop-a.se", "shop-b.com"),
     [["members-b.net", "mirror-a.ru", "shop-a.se", "shop-b.com"], ["gallery-c.net", "vids-c.net"]]),
])
def test_a_value_bridging_separate_operators_is_discounted(tmp_path, tracker_sites, expected):
    db = _bridge_store(tmp_path / "m.sqlite", tracker_sites)
    clusters = compute_clusters(db, persist=False, with_paths=False)
    assert sorted(c["domains"] for c in clusters) == sorted(expected)
    if len(tracker_sites) == 4:
        assert shared_strong_identifiers(db, "shop-a.se", "forum.org") == []
        assert domains_sharing(db, "forum.org", "strong")[0][2] < 0.5


def test_one_phone_on_many_otherwise_untied_sites_is_one_operator(tmp_path):
    w = Writer(tmp_path / "m.sqlite")
    sites = [f"s{i}.se" for i in range(6)]
    for d in sites:
        w.site(d)
        w.observe(d, "phone", "+46701112233")
        w.observe(d, "ip", "127.0.0.2", source="dns", flags=["cdn"])
    w.close()
    db = open_db(tmp_path / "m.sqlite", readonly=True)
    assert [c["domains"] for c in compute_clusters(db, persist=False, with_paths=False)] == [sites]
    assert shared_strong_identifiers(db, "s0.se", "s5.se") == [("phone", "+46701112233")]
