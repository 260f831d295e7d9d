"""The one clock: the current UTC time, or the one ``MERCHINTEL_NOW`` names.

``MERCHINTEL_NOW`` (``2026-11-24T09:00:00Z``, or ``+25h`` / ``-2d`` from real time) replaces
the clock, so tests and replays never sleep through hours.  Every table stores times as
ISO-8601 UTC strings (``2026-11-23T12:00:00Z``).

>>> parse_duration("6h"), parse_duration("1d12h"), parse_duration("90s")
(21600, 129600, 90)
"""

from __future__ import annotations

import os
import re
import secrets
import time
from datetime import datetime, timedelta, timezone

from crawler.errors import ConfigError

ISO = "%Y-%m-%dT%H:%M:%SZ"


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)



_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}



def parse_duration(text: str | int | float) -> int:
    """Seconds in ``30m``, ``6h``, ``2d``, ``1d12h`` or a bare number of seconds."""
    if isinstance(text, (int, float)):
        return int(text)
    s = str(text).strip().lower()
    if s.isdigit():
        return int(s)
    pos, total = 0, 0.0
    for m in _DURATION.finditer(s):
        if s[pos:m.start()].strip():
            break
        total += float(m.group(1)) * _UNITS[m.group(2).lower()]
        pos = m.end()
    if pos == 0 or s[pos:].strip():
        raise ConfigError(f'"{text}" is not a duration; use a number with s, m, h, d or w, for example 6h.')
    return int(total)



def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime(ISO)



def parse_time(text: str) -> datetime:
    """An ISO-8601 time (``2026-11-23T12:00:00Z``, a date, or with an offset) as aware UTC."""
    s = str(text).strip()
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f'"{text}" is not a time; use ISO UTC such as 2026-11-23T12:00:00Z, or 24h for '
                          f'"24 hours ago".') from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)



def now(cfg=None, *, env: dict[str, str] | None = None) -> datetime:
    """The current UTC time, or the MERCHINTEL_NOW one (a fixed time, or +/- an offset)."""
    fake = cfg.get("now") if cfg is not None else None
    if not fake:
        fake = (env if env is not None else os.environ).get("MERCHINTEL_NOW")
    real = datetime.now(timezone.utc).replace(microsecond=0)
    if not fake:
        return real
    fake = str(fake).strip()
    if fake[0] in "+-":
        secs = parse_duration(fake[1:])
        return real + timedelta(seconds=secs if fake[0] == "+" else -secs)
    return parse_time(fake)



_LAST_SECOND: tuple[int, str] = (-1, "")


def now_iso(cfg=None) -> str:
    """``now`` as an ISO string; on the real clock formatted once per second (the store
    asks for it several times a page)."""
    global _LAST_SECOND
    if (cfg is None or not cfg.get("now")) and not os.environ.get("MERCHINTEL_NOW"):
        t = int(time.time())
        if t != _LAST_SECOND[0]:
            _LAST_SECOND = (t, time.strftime(ISO, time.gmtime(t)))
        return _LAST_SECOND[1]
    return iso(now(cfg))



def since_time(text: str, cfg=None) -> str:
    """``--since``: an ISO time, or a duration meaning that long ago (``24h``, ``7d``)."""
    s = str(text).strip()
    if _DURATION.match(s) and not s[:4].isdigit():
        return iso(now(cfg) - timedelta(seconds=parse_duration(s)))
    return iso(parse_time(s))


def new_run_id(cfg=None, at: datetime | None = None) -> str:
    """A run's id, the one format of every command: its start on this clock and six random
    hex digits, ``20261123T120000Z-3fa2c1``."""
    return (at or now(cfg)).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
