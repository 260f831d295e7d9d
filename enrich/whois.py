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
import urllib.request
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from crawler import clock
from crawler.domains import registered_domain
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
    r"|no object found|object does not exist|% no such domain|no matching record)"
    r"|^.*\bis free[ \t]*$|^.*\bis available for", re.I | re.M)   # no blank-run before ".*": no quadratic backtracking

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


def registry_suffix(name: str) -> str | None:
    """The second-level registry (``spb.ru``) a name is registered under, if the map knows one."""
    name = name.lower().rstrip(".")
    hits = [s for s in server_map().get("suffixes", {}) if name.endswith("." + s)]
    return max(hits, key=len) if hits else None


def registration_name(host: str) -> str:
    """The name a registry holds for ``host``: its registered domain, or the third-level name
    under a second-level registry (``iac.spb.ru``, not ``spb.ru``).

    >>> registration_name("www.iac.spb.ru"), registration_name("shop.example.co.uk"), registration_name("spb.ru")
    ('iac.spb.ru', 'example.co.uk', 'spb.ru')
    """
    host = host.lower().rstrip(".")
    suffix = registry_suffix(host)
    if suffix:
        return host[: -len(suffix) - 1].rsplit(".", 1)[-1] + "." + suffix
    return registered_domain(host) or host


def snapshot_server(name: str) -> tuple[str | None, str]:
    """(server, why) from the shipped map alone: no query.

    ``why``: ``suffix spb.ru``, ``snapshot``, ``none`` (IANA lists no port-43 server for
    the TLD) or ``unknown`` (a TLD newer than the snapshot: ask whois.iana.org).
    """
    m = server_map()
    suffix = registry_suffix(name)
    if suffix:
        return m["suffixes"][suffix], f"suffix {suffix}"
    tld = tld_of(name)
    if m.get("servers", {}).get(tld):
        return m["servers"][tld], "snapshot"
    if tld in m.get("no_whois", []):
        return None, "none"
    return None, "unknown"


def query_text(server: str, name: str) -> str:
    """The query line a server expects (``domain x.com`` for Verisign, ``-T dn,ace x.de`` for DENIC)."""
    fmt = server_map().get("query_formats", {}).get(server.lower(), "{q}")
    return fmt.format(q=name)


IANA_TLDS_URL = "https://data.iana.org/TLD/tlds-alpha-by-domain.txt"


