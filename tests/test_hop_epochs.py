"""The two-epoch hop web, crawled for real: epoch 1 by `merchintel crawl`, the world switches,
epoch 2 by `merchintel run-due` (tracked sites) and a new case's `merchintel crawl`.

Every alert of tests/webs/hop/expected.json must be raised, and no other — the decoys share
the CDN address, name servers and a theme tracker id with the tracked shops and must stay
silent.  See tests/webs/hop/build.py for the story of each site.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import cli_env, run_cli

HOP = Path(__file__).resolve().parent / "webs" / "hop"
EXPECTED = json.loads((HOP / "expected.json").read_text())
JS_SITES = {"js-shop.se", "js-shop.ru"}

try:
    from fakeweb import FakeWeb
    import merchintel.cli.crawl as _crawl_cli
    HAVE_CRAWL = hasattr(_crawl_cli, "crawl")
except ImportError:  # pragma: no cover
    HAVE_CRAWL = False



def test_the_checked_in_hop_web_is_what_build_py_writes(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("hop_build", HOP / "build.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.build(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(HOP) for p in HOP.rglob("*") if p.is_file() and p.name != "build.py"
                     and "__pycache__" not in p.parts)
    assert made == shipped
    stale = [str(p) for p in made if (tmp_path / p).read_bytes() != (HOP / p).read_bytes()]
    assert not stale, f"run tests/webs/hop/build.py: {stale}"


def _key(a):
    return (a["kind"], a["type"] or "", a["from"] or "", a["to"] or "")


@pytest.fixture(scope="module")
def epochs(tmp_path_factory):
    """Runs both epochs once for the module; yields what the tests look at."""
    if not HAVE_CRAWL:
        pytest.skip("`merchintel crawl` (merchintel/cli/crawl.py) is not available")
    tmp = tmp_path_factory.mktemp("hop")
    db = str(tmp / "merchintel.sqlite")
    jsonl = tmp / "alerts.jsonl"
    out = {"tmp": tmp, "db": db, "jsonl": jsonl, "steps": []}
    with FakeWeb(HOP / "epoch1") as web:
        env = cli_env(tmp, **web.env, MERCHINTEL_DB=db, MERCHINTEL_ALERT_JSONL=str(jsonl),
                      MERCHINTEL_WHOIS_INTERVAL="0")   # the fixture WHOIS server needs no pacing

        def run(*args, now=None):
            e = dict(env)
            if now:
                e["MERCHINTEL_NOW"] = now
            res = run_cli(list(args), env=e, cwd=tmp, timeout=300)
            out["steps"].append((args, res.returncode, res.stderr[-2000:]))
            assert res.returncode == 0, f"merchintel {' '.join(args)} failed:\n{res.stderr[-3000:]}"
            return res

        r1 = web.render_reports(tmp / "r1.csv", src=HOP / "reports-epoch1.csv")
        f1 = web.render_reports(tmp / "f1.csv", src=HOP / "fillers-epoch1.csv")
        run("crawl", str(f1), "--case", "background")
        run("schedule", "set", "--case", "background", "--every", "30d")
        run("crawl", str(r1), "--case", "case-a")
        out["epoch1_alerts"] = json.loads(run("alerts", "--format", "json").stdout)

        web.switch(HOP / "epoch2")
        web.reset_logs()
        due = run("run-due", "--format", "json", now="+27h")
        out["run_due"] = json.loads(due.stdout)
        out["http_log_due"] = list(web.http_log)
        r2 = web.render_reports(tmp / "r2.csv", src=HOP / "reports-epoch2.csv")
        run("crawl", str(r2), "--case", "case-b", now="+27h")
        out["again"] = json.loads(run("run-due", "--format", "json", now="+28h").stdout)
        out["alerts"] = json.loads(run("alerts", "--format", "json").stdout)
        out["table"] = run("alerts").stdout
        out["history_dead"] = json.loads(run("history", "dead-shop.se", "--format", "json").stdout)
        out["media_hits"] = web.media_hits
        out["web"], out["env"] = web, env
        yield out


def test_epoch1_raises_nothing(epochs):
    assert epochs["epoch1_alerts"] == []


def test_run_due_crawled_the_tracked_sites_only(epochs):
    rd = epochs["run_due"]
    assert rd["status"] == "done" and rd["failed"] == []
    tracked = [a for a in EXPECTED["alerts"] if a["to"] not in ("phoenix-shop.to", "mirror-copy.net", "cluster-new.net")]
    assert rd["alerts"] >= len(tracked)                                   # raised by run-due's crawls
    assert set(rd["crawled"]) == {"redir-shop.se", "meta-shop.se", "js-shop.se", "moved-shop.se", "dead-shop.se",
                                  "gone-shop.se", "pay-shop.se", "mirror-src.se", "flaky-shop.se"}
    hosts = {e["host"] for e in epochs["http_log_due"]}
    assert not any(h.startswith(("blog", "www.blog")) for h in hosts)   # the background case is not due
    assert epochs["again"]["due"] == 0                                   # idempotent an hour later
    assert epochs["media_hits"] == 0


def test_every_expected_alert_and_no_other(epochs):
    got = {_key(a) for a in epochs["alerts"]}
    want = {_key(a) for a in EXPECTED["alerts"]}
    assert (sorted(want - got), sorted(got - want)) == ([], [])      # (missing, unexpected)
    assert len({a["key"] for a in epochs["alerts"]}) == len(epochs["alerts"])


def test_decoys_raise_nothing(epochs):
    decoys = set(EXPECTED["no_alert_domains"])
    assert [a for a in epochs["alerts"] if {a["from"], a["to"]} & decoys] == []


def test_js_location_redirect(epochs):
    got = sorted(_key(a) for a in epochs["alerts"] if {a["from"], a["to"]} & JS_SITES)
    assert got == [("domain_hop", "redirect", "js-shop.se", "js-shop.ru")]
    a = _one(epochs, "domain_hop", "redirect", "js-shop.se")
    [ev] = [e for e in a["evidence"] if e["type"] == "redirect_chain"]
    assert ev["via"] == ["js"] and ev["chain"][0]["url"].startswith("http://js-shop.se:")
    assert "js-shop.ru" in ev["final_url"]


def _one(epochs, kind, type_, frm):
    [a] = [a for a in epochs["alerts"] if (a["kind"], a["type"], a["from"]) == (kind, type_, frm)]
    return a


def test_redirect_evidence(epochs):
    a = _one(epochs, "domain_hop", "redirect", "redir-shop.se")
    [ev] = [e for e in a["evidence"] if e["type"] == "redirect_chain"]
    assert ev["chain"][0]["url"].startswith("http://redir-shop.se:") and "redir-shop.nu" in ev["final_url"]
    assert a["jurisdiction"]["from"]["cctld_country"] == "SE" and a["jurisdiction"]["to"]["cctld_country"] == "NU"
    m = _one(epochs, "domain_hop", "redirect", "meta-shop.se")
    assert "meta_refresh" in next(e for e in m["evidence"] if e["type"] == "redirect_chain")["via"]


def test_moved_notice_target_was_crawled_once(epochs):
    a = _one(epochs, "domain_hop", "moved_notice", "moved-shop.se")
    assert a["to"] == "moved-shop.is"
    assert any("we have moved to" in e.get("text", "").lower() for e in a["evidence"])
    hits = [e for e in epochs["http_log_due"] if e["host"] in ("moved-shop.is", "www.moved-shop.is")]
    assert hits and all(e["path"].startswith("/") for e in hits)
    # Delivered after the target's crawl and enrichment: its side of the jurisdiction is filled in.
    j = a["jurisdiction"]
    assert j["to"]["cctld_country"] == "IS" and "cctld_country" in j["changed"]
    if j["from"]["registrar"]:
        assert j["to"]["registrar"] == j["from"]["registrar"] and "registrar" not in j["changed"]
    [line] = [x for x in map(json.loads, epochs["jsonl"].read_text().splitlines()) if x["key"] == a["key"]]
    assert line["jurisdiction"] == j


def test_reappeared_evidence(epochs):
    a = _one(epochs, "domain_hop", "reappeared", "dead-shop.se")
    kinds = {e["kind"] for e in a["evidence"] if e["type"] == "shared_identifier"}
    assert "btc_address" in kinds and "ga_tracking_id" not in kinds
    status = next(e for e in a["evidence"] if e["type"] == "status")
    assert status["status"] == "parked"
    assert a["cases"] == ["case-a", "case-b"]
    j = a["jurisdiction"]
    assert j["to"]["cctld_country"] == "TO" and "cctld_country" in j["changed"]
    if j["from"]["registrar"] or j["to"]["registrar"]:      # WHOIS enrichment ran
        assert (j["from"]["registrar"], j["to"]["registrar"]) == ("BigReg Domains Inc.", "Njalla Okta LLC")
        assert "registrar" in j["changed"]


def test_payment_switch(epochs):
    a = _one(epochs, "payment_change", "switched", "pay-shop.se")
    added = {e["kind"] for e in a["evidence"] if e["change"] == "added"}
    dropped = {e["kind"] for e in a["evidence"] if e["change"] == "dropped"}
    want = EXPECTED["payment_change"]["pay-shop.se"]
    assert added == set(want["added_kinds"]) and dropped == set(want["dropped_kinds"])


def test_sinks_and_outputs_agree(epochs):
    lines = [json.loads(x) for x in epochs["jsonl"].read_text().splitlines()]
    assert sorted(_key(a) for a in lines) == sorted(_key(a) for a in epochs["alerts"])
    assert "redir-shop.se now redirects to redir-shop.nu" in epochs["table"]


def test_history_of_the_parked_shop(epochs):
    h = epochs["history_dead"]
    assert [p["status"] for p in h] == ["ok", "parked"]
    assert h[1]["changes"][0] == "status ok -> parked (parked)"


def test_watch_finishes_the_running_crawl_on_sigterm(epochs):
    """SIGTERM while watch's crawl runs: the crawl completes and is recorded, then watch exits 0."""
    from crawler.schema import CASE_SITES, SITE_STATES, open_db
    tmp, db = epochs["tmp"], epochs["db"]
    before = {r["domain"]: r["crawls"] for r in open_db(db).query(
        f"SELECT domain, crawls FROM [{SITE_STATES}] WHERE current = 1")}
    env = {**epochs["env"], "MERCHINTEL_NOW": "+60h"}      # the epoch-2 web is still serving
    p = subprocess.Popen([sys.executable, "-m", "merchintel.cli", "watch", "--interval", "1h"], env=env, cwd=tmp,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = p.stderr.readline()
        lines.append(line)
        if "run-due: crawling" in line or not line:
            break
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=240)
    assert p.returncode == 0, "".join(lines) + err
    res = json.loads(out)
    assert res["signal"] == int(signal.SIGTERM) and res["cycles"] == 1 and res["crawled"] > 0
    store = open_db(db)
    after = {r["domain"]: r["crawls"] for r in store.query(
        f"SELECT domain, crawls FROM [{SITE_STATES}] WHERE current = 1")}
    assert after["mirror-src.se"] == before["mirror-src.se"] + 1        # the interrupted cycle's crawl is kept
    nxt = [r["next_due"] for r in store.query(f"SELECT next_due FROM [{CASE_SITES}] WHERE case_name = 'case-a'")]
    assert all(n and n > "2026" for n in nxt)


def test_client_side_hops_set_the_final_domain(epochs):
    """A meta refresh or a literal JavaScript location of the start page sets sites.final_domain."""
    from crawler.schema import SITES, open_db
    final = dict(open_db(epochs["db"]).execute(f"SELECT domain, final_domain FROM [{SITES}]").fetchall())
    assert (final["redir-shop.se"], final["meta-shop.se"], final["js-shop.se"]) == \
        ("redir-shop.nu", "meta-shop.de", "js-shop.ru")
    assert final["pay-shop.se"] == "pay-shop.se"


def test_every_alert_of_every_type_carries_evidence(epochs):
    types = {(a["kind"], a["type"]) for a in epochs["alerts"]}
    assert {k for k, _ in types} == {"domain_hop", "payment_change", "site_down", "site_back", "new_domain_in_cluster"}
    for a in epochs["alerts"]:
        assert a["evidence"] and all(e.get("type") for e in a["evidence"]), a
        if a["kind"] == "domain_hop" and a["type"] == "redirect":
            assert [e for e in a["evidence"] if e["type"] == "redirect_chain"], a
