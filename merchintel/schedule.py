"""The watchlist: when each tracked site is crawled again, and the runs that do it.

Every crawled site is tracked under its case (``case_sites``).  Its interval is, first
found: the site's own (``schedule set --case C --domain D``), its case's (``schedule set
--case C``), ``MERCHINTEL_EVERY`` (24h).  After a crawl the next one is due at
``now + interval + random(0, jitter * interval)``; the jitter spreads re-crawls so that a
case's sites do not all hit their hosts at the same minute.  Politeness: a site is never
crawled twice in one run even when several cases track it, and never sooner than
``MIN_EVERY`` after the last crawl.

``run_due`` takes the database's run lock (merchintel/lock.py), crawls what is due in a child
``merchintel crawl`` per case (Scrapy's reactor runs once per process; the crawl enriches
and evaluates alerts itself), then moves ``next_due`` on.  It is idempotent: a second run
at the same time finds nothing due.  ``watch`` repeats it until SIGTERM/SIGINT.

Time is injectable: ``MERCHINTEL_NOW`` (``2026-11-24T09:00:00Z`` or ``+25h``) replaces the
clock, so tests never sleep through hours.

>>> parse_duration("6h"), parse_duration("1d12h"), parse_duration("90s")
(21600, 129600, 90)
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from crawler.errors import ConfigError
from merchintel.lock import RunLock
from crawler.schema import ALERTS, CASE_SITES, REPORTS, RUNS, SCHEDULES, dumps, open_db

MIN_EVERY = 15 * 60        # politeness floor between two crawls of one site
ISO = "%Y-%m-%dT%H:%M:%SZ"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str | int | float) -> int:
    """Seconds in ``30m``, ``6h``, ``2d``, ``1d12h`` or a bare number of seconds."""
    if isinstance(text, (int, float)):
        return int(text)
    s = str(text).strip().lower()
    if s.isdigit():
        return int(s)
    pos, total = 0, 0.0
    for m in _DURATION.finditer(s):
        if s[pos:m.start()].strip():
            break
        total += float(m.group(1)) * _UNITS[m.group(2).lower()]
        pos = m.end()
    if pos == 0 or s[pos:].strip():
        raise ConfigError(f'"{text}" is not a duration; use a number with s, m, h, d or w, for example 6h.')
    return int(total)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime(ISO)


def parse_time(text: str) -> datetime:
    """An ISO-8601 time (``2026-11-23T12:00:00Z``, a date, or with an offset) as aware UTC."""
    s = str(text).strip()
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f'"{text}" is not a time; use ISO UTC such as 2026-11-23T12:00:00Z, or 24h for '
                          f'"24 hours ago".') from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def now(cfg=None, *, env: dict[str, str] | None = None) -> datetime:
    """The current UTC time, or the MERCHINTEL_NOW one (a fixed time, or +/- an offset)."""
    fake = cfg.get("now") if cfg is not None else None
    if not fake:
        fake = (env if env is not None else os.environ).get("MERCHINTEL_NOW")
    real = datetime.now(timezone.utc).replace(microsecond=0)
    if not fake:
        return real
    fake = str(fake).strip()
    if fake[0] in "+-":
        secs = parse_duration(fake[1:])
        return real + timedelta(seconds=secs if fake[0] == "+" else -secs)
    return parse_time(fake)


def now_iso(cfg=None) -> str:
    return iso(now(cfg))


def since_time(text: str, cfg=None) -> str:
    """``--since``: an ISO time, or a duration meaning that long ago (``24h``, ``7d``)."""
    s = str(text).strip()
    if _DURATION.match(s) and not s[:4].isdigit():
        return iso(now(cfg) - timedelta(seconds=parse_duration(s)))
    return iso(parse_time(s))


# ---------------------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------------------
def set_schedule(db, case: str, every: str | int, *, domain: str | None = None, jitter: float | None = None,
                 cfg=None) -> dict[str, Any]:
    """Set the interval of a case, or of one site of a case.  Refuses less than 15 minutes."""
    secs = parse_duration(every)
    if secs < MIN_EVERY:
        raise ConfigError(f"--every {every} is shorter than {MIN_EVERY // 60}m; crawling a site more often is "
                          f"impolite to its host. Use 15m or more.")
    if jitter is not None and not 0 <= jitter <= 1:
        raise ConfigError(f"--jitter {jitter} must be between 0 and 1 (a fraction of the interval).")
    stamp = now_iso(cfg)
    if domain:
        from crawler.domains import registered_domain
        dom = registered_domain(domain) or domain
        if not db.execute(f"SELECT 1 FROM [{CASE_SITES}] WHERE case_name = ? AND domain = ?", [case, dom]).fetchone():
            raise ConfigError(f"{dom} is not tracked under case {case}; crawl it with --case {case} first, "
                              f"or check `merchintel schedule show`.")
        with db.conn:
            db.conn.execute(f"UPDATE [{CASE_SITES}] SET every_seconds = ?, next_due = NULL "
                            f"WHERE case_name = ? AND domain = ?", [secs, case, dom])
        return {"case": case, "domain": dom, "every_seconds": secs}
    row = {"case_name": case, "every_seconds": secs, "updated_at": stamp}
    if jitter is not None:
        row["jitter"] = jitter
    with db.conn:
        db[SCHEDULES].upsert(row, pk="case_name")
        # The next crawl of each site follows the new interval from its last crawl.
        db.conn.execute(f"UPDATE [{CASE_SITES}] SET next_due = NULL WHERE case_name = ? AND every_seconds IS NULL",
                        [case])
    sites = db.execute(f"SELECT count(*) FROM [{CASE_SITES}] WHERE case_name = ?", [case]).fetchone()[0]
    return {"case": case, "domain": None, "every_seconds": secs, "jitter": jitter, "sites": sites}


def _case_settings(db, cfg) -> tuple[dict[str, tuple[int, float]], int, float]:
    default_every = parse_duration(cfg.get("every") or "24h") if cfg is not None else 86400
    default_jitter = float(cfg.get("jitter") if cfg is not None and cfg.get("jitter") is not None else 0.1)
    cases = {r["case_name"]: (int(r["every_seconds"]), default_jitter if r["jitter"] is None else float(r["jitter"]))
             for r in db.query(f"SELECT case_name, every_seconds, jitter FROM [{SCHEDULES}]")}
    return cases, default_every, default_jitter


def watchlist(db, cfg=None) -> list[dict[str, Any]]:
    """Every tracked (case, site) with its interval and when it is due (ISO UTC)."""
    cases, default_every, default_jitter = _case_settings(db, cfg)
    out = []
    for r in db.query(f"SELECT case_name, domain, first_seen, last_seen, every_seconds, next_due, active "
                      f"FROM [{CASE_SITES}] WHERE active IS NULL OR active != 0 ORDER BY case_name, domain"):
        every, jitter = cases.get(r["case_name"], (default_every, default_jitter))
        if r["every_seconds"]:
            every = int(r["every_seconds"])
        due = r["next_due"]
        if not due:
            last = r["last_seen"] or r["first_seen"]
            due = iso(parse_time(last) + timedelta(seconds=every)) if last else None
        out.append({"case": r["case_name"], "domain": r["domain"], "every_seconds": every, "jitter": jitter,
                    "last_crawled": r["last_seen"], "next_due": due})
    return out


def due_sites(db, cfg=None, at: datetime | None = None) -> list[dict[str, Any]]:
    """Tracked sites whose next crawl is due at ``at`` (default: now)."""
    at_s = iso(at or now(cfg))
    return [w for w in watchlist(db, cfg) if w["next_due"] is None or w["next_due"] <= at_s]


def _report_urls(db, case: str, domain: str) -> list[str]:
    urls = [r[0] for r in db.execute(f"SELECT DISTINCT url FROM [{REPORTS}] WHERE case_name = ? AND domain = ? "
                                     f"ORDER BY url", [case, domain])]
    if not urls:
        urls = [r[0] for r in db.execute(f"SELECT DISTINCT url FROM [{REPORTS}] WHERE domain = ? ORDER BY url",
                                         [domain])]
    return urls or [f"http://{domain}/"]


# ---------------------------------------------------------------------------------------
# run-due and watch
# ---------------------------------------------------------------------------------------
class Stop:
    """Set by SIGTERM/SIGINT: the current crawl finishes and is recorded, then the loop ends."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: int | None = None

    def install(self) -> None:
        def handler(signum, frame):
            self.signal = signum
            self.event.set()
        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    @property
    def requested(self) -> bool:
        return self.event.is_set()


