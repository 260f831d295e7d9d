"""What every command shares: the settings table as options, output formats, stderr."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import click
from tabulate import tabulate

from crawler.config import RENDER_MODES, SETTINGS_BY_NAME, Config, load_config
from crawler.errors import ConfigError, StoreError


def setting_option(name: str, *flags: str, **kwargs: Any) -> Callable:
    """A click option for a row of crawler.config.SETTINGS.

    The default is left to ``load_config`` (so env > toml > default still apply when the
    flag is absent); the help shows the env variable.
    """
    s = SETTINGS_BY_NAME[name]
    kwargs.setdefault("help", f"{s.help} [env {s.env}; default {s.default!r}]")
    kwargs.setdefault("default", None)
    return click.option(*(flags or (f"--{name.replace('_', '-')}",)), name, **kwargs)


def db_option(f: Callable) -> Callable:
    return setting_option("db", "--db", type=click.Path(dir_okay=False))(f)


def crawl_options(f: Callable) -> Callable:
    """The crawl settings shared by `crawl` and `worker`, in the order their --help shows them."""
    options = (
        setting_option("depth", "--depth", type=click.IntRange(0, 20)),
        setting_option("max_pages", "--max-pages", type=click.IntRange(1, 100_000)),
        setting_option("concurrency", "--concurrency", type=click.IntRange(1, 512)),
        setting_option("allow_private", "--allow-private", is_flag=True, default=None,
                       help="Lift the SSRF guard: allow loopback/private/reserved targets (test webs only). "
                            "[env MERCHINTEL_ALLOW_PRIVATE]"),
        setting_option("ssrf_allow", "--ssrf-allow"),
        setting_option("nameservers", "--nameservers"),
        setting_option("proxy", "--proxy"),
        setting_option("timeout", "--timeout", type=float),
        setting_option("text_cap", "--text-cap", type=click.IntRange(0, None)),
        setting_option("captures", "--captures/--no-captures", default=None),
        setting_option("render", "--render", type=click.Choice(RENDER_MODES)),
    )
    for option in reversed(options):  # decorators apply bottom-up
        f = option(f)
    return f


def format_option(*choices: str, default: str = "table") -> Callable:
    return click.option("--format", "fmt", type=click.Choice(list(choices or ("json", "table"))),
                        default=default, show_default=True, help="Output format (json is for pipes).")


def config_from(**cli: Any) -> Config:
    """Resolve the settings with the command's flags on top."""
    return load_config({k: v for k, v in cli.items() if k in SETTINGS_BY_NAME})


def require_db(path: Any) -> None:
    """A command that reads or watches a store refuses one that does not exist: a typo in a
    cron line must fail loudly, not create an empty database and watch it forever."""

    if not Path(str(path)).is_file():
        raise StoreError(f"database {path} does not exist; run `merchintel crawl` first or pass --db.")


def known_cases(store: Any) -> list[str]:
    """Every case name the store knows (tracked sites, reports, runs, schedules)."""
    names: set[str] = set()
    for table, col in (("case_sites", "case_name"), ("reports", "case_name"), ("runs", "case_name"),
                       ("schedules", "case_name")):
        try:
            names.update(r[0] for r in store.execute(f"SELECT DISTINCT [{col}] FROM [{table}]") if r[0])
        except Exception:   # an older store without the table
            pass
    return sorted(names)


def require_case(store: Any, case: str | None) -> None:
    """Refuse a case the store has never heard of (a typo would give an empty answer)."""
    if case is None:
        return
    cases = known_cases(store)
    if case not in cases:
        shown = ", ".join(cases[:10]) + (" …" if len(cases) > 10 else "") if cases else "none yet"
        raise ConfigError(f"no case {case!r} in this database (cases: {shown}); check --case or --db.")


def err(message: str) -> None:
    """A line on stderr (progress, logs, warnings)."""
    click.echo(message, err=True)


def emit_json(data: Any, out=None) -> None:
    out = out or sys.stdout
    json.dump(data, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")


def short_float(v: float) -> str:
    """0.333333 -> 0.333, 1.0 -> 1.0, 0.5 -> 0.5: scores read at a glance in tables."""
    if v != v or abs(v) >= 1e15:
        return str(v)
    text = f"{v:.3f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def emit_table(rows: Sequence[dict[str, Any]], columns: Iterable[str] | None = None, out=None,
               max_width: int = 60) -> None:
    """An aligned text table on stdout (tabulate); a value longer than ``max_width`` wraps
    onto more lines of its cell, never cut: evidence and caveats are read in full."""

    out = out or sys.stdout
    rows = list(rows)
    if not rows:
        out.write("(none)\n")
        return
    cols = list(columns or rows[0].keys())

    def cell(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, float):
            v = short_float(v)
        elif isinstance(v, (list, tuple)):
            v = ", ".join(str(x) for x in v)
        elif isinstance(v, dict):
            v = json.dumps(v, ensure_ascii=False)
        return str(v).replace("\n", " ")

    table = [[cell(r.get(c)) for c in cols] for r in rows]
    # Only columns that need it wrap (tabulate wraps at spaces, and breaks long words).
    widths = [max_width if any(len(row[i]) > max_width for row in table) else None for i in range(len(cols))]
    text = tabulate(table, headers=cols, tablefmt="simple", maxcolwidths=widths, disable_numparse=True)
    out.write("\n".join(line.rstrip() for line in text.splitlines()) + "\n")
