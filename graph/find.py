"""Search the store by an identifier: which sites and cases carry a value, since when, where.

The value is canonicalised the way the extractors do it (crawler.extractors): a wallet,
an IBAN with spaces, ``+46 70-123 45 67``, ``Sales@Shop-B.com``, ``t.me/shopa_support`` or a
tracker id as written on a page all find the stored identifier.  ``kind:value`` (as
``merchintel links`` and the exports print it) is taken as it is; so is any stored value
typed exactly (a name server, a registrar).

>>> candidates("   ")
[]
"""

from __future__ import annotations

from typing import Any

from crawler.extractors import extract_all
from crawler.extractors.model import Page
from crawler.schema import CASE_SITES, IDENTIFIERS, OBSERVATIONS, table_exists

EVIDENCE_URLS = 5


def candidates(text: str) -> list[tuple[str, str]]:
    """(kind, value) pairs the text may mean, canonical first."""
    text = (text or "").strip()
    out: list[tuple[str, str]] = []
    if not text:
        return out
    # What an extractor makes of the value on its own, then labelled as a wallet/contact
    # (some kinds are only taken in context: "BTC: …", "Telegram: @…").
    for probe in (text, f"Bitcoin: {text}", f"Telegram: {text}", f"E-mail: {text}", f"Tel: {text}"):
        try:
            found = extract_all(Page(probe, content_type="text"))
        except Exception:   # an extractor bug must not break a search
            found = []
        for ident in found:
            if (ident.kind, ident.value) not in out:
                out.append((ident.kind, ident.value))
        if out:
            break
    kind, sep, value = text.partition(":")
    if sep and kind.replace("_", "").isalnum() and kind.islower() and value:
        out.insert(0, (kind, value))
    return out


def find_value(db: Any, text: str) -> list[dict[str, Any]]:
    """Every stored identifier the text means, with the sites and cases carrying it:
    ``[{"kind", "value", "first_seen", "last_seen", "sites": [{"domain", "cases", "first_seen",
    "last_seen", "evidence": [page URLs or dns:/whois:/rdap: records]}]}]``; [] if none."""
    if not table_exists(db, OBSERVATIONS):
        return []
    wanted = candidates(text)
    raw = text.strip()
    seen: set[tuple[str, str]] = set()
    for kind, value in list(wanted) + [(None, raw), (None, raw.lower())]:
        if kind is None:
            rows = db.execute(f"SELECT DISTINCT kind, value FROM [{IDENTIFIERS}] WHERE value = ?", [value]) \
                if table_exists(db, IDENTIFIERS) else []
            rows = list(rows) or list(db.execute(
                f"SELECT DISTINCT kind, value FROM [{OBSERVATIONS}] WHERE value = ?", [value]))
            for k, v in rows:
                if (k, v) not in wanted:
                    wanted.append((k, v))
    out = []
    for kind, value in wanted:
        if (kind, value) in seen or kind is None:
            continue
        seen.add((kind, value))
        sites: dict[str, dict[str, Any]] = {}
        for dom, url, first, last, case in db.execute(
                f"SELECT domain, page_url, first_seen, last_seen, case_name FROM [{OBSERVATIONS}] "
                f"WHERE kind = ? AND value = ? ORDER BY domain, first_seen", [kind, value]):
            s = sites.setdefault(dom, {"domain": dom, "cases": set(), "first_seen": first, "last_seen": last,
                                       "evidence": []})
            if first and (not s["first_seen"] or first < s["first_seen"]):
                s["first_seen"] = first
            if last and (not s["last_seen"] or last > s["last_seen"]):
                s["last_seen"] = last
            if url and url not in s["evidence"] and len(s["evidence"]) < EVIDENCE_URLS:
                s["evidence"].append(url)
            if case:
                s["cases"].add(case)
        if not sites:
            continue
        if table_exists(db, CASE_SITES):
            doms = list(sites)
            for dom, case in db.execute(f"SELECT domain, case_name FROM [{CASE_SITES}] WHERE domain IN "
                                        f"({','.join('?' * len(doms))})", doms):
                sites[dom]["cases"].add(case)
        rows = [{**s, "cases": sorted(s["cases"])} for s in sites.values()]
        out.append({"kind": kind, "value": value,
                    "first_seen": min((r["first_seen"] for r in rows if r["first_seen"]), default=None),
                    "last_seen": max((r["last_seen"] for r in rows if r["last_seen"]), default=None),
                    "sites": rows})
    return out
