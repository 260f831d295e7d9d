"""GraphML export for yEd and Cytoscape: typed keys, times as first_seen/last_seen.

Streamed like the GEXF export; attributes with no value are left out.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from exports.common import EDGE_ATTRS, NODE_ATTRS, flat, prepare, present

GRAPHML_TYPE = {"string": "string", "boolean": "boolean", "integer": "long", "double": "double"}


def _data(attrs: dict, decl: tuple[tuple[str, str], ...], prefix: str) -> str:
    return "".join(f'<data key="{prefix}_{name}">{escape(flat(attrs[name]))}</data>'
                   for name, _ in decl if name in attrs and present(attrs[name]))


def write(src, out: str | Path) -> dict[str, int]:
    path = prepare(out)
    n = e = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
        for name, typ in NODE_ATTRS:
            f.write(f'<key id="n_{name}" for="node" attr.name="{name}" attr.type="{GRAPHML_TYPE[typ]}"/>\n')
        for name, typ in EDGE_ATTRS:
            f.write(f'<key id="e_{name}" for="edge" attr.name="{name}" attr.type="{GRAPHML_TYPE[typ]}"/>\n')
        f.write('<graph id="merchintel" edgedefault="undirected">\n')
        for node_id, attrs in src.nodes():
            f.write(f"<node id={quoteattr(node_id)}>{_data(attrs, NODE_ATTRS, 'n')}</node>\n")
            n += 1
        for u, v, attrs in src.edges():
            f.write(f"<edge source={quoteattr(u)} target={quoteattr(v)}>{_data(attrs, EDGE_ATTRS, 'e')}</edge>\n")
            e += 1
        f.write("</graph>\n</graphml>\n")
    return {"nodes": n, "edges": e}
