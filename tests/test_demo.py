"""`make demo`'s entry point, as a user runs it: `merchintel demo` in an empty directory."""

from __future__ import annotations

import json
import sqlite3

from tests.conftest import cli_env, run_cli


def test_demo_crawls_the_sample_web_and_prints_a_summary(tmp_path):
    r = run_cli(["demo"], env=cli_env(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    out = r.stdout
    assert "merchintel demo:" in out and "media fetched: 0" in out
    for section in ("Sites", "Identifiers by kind", "Alerts"):
        assert f"\n{section}\n" in out
    db_path = tmp_path / "demo-out" / "merchintel.sqlite"
    assert db_path.exists()
    con = sqlite3.connect(db_path)
    try:
        status = dict(con.execute("SELECT domain, last_status FROM sites").fetchall())
        n_reports = con.execute("SELECT count(*) FROM reports").fetchone()[0]
        runs = con.execute("SELECT status FROM runs WHERE command = 'crawl'").fetchall()
    finally:
        con.close()
    assert n_reports == 13 and runs == [("done",)]
    assert status["shop-a.se"] == "ok" and status["nxdomain-shop.com"] == "nxdomain"
    for domain in status:
        assert f"{domain} " in out                      # every site is in the printed table


def test_demo_json_and_out_dir(tmp_path):
    r = run_cli(["demo", "--out", "elsewhere", "--format", "json"], env=cli_env(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads(r.stdout)
    assert report["db"].endswith("elsewhere/merchintel.sqlite")
    assert report["summary"]["media_hits"] == 0 and report["summary"]["sites"] == 13
    assert {s["domain"] for s in report["sites"]} >= {"shop-a.se", "shop-b.com", "vids-c.net"}
    assert (tmp_path / "elsewhere" / "merchintel.sqlite").exists()
