"""Ads in the exported graph: ad nodes, their ties, and platforms linked by ad clusters.

Nodes ``ad:<canonical URL>`` (``ad:hmac:…`` when pseudonymised) carry the platform, ad id,
location, price text, fingerprint, ad cluster and first/last seen; the title and the ad
text only when asked (``with_text``) and never under a pseudonymisation key — both may name
the person in the ad.  Edges:

    domain — ad          kind ``ad``: the platform carries the ad
    ad — value           kind ``on_ad``: a contact on the ad (the value node is the site graph's)
    ad — ad              kind ``ad_tie``: a shared contact or a near-duplicate text (``tie``
                         says which; the shared passage only with ``with_text``)
    domain — domain      kind ``ad_cluster``: an ad cluster spans both platforms

Pure reading of the ads and ad_ties tables (graph/ads.py writes them).
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

from crawler.extractors.ads import canonical_url
from crawler.schema import ADS, AD_TIES, table_exists
from graph.ads import platform_pairs, stored_ad_clusters
from graph.pseudonymize import pseudonym


class AdGraph:
    """Ad nodes and edges for GraphSource: ``in_scope(domain)`` filters platforms,
    ``shown(kind, value)`` pseudonymises contact values like the rest of the graph."""

    def __init__(self, db: Any, *, in_scope: Callable[[str], bool], shown: Callable[[str, str], str],
                 key: str | bytes | None = None, with_text: bool = False) -> None:
        self.db, self.in_scope, self.shown, self.key = db, in_scope, shown, key
        self.with_text = with_text and not key
        self.present = table_exists(db, ADS)
        self.urls: dict[str, str] = {}

    def ad_id(self, url: str) -> str:
        return "ad:" + (pseudonym("ad", url, self.key) if self.key else url)

    def nodes(self) -> Iterator[tuple[str, dict[str, Any]]]:
        if not self.present:
            return
        for row in self.db.query(f"SELECT * FROM [{ADS}] ORDER BY domain, url"):
            if not self.in_scope(row["domain"]):
                continue
            nid = self.ad_id(row["url"])
            self.urls[row["url"]] = nid
            attrs = {"kind": "ad", "group": "ad", "platform": row["domain"], "ad_id": None if self.key else row["ad_id"],
                     "value": nid[3:], "label": (row["title"] if self.with_text and row["title"] else
                                                 f"ad {row['ad_id'] or ''} {row['location'] or ''}".strip()),
                     "location": row["location"], "price": row["price"], "fingerprint": row["fingerprint"],
                     "ad_cluster": row["cluster_id"], "first_seen": row["first_seen"], "last_seen": row["last_seen"],
                     "personal": True}
            if self.with_text:
                attrs["title"], attrs["text"] = row["title"], row["text"]
            yield nid, {k: v for k, v in attrs.items() if v is not None and v != ""}

    def hide(self, urls: Any) -> list[str]:
        """Evidence URLs with every ad page replaced by its (pseudonymised) ad node id."""
        if not self.urls:
            return list(urls)
        return [self.urls.get(canonical_url(u), u) if u.startswith("http") else u for u in urls]

    def values(self) -> Iterator[tuple[str, str]]:
        """(kind, value) of every contact on an ad in scope (nodes the site graph may lack)."""
        for url in self.urls:
            for v in self._identifiers(url):
                kind, _, value = v.partition(":")
                yield kind, value

    def _identifiers(self, url: str) -> list[str]:
        row = self.db.execute(f"SELECT identifiers FROM [{ADS}] WHERE url = ?", [url]).fetchone()
        return json.loads(row[0] or "[]") if row else []

    def edges(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        if not self.present:
            return
        for url, domain, idents, first, last in self.db.execute(
                f"SELECT url, domain, identifiers, first_seen, last_seen FROM [{ADS}] ORDER BY domain, url"):
            nid = self.urls.get(url)
            if nid is None:
                continue
            yield f"domain:{domain}", nid, {"kind": "ad", "first_seen": first, "last_seen": last}
            for v in json.loads(idents or "[]"):
                kind, _, value = v.partition(":")
                yield nid, f"{kind}:{self.shown(kind, value)}", {"kind": "on_ad"}
        for a, b, kind, value, weight, evidence in self.db.execute(
                f"SELECT a, b, kind, value, weight, evidence FROM [{AD_TIES}]"):
            if a not in self.urls or b not in self.urls:
                continue
            if kind == "text":
                shown = f"text:{value}"
                ev = evidence if self.with_text else None
            else:
                shown = f"{kind}:{self.shown(kind, value)}"
                ev = shown
            attrs = {"kind": "ad_tie", "tie": shown, "weight": weight}
            if ev:
                attrs["evidence"] = [ev]
            yield self.urls[a], self.urls[b], attrs
        clusters = [c for c in stored_ad_clusters(self.db) if any(self.in_scope(p) for p in c["platforms"])]
        for (a, b), ids in sorted(platform_pairs(clusters).items()):
            if self.in_scope(a) and self.in_scope(b):
                yield f"domain:{a}", f"domain:{b}", {"kind": "ad_cluster", "evidence": ids,
                                                     "evidence_count": len(ids)}
