"""A noisy evidence store with known operators, for linking tests and benchmarks.

``make_linkweb(path, n_sites=…, seed=…)`` writes sites, identifiers and observations the
way the crawler (source page/script) and the enricher (source dns/whois/rdap) write them,
through crawler.schema, and returns the truth: ``{domain: operator_id}``.

Truth: operators own 1–6 sites; each operator site carries at least one of its
operator's strong values (phone, e-mail, wallet, PayPal, Telegram, GA id) or the
operator's SOA e-mail, chained so every operator is connected.

Noise (must not link anything):
- most sites behind one CDN address (ip rows flagged ``cdn``), the rest on small shared
  hosts whose addresses two to four unrelated sites share;
- three big DNS providers' name servers and their ``hostmaster@`` SOA e-mail;
- three registrars, two ASNs, one WHOIS privacy-proxy registrant e-mail on a third of the sites;
- one theme vendor's tracker id on a quarter of the sites, one SPF include everywhere;
- template ids (a GTM container, a theme's support e-mail) on 4–5 sites of different
  operators each (operators with their own payment account): too few sites for the
  count to discount them;
- a few unrelated pairs that share a small host's IP *and* a small name server.
"""

from __future__ import annotations

import random
import sqlite3
from itertools import combinations
from pathlib import Path
from typing import Iterable

from crawler import schema

T0 = "2026-01-01T00:00:00Z"

STRONG_KINDS = ("phone", "email", "btc_address", "paypal_merchant_id", "telegram", "ga_tracking_id")


def _strong_value(kind: str, rnd: random.Random, tag: str) -> str:
    if kind == "phone":
        return "+4670" + "".join(rnd.choice("0123456789") for _ in range(7))
    if kind == "email":
        return f"sales.{tag}@mail{rnd.randint(1, 99)}.example"
    if kind == "btc_address":
        return "bc1q" + "".join(rnd.choice("023456789acdefghjklmnpqrstuvwxyz") for _ in range(38))
    if kind == "paypal_merchant_id":
        return "".join(rnd.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(13))
    if kind == "telegram":
        return f"shop_{tag}_{rnd.randint(100, 999)}"
    return f"UA-{rnd.randint(10000000, 99999999)}-1"


class Writer:
    """Batch writer for sites/identifiers/observations rows in the crawler's shape."""

    def __init__(self, path: Path | str) -> None:
        self.db = schema.open_db(path)
        self.conn: sqlite3.Connection = self.db.conn
        self.obs: list[tuple] = []
        self.idents: dict[str, tuple] = {}
        self.sites: list[tuple] = []

    def site(self, domain: str, when: str = T0, case: str | None = None) -> None:
        self.sites.append((domain, f'["{domain}","www.{domain}"]', when, when, "ok", domain, "run-1"))
        if case:
            self.conn.execute(f"INSERT OR REPLACE INTO [{schema.CASE_SITES}] (case_name, domain, first_seen, "
                              "last_seen, active) VALUES (?,?,?,?,1)", (case, domain, when, when))

    def observe(self, domain: str, kind: str, value: str, *, source: str = "page", url: str | None = None,
                flags: Iterable[str] = (), first: str = T0, last: str = T0) -> None:
        ident = f"{kind}:{value}"
        if url is None:
            url = {"page": f"http://{domain}/contact.html", "script": f"http://{domain}/js/app.js",
                   "dns": f"dns:{domain}/{kind}", "whois": f"whois:{domain}",
                   "rdap": f"rdap:{domain}"}[source]
        fl = schema.dumps(sorted(flags))
        self.obs.append((schema.row_key(ident, url), ident, kind, value, domain, url, value, "", fl, source,
                         None, "run-1", first, last))
        self.idents[ident] = (ident, kind, value, "[]", first, last)

    def close(self) -> None:
        with self.conn:
            self.conn.executemany(
                f"INSERT OR REPLACE INTO [{schema.SITES}] (domain, hostnames, first_crawled, last_crawled, "
                "last_status, final_domain, last_run_id) VALUES (?,?,?,?,?,?,?)", self.sites)
            self.conn.executemany(
                f"INSERT OR REPLACE INTO [{schema.IDENTIFIERS}] (id, kind, value, flags, first_seen, last_seen) "
                "VALUES (?,?,?,?,?,?)", list(self.idents.values()))
            self.conn.executemany(
                f"INSERT OR REPLACE INTO [{schema.OBSERVATIONS}] (key, identifier_id, kind, value, domain, page_url, "
                "raw, context, flags, source, case_name, run_id, first_seen, last_seen) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", self.obs)
        self.conn.close()


