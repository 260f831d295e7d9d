"""A fake web on loopback: many sites on 127.0.0.x behind one HTTP port, a DNS server that
answers for them, and room for extra fixture servers (WHOIS, RDAP).

Every test and ``make demo`` use it, so every crawl goes through the real resolver path
(dnspython pointed at ``web.dns_port``) and real sockets::

    from fakeweb import FakeWeb, SAMPLE_WEB
    with FakeWeb(SAMPLE_WEB) as web:
        web.url("shop-a.se", "/contact.html")   # "http://shop-a.se:<port>/contact.html"
        web.env                                 # MERCHINTEL_NAMESERVERS=127.0.0.1:<dns_port>, ...
        web.media_hits                          # media bodies served in full: tests expect 0

A web directory holds ``hosts.json`` (name -> 127.0.0.x), optional ``zone.json`` (extra DNS
records), ``sites/<host>/...`` (static files, ``{{port}}`` / ``{{url:HOST}}`` templated),
optional ``routes.json`` (redirects, lying content types, gzip bomb, ...). See docs/fakeweb.md.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import threading
from pathlib import Path
from typing import Any

# whois and rdap register their fixture servers in EXTRA_SERVERS when imported.
from fakeweb import rdap, whois  # noqa: F401
from fakeweb.data import EXTRA_SERVERS, WebData, _norm_name, render_template
from fakeweb.dns import DNSServer
from fakeweb.http import HTTPServers
from fakeweb.tls import TLSServers

SAMPLE_WEB = Path(__file__).resolve().parent / "webs" / "sample"
"""The packaged sample web: the one ``make demo``, the README and the e2e tests crawl."""


class FakeWeb:
    """HTTP + DNS (+ extra fixture servers) for a web directory; a context manager.

    ``start()``/``stop()`` are idempotent. Logs are plain lists appended under a lock.
    """

    def __init__(self, web_dir: Path | str = SAMPLE_WEB, *, extra_servers: bool = True):
        self.data = WebData(web_dir)
        self.http_log: list[dict] = []
        self.dns_log: list[tuple[str, str]] = []
        self.extra_log: list = []
        self._lock = threading.Lock()
        self._media_hits = 0
        self._media_requests = 0
        self._http = None
        self._tls: TLSServers | None = None
        self._dns = None
        self._extras: list[Any] = []
        self._use_extras = extra_servers
        self.started = False

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> "FakeWeb":
        if self.started:
            return self
        self._dns = DNSServer(self)
        self._http = HTTPServers(self)
        try:
            self._dns.start()
            self._http.start()
            if self._use_extras:
                for factory in list(EXTRA_SERVERS):
                    server = factory(self.data.dir, self.extra_log)
                    if server is not None:
                        server.start()
                        self._extras.append(server)
        except BaseException:
            self._stop_parts()
            raise
        self.started = True
        return self

    def stop(self) -> None:
        if not self.started:
            return
        self._stop_parts()
        self.started = False

    def _stop_parts(self) -> None:
        for server in reversed(self._extras):
            try:
                server.stop()
            except Exception:  # stopping must go on for the others
                pass
        self._extras = []
        if self._tls:
            self._tls.stop()
            self._tls = None
        if self._http:
            self._http.stop()
        if self._dns:
            self._dns.stop()

    def __enter__(self) -> "FakeWeb":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- addresses --------------------------------------------------------------------------
    @property
    def http_port(self) -> int:
        return self._http.port if self._http else 0

    @property
    def https_port(self) -> int:
        return self._tls.port if self._tls else 0

    def start_tls(self, certs: dict[str, tuple[bytes, bytes]]) -> "FakeWeb":
        """Serve the same sites over HTTPS too, on one more port, certificates by SNI
        (``{host: fakeweb.tls.self_signed([...])}``; see fakeweb/tls.py)."""
        if self._tls is None:
            self._tls = TLSServers(self, certs)
            self._tls.start()
        return self

    def https_url(self, host: str, path: str = "/") -> str:
        if not path.startswith("/"):
            path = "/" + path
        return f"https://{host}:{self.https_port}{path}"

    @property
    def dns_port(self) -> int:
        return self._dns.port if self._dns else 0

    @property
    def web_dir(self) -> Path:
        return self.data.dir

    @property
    def env(self) -> dict[str, str]:
        """MERCHINTEL_* settings pointing a crawl at this web (plus the extra servers' env)."""
        env = {"MERCHINTEL_NAMESERVERS": f"127.0.0.1:{self.dns_port}", "MERCHINTEL_ALLOW_PRIVATE": "1"}
        for server in self._extras:
            env.update({k: str(v) for k, v in (getattr(server, "env", None) or {}).items()})
        return env

    @property
    def extra_servers(self) -> list[Any]:
        return list(self._extras)

    def url(self, host: str, path: str = "/") -> str:
        """``web.url("shop-a.se", "/contact.html")`` -> ``http://shop-a.se:<port>/contact.html``."""
        if not path.startswith("/"):
            path = "/" + path
        return f"http://{host}:{self.http_port}{path}"

    def render(self, text: str) -> str:
        """Template a string the way served text files are (``{{port}}``, ``{{url:HOST}}``)."""
        return render_template(text, self.http_port)

    def render_reports(self, dest: Path | str | None = None, *, src: Path | str | None = None) -> Path:
        """Write the web's ``reports.csv`` with real URLs (port filled in) and return its path.

        The shipped file holds templates (``{{url:shop-a.se}}/``) because the port is only
        known once the web is serving; a crawl needs the rendered copy.
        """
        src = Path(src) if src else self.data.dir / "reports.csv"
        if dest is None:
            dest = Path(tempfile.mkdtemp(prefix="merchintel-fakeweb-")) / "reports.csv"
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(self.render(src.read_text("utf-8")), "utf-8")
        return dest

    def reports(self) -> list[dict[str, str]]:
        """The rendered reports.csv rows (url, report_id, reported_at, source, referrer)."""
        text = self.render((self.data.dir / "reports.csv").read_text("utf-8"))
        return list(csv.DictReader(io.StringIO(text)))

    def expected(self) -> dict:
        """The web's ``expected.json`` with templates rendered ({} when the web has none)."""
        path = self.data.dir / "expected.json"
        return json.loads(self.render(path.read_text("utf-8"))) if path.is_file() else {}

    def sites(self) -> list[str]:
        """Host names that have a ``sites/<host>`` directory."""
        if not self.data.sites_dir.is_dir():
            return []
        return sorted(p.name for p in self.data.sites_dir.iterdir() if p.is_dir())

    # -- epochs ------------------------------------------------------------------------------
    def switch(self, web_dir: Path | str) -> None:
        """Serve another web directory in place: same ports, new hosts/zone/sites/routes."""
        data = WebData(web_dir)
        if self._http:
            self._http.bind_ips(data.loopback_ips())
        self.data = data
        for server in self._extras:
            if hasattr(server, "switch"):
                server.switch(data.dir)

    # -- logs --------------------------------------------------------------------------------
    @property
    def media_hits(self) -> int:
        """Media bodies (media Content-Type or canary bytes) delivered in full."""
        return self._media_hits

    @property
    def media_requests(self) -> int:
        """Responses that would have carried a media body, finished or aborted by the client."""
        return self._media_requests

    def log_http(self, entry: dict) -> None:
        with self._lock:
            self.http_log.append(entry)
            if entry.get("media"):
                self._media_requests += 1
                if entry.get("complete"):
                    self._media_hits += 1

    def log_dns(self, qname: str, qtype: str) -> None:
        with self._lock:
            self.dns_log.append((qname, qtype))

    def reset_logs(self) -> None:
        with self._lock:
            self.http_log.clear()
            self.dns_log.clear()
            self._media_hits = 0
            self._media_requests = 0
            for server in self._extras:
                log = getattr(server, "log", None)
                if isinstance(log, list):
                    log.clear()

    def requests_to(self, host: str) -> list[dict]:
        """The http_log entries for one Host."""
        host = _norm_name(host)
        return [e for e in list(self.http_log) if e["host"] == host]


__all__ = ["CANARY_PREFIX", "EXTRA_SERVERS", "FakeWeb", "SAMPLE_WEB", "WebData", "render_template"]
