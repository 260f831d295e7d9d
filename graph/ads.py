"""Ads as entities: ad rows from a platform's stored pages, ties between ads, ad clusters.

After a crawl, the pages of every listing platform (``MERCHINTEL_PLATFORMS``, or guessed
from structure by ``crawler.extractors.ads.guess_ad_template``) that match the platform's
ad URL template become ``ads`` rows keyed by canonical URL.  The contacts on an ad are
its page's phone, e-mail and messenger observations, less the platform's own (a value on
at least half of a platform's ads, three at least: the support line in the footer).

Two ads are tied by

* a shared contact, weighted like site links (graph/scoring.py kind weight) but with
  rarity over ads: a number counts fully on up to ``AD_SHARE_LIMITS[0]`` ads — one
  organiser's number on forty ads is the point, not noise — and fades above it;
* a near-duplicate text: MinHash signatures of word 5-shingles in an LSH index
  (datasketch), candidates kept at an estimated Jaccard similarity of at least
  ``MERCHINTEL_AD_SIMILARITY``; the evidence is the longest passage the two share.

Ads joined by contact ties of weight ``>= LINK_THRESHOLD`` or by text ties form a cluster
(a likely organiser).
Star edges (each ad to the first ad carrying the value) keep the tie count linear in the
ads; clusters do not depend on which pairs are stored.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator

import numpy as np
from datasketch import MinHash, MinHashLSH

from crawler import schema
from crawler.clock import now_iso
from crawler.config import default
from crawler.extractors.ads import canonical_url, ad_id, guess_ad_template, parse_ad, shared_passage, shingles
from crawler.extractors.ads import url_template, words
from crawler.kinds import kinds
from graph.scoring import LINK_THRESHOLD, kind_weight

CONTACT_FAMILIES = ("phones", "emails", "messengers")
AD_SHARE_LIMITS = (50, 2000)
NUM_PERM = 64
CHROME_SHARE = 0.5
CHROME_MIN_ADS = 3
AD_TEXT_CAP = 4000
MAX_CANDIDATES = 16    # LSH candidates checked per ad: one tie per ad is enough for clusters


def contact_kinds() -> frozenset[str]:
    return frozenset(n for n, k in kinds().items() if k.family in CONTACT_FAMILIES)


def ad_rarity(n_ads: int) -> float:
    """1 up to the soft limit of ads, soft/n up to the hard limit, 0 above it.

    >>> ad_rarity(40), ad_rarity(100), ad_rarity(5000)
    (1.0, 0.5, 0.0)
    """
    soft, hard = AD_SHARE_LIMITS
    n = max(int(n_ads), 1)
    return 1.0 if n <= soft else (0.0 if n > hard else soft / n)


@dataclass
class Ad:
    url: str
    domain: str
    identifiers: list[str] = field(default_factory=list)   # kind:value
    text: str = ""
    title: str | None = None
    ad_id: str | None = None
    template: str | None = None
    how: str = "setting"
    location: str | None = None
    price: str | None = None
    fingerprint: str = ""
    first_seen: str | None = None
    last_seen: str | None = None
    raw: dict[str, str] = field(default_factory=dict)      # kind:value -> as written
    run_id: str | None = None                               # run of the page's last fetch


@dataclass(frozen=True)
class AdTie:
    a: str
    b: str
    kind: str
    value: str
    weight: float
    evidence: str


# ---- from stored pages to ads ----------------------------------------------------------
def collect_ads(db: Any, platforms: Iterable[str] = (), *, case: str | None = None,
                min_pages: int = 10) -> list[Ad]:
    """The ads of every platform set or guessed among the stored sites (see module docstring)."""
    if not schema.table_exists(db, schema.PAGES):
        return []
    wanted = contact_kinds()
    contacts: dict[str, dict[str, str]] = defaultdict(dict)
    if schema.table_exists(db, schema.OBSERVATIONS):
        for url, kind, value, raw in db.execute(
                f"SELECT page_url, kind, value, raw FROM [{schema.OBSERVATIONS}] WHERE source IN ('page','script')"):
            if kind in wanted:
                contacts[url][f"{kind}:{value}"] = raw or value
    by_site: dict[str, list[tuple]] = defaultdict(list)
    where, params = "resource = 'page' AND status BETWEEN 200 AND 299", []
    if case:
        where += " AND case_name = ?"
        params.append(case)
    for row in db.execute(f"SELECT url, domain, title, text, first_seen, last_seen, run_id FROM [{schema.PAGES}] "
                          f"WHERE {where}", params):
        by_site[row[1]].append(row)
    platforms = frozenset(platforms)
    out: list[Ad] = []
    for domain, rows in sorted(by_site.items()):
        pages = [(r[0], bool(contacts.get(r[0]))) for r in rows]
        how = "setting" if domain in platforms else "guessed"
        template = (guess_ad_template(pages, min_pages=1, share=0.0) if how == "setting"
                    else guess_ad_template(pages, min_pages=min_pages))
        if template is None:
            continue
        ads = []
        for url, _, title, text, first, last, page_run in rows:
            if ad_id(url) is None or url_template(url) != template:
                continue
            fields = parse_ad(title, text)
            found = contacts.get(url, {})
            ads.append(Ad(canonical_url(url), domain, sorted(found), (text or "")[:AD_TEXT_CAP], fields.title,
                          ad_id(url), template, how, fields.location, fields.price, fields.fingerprint,
                          first, last, dict(found), page_run))
        out += strip_platform_text(drop_platform_contacts(ads))
    return out


def strip_platform_text(ads: list[Ad], k: int = 5) -> list[Ad]:
    """Keep only an ad's own words: words covered by a shingle on half the platform's ads or
    more (menus, footer, notices) are the platform's text, not the ad's."""
    grams_of = []
    count: dict[tuple[str, ...], int] = defaultdict(int)
    for ad in ads:
        w = words(ad.text)
        grams = [tuple(w[i:i + k]) for i in range(max(0, len(w) - k + 1))]
        grams_of.append((w, grams))
        for g in set(grams):
            count[g] += 1
    limit = max(CHROME_MIN_ADS, CHROME_SHARE * len(ads))
    for ad, (w, grams) in zip(ads, grams_of):
        chrome = [False] * len(w)
        for i, g in enumerate(grams):
            if count[g] >= limit:
                for j in range(i, i + k):
                    chrome[j] = True
        ad.text = " ".join(x for x, c in zip(w, chrome) if not c)[:AD_TEXT_CAP]
    return ads


def drop_platform_contacts(ads: list[Ad]) -> list[Ad]:
    """Leave out a platform's own contacts: values on half its ads or more (three at least)."""
    count: dict[str, int] = defaultdict(int)
    for ad in ads:
        for v in ad.identifiers:
            count[v] += 1
    limit = max(CHROME_MIN_ADS, CHROME_SHARE * len(ads))
    chrome = {v for v, n in count.items() if n >= limit}
    if chrome:
        for ad in ads:
            ad.identifiers = [v for v in ad.identifiers if v not in chrome]
    return ads


