"""Alert evaluation time and peak memory over a database of tracked sites.

    .venv/bin/python bench/alerts_bench.py [--sites 10000] [--changed 0.01]

Builds a synthetic store of N tracked sites (operators of 1–6 sites sharing strong values,
one CDN address, big name servers and registrars, one theme tracker on many sites; about
10 observations and one page per site), evaluates it once (the first states), then times,
each in a fresh subprocess (clean peak RSS):

    idle       evaluate with no new crawl (cron fired, nothing ran)
    unchanged  every site re-crawled, nothing changed (the common daily case)
    changed    every site re-crawled, --changed of them changed: payment switches, sites
               down, redirects, and new domains carrying tracked wallets (mirrors)

Baseline, measured in the same run: one Python pass reading every observation and page
row (what any evaluation must at least look at); the ratio says how far above it we are.
Target: unchanged under 10 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

T = ["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z"]
TEXT = ("Exclusive products, discreet shipping worldwide. Contact us for wholesale prices. " * 20)[:1500]


def site_rows(n: int, seed: int = 1):
    """[(domain, [(kind, value)], case)] for n sites."""
    rnd = random.Random(seed)
    out, i, op = [], 0, 0
    while i < n:
        op += 1
        size = min(rnd.choice((1, 1, 2, 3, 4, 6)), n - i)
        shared = [("phone", f"+4670{op:07d}"), ("btc_address", f"bc1qop{op:010d}"),
                  ("email", f"sales{op}@ops.example"), ("paypal_business", f"pay{op}@ops.example")]
        for s in range(size):
            dom = f"op{op}-s{s}.se"
            i += 1
            ids = rnd.sample(shared, 3) + [("email", f"info@{dom}"), ("ga_tracking_id", "UA-1000001-1")]
            if rnd.random() < 0.5:
                ids.append(("stripe_publishable_key", f"pk_live_{op:08d}{s:02d}abcdefghijkl"))
            out.append((dom, ids, f"case-{op % 50}"))
    return out


def write_crawl(db, sites, run: str, t: str, changed: set[str] = frozenset(), new: list = ()) -> None:
    """Write one crawl of every site the way the crawl pipeline and enrichment do."""
    from crawler import schema
    conn = db.conn
    obs, pages, srows, cases = [], [], [], []
    for dom, ids, case in list(sites) + list(new):
        status, final = "ok", dom
        text = TEXT
        chain = "[]"
        if dom in changed:
            h = int(schema.row_key(dom)[:4], 16) % 3
            if h == 0:      # payment switch: PayPal dropped, a new wallet added
                ids = [x for x in ids if x[0] != "paypal_business"] + [("btc_address", f"bc1qnew{dom}")]
            elif h == 1:    # down
                status, ids, text = "nxdomain", [], None
            else:           # redirect to a new domain
                final = dom.replace(".se", ".to")
                chain = json.dumps([{"url": f"http://{dom}/", "status": 301, "kind": "http"}])
        srows.append((dom, t, t, status, final, run))
        cases.append((case, dom, t, t, 1))
        if text is not None:
            pages.append((f"http://{dom}/", dom, f"http://{final}/", chain, 200, text, "[]", 0, t, run, case, t, t))
        for kind, value in ids:
            ident = f"{kind}:{value}"
            url = f"http://{final}/"
            obs.append((schema.row_key(ident, url), ident, kind, value, final, url, "page", case, run, t, t))
        if status == "ok":
            for kind, value, src in (("ip", "203.0.113.10", "dns"), ("nameserver", "ns1.bigdns.example", "dns"),
                                     ("registrar", "Big Registrar Inc.", "rdap")):
                ident = f"{kind}:{value}"
                obs.append((schema.row_key(ident, f"{src}:{final}"), ident, kind, value, final, f"{src}:{final}", src,
                            None, "enrich-" + run, t, t))
    with conn:
        conn.executemany(f"INSERT INTO [{schema.SITES}] (domain, first_crawled, last_crawled, last_status, "
                         f"final_domain, last_run_id) VALUES (?,?,?,?,?,?) ON CONFLICT(domain) DO UPDATE SET "
                         f"last_crawled=excluded.last_crawled, last_status=excluded.last_status, "
                         f"final_domain=excluded.final_domain, last_run_id=excluded.last_run_id", srows)
        conn.executemany(f"INSERT INTO [{schema.CASE_SITES}] (case_name, domain, first_seen, last_seen, active) "
                         f"VALUES (?,?,?,?,?) ON CONFLICT(case_name, domain) DO UPDATE SET last_seen=excluded.last_seen",
                         cases)
        conn.executemany(f"INSERT INTO [{schema.PAGES}] (url, domain, final_url, redirect_chain, status, text, "
                         f"linked_domains, depth, fetched_at, run_id, case_name, first_seen, last_seen) "
                         f"VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(url) DO UPDATE SET "
                         f"final_url=excluded.final_url, redirect_chain=excluded.redirect_chain, text=excluded.text, "
                         f"fetched_at=excluded.fetched_at, run_id=excluded.run_id, last_seen=excluded.last_seen", pages)
        conn.executemany(f"INSERT INTO [{schema.OBSERVATIONS}] (key, identifier_id, kind, value, domain, page_url, "
                         f"source, case_name, run_id, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                         f"ON CONFLICT(key) DO UPDATE SET run_id=excluded.run_id, last_seen=excluded.last_seen", obs)


def evaluate_child(db_path: str, run: str, now: str) -> None:
    """In a fresh process: one evaluation; prints seconds, peak RSS and alert counts as JSON."""
    from crawler.config import load_config
    from crawler.schema import open_db
    from merchintel.alerting import evaluate
    db = open_db(db_path)
    cfg = load_config({"db": db_path, "follow_hops": False}, env={}, toml_path=None)
    t0 = time.perf_counter()
    alerts = evaluate(db, cfg, run_id=run, now=now)
    secs = time.perf_counter() - t0
    kinds: dict[str, int] = {}
    for a in alerts:
        k = a["kind"] + (f"/{a['type']}" if a["type"] else "")
        kinds[k] = kinds.get(k, 0) + 1
    print(json.dumps({"seconds": round(secs, 3), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF)
                                                                       .ru_maxrss / 1024, 1), "alerts": kinds}))


def baseline_child(db_path: str) -> None:
    from crawler.schema import OBSERVATIONS, PAGES, SITES, open_db
    db = open_db(db_path)
    t0 = time.perf_counter()
    n = 0
    for table in (SITES, OBSERVATIONS, PAGES):
        for row in db.conn.execute(f"SELECT * FROM [{table}]"):
            n += len(row)
    print(json.dumps({"seconds": round(time.perf_counter() - t0, 3), "cells": n}))


def child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sites", type=int, default=10_000)
    ap.add_argument("--changed", type=float, default=0.01)
    ap.add_argument("--evaluate", nargs=3, metavar=("DB", "RUN", "NOW"), help=argparse.SUPPRESS)
    ap.add_argument("--baseline", metavar="DB", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.evaluate:
        return evaluate_child(*a.evaluate)
    if a.baseline:
        return baseline_child(a.baseline)
    from crawler.schema import open_db
    tmp = Path(tempfile.mkdtemp(prefix="alerts-bench-"))
    path = str(tmp / "bench.sqlite")
    db = open_db(path)
    sites = site_rows(a.sites)
    t0 = time.perf_counter()
    write_crawl(db, sites, "run-0", T[0])
    build = time.perf_counter() - t0
    first = child("--evaluate", path, "run-0", T[0])
    idle = child("--evaluate", path, "run-x", T[0])
    write_crawl(db, sites, "run-1", T[1])
    unchanged = child("--evaluate", path, "run-1", T[1])
    rnd = random.Random(7)
    n_changed = max(1, int(len(sites) * a.changed))
    picked = rnd.sample(sites, n_changed)
    changed = {d for d, _, _ in picked[: n_changed * 3 // 4]}
    # The other quarter: new domains (another case) carrying a tracked operator's wallet.
    new = [(f"mirror{i}-{d.replace('.se', '')}.net", [x for x in ids if x[0] in ("btc_address", "phone")] +
            [("email", f"x{i}@mirror.example")], "case-new") for i, (d, ids, _) in enumerate(picked[n_changed * 3 // 4:])]
    write_crawl(db, sites, "run-2", T[2], changed=changed, new=new)
    moved = child("--evaluate", path, "run-2", T[2])
    base = child("--baseline", path)
    n_obs = db.execute("SELECT count(*) FROM observations").fetchone()[0]
    print(f"alerts_bench: {len(sites)} tracked sites, {n_obs} observations (store built in {build:.1f}s)")
    print(f"  baseline   read every site/observation/page row: {base['seconds']:.2f}s")
    for name, r in (("first", first), ("idle", idle), ("unchanged", unchanged), ("changed", moved)):
        ratio = r["seconds"] / base["seconds"] if base["seconds"] else float("nan")
        print(f"  {name:<10} evaluate: {r['seconds']:.2f}s  peak RSS {r['peak_rss_mb']:.0f} MB  "
              f"ratio vs baseline {ratio:.1f}x  alerts {json.dumps(r['alerts'], sort_keys=True)}")
    ok = unchanged["seconds"] < 10
    print(f"  target: unchanged < 10 s -> {'met' if ok else 'MISSED'}; changed {a.changed:.0%} = {n_changed} sites "
          f"({len(changed)} changed, {len(new)} new mirrors)")


if __name__ == "__main__":
    main()
