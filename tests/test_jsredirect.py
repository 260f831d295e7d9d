"""Literal JavaScript location redirects (crawler/jsredirect.py): what counts, what does not."""

from __future__ import annotations

import pytest

from crawler.jsredirect import js_location_target, strip_js_comments

MATCHES = [
    ('window.location = "https://shop-b.ru/";', "https://shop-b.ru/"),
    ("window.location.href = 'https://shop-b.ru/x?a=1';", "https://shop-b.ru/x?a=1"),
    ('location.href="http://shop-b.ru"', "http://shop-b.ru"),
    ('location = "/new/"', "/new/"),
    ('location.replace("https://shop-b.ru/");', "https://shop-b.ru/"),
    ("location.assign('https://shop-b.ru/join')", "https://shop-b.ru/join"),
    ("window.location.replace( 'https://shop-b.ru/' )", "https://shop-b.ru/"),
    ('document.location="https://shop-b.ru/"', "https://shop-b.ru/"),
    ('document.location.href = "https://shop-b.ru/";', "https://shop-b.ru/"),
    ("top.location.href='https://shop-b.ru/'", "https://shop-b.ru/"),
    ("top.location = 'https://shop-b.ru/';", "https://shop-b.ru/"),
    ("self.location.href = `https://shop-b.ru/`;", "https://shop-b.ru/"),
    ("parent.location.assign(\"https://shop-b.ru/\")", "https://shop-b.ru/"),
    ("window . location . href = 'https://shop-b.ru/'", "https://shop-b.ru/"),
    # JSON-style escapes as CMS templates write them
    ('window.location.href = "https:\\/\\/shop-b.ru\\/";', "https://shop-b.ru/"),
    ('location.href = "https://shop\\x2db.ru/";', "https://shop-b.ru/"),
    # inside a timer, a function, a condition: still a literal target
    ("setTimeout(function(){ window.location.href = 'https://shop-b.ru/'; }, 2000);", "https://shop-b.ru/"),
    ("if (!document.cookie) { location.replace('https://shop-b.ru/') }", "https://shop-b.ru/"),
    ("if (a) location.href = 'https://shop-b.ru/'", "https://shop-b.ru/"),
    # a URL with // inside the string is not a comment
    ('var u = "http://x"; window.location = "https://shop-b.ru/"; // go', "https://shop-b.ru/"),
    # the first literal one wins; a comment before it is skipped
    ("/* location = 'https://old.example/' */ location = 'https://shop-b.ru/'; location = '/later'",
     "https://shop-b.ru/"),
    ('location.href = "https://shop-b.ru/"\nvar x = 1', "https://shop-b.ru/"),
]

DECOYS = [
    "",
    None,
    "var x = 1;",
    "// window.location = 'https://shop-b.ru/';",
    "/* location.href = \"https://shop-b.ru/\" */",
    "/*\n location.replace('https://shop-b.ru/')\n*/ var y = 2;",
    "location.href = base + x;",
    "location.href = 'https://shop-b.ru/' + path;",
    "window.location = 'https://shop-b.ru/?q=' + encodeURIComponent(q);",
    "location.href = `https://${host}/`;",
    "location.replace(url);",
    "location.assign(base + '/x')",
    "if (x) location.reload();",
    "window.location.reload(true)",
    "if (location.href == 'https://shop-b.ru/') { go(); }",
    "if (window.location.href === \"https://shop-b.ru/\") {}",
    "var location = 'https://shop-b.ru/';",
    "let location = \"https://shop-b.ru/\"",
    "myObj.location = 'https://shop-b.ru/';",
    "geo.location.href = 'https://shop-b.ru/';",
    "var s = \"window.location = 'https://shop-b.ru/'\" + z;",
    "console.log(location.href)",
    "var h = location.hostname;",
    "location.href = 'javascript:void(0)';",
    "location.href = '#top';",
    "location = '';",
    "x.replace('https://shop-b.ru/')",
]


@pytest.mark.parametrize("script,want", MATCHES)
def test_literal_location_targets(script, want):
    assert js_location_target(script) == want


@pytest.mark.parametrize("script", DECOYS)
def test_decoys_are_not_redirects(script):
    assert js_location_target(script) is None


@pytest.mark.parametrize("code,want", [
    ('a = "http://x"; // c', 'a = "http://x"; '),
    ("a /* b */ c", "a   c"),
    ("s = '/* not */'; t", "s = '/* not */'; t"),
    ("s = 'it\\'s // fine'", "s = 'it\\'s // fine'"),
    ("x = 1 /* never closed", "x = 1  "),
])
def test_strip_js_comments(code, want):
    assert strip_js_comments(code) == want


# ---- the spider reads only inline JavaScript <script> text -------------------------------
SCRIPTS_PAGE = """<html><head><base href="http://shop-a.se/sub/">
<script type="application/ld+json">{"x": "location = 'http://ld.example/'"}</script>
<script src="/app.js">location = 'http://src.example/'</script>
<script type="text/template">location = 'http://tpl.example/'</script>
</head><body><a href="#" onclick="location.href='http://click.example/'">go</a>
<!-- <script>location = 'http://comment.example/'</script> -->
<script>var n = 1;</script>
<script type="text/javascript">if (!ok) { window.location.replace('next.html'); }</script>
<script>location.href = "http://second.example/";</script>
</body></html>"""


@pytest.mark.parametrize("html,want", [
    (SCRIPTS_PAGE, ["http://shop-a.se/sub/next.html", "http://second.example/"]),
    ("<script>location.href = base + '/x';</script><script>if (x) location.reload()</script>", []),
    ("<p>window.location = 'http://text.example/'</p>", []),
])
def test_spider_takes_js_targets_from_inline_scripts_only(html, want):
    from crawler.extractors.model import Page
    from crawler.extractors.links import page_links as _links

    js: list[str] = []
    _links(Page(html, url="http://shop-a.se/", content_type="html"), "http://shop-a.se/", js=js)
    assert js == want
