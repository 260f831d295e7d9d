"""The evidence store: every table, column, key and index merchintel writes, in one place.

Pipelines, enrichers, the graph, exports and alerts import table names and helpers from
here instead of spelling them.  ``ensure_schema`` creates what is missing and adds new
columns to old databases (additive migrations, recorded in ``_migrations``), so a
database written by an older merchintel opens with a newer one.

Times are ISO-8601 UTC strings (``2026-11-23T12:00:00Z``).  JSON columns hold lists or
objects encoded with ``json.dumps``.  Column descriptions feed Datasette's metadata
(``merchintel browse``) and the README.

Longer than most modules on purpose: the table declarations are the store's one
description, read top to bottom; splitting them would scatter the facts they keep together.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import sqlite_utils

from crawler.clock import now_iso
from crawler.errors import StoreError

def table_exists(db: Any, name: str) -> bool:
    """True if ``name`` is a table or view of ``db``."""
    return bool(db.execute("SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?",
                           [name]).fetchone())


def row_key(*parts: Any) -> str:
    """Stable 32-hex-character key from parts (for idempotent upserts)."""
    h = hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8"))
    return h.hexdigest()[:32]


def dumps(value: Any) -> str:
    if not value and isinstance(value, (list, tuple)):
        return "[]"   # most flags, cookie and chain lists: no encoder round trip
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Column:
    name: str
    type: type | str
    doc: str


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    pk: str | tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    not_null: tuple[str, ...] = ()
    foreign_keys: tuple[tuple[str, str, str], ...] = field(default=())

    @property
    def column_types(self) -> dict[str, Any]:
        return {c.name: c.type for c in self.columns}


def C(name: str, type_: type | str, doc: str) -> Column:
    return Column(name, type_, doc)


# ---------------------------------------------------------------------------------------
# Crawl (issue 3)
# ---------------------------------------------------------------------------------------
RUNS = "runs"
REPORTS = "reports"
SITES = "sites"
CASE_SITES = "case_sites"
PAGES = "pages"
IDENTIFIERS = "identifiers"
OBSERVATIONS = "observations"
ERRORS = "errors"

TABLES: list[Table] = [
    Table(RUNS, "One row per command run that writes evidence (crawl, enrich, run-due).", (
        C("id", str, "Run id (UTC timestamp + random suffix)."),
        C("command", str, "crawl, enrich, run-due, watch…"),
        C("case_name", str, "Case the run worked for, if one."),
        C("started_at", str, "UTC start."),
        C("finished_at", str, "UTC end; empty while running or if killed."),
        C("status", str, "running, done, failed, interrupted."),
        C("args", str, "JSON: the settings the run used (no secrets)."),
        C("stats", str, "JSON: counters (pages, identifiers, errors, refused…)."),
    ), pk="id"),
    Table(REPORTS, "Reported URLs as received (one row per case + URL + report id).", (
        C("key", str, "row_key(case_name, url, report_id)."),
        C("url", str, "The reported URL."),
        C("report_id", str, "The reporter's id for the report, if given."),
        C("case_name", str, "Case the report belongs to."),
        C("reported_at", str, "When it was reported (as given)."),
        C("source", str, "Who reported it (hotline, bank…), as given."),
        C("referrer", str, "Referer sent with the first request, as given."),
        C("domain", str, "Registered domain of the URL."),
        C("input_name", str, "Input file name (or '-' for stdin)."),
        C("line_no", int, "Line of the input the report came from."),
        C("first_seen", str, "First time this report was read."),
        C("last_seen", str, "Last time this report was read."),
        C("run_id", str, "Last run that read it."),
        C("platform", int, "1 when the report marks the site a listing platform (input column platform)."),
    ), pk="key", indexes=(("domain",), ("case_name",))),
    Table(SITES, "One row per registered domain ever crawled.", (
        C("domain", str, "Registered domain (eTLD+1), e.g. shop-a.se."),
        C("hostnames", str, "JSON list of hostnames seen for it."),
        C("first_crawled", str, "First crawl that reached it (UTC)."),
        C("last_crawled", str, "Last crawl (UTC)."),
        C("last_status", str, "ok, nxdomain, unreachable, timeout, tls, http_error, refused (SSRF), media_refused, encoding_refused, too_large, headers_refused, parked…"),
        C("final_domain", str, "Registered domain the last crawl ended on after redirects."),
        C("last_run_id", str, "Run of the last crawl."),
    ), pk="domain"),
    Table(CASE_SITES, "Which sites are tracked under which case (the watchlist).", (
        C("case_name", str, "Case."),
        C("domain", str, "Registered domain."),
        C("first_seen", str, "When the site joined the case."),
        C("last_seen", str, "Last crawl of the site under this case."),
        C("every_seconds", int, "Re-crawl interval for this site; empty: the case's or the default."),
        C("next_due", str, "When the next scheduled crawl is due (UTC)."),
        C("active", int, "1 while tracked."),
    ), pk=("case_name", "domain"), indexes=(("domain",), ("next_due",))),
    Table(PAGES, "One row per fetched URL (pages and same-site scripts); re-crawls update it.", (
        C("url", str, "Requested URL."),
        C("domain", str, "Registered domain of the requested URL."),
        C("final_url", str, "URL after redirects."),
        C("redirect_chain", str, "JSON list of {url,status,kind} hops: kind http (3xx), meta_refresh or js; "
                                 "a page that sends the visitor on itself ends with its own hop and its target as to."),
        C("status", int, "HTTP status."),
        C("content_type", str, "Content-Type header."),
        C("server", str, "Server header."),
        C("x_powered_by", str, "X-Powered-By header."),
        C("cookie_names", str, "JSON list of Set-Cookie names (never values)."),
        C("title", str, "<title>."),
        C("meta_description", str, "meta description."),
        C("meta_keywords", str, "meta keywords."),
        C("generator", str, "meta generator."),
        C("lang", str, "<html lang>."),
        C("canonical", str, "link rel=canonical."),
        C("og_site_name", str, "og:site_name."),
        C("linked_domains", str, "JSON list of registered domains the page links to."),
        C("text", str, "Visible text, capped (MERCHINTEL_TEXT_CAP); data: URIs stripped."),
        C("sha256", str, "SHA-256 of the raw body as received (evidence integrity)."),
        C("body_bytes", int, "Body length in bytes."),
        C("resource", str, "page or script."),
        C("depth", int, "Link depth from the reported URL."),
        C("fetched_at", str, "UTC time of the last fetch."),
        C("run_id", str, "Run of the last fetch."),
        C("case_name", str, "Case of the last fetch."),
        C("report_id", str, "Report the crawl started from."),
        C("first_seen", str, "First fetch."),
        C("last_seen", str, "Last fetch."),
        C("referrer", str, "Referer the last fetch sent: the page (or report referrer) it was reached from."),
    ), pk="url", indexes=(("domain",), ("run_id",))),
    Table(IDENTIFIERS, "Distinct identifiers (kind + canonical value) ever observed.", (
        C("id", str, "kind:value, e.g. phone:+46701234567."),
        C("kind", str, "Identifier kind (see crawler/kinds.py)."),
        C("value", str, "Canonical value."),
        C("flags", str, "JSON list of flags (test, no_checksum…)."),
        C("first_seen", str, "First observation."),
        C("last_seen", str, "Last observation."),
    ), pk="id", indexes=(("kind",), ("value",))),
    Table(OBSERVATIONS, "An identifier seen on a page (or in DNS/WHOIS) of a site.", (
        C("key", str, "row_key(identifier_id, page_url)."),
        C("identifier_id", str, "identifiers.id."),
        C("kind", str, "Identifier kind."),
        C("value", str, "Canonical value."),
        C("domain", str, "Registered domain of the site it was seen on."),
        C("page_url", str, "URL it was seen at (dns:/whois: URIs for enrichment facts)."),
        C("raw", str, "The matched text as it stood."),
        C("context", str, "<= 200 characters around the match."),
        C("flags", str, "JSON list of flags."),
        C("source", str, "page, script, dns, whois, rdap."),
        C("case_name", str, "Case of the last observation."),
        C("run_id", str, "Run of the last observation."),
        C("first_seen", str, "First observation."),
        C("last_seen", str, "Last observation."),
        C("origin", str, "Where in the page it was read: static (the HTML as served), script (a same-site "
                         "script as served), fetched (a JSON/text body the rendered page fetched), rendered "
                         "(the DOM after its scripts ran). Empty for DNS/WHOIS facts, for capture pivots (certificate, "
                         "headers) and on page rows written "
                         "before the column existed (those are static or script)."),
    ), pk="key", indexes=(("identifier_id",), ("domain",), ("kind", "value"), ("run_id",))),
    Table(ERRORS, "Fetch failures and refusals, stored as facts (NXDOMAIN, timeout, never-media, SSRF…).", (
        C("key", str, "row_key(url, stage, kind, run_id)."),
        C("url", str, "URL concerned."),
        C("domain", str, "Registered domain."),
        C("stage", str, "input, fetch, refused."),
        C("kind", str, "nxdomain, dns, timeout, tls, connection, http_status, media, ssrf, size, redirect_loop…"),
        C("reason", str, "One-line reason (never a body)."),
        C("at", str, "UTC time."),
        C("run_id", str, "Run."),
        C("case_name", str, "Case."),
        C("report_id", str, "Report the crawl started from."),
    ), pk="key", indexes=(("domain",), ("run_id",), ("kind",))),
]

# ---------------------------------------------------------------------------------------
# Enrichment (issue 4): tables are appended below this line by enrich/.
# ---------------------------------------------------------------------------------------
DNS_QUERIES = "dns_queries"
DNS_RECORDS = "dns_records"
IP_INFO = "ip_info"
AS_INFO = "as_info"
IP_NETWORKS = "ip_networks"
WHOIS_RECORDS = "whois_records"
ABUSE_CONTACTS = "abuse_contacts"

TABLES += [
    Table(DNS_QUERIES, "DNS answers as received (the enrichment cache): one row per name + type, last answer.", (
        C("key", str, "row_key(qname, qtype)."),
        C("qname", str, "Name asked (lower case, no trailing dot)."),
        C("qtype", str, "A, AAAA, CNAME, MX, NS, TXT, SOA, CAA, PTR (Team Cymru lookups are TXT)."),
        C("domain", str, "Registered domain the name belongs to (empty for Cymru/PTR names)."),
        C("status", str, "ok, nodata, nxdomain, servfail, refused, timeout, error."),
        C("answers", str, "JSON list of the answer records as text (after the CNAME chain)."),
        C("cname_chain", str, "JSON list of CNAME targets followed to reach the answer."),
        C("ttl", int, "Smallest TTL of the answer (or of the negative answer's SOA)."),
        C("error", str, "One-line reason when status is not ok/nodata."),
        C("fetched_at", str, "UTC time of the query."),
        C("expires_at", str, "UTC time the cached answer goes stale (TTL clamped to floor/ceiling)."),
        C("run_id", str, "Run that asked."),
    ), pk="key", indexes=(("domain",), ("qname",), ("expires_at",))),
    Table(DNS_RECORDS, "DNS records of crawled names and registered domains, with when they were seen.", (
        C("key", str, "row_key(name, rtype, value)."),
        C("name", str, "Owner name asked (hostname or registered domain)."),
        C("domain", str, "Registered domain."),
        C("rtype", str, "A, AAAA, CNAME, MX, NS, TXT, SOA, CAA."),
        C("value", str, "Record data as text (MX: 'pref host', TXT: joined strings)."),
        C("ttl", int, "TTL of the last answer."),
        C("current", int, "1 if the last answer for name + type held this record."),
        C("first_seen", str, "First answer holding it (UTC)."),
        C("last_seen", str, "Last answer holding it (UTC)."),
    ), pk="key", indexes=(("domain",), ("name", "rtype"), ("rtype", "value"))),
    Table(IP_INFO, "Hosting of each IP: origin AS, prefix, country (Team Cymru DNS), PTR, CDN/shared flag.", (
        C("ip", str, "IPv4 or IPv6 address."),
        C("asn", int, "Origin AS number."),
        C("prefix", str, "Announced prefix (CIDR)."),
        C("country", str, "Country of the prefix (ISO alpha-2, as Cymru reports it)."),
        C("registry", str, "RIR of the prefix (ripencc, arin, apnic, lacnic, afrinic)."),
        C("allocated", str, "Allocation date of the prefix."),
        C("as_name", str, "AS name."),
        C("ptr", str, "Reverse DNS name."),
        C("cdn", int, "1 if the address is shared infrastructure (CDN/reverse proxy or mass shared hosting)."),
        C("cdn_reason", str, "Why: asn:13335 Cloudflare, ptr:…, etc."),
        C("status", str, "ok, nodata (no Cymru answer), timeout, error."),
        C("fetched_at", str, "UTC time of the lookup."),
        C("expires_at", str, "UTC time it goes stale."),
    ), pk="ip", indexes=(("asn",),)),
    Table(AS_INFO, "Autonomous systems: Cymru AS name plus RDAP autnum (name, country, abuse).", (
        C("asn", int, "AS number."),
        C("as_name", str, "AS name (Cymru)."),
        C("country", str, "Country (Cymru)."),
        C("registry", str, "RIR."),
        C("rdap_name", str, "RDAP autnum name."),
        C("abuse_email", str, "RDAP abuse contact e-mail."),
        C("status", str, "ok, not_found, error."),
        C("error", str, "One-line reason of the last failure."),
        C("fetched_at", str, "UTC time of the lookup."),
        C("expires_at", str, "UTC time it goes stale."),
    ), pk="asn"),
    Table(IP_NETWORKS, "RDAP IP network of each address: holder name, country, abuse contact.", (
        C("ip", str, "Address looked up."),
        C("handle", str, "Network handle (NET-…, inetnum…)."),
        C("name", str, "Network name."),
        C("start_address", str, "First address of the network."),
        C("end_address", str, "Last address of the network."),
        C("country", str, "Country of the network."),
        C("org", str, "Holder organisation (registrant entity)."),
        C("abuse_email", str, "Abuse contact e-mail (entity with role abuse)."),
        C("source", str, "rdap."),
        C("server", str, "RDAP base URL asked."),
        C("status", str, "ok, not_found, error, rate_limited."),
        C("error", str, "One-line reason of the last failure."),
        C("fetched_at", str, "UTC time of the lookup."),
        C("expires_at", str, "UTC time it goes stale."),
    ), pk="ip"),
    Table(WHOIS_RECORDS, "Registration of each registered domain, from RDAP or WHOIS (parsed + raw text).", (
        C("domain", str, "Registered domain."),
        C("source", str, "rdap or whois."),
        C("server", str, "RDAP base URL or WHOIS server(s) asked, last one first."),
        C("status", str, "ok, not_found, rate_limited, error."),
        C("registrar", str, "Registrar name."),
        C("registrar_iana_id", str, "Registrar IANA id."),
        C("registrar_url", str, "Registrar URL."),
        C("created", str, "Registration date (ISO)."),
        C("updated", str, "Last change (ISO)."),
        C("expires", str, "Expiry date (ISO)."),
        C("statuses", str, "JSON list of EPP/registry statuses."),
        C("nameservers", str, "JSON list of name servers (lower case)."),
        C("registrant_name", str, "Registrant name where published."),
        C("registrant_org", str, "Registrant organisation where not redacted."),
        C("registrant_country", str, "Registrant country where published."),
        C("registrant_email", str, "Registrant e-mail where not redacted."),
        C("abuse_email", str, "Registrar abuse contact e-mail."),
        C("abuse_phone", str, "Registrar abuse contact phone."),
        C("redacted", int, "1 if the record says contact data is redacted/withheld."),
        C("raw", str, "Raw WHOIS text or RDAP JSON as received (capped)."),
        C("error", str, "One-line reason when status is not ok."),
        C("fetched_at", str, "UTC time of the lookup."),
        C("expires_at", str, "UTC time the cached record goes stale."),
        C("field_sources", str, "JSON {field: server}: which server (RDAP base, registry or registrar WHOIS) said each field."),
        C("referrals", str, "JSON list of the queries in order: {server, query, role (rdap, iana, registry, registrar), outcome}."),
    ), pk="domain", indexes=(("registrar",),)),
    Table(ABUSE_CONTACTS, "Whom to notify about a site: registrar, hosting network, AS, payment processors.", (
        C("key", str, "row_key(domain, contact, source)."),
        C("domain", str, "Registered domain."),
        C("contact", str, "E-mail address (or URL of a reporting form)."),
        C("source", str, "registrar, hosting, asn, payment."),
        C("detail", str, "Who: registrar name, network name + IP, processor + identifier kind."),
        C("first_seen", str, "First enrichment that found it."),
        C("last_seen", str, "Last enrichment that found it."),
    ), pk="key", indexes=(("domain",),)),
]

# ---------------------------------------------------------------------------------------
# Graph and clusters (issue 5): tables are appended below this line by graph/.
# ---------------------------------------------------------------------------------------
CLUSTERS = "clusters"
CLUSTER_MEMBERS = "cluster_members"

TABLES += [
    Table(CLUSTERS, "Operator clusters: sites tied by links above the threshold (graph/clusters.py).", (
        C("id", str, "Stable cluster id (C-<10 hex>), kept across runs by member overlap."),
        C("anchor", str, "kind:value of the strongest, oldest identifier tying the cluster when it was first seen."),
        C("size", int, "Number of member domains at the last computation."),
        C("score", float, "Weakest link score holding the cluster together (0..1)."),
        C("domains", str, "JSON list of member domains."),
        C("evidence", str, "JSON list of {kind,value,weight,domains} tying the members."),
        C("threshold", float, "Link threshold used at the last computation."),
        C("active", int, "1 if the cluster exists at the last computation, 0 if it dissolved."),
        C("first_seen", str, "First computation that found it."),
        C("last_seen", str, "Last computation that found it."),
    ), pk="id", indexes=(("active",),)),
    Table(CLUSTER_MEMBERS, "Why each domain is in its cluster (shortest evidence path).", (
        C("domain", str, "Member registered domain (one cluster per domain)."),
        C("cluster_id", str, "clusters.id."),
        C("path", str, "JSON list of hops {from,to,score,via:[{kind,value,weight,evidence}]} from the anchor domain."),
        C("first_seen", str, "First computation that put the domain in this cluster."),
        C("last_seen", str, "Last computation that did."),
    ), pk="domain", indexes=(("cluster_id",),)),
]

# ---------------------------------------------------------------------------------------
# History, schedule and alerts (issue 6): tables are appended below this line.
# ---------------------------------------------------------------------------------------
SITE_STATES = "site_states"
SCHEDULES = "schedules"
ALERTS = "alerts"
ALERT_DELIVERIES = "alert_deliveries"

TABLES += [
    Table(SITE_STATES, "A site's state over time: one row per period during which crawls saw the same state.", (
        C("key", str, "row_key(domain, first_run_id)."),
        C("domain", str, "Registered domain."),
        C("fingerprint", str, "Hash of the state columns below (same hash: same state)."),
        C("status", str, "ok, nxdomain, unreachable, timeout, tls, http_error, refused (SSRF), media_refused, encoding_refused, too_large, headers_refused, parked…"),
        C("parked_reason", str, "Parked/suspended/seized phrase found on the page, if any."),
        C("final_domain", str, "Registered domain the crawl ended on after redirects."),
        C("identifiers", str, "JSON sorted list of kind:value seen on its pages in that crawl."),
        C("payments", str, "JSON sorted list of the payment and crypto kind:value among them."),
        C("ips", str, "JSON sorted list of IP addresses."),
        C("nameservers", str, "JSON sorted list of name servers."),
        C("registrar", str, "Registrar."),
        C("moved_to", str, "JSON list of registered domains its pages say it moved to (\"we have moved to …\")."),
        C("unconfirmed", str, "JSON list of identifiers of the state before whose pages the last crawl did not "
                              "fetch again: kept, not dropped."),
        C("first_seen", str, "First crawl that saw this state (UTC)."),
        C("last_seen", str, "Last crawl that saw this state (UTC)."),
        C("first_run_id", str, "Run of the first crawl in this state."),
        C("last_run_id", str, "Run of the last crawl in this state."),
        C("crawls", int, "How many crawls saw this state."),
        C("current", int, "1 for the site's latest state."),
    ), pk="key", indexes=(("domain", "current"),)),
    Table(SCHEDULES, "Re-crawl interval per case (per site: case_sites.every_seconds).", (
        C("case_name", str, "Case."),
        C("every_seconds", int, "Re-crawl interval in seconds."),
        C("jitter", float, "Random extra delay as a fraction of the interval (0.1 = up to 10%)."),
        C("updated_at", str, "When it was set (UTC)."),
    ), pk="case_name"),
    Table(ALERTS, "Alerts raised (domain_hop, payment_change, site_down, site_back, new_domain_in_cluster, "
                  "ad_number, ad_text), once each.", (
        C("key", str, "Deduplication key: row_key(kind, from, to, …); an alert with a stored key is not raised again."),
        C("kind", str, "domain_hop, payment_change, site_down, site_back, new_domain_in_cluster."),
        C("type", str, "domain_hop: redirect, moved_notice, reappeared, mirror; site_down: the status; "
                       "payment_change: added, dropped, switched."),
        C("from_domain", str, "Tracked domain the alert is about (the old one for a hop)."),
        C("to_domain", str, "New domain (hops, new_domain_in_cluster)."),
        C("evidence", str, "JSON list of evidence items (shared identifiers, redirect chain, URLs, times)."),
        C("jurisdiction", str, "JSON: ccTLD country, hosting countries and registrar, from and to, and what changed."),
        C("cases", str, "JSON list of cases tracking the domains concerned."),
        C("summary", str, "One-line human summary."),
        C("detected_at", str, "When it was raised (UTC)."),
        C("run_id", str, "Run whose evaluation raised it."),
        C("cluster_id", str, "Stored cluster (graph/clusters.py) of the new domain, else of the tracked one, if any."),
    ), pk="key", indexes=(("detected_at",), ("kind",), ("from_domain",), ("to_domain",))),
    Table(ALERT_DELIVERIES, "Delivery of each alert to each configured sink (jsonl, webhook, smtp).", (
        C("key", str, "row_key(alert_key, sink)."),
        C("alert_key", str, "alerts.key."),
        C("sink", str, "jsonl:<path>, webhook:<url>, smtp:<host:port>."),
        C("status", str, "pending, sent, failed (gave up after the attempt limit)."),
        C("attempts", int, "Attempts so far."),
        C("last_error", str, "One-line reason of the last failure."),
        C("last_attempt_at", str, "UTC time of the last attempt."),
        C("delivered_at", str, "UTC time it was delivered."),
    ), pk="key", indexes=(("status",), ("alert_key",))),
]

# ---------------------------------------------------------------------------------------
# Evidence captures, certificates and the export audit (issue 13; crawler/capture.py).
# ---------------------------------------------------------------------------------------
CAPTURES = "captures"
CERTIFICATES = "certificates"
EXPORT_AUDIT = "export_audit"

TABLES += [
    Table(CAPTURES, "One row per accepted page fetch: what the page showed, when and from where, as text-only HTML.", (
        C("id", str, "row_key(url, captured_at, run_id)."),
        C("url", str, "URL asked for (first of the chain)."),
        C("final_url", str, "URL after redirects."),
        C("domain", str, "Registered domain of the final URL."),
        C("redirect_chain", str, "JSON list of {url,status,kind} hops, as in pages.redirect_chain."),
        C("status", int, "HTTP status."),
        C("headers", str, "JSON list of [name, value] response headers as served (Set-Cookie values cut to the name)."),
        C("request_headers", str, "JSON list of [name, value] headers the request sent."),
        C("ip", str, "Server address the crawler was connected to."),
        C("captured_at", str, "UTC time of the capture."),
        C("content_type", str, "Content-Type header."),
        C("body_sha256", str, "SHA-256 of the body bytes as received (the body itself is never stored)."),
        C("body_bytes", int, "Body length in bytes."),
        C("text_zlib", bytes, "The text-only HTML (media references neutralised), zlib-compressed UTF-8."),
        C("text_sha256", str, "SHA-256 of the stored text-only HTML (UTF-8, before compression)."),
        C("text_bytes", int, "Length of the text-only HTML in bytes."),
        C("neutralised", int, "Media references made inert (src, srcset, CSS url(), svg…)."),
        C("cert_sha256", str, "certificates.sha256 of the TLS certificate served (HTTPS), if any."),
        C("header_fp", str, "Fingerprint of the distinctive response headers, if any."),
        C("header_basis", str, "The header lines the fingerprint hashes."),
        C("record_sha256", str, "SHA-256 over the row's facts (crawler.capture.RECORD_FIELDS); merchintel verify checks it."),
        C("case_name", str, "Case of the crawl."),
        C("run_id", str, "Run of the crawl."),
        C("report_id", str, "Report the crawl started from."),
    ), pk="id", indexes=(("domain",), ("captured_at",), ("case_name",), ("cert_sha256",), ("final_url",))),
    Table(CERTIFICATES, "TLS certificates HTTPS sites served (parsed facts and the DER bytes).", (
        C("sha256", str, "SHA-256 fingerprint of the DER certificate."),
        C("subject", str, "Subject (RFC 4514)."),
        C("issuer", str, "Issuer (RFC 4514)."),
        C("sans", str, "JSON list of subjectAltName DNS names and addresses."),
        C("not_before", str, "Validity start (UTC)."),
        C("not_after", str, "Validity end (UTC)."),
        C("serial", str, "Serial number (hex)."),
        C("der", bytes, "The certificate as served (DER); verify recomputes its fingerprint."),
        C("shared", str, "Why the certificate is shared infrastructure (CDN, free CA bulk, multi-tenant), else empty."),
        C("first_seen", str, "First capture that served it."),
        C("last_seen", str, "Last capture that served it."),
    ), pk="sha256"),
    Table(EXPORT_AUDIT, "Every export written: when, what, for which case, and the output's SHA-256.", (
        C("id", str, "row_key(at, format, output)."),
        C("at", str, "UTC time of the export."),
        C("format", str, "json, gexf, graphml, csv, stix, html, warc."),
        C("output", str, "File written (csv: every file, JSON list)."),
        C("case_name", str, "Case exported (--case), if one."),
        C("filters", str, "JSON of the other filters (cluster, since, min_score, pseudonymize on/off)."),
        C("sha256", str, "SHA-256 of the output (csv: of the files' hashes in order)."),
        C("bytes", int, "Bytes written."),
        C("records", int, "Records or rows written, where the writer counts them."),
    ), pk="id", indexes=(("at",),)),
]

# ---------------------------------------------------------------------------------------
# Ads of listing platforms (issue 14): graph/ads.py writes them.
# ---------------------------------------------------------------------------------------
ADS = "ads"
AD_TIES = "ad_ties"
AD_NUMBER_EVENTS = "ad_number_events"

TABLES += [
    Table(ADS, "One row per ad page of a listing platform, keyed by its canonical URL.", (
        C("url", str, "Canonical URL of the ad (no fragment, no tracking parameters)."),
        C("domain", str, "Registered domain of the platform."),
        C("ad_id", str, "The platform's ad id when the URL carries one."),
        C("template", str, "URL template of the platform's ad pages, e.g. /annons/{id}."),
        C("platform_how", str, "setting (MERCHINTEL_PLATFORMS or the report's platform column) or guessed."),
        C("title", str, "Title of the ad page."),
        C("location", str, "Location as the ad writes it (Ort:, City:…)."),
        C("price", str, "Price text as the ad writes it."),
        C("identifiers", str, "JSON sorted list of kind:value on the ad (phones, messengers, e-mails), "
                              "the platform's own contacts left out."),
        C("fingerprint", str, "16-hex hash of the normalised ad text."),
        C("text", str, "Ad text (visible text, capped); erased MERCHINTEL_AD_TEXT_DAYS after last seen."),
        C("cluster_id", str, "Ad cluster (likely organiser) at the last computation: A-<10 hex>."),
        C("case_name", str, "Case of the last crawl that saw it."),
        C("run_id", str, "Run of the last crawl that saw it."),
        C("first_seen", str, "First crawl that saw the ad (UTC)."),
        C("last_seen", str, "Last crawl that saw the ad (UTC)."),
    ), pk="url", indexes=(("domain",), ("cluster_id",), ("fingerprint",))),
    Table(AD_TIES, "Why two ads are tied: a shared contact or a near-duplicate text.", (
        C("key", str, "row_key(a, b, kind, value)."),
        C("a", str, "ads.url."),
        C("b", str, "ads.url."),
        C("kind", str, "Identifier kind (phone, whatsapp, email…) or text."),
        C("value", str, "The shared value; for text the estimated similarity."),
        C("weight", float, "Weight of the tie (0..1): kind weight times rarity over ads; text: the similarity."),
        C("evidence", str, "The shared value as written, or the shared passage of the two texts."),
        C("computed_at", str, "When it was computed (UTC)."),
    ), pk="key", indexes=(("a",), ("b",))),
    Table(AD_NUMBER_EVENTS, "Per crawl of a platform: numbers new, returned after an absence, or vanished.", (
        C("key", str, "row_key(domain, run_id, value)."),
        C("domain", str, "Platform."),
        C("run_id", str, "Crawl run."),
        C("value", str, "kind:value of the number or handle."),
        C("event", str, "new, returned or vanished."),
        C("ads", int, "Ads of the platform carrying it in that crawl (0 when vanished)."),
        C("at", str, "UTC time of the crawl."),
    ), pk="key", indexes=(("domain", "run_id"), ("value",))),
]

# ---------------------------------------------------------------------------------------
# Rendering pages built by JavaScript (issue 12): tables are appended below this line.
# ---------------------------------------------------------------------------------------
RENDERS = "renders"

TABLES += [
    Table(RENDERS, "Whether each crawled page was rendered in the text-only browser, and why (--render).", (
        C("key", str, "row_key(url, run_id)."),
        C("url", str, "Page URL (as fetched)."),
        C("domain", str, "Registered domain of the page."),
        C("mode", str, "The --render mode: never, auto, always."),
        C("decision", str, "rendered, skipped, failed (rendering started but the page was given up)."),
        C("reason", str, "Why: app_shell (little text, mount point, bundles), checkout_without_identifier, "
                         "static_enough, mode_always, mode_never, not_html…, with the figures."),
        C("identifiers", int, "Identifiers found only by rendering (DOM and fetched bodies)."),
        C("requests", int, "Requests the page made that the downloader served (text only)."),
        C("aborted", int, "Requests of the page aborted in the browser (media types, other sites, caps)."),
        C("ms", int, "Milliseconds the rendering took."),
        C("at", str, "UTC time."),
        C("run_id", str, "Run."),
        C("case_name", str, "Case."),
    ), pk="key", indexes=(("domain",), ("run_id",), ("decision",))),
]

TABLES_BY_NAME = {t.name: t for t in TABLES}
MIGRATIONS = "_migrations"


def open_db(path: str | Path, *, create: bool = True, readonly: bool = False) -> sqlite_utils.Database:
    """Open (and by default create/migrate) the evidence store, WAL mode, busy timeout 30 s."""
    path = Path(path)
    if readonly or not create:
        if not path.exists():
            raise StoreError(f"database {path} does not exist; run `merchintel crawl` first or pass --db.")
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30, check_same_thread=False)
        else:
            if not path.parent.is_dir():
                # a mistyped --db must not create directories without a word
                raise StoreError(f"the directory of database {path} does not exist; create {path.parent} "
                                 f"first or pass another --db.")
            conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        if not readonly:
            _setup_with_retry(db)
        return db
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {path}: {exc}; check the path or pass another --db.") from exc


def _setup_with_retry(db: sqlite_utils.Database, *, seconds: float = 30.0) -> None:
    """WAL mode and schema, retried while another process holds the lock.

    Switching to WAL and creating tables need a write lock that SQLite's busy handler does
    not always wait for (two workers opening one new database at the same moment).
    """

    deadline = time.monotonic() + seconds
    delay = 0.05
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            # a row deleted later leaves no copy of its bytes in free pages (first law)
            db.execute("PRAGMA secure_delete=ON")
            if _schema_complete(db):
                return
            # Check-then-create must happen under the write lock, or two processes opening
            # one new file both see a table missing and the second CREATE fails.
            db.conn.execute("BEGIN IMMEDIATE")
            try:
                ensure_schema(db)
            except BaseException:
                db.conn.rollback()
                raise
            db.conn.commit()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            try:
                db.conn.rollback()
            except sqlite3.Error:
                pass
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _missing(db: sqlite_utils.Database) -> list[tuple[Table, bool, list[Column], list[tuple[str, ...]]]]:
    """Per table of TABLES that needs work: (spec, table missing, missing columns, missing indexes)."""
    names = set(db.table_names())
    out = []
    for spec in TABLES:
        if spec.name not in names:
            out.append((spec, True, [], [tuple(cols) for cols in spec.indexes]))
            continue
        table = db[spec.name]
        have = {c.name for c in table.columns}
        existing = {tuple(ix.columns) for ix in table.indexes}
        cols = [col for col in spec.columns if col.name not in have]
        indexes = [tuple(ix) for ix in spec.indexes if tuple(ix) not in existing]
        if cols or indexes:
            out.append((spec, False, cols, indexes))
    return out


def _schema_complete(db: sqlite_utils.Database) -> bool:
    """True when every table, column and index of TABLES is already there (no lock needed)."""
    return MIGRATIONS in db.table_names() and not _missing(db)


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create missing tables, columns and indexes. Idempotent."""
    if MIGRATIONS not in db.table_names():
        db[MIGRATIONS].create({"name": str, "applied_at": str}, pk="name")
    for spec, create, cols, indexes in _missing(db):
        table = db[spec.name]
        if create:
            table.create(spec.column_types, pk=spec.pk, not_null=set(spec.not_null) or None)
            db[MIGRATIONS].insert({"name": f"create:{spec.name}", "applied_at": now_iso()}, replace=True)
        for col in cols:
            table.add_column(col.name, col.type)
            db[MIGRATIONS].insert({"name": f"add:{spec.name}.{col.name}", "applied_at": now_iso()}, replace=True)
        for ix in indexes:
            table.create_index(list(ix), if_not_exists=True)


def describe() -> dict[str, Any]:
    """Datasette-style metadata: table and column descriptions."""
    return {
        "tables": {
            t.name: {"description": t.doc, "columns": {c.name: c.doc for c in t.columns}} for t in TABLES
        }
    }


def upsert_seen(db: sqlite_utils.Database, table: str, row: dict[str, Any], *, now: str | None = None,
                ) -> None:
    """Upsert a row that carries first_seen/last_seen: first_seen is kept, last_seen moves on."""
    spec = TABLES_BY_NAME[table]
    now = now or now_iso()
    row = dict(row)
    row.setdefault("last_seen", now)
    pk = spec.pk if isinstance(spec.pk, tuple) else (spec.pk,)
    first = row.pop("first_seen", None) or now
    db[table].upsert(row, pk=pk)
    where = " AND ".join(f"[{k}] = ?" for k in pk)
    db.execute(f"UPDATE [{table}] SET first_seen = ? WHERE {where} AND first_seen IS NULL",
               [first, *(row[k] for k in pk)])


def rows(db: sqlite_utils.Database, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
    return list(db.query(sql, list(params)))
