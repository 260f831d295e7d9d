"""The spider's parts outside spiders/reported.py, without a crawl: per-site state and status
(spiders/sites.py), the redirect chain and client-side hops (spiders/hops.py), and what is
read off a response (spiders/responses.py)."""

from __future__ import annotations

from collections import Counter

import pytest
from scrapy.http import HtmlResponse, Request, Response

from spiders.hops import MAX_REFRESH_HOPS, client_hops, http_chain, sent_on_from
from spiders.responses import cookie_names, header, page_kind, response_text
from spiders.sites import SiteState, status_from_error


@pytest.mark.parametrize("fields, status", [
    ({"ok_pages": 2, "pages": 2, "parked": "for_sale"}, "parked"),
    ({"ok_pages": 1, "pages": 3}, "ok"),
    ({"pages": 2}, "http_error"),
    ({"start_errors": ["nxdomain"], "error_kinds": Counter(timeout=5)}, "nxdomain"),
    ({"error_kinds": Counter(timeout=1, tls=3)}, "tls"),
    ({"error_kinds": Counter(media=1)}, "media_refused"),
    ({"error_kinds": Counter(ssrf=1)}, "refused"),
    ({}, "unreachable"),
])
def test_site_status(fields, status):
    assert SiteState("shop-a.se", **fields).status() == status


@pytest.mark.parametrize("kind, status", [("dns_timeout", "timeout"), ("site_time", "timeout"),
                                          ("http_status", "http_error"), ("size", "too_large"),
                                          ("encoding", "encoding_refused"), ("reset", "unreachable")])
def test_status_from_error(kind, status):
    assert status_from_error(kind) == status


def test_issue_counts_pending_budget_and_seen():
    site = SiteState("shop-a.se")
    assert site.budget_left(3, 0) == 3 and site.started is None
    site.issue("https://shop-a.se/a#top")
    site.issue("https://shop-a.se/b")
    assert site.pending == 2 and site.issued == 2 and site.started is not None
    assert site.seen == {"https://shop-a.se/a", "https://shop-a.se/b"}
    assert site.budget_left(3, 0) == 1
    # the time budget: spent once site_seconds have passed since the first request
    site.started -= 10
    assert site.budget_left(3, 5.0) == 0 and site.budget_left(3, 60.0) == 1


def test_http_chain_appends_this_fetchs_redirects():
    meta = {"redirect_urls": ["http://shop-a.se/", "https://shop-a.se/"], "redirect_reasons": [301, "meta refresh"],
            "chain": [{"url": "https://old.se/", "status": 200, "kind": "meta_refresh", "to": "http://shop-a.se/"}]}
    asked, chain, redirects = http_chain(meta, "https://www.shop-a.se/")
    assert asked == "http://shop-a.se/" and redirects == ["http://shop-a.se/", "https://shop-a.se/"]
    assert [(h["url"], h["status"], h["kind"]) for h in chain] == [
        ("https://old.se/", 200, "meta_refresh"), ("http://shop-a.se/", 301, "http"), ("https://shop-a.se/", None, "http")]
    assert meta["chain"] and len(meta["chain"]) == 1   # the request's own chain is not changed
    assert http_chain({}, "https://a.se/") == ("https://a.se/", [], [])


def test_sent_on_from_needs_a_client_hop_from_the_site():
    hop = {"url": "https://shop-a.se/", "status": 200, "kind": "js", "to": "https://shop-b.com/"}
    assert sent_on_from([hop], "shop-a.se")
    assert not sent_on_from([{**hop, "kind": "http"}], "shop-a.se")
    assert not sent_on_from([hop], "shop-c.se")
    assert MAX_REFRESH_HOPS >= 1


def test_client_hops_take_one_js_target_after_the_refresh():
    assert client_hops("https://a.se/x", None, ["/one", "/two"]) == [("https://a.se/one", "js")]
    assert client_hops("https://a.se/x", "javascript:void(0)", []) == []


def test_headers_cookie_names_and_text():
    response = HtmlResponse("https://shop-a.se/", body="<p>hej då</p>".encode("utf-8"), encoding="utf-8",
                            headers={"Server": "nginx/" + "9" * 300, "Set-Cookie": ["sid=SECRET; Path=/",
                                                                                    "cart=1", "sid=other"]},
                            request=Request("https://shop-a.se/", headers={"Referer": "https://forum.example/"}))
    assert header(response, b"Server") == ("nginx/" + "9" * 300)[:200]
    assert header(response, b"X-Powered-By") is None
    assert header(response.request, b"Referer") == "https://forum.example/"
    assert cookie_names(response) == ["sid", "cart"]   # names only, once each: never a value
    assert response_text(response) == "<p>hej då</p>"
    raw = Response("https://shop-a.se/x", body=b"caf\xe9 \xc3\xa9")
    assert response_text(raw) == "caf\ufffd é"


@pytest.mark.parametrize("resource, mime, text, kind", [
    ("page", "text/html", "plain", "html"), ("page", "application/xhtml+xml", "", "html"),
    ("page", "", "<html>", "html"), ("page", "", "no tags", "text"), ("page", "text/plain", "<p>", "text"),
    ("script", "text/html", "<p>", "js"), ("page", "application/javascript", "", "js"),
    ("page", "application/json", "{}", "json"), ("script", "application/json", "{}", "json"),
])
def test_page_kind(resource, mime, text, kind):
    assert page_kind(resource, mime, text) == kind


def test_a_finished_site_is_announced_once_on_site_done_and_the_budget_forgets_it():
    """The spider sends ``site_done`` (synchronously) with each SiteDoneItem; the budget
    middleware drops the site's counters then — it listens there, not on item_scraped."""
    from scrapy.utils.misc import build_from_crawler
    from scrapy.utils.test import get_crawler

    from crawler.items import SiteDoneItem, site_done
    from crawler.progress import SiteBudgetMiddleware
    from spiders.reported import ReportedSiteSpider

    from crawler.config import load_config
    from crawler.settings import build_settings
    cfg = load_config({}, env={}, toml_path=None)
    crawler = get_crawler(ReportedSiteSpider, settings_dict=build_settings(cfg, MERCHINTEL_ANALYSIS_WORKERS=0))
    mw = build_from_crawler(SiteBudgetMiddleware, crawler)
    mw.used["shop-a.se"] = 3
    mw.started["shop-a.se"] = 1.0
    mw.timed_out.add("shop-a.se")
    heard: list[SiteDoneItem] = []

    def listen(item, **_):
        heard.append(item)
    crawler.signals.connect(listen, signal=site_done)
    spider = ReportedSiteSpider.from_crawler(crawler, reports=[], case_name="c")
    site = SiteState("shop-a.se")
    site.issue("http://shop-a.se/")
    spider.sites[site.domain] = site
    spider._active = 1
    out = spider._release(site)
    assert out == heard and len(heard) == 1 and heard[0].domain == "shop-a.se"
    assert spider._release(site) == [] and len(heard) == 1     # a straggler finishes nothing
    assert "shop-a.se" not in mw.used and "shop-a.se" not in mw.started and "shop-a.se" not in mw.timed_out
