"""Reading the crawl input: reported URLs from a text file, a CSV or stdin.

* text: one URL a line; blank lines and ``#`` comments are skipped;
* CSV (``.csv``, or a first line that is a header with a ``url`` column): ``url`` plus the
  optional ``report_id``, ``reported_at``, ``source``, ``referrer`` columns;
* ``-``: stdin, either form.

A bare host (``shop-a.se/join``) is read as ``http://shop-a.se/join`` — analysts paste
addresses as browsers show them.  A line that is not an http(s) URL becomes an
``InputProblem`` (its line number and why) and the rest is read on; only an input that
cannot be read at all raises ``InputError``.

The input is streamed, a line at a time: a line longer than ``MERCHINTEL_MAX_LINE_BYTES``
(8 KB by default) is named with its line number and skipped without ever being held whole
in memory.  A CSV row is one line: an unterminated quote is an error of that line only,
and the next lines are read on.  A URL with a bidi control or an invisible character
(U+202E, U+200B…) is refused: it can make one address display as another.

>>> reports, problems = parse_lines(["# reported", "http://shop-a.se/", "javascript:void(0)"], "in.txt")
>>> [r.url for r in reports], problems[0].message
(['http://shop-a.se/'], 'in.txt line 3: "javascript:void(0)" is not an http(s) URL; skipped.')
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterable, Iterator, TextIO
from urllib.parse import urlsplit, urlunsplit

from crawler.addresses import literal_ip
from crawler.config import default, load_config
from crawler.domains import registered_domain
from crawler.errors import InputError
from crawler.schema import row_key

CSV_FIELDS = ("url", "report_id", "reported_at", "source", "referrer", "platform")
DEFAULT_MAX_LINE_BYTES = default("max_line_bytes")
# Invisible letters (Hangul fillers, braille blank…) that are not format characters (Cf)
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u034f\u180e\u2800\u17b4\u17b5")
_HOST_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*"
                      r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?$")
_BARE_RE = re.compile(r"^[^\s/:?#]+\.[^\s/:?#]+(?::\d+)?(?:[/?#]\S*)?$")
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


@dataclass(frozen=True)
class Report:
    url: str
    line_no: int
    report_id: str | None = None
    reported_at: str | None = None
    source: str | None = None
    referrer: str | None = None
    platform: bool = False   # the reporter marks the site a listing platform (column ``platform``: 1/yes)

    @property
    def domain(self) -> str:
        return registered_domain(self.url)

    def key(self, case_name: str) -> str:
        return row_key(case_name, self.url, self.report_id)


@dataclass(frozen=True)
class InputProblem:
    input_name: str
    line_no: int
    raw: str
    reason: str

    @property
    def message(self) -> str:
        if not self.raw:   # a line not shown (too long to hold)
            return f"{self.input_name} line {self.line_no}: {self.reason}; skipped."
        shown = self.raw if len(self.raw) <= 80 else self.raw[:79] + "…"
        shown = "".join(f"<U+{ord(c):04X}>" if _hidden(c) else c for c in shown)
        return f'{self.input_name} line {self.line_no}: "{shown}" {self.reason}; skipped.'


def check_url(text: str) -> tuple[str | None, str | None]:
    """(normalised URL, None) or (None, why it is not a crawlable URL).

    >>> check_url("HTTPS://Shop-A.se")
    ('https://shop-a.se/', None)
    >>> check_url("ftp://files.example/x")
    (None, 'is not an http(s) URL')
    """
    text = text.strip()
    if not text:
        return None, "is empty"
    if hidden := next((c for c in text if _hidden(c)), None):
        return None, (f"contains the invisible or bidi control character U+{ord(hidden):04X}, which can make "
                      f"one address display as another; remove it")
    if any(c.isspace() for c in text) or any(ord(c) < 32 for c in text):
        return None, "is not a URL (contains spaces)"
    m = _SCHEME_RE.match(text)
    if m and m.group(1).lower() not in ("http", "https"):
        # "shop.se:8080/x" parses with scheme "shop.se"; treat a dotted "scheme" as a host
        if "." in m.group(1) and _BARE_RE.match(text):
            text = "http://" + text
        else:
            return None, "is not an http(s) URL"
    elif not m:
        if text.startswith("//"):
            text = "http:" + text
        elif _BARE_RE.match(text):
            text = "http://" + text
        else:
            return None, "is not a URL"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None, "is not a URL (bad host or port)"
    if not parts.netloc or not parts.hostname:
        return None, "has an empty host"
    host = parts.hostname.rstrip(".")
    if literal_ip(host) is None:
        try:
            ascii_host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None, "is not a URL (bad host name)"
        if not _HOST_RE.match(ascii_host) or "." not in ascii_host:
            return None, "is not a URL (bad host name)"
        host = ascii_host
    elif ":" in host:
        host = f"[{host}]"
    if parts.username or parts.password:
        return None, "carries a user name or password; remove them"
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, "")), None


def _hidden(c: str) -> bool:
    """A bidi control or an invisible character (format characters: U+200B-U+200F,
    U+202A-U+202E, U+2066-U+2069, U+FEFF, soft hyphen…; and invisible letters)."""
    return ord(c) > 127 and (unicodedata.category(c) == "Cf" or c in _INVISIBLE)


def _looks_like_csv_header(line: str) -> bool:
    cells = [c.strip().strip('"').lower() for c in re.split(r"[,;\t]", line)]
    return "url" in cells and len(cells) > 1 or (cells == ["url"])


Line = tuple[int, "str | None", int]   # (line number, text or None when too long, bytes)


def parse_lines(lines: Iterable[str | Line], input_name: str, *, force_csv: bool = False,
                max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> tuple[list[Report], list[InputProblem]]:
    """Reports and problems from lines (strings, or ``(number, text, bytes)`` from ``stream_lines``)."""
    numbered = _numbered(lines, max_line_bytes)
    reports: list[Report] = []
    problems: list[InputProblem] = []
    first: list[Line] = []
    for item in numbered:   # look ahead to the first line that says text or CSV
        first.append(item)
        text = item[1]
        if text is not None and text.strip() and not text.lstrip().startswith("#"):
            break
    head = next((t for _, t, _ in first if t is not None and t.strip() and not t.lstrip().startswith("#")), "")
    items = _chain(first, numbered)
    if force_csv or _looks_like_csv_header(head):
        _parse_csv(items, input_name, head, reports, problems, max_line_bytes)
        return reports, problems
    for no, line, size in items:
        if line is None:
            problems.append(_too_long(input_name, no, size, max_line_bytes))
            continue
        text = line.strip().lstrip("\ufeff")
        if not text or text.startswith("#"):
            continue
        url, why = check_url(text)
        if url is None:
            problems.append(InputProblem(input_name, no, text, why or "is not a URL"))
        else:
            reports.append(Report(url=url, line_no=no))
    return reports, problems


def _chain(first: list[Line], rest: Iterator[Line]) -> Iterator[Line]:
    yield from first
    yield from rest


def _numbered(lines: Iterable[str | Line], max_line_bytes: int) -> Iterator[Line]:
    for no, line in enumerate(lines, 1):
        if isinstance(line, tuple):
            yield line
        elif max_line_bytes and len(line) > max_line_bytes // 4 and len(line.encode("utf-8")) > max_line_bytes:
            yield no, None, len(line.encode("utf-8"))
        else:
            yield no, line, len(line)


def _too_long(input_name: str, no: int, size: int, limit: int) -> InputProblem:
    return InputProblem(input_name, no, "", f"a line of {size} bytes is longer than the limit of {limit} "
                                            f"(MERCHINTEL_MAX_LINE_BYTES)")


def stream_lines(stream: IO, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES, *,
                 input_name: str = "input") -> Iterator[Line]:
    """``(line number, text, bytes)`` of a binary or text stream, one line in memory at a
    time; a line longer than ``max_line_bytes`` is read through in 64 KB pieces and given
    as ``(number, None, its length)``.  Raises InputError for bytes that are not UTF-8."""
    limit = max_line_bytes if max_line_bytes > 0 else -1
    no = 0
    while True:
        line = stream.readline(limit + 1 if limit > 0 else -1)
        if not line:
            return
        no += 1
        newline = b"\n" if isinstance(line, bytes) else "\n"
        if limit > 0 and len(line) > limit and not line.endswith(newline):
            size = len(line)
            while True:   # skip the rest of the line without holding it
                more = stream.readline(65536)
                size += len(more)
                if not more or more.endswith(newline):
                    break
            yield no, None, size
            continue
        if isinstance(line, bytes):
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"input {input_name} line {no} is not UTF-8 text ({exc.reason} at byte "
                                 f"{exc.start} of the line); save it as UTF-8.") from exc
        else:
            text = line
        if no == 1:
            text = text.lstrip("\ufeff")
        yield no, text.rstrip("\r\n"), len(line)


def _parse_csv(items: Iterable[Line], input_name: str, sample: str, reports: list[Report],
               problems: list[InputProblem], max_line_bytes: int) -> None:
    # One CSV row per line: a quote left open is that line's error, never the next lines'.
    delimiter = max((",", ";", "\t"), key=sample.count)
    header: list[str] | None = None
    for no, line, size in items:
        if line is None:
            problems.append(_too_long(input_name, no, size, max_line_bytes))
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = next(csv.reader([line], delimiter=delimiter, strict=True))
        except csv.Error as exc:
            problems.append(InputProblem(input_name, no, line.strip(), f"is not a valid CSV row ({exc}; a quote "
                                         f"left open?)"))
            continue
        if not any(c.strip() for c in row):
            continue
        if header is None:
            header = [c.strip().lstrip("\ufeff").lower() for c in row]
            if "url" not in header:
                raise InputError(f"{input_name}: the CSV has no 'url' column (found: {', '.join(header)}); "
                                 f"add a header line with url.")
            continue
        data = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
        raw = data.get("url", "")
        url, why = check_url(raw)
        if url is None:
            problems.append(InputProblem(input_name, no, raw, why or "is not a URL"))
            continue
        referrer = data.get("referrer") or None
        if referrer and check_url(referrer)[0] is None:
            problems.append(InputProblem(input_name, no, referrer, "(referrer) is not an http(s) URL; "
                                         "referrer dropped, URL kept"))
            referrer = None
        reports.append(Report(url=url, line_no=no, report_id=data.get("report_id") or None,
                              reported_at=data.get("reported_at") or None,
                              source=data.get("source") or None, referrer=referrer,
                              platform=data.get("platform", "").lower() in ("1", "yes", "true", "platform")))


def read_input(source: str, stdin: TextIO | None = None, *, max_line_bytes: int | None = None
               ) -> tuple[str, list[Report], list[InputProblem]]:
    """Read INPUT (a path or ``-``), streamed: (input name, reports, problems). Raises InputError.

    ``max_line_bytes``: default MERCHINTEL_MAX_LINE_BYTES from the environment, else its default."""
    if max_line_bytes is None:
        try:
            max_line_bytes = int(load_config({}).max_line_bytes)
        except Exception:
            max_line_bytes = DEFAULT_MAX_LINE_BYTES
    if source == "-":
        stream = stdin or sys.stdin
        stream = getattr(stream, "buffer", stream)
        try:
            reports, problems = parse_lines(stream_lines(stream, max_line_bytes, input_name="stdin"), "stdin",
                                            max_line_bytes=max_line_bytes)
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read stdin ({exc}); pass a UTF-8 file instead.") from exc
        return "-", reports, problems
    path = Path(source)
    if not path.exists():
        raise InputError(f"input {source} does not exist; pass a file of URLs, a CSV or - for stdin.")
    if path.is_dir():
        raise InputError(f"input {source} is a directory; pass a file of URLs, a CSV or - for stdin.")
    try:
        with open(path, "rb") as stream:
            reports, problems = parse_lines(stream_lines(stream, max_line_bytes, input_name=source), path.name,
                                            force_csv=path.suffix.lower() == ".csv", max_line_bytes=max_line_bytes)
    except OSError as exc:
        raise InputError(f"cannot read input {source} ({exc.strerror}); check the path and permissions.") from exc
    return source, reports, problems
