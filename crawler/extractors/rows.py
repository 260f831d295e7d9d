"""Table-driven extraction, shared by the payments and trackers families: the rows
(``Pattern``: a regex over the page text; ``Field``: a named field of a form posting to a
processor, or a query parameter of a link to it), the page views they read (entities and JS
escapes decoded, lower-cased bytes for the keyword prefilter), the one keyword scan per page
and the engine that runs a family's rows.

No row takes a documentation placeholder (:func:`is_placeholder`) unless a checksum vouches
for its value (``Pattern.checked``).
"""

from __future__ import annotations

import functools
import html as html_lib
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator
from urllib.parse import unquote_plus

from crawler.extractors.model import Identifier, Page, snippet

try:  # a Rust Aho-Corasick automaton: all keywords in one pass at ~500 MB/s
    import ahocorasick_rs
except ImportError:  # pragma: no cover - declared dependency; `in` checks are the slow fallback
    ahocorasick_rs = None

# A row stops after this many candidate matches in one page: real pages carry a handful, and a
# page built to repeat one pattern a million times must not cost a million context checks.
MAX_CANDIDATES_PER_ROW = 1000


# ---------------------------------------------------------------------------------------------
# Page views shared by the payments and trackers families (cached on the Page)
# ---------------------------------------------------------------------------------------------

def lower_bytes(page: Page) -> bytes:
    """The page as UTF-8 with ASCII letters lower-cased, computed once per page for the keyword
    prefilters (bytes.lower() is several times faster than str.lower() on non-ASCII text)."""
    low = page._cache.get("lower_utf8")
    if low is None:
        low = page._cache["lower_utf8"] = page.text.encode("utf-8", "surrogatepass").lower()
    return low


_JS_ESCAPE = re.compile(r"\\(?:/|u00(2[26fF]|3[aAdDfF]|40))")
# Entities with their ';' (and numeric ones).  Not html.unescape on the whole page: it also
# decodes legacy names without ';', turning "?a=1&currency=EUR" in a URL into "?a=1¤cy=EUR".
_ENTITY = re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};)")


def _js_unescape(m: re.Match[str]) -> str:
    return "/" if m.group(1) is None else chr(int(m.group(1), 16))


@functools.lru_cache(maxsize=512)
def _decode_entity(entity: str) -> str:
    return html_lib.unescape(entity)


def _entity(m: re.Match[str]) -> str:
    return _decode_entity(m.group(0))


def norm_text(page: Page) -> str:
    """Entities decoded (``&amp;`` -> ``&``, ``&#64;`` -> ``@``; names only with their ``;``)
    and JSON/JS escapes of URL characters undone (``https:\\/\\/`` -> ``https://``,
    ``\\u0026`` -> ``&``): one view for HTML, JS and JSON, computed once per page."""
    norm = page._cache.get("norm_text")
    if norm is None:
        norm = page.text
        if "&" in norm:
            norm = _ENTITY.sub(_entity, norm)
        if "\\" in norm:
            norm = _JS_ESCAPE.sub(_js_unescape, norm)
        page._cache["norm_text"] = norm
    return norm


_REGISTERED_KEYWORDS: set[str] = set()
_COMBINED: list = []     # [(keywords tuple, automaton or None)] once built; emptied when a scanner is added


def _combined_scan() -> tuple[tuple[str, ...], object]:
    if not _COMBINED:
        kw = tuple(sorted(_REGISTERED_KEYWORDS))
        auto = (ahocorasick_rs.BytesAhoCorasick([k.encode("utf-8") for k in kw])
                if (ahocorasick_rs is not None and kw) else None)
        _COMBINED.append((kw, auto))
    return _COMBINED[0]


class KeywordScanner:
    """Which of a fixed set of lower-case keywords occur in a page.

    Every scanner's keywords join one Aho-Corasick automaton, run once per page over
    :func:`lower_bytes` (cached on the page), so the payments and trackers prefilters cost one
    pass together; each scanner then sees only its own keywords."""

    def __init__(self, keywords: Iterable[str]):
        self.keywords = frozenset(k for k in keywords if k)
        _REGISTERED_KEYWORDS.update(self.keywords)
        _COMBINED.clear()

    def present(self, page: Page) -> frozenset[str]:
        combined = _combined_scan()
        cached = page._cache.get("keyword_scan")
        if cached is None or cached[0] is not combined:
            kw, auto = combined
            low = lower_bytes(page)
            if auto is not None:
                found = frozenset(kw[i] for i, _, _ in auto.find_matches_as_indexes(low, overlapping=True))
            else:
                found = frozenset(k for k in kw if k.encode("utf-8") in low)
            cached = page._cache["keyword_scan"] = (combined, found)
        return cached[1] & self.keywords


# ---------------------------------------------------------------------------------------------
# Table rows
# ---------------------------------------------------------------------------------------------

Value = str | tuple[str, str] | None   # canonical value, or (value, raw) when raw is trimmed


@dataclass(frozen=True)
class Pattern:
    """One way an identifier shows up in page text.

    regex: run over the normalised text (entities and JS escapes decoded); the value is the
    group named ``v`` (else the whole match), passed through ``value`` (None rejects it).
    keywords: lower-case strings, one of which must be in the page for the row to run.
    near: a lower-case regex that must match within ``before`` characters before the match
    or ``after`` characters after it (the context word: ``swish``, ``bankgiro``…).
    flags: extra facts from the value (``test``).
    checked: the value passed a checksum (IBAN, BIC, Bankgiro…), so it is not screened as a
    documentation placeholder.
    """

    kind: str
    regex: re.Pattern[str]
    note: str = ""
    keywords: tuple[str, ...] = ()
    value: Callable[[re.Match[str]], Value] | None = None
    near: re.Pattern[str] | None = None
    before: int = 80
    after: int = 0
    flags: Callable[[str], tuple[str, ...]] | None = None
    checked: bool = False   # a checksum or registry vouches for the value: no placeholder check


@dataclass(frozen=True)
class Field:
    """A named field of a form posting to a processor, or the query parameter of a link to it.

    hosts: registrable domains (``paypal.com`` also matches ``www.sandbox.paypal.com``); empty
    means any host, then ``path`` must match.  path: regex searched in the URL path.
    names: field/parameter names (case-insensitive); ``value`` gets {name: value} of those
    present and returns the canonical value(s) or None.  A host with a ``sandbox``/``test``
    label gives the flag ``test``.
    """

    kind: str
    hosts: tuple[str, ...]
    names: tuple[str, ...]
    value: Callable[[dict[str, str]], str | list[str] | None]
    note: str = ""
    keywords: tuple[str, ...] = ()
    path: re.Pattern[str] | None = None


# What integration guides print where the merchant's own id goes: pk_live_XXXX…, G-XXXXXXXXXX,
# YOUR_PIXEL_ID, {pixel-id}, <PIXEL_ID>, ca-pub-0000000000000000, stats.example.com.  Copied
# unchanged into many unrelated sites, such a value would link them all, so no row takes one.
_PLACEHOLDER = re.compile(r"(?i)x{4,}|[_-]your|your[_-]|[{}<>$%]|placeholder")
_PLACEHOLDER_ID = re.compile(r"(?i)your")          # an id (no dot) that starts with it: yourProjectId
_PLACEHOLDER_HOST = re.compile(r"(?i)x{4,}|(?:^|\.)(?:example|your(?:-?domain|-?site|website|-?e?mail|company))\.|"
                               r"\.example(?:/|$)")


