"""Where new alerts go: a JSONL file, a webhook, e-mail over SMTP.

Every (alert, sink) pair is a row of ``alert_deliveries`` (pending, sent, failed), written
before anything is sent, so a crash or a dead receiver loses nothing: what is still pending
is tried again by the next ``deliver`` call (every crawl and ``run-due`` makes one).

The JSONL file is appended to at once.  Webhook and SMTP deliveries run in a background
thread with bounded socket timeouts and retries with back-off; the caller waits for them at
most ``MERCHINTEL_SINK_TIMEOUT`` seconds, so a slow or dead receiver never holds up a crawl.

Webhook posts carry ``X-Merchintel-Signature: sha256=<hex HMAC-SHA256 of the body>`` under
``MERCHINTEL_WEBHOOK_SECRET``, and ``X-Merchintel-Alert-Key`` (receivers may see an alert
twice after a timeout; the key makes that harmless).

>>> sign(b'{"kind":"site_down"}', "s3cret")[:13]
'sha256=e8dfc8'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable

from crawler.clock import now_iso
from crawler.schema import ALERTS, ALERT_DELIVERIES, row_key
from graph.alerts import alert_from_row

SIGNATURE_HEADER = "X-Merchintel-Signature"
MAX_ATTEMPTS = 8          # across runs; after that a delivery is marked failed
RETRY_DELAYS = (0.5, 1.0, 2.0)  # back-off between attempts within one delivery call
SOCKET_TIMEOUT = 5.0


def sign(body: bytes, secret: str) -> str:
    """The signature header value for a body: ``sha256=`` + hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def alert_json(alert: dict[str, Any]) -> bytes:
    return json.dumps(alert, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass
class Sink:
    name: str
    background: bool = True

    def send(self, alert: dict[str, Any], timeout: float) -> None:  # pragma: no cover - interface
        raise NotImplementedError


@dataclass
class JsonlSink(Sink):
    path: str = ""

    def send(self, alert: dict[str, Any], timeout: float) -> None:
        p = Path(self.path)
        if p.parent and not p.parent.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
        with p.open("ab") as fh:
            fh.write(alert_json(alert) + b"\n")


@dataclass
class WebhookSink(Sink):
    url: str = ""
    secret: str | None = None

    def send(self, alert: dict[str, Any], timeout: float) -> None:
        body = alert_json(alert)
        headers = {"Content-Type": "application/json", "User-Agent": "merchintel-alerts",
                   "X-Merchintel-Alert-Key": str(alert.get("key", ""))}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(body, self.secret)
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        # No proxy from the environment: the webhook goes where the setting says.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=timeout) as resp:
                if not 200 <= resp.status < 300:
                    raise RuntimeError(f"HTTP {resp.status}")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"HTTP {exc.code}") from None


@dataclass
class SmtpSink(Sink):
    host: str = ""
    port: int = 25
    sender: str = "merchintel@localhost"
    to: list[str] = field(default_factory=list)

    def send(self, alert: dict[str, Any], timeout: float) -> None:
        msg = EmailMessage()
        what = alert.get("kind", "alert") + (f"/{alert['type']}" if alert.get("type") else "")
        subject = f"[merchintel] {what}: {alert.get('from') or ''}" + (f" -> {alert['to']}" if alert.get("to") else "")
        msg["Subject"] = subject
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.to)
        msg["X-Merchintel-Alert-Key"] = str(alert.get("key", ""))
        msg.set_content(f"{alert.get('summary', '')}\n\n" + json.dumps(alert, ensure_ascii=False, indent=2) + "\n")
        with smtplib.SMTP(self.host, self.port, timeout=timeout) as smtp:
            smtp.send_message(msg)


def configured_sinks(cfg) -> list[Sink]:
    """The sinks the settings switch on (none by default)."""
    out: list[Sink] = []
    if cfg.get("alert_jsonl"):
        out.append(JsonlSink(f"jsonl:{cfg.alert_jsonl}", background=False, path=str(cfg.alert_jsonl)))
    if cfg.get("webhook_url"):
        out.append(WebhookSink(f"webhook:{cfg.webhook_url}", url=cfg.webhook_url, secret=cfg.get("webhook_secret")))
    if cfg.get("smtp_host") and cfg.get("smtp_to"):
        to = [a.strip() for a in str(cfg.smtp_to).split(",") if a.strip()]
        out.append(SmtpSink(f"smtp:{cfg.smtp_host}:{cfg.get('smtp_port') or 25}", host=cfg.smtp_host,
                            port=int(cfg.get("smtp_port") or 25), sender=cfg.get("smtp_from") or "merchintel@localhost",
                            to=to))
    return out


