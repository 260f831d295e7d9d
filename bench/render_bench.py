"""Render benchmark: the text-only renderer against the plain crawl of the same pages.

    .venv/bin/python bench/render_bench.py [--sites 4] [--pages 25] [--static-sites 20] [--memory-pages 1000]
                                           [--rounds 3]

Generates fake webs (fakeweb.FakeWeb: real loopback HTTP and DNS) and runs real
``merchintel crawl`` processes, one after the other on the same machine:

1. app web (SITES x PAGES application shells whose text is built by a same-site bundle from
   a JSON endpoint): ``--render always`` against ``--render never`` over the same pages —
   rendered pages/s, CPU seconds and peak memory (PSS of crawl + browser processes),
   next to the plain crawl's;
2. static web (STATIC_SITES x PAGES ordinary pages with analytics tags), then the same with
   one page in twenty an application shell: ``--render auto`` against ``--render never`` —
   the cost of auto's decisions alone (target <= 10%), and of rendering the shells it picks
   (analysis in the crawl process, MERCHINTEL_ANALYSIS_WORKERS=0, where any overhead shows most);
3. memory: ``--render always`` over MEMORY_PAGES app pages, the browser's RSS (chromium
   processes under the crawl) sampled as rendered pages are stored: it must not grow
   without bound.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fakeweb import FakeWeb  # noqa: E402
from tests.conftest import cli_env  # noqa: E402

TEXT = ("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
        "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation.</p>") * 6
APP_JS = ("fetch('/api.json').then(r => r.json()).then(j => { const r = document.getElementById('root');"
          " r.innerHTML = '<h1>' + j.title + '</h1><p>Mail ' + atob(j.m) + '</p>'; });")


def build_web(root: Path, sites: int, pages: int, shells_every: int, prefix: str) -> Path:
    hosts = {}
    for s in range(sites):
        host = f"{prefix}{s:04d}.se"
        hosts[host] = f"127.0.0.{2 + s % 5}"
        d = root / "sites" / host
        d.mkdir(parents=True)
        links = "".join(f'<a href="/p{i}.html">p{i}</a> ' for i in range(1, pages))
        (d / "api.json").write_text(json.dumps({"title": f"Shop {s}", "m": "c2FsZXNAc2hvcC5zZQ=="}))
        (d / "app.js").write_text(APP_JS)
        for i in range(pages):
            name = "index.html" if i == 0 else f"p{i}.html"
            shell = (s * pages + i) % shells_every == shells_every - 1
            if shell:
                body = f'<nav>{links if i == 0 else ""}</nav><div id="root"></div><script src="/app.js"></script>'
            else:
                body = (f"<nav>{links if i == 0 else ''}</nav><h1>Shop {s} page {i}</h1>{TEXT}"
                        f"<p>Mail sales{s}@{host}</p><script>gtag('config', 'G-ABC123')</script>")
            (d / name).write_text(f"<!doctype html><html><head><title>Shop {s}</title></head><body>{body}</body></html>")
    (root / "hosts.json").write_text(json.dumps(hosts))
    (root / "reports.csv").write_text("url,report_id,reported_at,source,referrer\n"
                                      + "".join(f"{{{{url:{h}}}}}/,R{i},,,\n" for i, h in enumerate(hosts)))
    return root


def _memory_kb(pid: int) -> int:
    """Proportional set size (shared pages split among their users) in KiB, else RSS."""
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except OSError:
            continue
    return 0


def tree_rss_kb(pid: int) -> tuple[int, int]:
    """(memory of pid and all its descendants, of the chromium processes among them) in KiB (PSS)."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text("latin-1")
            except OSError:
                continue
            names[int(entry)] = stat[stat.find("(") + 1:stat.rfind(")")]
            children.setdefault(int(stat[stat.rfind(")") + 2:].split()[1]), []).append(int(entry))
    total = chrome = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        kb = _memory_kb(p)
        total += kb
        chrome += kb if "chrom" in names.get(p, "") else 0
    return total, chrome


def crawl(web: FakeWeb, tmp: Path, mode: str, max_pages: int, on_sample=None) -> dict:
    tmp.mkdir(parents=True, exist_ok=True)
    reports = web.render_reports(tmp / "reports.csv")
    env = cli_env(tmp, **web.env, MERCHINTEL_RENDER=mode, MERCHINTEL_ANALYSIS_WORKERS="0")
    before = os.times()
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "merchintel.cli", "crawl", str(reports), "--db",
                             str(tmp / "m.sqlite"), "--no-enrich", "--max-pages", str(max_pages), "--format", "json"],
                            env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.25):
            total, chrome = tree_rss_kb(proc.pid)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], chrome)
            if on_sample:
                on_sample(tmp / "m.sqlite", chrome)
    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, err = proc.communicate()
    done.set()
    t.join()
    wall = time.monotonic() - start
    after = os.times()
    if proc.returncode:
        raise SystemExit(f"crawl ({mode}) failed: {err[-2000:]}")
    db = sqlite3.connect(tmp / "m.sqlite")
    pages = db.execute("SELECT count(*) FROM pages WHERE resource = 'page'").fetchone()[0]
    rendered = db.execute("SELECT count(*) FROM renders WHERE decision = 'rendered'").fetchone()[0]
    failed = db.execute("SELECT count(*) FROM renders WHERE decision = 'failed'").fetchone()[0]
    db.close()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"mode": mode, "wall": wall, "cpu": cpu, "pages": pages, "rendered": rendered, "failed": failed,
            "peak_mb": peak[0] / 1024, "browser_peak_mb": peak[1] / 1024}


