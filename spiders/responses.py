"""What the spider reads off a Scrapy response besides its text analysis: header values
(capped), cookie names (never values), the decoded text and which kind of page it is.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response, TextResponse

from crawler import never_media


def header(message: Response | Request, name: bytes) -> str | None:
    """A response's or request's header value, latin-1, at most 200 characters; None when
    absent or empty."""
    v = message.headers.get(name)
    return v.decode("latin-1")[:200] if v else None


def cookie_names(response: Response) -> list[str]:
    """The names of the cookies the response sets, first-seen order, each at most 100 characters."""
    names = []
    for raw in response.headers.getlist(b"Set-Cookie"):
        name = raw.split(b";", 1)[0].split(b"=", 1)[0].strip().decode("latin-1")
        if name and name not in names:
            names.append(name[:100])
    return names


def response_text(response: Response) -> str:
    """The body as text: Scrapy's decoding for a text response, else UTF-8 with replacements."""
    if isinstance(response, TextResponse):
        return response.text
    return response.body.decode("utf-8", "replace")


def page_kind(resource: str, mime: str, text: str) -> str:
    """``js``/``json`` for a script, ``html`` for HTML (or an untyped body that looks like
    it), else ``text`` — the ``kind`` page analysis takes.

    >>> page_kind("page", "text/html", ""), page_kind("script", "", "x"), page_kind("page", "", "<p>")
    ('html', 'js', 'html')
    >>> page_kind("page", "application/json", "{}"), page_kind("page", "text/plain", "<p>")
    ('json', 'text')
    """
    if resource == "script" or mime in never_media.SCRIPT_TYPES:
        return "json" if "json" in mime else "js"
    if mime in never_media.HTML_TYPES or (not mime and "<" in text[:500]):
        return "html"
    return "text"
