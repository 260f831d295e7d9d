"""``merchintel browse``: the evidence store in Datasette, read-only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from crawler import schema
from crawler.errors import ConfigError, StoreError
from merchintel.cli import main
from merchintel.cli.common import config_from, db_option


@main.command()
@db_option
@click.option("--port", type=int, default=8001, show_default=True, help="Port on 127.0.0.1.")
@click.option("--get", "get_path", metavar="PATH",
              help="Print the response for PATH (e.g. /merchintel/sites.json) and exit, without a server.")
def browse(port: int, get_path: str | None, **opts) -> None:
    """Open the database in Datasette (read-only, on 127.0.0.1), with every table and
    column described from crawler/schema.py.  Needs the 'browse' extra:
    pip install 'merchintel[browse]'."""

    cfg = config_from(**opts)
    db_path = Path(cfg.db)
    if not db_path.exists():
        raise StoreError(f"database {db_path} does not exist; run `merchintel crawl` first or pass --db.")
    datasette = shutil.which("datasette", path=os.path.dirname(sys.executable)) or shutil.which("datasette")
    if not datasette:
        raise ConfigError("Datasette is not installed; run: pip install 'merchintel[browse]'.")
    meta = {"title": "merchintel evidence store",
            "databases": {db_path.stem: schema.describe()}}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(meta, fh)
        meta_path = fh.name
    try:
        # -i: immutable, so browsing never writes to the evidence store.
        cmd = [datasette, "serve", "-i", str(db_path), "--metadata", meta_path, "-h", "127.0.0.1",
               "-p", str(port), "--setting", "sql_time_limit_ms", "5000"]
        if get_path:
            cmd += ["--get", get_path]
        code = subprocess.call(cmd)
        if get_path and code != 0:
            # Datasette printed its error page: say so in one line and keep the exit status
            click.echo(f"Error: {get_path} is not a page of the store (Datasette answered with an error); "
                       f"try /{db_path.stem}.json or /{db_path.stem}/sites.json.", err=True)
        sys.exit(code)
    finally:
        os.unlink(meta_path)
