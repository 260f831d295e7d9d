"""Running one crawl: input rows -> run row -> Scrapy CrawlerProcess -> summary.

The reactor runs once per process, so ``run_crawl`` is called once per process (the CLI,
the demo, a test's subprocess).  Everything is stored as it happens; the run row is
closed with its counters at the end (a killed run stays ``running`` with no
``finished_at``).

Re-runs: by default every report of the input is crawled again (a crawl is an
observation at a time; upserts keep first_seen and never duplicate).  With
``resume=True`` reports whose site was finished after the report was last read are
skipped, so a killed crawl re-run with ``--resume`` only does what is left.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawler import never_media, schema
from crawler.clock import now_iso
from crawler.config import Config
from crawler.inputs import InputProblem, Report
from crawler.schema import ERRORS, REPORTS, RUNS, SITES, dumps, row_key
from crawler.settings import build_settings, check_first_law, make_offline
from spiders.reported import ReportedSiteSpider

SAFE_ARGS = ("case", "depth", "max_pages", "concurrency", "allow_private", "ssrf_allow", "nameservers", "timeout",
             "max_body_bytes", "max_script_bytes", "text_cap", "default_region", "captures",
             "render")


def prepare_run(cfg: Config, input_name: str, reports: list[Report], problems: list[InputProblem],
                *, run_id: str, command: str = "crawl", resume: bool = False) -> list[Report]:
    """Write the run row, the reports and the input problems; return the reports to crawl."""
    db = schema.open_db(cfg.db)
    try:
        now = now_iso()
        case = cfg.case
        todo: list[Report] = []
        for r in reports:
            if resume:
                row = db.execute(f"SELECT r.last_seen, s.last_crawled FROM [{REPORTS}] r LEFT JOIN [{SITES}] s "
                                 f"ON s.domain = r.domain WHERE r.key = ?", [r.key(case)]).fetchone()
                if row and row[1] and row[0] and row[1] >= row[0]:
                    continue
            todo.append(r)
        with db.conn:
            db.conn.execute(
                f"INSERT INTO [{RUNS}] (id, command, case_name, started_at, status, args) VALUES (?,?,?,?,?,?)",
                [run_id, command, case, now, "running",
                 dumps({k: cfg.get(k) for k in SAFE_ARGS} | {"input": input_name, "resume": resume})])
            for r in todo:
                db.conn.execute(
                    f"INSERT INTO [{REPORTS}] (key, url, report_id, case_name, reported_at, source, referrer, "
                    f"domain, input_name, line_no, first_seen, last_seen, run_id, platform) "
                    f"VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET "
                    f"reported_at=excluded.reported_at, source=excluded.source, referrer=excluded.referrer, "
                    f"input_name=excluded.input_name, line_no=excluded.line_no, last_seen=excluded.last_seen, "
                    f"run_id=excluded.run_id, platform=excluded.platform",
                    [r.key(case), r.url, r.report_id, case, r.reported_at, r.source, r.referrer, r.domain,
                     input_name, r.line_no, now, now, run_id, int(r.platform)])
            for p in problems:
                db.conn.execute(
                    f"INSERT OR REPLACE INTO [{ERRORS}] (key, url, domain, stage, kind, reason, at, run_id, "
                    f"case_name) VALUES (?,?,?,?,?,?,?,?,?)",
                    [row_key(f"{input_name}:{p.line_no}", "input", "input", run_id), p.raw[:2000], None,
                     "input", "input", p.message, now, run_id, case])
        return todo
    finally:
        db.conn.close()


def finish_run(cfg: Config, run_id: str, status: str, stats: dict[str, Any]) -> None:
    db = schema.open_db(cfg.db)
    try:
        with db.conn:
            db.conn.execute(f"UPDATE [{RUNS}] SET finished_at = ?, status = ?, stats = ? WHERE id = ?",
                            [now_iso(), status, dumps(stats), run_id])
    finally:
        db.conn.close()


def crawl_reports(cfg: Config, reports: list[Report], *, run_id: str, verbose: int = 0,
                  progress_interval: float | None = None, extra_settings: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    """Run the Scrapy crawl of ``reports`` in this process; returns the merchintel/* counters."""


    extra: dict[str, Any] = {"MERCHINTEL_RUN_ID": run_id,
                             "LOG_LEVEL": "DEBUG" if verbose > 1 else "INFO" if verbose else "WARNING"}
    if progress_interval is not None:
        extra["MERCHINTEL_PROGRESS_INTERVAL"] = progress_interval
    extra.update(extra_settings or {})
    settings = build_settings(cfg, **extra)
    check_first_law(settings)
    make_offline()
    process = CrawlerProcess(settings)
    if not verbose:
        # Scrapy's own loggers: warnings and errors only, on stderr
        logging.getLogger("scrapy").setLevel(logging.WARNING)
    crawler = process.create_crawler(ReportedSiteSpider)
    process.crawl(crawler, reports=reports, case_name=cfg.case)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    out = {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("merchintel/")}
    out["finish_reason"] = stats.get("finish_reason")
    spider = crawler.spider
    out["sites_total"] = getattr(spider, "sites_total", len({r.domain for r in reports}))
    return out


def summarize(cfg: Config, run_id: str, stats: dict[str, Any], *, input_name: str, reports: int,
              problems: int, skipped: int = 0) -> dict[str, Any]:
    """The summary printed at the end (and as JSON with --format json)."""
    db = schema.open_db(cfg.db)
    try:
        statuses = dict(db.execute(
            f"SELECT last_status, count(*) FROM [{SITES}] WHERE last_run_id = ? AND domain IN "
            f"(SELECT domain FROM [{REPORTS}] WHERE run_id = ?) GROUP BY last_status",
            [run_id, run_id]).fetchall())
        idents = db.execute("SELECT count(DISTINCT identifier_id) FROM observations WHERE run_id = ?",
                            [run_id]).fetchone()[0]
        by_kind = dict(db.execute("SELECT kind, count(DISTINCT identifier_id) FROM observations WHERE run_id = ? "
                                  "GROUP BY kind ORDER BY kind", [run_id]).fetchall())
        pages = db.execute("SELECT count(*) FROM pages WHERE run_id = ?", [run_id]).fetchone()[0]
        errors = dict(db.execute("SELECT kind, count(*) FROM errors WHERE run_id = ? GROUP BY kind",
                                 [run_id]).fetchall())
    finally:
        db.conn.close()
    refused = ("refused", *never_media.SITE_STATUS.values())   # ssrf, media, encoding, size, headers
    refused_sites = sum(statuses.get(k, 0) for k in refused)
    crawled = statuses.get("ok", 0) + statuses.get("parked", 0)
    return {
        "run_id": run_id, "db": str(cfg.db), "case": cfg.case, "input": input_name,
        "reports": reports, "skipped_reports": skipped, "input_problems": problems,
        "sites": stats.get("sites_total", 0), "sites_crawled": crawled, "sites_refused": refused_sites,
        "sites_failed": sum(v for k, v in statuses.items() if k not in ("ok", "parked", *refused)),
        "site_status": statuses, "pages": pages, "identifiers": idents, "identifiers_by_kind": by_kind,
        "refused_urls": sum(errors.get(k, 0) for k in ("media", "ssrf", "encoding", "headers")), "errors": errors,
    }


def summary_lines(summary: dict[str, Any]) -> list[str]:
    s = summary
    lines = [f"crawled {s['sites_crawled']} of {s['sites']} site(s), refused {s['sites_refused']}, "
             f"failed {s['sites_failed']}; {s['pages']} page(s) stored, {s['identifiers']} identifier(s) found, "
             f"{s['refused_urls']} URL(s) refused (media/SSRF)."]
    if s["site_status"]:
        lines.append("site status: " + ", ".join(f"{k} {v}" for k, v in sorted(s["site_status"].items())))
    if s["errors"]:
        lines.append("errors: " + ", ".join(f"{k} {v}" for k, v in sorted(s["errors"].items())))
    lines.append(f"run {s['run_id']} stored in {s['db']}")
    return lines
