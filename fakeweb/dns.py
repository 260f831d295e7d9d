"""The fake web's DNS server: dnspython's message module over UDP and TCP on 127.0.0.1.

Answers from ``hosts.json`` (A) and ``zone.json`` (A, AAAA, CNAME chains, MX, NS, TXT with
long strings split at 255 bytes, SOA, CAA, PTR, SRV; ``"TTL"`` per name, default 300).
Names are case-insensitive. A name in no zone gets NXDOMAIN with an SOA in the authority
section; a name that exists without the asked type gets NODATA (NOERROR, empty answer, SOA).
Markers on a name: ``"SERVFAIL": true`` answers SERVFAIL, ``"TIMEOUT": true`` never answers,
``"REFUSED": true`` answers REFUSED. UDP answers larger than the client's buffer are
truncated (TC) so the client retries over TCP, as with a real server.
"""

from __future__ import annotations

import select
import socket
import struct
import threading
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset

from fakeweb.data import WebData

# ``web`` below is the FakeWeb (fakeweb/__init__.py) that starts this server; it sits above.

DEFAULT_TTL = 300
DEFAULT_SOA = "ns1.fakeweb.test. hostmaster.fakeweb.test. 2024010101 7200 3600 1209600 300"
MARKERS = {"TTL", "TIMEOUT", "SERVFAIL", "REFUSED"}
MAX_CNAME_HOPS = 8


def records(data: WebData, name: str) -> dict | None:
    """Every record of a (lowercase, dotless) name, or None if the name is not in the web."""
    in_hosts, zone = name in data.hosts, data.zone.get(name)
    if not in_hosts and zone is None:
        return None
    out: dict = {}
    if in_hosts:
        out["A"] = list(data.hosts[name])
    for rtype, value in (zone or {}).items():
        if rtype.startswith("_"):  # comments
            continue
        rtype = rtype.upper()
        if rtype in MARKERS or rtype in ("SOA", "CNAME"):
            out[rtype] = value
        else:
            values = value if isinstance(value, list) else [value]
            out[rtype] = list(dict.fromkeys([*out.get(rtype, []), *values]))
    return out


def _exists_below(data: WebData, name: str) -> bool:
    """An empty non-terminal (``se`` when ``shop-a.se`` exists) answers NODATA, not NXDOMAIN."""
    suffix = "." + name
    return any(n.endswith(suffix) for n in (*data.hosts, *data.zone))


def _txt(owner: dns.name.Name, ttl: int, values: list) -> dns.rrset.RRset:
    rrset = dns.rrset.RRset(owner, dns.rdataclass.IN, dns.rdatatype.TXT)
    for value in values:
        raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
        rrset.add(dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT, chunks), ttl)
    return rrset


def rrset_for(owner: dns.name.Name, rtype: str, rec: dict) -> dns.rrset.RRset | None:
    """The RRset of one type from a name's records, or None."""
    if rtype not in rec:
        return None
    ttl = int(rec.get("TTL", DEFAULT_TTL))
    values = rec[rtype] if isinstance(rec[rtype], list) else [rec[rtype]]
    if not values:
        return None
    if rtype == "TXT":
        return _txt(owner, ttl, values)
    rdtype = dns.rdatatype.from_text(rtype)
    rrset = dns.rrset.RRset(owner, dns.rdataclass.IN, rdtype)
    for value in values:
        rrset.add(dns.rdata.from_text(dns.rdataclass.IN, rdtype, str(value), origin=dns.name.root,
                                      relativize=False), ttl)
    return rrset


def soa_for(data: WebData, name: str) -> dns.rrset.RRset:
    """The SOA of the nearest enclosing name that has one; else a default SOA on the TLD."""
    labels = name.split(".")
    for i in range(len(labels)):
        candidate = ".".join(labels[i:])
        zone = data.zone.get(candidate)
        if zone and "SOA" in zone:
            rrset = rrset_for(dns.name.from_text(candidate), "SOA", records(data, candidate) or zone)
            if rrset is not None:
                return rrset
    owner = dns.name.from_text(labels[-1] or ".")
    rrset = dns.rrset.RRset(owner, dns.rdataclass.IN, dns.rdatatype.SOA)
    rrset.add(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.SOA, DEFAULT_SOA), DEFAULT_TTL)
    return rrset


