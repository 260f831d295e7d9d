"""Distributed mode: a real Redis queue, real worker processes, the loopback sample web.

Tests marked ``redis`` need the Redis server on 127.0.0.1:6379: without it they skip,
except under CI (env CI set), where they fail.  Every test uses its own key prefix and
deletes it afterwards.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from crawler.distributed import JSON_SERIALIZER, QueueKeys, decode_job, encode_job, site_jobs
from crawler.errors import ConfigError, StoreError
from fakeweb import SAMPLE_WEB, FakeWeb
from merchintel.worker import merge_dbs, worker_settings
from crawler.inputs import Report, read_input
from tests.conftest import cli_env, run_cli

REDIS_URL = os.environ.get("MERCHINTEL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_or_skip():
    import redis

    try:
        server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        server.ping()
        return server
    except redis.RedisError as exc:
        reason = f"Redis not reachable at {REDIS_URL} ({exc}); start redis-server to run this test"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and {reason}")
        pytest.skip(reason)


@pytest.fixture
def redis_queue():
    """(server, queue prefix) with every key of the prefix deleted afterwards."""
    server = _redis_or_skip()
    prefix = f"mi-test-{uuid.uuid4().hex[:10]}"
    yield server, prefix
    keys = list(server.scan_iter(match=f"{prefix}:*"))
    if keys:
        server.delete(*keys)


@pytest.fixture(scope="module")
def web():
    with FakeWeb(SAMPLE_WEB) as w:
        yield w


def _worker(tmp_path: Path, env: dict[str, str], queue: str, name: str, *extra: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "merchintel.cli", "worker", "--queue", queue, "--worker-id", name,
            "--db", str(tmp_path / f"{name}.sqlite"), "--redis-url", REDIS_URL, "--format", "json", *extra]
    return subprocess.Popen(args, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_alive(server, keys: QueueKeys, names: list[str], procs: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(server.exists(keys.alive(n)) for n in names):
            return
        dead = [p for p in procs if p.poll() is not None]
        if dead:
            out, errs = dead[0].communicate()
            pytest.fail(f"worker exited early ({dead[0].returncode}): {errs[-2000:]}")
        time.sleep(0.1)
    pytest.fail("workers did not register in Redis within 30 s")


def _rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


# ---- end to end ------------------------------------------------------------------------
class HoldServer:
    """HTTP on 127.0.0.9 and 127.0.0.10 whose answer waits for ``release()``: a worker that
    took one of these sites is busy with it until the test lets go."""

    IPS = ("127.0.0.9", "127.0.0.10")

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        gate = self.gate = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                gate.wait(60)
                body = b"<html><body><p>held site</p></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.servers = [ThreadingHTTPServer((ip, 0), Handler) for ip in self.IPS]
        for srv in self.servers:
            srv.daemon_threads = True
            threading.Thread(target=srv.serve_forever, daemon=True).start()

    def urls(self) -> list[str]:
        return [f"http://{ip}:{srv.server_address[1]}/" for ip, srv in zip(self.IPS, self.servers)]

    def release(self) -> None:
        self.gate.set()

    def close(self) -> None:
        self.gate.set()
        for srv in self.servers:
            srv.shutdown()
            srv.server_close()


def _crawl_with_two_workers(tmp_path, env, server, queue, reports_csv, names, extra=()):
    """Start two workers, give each one held site (so both work, whatever the load), enqueue
    the reports, release, wait.  Returns (outs, holders: worker -> held domains)."""
    keys = QueueKeys(queue)
    hold = HoldServer()
    procs = [_worker(tmp_path, env, queue, n, "--idle-exit", "2", "--active-sites", "1", *extra) for n in names]
    try:
        _wait_alive(server, keys, names, procs)
        # each worker crawls one site at a time, so each takes one held site and stays busy
        # with it until released
        for job in site_jobs([Report(u, 0) for u in hold.urls()], case="team", input_name="held"):
            server.lpush(keys.sites, encode_job(job))
        enq = run_cli(["enqueue", str(reports_csv), "--queue", queue, "--case", "team", "--redis-url", REDIS_URL,
                       "--format", "json"], env=env, cwd=tmp_path)
        assert enq.returncode == 0, enq.stderr
        deadline = time.monotonic() + 30
        while not all(server.llen(keys.processing(n)) for n in names) and time.monotonic() < deadline:
            time.sleep(0.05)
        holders = {n: [decode_job(r)["domain"] for r in server.lrange(keys.processing(n), 0, -1)] for n in names}
        hold.release()
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        hold.close()
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, errs) in zip(procs, outs):
        assert p.returncode == 0, errs[-3000:]
        assert json.loads(out)["status"] == "done"
    assert sorted(d for ds in holders.values() for d in ds) == sorted(HoldServer.IPS), holders
    return outs, holders


@pytest.mark.redis
def test_two_workers_crawl_every_site_exactly_once(tmp_path, web, redis_queue):
    from fakeweb.data import CANARY_PREFIX

    server, queue = redis_queue
    keys = QueueKeys(queue)
    reports_csv = web.render_reports(tmp_path / "reports.csv")
    _, reports, _ = read_input(str(reports_csv))
    domains = {r.domain for r in reports}
    env = cli_env(tmp_path, **web.env)

    names = ["wa", "wb"]
    _crawl_with_two_workers(tmp_path, env, server, queue, reports_csv, names)
    held_domains = set(HoldServer.IPS)
    per_worker = {n: {d for (d,) in _rows(tmp_path / f"{n}.sqlite", "SELECT domain FROM reports")} for n in names}
    assert all(per_worker[n] & held_domains for n in names), per_worker
    assert not (per_worker["wa"] & per_worker["wb"]), "a site was crawled by both workers"
    assert per_worker["wa"] | per_worker["wb"] == domains | held_domains

    merged = tmp_path / "merged.sqlite"
    res = run_cli(["merge", str(tmp_path / "wa.sqlite"), str(tmp_path / "wb.sqlite"), "--into", str(merged),
                   "--format", "json"], env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert {d for (d,) in _rows(merged, "SELECT domain FROM case_sites WHERE case_name = 'team'")} == \
        domains | held_domains
    assert len(_rows(merged, "SELECT key FROM reports")) == len(reports) + 2

    # the same evidence as one `merchintel crawl` of the same input
    single = tmp_path / "single.sqlite"
    res = run_cli(["crawl", str(reports_csv), "--db", str(single), "--case", "team", "--no-enrich"],
                  env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    not_held = "domain NOT IN ('127.0.0.9', '127.0.0.10')"
    q_obs = f"SELECT DISTINCT domain, kind, value FROM observations WHERE {not_held} ORDER BY 1, 2, 3"
    q_sites = f"SELECT domain, last_status FROM sites WHERE {not_held} ORDER BY domain"
    q_counts = f"SELECT domain, count(*) FROM pages WHERE {not_held} GROUP BY domain ORDER BY domain"
    for q in (q_obs, q_sites, q_counts):
        assert _rows(merged, q) == _rows(single, q), q
    # Same pages too, except where the page budget cut the site (the infinite calendar):
    # which calendar pages fit in the budget depends on the order of equal-priority links,
    # FIFO in memory, URL order in the Redis priority queue.
    q_pages = (f"SELECT url, status FROM pages WHERE {not_held} AND domain IN (SELECT domain FROM pages "
               f"GROUP BY domain HAVING count(*) < 40) ORDER BY url")
    assert _rows(merged, q_pages) == _rows(single, q_pages)
    assert len(_rows(merged, q_pages)) > 30
    assert _rows(merged, q_obs), "nothing extracted"

    # first law: no canary in what the workers wrote, no media body served in full
    import base64

    for f in tmp_path.glob("w[ab].sqlite*"):
        data = f.read_bytes()
        for form in (CANARY_PREFIX, base64.b64encode(CANARY_PREFIX)[:20], CANARY_PREFIX.hex().encode()):
            assert form not in data, f"{form!r} in {f.name}"
    # The never-media layers refused the same URLs for the same reasons as in `crawl`.
    # (web.media_hits is not asserted here: the fake web counts a media body as served when
    # the client's abort comes more than 0.1 s after the headers, which happens on a loaded
    # machine with three crawlers running; the canary scan above is what must hold.)
    q_media = "SELECT url, reason FROM errors WHERE kind = 'media' ORDER BY url"
    assert _rows(merged, q_media) == _rows(single, q_media)
    assert len(_rows(merged, q_media)) >= 3
    assert server.llen(keys.sites) == 0
    assert not server.smembers(keys.workers)
    assert not any(server.exists(keys.processing(n), keys.alive(n), keys.requests(n)) for n in names)


@pytest.mark.redis
def test_worker_stops_by_itself_when_idle(tmp_path, redis_queue):
    server, queue = redis_queue
    res = run_cli(["worker", "--queue", queue, "--worker-id", "idle", "--db", str(tmp_path / "idle.sqlite"),
                   "--redis-url", REDIS_URL, "--idle-exit", "1", "--format", "json"],
                  env=cli_env(tmp_path), cwd=tmp_path, timeout=60)
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["status"] == "done" and summary["sites"] == 0
    assert _rows(tmp_path / "idle.sqlite", "SELECT command, status FROM runs") == [("worker", "done")]
    assert not server.smembers(QueueKeys(queue).workers)


@pytest.mark.redis
def test_dead_workers_jobs_are_taken_back_and_junk_dropped(tmp_path, web, redis_queue):
    """A worker that died holding a job (no heartbeat) loses it to the next worker; an entry
    that is not a site job is dropped, not crawled and not retried."""
    server, queue = redis_queue
    keys = QueueKeys(queue)
    job = site_jobs([Report(web.url("shop-a.se", "/"), 1, report_id="R-1")], case="c", input_name="t")[0]
    server.sadd(keys.workers, "ghost")
    server.lpush(keys.processing("ghost"), encode_job(job))
    server.lpush(keys.sites, b"not json at all")
    server.lpush(keys.sites, json.dumps({"v": 99, "domain": "x.se"}))
    res = run_cli(["worker", "--queue", queue, "--worker-id", "heir", "--db", str(tmp_path / "heir.sqlite"),
                   "--redis-url", REDIS_URL, "--idle-exit", "1", "--format", "json"],
                  env=cli_env(tmp_path, **web.env), cwd=tmp_path, timeout=60)
    assert res.returncode == 0, res.stderr
    assert _rows(tmp_path / "heir.sqlite", "SELECT domain, last_status FROM sites") == [("shop-a.se", "ok")]
    assert _rows(tmp_path / "heir.sqlite", "SELECT report_id, case_name FROM reports") == [("R-1", "c")]
    assert "not a site job" in res.stderr
    assert server.llen(keys.sites) == 0 and server.llen(keys.processing("ghost")) == 0
    assert not server.sismember(keys.workers, "ghost")


@pytest.mark.redis
def test_ssrf_guard_holds_in_workers(tmp_path, web, redis_queue):
    """Without MERCHINTEL_ALLOW_PRIVATE the loopback web is refused, as in `merchintel crawl`."""
    server, queue = redis_queue
    job = site_jobs([Report(web.url("shop-a.se", "/"), 1)], case="c", input_name="t")[0]
    server.lpush(QueueKeys(queue).sites, encode_job(job))
    env = cli_env(tmp_path, MERCHINTEL_NAMESERVERS=web.env["MERCHINTEL_NAMESERVERS"])
    res = run_cli(["worker", "--queue", queue, "--db", str(tmp_path / "w.sqlite"), "--redis-url", REDIS_URL,
                   "--idle-exit", "1"], env=env, cwd=tmp_path, timeout=60)
    assert res.returncode == 0, res.stderr
    db = tmp_path / "w.sqlite"
    assert _rows(db, "SELECT domain, last_status FROM sites") == [("shop-a.se", "refused")]
    assert _rows(db, "SELECT count(*) FROM pages") == [(0,)]
    assert _rows(db, "SELECT DISTINCT kind FROM errors") == [("ssrf",)]


@pytest.mark.redis
def test_enqueue_groups_reports_by_site_and_names_bad_lines(tmp_path, redis_queue):
    server, queue = redis_queue
    src = tmp_path / "in.txt"
    src.write_text("# reported\nhttp://shop-a.se/\nhttp://www.shop-a.se/join\njavascript:void(0)\n"
                   "shop-b.com/pay\n")
    res = run_cli(["enqueue", str(src), "--queue", queue, "--case", "k1", "--redis-url", REDIS_URL,
                   "--format", "json"], env=cli_env(tmp_path), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "in.txt line 4" in res.stderr
    out = json.loads(res.stdout)
    assert (out["sites"], out["reports"], out["input_problems"]) == (2, 3, 1)
    jobs = sorted((decode_job(raw) for raw in server.lrange(QueueKeys(queue).sites, 0, -1)),
                  key=lambda j: j["domain"])
    assert [(j["domain"], j["case"], [r.url for r in j["reports"]]) for j in jobs] == [
        ("shop-a.se", "k1", ["http://shop-a.se/", "http://www.shop-a.se/join"]),
        ("shop-b.com", "k1", ["http://shop-b.com/pay"])]
    status = run_cli(["queue", "--queue", queue, "--redis-url", REDIS_URL, "--format", "json"],
                     env=cli_env(tmp_path), cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout) == {"queue": queue, "sites_waiting": 2, "workers": []}


@pytest.mark.redis
def test_a_second_worker_with_a_live_workers_id_is_refused(tmp_path, redis_queue):
    server, queue = redis_queue
    keys = QueueKeys(queue)
    server.set(keys.alive("twin"), "{}", ex=30)
    server.sadd(keys.workers, "twin")
    server.lpush(keys.processing("twin"), b"held by the live twin")
    res = run_cli(["worker", "--queue", queue, "--worker-id", "twin", "--db", str(tmp_path / "t.sqlite"),
                   "--redis-url", REDIS_URL, "--idle-exit", "1"], env=cli_env(tmp_path), cwd=tmp_path, timeout=60)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines()[-1] == (
        f"Error: worker 'twin' is already running on queue '{queue}'; pass another --worker-id.")
    assert server.lrange(keys.processing("twin"), 0, -1) == [b"held by the live twin"]   # not taken


# ---- without Redis -----------------------------------------------------------------------
@pytest.mark.parametrize("command", [["worker", "--idle-exit", "1"], ["enqueue", "IN"], ["queue"]])
def test_unreachable_redis_is_one_line_error(tmp_path, command):
    (tmp_path / "IN").write_text("http://shop-a.se/\n")
    res = run_cli([*command, "--redis-url", "redis://127.0.0.1:1/0"], env=cli_env(tmp_path), cwd=tmp_path,
                  timeout=60)
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: cannot reach Redis at redis://127.0.0.1:1/0")
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("name,ok", [("team-1", True), ("a.b:c_d", True), ("a b", False), ("50%", False),
                                     ("", False), ("x" * 101, False)])
def test_queue_names(name, ok):
    from crawler.distributed import check_name

    if ok:
        assert check_name(name, "queue") == name
    else:
        with pytest.raises(ConfigError):
            check_name(name, "queue")


def test_worker_settings_keep_every_first_law_layer():
    from crawler.config import load_config
    from crawler.settings import REQUIRED_MIDDLEWARES, check_first_law

    cfg = load_config({}, env={}, toml_path=None)
    s = worker_settings(cfg, QueueKeys("q"), "w1", "run1")
    check_first_law(s)
    assert all(s["DOWNLOADER_MIDDLEWARES"][m] is not None for m in REQUIRED_MIDDLEWARES)
    assert s["HTTPCACHE_ENABLED"] is False
    assert s["SCHEDULER"] == "scrapy_redis.scheduler.Scheduler"
    assert s["DUPEFILTER_CLASS"] == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert s["SCHEDULER_QUEUE_KEY"] == "q:requests:w1" and s["REDIS_START_URLS_KEY"] == "q:sites"
    assert s["REDIS_URL"] == cfg.redis_url


@pytest.mark.parametrize("request_kwargs", [
    {"url": "http://shop-a.se/", "headers": {"Referer": "http://forum-d.org/t/42"}, "priority": 1000},
    {"url": "http://shop-a.se/pay?x=1", "meta": {"site": "shop-a.se", "mi_depth": 1, "chain": [
        {"url": "http://shop-a.se/old", "status": 301, "kind": "http"}], "report_id": None}},
    {"url": "http://shop-a.se/f", "method": "POST", "body": b"\x00\xffa=1", "cookies": {"age": "18"}},
    {"url": "http://shop-a.se/", "meta": {"$b": "a key that looks like a tag", "redirect_urls": ("a", "b")}},
])
def test_scheduler_serializer_round_trips_requests(request_kwargs):
    from scrapy import Request

    d = Request(**request_kwargs).to_dict()
    back = JSON_SERIALIZER.loads(JSON_SERIALIZER.dumps(d))
    assert back == _lists(d)   # tuples come back as lists; everything else unchanged
    assert Request(**{k: v for k, v in back.items() if k in request_kwargs}).url == request_kwargs["url"]
    assert b"pickle" not in JSON_SERIALIZER.dumps(d) and JSON_SERIALIZER.dumps(d)[:1] == b"{"


def _lists(o):
    if isinstance(o, dict):
        return {k: _lists(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_lists(v) for v in o]
    return o


def test_scheduler_serializer_refuses_objects():
    with pytest.raises(TypeError):
        JSON_SERIALIZER.dumps({"meta": {"x": object()}})


# ---- merge -------------------------------------------------------------------------------
def _store(path: Path, rows: dict[str, list[dict]]) -> Path:
    from crawler import schema

    db = schema.open_db(path)
    for table, rs in rows.items():
        db[table].insert_all(rs, pk=schema.TABLES_BY_NAME[table].pk)
    db.conn.close()
    return path


def test_merge_is_idempotent_and_keeps_first_and_last(tmp_path):
    a = _store(tmp_path / "a.sqlite", {
        "sites": [{"domain": "shop-a.se", "hostnames": '["shop-a.se"]', "first_crawled": "2024-01-02",
                   "last_crawled": "2024-01-02", "last_status": "ok", "last_run_id": "r1"}],
        "identifiers": [{"id": "i1", "kind": "email", "value": "a@shop-a.se", "first_seen": "2024-01-02",
                         "last_seen": "2024-01-02"}]})
    b = _store(tmp_path / "b.sqlite", {
        "sites": [{"domain": "shop-a.se", "hostnames": '["www.shop-a.se"]', "first_crawled": "2024-01-01",
                   "last_crawled": "2024-01-05", "last_status": "http_error", "last_run_id": "r2"},
                  {"domain": "shop-b.com", "hostnames": '["shop-b.com"]', "first_crawled": "2024-01-03",
                   "last_crawled": "2024-01-03", "last_status": "nxdomain", "last_run_id": "r2"}],
        "identifiers": [{"id": "i1", "kind": "email", "value": "a@shop-a.se", "first_seen": "2024-01-04",
                         "last_seen": "2024-01-04"}]})
    out = tmp_path / "m.sqlite"
    first = merge_dbs(out, [a, b])
    snapshot = _rows(out, "SELECT * FROM sites ORDER BY domain")
    assert merge_dbs(out, [b, a])["rows"] == first["rows"]      # again, other order: no change
    assert _rows(out, "SELECT * FROM sites ORDER BY domain") == snapshot
    assert first["rows"]["sites"] == 2 and first["rows"]["identifiers"] == 1
    assert _rows(out, "SELECT hostnames, first_crawled, last_crawled, last_status, last_run_id FROM sites "
                      "WHERE domain = 'shop-a.se'") == [
        ('["shop-a.se","www.shop-a.se"]', "2024-01-01", "2024-01-05", "http_error", "r2")]
    assert _rows(out, "SELECT first_seen, last_seen FROM identifiers") == [("2024-01-02", "2024-01-04")]


def test_merge_refuses_a_foreign_file_and_writes_nothing(tmp_path):
    good = _store(tmp_path / "good.sqlite", {
        "sites": [{"domain": "shop-a.se", "last_crawled": "2024-01-01", "last_status": "ok"}]})
    foreign = tmp_path / "foreign.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    out = tmp_path / "m.sqlite"
    for bad, message in ((foreign, "foreign.sqlite is not a merchintel database"),
                         (tmp_path / "missing.sqlite", "missing.sqlite does not exist")):
        with pytest.raises(StoreError, match=message):
            merge_dbs(out, [good, bad])
    assert not out.exists()
    assert _rows(foreign, "SELECT name FROM sqlite_master") == [("notes",)]
    merge_dbs(out, [good])
    with pytest.raises(StoreError, match="target itself"):
        merge_dbs(out, [good, out])


@pytest.mark.redis
def test_workers_on_one_machine_can_share_one_database(tmp_path, web, redis_queue):
    server, queue = redis_queue
    reports_csv = web.render_reports(tmp_path / "reports.csv")
    _, reports, _ = read_input(str(reports_csv))
    env = cli_env(tmp_path, **web.env)
    shared = tmp_path / "shared.sqlite"
    outs, _ = _crawl_with_two_workers(tmp_path, env, server, queue, reports_csv, ["s1", "s2"],
                                      extra=("--db", str(shared)))
    assert not any("locked" in errs for _, errs in outs)
    runs = dict(_rows(shared, "SELECT id, status FROM runs"))
    assert sorted(runs.values()) == ["done", "done"]
    by_run = dict(_rows(shared, "SELECT run_id, count(*) FROM reports GROUP BY run_id"))
    assert set(by_run) == set(runs), "both workers should have crawled sites"
    assert sum(by_run.values()) == len(reports) + 2
    assert {d for (d,) in _rows(shared, "SELECT domain FROM sites")} >= {r.domain for r in reports}
    assert _rows(shared, "SELECT count(*) FROM pages")[0][0] > 50


@pytest.mark.redis
def test_stopped_worker_leaves_every_site_stored_or_queued(tmp_path, web, redis_queue):
    """SIGTERM in the middle of a site: nothing stays held by the stopped worker; each site
    is either finished in its database or back on the queue for another worker."""
    import signal
    import socket

    server, queue = redis_queue
    keys = QueueKeys(queue)
    hang = socket.socket()
    hang.bind(("127.0.0.2", 0))       # accepts connections (backlog), never answers
    hang.listen(8)
    try:
        port = hang.getsockname()[1]
        hanging = Report(f"http://shop-a.se:{port}/", 1)
        others = [Report(web.url(h, "/"), i + 2) for i, h in enumerate(["shop-b.com", "forum-d.org", "promo-b.info"])]
        jobs = site_jobs([hanging, *others], case="c", input_name="t")
        for job in jobs:             # LPUSH in order: the hanging site is taken first
            server.lpush(keys.sites, encode_job(job))
        db = tmp_path / "w.sqlite"
        proc = _worker(tmp_path, cli_env(tmp_path, **web.env), queue, "stopme", "--active-sites", "1",
                       "--timeout", "4", "--db", str(db))
        try:
            deadline = time.monotonic() + 30
            while server.llen(keys.processing("stopme")) == 0 and time.monotonic() < deadline:
                assert proc.poll() is None, proc.communicate()[1][-2000:]
                time.sleep(0.05)
            assert server.llen(keys.processing("stopme")) == 1
            proc.send_signal(signal.SIGTERM)
            out, errs = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    finally:
        hang.close()
    assert proc.returncode == 0, errs[-3000:]
    assert json.loads(out)["status"] == "interrupted"
    assert server.llen(keys.processing("stopme")) == 0
    assert not server.exists(keys.alive("stopme")) and not server.sismember(keys.workers, "stopme")
    queued = {decode_job(raw)["domain"] for raw in server.lrange(keys.sites, 0, -1)}
    finished = {d for (d,) in _rows(db, "SELECT domain FROM sites")}
    assert queued | finished == {j["domain"] for j in jobs}
    assert {"shop-b.com", "forum-d.org", "promo-b.info"} <= queued   # never started: still waiting


def _children(pid: int) -> set[int]:
    kids: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids |= {int(k) for k in (task / "children").read_text().split()}
        except OSError:
            pass
    return kids


def _pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.redis
def test_sigkilled_worker_loses_no_site_and_leaves_no_process(tmp_path, web, redis_queue):
    """A worker killed with SIGKILL while it holds a site: its heartbeat lapses, the next
    worker takes the site back and crawls it; the killed worker's database stays sound
    and its page-analysis process goes away with it."""
    import signal

    server, queue = redis_queue
    keys = QueueKeys(queue)
    hold = HoldServer()
    try:
        held = Report(hold.urls()[0], 1, report_id="R-held")
        other = Report(web.url("shop-b.com", "/"), 2, report_id="R-other")
        jobs = site_jobs([held, other], case="c", input_name="t")
        for job in jobs:                 # LPUSH in order: the held site is taken first
            server.lpush(keys.sites, encode_job(job))
        env = cli_env(tmp_path, **web.env)
        victim = _worker(tmp_path, env, queue, "victim", "--active-sites", "1", "--heartbeat-ttl", "2")
        try:
            deadline = time.monotonic() + 30
            while server.llen(keys.processing("victim")) == 0 and time.monotonic() < deadline:
                assert victim.poll() is None, victim.communicate()[1][-2000:]
                time.sleep(0.05)
            assert [decode_job(r)["domain"] for r in server.lrange(keys.processing("victim"), 0, -1)] == \
                [jobs[0]["domain"]]
            kids = _children(victim.pid)
            assert kids, "the worker has no page-analysis process"
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
        finally:
            if victim.poll() is None:
                victim.kill()
        assert victim.returncode == -signal.SIGKILL
        # killed, not stopped: the job is still held and nothing was handed back
        assert server.llen(keys.processing("victim")) == 1
        assert server.sismember(keys.workers, "victim")
        deadline = time.monotonic() + 15
        while any(_pid_alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_pid_alive(k) for k in kids), "page-analysis process outlived its killed worker"

        hold.release()
        heir = _worker(tmp_path, env, queue, "heir", "--idle-exit", "6", "--heartbeat-ttl", "2")
        out, errs = heir.communicate(timeout=120)
    finally:
        hold.close()
    assert heir.returncode == 0, errs[-3000:]
    assert json.loads(out)["status"] == "done"
    assert "dead workers" in errs or "stopped workers" in errs
    heir_db = tmp_path / "heir.sqlite"
    assert set(_rows(heir_db, "SELECT domain, last_status FROM sites")) == \
        {(jobs[0]["domain"], "ok"), ("shop-b.com", "ok")}
    assert set(_rows(heir_db, "SELECT report_id FROM reports")) == {("R-held",), ("R-other",)}
    assert server.llen(keys.sites) == 0 and server.llen(keys.processing("victim")) == 0
    assert not server.sismember(keys.workers, "victim")
    victim_db = tmp_path / "victim.sqlite"
    assert _rows(victim_db, "PRAGMA integrity_check") == [("ok",)]
    merged = tmp_path / "merged.sqlite"
    res = run_cli(["merge", str(victim_db), str(heir_db), "--into", str(merged), "--format", "json"],
                  env=env, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert {d for (d,) in _rows(merged, "SELECT domain FROM case_sites WHERE case_name = 'c'")} == \
        {jobs[0]["domain"], "shop-b.com"}


def test_scrapy_crawl_distributed_is_refused(tmp_path):
    """`scrapy crawl distributed` would share one request queue and never acknowledge jobs."""
    res = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "distributed", "-s",
                          f"MERCHINTEL_DB={tmp_path / 'x.sqlite'}"], env=cli_env(tmp_path),
                         cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=60)
    assert res.returncode != 0
    assert "start it with that command" in res.stderr


def test_merge_keeps_captures_certificates_and_render_decisions(tmp_path):
    """A worker's evidence captures (and their certificates) and render decisions survive the merge."""
    cap = {"id": "c1", "url": "https://shop-a.se/", "final_url": "https://shop-a.se/", "domain": "shop-a.se",
           "captured_at": "2024-01-02T00:00:00Z", "text_zlib": b"x\x9c\x03\x00\x00\x00\x00\x01",
           "text_sha256": "e3b0", "cert_sha256": "ab", "run_id": "r1"}
    a = _store(tmp_path / "a.sqlite", {
        "captures": [cap],
        "certificates": [{"sha256": "ab", "subject": "CN=shop-a.se", "first_seen": "2024-01-02T00:00:00Z",
                          "last_seen": "2024-01-02T00:00:00Z"}],
        "renders": [{"key": "k1", "url": "https://shop-a.se/", "decision": "rendered", "run_id": "r1"}]})
    b = _store(tmp_path / "b.sqlite", {
        "certificates": [{"sha256": "ab", "subject": "CN=shop-a.se", "first_seen": "2024-01-01T00:00:00Z",
                          "last_seen": "2024-01-05T00:00:00Z"}]})
    out = tmp_path / "m.sqlite"
    got = merge_dbs(out, [a, b])["rows"]
    assert (got["captures"], got["certificates"], got["renders"]) == (1, 1, 1)
    assert _rows(out, "SELECT text_zlib, text_sha256 FROM captures") == [(cap["text_zlib"], "e3b0")]
    assert _rows(out, "SELECT first_seen, last_seen FROM certificates") == [
        ("2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z")]
    assert merge_dbs(out, [b, a])["rows"] == got
