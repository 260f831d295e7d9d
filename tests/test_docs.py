"""The README agrees with the code: generated sections are current, every command and
setting is documented, and it opens with the two set-up commands."""

from pathlib import Path

import click
import pytest

from merchintel import docs
from merchintel.cli import main
from crawler.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(main.list_commands(click.Context(main)))


def test_readme_opens_with_the_two_setup_commands():
    head = "\n".join(README.splitlines()[:12])
    assert "make demo" in head and "make test" in head


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_generated_sections_are_current():
    assert docs.render(README) == README, "README is stale: run `python -m merchintel.docs`"


@pytest.mark.parametrize("name", COMMANDS)
def test_commands_are_documented_and_have_help(name):
    cmd = main.get_command(click.Context(main), name)
    assert (cmd.help or "").strip(), f"merchintel {name} has no help text"
    assert f"merchintel {name}" in README


@pytest.mark.parametrize("env", [s.env for s in SETTINGS])
def test_settings_are_documented(env):
    assert env in README


def test_identifier_kinds_are_documented():
    from crawler.kinds import kinds
    missing = [k for k in kinds() if f"`{k}`" not in README]
    assert not missing, f"README lacks kinds {missing}"
