"""What the fake web's WHOIS and RDAP servers share: a data folder inside the web
(``whois/``, ``rdap/``), its ``_behaviours.json`` (throttling, garbage, delays…), a
per-key hit counter for "the Nth query gets…" behaviours, and ``switch`` to another epoch.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path


class FixtureData:
    folder = ""  # the web's sub-folder this server answers from

    def __init__(self, web_dir: Path, log: list):
        self.dir = Path(web_dir) / self.folder
        self.log = log
        self.port = 0
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._load()

    def _load(self) -> None:
        b = self.dir / "_behaviours.json"
        raw = json.loads(b.read_text("utf-8")) if b.is_file() else {}
        self.behaviours = {k.lower(): v for k, v in raw.items() if not k.startswith("_")}

    def hit(self, key: str) -> int:
        """How many times ``key`` was asked, this one included."""
        with self._lock:
            n = self._counts[key] = self._counts.get(key, 0) + 1
        return n

    def switch(self, web_dir: Path) -> None:
        """Answer from another web (the next epoch) on the same port; counters restart."""
        self.dir = Path(web_dir) / self.folder
        with self._lock:
            self._counts.clear()
        self._load()
