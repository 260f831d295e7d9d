"""JSON node-link export: ``{"graph": {...}, "nodes": [{"id", "kind", "value", …}], "edges":
[{"source", "target", "kind", …}]}``, streamed one node/edge per line.

networkx reads it back with ``nx.node_link_graph(data, edges="edges")``.
"""

from __future__ import annotations

import json
from pathlib import Path

from exports.common import prepare


def write(src, out: str | Path) -> dict[str, int]:
    path = prepare(out)
    n = e = 0
    dump = lambda obj: json.dumps(obj, ensure_ascii=False, sort_keys=True)  # noqa: E731
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"directed": false, "multigraph": false,\n "graph": ')
        f.write(dump({"generator": "merchintel", "clusters": src.clusters_shown()}))
        f.write(',\n "nodes": [')
        for node_id, attrs in src.nodes():
            f.write(("\n  " if n == 0 else ",\n  ") + dump({"id": node_id, **attrs}))
            n += 1
        f.write('\n ],\n "edges": [')
        for u, v, attrs in src.edges():
            f.write(("\n  " if e == 0 else ",\n  ") + dump({"source": u, "target": v, **attrs}))
            e += 1
        f.write("\n ]\n}\n")
    return {"nodes": n, "edges": e}
