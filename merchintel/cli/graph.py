"""Commands of the graph area: clusters, links, export."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from crawler.clock import now_iso
from crawler.domains import registered_domain
from crawler.errors import ConfigError
from crawler.schema import open_db
from exports import export as do_export
from exports import warc as warc_export
from graph.clusters import compute_clusters
from graph.find import find_value
from graph.links import site_links
from graph.scoring import LINK_THRESHOLD
from merchintel.cli import main
from merchintel.evidence import audit_export
from merchintel.cli.common import (config_from, db_option, emit_json, emit_table, err, require_case, setting_option,
                                   short_float)


def _since(value: str | None) -> str | None:
    """Accept 2026-01-31 or 2026-01-31T12:00:00Z; return the ISO UTC string stored times use."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use 2026-01-31 or 2026-01-31T12:00:00Z.")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True,
              help="Output format (json is for pipes).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Link score that ties two sites, above 0 and at most 1 (default 0.5; see docs/graph.md).")
@click.option("--why/--no-why", default=False,
              help="Every member's evidence path (json: in each cluster; table: a table under each cluster).")
def clusters(db: str | None, fmt: str, output: str | None, threshold: float | None, why: bool) -> None:
    """Operator clusters: sites tied by shared identifiers, with stable ids.

    Recomputes the clusters, stores them (ids stay stable across runs) and prints
    [{"id", "domains", "evidence": [{"kind", "value"}], "score"}], largest first.
    With a --threshold other than the standard 0.5 the clusters are shown but not
    stored: the stored clusters are the ones alerts and exports name.
    """
    cfg = config_from(db=db)
    what_if = threshold is not None and threshold != LINK_THRESHOLD
    store = open_db(cfg.db, readonly=what_if, create=False)
    found = compute_clusters(store, threshold if what_if else LINK_THRESHOLD, persist=not what_if)
    err(f"{len(found)} clusters, {sum(c['size'] for c in found)} sites")
    if what_if:
        err(f"threshold {threshold:g} is not the standard {LINK_THRESHOLD:g}: these clusters are shown, "
            "not stored; stored clusters (named by alerts and exports) keep the standard threshold.")
    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        if fmt == "json":
            rows = []
            for c in found:
                row = {k: c[k] for k in ("id", "domains", "evidence", "score", "size", "anchor")}
                if why:
                    row["anchor_domain"] = c.get("anchor_domain")
                    row["members"] = c.get("members", [])
                rows.append(row)
            emit_json(rows, out)
        else:
            emit_table([{"id": c["id"], "size": c["size"], "score": c["score"], "domains": c["domains"],
                         "evidence": [f"{e['kind']}:{e['value']}" for e in c["evidence"]]} for c in found],
                       out=out, max_width=70)
            if why:
                for c in found:
                    out.write(f"\n{c['id']}: why each site is in it (from {c.get('anchor_domain')})\n")
                    emit_table(_why_rows(c), ["domain", "hop", "score", "via", "evidence"], out=out, max_width=60)
    finally:
        if output:
            out.close()


def _why_rows(c: dict) -> list[dict]:
    """One row per hop of each member's path: the values (and pages) that tie it."""
    rows = []
    for m in c.get("members", []):
        if not m["path"]:
            rows.append({"domain": m["domain"], "hop": "anchor", "via": c.get("anchor")})
        for hop in m["path"]:
            urls = [e["url"] for v in hop["via"] for e in v.get("evidence", []) if e.get("url")]
            rows.append({"domain": m["domain"], "hop": f"{hop['from']} -> {hop['to']}", "score": hop["score"],
                         "via": [f"{v['kind']}:{v['value']}" for v in hop["via"]],
                         "evidence": sorted(set(urls))})
    return rows


@main.command()
@click.argument("domain")
@db_option
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True,
              help="Output format (json is for pipes).")
def links(domain: str, db: str | None, fmt: str) -> None:
    """What ties DOMAIN to other sites, strongest first (score, shared values, weights)."""
    cfg = config_from(db=db)
    store = open_db(cfg.db, readonly=True)
    dom = (registered_domain(domain) or domain).lower()
    rows = site_links(store, dom)
    if not rows:
        known = store.execute("SELECT 1 FROM sites WHERE domain = ? UNION SELECT 1 FROM observations "
                              "WHERE domain = ? LIMIT 1", [dom, dom]).fetchone()
        if not known:
            err(f"{domain}: not a site in {cfg.db}; to search an identifier (wallet, phone, e-mail…) "
                f"use `merchintel find {domain}`.")
        else:
            err(f"{dom}: no shared identifier with another site in {cfg.db}")
    if fmt == "json":
        emit_json(rows)
    else:
        emit_table([{"domain": r["domain"], "score": r["score"], "linked": "yes" if r["linked"] else "",
                     "shared": [f"{s['kind']}:{s['value']} ({short_float(s['weight'])}, {s['n_domains']} sites)"
                                for s in r["shared"]]} for r in rows], max_width=90)


