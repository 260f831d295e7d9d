"""The first law, end to end: crawl the sample web (every media-reference style, a lying
Content-Type, a 302 to an image, data: URI images, a gzip bomb), then scan every file the
tool wrote — database (+ -wal/-shm), logs, exports, TMPDIR, HOME, the working directory —
and what it printed, for the canaries in raw, base64 and hex form.  Zero is the only pass."""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

import pytest

from tests.conftest import cli_env, run_cli
from fakeweb import SAMPLE_WEB, FakeWeb
from fakeweb.data import CANARY_PREFIX


def canary_forms(secret: bytes = CANARY_PREFIX) -> dict[str, bytes]:
    """Byte strings that appear in any raw, hex or base64 (std/url-safe, any alignment) copy."""
    forms = {"raw": secret, "hex": binascii.hexlify(secret), "HEX": binascii.hexlify(secret).upper(),
             "utf16": secret.decode().encode("utf-16-le")}
    for pad in range(3):
        enc = base64.b64encode(b"\x00" * pad + secret)
        # drop the characters that mix padding bits and the tail that depends on what follows
        start = (pad * 4 + 2) // 3 + (1 if pad else 0)
        core = enc[start:len(enc) - 4]
        forms[f"b64+{pad}"] = core
        forms[f"b64url+{pad}"] = core.replace(b"+", b"-").replace(b"/", b"_")
    return forms


def test_canary_forms_find_what_they_should():
    """The scanner itself: every encoding of a canary-carrying blob is caught, a decoy is not."""
    blob = b"\xff\xd8\xff\xe0" + CANARY_PREFIX + b"gallery-e-29"
    forms = canary_forms()
    for pad in range(3):
        encoded = base64.b64encode(b"x" * pad + blob)
        assert any(f in encoded for f in forms.values()), pad
    assert any(f in binascii.hexlify(blob) for f in forms.values())
    assert not any(f in b"MERCHINTEL-CANARX- nothing here " + base64.b64encode(b"MERCHINTEL") for f in forms.values())


def test_scanner_sees_the_sample_webs_own_canaries():
    """The sample web's data: URI images and media files carry canaries the scanner detects."""
    hits = scan([SAMPLE_WEB / "sites"], {})
    assert any(".jpg" in h for h in hits) and any(".html" in h and "b64" in h for h in hits)


def scan(paths: list[Path], texts: dict[str, str]) -> list[str]:
    forms = canary_forms()
    hits = []
    for root in paths:
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                p = Path(dirpath) / name
                try:
                    data = p.read_bytes()
                except OSError:
                    continue
                hits += [f"{p} ({label})" for label, f in forms.items() if f in data]
    for label, text in texts.items():
        data = text.encode("utf-8", "replace")
        hits += [f"{label} ({k})" for k, f in forms.items() if f in data]
    return hits


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("canary")
    with FakeWeb(SAMPLE_WEB) as web:
        reports = web.render_reports(tmp / "reports.csv")
        # local fixture servers; the pages auto picks are rendered (their requests scanned too)
        env = cli_env(tmp, **web.env, MERCHINTEL_WHOIS_INTERVAL="0", MERCHINTEL_RENDER="auto")
        outputs = {}
        # -vv: Scrapy's debug log too, and a log file, so logs are scanned at their most verbose
        r = run_cli(["crawl", str(reports), "--db", str(tmp / "m.sqlite"), "--max-pages", "200", "-vv",
                     "--format", "json"], env=env, cwd=tmp)
        outputs["crawl stdout"], outputs["crawl stderr"] = r.stdout, r.stderr
        assert r.returncode == 0, r.stderr[-2000:]
        exports = tmp / "exports"
        exports.mkdir()
        for fmt in ("gexf", "graphml", "json", "csv", "stix", "html"):
            # exports (graph/exports area) are scanned too; their own tests check they work
            e = run_cli(["export", "--db", str(tmp / "m.sqlite"), "--format", fmt, "-o",
                         str(exports / f"graph.{fmt}")], env=env, cwd=tmp)
            outputs[f"export {fmt}"] = e.stdout + e.stderr
        yield {"tmp": tmp, "outputs": outputs, "media_hits": web.media_hits, "log": list(web.http_log)}


def test_no_media_body_was_served(crawled):
    assert crawled["media_hits"] == 0
    # every media response the server started was aborted by merchintel
    assert all(not e.get("complete") for e in crawled["log"] if e.get("media"))


def test_no_canary_anywhere_the_tool_wrote(crawled):
    tmp = crawled["tmp"]
    files = [p for p in tmp.rglob("*") if p.is_file()]
    assert (tmp / "m.sqlite").exists() and any(p.name.endswith("-wal") or p.name == "m.sqlite" for p in files)
    hits = scan([tmp, tmp / "home", tmp / "tmp"], crawled["outputs"])
    # the rendered reports.csv is input, not output; the sample web itself is not under tmp
    assert hits == []


def test_the_crawl_saw_the_media_references(crawled):
    """Guard against a vacuous pass: the pages with media references were crawled."""
    import sqlite3
    con = sqlite3.connect(crawled["tmp"] / "m.sqlite")
    try:
        pages = {r[0] for r in con.execute("SELECT url FROM pages")}
        kinds = {r[0] for r in con.execute("SELECT kind FROM errors")}
        rendered = con.execute("SELECT count(*) FROM renders WHERE decision = 'rendered'").fetchone()[0]
    finally:
        con.close()
    assert any("gallery-e.net" in u for u in pages) and any("vids-c.net" in u for u in pages)
    assert "media" in kinds
    assert rendered > 0          # --render auto picked pages of the sample web, rendered them too