def report_context(db, case: str, urls: list[str]) -> list[dict[str, Any]]:
    """The stored reports behind ``urls`` — URL, report id, time, source and referrer — so a
    re-crawl replays each report as it came in: a shop that shows its payment pages only to
    visitors from a forum link shows them again.  A URL without a stored report (a hop
    target) comes back bare."""
    out: list[dict[str, Any]] = []
    for url in urls:
        rows = [dict(r) for r in db.query(
            f"SELECT url, report_id, reported_at, source, referrer FROM [{REPORTS}] WHERE url = ? "
            f"ORDER BY (case_name = ?) DESC, last_seen DESC", [url, case])]
        seen: set[tuple] = set()
        for r in rows or [{"url": url}]:
            key = (r.get("report_id"), r.get("referrer"))
            if key not in seen:
                seen.add(key)
                out.append(r)
    return out


def _crawl_child(cfg, db_path: str, case: str, urls: list[str], log: Callable[[str], None]) -> tuple[int, str]:
    import csv
    from crawler.inputs import CSV_FIELDS
    db = open_db(db_path, create=False)
    try:
        rows = report_context(db, case, urls)
    finally:
        db.conn.close()
    with tempfile.NamedTemporaryFile("w", suffix=".csv", prefix="merchintel-due-", delete=False, newline="",
                                     encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(CSV_FIELDS), extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k) or "" for k in CSV_FIELDS})
        input_path = fh.name
    env = {**os.environ, **cfg.env(), "MERCHINTEL_DB": db_path}
    try:
        # A new session: a Ctrl-C in the terminal reaches `watch`, which lets this crawl finish.
        proc = subprocess.Popen([sys.executable, "-m", "merchintel.cli", "crawl", input_path, "--case", case,
                                 "--db", db_path, "--format", "json"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        out, errtext = proc.communicate()
        for line in errtext.splitlines()[-20:]:
            log(f"  crawl: {line}")
        return proc.returncode, (errtext.strip().splitlines() or [""])[-1]
    finally:
        Path(input_path).unlink(missing_ok=True)


def run_due(cfg, *, log: Callable[[str], None] = lambda m: print(m, file=sys.stderr), stop: Stop | None = None,
            lock: bool = True, crawl: Callable | None = None) -> dict[str, Any]:
    """Crawl every due site (one child crawl per case), then schedule the next crawls.

    ``crawl(cfg, db_path, case, urls, log) -> (returncode, last_stderr_line)`` replaces the
    child process in tests of the scheduling alone.
    """
    db_path = str(cfg.db)
    held = RunLock(db_path).acquire() if lock else None
    try:
        return _run_due_locked(cfg, db_path, log, stop, crawl or _crawl_child)
    finally:
        if held:
            held.release()


def _run_due_locked(cfg, db_path, log, stop, crawl) -> dict[str, Any]:
    db = open_db(db_path)
    try:
        return _run_due_db(db, cfg, db_path, log, stop, crawl)
    finally:
        db.conn.close()   # watch runs this for days: one connection per cycle, closed


def _run_due_db(db, cfg, db_path, log, stop, crawl) -> dict[str, Any]:
    start = now(cfg)
    run_id = start.strftime("%Y%m%dT%H%M%SZ") + "-due-" + f"{random.getrandbits(24):06x}"
    due = due_sites(db, cfg, start)
    summary: dict[str, Any] = {"run_id": run_id, "at": iso(start), "due": len(due), "crawled": [], "failed": [],
                               "cases": []}
    first_alert = db.execute(f"SELECT coalesce(max(rowid), 0) FROM [{ALERTS}]").fetchone()[0]
    with db.conn:
        db[RUNS].insert({"id": run_id, "command": "run-due", "started_at": iso(start), "status": "running",
                         "args": dumps({"db": db_path})}, pk="id", replace=True)
    # One crawl per site per run, under the first case that has it due (politeness).
    by_case: dict[str, list[dict[str, Any]]] = {}
    first_case: dict[str, str] = {}
    for w in due:
        first_case.setdefault(w["domain"], w["case"])
        by_case.setdefault(first_case[w["domain"]], []).append(w)
    status = "done"
    for case, items in sorted(by_case.items()):
        if stop is not None and stop.requested:
            status = "interrupted"
            break
        domains = sorted({w["domain"] for w in items})
        urls = sorted({u for d in domains for u in _report_urls(db, case, d)})
        log(f"run-due: crawling {len(domains)} site(s) of case {case}")
        code, last = crawl(cfg, db_path, case, urls, log)
        if code != 0:
            log(f"run-due: the crawl of case {case} failed ({last}); its sites stay due")
            summary["failed"] += domains
            status = "failed"
            continue
        summary["crawled"] += domains
        summary["cases"].append(case)
        _schedule_next(db, cfg, [w for w in due if w["domain"] in set(domains)], start)
    # The crawls evaluated alerts already; this catches anything left (e.g. undelivered alerts).
    from graph.alerts import evaluate
    evaluate(db, cfg, run_id=run_id, now=iso(now(cfg)))
    # Alerts raised by this run: by the crawls' own evaluations and by the one above.
    summary["alerts"] = db.execute(f"SELECT count(*) FROM [{ALERTS}] WHERE rowid > ?", [first_alert]).fetchone()[0]
    with db.conn:
        db[RUNS].update(run_id, {"finished_at": now_iso(cfg), "status": status,
                                 "stats": dumps({k: summary[k] if isinstance(summary[k], int) else len(summary[k])
                                                 for k in ("due", "crawled", "failed")})})
    summary["status"] = status
    return summary


def schedule_crawled(db, cfg, domains: list[str], at: datetime | str) -> int:
    """After a crawl (any crawl: ``crawl`` or ``run-due``): the next crawl of each crawled
    site is due one interval (+ jitter) from ``at``, under every case that tracks it.

    Done here, on the clock of this module, because the crawl's own timestamps are real
    time while MERCHINTEL_NOW may say otherwise.
    """
    if not domains:
        return 0
    at_dt = parse_time(at) if isinstance(at, str) else at
    wanted = set(domains)
    items = [w for w in watchlist(db, cfg) if w["domain"] in wanted]
    _schedule_next(db, cfg, items, at_dt)
    return len(items)


def _schedule_next(db, cfg, items: list[dict[str, Any]], start: datetime) -> None:
    with db.conn:
        for w in items:
            every = max(int(w["every_seconds"]), MIN_EVERY)
            extra = random.uniform(0, float(w["jitter"] or 0) * every)
            db.conn.execute(f"UPDATE [{CASE_SITES}] SET next_due = ? WHERE case_name = ? AND domain = ?",
                            [iso(start + timedelta(seconds=every + extra)), w["case"], w["domain"]])


def watch(cfg, *, interval: float = 60.0, max_cycles: int | None = None, stop: Stop | None = None,
          log: Callable[[str], None] = lambda m: print(m, file=sys.stderr), crawl: Callable | None = None,
          ) -> dict[str, Any]:
    """run_due every ``interval`` seconds until stopped; the lock is held for the whole watch."""
    stop = stop or Stop()
    cycles, crawled = 0, 0
    with RunLock(cfg.db):
        log(f"watch: checking every {interval:g}s; stop with Ctrl-C or SIGTERM")
        while not stop.requested:
            s = run_due(cfg, log=log, stop=stop, lock=False, crawl=crawl)
            cycles += 1
            crawled += len(s["crawled"])
            if s["crawled"] or s["failed"]:
                log(f"watch: cycle {cycles}: crawled {len(s['crawled'])}, failed {len(s['failed'])}, "
                    f"{s['alerts']} new alert(s)")
            if max_cycles is not None and cycles >= max_cycles:
                break
            stop.event.wait(interval)
    log(f"watch: stopped after {cycles} cycle(s)" + (f" (signal {stop.signal})" if stop.signal else ""))
    return {"cycles": cycles, "crawled": crawled, "signal": stop.signal}
