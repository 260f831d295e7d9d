"""Port-43 WHOIS text -> registration fields, for the formats registries and registrars really send.

Chosen by measurement over ``tests/whois_corpus`` (real responses from 40 TLDs; the table
is in docs/enrich.md): one reader for every layout we met, then field rules, then a few
per-registry templates where the layout alone cannot say which value is the registrant's.

The reader (``read``) turns text into entries ``(section, key, value, block)``:

- ``Key: value`` and ``Key.......: value`` (ICANN, TCI, CZ.NIC, Traficom, KazNIC …);
- ``[Key]   value`` (JPRS);  ``Key<TAB>value`` (SWITCH);
- a heading, with or without a colon, whose lines follow until a blank line: indented
  (Nominet, SIDN, EURid, .it, .be) or not (.pl ``REGISTRAR:``, .dk ``Nameservers``,
  SWITCH ``Name servers``); keys inside it get the heading as section;
- continuation lines, more indented than their key (.pl ``nameservers:``, .it addresses);
- ``block``: blank-line separated objects (RPSL-like: .fr, .at, .cz, .ua, .br), so a
  registrant handle (``holder-c``, ``registrant``) can be looked up in its own object.

Before reading, a referral preamble (whois.iana.org's answer for the TLD, printed by many
clients above the registry's) is dropped, so the root's gtld-servers and dates are never
taken for the domain's. Hostile input is capped (``MAX_PARSE_CHARS``, ``MAX_LINE_CHARS``)
so a 10 MB answer or an endless line parses in a few milliseconds.

A field the response does not publish stays ``None`` / ``[]``: a handle is not a name, a
redaction notice is not an organisation, a name-server handle is not a host name.

>>> r = fields("x.dk", "Domain: x.dk\\nRegistered: 1996-05-23\\n\\nNameservers\\nHostname: ns1.y.dk\\n")
>>> r["created"], r["nameservers"]
('1996-05-23T00:00:00Z', ['ns1.y.dk'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from typing import Any

MAX_PARSE_CHARS = 32_000     # real answers are < 8 kB (the corpus: at most 6 kB, 100 lines, legal text included)
MAX_LINE_CHARS = 1_000
MAX_LINES = 400

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_HOST = re.compile(r"^(?=.{4,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,62})?\.)+[a-z0-9-]{2,63}$")
_IP = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:]+:[0-9a-f:]*)$", re.I)
_HANDLE = re.compile(r"^(?=.*\d)[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$")
# (matched on a line without its indentation, so no pattern backtracks over leading blanks)
_COLON_KEY = re.compile(r"^()([^\s:\[%#>;][^:\t]{0,58}?)\s*\.*\s*:(?:\s+|$)(.*)$")
_KEY_URL = re.compile(r"^()([A-Za-z][\w -]{0,40}):(https?://\S+)$")   # RU-CENTER's "admin-contact:https://…"
_BRACKET_KEY = re.compile(r"^\[([^\]\s][^\]]{0,40})\]\s*(.*)$")
_TAB_KEY = re.compile(r"^(\S[^\t]{0,58}?)\t+\s*(\S.*)$")
_SKIP = ("%", "#", ";", ">>>", "<<<", '"', "[ ", "[\t", "*")
_URL_SCHEME = re.compile(r"^\s*(?:https?|whois|rwhois)$", re.I)
_REDACTED = re.compile(
    r"redacted|not disclosed|not shown|data protected|^withheld\b|data withheld|information withheld|non-public|"
    r"not available from registry|"
    r"please query the rdds|gdpr masked|statutory masking|^\(?hidden\)?$|^private person$|^n/?a$|^-+$|^none$|"
    r"^not applicable$|^\*+n/a\*+$|data not disclosed", re.I)
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_EARLIEST_YEAR = 1980   # "0001-01-01" (a registrar's "never") and other zero dates are no date


@dataclass(slots=True)
class Entry:
    section: str | None
    key: str | None       # None: a bare value line inside a section
    value: str
    block: int
    n: int = 0            # a bare value line's place in its section (0: the first)


@lru_cache(maxsize=4096)
def _norm_key(k: str) -> str:
    return re.sub(r"\s+", " ", k.strip().rstrip(".").strip()).lower()


def strip_referral_preamble(text: str) -> str:
    """Drop whois.iana.org's answer printed above the registry's (``source: IANA``)."""
    m = None
    for m in re.finditer(r"^source:[ \t]*IANA[ \t]*$", text, re.M):
        pass
    return text[m.end():] if m else text


def read(text: str) -> list[Entry]:
    """Entries of a WHOIS answer (see the module docstring)."""
    text = strip_referral_preamble(text[:MAX_PARSE_CHARS])
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:MAX_LINES]
    out: list[Entry] = []
    block = 0
    section: str | None = None
    section_indent = -1
    last: Entry | None = None      # the entry a more indented bare line continues
    last_indent = 0
    pending_header: tuple[str, int] | None = None   # "Key:" with nothing after it
    in_section = 0        # entries read into the current section
    for raw in lines:
        line = raw[:MAX_LINE_CHARS].rstrip()
        body = line.lstrip()
        if not body:
            if pending_header is not None or section is not None or last is not None:
                block += 1
            if section is not None and in_section == 0 and section_indent < 0:
                continue  # Traficom: "Holder", a blank line, then the holder's lines: the heading still holds
            section, section_indent, last, pending_header = None, -1, None, None
            continue
        if body.startswith(_SKIP) or body == "--" or ("[" not in body and body.rstrip('"').rstrip().endswith("]")):
            continue   # comments, banners, JPRS's "[ … ]" notice (also when a client broke its lines)
        indent = min(len(line) - len(body), 200)
        if pending_header is not None:
            name, h_indent = pending_header
            pending_header = None
            kv = _COLON_KEY.match(body)
            # "Registrar WHOIS Server:" then "Registrar URL: x" at the same indentation: an empty field,
            # not a heading. "Registrar:" then "   Name" / "Name: x" deeper, or a bare line: a heading.
            if indent > h_indent or not kv:
                section, section_indent, in_section = name, h_indent, 0
        m = _BRACKET_KEY.match(body)
        if m:
            key, value = _norm_key(m.group(1)), m.group(2).strip()
            last = Entry(section, key, value, block)
            out.append(last)
            last_indent = indent
            in_section += 1
            continue
        m = _COLON_KEY.match(body) or _KEY_URL.match(body)
        if m and not _URL_SCHEME.match(m.group(2)):
            key, value = _norm_key(m.group(2)), m.group(3).strip()
            if not value:
                pending_header = (key, indent)
                last = None
                continue
            last = Entry(section, key, value, block)
            out.append(last)
            last_indent = indent
            in_section += 1
            continue
        m = _TAB_KEY.match(body) if indent == 0 else None
        if m and section is None:
            last = Entry(None, _norm_key(m.group(1)), m.group(2).strip(), block)
            out.append(last)
            last_indent = indent
            continue
        # a bare line: continuation of the key above (more indented), a section's value, or a heading
        if last is not None and indent > last_indent and last.key is not None and section is None:
            out.append(Entry(last.section, last.key, body, block))
            continue
        if section is not None:
            out.append(Entry(section, None, body, block, in_section))
            in_section += 1
            continue
        if indent == 0 and len(line) <= 60 and len(line.split()) <= 6 and not line.endswith((".", "!", ",")):
            section, section_indent, in_section = _norm_key(line.split("\t")[0]), -1, 0  # bare heading
            last = None
            continue
    return out


# ---------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------
def parse_date(value: Any) -> str | None:
    """A WHOIS date as ISO-8601 UTC, or None. Knows the forms registries write:

    >>> [parse_date(v) for v in ("2019-09-09T08:39:04-0700", "19961206 #24302", "4.7.2021 10:15:55",
    ...  "21-March-2002", "Tue Dec 12 2000", "2010/09/22", "2020/10/01 01:05:09 (JST)", "before 01 January 1996")]
    ['2019-09-09T15:39:04Z', '1996-12-06T00:00:00Z', '2021-07-04T10:15:55Z', '2002-03-21T00:00:00Z', \
'2000-12-12T00:00:00Z', '2010-09-22T00:00:00Z', '2020-09-30T16:05:09Z', None]
    """
    if value is None:
        return None
    s = str(value).strip()[:80]
    if not s:
        return None
    tz: timezone | None = None
    if "(JST)" in s:
        tz = timezone(timedelta(hours=9))
    y = mo = d = None
    hh = mm = ss = 0
    m = re.match(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?\s*"
                 r"(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?", s)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        if m[4]:
            hh, mm, ss = int(m[4]), int(m[5]), int(m[6] or 0)
        z = m[7]
        if z and z[0] in "+-":
            sign = 1 if z[0] == "+" else -1
            digits = z[1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))
        elif z:
            tz = timezone.utc
    elif (m := re.match(r"^(\d{4})(\d{2})(\d{2})(?:\s+(\d{2}):(\d{2}):(\d{2}))?(?:\s|$|#)", s)):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        if m[4]:
            hh, mm, ss = int(m[4]), int(m[5]), int(m[6])
    elif (m := re.match(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?", s)):
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
        if m[4]:
            hh, mm, ss = int(m[4]), int(m[5]), int(m[6] or 0)
    elif (m := re.match(r"^(\d{1,2})[- ]([A-Za-z]{3,9})[- ](\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?", s)):
        d, mo, y = int(m[1]), _MONTHS.get(m[2][:3].lower()), int(m[3])
        if m[4]:
            hh, mm, ss = int(m[4]), int(m[5]), int(m[6] or 0)
    elif (m := re.match(r"^(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3,9})\s+(\d{1,2}),?\s+(?:(\d{1,2}):(\d{2}):(\d{2})\s+)?"
                        r"(?:[A-Z]{3,4}\s+)?(\d{4})", s)):
        mo, d, y = _MONTHS.get(m[1][:3].lower()), int(m[2]), int(m[6])
        if m[3]:
            hh, mm, ss = int(m[3]), int(m[4]), int(m[5])
    if not (y and mo and d) or y < _EARLIEST_YEAR:
        return None
    try:
        dt = datetime(y, mo, d, hh, mm, ss, tzinfo=tz or timezone.utc)
    except ValueError:
        return None
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def clean_ns(value: str) -> str | None:
    token = value.strip().split()[0] if value.strip() else ""
    token = token.rstrip(".,").lower()
    if not token or _IP.match(token) or not _HOST.match(token):
        return None
    return token


def clean_statuses(value: str) -> list[str]:
    value = re.sub(r"\s*\(?https?://\S+\)?", "", value).strip(" -")
    parts = [p.strip() for p in value.split(",")] if "," in value else [value]
    return [p for p in parts if p]


def is_redaction(value: str | None) -> bool:
    return bool(value) and bool(_REDACTED.search(str(value).strip()))


# ---------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------
# (section or None for top level or "*" for any, key) groups in priority order; within a group
# the first entry in document order wins.
REGISTRAR = [
    [(None, "registrar"), (None, "sponsoring registrar"), (None, "registrar name"), (None, "current registar"),
     (None, "current registrar"), ("registrar", "organization"), ("registrar", "organisation"), ("registrar", "name"),
     ("registrar", None), (None, "account name"), ("registrar", "registrar")],
    [("*", "registrar handle"), ("*", "registrar")],
]
CREATED = [[("*", k) for k in ("creation date", "created", "registered", "registered on", "registration date",
                               "registration time", "domain created", "created on", "domain record activated",
                               "domain registration date", "first registration date", "登録年月日", "record created",
                               "domain create date", "registration")]]
UPDATED = [[("*", k) for k in ("updated date", "last updated", "last-update", "last update", "modified", "changed",
                               "last modified", "last-modified", "最終更新", "domain last updated date",
                               "last updated date", "record last updated on", "updated")]]
EXPIRES = [[("*", "registry expiry date")],
           [("*", k) for k in ("expiry date", "expires", "expire", "expire date", "expiration date", "paid-till",
                               "renewal date", "expiration time", "expires on", "有効期限", "有効限", "expiry",
                               "registrar registration expiration date", "domain expiration date", "valid until",
                               "registry expiration date")]]
NS_KEYS = {"name server", "nserver", "nameserver", "nameservers", "name servers", "domain nameservers", "hostname",
           "primary server", "secondary server", "dns server", "ns", "host name", "name server 1", "name server 2"}
NS_SECTIONS = {"name servers", "nameservers", "domain nameservers", "nserver", "name server", "dns servers",
               "servers"}
STATUS_KEYS = {"domain status", "status", "state", "registration status", "renewal status", "状態", "flags",
               "eppstatus", "domain state"}
STATUS_SECTIONS = {"registration status", "flags", "status", "domain status"}
CONTACT_BLOCK_KEYS = {"nic-hdl", "nic-hdl-br", "person", "contact", "e-mail", "personname", "address", "phone"}
ORG_KEYS = [[("*", "registrant organization"), ("*", "registrant organisation"), (None, "registrant"),
             (None, "domain holder"), (None, "owner"), (None, "org"), (None, "organization name"),
             ("organization using domain name", "organization name"), ("registrant", "organization"),
             ("registrant", "organisation"), ("registrant", "name"), ("registrant", None), ("holder", "name"),
             (None, "holder"), (None, "登録者名"), (None, "registrant name (organization)"),
             (None, "registrant contact organisation"), (None, "registrant org")]]
COUNTRY_KEYS = [[("*", "registrant country"), ("*", "registrant country code"), ("registrant", "country"),
                 ("holder", "country"), ("organization using domain name", "country"),
                 (None, "registrant contact country")]]


def _first(index: dict, groups, *, accept=lambda v: True) -> str | None:
    """The first accepted value among ``(section, key)`` pairs, group by group (see REGISTRAR)."""
    for group in groups:
        found: list[tuple[int, Entry]] = []
        for section, key in group:
            if section == "*":
                found += index.get(("*", key), [])
            else:
                found += index.get((section, key), [])
        for _, e in sorted(found, key=lambda t: t[0]):
            if e.value and accept(e.value):
                return e.value
    return None


def _index(entries: list[Entry]) -> dict[tuple[str | None, str | None], list[tuple[int, Entry]]]:
    """(section, key) and ("*", key) -> [(position, entry)]; a section's value lines beyond its first are left out."""
    out: dict = {}
    for i, e in enumerate(entries):
        if e.key is None and e.n:       # a section's value is its first line (the rest: an address)
            continue
        out.setdefault((e.section, e.key), []).append((i, e))
        if e.key is not None:
            out.setdefault(("*", e.key), []).append((i, e))
    return out


