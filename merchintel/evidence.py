"""Evidence captures as an analyst uses them: list, verify, purge, and the export audit.

* ``site_captures(db, target)``: a URL's or a site's captures with their hashes.
* ``verify(db)``: recompute every stored hash — each capture's text (SHA-256 of the
  decompressed text-only HTML), its record digest (crawler.capture.record_digest), that the
  text is still only text (no data: URI, no ``<svg>``, no control byte), each certificate's
  fingerprint from its DER bytes, and each audited export file still on disk.
* ``purge(db, before, case)``: delete captures older than a time and what only they
  support (certificates no capture serves any more, capture observations and their
  identifiers), then VACUUM (``secure_delete`` is on: no freed page keeps their bytes).
* ``audit_export(db, …)``: the audit row every export writes.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from crawler.capture import record_digest
from crawler.clock import now_iso
from crawler.domains import registered_domain
from crawler.extractors.only_text import clean_stored
from crawler.schema import (CAPTURES, CERTIFICATES, EXPORT_AUDIT, IDENTIFIERS, OBSERVATIONS, dumps, row_key,
                            table_exists)

CAPTURE_KINDS = ("tls_cert", "tls_sans", "header_fp")


def site_captures(db: Any, target: str) -> list[dict[str, Any]]:
    """Captures of a URL (asked or final) or, for a domain, of every page of the site; newest first."""
    cols = ("id, url, final_url, domain, status, ip, captured_at, body_sha256, body_bytes, text_sha256, "
            "text_bytes, neutralised, cert_sha256, header_fp, record_sha256, case_name, run_id")
    if not table_exists(db, CAPTURES):
        return []
    if "://" in target:
        sql = f"SELECT {cols} FROM [{CAPTURES}] WHERE url = ? OR final_url = ? ORDER BY captured_at DESC"
        params: list[Any] = [target, target]
    else:
        dom = (registered_domain(target) or target).lower()
        sql = f"SELECT {cols} FROM [{CAPTURES}] WHERE domain = ? ORDER BY captured_at DESC, final_url"
        params = [dom]
    cur = db.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


@dataclass
class VerifyReport:
    captures: int = 0
    certificates: int = 0
    exports: int = 0
    exports_missing: int = 0
    mismatches: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def verify(db: Any) -> VerifyReport:
    """Recompute every stored hash; a mismatch is a dict {table, id, what, stored, now}."""
    rep = VerifyReport()
    bad = rep.mismatches.append
    if table_exists(db, CAPTURES):
        cur = db.execute(f"SELECT * FROM [{CAPTURES}]")
        names = [d[0] for d in cur.description]
        while batch := cur.fetchmany(2000):
            for values in batch:
                row = dict(zip(names, values))
                rep.captures += 1
                rid = row["id"]
                try:
                    raw = zlib.decompress(row["text_zlib"] or b"")
                except zlib.error as exc:
                    bad({"table": CAPTURES, "id": rid, "what": "text unreadable", "stored": row["text_sha256"],
                         "now": str(exc)[:80]})
                    raw = None
                if raw is not None:
                    got = hashlib.sha256(raw).hexdigest()
                    if got != row["text_sha256"]:
                        bad({"table": CAPTURES, "id": rid, "what": "text_sha256", "stored": row["text_sha256"],
                             "now": got})
                    text = raw.decode("utf-8", "replace")
                    if clean_stored(text) != text:
                        bad({"table": CAPTURES, "id": rid, "what": "text not text-only (data:, svg or control "
                             "bytes)", "stored": "", "now": ""})
                got = record_digest(row)
                if got != row["record_sha256"]:
                    bad({"table": CAPTURES, "id": rid, "what": "record_sha256", "stored": row["record_sha256"],
                         "now": got})
    if table_exists(db, CERTIFICATES):
        for sha, der in db.execute(f"SELECT sha256, der FROM [{CERTIFICATES}]"):
            rep.certificates += 1
            got = hashlib.sha256(der or b"").hexdigest()
            if got != sha:
                bad({"table": CERTIFICATES, "id": sha, "what": "fingerprint", "stored": sha, "now": got})
    if table_exists(db, EXPORT_AUDIT):
        for rid, output, sha in db.execute(f"SELECT id, output, sha256 FROM [{EXPORT_AUDIT}]"):
            rep.exports += 1
            files = _audited_files(output)
            if not all(Path(f).is_file() for f in files):
                rep.exports_missing += 1   # moved or handed over: nothing to compare
                continue
            got = files_sha256(files)
            if got != sha:
                bad({"table": EXPORT_AUDIT, "id": rid, "what": f"export file changed: {output}"[:300],
                     "stored": sha, "now": got})
    return rep


def _audited_files(output: str) -> list[str]:
    try:
        value = json.loads(output)
    except ValueError:
        value = output
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def files_sha256(files: Iterable[str | Path]) -> str:
    """One file's SHA-256; for several (csv), the SHA-256 of their 'sha256  name' lines."""
    files = list(files)
    if len(files) == 1:
        return file_sha256(files[0])
    lines = "".join(f"{file_sha256(f)}  {Path(f).name}\n" for f in files)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def audit_export(db: Any, *, fmt: str, files: list[str | Path], case: str | None, filters: dict[str, Any],
                 records: int | None = None, at: str | None = None) -> dict[str, Any]:
    """Write (and return) the audit row of an export that wrote ``files``."""
    at = at or now_iso()
    paths = [str(Path(f).resolve()) for f in files]
    sha = files_sha256(paths)
    row = {"id": row_key(at, fmt, *paths, sha), "at": at, "format": fmt,
           "output": paths[0] if len(paths) == 1 else dumps(paths), "case_name": case,
           "filters": dumps({k: v for k, v in filters.items() if v not in (None, False)}), "sha256": sha,
           "bytes": sum(Path(p).stat().st_size for p in paths), "records": records}
    db[EXPORT_AUDIT].insert(row, pk="id", replace=True)
    db.conn.commit()
    return row


