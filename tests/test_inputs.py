"""Reading crawl input: text, CSV, stdin; bad lines named with their line number."""

from __future__ import annotations

import io

import pytest

from crawler.errors import InputError
from crawler.inputs import check_url, parse_lines, read_input


@pytest.mark.parametrize("raw, url", [
    ("http://shop-a.se/", "http://shop-a.se/"),
    ("HTTPS://Shop-A.se", "https://shop-a.se/"),
    ("http://shop-a.se:8080/join?x=1#frag", "http://shop-a.se:8080/join?x=1"),
    ("shop-a.se/contact", "http://shop-a.se/contact"),
    ("www.shop-a.se", "http://www.shop-a.se/"),
    ("shop-a.se:8080/x", "http://shop-a.se:8080/x"),
    ("//shop-a.se/x", "http://shop-a.se/x"),
    ("http://räksmörgås.se/", "http://xn--rksmrgs-5wao1o.se/"),
    ("http://127.0.0.2:81/", "http://127.0.0.2:81/"),
    ("http://[::1]:8080/", "http://[::1]:8080/"),
])
def test_urls_accepted(raw, url):
    assert check_url(raw) == (url, None)


@pytest.mark.parametrize("raw, why", [
    ("javascript:void(0)", "is not an http(s) URL"),
    ("mailto:a@b.se", "is not an http(s) URL"),
    ("ftp://files.example/x", "is not an http(s) URL"),
    ("data:text/html,hi", "is not an http(s) URL"),
    ("http:///path", "has an empty host"),
    ("http://", "has an empty host"),
    ("hello world", "is not a URL"),
    ("justaword", "is not a URL"),
    ("http://shop-a.se:99999/", "bad host or port"),
    ("http://sho p.se/", "is not a URL"),
    ("http://user:pw@shop-a.se/", "user name or password"),
    ("http://-bad-.se/", "bad host name"),
])
def test_bad_urls_say_why(raw, why):
    url, reason = check_url(raw)
    assert url is None and why in reason


def test_text_input_skips_comments_and_names_bad_lines():
    lines = ["# reported 2026-11-20", "", "http://shop-a.se/", "  shop-b.se  ", "javascript:void(0)",
             "# http://commented.se/", "ftp://x.se/"]
    reports, problems = parse_lines(lines, "in.txt")
    assert [r.url for r in reports] == ["http://shop-a.se/", "http://shop-b.se/"]
    assert [r.line_no for r in reports] == [3, 4]
    assert [p.message for p in problems] == [
        'in.txt line 5: "javascript:void(0)" is not an http(s) URL; skipped.',
        'in.txt line 7: "ftp://x.se/" is not an http(s) URL; skipped.',
    ]


def test_csv_input_with_optional_columns(tmp_path):
    f = tmp_path / "input.csv"
    f.write_text("url,report_id,reported_at,source,referrer\n"
                 "http://shop-a.se/,R-1,2026-11-20,hotline-se,http://forum.example/thread/9\n"
                 "# a comment line\n"
                 "http://shop-b.se/join,R-2,,bank,\n"
                 "\n"
                 "not a url,R-3,,,\n"
                 "javascript:void(0),R-4,,,\n"
                 "http://shop-c.se/,R-5,,,javascript:alert(1)\n", encoding="utf-8")
    name, reports, problems = read_input(str(f))
    assert [(r.url, r.report_id, r.source, r.referrer) for r in reports] == [
        ("http://shop-a.se/", "R-1", "hotline-se", "http://forum.example/thread/9"),
        ("http://shop-b.se/join", "R-2", "bank", None),
        ("http://shop-c.se/", "R-5", None, None)]
    assert reports[0].reported_at == "2026-11-20" and reports[0].line_no == 2
    assert [p.line_no for p in problems] == [6, 7, 8]
    assert problems[1].message == 'input.csv line 7: "javascript:void(0)" is not an http(s) URL; skipped.'


def test_csv_detected_by_header_and_semicolons():
    reports, problems = parse_lines(["URL;Report_ID", "http://shop-a.se/;7"], "stdin")
    assert [(r.url, r.report_id) for r in reports] == [("http://shop-a.se/", "7")] and not problems


