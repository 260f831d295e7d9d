"""Extraction speed: every family over >= 50 MB of generated shop HTML, one core.

    .venv/bin/python bench/extract_bench.py [--mb 50] [--seed 7]

Generates varied, realistic shop pages (navigation, product grids with prices, SKUs and
EANs, dates and date ranges, order and invoice numbers, inline scripts with JSON state and
analytics snippets, srcset file names, footers with addresses and company numbers) with a
few identifiers of every family sprinkled sparsely, as on real pages.  Then, in the same
process and over the same pages:

* the floor: one pass of Python's ``re`` with a single ordinary e-mail pattern;
* ``extract_all(Page(text, url, "html"))`` page by page (a fresh Page each time, so the
  lazily computed views are paid for);
* each family alone (per-family MB/s, so a slow family is visible);
* ``extract_meta`` (not part of extract_all; the crawler calls it once per page).

Times are CPU time of this process (one core).  Prints MB/s and the ratio extract_all / floor.  Target: ratio >= 0.25.
"""

from __future__ import annotations

import argparse
import gc
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The floor: an ordinary e-mail regex, one pass.
EMAIL_FLOOR_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

WORDS = ("premium exclusive new classic limited deluxe special original bundle pack set "
         "collection edition series member access vip gold silver basic starter pro "
         "weekly monthly yearly digital instant download stream archive update bonus").split()
NAMES = ("Aurora Borealis Cascade Delta Ember Falcon Glacier Harbor Iris Juniper Kestrel "
         "Lumen Meridian Nova Orchid Prism Quartz Raven Sierra Tundra Umbra Vortex Willow").split()
TLDS = ("se", "com", "net", "ru", "co.uk", "de", "org", "info", "nl", "pl")
CSS_CLASSES = ("card", "grid", "col-md-4", "btn btn-primary", "price", "badge", "nav-link",
               "product-title", "thumb", "footer-col", "container", "row", "text-muted")

# Sparse identifiers, one family each (all valid: the bench must exercise the slow paths).
SPRINKLES = (
    '<p class="contact">Ring oss: 070-123 45 {n2:02d}</p>',
    '<p>Kundtjänst <a href="tel:+46812345{n3:03d}">08-123 45{n3:03d}</a></p>',
    '<p>UK office: +44 20 7946 0{n3:03d}</p>',
    '<p>E-post: <a href="mailto:info{n2}@{dom}">info{n2}@{dom}</a></p>',
    '<p>Support: support [at] {dom_name} [dot] com</p>',
    '<a href="/cdn-cgi/l/email-protection" class="__cf_email__" '
    'data-cfemail="1d6e7c71786e5d7e7b306e75726d336e78">[email&#160;protected]</a>',
    '<a href="https://t.me/shop_support{n2}" rel="nofollow">Telegram</a>',
    '<a href="https://wa.me/4670123{n4:04d}">WhatsApp</a>',
    '<p>Signal: +46 70 555 {n2:02d} {n2:02d}</p>',
    '<p>Skype: shop.sales{n2} | ICQ: 5551{n4:04d} | Threema ID: ECHOECHO</p>',
    '<p>BTC: <code>bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4</code></p>',
    '<p>ETH: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed</p>',
    '<p>IBAN: SE45 5000 0000 0583 9825 7466 · BIC ESSESESS</p>',
    '<form action="https://www.paypal.com/cgi-bin/webscr" method="post">'
    '<input type="hidden" name="cmd" value="_s-xclick">'
    '<input type="hidden" name="hosted_button_id" value="8XKQWM2D4J5LN"></form>',
    '<script>var stripe = Stripe("pk_live_51H8x2JKl0abcdefGHIJklmnOPQRstuvWXyz0123456789");</script>',
    '<script async src="https://www.googletagmanager.com/gtag/js?id=G-K2X9QW7PLM"></script>',
)


def _word(r: random.Random) -> str:
    return r.choice(WORDS)