def purge(db: Any, before: str, case: str | None = None) -> dict[str, int]:
    """Delete captures taken before ``before`` (of ``case`` if given) and what only they
    support; then VACUUM.  Returns counts."""
    counts = {"captures": 0, "certificates": 0, "observations": 0, "identifiers": 0}
    if not table_exists(db, CAPTURES):
        return counts
    conn = db.conn
    where, params = "captured_at < ?", [before]
    if case:
        where += " AND case_name = ?"
        params.append(case)
    gone_urls = {r[0] for r in conn.execute(f"SELECT DISTINCT final_url FROM [{CAPTURES}] WHERE {where}", params)}
    counts["captures"] = conn.execute(f"DELETE FROM [{CAPTURES}] WHERE {where}", params).rowcount
    # capture observations of a page no capture left supports
    still = {r[0] for r in conn.execute(f"SELECT DISTINCT final_url FROM [{CAPTURES}]")}
    orphan_urls = sorted(gone_urls - still)
    marks = ",".join("?" for _ in CAPTURE_KINDS)
    for i in range(0, len(orphan_urls), 500):
        chunk = orphan_urls[i:i + 500]
        counts["observations"] += conn.execute(
            f"DELETE FROM [{OBSERVATIONS}] WHERE source = 'capture' AND kind IN ({marks}) AND page_url IN "
            f"({','.join('?' for _ in chunk)})", [*CAPTURE_KINDS, *chunk]).rowcount
    counts["identifiers"] = conn.execute(
        f"DELETE FROM [{IDENTIFIERS}] WHERE kind IN ({marks}) AND id NOT IN "
        f"(SELECT identifier_id FROM [{OBSERVATIONS}] WHERE kind IN ({marks}))", [*CAPTURE_KINDS, *CAPTURE_KINDS]
    ).rowcount
    if table_exists(db, CERTIFICATES):
        counts["certificates"] = conn.execute(
            f"DELETE FROM [{CERTIFICATES}] WHERE sha256 NOT IN (SELECT cert_sha256 FROM [{CAPTURES}] "
            "WHERE cert_sha256 IS NOT NULL)").rowcount
    conn.commit()
    conn.execute("PRAGMA secure_delete=ON")
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")   # no copy of a freed page left in the WAL either
    return counts
