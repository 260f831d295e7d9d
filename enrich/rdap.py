"""RDAP (RFC 9082/9083) client: domains, IP networks and autonomous systems.

Which server answers comes from the IANA bootstrap files shipped in ``enrich/data``
(``rdap_dns.json``, ``rdap_ipv4.json``, ``rdap_ipv6.json``, ``rdap_asn.json``); nothing
is fetched at run time.  ``merchintel rdap-bootstrap --refresh`` (``refresh_bootstrap``)
replaces them from https://data.iana.org/rdap/ when a network is there.
``MERCHINTEL_RDAP_URL=http://h:p/`` sends every query to that base instead
(``<base>domain/<name>``, ``<base>ip/<ip>``, ``<base>autnum/<n>``).

>>> base_for_domain("shop-a.com")
'https://rdap.verisign.com/com/v1/'
>>> base_for_domain("shop-a.se") is None       # no RDAP in the snapshot: WHOIS it is
True
>>> base_for_ip("193.0.6.139")
'https://rdap.db.ripe.net/'
>>> base_for_asn(3333)
'https://rdap.db.ripe.net/'
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from enrich.ratelimit import RateLimiter

DATA_DIR = Path(__file__).resolve().parent / "data"
BOOTSTRAP_URL = "https://data.iana.org/rdap/{name}.json"
BOOTSTRAP_FILES = ("dns", "ipv4", "ipv6", "asn")
MAX_BYTES = 1_000_000  # an RDAP answer is a few kB; a megabyte is something else
USER_AGENT = "merchintel-enrich/0.1 (+RDAP client)"
RETRIES_ON_THROTTLE = 2


@lru_cache(maxsize=None)
def _bootstrap(name: str) -> list[tuple[list[str], list[str]]]:
    data = json.loads((DATA_DIR / f"rdap_{name}.json").read_text("utf-8"))
    return [(list(keys), list(urls)) for keys, urls in data.get("services", [])]


def _https_first(urls: list[str]) -> str | None:
    for url in sorted(urls, key=lambda u: not u.startswith("https:")):
        return url if url.endswith("/") else url + "/"
    return None


def base_for_domain(domain: str) -> str | None:
    """RDAP base URL of a domain's TLD from the shipped bootstrap, or None."""
    labels = domain.lower().rstrip(".").split(".")
    best: tuple[int, str] | None = None
    for keys, urls in _bootstrap("dns"):
        for key in keys:
            k = key.lower().split(".")
            if labels[-len(k):] == k and (best is None or len(k) > best[0]):
                best = (len(k), _https_first(urls))
    return best[1] if best else None


def base_for_ip(ip: str) -> str | None:
    addr = ipaddress.ip_address(ip)
    if not addr.is_global:  # private, loopback, documentation ranges: no registry holds them
        return None
    best: tuple[int, str] | None = None
    for keys, urls in _bootstrap("ipv4" if addr.version == 4 else "ipv6"):
        for key in keys:
            net = ipaddress.ip_network(key, strict=False)
            if addr in net and (best is None or net.prefixlen > best[0]):
                best = (net.prefixlen, _https_first(urls))
    return best[1] if best else None


def base_for_asn(asn: int) -> str | None:
    for keys, urls in _bootstrap("asn"):
        for key in keys:
            lo, _, hi = key.partition("-")
            if int(lo) <= asn <= int(hi or lo):
                return _https_first(urls)
    return None


