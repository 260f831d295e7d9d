"""Ad ties and clusters at 25k, 50k and 100k ads (30k numbers, 2k text templates at 100k).

    .venv/bin/python bench/ads_bench.py [--sizes 25000,50000,100000]

Each size runs in its own subprocess (clean peak RSS).  Synthetic ads: organisers own a
template (2k at 100k, scaled with the size) and a few numbers (30k at 100k); each ad is its
organiser's template with a few word edits, a header (name, age, city) and one number.
Timed: contact ties, the near-duplicate pass (MinHash + LSH, graph/ads.py ``text_ties``)
and the clusters; next to it, in the same run, the exact-shingle baseline
(``exact_shingle_ties``: ads with identical shingle sets), with the pairs each finds.
Prints one line per size and the growth ratio per doubling (near-linear: about 2).
Target: 100k ads, ties and clusters under 60 s.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VOCAB = [f"w{i}" for i in range(3000)]
NAMES = ("anna", "sara", "lina", "maja", "ella", "nora", "vera", "alva")
CITIES = ("stockholm", "malmö", "göteborg", "uppsala", "västerås", "örebro")


def make_ads(n: int, seed: int = 14):
    from graph.ads import Ad
    rnd = random.Random(seed)
    n_templates = max(20, n * 2000 // 100_000)
    n_numbers = max(60, n * 30_000 // 100_000)
    templates = [[rnd.choice(VOCAB) for _ in range(rnd.randint(60, 90))] for _ in range(n_templates)]
    # numbers belong to organisers (templates): number i to template i % n_templates
    ads = []
    for i in range(n):
        num = rnd.randrange(n_numbers)
        t = list(templates[num % n_templates])
        for _ in range(rnd.randint(0, 3)):
            t[rnd.randrange(len(t))] = rnd.choice(VOCAB)
        head = f"{rnd.choice(NAMES)} {rnd.randint(20, 35)} {rnd.choice(CITIES)}"
        text = head + " " + " ".join(t)
        ads.append(Ad(f"https://p{i % 5}.example/annons/{100000 + i}", f"p{i % 5}.example",
                      [f"phone:+4670{num:07d}"], text=text, fingerprint=f"{i:016x}"))
    return ads, n_templates, n_numbers


def one(n: int) -> dict:
    from crawler.config import default
    from graph.ads import ad_clusters, contact_ties, exact_shingle_ties, text_ties
    ads, n_templates, n_numbers = make_ads(n)
    t0 = time.process_time()
    contact = list(contact_ties(ads))
    t1 = time.process_time()
    text = list(text_ties(ads, default("ad_similarity"), explain=False))
    t2 = time.process_time()
    clusters = ad_clusters(ads, contact + text)
    t3 = time.process_time()
    exact = list(exact_shingle_ties(ads))
    t4 = time.process_time()
    return {"ads": n, "templates": n_templates, "numbers": n_numbers,
            "contact_s": round(t1 - t0, 2), "near_dup_s": round(t2 - t1, 2), "clusters_s": round(t3 - t2, 2),
            "total_s": round(t3 - t0, 2), "exact_baseline_s": round(t4 - t3, 2),
            "contact_ties": len(contact), "near_dup_ties": len(text), "exact_ties": len(exact),
            "clusters": len(clusters),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="25000,50000,100000")
    ap.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f"{r['ads']:>7} ads ({r['numbers']} numbers, {r['templates']} templates): ties+clusters "
              f"{r['total_s']:.1f}s CPU (contact {r['contact_s']:.1f}, near-dup {r['near_dup_s']:.1f}, "
              f"clusters {r['clusters_s']:.1f}); exact-shingle baseline {r['exact_baseline_s']:.1f}s; "
              f"ties contact {r['contact_ties']} near-dup {r['near_dup_ties']} exact {r['exact_ties']}; "
              f"{r['clusters']} clusters; peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
    for a, b in zip(results, results[1:]):
        print(f"growth {a['ads']}->{b['ads']} ads (x{b['ads'] / a['ads']:.1f}): "
              f"time x{b['total_s'] / max(a['total_s'], 1e-9):.2f}")


if __name__ == "__main__":
    main()
