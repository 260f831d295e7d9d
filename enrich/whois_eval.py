"""Score a WHOIS parser against the corpus of real responses in ``tests/whois_corpus``.

Each response ``<tld>/<name>.txt`` has ``<name>.json`` beside it with the values a reader
finds in it (``expected``): registrar, created, updated, expires, name servers, registrant
organisation and country, statuses. ``None`` / ``[]`` means the response does not publish
the field, and a parser is right there only if it reports nothing.

How values are compared (the same for every parser measured):

- text (registrar, organisation, country): equal after case folding and collapsing spaces;
  an expected list holds the accepted spellings (``[Tag = X]`` kept or not, a registrar's
  handle beside its name);
- dates: the calendar date as written, give or take one day (a parser that turns
  ``2019-09-09T08:39:04-0700`` into UTC, or a JST date into UTC, is not wrong);
- name servers: the same set of host names (lower case, no trailing dot);
- statuses: the same set of status words (case folded, URLs dropped); an inner list is
  one status with accepted spellings.

Used by ``tests/test_whois_corpus.py`` (targets) and ``bench/whois_bench.py`` (tables).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable

FIELDS = ("registrar", "created", "updated", "expires", "nameservers", "registrant_org", "registrant_country", "statuses")
DATE_FIELDS = ("created", "updated", "expires")


@dataclass
class Sample:
    tld: str
    domain: str
    path: Path
    text: str
    expected: dict[str, Any]


def load_corpus(root: Path) -> list[Sample]:
    out = []
    for txt in sorted(Path(root).glob("*/*.txt")):
        meta = json.loads(txt.with_suffix(".json").read_text("utf-8"))
        out.append(Sample(txt.parent.name, meta["domain"], txt, txt.read_bytes().decode("utf-8", "replace"),
                          meta["expected"]))
    return out


def _fold(v: Any) -> str:
    return re.sub(r"\s+", " ", str(v)).strip().casefold()


def _as_date(v: Any) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", str(v))
    return date(int(m[1]), int(m[2]), int(m[3])) if m else None


def _empty(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == ()


def _statuses(values: Iterable[Any]) -> set[str]:
    out = set()
    for v in values:
        v = re.sub(r"\(?https?://\S+\)?", "", str(v)).strip(" -")
        for part in (v.split(",") if "," in v else [v]):
            if part.strip():
                out.add(_fold(part))
    return out


def field_ok(name: str, expected: Any, got: Any) -> bool:
    """Is ``got`` right for one field? (absent expected: right only when nothing is reported)"""
    if _empty(expected):
        return _empty(got)
    if _empty(got):
        return False
    if name in DATE_FIELDS:
        g = _as_date(got)
        return g is not None and abs(g - _as_date(expected)) <= timedelta(days=1)
    if name == "nameservers":
        got_set = {str(n).strip().rstrip(".").lower() for n in (got if isinstance(got, (list, tuple, set)) else [got])}
        return got_set == {n.lower() for n in expected}
    if name == "statuses":
        got_set = _statuses(got if isinstance(got, (list, tuple, set)) else [got])
        if len(got_set) != len(expected):
            return False
        for want in expected:
            options = {_fold(w) for w in (want if isinstance(want, list) else [want])}
            if not options & got_set:
                return False
        return True
    options = expected if isinstance(expected, list) else [expected]
    return _fold(got) in {_fold(o) for o in options}


@dataclass
class Score:
    """Per field: right / total over the corpus; per TLD and field: right / total where published."""
    per_field: dict[str, tuple[int, int]]
    per_tld: dict[str, dict[str, tuple[int, int]]]
    misses: list[tuple[str, str, Any, Any]]

    def field_accuracy(self, name: str) -> float:
        ok, n = self.per_field[name]
        return ok / n if n else 1.0

    def tld_accuracy(self, tld: str, name: str) -> float | None:
        ok, n = self.per_tld.get(tld, {}).get(name, (0, 0))
        return ok / n if n else None


def score(samples: list[Sample], parse: Callable[[str, str], dict[str, Any]]) -> Score:
    """``parse(domain, text)`` returns a dict with the FIELDS keys (missing keys: absent)."""
    per_field = {f: [0, 0] for f in FIELDS}
    per_tld: dict[str, dict[str, list[int]]] = {}
    misses = []
    for s in samples:
        try:
            got = parse(s.domain, s.text) or {}
        except Exception as exc:  # noqa: BLE001 - a parser that raises gets every field wrong
            got = {"_error": repr(exc)}
        for f in FIELDS:
            want = s.expected.get(f)
            ok = field_ok(f, want, got.get(f))
            per_field[f][0] += ok
            per_field[f][1] += 1
            if not _empty(want):   # per TLD: only the fields the registry publishes
                t = per_tld.setdefault(s.tld, {}).setdefault(f, [0, 0])
                t[0] += ok
                t[1] += 1
            if not ok:
                misses.append((f"{s.tld}/{s.domain}", f, want, got.get(f)))
    return Score({k: tuple(v) for k, v in per_field.items()},
                 {t: {k: tuple(v) for k, v in d.items()} for t, d in per_tld.items()}, misses)
