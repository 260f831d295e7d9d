"""networkx or our own code? Clusters/evidence paths and GEXF/GraphML writing at 100k sites.

    .venv/bin/python bench/graph_nx_bench.py [--sites 100000] [--repeat 1] [--mem-cap-gb 8]

The store is the synthetic one of bench/graph_bench.py (operators of 1-6 sites sharing
strong values, a shared CDN, big name servers and registrars).  Each measurement runs in
a fresh subprocess so its peak RSS is its own:

    components  ours: union-find (Kruskal, strongest link first: components and each
                cluster's weakest tie) + breadth-first evidence paths from each anchor
                (graph/clusters.py); networkx: a weighted Graph of the same links,
                connected_components, maximum_spanning_tree for the weakest tie,
                single_source_shortest_path from each anchor.  Both are handed the same
                value statistics and links (computed first, not timed: graph/links.py).
    gexf/graphml  ours: exports/gexf.py, exports/graphml.py streaming GraphSource;
                networkx: the same GraphSource put into an nx.Graph (attributes made flat
                as our writers do; networkx refuses None and lists), nx.write_gexf /
                nx.write_graphml.

Prints CPU time, wall time and peak RSS per step and the ratio networkx / ours (the
baseline is ours, measured in the same run).  Figures and the decision: docs/graph.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict, deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _components_ours(strong, anchors) -> tuple[int, int]:
    from graph.clusters import _UF
    uf = _UF()
    bottleneck: dict[str, float] = {}
    for link in strong:
        ra, rb = uf.find(link.a), uf.find(link.b)
        if ra != rb:
            s = min(bottleneck.get(ra, 1.0), bottleneck.get(rb, 1.0), link.score)
            uf.union(ra, rb)
            bottleneck[uf.find(ra)] = s
    comps: dict[str, list[str]] = defaultdict(list)
    for d in list(uf.parent):
        comps[uf.find(d)].append(d)
    adj: dict[str, list] = defaultdict(list)
    for link in strong:
        adj[link.a].append((link.score, link.b))
        adj[link.b].append((link.score, link.a))
    hops = 0
    for root, doms in comps.items():
        start = min(doms)
        prev: dict[str, str] = {}
        seen = {start}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for _, other in sorted(adj[node], key=lambda t: (-t[0], t[1])):
                if other not in seen:
                    seen.add(other)
                    prev[other] = node
                    queue.append(other)
        for m in doms:
            cur = m
            while cur != start:
                cur = prev[cur]
                hops += 1
    return len(comps), hops


def _components_nx(strong, anchors) -> tuple[int, int]:
    import networkx as nx
    g = nx.Graph()
    g.add_weighted_edges_from((l.a, l.b, l.score) for l in strong)
    tree = nx.maximum_spanning_tree(g)
    n = hops = 0
    bottleneck: dict[str, float] = {}
    for comp in nx.connected_components(g):
        n += 1
        root = min(comp)
        bottleneck[root] = min((w for _, _, w in tree.subgraph(comp).edges(data="weight")), default=1.0)
        paths = nx.single_source_shortest_path(g, root)
        hops += sum(len(p) - 1 for p in paths.values())
    return n, hops


def _flat_attrs(attrs: dict) -> dict:
    from exports.common import flat, present
    return {k: (v if isinstance(v, (int, float)) and not isinstance(v, bool) else flat(v))
            for k, v in attrs.items() if present(v)}


def run_step(step: str, path: Path, out: Path) -> dict:
    from crawler import schema
    from graph.build import GraphSource, no_gc
    db = schema.open_db(path)
    with no_gc():
        if step.startswith("components"):
            from graph.links import all_links
            from graph.scoring import LINK_THRESHOLD, value_stats
            stats = value_stats(db, with_domains=True)
            links = all_links(db, stats)
            strong = sorted((l for l in links.values() if l.score >= LINK_THRESHOLD),
                            key=lambda l: (-l.score, l.a, l.b))
            rss_before = _rss_mb()
            ru0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            n, hops = (_components_ours if step.endswith("ours") else _components_nx)(strong, None)
            result = {"clusters": n, "hops": hops}
        else:
            fmt = step.split("-")[0]
            rss_before = _rss_mb()
            ru0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            src = GraphSource(db)
            if step.endswith("ours"):
                from exports import gexf, graphml
                counts = (gexf if fmt == "gexf" else graphml).write(src, out)
            else:
                import networkx as nx
                g = nx.Graph()
                g.add_nodes_from((n, _flat_attrs(a)) for n, a in src.nodes())
                g.add_edges_from((u, v, _flat_attrs(a)) for u, v, a in src.edges())
                (nx.write_gexf if fmt == "gexf" else nx.write_graphml)(g, out)
                counts = {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}
            result = {**counts, "mb_written": round(out.stat().st_size / 2**20, 1)}
    ru1, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - t0
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return {**result, "cpu_s": round(cpu, 2), "wall_s": round(wall, 2), "peak_rss_mb": round(_rss_mb(), 1),
            "rss_before_mb": round(rss_before, 1)}


STEPS = ("components-ours", "components-nx", "gexf-ours", "gexf-nx", "graphml-ours", "graphml-nx")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1, help="runs per step; the fastest counts (shared machines)")
    ap.add_argument("--mem-cap-gb", type=float, default=8.0,
                    help="address-space cap of each step (shared machines); a step over it is reported, not run")
    ap.add_argument("--step", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        cap = int(args.mem_cap_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        try:
            print(json.dumps(run_step(args.step[0], Path(args.step[1]), Path(args.step[2]))))
        except MemoryError:
            print(json.dumps({"over_cap_gb": args.mem_cap_gb}))
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    tmp = tempfile.TemporaryDirectory()
    store = Path(tmp.name) / "bench.sqlite"
    subprocess.run([sys.executable, str(ROOT / "bench" / "graph_bench.py"), "--make", str(args.sites), str(store)],
                   check=True, cwd=ROOT, env=env)
    results = {}
    for step in STEPS:
        runs = []
        for _ in range(args.repeat):
            proc = subprocess.run([sys.executable, __file__, "--mem-cap-gb", str(args.mem_cap_gb),
                                   "--step", step, str(store), str(Path(tmp.name) / f"out-{step}")],
                                  capture_output=True, text=True, cwd=ROOT, env=env)
            if proc.returncode:
                sys.exit(f"{step} failed:\n{proc.stderr}")
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        if any("over_cap_gb" in r for r in runs):
            results[step] = None
            print(f"{args.sites} sites  {step:<16} over the {args.mem_cap_gb:g} GB address-space cap: not measured",
                  flush=True)
            continue
        r = results[step] = min(runs, key=lambda x: x["cpu_s"])
        what = (f"clusters {r['clusters']:>6} hops {r['hops']:>7}" if "clusters" in r
                else f"nodes {r['nodes']:>7} edges {r['edges']:>7} {r['mb_written']:6.1f} MB")
        print(f"{args.sites} sites  {step:<16} {what}  cpu {r['cpu_s']:6.2f}s  wall {r['wall_s']:6.2f}s  "
              f"peak RSS {r['peak_rss_mb']:7.1f} MB (before the step {r['rss_before_mb']:6.1f} MB)", flush=True)
    for what in ("components", "gexf", "graphml"):
        a, b = results[f"{what}-ours"], results[f"{what}-nx"]
        if a is None or b is None:
            print(f"{what:<10} networkx/ours: not compared ({'networkx' if b is None else 'ours'} over the cap)")
            continue
        extra_a = a["peak_rss_mb"] - a["rss_before_mb"]
        extra_b = b["peak_rss_mb"] - b["rss_before_mb"]
        print(f"{what:<10} networkx/ours: {b['cpu_s'] / max(a['cpu_s'], 0.01):.1f}x the CPU time, "
              f"{b['peak_rss_mb'] / a['peak_rss_mb']:.1f}x the peak RSS "
              f"(memory the step adds: {extra_b:.0f} MB vs {extra_a:.0f} MB)")


if __name__ == "__main__":
    main()
