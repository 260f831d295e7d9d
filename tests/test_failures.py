"""Failed requests are classified by the exception's type, never by the spelling of its name."""

from types import SimpleNamespace

import pytest
from OpenSSL import SSL
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, DownloadTimeoutError, IgnoreRequest
from twisted.internet import defer
from twisted.internet import error as tx_errors

from crawler.failures import classify_failure
from crawler.progress import BudgetExhausted
from crawler.resolver import ResolveError
from crawler.ssrf import SSRFRefused


def failure(exc, **meta):
    return SimpleNamespace(value=exc, request=Request("http://shop-a.se/x", meta=meta))


class TimeoutSoundingError(Exception):
    """Named like a timeout, but is not one."""


class SSLishName(Exception):
    """Named like TLS, but is not one."""


@pytest.mark.parametrize("exc, meta, stage, kind", [
    (tx_errors.DNSLookupError("x"), {}, "fetch", "dns"),
    (CannotResolveHostError("x"), {}, "fetch", "dns"),
    (tx_errors.TimeoutError(), {}, "fetch", "timeout"),
    (tx_errors.TCPTimedOutError(), {}, "fetch", "timeout"),
    (DownloadTimeoutError("x"), {}, "fetch", "timeout"),
    (defer.TimeoutError(), {}, "fetch", "timeout"),
    (SSL.Error([]), {}, "fetch", "tls"),
    (tx_errors.SSLError(), {}, "fetch", "tls"),
    (defer.CancelledError(), {"download_maxsize": 100}, "fetch", "size"),
    (tx_errors.ConnectionRefusedError(), {}, "fetch", "connection"),
    (IgnoreRequest("refused"), {}, "refused", "ignored"),
    (BudgetExhausted("budget of shop-a.se spent"), {}, "refused", "budget"),
    (SSRFRefused("private address 10.0.0.1"), {}, "refused", "ssrf"),
    (ResolveError("shop-a.se", "no such domain"), {}, "fetch", "dns"),
    # decoys: the name sounds like a class of failure, the type is not one
    (TimeoutSoundingError("slow"), {}, "fetch", "connection"),
    (SSLishName("odd"), {}, "fetch", "connection"),
])
def test_failures_are_classified_by_type(exc, meta, stage, kind):
    got = classify_failure(failure(exc, **meta))
    assert got[:2] == (stage, kind)
    assert "\n" not in got[2]
