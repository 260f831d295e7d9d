"""Alert sinks against real receivers on loopback: a JSONL file, an http.server webhook that
fails first, a webhook that hangs, a dead port, and aiosmtpd's SMTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.config import load_config
from crawler.schema import ALERT_DELIVERIES, ALERTS, dumps, open_db
from merchintel.sinks import MAX_ATTEMPTS, SIGNATURE_HEADER, configured_sinks, deliver, sign

SECRET = "hush-4711"


def make_alert(i: int = 1) -> dict:
    return {"key": f"k{i:03d}", "kind": "domain_hop", "type": "redirect", "from": "oldshop.se", "to": f"new{i}.nu",
            "evidence": [{"type": "redirect_chain", "chain": [{"url": "http://oldshop.se/", "status": 301}]}],
            "jurisdiction": {"from": {"cctld_country": "SE"}, "to": {"cctld_country": "NU"}}, "cases": ["c"],
            "summary": f"oldshop.se now redirects to new{i}.nu", "detected_at": "2026-11-23T12:00:00Z", "run_id": "r1"}


def store(db, alerts):
    db[ALERTS].insert_all([{"key": a["key"], "kind": a["kind"], "type": a["type"], "from_domain": a["from"],
                            "to_domain": a["to"], "evidence": dumps(a["evidence"]),
                            "jurisdiction": dumps(a["jurisdiction"]), "cases": dumps(a["cases"]),
                            "summary": a["summary"], "detected_at": a["detected_at"], "run_id": a["run_id"]}
                           for a in alerts], pk="key")
    return alerts


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "s.sqlite")


def cfg(**values):
    return load_config(values, env={}, toml_path=None)


class Receiver:
    """A webhook receiver: answers `plan` statuses in turn (then 200), can hang until released."""

    def __init__(self, plan=(), hang=False):
        self.plan, self.requests, self.release = list(plan), [], threading.Event()
        if not hang:
            self.release.set()
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                outer.release.wait(10)
                code = outer.plan.pop(0) if outer.plan else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def statuses(db):
    return sorted((r["sink"].split(":")[0], r["status"], r["attempts"]) for r in db[ALERT_DELIVERIES].rows)


@pytest.mark.parametrize("values, names", [
    ({}, []),
    ({"alert_jsonl": "a.jsonl"}, ["jsonl:a.jsonl"]),
    ({"webhook_url": "http://127.0.0.1:1/h"}, ["webhook:http://127.0.0.1:1/h"]),
    ({"smtp_host": "127.0.0.1"}, []),                       # no recipients: no mail sink
    ({"smtp_host": "127.0.0.1", "smtp_to": "a@x.se, b@x.se"}, ["smtp:127.0.0.1:25"]),
])
def test_configured_sinks(values, names):
    assert [s.name for s in configured_sinks(cfg(**values))] == names


def test_jsonl_appends_one_line_per_alert_once(db, tmp_path):
    path = tmp_path / "out" / "alerts.jsonl"
    c = cfg(alert_jsonl=str(path))
    alerts = store(db, [make_alert(1), make_alert(2)])
    assert deliver(db, c, alerts)["sent"] == 2
    assert deliver(db, c, alerts)["sent"] == 0     # already delivered: not written twice
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["key"] for x in lines] == ["k001", "k002"] and lines[0]["to"] == "new1.nu"


def test_webhook_signs_and_retries_after_a_failure(db):
    alerts = store(db, [make_alert()])
    with Receiver(plan=[500]) as rx:
        counts = deliver(db, cfg(webhook_url=rx.url, webhook_secret=SECRET), alerts, wait=20)
    assert counts == {"sent": 1, "pending": 0, "failed": 0}
    assert len(rx.requests) == 2                     # the 500, then the retry after back-off
    headers, body = rx.requests[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == expected == sign(body, SECRET)
    assert headers["Content-Type"] == "application/json" and headers["X-Merchintel-Alert-Key"] == "k001"
    assert json.loads(body)["kind"] == "domain_hop"
    assert statuses(db) == [("webhook", "sent", 2)]


def test_webhook_without_secret_has_no_signature(db):
    alerts = store(db, [make_alert()])
    with Receiver() as rx:
        deliver(db, cfg(webhook_url=rx.url), alerts, wait=10)
    assert SIGNATURE_HEADER not in rx.requests[0][0]


def test_a_hanging_webhook_never_blocks_and_loses_nothing(db, tmp_path):
    alerts = store(db, [make_alert()])
    with Receiver(hang=True) as rx:
        c = cfg(webhook_url=rx.url, alert_jsonl=str(tmp_path / "a.jsonl"))
        counts = deliver(db, c, alerts, wait=0.5)   # returns although the receiver never answers
        assert counts["sent"] == 1 and counts["pending"] == 1   # the JSONL line went out regardless
        rx.release.set()
    with Receiver() as rx2:
        c2 = cfg(webhook_url=rx2.url, alert_jsonl=str(tmp_path / "a.jsonl"))
        # Same sink name is required for the retry: point the old delivery row at the new receiver.
        db.execute(f"UPDATE [{ALERT_DELIVERIES}] SET sink = ? WHERE sink LIKE 'webhook:%'", [f"webhook:{rx2.url}"])
        db.conn.commit()
        assert deliver(db, c2, [], wait=10)["sent"] == 1
    assert len(rx2.requests) == 1
    # The hanging attempt is counted only if its timeout fired before the wait ended; the retry always is.
    st = {(sink, status): attempts for sink, status, attempts in statuses(db)}
    assert st[("jsonl", "sent")] == 1 and st[("webhook", "sent")] in (1, 2)


def test_a_dead_webhook_is_retried_then_given_up(db):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]          # closed again: connections are refused
    alerts = store(db, [make_alert()])
    c = cfg(webhook_url=f"http://127.0.0.1:{port}/h")
    import merchintel.sinks as sinks
    old = sinks.RETRY_DELAYS
    sinks.RETRY_DELAYS = (0.01, 0.01, 0.01)
    try:
        deliver(db, c, alerts, wait=5)
        assert statuses(db) == [("webhook", "pending", 4)]
        deliver(db, c, [], wait=5)
        assert statuses(db) == [("webhook", "failed", MAX_ATTEMPTS)]
        deliver(db, c, [], wait=5)                 # given up: no more attempts
        assert statuses(db) == [("webhook", "failed", MAX_ATTEMPTS)]
    finally:
        sinks.RETRY_DELAYS = old
    row = next(iter(db[ALERT_DELIVERIES].rows))
    assert "Connection refused" in row["last_error"] or "URLError" in row["last_error"]


def test_smtp_mails_each_alert(db):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    got = []

    class Keep(Message):
        def handle_message(self, message):
            got.append(message)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctl = Controller(Keep(), hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        alerts = store(db, [make_alert(1), make_alert(2)])
        c = cfg(smtp_host="127.0.0.1", smtp_port=port, smtp_from="mi@hotline.example",
                smtp_to="analyst@bank.example,duty@police.example")
        assert deliver(db, c, alerts, wait=20)["sent"] == 2
    finally:
        ctl.stop()
    assert len(got) == 2
    m = got[0]
    assert m["Subject"] == "[merchintel] domain_hop/redirect: oldshop.se -> new1.nu"
    assert m["From"] == "mi@hotline.example" and "duty@police.example" in m["To"]
    assert m["X-Merchintel-Alert-Key"] == "k001"
    body = m.get_payload()
    assert "oldshop.se now redirects to new1.nu" in body and '"cctld_country": "NU"' in body
