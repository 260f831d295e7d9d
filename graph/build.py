"""The explained graph, straight from the evidence store.

Nodes (id ``kind:value``):
    domain:shop-a.se         a registered domain (site)
    hostname:www.shop-a.se   a hostname seen for it (sites.hostnames)
    phone:+46701234567, btc_address:bc1…, ip:203.0.113.7, nameserver:ns1.x.net, …
                             every identifier and infrastructure value observed
Edges:
    domain — value           one per (domain, kind, value): kind, first_seen, last_seen,
                             evidence (page URLs, dns:/whois:/rdap: record ids), sources
    domain — hostname        kind ``hostname``
    domain — domain          kind ``link``: score and the shared values (graph/links.py),
                             only at or above ``min_score`` (default: the link threshold);
                             kind ``redirect`` / ``moved_to`` when one site leads to the other
                             (graph/ties.py): ``direction``, ``via``, page URLs as evidence
    ad:<canonical URL>       an ad of a listing platform, with its edges (platform — ad, ad —
                             contact, ad — ad ties, platforms spanned by one ad cluster):
                             graph/ad_graph.py
Domain nodes carry the site's facts (status, final domain, IPs, ASNs with names, hosting
countries, registrar, creation date, report ids and sources); IP and AS nodes are labelled
with the AS name and country.

``GraphSource`` yields nodes, then edges, from SQL aggregations (GROUP BY domain, kind,
value) so exports can stream them without building the graph; ``build_graph`` puts the
same stream into a networkx Graph.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import networkx as nx

from crawler.errors import ExportError
from crawler.kinds import kind as kind_row
from crawler.schema import CASE_SITES, OBSERVATIONS, SITES, table_exists
from enrich.facts import all_site_facts, ip_labels
from graph.ad_graph import AdGraph
from graph.clusters import compute_clusters, no_gc
from graph.links import all_links
from graph.pseudonymize import pseudonym
from graph.scoring import LINK_THRESHOLD, value_stats
from graph.ties import TIE_KINDS, site_ties, ties_by_pair

EVIDENCE_PER_EDGE = 5
INFRA_FAMILIES = frozenset({"dns", "hosting", "whois"})


class GraphSource:
    """Nodes then edges of the (filtered) graph, as ``(id, attrs)`` and ``(u, v, attrs)``.

    case: only the case's sites; since: only observations last seen at/after this UTC
    time; cluster: only that cluster's members; min_score: link edges below it and value
    nodes weighing less are left out; pseudonymize: HMAC key for personal values.
    """

    def __init__(self, db: Any, *, case: str | None = None, since: str | None = None,
                 cluster: str | None = None, min_score: float | None = None,
                 pseudonymize: str | bytes | None = None, links: bool = True, ad_text: bool = False) -> None:
        self.db = db
        self.case, self.cluster = case, cluster
        self.since = since
        self.min_score = min_score
        self.key = pseudonymize
        self.stats = value_stats(db, with_domains=True)
        self.ties = site_ties(db) if links else []
        self.ties_of = ties_by_pair(self.ties)
        self.links = all_links(db, self.stats, ties=self.ties) if links else {}
        self.facts = all_site_facts(db)
        self.labels = ip_labels(db)
        self.clusters = compute_clusters(db, persist=False, stats=self.stats, links=self.links,
                                         with_paths=False) if links else []
        self.cluster_of = {d: c["id"] for c in self.clusters for d in c["domains"]}
        scope: set[str] | None = None
        if case is not None:
            scope = {r[0] for r in db.execute(f"SELECT domain FROM [{CASE_SITES}] WHERE case_name = ?", [case])} \
                if table_exists(db, CASE_SITES) else set()
        if cluster is not None:
            members = {d for d, c in self.cluster_of.items() if c == cluster}
            if not members:
                raise ExportError(f"no cluster {cluster} in this database; list them with `merchintel clusters`.")
            scope = members if scope is None else scope & members
        self.scope = scope
        self._kinds: dict[str, Any] = {}
        self.ads = AdGraph(db, in_scope=self._in, shown=self.shown, key=pseudonymize, with_text=ad_text)

    # -- helpers -------------------------------------------------------------------------
    def _kind(self, kind: str):
        k = self._kinds.get(kind)
        if k is None:
            k = self._kinds[kind] = kind_row(kind)
        return k

    def node_id(self, kind: str, value: str) -> str:
        return f"{kind}:{self.shown(kind, value)}"

    def shown(self, kind: str, value: str) -> str:
        """The value as exported: pseudonymised for personal kinds when a key is set."""
        if self.key and self._kind(kind).personal:
            return pseudonym(kind, value, self.key)
        return value

    def _in(self, domain: str) -> bool:
        return self.scope is None or domain in self.scope

    def _value_kept(self, kind: str, value: str) -> bool:
        if self.min_score is None:
            return True
        st = self.stats.get((kind, value))
        return st is not None and st.weight >= self.min_score

    def _obs_rows(self, sql_select: str, group: str) -> Iterator[tuple]:
        where, params = ["domain IS NOT NULL", "domain != ''"], []
        if self.since:
            where.append("last_seen >= ?")
            params.append(self.since)
        base = f"SELECT {sql_select} FROM [{OBSERVATIONS}] WHERE {' AND '.join(where)}"
        if self.scope is None:
            yield from self.db.execute(f"{base} GROUP BY {group}", params)
            return
        doms = sorted(self.scope)
        for i in range(0, len(doms), 500):
            chunk = doms[i:i + 500]
            yield from self.db.execute(f"{base} AND domain IN ({','.join('?' * len(chunk))}) GROUP BY {group}",
                                       params + chunk)

    def _edge_rows(self) -> Iterator[tuple]:
        """(domain, kind, value, first_seen, last_seen, n_urls, urls, sources) per edge.

        Reads observations in domain order (the domain index: no sort of the whole table)
        and aggregates one domain at a time; GROUP BY domain, kind, value would sort
        everything and grow faster than the data.
        """
        where, params = ["domain IS NOT NULL", "domain != ''"], []
        if self.since:
            where.append("last_seen >= ?")
            params.append(self.since)
        base = (f"SELECT domain, kind, value, first_seen, last_seen, page_url, source FROM [{OBSERVATIONS}] "
                f"WHERE {' AND '.join(where)}")
        if self.scope is None:
            queries = [(f"{base} ORDER BY domain", params)]
        else:
            doms = sorted(self.scope)
            queries = [(f"{base} AND domain IN ({','.join('?' * len(c))}) ORDER BY domain", params + c)
                       for c in (doms[i:i + 500] for i in range(0, len(doms), 500))]
        for sql, args in queries:
            cur = None
            acc: dict[tuple[str, str], list] = {}
            for dom, kind, value, first, last, url, source in self.db.execute(sql, args):
                if dom != cur:
                    yield from _flush(cur, acc)
                    cur, acc = dom, {}
                a = acc.get((kind, value))
                if a is None:
                    acc[(kind, value)] = [first, last, {url} if url else set(), {source} if source else set()]
                else:
                    if first and (not a[0] or first < a[0]):
                        a[0] = first
                    if last and (not a[1] or last > a[1]):
                        a[1] = last
                    if url:
                        a[2].add(url)
                    if source:
                        a[3].add(source)
            yield from _flush(cur, acc)

    def _sites(self) -> dict[str, tuple]:
        out = {}
        for dom, hostnames, first, last, status in self.db.execute(
                f"SELECT domain, hostnames, first_crawled, last_crawled, last_status FROM [{SITES}]"):
            if self._in(dom):
                out[dom] = (hostnames, first, last, status)
        return out

    def link_edges(self) -> list[tuple[str, str, float, Any]]:
        floor = LINK_THRESHOLD if self.min_score is None else self.min_score
        out = []
        for (a, b), link in self.links.items():
            if self._in(a) and self._in(b):
                s = link.score
                if s >= floor:
                    out.append((a, b, s, link))
        return out

    def clusters_shown(self) -> list[dict[str, Any]]:
        """Clusters touching the scope, personal evidence values pseudonymised."""
        out = []
        for c in self.clusters:
            doms = [d for d in c["domains"] if self._in(d)]
            if not doms:
                continue
            out.append({"id": c["id"], "domains": doms, "score": c["score"], "size": len(doms),
                        "anchor": c["anchor"].split(":", 1)[0] + ":" + self.shown(*c["anchor"].split(":", 1)),
                        "evidence": [{"kind": e["kind"], "value": self.shown(e["kind"], e["value"]),
                                      "weight": e["weight"], "domains": [d for d in e["domains"] if self._in(d)]}
                                     for e in c["evidence"]]})
        return out

    # -- stream --------------------------------------------------------------------------
    def nodes(self) -> Iterator[tuple[str, dict[str, Any]]]:
        ids = self._ids = {}
        sites = self._sites()
        obs_domains = {r[0] for r in self._obs_rows("domain", "domain")}
        tied = {d for t in self.ties for d in (t.a, t.b) if self._in(d)}
        if self.since:
            domains = sorted(obs_domains | {d for d, s in sites.items() if (s[2] or "") >= self.since}
                             | {d for t in self.ties if (t.last_seen or "") >= self.since for d in (t.a, t.b)
                                if self._in(d)})
        else:
            domains = sorted(obs_domains | set(sites) | tied)
        self._domains = set(domains)
        for d in domains:
            hostnames, first, last, status = sites.get(d, (None, None, None, None))
            facts = self.facts.get(d, {})
            attrs = {"kind": "domain", "value": d, "label": d, "group": "domain", "first_seen": first,
                     "last_seen": last, "status": status, "cluster": self.cluster_of.get(d),
                     "final_domain": facts.get("final_domain"), "ips": facts.get("ips"),
                     "asns": facts.get("asns"), "countries": facts.get("countries"),
                     "registrar": facts.get("registrar"), "created": facts.get("created"),
                     "report_ids": facts.get("report_ids"), "report_sources": facts.get("report_sources")}
            nid = f"domain:{d}"
            ids[nid] = nid
            yield nid, _clean(attrs)
            for h in _hostnames(hostnames):
                if h != d:
                    yield f"hostname:{h}", {"kind": "hostname", "value": h, "label": h, "group": "hostname"}
        if self.scope is None and not self.since:
            keys = self.stats.keys()
        else:
            keys = sorted({(k, v) for k, v in self._obs_rows("kind, value", "kind, value")})
        for kind, value in keys:
            if not self._value_kept(kind, value):
                continue
            st = self.stats.get((kind, value))
            k = self._kind(kind)
            shown = self.shown(kind, value)
            attrs = {"kind": kind, "value": shown, "label": shown,
                     "group": "infrastructure" if k.family in INFRA_FAMILIES else "identifier",
                     "family": k.family, "strength": k.strength, "personal": bool(k.personal),
                     "weight": st.weight if st else None, "n_domains": st.n_domains if st else None,
                     "cdn": True if st and st.cdn else None,
                     "first_seen": st.first_seen if st else None, "last_seen": st.last_seen if st else None}
            if kind in ("ip", "asn"):
                # hosting named: "203.0.113.7 (AS64501 BPHOST, RU)", "AS64501 BPHOST"
                info = self.labels.get(value) or {}
                attrs["as_name"], attrs["country"] = info.get("as_name"), info.get("country")
                if kind == "ip" and info.get("asn") is not None:
                    name, cc = info.get("as_name") or "", info.get("country") or ""
                    if cc and not name.endswith(cc):   # Cymru names end with ", CC" already
                        name = f"{name}, {cc}" if name else cc
                    attrs["label"] = f"{value} (AS{info['asn']}" + (f" {name}" if name else "") + ")"
                elif kind == "asn" and info.get("as_name"):
                    attrs["label"] = f"{value} {info['as_name']}"
            nid = f"{kind}:{shown}"
            ids[nid] = nid
            yield nid, _clean(attrs)
        yield from self._ad_nodes(ids)

    def _ad_nodes(self, ids: dict[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
        """Ad nodes (graph/ad_graph.py), and the contacts on them the filters left out."""
        for nid, attrs in self.ads.nodes():
            ids[nid] = nid
            yield nid, attrs
        for kind, value in sorted(set(self.ads.values())):
            nid = self.node_id(kind, value)
            if nid not in ids:
                ids[nid] = nid
                k = self._kind(kind)
                shown = self.shown(kind, value)
                yield nid, _clean({"kind": kind, "value": shown, "label": shown, "group": "identifier",
                                   "family": k.family, "strength": k.strength, "personal": bool(k.personal)})

    def edges(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """Call after nodes() has been consumed."""
        domains = getattr(self, "_domains", None)
        if domains is None:
            for _ in self.nodes():
                pass
            domains = self._domains
        for dom, hostnames in self.db.execute(f"SELECT domain, hostnames FROM [{SITES}]"):
            if dom in domains:
                for h in _hostnames(hostnames):
                    if h != dom:
                        yield f"domain:{dom}", f"hostname:{h}", {"kind": "hostname"}
        kept = self._value_kept
        node_id = self.node_id
        # Reuse one string object per node id / time / kind: networkx keeps the objects it is
        # given, and a million edges with their own copies cost hundreds of MB.
        ids: dict[str, str] = self._ids
        same: dict[str, str] = {}
        for dom, kind, value, first, last, count, urls, sources in self._edge_rows():
            if not kept(kind, value):
                continue
            kind = same.setdefault(kind, kind)
            attrs: dict[str, Any] = {"kind": kind}
            if first:
                attrs["first_seen"] = same.setdefault(first, first)
            if last:
                attrs["last_seen"] = same.setdefault(last, last)
            if urls:
                attrs["evidence"] = self.ads.hide(urls[:EVIDENCE_PER_EDGE]) if self.key else urls[:EVIDENCE_PER_EDGE]
                attrs["evidence_count"] = count
            if sources:
                attrs["sources"] = same.setdefault(sources, sources)
            u = "domain:" + dom
            v = node_id(kind, value)
            yield ids.setdefault(u, u), ids.setdefault(v, v), attrs
        ad_edges = list(self.ads.edges())
        ad_pairs = {frozenset((u, v)): attrs for u, v, attrs in ad_edges if attrs["kind"] == "ad_cluster"}
        for u, v, attrs in ad_edges:
            if attrs["kind"] != "ad_cluster":
                yield u, v, attrs
        for a, b, score, link in self.link_edges():
            shared = [f"{s.kind}:{self.shown(s.kind, s.value)}"
                      for s in sorted(link.shared, key=lambda s: (-s.weight, s.kind, s.value))]
            times = [s.first_seen for s in link.shared if s.first_seen]
            lasts = [s.last_seen for s in link.shared if s.last_seen]
            attrs = {"kind": "link", "score": score, "evidence": shared, "evidence_count": len(shared),
                     "first_seen": min(times) if times else None, "last_seen": max(lasts) if lasts else None}
            ties = self.ties_of.get((a, b))
            if ties:
                # A redirect / moved notice: the edge says so, points from the old site to the
                # new one, and quotes the pages (and chains' kinds) that prove it.
                ties = sorted(ties, key=lambda t: TIE_KINDS.index(t.kind))
                a, b = ties[0].a, ties[0].b
                urls = [u for t in ties for u in t.urls()]
                attrs.update(kind=ties[0].kind, tie=" | ".join(f"{t.kind}:{t.value}" for t in ties),
                             direction=f"{ties[0].a} -> {ties[0].b}",
                             via=sorted({v for t in ties for v in t.via}) or None,
                             evidence=urls + shared, evidence_count=len(urls) + len(shared))
            spans = ad_pairs.pop(frozenset((f"domain:{a}", f"domain:{b}")), None)
            if spans:   # platforms already linked: the edge also names the ad clusters spanning both
                attrs["ad_clusters"] = spans["evidence"]
            yield f"domain:{a}", f"domain:{b}", _clean(attrs)
        for pair, attrs in sorted(ad_pairs.items(), key=lambda kv: sorted(kv[0])):
            u, v = sorted(pair)
            yield u, v, attrs


def _flush(dom: str | None, acc: dict[tuple[str, str], list]) -> Iterator[tuple]:
    for (kind, value), (first, last, urls, sources) in acc.items():
        ev = tuple(sorted(urls)) if len(urls) > 1 else tuple(urls)
        src = ",".join(sorted(sources)) if len(sources) > 1 else next(iter(sources), None)
        yield dom, kind, value, first, last, len(ev), ev, src


def _hostnames(raw: str | None) -> list[str]:
    if not raw:
        return []
    try:
        got = json.loads(raw)
    except ValueError:
        return []
    return [h for h in got if isinstance(h, str) and h] if isinstance(got, list) else []


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    """Drop None and empty values (Gephi refuses "None" in a typed attribute)."""
    return {k: v for k, v in attrs.items() if v is not None and v != "" and v != []}


def build_graph(db: Any, case: str | None = None, since: str | None = None, **filters: Any) -> nx.Graph:
    """The graph as a networkx Graph (see the module docstring); filters as GraphSource."""
    with no_gc():
        src = GraphSource(db, case=case, since=since, **filters)
        g = nx.Graph()
        g.graph["clusters"] = src.clusters
        g.add_nodes_from(src.nodes())
        g.add_edges_from(src.edges())
    return g


