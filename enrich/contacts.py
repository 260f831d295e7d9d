"""Whom to notify about a site, and why: registrar abuse, hosting (IP network) abuse, the
origin AS's abuse desk, and the payment processors whose identifiers were seen on it.

The processor table is data (``enrich/data/payment_processors.json``): one row per
processor with the identifier kinds (or kind prefixes) that reveal it.

>>> processor_for("paypal_business")["name"], processor_for("ccbill_account")["name"]
('PayPal', 'CCBill')
>>> processor_for("btc_address") is None     # a wallet is not a processor account
True
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler.schema import (ABUSE_CONTACTS, AS_INFO, DNS_RECORDS, IP_NETWORKS, OBSERVATIONS, WHOIS_RECORDS,
                            row_key, upsert_seen)

DATA = Path(__file__).resolve().parent / "data" / "payment_processors.json"
SOURCES = ("registrar", "hosting", "asn", "payment")


@lru_cache(maxsize=1)
def processors() -> list[dict[str, Any]]:
    return json.loads(DATA.read_text("utf-8"))["processors"]


def processor_for(kind: str) -> dict[str, Any] | None:
    """The processor an identifier kind belongs to, or None."""
    for p in processors():
        for k in p["kinds"]:
            if kind == k or (k.endswith("_") and kind.startswith(k)):
                return p
    return None


def _one(db, sql: str, params: list) -> dict | None:
    for row in db.query(sql, params):
        return row
    return None


NO_ADDRESS = "(no abuse address on record)"


def compute_contacts(db, domain: str, *, include_missing: bool = False) -> list[dict[str, str]]:
    """The contacts for one site from what is stored (no query is sent).

    ``include_missing``: a registrar known without an abuse address is listed too, its
    contact ``NO_ADDRESS`` and a detail saying so (``merchintel contacts`` shows it; the
    stored ``abuse_contacts`` table keeps addresses only)."""
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(contact: str | None, source: str, detail: str) -> None:
        if not contact:
            return
        contact = contact.strip().lower() if "@" in contact else contact.strip()
        if (contact, source) in seen:
            return
        seen.add((contact, source))
        out.append({"domain": domain, "contact": contact, "source": source, "detail": detail})

    tables = set(db.table_names())
    if WHOIS_RECORDS in tables:
        w = _one(db, f"SELECT registrar, registrar_iana_id, abuse_email, source FROM [{WHOIS_RECORDS}] "
                     f"WHERE domain = ?", [domain])
        if w:
            add(w["abuse_email"], "registrar", f"{w['registrar'] or 'registrar'} (via {w['source']})")
            if not w["abuse_email"] and w["registrar"] and include_missing:
                iana = f", IANA id {w['registrar_iana_id']}" if w["registrar_iana_id"] else ""
                out.append({"domain": domain, "contact": NO_ADDRESS, "source": "registrar",
                            "detail": f"{w['registrar']} (via {w['source']}{iana}): the registration record names "
                                      f"no abuse address; use the registrar's own abuse form or ICANN's "
                                      f"registrar list"})
    ips = []
    if DNS_RECORDS in tables:
        ips = [r["value"] for r in db.query(
            f"SELECT DISTINCT value FROM [{DNS_RECORDS}] WHERE domain = ? AND rtype IN ('A','AAAA') AND current = 1 "
            f"ORDER BY value", [domain])]
    if ips and IP_NETWORKS in tables:
        marks = ",".join("?" * len(ips))
        for n in db.query(f"SELECT ip, name, org, abuse_email FROM [{IP_NETWORKS}] WHERE ip IN ({marks}) "
                          f"ORDER BY ip", ips):
            add(n["abuse_email"], "hosting", f"{n['name'] or n['org'] or 'network'} ({n['ip']})")
    if ips and AS_INFO in tables:
        marks = ",".join("?" * len(ips))
        for a in db.query(f"SELECT DISTINCT a.asn, a.as_name, a.rdap_name, a.abuse_email FROM [{AS_INFO}] a "
                          f"JOIN ip_info i ON i.asn = a.asn WHERE i.ip IN ({marks}) ORDER BY a.asn", ips):
            if a["abuse_email"] and (a["abuse_email"].lower(), "hosting") not in seen:
                add(a["abuse_email"], "asn", f"AS{a['asn']} {a['rdap_name'] or a['as_name'] or ''}".strip())
    if OBSERVATIONS in tables:
        for o in db.query(f"SELECT DISTINCT kind, value FROM [{OBSERVATIONS}] WHERE domain = ? "
                          f"AND source IN ('page', 'script') ORDER BY kind, value", [domain]):
            p = processor_for(o["kind"])
            if p:
                add(p["contact"], "payment", f"{p['name']} ({o['kind']} {o['value']}); role address from the "
                    "shipped table: confirm on the processor's reporting page before sending")
    return out


def store_contacts(db, domain: str, *, now_iso: str) -> list[dict[str, str]]:
    contacts = compute_contacts(db, domain)
    for c in contacts:
        upsert_seen(db, ABUSE_CONTACTS, {"key": row_key(domain, c["contact"], c["source"]), **c}, now=now_iso)
    return contacts