@main.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["json", "gexf", "graphml", "csv", "stix", "html", "warc"]),
              required=True, help="json node-link, gexf (Gephi), graphml (yEd), csv, stix (2.1), html, "
                                  "warc (the evidence captures, WARC/1.1 gzipped).")
@click.option("-o", "--output", "out", required=True, type=click.Path(),
              help="Output file (csv: a directory or a file prefix).")
@click.option("--case", "case_name", help="Only the sites of this case.")
@click.option("--cluster", help="Only the members of this cluster id (see `merchintel clusters`).")
@click.option("--since", help="Only observations last seen at/after this UTC date or time.")
@click.option("--min-score", type=click.FloatRange(0, 1),
              help="Drop links scoring below it and values weighing less (0 to 1).")
@click.option("--pseudonymize", metavar="KEY", help="Replace personal values by HMAC-SHA256(KEY) pseudonyms.")
@click.option("--with-ad-text", is_flag=True,
              help="Include ad titles and texts (personal data; left out by default and under --pseudonymize).")
@setting_option("stix_identity", "--stix-identity")
@setting_option("tlp", "--tlp")
def export(db: str | None, fmt: str, out: str, case_name: str | None, cluster: str | None, since: str | None,
           min_score: float | None, pseudonymize: str | None, with_ad_text: bool, stix_identity: str | None,
           tlp: str | None) -> None:
    """Export the graph (read-only) as json, gexf, graphml, csv, stix or html, or the
    evidence captures as WARC.

    csv writes sites.csv (one row per site), nodes.csv and edges.csv; every file written is
    named on stderr.  A STIX bundle names its producer (--stix-identity) and carries a TLP
    2.0 marking (--tlp).  warc writes request, response (text-only HTML) and metadata
    records per capture (--case, --since apply; docs/evidence.md).  Every export writes an
    audit row (export_audit: when, what, which case, the output's SHA-256).
    """
    cfg = config_from(db=db, stix_identity=stix_identity, tlp=tlp)
    store = open_db(cfg.db, readonly=True)
    require_case(store, case_name)
    created = now_iso(cfg)
    if fmt == "warc":
        if cluster or min_score is not None or pseudonymize or with_ad_text:
            raise ConfigError("--cluster, --min-score, --pseudonymize and --with-ad-text shape graph exports, not "
                              "the WARC of captures (pages as they were served) — drop them, or use --case/--since.")
        counts = warc_export.write(store, Path(out), case=case_name, since=_since(since))
    else:
        counts = do_export(store, fmt, Path(out), case=case_name, cluster=cluster, since=_since(since),
                           min_score=min_score, pseudonymize=pseudonymize, stix_identity=cfg.get("stix_identity"),
                           tlp=cfg.get("tlp"), created=created, ad_text=with_ad_text)
    files = counts.get("files") or [out]
    store.conn.close()
    audit_export(open_db(cfg.db), fmt=fmt, files=files, case=case_name, at=created,
                 records=counts.get("records") or counts.get("nodes") or counts.get("objects"),
                 filters={"cluster": cluster, "since": _since(since), "min_score": min_score,
                          "pseudonymize": bool(pseudonymize), "with_ad_text": with_ad_text})
    err(f"wrote {', '.join(str(f) for f in files)} ({', '.join(f'{k} {v}' for k, v in counts.items() if k != 'files')})")


@main.command()
@click.argument("value")
@db_option
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True,
              help="Output format (json is for pipes).")
def find(value: str, db: str | None, fmt: str) -> None:
    """Every site and case carrying VALUE (wallet, account, phone, e-mail, handle, tracker, any kind).

    VALUE is canonicalised as the extractors do (spaces, case, +46 70…, t.me/…), or given as
    kind:value.  Prints first/last seen and the pages (or DNS/WHOIS records) per site; exits 1
    saying "not in the database" when nothing carries it.

    Example: merchintel find bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4
    """
    cfg = config_from(db=db)
    store = open_db(cfg.db, readonly=True)
    found = find_value(store, value)
    if not found:
        err(f"{value}: not in the database {cfg.db} (no site carries it).")
        if fmt == "json":
            emit_json([])
        raise SystemExit(1)
    if fmt == "json":
        emit_json(found)
        return
    emit_table([{"identifier": f"{f['kind']}:{f['value']}", "domain": s["domain"], "cases": s["cases"],
                 "first_seen": s["first_seen"], "last_seen": s["last_seen"], "evidence": s["evidence"]}
                for f in found for s in f["sites"]], max_width=60)