def line(r: dict) -> str:
    return (f"  {r['mode']:<7} {r['pages']:>5} pages ({r['rendered']} rendered, {r['failed']} failed) in "
            f"{r['wall']:6.1f} s = {r['pages'] / r['wall']:6.1f} pages/s; CPU {r['cpu']:6.1f} s; "
            f"peak RSS {r['peak_mb']:6.0f} MB (browser {r['browser_peak_mb']:.0f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sites", type=int, default=4)
    ap.add_argument("--pages", type=int, default=25)
    ap.add_argument("--static-sites", type=int, default=20)
    ap.add_argument("--memory-pages", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3, help="never/auto pairs of part 2 (the least CPU of each is shown)")
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="merchintel-render-bench-"))

    print(f"1. app web: {args.sites} sites x {args.pages} application shells")
    with FakeWeb(build_web(base / "app", args.sites, args.pages, 1, "app"), extra_servers=False) as web:
        plain = crawl(web, base / "app-never", "never", args.pages + 5)
        rend = crawl(web, base / "app-always", "always", args.pages + 5)
    print(line(plain))
    print(line(rend))
    n = max(1, rend["rendered"])
    print(f"  rendered: {rend['rendered'] / rend['wall']:.2f} pages/s; per rendered page CPU "
          f"{rend['cpu'] / n * 1000:.0f} ms (plain crawl {plain['cpu'] / max(1, plain['pages']) * 1000:.0f} ms a page), "
          f"peak memory {rend['peak_mb']:.0f} MB against the plain crawl's {plain['peak_mb']:.0f} MB "
          f"(+{rend['peak_mb'] - plain['peak_mb']:.0f} MB, flat in the number of pages: see 3); "
          f"time ratio always/never {rend['wall'] / plain['wall']:.1f}x")

    for label, every in (("static web (no shell: auto's decision alone)", 10 ** 9),
                         ("mostly static web (one page in twenty a shell)", 20)):
        print(f"2. {label}: {args.static_sites} sites x {args.pages} pages")
        with FakeWeb(build_web(base / f"static{every}", args.static_sites, args.pages, every, "stat"),
                     extra_servers=False) as web:
            runs: dict[str, list[dict]] = {"never": [], "auto": []}
            for r in range(args.rounds):          # alternated, so both see the same machine
                for mode in ("never", "auto"):
                    runs[mode].append(crawl(web, base / f"static{every}-{mode}-{r}", mode, args.pages + 5))
            never = min(runs["never"], key=lambda x: x["cpu"])
            auto = min(runs["auto"], key=lambda x: x["cpu"])
        print(line(never))
        print(line(auto))
        print(f"  auto/never: wall {auto['wall'] / never['wall']:.2f}x, "
              f"CPU {auto['cpu'] / max(0.01, never['cpu']):.2f}x (target <= 1.10)")

    per_site = 50
    sites = max(1, args.memory_pages // per_site)
    print(f"3. memory: --render always over {sites * per_site} app pages")
    samples: list[tuple[int, int]] = []   # (rendered pages stored, browser KiB) while the browser runs

    def on_sample(db_path: Path, chrome_kb: int) -> None:
        try:
            db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1)
            done = db.execute("SELECT count(*) FROM renders WHERE decision = 'rendered'").fetchone()[0]
            db.close()
        except sqlite3.Error:
            return
        if chrome_kb:
            samples.append((done, chrome_kb))
    with FakeWeb(build_web(base / "mem", sites, per_site, 1, "mem"), extra_servers=False) as web:
        mem = crawl(web, base / "mem-always", "always", per_site + 5, on_sample)
    print(line(mem))
    marks = [m for m in (50, 100, 250, 500, 750, 1000, 2000, 5000) if m < sites * per_site]
    shown = []
    for m in marks:
        near = [kb for done, kb in samples if m <= done < m + max(25, m // 10)]
        if near:
            shown.append(f"{m}: {max(near) / 1024:.0f} MB")
    if samples:
        shown.append(f"{samples[-1][0]} (last sample): {samples[-1][1] / 1024:.0f} MB")
    print("  browser memory (PSS of the chromium processes) after N rendered pages: " + ", ".join(shown))


if __name__ == "__main__":
    main()
