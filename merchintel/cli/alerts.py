"""Commands of the watchlist, history and alerts: schedule, run-due, watch, history, alerts."""

from __future__ import annotations

import click

from crawler.clock import parse_duration, since_time
from crawler.config import RENDER_MODES
from crawler.errors import ConfigError
from crawler.schema import open_db
from graph.alerts import list_alerts
from graph.history import site_history
from merchintel.cli import main
from merchintel.cli.common import (config_from, db_option, emit_json, emit_table, err, format_option, require_case,
                                   require_db, setting_option)
from merchintel.schedule import Stop, due_sites, set_schedule, watchlist
from merchintel.watch import run_due, watch as watch_loop


def _now_option(f):
    return setting_option("now", "--now")(f)


@main.group()
def schedule() -> None:
    """Re-crawl intervals of tracked sites, per case or per site (default MERCHINTEL_EVERY, 24h)."""


@schedule.command("set")
@click.option("--case", "case_name", required=True, help="Case whose sites the interval applies to.")
@click.option("--every", default="24h", show_default=True, help="Interval: 30m, 6h, 2d… (15m at least).")
@click.option("--domain", default=None, help="Only this site of the case.")
@click.option("--jitter", type=float, default=None,
              help="Random extra delay as a fraction of the interval (0.1 = up to 10%) [default MERCHINTEL_JITTER].")
@db_option
@_now_option
def schedule_set(case_name, every, domain, jitter, db, now):
    """Set how often a case's sites (or one site) are crawled again.

    Example: merchintel schedule set --case op-fox --every 6h
    """
    cfg = config_from(db=db, now=now)
    store = open_db(cfg.db, create=False)   # a mistyped --db must not become a new, empty store
    res = set_schedule(store, case_name, every, domain=domain, jitter=jitter, cfg=cfg)
    where = f"{res['domain']} in case {case_name}" if res["domain"] else f"case {case_name}"
    err(f"schedule: {where} is crawled every {res['every_seconds']}s")
    if res.get("sites") == 0:
        err(f"schedule: case {case_name} has no sites yet; the interval applies to the sites crawled "
            f"with --case {case_name} from now on.")
    emit_json(res)


@schedule.command("show")
@click.option("--case", "case_name", default=None, help="Only this case.")
@click.option("--due", is_flag=True, help="Only the sites due now.")
@db_option
@_now_option
@format_option("json", "table")
def schedule_show(case_name, due, db, now, fmt):
    """List tracked sites with their interval, last crawl and next due time."""
    cfg = config_from(db=db, now=now)
    store = open_db(cfg.db, create=False)
    require_case(store, case_name)
    rows = due_sites(store, cfg) if due else watchlist(store, cfg)
    if case_name:
        rows = [r for r in rows if r["case"] == case_name]
    if fmt == "json":
        emit_json(rows)
    else:
        emit_table(rows, ["case", "domain", "every_seconds", "last_crawled", "next_due"])


@main.command("run-due")
@db_option
@_now_option
@setting_option("render", "--render", type=click.Choice(RENDER_MODES))
@format_option("json", "table")
def run_due_cmd(db, now, render, fmt):
    """Crawl and enrich every tracked site that is due, then evaluate alerts.

    Cron-friendly: idempotent (a second run at once finds nothing due) and locked, so two
    runs on one database never overlap; the second exits saying which pid holds the lock.
    """
    cfg = config_from(db=db, now=now, render=render)
    require_db(cfg.db)
    summary = run_due(cfg, log=err)
    if fmt == "json":
        emit_json(summary)
    else:
        emit_table([{"run_id": summary["run_id"], "due": summary["due"], "crawled": len(summary["crawled"]),
                     "failed": len(summary["failed"]), "alerts": summary["alerts"], "status": summary["status"]}])
    if summary["failed"]:
        raise SystemExit(1)


@main.command()
@click.option("--interval", default="60s", show_default=True,
              help="How often to look for due sites (30s, 5m…; 1s at least).")
@click.option("--max-cycles", type=click.IntRange(1, None), default=None,
              help="Stop after this many checks (default: run until stopped).")
@db_option
@_now_option
def watch(interval, max_cycles, db, now):
    """Keep running run-due until stopped (SIGTERM or Ctrl-C finish the current crawl first)."""
    cfg = config_from(db=db, now=now)
    require_db(cfg.db)
    every = parse_duration(interval)
    if every < 1:
        raise ConfigError(f"--interval {interval} is shorter than 1s; use 30s, 5m or more.")
    stop = Stop()
    stop.install()
    res = watch_loop(cfg, interval=float(every), max_cycles=max_cycles, stop=stop, log=err)
    emit_json(res)


@main.command()
@click.argument("domain")
@db_option
@format_option("json", "table")
def history(domain, db, fmt):
    """Show what changed for a site between crawls (status, redirects, identifiers, IPs, NS, registrar)."""
    cfg = config_from(db=db)
    store = open_db(cfg.db, create=False)
    rows = site_history(store, domain)
    if not rows:
        err(f"history: no recorded crawl of {domain}; crawl it first (states are recorded after each crawl).")
    if fmt == "json":
        emit_json(rows)
    else:
        emit_table([{**r, "changes": "; ".join(r["changes"])} for r in rows],
                   ["first_seen", "last_seen", "crawls", "status", "final_domain", "changes"], max_width=100)


@main.command()
@click.option("--since", default=None, help="Only alerts detected since: ISO UTC time, or a duration ago (24h, 7d).")
@click.option("--kind", default=None,
              type=click.Choice(["domain_hop", "payment_change", "site_down", "site_back", "new_domain_in_cluster",
                                 "ad_number", "ad_text"]),
              help="Only this kind.")
@db_option
@_now_option
@format_option("json", "table")
def alerts(since, kind, db, now, fmt):
    """List raised alerts: domain hops, payment changes, sites down/back, new domains in a cluster."""
    cfg = config_from(db=db, now=now)
    store = open_db(cfg.db, create=False)
    rows = list_alerts(store, since=since_time(since, cfg) if since else None, kind=kind)
    if fmt == "json":
        emit_json(rows)
    else:
        emit_table(rows, ["detected_at", "kind", "type", "from", "to", "summary"], max_width=90)