def refresh_bootstrap(dest: Path = DATA_DIR, timeout: float = 30.0) -> dict[str, int]:
    """Download the four IANA bootstrap files into ``dest`` (needs a network; never run by a crawl).

    Returns how many services each file holds. A file that fails to download or parse leaves
    the shipped one in place.
    """
    counts = {}
    for name in BOOTSTRAP_FILES:
        req = urllib.request.Request(BOOTSTRAP_URL.format(name=name), headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (fixed https URL)
            data = json.loads(resp.read(10_000_000))
        if not isinstance(data.get("services"), list):
            raise ValueError(f"{name}.json from IANA has no services list")
        (dest / f"rdap_{name}.json").write_text(json.dumps(data, indent=1), "utf-8")
        counts[name] = len(data["services"])
    _bootstrap.cache_clear()
    return counts


# ---------------------------------------------------------------------------------------
# Transport
# ---------------------------------------------------------------------------------------
@dataclass
class RDAPResponse:
    status: str                       # ok, not_found, rate_limited, error
    url: str
    server: str
    data: dict[str, Any] | None = None
    raw: str | None = None
    error: str | None = None
    attempts: int = 1


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _resolving_opener(resolve, context=None) -> urllib.request.OpenerDirector:
    """An opener whose connections look host names up with ``resolve(host) -> address``
    (the configured nameservers) instead of the system's resolver; TLS still checks the name."""

    def address(host: str) -> str:
        try:
            ipaddress.ip_address(host.strip("[]"))
            return host.strip("[]")
        except ValueError:
            pass
        try:
            return resolve(host)
        except Exception as exc:  # noqa: BLE001 - dnspython raises many kinds; all mean "no address"
            raise OSError(f"cannot resolve {host} through the configured nameservers: "
                          f"{exc.__class__.__name__}") from exc

    class _HTTP(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.create_connection((address(self.host), self.port), self.timeout)

    class _HTTPS(http.client.HTTPSConnection):
        def connect(self):
            sock = socket.create_connection((address(self.host), self.port), self.timeout)
            self.sock = self._context.wrap_socket(sock, server_hostname=self.host)

    class _HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(_HTTP, req)

    class _HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(_HTTPS, req, context=self._context)

    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _HTTPHandler(),
                                       _HTTPSHandler(context=context))


class RDAPClient:
    """GET ``<base><path>`` as ``application/rdap+json`` with a timeout, a size cap and pacing."""

    def __init__(self, *, base_override: str | None = None, timeout: float = 10.0,
                 limiter: RateLimiter | None = None, log: list | None = None, resolve=None):
        """``resolve(host) -> address``: look registry hosts up through the configured
        nameservers (None: the system's resolver)."""
        self.opener = _resolving_opener(resolve) if resolve is not None else _OPENER
        if base_override and not base_override.endswith("/"):
            base_override += "/"
        self.base_override = base_override
        self.timeout = timeout
        self.limiter = limiter or RateLimiter(min_interval=0.5, backoff_base=2.0, backoff_max=60.0)
        self.log = log if log is not None else []   # every URL asked (tests count them)

    def base(self, kind: str, key: str | int) -> str | None:
        if self.base_override:
            return self.base_override
        if kind == "domain":
            return base_for_domain(str(key))
        if kind == "ip":
            return base_for_ip(str(key))
        return base_for_asn(int(key))

    def get(self, kind: str, key: str | int) -> RDAPResponse | None:
        """None when no RDAP server is known for it (then WHOIS is asked)."""
        base = self.base(kind, key)
        if not base:
            return None
        url = f"{base}{kind}/{key}"
        attempts = 0
        while True:
            attempts += 1
            self.limiter.wait(base)
            self.log.append(url)
            resp = self._fetch(url, base)
            resp.attempts = attempts
            if resp.status == "rate_limited" and attempts <= RETRIES_ON_THROTTLE:
                self.limiter.penalize(base, getattr(resp, "_retry_after", None))
                continue
            if resp.status == "rate_limited":
                self.limiter.penalize(base)
            else:
                self.limiter.reward(base)
            return resp

    def _fetch(self, url: str, base: str) -> RDAPResponse:
        req = urllib.request.Request(url, headers={"Accept": "application/rdap+json, application/json",
                                                   "User-Agent": USER_AGENT})
        try:
            with self.opener.open(req, timeout=self.timeout) as r:  # noqa: S310 (registry URL from bootstrap)
                body = r.read(MAX_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return RDAPResponse("not_found", url, base, error="HTTP 404: not found at this RDAP server")
            if exc.code == 429:
                resp = RDAPResponse("rate_limited", url, base, error="HTTP 429: rate limited by the RDAP server")
                retry = exc.headers.get("Retry-After") if exc.headers else None
                resp._retry_after = float(retry) if retry and retry.strip().isdigit() else None  # type: ignore[attr-defined]
                return resp
            return RDAPResponse("error", url, base, error=f"HTTP {exc.code} from the RDAP server")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            kind = "timeout" if "timed out" in str(reason) else "connection"
            return RDAPResponse("error", url, base, error=f"{kind}: {str(reason)[:200]}")
        if len(body) > MAX_BYTES:
            return RDAPResponse("error", url, base, error=f"answer larger than {MAX_BYTES} bytes; not read")
        raw = body.decode("utf-8", "replace")
        try:
            data = json.loads(raw)
        except ValueError:
            return RDAPResponse("error", url, base, raw=raw[:5000], error="answer is not JSON (garbage or truncated)")
        if not isinstance(data, dict):
            return RDAPResponse("error", url, base, raw=raw[:5000], error="answer is JSON but not an RDAP object")
        if data.get("errorCode") == 404:
            return RDAPResponse("not_found", url, base, raw=raw, error="RDAP error 404: not found")
        return RDAPResponse("ok", url, base, data=data, raw=raw)


# ---------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------
_REDACTED = re.compile(r"redact|privacy|withheld|not disclosed|data protected|gdpr|statutory masking"
                       r"|contact privacy|whoisguard|domains by proxy|please query the rdds", re.I)


def is_redacted(value: str | None) -> bool:
    return bool(value) and bool(_REDACTED.search(value))


def iso_date(value: Any) -> str | None:
    """ISO-8601 UTC (``2019-03-01T12:00:00Z``) from RDAP strings or datetimes; None if unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, list):
        value = value[0] if value else None
        return iso_date(value)
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                import dateutil.parser  # optional extra: not a declared dependency (ImportError below)
                dt = dateutil.parser.parse(text)
            except (ValueError, OverflowError, ImportError):
                return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class VCard:
    fn: str | None = None
    org: str | None = None
    email: str | None = None
    tel: str | None = None
    country: str | None = None
    kind: str | None = None
    redacted: bool = False
    extra: dict = field(default_factory=dict)


def parse_vcard(vcard_array: Any) -> VCard:
    """jCard (RFC 7095) ``["vcard", [[name, params, type, value], …]]`` -> the fields we use."""
    card = VCard()
    if not (isinstance(vcard_array, list) and len(vcard_array) == 2 and isinstance(vcard_array[1], list)):
        return card
    for prop in vcard_array[1]:
        if not (isinstance(prop, list) and len(prop) >= 4):
            continue
        name, params, value = str(prop[0]).lower(), prop[1] if isinstance(prop[1], dict) else {}, prop[3]
        if name == "adr":
            cc = params.get("cc")
            if not cc and isinstance(value, list) and value and isinstance(value[-1], str):
                cc = value[-1] if len(value[-1].strip()) == 2 else None
            if cc and not is_redacted(cc):
                card.country = str(cc).strip().upper()
            continue
        if isinstance(value, list):
            value = " ".join(str(v) for v in value if v)
        value = str(value).strip() if value is not None else ""
        if value.lower().startswith("mailto:"):
            value = value[7:]
        if name == "tel" and value.lower().startswith("tel:"):
            value = value[4:]
        if not value:
            continue
        if is_redacted(value):
            card.redacted = True
            continue
        if name in ("fn", "org", "email", "tel", "kind") and getattr(card, name) is None:
            setattr(card, name, value)
    return card


def _entities(obj: dict, depth: int = 0):
    """Every entity, nested ones included (ARIN puts abuse under the org entity)."""
    if depth > 4:
        return
    for ent in obj.get("entities") or []:
        if isinstance(ent, dict):
            yield ent
            yield from _entities(ent, depth + 1)


def _roles(ent: dict) -> set[str]:
    return {str(r).lower() for r in ent.get("roles") or []}


def _abuse(obj: dict) -> tuple[str | None, str | None]:
    for ent in _entities(obj):
        if "abuse" in _roles(ent):
            card = parse_vcard(ent.get("vcardArray"))
            if card.email or card.tel:
                return card.email, card.tel
    return None, None


def parse_domain(data: dict) -> dict[str, Any]:
    """An RDAP domain object -> the registration fields stored in whois_records."""
    rec: dict[str, Any] = {"registrar": None, "registrar_iana_id": None, "registrar_url": None,
                           "created": None, "updated": None, "expires": None, "statuses": [],
                           "nameservers": [], "registrant_name": None, "registrant_org": None,
                           "registrant_country": None, "registrant_email": None, "abuse_email": None,
                           "abuse_phone": None, "redacted": 0}
    for ev in data.get("events") or []:
        action = str(ev.get("eventAction", "")).lower() if isinstance(ev, dict) else ""
        key = {"registration": "created", "last changed": "updated", "expiration": "expires"}.get(action)
        if key and not rec[key]:
            rec[key] = iso_date(ev.get("eventDate"))
    rec["statuses"] = [str(s) for s in data.get("status") or [] if isinstance(s, str)]
    rec["nameservers"] = sorted({str(ns.get("ldhName", "")).lower().rstrip(".")
                                 for ns in data.get("nameservers") or []
                                 if isinstance(ns, dict) and ns.get("ldhName")})
    for ent in data.get("entities") or []:
        if not isinstance(ent, dict):
            continue
        roles = _roles(ent)
        card = parse_vcard(ent.get("vcardArray"))
        if "registrar" in roles:
            rec["registrar"] = card.fn or card.org or ent.get("handle")
            for pid in ent.get("publicIds") or []:
                if isinstance(pid, dict) and "iana" in str(pid.get("type", "")).lower():
                    rec["registrar_iana_id"] = str(pid.get("identifier", "")).strip() or None
            for link in ent.get("links") or []:
                if isinstance(link, dict) and link.get("rel") == "about" and link.get("href"):
                    rec["registrar_url"] = link["href"]
            email, tel = _abuse(ent)
            rec["abuse_email"], rec["abuse_phone"] = email, tel
        if "registrant" in roles:
            rec["registrant_name"] = card.fn if card.fn and card.fn != card.org else None
            rec["registrant_org"] = card.org or (card.fn if card.kind == "org" else None)
            rec["registrant_country"] = card.country
            rec["registrant_email"] = card.email
            if card.redacted:
                rec["redacted"] = 1
    if not rec["abuse_email"]:
        rec["abuse_email"], rec["abuse_phone"] = _abuse(data)
    if data.get("redacted"):  # RFC 9537
        rec["redacted"] = 1
    return rec


def parse_ip_network(data: dict) -> dict[str, Any]:
    """An RDAP ip network object -> name, range, country, holder, abuse e-mail."""
    org = None
    for ent in _entities(data):
        roles = _roles(ent)
        if "registrant" in roles or "administrative" in roles and org is None:
            card = parse_vcard(ent.get("vcardArray"))
            org = org or card.org or card.fn
    email, _tel = _abuse(data)
    return {"handle": data.get("handle"), "name": data.get("name"), "start_address": data.get("startAddress"),
            "end_address": data.get("endAddress"),
            "country": (str(data["country"]).upper()[:2] if data.get("country") else None),
            "org": org, "abuse_email": email}


def parse_autnum(data: dict) -> dict[str, Any]:
    email, _tel = _abuse(data)
    return {"rdap_name": data.get("name"), "abuse_email": email,
            "country": (str(data["country"]).upper()[:2] if data.get("country") else None)}
