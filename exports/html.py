"""One self-contained, offline HTML file: interactive graph, a table per cluster, a legend.

The view script (exports/graph_view.js, merchintel's own canvas force layout) and the
data are inlined; the page loads nothing from anywhere.  Evidence URLs are shown as
text, never as links: an analyst's click must not visit a reported site.

The page names its case (or "all cases") and its creation time, lists the alerts about
its sites with their evidence, has a search box (a site, a wallet, a phone…: the first
node matching is selected), and shows a site that sends its visitors elsewhere as
``old.com → new.com``.  Labels are placed where they overlap nothing (the canvas carries
``data-label-overlaps``, 0).

Clicking a node shows its attributes and every edge with its evidence (page URLs,
DNS/WHOIS record ids, first/last seen).  The canvas carries ``data-drawn-nodes`` (how
many nodes were drawn), the body ``data-js-errors`` (script errors caught), for tests.
``page.html#node=domain:shop-a.se`` opens with that node selected.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

from crawler.errors import ExportError
from crawler.schema import table_exists
from exports.common import prepare
from graph.alerts import list_alerts

MAX_HTML_NODES = 20000

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>
body {{ font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #222; }}
header {{ padding: 8px 14px; background: #223; color: #fff; }}
header h1 {{ font-size: 16px; margin: 0; display: inline; }} header span {{ margin-left: 12px; opacity: .8; }}
header input {{ margin-left: 16px; width: 260px; }}
#alerts {{ padding: 8px 14px; }} #alerts code {{ font-size: 12px; }}
#main {{ display: flex; }}
#graph {{ border-right: 1px solid #ccc; cursor: grab; }}
#side {{ width: 460px; padding: 8px 12px; height: 760px; overflow: auto; }}
#legend span {{ display: inline-block; margin: 2px 8px 2px 0; }}
#legend i {{ display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 4px; }}
table {{ border-collapse: collapse; margin: 6px 0 16px; width: 100%; }}
td, th {{ border: 1px solid #ddd; padding: 3px 6px; vertical-align: top; text-align: left; }}
th {{ background: #f2f2f2; }} code {{ word-break: break-all; }}
#side table {{ table-layout: fixed; }} #side td, #side th {{ overflow-wrap: anywhere; }}
#clusters {{ padding: 8px 14px; }} .muted {{ color: #777; }}
</style></head>
<body data-js-errors="0">
<script>
(function () {{
  var n = 0;
  function bump() {{ n++; document.body.setAttribute("data-js-errors", String(n)); }}
  window.addEventListener("error", bump);
  var ce = console.error; console.error = function () {{ bump(); return ce.apply(console, arguments); }};
}})();
</script>
<header><h1>{title}</h1><span>{summary}</span><span id="created">created {created}</span>
<input id="search" type="search" placeholder="Find a site or identifier…" aria-label="Search">
<span id="search-result"></span></header>
<div id="main">
<canvas id="graph" width="920" height="760" data-drawn-nodes="0"></canvas>
<div id="side">
<div id="legend"><b>Legend</b><br></div>
<p class="muted">Click a node for its evidence. Drag to pan, wheel to zoom. Red lines: links between sites
(thicker = higher score); dashed: a site that redirects to, or says it moved to, the other.</p>
<div id="details"><p class="muted">No node selected.</p></div>
</div></div>
<div id="alerts"><h2>Alerts</h2>{alert_table}</div>
<div id="clusters"><h2>Clusters</h2>{cluster_tables}</div>
<div id="ads"><h2>Ads by platform</h2>{ad_tables}</div>
<script type="application/json" id="merchintel-data">{data}</script>
<script>{library}</script>
<script>
(function () {{
  var data = JSON.parse(document.getElementById("merchintel-data").textContent);
  var LEGEND = [["domain", "Site (registered domain)"], ["hostname", "Hostname"], ["payments", "Payment account"],
    ["crypto", "Crypto wallet"], ["phones", "Phone"], ["emails", "E-mail"], ["messengers", "Messenger"],
    ["trackers", "Tracker / verification id"], ["dns", "DNS (name server, MX, SOA, TXT)"],
    ["hosting", "Hosting (IP, ASN)"], ["whois", "WHOIS / RDAP"], ["other", "Other"]];
  var legend = document.getElementById("legend");
  LEGEND.forEach(function (l) {{
    var s = document.createElement("span"), i = document.createElement("i");
    i.style.background = MerchintelGraph.colors[l[0]]; s.appendChild(i); s.appendChild(document.createTextNode(l[1]));
    legend.appendChild(s);
  }});
  function el(tag, text) {{ var e = document.createElement(tag); if (text !== undefined) e.textContent = text; return e; }}
  function show(node, incident) {{
    var d = document.getElementById("details"); d.innerHTML = "";
    if (!node) {{ d.appendChild(el("p", "No node selected.")); return; }}
    d.appendChild(el("h3", node.id));
    var t = el("table");
    Object.keys(node).forEach(function (k) {{
      if (["x", "y", "dx", "dy", "deg", "id"].indexOf(k) >= 0) return;
      var tr = el("tr"); tr.appendChild(el("th", k)); tr.appendChild(el("td", String(node[k]))); t.appendChild(tr);
    }});
    d.appendChild(t);
    d.appendChild(el("h4", "Edges (" + incident.length + ")"));
    var et = el("table"), hr = el("tr");
    ["to", "kind", "seen", "evidence"].forEach(function (h) {{ hr.appendChild(el("th", h)); }});
    et.appendChild(hr);
    incident.sort(function (a, b) {{ return (b.edge.score || 0) - (a.edge.score || 0); }});
    incident.forEach(function (x) {{
      var tr = el("tr"), e = x.edge;
      tr.appendChild(el("td", x.other.id));
      tr.appendChild(el("td", e.kind + (e.score !== undefined ? " " + e.score : "")));
      tr.appendChild(el("td", (e.first_seen || "") + (e.last_seen && e.last_seen !== e.first_seen ? " – " + e.last_seen : "")));
      var ev = el("td"); (e.evidence || []).forEach(function (u) {{ var c = el("code", u); ev.appendChild(c); ev.appendChild(el("br")); }});
      if (e.evidence_count > (e.evidence || []).length) ev.appendChild(el("span", "… " + e.evidence_count + " in all"));
      tr.appendChild(ev); et.appendChild(tr);
    }});
    d.appendChild(et);
  }}
  var view = MerchintelGraph.render(document.getElementById("graph"), data, {{onSelect: show}});
  window.merchintelView = view;
  // deep link: page.html#node=domain:shop-a.se opens with that node selected
  var m = /^#node=([^&]+)/.exec(location.hash);
  if (m) view.select(decodeURIComponent(m[1]));
  var box = document.getElementById("search"), res = document.getElementById("search-result");
  box.addEventListener("input", function () {{
    var hits = view.find(box.value);
    res.textContent = box.value ? hits.length + " found" + (hits.length ? ": " + hits[0].id : "") : "";
    if (hits.length) view.select(hits[0]);
  }});
  var q = /[#&]q=([^&]+)/.exec(location.hash);   // page.html#q=shop-b opens with that search
  if (q) {{ box.value = decodeURIComponent(q[1]); box.dispatchEvent(new Event("input")); }}
  document.querySelectorAll("[data-node]").forEach(function (a) {{
    a.addEventListener("click", function (ev) {{ ev.preventDefault(); view.select(a.getAttribute("data-node")); }});
  }});
}})();
</script>
</body></html>
"""


