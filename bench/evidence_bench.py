"""Evidence bench: what captures cost in bytes and crawl speed, and how fast verify is.

    .venv/bin/python bench/evidence_bench.py [--sites 1000] [--pages 10] [--rounds 2] [--verify-rows 100000]

1. Sample web (fakeweb/webs/sample): `merchintel crawl` with captures off, then on; bytes
   stored per page (median, p95) — the page row's columns, plus its capture row and
   certificate with captures on — and the database file per page after VACUUM.
2. The 1,000-site loopback web of bench/crawl_bench.py: the windowed bare Scrapy crawl
   once (crawl_bench's baseline: merchintel's scheduling, no work per page), then
   merchintel with captures off and on in alternation (--rounds); pages/s of each, the
   ratio captures-on / captures-off (what captures cost) and each against that baseline
   (target >= 0.8 with captures; crawl_bench.py alternates the baseline with every round
   and is the figure to quote), and bytes per page as above.
3. verify over --verify-rows synthesised captures (real capture_page rows of the loopback
   web's pages, each with its own id and record digest): seconds, against the time to only
   read the same rows in the same run (target: under 60 s).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (str(ROOT), str(ROOT / "bench")):
    if p not in sys.path:
        sys.path.insert(0, p)

import crawl_bench  # noqa: E402

from crawler import schema  # noqa: E402
from crawler.capture import capture_page  # noqa: E402
from crawler.store import Store  # noqa: E402
from crawler.items import PageItem  # noqa: E402
from merchintel.evidence import verify  # noqa: E402


def _row_bytes(conn: sqlite3.Connection, table: str, key: str) -> dict[str, int]:
    cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
    expr = " + ".join(f"IFNULL(length([{c}]), 0)" for c in cols)
    return {k: n for k, n in conn.execute(f"SELECT [{key}], {expr} FROM [{table}]")}


def per_page_bytes(db: str | Path) -> tuple[list[int], float]:
    """(bytes per page: page row + capture row + certificate row, file bytes per page after VACUUM)."""
    conn = sqlite3.connect(db)
    pages = _row_bytes(conn, "pages", "url")
    caps: dict[str, int] = {}
    if conn.execute("SELECT COUNT(*) FROM captures").fetchone()[0]:
        by_id = _row_bytes(conn, "captures", "id")
        certs = _row_bytes(conn, "certificates", "sha256")
        for cid, url, cert in conn.execute("SELECT id, url, cert_sha256 FROM captures"):
            caps[url] = caps.get(url, 0) + by_id[cid] + certs.get(cert, 0)
    sizes = [n + caps.get(url, 0) for url, n in pages.items()]
    conn.execute("VACUUM")
    conn.close()
    return sizes, Path(db).stat().st_size / max(1, len(sizes))


def p95(xs: list[int]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))] if xs else 0


def show(label: str, sizes: list[int], file_per_page: float) -> None:
    print(f"  {label:<14}: {len(sizes):6d} pages, bytes/page median {statistics.median(sizes) if sizes else 0:8.0f}, "
          f"p95 {p95(sizes):8.0f}; database file {file_per_page:8.0f} bytes/page")


def sample_web() -> None:
    from fakeweb import SAMPLE_WEB, FakeWeb

    print("1. sample web")
    tmp = Path(tempfile.mkdtemp(prefix="merchintel-evidence-bench-"))
    with FakeWeb(SAMPLE_WEB) as web:
        reports = web.render_reports(tmp / "reports.csv")
        env = {**os.environ, **web.env, "PYTHONPATH": str(ROOT)}
        for on in ("0", "1"):
            db = tmp / f"sample-{on}.sqlite"
            r = subprocess.run([sys.executable, "-m", "merchintel.cli", "crawl", str(reports), "--db", str(db),
                                "--no-enrich"], env={**env, "MERCHINTEL_CAPTURES": on}, capture_output=True,
                               text=True, cwd=tmp)
            if r.returncode != 0:
                raise SystemExit(f"sample crawl failed:\n{r.stderr[-2000:]}")
            show("captures " + ("on" if on == "1" else "off"), *per_page_bytes(db))


def loopback(sites: int, pages: int, rounds: int) -> None:
    print(f"2. loopback web: {sites} sites x {pages} pages, concurrency {crawl_bench.CONCURRENCY}, "
          f"{os.cpu_count()} CPU(s)")
    with crawl_bench.loopback_web(sites, pages) as (tmp, input_path, ns, _port):
        bare = crawl_bench.run_worker("bare-windowed", input_path, tmp, ns)
        bare_rate = bare["pages"] / bare["seconds"]
        print(f"  bare scrapy, windowed: {bare['pages']:6d} pages, {bare_rate:7.1f} pages/s")
        ratios, last = [], {}
        for i in range(max(1, rounds)):
            got = {}
            for on in ("0", "1") if i % 2 == 0 else ("1", "0"):
                got[on] = crawl_bench.run_worker("merchintel", input_path, tmp, ns, extra=("--captures", on))
            rate = {k: v["pages"] / v["seconds"] for k, v in got.items()}
            ratios.append(rate["1"] / rate["0"])
            print(f"  round {i + 1}: captures off {rate['0']:7.1f} pages/s ({rate['0'] / bare_rate:.2f} of bare), "
                  f"on {rate['1']:7.1f} pages/s ({rate['1'] / bare_rate:.2f} of bare); on/off {ratios[-1]:.2f}",
                  flush=True)
            last = got
        print(f"  captures on / off = {statistics.median(ratios):.2f} (median of {len(ratios)} round(s), "
              f"min {min(ratios):.2f}, max {max(ratios):.2f})")
        for on in ("0", "1"):
            show("captures " + ("on" if on == "1" else "off"), *per_page_bytes(last[on]["db"]))


def verify_bench(n: int) -> None:
    print(f"3. verify over {n} synthesised captures")
    tmp = Path(tempfile.mkdtemp(prefix="merchintel-evidence-bench-"))
    db = schema.open_db(tmp / "verify.sqlite")
    store = Store(db, run_id="bench", case_name="bench", commit_every=5000)
    templates = []
    for i in range(200):   # real captures of distinct generated pages
        host = crawl_bench.site_name(i)
        body = crawl_bench.page_html(host, f"/p{i % 10}.html", 10, 80)
        templates.append(capture_page(url=f"http://{host}/", final_url=f"http://{host}/", redirect_chain=[],
                                      status=200, headers=[("Server", "bench"), ("Content-Type", "text/html")],
                                      ip="127.0.0.2", captured_at="2026-12-01T00:00:00Z", content_type="text/html",
                                      body=body, text=body.decode()))
    t0 = time.perf_counter()
    for i in range(n):
        cap = templates[i % len(templates)]
        cap.url = cap.final_url = f"http://{crawl_bench.site_name(i % 1000)}/p{i}.html"
        store.page(PageItem(url=cap.url, domain="bench", final_url=cap.url, site="bench", status=200, capture=cap))
        store.maybe_commit()
    store.commit()
    print(f"  synthesised in {time.perf_counter() - t0:.1f} s; database {(tmp / 'verify.sqlite').stat().st_size / 1e6:.0f} MB")
    conn = sqlite3.connect(tmp / "verify.sqlite")
    t0 = time.perf_counter()
    cur = conn.execute("SELECT * FROM captures")
    read = 0
    while batch := cur.fetchmany(2000):
        read += len(batch)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    rep = verify(db)
    t_verify = time.perf_counter() - t0
    assert rep.captures == n and rep.ok, rep.mismatches[:3]
    print(f"  read only: {read} rows in {t_read:.1f} s; verify: {rep.captures} captures in {t_verify:.1f} s "
          f"({t_verify / max(t_read, 1e-9):.1f}x the read) — target < 60 s: {'OK' if t_verify < 60 else 'SLOW'}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sites", type=int, default=1000)
    p.add_argument("--pages", type=int, default=10)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--verify-rows", type=int, default=100_000)
    p.add_argument("--skip", action="append", default=[], choices=["sample", "loopback", "verify"])
    args = p.parse_args()
    if "sample" not in args.skip:
        sample_web()
    if "loopback" not in args.skip:
        loopback(args.sites, args.pages, args.rounds)
    if "verify" not in args.skip:
        verify_bench(args.verify_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
