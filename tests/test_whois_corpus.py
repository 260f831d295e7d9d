"""The WHOIS parser on real port-43 answers (tests/whois_corpus, sources in its SOURCES file).

Per field over the whole corpus the parser must be right for at least 97% of responses, and
no TLD may fall below 90% on a field its registry publishes. "Right" includes reporting
nothing where the response publishes nothing (see enrich/whois_eval.py for how values are
compared). bench/whois_bench.py prints the same figures per TLD, and times them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from enrich.whois import parse_whois
from enrich.whois_eval import FIELDS, field_ok, load_corpus, score
from enrich.whois_parse import MAX_PARSE_CHARS, fields

CORPUS = Path(__file__).parent / "whois_corpus"
SAMPLES = load_corpus(CORPUS)

# The TLDs issue 11 names. .es is missing: NIC.es answers port 43 only to registered
# addresses, and no public copy of one of its answers was found; it is reported, not faked.
ISSUE_TLDS = {"se", "nu", "dk", "no", "fi", "de", "nl", "be", "fr", "it", "pl", "cz", "at", "ch", "uk", "ie", "eu",
              "ru", "su", "xn--p1ai", "ua", "jp", "cn", "br", "io", "cc", "to", "ws", "me", "co", "com", "net", "org",
              "info", "biz", "xyz", "top", "shop", "online"}


def test_the_corpus_covers_forty_tlds_each_response_with_its_source_and_expected_values():
    tlds = {s.tld for s in SAMPLES}
    assert len(tlds) >= 40 and ISSUE_TLDS <= tlds
    sources = (CORPUS / "SOURCES").read_text("utf-8")
    for s in SAMPLES:
        assert f"{s.tld}/{s.path.name}\t" in sources, s.path
        assert set(s.expected) == set(FIELDS), s.path
    # formats that differ by registrar: thin and gTLD answers come from more than one registrar
    for tld in ("com", "net", "org", "biz", "xyz", "top"):
        assert sum(s.tld == tld for s in SAMPLES) >= 2, tld


RESULT = score(SAMPLES, fields)


@pytest.mark.parametrize("field", FIELDS)
def test_each_field_is_right_for_at_least_97_percent_of_the_corpus(field):
    misses = [m for m in RESULT.misses if m[1] == field]
    assert RESULT.field_accuracy(field) >= 0.97, misses


def test_no_tld_falls_below_90_percent_on_a_field_it_publishes():
    low = {(t, f): RESULT.tld_accuracy(t, f) for t in RESULT.per_tld for f in FIELDS
           if (a := RESULT.tld_accuracy(t, f)) is not None and a < 0.9}
    assert not low, low


def test_the_stored_record_carries_the_same_values_as_the_reader():
    """parse_whois (what enrichment stores) agrees with the reader on every non-registrant field."""
    for s in SAMPLES:
        rec = parse_whois(s.domain, s.text)
        assert rec["status"] == "ok", (s.path, rec["error"])
        for f in ("registrar", "created", "updated", "expires", "nameservers", "statuses"):
            assert field_ok(f, s.expected[f], rec[f]), (s.path, f, rec[f])


# The failures issue 11 names, one row each (all in the corpus; here so a regression names itself).
NAMED = [
    ("jp/amazon.jp", "nameservers"), ("jp/meta.jp", "created"),              # [Name Server] / [Created on]
    ("it/google.it", "nameservers"),                                         # indented Nameservers block
    ("pl/google.pl", "nameservers"), ("pl/allegro.pl", "nameservers"),       # continuation lines
    ("dk/folketinget.dk", "nameservers"), ("dk/nic.dk", "nameservers"),      # Hostname: blocks, not DNS: itself
    ("ch/google.ch", "registrar"), ("ch/switch.ch", "nameservers"),          # SWITCH's blocks
    ("io/nic.io", "registrant_org"),
    ("com/netspi.com", "nameservers"),                                       # IANA's gtld-servers are not the domain's
    ("ie/google.ie", "registrar"), ("kz/google.kz", "created"),
    ("no/google.no", "nameservers"),                                         # handles only: absent, not guessed
]


@pytest.mark.parametrize("name,field", NAMED, ids=[f"{n}-{f}" for n, f in NAMED])
def test_the_formats_the_issue_names(name, field):
    s = next(s for s in SAMPLES if f"{s.tld}/{s.domain}" == name)
    assert field_ok(field, s.expected[field], fields(s.domain, s.text).get(field))


def test_a_hostile_answer_is_read_only_up_to_the_cap():
    big = "Domain Name: x.com\nRegistrar: Early Registrar\n" + "Name Server: ns1.x.com\n" * 500_000 \
        + "Registry Expiry Date: 2030-01-01\n"
    rec = parse_whois("x.com", big)
    assert rec["registrar"] == "Early Registrar" and rec["nameservers"] == ["ns1.x.com"]
    assert rec["expires"] is None            # past MAX_PARSE_CHARS: never read
    assert len(big) > 100 * MAX_PARSE_CHARS
    endless = "Registrar: " + "A" * 10_000_000
    assert len(fields("x.com", endless)["registrar"]) <= 1_000


def test_any_text_gives_a_status_never_an_exception():
    """Hostile or broken answers: random text, corpus answers cut anywhere, lines shuffled."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    texts = st.one_of(
        st.text(max_size=3000),
        st.builds(lambda s, cut: s.text[:cut], st.sampled_from(SAMPLES), st.integers(0, 8000)),
        st.builds(lambda s, r: "\n".join(r.sample(s.text.splitlines(), len(s.text.splitlines()))),
                  st.sampled_from(SAMPLES), st.randoms()),
    )

    @settings(max_examples=300, deadline=None)
    @given(texts)
    def check(text):
        rec = parse_whois("example.com", text)
        assert rec["status"] in ("ok", "not_found", "error")
        for n in rec["nameservers"]:
            assert "." in n and n == n.lower() and " " not in n
        for key in ("created", "updated", "expires"):
            assert rec[key] is None or (len(rec[key]) == 20 and rec[key].endswith("Z"))

    check()
