"""DNS lookups for enrichment: many queries at once, bounded, each with its own timeout.

Every query goes through dnspython's own resolver, ``crawler.dnsconfig.make_async_resolver(cfg)``
(so through ``MERCHINTEL_NAMESERVERS`` or the system's resolvers): each query from its own
UDP socket on a port the OS picks, a random id, replies matched by source address, id and
question, TCP on truncation.  ``query_many`` keeps at most ``concurrency`` of them in flight
with a fixed pool of workers; ``query_sync`` is the same with the synchronous resolver.  A
query ends in one of the statuses ``ok``, ``nodata`` (the name exists, no record of that type), ``nxdomain``,
``servfail``, ``refused``, ``timeout`` or ``error``; failures are results, not
exceptions, so a bad answer is stored as a fact and never stops a run.  Only timeouts are
retried (a SERVFAIL or NXDOMAIN asked again is the same answer, and costs a query).

>>> rdata_text("MX", "10 Mail.Shop-A.se.")
'10 mail.shop-a.se'
>>> txt_identifiers("v=spf1 include:_spf.google.com include:spf.protection.outlook.com ~all")
[('spf_include', '_spf.google.com'), ('spf_include', 'spf.protection.outlook.com')]
>>> txt_identifiers("google-site-verification=AbC_123-xyz")
[('txt_token', 'google-site-verification=AbC_123-xyz')]
>>> txt_identifiers("hello world")
[]
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import dns.asyncresolver
import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

# What every crawled name and registered domain is asked.
RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "CAA")
HOST_TYPES = ("A", "AAAA", "CNAME")  # hostnames that are not the registered domain itself

_STATUS_BY_EXC = (
    (dns.resolver.NXDOMAIN, "nxdomain"),
    (dns.resolver.YXDOMAIN, "error"),
    (dns.resolver.NoNameservers, "servfail"),
    (dns.exception.Timeout, "timeout"),
)


@dataclass
class DNSResult:
    """One query's outcome. ``answers`` are texts (see ``rdata_text``)."""

    qname: str
    qtype: str
    status: str
    answers: list[str] = field(default_factory=list)
    cname_chain: list[str] = field(default_factory=list)
    ttl: int | None = None
    error: str | None = None
    tries: int = 1

    def as_dict(self) -> dict[str, Any]:
        return {"qname": self.qname, "qtype": self.qtype, "status": self.status, "answers": self.answers,
                "cname_chain": self.cname_chain, "ttl": self.ttl, "error": self.error}


def norm_name(name: str) -> str:
    """Lower case, no trailing dot; IDNs as their A-label (``xn--``) form."""
    name = name.strip().rstrip(".").lower()
    try:
        return dns.name.from_text(name).to_text(omit_final_dot=True).lower() if name else name
    except (dns.exception.DNSException, UnicodeError):
        return name


def rdata_text(rtype: str, text: str) -> str:
    """Canonical text of one record: names lower-cased without the final dot."""
    rtype = rtype.upper()
    text = text.strip()
    if rtype in ("CNAME", "NS", "PTR"):
        return text.rstrip(".").lower()
    if rtype == "MX":
        pref, _, host = text.partition(" ")
        return f"{pref} {host.strip().rstrip('.').lower()}"
    if rtype == "SOA":
        parts = text.split()
        if len(parts) >= 2:
            parts[0], parts[1] = parts[0].rstrip(".").lower(), parts[1].rstrip(".").lower()
        return " ".join(parts)
    return text


def _rdata_to_text(rtype: str, rdata) -> str:
    if rtype == "TXT":
        # a TXT record is several <=255-byte strings meant to be read as one
        return b"".join(rdata.strings).decode("utf-8", "replace")
    return rdata_text(rtype, rdata.to_text())


def soa_email(soa_text: str) -> str | None:
    """The SOA RNAME as an e-mail: ``hostmaster.shop-a.se`` -> ``hostmaster@shop-a.se``.

    The first unescaped dot is the @ (``john\\.doe.example.se`` -> ``john.doe@example.se``).

    >>> soa_email("ns1.x.se hostmaster.shop-a.se 1 7200 3600 1209600 300")
    'hostmaster@shop-a.se'
    >>> soa_email("ns1.x.se . 1 2 3 4 5") is None
    True
    """
    parts = soa_text.split()
    if len(parts) < 2:
        return None
    rname = parts[1].rstrip(".")
    m = re.match(r"^((?:[^.\\]|\\.)+)\.(.+\..+)$", rname)
    if not m:
        return None
    local = m.group(1).replace("\\.", ".")
    return f"{local}@{m.group(2)}".lower()


_SPF_INCLUDE = re.compile(r"(?:^|\s)[+?~-]?(?:include|redirect)[:=]([A-Za-z0-9._%{}-]+)", re.I)
# Verification tokens: "<vendor>-site-verification=…", "<vendor>-domain-verification=…", MS=ms123…
_TOKEN = re.compile(
    r"^(?:[a-z0-9-]*(?:site|domain)[-_]verification[=:]\s*\S{6,}"
    r"|ms=ms\d{5,}|[a-z0-9-]+-verification[=:]\s*\S{6,}|(?:facebook|apple|atlassian|docusign|zoom)"
    r"[a-z-]*[=:]\S{6,})$", re.I)


