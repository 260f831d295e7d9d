"""Per-server pacing and back-off for WHOIS and RDAP: registries throttle and ban.

Each server (``whois.iis.se``, ``https://rdap.verisign.com/com/v1/``) gets a minimum
interval between queries; a throttling reply ("limit exceeded", HTTP 429) doubles the
server's back-off up to a ceiling, and a good reply resets it.  Thread-safe: the WHOIS and
RDAP clients run in a small thread pool.

>>> rl = RateLimiter(min_interval=0.0, backoff_base=0.01, backoff_max=0.04)
>>> [rl.penalize("whois.example") for _ in range(3)], rl.backoff("whois.example")
([0.01, 0.02, 0.04], 0.04)
>>> rl.reward("whois.example"); rl.backoff("whois.example")
0.0
"""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """``wait(server)`` before each query; ``penalize``/``reward`` after it."""

    def __init__(self, min_interval: float = 1.0, backoff_base: float = 2.0, backoff_max: float = 60.0,
                 per_server: dict[str, float] | None = None):
        self.min_interval = min_interval
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.per_server = dict(per_server or {})
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}
        self._strikes: dict[str, int] = {}
        self.waited = 0.0  # total seconds slept (reported in stats)

    def backoff(self, server: str) -> float:
        strikes = self._strikes.get(server, 0)
        if not strikes:
            return 0.0
        return min(self.backoff_max, self.backoff_base * (2 ** (strikes - 1)))

    def wait(self, server: str) -> None:
        """Sleep until this server may be asked again, then book the next slot."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(server, 0.0))
            interval = self.per_server.get(server, self.min_interval) + self.backoff(server)
            self._next[server] = start + interval
        delay = start - now
        if delay > 0:
            self.waited += delay
            time.sleep(delay)

    def penalize(self, server: str, retry_after: float | None = None) -> float:
        """The server throttled us: back off (Retry-After wins when it says longer)."""
        with self._lock:
            self._strikes[server] = self._strikes.get(server, 0) + 1
            pause = self.backoff(server)
            if retry_after is not None:
                pause = min(self.backoff_max, max(pause, retry_after))
            self._next[server] = max(self._next.get(server, 0.0), time.monotonic() + pause)
            return pause

    def reward(self, server: str) -> None:
        with self._lock:
            self._strikes.pop(server, None)
