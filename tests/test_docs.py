"""The documentation agrees with the code: the generated CLI reference (docs/cli.md),
settings table (docs/settings.md) and kinds table (docs/kinds.md) are current, every command,
setting and kind is documented, and the README is short and opens with the two set-up
commands."""

from pathlib import Path

import click
import pytest

from merchintel import docs
from merchintel.cli import main
from crawler.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI_MD = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
SETTINGS_MD = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
KINDS_MD = (ROOT / "docs" / "kinds.md").read_text(encoding="utf-8")
COMMANDS = sorted(main.list_commands(click.Context(main)))


def test_readme_opens_with_the_two_setup_commands():
    head = "\n".join(README.splitlines()[:12])
    assert "make demo" in head and "make test" in head


def test_readme_is_at_most_250_lines():
    assert len(README.splitlines()) <= 250


def test_readme_links_every_generated_reference():
    for name in ("docs/cli.md", "docs/settings.md", "docs/kinds.md"):
        assert f"]({name})" in README


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("path", docs.GENERATED, ids=lambda p: p.name)
def test_generated_sections_are_current(path):
    text = path.read_text(encoding="utf-8")
    assert docs.render(text) == text, f"{path.name} is stale: run `make docs`"


@pytest.mark.parametrize("path,section", [("docs/cli.md", "cli-reference"),
                                          ("docs/settings.md", "settings-table"),
                                          ("docs/kinds.md", "kinds-table")])
def test_each_generated_section_lives_in_its_document(path, section):
    text = (ROOT / path).read_text(encoding="utf-8")
    assert f"<!-- {section}:" in text and f"<!-- /{section} -->" in text
    assert docs.SECTIONS[section]().strip() in text


@pytest.mark.parametrize("name", COMMANDS)
def test_commands_are_documented_and_have_help(name):
    cmd = main.get_command(click.Context(main), name)
    assert (cmd.help or "").strip(), f"merchintel {name} has no help text"
    assert f"### merchintel {name}\n" in CLI_MD


@pytest.mark.parametrize("env", [s.env for s in SETTINGS])
def test_settings_are_documented(env):
    assert f"`{env}`" in SETTINGS_MD


def test_identifier_kinds_are_documented():
    from crawler.kinds import kinds
    missing = [k for k in kinds() if f"`{k}`" not in KINDS_MD]
    assert not missing, f"docs/kinds.md lacks kinds {missing}"