def refresh_server_map(dest: Path | None = None, *, tlds: list[str] | None = None, client: "WhoisClient | None" = None,
                       progress=None, timeout: float = 30.0) -> dict[str, int]:
    """Rebuild the TLD -> WHOIS server snapshot from IANA (needs a network; never run by a crawl).

    The TLD list comes from ``IANA_TLDS_URL`` (or ``tlds``); each TLD is asked at
    whois.iana.org, whose ``whois:`` line names its server (none: RDAP only). The map's
    hand-kept parts (``manual``, ``suffixes``, ``thin``, ``query_formats``) are kept. If more
    than a tenth of the queries fail, nothing is written and ValueError says why.
    """
    dest = dest or DATA_DIR / "whois_servers.json"
    if tlds is None:
        req = urllib.request.Request(IANA_TLDS_URL, headers={"User-Agent": "merchintel-enrich/0.1"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (fixed https URL)
            body = resp.read(1_000_000).decode("ascii", "replace")
        tlds = [line.strip().lower() for line in body.splitlines() if line.strip() and not line.startswith("#")]
    if not tlds:
        raise ValueError("IANA's TLD list is empty")
    client = client or WhoisClient(timeout=timeout, limiter=RateLimiter(min_interval=0.5, backoff_base=5.0,
                                                                       backoff_max=120.0))
    old = json.loads(dest.read_text("utf-8")) if dest.exists() else {}
    iana = old.get("iana", "whois.iana.org")
    servers: dict[str, str] = {}
    none: list[str] = []
    failed: list[str] = []
    for i, tld in enumerate(tlds, 1):
        text, error, _ = client._ask(iana, tld)
        if not text:
            failed.append(tld)
            continue
        m = re.search(r"^[ \t]*whois:[ \t]*(\S+)", text, re.I | re.M)
        if m:
            servers[tld] = m.group(1).strip().lower()
        else:
            none.append(tld)
        if progress and i % 100 == 0:
            progress(f"whois-servers: {i}/{len(tlds)} TLDs asked")
    if len(failed) > len(tlds) / 10:
        raise ValueError(f"{len(failed)} of {len(tlds)} IANA queries failed (first: {', '.join(failed[:5])})")
    manual = {t: srv for t, srv in old.get("manual", {}).items() if t not in servers}
    day = clock.now().strftime("%Y-%m-%d")
    out = {"_source": f"TLD -> port-43 WHOIS server from IANA's root zone data: the TLD list at {IANA_TLDS_URL} and "
                      f"each TLD's 'whois:' line at {iana}, asked {day} by merchintel whois-servers --refresh. "
                      "'manual' keeps hand-added servers for TLDs IANA names none for; 'suffixes' are second-level "
                      "registries with their own server (not in the root zone).",
           "_date": day, "iana": iana, "servers": dict(sorted({**servers, **manual}.items())),
           "no_whois": sorted(t for t in none if t not in manual), "manual": manual,
           "suffixes": old.get("suffixes", {}), "thin": old.get("thin", []),
           "query_formats": old.get("query_formats", {})}
    dest.write_text(json.dumps(out, indent=1, ensure_ascii=False), "utf-8")
    server_map.cache_clear()
    return {"tlds": len(tlds), "servers": len(servers), "no_whois": len(none), "failed": len(failed)}


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
    # every query in order: {"server", "query", "role": iana|registry|registrar, "outcome"}
    chain: list[dict[str, str]] = field(default_factory=list)

    def answers(self) -> list[tuple[str, str, str]]:
        """(server, role, text) of the domain's answers (registry first, then registrar); IANA's left out."""
        roles = [c for c in self.chain if c["role"] != "iana" and c.get("outcome") != "error"]
        texts = [(srv, t) for srv, t in self.texts if srv not in {c["server"] for c in self.chain if c["role"] == "iana"}]
        return [(srv, c["role"], t) for (srv, t), c in zip(texts, roles)]


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
        """The registry's server: from the shipped map; whois.iana.org only for a TLD newer than it."""
        server, why = snapshot_server(domain)
        if server or why == "none":
            return server
        iana = server_map().get("iana", "whois.iana.org")
        tld = tld_of(domain)
        text, error, _ = self._ask(iana, tld)
        resp.servers.append(iana)
        resp.chain.append({"server": iana, "query": tld, "role": "iana", "outcome": "ok" if text else "error"})
        if text:
            resp.texts.append((iana, text))
            m = re.search(r"^[ \t]*(?:refer|whois):[ \t]*(\S+)", text, re.I | re.M)
            if m:
                return m.group(1).strip().lower()
        return None

    def lookup(self, domain: str) -> WhoisResponse:
        domain = domain.lower().rstrip(".")
        resp = WhoisResponse("error")
        server = self.server_for(domain, resp)
        if not server:
            why = snapshot_server(domain)[1]
            resp.error = (f"IANA lists no port-43 WHOIS server for .{tld_of(domain)} (RDAP only)" if why == "none"
                          else f"no WHOIS server known for .{tld_of(domain)} (IANA gave no referral)")
            return resp
        thin = tld_of(domain) in server_map().get("thin", []) and not registry_suffix(domain)
        for hop in range(MAX_REFERRALS + 1):
            query = query_text(server, domain)
            text, error, limited = self._ask(server, query)
            resp.servers.append(server)
            resp.chain.append({"server": server, "query": query, "role": "registrar" if hop else "registry",
                               "outcome": "error" if text is None else "rate_limited" if limited else "ok"})
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
            if NOT_FOUND.search(text[:3000]) and not re.search(r"Domain Name:[ \t]*\S", text[:MAX_PARSE_CHARS], re.I):
                resp.chain[-1]["outcome"] = "not_found"
                if hop == 0:
                    resp.status, resp.text = "not_found", text
                    return resp
                break          # the registrar does not know it: the registry's answer stands
            resp.text = text
            m = re.search(r"^[ \t]*Registrar WHOIS Server:[ \t]*(\S+)", text, re.I | re.M)
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
ROOT_SERVERS = re.compile(r"^[a-m]\.(?:gtld|root)-servers\.net$")   # the root's and Verisign's own servers
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

    rec["nameservers"] = [n for n in rec["nameservers"]
                          if not (ROOT_SERVERS.match(n) and not domain.lower().endswith(n.split(".", 1)[1]))]
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


REGISTRAR_SIDE = ("registrant_name", "registrant_org", "registrant_country", "registrant_email", "abuse_email",
                  "abuse_phone")
RECORD_FIELDS = ("registrar", "registrar_iana_id", "registrar_url", "created", "updated", "expires", "statuses",
                 "nameservers", *REGISTRAR_SIDE)


def merge_records(registry: dict[str, Any], registrar: dict[str, Any]) -> dict[str, Any]:
    """Thin registries: the registry's dates and statuses, the registrar's contacts on top."""
    return merge_answers([("registry", "registry", registry), ("registrar", "registrar", registrar)])[0]


def merge_answers(parts: list[tuple[str, str, dict[str, Any]]]) -> tuple[dict[str, Any], dict[str, str]]:
    """Merge parsed answers ``(server, role, record)`` in the order asked, keeping who said what.

    The registry's answer is authoritative for what it publishes (dates, statuses, name
    servers: its delegation); a registrar's answer adds the contacts (registrant, abuse)
    and fills what the registry left empty. Returns the record and ``{field: server}``.
    """
    out: dict[str, Any] = dict(parts[0][2])
    sources = {k: parts[0][0] for k in RECORD_FIELDS if out.get(k)}
    for server, role, rec in parts[1:]:
        for key in RECORD_FIELDS:
            value = rec.get(key)
            if not value:
                continue
            if (role == "registrar" and key in REGISTRAR_SIDE) or not out.get(key):
                out[key] = value
                sources[key] = server
    out["redacted"] = int(any(r.get("redacted") for _, _, r in parts))
    return out, sources
