"""Domain–domain links: which values two sites share, and how much that says.

Public helpers (signatures kept stable; graph/alerts.py uses them):

    shared_strong_identifiers(db, domain_a, domain_b) -> list[(kind, value)]
    domains_sharing(db, domain, min_strength="strong") -> list[(other_domain, [(kind, value)], score)]
    strong_identifier_domains(db, kind, value) -> list[domain]
    site_links(db, domain) -> list[dict]          (what ``merchintel links`` prints)
    all_links(db, stats=None) -> dict[(a, b), Link]  (every scored pair, for clusters/exports)

``db`` is a sqlite_utils.Database or sqlite3.Connection (read-only is fine).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from crawler.schema import OBSERVATIONS
from graph.scoring import (BRIDGE_GROUPS, LINK_THRESHOLD, ValueStat, bridge_checked, combine, strength_at_least,
                           strength_of, value_stats, value_weight)
from graph.ties import TIE_KINDS, TIE_WEIGHT, site_ties


@dataclass(slots=True)
class Link:
    """Two sites and the values they share (weight > 0 only)."""

    a: str
    b: str
    shared: list[ValueStat] = field(default_factory=list)
    _score: float = -1.0

    @property
    def score(self) -> float:
        """Noisy-OR of the shared values' weights (computed once; ``shared`` is final by then)."""
        if self._score < 0:
            self._score = combine(s.weight for s in self.shared)
        return self._score

    def evidence(self) -> list[dict[str, Any]]:
        return [{"kind": s.kind, "value": s.value, "weight": s.weight, "n_domains": s.n_domains}
                for s in sorted(self.shared, key=lambda s: (-s.weight, s.kind, s.value))]


def all_links(db: Any, stats: dict[tuple[str, str], ValueStat] | None = None,
              domains: set[str] | None = None, ties: list | None = None) -> dict[tuple[str, str], Link]:
    """Every pair of domains sharing at least one value of weight > 0 (a < b), and every
    pair tied by a redirect or a moved notice (graph/ties.py: a ``redirect`` / ``moved_to``
    entry in ``shared``, weight TIE_WEIGHT).

    Values above their kind's hard share limit, CDN addresses and privacy proxies weigh 0
    and make no pair, so the work stays near-linear in the number of observations.
    """
    if stats is None:
        stats = value_stats(db, with_domains=True)
    pairs: dict[tuple[str, str], Link] = {}
    for tie in (site_ties(db) if ties is None else ties):
        if domains is not None and not (tie.a in domains and tie.b in domains):
            continue
        st = tie.stat()
        key = st.domains
        link = pairs.get(key)
        if link is None:
            link = pairs[key] = Link(*key)
        link.shared.append(st)
    checked: list[tuple[ValueStat, list[str]]] = []
    for st in stats.values():
        st.weight, st.groups = st.base_weight, 0
        if len(st.domains) < 2 or st.base_weight <= 0:
            continue
        doms = sorted(st.domains if domains is None else (d for d in st.domains if d in domains))
        for a, b in combinations(doms, 2):
            link = pairs.get((a, b))
            if link is None:
                link = pairs[(a, b)] = Link(a, b)
            link.shared.append(st)
        if len(doms) >= BRIDGE_GROUPS and bridge_checked(st.kind):   # values on 3+ sites, not money
            checked.append((st, doms))
    # Bridges.  Group all sites by the evidence that does not depend on checked values
    # (money, values on two sites only, combinations of weaker ones).  A checked value whose
    # sites fall into >= BRIDGE_GROUPS groups, of which >= 2 are already operators (two or
    # more sites each), joins unrelated operators: its weight is divided by (groups - 1).
    checked_ids = {id(st) for st, _ in checked}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for (a, b), link in pairs.items():
        if combine(s.base_weight for s in link.shared if id(s) not in checked_ids) >= LINK_THRESHOLD:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[rb] = ra
    size: dict[str, int] = {}
    for d in list(parent):
        r = find(d)
        size[r] = size.get(r, 0) + 1
    for st, doms in checked:
        roots = {find(d) for d in doms}
        operators = sum(1 for r in roots if size.get(r, 1) >= 2)
        st.groups = len(roots)
        if operators >= 2 and len(roots) >= BRIDGE_GROUPS:
            st.weight = value_weight(st.kind, st.value, max(st.n_domains, 2), st.cdn, groups=len(roots))
    return pairs


