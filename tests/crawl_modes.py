"""The sample web crawled once per value of one Scrapy setting, each crawl in its own
process, and what each stored: the tests of the crawl's helper processes (the analysis
worker, the store writer) check that a helper changes where the work runs, not the rows.
Also ``alive``: whether a helper process outlived its crawl."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

_CRAWL = """
import sys
from crawler.config import load_config
from crawler.inputs import read_input
from crawler.clock import new_run_id
from merchintel.runner import crawl_reports, prepare_run
setting, value, db, ns, reports = sys.argv[1:6]
cfg = load_config({"db": db, "allow_private": True, "nameservers": ns}, env={}, toml_path=None)
name, reps, _ = read_input(reports)
rid = new_run_id()
crawl_reports(cfg, prepare_run(cfg, name, reps, [], run_id=rid), run_id=rid, extra_settings={setting: int(value)})
"""


def sample_crawls(tmp_path: Path, setting: str, values: tuple[str, ...], queries: dict[str, str]) -> list[dict]:
    """For each value of ``setting``: {name: sorted rows of the query} over that crawl's store."""
    from fakeweb import SAMPLE_WEB, FakeWeb
    from tests.conftest import cli_env

    got = []
    with FakeWeb(SAMPLE_WEB) as web:
        reports = web.render_reports(tmp_path / "r.csv", src=SAMPLE_WEB / "reports.csv")
        for value in values:
            db = tmp_path / f"{setting}-{value}.sqlite"
            subprocess.run([sys.executable, "-c", _CRAWL, setting, value, str(db),
                            web.env["MERCHINTEL_NAMESERVERS"], str(reports)],
                           env=cli_env(tmp_path), check=True, capture_output=True, timeout=240)
            c = sqlite3.connect(db)
            try:
                got.append({name: sorted(c.execute(sql)) for name, sql in queries.items()})
            finally:
                c.close()
    return got


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it has exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def kill_parent_and_wait_for_helper(code: str, pidfile: Path, what: str, cwd: Path | None = None) -> None:
    """Run ``code`` (a crawl-like process that starts a helper and writes the helper's pid
    to ``pidfile``), SIGKILL it, and fail unless the helper is gone within 10 s."""
    import os
    import signal
    import time

    import pytest

    p = subprocess.Popen([sys.executable, "-c", code], cwd=cwd)
    try:
        deadline = time.monotonic() + 30
        while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.05)
        child = int(pidfile.read_text())
    finally:
        p.kill()
        p.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and alive(child):
        time.sleep(0.1)
    if alive(child):
        os.kill(child, signal.SIGKILL)
        pytest.fail(f"the {what} outlived its crawl process")
