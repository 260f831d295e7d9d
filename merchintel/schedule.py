"""The watchlist: when each tracked site is crawled again, and the runs that do it.

Every crawled site is tracked under its case (``case_sites``).  Its interval is, first
found: the site's own (``schedule set --case C --domain D``), its case's (``schedule set
--case C``), ``MERCHINTEL_EVERY`` (24h).  After a crawl the next one is due at
``now + interval + random(0, jitter * interval)``; the jitter spreads re-crawls so that a
case's sites do not all hit their hosts at the same minute.  Politeness: a site is never
crawled twice in one run even when several cases track it, and never sooner than
``MIN_EVERY`` after the last crawl.

``crawl_child`` crawls URLs in a child ``merchintel crawl`` (Scrapy's reactor runs once per
process; the crawl enriches and evaluates alerts itself): ``run-due`` (merchintel/watch.py)
uses it for due sites, alert evaluation (merchintel/alerting.py) for hop targets.

Time is injectable: ``MERCHINTEL_NOW`` (``2026-11-24T09:00:00Z`` or ``+25h``) replaces the
clock (crawler/clock.py), so tests never sleep through hours.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from crawler.clock import iso, now, now_iso, parse_duration, parse_time
from crawler.domains import registered_domain
from crawler.errors import ConfigError
from crawler.inputs import CSV_FIELDS
from crawler.schema import CASE_SITES, REPORTS, SCHEDULES, open_db

MIN_EVERY = 15 * 60        # politeness floor between two crawls of one site


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


def report_urls(db, case: str, domain: str) -> list[str]:
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


def crawl_child(cfg, db_path: str, case: str, urls: list[str], log: Callable[[str], None], *,
                follow_hops: bool = True, timeout: float | None = None,
                new_session: bool = True) -> tuple[int, str]:
    """Crawl ``urls`` under ``case`` into ``db_path`` in a child ``merchintel crawl`` (Scrapy's
    reactor runs once per process), each URL with its stored report context; the child's last
    stderr lines go to ``log``.  Returns (returncode, last stderr line).

    ``follow_hops=False``: the child does not follow hops itself; ``new_session``: a Ctrl-C in
    the terminal reaches the parent (``watch``), which lets this crawl finish.
    """
    db = open_db(db_path, create=False)
    try:
        rows = report_context(db, case, urls)
    finally:
        db.conn.close()
    with tempfile.NamedTemporaryFile("w", suffix=".csv", prefix="merchintel-crawl-", delete=False, newline="",
                                     encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(CSV_FIELDS), extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k) or "" for k in CSV_FIELDS})
        input_path = fh.name
    env = {**os.environ, **cfg.env(), "MERCHINTEL_DB": db_path}
    if not follow_hops:
        env["MERCHINTEL_FOLLOW_HOPS"] = "0"
    try:
        proc = subprocess.Popen([sys.executable, "-m", "merchintel.cli", "crawl", input_path, "--case", case,
                                 "--db", db_path, "--format", "json"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=new_session)
        try:
            _, errtext = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        for line in errtext.splitlines()[-20:]:
            log(f"  crawl: {line}")
        return proc.returncode, (errtext.strip().splitlines() or [""])[-1]
    finally:
        Path(input_path).unlink(missing_ok=True)


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
    schedule_next(db, cfg, items, at_dt)
    return len(items)


def schedule_next(db, cfg, items: list[dict[str, Any]], start: datetime) -> None:
    with db.conn:
        for w in items:
            every = max(int(w["every_seconds"]), MIN_EVERY)
            extra = random.uniform(0, float(w["jitter"] or 0) * every)
            db.conn.execute(f"UPDATE [{CASE_SITES}] SET next_due = ? WHERE case_name = ? AND domain = ?",
                            [iso(start + timedelta(seconds=every + extra)), w["case"], w["domain"]])


