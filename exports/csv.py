"""CSV export: ``sites.csv`` (one row per site: the sheet an analyst sends), ``nodes.csv``
(id + node attributes) and ``edges.csv`` (source, target + edge attributes), for
spreadsheets and link-chart tools (i2, Maltego import).

OUT is a directory (``out/`` or a path without suffix: ``out/sites.csv``…) or a file
prefix (``out/case1.csv`` -> ``out/case1.sites.csv``, ``out/case1.nodes.csv``,
``out/case1.edges.csv``).  The command names every file it wrote.
"""

from __future__ import annotations

import csv
from pathlib import Path

from exports.common import EDGE_ATTRS, NODE_ATTRS, flat, present


SITE_COLUMNS = ("domain", "status", "final_domain", "cluster", "tied_to", "report_ids", "report_sources",
                "registrar", "created", "ips", "asns", "countries", "payments", "contacts", "trackers",
                "first_seen", "last_seen")
FAMILY_COLUMN = {"payments": "payments", "crypto": "payments", "phones": "contacts", "emails": "contacts",
                 "messengers": "contacts", "trackers": "trackers"}


def paths_for(out: str | Path) -> tuple[Path, Path, Path]:
    """(sites, nodes, edges) paths for OUT."""
    out = Path(out)
    if out.is_dir() or str(out).endswith(("/", "\\")) or not out.suffix:
        out.mkdir(parents=True, exist_ok=True)
        return out / "sites.csv", out / "nodes.csv", out / "edges.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    return (out.with_name(out.stem + ".sites.csv"), out.with_name(out.stem + ".nodes.csv"),
            out.with_name(out.stem + ".edges.csv"))


def write(src, out: str | Path) -> dict[str, int]:
    sites_path, nodes_path, edges_path = paths_for(out)
    n = e = 0
    ncols = [name for name, _ in NODE_ATTRS]
    ecols = [name for name, _ in EDGE_ATTRS]
    sites: dict[str, dict] = {}
    family: dict[str, str] = {}
    with open(nodes_path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", *ncols])
        for node_id, attrs in src.nodes():
            w.writerow([node_id, *(flat(attrs[c]) if c in attrs and present(attrs[c]) else "" for c in ncols)])
            n += 1
            if attrs.get("kind") == "domain":
                sites[node_id] = {"domain": attrs.get("value"), **{c: attrs[c] for c in SITE_COLUMNS if c in attrs}}
            elif attrs.get("family") in FAMILY_COLUMN:
                family[node_id] = FAMILY_COLUMN[attrs["family"]]
    with open(edges_path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["source", "target", *ecols])
        for u, v, attrs in src.edges():
            w.writerow([u, v, *(flat(attrs[c]) if c in attrs and present(attrs[c]) else "" for c in ecols)])
            e += 1
            col = family.get(v)
            if col and u in sites:
                sites[u].setdefault(col, []).append(v)
            elif attrs.get("tie") and u in sites and v in sites:
                for t in attrs["tie"].split(" | "):
                    for d in (u, v):
                        sites[d].setdefault("tied_to", []).append(t)
    with open(sites_path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(SITE_COLUMNS)
        for _, row in sorted(sites.items()):
            w.writerow([flat(row[c]) if c in row and present(row[c]) else "" for c in SITE_COLUMNS])
    return {"sites": len(sites), "nodes": n, "edges": e,
            "files": [str(sites_path), str(nodes_path), str(edges_path)]}
