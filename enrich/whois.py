"""WHOIS over port 43: our own small client for transport, our own reader for the text.

Transport (``WhoisClient``): one TCP connection per query, a timeout per read and per
query, a size cap, per-server pacing and back-off (``enrich.ratelimit``).  The server is
the TLD's from ``enrich/data/whois_servers.json``; a TLD missing there is asked at
whois.iana.org, whose ``refer:`` line names its server; thin registries (.com, .net, .cc,
.tv) answer with a ``Registrar WHOIS Server:`` line and the registrar's server is asked
next.  ``MERCHINTEL_WHOIS_SERVER=h:p`` sends every one of those queries to h:p (the query
text still says which server it was meant for: ``domain x.com`` is Verisign's syntax).

Parsing (``parse_whois``): ``enrich.whois_parse`` reads every layout of the corpus of real
answers in tests/whois_corpus (it replaced python-whois's parser after measurement: the
comparison is in docs/enrich.md); here its fields get the redaction flag and a status.

>>> r = parse_whois("shop-a.se", "domain: shop-a.se\\nholder: (hidden)\\ncreated: 2008-05-12\\n"
...                 "expires: 2027-05-12\\nnserver: ns1.loopia.se\\nstatus: ok\\nregistrar: Loopia AB\\n")
>>> r["registrar"], r["created"], r["nameservers"], r["redacted"]
('Loopia AB', '2008-05-12T00:00:00Z', ['ns1.loopia.se'], 1)
>>> parse_whois("x.com", "%% garbage \\x00\\x01 ???")["status"]
'error'
"""

from __future__ import annotations

import json
import re
import socket
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from enrich.ratelimit import RateLimiter
from enrich.whois_parse import MAX_PARSE_CHARS, fields, is_redaction

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_BYTES = 256_000          # WHOIS answers are a few kB; cap what a hostile server can push
MAX_REFERRALS = 2
RETRIES_ON_THROTTLE = 2


RATE_LIMIT = re.compile(
    r"limit exceeded|rate limit (?:has been |was )?exceeded|query rate limit|too many (?:requests|queries|connections)"
    r"|exceeded the (?:maximum|allowed)|try again (?:later|after)|quota exceeded|queries exceeded"
    r"|temporarily blocked|excessive querying|%ERROR:201", re.I)
# A throttling reply is short and carries no registration field (Nominet's footer mentions
# "query rate or volume limits" under every real answer).
_FIELDS = re.compile(r"^[ \t]*(?:domain(?: name)?|registrar|nserver|name servers?|status|state)\s*:", re.I | re.M)


def is_rate_limited(text: str) -> bool:
    """A throttling reply, not a record that happens to mention limits.

    >>> is_rate_limited("%% Your query rate limit has been exceeded.")
    True
    >>> is_rate_limited("Domain name:\\n  x.uk\\n(C) exceeding query rate or volume limits")
    False
    """
    return len(text) < 1500 and bool(RATE_LIMIT.search(text)) and not _FIELDS.search(text)


NOT_FOUND = re.compile(
    r"^[ \t]*(?:no match for|not found|no entries found|no data found|domain not found|domain \"[^\"]*\" not found|status:\s*free"
    r"|no object found|object does not exist|% no such domain|.*\bis free\s*$|.*\bis available for"
    r"|no matching record)", re.I | re.M)

PRIVACY_EMAIL_DOMAINS = ("withheldforprivacy.com", "protecteddomainservices.com", "domainsbyproxy.com",
                         "contactprivacy.com", "whoisguard.com", "privacyguardian.org", "privacyprotect.org",
                         "whoisprivacyprotect.com", "anonymize.com", "proxy.dreamhost.com", "identity-protect.org",
                         "redacted.invalid", "gname.com.privacy", "domainprivacygroup.com")


def is_privacy_email(email: str | None) -> bool:
    """A privacy/proxy service's forwarding address (not the registrant's own).

    >>> is_privacy_email("3a8d1f.protect@withheldforprivacy.com"), is_privacy_email("vp@protonmail.example")
    (True, False)
    """
    if not email:
        return False
    e = email.lower()
    return e.rsplit("@", 1)[-1] in PRIVACY_EMAIL_DOMAINS or "privacy" in e or "proxy" in e


@lru_cache(maxsize=None)
def server_map() -> dict[str, Any]:
    return json.loads((DATA_DIR / "whois_servers.json").read_text("utf-8"))


def tld_of(domain: str) -> str:
    return domain.lower().rstrip(".").rsplit(".", 1)[-1]


