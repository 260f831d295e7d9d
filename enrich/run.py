"""Enrich sites: DNS, hosting, registration (RDAP, then WHOIS), abuse contacts.

``enrich_sites(db, cfg)`` is what ``merchintel crawl`` calls after a crawl and what
``merchintel enrich`` runs alone.  Order of work, each stage asking only what the cache
does not already hold:

1. DNS of every registered domain and every crawled hostname (A, AAAA, CNAME, MX, NS, TXT,
   SOA, CAA), concurrently (``MERCHINTEL_ENRICH_CONCURRENCY`` in flight).
2. Hosting of every address: Team Cymru origin + AS name, PTR (same resolver, same pool).
3. Registration of every domain (RDAP first, WHOIS where RDAP is missing or fails), IP
   networks and autonomous systems over RDAP, in a small thread pool paced per server.
4. Observations for the graph (source dns/whois/rdap) and the abuse contacts of each site.

Longer than most modules on purpose: the stages share one pass's state (cache, clients,
pacing, the run id) and read as one pipeline; the protocols themselves live in dns.py,
hosting.py, rdap.py and whois.py.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable

import dns.resolver

from crawler.clock import iso, new_run_id, now
from crawler.config import Config, parse_hostports
from crawler.dnsconfig import make_async_resolver, make_resolver
from crawler.domains import registered_domain
from crawler.schema import (AS_INFO, CASE_SITES, DNS_QUERIES, IDENTIFIERS, IP_INFO, IP_NETWORKS, OBSERVATIONS, PAGES,
                            RUNS, SITES, WHOIS_RECORDS, dumps, row_key)
from enrich import cache, hosting
from enrich.contacts import store_contacts
from enrich.dns import RECORD_TYPES, DNSResult, norm_name, query_many, soa_email, txt_identifiers
from enrich.ratelimit import RateLimiter
from enrich.rdap import RDAPClient, parse_autnum, parse_domain, parse_ip_network
from enrich.whois import (RECORD_FIELDS, WhoisClient, is_privacy_email, merge_answers, parse_whois, registration_name,
                          server_map)

RAW_CAP = 100_000
REG_WORKERS = 8


# ---------------------------------------------------------------------------------------
# Clients from the settings
# ---------------------------------------------------------------------------------------
def make_clients(cfg: Config, *, rdap_log: list | None = None, whois_log: list | None = None
                 ) -> tuple[RDAPClient, WhoisClient]:
    interval = float(cfg.get("whois_interval", 1.0) or 0.0)
    timeout = float(cfg.get("whois_timeout", 10.0) or 10.0)
    limiter = RateLimiter(min_interval=interval, backoff_base=max(0.05, interval * 5), backoff_max=max(1.0, interval * 120))
    override = parse_hostports(cfg.get("whois_server"), setting="MERCHINTEL_WHOIS_SERVER") if cfg.get("whois_server") else []
    resolve = _resolver_for(cfg)
    rdap = RDAPClient(base_override=cfg.get("rdap_url"), timeout=timeout, limiter=limiter, log=rdap_log,
                      resolve=resolve)
    whois = WhoisClient(override=override[0] if override else None, timeout=timeout, limiter=limiter, log=whois_log,
                        resolve=resolve)
    return rdap, whois


def _resolver_for(cfg: Config):
    """WHOIS servers and RDAP hosts are resolved through MERCHINTEL_NAMESERVERS too (not the OS's resolver)."""

    res = make_resolver(cfg)

    def resolve(host: str) -> str:
        for rdtype in ("A", "AAAA"):
            try:
                return res.resolve(host, rdtype, search=False)[0].to_text()
            except dns.resolver.NoAnswer:
                continue
        raise dns.resolver.NoAnswer()

    return resolve


def _run_async(coro):
    """asyncio.run, or in a helper thread when the caller already runs an event loop (Scrapy's)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _wanted_ip(ip: str, allow_private: bool) -> bool:
    """Public addresses; loopback/private ones only when MERCHINTEL_ALLOW_PRIVATE is on (test webs)."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return addr.is_global or bool(allow_private)


# ---------------------------------------------------------------------------------------
# Registration: RDAP first, WHOIS where RDAP is missing or fails
# ---------------------------------------------------------------------------------------
def lookup_registration(domain: str, rdap: RDAPClient, whois: WhoisClient) -> dict[str, Any]:
    """One whois_records row (without fetched_at/expires_at) for a registered domain."""
    row: dict[str, Any] = {"domain": domain}
    notes = []
    r = rdap.get("domain", domain)
    if r is not None and r.status == "ok":
        rec = parse_domain(r.data or {})
        if rec["registrar"] or rec["created"] or rec["nameservers"]:
            row.update(rec, source="rdap", server=r.server, status="ok", raw=(r.raw or "")[:RAW_CAP], error=None,
                       field_sources=dumps({k: r.server for k in RECORD_FIELDS if rec.get(k)}),
                       referrals=dumps([{"server": r.server, "query": f"domain/{domain}", "role": "rdap",
                                         "outcome": "ok"}]))
            return row
        notes.append("rdap: answer without registration data")
    elif r is not None and r.status != "not_found":  # a 404 just means "ask WHOIS"; failures are noted
        notes.append(f"rdap: {r.error}")
    w = whois.lookup(domain)
    servers = ", ".join(reversed(w.servers))
    raw = "\n".join(f"# whois {s}\n{t}" for s, t in w.texts)[:RAW_CAP]
    asked_rdap = [{"server": r.server, "query": f"domain/{domain}", "role": "rdap", "outcome": r.status}] if r else []
    row["referrals"] = dumps(asked_rdap + w.chain)
    if w.status in ("ok",):
        parts = [(srv, role, parse_whois(domain, t)) for srv, role, t in w.answers()]
        parts = parts[:1] + [p for p in parts[1:] if p[2]["status"] == "ok"]
        rec, sources = merge_answers(parts)
        row["field_sources"] = dumps(sources)
        status, error = rec.pop("status"), rec.pop("error")
        if status == "ok" and (w.error or notes):
            # the registrar referral failed, or RDAP did: the record stands, the note is kept
            error = "; ".join([*notes, *([w.error] if w.error else [])])[:500]
        row.update(rec, source="whois", server=servers, status=status, raw=raw, error=error)
        return row
    if w.status == "not_found" or (w.status == "error" and r is not None and r.status == "not_found"
                                   and w.error and "no WHOIS server" in w.error):
        row.update(_empty_rec(), source="whois" if w.texts else "rdap", server=servers or (r.server if r else None),
                   status="not_found", raw=raw or None, error="the registry says the domain is not registered")
        return row
    notes.append(f"whois: {w.error}")
    row.update(_empty_rec(), source="whois" if w.servers else "rdap", server=servers or (r.server if r else None),
               status=w.status if w.status == "rate_limited" else "error", raw=raw or None,
               error="; ".join(n for n in notes if n)[:500])
    return row


def whois_name(domain: str, hostnames: Iterable[str] = ()) -> str:
    """The name to ask the registry about for a site: its registered domain, except where that
    is itself a second-level registry (``spb.ru``): then the third-level name its hosts are
    registered as (``iac.spb.ru``).

    >>> whois_name("spb.ru", ["www.iac.spb.ru", "spb.ru"]), whois_name("example.co.uk", ["www.example.co.uk"])
    ('iac.spb.ru', 'example.co.uk')
    """

    if domain in server_map().get("suffixes", {}):
        for h in hostnames:
            name = registration_name(h)
            if name != domain:
                return name
    return registration_name(domain)


def whois_iana() -> str:
    return server_map().get("iana", "whois.iana.org")


def _empty_rec() -> dict[str, Any]:
    return {"registrar": None, "registrar_iana_id": None, "registrar_url": None, "created": None, "updated": None,
            "expires": None, "statuses": [], "nameservers": [], "registrant_name": None, "registrant_org": None,
            "registrant_country": None, "registrant_email": None, "abuse_email": None, "abuse_phone": None,
            "redacted": 0}


# ---------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------
class Enricher:
    def __init__(self, db, cfg: Config, *, refresh: bool = False, progress: Callable[[str], None] | None = None,
                 run_id: str | None = None, rdap_log: list | None = None, whois_log: list | None = None,
                 registration: bool = True):
        self.db, self.cfg, self.refresh = db, cfg, refresh
        self.registration = registration
        self.progress = progress or (lambda _m: None)
        self.now = now(cfg)
        self.now_iso = iso(self.now)
        self.own_run = run_id is None
        self.run_id = run_id or new_run_id(at=self.now)
        self.floor = int(cfg.get("dns_ttl_min", 3600))
        self.ceiling = int(cfg.get("dns_ttl_max", 604800))
        self.timeout = float(cfg.get("dns_timeout", 3.0) or 3.0)
        self.concurrency = int(cfg.get("enrich_concurrency", 64) or 64)
        self.allow_private = bool(cfg.get("allow_private"))
        self.rdap, self.whois = make_clients(cfg, rdap_log=rdap_log, whois_log=whois_log)
        self._whois_names: dict[str, str] = {}
        self.stats: dict[str, Any] = {"domains": 0, "names": 0, "dns_queries": 0, "dns_cached": 0,
                                      "dns_failures": 0, "ips": 0, "rdap_queries": 0, "whois_queries": 0,
                                      "registrations": 0, "registration_cached": 0, "registration_errors": 0,
                                      "observations": 0, "contacts": 0}
        self._cases: dict[str, str | None] = {}

    # -- helpers ------------------------------------------------------------------------------
    def case_of(self, domain: str) -> str | None:
        if domain not in self._cases:
            row = None
            if CASE_SITES in self.db.table_names():
                for row in self.db.query(f"SELECT case_name FROM [{CASE_SITES}] WHERE domain = ? "
                                         f"ORDER BY last_seen DESC LIMIT 1", [domain]):
                    break
            self._cases[domain] = row["case_name"] if row else None
        return self._cases[domain]

    def _ask_dns(self, questions: list[tuple[str, str]], record_names: set[str]) -> dict[tuple[str, str], dict]:
        """Answers for every question: cached rows, plus fresh queries for the rest (stored)."""
        names = {q for q, _ in questions}
        cached = {} if self.refresh else cache.fresh_dns(self.db, self.now_iso, names)
        todo = [q for q in dict.fromkeys(questions) if q not in cached]
        self.stats["dns_cached"] += len(set(questions)) - len(todo)
        if todo:
            resolver = make_async_resolver(self.cfg)
            done = [0]

            def tick(_r: DNSResult) -> None:
                done[0] += 1
                if done[0] % 500 == 0:
                    self.progress(f"enrich: {done[0]}/{len(todo)} DNS queries")

            results = _run_async(query_many(resolver, todo, timeout=self.timeout, concurrency=self.concurrency,
                                             on_result=tick))
            self.stats["dns_queries"] += sum(r.tries for r in results)
            rows: list[dict] = []
            self.stats["dns_failures"] += cache.store_dns(
                self.db, results, now=self.now, floor=self.floor, ceiling=self.ceiling, run_id=self.run_id,
                record_names=record_names, case_of=self.case_of, rows_out=rows)
            for row in rows:  # the rows just stored, as a later run reads them from the cache
                cached[(row["qname"], row["qtype"])] = row
        return cached

    # -- stages -------------------------------------------------------------------------------
    def targets(self, domains: Iterable[str] | None) -> dict[str, list[str]]:
        """registered domain -> names to ask (the domain itself first, then crawled hostnames)."""
        hosts: dict[str, list[str]] = {}
        known: dict[str, list[str]] = {}
        if SITES in self.db.table_names():
            for row in self.db.query(f"SELECT domain, hostnames FROM [{SITES}]"):
                try:
                    names = json.loads(row["hostnames"] or "[]")
                except ValueError:
                    names = []
                known[row["domain"]] = [norm_name(n) for n in names if isinstance(n, str)]
        wanted = list(known) if domains is None else [registered_domain(d) or d for d in domains]
        for d in dict.fromkeys(w.lower() for w in wanted if w):
            names = [d] + [n for n in known.get(d, []) if n and n != d and registered_domain(n) == d]
            hosts[d] = list(dict.fromkeys(names))
        return hosts

    def run(self, domains: Iterable[str] | None = None) -> dict[str, Any]:
        started = time.monotonic()
        if self.own_run:
            self.db[RUNS].upsert({"id": self.run_id, "command": "enrich", "case_name": None,
                                  "started_at": self.now_iso, "status": "running",
                                  "args": dumps({"refresh": self.refresh})}, pk="id")
        targets = self.targets(domains)
        names = {n: d for d, ns in targets.items() for n in ns if not _is_ip(n)}
        self.stats["domains"], self.stats["names"] = len(targets), len(names)
        self.progress(f"enrich: {len(targets)} domains, {len(names)} names")

        # 1. DNS
        questions = [(n, t) for n in names for t in RECORD_TYPES]
        answers = self._ask_dns(questions, set(names))

        # 2. Hosting
        site_ips: dict[str, set[str]] = {d: set() for d in targets}
        for (qname, qtype), row in answers.items():
            if qtype in ("A", "AAAA") and row["status"] == "ok" and qname in names:
                site_ips[names[qname]].update(json.loads(row["answers"] or "[]"))
        for d in targets:
            if _is_ip(d):
                site_ips[d].add(d)
        ips = sorted({ip for s in site_ips.values() for ip in s if _wanted_ip(ip, self.allow_private)})
        self.stats["ips"] = len(ips)
        host_q = [(norm_name(hosting.origin_qname(ip)), "TXT") for ip in ips] + \
                 [(norm_name(hosting.ptr_qname(ip)), "PTR") for ip in ips]
        host_answers = self._ask_dns(host_q, set())
        origins: dict[str, dict] = {}
        for ip in ips:
            row = host_answers.get((norm_name(hosting.origin_qname(ip)), "TXT"))
            for txt in json.loads(row["answers"] or "[]") if row else []:
                if (o := hosting.parse_origin(txt)):
                    origins[ip] = o
                    break
        asns = sorted({o["asn"] for o in origins.values()})
        as_answers = self._ask_dns([(norm_name(hosting.asname_qname(a)), "TXT") for a in asns], set())
        as_names: dict[int, dict] = {}
        for a in asns:
            row = as_answers.get((norm_name(hosting.asname_qname(a)), "TXT"))
            for txt in json.loads(row["answers"] or "[]") if row else []:
                if (p := hosting.parse_asname(txt)):
                    as_names[a] = p
                    break
        self._store_hosting(ips, origins, as_names, host_answers)

        # 3. Registration, IP networks, autnums (RDAP/WHOIS)
        if self.registration:
            self._whois_names = {d: whois_name(d, ns) for d, ns in targets.items() if not _is_ip(d)}
            self._registrations([d for d in targets if not _is_ip(d)], ips, asns)

        # 4. Observations and contacts
        self._preload(list(targets))
        batch: list[tuple] = []
        for d, ns in targets.items():
            batch += self._observe(d, ns, answers, site_ips.get(d, set()))
        with self.db.conn:
            self._write_observations(batch)
            for d in targets:
                self.stats["contacts"] += len(store_contacts(self.db, d, now_iso=self.now_iso))
        self.stats["rdap_queries"] = len(self.rdap.log)
        self.stats["whois_queries"] = len(self.whois.log)
        self.stats["seconds"] = round(time.monotonic() - started, 3)
        if self.own_run:
            self.db[RUNS].update(self.run_id, {"finished_at": iso(now(self.cfg)), "status": "done",
                                               "stats": dumps(self.stats)})
        self.progress("enrich: " + ", ".join(f"{k} {v}" for k, v in self.stats.items()))
        return dict(self.stats, run_id=self.run_id)

    def _store_hosting(self, ips: list[str], origins: dict[str, dict], as_names: dict[int, dict],
                       host_answers: dict) -> None:
        rows = []
        for ip in ips:
            o = origins.get(ip) or {}
            ptr_row = host_answers.get((norm_name(hosting.ptr_qname(ip)), "PTR"))
            ptrs = json.loads(ptr_row["answers"] or "[]") if ptr_row else []
            origin_row = host_answers.get((norm_name(hosting.origin_qname(ip)), "TXT"))
            asn = o.get("asn")
            a = as_names.get(asn) if asn is not None else None
            reason = hosting.shared_reason(asn=asn, ptr=ptrs[0] if ptrs else None,
                                           as_name=(a or {}).get("as_name"))
            status = "ok" if o else (origin_row["status"] if origin_row and origin_row["status"] != "ok" else "nodata")
            rows.append({"ip": ip, "asn": asn, "prefix": o.get("prefix"), "country": o.get("country"),
                         "registry": o.get("registry"), "allocated": o.get("allocated"),
                         "as_name": (a or {}).get("as_name"), "ptr": ptrs[0] if ptrs else None,
                         "cdn": 1 if reason else 0, "cdn_reason": reason, "status": status,
                         "fetched_at": (origin_row or {}).get("fetched_at") or self.now_iso,
                         "expires_at": (origin_row or {}).get("expires_at")})
        as_rows = [{"asn": asn, "as_name": p.get("as_name"), "country": p.get("country"), "registry": p.get("registry")}
                   for asn, p in as_names.items()]
        with self.db.conn:
            if rows:
                self.db[IP_INFO].upsert_all(rows, pk="ip")
            if as_rows:
                self.db[AS_INFO].upsert_all(as_rows, pk="asn")

    def _stale(self, table: str, pk: str, key: Any) -> bool:
        if self.refresh:
            return True
        for row in self.db.query(f"SELECT expires_at FROM [{table}] WHERE [{pk}] = ?", [key]):
            return not cache.is_fresh(row, self.now_iso)
        return True

    def _registrations(self, domains: list[str], ips: list[str], asns: list[int]) -> None:
        jobs: list[tuple[str, Any]] = []
        for d in domains:
            if self._stale(WHOIS_RECORDS, "domain", d):
                jobs.append(("domain", d))
            else:
                self.stats["registration_cached"] += 1
        jobs += [("ip", ip) for ip in ips if self._stale(IP_NETWORKS, "ip", ip)]
        jobs += [("autnum", a) for a in asns if self._stale(AS_INFO, "asn", a)]
        if not jobs:
            return
        self.progress(f"enrich: {len(jobs)} RDAP/WHOIS lookups")
        days = float(self.cfg.get("whois_cache_days", 7.0) or 7.0)

        def work(job: tuple[str, Any]) -> tuple[str, Any, dict]:
            kind, key = job
            try:
                if kind == "domain":
                    return kind, key, lookup_registration(self._whois_names.get(key, key), self.rdap, self.whois)
                r = self.rdap.get(kind, key)
                if r is None:
                    return kind, key, {"status": "error", "error": "no RDAP server known for it"}
                if r.status != "ok":
                    return kind, key, {"status": r.status, "error": r.error, "server": r.server}
                parsed = parse_ip_network(r.data) if kind == "ip" else parse_autnum(r.data)
                return kind, key, {**parsed, "status": "ok", "error": None, "server": r.server}
            except Exception as exc:  # a bad reply is a stored error, never a crash
                return kind, key, {"status": "error", "error": f"{exc.__class__.__name__}: {str(exc)[:200]}"}

        done = 0
        with ThreadPoolExecutor(max_workers=REG_WORKERS) as pool:
            for kind, key, rec in pool.map(work, jobs):
                done += 1
                if done % 50 == 0:
                    self.progress(f"enrich: {done}/{len(jobs)} RDAP/WHOIS lookups")
                ok = rec.get("status") in ("ok", "not_found")
                expires = cache.later(self.now, days * 86400 if ok else cache.ERROR_RETRY_SECONDS)
                with self.db.conn:
                    if kind == "domain":
                        self._store_registration(key, rec, expires)
                    elif kind == "ip":
                        self.db[IP_NETWORKS].upsert({"ip": key, "source": "rdap", "fetched_at": self.now_iso,
                                                     "expires_at": expires, **{k: rec.get(k) for k in (
                                                         "handle", "name", "start_address", "end_address", "country",
                                                         "org", "abuse_email", "server", "status", "error")}}, pk="ip")
                    else:
                        self.db[AS_INFO].upsert({"asn": key, "fetched_at": self.now_iso, "expires_at": expires,
                                                 **{k: rec.get(k) for k in ("rdap_name", "abuse_email", "status",
                                                                            "error")}}, pk="asn")
                    if not ok:
                        cache.store_error(self.db, url=f"rdap:{kind}/{key}" if kind != "domain" else f"whois:{key}",
                                          domain=key if kind == "domain" else "", kind=f"{kind}_{rec.get('status')}",
                                          reason=rec.get("error") or "failed", now_iso=self.now_iso, run_id=self.run_id,
                                          case_name=self.case_of(key) if kind == "domain" else None)

    def _store_registration(self, domain: str, rec: dict, expires: str) -> None:
        row = dict(rec)
        row["statuses"] = dumps(row.get("statuses") or [])
        row["nameservers"] = dumps(row.get("nameservers") or [])
        row.update(domain=domain, fetched_at=self.now_iso, expires_at=expires)
        self.stats["registrations"] += 1
        if row.get("status") not in ("ok", "not_found"):
            self.stats["registration_errors"] += 1
            old = list(self.db.query(f"SELECT status FROM [{WHOIS_RECORDS}] WHERE domain = ?", [domain]))
            if old and old[0]["status"] == "ok":
                # a failed refresh must not wipe a good record: keep it, note the failure and retry soon
                self.db[WHOIS_RECORDS].update(domain, {"error": row.get("error"), "expires_at": expires})
                return
        self.db[WHOIS_RECORDS].upsert(row, pk="domain")

    # -- observations -------------------------------------------------------------------------
    def _observe(self, domain: str, names: list[str], answers: dict, ips: set[str]) -> list[tuple]:
        obs: list[tuple[str, str, str, str, str, list[str]]] = []  # kind, value, raw, page_url, source, flags
        cnames: list[str] = []
        for n in names:
            for t in ("A", "AAAA"):
                row = answers.get((n, t))
                if row:
                    cnames += json.loads(row["cname_chain"] or "[]")
        front = hosting.shared_reason(cnames=cnames, servers=self._servers.get(domain, []))
        for ip in sorted(ips):
            info = self._ip_rows.get(ip) or {}
            flags = ["cdn"] if (info.get("cdn") or front) else []
            obs.append(("ip", ip, ip, f"dns:{domain}/A", "dns", flags))
            if info.get("asn") is not None:
                obs.append(("asn", f"AS{info['asn']}", str(info["asn"]), f"dns:{domain}/asn", "dns", flags))
        row = answers.get((domain, "NS"))
        for ns in json.loads(row["answers"] or "[]") if row and row["status"] == "ok" else []:
            obs.append(("nameserver", ns, ns, f"dns:{domain}/NS", "dns", []))
        for n in names:
            row = answers.get((n, "MX"))
            for mx in json.loads(row["answers"] or "[]") if row and row["status"] == "ok" else []:
                host = mx.split(" ", 1)[-1]
                if host and host != ".":
                    obs.append(("mx", host, mx, f"dns:{n}/MX", "dns", []))
            row = answers.get((n, "TXT"))
            for txt in json.loads(row["answers"] or "[]") if row and row["status"] == "ok" else []:
                for kind, value in txt_identifiers(txt):
                    obs.append((kind, value, txt[:200], f"dns:{n}/TXT", "dns", []))
            row = answers.get((n, "SOA"))
            for soa in json.loads(row["answers"] or "[]") if row and row["status"] == "ok" else []:
                if (email := soa_email(soa)):
                    obs.append(("soa_email", email, soa[:200], f"dns:{n}/SOA", "dns", []))
        for w in [self._whois[domain]] if domain in self._whois else []:
            src, url = w["source"], f"{w['source']}:{domain}"
            if w["registrar"]:
                obs.append(("registrar", w["registrar"], w["registrar"], url, src, []))
            if w["registrant_email"] and not is_privacy_email(w["registrant_email"]):
                obs.append(("registrant_email", w["registrant_email"].lower(), w["registrant_email"], url, src, []))
            if w["registrant_org"]:  # redacted/privacy values were dropped when parsing
                obs.append(("registrant_org", w["registrant_org"], w["registrant_org"], url, src, []))
        case = self.case_of(domain)
        self.stats["observations"] += len(obs)
        return [(kind, value, raw, page_url, source, flags, domain, case) for kind, value, raw, page_url, source, flags
                in obs]

    def _preload(self, domains: list[str]) -> None:
        """What _observe reads, in three queries instead of three per site."""
        tables = set(self.db.table_names())
        self._servers: dict[str, list[str]] = {}
        if PAGES in tables:
            for r in self.db.query(f"SELECT DISTINCT domain, server FROM [{PAGES}] WHERE server IS NOT NULL"):
                self._servers.setdefault(r["domain"], []).append(r["server"])
        self._ip_rows = {r["ip"]: r for r in self.db.query(f"SELECT ip, asn, cdn, cdn_reason FROM [{IP_INFO}]")}
        self._whois = {r["domain"]: r for r in self.db.query(
            f"SELECT domain, source, registrar, registrant_email, registrant_org, redacted FROM [{WHOIS_RECORDS}] "
            f"WHERE status = 'ok'")}

    def _write_observations(self, batch: list[tuple]) -> None:
        """identifiers + observations rows, as plain SQL upserts (first_seen kept, last_seen moved on)."""
        now = self.now_iso
        idents = {}
        rows = []
        for kind, value, raw, page_url, source, flags, domain, case in batch:
            ident = f"{kind}:{value}"
            idents.setdefault(ident, (ident, kind, value, dumps(flags), now, now))
            rows.append((row_key(ident, page_url), ident, kind, value, domain, page_url, raw, raw[:200], dumps(flags),
                         source, case, self.run_id, now, now))
        self.db.conn.executemany(
            f"INSERT INTO [{IDENTIFIERS}] (id, kind, value, flags, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?) "
            f"ON CONFLICT(id) DO UPDATE SET last_seen = excluded.last_seen", list(idents.values()))
        self.db.conn.executemany(
            f"INSERT INTO [{OBSERVATIONS}] (key, identifier_id, kind, value, domain, page_url, raw, context, flags, "
            f"source, case_name, run_id, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            f"ON CONFLICT(key) DO UPDATE SET raw = excluded.raw, context = excluded.context, flags = excluded.flags, "
            f"source = excluded.source, case_name = excluded.case_name, run_id = excluded.run_id, "
            f"last_seen = excluded.last_seen", rows)


def enrich_sites(db, cfg: Config, domains: list[str] | None = None, refresh: bool = False,
                 progress: Callable[[str], None] | None = None, *, run_id: str | None = None,
                 registration: bool = True) -> dict[str, Any]:
    """Enrich ``domains`` (None: every site in the DB); returns counters (queries sent, cached…).

    ``run_id``: the crawl run to file the facts under; without it an ``enrich`` run row is made.
    ``registration=False`` skips RDAP/WHOIS (DNS and hosting only).
    """
    return Enricher(db, cfg, refresh=refresh, progress=progress, run_id=run_id,
                    registration=registration).run(domains)
