"""``merchintel extract``: every identifier and the metadata of one saved page, offline."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.errors import InputError
from crawler.extractors import Page, extract_all, extract_meta
from crawler.extractors.links import link_urls
from crawler.never_media import SNIFF_BYTES, sniff_reason
from merchintel.cli import main
from merchintel.cli.common import config_from, emit_json, emit_table, format_option, setting_option

CONTENT_TYPES = ("html", "js", "json", "text")
# A saved page bigger than this is not a page (the crawler caps bodies at a few MB too).
MAX_FILE_BYTES = 50_000_000


def read_page_file(path: str) -> str:
    """The text of a saved page; one-line InputError when it cannot be read."""
    p = Path(path)
    name = path
    if not p.exists():
        raise InputError(f"{name}: no such file; give the path of a saved page.")
    if p.is_dir():
        raise InputError(f"{name}: is a directory; give the path of a saved page file.")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{name}: {size} bytes is too big for a page (limit {MAX_FILE_BYTES}); "
                             "split it or pass the page itself.")
        with p.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
            # The first law holds for local files too: a saved image, video or archive is not
            # read past its first bytes, and nothing of it is printed.
            reason = sniff_reason(head)
            if reason:
                raise InputError(f"{name}: {reason}; merchintel reads text pages only, never media.")
            data = head + fh.read()
    except PermissionError:
        raise InputError(f"{name}: permission denied; make the file readable or copy it.") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc}); check the file.") from None
    # Pages come in many encodings; UTF-8 first, then Latin-1 which never fails (bytes kept).
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _guess_type(path: str) -> str | None:
    ext = Path(path).suffix.lower()
    return {".js": "js", ".mjs": "js", ".json": "json", ".txt": "text",
            ".html": "html", ".htm": "html", ".xhtml": "html"}.get(ext)


@main.command()
@click.argument("file", type=click.Path(dir_okay=True, allow_dash=True))
@click.option("--url", default=None, help="The page's address (ccTLD -> phone region, same-site links).")
@click.option("--content-type", "content_type", type=click.Choice(CONTENT_TYPES), default=None,
              help="How to read the file [default: from the extension, else sniffed].")
@setting_option("default_region", "--region", help="Phone region (ISO 3166 alpha-2, e.g. SE) when "
                "neither the URL's ccTLD nor the page's lang tells one [env MERCHINTEL_DEFAULT_REGION].")
@format_option("json", "table", default="json")
def extract(file: str, url: str | None, content_type: str | None, default_region: str | None,
            fmt: str) -> None:
    """Extract identifiers and metadata from one saved page (FILE, or - for stdin), offline.

    Prints {"identifiers": [{"kind", "value", "raw", "context"}], "meta": {...}} as JSON,
    or a table.  Nothing is fetched: links in the page are only read.

    Example: merchintel extract saved/kontakt.html --url https://shop-a.se/kontakt.html
    """

    if file == "-":
        text = sys.stdin.read()
    else:
        text = read_page_file(file)
    region = config_from(default_region=default_region).default_region
    if region and (len(region) != 2 or not region.isalpha()):
        raise InputError(f"--region {region!r} is not a two-letter country code; use e.g. SE or GB.")
    page = Page(text, url, content_type or _guess_type(file), region.upper() if region else None)
    idents = [i.to_dict() for i in extract_all(page)]
    meta = {**extract_meta(page), "links": link_urls(page)}
    if fmt == "json":
        emit_json({"identifiers": idents, "meta": meta})
        return
    emit_table(idents, ["kind", "value", "raw", "context"], max_width=70)
    click.echo("")
    rows = [{"field": k, "value": v} for k, v in meta.items() if k != "links"]
    rows.append({"field": "links", "value": f"{len(meta.get('links', []))} links"})
    emit_table(rows, ["field", "value"], max_width=90)
