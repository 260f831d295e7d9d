"""Value weights: kind strength times rarity; CDN addresses, privacy proxies and values
spread over many sites weigh little or nothing."""

import pytest

from graph import links, scoring
from graph.links import is_weak_value
from graph.scoring import LINK_THRESHOLD, combine, value_weight


@pytest.mark.parametrize("kind,value,n,cdn,ties_alone", [
    # strong, rare: one shared value ties two sites
    ("btc_address", "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh", 2, False, True),
    ("phone", "+46701234567", 3, False, True),
    ("paypal_merchant_id", "ABCDEFGHJKLMN", 20, False, True),      # money: wide but still one operator
    ("ga_tracking_id", "UA-12345678-1", 4, False, True),
    ("soa_email", "admin@ops.example", 2, False, True),             # medium, rare
    # decoys that must not tie two sites alone
    ("ga_tracking_id", "UA-11111111-1", 40, False, False),         # a theme vendor's id on 40 sites
    ("ga_tracking_id", "UA-11111111-1", 500, False, False),        # above the hard limit: ignored
    ("ip", "203.0.113.10", 2, True, False),                         # CDN address
    ("ip", "198.51.100.7", 2, False, False),                        # weak kind, even when rare
    ("nameserver", "ns1.bigdns.net", 2, False, False),
    ("registrar", "Big Registrar Inc.", 2, False, False),
    ("asn", "AS64500", 2, False, False),
    ("registrant_email", "contact@privacyguardian.org", 2, False, False),   # WHOIS privacy proxy
    ("registrant_org", "REDACTED FOR PRIVACY", 2, False, False),
    ("registrant_org", "Domain Admin", 2, False, False),
    ("soa_email", "hostmaster@bigdns.net", 2, False, False),
    ("soa_email", "admin@ops.example", 30, False, False),           # medium, widely shared
])
def test_value_weight_ties_alone_only_when_strong_and_rare(kind, value, n, cdn, ties_alone):
    w = value_weight(kind, value, n, cdn)
    assert 0.0 <= w <= 1.0
    assert (w >= LINK_THRESHOLD) is ties_alone, (kind, value, n, w)


@pytest.mark.parametrize("stronger,weaker", [
    (("btc_address", 2), ("soa_email", 2)),
    (("soa_email", 2), ("txt_token", 60)),
    (("txt_token", 2), ("ip", 2)),
    (("ip", 2), ("nameserver", 2)),
    (("nameserver", 2), ("registrar", 2)),
    (("nameserver", 2), ("asn", 2)),
    (("ga_tracking_id", 2), ("ga_tracking_id", 10)),
])
def test_weights_follow_the_documented_order(stronger, weaker):
    assert value_weight(stronger[0], "v", stronger[1]) > value_weight(weaker[0], "v", weaker[1])


def test_rarity_is_soft_then_hard():
    soft, hard = scoring.SHARE_LIMITS["strong"]
    kind = "ga_tracking_id"
    assert scoring.rarity(kind, soft) == 1.0
    assert scoring.rarity(kind, 2 * soft) == pytest.approx(0.5)
    assert scoring.rarity(kind, hard) > 0
    assert scoring.rarity(kind, hard + 1) == 0.0


@pytest.mark.parametrize("weights,expected", [
    ([], 0.0), ([1.0], 1.0), ([0.5, 0.5], 0.75), ([0.15, 0.075, 0.03], 1 - 0.85 * 0.925 * 0.97),
])
def test_combine_is_noisy_or(weights, expected):
    assert combine(weights) == pytest.approx(expected, abs=1e-6)


def test_weak_kinds_never_reach_the_threshold_together():
    weak = [value_weight(k, "v", 2) for k in ("ip", "mx", "nameserver", "spf_include", "registrar", "asn")]
    assert combine(weak) < LINK_THRESHOLD


def test_is_weak_value_reads_the_database(tmp_path):
    from tests.linkweb import Writer
    w = Writer(tmp_path / "m.sqlite")
    for i in range(30):
        w.site(f"s{i}.se")
        w.observe(f"s{i}.se", "ga_tracking_id", "UA-11111111-1")
    for d in ("a.se", "b.se"):
        w.site(d)
        w.observe(d, "ga_tracking_id", "UA-22222222-1")
        w.observe(d, "ip", "203.0.113.10", source="dns", flags=["cdn"])
    w.close()
    from crawler.schema import open_db
    db = open_db(tmp_path / "m.sqlite", readonly=True)
    assert is_weak_value(db, "ga_tracking_id", "UA-11111111-1")
    assert not is_weak_value(db, "ga_tracking_id", "UA-22222222-1")
    assert is_weak_value(db, "ip", "203.0.113.10")


def test_cdn_from_ip_info_table_counts(tmp_path):
    from tests.linkweb import Writer
    w = Writer(tmp_path / "m.sqlite")
    for d in ("a.se", "b.se"):
        w.site(d)
        w.observe(d, "ip", "192.0.2.80", source="dns")
    # enrichment's ip_info table (crawler/schema.py); created here only if that section is absent
    w.conn.execute("CREATE TABLE IF NOT EXISTS ip_info (ip TEXT PRIMARY KEY, cdn INTEGER)")
    w.conn.execute("INSERT OR REPLACE INTO ip_info (ip, cdn) VALUES ('192.0.2.80', 1)")
    w.close()
    from crawler.schema import open_db
    db = open_db(tmp_path / "m.sqlite", readonly=True)
    assert links.db_value_weight(db, "ip", "192.0.2.80") == 0.0
    assert scoring.value_stats(db)[("ip", "192.0.2.80")].cdn


def test_final_weights_follow_database_changes(tmp_path):
    """The helpers' cache is dropped when another connection writes."""
    from crawler.schema import open_db
    from tests.linkweb import Writer
    w = Writer(tmp_path / "m.sqlite")
    for d in ("a.se", "b.se"):
        w.site(d)
        w.observe(d, "ga_tracking_id", "UA-33333333-1")
    w.close()
    db = open_db(tmp_path / "m.sqlite", readonly=True)
    assert not is_weak_value(db, "ga_tracking_id", "UA-33333333-1")
    w = Writer(tmp_path / "m.sqlite")
    for i in range(40):
        w.site(f"s{i}.se")
        w.observe(f"s{i}.se", "ga_tracking_id", "UA-33333333-1")
    w.close()
    assert is_weak_value(db, "ga_tracking_id", "UA-33333333-1")
    assert links.final_stats(db)[("ga_tracking_id", "UA-33333333-1")].n_domains == 42
