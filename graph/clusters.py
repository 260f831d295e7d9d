"""Clusters of sites that are likely one operator, with stable ids and reasons.

A cluster is a connected component of the graph whose edges are domain–domain links
scoring at least the threshold (graph/scoring.py: LINK_THRESHOLD).  For each cluster:

- ``evidence``: the values carried by the links that hold it together;
- ``score``: the weakest link of its maximum spanning tree (the cluster holds at least
  at that score);
- for every member, ``path``: the fewest-hops chain of links from the anchor domain,
  each hop with the shared values, the page URLs / DNS / WHOIS records and times.

Ids are stable across runs: a new computation reuses the id of the stored cluster it
overlaps most (each old id goes to one new cluster); a cluster with no predecessor gets
``C-`` + 10 hex characters of a hash of its anchor (the strongest, then oldest, value
tying it), so the same data gives the same id even in a fresh database.
"""

from __future__ import annotations

import gc
import json
from collections import defaultdict, deque
from contextlib import contextmanager
from typing import Any, Iterator

from crawler.clock import now_iso
from crawler.schema import CLUSTERS, CLUSTER_MEMBERS, OBSERVATIONS, dumps, row_key, table_exists
from graph.links import Link, all_links
from graph.scoring import LINK_THRESHOLD, ValueStat, value_stats

EVIDENCE_URLS_PER_HOP = 3


class _UF:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        p = self.parent.setdefault(x, x)
        while p != self.parent[p]:
            self.parent[p] = self.parent[self.parent[p]]
            p = self.parent[p]
        self.parent[x] = p
        return p

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True


def tying_values(link: Link, threshold: float) -> list[ValueStat]:
    """The values that make a link: those that reach the threshold alone, or — for a link
    made by a combination of weaker values — all its values of weight > 0."""
    alone = [s for s in link.shared if s.weight >= threshold]
    return sorted(alone or link.shared, key=lambda s: (-s.weight, s.kind, s.value))


def _anchor(evidence: list[ValueStat]) -> ValueStat:
    return min(evidence, key=lambda s: (-s.weight, s.first_seen or "9999", s.kind, s.value))


def new_cluster_id(anchor_id: str, salt: int = 0) -> str:
    """``C-`` + 10 hex of the anchor's hash (``C-3f9a…``); salt separates a rare collision."""
    return "C-" + (row_key(anchor_id) if not salt else row_key(anchor_id, salt))[:10]


def _old_assignment(db: Any) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    if not (table_exists(db, CLUSTERS) and table_exists(db, CLUSTER_MEMBERS)):
        return {}, {}
    members = {d: c for d, c in db.execute(f"SELECT domain, cluster_id FROM [{CLUSTER_MEMBERS}]")}
    old = {r[0]: {"id": r[0], "anchor": r[1], "first_seen": r[2], "active": r[3]}
           for r in db.execute(f"SELECT id, anchor, first_seen, active FROM [{CLUSTERS}]")}
    return members, old


def _evidence_rows(db: Any, domains: list[str], wanted: set[tuple[str, str]]
                   ) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for i in range(0, len(domains), 500):
        chunk = domains[i:i + 500]
        marks = ",".join("?" * len(chunk))
        for dom, kind, value, url, source, first, last in db.execute(
                f"SELECT domain, kind, value, page_url, source, first_seen, last_seen FROM [{OBSERVATIONS}] "
                f"WHERE domain IN ({marks}) ORDER BY first_seen, page_url", chunk):
            if (kind, value) in wanted:
                rows = out[(dom, kind, value)]
                if len(rows) < EVIDENCE_URLS_PER_HOP:
                    rows.append({"domain": dom, "url": url, "source": source, "first_seen": first,
                                 "last_seen": last})
    return out


