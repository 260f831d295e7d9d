"""What enrichment already knows and until when: the cache lives in the evidence store.

Every answer is stored with ``fetched_at`` and ``expires_at``.  DNS answers live as long as
their TTL, raised to ``MERCHINTEL_DNS_TTL_MIN`` and cut to ``MERCHINTEL_DNS_TTL_MAX``
(failures — SERVFAIL, timeouts — for the floor: a dead server is asked again soon, not
hammered).  WHOIS/RDAP records live ``MERCHINTEL_WHOIS_CACHE_DAYS`` (7 by default); a
throttled or failed lookup is retried after ``ERROR_RETRY_SECONDS``.  ``--refresh``
ignores all of it.  So a second enrichment over unchanged data sends no query.

>>> clamp_ttl(30, floor=3600, ceiling=604800), clamp_ttl(10**9, floor=3600, ceiling=604800)
(3600, 604800)
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable

from crawler.clock import iso
from crawler.domains import registered_domain
from crawler.schema import DNS_QUERIES, DNS_RECORDS, ERRORS, dumps, row_key
from enrich.dns import DNSResult

ERROR_RETRY_SECONDS = 6 * 3600


def later(dt: datetime, seconds: float) -> str:
    return iso(dt + timedelta(seconds=seconds))


def clamp_ttl(ttl: int | None, *, floor: int, ceiling: int) -> int:
    if ttl is None:
        return floor
    return max(floor, min(ceiling, int(ttl)))


def is_fresh(row: dict[str, Any] | None, now_iso: str) -> bool:
    return bool(row) and bool(row.get("expires_at")) and row["expires_at"] > now_iso


def fresh_dns(db, now_iso: str, names: Iterable[str] | None = None) -> dict[tuple[str, str], dict]:
    """Cached DNS answers still valid at ``now_iso``, keyed (qname, qtype)."""
    if DNS_QUERIES not in db.table_names():
        return {}
    sql = f"SELECT * FROM [{DNS_QUERIES}] WHERE expires_at > ?"
    out = {}
    wanted = set(names) if names is not None else None
    for row in db.query(sql, [now_iso]):
        if wanted is None or row["qname"] in wanted:
            out[(row["qname"], row["qtype"])] = row
    return out


def dns_row(result: DNSResult, *, now: datetime, floor: int, ceiling: int, run_id: str | None,
            domain: str | None) -> dict[str, Any]:
    if result.status in ("ok", "nodata", "nxdomain"):
        lifetime = clamp_ttl(result.ttl, floor=floor, ceiling=ceiling)
    else:  # servfail, refused, timeout, error: ask again after the floor
        lifetime = floor
    return {"key": row_key(result.qname, result.qtype), "qname": result.qname, "qtype": result.qtype,
            "domain": domain or "", "status": result.status, "answers": dumps(result.answers),
            "cname_chain": dumps(result.cname_chain), "ttl": result.ttl, "error": result.error,
            "fetched_at": iso(now), "expires_at": later(now, lifetime), "run_id": run_id}


_DNS_COLUMNS = ("key", "qname", "qtype", "domain", "status", "answers", "cname_chain", "ttl", "error", "fetched_at",
                "expires_at", "run_id")


def store_dns(db, results: list[DNSResult], *, now: datetime, floor: int, ceiling: int, run_id: str | None,
              record_names: set[str], case_of=None, rows_out: list[dict] | None = None) -> int:
    """Store answers (cache rows), the records of crawled names, and failures as error facts.

    ``record_names``: names whose records go to dns_records (crawled hosts and registered
    domains; Cymru/PTR helper names only live in the cache). Returns failures stored;
    the dns_queries rows written are appended to ``rows_out`` when given.
    """
    now_iso = iso(now)
    rows = []
    domains: dict[str, str] = {}  # qname -> registered domain, one lookup per name (8 types each)
    for r in results:
        if r.qname in record_names:
            domain = domains.get(r.qname)
            if domain is None:
                domain = domains[r.qname] = registered_domain(r.qname)
        else:
            domain = ""
        rows.append(dns_row(r, now=now, floor=floor, ceiling=ceiling, run_id=run_id, domain=domain))
    stale: list[tuple[str, str]] = []
    records: list[tuple] = []
    errors: list[dict] = []
    for r in results:
        if r.qname not in record_names:
            continue
        domain = domains[r.qname]
        if r.status in ("ok", "nodata", "nxdomain"):
            stale.append((r.qname, r.qtype))
        for value in r.answers:
            records.append((row_key(r.qname, r.qtype, value), r.qname, domain, r.qtype, value, r.ttl, now_iso, now_iso))
        if r.status not in ("ok", "nodata"):
            url = f"dns:{r.qname}/{r.qtype}"
            errors.append({"key": row_key(url, "enrich", r.status, run_id), "url": url, "domain": domain,
                           "stage": "enrich", "kind": r.status, "reason": (r.error or r.status)[:300], "at": now_iso,
                           "run_id": run_id, "case_name": case_of(domain) if case_of else None, "report_id": None})
    cols = ", ".join(_DNS_COLUMNS)
    with db.conn:
        # one executemany upsert (sqlite-utils' upsert_all costs as much again per row)
        db.conn.executemany(
            f"INSERT INTO [{DNS_QUERIES}] ({cols}) VALUES ({', '.join('?' * len(_DNS_COLUMNS))}) ON CONFLICT(key) "
            f"DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _DNS_COLUMNS[1:]),
            [tuple(row[c] for c in _DNS_COLUMNS) for row in rows])
        # plain SQL upserts: thousands of rows per run, first_seen kept, last_seen moved on
        db.conn.executemany(f"UPDATE [{DNS_RECORDS}] SET current = 0 WHERE name = ? AND rtype = ?", stale)
        db.conn.executemany(
            f"INSERT INTO [{DNS_RECORDS}] (key, name, domain, rtype, value, ttl, current, first_seen, last_seen) "
            f"VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT(key) DO UPDATE SET ttl = excluded.ttl, current = 1, "
            f"last_seen = excluded.last_seen", records)
        if errors:
            db[ERRORS].upsert_all(errors, pk="key")
    if rows_out is not None:
        rows_out.extend(rows)
    failures = len(errors)
    return failures


def store_error(db, *, url: str, domain: str, kind: str, reason: str, now_iso: str, run_id: str | None,
                case_name: str | None = None) -> None:
    """A WHOIS/RDAP failure as a fact in the errors table."""
    db[ERRORS].upsert({"key": row_key(url, "enrich", kind, run_id), "url": url, "domain": domain, "stage": "enrich",
                       "kind": kind, "reason": reason[:300], "at": now_iso, "run_id": run_id,
                       "case_name": case_name, "report_id": None}, pk="key")
