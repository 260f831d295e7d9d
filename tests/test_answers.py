"""Answers an analyst can defend (issue 15), tried the way a new analyst does: `make demo`
(`.venv/bin/merchintel demo`), every command the README and the demo print, then the sample
web crawled as a case of its own and re-crawled on schedule (`schedule set --every 6h`,
`run-due --now +7h`).  One test (or a few) per finding; the findings are quoted above each.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from fakeweb import SAMPLE_WEB, FakeWeb
from tests.conftest import ROOT, cli_env, run_cli

VENV = Path(sys.prefix)      # the venv running the tests: `make demo` made it, its bin/ has merchintel
WALLET = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"      # on shop-a.se and shop-a-mirror.ru


def _readme_demo_block() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text[text.index("<!-- demo-commands"):]
    block = block[block.index("```sh") + 5:]
    block = block[:block.index("```")]
    return [re.sub(r"\s+#.*$", "", line).strip() for line in block.strip().splitlines() if line.strip()]


def _run(cwd: Path, env: dict, line: str, timeout: float = 240) -> subprocess.CompletedProcess:
    args = shlex.split(line)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """`make demo` as a user runs it: the venv's merchintel, called by its path, in a fresh directory."""
    tmp = tmp_path_factory.mktemp("demo")
    (tmp / ".venv").symlink_to(VENV)
    env = cli_env(tmp)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if Path(p).resolve() != (VENV / "bin").resolve())   # not activated
    r = _run(tmp, env, ".venv/bin/merchintel demo", timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return {"dir": tmp, "env": env, "stdout": r.stdout, "db": str(tmp / "demo-out" / "merchintel.sqlite")}


@pytest.fixture(scope="module")
def recrawl(tmp_path_factory):
    """The sample web crawled as a case of its own, then re-crawled by run-due 7 hours later."""
    tmp = tmp_path_factory.mktemp("recrawl")
    db = str(tmp / "m.sqlite")
    with FakeWeb(SAMPLE_WEB) as web:
        env = cli_env(tmp, **web.env, MERCHINTEL_DB=db, MERCHINTEL_WHOIS_INTERVAL="0")

        def cli(*args, now=None, ok=True):
            e = dict(env, **({"MERCHINTEL_NOW": now} if now else {}))
            res = run_cli(list(args), env=e, cwd=tmp, timeout=300)
            if ok:
                assert res.returncode == 0, f"merchintel {' '.join(args)}:\n{res.stderr[-3000:]}"
            return res

        reports = web.render_reports(tmp / "reports.csv")
        cli("crawl", str(reports), "--case", "sample")
        first_run = _one(db, "SELECT last_run_id FROM sites WHERE domain = 'vids-c.net'")
        cli("schedule", "set", "--case", "sample", "--every", "6h")
        web.reset_logs()
        due = json.loads(cli("run-due", "--now", "+7h", "--format", "json").stdout)
        log = list(web.http_log)
        yield {"dir": tmp, "db": db, "env": env, "cli": cli, "web": web, "due": due, "http_log": log,
               "first_run": first_run}


def _one(db: str, sql: str, params=()):
    con = sqlite3.connect(db)
    try:
        row = con.execute(sql, params).fetchone()
    finally:
        con.close()
    return row[0] if row else None


def _rows(db: str, sql: str, params=()) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _cli(fx, *args, **extra) -> subprocess.CompletedProcess:
    env = dict(fx["env"], **extra)
    return run_cli(list(args), env=env, cwd=fx["dir"], timeout=240)


def _json(fx, *args):
    r = _cli(fx, *args, "--format", "json", "--db", fx["db"])
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


BOTH = ["demo", "recrawl"]


@pytest.fixture(params=BOTH)
def store(request):
    return request.getfixturevalue(request.param)


# 1. "A domain that only redirects is not in its operator's cluster."
def test_redirect_only_domains_land_in_their_operators_cluster(store):
    clusters = _json(store, "clusters")
    shop_b = [c for c in clusters if "shop-b.com" in c["domains"]]
    assert len(shop_b) == 1 and {"old-shop-b.com", "promo-b.info", "shop-b.com"} <= set(shop_b[0]["domains"])
    kinds = {e["kind"] for e in shop_b[0]["evidence"]}
    assert "redirect" in kinds
    # the hop alerts name that very cluster
    hops = [a for a in _json(store, "alerts") if a["kind"] == "domain_hop" and a["to"] == "shop-b.com"]
    assert {a["from"] for a in hops} == {"old-shop-b.com", "promo-b.info"}
    assert {a["cluster"] for a in hops} == {shop_b[0]["id"]}


def test_links_of_a_redirecting_domain_name_its_target_with_the_redirect(store):
    rows = _json(store, "links", "old-shop-b.com")
    top = rows[0]
    assert top["domain"] == "shop-b.com" and top["linked"] and top["score"] >= 0.9
    assert {"kind": "redirect", "value": "old-shop-b.com -> shop-b.com"}.items() <= top["shared"][0].items()


@pytest.mark.parametrize("fmt", ["json", "gexf", "graphml", "csv", "stix", "html"])
def test_every_export_carries_the_redirect_edges(store, fmt, tmp_path):
    out = tmp_path / f"g.{fmt}"
    r = _cli(store, "export", "--format", fmt, "-o", str(out), "--db", store["db"])
    assert r.returncode == 0, r.stderr
    if fmt == "json":
        g = json.loads(out.read_text())
        edges = {(e["source"], e["target"]): e for e in g["edges"]}
        for old, via in (("old-shop-b.com", "http"), ("promo-b.info", "meta_refresh")):
            e = edges[(f"domain:{old}", "domain:shop-b.com")]
            assert e["kind"] == "redirect" and e["direction"] == f"{old} -> shop-b.com" and via in e["via"]
            assert any(u.startswith(f"http://{old}:") for u in e["evidence"])     # the page that redirects
    elif fmt in ("gexf", "graphml"):
        import networkx as nx
        g = nx.read_gexf(out) if fmt == "gexf" else nx.read_graphml(out)
        kinds = {(u, v): d.get("kind") for u, v, d in g.edges(data=True)}
        assert kinds.get(("domain:old-shop-b.com", "domain:shop-b.com")) == "redirect" or \
            kinds.get(("domain:shop-b.com", "domain:old-shop-b.com")) == "redirect"
    elif fmt == "csv":
        edges = list(csv.DictReader((tmp_path / "g.edges.csv").open()))
        assert any(e["kind"] == "redirect" and e["source"] == "domain:promo-b.info" for e in edges)
        sites = {r["domain"]: r for r in csv.DictReader((tmp_path / "g.sites.csv").open())}
        assert "redirect:old-shop-b.com -> shop-b.com" in sites["old-shop-b.com"]["tied_to"]
    elif fmt == "stix":
        b = json.loads(out.read_text())
        rels = [o for o in b["objects"] if o["type"] == "relationship" and o["relationship_type"] == "redirects-to"]
        assert len(rels) == 2 and all("-> shop-b.com" in r["description"] for r in rels)
    else:
        text = out.read_text()
        assert "old-shop-b.com → shop-b.com" in text and "promo-b.info → shop-b.com" in text   # final domain shown


# 2. "A re-crawl invents a payment change."
def test_the_scheduled_recrawl_replays_the_referrer_and_invents_no_change(recrawl):
    db = recrawl["db"]
    assert recrawl["due"]["status"] == "done" and "vids-c.net" in recrawl["due"]["crawled"]
    # the report's referrer was sent again, so the payment pages were reached again
    vids = [e for e in recrawl["http_log"] if e["host"] == "vids-c.net" and e["path"] == "/"]
    assert vids and all((e.get("referer") or "").endswith("/thread/42.html") for e in vids)
    assert any(e["host"] == "vids-c.net" and e["path"] == "/pay.html" for e in recrawl["http_log"])
    alerts = _json(recrawl, "alerts")
    assert [a for a in alerts if a["kind"] == "payment_change"] == []
    changes = [c for p in _json(recrawl, "history", "vids-c.net") for c in p["changes"]]
    assert not [c for c in changes if c.startswith("-")]
    # every page records the path it was reached by
    assert _one(db, "SELECT referrer FROM pages WHERE url LIKE 'http://vids-c.net:%/pay.html'").startswith(
        "http://vids-c.net:")


def test_a_recrawl_replays_the_path_to_each_carrying_page(recrawl):
    """The report's referrer lost: the index shows a landing page without links, yet the
    payment pages are requested again by the path they were reached by, and nothing changes."""
    db = recrawl["db"]
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE reports SET referrer = NULL WHERE domain = 'vids-c.net'")
    con.close()
    recrawl["web"].reset_logs()
    recrawl["cli"]("run-due", "--now", "+14h")
    log = recrawl["web"].http_log
    pay = [e for e in log if e["host"] == "vids-c.net" and e["path"] == "/pay.html"]
    assert pay and all(e["referer"].startswith("http://vids-c.net:") for e in pay)
    assert [e for e in log if e["host"] == "vids-c.net" and e["path"] == "/" and not e.get("referer")]
    assert [a for a in _json(recrawl, "alerts") if a["kind"] == "payment_change"] == []
    periods = _json(recrawl, "history", "vids-c.net")
    assert not [c for p in periods for c in p["changes"] if c.startswith("-payment")]
    # the index itself was fetched again and no longer shows its tracker: that one is gone
    assert "-identifier ga4_measurement_id:G-4HT7VQ2NZC" in periods[-1]["changes"]


# 3. "A hop alert without evidence."
def test_a_meta_refresh_is_recorded_on_the_refreshing_pages_own_row(store):
    chain = json.loads(_one(store["db"], "SELECT redirect_chain FROM pages WHERE url LIKE 'http://promo-b.info:%/'"))
    assert chain and chain[-1]["kind"] == "meta_refresh" and "shop-b.com" in chain[-1]["to"]
    old = json.loads(_one(store["db"], "SELECT redirect_chain FROM pages WHERE url LIKE 'http://old-shop-b.com:%/'"))
    assert old and old[0]["kind"] == "http" and old[0]["status"] == 301


def test_hop_alerts_carry_their_redirect_chains(store):
    for a in _json(store, "alerts"):
        assert a["evidence"], a["summary"]
        if a["kind"] == "domain_hop" and a["type"] == "redirect":
            chains = [e for e in a["evidence"] if e["type"] == "redirect_chain"]
            assert chains, a
            want = "meta_refresh" if a["from"] == "promo-b.info" else "http"
            assert want in chains[0]["via"]


# 4. "Exports don't say where a site is hosted or who registered it."
def test_domain_nodes_carry_the_sites_facts_and_hosting_nodes_their_names(demo, tmp_path):
    out = tmp_path / "g.json"
    assert _cli(demo, "export", "--format", "json", "-o", str(out), "--db", demo["db"]).returncode == 0
    nodes = {n["id"]: n for n in json.loads(out.read_text())["nodes"]}
    a = nodes["domain:shop-a.se"]
    assert a["report_ids"] == ["R-0001"] and a["report_sources"] == ["hotline"]
    assert a["registrar"] and a["created"] and a["status"] == "ok" and a["final_domain"] == "shop-a.se"
    assert a["ips"] and a["countries"] and a["asns"][0].startswith("AS") and " " in a["asns"][0]   # number + name
    assert nodes["domain:old-shop-b.com"]["final_domain"] == "shop-b.com"
    asn = next(n for n in nodes.values() if n["kind"] == "asn" and n["value"] == "AS64501")
    assert asn["as_name"] and asn["label"].startswith("AS64501 ") and asn["country"] == "RU"
    ip = next(n for n in nodes.values() if n["kind"] == "ip" and n.get("as_name"))
    assert "(AS" in ip["label"]


def test_csv_export_writes_one_row_per_site_and_names_every_file(demo):
    out = demo["dir"] / "sheets" / "case1.csv"
    r = _cli(demo, "export", "--format", "csv", "-o", str(out), "--db", demo["db"])
    assert r.returncode == 0, r.stderr
    files = [out.with_name(f"case1.{p}.csv") for p in ("sites", "nodes", "edges")]
    assert all(str(f) in r.stderr and f.exists() for f in files)
    assert not out.exists()
    sites = list(csv.DictReader(files[0].open()))
    assert len(sites) == len({r["domain"] for r in sites}) == _one(demo["db"], "SELECT count(*) FROM sites")
    a = next(s for s in sites if s["domain"] == "shop-a.se")
    assert WALLET in a["payments"] and a["report_ids"] == "R-0001" and a["registrar"] and a["asns"]


# 5. "No way to search by an identifier."
def test_find_lists_every_site_and_case_carrying_a_value(store):
    for typed in (WALLET, WALLET.upper(), f"btc_address:{WALLET}"):
        found = _json(store, "find", typed)
        assert [f["kind"] for f in found] == ["btc_address"] and found[0]["value"] == WALLET
        sites = {s["domain"]: s for s in found[0]["sites"]}
        assert set(sites) == {"shop-a.se", "shop-a-mirror.ru"}
        assert all(s["first_seen"] and s["last_seen"] and s["evidence"] and s["cases"] for s in sites.values())
    phone = _json(store, "find", "+46 70-123 45 67")
    assert phone[0]["kind"] == "phone" and len(phone[0]["sites"]) == 2


def test_find_and_links_say_not_in_the_database(store):
    r = _cli(store, "find", "bc1qnot0here", "--db", store["db"])
    assert r.returncode == 1 and "not in the database" in r.stderr
    r = _cli(store, "links", WALLET, "--db", store["db"])
    assert f"merchintel find {WALLET}" in r.stderr and "not a site" in r.stderr


# 6. "Errors that pass silently."
@pytest.mark.parametrize("args, message", [
    (["run-due", "--db", "{tmp}/nope.sqlite"], "does not exist"),
    (["watch", "--max-cycles", "1", "--db", "{tmp}/nope.sqlite"], "does not exist"),
    (["export", "--format", "json", "-o", "{tmp}/g.json", "--case", "nosuchcase", "--db", "{db}"], "no case"),
    (["export", "--format", "json", "-o", "{tmp}/g.json", "--cluster", "C-0000000000", "--db", "{db}"],
     "no cluster"),
    (["export", "--format", "json", "-o", "{tmp}/g.json", "--min-score", "3", "--db", "{db}"], "--min-score"),
    (["schedule", "show", "--case", "nosuchcase", "--db", "{db}"], "no case"),
    (["clusters", "--threshold", "2", "--db", "{db}"], "--threshold"),
    (["watch", "--max-cycles", "0", "--db", "{db}"], "--max-cycles"),
    (["watch", "--interval", "0s", "--max-cycles", "1", "--db", "{db}"], "--interval"),
    (["browse", "--get", "/nope", "--db", "{db}"], "not a page of the store"),
])
def test_no_silent_success(demo, tmp_path, args, message):
    args = [a.format(tmp=tmp_path, db=demo["db"]) for a in args]
    r = _cli(demo, *args)
    assert r.returncode != 0, r.stdout[-500:]
    assert "Error:" in r.stderr and message in r.stderr, r.stderr[-1000:]
    assert not (tmp_path / "nope.sqlite").exists() and not (tmp_path / "nope.sqlite.lock").exists()
    assert not (tmp_path / "g.json").exists()


# 7. "The first commands don't work as written."
def test_the_readme_commands_run_as_printed_after_the_demo(demo):
    lines = _readme_demo_block()
    assert len(lines) >= 8 and all(line.startswith(".venv/bin/merchintel ") and "--db demo-out/" in line
                                   for line in lines)
    for line in lines:
        r = _run(demo["dir"], demo["env"], line)
        assert r.returncode == 0, f"{line}\n{r.stderr[-2000:]}"
        assert r.stdout.strip() or "wrote" in r.stderr, line


def test_the_demos_closing_lines_run_as_printed(demo):
    out = demo["stdout"]
    lines = [ln.strip() for ln in out[out.index("Next"):].splitlines()[1:] if ln.strip()]
    assert lines and all(ln.startswith(".venv/bin/merchintel ") and "--db demo-out/merchintel.sqlite" in ln
                         for ln in lines)
    for line in lines:
        if " browse " in line:
            line += " --get /merchintel.json"     # browse serves until Ctrl-C; one page shows it works
        r = _run(demo["dir"], demo["env"], line)
        assert r.returncode == 0, f"{line}\n{r.stderr[-2000:]}"


# 8. "Tables cut the column that matters."
def test_tables_wrap_instead_of_cutting(demo):
    def table(*args):
        r = _cli(demo, *args, "--db", demo["db"])
        assert r.returncode == 0, r.stderr
        assert "…" not in r.stdout
        return re.sub(r"\s+", "", r.stdout)     # wrapped cells read back without the line breaks
    squeezed = table("clusters")
    stripe = _one(demo["db"], "SELECT value FROM identifiers WHERE value LIKE 'pk_live_%'")
    assert stripe in squeezed
    assert stripe in table("links", "shop-b.com")
    assert "confirmonthe" + "processor'sreportingpagebeforesending" in table("contacts", "shop-a.se")
    why = _cli(demo, "clusters", "--why", "--db", demo["db"]).stdout
    assert "why each site is in it" in why and "old-shop-b.com -> shop-b.com" in why
    assert re.search(r"http://shop-a\.se:\d+/", why)                          # evidence under the cluster


# 9. "Hand-off gaps."
def test_the_html_case_file_carries_case_time_alerts_and_a_search_box(demo, tmp_path):
    out = tmp_path / "case.html"
    r = _cli(demo, "export", "--format", "html", "-o", str(out), "--case", "demo", "--db", demo["db"],
             MERCHINTEL_NOW="2026-11-24T09:00:00Z")
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "<h1>merchintel case demo</h1>" in text and "created 2026-11-24T09:00:00Z" in text
    alerts = text[text.index('<div id="alerts">'):text.index('<div id="clusters">')]
    assert "promo-b.info" in alerts and "meta_refresh" in alerts
    assert '<input id="search" type="search"' in text and "data-label-overlaps" in text


@pytest.mark.parametrize("env, level, name", [
    ({}, "amber", "merchintel"),
    ({"MERCHINTEL_TLP": "red", "MERCHINTEL_STIX_IDENTITY": "Hotline Nord"}, "red", "Hotline Nord"),
])
def test_stix_bundles_carry_a_producing_identity_and_a_tlp2_marking(demo, tmp_path, env, level, name):
    from stix2validator import ValidationOptions, validate_string
    out = tmp_path / "b.json"
    r = _cli(demo, "export", "--format", "stix", "-o", str(out), "--db", demo["db"], **env)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert validate_string(text, ValidationOptions(version="2.1")).is_valid
    objs = json.loads(text)["objects"]
    ident = [o for o in objs if o["type"] == "identity"]
    marks = [o for o in objs if o["type"] == "marking-definition"]
    assert [i["name"] for i in ident] == [name]
    assert [m["name"] for m in marks] == [f"TLP:{level.upper()}"]
    ext = marks[0]["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]
    assert ext == {"extension_type": "property-extension", "tlp_2_0": level}
    for o in objs:
        if o["type"] in ("relationship", "observed-data"):
            assert o["created_by_ref"] == ident[0]["id"] and o["object_marking_refs"] == [marks[0]["id"]]


def test_contacts_lists_a_registrar_without_an_abuse_address_saying_so(demo):
    rows = _json(demo, "contacts", "shop-a.se")
    reg = [r for r in rows if r["source"] == "registrar"]
    assert reg and reg[0]["contact"] == "(no abuse address on record)"
    assert "no abuse address" in reg[0]["detail"] and "Loopia" in reg[0]["detail"]
