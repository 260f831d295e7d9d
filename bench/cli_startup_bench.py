"""CLI start-up: CPU time of ``merchintel --help`` and of small subcommands against a bare
``python -c pass``, all measured in this run.

    .venv/bin/python bench/cli_startup_bench.py [--runs 7]

Each command runs ``--runs`` times as a child process; its CPU time (user + system, from
``getrusage(RUSAGE_CHILDREN)``) is taken per run and the median printed, with the ratio to
the bare interpreter's median (lower is better) and the extra CPU the command costs over it.
Wall time is not used: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def merchintel() -> list[str]:
    """The installed console script beside this interpreter, else ``python -m merchintel.cli``."""
    script = Path(sys.executable).parent / "merchintel"
    if script.exists():
        return [str(script)]
    found = shutil.which("merchintel")
    return [found] if found else [sys.executable, "-m", "merchintel.cli"]


def cpu_of(cmd: list[str]) -> float:
    """CPU seconds (user + system) one run of ``cmd`` took."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    mi = merchintel()
    cases = [
        ("python -c pass (baseline)", [sys.executable, "-c", "pass"]),
        ("merchintel --help", [*mi, "--help"]),
        ("merchintel --version", [*mi, "--version"]),
        ("merchintel history --help", [*mi, "history", "--help"]),
        ("merchintel extract --help", [*mi, "extract", "--help"]),
        ("merchintel crawl --help", [*mi, "crawl", "--help"]),
    ]
    for _, cmd in cases:   # warm the file cache and the bytecode once
        cpu_of(cmd)
    times: dict[str, list[float]] = {label: [] for label, _ in cases}
    for _ in range(args.runs):   # interleaved, so a busy moment hits every command alike
        for label, cmd in cases:
            times[label].append(cpu_of(cmd))
    base = statistics.median(times[cases[0][0]])
    print(f"CPU time per run, median of {args.runs} (user + system):")
    for label, _ in cases:
        t = statistics.median(times[label])
        print(f"  {label:<28} {t:6.3f} s   x{t / base:5.1f} of baseline   +{t - base:6.3f} s")


if __name__ == "__main__":
    main()
