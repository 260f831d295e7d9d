"""Keyed pseudonyms for personal values (``export --pseudonymize KEY``).

A personal value (crawler/kinds.py ``personal=True``: phones, e-mails, messenger
handles, SOA and registrant e-mails) becomes ``hmac:`` + the first 32 hex characters of
HMAC-SHA256(KEY, "kind:value"); the node id becomes ``kind:hmac:…``.  The same key gives
the same pseudonym in every format and every run, so partners sharing the key can match
values without seeing them; without the key the value cannot be recovered or guessed
from a list of candidates.

>>> pseudonym("phone", "+46701234567", "k")[:5]
'hmac:'
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "hmac:"


def pseudonym(kind: str, value: str, key: str | bytes) -> str:
    """``hmac:<32 hex>`` for (kind, value) under key."""
    k = key.encode("utf-8") if isinstance(key, str) else key
    return PREFIX + hmac.new(k, f"{kind}:{value}".encode("utf-8"), hashlib.sha256).hexdigest()[:32]
