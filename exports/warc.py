"""WARC/1.1 export of evidence captures (``merchintel export --format warc``), with warcio.

Per capture, three records:

* ``request``  — the GET the crawler sent (its headers as sent) to the final URL;
* ``response`` — the status line and headers as served, and as payload the **text-only
  HTML** (crawler/capture.py): ``WARC-Transformed`` says so, ``WARC-Original-Payload-Digest``
  carries the SHA-256 of the body bytes as received (base32, like every WARC digest), the
  Content-Length/-Encoding and Transfer-Encoding headers describe the stored payload (the
  served ones are in the metadata), ``WARC-IP-Address`` the server connected to;
* ``metadata`` — JSON: redirect chain, headers as served, certificate, hashes as stored
  (hex), the capture's record digest.

Every record carries SHA-256 block and payload digests (warcio's reader checks them with
``check_digests``).  No media can be in it: the payloads are the stored text-only HTML.
"""

from __future__ import annotations

import base64
import json
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from crawler.capture import decompress
from crawler.schema import CAPTURES, CERTIFICATES, table_exists

# headers that describe the body as it travelled, not the payload stored here
_TRANSFER = frozenset({"content-length", "content-encoding", "transfer-encoding"})


class _SHA256Writer(WARCWriter):
    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def sha256_b32(hex_digest: str) -> str:
    """``sha256:<base32>`` of a hex SHA-256 (the WARC digest form).

    >>> sha256_b32("00" * 32)
    'sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
    """
    return "sha256:" + base64.b32encode(bytes.fromhex(hex_digest)).decode("ascii").rstrip("=")


def select_captures(db: Any, *, case: str | None = None, since: str | None = None,
                    older_than: str | None = None) -> list[dict[str, Any]]:
    """Capture rows (oldest first), filtered by case and capture time."""
    if not table_exists(db, CAPTURES):
        return []
    where, params = [], []
    if case:
        where.append("case_name = ?")
        params.append(case)
    if since:
        where.append("captured_at >= ?")
        params.append(since)
    if older_than:
        where.append("captured_at < ?")
        params.append(older_than)
    sql = f"SELECT * FROM [{CAPTURES}]" + (" WHERE " + " AND ".join(where) if where else "") + \
        " ORDER BY captured_at, id"
    cur = db.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _certificate(db: Any, sha: str | None) -> dict[str, Any] | None:
    if not sha or not table_exists(db, CERTIFICATES):
        return None
    cur = db.execute(f"SELECT sha256, subject, issuer, sans, not_before, not_after, serial, shared "
                     f"FROM [{CERTIFICATES}] WHERE sha256 = ?", [sha])
    row = cur.fetchone()
    if row is None:
        return None
    out = dict(zip([d[0] for d in cur.description], row))
    out["sans"] = json.loads(out["sans"] or "[]")
    return out


def write(db: Any, out: str | Path, *, case: str | None = None, since: str | None = None,
          software: str = "merchintel") -> dict[str, Any]:
    """Write the captures as a gzipped WARC/1.1 file; returns counts."""
    out = Path(out)
    rows = select_captures(db, case=case, since=since)
    records = 0
    with out.open("wb") as fh:
        writer = _SHA256Writer(fh, gzip=True, warc_version="1.1")
        info = writer.create_warcinfo_record(out.name, {
            "software": software, "format": "WARC File Format 1.1",
            "description": "Text-only evidence captures: media references neutralised, no media bytes.",
            "case": case or "", "since": since or ""})
        writer.write_record(info)
        records += 1
        for row in rows:
            for record in _records(writer, db, row):
                writer.write_record(record)
                records += 1
    return {"captures": len(rows), "records": records}


def _records(writer: WARCWriter, db: Any, row: dict[str, Any]) -> list[Any]:
    uri = row["final_url"]
    date = row["captured_at"]
    text = decompress(row["text_zlib"]).encode("utf-8", "surrogatepass")
    served = json.loads(row["headers"] or "[]")
    sent = json.loads(row["request_headers"] or "[]")
    parts = urlsplit(uri)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not any(n.lower() == "host" for n, _ in sent):
        sent = [["Host", parts.netloc], *sent]
    request = writer.create_warc_record(
        uri, "request", payload=BytesIO(b""),
        http_headers=StatusAndHeaders(f"GET {path} HTTP/1.1", [tuple(h) for h in sent], is_http_request=True),
        warc_headers_dict={"WARC-Date": date})
    try:
        reason = HTTPStatus(int(row["status"])).phrase
    except ValueError:
        reason = "Unknown"
    headers = [tuple(h) for h in served if h[0].lower() not in _TRANSFER]
    headers.append(("Content-Length", str(len(text))))
    warc_headers = {"WARC-Date": date, "WARC-Concurrent-To": request.rec_headers.get_header("WARC-Record-ID"),
                    "WARC-Transformed": f"text-only HTML (UTF-8); {row.get('neutralised') or 0} media "
                                        "references neutralised; the served body is not stored",
                    "WARC-Original-Payload-Digest": sha256_b32(row["body_sha256"])}
    if row.get("ip"):
        warc_headers["WARC-IP-Address"] = row["ip"]
    response = writer.create_warc_record(
        uri, "response", payload=BytesIO(text),
        http_headers=StatusAndHeaders(f"{int(row['status'])} {reason}", headers, protocol="HTTP/1.1"),
        warc_headers_dict=warc_headers)
    meta = {"url": row["url"], "final_url": uri, "redirect_chain": json.loads(row["redirect_chain"] or "[]"),
            "status": row["status"], "headers_as_served": served, "ip": row.get("ip"), "captured_at": date,
            "body_sha256": row["body_sha256"], "body_bytes": row["body_bytes"],
            "text_sha256": row["text_sha256"], "record_sha256": row["record_sha256"],
            "header_fingerprint": row.get("header_fp"), "certificate": _certificate(db, row.get("cert_sha256")),
            "case": row.get("case_name"), "run_id": row.get("run_id")}
    metadata = writer.create_warc_record(
        uri, "metadata", payload=BytesIO(json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8")),
        warc_content_type="application/json",
        warc_headers_dict={"WARC-Date": date,
                           "WARC-Refers-To": response.rec_headers.get_header("WARC-Record-ID")})
    return [request, response, metadata]

