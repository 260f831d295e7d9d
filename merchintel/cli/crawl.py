"""``merchintel crawl INPUT`` and ``merchintel demo``."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from crawler import schema
from crawler.addresses import parse_networks
from crawler.clock import new_run_id
from crawler.config import load_config
from crawler.errors import InputError
from crawler.inputs import read_input
from fakeweb import SAMPLE_WEB, FakeWeb
from graph.clusters import compute_clusters
from merchintel.cli import main
from merchintel.cli.common import config_from, db_option, emit_json, emit_table, err, format_option, crawl_options, setting_option
from merchintel.postcrawl import crawled_domains, run_ads, run_postcrawl
from merchintel.runner import crawl_reports, finish_run, prepare_run, summarize, summary_lines


@main.command()
@click.argument("input", metavar="INPUT")
@db_option
@setting_option("case", "--case")
@crawl_options
@click.option("--no-enrich", is_flag=True, help="Skip DNS/WHOIS/RDAP enrichment and alerts after the crawl.")
@click.option("--resume", is_flag=True,
              help="Skip reports whose site a previous run already finished (after a killed crawl).")
@click.option("-v", "--verbose", count=True, help="Scrapy's logs too (-v info, -vv debug), on stderr.")
@format_option("table", "json")
def crawl(input: str, fmt: str, no_enrich: bool, resume: bool, verbose: int, **opts: Any) -> None:
    """Crawl reported URLs (text only) and store pages, identifiers and errors.

    INPUT is a text file (one URL a line, # comments), a CSV with a url column (optional
    report_id, reported_at, source, referrer) or - for stdin.  Each site is crawled
    breadth-first inside its registered domain, contact/payment-like links first, to
    --depth and at most --max-pages requests.  Media is never fetched.  Progress and the
    summary go to stderr; --format json prints the summary as JSON on stdout.
    """


    cfg = config_from(**opts)
    parse_networks(cfg.get("ssrf_allow"))   # a bad setting stops before anything is stored
    input_name, reports, problems = read_input(input, max_line_bytes=int(cfg.max_line_bytes))
    for p in problems:
        err(f"Error: {p.message}")
    if not reports and not problems:
        raise InputError(f"{input}: no URL in the input; put one URL a line (or a CSV with a url column).")
    summary = _crawl(cfg, input_name, reports, problems, run_id=new_run_id(cfg), resume=resume,
                     verbose=verbose, enrich=not no_enrich)
    _print_summary(summary, fmt)


def _crawl(cfg: Any, input_name: str, reports: list, problems: list, *, run_id: str, resume: bool = False,
           verbose: int = 0, enrich: bool = True, progress_interval: float | None = None) -> dict[str, Any]:

    todo = prepare_run(cfg, input_name, reports, problems, run_id=run_id, resume=resume)
    if resume and len(todo) < len(reports):
        err(f"resume: {len(reports) - len(todo)} report(s) already finished; crawling {len(todo)}.")
    stats: dict[str, Any] = {}
    status = "failed"
    try:
        if todo:
            stats = crawl_reports(cfg, todo, run_id=run_id, verbose=verbose, progress_interval=progress_interval)
        status = "done" if stats.get("finish_reason", "finished") == "finished" else "interrupted"
    finally:
        finish_run(cfg, run_id, status, stats)
    summary = summarize(cfg, run_id, stats, input_name=input_name, reports=len(todo), problems=len(problems),
                        skipped=len(reports) - len(todo))
    ads = run_ads(cfg, run_id, note=err)
    if ads.get("ads"):
        summary["ads"] = {"ads": ads["ads"], "ties": ads["ties"], "clusters": len(ads["clusters"])}
    if enrich:
        post = run_postcrawl(cfg, run_id, crawled_domains(cfg, run_id), note=err)
        summary["alerts"] = len(post.get("alerts") or [])
    return summary


def _print_summary(summary: dict[str, Any], fmt: str) -> None:

    for line in summary_lines(summary):
        err(line)
    if fmt == "json":
        emit_json(summary)


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="demo-out", show_default=True,
              help="Directory for the demo database (merchintel.sqlite).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def demo(out_dir: str, fmt: str) -> None:
    """Crawl the built-in sample web (served on loopback), enrich, link and alert.

    Serves fakeweb's sample web in this process, points the crawl's DNS at it,
    crawls its reports.csv and writes OUT/merchintel.sqlite; prints what was found.
    """

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / "merchintel.sqlite"
    with FakeWeb(SAMPLE_WEB) as web:
        reports_csv = web.render_reports(out / "reports.csv")
        env = dict(web.env)
        cfg = load_config({"db": str(db_path), "case": "demo",
                           "nameservers": env.get("MERCHINTEL_NAMESERVERS"), "allow_private": True,
                           "rdap_url": env.get("MERCHINTEL_RDAP_URL"),
                           "whois_server": env.get("MERCHINTEL_WHOIS_SERVER"),
                           # the fixture WHOIS/RDAP servers are local: no politeness pause needed
                           "whois_interval": 0.0},
                          env={}, toml_path=None)
        input_name, reports, problems = read_input(str(reports_csv))
        for p in problems:
            err(f"Error: {p.message}")
        err(f"demo: serving the sample web ({len(web.sites())} hosts) on 127.0.0.x:{web.http_port}, "
            f"DNS on 127.0.0.1:{web.dns_port}; crawling {len(reports)} report(s).")
        summary = _crawl(cfg, input_name, reports, problems, run_id=new_run_id(cfg))
        media_hits = web.media_hits
    summary["media_hits"] = media_hits
    report = demo_report(db_path, summary)
    if fmt == "json":
        emit_json(report)
    else:
        _print_demo(report)


def demo_report(db_path: Path, summary: dict[str, Any]) -> dict[str, Any]:

    db = schema.open_db(db_path)
    try:
        sites = [dict(r) for r in db.query(
            "SELECT domain, last_status AS status, final_domain, "
            "(SELECT count(*) FROM pages p WHERE p.domain = s.domain) AS pages, "
            "(SELECT count(DISTINCT identifier_id) FROM observations o WHERE o.domain = s.domain) AS identifiers "
            "FROM sites s ORDER BY domain")]
        by_kind = [dict(r) for r in db.query(
            "SELECT kind, count(*) AS identifiers FROM identifiers GROUP BY kind ORDER BY kind")]
        clusters: list[dict[str, Any]] | None = None
        try:
            clusters = [{k: v for k, v in c.items() if not k.startswith("_")} for c in compute_clusters(db)]
        except Exception as exc:  # the demo shows what works; a graph bug is reported, not fatal
            clusters = [{"error": f"{type(exc).__name__}: {exc}"}]
        alerts: list[dict[str, Any]] = []
        if "alerts" in db.table_names():
            alerts = [dict(r) for r in db.query("SELECT * FROM alerts")]
    finally:
        db.conn.close()
    return {"db": str(db_path), "summary": summary, "sites": sites, "identifiers_by_kind": by_kind,
            "clusters": clusters, "alerts": alerts}


def _print_demo(report: dict[str, Any]) -> None:

    out = sys.stdout
    s = report["summary"]
    out.write(f"merchintel demo: {s['sites']} reported site(s), {s['pages']} page(s) stored, "
              f"{s['identifiers']} identifier(s); media fetched: {s.get('media_hits', 0)}\n\n")
    out.write("Sites\n")
    emit_table(report["sites"], ["domain", "status", "final_domain", "pages", "identifiers"])
    out.write("\nIdentifiers by kind\n")
    emit_table(report["identifiers_by_kind"], ["kind", "identifiers"])
    if report["clusters"] is not None:
        out.write("\nClusters\n")
        clusters = report["clusters"]
        cols = [c for c in ("id", "size", "score", "domains", "error") if clusters and c in clusters[0]]
        emit_table(clusters, cols or None, max_width=90)
    out.write("\nAlerts\n")
    alerts = report["alerts"]
    cols = [c for c in ("kind", "type", "from_domain", "to_domain", "summary") if alerts and c in alerts[0]]
    emit_table(alerts, cols or None, max_width=90)
    out.write(f"\nDatabase: {report['db']}\n")
    out.write("Next (run as printed from this directory):\n")
    for line in next_commands(report["db"]):
        out.write(f"  {line}\n")


def next_commands(db: str) -> list[str]:
    """The demo's closing commands: they run as printed after `make demo` (the venv's
    merchintel by its path, the demo database by --db)."""
    exe = _merchintel_command()
    out = Path(db).parent
    return [f"{exe} clusters --why --db {db}",
            f"{exe} links old-shop-b.com --db {db}",
            f"{exe} find bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 --db {db}",
            f"{exe} alerts --db {db}",
            f"{exe} export --format html -o {out / 'graph.html'} --db {db}",
            f"{exe} browse --db {db}"]


def _merchintel_command() -> str:
    """How to call merchintel from the current directory: ``merchintel`` when that is the
    command on PATH, else the script by its path as it was called (``.venv/bin/merchintel``
    after `make demo`), else ``python -m merchintel.cli``."""
    called = sys.argv[0] if sys.argv else ""
    here = Path(os.path.abspath(called)) if called else None
    on_path = shutil.which("merchintel")
    if here is not None and here.name == "merchintel" and here.exists():
        if on_path and Path(on_path).resolve() == here.resolve():
            return "merchintel"
        rel = os.path.relpath(here)
        return rel if rel.startswith((".", "/")) or os.sep in rel else f"./{rel}"
    return "merchintel" if on_path else f"{sys.executable} -m merchintel.cli"
