"""The ``merchintel`` group loads command modules lazily: ``--help`` imports none of them,
a command imports only its own, and ``COMMANDS`` (module, summary) agrees with the commands."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from merchintel import cli
from tests.conftest import cli_env

HEAVY = ("scrapy", "twisted", "sqlite_utils", "networkx", "redis", "lxml", "phonenumbers")

# Runs the group in a fresh interpreter and prints the command modules and heavy libraries
# that were imported.
PROBE = """
import json, sys
from merchintel.cli import main
try:
    main(sys.argv[1:], prog_name="merchintel")
except SystemExit:
    pass
heavy = %r
print(json.dumps({"commands": sorted(m for m in sys.modules if m.startswith("merchintel.cli.")),
                  "heavy": sorted(m for m in sys.modules if m.split(".")[0] in heavy)}))
"""


def probe(*args: str) -> dict:
    r = subprocess.run([sys.executable, "-c", PROBE % (HEAVY,), *args], env=cli_env(), capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def loaded() -> dict[str, click.Command]:
    for module in {m for m, _ in cli.COMMANDS.values()}:
        importlib.import_module(f"merchintel.cli.{module}")
    return dict(cli.main.commands)


def test_every_command_module_is_named_in_commands():
    modules = {p.stem for p in Path(cli.__file__).parent.glob("*.py")} - {"__init__", "__main__", "common"}
    assert modules == {m for m, _ in cli.COMMANDS.values()}, "a command module missing from COMMANDS never loads"


def test_every_command_is_listed_with_its_module(loaded):
    assert sorted(loaded) == sorted(cli.COMMANDS), "add each new command to COMMANDS in merchintel/cli/__init__.py"
    for name, cmd in loaded.items():
        assert cmd.callback.__module__ == f"merchintel.cli.{cli.COMMANDS[name][0]}", name


def test_listed_summaries_are_the_commands_own(loaded):
    for name, cmd in loaded.items():
        assert cmd.get_short_help_str(limit=1000) == cli.COMMANDS[name][1], name


def test_help_imports_no_command_module_and_no_heavy_library():
    got = probe("--help")
    assert got == {"commands": [], "heavy": []}


def test_a_command_imports_only_its_own_module():
    got = probe("extract", "--help")
    assert got["commands"] == ["merchintel.cli.common", "merchintel.cli.extract"]
    got = probe("history", "--help")
    assert "merchintel.cli.crawl" not in got["commands"] and "merchintel.cli.alerts" in got["commands"]
    assert not [m for m in got["heavy"] if m.split(".")[0] in ("scrapy", "twisted", "redis")]


def test_help_lists_every_command_without_loading_them():
    r = subprocess.run([sys.executable, "-m", "merchintel.cli", "--help"], env=cli_env(), capture_output=True,
                       text=True, timeout=120)
    listed = [line.split()[0] for line in r.stdout.split("Commands:\n", 1)[1].splitlines() if line.strip()]
    assert listed == sorted(cli.COMMANDS)


def test_unknown_command_is_one_error_line():
    r = subprocess.run([sys.executable, "-m", "merchintel.cli", "crawll"], env=cli_env(), capture_output=True,
                       text=True, timeout=120)
    assert r.returncode != 0 and "No such command 'crawll'" in r.stderr
