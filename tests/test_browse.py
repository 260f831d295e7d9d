import json

from crawler import schema


def test_browse_serves_the_store_read_only_with_descriptions(tmp_path, cli):
    db = schema.open_db(tmp_path / "m.sqlite")
    db[schema.SITES].insert({"domain": "shop-a.se", "last_status": "ok"})
    db.conn.close()
    r = cli("browse", "--db", str(tmp_path / "m.sqlite"), "--get", "/m/sites.json?_shape=array")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["domain"] == "shop-a.se"
    r = cli("browse", "--db", str(tmp_path / "m.sqlite"), "--get", "/-/metadata.json")
    meta = json.loads(r.stdout)
    assert meta["databases"]["m"]["tables"]["sites"]["columns"]["last_status"].startswith("ok, nxdomain")


def test_browse_without_a_database_says_what_to_do(tmp_path, cli):
    r = cli("browse", "--db", str(tmp_path / "none.sqlite"))
    assert r.returncode == 1
    assert "run `merchintel crawl` first" in r.stderr
