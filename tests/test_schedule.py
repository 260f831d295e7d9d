"""Watchlist and schedule: intervals, due sites with injected time, run-due's lock, watch's clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from crawler.config import load_config
from crawler.errors import ConfigError, LockHeld
from merchintel.lock import RunLock, holder_pid, lock_path
from crawler.clock import now, parse_duration, since_time
from merchintel.schedule import MIN_EVERY, due_sites, set_schedule, watchlist
from merchintel.watch import run_due
from crawler.schema import CASE_SITES, REPORTS, RUNS, open_db, row_key, upsert_seen
from tests.conftest import cli_env

T0 = "2026-11-01T08:00:00Z"


@pytest.mark.parametrize("text, secs", [("90s", 90), ("30m", 1800), ("6h", 21600), ("2d", 172800),
                                        ("1d12h", 129600), ("1w", 604800), ("3600", 3600), (" 6H ", 21600)])
def test_parse_duration(text, secs):
    assert parse_duration(text) == secs


@pytest.mark.parametrize("text", ["", "6x", "h6", "6h banana", "soon"])
def test_parse_duration_errors(text):
    with pytest.raises(ConfigError, match="is not a duration; use a number with s, m, h, d or w"):
        parse_duration(text)


def test_clock_is_injectable():
    fixed = load_config({"now": T0}, env={}, toml_path=None)
    assert now(fixed) == datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
    ahead = load_config({"now": "+25h"}, env={}, toml_path=None)
    delta = now(ahead) - datetime.now(timezone.utc)
    assert timedelta(hours=24, minutes=59) < delta < timedelta(hours=25, minutes=1)
    assert now(None, env={"MERCHINTEL_NOW": "2026-01-02T03:04:05Z"}).hour == 3
    assert since_time("24h", fixed) == "2026-10-31T08:00:00Z"
    assert since_time("2026-10-30", fixed) == "2026-10-30T00:00:00Z"


def track(db, case, domain, last_seen=T0, url=None):
    upsert_seen(db, CASE_SITES, {"case_name": case, "domain": domain, "last_seen": last_seen, "active": 1},
                now=last_seen)
    url = url or f"http://{domain}:8080/"
    db[REPORTS].upsert({"key": row_key(case, url, None), "url": url, "case_name": case, "domain": domain},
                       pk="key")


@pytest.fixture
def store(tmp_path):
    db = open_db(tmp_path / "m.sqlite")
    for d in ("alpha.se", "bravo.se", "charlie.se"):
        track(db, "fox", d)
    track(db, "owl", "charlie.se")           # charlie.se is tracked by two cases
    track(db, "owl", "delta.se")
    return db


def cfg_at(db, at, **extra):
    return load_config({"db": db.conn.execute("PRAGMA database_list").fetchone()[2], "now": at, "jitter": 0.0,
                        **extra}, env={}, toml_path=None)


def at(hours):
    return (datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_default_interval_and_per_case_and_per_site(store):
    assert {(w["case"], w["domain"]) for w in due_sites(store, cfg_at(store, at(23)))} == set()
    assert len(due_sites(store, cfg_at(store, at(24)))) == 5          # default 24h
    set_schedule(store, "fox", "6h")
    set_schedule(store, "fox", "2d", domain="http://www.bravo.se/")
    due = {(w["case"], w["domain"]) for w in due_sites(store, cfg_at(store, at(7)))}
    assert due == {("fox", "alpha.se"), ("fox", "charlie.se")}
    ws = {(w["case"], w["domain"]): w for w in watchlist(store, cfg_at(store, at(0)))}
    assert ws[("fox", "bravo.se")]["every_seconds"] == 172800 and ws[("owl", "delta.se")]["every_seconds"] == 86400


@pytest.mark.parametrize("every, domain, message", [
    ("5m", None, "shorter than 15m; crawling a site more often is impolite"),
    ("6h", "nope.se", "nope.se is not tracked under case fox"),
    ("6 hours", None, "is not a duration"),
])
def test_schedule_set_refusals(store, every, domain, message):
    with pytest.raises(ConfigError, match=message):
        set_schedule(store, "fox", every, domain=domain)


def test_run_due_crawls_each_site_once_and_is_idempotent(store):
    calls = []

    def fake_crawl(cfg, db_path, case, urls, log):
        calls.append((case, sorted(urls)))
        return 0, ""
    c = cfg_at(store, at(25), every="24h")
    s = run_due(c, crawl=fake_crawl, log=lambda m: None)
    assert s["due"] == 5 and s["status"] == "done"
    # charlie.se is due in both cases and crawled once, under the first case.
    assert calls == [("fox", ["http://alpha.se:8080/", "http://bravo.se:8080/", "http://charlie.se:8080/"]),
                     ("owl", ["http://delta.se:8080/"])]
    assert sorted(s["crawled"]) == ["alpha.se", "bravo.se", "charlie.se", "delta.se"]
    # Nothing is due a second time at the same moment, nor an hour later.
    assert run_due(c, crawl=fake_crawl, log=lambda m: None)["due"] == 0
    assert run_due(cfg_at(store, at(26)), crawl=fake_crawl, log=lambda m: None)["due"] == 0
    assert len(calls) == 2
    nxt = {w["domain"]: w["next_due"] for w in watchlist(store, c)}
    assert nxt["alpha.se"] == at(49)
    run = store[RUNS].get(s["run_id"])
    assert run["command"] == "run-due" and run["status"] == "done"


def test_jitter_spreads_next_crawls_within_bounds(store):
    c = cfg_at(store, at(25), jitter=0.5)
    run_due(c, crawl=lambda *a: (0, ""), log=lambda m: None)
    nxt = sorted(w["next_due"] for w in watchlist(store, c))
    assert all(at(49) <= n <= at(61) for n in nxt) and len(set(nxt)) > 1


def test_a_failed_crawl_keeps_its_sites_due(store):
    c = cfg_at(store, at(25))
    s = run_due(c, crawl=lambda cfg, p, case, urls, log: (1 if case == "owl" else 0, "boom"), log=lambda m: None)
    assert s["failed"] == ["delta.se"] and s["status"] == "failed"
    assert [w["domain"] for w in due_sites(store, c)] == ["delta.se"]


def test_the_lock_refuses_a_second_holder_and_takes_over_a_dead_ones(tmp_path):
    db_path = tmp_path / "merchintel.sqlite"
    with RunLock(db_path):
        assert holder_pid(db_path) == os.getpid()
        with pytest.raises(LockHeld, match=rf"another run holds the lock on merchintel.sqlite \(pid {os.getpid()}\); "
                                           r"wait for it or pass --db\."):
            RunLock(db_path).acquire()
    # A pid file left by a dead process (no flock held) is taken over.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lock_path(db_path).write_text(dead.stdout)
    with RunLock(db_path) as lock:
        assert holder_pid(db_path) == lock.pid == os.getpid()


def test_run_due_cli_exits_while_another_run_holds_the_lock(tmp_path, cli):
    db_path = tmp_path / "merchintel.sqlite"
    open_db(db_path)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from merchintel.lock import RunLock; "
                               f"l = RunLock({str(db_path)!r}).acquire(); print('held', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True, env=cli_env(tmp_path))
    try:
        assert holder.stdout.readline().strip() == "held"
        res = cli("run-due", "--db", str(db_path))
        assert res.returncode == 1
        assert res.stderr.strip() == (f"Error: another run holds the lock on merchintel.sqlite (pid {holder.pid}); "
                                      f"wait for it or pass --db.")
    finally:
        holder.kill()
        holder.wait()
    # The holder died without releasing: the next run takes the lock over and finds nothing due.
    res = cli("run-due", "--db", str(db_path), "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["due"] == 0


def test_watch_stops_cleanly_on_sigterm_and_sigint(tmp_path):
    db_path = tmp_path / "merchintel.sqlite"
    open_db(db_path)
    for sig in (signal.SIGTERM, signal.SIGINT):
        p = subprocess.Popen([sys.executable, "-m", "merchintel.cli", "watch", "--db", str(db_path), "--interval", "1h"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(tmp_path))
        line = p.stderr.readline()
        assert "watch: checking every 3600s" in line
        deadline = time.monotonic() + 30
        while holder_pid(db_path) != p.pid and time.monotonic() < deadline:
            time.sleep(0.05)
        # Wait for the first cycle's run row, then signal while the loop sleeps.
        while not open_db(db_path)[RUNS].count_where("command = 'run-due' AND status = 'done'") and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        p.send_signal(sig)
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, err
        assert json.loads(out) == {"cycles": 1, "crawled": 0, "signal": int(sig)}
        assert f"watch: stopped after 1 cycle(s) (signal {int(sig)})" in err
        assert holder_pid(db_path) is None       # lock released
        RunLock(db_path).acquire().release()
        open_db(db_path)[RUNS].delete_where()


def test_schedule_cli(tmp_path, cli, store):
    path = store.conn.execute("PRAGMA database_list").fetchone()[2]
    res = cli("schedule", "set", "--case", "fox", "--every", "6h", "--db", path)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["every_seconds"] == 21600
    assert json.loads(res.stdout)["sites"] == 3 and "no sites yet" not in res.stderr
    early = cli("schedule", "set", "--case", "wolf", "--every", "2d", "--db", path)
    assert early.returncode == 0 and "case wolf has no sites yet" in early.stderr
    missing = cli("schedule", "set", "--case", "fox", "--db", str(tmp_path / "typo.sqlite"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    assert not (tmp_path / "typo.sqlite").exists()
    bad = cli("schedule", "set", "--case", "fox", "--every", "1m", "--db", path)
    assert bad.returncode == 1 and bad.stderr.startswith("Error: --every 1m is shorter than 15m")
    shown = json.loads(cli("schedule", "show", "--case", "fox", "--db", path, "--format", "json").stdout)
    assert {r["domain"]: r["every_seconds"] for r in shown} == {"alpha.se": 21600, "bravo.se": 21600, "charlie.se": 21600}
    due = json.loads(cli("schedule", "show", "--due", "--db", path, "--format", "json", "--now", at(7)).stdout)
    assert {(r["case"], r["domain"]) for r in due} == {("fox", "alpha.se"), ("fox", "bravo.se"), ("fox", "charlie.se")}
    assert MIN_EVERY == 900


def test_now_iso_follows_the_real_clock_and_merchintel_now(monkeypatch):
    """now_iso formats the real clock once per second, and MERCHINTEL_NOW (fixed or an
    offset) still wins on every call."""
    import time as _time
    from datetime import datetime, timezone

    from crawler import clock

    monkeypatch.delenv("MERCHINTEL_NOW", raising=False)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    got = clock.parse_time(clock.now_iso())
    assert before <= got <= datetime.now(timezone.utc)
    monkeypatch.setenv("MERCHINTEL_NOW", "2026-01-02T03:04:05Z")
    assert clock.now_iso() == "2026-01-02T03:04:05Z"
    monkeypatch.setenv("MERCHINTEL_NOW", "+1d")
    assert clock.parse_time(clock.now_iso()) >= before.replace(microsecond=0) + clock.timedelta(days=1)
    monkeypatch.delenv("MERCHINTEL_NOW")
    _time.sleep(1.05)   # the next second is formatted afresh
    assert clock.parse_time(clock.now_iso()) > got
