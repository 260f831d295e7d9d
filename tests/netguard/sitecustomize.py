"""Loaded by every Python subprocess the tests start (PYTHONPATH points here).

Refuses any connection that is not to loopback, so a component that fetches something at
run time (a suffix list, a bootstrap file, a model) fails loudly in the suite instead of
passing here and hanging on an offline machine.  The pytest process itself is guarded by
pytest-socket (--allow-hosts in pyproject.toml).
"""

import ipaddress
import socket

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            ip = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            raise OSError(f"merchintel test netguard: connection to {host!r} refused (not loopback)")
        if not ip.is_loopback and not (getattr(ip, "ipv4_mapped", None) and ip.ipv4_mapped.is_loopback):
            raise OSError(f"merchintel test netguard: connection to {host} refused (not loopback)")


def _connect(self, address):
    _check(self, address)
    return _real_connect(self, address)


def _connect_ex(self, address):
    _check(self, address)
    return _real_connect_ex(self, address)


socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
