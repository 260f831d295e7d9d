"""A site's infrastructure facts as the graph and the alerts read them (no query is sent).

>>> from crawler.schema import open_db
>>> site_facts(open_db(":memory:"), "never-seen.se")["dns_status"] is None
True
"""

from __future__ import annotations

import json
from typing import Any

from crawler.schema import DNS_QUERIES, DNS_RECORDS, IP_INFO, PAGES, SITES, WHOIS_RECORDS
from enrich import hosting

_STATUS = {"ok": "ok", "nodata": "ok", "nxdomain": "nxdomain", "servfail": "servfail", "refused": "servfail",
           "error": "servfail", "timeout": "timeout"}


def _hostnames(db, domain: str) -> list[str]:
    names = [domain]
    if SITES in db.table_names():
        for row in db.query(f"SELECT hostnames FROM [{SITES}] WHERE domain = ?", [domain]):
            try:
                names += [h.lower().rstrip(".") for h in json.loads(row["hostnames"] or "[]") if isinstance(h, str)]
            except ValueError:
                pass
    return list(dict.fromkeys(names))


def site_facts(db, domain: str) -> dict[str, Any]:
    """``{"ips", "countries", "asns", "nameservers", "registrar", "cdn", "dns_status", …}`` for a site.

    ``dns_status`` is ok (some name of the site resolves), nxdomain, servfail or timeout (of
    the registered domain's A query), or None before the first enrichment.  ``cdn`` is True
    when any address or the site's front (CNAME chain, Server header) is shared.
    """
    tables = set(db.table_names())
    domain = domain.lower().rstrip(".")
    names = _hostnames(db, domain)
    ips: list[str] = []
    if DNS_RECORDS in tables:
        ips = sorted({r["value"] for r in db.query(
            f"SELECT value FROM [{DNS_RECORDS}] WHERE domain = ? AND rtype IN ('A','AAAA') AND current = 1", [domain])})
    infos = []
    if ips and IP_INFO in tables:
        infos = list(db.query(f"SELECT * FROM [{IP_INFO}] WHERE ip IN ({','.join('?' * len(ips))}) ORDER BY ip", ips))
    nameservers: list[str] = []
    if DNS_RECORDS in tables:
        nameservers = sorted({r["value"] for r in db.query(
            f"SELECT value FROM [{DNS_RECORDS}] WHERE name = ? AND rtype = 'NS' AND current = 1", [domain])})
    whois = None
    if WHOIS_RECORDS in tables:
        for whois in db.query(f"SELECT * FROM [{WHOIS_RECORDS}] WHERE domain = ?", [domain]):
            break
    if not nameservers and whois and whois.get("nameservers"):
        nameservers = json.loads(whois["nameservers"] or "[]")

    dns_status = None
    cnames: list[str] = []
    if DNS_QUERIES in tables:
        marks = ",".join("?" * len(names))
        rows = list(db.query(f"SELECT qname, qtype, status, answers, cname_chain FROM [{DNS_QUERIES}] "
                             f"WHERE qname IN ({marks}) AND qtype IN ('A','AAAA')", names))
        for r in rows:
            cnames += json.loads(r["cname_chain"] or "[]")
        if any(r["status"] == "ok" for r in rows):
            dns_status = "ok"
        else:
            own = [r for r in rows if r["qname"] == domain and r["qtype"] == "A"]
            if own:
                dns_status = _STATUS.get(own[0]["status"], "servfail")
            elif rows:
                dns_status = _STATUS.get(rows[0]["status"], "servfail")
    servers = []
    if PAGES in tables:
        servers = [r["server"] for r in db.query(
            f"SELECT DISTINCT server FROM [{PAGES}] WHERE domain = ? AND server IS NOT NULL", [domain])]
    front = hosting.shared_reason(cnames=cnames, servers=servers)
    reasons = sorted({i["cdn_reason"] for i in infos if i.get("cdn_reason")} | ({front} if front else set()))
    return {
        "domain": domain,
        "hostnames": names,
        "ips": ips,
        "countries": sorted({i["country"] for i in infos if i.get("country")}),
        "asns": sorted({i["asn"] for i in infos if i.get("asn") is not None}),
        "as_names": sorted({i["as_name"] for i in infos if i.get("as_name")}),
        "ptrs": sorted({i["ptr"] for i in infos if i.get("ptr")}),
        "nameservers": nameservers,
        "registrar": whois["registrar"] if whois else None,
        "registrant_org": whois["registrant_org"] if whois else None,
        "registrant_country": whois["registrant_country"] if whois else None,
        "created": whois["created"] if whois else None,
        "expires": whois["expires"] if whois else None,
        "cdn": bool(reasons),
        "cdn_reasons": reasons,
        "dns_status": dns_status,
    }


