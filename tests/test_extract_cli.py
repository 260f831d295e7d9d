"""``merchintel extract`` as a real process: JSON and table output, errors as one line."""

from __future__ import annotations

import json
import os

import pytest

PAGE = """<!DOCTYPE html><html lang="en"><head><title>Contact – Shop</title>
<meta name="description" content="Gifts"></head><body>
<p>Telefon: 070-123 45 67</p>
<p>Mail: <a href="mailto:Info@Shop-A.se">Info@Shop-A.se</a> · placeholder you@example.com</p>
<p><a href="https://t.me/shopa_support">Telegram</a> <a href="https://wa.me/14155550132">WhatsApp</a></p>
<a href="https://partner.example-partner.com/">partner</a>
</body></html>"""


@pytest.fixture
def page(tmp_path):
    p = tmp_path / "kontakt.html"
    p.write_text(PAGE, encoding="utf-8")
    return p


def _ids(out: str) -> set[str]:
    data = json.loads(out)
    return {f"{i['kind']}:{i['value']}" for i in data["identifiers"]}


def test_json_output(cli, page):
    r = cli("extract", str(page), "--url", "https://shop-a.se/kontakt.html", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert {"phone:+46701234567", "email:info@shop-a.se", "telegram:shopa_support",
            "whatsapp:+14155550132"} <= _ids(r.stdout)
    assert "email:you@example.com" not in _ids(r.stdout)
    for ident in data["identifiers"]:
        assert set(ident) >= {"kind", "value", "raw", "context"} and len(ident["context"]) <= 200
    assert data["meta"]["title"] == "Contact – Shop"
    assert data["meta"]["linked_domains"] == ["example-partner.com", "t.me", "wa.me"]


def test_region_comes_from_url_then_flag(cli, page):
    # .com, lang=en: the Swedish national number has no region...
    r = cli("extract", str(page), "--url", "https://shop.com/")
    assert r.returncode == 0, r.stderr
    assert "phone:+46701234567" not in _ids(r.stdout)
    # ...unless --region (or MERCHINTEL_DEFAULT_REGION) gives one
    r = cli("extract", str(page), "--url", "https://shop.com/", "--region", "SE")
    assert "phone:+46701234567" in _ids(r.stdout)
    r = cli("extract", str(page), "--url", "https://shop.com/", MERCHINTEL_DEFAULT_REGION="SE")
    assert "phone:+46701234567" in _ids(r.stdout)


def test_table_output(cli, page):
    r = cli("extract", str(page), "--url", "https://shop-a.se/", "--format", "table")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["kind", "value", "raw", "context"]
    assert any(line.startswith("phone") and "+46701234567" in line for line in lines)
    assert any(line.startswith("title") and "Contact" in line for line in lines)


def test_content_type_js(cli, tmp_path):
    js = tmp_path / "checkout.js"
    js.write_text('var support = "+44 20 7946 0958"; var local = "070-123 45 67";', encoding="utf-8")
    r = cli("extract", str(js), "--url", "https://shop-a.se/checkout.js")
    assert r.returncode == 0, r.stderr
    assert _ids(r.stdout) == {"phone:+442079460958"}
    r = cli("extract", str(js), "--url", "https://shop-a.se/checkout.js", "--content-type", "text")
    assert "phone:+46701234567" in _ids(r.stdout)


def test_stdin(cli):
    r = cli("extract", "-", "--content-type", "html", input="<p>sales@shop-b.com</p>")
    assert r.returncode == 0, r.stderr
    assert _ids(r.stdout) == {"email:sales@shop-b.com"}


def test_missing_file_is_one_line_error(cli):
    r = cli("extract", "page.html")
    assert r.returncode != 0 and r.stdout == ""
    assert r.stderr.strip().splitlines() == ["Error: page.html: no such file; give the path of a saved page."]


def test_directory_is_one_line_error(cli, tmp_path):
    r = cli("extract", str(tmp_path))
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "directory" in lines[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_one_line_error(cli, page):
    page.chmod(0)
    r = cli("extract", str(page))
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "permission" in lines[0]


def test_bad_region_is_one_line_error(cli, page):
    r = cli("extract", str(page), "--region", "Sweden")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == [
        "Error: --region 'Sweden' is not a two-letter country code; use e.g. SE or GB."]


def test_latin1_file(cli, tmp_path):
    p = tmp_path / "old.html"
    p.write_bytes("<p>Växel: 08-123 456 78 · försäljning@shop-a.se</p>".encode("latin-1"))
    r = cli("extract", str(p), "--url", "https://shop-a.se/")
    assert r.returncode == 0, r.stderr
    assert "phone:+46812345678" in _ids(r.stdout)


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux /proc")
def test_read_error_is_one_line_error(cli):
    # /proc/self/mem exists but reading it from offset 0 fails (EIO), even for root.
    r = cli("extract", "/proc/self/mem")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == [
        "Error: /proc/self/mem: cannot be read (Input/output error); check the file."]


def test_a_saved_media_file_is_refused_unread(tmp_path, cli):
    from fakeweb.data import CANARY_PREFIX
    pic = tmp_path / "page.html"
    pic.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + CANARY_PREFIX + b"extract-cli")
    r = cli("extract", str(pic), "--format", "json")
    assert r.returncode == 1
    assert "JPEG image magic bytes; merchintel reads text pages only, never media." in r.stderr
    assert CANARY_PREFIX.decode() not in r.stdout + r.stderr