def answer(web: Any, wire: bytes, max_size: int | None = None) -> bytes | None:
    """The wire answer to one query (None: stay silent, for TIMEOUT names or garbage)."""
    try:
        request = dns.message.from_wire(wire)
    except Exception:
        return None
    if not request.question:
        return None
    data = web.data  # one epoch for the whole answer
    question = request.question[0]
    qname, qtype = question.name, question.rdtype
    name = qname.to_text(omit_final_dot=True).lower()
    qtype_text = dns.rdatatype.to_text(qtype)
    web.log_dns(name, qtype_text)

    response = dns.message.make_response(request)
    response.flags |= dns.flags.AA | dns.flags.RA
    owner, current = qname, name
    for _hop in range(MAX_CNAME_HOPS + 1):
        rec = records(data, current)
        if rec is not None and rec.get("TIMEOUT"):
            return None
        if rec is not None and rec.get("SERVFAIL"):
            response.answer.clear()
            response.set_rcode(dns.rcode.SERVFAIL)
            break
        if rec is not None and rec.get("REFUSED"):
            response.answer.clear()
            response.set_rcode(dns.rcode.REFUSED)
            break
        if rec is None:
            if not (current == name and _exists_below(data, current)):
                response.set_rcode(dns.rcode.NXDOMAIN)
            response.authority.append(soa_for(data, current))
            break
        if "CNAME" in rec and qtype != dns.rdatatype.CNAME:
            cname = rrset_for(owner, "CNAME", rec)
            response.answer.append(cname)
            target = cname[0].target
            owner, current = target, target.to_text(omit_final_dot=True).lower()
            continue
        if qtype == dns.rdatatype.ANY:
            found = [r for t in rec if t not in MARKERS and (r := rrset_for(owner, t, rec))]
        else:
            found = [r for r in [rrset_for(owner, qtype_text, rec)] if r is not None]
        response.answer.extend(found)
        if not found:  # NODATA
            response.authority.append(soa_for(data, current))
        break

    if max_size is None:
        return response.to_wire()
    limit = max(512, request.payload) if request.edns >= 0 else 512
    try:
        return response.to_wire(max_size=limit)
    except dns.exception.TooBig:
        truncated = dns.message.make_response(request)
        truncated.flags |= dns.flags.AA | dns.flags.RA | dns.flags.TC
        return truncated.to_wire()


class DNSServer:
    """UDP + TCP on 127.0.0.1, same port (picked by the kernel), one thread each."""

    def __init__(self, web: Any):
        self.web = web
        self.port = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.udp: socket.socket | None = None
        self.tcp: socket.socket | None = None

    def start(self) -> None:
        for _ in range(50):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:  # TCP side of that port is taken: pick another
                udp.close()
                tcp.close()
                continue
            tcp.listen(64)
            self.udp, self.tcp, self.port = udp, tcp, port
            break
        else:
            raise OSError("fakeweb: no free UDP+TCP port pair on 127.0.0.1 for the DNS server.")
        self._stop.clear()
        for target, label in ((self._serve_udp, "udp"), (self._serve_tcp, "tcp")):
            t = threading.Thread(target=target, name=f"fakeweb-dns-{label}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        for s in (self.udp, self.tcp):
            if s is not None:
                s.close()
        self._threads, self.udp, self.tcp = [], None, None

    def _serve_udp(self) -> None:
        sock = self.udp
        while not self._stop.is_set():
            ready, _, _ = select.select([sock], [], [], 0.05)
            if not ready:
                continue
            try:
                wire, addr = sock.recvfrom(65535)
            except OSError:
                continue
            out = answer(self.web, wire, max_size=512)
            if out is not None:
                try:
                    sock.sendto(out, addr)
                except OSError:
                    pass

    def _serve_tcp(self) -> None:
        sock = self.tcp
        while not self._stop.is_set():
            ready, _, _ = select.select([sock], [], [], 0.05)
            if not ready:
                continue
            try:
                conn, _addr = sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._tcp_conn, args=(conn,), daemon=True).start()

    def _tcp_conn(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            with conn:
                while not self._stop.is_set():
                    head = _recv_exact(conn, 2)
                    if head is None:
                        return
                    wire = _recv_exact(conn, struct.unpack("!H", head)[0])
                    if wire is None:
                        return
                    out = answer(self.web, wire)
                    if out is None:
                        continue  # TIMEOUT: keep the client waiting
                    conn.sendall(struct.pack("!H", len(out)) + out)
        except OSError:
            return


def _recv_exact(conn: socket.socket, n: int) -> bytes | None:
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf
