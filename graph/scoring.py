"""How much one shared value says about two sites having one operator.

The weight of a value is ``kind_weight(kind) * rarity(kind, n)``, zero for CDN
addresses and WHOIS privacy-proxy contacts; a domain–domain link combines the
weights of every value the two sites share as a noisy-OR,
``score = 1 - prod(1 - w)``.  docs/graph.md explains every number here.

>>> value_weight("btc_address", "bc1q…", n_domains=2)
1.0
>>> value_weight("ip", "203.0.113.7", n_domains=2, cdn=True)
0.0
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from crawler.kinds import MONEY_FAMILIES, kind as kind_row, kinds
from crawler.schema import OBSERVATIONS, table_exists

# Weight of one shared value of each link strength (crawler/kinds.py), before rarity.
# strong: payment account, wallet, phone, e-mail, messenger, tracker -> ties two sites alone.
# medium: SOA e-mail, TXT verification token, registrant organisation -> ties alone while rare.
# weak:   IP, MX, name server, SPF include, registrar, ASN -> never ties alone (max 0.15).
STRENGTH_WEIGHT = {"strong": 1.0, "medium": 0.6, "weak": 0.15}

# Order inside the weak class (issue 5: IP > name server > registrar, ASN).
KIND_FACTOR = {"ip": 1.0, "mx": 0.7, "nameserver": 0.5, "spf_include": 0.4, "registrar": 0.2, "asn": 0.2}

# (soft, hard) share limits by strength: a value on n domains counts fully up to `soft`,
# soft/n of its weight up to `hard`, and nothing above `hard` (a theme vendor's tracker, a
# big host's name server, a registrar).  Money (payment accounts, wallets) gets more room:
# nobody lends a merchant account or wallet to unrelated sites, so a wide one is still
# one operator's.  Absolute limits, not IDF (log N/n): IDF depends on the size of the
# database, and a theme tracker on 40 of 100k sites would look rare.
SHARE_LIMITS = {"strong": (4, 200), "medium": (5, 50), "weak": (3, 30)}
MONEY_SHARE_LIMITS = (25, 1000)

# A link at or above this score ties two sites into one cluster.
LINK_THRESHOLD = 0.5

# A non-money value on 3+ sites whose sites fall into this many groups or more that other
# evidence does not tie, two of them already operators of their own (a GA id on four sites
# that each have their own, different wallets and phones), is divided by (groups - 1).
BRIDGE_GROUPS = 3

# Contacts that belong to a WHOIS privacy service or a redaction, not to an operator.
PRIVACY_RE = re.compile(
    r"privacy|proxy|redacted|withheld|whoisguard|domainsbyproxy|contactprivacy|perfectprivacy|"
    r"protected|anonymi[sz]ed|gdpr|not\.?disclosed|abuse@|hostmaster@|dnsadmin@|"
    r"please\s*query|identity\s*shield|"
    # role names that registrars put where an organisation would be: not an operator
    r"^\s*(?:domain\s*admin(?:istrator)?|private\s*(?:person|registrant)|registration\s*private|"
    r"whois\s*agent|n/?a|none|not\s*applicable|individual)\s*$", re.IGNORECASE)
PRIVACY_KINDS = frozenset({"soa_email", "registrant_email", "registrant_org", "email"})

STRENGTHS = ("strong", "medium", "weak")

# Kinds that weigh nothing on shared infrastructure: a CDN address or AS, and a CDN's, a
# shared host's or a free CA's bulk certificate (crawler/capture.py flags those cdn).
CDN_ZERO_KINDS = frozenset({"ip", "asn", "tls_cert", "tls_sans", "header_fp"})


_KIND_CACHE: dict[str, tuple[float, tuple[int, int], bool, str]] = {}


def _kind_params(name: str) -> tuple[float, tuple[int, int], bool, str]:
    got = _KIND_CACHE.get(name)
    if got is None:
        k = kind_row(name)
        strength = k.strength if k.strength in STRENGTH_WEIGHT else "weak"
        weight = STRENGTH_WEIGHT[strength] * KIND_FACTOR.get(name, 1.0)
        limits = MONEY_SHARE_LIMITS if k.family in MONEY_FAMILIES else SHARE_LIMITS[strength]
        got = _KIND_CACHE[name] = (weight, limits, bool(k.personal), strength)
    return got


def strength_of(kind: str) -> str:
    """``strong``, ``medium`` or ``weak`` for a kind."""
    return _kind_params(kind)[3]


def is_personal(kind: str) -> bool:
    """True for kinds that are personal data (pseudonymised by ``export --pseudonymize``)."""
    return _kind_params(kind)[2]


def kind_weight(kind: str) -> float:
    """Weight of a shared value of this kind before rarity (1.0 strong … 0.03 registrar)."""
    return _kind_params(kind)[0]


def rarity(kind: str, n_domains: int) -> float:
    """1 up to the soft share limit, soft/n up to the hard limit, 0 above it.

    >>> rarity("ga_tracking_id", 8)
    0.5
    """
    soft, hard = _kind_params(kind)[1]
    n = max(int(n_domains), 1)
    if n <= soft:
        return 1.0
    if n > hard:
        return 0.0
    return soft / n


def is_privacy_value(kind: str, value: str) -> bool:
    """WHOIS privacy proxies and redactions (``contact@privacyguardian.org``) vs a real mailbox."""
    return kind in PRIVACY_KINDS and bool(PRIVACY_RE.search(value or ""))


def bridge_checked(kind: str) -> bool:
    """Kinds whose spread is checked for unrelated groups: strong and medium, except money
    (a merchant account or wallet is not lent to unrelated sites)."""
    weight, limits, _, strength = _kind_params(kind)
    return strength != "weak" and limits != MONEY_SHARE_LIMITS


def value_weight(kind: str, value: str | None = None, n_domains: int = 2, cdn: bool = False,
                 groups: int = 0) -> float:
    """Weight (0..1) of one value shared by ``n_domains`` sites; see the module docstring.

    groups: how many unrelated groups of sites the value would join, when it joins at least
    two separate operators (graph.links.all_links decides; 0: it does not).  From
    BRIDGE_GROUPS on, a value that is not money is divided by ``groups - 1``: it looks like
    a theme vendor's or a template's, not an operator's.
    """
    if cdn and kind in CDN_ZERO_KINDS:
        return 0.0
    if value is not None and is_privacy_value(kind, value):
        return 0.0
    w = kind_weight(kind) * rarity(kind, n_domains)
    if groups >= BRIDGE_GROUPS and bridge_checked(kind):
        w /= groups - 1
    return round(w, 6)


def combine(weights: Iterable[float]) -> float:
    """Noisy-OR of independent pieces of evidence: ``1 - prod(1 - w)``."""
    p = 1.0
    for w in weights:
        p *= 1.0 - max(0.0, min(1.0, w))
    return round(1.0 - p, 6)


def strength_at_least(kind: str, min_strength: str) -> bool:
    """True if the kind's strength is at least ``min_strength`` (strong > medium > weak)."""
    if min_strength not in STRENGTHS:
        raise ValueError(f"min_strength must be one of {STRENGTHS}, not {min_strength!r}")
    return STRENGTHS.index(strength_of(kind)) <= STRENGTHS.index(min_strength)


# ---------------------------------------------------------------------------------------
# Value statistics from the database
# ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class ValueStat:
    kind: str
    value: str
    n_domains: int
    cdn: bool
    first_seen: str | None
    last_seen: str | None
    weight: float = 0.0
    domains: tuple[str, ...] = ()
    groups: int = 0            # groups its sites fall into without it (set by graph.links.all_links)
    base_weight: float = 0.0   # weight from kind and count only

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.value}"


def cdn_ips(db: Any) -> set[str]:
    """IPs enrichment marked as CDN / shared hosting (ip_info.cdn, when that table exists)."""
    if not table_exists(db, "ip_info"):
        return set()
    cols = {r[1] for r in db.execute("PRAGMA table_info(ip_info)").fetchall()}
    ip_col = next((c for c in ("ip", "address", "addr") if c in cols), None)
    if ip_col is None or "cdn" not in cols:
        return set()
    return {r[0] for r in db.execute(f"SELECT [{ip_col}] FROM ip_info WHERE cdn IS NOT NULL AND cdn "
                                      "NOT IN (0, '', '0', 'false')")}


def value_stats(db: Any, *, with_domains: bool = False) -> dict[tuple[str, str], ValueStat]:
    """Per (kind, value): how many distinct domains carry it, CDN flag, first/last seen.

    Counts over the whole database (not a case): a value common elsewhere stays common.
    ``with_domains`` also returns the domain lists of values on 2..hard-limit domains.
    """
    cdn = cdn_ips(db)
    out: dict[tuple[str, str], ValueStat] = {}
    dom_expr = "group_concat(DISTINCT domain)" if with_domains else "NULL"
    sql = (f"SELECT kind, value, COUNT(DISTINCT domain), MAX(instr(flags, '\"cdn\"') > 0), "
           f"MIN(first_seen), MAX(last_seen), {dom_expr} FROM [{OBSERVATIONS}] "
           "WHERE domain IS NOT NULL AND domain != '' GROUP BY kind, value")
    for kind, value, n, flag_cdn, first, last, doms in db.execute(sql):
        is_cdn = bool(flag_cdn) or (kind == "ip" and value in cdn)
        w = value_weight(kind, value, max(n, 2), is_cdn)
        st = ValueStat(kind, value, n, is_cdn, first, last, w, base_weight=w)
        if doms and n >= 2:
            soft, hard = _kind_params(kind)[1]
            if n <= hard:
                st.domains = tuple(doms.split(","))
        out[(kind, value)] = st
    return out


def domain_count(db: Any, kind: str, value: str, cdn: set[str] | None = None) -> tuple[int, bool]:
    """(number of distinct domains carrying the value, CDN flag) for one value."""
    n, flag = db.execute(f"SELECT COUNT(DISTINCT domain), MAX(instr(flags, '\"cdn\"') > 0) FROM "
                         f"[{OBSERVATIONS}] WHERE kind = ? AND value = ?", [kind, value]).fetchone()
    if cdn is None and kind == "ip":
        cdn = cdn_ips(db)
    is_cdn = bool(flag) or (kind == "ip" and value in (cdn or ()))
    return int(n or 0), is_cdn


def weight_table() -> list[dict[str, Any]]:
    """Kind weights and share limits, for docs and ``merchintel links --explain``."""
    names = sorted(kinds())
    out = []
    for n in names:
        w, (soft, hard), personal, strength = _kind_params(n)
        out.append({"kind": n, "strength": strength, "weight": round(w, 3), "soft_limit": soft,
                    "hard_limit": hard, "personal": personal})
    return out

