"""HTTPS for the fake web: the same sites behind TLS on one more loopback port, with
certificates made at run time (``cryptography``; no key is ever committed).

    certs = {"shop-x.se": self_signed(["shop-x.se", "shop-y.se"]), ...}
    web.start_tls(certs)                    # one port on every 127.0.0.x of the web
    web.https_url("shop-x.se", "/")         # "https://shop-x.se:<port>/"

The server picks the certificate by SNI (the host asked for); a host without one gets
the first certificate.  A certificate may claim any issuer name (``issuer_org="Cloudflare,
Inc."``): it is self-signed all the same, which is what a crawl that does not verify
certificates (Scrapy's default) accepts.
"""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fakeweb.http import HTTPServers, _Server


def self_signed(names: list[str], *, subject_cn: str | None = None, issuer_org: str | None = None,
                days: int = 30) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) for ``names`` (SANs), self-signed, a fresh EC key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn or names[0])])
    issuer_attrs = [x509.NameAttribute(NameOID.COMMON_NAME, (issuer_org or subject_cn or names[0]) + " CA")]
    if issuer_org:
        issuer_attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, issuer_org))
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(x509.Name(issuer_attrs))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def _context(cert_pem: bytes, key_pem: bytes, folder: Path, n: int) -> ssl.SSLContext:
    cert_file, key_file = folder / f"c{n}.pem", folder / f"k{n}.pem"
    cert_file.write_bytes(cert_pem)
    key_file.write_bytes(key_pem)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file, key_file)
    return ctx


class _TLSServer(_Server):
    ssl_context: ssl.SSLContext

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = self.socket.accept()
        return self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request.do_handshake()   # in the request's own thread, not the accept loop
        except (OSError, ssl.SSLError):
            return
        super().finish_request(request, client_address)


class TLSServers(HTTPServers):
    """HTTPServers whose sockets speak TLS, certificates chosen by SNI."""

    def __init__(self, web: Any, certs: dict[str, tuple[bytes, bytes]]):
        super().__init__(web)
        if not certs:
            raise ValueError("start_tls needs at least one certificate")
        self._dir = tempfile.TemporaryDirectory(prefix="fakeweb-tls-")
        folder = Path(self._dir.name)
        self.contexts = {host.lower(): _context(c, k, folder, i) for i, (host, (c, k)) in enumerate(certs.items())}
        default = next(iter(self.contexts.values()))

        def pick(sslobj: Any, name: str | None, _ctx: Any) -> None:
            sslobj.context = self.contexts.get((name or "").lower(), default)

        default.sni_callback = pick
        self.default = default

    def _make(self, addr: tuple[str, int]) -> _Server:
        server = _TLSServer(addr, self.web)
        server.ssl_context = self.default
        return server

    def stop(self) -> None:
        super().stop()
        self._dir.cleanup()
