"""Every documented form of each payment and tracker identifier (tests/formsweb.py: one row per
vendor document) is found; over a test web that mixes the forms, recall per kind is at least
0.98 and nothing is taken that the web does not hold; the documents' placeholders give nothing."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from crawler.extractors import Page, extract_all, payments, trackers
from tests.formsweb import FORMS, PLACEHOLDERS, make_formsweb, write_formsweb

FAMILY_KINDS = {k.kind for k in (*payments.KINDS, *trackers.KINDS)}
# Bank numbers are no processor's embed: their forms are checksum vectors in tests/test_payments.py.
NOT_EMBEDDED = {"iban", "bic", "bankgiro", "plusgiro"}
MIN_RECALL = 0.98
MIN_PRECISION = 0.98


def found(text: str, content_type: str, url: str = "https://shop-a.se/") -> set[tuple[str, str]]:
    return {(i.kind, i.value) for i in extract_all(Page(text, url=url, content_type=content_type))
            if i.kind in FAMILY_KINDS}


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.doc[:90])
def test_every_documented_form_is_found(form):
    r = random.Random(form.doc)
    for _ in range(3):                          # fresh values each time: no form works by luck of one value
        text, expected = form.render(r)
        got = found(text, form.content_type)
        for item in expected:
            assert item in got, f"{form.doc}: {item} not in {got}\n{text}"


def test_every_payment_and_tracker_kind_has_a_documented_form():
    r = random.Random(1)
    covered = {kind for form in FORMS for kind, _ in form.render(r)[1]}
    assert FAMILY_KINDS - NOT_EMBEDDED - covered == set()


@pytest.mark.parametrize("doc,text", PLACEHOLDERS, ids=[f"{d}:{t[:40]}" for d, t in PLACEHOLDERS])
def test_documentation_placeholders_are_not_taken(doc, text):
    for content_type in ("html", "js"):
        assert found(text, content_type) == set(), f"{doc}: taken from a placeholder"


def test_recall_and_precision_per_kind_on_the_mixed_web():
    pages = make_formsweb(seed=11, copies=25)
    truth, hits, extra = Counter(), Counter(), Counter()
    taken = Counter()
    for url, content_type, text, expected in pages:
        want = set(expected)
        got = found(text, content_type, url)
        for kind, _ in want:
            truth[kind] += 1
        for kind, _ in want & got:
            hits[kind] += 1
        for kind, value in got - want:
            extra[kind] += 1
        for kind, _ in got:
            taken[kind] += 1
    rows = []
    for kind in sorted(truth):
        recall = hits[kind] / truth[kind]
        precision = (taken[kind] - extra[kind]) / taken[kind] if taken[kind] else 1.0
        rows.append((kind, truth[kind], recall, precision))
    table = "\n".join(f"{k:<28} n={n:<4} recall={rc:.3f} precision={pr:.3f}" for k, n, rc, pr in rows)
    print(table)
    assert min(truth.values()) >= 25, "too few values of a kind to measure its recall"
    assert set(truth) >= FAMILY_KINDS - NOT_EMBEDDED
    low = [r for r in rows if r[2] < MIN_RECALL or r[3] < MIN_PRECISION]
    assert not low, f"below {MIN_RECALL} recall / {MIN_PRECISION} precision:\n{table}"
    assert not (set(extra) - set(truth)), f"kinds taken that the web does not hold: {extra}"


def test_a_crawl_of_the_forms_web_finds_every_form_and_never_requests_a_pixel(tmp_path):
    import sqlite3

    from fakeweb import FakeWeb
    from tests.conftest import cli_env, run_cli

    truth = write_formsweb(tmp_path / "web", seed=5, n_sites=8, copies=2)
    with FakeWeb(tmp_path / "web") as web:
        reports = web.render_reports(tmp_path / "reports.csv")
        r = run_cli(["crawl", str(reports), "--db", str(tmp_path / "m.sqlite"), "--no-enrich", "--format", "json"],
                    env=cli_env(tmp_path, **web.env), cwd=tmp_path)
        http_log = list(web.http_log)
    assert r.returncode == 0, r.stderr[-2000:]
    db = sqlite3.connect(tmp_path / "m.sqlite")
    got: dict[str, set[tuple[str, str]]] = {}
    for domain, kind, value in db.execute("SELECT DISTINCT domain, kind, value FROM observations"):
        if kind in FAMILY_KINDS:
            got.setdefault(domain, set()).add((kind, value))
    db.close()
    truth_n, hit_n, extra = Counter(), Counter(), []
    for host, want in truth.items():
        for kind, _ in want:
            truth_n[kind] += 1
        for kind, _ in want & got.get(host, set()):
            hit_n[kind] += 1
        extra += sorted(got.get(host, set()) - want)
    low = {k: round(hit_n[k] / n, 3) for k, n in truth_n.items() if hit_n[k] / n < MIN_RECALL}
    assert not low, f"recall below {MIN_RECALL} in the crawl: {low}"
    assert not extra, f"taken though not on the web: {extra}"
    # The <noscript> pixels were read as text: none of them was requested.
    assert http_log and not [e for e in http_log if "matomo.php" in e["path"]]
    assert {e["host"].split(":")[0] for e in http_log} <= set(truth)
