"""The fake web's RDAP server: HTTP on 127.0.0.1, JSON from the web's ``rdap/`` folder.

- ``GET /domain/<name>``  -> ``rdap/domain/<name>.json``
- ``GET /ip/<address>``   -> ``rdap/ip/<address>.json``
- ``GET /autnum/<n>``     -> ``rdap/autnum/<n>.json``
- anything else           -> 404 with an RDAP error object
- ``rdap/_behaviours.json``: ``{"domain/<name>": {"status": 429, "times": 1, "retry_after": 0}}``
  answers that status the first ``times`` requests; ``{"body": "<text>"}`` sends that text
  (garbage) with status 200; ``{"delay": s}`` waits before answering; ``{"truncate": n}``
  cuts the JSON after n bytes.

``env``: ``MERCHINTEL_RDAP_URL=http://127.0.0.1:<port>/``; ``log``: one dict per request.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from fakeweb.data import EXTRA_SERVERS
from fakeweb.fixture import FixtureData

_PATH = re.compile(r"^/(domain|ip|autnum)/([A-Za-z0-9.:_-]+)$")
NOT_FOUND = {"errorCode": 404, "title": "Not Found", "description": ["The object does not exist."],
             "rdapConformance": ["rdap_level_0"]}


class _Handler(BaseHTTPRequestHandler):
    server_version = "fakeweb-rdap/1.0"

    def log_message(self, *args) -> None:  # quiet: the fixture logs to its list
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        owner: RDAPServer = self.server.owner  # type: ignore[attr-defined]
        status, headers, body, delay = owner.answer(self.path)
        owner.log.append({"server": "rdap", "path": self.path, "status": status, "ts": time.time()})
        if delay:
            owner.stopping.wait(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/rdap+json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass


class RDAPServer(FixtureData):
    name = "rdap"
    folder = "rdap"

    def __init__(self, web_dir: Path, log: list):
        super().__init__(web_dir, log)
        self.stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def env(self) -> dict[str, str]:
        return {"MERCHINTEL_RDAP_URL": f"http://127.0.0.1:{self.port}/"}

    def start(self) -> None:
        self.stopping.clear()
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.owner = self  # type: ignore[attr-defined]
        self._httpd, self.port = httpd, httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fakeweb-rdap", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=2)
        self._httpd, self._thread = None, None

    def paths(self) -> list[str]:
        return [e["path"] for e in list(self.log) if e.get("server") == "rdap"]

    def answer(self, path: str) -> tuple[int, dict, bytes, float]:
        m = _PATH.match(path.split("?", 1)[0])
        if not m:
            return 400, {}, json.dumps({"errorCode": 400, "title": "Bad Request"}).encode(), 0.0
        kind, key = m.group(1), m.group(2).lower()
        rel = f"{kind}/{key}"
        behaviour = self.behaviours.get(rel, {})
        n = self.hit(rel)
        delay = float(behaviour.get("delay", 0))
        if "status" in behaviour and n <= int(behaviour.get("times", 1 << 30)):
            headers = {}
            if "retry_after" in behaviour:
                headers["Retry-After"] = str(behaviour["retry_after"])
            body = json.dumps({"errorCode": behaviour["status"], "title": "fixture status"}).encode()
            return int(behaviour["status"]), headers, body, delay
        if "body" in behaviour:
            return 200, {}, str(behaviour["body"]).encode(), delay
        file = self.dir / kind / f"{key}.json"
        if ".." in key or not file.is_file():
            return 404, {}, json.dumps(NOT_FOUND).encode(), delay
        body = file.read_bytes()
        if "truncate" in behaviour:
            body = body[: int(behaviour["truncate"])]
        return 200, {}, body, delay


def factory(web_dir: Path, log: list) -> RDAPServer | None:
    if not (Path(web_dir) / "rdap").is_dir():
        return None
    return RDAPServer(web_dir, log)


if factory not in EXTRA_SERVERS:
    EXTRA_SERVERS.append(factory)
