"""DNS lookups for enrichment: many queries at once, bounded, each with its own timeout.

Every query goes through ``crawler.dnsconfig.make_async_resolver(cfg)`` (so through
``MERCHINTEL_NAMESERVERS`` or the system's resolvers).  ``query_many`` sends them over a
small pool of UDP sockets per nameserver, each query from a randomly chosen one (``Stub``:
replies matched by socket, id, source address and question, TCP on truncation);
``query``/``query_sync`` ask through the resolver itself, one socket per query.  A query ends in one of the
statuses ``ok``, ``nodata`` (the name exists, no record of that type), ``nxdomain``,
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
import ipaddress
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

import dns.asyncquery
import dns.asyncresolver
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver

# What every crawled name and registered domain is asked.
RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "CAA")
HOST_TYPES = ("A", "AAAA", "CNAME")  # hostnames that are not the registered domain itself

# Unpredictable source ports and ids (a forged reply must guess both): each nameserver gets
# POOL_SIZE sockets on ports the OS picks; a socket is replaced after ROTATE_AFTER queries.
POOL_SIZE = 16
ROTATE_AFTER = 256
_rng = random.SystemRandom()  # ids and socket choice from os.urandom, not the Mersenne Twister

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


class _Channel(asyncio.DatagramProtocol):
    """One UDP socket of a nameserver's pool, shared by the queries in flight on it.

    A reply is handed to the query waiting with its id, and only if it comes from the
    server and answers that query's question (``Message.is_response``); anything else (a
    late reply to a query that timed out, garbage) is dropped, as dnspython's
    ``ignore_unexpected``/``ignore_errors`` do. The socket is not connected, like
    dnspython's: an ICMP "port unreachable" is not seen, a dead server times out.
    """

    def __init__(self, address: str, port: int) -> None:
        self.server = (address, port)
        self.transport: asyncio.DatagramTransport | None = None
        self.pending: dict[int, tuple[asyncio.Future, dns.message.Message]] = {}
        self.uses = 0  # queries sent on this socket
        self.retired = False  # replaced in the pool: closed once its last query has ended

    def usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing() and not self.retired

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        entry = self.pending.get(int.from_bytes(data[:2], "big")) if len(data) >= 12 else None
        if entry is None or entry[0].done() or (addr[0], addr[1]) != self.server:
            return
        fut, request = entry
        try:
            response = dns.message.from_wire(data, raise_on_truncation=True)
        except dns.message.Truncated as exc:
            if request.is_response(exc.message()):
                fut.set_exception(exc)  # the resolver's signal to ask again over TCP
            return
        except Exception:  # not a DNS message: keep waiting for the real answer
            return
        if request.is_response(response):
            fut.set_result(response)

    def error_received(self, exc: Exception) -> None:
        pass  # as on dnspython's own sockets: the query waits for its answer or its timeout

    def connection_lost(self, exc) -> None:
        for fut, _request in list(self.pending.values()):
            if not fut.done():
                fut.set_exception(exc or OSError("the UDP socket was closed"))


def _set_timeout(fut: asyncio.Future, timeout: float) -> None:
    if not fut.done():
        fut.set_exception(dns.exception.Timeout(timeout=timeout))


class Stub:
    """dnspython's stub resolution (``Resolver.resolve`` with ``search=False``) for many
    queries at once, over a pool of ``pool_size`` UDP sockets per configured nameserver.

    Each query goes out on a socket picked at random from the pool, each socket on a port
    the OS picked; after ``rotate_after`` queries a socket is replaced by a new one (the old
    one is closed when its last query in flight ends), so ports keep changing in a long run.

    Same servers, order, per-server timeout, lifetime, query (RD, no EDNS, so 512-byte
    UDP answers and TCP on truncation), rcode handling and exceptions as
    ``dns.asyncresolver.Resolver.resolve``; without its per-query socket, which cost
    more than the query. Use as ``async with Stub.for_resolver(res) as stub``.
    """

    def __init__(self, nameservers: list[dns.nameserver.Do53Nameserver], *, timeout: float,
                 pool_size: int = POOL_SIZE, rotate_after: int = ROTATE_AFTER):
        self.nameservers = nameservers
        self.timeout = timeout  # per server and attempt, like Resolver.timeout
        self.pool_size = max(1, pool_size)
        self.rotate_after = max(1, rotate_after)
        # (address, port) -> pool slots; a slot is None until its socket is opened
        self.channels: dict[tuple[str, int], list[_Channel | None]] = {}
        self._retired: set[_Channel] = set()  # replaced sockets with queries still in flight
        self._lock: asyncio.Lock | None = None

    @classmethod
    def for_resolver(cls, resolver: dns.resolver.BaseResolver) -> "Stub | None":
        """A stub for the resolver's nameservers; None if one is not plain DNS over port 53/UDP
        (DoH, DoT: those stay with the resolver)."""
        out = []
        for ns in resolver.nameservers:
            if isinstance(ns, str):
                ns = dns.nameserver.Do53Nameserver(ns, resolver.nameserver_ports.get(ns, resolver.port))
            if type(ns) is not dns.nameserver.Do53Nameserver:
                return None
            out.append(ns)
        if not out or resolver.edns >= 0 or resolver.keyname is not None or resolver.flags is not None \
                or resolver.rotate or resolver.retry_servfail:
            return None  # a configuration this stub does not copy: let the resolver do it
        return cls(out, timeout=resolver.timeout)

    async def __aenter__(self) -> "Stub":
        await self.open()
        return self

    async def __aexit__(self, *exc) -> None:
        self.close()

    async def open(self) -> None:
        """Every nameserver's socket pool, opened before the first query (not raced by the workers)."""
        for ns in self.nameservers:
            for slot in range(self.pool_size):
                try:
                    await self._channel(ns, slot)
                except OSError:
                    break  # each query to it fails with the error, as on its own socket

    def close(self) -> None:
        for pool in self.channels.values():
            for ch in pool:
                if ch is not None and ch.transport is not None:
                    ch.transport.close()
        for ch in self._retired:
            if ch.transport is not None:
                ch.transport.close()
        self.channels.clear()
        self._retired.clear()

    def _retire(self, ch: _Channel) -> None:
        ch.retired = True
        if ch.pending:
            self._retired.add(ch)  # closed by the last query on it (_release)
        elif ch.transport is not None:
            ch.transport.close()

    def _release(self, ch: _Channel) -> None:
        if ch.retired and not ch.pending:
            self._retired.discard(ch)
            if ch.transport is not None:
                ch.transport.close()

    async def _channel(self, ns: dns.nameserver.Do53Nameserver, slot: int | None = None) -> _Channel:
        """The socket in ``slot`` of the nameserver's pool (a random slot if None), opened or
        replaced first if it is missing, closed or has carried ``rotate_after`` queries."""
        key = (ns.address, ns.port)
        if slot is None:
            slot = _rng.randrange(self.pool_size)
        pool = self.channels.get(key)
        ch = pool[slot] if pool is not None else None
        if ch is not None and ch.usable() and ch.uses < self.rotate_after:
            return ch
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # (re)open once, however many workers ask at the same moment
            pool = self.channels.setdefault(key, [None] * self.pool_size)
            ch = pool[slot]
            if ch is None or not ch.usable() or ch.uses >= self.rotate_after:
                # the address as recvfrom reports it (IPv6 compressed), to match replies' sources
                address = str(ipaddress.ip_address(ns.address))
                new = _Channel(address, ns.port)
                local = "::" if ":" in address else "0.0.0.0"
                # port 0: the OS picks a free ephemeral port (randomised by the kernel)
                await asyncio.get_running_loop().create_datagram_endpoint(lambda: new, local_addr=(local, 0))
                if ch is not None:
                    self._retire(ch)
                pool[slot] = ch = new
        return ch

    async def _udp(self, ns: dns.nameserver.Do53Nameserver, request: dns.message.Message,
                   timeout: float) -> dns.message.Message:
        ch = await self._channel(ns)
        while True:  # an id not in flight on this socket
            qid = _rng.getrandbits(16)
            if qid not in ch.pending:
                break
        request.id = qid
        ch.uses += 1
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        ch.pending[qid] = (fut, request)
        timer = loop.call_later(timeout, _set_timeout, fut, timeout)
        try:
            assert ch.transport is not None
            ch.transport.sendto(request.to_wire(), ch.server)
            return await fut
        finally:
            timer.cancel()
            if ch.pending.get(qid, (None,))[0] is fut:
                del ch.pending[qid]
            self._release(ch)

    def _remaining(self, start: float, lifetime: float, errors: list) -> float:
        duration = time.time() - start
        if duration >= lifetime:
            raise dns.resolver.LifetimeTimeout(timeout=duration, errors=errors)
        return min(lifetime - duration, self.timeout)

    async def resolve(self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType, *,
                      lifetime: float) -> dns.resolver.Answer:
        """Like ``Resolver.resolve(qname, rdtype, raise_on_no_answer=False, lifetime=lifetime,
        search=False)``: an Answer, or NXDOMAIN, YXDOMAIN, NoNameservers, LifetimeTimeout."""
        start = time.time()
        request = dns.message.make_query(qname, rdtype, dns.rdataclass.IN)
        nameservers = list(self.nameservers)
        current = list(nameservers)
        errors: list[tuple] = []
        backoff = 0.10
        tcp_next = False
        while True:
            if tcp_next:
                tcp = True
                tcp_next = False
            else:
                if not current:
                    if not nameservers:
                        raise dns.resolver.NoNameservers(request=request, errors=errors)
                    current = list(nameservers)
                    self._remaining(start, lifetime - backoff, errors)  # no sleep that ends in a timeout
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2)
                ns = current.pop(0)
                tcp = False
            timeout = self._remaining(start, lifetime, errors)
            try:
                if tcp:
                    request.id = _rng.getrandbits(16)
                    response = await dns.asyncquery.tcp(request, ns.address, timeout=timeout, port=ns.port)
                else:
                    response = await self._udp(ns, request, timeout)
            except Exception as exc:
                errors.append((str(ns), tcp, ns.answer_port(), exc, None))
                if isinstance(exc, (dns.exception.FormError, EOFError, OSError, NotImplementedError)) or \
                        (isinstance(exc, dns.message.Truncated) and tcp):
                    nameservers.remove(ns)  # this server is no good
                elif isinstance(exc, dns.message.Truncated):
                    tcp_next = True
                continue
            rcode = response.rcode()
            if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                try:
                    answer = dns.resolver.Answer(
                        qname, rdtype if rcode == dns.rcode.NOERROR else dns.rdatatype.ANY, dns.rdataclass.IN,
                        response, ns.answer_nameserver(), ns.answer_port())
                except Exception as exc:
                    errors.append((str(ns), tcp, ns.answer_port(), exc, response))
                    nameservers.remove(ns)
                    continue
                if rcode == dns.rcode.NOERROR:
                    return answer
                raise dns.resolver.NXDOMAIN(qnames=[qname], responses={qname: response})
            if rcode == dns.rcode.YXDOMAIN:
                yex = dns.resolver.YXDOMAIN()
                errors.append((str(ns), tcp, ns.answer_port(), yex, response))
                raise yex
            nameservers.remove(ns)  # SERVFAIL, REFUSED, …: ask the next server
            errors.append((str(ns), tcp, ns.answer_port(), dns.rcode.to_text(rcode), response))


