"""Alerts: domain hops, payment changes, sites going down and coming back.

``raise_alerts(db, now=…, run_id=None)`` runs at the end of every crawl (``crawl`` and
``run-due``, through merchintel/alerting.py).  It records each crawled site's state
(graph/history.py), compares it with the state before, looks at every site seen for the
first time against the whole database (not one case), raises each alert once (a stable key
per alert) and stores it; the shell then hands it to the configured sinks.

Alert kinds and types:

    domain_hop / redirect       a tracked domain now sends visitors (HTTP 3xx, meta refresh,
                                literal JavaScript location) to another registered domain
    domain_hop / moved_notice   its page says "we have moved to <new domain>" (a link)
    domain_hop / reappeared     a dead tracked domain (NXDOMAIN, unreachable, parked, suspended)
                                and a new domain carrying its strong identifiers
    domain_hop / mirror         the same while the old domain still lives
    payment_change / added|dropped|switched   payment processor, account or wallet changed
    site_down / <status>        a live site stopped answering, or became a parked/seized page
    site_back                   a dead site answers again
    new_domain_in_cluster       a new domain joins the cluster (graph/clusters.py) of a tracked
                                site, and no hop explains it

Only values that can tie two sites alone count for a hop: strong kinds whose final weight
in the database reaches the link threshold — the very weights the clusters use
(graph/links.py ``final_stats``: share counts, CDN flags, WHOIS privacy proxies and the
rule against values that bridge separate operators).  A CDN address, a big registrar,
common name servers or a tracker id spread over many sites or operators never raise one.
One hop per (from, to), and one per new domain: the first type found wins, in the order
redirect, moved_notice, reappeared, mirror; a new domain sharing values with several
tracked sites names the best one as ``from`` (a dead one first, then the one sharing most)
and lists the others in its evidence.

Every alert carries ``cluster``: the stored cluster id (``merchintel clusters``) of its new
domain, else of its tracked one.  An evaluation that raises anything (or sees new domains)
recomputes and stores the clusters first, so the id is the one analysts see.

Longer than most modules on purpose: each alert kind's rule sits next to the evidence it
quotes, so one file answers "why was this raised"; states and scores live in history.py,
scoring.py and links.py.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from crawler.domains import cctld_country, registered_domain
from crawler.extractors.notices import MOVED_RE, moved_targets
from crawler.schema import ALERTS, CASE_SITES, ERRORS, OBSERVATIONS, PAGES, SITE_STATES, dumps, open_db, row_key
from enrich.facts import site_facts
from graph.clusters import compute_clusters, tying_values
from graph.history import SiteState, Transition, latest_states, record_states
from graph.links import Link, final_links, final_stats
from graph.redirect_services import is_redirect_service
from graph.scoring import LINK_THRESHOLD, ValueStat, strength_of

HOP_PRIORITY = ("redirect", "moved_notice", "reappeared", "mirror")
MAX_URLS = 3            # page URLs quoted per shared identifier in the evidence


def hop_key(from_domain: str, to_domain: str) -> str:
    """One domain_hop per (from, to), whatever its type."""
    return row_key("domain_hop", from_domain, to_domain)


# ---------------------------------------------------------------------------------------
# Shared identifiers
# ---------------------------------------------------------------------------------------
def _linking_values(r: "_Raiser", identifiers: Iterable[str]) -> dict[tuple[str, str], ValueStat]:
    """Strong values (kind:value ids) that can tie two sites alone, with every domain carrying
    them (``ValueStat.domains``).

    The weights are the clusters' own (``graph.links.final_stats``: one cached pass over
    the database), so a hop never rests on a value the clusters ignore — a CDN address, a
    privacy proxy, a tracker id on many sites or bridging separate operators.
    """
    stats = r.stats()
    out: dict[tuple[str, str], ValueStat] = {}
    for ident in identifiers:
        kind, sep, value = ident.partition(":")
        if not sep or strength_of(kind) != "strong":
            continue
        st = stats.get((kind, value))
        if st is not None and st.weight >= LINK_THRESHOLD and len(st.domains) >= 2:
            out[(kind, value)] = st
    return out


def _value_evidence(db, st: ValueStat, from_domain: str, to_domain: str) -> dict[str, Any]:
    kind, value = st.kind, st.value
    ev: dict[str, Any] = {"type": "shared_identifier", "kind": kind, "value": value,
                          "weight": round(st.weight, 3), "n_domains": st.n_domains}
    for side, dom in (("from", from_domain), ("to", to_domain)):
        rows = list(db.execute(
            f"SELECT page_url, first_seen, last_seen FROM [{OBSERVATIONS}] WHERE kind = ? AND value = ? AND domain = ? "
            f"ORDER BY first_seen LIMIT {MAX_URLS}", [kind, value, dom]))
        ev[f"{side}_urls"] = [r[0] for r in rows]
        ev[f"{side}_first_seen"] = min((r[1] for r in rows if r[1]), default=None)
        ev[f"{side}_last_seen"] = max((r[2] for r in rows if r[2]), default=None)
    return ev


# ---------------------------------------------------------------------------------------
# Jurisdiction
# ---------------------------------------------------------------------------------------
def _facts(db, domain: str, state: SiteState | None) -> dict[str, Any]:
    countries: list[str] = []
    registrar = state.registrar if state else None
    try:
        f = site_facts(db, domain) or {}
        countries = sorted({c for c in f.get("countries") or [] if c})
        registrar = f.get("registrar") or registrar
    except Exception as exc:  # enrichment facts are a bonus on an alert, never a reason to lose it
        print(f"alerts: no hosting facts for {domain}: {exc}", file=sys.stderr)
    if not registrar:
        # A dead site's last known registrar (its last crawls carry no enrichment).
        row = db.execute(f"SELECT value FROM [{OBSERVATIONS}] WHERE domain = ? AND kind = 'registrar' "
                         f"ORDER BY last_seen DESC LIMIT 1", [domain]).fetchone()
        registrar = row[0] if row else None
    return {"domain": domain, "cctld_country": cctld_country(domain), "hosting_countries": countries,
            "registrar": registrar}


def jurisdiction(db, from_domain: str, to_domain: str | None, states: dict[str, SiteState]) -> dict[str, Any]:
    """ccTLD country, hosting countries and registrar of both ends, and which of them changed."""
    a = _facts(db, from_domain, states.get(from_domain))
    if not to_domain:
        return {"from": a}
    b = _facts(db, to_domain, states.get(to_domain))
    # A ccTLD country against a generic TLD is a change; an unknown registrar or hosting
    # country (a target not enriched yet) is not.
    changed = [k for k in ("cctld_country", "hosting_countries", "registrar")
               if a[k] != b[k] and ((a[k] and b[k]) or k == "cctld_country")]
    return {"from": a, "to": b, "changed": changed}


# ---------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------
class _Raiser:
    def __init__(self, db, now: str, run_id: str | None, states: dict[str, SiteState]):
        self.db, self.now, self.run_id, self.states = db, now, run_id, states
        self.alerts: dict[str, dict[str, Any]] = {}
        self._known: set[str] = set()
        self._scored: tuple[dict[tuple[str, str], ValueStat], dict[tuple[str, str], Link]] | None = None
        self._clusters: dict[str, dict[str, Any]] | None = None
        self._cluster_adj: dict[str, list[tuple[str, Link]]] | None = None

    def stats(self) -> dict[tuple[str, str], ValueStat]:
        """Final value weights of the database as it stands (the clusters' own), read once."""
        if self._scored is None:
            # Taken together and kept: storing the clusters changes the database, which
            # would make graph.scoring's cache score it all again.
            self._scored = (final_stats(self.db), final_links(self.db))
        return self._scored[0]

    def clusters(self) -> dict[str, dict[str, Any]]:
        """domain -> its cluster, computed and stored once per evaluation (stable ids reused)."""
        if self._clusters is None:
            self.stats()
            found = compute_clusters(self.db, stats=self._scored[0], links=self._scored[1], now=self.now)
            self._clusters = {d: c for c in found for d in c["domains"]}
        return self._clusters

    def cluster_adjacency(self) -> dict[str, list[tuple[str, Link]]]:
        """Links at or above the threshold (the clusters' edges), per domain, strongest first."""
        if self._cluster_adj is None:
            self.stats()
            adj: dict[str, list[tuple[str, Link]]] = {}
            for (a, b), link in self._scored[1].items():
                if link.score >= LINK_THRESHOLD:
                    adj.setdefault(a, []).append((b, link))
                    adj.setdefault(b, []).append((a, link))
            for nb in adj.values():
                nb.sort(key=lambda t: (-t[1].score, t[0]))
            self._cluster_adj = adj
        return self._cluster_adj

    def known(self, key: str) -> bool:
        if key in self.alerts or key in self._known:
            return True
        if self.db.execute(f"SELECT 1 FROM [{ALERTS}] WHERE key = ?", [key]).fetchone():
            self._known.add(key)
            return True
        return False

    def raise_(self, key: str, kind: str, type_: str | None, from_domain: str, to_domain: str | None,
               evidence: list[dict[str, Any]], summary: str) -> None:
        if self.known(key):
            return
        doms = [d for d in (from_domain, to_domain) if d]
        cases = sorted({r[0] for r in self.db.execute(
            f"SELECT DISTINCT case_name FROM [{CASE_SITES}] WHERE domain IN ({','.join('?' * len(doms))})", doms)
            if r[0]})
        self.alerts[key] = {
            "key": key, "kind": kind, "type": type_, "from": from_domain, "to": to_domain,
            "evidence": evidence, "jurisdiction": jurisdiction(self.db, from_domain, to_domain, self.states),
            "cases": cases, "summary": summary, "detected_at": self.now, "run_id": self.run_id,
            "cluster": None,   # set once every alert of the evaluation is known (one cluster pass)
        }


def _page_rows(db, domain: str, run_id: str | None) -> list[dict[str, Any]]:
    return list(db.query(f"SELECT url, final_url, redirect_chain, status, text, linked_domains, fetched_at FROM "
                         f"[{PAGES}] WHERE domain = ? AND (run_id = ? OR ? IS NULL) ORDER BY depth, url",
                         [domain, run_id, run_id]))


def _redirect_evidence(db, st: SiteState) -> tuple[list[dict[str, Any]], str | None]:
    """Redirect chains of the site's last crawl that leave its registered domain, and the target URL.

    Never empty: without a stored chain (an older store, a page row since overwritten) the
    evidence is the site's recorded final domain and its entry pages of that crawl."""
    out, target_url = [], None
    for r in st.redirects[:MAX_URLS]:
        out.append({"type": "redirect_chain", **r,
                    "via": sorted({str(h.get("kind")) for h in r["chain"] if h.get("kind")})})
        if target_url is None and registered_domain(r["final_url"]) == st.final_domain:
            target_url = r["final_url"]
    if not out:
        out.append({"type": "final_domain", "domain": st.domain, "final_domain": st.final_domain,
                    "at": st.crawled_at, "run_id": st.run_id})
        for p in db.query(f"SELECT url, final_url, status, fetched_at FROM [{PAGES}] WHERE run_id = ? AND depth = 0 "
                          f"AND (domain = ? OR domain = ?) ORDER BY url LIMIT {MAX_URLS}",
                          [st.run_id, st.domain, st.final_domain]):
            out.append({"type": "page", **p})
    return out, target_url


def _moved_evidence(db, st: SiteState, target: str) -> tuple[list[dict[str, Any]], str | None]:
    out, target_url = [], None
    for p in _page_rows(db, st.domain, st.run_id):
        text = p["text"] or ""
        if target not in moved_targets(text, st.domain, json.loads(p["linked_domains"] or "[]")):
            continue
        m = MOVED_RE.search(text)
        start = m.start() if m else 0
        out.append({"type": "page", "url": p["url"], "text": text[start:start + 200], "fetched_at": p["fetched_at"]})
        if target_url is None:
            # The link's own URL when the text shows it, else the page's scheme and port.
            um = re.search(r"https?://[^\s\"'<>]*" + re.escape(target) + r"(?::\d+)?[^\s\"'<>]*", text, re.I)
            if um:
                target_url = um.group(0)
            else:
                parts = urlsplit(p["url"])
                port = f":{parts.port}" if parts.port else ""
                target_url = f"{parts.scheme or 'http'}://{target}{port}/"
        if len(out) >= MAX_URLS:
            break
    return out, target_url


def _status_evidence(db, st: SiteState) -> list[dict[str, Any]]:
    ev: list[dict[str, Any]] = [{"type": "status", "domain": st.domain, "status": st.status,
                                 "parked_reason": st.parked_reason, "at": st.crawled_at}]
    for r in db.query(f"SELECT url, kind, reason, at FROM [{ERRORS}] WHERE domain = ? AND run_id = ? LIMIT {MAX_URLS}",
                      [st.domain, st.run_id]):
        ev.append({"type": "error", **r})
    if st.parked_reason:
        for p in _page_rows(db, st.domain, st.run_id)[:1]:
            ev.append({"type": "page", "url": p["url"], "text": (p["text"] or "")[:200], "fetched_at": p["fetched_at"]})
    return ev


def _payment_evidence(db, dom: str, st: SiteState, prev: SiteState) -> tuple[list[dict[str, Any]], list, list]:
    added = sorted(set(st.payments) - set(prev.payments))
    dropped = sorted(set(prev.payments) - set(st.payments))
    ev = [{"type": "payment", "change": "added", "kind": i.split(":", 1)[0], "value": i.split(":", 1)[1],
           "urls": [u for (u,) in db.execute(f"SELECT page_url FROM [{OBSERVATIONS}] WHERE identifier_id = ? AND "
                                             f"domain = ? LIMIT {MAX_URLS}", [i, dom])],
           "at": st.crawled_at} for i in added]
    # Dropped = a page that carried it was fetched again without it (graph/history.py): the page is quoted.
    ev += [{"type": "payment", "change": "dropped", "kind": i.split(":", 1)[0], "value": i.split(":", 1)[1],
            "urls": [u for (u,) in db.execute(f"SELECT page_url FROM [{OBSERVATIONS}] WHERE identifier_id = ? AND "
                                              f"domain = ? LIMIT {MAX_URLS}", [i, dom])],
            "last_seen": prev.crawled_at, "at": st.crawled_at} for i in dropped]
    return ev, added, dropped


def _site_alerts(r: _Raiser, t: Transition, follow: list[tuple[str, str, str]]) -> None:
    db, st, prev, dom = r.db, t.current, t.previous, t.domain
    # Hops the site itself announces: redirect, moved notice.  A redirect into a platform,
    # processor, shortener or parking service is not the site moving.
    hops: list[str] = []
    if st.final_domain and st.final_domain != dom and (prev is None or prev.final_domain != st.final_domain) \
            and not is_redirect_service(st.final_domain):
        ev, url = _redirect_evidence(db, st)
        r.raise_(hop_key(dom, st.final_domain), "domain_hop", "redirect", dom, st.final_domain, ev,
                 f"{dom} now redirects to {st.final_domain}")
        hops.append(hop_key(dom, st.final_domain))
        follow.append((dom, st.final_domain, url or f"http://{st.final_domain}/"))
    for target in st.moved_to:
        if prev is not None and target in prev.moved_to:
            continue
        ev, url = _moved_evidence(db, st, target)
        r.raise_(hop_key(dom, target), "domain_hop", "moved_notice", dom, target, ev,
                 f"{dom} says it moved to {target}")
        hops.append(hop_key(dom, target))
        follow.append((dom, target, url or f"http://{target}/"))
    if prev is None:
        return
    if hops and prev.payments != st.payments:
        # A payment change that comes with a hop is part of the hop, not a second alert.
        ev, _, _ = _payment_evidence(db, dom, st, prev)
        for key in hops:
            if key in r.alerts:
                r.alerts[key]["evidence"].extend(ev)
    if prev.alive and not st.alive:
        r.raise_(row_key("site_down", dom, st.run_id), "site_down", st.status, dom, None, _status_evidence(db, st),
                 f"{dom} is down ({st.parked_reason or st.status}); it was {prev.status} until {prev.crawled_at}")
    elif not prev.alive and st.alive:
        r.raise_(row_key("site_back", dom, st.run_id), "site_back", prev.status, dom, None,
                 [{"type": "status", "domain": dom, "status": st.status, "at": st.crawled_at,
                   "was": prev.status, "was_at": prev.crawled_at}],
                 f"{dom} answers again (was {prev.status})")
    if (prev.alive and st.alive and prev.final_domain == dom and st.final_domain == dom and not hops
            and not st.moved_to and prev.payments != st.payments):
        ev, added, dropped = _payment_evidence(db, dom, st, prev)
        type_ = "switched" if added and dropped else "added" if added else "dropped"
        what = ", ".join([f"+{i}" for i in added] + [f"-{i}" for i in dropped])
        r.raise_(row_key("payment_change", dom, dumps(added), dumps(dropped), st.run_id), "payment_change", type_,
                 dom, None, ev, f"{dom} payment change: {what}")


def _new_domain_alerts(r: _Raiser, new: list[str], old: set[str]) -> None:
    """Hops to new domains carrying tracked domains' strong identifiers, and cluster arrivals."""
    db, states = r.db, r.states
    shares: dict[str, dict[str, list[ValueStat]]] = {}
    linking = _linking_values(r, (i for y in new if y in states for i in states[y].identifiers))
    for y in new:
        st = states.get(y)
        if st is None:
            continue
        by_other: dict[str, list[ValueStat]] = {}
        for ident in st.identifiers:
            kind, _, value = ident.partition(":")
            vs = linking.get((kind, value))
            for d in vs.domains if vs else ():
                if d != y:
                    by_other.setdefault(d, []).append(vs)
        shares[y] = by_other
    # One hop per new domain, from its best tracked partner: a dead one first (a reappearance
    # says more than a mirror), then the one sharing most values.  The others are listed.
    all_old = latest_states(db, {d for s in shares.values() for d in s if d in old})
    for y, by_other in shares.items():
        partners = [d for d in by_other if d in old]
        if not partners or _has_hop_to(r, y):
            continue
        partners.sort(key=lambda d: (all_old[d].alive if d in all_old else True, -len(by_other[d]), d))
        x = partners[0]
        xs = all_old.get(x)
        type_ = "mirror" if xs is None or xs.alive else "reappeared"
        ev = [_value_evidence(db, vs, x, y) for vs in by_other[x]]
        if type_ == "reappeared":
            ev.append({"type": "status", "domain": x, "status": xs.status, "parked_reason": xs.parked_reason,
                       "since": _dead_since(db, x)})
        if partners[1:]:
            ev.append({"type": "also_shares_with", "domains": partners[1:]})
        shared = ", ".join(vs.id for vs in by_other[x])
        r.raise_(hop_key(x, y), "domain_hop", type_, x, y, ev,
                 f"{y} carries {x}'s identifiers ({shared})" + (f"; {x} is {xs.status}" if type_ == "reappeared"
                                                                else f"; {x} still lives"))
    # A new domain that joins a tracked site's cluster — through other new domains, or through
    # values no hop looks at (a shared SOA or registrant e-mail) — and no hop explains it.
    for y in new:
        if _has_hop_to(r, y) or _has_hop_from(r, y):   # a redirect or moved notice explains its arrival
            continue
        cl = r.clusters().get(y)
        if cl is None or not any(d in old for d in cl["domains"]):
            continue
        path = _path_to_old(r, y, set(cl["domains"]), old)
        if not path:  # pragma: no cover - a cluster is connected by its links
            continue
        x = path[-1]["domain"]
        path.append({"type": "cluster", "id": cl["id"], "domains": cl["domains"], "score": cl["score"]})
        chain = " -> ".join([p["domain"] for p in path if p["type"] == "cluster_path"] + [x])
        r.raise_(row_key("new_domain_in_cluster", y), "new_domain_in_cluster", None, x, y, path,
                 f"{y} joins cluster {cl['id']} of tracked {x} ({chain})")


def _has_hop_to(r: _Raiser, y: str) -> bool:
    if any(a["kind"] == "domain_hop" and a["to"] == y for a in r.alerts.values()):
        return True
    return bool(r.db.execute(f"SELECT 1 FROM [{ALERTS}] WHERE kind = 'domain_hop' AND to_domain = ?", [y]).fetchone())


def _has_hop_from(r: _Raiser, y: str) -> bool:
    if any(a["kind"] == "domain_hop" and a["from"] == y for a in r.alerts.values()):
        return True
    return bool(r.db.execute(f"SELECT 1 FROM [{ALERTS}] WHERE kind = 'domain_hop' AND from_domain = ?", [y]).fetchone())


def _path_to_old(r: _Raiser, y: str, members: set[str], old: set[str]) -> list[dict[str, Any]]:
    """Fewest links (strongest first) from y to the nearest tracked member of its cluster.

    Each hop: ``{"type": "cluster_path", "domain", "next", "score", "kind", "value", "via"}``
    (kind/value: the strongest value tying the hop; via: every tying value); then
    ``{"type": "cluster_member", "domain": <tracked site>}``.
    """
    adj = r.cluster_adjacency()
    parent: dict[str, tuple[str, Link]] = {}
    frontier, seen = [y], {y}
    while frontier:
        nxt = []
        for d in frontier:
            for o, link in adj.get(d, ()):
                if o in seen or o not in members:
                    continue
                seen.add(o)
                parent[o] = (d, link)
                if o in old:
                    path, cur = [], o
                    while cur != y:
                        p, lk = parent[cur]
                        via = [{"kind": v.kind, "value": v.value, "weight": v.weight}
                               for v in tying_values(lk, LINK_THRESHOLD)]
                        path.append({"type": "cluster_path", "domain": p, "next": cur, "score": lk.score,
                                     "kind": via[0]["kind"], "value": via[0]["value"], "via": via})
                        cur = p
                    path.reverse()
                    path.append({"type": "cluster_member", "domain": o})
                    return path
                nxt.append(o)
        frontier = nxt
    return []


def _dead_since(db, domain: str) -> str | None:
    row = db.execute(f"SELECT first_seen FROM [{SITE_STATES}] WHERE domain = ? AND current = 1", [domain]).fetchone()
    return row[0] if row else None


def _store(db, alerts: list[dict[str, Any]]) -> None:
    if not alerts:
        return
    with db.conn:
        db[ALERTS].insert_all([{
            "key": a["key"], "kind": a["kind"], "type": a["type"], "from_domain": a["from"], "to_domain": a["to"],
            "evidence": dumps(a["evidence"]), "jurisdiction": dumps(a["jurisdiction"]), "cases": dumps(a["cases"]),
            "summary": a["summary"], "detected_at": a["detected_at"], "run_id": a["run_id"],
            "cluster_id": a.get("cluster"),
        } for a in alerts], pk="key", ignore=True)


def alert_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """An alerts-table row as the JSON every sink and ``merchintel alerts`` prints."""
    return {"key": row["key"], "kind": row["kind"], "type": row["type"], "from": row["from_domain"],
            "to": row["to_domain"], "evidence": json.loads(row["evidence"] or "[]"),
            "jurisdiction": json.loads(row["jurisdiction"] or "{}"), "cases": json.loads(row["cases"] or "[]"),
            "summary": row["summary"], "detected_at": row["detected_at"], "run_id": row["run_id"],
            "cluster": row.get("cluster_id")}


def list_alerts(db, since: str | None = None, kind: str | None = None) -> list[dict[str, Any]]:
    """Stored alerts, oldest first, detected at or after ``since`` (ISO UTC)."""
    where, params = [], []
    if since:
        where.append("detected_at >= ?")
        params.append(since)
    if kind:
        where.append("kind = ?")
        params.append(kind)
    sql = f"SELECT * FROM [{ALERTS}]" + (" WHERE " + " AND ".join(where) if where else "") + \
        " ORDER BY detected_at, kind, from_domain, to_domain"
    return [alert_from_row(r) for r in db.query(sql, params)]


@dataclass
class Raised:
    """What one evaluation found: the new alerts (stored), the sites whose state it recorded,
    and the hop targets (from-domain, to-domain, URL) worth a crawl of their own."""

    alerts: list[dict[str, Any]]
    recorded: list[str]
    hop_targets: list[tuple[str, str, str]]


def raise_alerts(db, *, now: str, run_id: str | None = None) -> Raised:
    """Record site states, raise new alerts (each once) and store them.

    ``db``: a sqlite_utils.Database (or a path); ``now``: ISO UTC.  Delivering the alerts,
    scheduling the next crawls and crawling hop targets is the shell's part
    (merchintel/alerting.py).
    """
    if isinstance(db, (str, Path)):
        db = open_db(db)
    transitions = record_states(db, now=now, run_id=run_id)
    states = {t.domain: t.current for t in transitions}
    r = _Raiser(db, now, run_id, states)
    follow: list[tuple[str, str, str]] = []
    for t in transitions:
        if t.changed:
            _site_alerts(r, t, follow)
    new = sorted(t.domain for t in transitions if t.previous is None)
    if new:
        new_set = set(new)
        old = {d for (d,) in db.execute(f"SELECT DISTINCT domain FROM [{SITE_STATES}]")} - new_set
        if old:  # the very first evaluation of a database has nothing to hop from
            _new_domain_alerts(r, new, old)
    raised = list(r.alerts.values())
    if raised:
        by_domain = r.clusters()
        for a in raised:
            cl = by_domain.get(a["to"]) or by_domain.get(a["from"])
            a["cluster"] = cl["id"] if cl else None
    # Stored before hop targets are crawled: the child crawl's own evaluation then knows the
    # hop and does not raise it again as a mirror.
    _store(db, raised)
    return Raised(raised, [t.domain for t in transitions], follow)


def refresh_jurisdiction(db, alerts: list[dict[str, Any]]) -> None:
    """The hop target has just been crawled and enriched: its side of the jurisdiction is known now."""
    if not alerts:
        return
    states = latest_states(db, {d for a in alerts for d in (a["from"], a["to"]) if d})
    with db.conn:
        for a in alerts:
            a["jurisdiction"] = jurisdiction(db, a["from"], a["to"], states)
            db.conn.execute(f"UPDATE [{ALERTS}] SET jurisdiction = ? WHERE key = ?", [dumps(a["jurisdiction"]), a["key"]])
