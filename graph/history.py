"""Per-site history: what each crawl saw, kept as periods of unchanged state.

A site's *state* is what an analyst compares between two crawls: the status (``ok``,
``nxdomain``, ``unreachable``, ``parked``…), the registered domain the crawl ended on after
redirects, the identifiers on its pages (payment accounts and wallets listed apart), its
IPs, name servers and registrar, and the domains its pages say it moved to.  Each crawl
either extends the site's current period (``last_seen`` moves on, ``crawls`` + 1) or opens a
new one; ``merchintel history DOMAIN`` prints the periods and what changed between them.

Parked, suspended and seized pages are told apart from live shops by a phrase table:

>>> parked_reason("<p>This domain is parked free of charge</p>")
'parked'
>>> parked_reason("We parked our van outside") is None
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from crawler.domains import registered_domain
from crawler.extractors.notices import MOVED_SUBSTRINGS, PARKED_PHRASES, moved_targets, parked_reason
from crawler.kinds import money_kinds
from crawler.schema import OBSERVATIONS, PAGES, SITES, SITE_STATES, dumps, row_key, table_exists
from graph.redirect_services import is_redirect_service

# Statuses that mean "the site is gone" for site_down and reappeared hops.
DEAD_STATUSES = frozenset({"nxdomain", "unreachable", "timeout", "tls", "http_error", "refused", "parked",
                           "media_refused", "encoding_refused", "too_large", "headers_refused"})
ENRICH_SOURCES = ("dns", "whois", "rdap")
INFRA_STATE_KINDS = ("ip", "nameserver", "registrar")

def _loads(text: Any, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


@dataclass
class SiteState:
    domain: str
    status: str
    final_domain: str
    run_id: str | None
    crawled_at: str | None
    parked_reason: str | None = None
    identifiers: list[str] = field(default_factory=list)
    payments: list[str] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    nameservers: list[str] = field(default_factory=list)
    registrar: str | None = None
    moved_to: list[str] = field(default_factory=list)
    # Identifiers of the previous state whose pages this crawl did not fetch again: kept in
    # ``identifiers`` (absence is not a change), listed here; not part of the fingerprint.
    unconfirmed: list[str] = field(default_factory=list, compare=False)
    # Pages of the last crawl whose redirect chain starts on this site and ends elsewhere
    # (HTTP 3xx, meta refresh, JavaScript location): evidence only, not part of the state.
    redirects: list[dict[str, Any]] = field(default_factory=list, compare=False)
    key: str | None = field(default=None, compare=False)   # site_states.key of a recorded state

    @property
    def fingerprint(self) -> str:
        return row_key(self.status, self.parked_reason, self.final_domain, dumps(self.identifiers),
                       dumps(self.ips), dumps(self.nameservers), self.registrar, dumps(self.moved_to))

    @property
    def alive(self) -> bool:
        return self.status not in DEAD_STATUSES

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "SiteState":
        return cls(domain=row["domain"], status=row["status"], final_domain=row["final_domain"] or row["domain"],
                   run_id=row["last_run_id"], crawled_at=row["last_seen"], parked_reason=row["parked_reason"],
                   identifiers=_loads(row["identifiers"], []), payments=_loads(row["payments"], []),
                   ips=_loads(row["ips"], []), nameservers=_loads(row["nameservers"], []),
                   registrar=row["registrar"], moved_to=_loads(row.get("moved_to"), []), key=row["key"],
                   unconfirmed=_loads(row.get("unconfirmed"), []))


def _chunks(items: list[str], n: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _in(items: list[str]) -> str:
    return ",".join("?" * len(items))


def current_states(db, sites: list[dict[str, Any]]) -> dict[str, SiteState]:
    """The state each site's last crawl left, from sites, pages and observations.

    ``sites``: rows of the sites table (domain, last_status, final_domain, last_run_id,
    last_crawled).  Page identifiers count when observed by the site's last crawl run.
    """
    pay = money_kinds()
    states: dict[str, SiteState] = {}
    by_run: dict[str, str] = {}
    for s in sites:
        dom = s["domain"]
        states[dom] = SiteState(domain=dom, status=s.get("last_status") or "ok",
                                final_domain=s.get("final_domain") or dom, run_id=s.get("last_run_id"),
                                crawled_at=s.get("last_crawled"))
        by_run[dom] = s.get("last_run_id")
    domains = list(states)
    idents: dict[str, set[str]] = {d: set() for d in domains}
    infra: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    moved_like = " OR ".join("p.text LIKE ?" for _ in MOVED_SUBSTRINGS)
    parked_like = " OR ".join("p.text LIKE ?" for _ in PARKED_PHRASES)
    for chunk in _chunks(domains):
        q = _in(chunk)
        for dom, kind, value, run_id, source, last_seen in db.execute(
                f"SELECT domain, kind, value, run_id, source, last_seen FROM [{OBSERVATIONS}] "
                f"WHERE domain IN ({q})", chunk):
            if source in ENRICH_SOURCES:
                if kind in INFRA_STATE_KINDS:
                    infra.setdefault((dom, kind), []).append((value, run_id, last_seen or ""))
            elif run_id == by_run.get(dom):
                idents[dom].add(f"{kind}:{value}")
        # Parked/suspended pages and moved notices: only pages of the last crawl whose text
        # contains a phrase are read back (the LIKE runs inside SQLite, not in Python).
        params = [f"%{p}%" for p, _ in PARKED_PHRASES] + [f"%{p}%" for p in MOVED_SUBSTRINGS]
        for dom, run_id, text, linked in db.execute(
                f"SELECT p.domain, p.run_id, p.text, p.linked_domains FROM [{PAGES}] p "
                f"WHERE p.domain IN ({q}) AND (({parked_like}) OR ({moved_like}))",
                [*chunk, *params]):
            st = states.get(dom)
            if st is None or run_id != by_run.get(dom):
                continue
            reason = parked_reason(text)
            if reason and not st.parked_reason:
                st.parked_reason = reason
            for target in moved_targets(text, dom, _loads(linked, [])):
                if target not in st.moved_to:
                    st.moved_to.append(target)
    _redirects(db, states)
    for dom, st in states.items():
        st.identifiers = sorted(idents[dom])
        st.payments = [i for i in st.identifiers if i.split(":", 1)[0] in pay]
        st.moved_to.sort()
        if st.parked_reason and st.status == "ok":
            st.status = "parked"
        for kind in INFRA_STATE_KINDS:
            rows = infra.get((dom, kind))
            if not rows:
                continue
            # The enrichment pass that wrote the newest row is the current one.
            newest_run = max(rows, key=lambda r: r[2])[1]
            vals = sorted({v for v, r, _ in rows if r == newest_run})
            if kind == "ip":
                st.ips = vals
            elif kind == "nameserver":
                st.nameservers = vals
            else:
                st.registrar = vals[0] if vals else None
    return states


CLIENT_KINDS = ("meta_refresh", "js")


def chain_end(url: str, final_url: str | None, chain: list[dict[str, Any]]) -> str:
    """Where a visitor of ``url`` lands: the final URL, or — when the final page itself sends
    the visitor on (a meta refresh or JavaScript location recorded as its own last hop) —
    that hop's target."""
    end = final_url or url
    if chain:
        last = chain[-1]
        if isinstance(last, dict) and last.get("kind") in CLIENT_KINDS and last.get("to") \
                and last.get("url") == end:
            return str(last["to"])
    return end


