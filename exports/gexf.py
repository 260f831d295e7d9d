"""GEXF 1.3 export for Gephi: declared attributes, times as ``start``/``end`` spells.

Streamed: the attribute declarations are fixed (exports/common.py), nodes and edges are
written as they come.  Attributes with no value are left out, never written as "None"
(Gephi refuses "None" in a typed attribute).  Times are ISO-8601 UTC; the graph uses
``timeformat="date"`` (Gephi reads date-times in it, and networkx's reader accepts it).
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

from exports.common import EDGE_ATTRS, NODE_ATTRS, flat, prepare, present

GEXF_TYPE = {"string": "string", "boolean": "boolean", "integer": "long", "double": "double"}


def _attvalues(attrs: dict, decl: tuple[tuple[str, str], ...], ids: dict[str, int]) -> str:
    parts = [f'<attvalue for="{ids[name]}" value={quoteattr(flat(attrs[name]))}/>'
             for name, _ in decl if name in attrs and present(attrs[name])]
    return "<attvalues>" + "".join(parts) + "</attvalues>" if parts else ""


def _times(attrs: dict) -> str:
    out = ""
    if present(attrs.get("first_seen")):
        out += f" start={quoteattr(str(attrs['first_seen']))}"
    if present(attrs.get("last_seen")):
        out += f" end={quoteattr(str(attrs['last_seen']))}"
    return out


def write(src, out: str | Path) -> dict[str, int]:
    path = prepare(out)
    node_ids = {name: i for i, (name, _) in enumerate(NODE_ATTRS)}
    edge_ids = {name: i for i, (name, _) in enumerate(EDGE_ATTRS)}
    n = e = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<gexf xmlns="http://gexf.net/1.3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" version="1.3">\n'
                '<meta><creator>merchintel</creator><description>Sites, identifiers and links'
                '</description></meta>\n'
                '<graph defaultedgetype="undirected" mode="dynamic" timeformat="date">\n'
                '<attributes class="node" mode="static">\n')
        for i, (name, typ) in enumerate(NODE_ATTRS):
            f.write(f'<attribute id="{i}" title="{name}" type="{GEXF_TYPE[typ]}"/>\n')
        f.write('</attributes>\n<attributes class="edge" mode="static">\n')
        for i, (name, typ) in enumerate(EDGE_ATTRS):
            f.write(f'<attribute id="{i}" title="{name}" type="{GEXF_TYPE[typ]}"/>\n')
        f.write("</attributes>\n<nodes>\n")
        for node_id, attrs in src.nodes():
            label = attrs.get("label") or node_id
            f.write(f"<node id={quoteattr(node_id)} label={quoteattr(str(label))}{_times(attrs)}>"
                    f"{_attvalues(attrs, NODE_ATTRS, node_ids)}</node>\n")
            n += 1
        f.write("</nodes>\n<edges>\n")
        for u, v, attrs in src.edges():
            weight = attrs.get("score")
            w = f' weight="{flat(float(weight))}"' if weight is not None else ""
            f.write(f'<edge id="{e}" source={quoteattr(u)} target={quoteattr(v)}{w}{_times(attrs)}>'
                    f"{_attvalues(attrs, EDGE_ATTRS, edge_ids)}</edge>\n")
            e += 1
        f.write("</edges>\n</graph>\n</gexf>\n")
    return {"nodes": n, "edges": e}
