"""The store: idempotent upserts through the schema, and a crawl killed with SIGKILL that
loses nothing already stored and finishes on re-run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import cli_env, run_cli
from crawler import schema
from crawler.extractors.model import Identifier
from fakeweb import FakeWeb
from crawler.items import FetchErrorItem, PageItem, SiteDoneItem
from crawler.store import Store


def _page(url="http://shop-a.se/", **kw):
    base = dict(url=url, domain="shop-a.se", final_url=url, site="shop-a.se", status=200,
                meta={"title": "Shop A", "description": "d"}, text="hello <img src=data:image/png;base64,AAAA>",
                sha256="0" * 64, body_bytes=10, fetched_at="2026-11-20T10:00:00Z",
                identifiers=[Identifier("phone", "+46701234567", "070-123 45 67", "ring 070-123 45 67")])
    base.update(kw)
    return PageItem(**base)


@pytest.fixture
def store(tmp_path):
    db = schema.open_db(tmp_path / "s.sqlite")
    yield Store(db, run_id="run-1", case_name="c1")
    db.conn.close()


def test_page_upsert_keeps_first_seen_and_never_duplicates(store):
    store.page(_page())
    store.commit()
    store.run_id = "run-2"
    store.page(_page(fetched_at="2026-11-21T10:00:00Z", status=404))
    store.commit()
    db = store.db
    (row,) = db.execute("SELECT * FROM pages").fetchall()
    cols = [d[0] for d in db.execute("SELECT * FROM pages").description]
    page = dict(zip(cols, row))
    assert page["first_seen"] == "2026-11-20T10:00:00Z" and page["last_seen"] == "2026-11-21T10:00:00Z"
    assert page["status"] == 404 and page["run_id"] == "run-2" and page["meta_description"] == "d"
    assert "base64" not in page["text"]                           # data: URIs stripped before storing
    ident = db.execute("SELECT first_seen, last_seen FROM identifiers").fetchall()
    assert ident == [("2026-11-20T10:00:00Z", "2026-11-21T10:00:00Z")]
    assert db.execute("SELECT count(*), max(run_id) FROM observations").fetchone() == (1, "run-2")


def test_same_identifier_on_two_pages_is_two_observations_one_identifier(store):
    store.page(_page("http://shop-a.se/"))
    store.page(_page("http://shop-a.se/kontakt"))
    store.commit()
    assert store.db.execute("SELECT count(*) FROM identifiers").fetchone()[0] == 1
    assert store.db.execute("SELECT count(*) FROM observations").fetchone()[0] == 2


def test_errors_and_sites(store):
    err = FetchErrorItem(url="http://nx.se/", domain="nx.se", site="nx.se", stage="fetch", kind="nxdomain",
                         reason="nx.se does not exist (NXDOMAIN)")
    store.error(err)
    store.error(err)   # same run, same URL and kind: one row
    store.site(SiteDoneItem(domain="shop-a.se", status="ok", hostnames=["www.shop-a.se"], final_domain="shop-b.se"))
    store.site(SiteDoneItem(domain="shop-a.se", status="ok", hostnames=["shop-a.se"], final_domain="shop-a.se"))
    store.commit()
    db = store.db
    assert db.execute("SELECT count(*) FROM errors").fetchone()[0] == 1
    hosts, final = db.execute("SELECT hostnames, final_domain FROM sites WHERE domain='shop-a.se'").fetchone()
    assert json.loads(hosts) == ["shop-a.se", "www.shop-a.se"] and final == "shop-a.se"
    assert {r[0] for r in db.execute("SELECT domain FROM case_sites WHERE case_name = 'c1'")} == {"shop-a.se", "shop-b.se"}


def test_unknown_columns_are_never_written(store):
    store.upsert(schema.SITES, {"domain": "x.se", "nonsense": 1, "last_status": "ok"})
    store.commit()
    assert "nonsense" not in {c.name for c in store.db["sites"].columns}


# ---- SIGKILL and re-run ------------------------------------------------------------------
@pytest.fixture(scope="module")
def slow_web(tmp_path_factory):
    d = tmp_path_factory.mktemp("slowweb")
    (d / "hosts.json").write_text(json.dumps({"fast.example": "127.0.0.2", "slow.example": "127.0.0.3"}))
    (d / "routes.json").write_text(json.dumps({"slow.example *": {"slow": 0.4}}))
    for host, n in (("fast.example", 4), ("slow.example", 14)):
        site = d / "sites" / host
        site.mkdir(parents=True)
        links = " ".join(f'<a href="/p{i}.html">p{i}</a>' for i in range(n))
        (site / "index.html").write_text(f"<html><body>{host} {links}</body></html>")
        for i in range(n):
            (site / f"p{i}.html").write_text(f"<p>{host} page {i} contact{i}@{host}</p>")
    with FakeWeb(d, extra_servers=False) as w:
        yield w


def _pages(db_path):
    if not db_path.exists():
        return {}
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        return dict(con.execute("SELECT url, first_seen FROM pages").fetchall())
    except sqlite3.OperationalError:
        return {}
    finally:
        con.close()


def _finished_sites(db_path):
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        return [r[0] for r in con.execute("SELECT domain FROM sites")]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def test_sigkill_loses_nothing_and_rerun_finishes(slow_web, tmp_path):
    urls = [slow_web.url("fast.example", "/"), slow_web.url("slow.example", "/")]
    (tmp_path / "in.txt").write_text("\n".join(urls) + "\n")
    env = cli_env(tmp_path, **slow_web.env)
    db_path = tmp_path / "k.sqlite"
    args = [sys.executable, "-m", "merchintel.cli", "crawl", "in.txt", "--db", str(db_path), "--no-enrich",
            "--concurrency", "1"]
    proc = subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            slow_pages = [u for u in _pages(db_path) if "slow.example" in u]
            if len(slow_pages) >= 3 and _finished_sites(db_path) == ["fast.example"]:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the crawl did not store the fast site and 3 slow pages within 60 s")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    before = _pages(db_path)
    assert len([u for u in before if "slow.example" in u]) < 15, "the crawl finished before the kill"
    con = sqlite3.connect(db_path)
    run_status = con.execute("SELECT status, finished_at FROM runs").fetchall()
    con.close()
    assert run_status == [("running", None)]          # the killed run says so

    r = run_cli(["crawl", "in.txt", "--db", str(db_path), "--no-enrich", "--resume"], env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    after = _pages(db_path)
    assert all(after[u] == before[u] for u in before)  # nothing lost, first_seen kept
    assert len([u for u in after if "slow.example" in u]) == 15 and len([u for u in after if "fast" in u]) == 5
    assert "already finished" in r.stderr                # fast.example was done before the kill
    con = sqlite3.connect(db_path)
    try:
        dupes = con.execute("SELECT count(*) - count(DISTINCT url) FROM pages").fetchone()[0]
        obs = con.execute("SELECT count(*), count(DISTINCT key) FROM observations").fetchone()
        sites = dict(con.execute("SELECT domain, last_status FROM sites").fetchall())
    finally:
        con.close()
    assert dupes == 0 and obs[0] == obs[1]
    assert sites == {"fast.example": "ok", "slow.example": "ok"}