def _paths(root: str, members: list[str], adj: dict[str, list[tuple[float, str, Link]]], db: Any,
           evidence_keys: set[tuple[str, str]], with_urls: bool, threshold: float) -> dict[str, list[dict[str, Any]]]:
    prev: dict[str, tuple[str, Link]] = {}
    seen = {root}
    queue = deque([root])
    while queue:
        node = queue.popleft()
        for _, other, link in sorted(adj[node], key=lambda t: (-t[0], t[1])):
            if other not in seen:
                seen.add(other)
                prev[other] = (node, link)
                queue.append(other)
    rows = _evidence_rows(db, members, evidence_keys) if with_urls else {}
    paths: dict[str, list[dict[str, Any]]] = {root: []}
    for m in members:
        if m == root:
            continue
        hops = []
        cur = m
        while cur != root:
            p, link = prev[cur]
            via = []
            for s in tying_values(link, threshold):
                item: dict[str, Any] = {"kind": s.kind, "value": s.value, "weight": s.weight}
                if with_urls:
                    item["evidence"] = rows.get((p, s.kind, s.value), []) + rows.get((cur, s.kind, s.value), [])
                via.append(item)
            hops.append({"from": p, "to": cur, "score": link.score, "via": via})
            cur = p
        paths[m] = list(reversed(hops))
    return paths


def compute_clusters(db: Any, threshold: float = LINK_THRESHOLD, *, persist: bool = True,
                     stats: dict[tuple[str, str], ValueStat] | None = None,
                     links: dict[tuple[str, str], Link] | None = None, with_paths: bool = True,
                     now: str | None = None) -> list[dict[str, Any]]:
    """Clusters of >= 2 domains, largest first.

    Each: ``{"id", "domains", "evidence": [{"kind","value","weight","domains"}], "score",
    "size", "anchor", "members": [{"domain", "path"}]}``.  ``persist`` stores them in the
    clusters / cluster_members tables (needs a writable db); without it the stored ids are
    still read and reused, so exports and ``clusters`` agree.
    """
    with no_gc():
        return _compute(db, threshold, persist, stats, links, with_paths, now or now_iso())


def _compute(db: Any, threshold: float, persist: bool, stats: dict[tuple[str, str], ValueStat] | None,
             links: dict[tuple[str, str], Link] | None, with_paths: bool, now: str) -> list[dict[str, Any]]:
    if stats is None:
        stats = value_stats(db, with_domains=True)
    if links is None:
        links = all_links(db, stats)
    strong = sorted((l for l in links.values() if l.score >= threshold), key=lambda l: (-l.score, l.a, l.b))
    uf = _UF()
    bottleneck: dict[str, float] = {}
    for link in strong:  # Kruskal, strongest first: the last union in a component is its weakest tie
        ra, rb = uf.find(link.a), uf.find(link.b)
        if ra != rb:
            s = min(bottleneck.get(ra, 1.0), bottleneck.get(rb, 1.0), link.score)
            uf.union(ra, rb)
            bottleneck[uf.find(ra)] = s
    comps: dict[str, list[str]] = defaultdict(list)
    for d in list(uf.parent):
        comps[uf.find(d)].append(d)
    adj: dict[str, list[tuple[float, str, Link]]] = defaultdict(list)
    comp_links: dict[str, list[Link]] = defaultdict(list)
    for link in strong:
        adj[link.a].append((link.score, link.b, link))
        adj[link.b].append((link.score, link.a, link))
        comp_links[uf.find(link.a)].append(link)

    old_members, old_clusters = _old_assignment(db)
    drafts = []
    for root, doms in comps.items():
        doms.sort()
        ev: dict[tuple[str, str], ValueStat] = {}
        for link in comp_links[root]:
            for s in tying_values(link, threshold):
                ev[(s.kind, s.value)] = s
        anchor = _anchor(list(ev.values()))
        drafts.append({"root": root, "domains": doms, "ev": ev, "anchor": anchor,
                       "score": round(bottleneck.get(root, 1.0), 6)})

    # Stable ids: greedy by overlap with the stored clusters, then anchor hashes.
    overlaps = []
    for i, dr in enumerate(drafts):
        counts: dict[str, int] = defaultdict(int)
        for d in dr["domains"]:
            if d in old_members:
                counts[old_members[d]] += 1
        for cid, c in counts.items():
            overlaps.append((-c, old_clusters.get(cid, {}).get("first_seen") or "", cid, i))
    overlaps.sort()
    assigned: dict[int, str] = {}
    used: set[str] = set()
    for _, _, cid, i in overlaps:
        if i not in assigned and cid not in used:
            assigned[i] = cid
            used.add(cid)
    for i, dr in enumerate(drafts):
        if i in assigned:
            continue
        salt = 0
        while (cid := new_cluster_id(dr["anchor"].id, salt)) in used:
            salt += 1
        assigned[i] = cid
        used.add(cid)

    out = []
    for i, dr in enumerate(drafts):
        cid = assigned[i]
        anchor_id = (old_clusters.get(cid) or {}).get("anchor") or dr["anchor"].id
        doms = dr["domains"]
        dset = set(doms)
        evidence = [{"kind": s.kind, "value": s.value, "weight": s.weight,
                     "domains": sorted(d for d in s.domains if d in dset)}
                    for s in sorted(dr["ev"].values(), key=lambda s: (-s.weight, s.kind, s.value))]
        cl: dict[str, Any] = {"id": cid, "domains": doms, "evidence": evidence, "score": dr["score"],
                              "size": len(doms), "anchor": anchor_id}
        if with_paths:
            a = dr["anchor"]
            root_dom = min(d for d in a.domains if d in dset) if a.domains else doms[0]
            paths = _paths(root_dom, doms, adj, db, set(dr["ev"]), with_urls=True, threshold=threshold)
            cl["anchor_domain"] = root_dom
            cl["members"] = [{"domain": d, "path": paths[d]} for d in doms]
        out.append(cl)
    out.sort(key=lambda c: (-c["size"], -c["score"], c["id"]))
    if persist:
        _persist(db, out, old_clusters, old_members, threshold, now)
    return out


