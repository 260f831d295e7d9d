"""Never-media benchmark: how much of a refused media body a hostile server gets out (issue 9).

    .venv/bin/python bench/never_media_bench.py [--responses 15] [--size 2000000]

For each class of refused media — typed (an honest image/jpeg), disguised (JPEG bytes as
text/html), encoded (gzip, deflate, br, zstd, x-unknown), polyglot (700 bytes of text, then
JPEG) and late polyglot (64 KB of text, then PNG) — a loopback server (fakeweb.hostile,
its send buffer 16 KB) answers RESPONSES start URLs with a SIZE-byte body, and a real
``merchintel crawl`` child process crawls them.  Printed per class:

* written: bytes the server's kernel accepted per refused response (median, max) — what
  reached this machine's network buffers at most (target <= 64 KB);
* read: bytes of the body merchintel's crawler took from the socket before refusing
  (mean and max per refused response, from the crawl's own stats; 0 = stopped at the
  headers) — the target is nothing past the first decoded chunk;
* refused / status: how many were refused and the site status stored.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fakeweb.hostile import HostileServer, encoded, fake_jpeg, fake_png, send_body, text_page  # noqa: E402


def classes(size: int) -> dict[str, object]:
    jpeg = fake_jpeg(size)
    return {
        "typed image/jpeg": send_body(jpeg, {"Content-Type": "image/jpeg"}),
        "disguised as text/html": send_body(jpeg),
        "encoded gzip": encoded(jpeg, "gzip"),
        "encoded deflate": encoded(jpeg, "deflate"),
        "encoded br": encoded(jpeg, "br"),
        "encoded zstd": encoded(jpeg, "zstd"),
        "encoded x-unknown": encoded(jpeg, "x-unknown"),
        "polyglot (text, JPEG)": send_body(text_page(700) + jpeg),
        "polyglot (64 KB text, PNG)": send_body(text_page(65_536) + fake_png(size)),
    }


def run_class(name: str, play: object, responses: int, tmp: Path, index: int) -> dict[str, object]:
    with HostileServer({"*": play}, host=f"127.0.0.{50 + index}") as srv:
        urls = [srv.url(f"/m{i}.html") for i in range(responses)]
        inp = tmp / f"in{index}.txt"
        inp.write_text("\n".join(urls) + "\n")
        db = tmp / f"m{index}.sqlite"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "MERCHINTEL_PROGRESS_INTERVAL": "0",
               "MERCHINTEL_MAX_BODY_BYTES": str(10 * 1024 * 1024)}
        start = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "merchintel.cli", "crawl", str(inp), "--db", str(db), "--no-enrich",
                            "--ssrf-allow", "127.0.0.0/8", "--max-pages", str(responses + 5), "--format", "json"],
                           env=env, cwd=tmp, capture_output=True, text=True, timeout=600)
        seconds = time.monotonic() - start
        time.sleep(0.3)   # the server threads finish their last sends
        written = [h.written for h in srv.hits]
    if r.returncode != 0:
        raise SystemExit(f"crawl of {name} failed: {r.stderr[-2000:]}")
    con = sqlite3.connect(db)
    try:
        (stats,) = con.execute("SELECT stats FROM runs").fetchone()
        kinds = dict(con.execute("SELECT kind, count(*) FROM errors GROUP BY kind").fetchall())
        status = dict(con.execute("SELECT last_status, count(*) FROM sites GROUP BY last_status").fetchall())
        pages = con.execute("SELECT count(*) FROM pages").fetchone()[0]
    finally:
        con.close()
    stats = json.loads(stats or "{}")
    refused = sum(kinds.get(k, 0) for k in ("media", "encoding", "size"))
    read = stats.get("never_media/read_bytes", 0)
    return {"class": name, "responses": len(written), "refused": refused, "pages": pages,
            "written_median": statistics.median(written) if written else 0, "written_max": max(written, default=0),
            "read_mean": read / refused if refused else 0, "read_max": stats.get("never_media/read_bytes_max", 0),
            "status": ",".join(sorted(status)), "seconds": seconds}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--responses", type=int, default=15, help="refused responses per class")
    p.add_argument("--size", type=int, default=2_000_000, help="bytes of each media body")
    args = p.parse_args()
    print(f"never-media bench: {args.responses} refused responses per class, {args.size} bytes each, "
          f"server send buffer 16 KB")
    print(f"{'class':28} {'refused':>8} {'written median':>15} {'written max':>12} {'read mean':>10} "
          f"{'read max':>9}  status")
    worst = 0
    with tempfile.TemporaryDirectory(prefix="nm-bench-") as tmp:
        for i, (name, play) in enumerate(classes(args.size).items()):
            row = run_class(name, play, args.responses, Path(tmp), i)
            worst = max(worst, int(row["written_max"]))
            print(f"{row['class']:28} {row['refused']:>4}/{row['responses']:<3} {row['written_median']:>15,.0f} "
                  f"{row['written_max']:>12,} {row['read_mean']:>10,.0f} {row['read_max']:>9,}  {row['status']}"
                  + (f"  ({row['pages']} page(s) stored!)" if row["pages"] else ""))
    print(f"largest write of any refused response: {worst:,} bytes (target <= 65,536: kernel buffers only)")


if __name__ == "__main__":
    main()
