"""A generated fake web of listing platforms (escort/classified ads), deterministic by seed.

``build_adweb(path, seed=…)`` writes a web directory (hosts.json, sites/<host>/…) that
:class:`fakeweb.FakeWeb` serves, and returns the truth::

    {"platforms": [...], "ads": {url_path_by_platform: {...}}, "organisers": {...},
     "support": {platform: number}, "reposts": [...]}

Three platforms (two Swedish ccTLD sites and a ``.com`` with ``<html lang="sv">``), each
with listing pages ``/``, ``/sida/2/`` … (ten ads a page) and ad pages
``/annons/<id>-<slug>/``.  Organisers own one to three numbers and one text template; their
ads spread over the platforms and write the number in the many ways ads do (``ad_number``).
Independent ads have their own number and text.  Some organiser ads are reposted with a new
number and a lightly edited text.  Every page carries the platform's support line in the
footer and decoy digits (price, ad id, date, view counter, postcode).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

PLATFORMS = (("annonser-a.se", "127.0.0.31"), ("escort-b.se", "127.0.0.32"), ("classified-c.com", "127.0.0.33"))
SUPPORT = {"annonser-a.se": "08-123 456 70", "escort-b.se": "08-123 456 71", "classified-c.com": "08-123 456 72"}
CITIES = ("Stockholm", "Malmö", "Göteborg", "Uppsala", "Västerås", "Örebro", "Linköping", "Helsingborg")
NAMES = ("Anna", "Sara", "Lina", "Maja", "Ella", "Nora", "Vera", "Alva", "Iris", "Tilda", "Elsa", "Stella")
WORDS = ("söt", "glad", "ny", "diskret", "snäll", "trevlig", "fräsch", "lugn", "varm", "ärlig", "rolig", "mysig",
         "kvällar", "helger", "hotell", "besök", "träff", "sällskap", "middag", "promenad", "samtal", "kaffe")
PER_PAGE = 10


def ad_number(e164: str, rnd: random.Random) -> str:
    """A Swedish mobile number (``+4670…``) written the way ads write it: one of many forms.

    >>> ad_number("+46701234567", random.Random(1)) != ""
    True
    """
    n = e164[3:]                       # 701234567
    nat = "0" + n                      # 0701234567
    forms = [
        f"{nat[:3]}-{nat[3:6]} {nat[6:8]} {nat[8:]}", f"{nat[:3]} {nat[3:6]} {nat[6:8]} {nat[8:]}", nat,
        f"{nat[:3]}.{nat[3:6]}.{nat[6:8]}.{nat[8:]}", f"{nat[:3]}-{nat[3:]}", f"+46 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}",
        f"+46{n}", f"0046 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}", f"0046{n}", f"46 {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}",
        f"+46 (0) {n[:2]} {n[2:5]} {n[5:7]} {n[7:]}", f"{nat[:3]} - {nat[3:6]} {nat[6:8]} {nat[8:]}",
        f"+46-{n[:2]}-{n[2:5]}-{n[5:7]}-{n[7:]}",
    ]
    labels = ["Nummer: ", "Nummer:", "Ring/sms ", "ring/sms: ", "tel/whatsapp ", "Tel: ", "Ring ", "sms ", "Nr: ", ""]
    form = rnd.choice(forms)
    label = rnd.choice(labels)
    if label.strip().lower().startswith(("tel/whatsapp", "ring/sms")) and rnd.random() < 0.3:
        form = "46" + n                # unbroken country code, right after a contact word
    return label + form


def _template(rnd: random.Random) -> list[str]:
    return [rnd.choice(WORDS) for _ in range(rnd.randint(60, 90))]


def _edit(words: list[str], rnd: random.Random, edits: int) -> list[str]:
    out = list(words)
    for _ in range(edits):
        i = rnd.randrange(len(out))
        out[i] = rnd.choice(WORDS)
    return out


def _mobile(rnd: random.Random, used: set[str]) -> str:
    while True:
        v = "+4670" + "".join(rnd.choice("0123456789") for _ in range(7))
        if v not in used:
            used.add(v)
            return v


def build_adweb(path: Path | str, *, seed: int = 14, organisers: int = 12, independents: int = 90,
                ads_per_organiser: tuple[int, int] = (8, 16), epoch: int = 1) -> dict[str, Any]:
    """Write the web under ``path``; return the truth (see the module docstring).

    ``epoch=2`` is the same web a while later (same ad URLs): one independent ad is gone
    (its number vanishes), a new ad of organiser 1 in its template carries one of its numbers
    on a platform that number was not on, and one new independent ad appears.
    """
    rnd = random.Random(seed)
    root = Path(path)
    used: set[str] = set()
    ads: list[dict[str, Any]] = []
    orgs: dict[str, dict[str, Any]] = {}
    for o in range(organisers):
        numbers = [_mobile(rnd, used) for _ in range(rnd.randint(1, 3))]
        template = _template(rnd)
        oid = f"org{o}"
        orgs[oid] = {"numbers": numbers, "ads": []}
        for _ in range(rnd.randint(*ads_per_organiser)):
            ads.append({"org": oid, "number": rnd.choice(numbers), "words": _edit(template, rnd, rnd.randint(0, 3)),
                        "platform": rnd.choice(PLATFORMS)[0]})
    reposts = []
    for oid in list(orgs)[:4]:   # reposted with a new number, text lightly edited
        src = next(a for a in ads if a["org"] == oid)
        new = _mobile(rnd, used)
        orgs[oid]["repost_number"] = new
        reposts.append(new)
        ads.append({"org": oid, "number": new, "words": _edit(src["words"], rnd, 2),
                    "platform": rnd.choice(PLATFORMS)[0], "repost": True})
    for _ in range(independents):
        ads.append({"org": None, "number": _mobile(rnd, used), "words": _template(rnd),
                    "platform": rnd.choice(PLATFORMS)[0]})
    rnd.shuffle(ads)
    for i, ad in enumerate(ads):
        ad["id"] = 40000 + i * 7
    changes: dict[str, Any] = {}
    if epoch >= 2:
        gone = next(a for a in ads if a["org"] is None)
        ads.remove(gone)
        changes["vanished"] = gone["number"]
        # a number of an organiser on one of the two Swedish platforms only, now on the other
        home = {}
        for a in ads:
            if a["org"]:
                home.setdefault(a["number"], set()).add(a["platform"])
        number, target = next((n, ({PLATFORMS[0][0], PLATFORMS[1][0]} - p).pop()) for n, p in sorted(home.items())
                              if len(p & {PLATFORMS[0][0], PLATFORMS[1][0]}) == 1)
        src = next(a for a in ads if a["number"] == number)
        ads.append({"org": src["org"], "number": number, "words": _edit(src["words"], rnd, 1), "platform": target,
                    "id": 40000 + len(ads) * 7 + 3})
        changes["new_platform"] = (number, target)
        fresh = _mobile(rnd, used)
        ads.append({"org": None, "number": fresh, "words": _template(rnd), "platform": target,
                    "id": 40000 + len(ads) * 7 + 5})
        changes["new"] = fresh
    hosts: dict[str, Any] = {}
    truth_ads: dict[str, dict[str, Any]] = {}
    for domain, ip in PLATFORMS:
        hosts[domain] = ip
        mine = [a for a in ads if a["platform"] == domain]
        site = root / "sites" / domain
        lang = ' lang="sv"' if domain.endswith(".com") else ""
        links = []
        for ad in mine:
            ad_id = ad["id"]
            rnd = random.Random(f"{seed}-{ad_id}")   # an ad's page is the same in every epoch
            name = rnd.choice(NAMES)
            city = rnd.choice(CITIES)
            slug = f"{name.lower()}-{city.lower()}".replace("ö", "o").replace("å", "a").replace("ä", "a")
            rel = f"/annons/{ad_id}-{slug}/"
            price = rnd.choice(("1 500 kr", "2 000 kr/h", "1500:-", "2 500 kr"))
            body = (f"<h1>{name}, {rnd.randint(20, 35)} – {city}</h1>\n"
                    f"<p>{' '.join(ad['words'])}</p>\n"
                    f"<p>Ort: {city} | Pris: {price} | {ad_number(ad['number'], rnd)}</p>\n"
                    f"<p>Annons-ID: {ad_id} · Publicerad 2026-11-{rnd.randint(10, 28)} · "
                    f"Visningar: {rnd.randint(100, 9000)} · Postnummer {rnd.randint(11100, 98999)}</p>\n")
            _write(site / rel.strip("/") / "index.html", _page(domain, lang, f"{name} i {city}", body))
            links.append((rel, f"{name} i {city}"))
            truth_ads[f"{domain}{rel}"] = {"number": ad["number"], "org": ad["org"], "city": city, "price": price,
                                         "repost": bool(ad.get("repost"))}
            if ad["org"]:
                orgs[ad["org"]]["ads"].append(f"{domain}{rel}")
        pages = [links[i:i + PER_PAGE] for i in range(0, len(links), PER_PAGE)] or [[]]
        for p, chunk in enumerate(pages, start=1):
            items = "".join(f'<li><a href="{rel}">{title}</a></li>' for rel, title in chunk)
            nxt = f'<a href="/sida/{p + 1}/">Nästa sida</a>' if p < len(pages) else ""
            rel = "/" if p == 1 else f"/sida/{p}/"
            _write(site / rel.strip("/") / "index.html",
                   _page(domain, lang, f"Annonser sida {p}", f"<ul>{items}</ul><p>{nxt}</p>"))
    _write(root / "hosts.json", json.dumps(hosts, indent=1))
    return {"platforms": [d for d, _ in PLATFORMS], "ads": truth_ads, "organisers": orgs,
            "support": SUPPORT, "reposts": reposts, "changes": changes}


def _page(domain: str, lang: str, title: str, body: str) -> str:
    return (f"<!doctype html><html{lang}><head><meta charset=\"utf-8\"><title>{title}</title></head><body>"
            f"<nav><a href=\"/\">Hem</a> | <a href=\"/om/\">Om {domain}</a></nav>\n{body}\n"
            f"<footer>Kundtjänst: {SUPPORT[domain]} · Annonsera hos oss · Vi granskar alla annonser · "
            f"Läs våra villkor innan du publicerar</footer></body></html>\n")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