def query_text(server: str, name: str) -> str:
    """The query line a server expects (``domain x.com`` for Verisign, ``-T dn,ace x.de`` for DENIC)."""
    fmt = server_map().get("query_formats", {}).get(server.lower(), "{q}")
    return fmt.format(q=name)


# ---------------------------------------------------------------------------------------
# Transport
# ---------------------------------------------------------------------------------------
@dataclass
class WhoisResponse:
    status: str                      # ok, not_found, rate_limited, error
    text: str = ""                   # the last answer (the registrar's for thin registries)
    texts: list[tuple[str, str]] = field(default_factory=list)   # (server, text) in order asked
    servers: list[str] = field(default_factory=list)
    error: str | None = None


class WhoisClient:
    def __init__(self, *, override: tuple[str, int] | None = None, timeout: float = 10.0,
                 limiter: RateLimiter | None = None, log: list | None = None, max_bytes: int = MAX_BYTES,
                 resolve=None):
        self.override = override
        self.resolve = resolve  # host -> address through the configured resolver (None: the OS's)
        self.timeout = timeout
        self.limiter = limiter or RateLimiter(min_interval=1.0, backoff_base=5.0, backoff_max=120.0)
        self.log = log if log is not None else []
        self.max_bytes = max_bytes

    def raw(self, server: str, query: str) -> tuple[str | None, str | None]:
        """Send one query line, read to EOF. Returns (text, error)."""
        host, port = self.override or (server, 43)
        if not self.override and self.resolve is not None:
            try:
                host = self.resolve(server)
            except Exception as exc:  # noqa: BLE001 - dnspython raises many kinds; all mean "no address"
                return None, f"cannot resolve WHOIS server {server}: {exc.__class__.__name__}"
        self.limiter.wait(server)
        self.log.append((server, query))
        deadline = time.monotonic() + self.timeout * 2
        chunks: list[bytes] = []
        size = 0
        try:
            with socket.create_connection((host, port), timeout=self.timeout) as sock:
                sock.sendall(query.encode("idna" if query.isascii() is False else "ascii", "ignore") + b"\r\n")
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise socket.timeout("timed out")
                    sock.settimeout(min(self.timeout, left))
                    chunk = sock.recv(16384)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > self.max_bytes:
                        break
        except socket.timeout:
            if not chunks:
                return None, f"timeout: {server} sent nothing within {self.timeout:g} s"
            # a partial answer is still an answer; it is kept and parsed as far as it goes
        except OSError as exc:
            return None, f"connection to {server} ({host}:{port}) failed: {exc.strerror or exc}"
        body = b"".join(chunks)[: self.max_bytes]
        if not body.strip():
            return None, f"{server} closed the connection without an answer"
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = body.decode("latin-1")
        return text, None

    def _ask(self, server: str, query: str) -> tuple[str | None, str | None, bool]:
        """(text, error, rate_limited) with back-off retries on throttling replies."""
        for attempt in range(RETRIES_ON_THROTTLE + 1):
            text, error = self.raw(server, query)
            if text is not None and is_rate_limited(text):
                self.limiter.penalize(server)
                if attempt < RETRIES_ON_THROTTLE:
                    continue
                return text, f"{server} is rate limiting us: {text.strip().splitlines()[0][:120]}", True
            self.limiter.reward(server)
            return text, error, False
        return None, "unreachable", False  # pragma: no cover

    def server_for(self, domain: str, resp: WhoisResponse) -> str | None:
        tld = tld_of(domain)
        servers = server_map().get("servers", {})
        if tld in servers:
            return servers[tld]
        iana = server_map().get("iana", "whois.iana.org")
        text, error, _ = self._ask(iana, tld)
        resp.servers.append(iana)
        if text:
            resp.texts.append((iana, text))
            m = re.search(r"^\s*(?:refer|whois):\s*(\S+)", text, re.I | re.M)
            if m:
                return m.group(1).strip().lower()
        return None

    def lookup(self, domain: str) -> WhoisResponse:
        domain = domain.lower().rstrip(".")
        resp = WhoisResponse("error")
        server = self.server_for(domain, resp)
        if not server:
            resp.error = f"no WHOIS server known for .{tld_of(domain)} (IANA gave no referral)"
            return resp
        thin = tld_of(domain) in server_map().get("thin", [])
        for hop in range(MAX_REFERRALS + 1):
            text, error, limited = self._ask(server, query_text(server, domain))
            resp.servers.append(server)
            if text is None:
                if hop and resp.text:  # the registrar failed; the registry's answer stands
                    resp.error = f"registrar referral {server}: {error}"
                    break
                resp.status, resp.error = "error", error
                return resp
            resp.texts.append((server, text))
            if limited:
                if hop and resp.text:
                    resp.error = error
                    break
                resp.status, resp.error, resp.text = "rate_limited", error, text
                return resp
            resp.text = text
            if hop == 0 and NOT_FOUND.search(text[:3000]) and not re.search(r"Domain Name:\s*\S", text, re.I):
                resp.status = "not_found"
                return resp
            m = re.search(r"^\s*Registrar WHOIS Server:\s*(\S+)", text, re.I | re.M)
            referral = m.group(1).strip().lower() if m else ""
            referral = re.sub(r"^(?:whois|rwhois)://", "", referral).split("/")[0].split(":")[0]
            if not (thin and referral and referral != server.lower() and "." in referral):
                break
            server = referral
        resp.status = "ok"
        return resp


