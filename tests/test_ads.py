"""Ads as entities: one real crawl of a generated web of listing platforms (fakeweb/adweb.py),
many assertions on ad rows, ties, clusters, number events and the ads/phones commands."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from crawler.extractors import ads as ad_x
from crawler.schema import open_db
from exports import export
from fakeweb import FakeWeb
from fakeweb.adweb import build_adweb
from graph.ads import Ad, ad_clusters, contact_ties, text_ties
from merchintel.cli import main as cli_main
from tests.conftest import cli_env, run_cli

SET = "annonser-a.se,escort-b.se"


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ads")
    truth = build_adweb(tmp / "web", seed=14)
    with FakeWeb(tmp / "web") as web:
        # annonser-a.se is a platform by setting, escort-b.se by the report's platform column,
        # classified-c.com by its structure (guessed after the crawl)
        reports = tmp / "reports.csv"
        reports.write_text("url,report_id,platform\n" + "".join(
            f"{web.url(d, '/')},R{i},{'1' if d == 'escort-b.se' else ''}\n" for i, d in enumerate(truth["platforms"])))
        env = cli_env(tmp, **web.env, MERCHINTEL_PLATFORMS="annonser-a.se")
        r = run_cli(["crawl", str(reports), "--db", str(tmp / "m.sqlite"), "--no-enrich", "--format", "json",
                     "--case", "op-ads"], env=env, cwd=tmp)
        assert r.returncode == 0, r.stderr[-2000:]
        db = sqlite3.connect(tmp / "m.sqlite")
        db.row_factory = sqlite3.Row
        yield {"truth": truth, "db": db, "env": env, "tmp": tmp, "proc": r, "media_hits": web.media_hits,
               "web": web, "reports": reports}
        db.close()


@pytest.fixture(scope="module")
def recrawl(crawl):
    """The same platforms two hours later (fakeweb/adweb.py epoch 2), crawled again into the same store.
    Tests using it come last in this file: they see the store after both crawls."""
    tmp = crawl["tmp"]
    truth2 = build_adweb(tmp / "web2", seed=14, epoch=2)
    crawl["web"].switch(tmp / "web2")
    r = run_cli(["crawl", str(crawl["reports"]), "--db", str(tmp / "m.sqlite"), "--no-enrich", "--format", "json",
                 "--case", "op-ads"], env={**crawl["env"], "MERCHINTEL_NOW": "+2h"}, cwd=tmp)
    assert r.returncode == 0, r.stderr[-2000:]
    run_id = rows(crawl, "SELECT id FROM runs ORDER BY started_at DESC LIMIT 1")[0]["id"]
    return {**crawl, "truth2": truth2, "run2": run_id}


def invoke(args):
    """A merchintel command in this process (the crawls above run as real processes)."""
    r = CliRunner().invoke(cli_main, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r


def write(recrawl, fmt, name, **kw):
    store = open_db(recrawl["tmp"] / "m.sqlite", readonly=True)
    try:
        export(store, fmt, recrawl["tmp"] / name, **kw)
    finally:
        store.conn.close()
    return (recrawl["tmp"] / name).read_text()


def rows(crawl, sql, *params):
    return [dict(r) for r in crawl["db"].execute(sql, params)]


def truth_of(crawl, url):
    from urllib.parse import urlsplit
    p = urlsplit(url)
    return crawl["truth"]["ads"][p.hostname + p.path + ("/" if not p.path.endswith("/") else "")]


def test_every_ad_of_set_platforms_is_a_row_past_the_page_budget(crawl):
    truth = crawl["truth"]["ads"]
    for domain in SET.split(","):
        want = {k for k in truth if k.startswith(domain)}
        got = rows(crawl, "SELECT url FROM ads WHERE domain = ?", domain)
        assert len(want) > 50 and len(got) == len(want), domain   # more than MERCHINTEL_MAX_PAGES
        assert {r["url"].split("//")[1].split(":")[0] + "/" + r["url"].split("/", 3)[3] + "/" for r in got} == want


def test_guessed_platform_keeps_the_normal_budget(crawl):
    got = rows(crawl, "SELECT platform_how, count(*) n FROM ads WHERE domain = 'classified-c.com'")
    assert got[0]["platform_how"] == "guessed" and 10 <= got[0]["n"] < 50
    assert rows(crawl, "SELECT DISTINCT platform_how FROM ads WHERE domain = 'annonser-a.se'") == [
        {"platform_how": "setting"}]


def test_ad_fields_numbers_and_no_platform_line(crawl):
    support = {"+4681234567" + d[-1] for d in crawl["truth"]["support"].values()}
    missed = 0
    all_rows = rows(crawl, "SELECT * FROM ads")
    for r in all_rows:
        t = truth_of(crawl, r["url"])
        idents = json.loads(r["identifiers"])
        missed += f"phone:{t['number']}" not in idents and f"whatsapp:{t['number']}" not in idents
        assert not any(v.split(":", 1)[1] in support for v in idents), r["url"]
        assert r["location"] == t["city"] and r["price"] == t["price"]
        assert r["ad_id"] and r["ad_id"] in r["url"] and len(r["fingerprint"]) == 16
        assert r["first_seen"] and r["last_seen"] and r["cluster_id"] is None or r["cluster_id"].startswith("A-")
        assert "Kundtjänst" not in (r["text"] or "") and "villkor" not in (r["text"] or "")
    assert missed == 0


def test_clusters_are_organisers(crawl):
    orgs = crawl["truth"]["organisers"]
    by_cluster = {}
    for r in rows(crawl, "SELECT url, cluster_id FROM ads"):
        by_cluster.setdefault(r["cluster_id"], set()).add(truth_of(crawl, r["url"])["org"])
    # no cluster mixes organisers or holds an independent ad
    for cid, members in by_cluster.items():
        if cid:
            assert len(members) == 1 and None not in members, (cid, members)

def test_each_organiser_is_one_cluster(crawl):
    orgs = crawl["truth"]["organisers"]
    for oid, org in orgs.items():
        cids = {r["cluster_id"] for r in rows(crawl, "SELECT url, cluster_id FROM ads")
                if truth_of(crawl, r["url"])["org"] == oid}
        assert len(cids) == 1 and None not in cids, oid


def test_text_ties_explain_by_shared_passage(crawl):
    ties = rows(crawl, "SELECT * FROM ad_ties WHERE kind = 'text'")
    assert ties
    for t in ties:
        assert len(t["evidence"].split()) >= ad_x.SHINGLE_WORDS
        a = rows(crawl, "SELECT text FROM ads WHERE url = ?", t["a"])[0]["text"]
        b = rows(crawl, "SELECT text FROM ads WHERE url = ?", t["b"])[0]["text"]
        assert t["evidence"] in a and t["evidence"] in b
    reposts = set(crawl["truth"]["reposts"])
    tied = {r["url"] for r in rows(crawl, "SELECT * FROM ads")
            if truth_of(crawl, r["url"])["number"] in reposts}
    assert tied and tied <= {t["a"] for t in ties} | {t["b"] for t in ties}


def test_number_events_first_crawl_all_new(crawl):
    ev = rows(crawl, "SELECT event, count(*) n FROM ad_number_events GROUP BY event")
    assert ev and {e["event"] for e in ev} == {"new"}


def test_first_crawl_alerts_numbers_on_many_ads_and_platforms(crawl):
    per_number = {}
    for r in rows(crawl, "SELECT domain, identifiers FROM ads"):
        for v in json.loads(r["identifiers"]):
            per_number.setdefault(v, []).append(r["domain"])
    alerts = rows(crawl, "SELECT kind, type, evidence FROM alerts WHERE kind = 'ad_number'")
    got = {(a["type"], json.loads(a["evidence"])[0]["value"]) for a in alerts}
    want = {("ads", v) for v, d in per_number.items() if len(d) >= 10} | \
           {("platforms", v) for v, d in per_number.items() if len(set(d)) >= 2}
    assert want and got == want
    assert not rows(crawl, "SELECT 1 FROM alerts WHERE type = 'new_platform' OR kind = 'ad_text'")


def test_ads_command(crawl):
    r = invoke(["ads", "--case", "op-ads", "--db", str(crawl["tmp"] / "m.sqlite"), "--format", "json"])
    out = json.loads(r.stdout)
    assert len(out) == len(crawl["truth"]["organisers"])
    assert any(len(c["platforms"]) > 1 for c in out)
    assert all("evidence" not in t for c in out for t in c["ties"] if t["kind"] == "text")


def test_phones_recurring_command(crawl):
    r = invoke(["phones", "--recurring", "--min-ads", "3", "--db", str(crawl["tmp"] / "m.sqlite"),
                "--format", "json"])
    out = json.loads(r.stdout)
    assert out and all(row["ads"] >= 3 for row in out)
    numbers = {n for o in crawl["truth"]["organisers"].values() for n in o["numbers"]}
    assert {row["value"].split(":", 1)[1] for row in out} <= numbers
    assert any(len(row["platforms"]) > 1 for row in out)


def test_never_media(crawl):
    assert crawl["media_hits"] == 0


# ---- pure parts -------------------------------------------------------------------------
@pytest.mark.parametrize("url,template,ad_id,paging", [
    ("https://a.se/annons/48213-ny-i-stan/", "/annons/{id}", "48213", False),
    ("https://a.se/ad/99881", "/ad/{id}", "99881", False),
    ("https://a.se/annonser?id=5512&utm_source=x", "/annonser?id={id}", "5512", False),
    ("https://a.se/sida/3/", "/sida/{n}", None, True),
    ("https://a.se/stockholm?page=2", "/stockholm", None, True),
    ("https://a.se/om/", "/om", None, False),
])
def test_url_shapes(url, template, ad_id, paging):
    assert ad_x.url_template(url) == template
    assert ad_x.ad_id(url) == ad_id
    assert ad_x.is_pagination(url) is paging


def test_contact_ties_rarity_over_ads():
    ads = [Ad(f"u{i}", "p", ["phone:+46701234567"]) for i in range(3)]
    ties = list(contact_ties(ads))
    assert len(ties) == 2 and all(t.weight == 1.0 for t in ties)
    many = [Ad(f"u{i}", "p", ["phone:+46701234568"]) for i in range(100)]
    assert all(t.weight == 0.5 for t in contact_ties(many))
    assert [c["size"] for c in ad_clusters(ads, ties)] == [3]


def test_text_ties_threshold():
    base = "hej jag heter anna och söker en snäll och trevlig man för middag och sällskap i helgen"
    edit = base.replace("anna", "sara")
    other = "säljer cykel i gott skick med nya däck och lampor hämtas i centrum snarast möjligt tack"
    ads = [Ad("a", "p", text=base, fingerprint="1"), Ad("b", "p", text=edit, fingerprint="2"),
           Ad("c", "p", text=other, fingerprint="3")]
    ties = list(text_ties(ads, 0.5))
    assert [(t.a, t.b) for t in ties] == [("a", "b")]
    assert not list(text_ties(ads, 0.99))


# ---- a second crawl, two hours later ------------------------------------------------------
def test_a_platform_guessed_by_one_crawl_gets_the_platform_budget_on_the_next(recrawl):
    """classified-c.com is a platform by structure only: the first crawl stops at the normal
    budget; the second, into the same store, knows it from its ads and reaches every ad."""
    want = {k for k in recrawl["truth2"]["ads"] if k.startswith("classified-c.com")}
    assert len(want) > 50
    got = rows(recrawl, "SELECT url FROM pages WHERE domain = 'classified-c.com' AND run_id = ?", recrawl["run2"])
    assert len(got) > 50
    ads = rows(recrawl, "SELECT platform_how, count(*) n FROM ads WHERE domain = 'classified-c.com' GROUP BY platform_how")
    assert ads == [{"platform_how": "guessed", "n": len(want)}]


def test_recrawl_number_events(recrawl):
    ch = recrawl["truth2"]["changes"]
    ev = {(r["value"], r["domain"]): r["event"] for r in rows(
        recrawl, "SELECT * FROM ad_number_events WHERE run_id = ?", recrawl["run2"])}
    assert ev[(f"phone:{ch['vanished']}", next(d for (v, d) in ev if v == f"phone:{ch['vanished']}"))] == "vanished"
    assert ev[(f"phone:{ch['new']}", ch["new_platform"][1])] == "new"
    assert ev[(f"phone:{ch['new_platform'][0]}", ch["new_platform"][1])] == "new"
    assert {e for e in ev.values()} <= {"present", "new", "vanished"}
    assert sum(e == "present" for e in ev.values()) > 50


def test_recrawl_alerts_new_platform_and_new_ad_in_text_cluster(recrawl):
    number, target = recrawl["truth2"]["changes"]["new_platform"]
    # classified-c.com (guessed in the first crawl) now gets the platform budget: its ads past
    # the first crawl's budget are first seen now, and their numbers are new on it
    guessed = "classified-c.com"
    new_platform = rows(recrawl, "SELECT * FROM alerts WHERE type = 'new_platform' AND run_id = ?", recrawl["run2"])
    assert [(json.loads(a["evidence"])[0]["value"], a["to_domain"]) for a in new_platform
            if a["to_domain"] != guessed] == [(f"phone:{number}", target)]
    assert target != guessed and any(a["to_domain"] == guessed for a in new_platform)
    text = [a for a in rows(recrawl, "SELECT * FROM alerts WHERE kind = 'ad_text' AND run_id = ?", recrawl["run2"])
            if guessed not in json.loads(a["evidence"])[0]["new_ad"]]
    new_urls = {r["url"] for r in rows(recrawl, "SELECT url FROM ads WHERE first_seen >= "
                                                "(SELECT started_at FROM runs WHERE id = ?) AND domain != ?",
                                       recrawl["run2"], guessed)}
    assert len(new_urls) == 2
    assert len(text) == 1 and json.loads(text[0]["evidence"])[0]["new_ad"] in new_urls, (new_urls, rows(recrawl, "SELECT summary, evidence FROM alerts WHERE kind = 'ad_text'"))
    # the first crawl's alerts are not raised again
    assert not rows(recrawl, "SELECT 1 FROM alerts WHERE run_id = ? AND type IN ('ads', 'platforms') AND key IN "
                             "(SELECT key FROM alerts WHERE run_id != ?)", recrawl["run2"], recrawl["run2"])


def test_record_number_events_returned():
    import sqlite_utils
    from crawler import schema
    from graph.ads import record_number_events
    db = sqlite_utils.Database(memory=True)
    schema.ensure_schema(db)
    a = [Ad("u1", "p.se", ["phone:+46701234567"])]
    for run, present in (("r1", a), ("r2", []), ("r3", a)):
        if not present:   # the platform crawled with the number gone: another number stays
            present = [Ad("u2", "p.se", ["phone:+46701234568"])]
        record_number_events(db, present, run, {"r1": "2026-01-01", "r2": "2026-01-02", "r3": "2026-01-03"}[run])
    ev = {(r["run_id"], r["value"]): r["event"] for r in db["ad_number_events"].rows}
    assert ev[("r1", "phone:+46701234567")] == "new"
    assert ev[("r2", "phone:+46701234567")] == "vanished"
    assert ev[("r3", "phone:+46701234567")] == "returned"
    assert ev[("r3", "phone:+46701234568")] == "vanished"


def test_exports_carry_ads_without_text_unless_asked(recrawl):
    g = json.loads(write(recrawl, "json", "g.json"))
    ad_nodes = [n for n in g["nodes"] if n.get("kind") == "ad"]
    n_ads = rows(recrawl, "SELECT count(*) n FROM ads")[0]["n"]
    assert len(ad_nodes) == n_ads and all("text" not in n and "title" not in n for n in ad_nodes)
    kinds = {e["kind"] for e in g["edges"]}
    assert {"ad", "on_ad", "ad_tie"} <= kinds
    assert all("evidence" not in e for e in g["edges"] if e["kind"] == "ad_tie" and e["tie"].startswith("text:"))
    # platforms spanned by one ad cluster: the link between them names the clusters
    assert any(e.get("ad_clusters") or e["kind"] == "ad_cluster" for e in g["edges"])
    invoke(["export", "--db", str(recrawl["tmp"] / "m.sqlite"), "--format", "json", "-o",
            str(recrawl["tmp"] / "t.json"), "--with-ad-text"])
    g = json.loads((recrawl["tmp"] / "t.json").read_text())
    assert all(n.get("text") is not None for n in g["nodes"] if n.get("kind") == "ad")


def test_pseudonymized_exports_hide_ad_urls_numbers_and_texts(recrawl):
    numbers = {n for o in recrawl["truth"]["organisers"].values() for n in o["numbers"]}
    for fmt in ("json", "gexf", "graphml", "html", "stix"):
        text = write(recrawl, fmt, f"p.{fmt}", pseudonymize="k", ad_text=True)
        assert "/annons/" not in text, fmt
        assert not any(n in text for n in numbers), fmt
        assert "Ort:" not in text and "ad:hmac:" in text or fmt == "stix"


def test_html_groups_ads_under_their_platform(recrawl):
    page = write(recrawl, "html", "v.html")
    for d in ("annonser-a.se", "escort-b.se", "classified-c.com"):
        n = rows(recrawl, "SELECT count(*) n FROM ads WHERE domain = ?", d)[0]["n"]
        assert f'<h3 id="ads-{d}">{d} <span class="muted">— {n} ads</span></h3>' in page


def test_ad_text_retention(recrawl):
    import sqlite_utils
    from graph.ads import erase_old_texts
    db = sqlite_utils.Database(recrawl["tmp"] / "m.sqlite")
    before = db.execute("SELECT count(*) FROM ads WHERE text IS NOT NULL").fetchone()[0]
    assert before > 0
    # nothing is older than 180 days yet; 10 days from now with a 5-day retention all texts go
    assert erase_old_texts(db, 180) == 0
    assert erase_old_texts(db, 5, now="2099-01-01T00:00:00Z") == before
    assert db.execute("SELECT count(*) FROM ads WHERE text IS NOT NULL").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM ads WHERE fingerprint IS NOT NULL").fetchone()[0] == before
    db.conn.commit()
    db.conn.close()


def test_phones_since_filters_by_last_seen(crawl):
    db = str(crawl["tmp"] / "m.sqlite")
    assert json.loads(invoke(["phones", "--recurring", "--since", "2099-01-01", "--db", db,
                              "--format", "json"]).stdout) == []
    assert json.loads(invoke(["phones", "--recurring", "--since", "2000-01-01", "--db", db,
                              "--format", "json"]).stdout)
