"""Commands of listing-platform ads: ads (ad clusters, likely organisers), phones --recurring."""

from __future__ import annotations

import click

from crawler.clock import since_time
from crawler.schema import open_db
from graph.ads import recurring_numbers, stored_ad_clusters
from merchintel.cli import main
from merchintel.cli.common import config_from, db_option, emit_json, emit_table, err, format_option, require_db


@main.command()
@click.option("--case", "case_name", default=None, help="Only ads crawled under this case.")
@click.option("--min-ads", type=int, default=2, show_default=True, help="Only clusters of this many ads or more.")
@click.option("--with-text", is_flag=True, help="Show the shared passages of text ties (personal data; off by default).")
@db_option
@format_option("json", "table")
def ads(case_name, min_ads, with_text, db, fmt):
    """List ad clusters of listing platforms: ads tied by a shared number or handle, or written from one text.

    Example: merchintel ads --case op-fox
    """
    cfg = config_from(db=db)
    require_db(cfg.db)
    store = open_db(cfg.db, create=False)
    clusters = [c for c in stored_ad_clusters(store, case=case_name) if c["size"] >= min_ads]
    if not clusters:
        err("ads: no ad cluster stored; crawl a listing platform (MERCHINTEL_PLATFORMS) first.")
    out = []
    for c in clusters:
        ties = [{"a": t.a, "b": t.b, "kind": t.kind, "value": t.value, "weight": t.weight,
                 **({"evidence": t.evidence} if with_text or t.kind != "text" else {})} for t in c["ties"]]
        out.append({**c, "ties": ties})
    if fmt == "json":
        emit_json(out)
    else:
        emit_table([{"id": c["id"], "ads": c["size"], "platforms": ", ".join(c["platforms"]),
                     "numbers": ", ".join(c["identifiers"][:4]), "locations": ", ".join(c["locations"][:4]),
                     "first_seen": c["first_seen"], "last_seen": c["last_seen"]} for c in out], max_width=100)


@main.command()
@click.option("--recurring", is_flag=True, required=True, help="Numbers on more than one ad (required).")
@click.option("--since", default=None, help="Only ads seen since: ISO UTC time, or a duration ago (24h, 7d).")
@click.option("--min-ads", type=int, default=2, show_default=True, help="Only numbers on this many ads or more.")
@db_option
@format_option("json", "table")
def phones(recurring, since, min_ads, db, fmt):
    """List phone numbers recurring across ads: ads, platforms, locations, first and last seen.

    Example: merchintel phones --recurring --since 30d --min-ads 3
    """
    cfg = config_from(db=db)
    require_db(cfg.db)
    store = open_db(cfg.db, create=False)
    rows = recurring_numbers(store, since=since_time(since) if since else None, min_ads=min_ads)
    if fmt == "json":
        emit_json(rows)
    else:
        emit_table([{**r, "platforms": ", ".join(r["platforms"]), "locations": ", ".join(r["locations"][:5])}
                    for r in rows], ["value", "ads", "platforms", "locations", "first_seen", "last_seen"],
                   max_width=100)