# ---- ties ------------------------------------------------------------------------------
def contact_ties(ads: list[Ad]) -> Iterator[AdTie]:
    """Shared contacts: one star edge per ad to the first ad carrying the value."""
    holders: dict[str, list[Ad]] = defaultdict(list)
    for ad in ads:
        for v in ad.identifiers:
            holders[v].append(ad)
    for v, group in holders.items():
        if len(group) < 2:
            continue
        kind, _, value = v.partition(":")
        w = round(kind_weight(kind) * ad_rarity(len(group)), 4)
        if w <= 0:
            continue
        first = group[0]
        for ad in group[1:]:
            yield AdTie(first.url, ad.url, kind, value, w, ad.raw.get(v, value))


_PERMUTATIONS: dict[int, Any] = {}


def _hash32(b: bytes) -> int:
    # CRC-32: fast, in C, and good enough under MinHash's random permutations; the
    # signatures live for one pass only, never stored.
    return zlib.crc32(b)


def minhash_of(grams: Iterable[str], num_perm: int = NUM_PERM) -> MinHash:
    """MinHash signature of a shingle set (permutations made once per num_perm, seed 1)."""
    perms = _PERMUTATIONS.get(num_perm)
    m = MinHash(num_perm=num_perm, hashfunc=_hash32, permutations=perms, scheme="affine32")
    if perms is None:
        _PERMUTATIONS[num_perm] = m.permutations
    m.update_batch([g.encode("utf-8") for g in grams])
    return m


