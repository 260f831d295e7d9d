"""Commands of the evidence area: evidence, verify, purge (captures; docs/evidence.md)."""

from __future__ import annotations

from datetime import timedelta

import click

from crawler.clock import iso, now, parse_duration
from crawler.errors import ConfigError
from crawler.schema import open_db
from merchintel.cli import main
from merchintel.cli.common import config_from, db_option, emit_json, emit_table, err, format_option, require_case
from merchintel.evidence import purge as do_purge, site_captures, verify as do_verify


@main.command()
@click.argument("target", metavar="URL|DOMAIN")
@db_option
@format_option()
def evidence(target: str, db: str | None, fmt: str) -> None:
    """A page's (URL) or a site's (DOMAIN) evidence captures and their hashes, newest first.

    Each capture: when, the server address, status, SHA-256 of the body as received and of
    the stored text-only HTML, the certificate fingerprint (HTTPS) and the record digest
    that `merchintel verify` checks.  Exits 1 when there is none.
    """
    cfg = config_from(db=db)
    store = open_db(cfg.db, readonly=True)
    rows = site_captures(store, target)
    if not rows:
        err(f"{target}: no capture in {cfg.db}; crawl it first (captures are on unless MERCHINTEL_CAPTURES=0).")
        if fmt == "json":
            emit_json([])
        raise SystemExit(1)
    if fmt == "json":
        emit_json(rows)
        return
    emit_table([{"captured_at": r["captured_at"], "url": r["final_url"], "status": r["status"], "ip": r["ip"],
                 "body_sha256": r["body_sha256"], "text_sha256": r["text_sha256"],
                 "cert_sha256": r["cert_sha256"] or "", "record_sha256": r["record_sha256"]} for r in rows],
               max_width=70)


@main.command()
@db_option
@format_option()
def verify(db: str | None, fmt: str) -> None:
    """Recompute every stored hash (capture texts and records, certificates, audited exports).

    Prints each mismatch; exits 1 if there is any, 0 when everything matches.
    """
    cfg = config_from(db=db)
    store = open_db(cfg.db, readonly=True)
    rep = do_verify(store)
    summary = (f"checked {rep.captures} capture(s), {rep.certificates} certificate(s), {rep.exports} export(s) "
               f"({rep.exports_missing} no longer on disk): {len(rep.mismatches)} mismatch(es)")
    if fmt == "json":
        emit_json({"captures": rep.captures, "certificates": rep.certificates, "exports": rep.exports,
                   "exports_missing": rep.exports_missing, "mismatches": rep.mismatches})
    elif rep.mismatches:
        emit_table(rep.mismatches, ["table", "id", "what", "stored", "now"], max_width=70)
    err(summary)
    if not rep.ok:
        raise SystemExit(1)


@main.command()
@db_option
@click.option("--older-than", "older_than", required=True, metavar="DURATION",
              help="Remove captures taken longer ago than this (365d, 26w, 8760h).")
@click.option("--case", "case_name", help="Only the captures of this case.")
def purge(db: str | None, older_than: str, case_name: str | None) -> None:
    """Remove old captures and what only they support, then VACUUM (secure delete is on).

    Certificates no remaining capture served, and the certificate/header pivots of pages no
    remaining capture covers, go too.  Pages, identifiers from page text and exports stay.
    """
    cfg = config_from(db=db)
    try:
        seconds = parse_duration(older_than)
    except ConfigError:
        raise ConfigError(f'--older-than "{older_than}" is not a duration — use a number with d, w or h, '
                          f'for example 365d.') from None
    store = open_db(cfg.db, create=False)
    require_case(store, case_name)
    before = iso(now(cfg) - timedelta(seconds=seconds))
    counts = do_purge(store, before, case_name)
    err(f"removed {counts['captures']} capture(s) taken before {before}, {counts['certificates']} certificate(s), "
        f"{counts['observations']} observation(s), {counts['identifiers']} identifier(s); database vacuumed")
