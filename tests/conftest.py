"""Shared fixtures.

Network: the pytest process may only reach loopback (pytest-socket, see pyproject.toml);
subprocesses get ``tests/netguard`` on PYTHONPATH, whose sitecustomize refuses any
non-loopback connection.  Use ``cli_env()`` / ``run_cli()`` to run merchintel as a real
process under that guard.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NETGUARD = Path(__file__).resolve().parent / "netguard"


def cli_env(tmp_path: Path | None = None, **extra: str) -> dict[str, str]:
    """Environment for a merchintel subprocess: netguard on, HOME in tmp, MERCHINTEL_* cleared
    (MERCHINTEL_RENDER=never unless ``extra`` says otherwise)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MERCHINTEL_")}
    # No browser unless a test asks for one (MERCHINTEL_RENDER=auto/always): rendering has
    # its own tests (test_render.py, test_canaries.py), the other crawls stay fast.
    env["MERCHINTEL_RENDER"] = "never"
    env["PYTHONPATH"] = os.pathsep.join([str(NETGUARD), str(ROOT)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if tmp_path is not None:
        env["HOME"] = str(tmp_path / "home")
        env["TMPDIR"] = str(tmp_path / "tmp")
        env["XDG_CACHE_HOME"] = str(tmp_path / "home" / ".cache")
        for d in ("home", "tmp"):
            (tmp_path / d).mkdir(exist_ok=True)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_cli(args: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
            input: str | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run ``merchintel ARGS`` as a real process; returns the CompletedProcess (text)."""
    return subprocess.run([sys.executable, "-m", "merchintel.cli", *args], env=env or cli_env(),
                          cwd=cwd, input=input, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def cli(tmp_path):
    """``cli(*args, **env)`` runs merchintel in tmp_path with the netguard on."""
    def _run(*args: str, input: str | None = None, timeout: float = 240, **extra: str):
        return run_cli(list(args), env=cli_env(tmp_path, **extra), cwd=tmp_path, input=input, timeout=timeout)
    return _run