def _script_json(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    # inside <script>: no "</script>", no HTML comment openers, no JS line separators
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def library_js() -> str:
    return resources.files("exports").joinpath("graph_view.js").read_text(encoding="utf-8")


def _cluster_tables(clusters: list[dict[str, Any]]) -> str:
    if not clusters:
        return '<p class="muted">No clusters in this export.</p>'
    parts = []
    for c in clusters:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(ev['kind'])}</td><td><code>{e(ev['value'])}</code></td><td>{ev['weight']}</td>"
            f"<td>{e(', '.join(ev['domains']))}</td></tr>" for ev in c["evidence"])
        members = ", ".join(f'<a href="#" data-node="domain:{e(d)}">{e(d)}</a>' for d in c["domains"])
        parts.append(
            f'<h3 id="{e(c["id"])}">{e(c["id"])} <span class="muted">— {c["size"]} sites, score {c["score"]}'
            f"</span></h3><p>Members: {members}</p><table><tr><th>kind</th><th>value</th><th>weight</th>"
            f"<th>sites carrying it</th></tr>{rows}</table>")
    return "".join(parts)


def _ad_tables(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> str:
    """Ads grouped under their platform: location, price, ad cluster, contacts, first/last seen."""
    ads = [n for n in nodes if n.get("kind") == "ad"]
    if not ads:
        return '<p class="muted">No ads in this export.</p>'
    contacts: dict[str, list[str]] = {}
    for ed in edges:
        if ed.get("kind") == "on_ad":
            contacts.setdefault(ed["source"], []).append(ed["target"])
    e = html.escape
    by_platform: dict[str, list[dict[str, Any]]] = {}
    for n in ads:
        by_platform.setdefault(n.get("platform", ""), []).append(n)
    parts = []
    for platform, group in sorted(by_platform.items()):
        rows = "".join(
            f'<tr><td><a href="#" data-node="{e(n["id"])}">{e(n.get("label") or n["id"])}</a></td>'
            f"<td>{e(n.get('location') or '')}</td><td>{e(n.get('price') or '')}</td>"
            f"<td>{e(n.get('ad_cluster') or '')}</td><td>{e(', '.join(contacts.get(n['id'], [])))}</td>"
            f"<td>{e(n.get('first_seen') or '')}</td><td>{e(n.get('last_seen') or '')}</td></tr>"
            for n in sorted(group, key=lambda n: (n.get("ad_cluster") or "~", n["id"])))
        parts.append(f'<h3 id="ads-{e(platform)}">{e(platform)} <span class="muted">— {len(group)} ads</span></h3>'
                     "<table><tr><th>ad</th><th>location</th><th>price</th><th>ad cluster</th><th>contacts</th>"
                     f"<th>first seen</th><th>last seen</th></tr>{rows}</table>")
    return "".join(parts)


def _alerts(src, domains: set[str]) -> list[dict[str, Any]]:
    """Stored alerts about the exported sites, oldest first."""
    if not table_exists(src.db, "alerts"):
        return []
    # ad alerts quote ad URLs and numbers: left out of a pseudonymised page
    hide_ads = bool(getattr(src, "key", None))
    return [a for a in list_alerts(src.db) if (a["from"] in domains or a["to"] in domains)
            and not (hide_ads and a["kind"] in ("ad_number", "ad_text"))]


def _evidence_text(ev: dict[str, Any]) -> str:
    """One evidence item in a line: its type and the URL, chain or value it quotes."""
    if ev.get("url"):
        via = f" ({', '.join(ev['via'])})" if ev.get("via") else ""
        end = f" -> {ev['final_url']}" if ev.get("final_url") and ev.get("final_url") != ev.get("url") else ""
        return f"{ev.get('type')}: {ev['url']}{end}{via}"
    if ev.get("kind") and ev.get("value"):
        return f"{ev.get('type')}: {ev['kind']}:{ev['value']}" + (f" ({ev['change']})" if ev.get("change") else "")
    return f"{ev.get('type')}: " + ", ".join(f"{k}={v}" for k, v in ev.items() if k != "type" and v)[:200]


def _alert_table(alerts: list[dict[str, Any]]) -> str:
    if not alerts:
        return '<p class="muted">No alerts about these sites.</p>'
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(a['detected_at'] or '')}</td><td>{e(a['kind'])}{'/' + e(a['type']) if a['type'] else ''}</td>"
        f"<td>{e(a['from'] or '')}</td><td>{e(a['to'] or '')}</td><td>{e(a['summary'] or '')}</td>"
        f"<td>{'<br>'.join('<code>' + e(_evidence_text(ev)) + '</code>' for ev in a['evidence'][:5])}</td></tr>"
        for a in alerts)
    return ("<table><tr><th>detected</th><th>alert</th><th>from</th><th>to</th><th>summary</th>"
            f"<th>evidence</th></tr>{rows}</table>")


def write(src, out: str | Path, title: str | None = None) -> dict[str, int]:
    path = prepare(out)
    case = getattr(src, "case", None)
    if title is None:
        title = f"merchintel case {case}" if case else "merchintel: all cases"
        if getattr(src, "cluster", None):
            title += f", cluster {src.cluster}"
    nodes = []
    for node_id, attrs in src.nodes():
        if attrs.get("kind") == "domain" and attrs.get("final_domain") and attrs["final_domain"] != attrs.get("value"):
            attrs = {**attrs, "label": f"{attrs['value']} → {attrs['final_domain']}"}   # where it sends visitors
        nodes.append({"id": node_id, **attrs})
        if len(nodes) > MAX_HTML_NODES:
            raise ExportError(f"the graph has more than {MAX_HTML_NODES} nodes, too many for one HTML page; "
                              "narrow it with --case, --cluster, --since or --min-score, or use --format gexf.")
    edges = [{"source": u, "target": v, **attrs} for u, v, attrs in src.edges()]
    clusters = src.clusters_shown()
    for e in edges:
        if isinstance(e.get("evidence"), tuple):
            e["evidence"] = list(e["evidence"])
    n_dom = sum(1 for n in nodes if n.get("kind") == "domain")
    summary = (f"{n_dom} sites · {len(nodes) - n_dom} other nodes · {len(edges)} edges · "
               f"{len(clusters)} clusters")
    alerts = _alerts(src, {n["value"] for n in nodes if n.get("kind") == "domain"})
    summary += f" · {len(alerts)} alerts"
    page = PAGE.format(title=html.escape(title), summary=html.escape(summary),
                       created=html.escape(getattr(src, "created", None) or ""),
                       alert_table=_alert_table(alerts),
                       cluster_tables=_cluster_tables(clusters),
                       ad_tables=_ad_tables(nodes, edges),
                       data=_script_json({"nodes": nodes, "edges": edges}),
                       library=library_js().replace("</script", "<\\/script"))
    path.write_text(page, encoding="utf-8")
    return {"nodes": len(nodes), "edges": len(edges), "clusters": len(clusters), "alerts": len(alerts)}
