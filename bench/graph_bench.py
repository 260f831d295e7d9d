"""Graph and cluster build time and peak memory at 10k and 100k sites.

    .venv/bin/python bench/graph_bench.py [--sizes 10000,100000] [--obs 10]

Each size runs in its own subprocess (clean peak RSS): it writes a synthetic store of N
sites with about 10 observations each (one subprocess), then, in a fresh subprocess (operators of 1–6 sites sharing strong values,
most sites behind one CDN address, big name servers and registrars, a widely shared
theme tracker), then times value statistics + links + clusters (persisted) +
networkx graph.  Prints one line per size (fastest of --repeat runs; CPU time, as the
machine may be shared) and the growth ratio (target <= 12 for 10x
the data; 100k sites under a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_store(path: Path, n_sites: int, obs_per_site: int = 10, seed: int = 1) -> int:
    from crawler import schema
    rnd = random.Random(seed)
    db = schema.open_db(path)
    conn = db.conn
    sites, obs, idents = [], [], {}
    t = "2026-03-01T00:00:00Z"

    def add(dom: str, kind: str, value: str, source: str, flags: str = "[]") -> None:
        ident = f"{kind}:{value}"
        url = f"http://{dom}/" if source == "page" else f"{source}:{dom}"
        obs.append((schema.row_key(ident, url, dom), ident, kind, value, dom, url, value, "", flags, source,
                    "run-1", t, t))
        idents[ident] = (ident, kind, value, t, t)

    i = op = 0
    while i < n_sites:
        op += 1
        size = min(rnd.choice((1, 1, 2, 3, 4, 6)), n_sites - i)
        shared = [("phone", f"+4670{op:07d}"), ("btc_address", f"bc1qop{op:010d}"),
                  ("email", f"sales{op}@ops.example"), ("ga_tracking_id", f"UA-{op:08d}-1")]
        for s in range(size):
            dom = f"op{op}-s{s}.se"
            i += 1
            sites.append((dom, json.dumps([dom, "www." + dom]), t, t, "ok"))
            n_strong = 0
            for kind, value in rnd.sample(shared, 2):
                add(dom, kind, value, "page")
                n_strong += 1
            add(dom, "email", f"info@{dom}", "page")
            if rnd.random() < 0.8:
                add(dom, "ip", "203.0.113.10", "dns", '["cdn"]')
                add(dom, "asn", "AS13335", "dns")
            else:
                add(dom, "ip", f"198.51.{rnd.randrange(256)}.{rnd.randrange(256)}", "dns")
                add(dom, "asn", f"AS{64500 + rnd.randrange(50)}", "dns")
            j = rnd.randrange(20)
            add(dom, "nameserver", f"ns1.dns{j}.net", "dns")
            add(dom, "soa_email", f"hostmaster@dns{j}.net", "dns")
            add(dom, "registrar", f"Registrar {rnd.randrange(10)}", "rdap")
            add(dom, "mx", f"mx.dns{j}.net", "dns")
            add(dom, "ga_tracking_id", "UA-11111111-1" if rnd.random() < 0.2 else f"UA-{i:08d}-9", "page")
            for extra in range(max(0, obs_per_site - 10)):
                add(dom, "txt_token", f"tok-{dom}-{extra}", "dns")
    with conn:
        conn.executemany(f"INSERT INTO [{schema.SITES}] (domain, hostnames, first_crawled, last_crawled, "
                         "last_status) VALUES (?,?,?,?,?)", sites)
        conn.executemany(f"INSERT OR REPLACE INTO [{schema.IDENTIFIERS}] (id, kind, value, first_seen, last_seen) "
                         "VALUES (?,?,?,?,?)", list(idents.values()))
        conn.executemany(f"INSERT OR REPLACE INTO [{schema.OBSERVATIONS}] (key, identifier_id, kind, value, domain, "
                         "page_url, raw, context, flags, source, run_id, first_seen, last_seen) "
                         "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", obs)
    conn.close()
    return len(obs)


def run_one(path: Path) -> dict:
    """Build graph + clusters from an existing store (in a fresh process: clean peak RSS)."""
    from crawler import schema
    from graph.build import GraphSource
    from graph.clusters import no_gc
    from graph.clusters import compute_clusters
    import networkx as nx
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    db = schema.open_db(path)
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    with no_gc():
        src = GraphSource(db)                      # value stats + links + clusters (read-only ids)
        g = nx.Graph()
        g.add_nodes_from(src.nodes())
        g.add_edges_from(src.edges())
        t_graph = time.perf_counter() - t0
        t1 = time.perf_counter()
        clusters = compute_clusters(db, stats=src.stats, links=src.links)   # with paths, persisted
    t_clusters = time.perf_counter() - t1
    total = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    rss = ru1.ru_maxrss
    n_obs = db.execute(f"SELECT COUNT(*) FROM [{schema.OBSERVATIONS}]").fetchone()[0]
    n_sites = db.execute(f"SELECT COUNT(*) FROM [{schema.SITES}]").fetchone()[0]
    return {"sites": n_sites, "observations": n_obs, "nodes": g.number_of_nodes(),
            "edges": g.number_of_edges(), "clusters": len(clusters),
            "graph_s": round(t_graph, 2), "clusters_s": round(t_clusters, 2), "total_s": round(total, 2),
            "cpu_s": round(cpu, 2), "peak_rss_mb": round(rss / 1024, 1), "rss_at_start_mb": round(rss0 / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--obs", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=2, help="runs per size; the fastest counts (shared machines)")
    ap.add_argument("--make", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.make:
        make_store(Path(args.make[1]), int(args.make[0]), args.obs)
        return
    if args.one:
        print(json.dumps(run_one(Path(args.one))))
        return
    results = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    tmp = tempfile.TemporaryDirectory()
    for n in (int(x) for x in args.sizes.split(",")):
        path = Path(tmp.name) / f"bench{n}.sqlite"
        runs = []
        steps = [["--make", str(n), str(path)]] + [["--one", str(path)]] * args.repeat
        for step in steps:   # store, then builds: each in its own process
            proc = subprocess.run([sys.executable, __file__, *step, "--obs", str(args.obs)],
                                  capture_output=True, text=True, cwd=ROOT, env=env)
            if proc.returncode:
                sys.exit(f"size {n} failed:\n{proc.stderr}")
            if step[0] == "--one":
                runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        r = min(runs, key=lambda x: x["cpu_s"])
        results.append(r)
        print(f"{r['sites']:>7} sites {r['observations']:>8} obs  nodes {r['nodes']:>8} edges {r['edges']:>8} "
              f"clusters {r['clusters']:>6}  graph {r['graph_s']:6.2f}s  clusters {r['clusters_s']:6.2f}s  "
              f"total {r['total_s']:6.2f}s (cpu {r['cpu_s']:6.2f}s)  peak RSS {r['peak_rss_mb']:7.1f} MB", flush=True)
    if len(results) >= 2:
        a, b = results[0], results[-1]
        ratio = b["cpu_s"] / a["cpu_s"] if a["cpu_s"] else float("inf")
        wall = b["total_s"] / a["total_s"] if a["total_s"] else float("inf")
        scale = b["sites"] / a["sites"]
        print(f"growth: {scale:.0f}x the sites -> {ratio:.1f}x the CPU time ({wall:.1f}x wall; target <= "
              f"{1.2 * scale:.0f}), "
              f"{b['peak_rss_mb'] / a['peak_rss_mb']:.1f}x the peak RSS")


if __name__ == "__main__":
    main()