def entry_redirects(db: Any, *, runs: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
    """Redirect chains of reported URLs and entry pages (depth 0) that land on another
    registered domain, not a redirect service; one dict per stored page row:
    ``{"domain", "to", "url", "final_url", "chain", "via", "fetched_at", "run_id"}``."""
    if not table_exists(db, PAGES):
        return
    base = (f"SELECT url, final_url, redirect_chain, fetched_at, run_id FROM [{PAGES}] "
            f"WHERE depth = 0 AND (resource IS NULL OR resource = 'page') "
            f"AND redirect_chain IS NOT NULL AND redirect_chain NOT IN ('', '[]')")
    if runs is None:
        queries = [(base, [])]
    else:
        rl = sorted(set(r for r in runs if r))
        queries = [(f"{base} AND run_id IN ({','.join('?' * len(c))})", c)
                   for c in (rl[i:i + 500] for i in range(0, len(rl), 500))]
    for sql, params in queries:
        for url, final_url, chain_text, fetched_at, run_id in db.execute(sql, params):
            chain = [h for h in _loads(chain_text, []) if isinstance(h, dict) and h.get("url")]
            if not chain:
                continue
            start = registered_domain(chain[0]["url"])
            end_url = chain_end(url, final_url, chain)
            end = registered_domain(end_url)
            if not start or not end or end == start or is_redirect_service(end):
                continue
            yield {"domain": start, "to": end, "url": chain[0]["url"], "final_url": end_url, "chain": chain,
                   "via": sorted({str(h.get("kind")) for h in chain if h.get("kind")}),
                   "fetched_at": fetched_at, "run_id": run_id}


def _redirects(db, states: dict[str, SiteState]) -> None:
    """Attach the redirect chains of each site's last crawl by which its reported URL or
    entry page (depth 0) lands on another registered domain (``entry_redirects``).

    A subpage's redirect (a ``/go/…`` link out to a shortener or a processor) is a link,
    not the site moving; a redirect into a platform, processor, shortener, messenger or
    parking service (graph/redirect_services.py) is not a move either.  The chain's first
    URL names the site it started on; the page row itself may sit under the target's
    domain (a meta refresh is a new request), so chains are read by run.
    """
    runs = sorted({st.run_id for st in states.values() if st.run_id})
    for r in entry_redirects(db, runs=runs):
        st = states.get(r["domain"])
        if st is None or st.run_id != r["run_id"]:
            continue
        if any(x["url"] == r["url"] and x["final_url"] == r["final_url"] for x in st.redirects):
            continue
        st.redirects.append({"url": r["url"], "final_url": r["final_url"], "chain": r["chain"],
                             "fetched_at": r["fetched_at"]})
    for st in states.values():
        if st.redirects and st.final_domain == st.domain:
            # The site's own final domain wins when the crawler recorded one elsewhere.
            st.redirects.sort(key=lambda r: (len(r["chain"]), r["url"]))
            st.final_domain = registered_domain(st.redirects[0]["final_url"])


def latest_states(db, domains: Iterable[str] | None = None) -> dict[str, SiteState]:
    """The recorded current state of each site (all sites when ``domains`` is None)."""
    out: dict[str, SiteState] = {}
    if SITE_STATES not in db.table_names():
        return out
    if domains is None:
        for row in db.query(f"SELECT * FROM [{SITE_STATES}] WHERE current = 1"):
            out[row["domain"]] = SiteState.from_row(row)
        return out
    for chunk in _chunks(list(domains)):
        for row in db.query(f"SELECT * FROM [{SITE_STATES}] WHERE current = 1 AND domain IN ({_in(chunk)})", chunk):
            out[row["domain"]] = SiteState.from_row(row)
    return out


def _carry_unreached(db, new: dict[str, SiteState], old: dict[str, SiteState]) -> None:
    """Absence is not a change: an identifier of the previous state counts as gone only when
    a page that carried it was fetched again by this crawl and no longer carries it.  One
    whose pages were not reached this time (a path not taken, a referrer-gated page, a
    budget spent elsewhere, a site down) stays in the state and is listed as unconfirmed.
    """
    pay = None
    by_run: dict[str, set[str]] = {}     # URLs each crawl run fetched with a 2xx answer, read once per run
    for dom, st in new.items():
        prev = old.get(dom)
        if prev is None or not st.run_id:
            continue
        missing = sorted(set(prev.identifiers) - set(st.identifiers))
        if not missing:
            continue
        fetched = by_run.get(st.run_id)
        if fetched is None:
            fetched = by_run[st.run_id] = set()
            for url, final_url in db.execute(f"SELECT url, final_url FROM [{PAGES}] WHERE run_id = ? "
                                             f"AND status >= 200 AND status < 300", [st.run_id]):
                fetched.add(url)
                if final_url:
                    fetched.add(final_url)
        carried: list[str] = []
        for ident in missing:
            pages = {r[0] for r in db.execute(f"SELECT page_url FROM [{OBSERVATIONS}] WHERE identifier_id = ? AND "
                                              f"domain = ? AND source IN ('page', 'script')", [ident, dom])}
            if pages and not (pages & fetched):
                carried.append(ident)
        if not carried:
            continue
        if pay is None:
            pay = money_kinds()
        st.unconfirmed = carried
        st.identifiers = sorted(set(st.identifiers) | set(carried))
        st.payments = [i for i in st.identifiers if i.split(":", 1)[0] in pay]


@dataclass
class Transition:
    domain: str
    previous: SiteState | None
    current: SiteState
    changed: bool


def record_states(db, *, now: str, run_id: str | None = None) -> list[Transition]:
    """Record the state of every site crawled since its state was last recorded.

    Returns one Transition per such site: ``previous`` None for a site seen for the first
    time, ``changed`` False when the crawl saw the same state again (its period is extended).
    Idempotent: a second call without a new crawl records nothing.
    """
    conn = db.conn
    if conn.in_transaction:
        conn.commit()
    # One write transaction from the first read to the last write: two evaluations at once
    # (a manual crawl during run-due) must not record the same crawl twice.
    conn.execute("BEGIN IMMEDIATE")
    try:
        out = _record_states_locked(db, now)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return out


_STATE_COLUMNS = ("key", "domain", "fingerprint", "status", "parked_reason", "final_domain", "identifiers",
                  "payments", "ips", "nameservers", "registrar", "moved_to", "first_seen", "last_seen",
                  "first_run_id", "last_run_id", "crawls", "current", "unconfirmed")


def _record_states_locked(db, now: str) -> list[Transition]:
    conn = db.conn
    # Two flat reads compared in Python: a join on the low-selectivity `current` column lets
    # SQLite's planner pick a quadratic plan on large stores.
    recorded = dict(conn.execute(f"SELECT domain, last_run_id FROM [{SITE_STATES}] WHERE current = 1").fetchall())
    pending = [dict(zip(("domain", "last_status", "final_domain", "last_run_id", "last_crawled"), r))
               for r in conn.execute(f"SELECT domain, last_status, final_domain, last_run_id, last_crawled "
                                     f"FROM [{SITES}] WHERE last_run_id IS NOT NULL AND last_run_id != ''")
               if r[3] != recorded.get(r[0], "\x00")]
    if not pending:
        return []
    new = current_states(db, pending)
    old = latest_states(db, new)
    _carry_unreached(db, new, old)
    out: list[Transition] = []
    extend: list[tuple] = []
    inserts: list[tuple] = []
    retire: list[str] = []
    for dom, st in new.items():
        prev = old.get(dom)
        seen = st.crawled_at or now
        if prev is not None and prev.fingerprint == st.fingerprint:
            extend.append((seen, st.run_id, dumps(st.unconfirmed), prev.key))
            out.append(Transition(dom, prev, st, False))
            continue
        if prev is not None:
            retire.append(prev.key)
        inserts.append((row_key(dom, st.run_id), dom, st.fingerprint, st.status, st.parked_reason, st.final_domain,
                        dumps(st.identifiers), dumps(st.payments), dumps(st.ips), dumps(st.nameservers),
                        st.registrar, dumps(st.moved_to), seen, seen, st.run_id, st.run_id, 1, 1,
                        dumps(st.unconfirmed)))
        out.append(Transition(dom, prev, st, True))
    if extend:
        conn.executemany(f"UPDATE [{SITE_STATES}] SET last_seen = ?, last_run_id = ?, unconfirmed = ?, "
                         f"crawls = crawls + 1 WHERE key = ?", extend)
    for chunk in _chunks(retire):
        conn.execute(f"UPDATE [{SITE_STATES}] SET current = 0 WHERE key IN ({_in(chunk)})", chunk)
    if inserts:
        cols = ", ".join(f"[{c}]" for c in _STATE_COLUMNS)
        conn.executemany(f"INSERT OR REPLACE INTO [{SITE_STATES}] ({cols}) VALUES ({_in(list(_STATE_COLUMNS))})",
                         inserts)
    return out


# ---------------------------------------------------------------------------------------
# What changed between crawls (merchintel history DOMAIN)
# ---------------------------------------------------------------------------------------
def _set_diff(label: str, before: list[str], after: list[str]) -> list[str]:
    a, b = set(before), set(after)
    out = [f"+{label} {v}" for v in sorted(b - a)]
    out += [f"-{label} {v}" for v in sorted(a - b)]
    return out


def state_changes(prev: SiteState | None, cur: SiteState) -> list[str]:
    """Human-readable differences, e.g. ``status ok -> nxdomain``, ``+payment btc_address:bc1…``."""
    if prev is None:
        return ["first crawl"]
    out: list[str] = []
    if prev.status != cur.status:
        out.append(f"status {prev.status} -> {cur.status}" + (f" ({cur.parked_reason})" if cur.parked_reason else ""))
    if prev.final_domain != cur.final_domain:
        out.append(f"final domain {prev.final_domain} -> {cur.final_domain}")
    pay = set(prev.payments) | set(cur.payments)
    out += _set_diff("payment", [i for i in prev.identifiers if i in pay], [i for i in cur.identifiers if i in pay])
    out += _set_diff("identifier", [i for i in prev.identifiers if i not in pay],
                     [i for i in cur.identifiers if i not in pay])
    out += _set_diff("ip", prev.ips, cur.ips)
    out += _set_diff("nameserver", prev.nameservers, cur.nameservers)
    if (prev.registrar or None) != (cur.registrar or None):
        out.append(f"registrar {prev.registrar or '-'} -> {cur.registrar or '-'}")
    out += _set_diff("moved_to", prev.moved_to, cur.moved_to)
    return out


def site_history(db, domain: str) -> list[dict[str, Any]]:
    """The site's state periods, oldest first, each with what changed from the one before."""
    domain = registered_domain(domain) or domain
    rows = list(db.query(f"SELECT * FROM [{SITE_STATES}] WHERE domain = ? ORDER BY first_seen, rowid", [domain]))
    out = []
    prev: SiteState | None = None
    for row in rows:
        st = SiteState.from_row(row)
        out.append({
            "domain": domain, "first_seen": row["first_seen"], "last_seen": row["last_seen"],
            "crawls": row["crawls"], "status": st.status, "final_domain": st.final_domain,
            "identifiers": len(st.identifiers), "payments": st.payments, "ips": st.ips,
            "nameservers": st.nameservers, "registrar": st.registrar, "moved_to": st.moved_to,
            "changes": state_changes(prev, st) + [f"?unconfirmed {i} (its page was not fetched again)"
                                                  for i in st.unconfirmed],
            "unconfirmed": st.unconfirmed, "run_ids": [row["first_run_id"], row["last_run_id"]],
        })
        prev = st
    return out