async def _query_stub(stub: Stub, qname: str, qtype: str, *, timeout: float, retries: int) -> DNSResult:
    """``query`` through a Stub."""
    qname = norm_name(qname)
    tries = 0
    while True:
        tries += 1
        try:
            name = dns.name.from_text(qname)
            answer = await stub.resolve(name, dns.rdatatype.from_text(qtype), lifetime=timeout)
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
    thousands of parked tasks cost more scheduling than the queries themselves). The
    queries share a pool of UDP sockets per nameserver (``Stub``, a random one per query)
    where the resolver's servers are plain DNS; otherwise each goes through ``resolver.resolve``.
    """
    qs = list(questions)
    results: list[DNSResult | None] = [None] * len(qs)
    it = iter(range(len(qs)))
    stub = Stub.for_resolver(resolver)

    async def worker() -> None:
        for i in it:  # the shared iterator hands each index to exactly one worker
            if stub is not None:
                r = await _query_stub(stub, qs[i][0], qs[i][1], timeout=timeout, retries=retries)
            else:
                r = await query(resolver, qs[i][0], qs[i][1], timeout=timeout, retries=retries)
            results[i] = r
            if on_result is not None:
                on_result(r)

    try:
        if stub is not None:
            await stub.open()
        await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(qs))))))
    finally:
        if stub is not None:
            stub.close()
    return results  # type: ignore[return-value]
