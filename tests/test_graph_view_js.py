"""exports/graph_view.js run under Node with a recording canvas: site labels never overlap,
crowded ones are left out rather than drawn over each other, and the search finds nodes.

The browser test (tests/test_export_html.py) checks the same attributes in Chromium; this one
needs only ``node`` and skips without it."""

import json
import shutil
import subprocess

import pytest

from exports.html import library_js

def run_view(data: dict) -> dict:
    node = shutil.which("node")
    if not node:
        pytest.skip("node not installed")
    script = (
        "const attrs = {}; const texts = [];\n"
        "const ctx = new Proxy({measureText: (t) => ({width: 6 * t.length}),"
        " fillText: (t, x, y) => texts.push([t, x, y])},"
        " {get: (o, k) => (k in o ? o[k] : () => {}), set: (o, k, v) => { o[k] = v; return true; }});\n"
        "const canvas = {width: 920, height: 760, getContext: () => ctx, addEventListener: () => {},"
        " setAttribute: (k, v) => { attrs[k] = v; }};\n"
        "global.window = global;\n"
        + library_js() + "\n"
        "const data = " + json.dumps(data) + ";\n"
        "const view = MerchintelGraph.render(canvas, data, {});\n"
        "const found = view.find('wallet').map((n) => n.id);\n"
        "console.log(JSON.stringify({attrs, texts, found}));\n")
    r = subprocess.run([node, "-"], input=script, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def crowded(n_sites: int = 120) -> dict:
    nodes = [{"id": f"domain:site-number-{i:03d}.example", "kind": "domain", "group": "domain",
              "label": f"site-number-{i:03d}.example"} for i in range(n_sites)]
    nodes.append({"id": "btc_address:bc1qwallet", "kind": "btc_address", "group": "identifier",
                  "family": "crypto", "label": "bc1qwallet"})
    edges = [{"source": nodes[i]["id"], "target": "btc_address:bc1qwallet", "kind": "btc_address"}
             for i in range(n_sites)]
    return {"nodes": nodes, "edges": edges}


def test_site_labels_never_overlap_and_crowded_ones_are_left_out():
    got = run_view(crowded())
    assert got["attrs"]["data-label-overlaps"] == "0"
    drawn = int(got["attrs"]["data-labels-drawn"])
    assert 0 < drawn == len(got["texts"]) < 121          # a crowd: some labels give way, none overlap
    boxes = [(x, y - 10, x + 6 * len(t), y + 2) for t, x, y in got["texts"]]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_the_search_finds_nodes_by_id_or_label():
    assert run_view(crowded(5))["found"] == ["btc_address:bc1qwallet"]