def txt_identifiers(txt: str) -> list[tuple[str, str]]:
    """Linkable values in one TXT record: SPF include/redirect targets and verification tokens."""
    out: list[tuple[str, str]] = []
    t = txt.strip().strip('"')
    if t.lower().startswith("v=spf1"):
        for m in _SPF_INCLUDE.finditer(t):
            out.append(("spf_include", m.group(1).rstrip(".").lower()))
    elif _TOKEN.match(t):
        out.append(("txt_token", t))
    return out


def _negative_ttl(response) -> int | None:
    if response is None:
        return None
    for rrset in getattr(response, "authority", []):
        if rrset.rdtype == dns.rdatatype.SOA:
            return min(rrset.ttl, rrset[0].minimum)
    return None


def _classify(exc: BaseException) -> tuple[str, str]:
    for cls, status in _STATUS_BY_EXC:
        if isinstance(exc, cls):
            if status == "servfail" and "REFUSED" in str(exc):
                return "refused", _one_line(exc)
            return status, _one_line(exc)
    return "error", _one_line(exc)


def _one_line(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ").strip() or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"[:300]


def _from_answer(qname: str, qtype: str, answer) -> DNSResult:
    chain: list[str] = []
    for rrset in answer.response.answer:
        if rrset.rdtype == dns.rdatatype.CNAME and qtype != "CNAME":
            chain.extend(rdata_text("CNAME", r.to_text()) for r in rrset)
    if answer.rrset is None:
        return DNSResult(qname, qtype, "nodata", [], chain, _negative_ttl(answer.response))
    answers = sorted(dict.fromkeys(_rdata_to_text(qtype, r) for r in answer.rrset))
    return DNSResult(qname, qtype, "ok", answers, chain, answer.rrset.ttl)


def _failed(qname: str, qtype: str, exc: Exception) -> DNSResult:
    """The stored fact for a lookup that raised: NXDOMAIN (with its negative TTL) or a failure."""
    if isinstance(exc, dns.resolver.NXDOMAIN):
        responses = list((exc.kwargs or {}).get("responses", {}).values())
        return DNSResult(qname, qtype, "nxdomain", error="NXDOMAIN",
                         ttl=_negative_ttl(responses[0]) if responses else None)
    status, error = _classify(exc)
    return DNSResult(qname, qtype, status, error=error)


async def query(resolver: dns.asyncresolver.Resolver, qname: str, qtype: str, *, timeout: float,
                retries: int = 1) -> DNSResult:
    """One lookup, retried only after a timeout (``retries`` more times)."""
    qname = norm_name(qname)
    tries = 0
    while True:
        tries += 1
        try:
            answer = await resolver.resolve(qname, qtype, raise_on_no_answer=False, lifetime=timeout,
                                            search=False)
            result = _from_answer(qname, qtype, answer)
        except (dns.exception.DNSException, OSError, ValueError) as exc:
            result = _failed(qname, qtype, exc)
            if result.status == "timeout" and tries <= retries:
                continue
        result.tries = tries
        return result


def query_sync(resolver: dns.resolver.Resolver, qname: str, qtype: str, *, timeout: float,
               retries: int = 1) -> DNSResult:
    """The same as ``query`` with the synchronous resolver (``merchintel dns``, benchmarks)."""
    qname = norm_name(qname)
    tries = 0
    while True:
        tries += 1
        try:
            answer = resolver.resolve(qname, qtype, raise_on_no_answer=False, lifetime=timeout, search=False)
            result = _from_answer(qname, qtype, answer)
        except (dns.exception.DNSException, OSError, ValueError) as exc:
            result = _failed(qname, qtype, exc)
            if result.status == "timeout" and tries <= retries:
                continue
        result.tries = tries
        return result


async def query_many(resolver: dns.asyncresolver.Resolver, questions: Iterable[tuple[str, str]], *,
                     timeout: float, concurrency: int = 64, retries: int = 1,
                     on_result=None) -> list[DNSResult]:
    """Ask every (qname, qtype) with at most ``concurrency`` queries in flight.

    A fixed pool of workers pulls the next question (not one task per question: tens of
    thousands of parked tasks cost more scheduling than the queries themselves); each asks
    through ``resolver.resolve`` (see ``query``).
    """
    qs = list(questions)
    results: list[DNSResult | None] = [None] * len(qs)
    it = iter(range(len(qs)))

    async def worker() -> None:
        for i in it:  # the shared iterator hands each index to exactly one worker
            r = await query(resolver, qs[i][0], qs[i][1], timeout=timeout, retries=retries)
            results[i] = r
            if on_result is not None:
                on_result(r)

    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(qs))))))
    return results  # type: ignore[return-value]
