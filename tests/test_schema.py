"""The live database matches crawler/schema.py, and upserts are idempotent."""

import sqlite3
import time

import pytest

from crawler import schema


def test_live_db_matches_schema_module(tmp_path):
    db = schema.open_db(tmp_path / "m.sqlite")
    for spec in schema.TABLES:
        table = db[spec.name]
        assert table.exists(), spec.name
        assert [c.name for c in table.columns] == [c.name for c in spec.columns], spec.name
        pk = spec.pk if isinstance(spec.pk, tuple) else (spec.pk,)
        assert tuple(table.pks) == pk, spec.name
        have = {tuple(ix.columns) for ix in table.indexes}
        for cols in spec.indexes:
            assert tuple(cols) in have, (spec.name, cols)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_every_column_is_described():
    for spec in schema.TABLES:
        assert spec.doc, spec.name
        for col in spec.columns:
            assert col.doc.strip(), f"{spec.name}.{col.name} has no description"


def test_open_adds_missing_columns_to_an_older_database(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE sites (domain TEXT PRIMARY KEY, first_crawled TEXT)")
    conn.execute("INSERT INTO sites VALUES ('old.se', '2025-01-01T00:00:00Z')")
    conn.commit()
    conn.close()
    db = schema.open_db(path)
    assert {c.name for c in db["sites"].columns} >= {"hostnames", "last_status"}
    assert db.execute("SELECT domain, first_crawled FROM sites").fetchall() == [("old.se", "2025-01-01T00:00:00Z")]
    names = {r["name"] for r in db["_migrations"].rows}
    assert "add:sites.last_status" in names


def test_upsert_seen_keeps_first_seen_and_moves_last_seen(tmp_path):
    db = schema.open_db(tmp_path / "m.sqlite")
    row = {"id": "phone:+46701234567", "kind": "phone", "value": "+46701234567"}
    schema.upsert_seen(db, schema.IDENTIFIERS, dict(row), now="2026-01-01T00:00:00Z")
    schema.upsert_seen(db, schema.IDENTIFIERS, dict(row), now="2026-02-01T00:00:00Z")
    rows = list(db[schema.IDENTIFIERS].rows)
    assert len(rows) == 1
    assert rows[0]["first_seen"] == "2026-01-01T00:00:00Z"
    assert rows[0]["last_seen"] == "2026-02-01T00:00:00Z"


def test_readonly_open_of_missing_db_says_what_to_do(tmp_path):
    import pytest

    from crawler.errors import StoreError
    with pytest.raises(StoreError, match="run `merchintel crawl` first or pass --db"):
        schema.open_db(tmp_path / "nope.sqlite", readonly=True)


def _open_and_write(path, n, go):
    go.wait(30)
    db = schema.open_db(path)
    db[schema.SITES].upsert({"domain": f"s{n}.se"}, pk="domain")
    db.conn.close()


@pytest.mark.parametrize("round_", range(4))
def test_many_processes_opening_one_new_database_at_once(tmp_path, round_):
    """Processes released together on one new file: each must open it and write (CI once
    saw `table "_migrations" already exists` when two created the schema at once)."""
    import multiprocessing

    path = tmp_path / "shared.sqlite"
    ctx = multiprocessing.get_context("fork")
    go = ctx.Event()
    procs = [ctx.Process(target=_open_and_write, args=(path, n, go)) for n in range(8)]
    for p in procs:
        p.start()
    time.sleep(0.3)
    go.set()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 8
    db = schema.open_db(path)
    assert db[schema.SITES].count == 8