# ---------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
REGISTRANT_FIELDS = ("registrant_name", "registrant_org", "registrant_country", "registrant_email")
PRIVACY_ORG = re.compile(r"privacy|proxy|withheld|whoisguard|redacted|protected", re.I)


def parse_whois(domain: str, text: str) -> dict[str, Any]:
    """WHOIS text -> the registration fields stored in whois_records, plus ``status``.

    ``status`` is ``ok``, ``not_found`` or ``error`` (no registration field found: garbage).
    The fields come from ``enrich.whois_parse`` (chosen by measurement, docs/enrich.md);
    here redaction markers and privacy services become the ``redacted`` flag.
    """
    rec: dict[str, Any] = {"registrar": None, "registrar_iana_id": None, "registrar_url": None,
                           "created": None, "updated": None, "expires": None, "statuses": [],
                           "nameservers": [], "registrant_name": None, "registrant_org": None,
                           "registrant_country": None, "registrant_email": None, "abuse_email": None,
                           "abuse_phone": None, "redacted": 0, "status": "ok", "error": None}
    text = (text or "")[:MAX_PARSE_CHARS]   # hostile answers: nothing past the parser's cap is read
    if not text.strip():
        rec.update(status="error", error="empty WHOIS answer")
        return rec
    got = fields(domain, text)
    rec["redacted"] = int(bool(got.pop("_redacted_seen", False)))
    for key in rec:
        if key in got:
            rec[key] = got[key]

    for key in REGISTRANT_FIELDS:
        v = rec[key]
        if v is not None and (is_redaction(str(v)) or str(v).strip().lower() in ("(hidden)", "hidden", "-")):
            rec[key] = None
            rec["redacted"] = 1
    if rec["registrant_email"]:
        email = str(rec["registrant_email"]).lower()
        if not _EMAIL.fullmatch(email):
            rec["registrant_email"] = None
        elif is_privacy_email(email):
            rec["redacted"] = 1
    if rec["registrant_org"] and PRIVACY_ORG.search(str(rec["registrant_org"])):
        rec["registrant_org"] = None   # a privacy service is not the registrant: no observation from it
        rec["redacted"] = 1
    if rec["registrant_country"]:
        c = str(rec["registrant_country"]).strip()
        rec["registrant_country"] = c.upper() if len(c) == 2 else c
    if rec["registrar_iana_id"] is not None:
        rec["registrar_iana_id"] = str(rec["registrar_iana_id"]).strip() or None
    for key in ("registrar", "registrar_url", "registrant_org", "registrant_name", "abuse_phone"):
        if rec[key] is not None:
            rec[key] = str(rec[key]).strip()[:300] or None

    found = any(rec[k] for k in ("registrar", "created", "expires", "updated", "nameservers", "statuses"))
    if not found:
        if NOT_FOUND.search(text[:3000]):
            rec.update(status="not_found", error="the registry says the domain is not registered")
        else:
            rec.update(status="error", error="no registration field in the WHOIS answer (garbage or truncated)")
    elif NOT_FOUND.search(text[:3000]) and not rec["registrar"] and not rec["nameservers"] and not rec["created"]:
        rec.update(status="not_found", error="the registry says the domain is not registered")
    return rec


def merge_records(registry: dict[str, Any], registrar: dict[str, Any]) -> dict[str, Any]:
    """Thin registries: the registry's dates and statuses, the registrar's contacts on top."""
    out = dict(registry)
    for key, value in registrar.items():
        if key in ("status", "error"):
            continue
        if key in ("registrant_name", "registrant_org", "registrant_country", "registrant_email", "abuse_email",
                   "abuse_phone") and value:
            out[key] = value
        elif not out.get(key) and value:
            out[key] = value
    out["redacted"] = int(bool(registry.get("redacted") or registrar.get("redacted")))
    return out
