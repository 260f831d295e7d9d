"""Re-crawls replay the path by which each carrying page was reached.

A shop may show its payment page only to a visitor who arrives from its own index (a
Referer check), or link it only from a page the next crawl's budget does not reach.  When a
site was crawled before, the pages that carried identifiers then are requested again, each
with the ``Referer`` it was reached by and at its depth, so a re-crawl confirms or refutes
what it saw instead of simply not looking (graph/history.py: an identifier whose page was
not fetched again is *unconfirmed*, never *dropped*).

Only text pages already fetched as pages are replayed; every request still goes through the
never-media, SSRF and page-budget layers.

>>> carrier_pages(":memory:", ["shop-a.se"])
{}
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterable

MAX_REPLAYED = 20     # carrying pages requested again per site (fewest clicks from the entry first)


def carrier_pages(db_path: str | Path | None, domains: Iterable[str]) -> dict[str, list[tuple[str, str | None, int]]]:
    """``{domain: [(url, referrer, depth), …]}``: pages below the entry page (depth ≥ 1) that
    carried an identifier when last fetched, from an existing store; {} without one."""
    doms = sorted(set(domains))
    if not db_path or str(db_path) == ":memory:" or not Path(str(db_path)).is_file() or not doms:
        return {}
    out: dict[str, list[tuple[str, str | None, int]]] = {}
    try:
        con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return {}
    try:
        cols = {r[1] for r in con.execute("PRAGMA table_info(pages)")}
        if "referrer" not in cols:
            return {}
        for i in range(0, len(doms), 500):
            chunk = doms[i:i + 500]
            marks = ",".join("?" * len(chunk))
            carried = {r[0] for r in con.execute(
                f"SELECT DISTINCT page_url FROM observations WHERE domain IN ({marks}) AND source = 'page'", chunk)}
            for url, final_url, referrer, depth, domain in con.execute(
                    f"SELECT url, final_url, referrer, depth, domain FROM pages WHERE domain IN ({marks}) "
                    f"AND resource = 'page' AND depth >= 1 AND status >= 200 AND status < 300 "
                    f"ORDER BY depth, url", chunk):
                if (final_url or url) in carried and len(out.setdefault(domain, [])) < MAX_REPLAYED:
                    out[domain].append((url, referrer, int(depth)))
    except sqlite3.Error:   # an older or foreign store: nothing to replay
        return {}
    finally:
        con.close()
    return out
