"""Reading the crawl input: reported URLs from a text file, a CSV or stdin.

* text: one URL a line; blank lines and ``#`` comments are skipped;
* CSV (``.csv``, or a first line that is a header with a ``url`` column): ``url`` plus the
  optional ``report_id``, ``reported_at``, ``source``, ``referrer`` columns;
* ``-``: stdin, either form.

A bare host (``shop-a.se/join``) is read as ``http://shop-a.se/join`` — analysts paste
addresses as browsers show them.  A line that is not an http(s) URL becomes an
``InputProblem`` (its line number and why) and the rest is read on; only an input that
cannot be read at all raises ``InputError``.

>>> reports, problems = parse_lines(["# reported", "http://shop-a.se/", "javascript:void(0)"], "in.txt")
>>> [r.url for r in reports], problems[0].message
(['http://shop-a.se/'], 'in.txt line 3: "javascript:void(0)" is not an http(s) URL; skipped.')
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, TextIO
from urllib.parse import urlsplit, urlunsplit

from crawler.domains import registered_domain
from crawler.errors import InputError
from crawler.schema import row_key
from crawler.addresses import literal_ip

CSV_FIELDS = ("url", "report_id", "reported_at", "source", "referrer")
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
        shown = self.raw if len(self.raw) <= 80 else self.raw[:79] + "…"
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


def _looks_like_csv_header(line: str) -> bool:
    cells = [c.strip().strip('"').lower() for c in re.split(r"[,;\t]", line)]
    return "url" in cells and len(cells) > 1 or (cells == ["url"])


def parse_lines(lines: Iterable[str], input_name: str, *, force_csv: bool = False
                ) -> tuple[list[Report], list[InputProblem]]:
    lines = list(lines)
    first = next((ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")), "")
    if force_csv or _looks_like_csv_header(first):
        return _parse_csv(lines, input_name)
    reports: list[Report] = []
    problems: list[InputProblem] = []
    for no, line in enumerate(lines, 1):
        text = line.strip().lstrip("\ufeff")
        if not text or text.startswith("#"):
            continue
        url, why = check_url(text)
        if url is None:
            problems.append(InputProblem(input_name, no, text, why or "is not a URL"))
        else:
            reports.append(Report(url=url, line_no=no))
    return reports, problems


def _parse_csv(lines: list[str], input_name: str) -> tuple[list[Report], list[InputProblem]]:
    # Line numbers must be file lines, so comment lines stay in place as blanks.
    numbered = [("" if ln.lstrip().startswith("#") else ln) for ln in lines]
    sample = next((ln for ln in numbered if ln.strip()), "")
    delimiter = max((",", ";", "\t"), key=sample.count)
    reader = csv.reader(io.StringIO("\n".join(ln.rstrip("\r\n") for ln in numbered)), delimiter=delimiter)
    header: list[str] | None = None
    reports: list[Report] = []
    problems: list[InputProblem] = []
    for row in reader:
        no = reader.line_num
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
                              source=data.get("source") or None, referrer=referrer))
    return reports, problems


def read_input(source: str, stdin: TextIO | None = None) -> tuple[str, list[Report], list[InputProblem]]:
    """Read INPUT (a path or ``-``): (input name, reports, problems). Raises InputError."""
    if source == "-":
        stream = stdin or sys.stdin
        try:
            text = stream.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read stdin ({exc}); pass a UTF-8 file instead.") from exc
        reports, problems = parse_lines(text.splitlines(), "stdin")
        return "-", reports, problems
    path = Path(source)
    if not path.exists():
        raise InputError(f"input {source} does not exist; pass a file of URLs, a CSV or - for stdin.")
    if path.is_dir():
        raise InputError(f"input {source} is a directory; pass a file of URLs, a CSV or - for stdin.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"input {source} is not UTF-8 text ({exc.reason} at byte {exc.start}); "
                         f"save it as UTF-8.") from exc
    except OSError as exc:
        raise InputError(f"cannot read input {source} ({exc.strerror}); check the path and permissions.") from exc
    reports, problems = parse_lines(text.splitlines(), path.name, force_csv=path.suffix.lower() == ".csv")
    return source, reports, problems
