"""A hop is the site moving, not a link leaving (issue 15, finding 10).

A small web, crawled for real: go-shop.se links out through its own redirect pages —
``/go/telegram`` to a link shortener, ``/go/pay`` to a payment processor, ``/out?url=…`` to
an unrelated shop; parked-shop.se's entry page forwards to a parking service; moving.se's
entry page answers 301 to moving.nu (the one real move).  Only moving.se may raise a hop,
and only it is tied to another site.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakeweb import FakeWeb
from tests.conftest import cli_env, run_cli

HOSTS = {"go-shop.se": "127.0.0.2", "bit.ly": "127.0.0.3", "paypal.com": "127.0.0.3", "next-shop.net": "127.0.0.4",
         "parked-shop.se": "127.0.0.2", "sedoparking.com": "127.0.0.3", "moving.se": "127.0.0.2",
         "moving.nu": "127.0.0.5"}
WALLET_GO = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
WALLET_MOVING = "0x52908400098527886E0F7030069857D2E4169EE7"


def page(title: str, body: str) -> str:
    return f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>" \
           f"<body>{body}</body></html>\n"


SITES = {
    "go-shop.se": page("Go shop", f"<h1>Go shop</h1><p>Bitcoin: <code>{WALLET_GO}</code></p>"
                                  '<a href="/go/telegram">Our Telegram</a> <a href="/go/pay">Pay by card</a> '
                                  '<a href="/out?url=next-shop.net">Partner shop</a>'),
    "bit.ly": page("bitly", "<p>Short links.</p>"),
    "paypal.com": page("PayPal checkout", "<p>Log in to pay.</p>"),
    "next-shop.net": page("Next shop", "<p>Another shop entirely.</p>"),
    "sedoparking.com": page("Parked", "<p>Sponsored listings.</p>"),
    "moving.nu": page("Moving shop", f"<h1>Moving shop</h1><p>ETH: <code>{WALLET_MOVING}</code></p>"),
}
ROUTES = {
    "go-shop.se /go/telegram": {"redirect": "{{url:bit.ly}}/x7Ab", "status": 302},
    "go-shop.se /go/pay": {"redirect": "{{url:paypal.com}}/checkout", "status": 302},
    "go-shop.se /out?url=next-shop.net": {"redirect": "{{url:next-shop.net}}/", "status": 302},
    "bit.ly /x7Ab": {"body": page("t.me", "<p>Join the channel.</p>")},
    "paypal.com /checkout": {"body": page("PayPal", "<p>Checkout.</p>")},
    "parked-shop.se *": {"redirect": "{{url:sedoparking.com}}/lander", "status": 302},
    "sedoparking.com /lander": {"body": page("Parked", "<p>This domain may be for sale.</p>")},
    "moving.se *": {"redirect": "{{url:moving.nu}}/", "status": 301},
}
REPORTS = "url,report_id,reported_at,source,referrer\n" + "".join(
    f"{{{{url:{d}}}}}/,X-{i},2026-11-01T08:00:00Z,hotline,\n"
    for i, d in enumerate(("go-shop.se", "parked-shop.se", "moving.se"), 1))


def build(root: Path) -> Path:
    web = root / "outlinks"
    (web / "sites").mkdir(parents=True)
    (web / "hosts.json").write_text(json.dumps(HOSTS))
    (web / "routes.json").write_text(json.dumps(ROUTES))
    for host, html in SITES.items():
        (web / "sites" / host).mkdir()
        (web / "sites" / host / "index.html").write_text(html)
    (web / "reports.csv").write_text(REPORTS)
    return web


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outlinks")
    db = str(tmp / "m.sqlite")
    with FakeWeb(build(tmp)) as web:
        # No registration servers in this web: RDAP/WHOIS go to a closed loopback port (stored errors).
        env = cli_env(tmp, **web.env, MERCHINTEL_DB=db, MERCHINTEL_RDAP_URL="http://127.0.0.1:9/",
                      MERCHINTEL_WHOIS_SERVER="127.0.0.1:9", MERCHINTEL_WHOIS_TIMEOUT="1",
                      MERCHINTEL_WHOIS_INTERVAL="0")

        def cli(*args):
            r = run_cli(list(args), env=env, cwd=tmp, timeout=300)
            assert r.returncode == 0, f"merchintel {' '.join(args)}:\n{r.stderr[-3000:]}"
            return r

        cli("crawl", str(web.render_reports(tmp / "reports.csv")), "--case", "out")
        yield {"cli": cli, "db": db, "log": list(web.http_log)}


def _json(crawled, *args):
    return json.loads(crawled["cli"](*args, "--format", "json").stdout)


def test_the_outbound_redirect_links_were_followed(crawled):
    paths = {(e["host"], e["path"]) for e in crawled["log"]}
    assert {("go-shop.se", "/go/telegram"), ("bit.ly", "/x7Ab"), ("go-shop.se", "/go/pay"),
            ("paypal.com", "/checkout"), ("next-shop.net", "/")} <= paths


def test_only_the_site_that_moved_raises_a_hop_with_evidence(crawled):
    alerts = _json(crawled, "alerts")
    hops = [a for a in alerts if a["kind"] == "domain_hop"]
    assert [(a["type"], a["from"], a["to"]) for a in hops] == [("redirect", "moving.se", "moving.nu")]
    chains = [e for e in hops[0]["evidence"] if e["type"] == "redirect_chain"]
    assert chains and chains[0]["via"] == ["http"] and chains[0]["chain"][0]["status"] == 301
    quiet = {"go-shop.se", "bit.ly", "paypal.com", "next-shop.net", "parked-shop.se", "sedoparking.com"}
    assert not [a for a in alerts if {a["from"], a["to"]} & quiet]
    for a in alerts:
        assert a["evidence"], a


def test_outbound_links_and_service_redirects_are_not_ties(crawled):
    clusters = _json(crawled, "clusters")
    assert [sorted(c["domains"]) for c in clusters] == [["moving.nu", "moving.se"]]
    assert clusters[0]["evidence"][0]["kind"] == "redirect"
    for dom in ("go-shop.se", "parked-shop.se"):
        rows = _json(crawled, "links", dom)
        assert not [s for r in rows for s in r["shared"] if s["kind"] in ("redirect", "moved_to")], rows


def test_the_site_with_outbound_links_keeps_its_own_final_domain(crawled):
    periods = _json(crawled, "history", "go-shop.se")
    assert [p["final_domain"] for p in periods] == ["go-shop.se"]