_FINAL: dict[tuple, tuple[dict[tuple[str, str], ValueStat], dict]] = {}



def _final(db: Any) -> tuple[dict[tuple[str, str], ValueStat], dict]:
    conn = db.conn if hasattr(db, "conn") else db
    files = tuple(r[2] for r in conn.execute("PRAGMA database_list"))
    key = (id(conn), files, conn.total_changes, conn.execute("PRAGMA data_version").fetchone()[0])
    got = _FINAL.get(key)
    if got is None:
        stats = value_stats(db, with_domains=True)
        got = (stats, all_links(db, stats))
        _FINAL.clear()   # one database at a time: the cache is for repeated helper calls
        _FINAL[key] = got
    return got



def final_stats(db: Any) -> dict[tuple[str, str], ValueStat]:
    """Value statistics with final weights (counts, CDN, privacy, unrelated groups) for the
    database as it stands; cached until the database changes (any connection)."""
    return _final(db)[0]



def final_links(db: Any) -> dict:
    """Every scored domain pair (graph.links.all_links) over ``final_stats(db)``, from the
    same cached pass: ``compute_clusters(db, stats=final_stats(db), links=final_links(db))``
    costs no second scoring of the database."""
    return _final(db)[1]



def db_value_weight(db: Any, kind: str, value: str) -> float:
    """The final weight of a value as it stands in the database (0 if never observed)."""
    st = final_stats(db).get((kind, value))
    return st.weight if st else 0.0



def is_weak_value(db: Any, kind: str, value: str) -> bool:
    """True if the value cannot tie two sites by itself (weight below LINK_THRESHOLD):
    weak kinds, CDN addresses, privacy proxies, values spread over many sites."""
    return db_value_weight(db, kind, value) < LINK_THRESHOLD


def count_groups(domains: list[str], score_without: Any, threshold: float = LINK_THRESHOLD) -> int:
    """How many groups ``domains`` form when a pair is tied only if ``score_without(a, b)``
    (a < b) reaches the threshold."""
    parent = {d: d for d in domains}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for a, b in combinations(sorted(domains), 2):
        if score_without(a, b) >= threshold:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[rb] = ra
    return len({find(d) for d in domains})


def _values_of(db: Any, domain: str) -> list[tuple[str, str]]:
    return [tuple(r) for r in db.execute(
        f"SELECT DISTINCT kind, value FROM [{OBSERVATIONS}] WHERE domain = ? ORDER BY kind, value", [domain])]


def _shared(db: Any, domain: str, min_strength: str) -> dict[str, list[tuple[str, str, float, int]]]:
    stats = final_stats(db)
    by_other: dict[str, list[tuple[str, str, float, int]]] = {}
    if min_strength == "weak":   # `links`: ties (redirects, moved notices) too, from the scored pairs
        for (a, b), link in final_links(db).items():
            if domain in (a, b):
                for s in link.shared:
                    if s.kind in TIE_KINDS:
                        by_other.setdefault(b if a == domain else a, []).append((s.kind, s.value, s.weight, 2))
    for kind, value in _values_of(db, domain):
        if not strength_at_least(kind, min_strength):
            continue
        st = stats.get((kind, value))
        if st is None or st.n_domains < 2 or st.weight <= 0:
            continue
        others = st.domains or [r[0] for r in db.execute(
            f"SELECT DISTINCT domain FROM [{OBSERVATIONS}] WHERE kind = ? AND value = ?", [kind, value])]
        for other in others:
            if other != domain:
                by_other.setdefault(other, []).append((kind, value, st.weight, st.n_domains))
    return by_other


