"""Enrichment commands: enrich, dns, whois, whois-servers, contacts, rdap-bootstrap."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import click

from crawler.clock import iso, now
from crawler.dnsconfig import make_async_resolver
from crawler.domains import hostname, registered_domain
from crawler.errors import EnrichError
from crawler.schema import DNS_QUERIES, WHOIS_RECORDS, dumps, open_db
from enrich import cache, hosting, rdap, whois
from enrich.contacts import compute_contacts
from enrich.dns import RECORD_TYPES, query_many
from enrich.run import _is_ip, enrich_sites, lookup_registration, make_clients
from enrich.whois import registration_name
from merchintel.cli import main
from merchintel.cli.common import config_from, db_option, emit_json, emit_table, err, format_option, setting_option

_NAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{2,63}$")


def _domain_arg(text: str) -> str:
    name = hostname(text)
    try:
        name = name.encode("idna").decode("ascii") if not name.isascii() else name
    except UnicodeError:
        pass
    if not _NAME.match(name):
        raise EnrichError(f'"{text}" is not a domain name; give one such as shop-a.se.')
    return name


@main.command("enrich")
@click.argument("domains", nargs=-1)
@click.option("--refresh", is_flag=True, help="Ask again even what the cache still holds (DNS TTL, 7-day WHOIS/RDAP).")
@click.option("--no-whois", is_flag=True, help="DNS and hosting only: no RDAP/WHOIS query.")
@db_option
@setting_option("nameservers")
@setting_option("rdap_url", "--rdap-url")
@setting_option("whois_server", "--whois-server")
@setting_option("enrich_concurrency", "--concurrency", type=int)
@format_option("json", "table")
def enrich_cmd(domains, refresh, no_whois, db, nameservers, rdap_url, whois_server, enrich_concurrency, fmt):
    """Enrich sites in the database: DNS, hosting (ASN, country, CDN), RDAP/WHOIS, abuse contacts.

    Without DOMAINS every site in the database is enriched. Answers are cached (DNS by TTL,
    WHOIS/RDAP for 7 days), so a second run over unchanged data sends no query. Progress
    goes to stderr; the counters to stdout.
    """

    cfg = config_from(db=db, nameservers=nameservers, rdap_url=rdap_url, whois_server=whois_server,
                      enrich_concurrency=enrich_concurrency)
    names = [_domain_arg(d) for d in domains] or None
    store = open_db(cfg.db, create=bool(names))  # the whole DB: it must exist
    stats = enrich_sites(store, cfg, domains=names, refresh=refresh, progress=err, registration=not no_whois)
    if fmt == "json":
        emit_json(stats)
    else:
        emit_table([{"counter": k, "value": v} for k, v in stats.items()])


@main.command("dns")
@click.argument("name")
@click.option("--type", "types", multiple=True, help="Record type(s) to ask (default: A AAAA CNAME MX NS TXT SOA CAA).")
@setting_option("nameservers")
@setting_option("dns_timeout", "--timeout", type=float)
@format_option("json", "table")
def dns_cmd(name, types, nameservers, dns_timeout, fmt):
    """Ask the DNS about NAME (ad hoc, nothing stored): records, then hosting of its addresses.

    Uses MERCHINTEL_NAMESERVERS or the system's resolvers. A name that is an IP address gets
    its PTR and Team Cymru origin.
    """

    cfg = config_from(nameservers=nameservers, dns_timeout=dns_timeout)
    resolver = make_async_resolver(cfg)
    timeout = float(cfg.dns_timeout)
    is_ip = _is_ip(name.strip())
    qname = name.strip() if is_ip else _domain_arg(name)
    wanted = [t.upper() for t in types] or ([] if is_ip else list(RECORD_TYPES))
    results = asyncio.run(query_many(resolver, [(qname, t) for t in wanted], timeout=timeout, concurrency=16))
    records = {r.qtype: r.as_dict() for r in results}
    ips = [qname] if is_ip else sorted({a for r in results if r.qtype in ("A", "AAAA") for a in r.answers})
    hq = [(hosting.origin_qname(ip), "TXT") for ip in ips] + [(hosting.ptr_qname(ip), "PTR") for ip in ips]
    hres = {(r.qname, r.qtype): r for r in asyncio.run(query_many(resolver, hq, timeout=timeout, concurrency=16))}
    origins = {}
    for ip in ips:
        r = hres.get((hosting.origin_qname(ip).lower(), "TXT"))
        origins[ip] = next((o for t in (r.answers if r else []) if (o := hosting.parse_origin(t))), None)
    asns = sorted({o["asn"] for o in origins.values() if o})
    ares = {r.qname: r for r in asyncio.run(query_many(
        resolver, [(hosting.asname_qname(a), "TXT") for a in asns], timeout=timeout, concurrency=16))}
    host_rows = []
    cnames = [c for r in results for c in r.cname_chain]
    for ip in ips:
        o = origins.get(ip) or {}
        ptr = hres.get((hosting.ptr_qname(ip).lower(), "PTR"))
        a = ares.get(hosting.asname_qname(o["asn"]).lower()) if o else None
        as_name = next((p["as_name"] for t in (a.answers if a else []) if (p := hosting.parse_asname(t))), None)
        ptr_name = ptr.answers[0] if ptr and ptr.answers else None
        reason = hosting.shared_reason(asn=o.get("asn"), ptr=ptr_name, cnames=cnames, as_name=as_name)
        host_rows.append({"ip": ip, "asn": o.get("asn"), "prefix": o.get("prefix"), "country": o.get("country"),
                          "as_name": as_name, "ptr": ptr_name, "cdn": bool(reason), "cdn_reason": reason})
    if fmt == "json":
        emit_json({"name": qname, "records": records, "hosting": host_rows})
        return
    emit_table([{"type": t, "status": r["status"], "ttl": r["ttl"], "answers": r["answers"],
                 "cname_chain": r["cname_chain"]} for t, r in records.items()], max_width=90)
    if host_rows:
        click.echo("")
        emit_table(host_rows)


WHOIS_FIELDS = ("domain", "source", "status", "registrar", "registrar_iana_id", "registrar_url", "created", "updated",
                "expires", "statuses", "nameservers", "registrant_name", "registrant_org", "registrant_country",
                "registrant_email", "abuse_email", "abuse_phone", "redacted", "server", "error", "fetched_at")
# fields a registry may or may not publish: those without a value are listed under "absent"
REGISTRATION_FIELDS = ("registrar", "registrar_iana_id", "registrar_url", "created", "updated", "expires", "statuses",
                       "nameservers", "registrant_name", "registrant_org", "registrant_country", "registrant_email",
                       "abuse_email", "abuse_phone")


@main.command("whois")
@click.argument("domain")
@click.option("--refresh", is_flag=True, help="Ask the registry even if the database holds a fresh record.")
@click.option("--raw", is_flag=True, help="Also print the raw WHOIS text / RDAP JSON.")
@db_option
@setting_option("rdap_url", "--rdap-url")
@setting_option("whois_server", "--whois-server")
@format_option("json", "table")
def whois_cmd(domain, refresh, raw, db, rdap_url, whois_server, fmt):
    """Registration of DOMAIN: RDAP first, WHOIS (port 43) where RDAP is missing or fails.

    Prints registrar, IANA id, dates, statuses, name servers, registrant (where not
    redacted), registrar abuse contact, "source" (rdap or whois) and "server"; "referrals"
    lists every query in order (RDAP, whois.iana.org, registry, registrar), "field_sources"
    which server said each field, and "absent" the fields no answer published. A name
    under a second-level registry (x.spb.ru) is asked as that registration, not as spb.ru.
    A fresh record in an existing database is reused; a new one is stored there.
    """

    cfg = config_from(db=db, rdap_url=rdap_url, whois_server=whois_server)
    name = registration_name(_domain_arg(domain))
    store = open_db(cfg.db) if Path(cfg.db).exists() else None
    at = now(cfg)
    row = None
    if store is not None and not refresh:
        for r in store.query(f"SELECT * FROM [{WHOIS_RECORDS}] WHERE domain = ?", [name]):
            if cache.is_fresh(r, iso(at)):
                row = dict(r)
                for key in ("statuses", "nameservers", "referrals", "field_sources"):
                    row[key] = json.loads(row.get(key) or ("{}" if key == "field_sources" else "[]"))
    if row is None:
        rdap, whois = make_clients(cfg)
        row = lookup_registration(name, rdap, whois)
        row["fetched_at"] = iso(at)
        if store is not None:
            ok = row.get("status") in ("ok", "not_found")
            days = float(cfg.get("whois_cache_days", 7.0))
            stored = dict(row, statuses=dumps(row.get("statuses") or []), nameservers=dumps(row.get("nameservers") or []),
                          expires_at=cache.later(now, days * 86400 if ok else cache.ERROR_RETRY_SECONDS))
            if ok:
                store[WHOIS_RECORDS].upsert(stored, pk="domain")
        for key in ("referrals", "field_sources"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
    out = {k: row.get(k) for k in WHOIS_FIELDS}
    out["redacted"] = bool(out.get("redacted"))
    out["referrals"] = row.get("referrals") or []
    out["field_sources"] = row.get("field_sources") or {}
    out["absent"] = [k for k in REGISTRATION_FIELDS if row.get(k) in (None, "", [])] if row.get("status") == "ok" else []
    if raw:
        out["raw"] = row.get("raw")
    if row.get("status") not in ("ok", "not_found"):
        err(f"whois: {name}: {row.get('error')}")
    if fmt == "json":
        emit_json(out)
    else:
        rows = [{"field": k, "value": v, "from": out["field_sources"].get(k, "")}
                for k, v in out.items() if k not in ("raw", "referrals", "field_sources", "absent")]
        rows += [{"field": f"referral {i}", "value": f"{c['server']} ({c['role']}, {c['outcome']}): {c['query']}",
                  "from": ""} for i, c in enumerate(out["referrals"], 1)]
        rows.append({"field": "absent", "value": ", ".join(out["absent"]), "from": ""})
        emit_table(rows, max_width=100)
        if raw and out.get("raw"):
            click.echo("\n" + out["raw"])


@main.command("whois-servers")
@click.argument("tlds", nargs=-1)
@click.option("--refresh", is_flag=True, help="Rebuild the snapshot from IANA's root zone data (needs a network).")
@format_option("json", "table")
def whois_servers_cmd(tlds, refresh, fmt):
    """Show (or --refresh) the shipped TLD -> WHOIS server snapshot that picks port-43 servers.

    With TLDS (``se``, ``spb.ru``, ``xn--p1ai``) prints the server each would be asked at
    and why (snapshot, second-level registry, none: RDAP only, unknown: newer than the
    snapshot, asked at whois.iana.org at lookup time). Nothing fetches the snapshot during
    a crawl; --refresh asks whois.iana.org once per TLD of IANA's list (paced; minutes).
    """

    if refresh:
        try:
            counts = whois.refresh_server_map(progress=err)
        except (OSError, ValueError) as exc:
            raise EnrichError(f"cannot rebuild the WHOIS server map from IANA ({exc}); "
                              f"the shipped snapshot is unchanged.") from exc
        err(f"whois-servers: {counts}")
    m = whois.server_map()
    if tlds:
        rows = []
        for t in tlds:
            t = t.lower().lstrip(".")
            server, why = whois.snapshot_server(f"x.{t}")
            rows.append({"tld": t, "server": server, "why": why})
    else:
        rows = [{"date": m.get("_date"), "servers": len(m.get("servers", {})), "no_whois": len(m.get("no_whois", [])),
                 "suffixes": len(m.get("suffixes", {})), "source": m.get("_source", "")}]
    if fmt == "json":
        emit_json(rows)
    else:
        emit_table(rows, max_width=90)


@main.command("contacts")
@click.argument("domain")
@click.option("--refresh", is_flag=True, help="Enrich the site again before listing.")
@db_option
@setting_option("nameservers")
@format_option("json", "table")
def contacts_cmd(domain, refresh, db, nameservers, fmt):
    """Whom to notify about DOMAIN: registrar abuse, hosting network abuse, AS abuse, payment processors.

    Reads what enrichment stored in --db (which must exist); a site never enriched
    is enriched first (DNS, RDAP/WHOIS) and stored there.
    """

    cfg = config_from(db=db, nameservers=nameservers)
    name = registered_domain(_domain_arg(domain))
    store = open_db(cfg.db, create=False)   # a mistyped --db must not become a new, empty store
    known = any(True for _ in store.query(f"SELECT 1 FROM [{DNS_QUERIES}] WHERE domain = ? LIMIT 1", [name]))
    if refresh or not known:
        enrich_sites(store, cfg, domains=[name], refresh=refresh, progress=err)
    rows = compute_contacts(store, name, include_missing=True)
    if fmt == "json":
        emit_json(rows)
    else:
        emit_table(rows, ["contact", "source", "detail"], max_width=80)


@main.command("rdap-bootstrap")
@click.option("--refresh", is_flag=True, help="Download the IANA bootstrap files again (needs a network).")
@format_option("json", "table")
def rdap_bootstrap_cmd(refresh, fmt):
    """Show (or --refresh) the shipped IANA RDAP bootstrap snapshot that picks RDAP servers.

    Nothing fetches it at run time; --refresh replaces the files in enrich/data from
    https://data.iana.org/rdap/.
    """

    if refresh:
        try:
            rdap.refresh_bootstrap()
        except (OSError, ValueError) as exc:
            raise EnrichError(f"cannot download the RDAP bootstrap from data.iana.org ({exc}); "
                              f"the shipped snapshot is unchanged.") from exc
    rows = []
    for name in rdap.BOOTSTRAP_FILES:
        data = json.loads((rdap.DATA_DIR / f"rdap_{name}.json").read_text("utf-8"))
        rows.append({"file": f"rdap_{name}.json", "services": len(data.get("services", [])),
                     "publication": data.get("publication"), "description": data.get("description", "")})
    if fmt == "json":
        emit_json(rows)
    else:
        emit_table(rows, max_width=70)
