"""Crawl benchmark: merchintel vs a bare Scrapy spider over the same generated local web.

    .venv/bin/python bench/crawl_bench.py [--sites 1000] [--pages 10] [--rounds 4] [--profile FILE]

Generates SITES x PAGES pages (each ~4 KB of realistic shop HTML with an e-mail, a
phone, a wallet, an image and off-site links), served on loopback by a small asyncio
HTTP server in its own process, names resolved by the fake web's DNS server.  Then, in
separate processes (Twisted's reactor runs once per process):

* bare:       a Scrapy spider that only follows the same <a href> links (same host, depth
              <= 2), no extraction, no storage — the baseline;
* merchintel: the real crawl (never-media + SSRF layers, extractors, SQLite store).

Both use the same resolver (crawler.resolver.GuardedResolver, allow-private), the same
concurrency and timeouts.  Prints pages/s for both, the ratio (target >= 0.8), peak RSS
of each crawl, and merchintel's RSS after 100 / 500 / 1000 sites were finished (target:
flat in the number of sites).

The windowed bare crawl and merchintel run in alternation, ``--rounds`` times each, in
ABBA order (bare first in odd rounds, merchintel first in even ones), so a machine whose
speed drifts during the run favours neither; the ratio printed is the median of the
per-round ratios (each round against the faster of its bare runs), with every round shown.
Each round also shows the CPU seconds of both crawl processes, the seconds Scrapy's thread
waited for a CPU, and merchintel's tail (from its last finished site to ``spider_closed``:
the store writer's last commit and the helpers' exit).

``--profile FILE`` runs the merchintel crawls under cProfile (crawl process only; the figures
are then slower than without) and writes the last round's statistics to FILE, with the top
functions by own time printed (``python -m pstats FILE`` reads it further).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import pstats
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CONCURRENCY = 16


def site_name(i: int) -> str:
    return f"shop{i:05d}.bench"


# ---- the server ------------------------------------------------------------------------
def page_html(host: str, path: str, pages: int, port: int) -> bytes:
    n = int(host[4:9]) if host.startswith("shop") else 0
    links = "".join(f'<li><a href="/p{i}.html">Product {i}</a></li>' for i in range(1, pages))
    body = (
        f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Shop {n} {path}</title>"
        f"<meta name=\"description\" content=\"Shop number {n}\"><link rel=\"icon\" href=\"/favicon.ico\">"
        f"<meta property=\"og:image\" content=\"/og.jpg\"></head><body><header><h1>Shop {n}</h1>"
        f"<nav><a href=\"/\">Home</a> <a href=\"http://cdn{n % 7}.example/\">partner</a></nav></header>"
        f"<img src=\"/img/banner-{n}.jpg\" alt=\"banner\"><main><ul>{links}</ul>"
        + "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
          "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco.</p>" * 12
        + f"<p>Order: sales{n}@shop{n}.se, phone +46 70 {n % 1000:03d} 45 67, "
          f"BTC 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2</p></main><footer>&copy; 2024 Shop {n}</footer></body></html>"
    )
    return body.encode("utf-8")


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pages: int, port: int) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            _method, path, _ = lines[0].split(" ", 2)
            host = ""
            for line in lines[1:]:
                if line[:5].lower() == "host:":
                    host = line[5:].strip().split(":")[0].lower()
            path = path.split("?")[0]
            ok = path == "/" or (path.startswith("/p") and path.endswith(".html"))
            if ok:
                body, status, ctype = page_html(host, path, pages, port), "200 OK", "text/html; charset=utf-8"
            else:
                body, status, ctype = b"not here", "404 Not Found", "text/plain"
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                         f"Server: bench\r\n\r\n".encode("latin-1") + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


def serve(port_file: str, pages: int) -> None:
    async def main() -> None:
        server = await asyncio.start_server(lambda r, w: _handle(r, w, pages, port), "127.0.0.2", 0, backlog=512)
        Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
        async with server:
            await server.serve_forever()
    port = 0  # set once listening; pages use it only for absolute links
    asyncio.run(main())


# ---- workers -----------------------------------------------------------------------------
class RSSProbe:
    """Extension: RSS (from /proc) when 100, 500, 1000… sites are finished."""

    MARKS = (100, 500, 1000, 2000, 5000)

    def __init__(self, crawler):
        self.crawler = crawler
        self.done = 0
        self.samples: dict[int, float] = {}

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy import signals
        ext = cls(crawler)
        from crawler.items import site_done
        # merchintel's site_done (sent once a site, synchronously), not item_scraped: a
        # receiver there would cost the measured crawl an asyncio task per item
        crawler.signals.connect(ext.site_done, signal=site_done)
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider):
        self.t0 = time.perf_counter()   # both crawls are timed from spider_opened to spider_closed
        self.cpu0 = cpu_seconds()
        self.wait0 = runqueue_wait()

    def site_done(self, item=None, **_):
        self.done += 1
        self.last_site = time.perf_counter()
        if self.done in self.MARKS:
            self.samples[self.done] = rss_mb()

    def closed(self, spider, reason):
        Path(self.crawler.settings.get("BENCH_PROBE_FILE")).write_text(
            json.dumps({"rss": self.samples, "seconds": time.perf_counter() - self.t0,
                        "cpu": {k: v - self.cpu0.get(k, 0.0) for k, v in cpu_seconds().items()},
                        "runqueue_wait": runqueue_wait() - self.wait0,
                        # from the last finished site to spider_closed: the store writer's drain
                        "tail": time.perf_counter() - getattr(self, "last_site", time.perf_counter())}))


def runqueue_wait() -> float:
    """Seconds the reactor's thread (this process's main thread) was ready to run but
    waited for a CPU (schedstat)."""
    try:
        return int(Path(f"/proc/self/task/{os.getpid()}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu_seconds() -> dict[str, float]:
    """CPU seconds (user + system) of this process and of its children (merchintel's
    page-analysis worker): live ones from /proc, ended ones from getrusage."""
    tick = os.sysconf("SC_CLK_TCK")

    def of(pid) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / tick

    kids = set()
    for task in Path("/proc/self/task").glob("*"):
        try:
            kids |= set((task / "children").read_text().split())
        except OSError:
            pass
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"crawl": of("self"), "children": sum(of(k) for k in kids) + reaped.ru_utime + reaped.ru_stime}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_merchintel(args) -> dict:
    from crawler.config import load_config
    from crawler.inputs import read_input
    from crawler.clock import new_run_id
    from merchintel.runner import crawl_reports, prepare_run
    from crawler.settings import EXTENSIONS

    tmp = Path(args.tmp)
    db = tmp / f"bench-{os.getpid()}.sqlite"
    cfg = load_config({"db": str(db), "allow_private": True,
                       "nameservers": args.nameservers, "concurrency": CONCURRENCY, "max_pages": 50, "depth": 2,
                       # evidence_bench.py crawls with captures on and off
                       **({"captures": args.captures == "1"} if args.captures is not None else {})},
                      env={}, toml_path=None)
    name, reports, _ = read_input(args.input)
    run_id = new_run_id()
    todo = prepare_run(cfg, name, reports, [], run_id=run_id)
    probe = tmp / f"probe-{os.getpid()}.json"
    profiler = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    stats = crawl_reports(cfg, todo, run_id=run_id, progress_interval=0,
                          extra_settings={"EXTENSIONS": {**EXTENSIONS, "crawl_bench.RSSProbe": 900},
                                          "BENCH_PROBE_FILE": str(probe)})
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    probed = json.loads(probe.read_text())
    return {"pages": stats.get("pages", 0), "seconds": probed["seconds"], "peak_rss_mb": peak_mb(), "cpu": probed["cpu"],
            "with_startup_seconds": time.perf_counter() - t0, "rss_at_sites": probed["rss"],
            "runqueue_wait": probed.get("runqueue_wait", 0.0), "tail": probed.get("tail", 0.0),
            "identifiers": stats.get("identifiers", 0), "errors": stats.get("errors", 0), "db": str(db)}


def worker_bare(args) -> dict:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from crawler.settings import make_offline

    windowed = args.worker == "bare-windowed"
    max_active = 2 * CONCURRENCY

    class BareSpider(scrapy.Spider):
        """Follows the same links; with ``windowed``, also merchintel's scheduling (at most
        2 x concurrency sites in flight, CONCURRENT_ITEMS 4), so only the work per page differs."""

        name = "bare"
        outstanding: dict[str, int] = {}
        seen: set[str] = set()

        async def start(self):
            for url in Path(args.input).read_text().split():
                while windowed and len(self.outstanding) >= max_active:
                    await asyncio.sleep(0.02)
                self.seen.add(url)
                yield self._req(url)

        def _req(self, url):
            host = url.split("/")[2]
            self.outstanding[host] = self.outstanding.get(host, 0) + 1
            # windowed: dedupe here (a request dropped by the dupefilter would never come back)
            return scrapy.Request(url, errback=self.failed, dont_filter=windowed)

        def _done(self, url):
            host = url.split("/")[2]
            self.outstanding[host] -= 1
            if not self.outstanding[host]:
                del self.outstanding[host]

        def failed(self, failure):
            self._done(failure.request.url)

        def parse(self, response):
            host = response.url.split("/")[2]
            out = []
            if response.meta.get("depth", 0) >= 2:   # DEPTH_LIMIT would drop them silently
                self._done(response.request.url)
                return out
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href)
                if url.split("/")[2] == host and not (windowed and url in self.seen):
                    self.seen.add(url)
                    out.append(self._req(url))
            self._done(response.request.url)
            return out

    make_offline()   # Scrapy's cookies middleware would otherwise fetch the suffix list
    settings = {
        "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "ROBOTSTXT_OBEY": False,
        "CONCURRENT_REQUESTS": CONCURRENCY, "CONCURRENT_REQUESTS_PER_DOMAIN": 4, "DEPTH_LIMIT": 2,
        "DOWNLOAD_TIMEOUT": 20, "TWISTED_DNS_RESOLVER": "crawler.resolver.GuardedResolver",
        "MERCHINTEL_ALLOW_PRIVATE": True, "MERCHINTEL_NAMESERVERS": args.nameservers, "STATS_DUMP": False,
        "LOGSTATS_INTERVAL": 0, "EXTENSIONS": {"crawl_bench.RSSProbe": 900},
        "BENCH_PROBE_FILE": str(Path(args.tmp) / f"probe-{os.getpid()}.json"),
    }
    if windowed:
        settings["CONCURRENT_ITEMS"] = 4   # merchintel's tuning too: only the work per page differs
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    t0 = time.perf_counter()
    process.start()
    stats = crawler.stats.get_stats()
    probed = json.loads(Path(settings["BENCH_PROBE_FILE"]).read_text())
    return {"pages": stats.get("response_received_count", 0), "seconds": probed["seconds"], "cpu": probed["cpu"],
            "with_startup_seconds": time.perf_counter() - t0, "peak_rss_mb": peak_mb(),
            "runqueue_wait": probed.get("runqueue_wait", 0.0)}


# ---- driver -----------------------------------------------------------------------------
def run_worker(kind: str, input_path: Path, tmp: Path, nameservers: str, profile: str | None = None,
               extra: tuple[str, ...] = ()) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", kind, "--input", str(input_path), "--tmp", str(tmp),
                          "--nameservers", nameservers, *(["--profile", profile] if profile else []), *extra],
                         capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)])})
    if out.returncode != 0:
        raise SystemExit(f"{kind} worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def loopback_web(sites: int, pages: int) -> Iterator[tuple[Path, Path, str, int]]:
    """The generated web served on 127.0.0.2 (its own process), names from a fake DNS:
    yields (tmp dir, input file of the sites' URLs, nameservers, port)."""
    from fakeweb import FakeWeb

    tmp = Path(tempfile.mkdtemp(prefix="merchintel-crawl-bench-"))
    web_dir = tmp / "web"
    (web_dir / "sites").mkdir(parents=True)
    (web_dir / "hosts.json").write_text(json.dumps({site_name(i): "127.0.0.2" for i in range(sites)}))
    port_file = tmp / "port"
    server = subprocess.Popen([sys.executable, "-c",
                               f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); sys.path.insert(0, {str(ROOT)!r}); "
                               f"import crawl_bench; crawl_bench.serve({str(port_file)!r}, {pages})"])
    try:
        for _ in range(100):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.05)
        port = int(port_file.read_text())
        input_path = tmp / "input.txt"
        input_path.write_text("".join(f"http://{site_name(i)}:{port}/\n" for i in range(sites)))
        with FakeWeb(web_dir, extra_servers=False) as web:
            yield tmp, input_path, f"127.0.0.1:{web.dns_port}", port
    finally:
        server.terminate()
        server.wait()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sites", type=int, default=1000)
    p.add_argument("--pages", type=int, default=10)
    p.add_argument("--rounds", type=int, default=4, help="bare/merchintel rounds in ABBA order (median ratio)")
    p.add_argument("--worker", choices=["bare", "bare-windowed", "merchintel"])
    p.add_argument("--input")
    p.add_argument("--tmp")
    p.add_argument("--nameservers")
    p.add_argument("--profile", metavar="FILE", help="cProfile the merchintel crawl process, stats to FILE")
    p.add_argument("--captures", choices=["0", "1"], help="merchintel worker: evidence captures off/on")
    args = p.parse_args()
    if args.worker:
        result = worker_merchintel(args) if args.worker == "merchintel" else worker_bare(args)
        print(json.dumps(result))
        return 0

    with loopback_web(args.sites, args.pages) as (tmp, input_path, ns, port):
        print(f"crawl bench: {args.sites} sites x {args.pages} pages on 127.0.0.2:{port}, "
              f"concurrency {CONCURRENCY}, {os.cpu_count()} CPU(s)", flush=True)
        bare = run_worker("bare", input_path, tmp, ns)
        rounds = []
        for i in range(max(1, args.rounds)):
            def merchintel() -> dict:
                return run_worker("merchintel", input_path, tmp, ns, profile=args.profile,
                                  extra=("--captures", args.captures) if args.captures else ())
            if i % 2 == 0:
                windowed = run_worker("bare-windowed", input_path, tmp, ns)
                mi = merchintel()
            else:
                mi = merchintel()
                windowed = run_worker("bare-windowed", input_path, tmp, ns)
            rounds.append((windowed, mi))
            w_rate, m_rate = windowed["pages"] / windowed["seconds"], mi["pages"] / mi["seconds"]
            print(f"  round {i + 1}: bare windowed {w_rate:7.1f} pages/s, merchintel {m_rate:7.1f} pages/s, "
                  f"ratio {m_rate / max(w_rate, bare['pages'] / bare['seconds']):.2f}; crawl-process CPU "
                  f"{windowed['cpu']['crawl']:.1f} s / {mi['cpu']['crawl']:.1f} s (+{mi['cpu']['children']:.1f} s in "
                  f"helpers), reactor thread waited for a CPU {windowed['runqueue_wait']:.1f} s / {mi['runqueue_wait']:.1f} s, "
                  f"tail {mi['tail']:.2f} s",
                  flush=True)
    import statistics

    bare_rate = bare["pages"] / bare["seconds"]
    ratios = [(m["pages"] / m["seconds"]) / max(bare_rate, w["pages"] / w["seconds"]) for w, m in rounds]
    windowed, mi = rounds[sorted(range(len(ratios)), key=ratios.__getitem__)[len(ratios) // 2]]
    rate = {k: r["pages"] / r["seconds"] for k, r in (("bare", bare), ("windowed", windowed), ("mi", mi))}
    print(f"bare scrapy          : {bare['pages']:6d} pages in {bare['seconds']:6.1f} s = {rate['bare']:7.1f} pages/s, "
          f"peak RSS {bare['peak_rss_mb']:.0f} MB, CPU {bare['cpu']['crawl']:.1f} s")
    print("median round:")
    print(f"bare scrapy, windowed: {windowed['pages']:6d} pages in {windowed['seconds']:6.1f} s = "
          f"{rate['windowed']:7.1f} pages/s, peak RSS {windowed['peak_rss_mb']:.0f} MB, CPU {windowed['cpu']['crawl']:.1f} s")
    print(f"merchintel           : {mi['pages']:6d} pages in {mi['seconds']:6.1f} s = {rate['mi']:7.1f} pages/s, "
          f"peak RSS {mi['peak_rss_mb']:.0f} MB, {mi['identifiers']} identifiers, {mi['errors']} errors, "
          f"CPU {mi['cpu']['crawl']:.1f} s + {mi['cpu']['children']:.1f} s in the helper processes (page analysis, store writer)")
    # the baseline is the faster of the two bare crawls: the ratio must not flatter merchintel
    ratio = statistics.median(ratios)
    print(f"ratio merchintel / best bare = {ratio:.2f}, median of {len(ratios)} round(s) "
          f"(min {min(ratios):.2f}, max {max(ratios):.2f}; target >= 0.80) "
          f"{'OK' if ratio >= 0.8 else 'BELOW TARGET'}")
    if args.profile:
        print(f"profile of the last merchintel crawl process: {args.profile}; top 25 by own time:")
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(25)
    marks = ", ".join(f"{k} sites: {v:.0f} MB" for k, v in sorted(mi["rss_at_sites"].items(), key=lambda kv: int(kv[0])))
    print(f"merchintel RSS after {marks}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