def _attempt(sink: Sink, alert: dict[str, Any], deadline: float,
             sleep: Callable[[float], None] = time.sleep) -> tuple[bool, str | None, int]:
    """Send with retries and back-off until success, the delays run out, or the deadline."""
    tries, error = 0, None
    for delay in (0.0, *RETRY_DELAYS):
        if delay:
            if time.monotonic() + delay >= deadline:
                break
            sleep(delay)
        left = deadline - time.monotonic()
        if left <= 0:
            break
        tries += 1
        try:
            sink.send(alert, timeout=min(SOCKET_TIMEOUT, left))
            return True, None, tries
        except Exception as exc:  # every failure is recorded and retried, none propagates
            error = f"{type(exc).__name__}: {exc}"[:300]
    return False, error, tries


def deliver(db, cfg, alerts: list[dict[str, Any]] | None = None, *, wait: float | None = None,
            sinks: list[Sink] | None = None) -> dict[str, int]:
    """Queue ``alerts`` for every configured sink, then send everything pending.

    Returns counts ``{"sent", "pending", "failed"}`` as they stand when the wait ends.
    """
    sinks = configured_sinks(cfg) if sinks is None else sinks
    if not sinks:
        return {"sent": 0, "pending": 0, "failed": 0}
    with db.conn:
        db[ALERT_DELIVERIES].insert_all([
            {"key": row_key(a["key"], s.name), "alert_key": a["key"], "sink": s.name, "status": "pending",
             "attempts": 0} for a in alerts or [] for s in sinks], pk="key", ignore=True)
    names = {s.name: s for s in sinks}
    pending = list(db.query(f"SELECT d.key AS delivery_key, d.sink AS delivery_sink, d.attempts AS delivery_attempts, "
                            f"a.* FROM [{ALERT_DELIVERIES}] d JOIN [{ALERTS}] a ON a.key = d.alert_key "
                            f"WHERE d.status = 'pending' ORDER BY a.detected_at"))
    jobs = [(r["delivery_key"], names[r["delivery_sink"]], alert_from_row(r), r["delivery_attempts"] or 0)
            for r in pending if r["delivery_sink"] in names]
    wait = float(cfg.get("sink_timeout") or 10.0) if wait is None else wait
    deadline = time.monotonic() + max(wait, 0.1)
    results: list[tuple[str, bool, str | None, int, int]] = []
    lock = threading.Lock()

    def run(batch):
        for key, sink, alert, attempts in batch:
            ok, error, tries = _attempt(sink, alert, deadline)
            with lock:
                results.append((key, ok, error, tries, attempts))

    foreground = [j for j in jobs if not j[1].background]
    background = [j for j in jobs if j[1].background]
    threads = []
    by_sink: dict[str, list] = {}
    for j in background:
        by_sink.setdefault(j[1].name, []).append(j)
    for batch in by_sink.values():
        t = threading.Thread(target=run, args=(batch,), name="merchintel-sink", daemon=True)
        t.start()
        threads.append(t)
    run(foreground)
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    with lock:
        done = list(results)
    stamp = now_iso()
    counts = {"sent": 0, "pending": 0, "failed": 0}
    with db.conn:
        for key, ok, error, tries, attempts in done:
            total = attempts + tries
            status = "sent" if ok else ("failed" if total >= MAX_ATTEMPTS else "pending")
            counts[status] += 1
            db.conn.execute(f"UPDATE [{ALERT_DELIVERIES}] SET status = ?, attempts = ?, last_error = ?, "
                            f"last_attempt_at = ?, delivered_at = ? WHERE key = ?",
                            [status, total, error, stamp, stamp if ok else None, key])
    counts["pending"] += len(jobs) - len(done)
    if counts["pending"] or counts["failed"]:
        print(f"alerts: {counts['sent']} delivered, {counts['pending']} pending (retried next run), "
              f"{counts['failed']} given up", file=sys.stderr)
    return counts