def estimate(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures (hash values) of the same permutations."""
    return float(np.count_nonzero(a == b)) / len(a)


def text_ties(ads: list[Ad], threshold: float, *, num_perm: int = NUM_PERM,
              explain: bool = True) -> Iterator[AdTie]:
    """Near-duplicate texts: MinHash + LSH candidates at estimated Jaccard >= threshold.

    Each ad is tied to the first earlier ad of its candidates (linear in ads); identical
    texts (same fingerprint) are tied without a MinHash.
    """
    # Bands tuned against false negatives (weights): candidates are checked by their estimate anyway.
    lsh = MinHashLSH(threshold=min(max(threshold, 0.05), 0.9), num_perm=num_perm, weights=(0.1, 0.9))
    by_print: dict[str, Ad] = {}
    sigs: dict[str, np.ndarray] = {}   # hash values only: a MinHash object costs more
    text_of = {ad.url: ad.text for ad in ads}
    for ad in ads:
        if not ad.text:
            continue
        same = by_print.get(ad.fingerprint)
        if same is not None:
            yield AdTie(same.url, ad.url, "text", "1.0", 1.0, _passage(same.text, ad.text, explain))
            continue
        by_print[ad.fingerprint] = ad
        grams = shingles(ad.text)
        if not grams:
            continue
        m = minhash_of(grams, num_perm)
        best, best_j = None, 0.0
        for key in sorted(lsh.query(m))[:MAX_CANDIDATES]:
            j = estimate(m.hashvalues, sigs[key])
            if j >= threshold and (j > best_j or (j == best_j and key < best)):
                best, best_j = key, j
        if best is not None:
            yield AdTie(best, ad.url, "text", f"{best_j:.2f}", round(best_j, 4),
                        _passage(text_of[best], ad.text, explain))
        lsh.insert(ad.url, m)
        sigs[ad.url] = m.hashvalues


def _passage(a: str, b: str, explain: bool) -> str:
    return shared_passage(a, b)[:300] if explain else ""


def exact_shingle_ties(ads: list[Ad]) -> Iterator[AdTie]:
    """Baseline: ads whose shingle sets are identical (what an exact comparison finds)."""
    seen: dict[str, str] = {}
    for ad in ads:
        grams = shingles(ad.text)
        if not grams:
            continue
        key = hashlib.sha1("\n".join(sorted(grams)).encode("utf-8")).hexdigest()
        if key in seen:
            yield AdTie(seen[key], ad.url, "text", "1.0", 1.0, "")
        else:
            seen[key] = ad.url


# ---- clusters --------------------------------------------------------------------------
def ad_clusters(ads: list[Ad], ties: Iterable[AdTie], threshold: float = LINK_THRESHOLD) -> list[dict[str, Any]]:
    """Ads joined by ties of weight >= threshold; clusters of two ads or more, largest first."""
    parent: dict[str, str] = {ad.url: ad.url for ad in ads}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    why: dict[str, list[AdTie]] = defaultdict(list)
    kept = []
    for t in ties:
        # a text tie passed its own threshold (MERCHINTEL_AD_SIMILARITY) when it was made
        if (t.kind != "text" and t.weight < threshold) or t.a not in parent or t.b not in parent:
            continue
        kept.append(t)
        ra, rb = find(t.a), find(t.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[Ad]] = defaultdict(list)
    for ad in ads:
        groups[find(ad.url)].append(ad)
    for t in kept:
        why[find(t.a)].append(t)
    out = []
    for root, members in groups.items():
        if len(members) < 2:
            continue
        numbers = sorted({v for ad in members for v in ad.identifiers})
        out.append({
            "id": "A-" + hashlib.sha256(root.encode("utf-8")).hexdigest()[:10],
            "size": len(members),
            "ads": sorted(ad.url for ad in members),
            "platforms": sorted({ad.domain for ad in members}),
            "identifiers": numbers,
            "locations": sorted({ad.location for ad in members if ad.location}),
            "first_seen": min((ad.first_seen for ad in members if ad.first_seen), default=None),
            "last_seen": max((ad.last_seen for ad in members if ad.last_seen), default=None),
            "ties": why[root],
        })
    out.sort(key=lambda c: (-c["size"], c["id"]))
    return out


def platform_pairs(clusters: Iterable[dict[str, Any]]) -> dict[tuple[str, str], list[str]]:
    """Platforms linked by an ad cluster spanning them: (a, b) -> cluster ids."""
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in clusters:
        ps = c["platforms"]
        for i, a in enumerate(ps):
            for b in ps[i + 1:]:
                pairs[(a, b)].append(c["id"])
    return dict(pairs)


# ---- store -----------------------------------------------------------------------------
def refresh_ads(db: Any, *, platforms: Iterable[str] = (), case: str | None = None, run_id: str | None = None,
                similarity: float | None = None, text_days: int | None = None) -> dict[str, Any]:
    """Collect, store and tie the ads; record number events for ``run_id``; returns the clusters."""
    schema.ensure_schema(db)
    similarity = default("ad_similarity") if similarity is None else similarity
    text_days = default("ad_text_days") if text_days is None else text_days
    ads = collect_ads(db, platforms)
    ties = list(contact_ties(ads)) + list(text_ties(ads, similarity))
    clusters = ad_clusters(ads, ties)
    cluster_of = {u: c["id"] for c in clusters for u in c["ads"]}
    now = now_iso()
    with db.conn:
        for ad in ads:
            schema.upsert_seen(db, schema.ADS, {
                "url": ad.url, "domain": ad.domain, "ad_id": ad.ad_id, "template": ad.template,
                "platform_how": ad.how, "title": ad.title, "location": ad.location, "price": ad.price,
                "identifiers": schema.dumps(ad.identifiers), "fingerprint": ad.fingerprint,
                "text": ad.text if text_days > 0 else None, "cluster_id": cluster_of.get(ad.url),
                "case_name": case, "run_id": ad.run_id or run_id, "first_seen": ad.first_seen,
                "last_seen": ad.last_seen or now}, now=now)
        db.execute(f"DELETE FROM [{schema.AD_TIES}]")
        db[schema.AD_TIES].insert_all(({
            "key": schema.row_key(t.a, t.b, t.kind, t.value), "a": t.a, "b": t.b, "kind": t.kind,
            "value": t.value, "weight": t.weight, "evidence": t.evidence, "computed_at": now} for t in ties),
            pk="key", replace=True)
        erase_old_texts(db, text_days, now=now)
        if run_id:
            # only the platforms this run crawled, only the ad pages it fetched
            record_number_events(db, [ad for ad in ads if ad.run_id == run_id], run_id, now)
    return {"ads": len(ads), "ties": len(ties), "clusters": clusters}


def erase_old_texts(db: Any, days: int, *, now: str | None = None) -> int:
    """Erase the text of ads last seen more than ``days`` ago (all texts when days is 0)."""
    now_dt = datetime.fromisoformat((now or now_iso()).replace("Z", "+00:00"))
    cut = (now_dt - timedelta(days=max(days, 0))).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    cur = db.execute(f"UPDATE [{schema.ADS}] SET text = NULL WHERE text IS NOT NULL AND "
                     f"({days} <= 0 OR last_seen < ?)", [cut])
    return cur.rowcount


def record_number_events(db: Any, ads: list[Ad], run_id: str, at: str) -> None:
    """Per platform crawled in ``run_id``: numbers new, returned after an absence, vanished."""
    now_by_site: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for ad in ads:
        for v in ad.identifiers:
            now_by_site[ad.domain][v] += 1
    for domain, current in now_by_site.items():
        last = db.execute(f"SELECT DISTINCT run_id FROM [{schema.AD_NUMBER_EVENTS}] WHERE domain = ? "
                          f"AND run_id != ? ORDER BY at DESC LIMIT 1", [domain, run_id]).fetchone()
        ever = {r[0] for r in db.execute(f"SELECT DISTINCT value FROM [{schema.AD_NUMBER_EVENTS}] "
                                         f"WHERE domain = ? AND run_id != ?", [domain, run_id])}
        present_before = _present_at(db, domain, last[0]) if last else set()
        rows = []
        for v, n in current.items():
            event = None if v in present_before else ("returned" if v in ever else "new")
            rows.append({"key": schema.row_key(domain, run_id, v), "domain": domain, "run_id": run_id,
                         "value": v, "event": event or "present", "ads": n, "at": at})
        for v in present_before - set(current):
            rows.append({"key": schema.row_key(domain, run_id, v), "domain": domain, "run_id": run_id,
                         "value": v, "event": "vanished", "ads": 0, "at": at})
        db[schema.AD_NUMBER_EVENTS].insert_all(rows, pk="key", replace=True)


def _present_at(db: Any, domain: str, run_id: str) -> set[str]:
    return {r[0] for r in db.execute(f"SELECT value FROM [{schema.AD_NUMBER_EVENTS}] WHERE domain = ? AND "
                                     f"run_id = ? AND event != 'vanished'", [domain, run_id])}


def recurring_numbers(db: Any, *, since: str | None = None, min_ads: int = 2,
                      kinds_: Iterable[str] = ("phone", "whatsapp")) -> list[dict[str, Any]]:
    """Numbers by ads, platforms, locations, first/last seen (``merchintel phones --recurring``)."""
    if not schema.table_exists(db, schema.ADS):
        return []
    wanted = {f"{k}:" for k in kinds_}
    acc: dict[str, dict[str, Any]] = {}
    sql = f"SELECT url, domain, location, identifiers, first_seen, last_seen FROM [{schema.ADS}]"
    params: list[Any] = []
    if since:
        sql += " WHERE last_seen >= ?"
        params.append(since)
    for url, domain, location, idents, first, last in db.execute(sql, params):
        for v in json.loads(idents or "[]"):
            if not any(v.startswith(p) for p in wanted):
                continue
            a = acc.setdefault(v, {"value": v, "ads": set(), "platforms": set(), "locations": set(),
                                   "first_seen": first, "last_seen": last})
            a["ads"].add(url)
            a["platforms"].add(domain)
            if location:
                a["locations"].add(location)
            a["first_seen"] = min(filter(None, (a["first_seen"], first)), default=None)
            a["last_seen"] = max(filter(None, (a["last_seen"], last)), default=None)
    out = [{**a, "ads": len(a["ads"]), "platforms": sorted(a["platforms"]), "locations": sorted(a["locations"])}
           for a in acc.values() if len(a["ads"]) >= min_ads]
    out.sort(key=lambda r: (-r["ads"], -len(r["platforms"]), r["value"]))
    return out


def stored_ad_clusters(db: Any, *, case: str | None = None) -> list[dict[str, Any]]:
    """Ad clusters from the stored ads and ties (``merchintel ads``); only ads of ``case`` if given."""
    if not schema.table_exists(db, schema.ADS):
        return []
    sql = (f"SELECT url, domain, location, identifiers, first_seen, last_seen FROM [{schema.ADS}]"
           + (" WHERE case_name = ?" if case else ""))
    ads = [Ad(u, d, json.loads(i or "[]"), location=loc, first_seen=f, last_seen=la)
           for u, d, loc, i, f, la in db.execute(sql, [case] if case else [])]
    ties = [AdTie(*r) for r in db.execute(f"SELECT a, b, kind, value, weight, evidence FROM [{schema.AD_TIES}]")]
    return ad_clusters(ads, ties)