def _blocks(entries: list[Entry]) -> dict[int, dict[str, list[str]]]:
    out: dict[int, dict[str, list[str]]] = {}
    for e in entries:
        if e.key is not None and e.section is None:
            out.setdefault(e.block, {}).setdefault(e.key, []).append(e.value)
    return out


def _contact_block(blocks, handle: str) -> dict[str, list[str]] | None:
    h = handle.strip().lower()
    for b in blocks.values():
        for k in ("nic-hdl", "nic-hdl-br", "contact", "handle"):
            if any(v.strip().lower() == h for v in b.get(k, [])):
                return b
    return None


def _registrant_from_handles(entries, blocks) -> tuple[str | None, str | None]:
    """RPSL-like registries (.fr holder-c, .at/.cz registrant): the handle's own object."""
    for key in ("holder-c", "registrant", "owner-c", "holder"):
        for e in entries:
            if e.key == key and e.section is None and _HANDLE.match(e.value.strip()):
                b = _contact_block(blocks, e.value)
                if b:
                    org = next((v for k in ("org", "organization", "organisation", "contact", "organization-loc")
                                for v in b.get(k, []) if v.strip() and not is_redaction(v)), None)
                    country = next((v for k in ("country", "country-loc") for v in b.get(k, []) if v.strip()), None)
                    return org, country
                return None, None
    return None, None