def make_page(r: random.Random, i: int) -> tuple[str, str]:
    """One shop page (url, html) of roughly 20–150 KB."""
    dom_name = f"{r.choice(NAMES).lower()}-{r.choice(WORDS)}{i % 97}"
    dom = f"{dom_name}.{r.choice(TLDS)}"
    url = f"https://{dom}/{r.choice(['', 'shop/', 'category/', 'p/'])}{i}.html"
    lang = r.choice(["sv", "en", "ru", "de", "nl", ""])
    out: list[str] = []
    w = out.append
    w(f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n')
    w(f"<title>{r.choice(NAMES)} {_word(r).title()} Store – page {i}</title>\n")
    w(f'<meta name="description" content="{" ".join(_word(r) for _ in range(18))}">\n')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    w(f'<link rel="canonical" href="{url}">\n<link rel="stylesheet" href="/static/css/main.{r.randrange(16**8):08x}.css">\n')
    w(f'<link rel="preconnect" href="https://fonts.googleapis.com">\n')
    w("<style>\n")
    for _ in range(r.randint(20, 80)):
        c = r.choice(CSS_CLASSES).split()[0]
        w(f".{c}-{r.randint(1, 99)} {{ margin: {r.randint(0, 40)}px {r.randint(0, 40)}px; "
          f"color: #{r.randrange(16**6):06x}; font-size: {r.randint(10, 24)}px; }}\n")
    w("@media (max-width: 768px) { .grid { display: block; } }\n</style>\n")
    # Inline state: JSON with numbers, timestamps, ids, prices (never phones).
    w('<script>window.__STATE__ = {"products": [')
    for k in range(r.randint(10, 60)):
        w(f'{{"id": {r.randint(10**6, 10**9)}, "sku": "SKU-{r.randint(10**5, 10**7)}", '
          f'"ean": "{r.randint(10**12, 10**13 - 1)}", "price": {r.randint(9, 2999)}.{r.randint(0, 99):02d}, '
          f'"updated": "2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00Z", '
          f'"ts": {r.randint(1_600_000_000_000, 1_800_000_000_000)}, "title": "{_word(r)} {_word(r)}"}},')
    w(']};\nfunction track(e){var t=Date.now();if(t-window.__last>3000){window.__last=t;'
      'dataLayer.push({event:e,value:Math.round(t/1000)})}}\n</script>\n</head>\n<body>\n')
    w('<header class="site-header"><nav><ul>')
    for k in range(r.randint(8, 30)):
        w(f'<li><a class="nav-link" href="/{_word(r)}/{_word(r)}-{k}.html">{_word(r).title()}</a></li>')
    w("</ul></nav></header>\n<main class=\"container\">\n")
    w(f"<h1>{_word(r).title()} {_word(r)} {r.choice(NAMES)}</h1>\n")
    w(f"<p class=\"text-muted\">Kampanj {r.randint(1, 28)}.{r.randint(1, 12)}.–{r.randint(1, 28)}.{r.randint(1, 12)}.2024 "
      f"· Erbjudandet gäller 2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} – 2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}</p>\n")
    w('<div class="grid">\n')
    for k in range(r.randint(15, 120)):
        pid = r.randint(1000, 999999)
        w(f'<div class="card" data-id="{pid}" data-price="{r.randint(100, 99999)}">'
          f'<a href="/p/{pid}-{_word(r)}-{_word(r)}.html"><img src="/img/p{pid}.jpg" '
          f'srcset="/img/p{pid}@2x.jpg 2x, /img/p{pid}@3x.jpg 3x" width="{r.choice([300, 400, 600])}" '
          f'height="{r.choice([300, 400, 600])}" alt="{_word(r)}"></a>'
          f'<h3 class="product-title">{_word(r).title()} {_word(r)} #{k + 1}</h3>'
          f'<span class="price">{r.randint(1, 9)} {r.randint(100, 999)} kr</span> '
          f'<span class="price-eur">€{r.randint(5, 999)},{r.randint(0, 99):02d}</span> '
          f'<small>Art.nr {r.randint(100000, 9999999)} · EAN {r.randint(10**12, 10**13 - 1)} · '
          f'{r.randint(1, 500)} st i lager · uppdaterad {r.randint(1, 28)}/{r.randint(1, 12)}/2024 '
          f'{r.randint(0, 23):02d}:{r.randint(0, 59):02d}</small></div>\n')
    w("</div>\n")
    w(f"<p>Order #{r.randint(10**8, 10**10)} skickad {r.randint(1, 28):02d}.{r.randint(1, 12):02d}.2024. "
      f"Faktura {r.randint(2023, 2025)}{r.randint(10**5, 10**7)}, OCR {r.randint(10**9, 10**12)}. "
      f"Totalt 1 299,00 SEK inkl. moms (25 %). Leverans 3–5 dagar.</p>\n")
    # Sparse identifiers: on most pages none or one, sometimes a few.
    for _ in range(r.choice([0, 0, 0, 1, 1, 2, 3])):
        w(r.choice(SPRINKLES).format(n2=r.randint(10, 99), n3=r.randint(100, 999),
                                     n4=r.randint(1000, 9999), dom=dom, dom_name=dom_name))
        w("\n")
    w("</main>\n<footer><div class=\"row\">")
    w(f"<div class=\"footer-col\">{r.choice(NAMES)} AB · Org.nr 556{r.randint(100, 999)}-{r.randint(1000, 9999)} · "
      f"Storgatan {r.randint(1, 99)}, {r.randint(100, 999)} {r.randint(10, 99)} Stockholm · "
      f"Öppet 10–18 · © 2014–2024</div>")
    for k in range(r.randint(5, 25)):
        other = f"{r.choice(NAMES).lower()}{r.randint(1, 50)}.{r.choice(TLDS)}"
        w(f'<a href="https://{other}/ref/{r.randint(1, 10**6)}?utm_source=footer&amp;id={r.randint(10**8, 10**11)}">{other}</a> ')
    w('</div></footer>\n<script src="/static/js/app.'
      f'{r.randrange(16**8):08x}.js" defer></script>\n</body>\n</html>\n')
    return url, "".join(out)


def make_corpus(total_bytes: int, seed: int = 7) -> list[tuple[str, str]]:
    r = random.Random(seed)
    pages, size, i = [], 0, 0
    while size < total_bytes:
        url, html = make_page(r, i)
        pages.append((url, html))
        size += len(html.encode("utf-8"))
        i += 1
    return pages


def _time(fn) -> float:
    """CPU seconds of one call (process time: other load on the machine does not count)."""
    gc.collect()
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=50.0, help="corpus size in MB (default 50)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    from crawler.extractors import FAMILIES, Page, extract_all, extract_meta

    t0 = time.perf_counter()
    pages = make_corpus(int(args.mb * 1_000_000), args.seed)
    mb = sum(len(h.encode("utf-8")) for _, h in pages) / 1_000_000
    print(f"corpus: {len(pages)} pages, {mb:.1f} MB (generated in {time.perf_counter() - t0:.1f} s)",
          flush=True)

    found = {"n": 0}

    def floor() -> None:
        n = 0
        for _, h in pages:
            n += sum(1 for _ in EMAIL_FLOOR_RE.finditer(h))
        found["floor"] = n

    def run_all() -> None:
        n = 0
        for url, h in pages:
            n += len(extract_all(Page(h, url, "html")))
        found["n"] = n

    def run_family(fam) -> None:
        for url, h in pages:
            for _ in fam.extract(Page(h, url, "html")):
                pass

    def run_meta() -> None:
        for url, h in pages:
            extract_meta(Page(h, url, "html"))

    t_floor = _time(floor)
    t_all = _time(run_all)
    floor_mbs, all_mbs = mb / t_floor, mb / t_all
    print(f"floor  (one e-mail regex pass): {floor_mbs:8.1f} MB/s  ({found['floor']} matches)")
    print(f"extract_all (every family):     {all_mbs:8.1f} MB/s  ({found['n']} identifiers)")
    ratio = all_mbs / floor_mbs
    print(f"ratio extract_all / floor:      {ratio:8.2f}   (target >= 0.25: {'OK' if ratio >= 0.25 else 'BELOW'})")
    print("per family (alone, fresh Page each time):")
    for fam in FAMILIES:
        name = fam.__name__.rsplit(".", 1)[-1]
        t = _time(lambda: run_family(fam))
        print(f"  {name:<12} {mb / t:8.1f} MB/s")
    t = _time(run_meta)
    print(f"  {'page_meta':<12} {mb / t:8.1f} MB/s  (extract_meta, not in extract_all)")
    return 0 if ratio >= 0.25 else 1


if __name__ == "__main__":
    sys.exit(main())