def test_csv_without_url_column_is_an_input_error(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("link,id\nhttp://a.se/,1\n")
    with pytest.raises(InputError, match="no 'url' column"):
        read_input(str(f))


def test_stdin():
    name, reports, problems = read_input("-", stdin=io.StringIO("http://shop-a.se/\nnope\n"))
    assert name == "-" and [r.url for r in reports] == ["http://shop-a.se/"]
    assert problems[0].message.startswith('stdin line 2: "nope"')


@pytest.mark.parametrize("make, match", [
    (lambda p: p / "missing.txt", "does not exist"),
    (lambda p: p, "is a directory"),
    (lambda p: (p / "latin1.txt").write_bytes(b"http://r\xe4k.se/\n") and p / "latin1.txt", "not UTF-8"),
])
def test_unreadable_inputs_raise_one_line(tmp_path, make, match):
    path = make(tmp_path)
    with pytest.raises(InputError, match=match) as exc:
        read_input(str(path))
    assert "\n" not in str(exc.value)


def test_report_key_is_stable_and_case_scoped():
    (r,), _ = parse_lines(["http://shop-a.se/"], "x")
    assert r.key("c1") == r.key("c1") != r.key("c2")
    assert r.domain == "shop-a.se"


# ---- issue 9: a hostile input ------------------------------------------------------------
def test_a_huge_line_is_named_with_its_number_and_skipped_without_being_held(tmp_path):
    import tracemalloc
    f = tmp_path / "in.txt"
    with open(f, "wb") as out:
        out.write(b"http://shop-a.se/\n")
        out.write(b"http://shop-b.se/" + b"a" * (30 * 1024 * 1024) + b"\n")   # 30 MB, one line
        out.write(b"http://shop-c.se/\n")
    tracemalloc.start()
    try:
        name, reports, problems = read_input(str(f), max_line_bytes=8192)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [r.url for r in reports] == ["http://shop-a.se/", "http://shop-c.se/"]
    assert [r.line_no for r in reports] == [1, 3]
    assert problems[0].message == ("in.txt line 2: a line of 31457298 bytes is longer than the limit of 8192 "
                                   "(MERCHINTEL_MAX_LINE_BYTES); skipped.")
    assert peak < 2 * 1024 * 1024, f"reading held {peak} bytes"


def test_the_line_limit_is_a_setting(tmp_path, monkeypatch):
    f = tmp_path / "in.txt"
    f.write_text("http://shop-a.se/" + "x" * 100 + "\nhttp://shop-b.se/\n")
    monkeypatch.setenv("MERCHINTEL_MAX_LINE_BYTES", "64")
    _, reports, problems = read_input(str(f))
    assert [r.url for r in reports] == ["http://shop-b.se/"] and problems[0].line_no == 1


def test_an_unterminated_csv_quote_is_an_error_of_its_line_and_the_rest_is_read(tmp_path):
    f = tmp_path / "in.csv"
    f.write_text('url,report_id\nhttp://shop-a.se/,R-1\n"http://shop-b.se/,R-2\nhttp://shop-c.se/,R-3\n'
                 'http://shop-d.se/,"R-4\n', encoding="utf-8")
    _, reports, problems = read_input(str(f))
    assert [(r.url, r.report_id, r.line_no) for r in reports] == [("http://shop-a.se/", "R-1", 2),
                                                                   ("http://shop-c.se/", "R-3", 4)]
    assert [p.line_no for p in problems] == [3, 5]
    assert problems[0].message == ('in.csv line 3: ""http://shop-b.se/,R-2" is not a valid CSV row '
                                   '(unexpected end of data; a quote left open?); skipped.')


@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u2066", "\u200b", "\u200f", "\ufeff", "\u00ad", "\u3164"])
def test_urls_with_bidi_or_invisible_characters_are_refused(char):
    url, why = check_url(f"http://shop-a.se/{char}gpj.exe")
    assert url is None and f"U+{ord(char):04X}" in why and "display as another" in why
    url, why = check_url(f"http://shop{char}-a.se/")
    assert url is None


def test_a_bidi_url_in_the_input_is_named_visibly(tmp_path):
    f = tmp_path / "in.txt"
    f.write_text("http://shop-a.se/\u202egpj.html\n", encoding="utf-8")
    _, reports, problems = read_input(str(f))
    assert not reports
    assert "<U+202E>" in problems[0].message and "\u202e" not in problems[0].message
