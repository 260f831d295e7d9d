"""Only text is stored (issue 9): crawler/extractors/only_text.py, table-driven, with decoys."""

from __future__ import annotations

import base64
import random

import pytest

from crawler.extractors.model import Page
from crawler.extractors.only_text import clean_stored, has_control_chars, strip_embedded

CANARY = "MERCHINTEL-CANARY-x"
JPEG_B64 = base64.b64encode(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + CANARY.encode() + random.Random(1).randbytes(600)
                            ).decode()
NOISE_B64 = base64.b64encode(random.Random(2).randbytes(600)).decode()   # mid-stream media, no magic


@pytest.mark.parametrize("embedded", [
    f'data:image/jpeg;base64,{JPEG_B64}',
    f'data:image/jpeg;base64,\n{JPEG_B64[:300]}\n{JPEG_B64[300:]}',         # newlines inside
    f'data: image/png ; base64 , {JPEG_B64}',                                # spaces inside
    f'DATA:IMAGE/PNG;BASE64,{JPEG_B64}',
    f'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg"><text>{CANARY}</text></svg>',
    f"data:image/svg+xml;utf8,%3Csvg%3E%3Ctext%3E{CANARY}%3C/text%3E%3C/svg%3E",
    f'data:text/plain,{CANARY}',
    f'<svg viewBox="0 0 10 10"><text>{CANARY}</text></svg>',
    f'<SVG><title>{CANARY}</title></SVG >',
    JPEG_B64,                                                                # a bare base64 JPEG run
    NOISE_B64,                                                               # a long bare binary run
])
@pytest.mark.parametrize("around", ["<p>before {} after</p>", "<img src=\"{}\" alt=\"x\">", "<img src='{}'>",
                                    "<div style=\"background:url( '{}' )\">", "<div style=\"background:url({})\">",
                                    "{}"])
def test_every_embedded_form_is_removed(embedded, around):
    if around.count("{}") and ('"' in embedded and '"' in around or "'" in embedded and "'" in around):
        pytest.skip("the form's own quotes would end the attribute in a browser too")
    text = around.format(embedded)
    out = clean_stored(text)
    assert CANARY not in out and "/9j/" not in out and "data:" not in out.lower() and "<svg" not in out.lower()
    assert NOISE_B64[100:160] not in out


@pytest.mark.parametrize("text", [
    "Pay to bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297 today",   # taproot, 62 chars
    "XMR 4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge",
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.sig",
    "Stripe pk_live_51HqLyjWDarjtT1zdp7dcXmwLJo5Hv3yC7pQfG4r2sUcNq8vBnM9xKeL0aZ",
    "See our data: plans start at 10 EUR",
    "metadata:foo and updata:bar",
    "Tel 070-123 45 67\tfax\r\n",
])
def test_text_that_only_looks_embedded_is_kept(text):
    out = clean_stored(text)
    if "data:" in text and " plans" in text:
        assert out == "See our  plans start at 10 EUR"   # the bare scheme word goes, the text stays
    elif "metadata:" in text:
        assert out == "meta and up"   # "data:" inside a word goes with what is glued to it (when in doubt)
    else:
        assert out == text


@pytest.mark.parametrize("raw, clean", [
    ("a\x00b", "ab"), ("a\x01\x02\x07\x08\x0b\x0c\x0e\x1f\x7fb", "ab"), ("tab\tnl\ncr\r", "tab\tnl\ncr\r"),
])
def test_no_c0_control_character_but_tab_newline_cr(raw, clean):
    assert clean_stored(raw) == clean and not has_control_chars(clean_stored(raw))


def test_the_page_extractors_see_never_sees_embedded_media():
    page = Page(f'<p>mail sales@shop-a.se</p><svg><text>{CANARY}</text></svg>'
                f'<meta content="data:image/svg+xml,<svg><text>{CANARY}</text></svg>"><p>{JPEG_B64}</p>',
                url="http://shop-a.se/", content_type="html")
    assert CANARY not in page.text and CANARY not in page.visible_text and "sales@shop-a.se" in page.text


def test_plain_pages_are_returned_unchanged_as_the_same_object():
    text = "<p>Lorem ipsum dolor sit amet</p>" * 100
    assert strip_embedded(text) is text


@pytest.mark.parametrize("value, stored", [
    ("2026-12-07T06:00:00Z", "2026-12-07T06:00:00Z"),     # short, with ':' — the fast path keeps it
    ("http://a.se/kontakt", "http://a.se/kontakt"),
    ("DaTa:image/png;base64,AAAA", ""),                    # short data: URI in any case
    ("x<svg onload=1>", "x"),
    ("ok\x00\x07", "ok"),
])
def test_short_stored_strings_take_the_fast_path_only_when_clean(value, stored):
    """The store skips cleaning short printable strings; a data: URI, an svg or a control
    byte still never reaches a row."""
    from crawler.store import _clean
    got = _clean((value,))[0]
    assert "data:" not in got.lower() and "<svg" not in got.lower() and "\x00" not in got
    assert got == stored


_PIECES = ["Lorem ipsum", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", JPEG_B64[:120],
           JPEG_B64, NOISE_B64, NOISE_B64[:300] + "==", NOISE_B64[:255] + "=", NOISE_B64[:254] + "==", "data:", "DaTa:image/png;base64,AAAA", "<svg>", "<SVG ",
           "<svgfoo", "\x00", "\x07", "\t", "\n", "İ", "ü", "€", "=", "==", "A" * 47, "A" * 48, "-_" * 30,
           "http://shop-a.se/p?q=1", "", " "]


@pytest.mark.parametrize("seed", range(300))
def test_a_row_judged_clean_at_once_is_what_cleaning_each_value_gives(seed):
    """The store checks a row's strings in one pass (``all_stored_clean``) before cleaning
    each: rows built from hostile and harmless pieces store exactly what cleaning each
    value would store."""
    from crawler.extractors.only_text import all_stored_clean
    from crawler.store import _clean
    rng = random.Random(seed)
    row = tuple(rng.choice([None, 7, b"\x89PNG"]) if rng.random() < 0.1 else
                "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 8)))
    assert _clean(row) == tuple(clean_stored(v) if isinstance(v, str) else v for v in row)
    strings = [v for v in row if isinstance(v, str)]
    if all_stored_clean(strings):
        assert all(clean_stored(v) == v for v in strings)


@pytest.mark.parametrize("value", [JPEG_B64, NOISE_B64, "x data:,y", "<svg>", "a\x00", "k=" + JPEG_B64 + "==", NOISE_B64[:255] + "="])
def test_one_unclean_value_makes_the_row_unclean(value):
    from crawler.extractors.only_text import all_stored_clean
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    assert all_stored_clean([digest, "Lorem ipsum", "http://shop-a.se/"])
    assert not all_stored_clean([digest, value, "Lorem ipsum"])


def test_a_str_subclass_in_a_row_is_cleaned_too():
    """lxml hands out str subclasses (``_ElementUnicodeResult``): the one-pass check must see
    them, or a data: URI inside one would reach the store."""
    from crawler.store import _clean

    class Smart(str):
        pass
    row = ("http://shop-a.se/", Smart("see data:image/png;base64," + JPEG_B64), 3)
    got = _clean(row)
    assert "data:" not in got[1].lower() and "/9j/" not in got[1] and got[0] == row[0] and got[2] == 3