def is_placeholder(value: str) -> bool:
    """True for a documentation placeholder rather than a merchant's id (checked on every row's value).

    >>> [is_placeholder(v) for v in ("pk_live_XXXXXXXXXXXXXXXXXXXXXXXX", "G-XXXXXXXXXX", "YOUR_PIXEL_ID",
    ...                              "ca-pub-0000000000000000", "stats.example.com/1", "me@yourdomain.com")]
    [True, True, True, True, True, True]
    >>> [is_placeholder(v) for v in ("G-K2X9QW7PLM", "stats.yourshop.se/3", "shop@yourshop.se")]
    [False, False, False]
    """
    if "@" in value:             # e-mails: the name part is the seller's to choose
        return "xxxx" in value.lower() or bool(_PLACEHOLDER_HOST.search(value.rpartition("@")[2]))
    if _PLACEHOLDER.search(value) or _PLACEHOLDER_HOST.search(value):
        return True
    if "." not in value and _PLACEHOLDER_ID.match(value):
        return True
    digits = [c for c in value if c.isdigit()]
    return len(digits) >= 6 and all(c == "0" for c in digits)     # ca-pub-0000000000000000


def shape(regex: str, transform: Callable[[str], str] = str) -> Callable[[str | None], str | None]:
    rx = re.compile(regex)

    def check(raw: str | None) -> str | None:
        if raw is None:
            return None
        s = unquote_plus(raw).strip()
        return transform(s) if rx.fullmatch(s) else None
    return check


def first(names: tuple[str, ...], check: Callable[[str | None], str | None]):
    def value(f: dict[str, str]) -> str | None:
        for n in names:
            v = check(f.get(n))
            if v:
                return v
        return None
    return value


def group_v(m: re.Match[str]) -> str:
    return m.group("v") if "v" in m.re.groupindex else m.group(0)


