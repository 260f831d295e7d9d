"""The HTML export opens offline in headless Chromium: no script errors, every node
drawn, a click (deep link) shows the node's evidence; a screenshot is saved.

Needs Debian's ``chromium``; without it the test skips, except under CI (env CI set),
where a missing browser is a failure."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from crawler.schema import open_db
from exports import export
from tests.linkweb import Writer, make_linkweb

pytestmark = pytest.mark.browser

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--enable-logging=stderr", "--v=0"]


def browser() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    reason = "headless Chromium not found (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; under CI the browser test must run")
    pytest.skip(reason)


def run_browser(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run([browser(), *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=90)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("html")
    path = tmp / "m.sqlite"
    make_linkweb(path, n_sites=30, seed=5)
    w = Writer(path)
    for d in ("pay-a.se", "pay-b.se"):
        w.site(d)
        w.observe(d, "btc_address", "bc1qhtmlwallet", url=f"http://{d}/pay.html",
                  first="2026-02-01T00:00:00Z", last="2026-02-03T00:00:00Z")
    w.close()
    out = tmp / "graph.html"
    counts = export(open_db(path, readonly=True), "html", out)
    return out, counts


def test_page_is_self_contained(page):
    out, _ = page
    text = out.read_text()
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=", text, re.I)
    assert "default-src 'none'" in text
    assert "MerchintelGraph" in text              # the view library is inlined


def test_page_draws_every_node_without_errors_and_shows_evidence(page, tmp_path):
    out, counts = page
    r = run_browser(tmp_path, "--dump-dom", out.as_uri() + "#node=domain:pay-a.se")
    assert r.returncode == 0, r.stderr[-2000:]
    dom = r.stdout
    drawn = re.search(r'data-drawn-nodes="(\d+)"', dom)
    errors = re.search(r'data-js-errors="(\d+)"', dom)
    assert drawn and int(drawn.group(1)) == counts["nodes"] > 30
    assert errors and errors.group(1) == "0"
    assert not re.search(r"Uncaught|CONSOLE.*(Error|error)", r.stderr), r.stderr[-2000:]
    details = dom[dom.index('id="details"'):]
    assert "domain:pay-a.se" in details and "http://pay-a.se/pay.html" in details   # clicked node's evidence
    assert "btc_address:bc1qhtmlwallet" in details
    assert dom.count("<h3 id=\"C-") == counts["clusters"] >= 1                        # a table per cluster
    assert "Legend" in dom
    labels = re.search(r'data-labels-drawn="(\d+)"', dom)
    overlaps = re.search(r'data-label-overlaps="(\d+)"', dom)
    assert labels and int(labels.group(1)) > 0 and overlaps and overlaps.group(1) == "0"   # readable labels


def test_the_search_box_selects_what_it_finds(page, tmp_path):
    out, _ = page
    r = run_browser(tmp_path, "--dump-dom", out.as_uri() + "#q=bc1qhtmlwallet")
    assert r.returncode == 0, r.stderr[-2000:]
    dom = r.stdout
    assert re.search(r'id="search-result"[^>]*>1 found: btc_address:bc1qhtmlwallet<', dom)
    details = dom[dom.index('id="details"'):]
    assert "<h3>btc_address:bc1qhtmlwallet</h3>" in details and "domain:pay-b.se" in details


def test_screenshot(page, tmp_path):
    out, _ = page
    shot = tmp_path / "graph.png"
    r = run_browser(tmp_path, "--window-size=1400,1000", f"--screenshot={shot}", out.as_uri())
    assert r.returncode == 0, r.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20000
    keep = os.environ.get("SCREENSHOT_DIR")
    if keep:
        shutil.copy(shot, Path(keep) / "graph_export.png")
