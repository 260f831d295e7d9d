"""Exports of the graph: one module per format, all fed by graph.build.GraphSource.

    node_link.py  json     node-link JSON (networkx node_link_graph(…, edges="edges"))
    gexf.py       gexf     Gephi, attributes and times
    graphml.py    graphml  yEd, Cytoscape
    csv.py        csv      nodes.csv + edges.csv
    stix.py       stix     STIX 2.1 bundle (stix2)
    html.py       html     one offline page: interactive graph, cluster tables, legend

Personal values are pseudonymised by graph/pseudonymize.py.  ``export(db, fmt, out, …)``
reads the database only (open it with readonly=True).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from crawler.clock import now_iso
from exports import csv, gexf, graphml, html, node_link, stix
from graph.build import GraphSource
from graph.clusters import no_gc

FORMATS: dict[str, ModuleType] = {"json": node_link, "gexf": gexf, "graphml": graphml, "csv": csv, "stix": stix,
                                  "html": html}


def export(db: Any, fmt: str, out: str | Path, *, case: str | None = None, cluster: str | None = None,
           since: str | None = None, min_score: float | None = None,
           pseudonymize: str | bytes | None = None, stix_identity: str | None = None,
           tlp: str | None = None, created: str | None = None, ad_text: bool = False) -> dict[str, Any]:
    """Write the (filtered) graph to ``out`` in ``fmt``; returns counts.

    stix_identity / tlp: the producing organisation and the TLP 2.0 level of a STIX bundle
    (settings MERCHINTEL_STIX_IDENTITY, MERCHINTEL_TLP); created: the export's time (ISO UTC)
    shown in the HTML case file; ad_text: ad titles and texts go out too (never with pseudonymize)."""
    module = FORMATS[fmt]
    with no_gc():
        src = GraphSource(db, case=case, since=since, cluster=cluster, min_score=min_score,
                          pseudonymize=pseudonymize, ad_text=ad_text)
        src.stix_identity, src.tlp = stix_identity, tlp
        src.created = created or now_iso()
        return module.write(src, out)
