"""A fake web's data: the web directory read once (hosts, zone, routes, files), the
``{{port}}`` / ``{{url:HOST}}`` templates, the canary marker, and the registry of extra
fixture servers.  The servers (dns.py, http.py, whois.py, rdap.py) read it; ``FakeWeb``
(``fakeweb/__init__.py``) starts them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable


CANARY_PREFIX = b"MERCHINTEL-CANARY-"
"""Every media file of a fake web carries this + a per-file id right after its magic header."""


EXTRA_SERVERS: list[Callable[[Path, list], Any]] = []
"""Factories ``factory(web_dir, log) -> server | None`` started with every FakeWeb.

A server has ``.start()``, ``.stop()``, ``.env`` (dict merged into ``web.env``) and ``.log``;
optionally ``.switch(web_dir)``.  fakeweb/whois.py and fakeweb/rdap.py append theirs on import.
"""

_URL_TOKEN = re.compile(r"\{\{url:([^}\s]+)\}\}")
_PORT_TOKEN = "{{port}}"


def render_template(text: str, port: int) -> str:
    """Replace ``{{port}}`` and ``{{url:HOST[/path]}}`` (-> ``http://HOST:<port>[/path]``).

    >>> render_template("{{url:shop-a.se/contact.html}} {{port}}", 8080)
    'http://shop-a.se:8080/contact.html 8080'
    """
    def url(m: re.Match) -> str:
        host, slash, rest = m.group(1).partition("/")
        return f"http://{host}:{port}" + (slash + rest if slash else "")
    return _URL_TOKEN.sub(url, text.replace(_PORT_TOKEN, str(port)))


def _norm_name(name: str) -> str:
    return name.strip().rstrip(".").lower()


class WebData:
    """One epoch of a web directory, read once; swapped whole by ``FakeWeb.switch``."""

    def __init__(self, web_dir: Path | str):
        self.dir = Path(web_dir).resolve()
        if not (self.dir / "hosts.json").is_file():
            raise FileNotFoundError(f"{self.dir}/hosts.json is missing; a fake web directory needs one.")
        raw_hosts = json.loads((self.dir / "hosts.json").read_text("utf-8"))
        self.hosts: dict[str, list[str]] = {}
        for name, ips in raw_hosts.items():
            if name.startswith("_"):  # comments
                continue
            self.hosts[_norm_name(name)] = [ips] if isinstance(ips, str) else list(ips)
        zone_file = self.dir / "zone.json"
        raw_zone = json.loads(zone_file.read_text("utf-8")) if zone_file.is_file() else {}
        self.zone: dict[str, dict] = {_norm_name(k): v for k, v in raw_zone.items() if not k.startswith("_")}
        routes_file = self.dir / "routes.json"
        raw_routes = json.loads(routes_file.read_text("utf-8")) if routes_file.is_file() else {}
        self.routes: dict[str, dict] = {}
        self.route_globs: list[tuple[str, str, dict]] = []
        for key, behaviour in raw_routes.items():
            if key.startswith("_"):
                continue
            host, _, path = key.partition(" ")
            host, path = _norm_name(host), path.strip() or "/"
            if "*" in host or "*" in path:
                self.route_globs.append((host, path, behaviour))
            else:
                self.routes[f"{host} {path}"] = behaviour
        self.sites_dir = self.dir / "sites"

    def loopback_ips(self) -> set[str]:
        """The 127.x addresses hosts.json names: the HTTP server listens on each."""
        return {ip for ips in self.hosts.values() for ip in ips if ip.startswith("127.")}

    def site_root(self, host: str) -> Path | None:
        """``sites/<host>``; ``www.X`` falls back to ``sites/X`` like most real set-ups."""
        for name in (host, host[4:] if host.startswith("www.") else None):
            if name and "/" not in name and not name.startswith("."):
                root = self.sites_dir / name
                if root.is_dir():
                    return root
        return None
