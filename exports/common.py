"""What every export format shares: the attribute table, flat values, the source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


# (name, type) of every node and edge attribute an export may carry; GEXF and GraphML
# declare them up front.  Types: string, boolean, integer, double.
NODE_ATTRS: tuple[tuple[str, str], ...] = (
    ("kind", "string"), ("value", "string"), ("label", "string"), ("group", "string"),
    ("family", "string"), ("strength", "string"), ("personal", "boolean"), ("weight", "double"),
    ("n_domains", "integer"), ("cdn", "boolean"), ("first_seen", "string"), ("last_seen", "string"),
    ("status", "string"), ("cluster", "string"), ("final_domain", "string"), ("ips", "string"),
    ("asns", "string"), ("countries", "string"), ("registrar", "string"), ("created", "string"),
    ("report_ids", "string"), ("report_sources", "string"), ("as_name", "string"), ("country", "string"),
)
EDGE_ATTRS: tuple[tuple[str, str], ...] = (
    ("kind", "string"), ("first_seen", "string"), ("last_seen", "string"), ("evidence", "string"),
    ("evidence_count", "integer"), ("sources", "string"), ("score", "double"), ("tie", "string"),
    ("direction", "string"), ("via", "string"),
)
LIST_SEP = " | "


def flat(value: Any) -> str:
    """One attribute value as text: lists joined with `` | ``, booleans ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return LIST_SEP.join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def present(value: Any) -> bool:
    """False for None, empty strings and empty lists: such attributes are left out."""
    return value is not None and value != "" and value != [] and value != ()


def prepare(out: str | Path) -> Path:
    path = Path(out)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    return path
