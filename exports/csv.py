"""CSV export: ``nodes.csv`` (id + node attributes) and ``edges.csv`` (source, target +
edge attributes), for spreadsheets and link-chart tools (i2, Maltego import).

OUT is a directory (``out/`` or a path without suffix: ``out/nodes.csv``) or a file
prefix (``out/case1.csv`` -> ``out/case1.nodes.csv``, ``out/case1.edges.csv``).
"""

from __future__ import annotations

import csv
from pathlib import Path

from exports.common import EDGE_ATTRS, NODE_ATTRS, flat, present


def paths_for(out: str | Path) -> tuple[Path, Path]:
    out = Path(out)
    if out.is_dir() or str(out).endswith(("/", "\\")) or not out.suffix:
        out.mkdir(parents=True, exist_ok=True)
        return out / "nodes.csv", out / "edges.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    return out.with_name(out.stem + ".nodes.csv"), out.with_name(out.stem + ".edges.csv")


def write(src, out: str | Path) -> dict[str, int]:
    nodes_path, edges_path = paths_for(out)
    n = e = 0
    ncols = [name for name, _ in NODE_ATTRS]
    ecols = [name for name, _ in EDGE_ATTRS]
    with open(nodes_path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", *ncols])
        for node_id, attrs in src.nodes():
            w.writerow([node_id, *(flat(attrs[c]) if c in attrs and present(attrs[c]) else "" for c in ncols)])
            n += 1
    with open(edges_path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source", "target", *ecols])
        for u, v, attrs in src.edges():
            w.writerow([u, v, *(flat(attrs[c]) if c in attrs and present(attrs[c]) else "" for c in ecols)])
            e += 1
    return {"nodes": n, "edges": e, "files": [str(nodes_path), str(edges_path)]}