def make_linkweb(path: Path | str, n_sites: int = 240, seed: int = 7, *, case: str | None = "fixture",
                 cdn_share: float = 0.8) -> dict[str, str]:
    """Write the noisy fixture store at ``path``; return ``{domain: operator_id}``."""
    rnd = random.Random(seed)
    w = Writer(path)
    truth: dict[str, str] = {}
    domains: list[str] = []
    with_till: list[str] = []
    op = 0
    while len(domains) < n_sites:
        op += 1
        size = min(rnd.choice((1, 1, 2, 2, 3, 3, 4, 5, 6)), n_sites - len(domains))
        opid = f"op{op:04d}"
        kinds = rnd.sample(STRONG_KINDS, rnd.randint(2, 4))
        values = [(k, _strong_value(k, rnd, f"{op}{j}")) for j, k in enumerate(kinds)]
        # most multi-site operators take payment on every site (one account or wallet)
        till = None
        if size > 1 and rnd.random() < 0.6:
            till = ("paypal_merchant_id", _strong_value("paypal_merchant_id", rnd, str(op)))
            with_till.append(opid)
        soa = ("soa_email", f"admin@{opid}-ops.example")
        use_soa = rnd.random() < 0.3
        month = rnd.randint(1, 9)
        prev: tuple[str, str] | None = None
        for i in range(size):
            dom = f"{opid}-s{i}.{rnd.choice(('se', 'com', 'net', 'shop'))}"
            domains.append(dom)
            truth[dom] = opid
            when = f"2026-0{month}-{rnd.randint(10, 28)}T10:00:00Z"
            w.site(dom, when, case)
            carried = set(rnd.sample(values, rnd.randint(1, len(values))))
            if till is not None:
                carried.add(till)
            if prev is not None:
                carried.add(prev)  # chain: shares one value with the previous site
            if use_soa and size > 1:
                carried.add(soa) if rnd.random() < 0.5 else None
            for k, v in carried:
                src = "dns" if k == "soa_email" else rnd.choice(("page", "page", "script"))
                w.observe(dom, k, v, source=src, first=when, last=when)
            prev = rnd.choice(sorted(carried))
            # every site's own, unshared values
            w.observe(dom, "email", f"info@{dom}", first=when, last=when)
            w.observe(dom, "txt_token", f"google-site-verification={dom.replace('.', '')}x", source="dns",
                      first=when, last=when)

    # Infrastructure noise.
    big_ns = [f"ns{i}.bigdns{j}.net" for j in range(3) for i in (1, 2)]
    registrars = ("Big Registrar Inc.", "Cheap Names LLC", "Nordic Domains AB")
    small_hosts = [f"198.51.100.{i}" for i in range(1, 200)]
    host_pool: list[str] = []
    for d in domains:
        if rnd.random() < cdn_share:
            w.observe(d, "ip", "203.0.113.10", source="dns", flags=("cdn",))
            w.observe(d, "asn", "AS13335", source="dns")
        else:
            if not host_pool:
                host_pool = [h for h in small_hosts for _ in range(rnd.randint(2, 4))]
                rnd.shuffle(host_pool)
            w.observe(d, "ip", host_pool.pop(), source="dns")
            w.observe(d, "asn", "AS64500", source="dns")
        j = rnd.randrange(3)
        for ns in big_ns[2 * j:2 * j + 2]:
            w.observe(d, "nameserver", ns, source="dns")
        w.observe(d, "soa_email", f"hostmaster@bigdns{j}.net", source="dns")
        w.observe(d, "mx", f"mx{j}.bigdns{j}.net", source="dns")
        w.observe(d, "spf_include", "_spf.bigmail.example", source="dns")
        w.observe(d, "registrar", rnd.choice(registrars), source="rdap")
        if rnd.random() < 0.33:
            w.observe(d, "registrant_email", "contact@privacyguardian.org", source="whois")
        if rnd.random() < 0.25:
            w.observe(d, "ga_tracking_id", "UA-11111111-1", source="page")  # the theme vendor's id
    # Small-scale template noise: a container id or a theme's support e-mail on 4-5 sites
    # of different operators (too few sites for the count alone to discount them).
    # They land on operators that have their own payment evidence (as in the sample web):
    # a template id on sites that nothing else ties looks exactly like one operator's phone.
    by_op: dict[str, list[str]] = {}
    for d in domains:
        by_op.setdefault(truth[d], []).append(d)
    for n in range(max(2, n_sites // 30)):
        ops = rnd.sample(with_till, min(len(with_till), rnd.choice((4, 5))))
        sites = [rnd.choice(by_op[o]) for o in ops]
        kind, value = (("gtm_container", f"GTM-THEME{n:03d}") if n % 2 == 0
                       else ("email", f"support@theme{n}-vendor.example"))
        for d in sites:
            w.observe(d, kind, value, source="script")
    # Unrelated pairs that share a small host's address and a small name server.
    for n in range(max(3, n_sites // 40)):
        a, b = rnd.sample(domains, 2)
        if truth[a] != truth[b]:
            for d in (a, b):
                w.observe(d, "ip", f"192.0.2.{n + 1}", source="dns")
                w.observe(d, "nameserver", f"ns.tinyhost{n}.example", source="dns")
                w.observe(d, "registrant_org", "Domain Admin", source="whois")
    w.close()
    return truth


def same_operator_pairs(groups: dict[str, str]) -> set[tuple[str, str]]:
    """All unordered pairs of domains with the same group label."""
    by: dict[str, list[str]] = {}
    for d, g in groups.items():
        by.setdefault(g, []).append(d)
    return {tuple(sorted(p)) for ds in by.values() for p in combinations(ds, 2)}


def precision_recall(truth: dict[str, str], predicted: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of predicted groups against true groups."""
    t, p = same_operator_pairs(truth), same_operator_pairs(predicted)
    tp = len(t & p)
    precision = tp / len(p) if p else 1.0
    recall = tp / len(t) if t else 1.0
    return precision, recall
