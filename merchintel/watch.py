"""``run-due`` and ``watch``: crawl what the watchlist (merchintel/schedule.py) says is due,
in a child ``merchintel crawl`` per case, then evaluate alerts and move ``next_due`` on.

``run_due`` takes the database's run lock (merchintel/lock.py); it is idempotent: a second
run at the same time finds nothing due.  ``watch`` repeats it until SIGTERM/SIGINT.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

from crawler.clock import iso, new_run_id, now, now_iso
from crawler.schema import ALERTS, RUNS, dumps, open_db
from merchintel.alerting import evaluate
from merchintel.lock import RunLock
from merchintel.schedule import Stop, report_urls, schedule_next, crawl_child, due_sites


def run_due(cfg, *, log: Callable[[str], None] = lambda m: print(m, file=sys.stderr), stop: Stop | None = None,
            lock: bool = True, crawl: Callable | None = None) -> dict[str, Any]:
    """Crawl every due site (one child crawl per case), then schedule the next crawls.

    ``crawl(cfg, db_path, case, urls, log) -> (returncode, last_stderr_line)`` replaces the
    child process in tests of the scheduling alone.
    """
    db_path = str(cfg.db)
    held = RunLock(db_path).acquire() if lock else None
    try:
        return _run_due_locked(cfg, db_path, log, stop, crawl or crawl_child)
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
    run_id = new_run_id(at=start)
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
        urls = sorted({u for d in domains for u in report_urls(db, case, d)})
        log(f"run-due: crawling {len(domains)} site(s) of case {case}")
        code, last = crawl(cfg, db_path, case, urls, log)
        if code != 0:
            log(f"run-due: the crawl of case {case} failed ({last}); its sites stay due")
            summary["failed"] += domains
            status = "failed"
            continue
        summary["crawled"] += domains
        summary["cases"].append(case)
        schedule_next(db, cfg, [w for w in due if w["domain"] in set(domains)], start)
    # The crawls evaluated alerts already; this catches anything left (e.g. undelivered alerts).
    evaluate(db, cfg, run_id=run_id, now=iso(now(cfg)))
    # Alerts raised by this run: by the crawls' own evaluations and by the one above.
    summary["alerts"] = db.execute(f"SELECT count(*) FROM [{ALERTS}] WHERE rowid > ?", [first_alert]).fetchone()[0]
    with db.conn:
        db[RUNS].update(run_id, {"finished_at": now_iso(cfg), "status": status,
                                 "stats": dumps({k: summary[k] if isinstance(summary[k], int) else len(summary[k])
                                                 for k in ("due", "crawled", "failed")})})
    summary["status"] = status
    return summary


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