def _persist(db: Any, clusters: list[dict[str, Any]], old_clusters: dict[str, dict[str, Any]],
             old_members: dict[str, str], threshold: float, now: str) -> None:
    conn = db.conn if hasattr(db, "conn") else db
    with conn:
        conn.execute(f"UPDATE [{CLUSTERS}] SET active = 0")
        conn.executemany(
            f"INSERT INTO [{CLUSTERS}] (id, anchor, size, score, domains, evidence, threshold, active, "
            "first_seen, last_seen) VALUES (?,?,?,?,?,?,?,1,?,?) ON CONFLICT(id) DO UPDATE SET "
            "size=excluded.size, score=excluded.score, domains=excluded.domains, evidence=excluded.evidence, "
            "threshold=excluded.threshold, active=1, last_seen=excluded.last_seen",
            [(c["id"], c["anchor"], c["size"], c["score"], dumps(c["domains"]),
              dumps([{k: e[k] for k in ("kind", "value", "weight", "domains")} for e in c["evidence"]]),
              threshold, now, now) for c in clusters])
        new_members = {}
        rows = []
        for c in clusters:
            paths = {m["domain"]: m["path"] for m in c.get("members", [])}
            for d in c["domains"]:
                new_members[d] = c["id"]
                rows.append((d, c["id"], dumps(paths.get(d, [])), now, now))
        gone = [(d,) for d, cid in old_members.items() if new_members.get(d) != cid]
        conn.executemany(f"DELETE FROM [{CLUSTER_MEMBERS}] WHERE domain = ?", gone)
        conn.executemany(
            f"INSERT INTO [{CLUSTER_MEMBERS}] (domain, cluster_id, path, first_seen, last_seen) "
            "VALUES (?,?,?,?,?) ON CONFLICT(domain) DO UPDATE SET path=excluded.path, last_seen=excluded.last_seen",
            rows)


def stored_clusters(db: Any, active_only: bool = True) -> list[dict[str, Any]]:
    """Clusters as stored by the last ``compute_clusters(persist=True)`` (no recomputation)."""
    if not table_exists(db, CLUSTERS):
        return []
    where = "WHERE active = 1" if active_only else ""
    out = []
    for cid, anchor, size, score, doms, ev, first, last, active in db.execute(
            f"SELECT id, anchor, size, score, domains, evidence, first_seen, last_seen, active FROM [{CLUSTERS}] "
            f"{where} ORDER BY size DESC, score DESC, id"):
        out.append({"id": cid, "domains": json.loads(doms or "[]"), "evidence": json.loads(ev or "[]"),
                    "score": score, "size": size, "anchor": anchor, "first_seen": first, "last_seen": last,
                    "active": bool(active)})
    return out


def cluster_of(db: Any, domain: str) -> str | None:
    """Stored cluster id of a domain, or None."""
    if not table_exists(db, CLUSTER_MEMBERS):
        return None
    row = db.execute(f"SELECT cluster_id FROM [{CLUSTER_MEMBERS}] WHERE domain = ?", [domain]).fetchone()
    return row[0] if row else None


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: building millions of acyclic dicts and tuples
    otherwise triggers full collections over an ever larger heap (quadratic time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
