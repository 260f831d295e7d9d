"""Why a request failed, as the ``errors`` table says it: (stage, kind, one-line reason).

Classified by the exception's type — merchintel's own refusals first (budget, redirect loop,
never-media, SSRF, DNS as the guarded resolver saw it), then the transport errors of
Twisted, Scrapy, OpenSSL and the standard library.  A reason never includes a body.
"""

from __future__ import annotations

import builtins
import ssl
from typing import Any
from urllib.parse import urlsplit

from OpenSSL import SSL
from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest, StopDownload
from twisted.internet import defer
from twisted.internet import error as tx_errors

from crawler import never_media
from crawler.progress import BudgetExhausted, RedirectLoop
from crawler.resolver import ResolveError, dns_failure
from crawler.ssrf import SSRFRefused
from crawler.transport import HeadersRefused

DNS_ERRORS = (tx_errors.DNSLookupError, scrapy_errors.CannotResolveHostError)
TIMEOUT_ERRORS = (tx_errors.TimeoutError, tx_errors.TCPTimedOutError, defer.TimeoutError,
                  scrapy_errors.DownloadTimeoutError, builtins.TimeoutError)
TLS_ERRORS = (tx_errors.SSLError, SSL.Error, ssl.SSLError)
CANCELLED_ERRORS = (defer.CancelledError, tx_errors.ConnectingCancelledError, scrapy_errors.DownloadCancelledError)
REFUSED_ERRORS = (tx_errors.ConnectionRefusedError, scrapy_errors.DownloadConnectionRefusedError,
                  builtins.ConnectionRefusedError)


def classify_failure(failure: Any) -> tuple[str, str, str]:
    """(stage, kind, one-line reason) of a failed request (a Twisted Failure with ``.request``)."""
    exc = failure.value
    request = failure.request
    chain: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(chain) < 20:
        e = todo.pop(0)
        chain.append(e)
        if e.__cause__ or e.__context__:
            todo.append(e.__cause__ or e.__context__)
        # twisted's ResponseFailed carries the failures that ended the response
        todo += [r.value for r in getattr(e, "reasons", None) or () if isinstance(getattr(r, "value", None),
                                                                                BaseException)]
    for e in chain:
        if isinstance(e, BudgetExhausted):
            return "refused", e.kind, str(e)
        if isinstance(e, RedirectLoop):
            return "fetch", "redirect_loop", str(e)
        if isinstance(e, never_media.MediaRefused):
            return "refused", e.kind, f"never-media: {e.reason}"
        if isinstance(e, SSRFRefused):
            return "refused", "ssrf", f"ssrf: {e.reason}"
        if isinstance(e, HeadersRefused):
            return "refused", "headers", f"headers: {e.reason}"
        if isinstance(e, StopDownload):
            return never_media_error(request) or ("refused", "media", "never-media: stopped before the body")
        if isinstance(e, ResolveError):
            return dns_error(e)
    if stopped := never_media_error(request):
        # a never-media layer stopped it; Scrapy may report the stop as a cancellation
        return stopped
    name = type(exc).__name__
    text = str(exc)[:200]
    low = text.lower()
    if isinstance(exc, DNS_ERRORS):
        host = urlsplit(request.url).hostname or ""
        recorded = dns_failure(host)
        if recorded is not None:
            return dns_error(recorded)
        return "fetch", "dns", f"DNS lookup of {host} failed"
    if isinstance(exc, TIMEOUT_ERRORS):
        return "fetch", "timeout", f"timed out ({name})"
    # A TLS failure inside a wrapper (ResponseNeverReceived, DownloadFailedError) shows
    # only in the wrapper's message.
    if isinstance(exc, TLS_ERRORS) or "ssl" in low or "certificate" in low:
        return "fetch", "tls", f"TLS failure ({name})"
    if isinstance(exc, CANCELLED_ERRORS) and ("maxsize" in low or "max size" in low
                                              or request.meta.get("download_maxsize") is not None):
        return "fetch", "size", f"body larger than the size cap ({name})"
    if isinstance(exc, IgnoreRequest):
        if "redirect" in low:
            return "fetch", "redirect_loop", text
        if "download_maxsize" in low or "exceeded" in low:
            return "fetch", "size", "body larger than MERCHINTEL_MAX_BODY_BYTES after decompression"
        return "refused", "ignored", text
    if isinstance(exc, REFUSED_ERRORS):
        return "fetch", "connection", f"connection refused ({name})"
    return "fetch", "connection", f"{name}: {text}"[:200]


def never_media_error(request: Any) -> tuple[str, str, str] | None:
    """(stage, kind, reason) a never-media layer noted on the request, or None."""
    reason = request.meta.get(never_media.META_REASON)
    if not reason:
        return None
    kind = request.meta.get(never_media.META_KIND, "media")
    if kind == "size":
        return "fetch", "size", reason
    return "refused", kind, f"never-media: {reason}"


def dns_error(e: Any) -> tuple[str, str, str]:
    """(stage, kind, reason) of a lookup the guarded resolver recorded."""
    if e.kind == "ssrf":
        return "refused", "ssrf", f"ssrf: {e.reason}"
    if e.kind == "dns_timeout":
        return "fetch", "timeout", e.reason
    return "fetch", e.kind if e.kind == "nxdomain" else "dns", e.reason