def _ua_registrant(blocks) -> tuple[str | None, str | None]:
    """UA: the first contact object after the registrar's."""
    seen_registrar = False
    for _, b in sorted(blocks.items()):
        if "registrar" in b and "url" in b:
            seen_registrar = True
            continue
        if seen_registrar and ("person" in b or "person-loc" in b or "e-mail" in b):
            org = next((v for k in ("organization-loc", "organization") for v in b.get(k, [])
                        if v.strip() and not is_redaction(v)), None)
            country = next((v for k in ("country-loc", "country") for v in b.get(k, []) if v.strip()
                            and not is_redaction(v)), None)
            return org, country
    return None, None


def fields(domain: str, text: str) -> dict[str, Any]:
    """The registration fields of one answer (None / [] where it publishes none)."""
    text = (text or "")[:MAX_PARSE_CHARS]
    entries = read(text)
    index = _index(entries)
    blocks = _blocks(entries)
    tld = domain.lower().rstrip(".").rsplit(".", 1)[-1]
    rec: dict[str, Any] = {}

    registrar = _first(index, REGISTRAR, accept=lambda v: not is_redaction(v))
    if registrar:
        registrar = re.sub(r"\s*\[Tag = [^\]]*\]", "", registrar)
        registrar = re.sub(r"\s*\(\s*https?://[^)]*\)\s*$", "", registrar).strip() or None
    rec["registrar"] = registrar

    rec["created"] = parse_date(_first(index, CREATED, accept=lambda v: parse_date(v) is not None))
    rec["updated"] = parse_date(_first(index, UPDATED, accept=lambda v: parse_date(v) is not None))
    rec["expires"] = parse_date(_first(index, EXPIRES, accept=lambda v: parse_date(v) is not None))

    ns: list[str] = []
    seen: set[str] = set()
    for e in entries:
        if e.value in seen:
            continue
        seen.add(e.value)
        if (e.key in NS_KEYS and (e.section is None or e.section in NS_SECTIONS or e.key != "hostname")) or \
                (e.key is None and e.section in NS_SECTIONS):
            if (n := clean_ns(e.value)) and n != domain.lower() and n not in ns:
                ns.append(n)
    if not ns and text.lstrip().startswith("Tonic whoisd"):   # .to: "<label> <nameserver>" lines
        label = domain.split(".")[0].lower()
        for line in text.splitlines()[1:MAX_LINES]:
            p = line.split()
            if len(p) == 2 and p[0].lower() == label and (n := clean_ns(p[1])) and n not in ns:
                ns.append(n)
    rec["nameservers"] = sorted(ns)

    statuses: list[str] = []
    contact_blocks = {i for i, b in blocks.items() if CONTACT_BLOCK_KEYS & b.keys() and "domain" not in b}
    for e in entries:
        if e.block in contact_blocks:
            continue
        if (e.key in STATUS_KEYS and (e.section is None or e.section in STATUS_SECTIONS or e.section == "domain")) \
                or (e.key is None and e.section in STATUS_SECTIONS):
            if tld == "ie" and e.key != "renewal status":
                continue
            for s in clean_statuses(e.value):
                if s not in statuses:
                    statuses.append(s)
    rec["statuses"] = statuses

    org, country = (None, None)
    if tld == "ua":
        org, country = _ua_registrant(blocks)
    if org is None and country is None:
        org, country = _registrant_from_handles(entries, blocks)
    if org is None:
        org = _first(index, ORG_KEYS, accept=lambda v: not _HANDLE.match(v.strip()) and not is_redaction(v))
    if country is None:
        country = _first(index, COUNTRY_KEYS, accept=lambda v: not is_redaction(v))
    rec["registrant_org"] = org.strip() if org else None
    rec["registrant_country"] = country.strip() if country else None

    def any_key(*keys: str) -> str | None:
        return next((e.value for e in entries if e.key in keys and e.value and not is_redaction(e.value)), None)

    rec["registrar_iana_id"] = any_key("registrar iana id", "sponsoring registrar iana id")
    rec["registrar_url"] = any_key("registrar url", "referral url") or _first(
        index, [[("registrar", "url"), ("registrar", "website"), ("registrar", "web"), ("registrar", "www")]])
    rec["abuse_email"] = None
    for e in entries:
        if (e.key and "abuse" in e.key) or (e.section and "abuse" in e.section):
            if m := _EMAIL.search(e.value):
                rec["abuse_email"] = m.group(0).lower()
                break
    rec["abuse_phone"] = any_key("registrar abuse contact phone", "abuse contact phone", "registrar abuse phone")
    rec["registrant_name"] = any_key("registrant name", "registrant contact name")
    email = any_key("registrant email", "registrant contact email", "registrant e-mail")
    rec["registrant_email"] = email if email and _EMAIL.fullmatch(email.strip()) else None
    rec["_redacted_seen"] = any(is_redaction(e.value) for e in entries
                                if e.key and ("registrant" in e.key or e.key in ("holder", "person"))
                                or (e.section in ("registrant", "holder") and e.value))
    return rec