def domains_sharing(db: Any, domain: str, min_strength: str = "strong",
                    ) -> list[tuple[str, list[tuple[str, str]], float]]:
    """Other domains sharing a value of at least ``min_strength`` with ``domain``, best first.

    Returns ``(other_domain, [(kind, value), ...], score)``; score is the noisy-OR of the
    shared values' weights (values of weight 0 — CDN, privacy proxy, too common — are left out).
    """
    out = []
    for other, vals in _shared(db, domain, min_strength).items():
        vals.sort(key=lambda v: (-v[2], v[0], v[1]))
        out.append((other, [(k, v) for k, v, _, _ in vals], combine(w for _, _, w, _ in vals)))
    out.sort(key=lambda t: (-t[2], t[0]))
    return out


def shared_strong_identifiers(db: Any, domain_a: str, domain_b: str) -> list[tuple[str, str]]:
    """(kind, value) pairs both domains carry whose kind is strong and whose value can tie two
    sites alone (weight >= LINK_THRESHOLD): a shared wallet, not a theme vendor's tracker id."""
    a = set(_values_of(db, domain_a))
    shared = [kv for kv in _values_of(db, domain_b) if kv in a and strength_of(kv[0]) == "strong"]
    stats = final_stats(db)
    return [kv for kv in shared if kv in stats and stats[kv].weight >= LINK_THRESHOLD]


def strong_identifier_domains(db: Any, kind: str, value: str) -> list[str]:
    """Every domain on which the value was observed, sorted."""
    return [r[0] for r in db.execute(f"SELECT DISTINCT domain FROM [{OBSERVATIONS}] WHERE kind = ? AND value = ? "
                                     "ORDER BY domain", [kind, value])]


def _shared_in_graph(g: Any, domain: str) -> dict[str, list[tuple[str, str, float, int]]]:
    by_other: dict[str, list[tuple[str, str, float, int]]] = {}
    me = f"domain:{domain}"
    if me not in g:
        return by_other
    for node in g.adj[me]:
        attrs = g.nodes[node]
        edge = g.adj[me][node]
        if attrs.get("kind") == "domain" and edge.get("tie"):
            for kind, value in (t.split(":", 1) for t in edge["tie"].split(" | ")):
                by_other.setdefault(attrs["value"], []).append((kind, value, TIE_WEIGHT, 2))
            continue
        w = attrs.get("weight") or 0.0
        if attrs.get("kind") in ("domain", "hostname") or w <= 0:
            continue
        for other in g.adj[node]:
            if other != me and g.nodes[other].get("kind") == "domain":
                by_other.setdefault(g.nodes[other]["value"], []).append(
                    (attrs["kind"], attrs["value"], w, attrs.get("n_domains", 0)))
    return by_other


def site_links(db_or_graph: Any, domain: str, threshold: float = LINK_THRESHOLD) -> list[dict[str, Any]]:
    """What ties ``domain`` to other sites, strongest first (every strength, weight > 0).

    Takes the database, or a graph from graph.build.build_graph (same answer, no SQL).
    """
    rows = []
    shared = (_shared_in_graph(db_or_graph, domain) if hasattr(db_or_graph, "adj")
              else _shared(db_or_graph, domain, "weak"))
    for other, vals in shared.items():
        vals.sort(key=lambda v: (-v[2], v[0], v[1]))
        score = combine(w for _, _, w, _ in vals)
        rows.append({"domain": other, "score": score, "linked": score >= threshold,
                     "shared": [{"kind": k, "value": v, "weight": w, "n_domains": n} for k, v, w, n in vals]})
    rows.sort(key=lambda r: (-r["score"], r["domain"]))
    return rows
