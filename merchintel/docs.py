"""Generated parts of the documentation, kept true by a test: the CLI reference
(docs/cli.md), the settings table (docs/settings.md) and the identifier kinds
(docs/kinds.md).

Running this module rewrites them in place; ``tests/test_docs.py`` fails when a file of
``GENERATED`` differs from what this module generates.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from crawler.config import SETTINGS
from crawler.kinds import kinds
from merchintel.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GENERATED = (README, ROOT / "docs" / "cli.md", ROOT / "docs" / "settings.md", ROOT / "docs" / "kinds.md")


def settings_table() -> str:
    lines = ["| setting | merchintel.toml key | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = "" if s.default is None else f"`{s.default}`"
        lines.append(f"| `{s.env}` | `{s.name}` | {default} | {s.help} |")
    return "\n".join(lines)


def kinds_table() -> str:

    lines = ["| kind | family | label | link strength | personal | what it is |", "|---|---|---|---|---|---|"]
    for k in sorted(kinds().values(), key=lambda k: (k.family, k.kind)):
        desc = k.description.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{k.kind}` | {k.family} | {k.label} | {k.strength} | {'yes' if k.personal else 'no'} | {desc} |")
    return "\n".join(lines)


def cli_reference() -> str:


    out = []
    ctx = click.Context(main, info_name="merchintel")
    for name in main.list_commands(ctx):
        cmd = main.get_command(ctx, name)
        sub = click.Context(cmd, info_name=name, parent=ctx)
        out.append(f"### merchintel {name}\n\n```\n{cmd.get_help(sub)}\n```\n")
    return "\n".join(out)


SECTIONS = {"settings-table": settings_table, "kinds-table": kinds_table, "cli-reference": cli_reference}


def render(text: str) -> str:
    for name, fn in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:[^\n]*-->\n)(.*?)(<!-- /{name} -->)", re.S)
        text = pattern.sub(lambda m: m.group(1) + fn().rstrip("\n") + "\n" + m.group(3), text)
    return text


if __name__ == "__main__":
    for path in GENERATED:
        path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)
