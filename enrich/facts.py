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
