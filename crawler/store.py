"""Store: items -> the SQLite evidence store (crawler/schema.py), idempotently.

Rows are upserted on their primary key with ``INSERT … ON CONFLICT DO UPDATE``; columns
named ``first_seen``/``first_crawled`` keep their first value (the same rule as
``schema.upsert_seen``), everything else moves on — so a re-crawl updates ``last_seen``
and never duplicates.  Statements only name columns the schema declares.

Writes are committed every ``MERCHINTEL_COMMIT_EVERY`` rows or every second, and at
close: a crawl killed with SIGKILL loses at most the last uncommitted second; what was
committed stays (WAL).  Nothing here ever sees a body: a page's evidence capture arrives
as text-only HTML, already compressed and hashed (crawler/capture.py).

Only text is stored: every string value of every row goes through
``only_text.clean_stored`` (no NUL or C0 control character but tab/newline/CR, no data:
URI in any form, no inline ``<svg>``, no base64 run of media) right before it is written.

``Store`` needs no Scrapy: the crawl's pipeline (crawler/pipelines.py) runs it in the store
writer process (crawler/store_writer.py) or in the crawl process; the runner, the
distributed workers and the tests use it directly.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from typing import Any

from crawler.capture import Capture, finish, record_digest
from crawler.clock import now_iso
from crawler.domains import registered_domain
from crawler.extractors.only_text import all_stored_clean, clean_stored
from crawler.items import FetchErrorItem, PageItem, RenderItem, SiteDoneItem
from crawler.schema import (CAPTURES, CASE_SITES, CERTIFICATES, ERRORS, IDENTIFIERS, OBSERVATIONS, PAGES, RENDERS,
                            SITES, TABLES_BY_NAME, dumps, row_key)

KEEP_FIRST = ("first_seen", "first_crawled")
META_COLUMNS = {  # pages column -> keys page_meta may use for it
    "title": ("title",),
    "meta_description": ("meta_description", "description"),
    "meta_keywords": ("meta_keywords", "keywords"),
    "generator": ("generator",),
    "lang": ("lang",),
    "canonical": ("canonical",),
    "og_site_name": ("og_site_name", "site_name", "og:site_name"),
}


_IDENTIFIER_COLS = ("id", "kind", "value", "flags", "first_seen", "last_seen")
_OBSERVATION_COLS = ("key", "identifier_id", "kind", "value", "domain", "page_url", "raw", "context", "flags",
                     "source", "case_name", "run_id", "first_seen", "last_seen", "origin")


@functools.lru_cache(maxsize=None)
def _known_columns(table: str) -> frozenset[str]:
    return frozenset(c.name for c in TABLES_BY_NAME[table].columns)


def _clean(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """The row with every string made fit to store (``clean_stored``).  Most rows need
    nothing: one pass over all their strings says so (``all_stored_clean``)."""
    if all_stored_clean([v for v in values if isinstance(v, str)]):   # str subclasses too (lxml's)
        return values
    return tuple((_clean_short(v) if len(v) < 2048 else clean_stored(v)) if isinstance(v, str) and v and not _plain(v)
                 else v for v in values)


# The same URLs and contexts come back row after row (a page's URL on each of its
# observations): their cleaned form is remembered, a bounded number of them.
_clean_short = functools.lru_cache(maxsize=4096)(clean_stored)


def _plain(v: str) -> bool:
    """A short printable string with no '<' and no ``data:`` (a key, a kind, a domain, a time,
    a short URL): nothing to clean.  Shorter than a base64 run worth looking at."""
    return len(v) < 48 and v.isprintable() and "<" not in v and (":" not in v or "data:" not in v.lower())


class Store:
    """The SQL side, usable without Scrapy (the runner and the tests use it too)."""

    def __init__(self, db: Any, *, run_id: str | None, case_name: str, commit_every: int = 200):
        self.db = db
        self.conn = db.conn
        self.run_id = run_id
        self.case_name = case_name
        self.commit_every = commit_every
        self._pending = 0
        self._last_commit = time.monotonic()
        self._sql: dict[tuple[str, tuple[str, ...]], str] = {}
        self._pivots: set[tuple[str, str]] = set()   # (identifier, domain) capture pivots written this run

    # generic upsert built from the schema
    def upsert(self, table: str, row: dict[str, Any]) -> None:
        known = _known_columns(table)
        if not known.issuperset(row):
            row = {k: v for k, v in row.items() if k in known}
        cols = tuple(row)
        self.conn.execute(self._upsert_sql(table, cols), _clean(tuple(row.values())))
        self._pending += 1

    def upsert_many(self, table: str, cols: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """Rows given as tuples in ``cols`` order (columns of the schema only)."""
        if rows:
            self.conn.executemany(self._upsert_sql(table, cols), [_clean(r) for r in rows])
            self._pending += len(rows)

    def _upsert_sql(self, table: str, cols: tuple[str, ...]) -> str:
        key = (table, cols)
        sql = self._sql.get(key)
        if sql is None:
            spec = TABLES_BY_NAME[table]
            unknown = set(cols) - _known_columns(table)
            if unknown:
                raise ValueError(f"{table} has no column(s) {sorted(unknown)}")
            pk = spec.pk if isinstance(spec.pk, tuple) else (spec.pk,)
            updates = [f"[{c}] = excluded.[{c}]" for c in cols if c not in pk and c not in KEEP_FIRST]
            sql = (f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in cols)}) "
                   f"VALUES ({', '.join('?' for _ in cols)}) ON CONFLICT({', '.join(f'[{c}]' for c in pk)}) "
                   + (f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"))
            self._sql[key] = sql
        return sql

    def maybe_commit(self) -> bool:
        """Commit when ``commit_every`` rows wait or a second has passed; True if it did."""
        if self._pending >= self.commit_every or time.monotonic() - self._last_commit > 1.0:
            self.commit()
            return True
        return False

    def store_item(self, item: Any) -> None:
        """One crawl item's rows (not committed: ``maybe_commit``/``commit``)."""
        if isinstance(item, PageItem):
            self.page(item)
            if item.render is not None:
                self.render(item.render)
        elif isinstance(item, FetchErrorItem):
            self.error(item)
        elif isinstance(item, RenderItem):
            self.render(item)
        elif isinstance(item, SiteDoneItem):
            # Committed with the rest, within a second: a site whose done-row was not yet
            # committed when the crawl was killed is simply crawled again by --resume.
            self.site(item)

    def commit(self) -> None:
        self.conn.commit()
        self._pending = 0
        self._last_commit = time.monotonic()

    # rows
    def page(self, item: PageItem) -> None:
        # every string below is cleaned once, in upsert/upsert_many (_clean), after truncation
        now = item.fetched_at or now_iso()
        row: dict[str, Any] = {
            "url": item.url, "domain": item.domain, "final_url": item.final_url,
            "redirect_chain": dumps(item.redirect_chain), "status": item.status,
            "content_type": item.content_type, "server": item.server, "x_powered_by": item.x_powered_by,
            "cookie_names": dumps(item.cookie_names), "linked_domains": dumps(item.linked_domains),
            "text": item.text or None, "sha256": item.sha256, "body_bytes": item.body_bytes,
            "resource": item.resource, "depth": item.depth, "fetched_at": now, "run_id": self.run_id,
            "case_name": self.case_name, "report_id": item.report_id, "first_seen": now, "last_seen": now,
            "referrer": item.referrer,
        }
        for col, keys in META_COLUMNS.items():
            value = next((item.meta[k] for k in keys if item.meta.get(k)), None)
            if isinstance(value, (list, tuple)):
                value = ", ".join(map(str, value))
            row[col] = str(value)[:1000] if value is not None else None
        self.upsert(PAGES, row)
        if item.capture is not None:
            self.capture(item.capture, item)
        if not item.identifiers:
            return
        script = item.resource == "script"
        self._observations(item.final_url, item.domain, item.identifiers, "script" if script else "page",
                           "script" if script else "static", now)

    def _observations(self, url: str, domain: str, identifiers: list, source: str, origin: str, now: str) -> None:
        seen_domain = schema_domain(url) or domain
        idents, observations = [], []
        for ident in identifiers:
            flags = dumps(list(ident.flags))
            idents.append((ident.id, ident.kind, ident.value, flags, now, now))
            observations.append((
                row_key(ident.id, url), ident.id, ident.kind, ident.value, seen_domain, url,
                ident.raw[:500], ident.context[:200], flags, source,
                self.case_name, self.run_id, now, now, origin))
        self.upsert_many(IDENTIFIERS, _IDENTIFIER_COLS, idents)
        self.upsert_many(OBSERVATIONS, _OBSERVATION_COLS, observations)

    def capture(self, cap: Capture, item: PageItem) -> None:
        """The page's evidence capture, its certificate, and the pivots it gives (a shared
        certificate, names or distinctive headers) as observations of source ``capture``."""
        cap = finish(cap)   # the crawl may leave the header and certificate work to the store
        domain = schema_domain(cap.final_url) or item.domain
        cert = cap.cert
        row: dict[str, Any] = {
            "id": row_key(cap.url, cap.captured_at, self.run_id), "url": cap.url, "final_url": cap.final_url,
            "domain": domain, "redirect_chain": dumps(cap.redirect_chain), "status": cap.status,
            "headers": dumps(cap.headers), "request_headers": dumps(cap.request_headers), "ip": cap.ip,
            "captured_at": cap.captured_at, "content_type": cap.content_type, "body_sha256": cap.body_sha256,
            "body_bytes": cap.body_bytes, "text_sha256": cap.text_sha256, "text_bytes": cap.text_bytes,
            "cert_sha256": cert.sha256 if cert else None, "header_fp": cap.header_fp,
            "case_name": self.case_name, "run_id": self.run_id}
        # the digest covers the values as stored: cleaned first, the same way upsert does
        row = dict(zip(row, _clean(tuple(row.values()))))
        row.update({"text_zlib": cap.text_zlib, "neutralised": cap.neutralised, "header_basis": cap.header_basis,
                    "report_id": item.report_id, "record_sha256": record_digest(row)})
        self.upsert(CAPTURES, row)
        pivots: list[tuple[str, str, str, list[str]]] = []   # kind, value, raw, flags
        if cert is not None:
            self.upsert(CERTIFICATES, {
                "sha256": cert.sha256, "subject": cert.subject, "issuer": cert.issuer, "sans": dumps(cert.sans),
                "not_before": cert.not_before, "not_after": cert.not_after, "serial": cert.serial,
                "der": cert.der, "shared": cert.shared, "first_seen": cap.captured_at,
                "last_seen": cap.captured_at})
            flags = ["cdn"] if cert.shared else []
            pivots.append(("tls_cert", cert.sha256, f"{cert.subject} / {cert.issuer}", flags))
            names = cert.san_domains
            if len(names) >= 2:
                pivots.append(("tls_sans", ",".join(names[:20]) if len(names) <= 20 else
                               "sha256:" + hashlib.sha256(",".join(names).encode()).hexdigest()[:32],
                               ", ".join(cert.sans[:20]), flags))
        if cap.header_fp:
            pivots.append(("header_fp", cap.header_fp, cap.header_basis, []))
        if not pivots:
            return
        now = cap.captured_at
        idents, observations = [], []
        if len(self._pivots) > 200_000:   # bounded: a pivot written again costs only time
            self._pivots.clear()
        for kind, value, raw, flags in pivots:
            ident_id = f"{kind}:{value}"
            # a site's certificate and header fingerprint are the same on its every page: one
            # observation per site (keyed by site, so a re-crawl updates it), written once a
            # run, naming the first page that showed it
            if (ident_id, domain) in self._pivots:
                continue
            self._pivots.add((ident_id, domain))
            idents.append((ident_id, kind, value, dumps(flags), now, now))
            observations.append((row_key(ident_id, domain, "capture"), ident_id, kind, value, domain, cap.final_url,
                                 raw[:500], raw[:200], dumps(flags), "capture", self.case_name, self.run_id, now, now, ""))
        if idents:
            self.upsert_many(IDENTIFIERS, _IDENTIFIER_COLS, idents)
            self.upsert_many(OBSERVATIONS, _OBSERVATION_COLS, observations)

    def render(self, item: RenderItem) -> None:
        """The render decision row, and what only rendering found (source page, origin
        rendered or fetched)."""
        now = now_iso()
        self.upsert(RENDERS, {
            "key": row_key(item.url, self.run_id), "url": item.url, "domain": schema_domain(item.url) or item.site,
            "mode": item.mode, "decision": item.decision, "reason": item.reason[:300],
            "identifiers": sum(len(idents) for _, _, idents in item.found), "requests": item.requests,
            "aborted": item.aborted, "ms": item.ms, "at": now, "run_id": self.run_id, "case_name": self.case_name})
        for url, origin, identifiers in item.found:
            if identifiers:
                self._observations(url, item.site, identifiers, "page", origin, now)

    def error(self, item: FetchErrorItem) -> None:
        self.upsert(ERRORS, {
            "key": row_key(item.url, item.stage, item.kind, self.run_id), "url": item.url[:2000],
            "domain": item.domain, "stage": item.stage, "kind": item.kind,
            "reason": item.reason[:300], "at": now_iso(), "run_id": self.run_id,
            "case_name": self.case_name, "report_id": item.report_id})

    def site(self, item: SiteDoneItem) -> None:
        now = now_iso()
        domains = [(item.domain, item.status, item.final_domain)]
        if item.final_domain and item.final_domain != item.domain:
            domains.append((item.final_domain, item.status, item.final_domain))
        for domain, status, final in domains:
            hosts = set(h for h in item.hostnames if schema_domain(h) == domain)
            old = self.conn.execute(f"SELECT hostnames FROM [{SITES}] WHERE domain = ?", [domain]).fetchone()
            if old and old[0]:
                try:
                    hosts.update(json.loads(old[0]))
                except ValueError:
                    pass
            self.upsert(SITES, {"domain": domain, "hostnames": dumps(sorted(hosts)), "first_crawled": now,
                                "last_crawled": now, "last_status": status, "final_domain": final,
                                "last_run_id": self.run_id})
            self.upsert(CASE_SITES, {"case_name": self.case_name, "domain": domain, "first_seen": now,
                                     "last_seen": now, "active": 1})


def schema_domain(url_or_host: str) -> str:
    return registered_domain(url_or_host)
