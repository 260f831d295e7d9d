"""Exports: every node and edge survives a round trip through networkx (JSON, GEXF,
GraphML), CSV, a STIX 2.1 bundle that passes stix2-validator, pseudonyms in every
format, and the database left untouched."""

import csv
import hashlib
import json
import sqlite3

import networkx as nx
import pytest

from crawler.schema import open_db
from exports import export
from graph.pseudonymize import pseudonym
from graph.build import build_graph
from tests.linkweb import Writer, make_linkweb

PHONE, EMAIL = "+46709998877", "boss@ops-mail.example"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("exp") / "m.sqlite"
    make_linkweb(path, n_sites=40, seed=3)
    w = Writer(path)
    for d in ("pay-a.se", "pay-b.se"):
        w.site(d, case="fixture")
        w.observe(d, "phone", PHONE)
        w.observe(d, "email", EMAIL, url=f"https://{d}/kontakt?x=1&y=<2>")
        w.observe(d, "paypal_merchant_id", "PAYMERCHANT01")
        w.observe(d, "eth_address", "0x52908400098527886E0F7030069857D2E4169EE7")
        w.observe(d, "ip", "2001:db8::1", source="dns")
    w.close()
    return path


@pytest.fixture(scope="module")
def graph(store):
    return build_graph(open_db(store, readonly=True))


def _ro(store):
    return open_db(store, readonly=True)


def _same_graph(expected: nx.Graph, got: nx.Graph):
    assert set(got.nodes) == set(expected.nodes)
    assert {frozenset(e) for e in got.edges} == {frozenset(e) for e in expected.edges}
    for n, attrs in got.nodes(data=True):
        assert attrs["kind"] == expected.nodes[n]["kind"]


def test_json_node_link(store, graph, tmp_path):
    out = tmp_path / "g.json"
    export(_ro(store), "json", out)
    data = json.loads(out.read_text())
    assert {"id", "kind", "value"} <= set(data["nodes"][0])
    assert {"source", "target", "kind"} <= set(data["edges"][0])
    _same_graph(graph, nx.node_link_graph(data, edges="edges"))
    assert data["graph"]["clusters"] and {"id", "domains", "evidence", "score"} <= set(data["graph"]["clusters"][0])


@pytest.mark.parametrize("fmt,reader", [("gexf", nx.read_gexf), ("graphml", nx.read_graphml)])
def test_gexf_and_graphml_read_back(store, graph, tmp_path, fmt, reader):
    out = tmp_path / f"g.{fmt}"
    export(_ro(store), fmt, out)
    text = out.read_text()
    assert '"None"' not in text and ">None<" not in text and 'value=""' not in text and "></data>" not in text
    got = reader(out)
    _same_graph(graph, got)
    n = got.nodes["domain:pay-a.se"]
    assert n["kind"] == "domain" and n["cluster"]
    ident = got.nodes["paypal_merchant_id:PAYMERCHANT01"]
    assert isinstance(ident["weight"], float) and isinstance(ident["n_domains"], int)
    e = got.edges["domain:pay-a.se", f"email:{EMAIL}"]
    assert e["kind"] == "email" and "https://pay-a.se/kontakt?x=1&y=<2>" in e["evidence"]
    link = got.edges["domain:pay-a.se", "domain:pay-b.se"]
    assert link["kind"] == "link" and float(link["score"]) >= 0.5
    if fmt == "gexf":
        assert 'timeformat="date"' in text and e["start"] and e["end"]
    else:
        assert e["first_seen"] and e["last_seen"]


@pytest.mark.parametrize("target,files", [("outdir", ("outdir/nodes.csv", "outdir/edges.csv")),
                                          ("sub/case1.csv", ("sub/case1.nodes.csv", "sub/case1.edges.csv"))])
def test_csv(store, graph, tmp_path, target, files):
    export(_ro(store), "csv", tmp_path / target)
    with open(tmp_path / files[0], newline="") as f:
        nodes = list(csv.DictReader(f))
    with open(tmp_path / files[1], newline="") as f:
        edges = list(csv.DictReader(f))
    assert {r["id"] for r in nodes} == set(graph.nodes)
    assert len(edges) == graph.number_of_edges()
    assert {"source", "target", "kind", "first_seen", "last_seen", "evidence", "score"} <= set(edges[0])
    assert all(r["kind"] for r in nodes)