def _rows(db, sql: str, params: list | None = None):
    try:
        return db.execute(sql, params or [])
    except Exception:   # an older store without the table (or column): the fact is simply absent
        return []


def all_site_facts(db, domains: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per-site facts for exports, read in bulk (one query per table, never per site):

    ``{"ips", "asns" (["AS64501 Example Hosting"]), "countries", "registrar", "created",
    "report_ids", "report_sources", "final_domain", "status"}`` for every domain of the
    store (or of ``domains``).  Only what is known is set.
    """
    out: dict[str, dict[str, Any]] = {}

    def get(dom: str) -> dict[str, Any] | None:
        if domains is not None and dom not in domains:
            return None
        return out.setdefault(dom, {})

    for dom, status, final in _rows(db, f"SELECT domain, last_status, final_domain FROM [{SITES}]"):
        f = get(dom)
        if f is not None:
            f["status"] = status
            f["final_domain"] = final or dom
    ip_info = {ip: (asn, as_name, country) for ip, asn, as_name, country in _rows(
        db, f"SELECT ip, asn, as_name, country FROM [{IP_INFO}]")}
    as_names = {asn: name for asn, name in _rows(db, "SELECT asn, coalesce(as_name, rdap_name) FROM as_info")}
    for dom, ip in _rows(db, f"SELECT DISTINCT domain, value FROM [{DNS_RECORDS}] "
                             f"WHERE rtype IN ('A','AAAA') AND current = 1 AND name = domain"):
        f = get(dom)
        if f is None:
            continue
        f.setdefault("ips", []).append(ip)
        asn, as_name, country = ip_info.get(ip, (None, None, None))
        if asn is not None:
            label = f"AS{asn}" + (f" {as_name or as_names.get(asn)}" if (as_name or as_names.get(asn)) else "")
            if label not in f.setdefault("asns", []):
                f["asns"].append(label)
        if country and country not in f.setdefault("countries", []):
            f["countries"].append(country)
    for dom, registrar, created in _rows(db, f"SELECT domain, registrar, created FROM [{WHOIS_RECORDS}]"):
        f = get(dom)
        if f is not None:
            if registrar:
                f["registrar"] = registrar
            if created:
                f["created"] = created
    for dom, report_id, source in _rows(db, "SELECT domain, report_id, source FROM reports ORDER BY report_id"):
        f = get(dom)
        if f is None:
            continue
        if report_id and report_id not in f.setdefault("report_ids", []):
            f["report_ids"].append(report_id)
        if source and source not in f.setdefault("report_sources", []):
            f["report_sources"].append(source)
    for f in out.values():
        for k in ("ips", "asns", "countries"):
            if k in f:
                f[k] = sorted(f[k])
    return out


def ip_labels(db) -> dict[str, dict[str, Any]]:
    """``{ip: {"asn", "as_name", "country", "ptr"}}`` and ``{"AS64501": {"as_name", "country"}}``
    for naming IP and AS nodes in exports."""
    out: dict[str, dict[str, Any]] = {}
    as_rows = {asn: (name, country) for asn, name, country in _rows(
        db, "SELECT asn, coalesce(as_name, rdap_name), country FROM as_info")}
    for ip, asn, as_name, country, ptr in _rows(db, f"SELECT ip, asn, as_name, country, ptr FROM [{IP_INFO}]"):
        name = as_name or (as_rows.get(asn) or (None, None))[0]
        out[ip] = {"asn": asn, "as_name": name, "country": country, "ptr": ptr}
        if asn is not None:
            a = out.setdefault(f"AS{asn}", {"as_name": name, "country": (as_rows.get(asn) or (None, None))[1]})
            a["as_name"] = a.get("as_name") or name
            a["country"] = a.get("country") or country
    for asn, (name, country) in as_rows.items():
        out.setdefault(f"AS{asn}", {"as_name": name, "country": country})
    return out
