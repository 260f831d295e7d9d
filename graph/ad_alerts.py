"""Alerts about ads (raise and store only; the shell delivers them like every alert).

Kinds and types, each raised once (a stable key):

    ad_number / ads             a number (phone, WhatsApp) is on ``min_ads`` ads or more
    ad_number / platforms       a number is on ads of ``min_platforms`` platforms or more
    ad_number / new_platform    a number known from ads of one platform shows up on another
    ad_text / new_ad            a new ad is written from the text of a known ad cluster

"New" means first seen at or after ``since`` (the crawl run's start): the ads table keeps
each ad's first sighting, so a re-crawl raises nothing again.  Thresholds are
``MERCHINTEL_AD_ALERT_ADS`` and ``MERCHINTEL_AD_ALERT_PLATFORMS``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from crawler import schema
from crawler.config import default

NUMBER_KINDS = ("phone:", "whatsapp:")


def _alert(kind: str, type_: str, key_parts: tuple, frm: str | None, to: str | None, evidence: list,
           summary: str, now: str, run_id: str | None, cluster: str | None = None) -> dict[str, Any]:
    return {"key": schema.row_key(kind, type_, *key_parts), "kind": kind, "type": type_, "from": frm, "to": to,
            "evidence": evidence, "jurisdiction": {}, "cases": [], "summary": summary, "detected_at": now,
            "run_id": run_id, "cluster": cluster}


def ad_alerts(db: Any, *, since: str, now: str, run_id: str | None = None, min_ads: int | None = None,
              min_platforms: int | None = None) -> list[dict[str, Any]]:
    """Alerts the stored ads call for (not yet stored ones only); see the module docstring."""
    if not schema.table_exists(db, schema.ADS):
        return []
    min_ads = default("ad_alert_ads") if min_ads is None else min_ads
    min_platforms = default("ad_alert_platforms") if min_platforms is None else min_platforms
    ads = {r[0]: r for r in db.execute(
        f"SELECT url, domain, identifiers, first_seen, cluster_id, case_name FROM [{schema.ADS}]")}
    by_number: dict[str, list[tuple]] = defaultdict(list)
    for row in ads.values():
        for v in json.loads(row[2] or "[]"):
            if v.startswith(NUMBER_KINDS):
                by_number[v].append(row)
    out = []
    for v, rows in sorted(by_number.items()):
        platforms = sorted({r[1] for r in rows})
        urls = sorted(r[0] for r in rows)
        if len(rows) >= min_ads:
            out.append(_alert("ad_number", "ads", (v, min_ads), platforms[0], None,
                              [{"value": v, "ads": len(rows), "examples": urls[:5]}],
                              f"{v} is on {len(rows)} ads ({', '.join(platforms)})", now, run_id, rows[0][4]))
        if len(platforms) >= min_platforms:
            out.append(_alert("ad_number", "platforms", (v, min_platforms), platforms[0], platforms[-1],
                              [{"value": v, "platforms": platforms, "ads": len(rows)}],
                              f"{v} is on ads of {len(platforms)} platforms: {', '.join(platforms)}", now, run_id,
                              rows[0][4]))
        first_on: dict[str, str] = {}
        for r in rows:
            if r[3] and (r[1] not in first_on or r[3] < first_on[r[1]]):
                first_on[r[1]] = r[3]
        old = {p for p, t in first_on.items() if t < since}
        for p, t in sorted(first_on.items()):
            if t >= since and old:
                out.append(_alert("ad_number", "new_platform", (v, p), sorted(old)[0], p,
                                  [{"value": v, "known_on": sorted(old), "new_on": p,
                                    "ads": sorted(r[0] for r in rows if r[1] == p)[:5]}],
                                  f"{v}, known from {', '.join(sorted(old))}, is now on {p}", now, run_id, rows[0][4]))
    # a new ad in a known text cluster: the ads joined by text ties (each ad checks only a few
    # LSH candidates, so a new ad may be tied only to other new ads of the same text), with an
    # ad seen before this run among them
    parent: dict[str, str] = {}

    def root(u: str) -> str:
        while parent.setdefault(u, u) != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for a, b in db.execute(f"SELECT a, b FROM [{schema.AD_TIES}] WHERE kind = 'text'"):
        if ads.get(a) and ads.get(b) and ads[a][3] and ads[b][3]:
            parent[root(a)] = root(b)
    members: dict[str, list[tuple]] = defaultdict(list)
    for u in parent:
        members[root(u)].append(ads[u])
    for group in members.values():
        known_ads = sorted((r for r in group if r[3] < since), key=lambda r: (r[3], r[0]))
        if not known_ads:
            continue
        known = known_ads[0]
        for new in sorted(r for r in group if r[3] >= since):
            out.append(_alert("ad_text", "new_ad", (new[0],), known[1], new[1],
                              [{"new_ad": new[0], "like": known[0], "cluster": known[4]}],
                              f"new ad {new[0]} is written from the text of ad cluster {known[4]}", now, run_id,
                              known[4]))
    stored = {r[0] for r in db.execute(f"SELECT key FROM [{schema.ALERTS}]")} if schema.table_exists(
        db, schema.ALERTS) else set()
    seen: set[str] = set()
    fresh = []
    for a in out:
        if a["key"] not in stored and a["key"] not in seen:
            seen.add(a["key"])
            fresh.append(a)
    return fresh


def store_ad_alerts(db: Any, alerts: list[dict[str, Any]]) -> None:
    """Store raised ad alerts in the alerts table (once each)."""
    if not alerts:
        return
    with db.conn:
        db[schema.ALERTS].insert_all([{
            "key": a["key"], "kind": a["kind"], "type": a["type"], "from_domain": a["from"], "to_domain": a["to"],
            "evidence": schema.dumps(a["evidence"]), "jurisdiction": "{}", "cases": "[]", "summary": a["summary"],
            "detected_at": a["detected_at"], "run_id": a["run_id"], "cluster_id": a.get("cluster"),
        } for a in alerts], pk="key", ignore=True)
