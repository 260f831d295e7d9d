"""After a crawl: raise alerts (graph/alerts.py), schedule the next crawls of the crawled
sites, crawl hop targets once, and deliver the alerts to the configured sinks.

``evaluate(db, cfg, run_id=None, now=None)`` runs at the end of every crawl (``crawl`` and
``run-due``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from crawler.clock import now_iso
from crawler.schema import CASE_SITES, SITES, open_db
from graph.alerts import raise_alerts, refresh_jurisdiction
from merchintel.schedule import crawl_child, schedule_crawled
from merchintel.sinks import deliver


def evaluate(db, cfg, run_id: str | None = None, now: str | None = None) -> list[dict[str, Any]]:
    """Record site states, raise new alerts (each once), store them and deliver them.

    ``db``: a sqlite_utils.Database (or a path); ``now``: ISO UTC (default: the clock,
    which honours MERCHINTEL_NOW).  Returns the alerts raised by this call, hop-target
    crawls excluded (those raise and deliver their own).
    """
    if isinstance(db, (str, Path)):
        db = open_db(db)
    now = now or now_iso(cfg)
    raised = raise_alerts(db, now=now, run_id=run_id)
    schedule_crawled(db, cfg, raised.recorded, now)
    if raised.hop_targets and cfg.get("follow_hops", True):
        followed = follow_hops(db, cfg, raised.hop_targets)
        refresh_jurisdiction(db, [a for a in raised.alerts if a["to"] in followed])
    try:
        deliver(db, cfg, raised.alerts)
    except Exception as exc:  # a broken sink never loses a stored alert; it is retried next run
        print(f"alerts: delivery failed ({exc}); stored alerts are retried next run", file=sys.stderr)
    return raised.alerts


def follow_hops(db, cfg, targets: list[tuple[str, str, str]]) -> set[str]:
    """Crawl hop targets never crawled, once, in a child `merchintel crawl` (Scrapy's reactor
    runs once per process) that does not follow further hops itself."""
    todo: dict[str, tuple[str, str]] = {}
    for src, dom, url in targets:
        if dom in todo or db.execute(f"SELECT 1 FROM [{SITES}] WHERE domain = ?", [dom]).fetchone():
            continue
        case = db.execute(f"SELECT case_name FROM [{CASE_SITES}] WHERE domain = ? ORDER BY first_seen LIMIT 1",
                          [src]).fetchone()
        todo[dom] = (url, (case[0] if case else None) or cfg.get("case") or "default")
    by_case: dict[str, list[str]] = {}
    for dom, (url, case) in todo.items():
        by_case.setdefault(case, []).append(url)
    db_path = _db_path(db) or cfg.get("db")
    crawled: set[str] = set()
    for case, urls in by_case.items():
        print(f"alerts: crawling hop target(s) {', '.join(urls)} once (case {case})", file=sys.stderr)
        try:
            code, last = crawl_child(cfg, str(db_path), case, urls, lambda line: None, follow_hops=False,
                                     timeout=max(600, float(cfg.get("timeout") or 20) * 10), new_session=False)
            if code == 0:
                crawled.update(d for d, (u, c) in todo.items() if c == case)
            else:
                print(f"alerts: hop target crawl failed ({last or 'no output'}); crawl {' '.join(urls)} with "
                      f"`merchintel crawl --case {case}`", file=sys.stderr)
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"alerts: hop target crawl failed ({exc}); crawl {' '.join(urls)} with "
                  f"`merchintel crawl --case {case}`", file=sys.stderr)
    return crawled


def _db_path(db) -> str | None:
    try:
        for _, name, file in db.execute("PRAGMA database_list").fetchall():
            if name == "main" and file:
                return file
    except Exception:  # pragma: no cover
        return None
    return None
