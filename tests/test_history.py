"""Per-site history: parked/moved phrase tables, state periods, `merchintel history`."""

from __future__ import annotations

import json

import pytest

from crawler.schema import SITE_STATES
from crawler.extractors.notices import moved_targets, parked_reason
from graph.history import record_states, site_history
from tests.test_alerts import PAYPAL, PHONE, STRIPE, WALLET, Site, World, iso


@pytest.mark.parametrize("text, reason", [
    ("This domain is parked free of charge", "parked"),
    ("THIS DOMAIN MAY BE FOR SALE. Inquire now", "for_sale"),
    ("Premium domain for sale: oldshop.se", "for_sale"),
    ("Account Suspended - contact your hosting provider", "suspended"),
    ("This site has been seized by the FBI and Europol", "seized"),
    ("Sorry, this domain has expired and is pending renewal", "expired"),
    # decoys
    ("We parked our van outside the shop", None),
    ("Free parking for customers; domains of knowledge", None),
    ("Your account: suspended payments are refunded", None),
    ("", None),
])
def test_parked_phrases(text, reason):
    assert parked_reason(text) == reason


@pytest.mark.parametrize("text, linked, expected", [
    ("We have moved to newshop.is!", [], ["newshop.is"]),
    ("We've moved to http://www.newshop.is:8080/start - update your bookmarks", ["newshop.is"], ["newshop.is"]),
    ("Our new address: shop.example.co.uk", ["example.co.uk"], ["example.co.uk"]),
    ("Мы переехали на newshop.ru", [], ["newshop.ru"]),
    ("Vi har flyttat till nyshop.se", [], ["nyshop.se"]),
    # decoys
    ("We moved the warehouse. Contact: support@newshop.is", [], []),     # an e-mail, other sentence
    ("We have moved to newshop.is", ["other.com"], []),                   # named, but not the link
    ("We have moved to oldshop.se/new", [], []),                          # own domain
    ("Order now at oldshop.se, delivery tomorrow", [], []),               # no notice
])
def test_moved_targets(text, linked, expected):
    assert moved_targets(text, "oldshop.se", linked) == expected


def test_periods_extend_while_nothing_changes(tmp_path):
    w = World(tmp_path)
    for _ in range(3):
        w.crawl({"shop.se": Site(ids=[WALLET, PHONE])})
        record_states(w.db, now=iso(w.t))
    rows = list(w.db[SITE_STATES].rows)
    assert len(rows) == 1 and rows[0]["crawls"] == 3 and rows[0]["current"] == 1
    assert rows[0]["first_seen"] < rows[0]["last_seen"] == iso(w.t)
    assert record_states(w.db, now=iso(w.t)) == []          # no new crawl: nothing to record


def test_history_lists_what_changed(tmp_path):
    w = World(tmp_path)
    w.crawl({"shop.se": Site(ids=[PAYPAL, STRIPE, PHONE])})
    w.evaluate()
    w.crawl({"shop.se": Site(ids=[PAYPAL, WALLET, PHONE], ips=["198.51.100.9"], registrar="Njalla")})
    w.evaluate()
    w.crawl({"shop.se": Site(status="nxdomain", error="nxdomain")})
    w.evaluate()
    w.crawl({"shop.se": Site(ids=[], text="This domain is parked. Buy this domain")})
    w.evaluate()
    hist = site_history(w.db, "http://www.shop.se/any")
    assert [h["status"] for h in hist] == ["ok", "ok", "nxdomain", "parked"]
    assert hist[0]["changes"] == ["first crawl"]
    assert hist[1]["changes"] == [f"+payment {WALLET[0]}:{WALLET[1]}", f"-payment {STRIPE[0]}:{STRIPE[1]}",
                                  "+ip 198.51.100.9", "-ip 203.0.113.10",
                                  "registrar Big Registrar Inc. -> Njalla"]
    assert hist[2]["changes"][0] == "status ok -> nxdomain"
    assert hist[3]["changes"][0] == "status nxdomain -> parked (parked)"
    # Dead crawls carry no enrichment: the last known IPs are kept out of the comparison.
    assert sum(h["crawls"] for h in hist) == 4


def test_history_cli(tmp_path, cli):
    w = World(tmp_path)
    w.crawl({"shop.se": Site(ids=[PAYPAL])})
    w.evaluate()
    w.crawl({"shop.se": Site(final="shop.nu", ids=[PAYPAL])})
    w.evaluate()
    res = cli("history", "shop.se", "--db", w.path, "--format", "json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [r["final_domain"] for r in rows] == ["shop.se", "shop.nu"]
    assert "final domain shop.se -> shop.nu" in rows[1]["changes"]
    table = cli("history", "shop.se", "--db", w.path)
    assert "final domain shop.se -> shop.nu" in table.stdout
    none = cli("history", "never.se", "--db", w.path, "--format", "json")
    assert json.loads(none.stdout) == [] and "no recorded crawl of never.se" in none.stderr


def test_two_evaluations_at_once_record_a_crawl_once(tmp_path):
    """A manual crawl's evaluation racing run-due's: each crawl is recorded exactly once."""
    import threading

    from crawler.schema import open_db
    w = World(tmp_path)
    w.crawl({f"shop{i}.se": Site(ids=[("phone", f"+4670111{i:04d}")]) for i in range(300)})
    record_states(w.db, now=iso(w.t))
    w.crawl({f"shop{i}.se": Site(ids=[("phone", f"+4670111{i:04d}")]) for i in range(300)})
    results, barrier = [], threading.Barrier(2)

    def go():
        db = open_db(w.path)
        barrier.wait()
        results.append(len(record_states(db, now=iso(w.t))))
    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 300]
    assert w.db.execute(f"SELECT count(*), sum(crawls), sum(current) FROM [{SITE_STATES}]").fetchone() == (300, 600, 300)
