"""``merchintel enqueue``, ``worker``, ``queue`` and ``merge``: crawling with many workers."""

from __future__ import annotations

from typing import Any

import click

from crawler.distributed import QueueKeys, check_name, site_jobs
from crawler.errors import InputError
from crawler.inputs import read_input
from merchintel.cli import main
from merchintel.cli.common import config_from, db_option, emit_json, emit_table, err, format_option, crawl_options, setting_option
from merchintel.runner import summary_lines
from merchintel.worker import connect, enqueue as push, merge_dbs, queue_status, run_worker

QUEUE_HELP = "Queue name: the prefix of every Redis key of this crawl team (letters, digits, _ . : -)."


def queue_option(f: Any) -> Any:
    return click.option("--queue", default="merchintel", show_default=True, help=QUEUE_HELP)(f)


@main.command()
@click.argument("input", metavar="INPUT")
@setting_option("case", "--case")
@setting_option("redis_url", "--redis-url")
@queue_option
@format_option("table", "json")
def enqueue(input: str, queue: str, fmt: str, **opts: Any) -> None:
    """Put reported URLs on the Redis queue for `merchintel worker`s to crawl.

    INPUT is read like `merchintel crawl` reads it (text, CSV with a url column, or - for
    stdin).  One job per registered domain: a site is crawled by exactly one worker.
    """

    cfg = config_from(**opts)
    keys = QueueKeys(check_name(queue, "queue"))
    input_name, reports, problems = read_input(input, max_line_bytes=int(cfg.max_line_bytes))
    for p in problems:
        err(f"Error: {p.message}")
    if not reports and not problems:
        raise InputError(f"{input}: no URL in the input; put one URL a line (or a CSV with a url column).")
    server = connect(cfg.redis_url)
    jobs = site_jobs(reports, case=cfg.case, input_name=input_name)
    waiting = push(server, keys, jobs)
    result = {"queue": keys.prefix, "case": cfg.case, "input": input_name, "reports": len(reports),
              "sites": len(jobs), "input_problems": len(problems), "sites_waiting": waiting}
    err(f"enqueued {len(jobs)} site(s) ({len(reports)} report(s)) on {keys.sites}; {waiting} waiting.")
    if fmt == "json":
        emit_json(result)


@main.command()
@db_option
@setting_option("redis_url", "--redis-url")
@queue_option
@click.option("--worker-id", default=None,
              help="Name of this worker in Redis (default: host name + pid); letters, digits, _ . : -.")
@click.option("--idle-exit", type=click.FloatRange(0, None), default=0, show_default=True,
              help="Stop after this many seconds with an empty queue and nothing in flight; 0 runs until Ctrl-C.")
@click.option("--active-sites", type=click.IntRange(0, 10_000), default=0,
              help="Sites this worker crawls at once (0: twice --concurrency, at least 8).")
@click.option("--heartbeat-ttl", type=click.IntRange(2, 3600), default=20, show_default=True,
              help="Seconds without a heartbeat after which other workers count this one as dead "
                   "and take its sites back (it beats every TTL/4 s, at most every 5 s).")
@crawl_options
@click.option("-v", "--verbose", count=True, help="Scrapy's logs too (-v info, -vv debug), on stderr.")
@format_option("table", "json")
def worker(queue: str, worker_id: str | None, idle_exit: float, active_sites: int, heartbeat_ttl: int,
           verbose: int, fmt: str, **opts: Any) -> None:
    """Crawl sites from the Redis queue into --db until Ctrl-C (or --idle-exit).

    Each worker writes its own SQLite file; fold them together with `merchintel merge`
    (workers on one machine may share one --db).  The crawl is `merchintel crawl`'s:
    same never-media layers, SSRF guard and page budget.  No enrichment here: run
    `merchintel enrich` on the merged database.
    """

    cfg = config_from(**opts)
    summary = run_worker(cfg, queue=queue, worker_id=worker_id, idle_exit=idle_exit,
                         active_sites=active_sites, heartbeat_ttl=heartbeat_ttl, verbose=verbose, note=err)
    for line in summary_lines(summary):
        err(line)
    if fmt == "json":
        emit_json(summary)


@main.command("queue")
@setting_option("redis_url", "--redis-url")
@queue_option
@format_option("table", "json")
def queue_cmd(queue: str, fmt: str, **opts: Any) -> None:
    """Show the Redis queue: sites waiting, workers, the sites each one holds."""

    cfg = config_from(**opts)
    status = queue_status(connect(cfg.redis_url), QueueKeys(check_name(queue, "queue")))
    if fmt == "json":
        emit_json(status)
    else:
        click.echo(f"queue {status['queue']}: {status['sites_waiting']} site(s) waiting")
        emit_table(status["workers"], ["worker", "alive", "sites_held"])


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--into", "into", required=True, type=click.Path(dir_okay=False),
              help="Database that receives the rows (created if missing).")
@format_option("table", "json")
def merge(sources: tuple[str, ...], into: str, fmt: str) -> None:
    """Fold worker databases (SOURCES) into one (--into); running it again changes nothing.

    Crawl evidence only (runs, reports, sites, pages, identifiers, observations, errors,
    captures, certificates, renders):
    run `merchintel enrich --db INTO` afterwards.  First-seen times keep the earliest
    value, last-seen times the latest; other columns follow the most recent row.
    """

    result = merge_dbs(into, sources)
    err(f"merged {result['sources']} database(s) into {result['db']}.")
    if fmt == "json":
        emit_json(result)
    else:
        emit_table([{"table": t, "rows": n} for t, n in result["rows"].items()], ["table", "rows"])
