"""Clusters: members, the values tying them, a why-path per member, stable ids across runs."""

import json

import pytest

from crawler.schema import CLUSTER_MEMBERS, CLUSTERS, open_db
from graph.clusters import cluster_of, compute_clusters, new_cluster_id, stored_clusters
from tests.linkweb import Writer

T1, T2 = "2026-01-05T10:00:00Z", "2026-02-07T10:00:00Z"


def _write(path, extra=()):
    """Operator X: a.se–b.se (wallet), b.se–c.se (phone); operator Y: p.se–q.se (SOA e-mail);
    decoy z.se shares only the CDN address and big name server with everyone."""
    w = Writer(path)
    for d in ("a.se", "b.se", "c.se", "p.se", "q.se", "z.se", *(e[0] for e in extra)):
        w.site(d)
        w.observe(d, "ip", "203.0.113.10", source="dns", flags=["cdn"])
        w.observe(d, "nameserver", "ns1.bigdns.net", source="dns")
    w.observe("a.se", "btc_address", "bc1qwallet", first=T1, last=T2)
    w.observe("b.se", "btc_address", "bc1qwallet", source="script", first=T2, last=T2)
    w.observe("b.se", "phone", "+46701234567", first=T2, last=T2)
    w.observe("c.se", "phone", "+46701234567", first=T2, last=T2)
    w.observe("p.se", "soa_email", "admin@ops.example", source="dns")
    w.observe("q.se", "soa_email", "admin@ops.example", source="dns")
    for dom, kind, value in extra:
        w.observe(dom, kind, value)
    w.close()


def test_members_evidence_and_why_paths(tmp_path):
    _write(tmp_path / "m.sqlite")
    db = open_db(tmp_path / "m.sqlite")
    clusters = compute_clusters(db)
    assert [c["domains"] for c in clusters] == [["a.se", "b.se", "c.se"], ["p.se", "q.se"]]
    x = clusters[0]
    assert {(e["kind"], e["value"]) for e in x["evidence"]} == {("btc_address", "bc1qwallet"),
                                                                  ("phone", "+46701234567")}
    assert x["score"] == 1.0 and x["size"] == 3
    paths = {m["domain"]: m["path"] for m in x["members"]}
    root = x["anchor_domain"]
    assert paths[root] == []
    c_path = paths["c.se"]
    assert c_path[-1]["to"] == "c.se" and c_path[0]["from"] == root
    assert len(c_path) == (1 if root == "b.se" else 2)
    hop = c_path[-1]
    assert hop["via"][0]["kind"] == "phone"
    urls = {ev["url"] for ev in hop["via"][0]["evidence"]}
    assert urls == {"http://b.se/contact.html", "http://c.se/contact.html"}
    assert all(ev["first_seen"] == T2 for ev in hop["via"][0]["evidence"])
    # the decoy is in no cluster and the CDN address is nowhere in the evidence
    assert "z.se" not in {d for c in clusters for d in c["domains"]}
    assert not any(e["kind"] in ("ip", "nameserver") for c in clusters for e in c["evidence"])
    # stored
    assert cluster_of(db, "c.se") == x["id"] and cluster_of(db, "z.se") is None
    stored = stored_clusters(db)
    assert [s["id"] for s in stored] == [c["id"] for c in clusters]
    path_json = db.execute(f"SELECT path FROM [{CLUSTER_MEMBERS}] WHERE domain='c.se'").fetchone()[0]
    assert json.loads(path_json) == c_path


def test_ids_are_stable_across_runs_and_growth(tmp_path):
    _write(tmp_path / "m.sqlite")
    db = open_db(tmp_path / "m.sqlite")
    first = {c["id"]: set(c["domains"]) for c in compute_clusters(db)}
    again = {c["id"]: set(c["domains"]) for c in compute_clusters(db)}
    assert again == first
    # a fresh database with the same data derives the same ids from the anchors
    _write(tmp_path / "n.sqlite")
    fresh = {c["id"]: set(c["domains"]) for c in compute_clusters(open_db(tmp_path / "n.sqlite"), persist=False)}
    assert fresh == first
    # a new site joins X through a new, stronger-looking value: X keeps its id by overlap
    db.conn.close()
    w = Writer(tmp_path / "m.sqlite")
    w.site("d.se")
    w.observe("c.se", "paypal_merchant_id", "MERCHANT0001")
    w.observe("d.se", "paypal_merchant_id", "MERCHANT0001")
    w.close()
    db = open_db(tmp_path / "m.sqlite")
    grown = {c["id"]: set(c["domains"]) for c in compute_clusters(db)}
    x_id = next(i for i, d in first.items() if "a.se" in d)
    assert grown[x_id] == {"a.se", "b.se", "c.se", "d.se"}
    assert set(grown) == set(first)


