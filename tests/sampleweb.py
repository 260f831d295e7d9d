"""The packaged sample web read offline, for extractor tests: its expected.json rows and
its pages rendered as the fake web would serve them on port 8080."""

from __future__ import annotations

import json
import re
from typing import Iterator

import pytest

from fakeweb import SAMPLE_WEB

PORT = 8080


def render(text: str) -> str:
    """A page's ``{{url:HOST}}`` and ``{{port}}`` tokens filled in with port 8080."""
    text = re.sub(r"\{\{url:([^}]+)\}\}", rf"http://\1:{PORT}", text)
    return text.replace("{{port}}", str(PORT))


def expected_domains() -> dict:
    return json.loads((SAMPLE_WEB / "expected.json").read_text())["domains"]


def page(domain: str, path: str) -> tuple[str, str]:
    """(rendered text, URL) of a sample page; ``/`` and ``/dir/`` are index.html."""
    rel = path.lstrip("/") or "index.html"
    if rel.endswith("/"):
        rel += "index.html"
    return render((SAMPLE_WEB / "sites" / domain / rel).read_text(encoding="utf-8")), \
        f"http://{domain}:{PORT}{path}"


def pages_with(kind: str) -> Iterator:
    """pytest params (domain, path, {"must": [...], "decoys": [...]}) of the pages that
    expected.json says hold identifiers or decoys of ``kind``."""
    for domain, exp in expected_domains().items():
        by_page: dict[str, dict[str, list]] = {}
        for section in ("must", "decoys"):
            for row in exp.get(section, []):
                if row["kind"] == kind:
                    by_page.setdefault(row["page"], {"must": [], "decoys": []})[section].append(row)
        for path, rows in by_page.items():
            yield pytest.param(domain, path, rows, id=f"{domain}{path}")
