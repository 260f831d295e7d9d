"""The graph built from the store: node ids kind:value, one edge per domain and value
with times and evidence, link edges, filters."""

import pytest

from crawler.schema import open_db
from graph.build import build_graph
from tests.linkweb import Writer


@pytest.fixture
def store(tmp_path):
    w = Writer(tmp_path / "m.sqlite")
    w.site("shop-a.se", case="c1")
    w.site("shop-b.se", case="c1")
    w.site("other.com", case="c2")
    w.observe("shop-a.se", "phone", "+46701234567", url="http://shop-a.se/contact.html",
              first="2026-01-01T00:00:00Z", last="2026-01-03T00:00:00Z")
    w.observe("shop-a.se", "phone", "+46701234567", url="http://www.shop-a.se/about.html",
              first="2025-12-30T00:00:00Z", last="2026-01-02T00:00:00Z")
    w.observe("shop-b.se", "phone", "+46701234567", source="script")
    w.observe("shop-a.se", "ip", "203.0.113.10", source="dns", flags=["cdn"])
    w.observe("other.com", "ip", "203.0.113.10", source="dns", flags=["cdn"])
    w.observe("shop-b.se", "registrar", "Big Registrar Inc.", source="rdap")
    w.observe("other.com", "ga_tracking_id", "UA-1-1", first="2026-03-01T00:00:00Z", last="2026-03-01T00:00:00Z")
    w.close()
    return open_db(tmp_path / "m.sqlite", readonly=True)


def test_nodes_and_edges(store):
    g = build_graph(store)
    assert {"domain:shop-a.se", "domain:shop-b.se", "domain:other.com", "hostname:www.shop-a.se",
            "phone:+46701234567", "ip:203.0.113.10", "registrar:Big Registrar Inc.", "ga_tracking_id:UA-1-1"} \
        <= set(g.nodes)
    for node, attrs in g.nodes(data=True):
        assert node == f"{attrs['kind']}:{attrs['value']}"
        assert all(v is not None and v != "" for v in attrs.values())
    e = g.edges["domain:shop-a.se", "phone:+46701234567"]
    assert e["kind"] == "phone"
    assert e["first_seen"] == "2025-12-30T00:00:00Z" and e["last_seen"] == "2026-01-03T00:00:00Z"
    assert list(e["evidence"]) == ["http://shop-a.se/contact.html", "http://www.shop-a.se/about.html"]
    assert e["evidence_count"] == 2 and e["sources"] == "page"
    assert g.edges["domain:shop-b.se", "registrar:Big Registrar Inc."]["evidence"] == ("rdap:shop-b.se",)
    link = g.edges["domain:shop-a.se", "domain:shop-b.se"]
    assert link["kind"] == "link" and link["score"] == 1.0 and link["evidence"] == ["phone:+46701234567"]
    assert not g.has_edge("domain:shop-a.se", "domain:other.com")      # only the CDN address in common
    assert g.nodes["ip:203.0.113.10"]["cdn"] is True and g.nodes["ip:203.0.113.10"]["weight"] == 0.0
    assert g.nodes["domain:shop-a.se"]["cluster"] == g.nodes["domain:shop-b.se"]["cluster"]
    assert "cluster" not in g.nodes["domain:other.com"]


def test_every_observed_value_has_a_direct_edge_from_its_domain(store):
    g = build_graph(store)
    for dom, kind, value in store.execute("SELECT DISTINCT domain, kind, value FROM observations"):
        assert g.has_edge(f"domain:{dom}", f"{kind}:{value}"), (dom, kind, value)


@pytest.mark.parametrize("filters,present,absent", [
    ({"case": "c1"}, {"domain:shop-a.se", "phone:+46701234567"}, {"domain:other.com", "ga_tracking_id:UA-1-1"}),
    ({"case": "c2"}, {"domain:other.com", "ip:203.0.113.10"}, {"domain:shop-a.se", "phone:+46701234567"}),
    ({"since": "2026-02-01T00:00:00Z"}, {"ga_tracking_id:UA-1-1"}, {"phone:+46701234567"}),
    ({"min_score": 0.5}, {"phone:+46701234567"}, {"ip:203.0.113.10", "registrar:Big Registrar Inc."}),
    ({"case": "nosuch"}, set(), {"domain:shop-a.se"}),
])
def test_filters(store, filters, present, absent):
    g = build_graph(store, **filters)
    assert present <= set(g.nodes)
    assert not absent & set(g.nodes)
    for u, v in g.edges:
        assert u in g.nodes and v in g.nodes


def test_cluster_filter(store):
    g = build_graph(store)
    cid = g.nodes["domain:shop-a.se"]["cluster"]
    sub = build_graph(store, cluster=cid)
    assert {n for n, a in sub.nodes(data=True) if a["kind"] == "domain"} == {"domain:shop-a.se", "domain:shop-b.se"}


def test_pseudonymized_graph_hides_personal_values(store):
    g = build_graph(store, pseudonymize="partner-key")
    phones = [n for n, a in g.nodes(data=True) if a["kind"] == "phone"]
    assert len(phones) == 1 and phones[0].startswith("phone:hmac:") and len(phones[0]) == len("phone:hmac:") + 32
    assert "+46701234567" not in repr(list(g.nodes(data=True))) + repr(list(g.edges(data=True)))
    assert "ga_tracking_id:UA-1-1" in g.nodes                      # not personal: kept
    again = build_graph(store, pseudonymize="partner-key")
    assert phones[0] in again.nodes
    assert phones[0] not in build_graph(store, pseudonymize="other-key").nodes


def test_bench_store_builds_and_clusters(tmp_path):
    """bench/graph_bench.py keeps working (a small size; the benchmark itself prints figures)."""
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location(
        "graph_bench", Path(__file__).resolve().parent.parent / "bench" / "graph_bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    n_obs = bench.make_store(tmp_path / "b.sqlite", 300)
    r = bench.run_one(tmp_path / "b.sqlite")
    assert r["sites"] == 300 and r["observations"] == n_obs >= 2900
    assert r["clusters"] > 20 and r["edges"] > n_obs * 0.9