def test_stix_bundle_validates(store, tmp_path):
    from stix2validator import ValidationOptions, validate_string
    out = tmp_path / "g.stix.json"
    export(_ro(store), "stix", out)
    text = out.read_text()
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid, [str(e) for e in result.errors]
    bundle = json.loads(text)
    types = {o["type"] for o in bundle["objects"]}
    assert {"domain-name", "ipv4-addr", "ipv6-addr", "email-addr", "url", "relationship", "observed-data",
            "x-merchintel-payment-account", "x-merchintel-crypto-wallet", "x-merchintel-identifier",
            "autonomous-system"} <= types
    ids = {o["id"] for o in bundle["objects"]}
    for o in bundle["objects"]:
        if o["type"] == "relationship":
            assert o["source_ref"] in ids and o["target_ref"] in ids
        if o["type"] == "observed-data":
            assert set(o["object_refs"]) <= ids
    import stix2
    assert stix2.parse(text, allow_custom=True).objects


def test_pseudonymize_is_consistent_across_formats(store, tmp_path):
    key = "partner-key-1"
    db = _ro(store)
    outs = {"json": tmp_path / "g.json", "gexf": tmp_path / "g.gexf", "graphml": tmp_path / "g.graphml",
            "csv": tmp_path / "csv", "stix": tmp_path / "g.stix.json", "html": tmp_path / "g.html"}
    for fmt, out in outs.items():
        export(db, fmt, out, pseudonymize=key)
    texts = {fmt: (out / "nodes.csv").read_text() + (out / "edges.csv").read_text() if fmt == "csv"
             else out.read_text() for fmt, out in outs.items()}
    p_phone, p_email = pseudonym("phone", PHONE, key), pseudonym("email", EMAIL, key)
    assert p_phone.startswith("hmac:") and len(p_phone) == 5 + 32
    for fmt, text in texts.items():
        assert PHONE not in text and EMAIL not in text, fmt
        assert p_phone in text and p_email in text, fmt
        assert "PAYMERCHANT01" in text, fmt      # payment accounts are not personal data
    assert pseudonym("phone", PHONE, "other-key") != p_phone


def test_export_cli_leaves_the_evidence_untouched_and_writes_its_audit_row(store, tmp_path, cli):
    def digest():
        # every table but the export audit, row by row (the export adds its audit row)
        conn = sqlite3.connect(store)
        try:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                "AND name != 'export_audit' ORDER BY name")]
            h = hashlib.sha256()
            for name in names:
                for row in conn.execute(f"SELECT * FROM [{name}] ORDER BY 1"):
                    h.update(repr((name, row)).encode())
            audit = conn.execute("SELECT format, case_name, sha256 FROM export_audit").fetchall() \
                if "export_audit" in {r[0] for r in conn.execute("SELECT name FROM sqlite_master")} else []
            return h.hexdigest(), audit
        finally:
            conn.close()
    before, audit_before = digest()
    out = tmp_path / "g.gexf"
    r = cli("export", "--db", str(store), "--format", "gexf", "-o", str(out), "--case", "fixture",
            "--since", "2026-01-01", "--min-score", "0.1")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and "wrote" in r.stderr
    after, audit = digest()
    assert after == before
    assert audit == [*audit_before, ("gexf", "fixture", hashlib.sha256(out.read_bytes()).hexdigest())]
    g = nx.read_gexf(out)
    assert "domain:pay-a.se" in g


@pytest.mark.parametrize("args,message", [
    (["--format", "json", "-o", "x.json", "--since", "last tuesday"], "is not a date"),
    (["--format", "pdf", "-o", "x.pdf"], "Invalid value for '--format'"),
    (["--format", "json", "-o", "x.json", "--cluster", "C-0000000000"],
     "Error: no cluster C-0000000000 in this database; list them with `merchintel clusters`."),
])
def test_export_cli_bad_input(store, cli, args, message):
    r = cli("export", "--db", str(store), *args)
    assert r.returncode != 0 and message in r.stderr


def test_html_refuses_a_graph_too_big_for_one_page(store, tmp_path, monkeypatch):
    from exports import html
    from crawler.errors import ExportError
    monkeypatch.setattr(html, "MAX_HTML_NODES", 10)
    with pytest.raises(ExportError, match="narrow it with --case, --cluster"):
        export(_ro(store), "html", tmp_path / "g.html")
    assert not (tmp_path / "g.html").exists()
