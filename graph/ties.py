"""Ties that are not shared values: a site that sends its visitors to another, or says it moved.

A reported address that answers with an HTTP 3xx, a meta refresh or a literal JavaScript
location landing on another registered domain — or whose page says "we have moved to
<domain>" and links it — is run by whoever runs the domain it leads to.  Such a pair is a
*tie* of kind ``redirect`` or ``moved_to`` with its evidence (the page, the chain, the
notice's text) and weight ``TIE_WEIGHT``, strong enough to put both in one cluster
(graph/links.py adds ties to the scored pairs; clusters, ``links`` and every export carry
them).

Only the site moving counts: the redirect of a *reported URL or entry page* (depth 0), never
a subpage's ``/go/…`` or ``/out?url=…`` link, and never a redirect into a platform,
processor, shortener, messenger or parking service (graph/redirect_services.py).

Which redirects count is graph/history.py's (``entry_redirects``): the same rule makes
hop alerts and ties.

>>> Tie("old.se", "new.nu", "redirect").value
'old.se -> new.nu'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from crawler.domains import registered_domain
from crawler.extractors.notices import MOVED_RE, MOVED_SUBSTRINGS, moved_targets
from crawler.schema import PAGES, SITES, table_exists
from graph.history import chain_end, entry_redirects
from graph.redirect_services import is_redirect_service
from graph.scoring import ValueStat

__all__ = ["TIE_KINDS", "TIE_WEIGHT", "Tie", "chain_end", "entry_redirects", "moved_notices", "site_ties",
           "ties_by_pair"]

TIE_KINDS = ("redirect", "moved_to")
TIE_WEIGHT = 0.95        # one redirect or moved notice ties two sites (above the link threshold)
EVIDENCE_PER_TIE = 3


@dataclass
class Tie:
    """``a`` leads to ``b`` (a redirect) or says it moved to ``b``."""

    a: str
    b: str
    kind: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    first_seen: str | None = None
    last_seen: str | None = None

    @property
    def value(self) -> str:
        return f"{self.a} -> {self.b}"

    @property
    def via(self) -> list[str]:
        """How the visitor is sent on: http, meta_refresh, js, notice."""
        out: set[str] = set()
        for ev in self.evidence:
            out.update(ev.get("via") or ())
        return sorted(out)

    def urls(self) -> list[str]:
        return [ev["url"] for ev in self.evidence if ev.get("url")]

    def stat(self) -> ValueStat:
        a, b = sorted((self.a, self.b))
        return ValueStat(self.kind, self.value, 2, False, self.first_seen, self.last_seen, TIE_WEIGHT,
                         domains=(a, b), base_weight=TIE_WEIGHT)


def _loads(text: Any) -> list:
    if not text:
        return []
    try:
        got = json.loads(text)
    except (TypeError, ValueError):
        return []
    return got if isinstance(got, list) else []


def moved_notices(db: Any, *, runs: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
    """Pages whose text says the site moved to another (linked) registered domain:
    ``{"domain", "to", "url", "text", "via": ["notice"], "fetched_at", "run_id"}``."""
    if not table_exists(db, PAGES):
        return
    like = " OR ".join("text LIKE ?" for _ in MOVED_SUBSTRINGS)
    params: list[Any] = [f"%{p}%" for p in MOVED_SUBSTRINGS]
    sql = f"SELECT url, domain, text, linked_domains, fetched_at, run_id FROM [{PAGES}] WHERE ({like})"
    wanted = None if runs is None else set(runs)
    for url, domain, text, linked, fetched_at, run_id in db.execute(sql, params):
        if wanted is not None and run_id not in wanted:
            continue
        dom = domain or registered_domain(url)
        for target in moved_targets(text, dom, _loads(linked)):
            if is_redirect_service(target):
                continue
            m = MOVED_RE.search(text or "")
            start = m.start() if m else 0
            yield {"domain": dom, "to": target, "url": url, "text": (text or "")[start:start + 200],
                   "via": ["notice"], "fetched_at": fetched_at, "run_id": run_id}


def site_ties(db: Any) -> list[Tie]:
    """Every redirect and moved-notice tie the store holds, evidence attached."""
    ties: dict[tuple[str, str, str], Tie] = {}

    def add(kind: str, row: dict[str, Any]) -> None:
        key = (row["domain"], row["to"], kind)
        t = ties.get(key)
        if t is None:
            t = ties[key] = Tie(row["domain"], row["to"], kind)
        when = row.get("fetched_at")
        if when:
            t.first_seen = min(t.first_seen or when, when)
            t.last_seen = max(t.last_seen or when, when)
        if len(t.evidence) < EVIDENCE_PER_TIE:
            ev = {k: row[k] for k in ("url", "final_url", "chain", "text", "via", "fetched_at") if k in row}
            t.evidence.append({"type": "redirect_chain" if kind == "redirect" else "page", **ev})

    for row in entry_redirects(db):
        add("redirect", row)
    for row in moved_notices(db):
        add("moved_to", row)
    if table_exists(db, SITES):
        # A site the crawler saw land elsewhere whose chain row is gone (an older store).
        for dom, final, last in db.execute(f"SELECT domain, final_domain, last_crawled FROM [{SITES}] "
                                           f"WHERE final_domain IS NOT NULL AND final_domain != domain"):
            if (dom, final, "redirect") in ties or is_redirect_service(final):
                continue
            ties[(dom, final, "redirect")] = Tie(dom, final, "redirect", [
                {"type": "final_domain", "domain": dom, "final_domain": final, "at": last, "via": []}], last, last)
    return sorted(ties.values(), key=lambda t: (t.a, t.b, t.kind))


def ties_by_pair(ties: Iterable[Tie]) -> dict[tuple[str, str], list[Tie]]:
    """Ties per sorted domain pair."""
    out: dict[tuple[str, str], list[Tie]] = {}
    for t in ties:
        out.setdefault(tuple(sorted((t.a, t.b))), []).append(t)
    return out