def test_a_split_keeps_the_id_on_the_larger_part(tmp_path):
    _write(tmp_path / "m.sqlite", extra=[("d.se", "phone", "+46701234567")])
    db = open_db(tmp_path / "m.sqlite")
    before = {c["id"]: c["domains"] for c in compute_clusters(db)}
    x_id = next(i for i, d in before.items() if "a.se" in d)
    # the wallet disappears from a.se: a.se leaves, b/c/d stay together under the old id
    db.execute("DELETE FROM observations WHERE domain='a.se' AND kind='btc_address'")
    db.conn.commit()
    after = {c["id"]: c["domains"] for c in compute_clusters(db)}
    assert after[x_id] == ["b.se", "c.se", "d.se"]
    assert cluster_of(db, "a.se") is None
    rows = {r[0]: r[1] for r in db.execute(f"SELECT id, active FROM [{CLUSTERS}]")}
    assert rows[x_id] == 1


def test_new_cluster_id_format():
    cid = new_cluster_id("btc_address:bc1qwallet")
    assert cid.startswith("C-") and len(cid) == 12 and cid == new_cluster_id("btc_address:bc1qwallet")
    assert new_cluster_id("btc_address:bc1qwallet", 1) != cid


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_clusters_cli(tmp_path, cli, fmt):
    _write(tmp_path / "m.sqlite")
    out = tmp_path / f"clusters.{fmt}"
    r = cli("clusters", "--db", str(tmp_path / "m.sqlite"), "--format", fmt, "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    text = out.read_text()
    if fmt == "json":
        data = json.loads(text)
        assert [c["domains"] for c in data] == [["a.se", "b.se", "c.se"], ["p.se", "q.se"]]
        assert set(data[0]) >= {"id", "domains", "evidence", "score"}
        assert {"kind", "value"} <= set(data[0]["evidence"][0])
    else:
        assert "a.se, b.se, c.se" in text and "btc_address:bc1qwallet" in text


def test_links_cli_strongest_first(tmp_path, cli):
    _write(tmp_path / "m.sqlite")
    r = cli("links", "b.se", "--db", str(tmp_path / "m.sqlite"), "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [x["domain"] for x in rows[:2]] in (["a.se", "c.se"], ["c.se", "a.se"])
    assert rows[0]["linked"] and not rows[-1]["linked"]
    assert [x["score"] for x in rows] == sorted((x["score"] for x in rows), reverse=True)


def test_clusters_cli_missing_db_says_what_to_do(tmp_path, cli):
    r = cli("clusters", "--db", str(tmp_path / "nope.sqlite"))
    assert r.returncode == 1
    assert r.stderr.startswith("Error:") and "run `merchintel crawl` first" in r.stderr


def test_a_what_if_threshold_shows_clusters_without_replacing_the_stored_ones(tmp_path, cli):
    _write(tmp_path / "m.sqlite")
    db_path = str(tmp_path / "m.sqlite")
    r = cli("clusters", "--db", db_path, "--format", "json")
    assert r.returncode == 0, r.stderr
    standard = json.loads(r.stdout)
    assert len(standard) == 2
    r = cli("clusters", "--db", db_path, "--format", "json", "--threshold", "0.99")
    assert r.returncode == 0, r.stderr
    assert "not stored" in r.stderr
    for out_of_range in ("2", "0", "-0.5"):   # a score is in (0, 1]: anything else is refused, not run
        bad = cli("clusters", "--db", db_path, "--threshold", out_of_range)
        assert bad.returncode == 2 and "Error: Invalid value for '--threshold'" in bad.stderr
    db = open_db(db_path, readonly=True)
    assert [c["id"] for c in stored_clusters(db)] == [c["id"] for c in standard]
    assert cluster_of(db, "a.se") == standard[0]["id"]
    # the standard threshold given explicitly still stores
    r = cli("clusters", "--db", db_path, "--threshold", "0.5")
    assert r.returncode == 0 and "not stored" not in r.stderr
