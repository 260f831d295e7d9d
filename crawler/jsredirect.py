"""Literal JavaScript location redirects in inline ``<script>`` text — read, never run.

The first law forbids rendering, so a redirect done in JavaScript is only seen when the
script says it literally: an assignment of a string literal to ``location`` (optionally
``window.`` / ``self.`` / ``top.`` / ``parent.`` / ``document.`` in front, optionally
``.href``), or ``location.replace("…")`` / ``location.assign("…")`` with a string literal.
Computed targets (``location.href = base + x``, a template with ``${…}``), reloads,
comparisons (``location.href == "…"``), a local variable named ``location`` and anything
inside a comment do not count.

>>> js_location_target('window.location.href = "https://shop-b.com/";')
'https://shop-b.com/'
>>> js_location_target('location.href = base + "/x";') is None
True
"""

from __future__ import annotations

import re

MAX_SCRIPT_CHARS = 200_000   # inline scripts longer than this are scanned up to here only

# An object in front of ``location`` that is the page's own window/document.
_OWNER = r"(?:(?:window|self|top|parent|document)\s*\.\s*)"
# A JS string literal ('…', "…" or a `…` template without ${…}); escapes allowed.
_STR = r"""(?P<q>["'`])(?P<url>(?:[^"'`\\\n]|\\.|(?!(?P=q))["'`])*?)(?P=q)"""
# What may follow a literal assignment: end of statement, never an operator (``+ x``).
_END = r"\s*(?=[;,)}\n]|$|</)"
_ASSIGN_RE = re.compile(
    rf"(?<![\w$.])(?P<decl>(?:var|let|const)\s+)?{_OWNER}?location(?:\s*\.\s*href)?\s*=(?![=>])\s*{_STR}{_END}")
_CALL_RE = re.compile(
    rf"(?<![\w$.]){_OWNER}?location\s*\.\s*(?:replace|assign)\s*\(\s*{_STR}\s*\)")
_ESCAPE_RE = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)


def strip_js_comments(code: str) -> str:
    """``code`` with ``//`` and ``/* */`` comments blanked out, string literals kept.

    >>> strip_js_comments('a = "http://x"; // location = "y"')
    'a = "http://x"; '
    """
    out: list[str] = []
    i, n = 0, len(code)
    start = 0
    while i < n:
        c = code[i]
        if c in "\"'`":
            j = i + 1
            while j < n and code[j] != c:
                if code[j] == "\\":
                    j += 1
                elif code[j] == "\n" and c != "`":
                    break    # unterminated string: stop it at the line end
                j += 1
            i = j + 1
        elif c == "/" and i + 1 < n and code[i + 1] in "/*":
            out.append(code[start:i])
            if code[i + 1] == "/":
                j = code.find("\n", i + 2)
                i = n if j < 0 else j
            else:
                j = code.find("*/", i + 2)
                i = n if j < 0 else j + 2
                out.append(" ")
            start = i
        else:
            i += 1
    out.append(code[start:])
    return "".join(out)


def _unescape(s: str) -> str:
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "ux" and len(e) > 1:
            code = int(e[2:-1] if e[1] == "{" else e[1:], 16)
            return chr(code) if code <= 0x10FFFF else ""
        return {"n": "\n", "t": "\t", "r": "\r"}.get(e, e)
    return _ESCAPE_RE.sub(one, s)


def js_location_target(script: str | None) -> str | None:
    """The first literal location target in one inline script's text, or None.

    Accepts ``location.replace('/new')`` (-> ``'/new'``); refuses
    ``if (x) location.reload()`` (-> None).  The target is returned as written (relative
    targets are the caller's to resolve against the page URL).
    """
    if not script or "location" not in script:
        return None
    code = strip_js_comments(script[:MAX_SCRIPT_CHARS])
    best: tuple[int, str] | None = None
    for rx in (_ASSIGN_RE, _CALL_RE):
        for m in rx.finditer(code):
            if m.groupdict().get("decl"):
                continue   # `var location = "…"`: a local variable, not the page's location
            raw = m.group("url")
            if m.group("q") == "`" and "${" in raw:
                continue   # a template with a computed part
            target = _unescape(raw).strip()
            if not target or target.lower().startswith(("javascript:", "data:", "#")):
                continue
            if best is None or m.start() < best[0]:
                best = (m.start(), target)
            break
    return best[1] if best else None
