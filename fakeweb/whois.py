"""The fake web's WHOIS server: port-43 protocol (one query line, answer, close) on 127.0.0.1.

Answers come from the web's ``whois/`` folder:

- ``whois/<name>.txt``            plain query ``<name>`` (a thick registry or a registrar)
- ``whois/registry/<name>.txt``   Verisign-style ``domain <name>`` (thin registry; falls back
                                  to ``whois/<name>.txt``)
- ``whois/iana/<tld>.txt``        a TLD query (what whois.iana.org answers, with ``refer:``)
- ``whois/_behaviours.json``      ``{"<name>": {"rate_limit_first": 1}}`` answer the first N
                                  queries with a throttling text; ``{"delay": s}`` hold the
                                  connection silent that long; ``{"truncate": n}`` send the
                                  first n bytes and close; ``{"drop": true}`` close at once.
                                  Keys ``domain <name>`` apply to registry-syntax queries only.

Query decorations real servers expect are stripped before the lookup: ``domain x.com``
(Verisign), ``-T dn,ace x.de`` (DENIC), ``x.jp/e`` (JPRS).  A name without a file gets
``No match for "NAME".``  ``{{port}}`` is not templated (WHOIS text has no URLs to fix).
``env``: ``MERCHINTEL_WHOIS_SERVER=127.0.0.1:<port>``; ``log``: one dict per query.
"""

from __future__ import annotations

import re
import select
import socket
import threading
import time
from pathlib import Path

from fakeweb.data import EXTRA_SERVERS
from fakeweb.fixture import FixtureData

RATE_LIMIT_TEXT = ("%% Your query rate limit has been exceeded.\r\n"
                   "%% Too many queries from your IP; try again later.\r\n")


def _clean(query: str) -> tuple[str, bool]:
    """(name, registry_syntax) from a query line."""
    q = query.strip()
    registry = False
    if q.lower().startswith("domain "):
        q, registry = q[7:].strip(), True
    elif q.startswith("="):
        q, registry = q[1:].strip(), True
    q = re.sub(r"^(?:-\S+\s+(?:\S+\s+)?)+", "", q) if q.startswith("-") else q  # -T dn,ace name
    if q.endswith("/e"):
        q = q[:-2]
    return q.lower().rstrip("."), registry


class WhoisServer(FixtureData):
    name = "whois"
    folder = "whois"

    def __init__(self, web_dir: Path, log: list):
        super().__init__(web_dir, log)
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def env(self) -> dict[str, str]:
        return {"MERCHINTEL_WHOIS_SERVER": f"127.0.0.1:{self.port}"}

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self._sock, self.port = sock, sock.getsockname()[1]
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="fakeweb-whois", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        if self._sock:
            self._sock.close()
        self._sock, self._thread = None, None

    def queries(self) -> list[str]:
        return [e["query"] for e in list(self.log) if e.get("server") == "whois"]

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._sock], [], [], 0.05)
            if not ready:
                continue
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def answer(self, query: str) -> tuple[bytes, dict]:
        """The bytes to send for one query line, and the behaviour applied."""
        name, registry = _clean(query)
        # "domain NAME" keys apply to registry-syntax queries only, "NAME" keys to plain ones
        behaviour = dict(self.behaviours.get(f"domain {name}" if registry else name, {}))
        n = self.hit(name)
        if n <= int(behaviour.get("rate_limit_first", 0)):
            return RATE_LIMIT_TEXT.encode(), {"rate_limited": True}
        candidates = []
        if "." not in name:
            candidates.append(self.dir / "iana" / f"{name}.txt")
        if registry:
            candidates.append(self.dir / "registry" / f"{name}.txt")
        candidates.append(self.dir / f"{name}.txt")
        for path in candidates:
            if "/" not in name and path.is_file():
                body = path.read_bytes()
                break
        else:
            body = f'No match for "{name.upper()}".\r\n>>> Last update of whois database: 2026-11-23T12:00:00Z <<<\r\n'.encode()
        if "truncate" in behaviour:
            body = body[: int(behaviour["truncate"])]
        return body, behaviour

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            with conn:
                buf = b""
                while b"\n" not in buf and len(buf) < 1024:
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    buf += chunk
                query = buf.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
                body, behaviour = self.answer(query)
                self.log.append({"server": "whois", "query": query, "ts": time.time(),
                                 "behaviour": sorted(behaviour)})
                if behaviour.get("drop"):
                    return
                delay = float(behaviour.get("delay", 0))
                if delay:
                    self._stop.wait(delay)  # silent: the client's timeout must fire
                    return
                conn.sendall(body)
        except OSError:
            return


def factory(web_dir: Path, log: list) -> WhoisServer | None:
    if not (Path(web_dir) / "whois").is_dir():
        return None
    return WhoisServer(web_dir, log)


if factory not in EXTRA_SERVERS:
    EXTRA_SERVERS.append(factory)