_URL = re.compile(r"//(?P<host>[A-Za-z0-9][\w.-]{0,252}\.[A-Za-z]{2,63})(?::\d{1,5})?(?P<path>/[^\s\"'<>\\`]{0,2000})?")
_FORM = re.compile(r"(?i)<form\b[^>]{0,2000}>")
_FORM_END = re.compile(r"(?i)</form\s*>|<form\b")   # an unclosed form ends where the next begins
_INPUT = re.compile(r"(?i)<(?:input|button)\b[^>]{0,2000}>")
_ATTR = re.compile(r"""([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
MAX_FORM_CHARS = 50_000


def tag_attrs(tag: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR.finditer(tag):
        name = m.group(1).lower()
        if name not in out:
            raw = m.group(2) if m.group(2) is not None else m.group(3) if m.group(3) is not None else m.group(4)
            out[name] = _ENTITY.sub(_entity, raw) if "&" in raw else raw
    return out


def _query(path: str) -> dict[str, str]:
    """Query (and fragment) parameters, names lower-case, first value kept, not yet decoded."""
    out: dict[str, str] = {}
    _, _, q = path.partition("?")
    for part in re.split(r"[&;#?]", q):
        name, eq, val = part.partition("=")
        if eq:
            out.setdefault(unquote_plus(name).strip().lower(), val)
    return out


def _split_url(url: str) -> tuple[str, str] | None:
    m = re.match(r"\s*(?:[A-Za-z][\w+.-]*:)?//([^/?#\s:]+)(?::\d+)?([^\s]*)", url)
    if not m:
        return None
    path = m.group(2) or "/"
    if not path.startswith("/"):
        path = "/" + path
    return m.group(1).lower(), path


def _forms(page: Page) -> Iterator[tuple[str, str, dict[str, str], int, int]]:
    """(host, path, fields, start, end) of each form with an absolute action; fields holds the
    action's query parameters and every named input/button value (names lower-case)."""
    text = page.text
    for n, fm in enumerate(_FORM.finditer(text)):
        if n >= MAX_CANDIDATES_PER_ROW:
            break
        split = _split_url(tag_attrs(fm.group(0)).get("action", ""))
        if split is None:
            continue
        host, path = split
        end_m = _FORM_END.search(text, fm.end(), fm.end() + MAX_FORM_CHARS)
        body = text[fm.end():end_m.start() if end_m else fm.end() + MAX_FORM_CHARS]
        fields = _query(path)
        for im in _INPUT.finditer(body):
            a = tag_attrs(im.group(0))
            if "name" in a and "value" in a:
                fields[a["name"].strip().lower()] = a["value"]
        yield host, path, fields, fm.start(), fm.end()


def _near_ok(row: Pattern, text: str, start: int, end: int) -> bool:
    if row.near is None:
        return True
    window = text[max(0, start - row.before):start].lower()
    if row.near.search(window):
        return True
    return bool(row.after) and bool(row.near.search(text[end:end + row.after].lower()))


def run_patterns(rows: Iterable[Pattern], text: str, present: frozenset[str]) -> Iterator[Identifier]:
    """Identifiers from the regex rows whose keywords are present (an empty keyword list runs always)."""
    for row in rows:
        if row.keywords and present.isdisjoint(row.keywords):
            continue
        seen: set[str] = set()
        for n, m in enumerate(row.regex.finditer(text)):
            if n >= MAX_CANDIDATES_PER_ROW:
                break
            got = row.value(m) if row.value else group_v(m)
            if not got:
                continue
            value, raw = got if isinstance(got, tuple) else (got, m.group(0))
            if value in seen or (not row.checked and is_placeholder(value)) or not _near_ok(row, text, m.start(), m.end()):
                continue
            seen.add(value)
            flags = row.flags(value) if row.flags else ()
            yield Identifier(row.kind, value, raw, snippet(text, m.start(), m.end()), flags)


def _apply_fields(rows: list[Field], host: str, path: str, fields: dict[str, str], present: frozenset[str],
                  text: str, start: int, end: int) -> Iterator[Identifier]:
    test = ("test",) if _TEST_HOST.search(host) else ()
    for row in rows:
        if row.keywords and present.isdisjoint(row.keywords):
            continue
        if row.hosts and row.path is not None and not row.path.search(path):
            continue
        got = {n: fields[n] for n in row.names if n in fields}
        if not got:
            continue
        values = row.value(got)
        if not values:
            continue
        raw = "&".join(f"{n}={v}" for n, v in got.items())[:200]
        for value in ([values] if isinstance(values, str) else values):
            if not is_placeholder(value):
                yield Identifier(row.kind, value, raw, snippet(text, start, end), test)


_TEST_HOST = re.compile(r"(?:^|\.)(?:sandbox|test|stg|stage|qa)[\w-]*\.")


class FieldTable:
    """A family's ``Field`` rows, indexed by host, run over every form posting to, and every
    absolute link to, a host one of them names (or any host, for rows that name a path)."""

    def __init__(self, rows: Iterable[Field]):
        self.rows = tuple(rows)
        self.keywords = frozenset(k for row in self.rows for k in row.keywords)
        self.by_host: dict[str, list[Field]] = {}
        for row in self.rows:
            for h in row.hosts:
                self.by_host.setdefault(h, []).append(row)
        self.any_host = [row for row in self.rows if not row.hosts]

    def rows_for(self, host: str, path: str) -> list[Field]:
        labels = host.lower().rstrip(".").split(".")
        rows: list[Field] = []
        for i in range(len(labels) - 1):
            rows.extend(self.by_host.get(".".join(labels[i:]), ()))
        if self.any_host:
            rows = rows + [r for r in self.any_host if r.path is not None and r.path.search(path)]
        return rows

    def run(self, page: Page, norm: str, present: frozenset[str]) -> Iterator[Identifier]:
        """Identifiers from the rows, over the page's forms and the links in ``norm`` (its
        :func:`norm_text`); ``present``: the page's keywords (``<form`` among them when it has one)."""
        if present.isdisjoint(self.keywords):
            return
        if page.is_html and "<form" in present:
            for host, path, fields, start, end in _forms(page):
                rows = self.rows_for(host, path)
                if rows:
                    yield from _apply_fields(rows, host, path, fields, present, page.text, start, end)
        for um in _URL.finditer(norm):
            host, path = um.group("host").lower(), um.group("path") or "/"
            rows = self.rows_for(host, path)
            if rows and "=" in path:
                yield from _apply_fields(rows, host, path, _query(path), present, norm, um.start(), um.end())
